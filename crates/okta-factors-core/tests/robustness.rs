//! No panics, and the right error kind, for hostile responses: every one of the
//! ten operations, every status 100–599, bodies that are empty, HTML, truncated,
//! mistyped, invalid UTF-8 or huge, with and without a `Content-Type`.
//!
//! The expected outcome of each case is derived independently of the crate:
//!
//! * non-2xx: always `Err`; `Error::Api` for an Okta error body,
//!   `Error::UnexpectedResponse` otherwise (with `oauth` for an OAuth error
//!   body), its excerpt bounded and free of control characters;
//! * 2xx with a non-JSON `Content-Type` and a non-blank body:
//!   `Error::UnexpectedResponse`;
//! * other 2xx: `Ok` exactly when serde_json decodes the body as the
//!   operation's output (`unenroll_factor` accepts anything; the three lists
//!   accept any JSON array, an element that does not decode being kept in the
//!   list as sent), else `Error::Decode` whose `path` names the failing member.
//!
//! Secrets in mistyped members never reach an error's `Display` or `Debug`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use http::{Response, StatusCode};
use okta_factors_core::model::{FactorEnrollment, UserFactor, VerifyOutcome};
use okta_factors_core::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, GetFactor, GetFactorTransactionStatus,
    ListFactors, ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor,
    UnenrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::{Error, Operation, UnexpectedResponse};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A real `token:software:totp` enrollment response (the shape Okta documents).
const FACTOR_JSON: &str = r#"{"id":"ostf1fmaMGJLMNGNLIVG","factorType":"token:software:totp","provider":"OKTA","vendorName":"OKTA","status":"PENDING_ACTIVATION","created":"2014-07-16T16:13:56.000Z","lastUpdated":"2014-08-06T00:31:07.000Z","profile":{"credentialId":"dade.murphy@example.com"},"_links":{"activate":{"href":"https://dev-123456.okta.com/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/lifecycle/activate","hints":{"allow":["POST"]}},"self":{"href":"https://dev-123456.okta.com/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG","hints":{"allow":["GET"]}},"user":{"href":"https://dev-123456.okta.com/api/v1/users/00u15s1KDETTQMQYABRL","hints":{"allow":["GET"]}}},"_embedded":{"activation":{"timeStep":30,"sharedSecret":"JBSWY3DPEHPK3PXP","encoding":"base32","keyLength":6,"_links":{"qrcode":{"href":"https://dev-123456.okta.com/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/qr/00fukNElRS_Tz6k-CFhg3pH4KO2dj2guhmaapXWbc4","type":"image/png"}}}}}"#;

/// The shared secret inside [`FACTOR_JSON`].
const FACTOR_SECRET: &str = "JBSWY3DPEHPK3PXP";

const CONTENT_TYPES: [Option<&str>; 4] = [
    None,
    Some("application/json"),
    Some("application/json;charset=UTF-8"),
    Some("text/html"),
];

/// Non-2xx statuses that get every content type (the others get one each, in
/// turn: for an error status the content type is only reported, never used to
/// decide anything, and this keeps the sweep fast in debug builds).
const ERROR_STATUSES_ALL_CONTENT_TYPES: [u16; 16] = [
    100, 101, 199, 300, 304, 399, 400, 401, 403, 404, 429, 499, 500, 502, 503, 599,
];

/// The content types a status is swept with: all of them for every 2xx and for
/// [`ERROR_STATUSES_ALL_CONTENT_TYPES`], one (rotating) for the other statuses.
fn content_types(status: u16) -> Vec<Option<&'static str>> {
    if (200..300).contains(&status) || ERROR_STATUSES_ALL_CONTENT_TYPES.contains(&status) {
        CONTENT_TYPES.to_vec()
    } else {
        vec![CONTENT_TYPES[usize::from(status) % CONTENT_TYPES.len()]]
    }
}

/// Statuses that also get the 1 MB body.
const HUGE_STATUSES: [u16; 8] = [100, 200, 204, 299, 404, 429, 502, 599];

const REQUEST_ID: &str = "X0f4RnNPapvRLvhscmTkBgAABqk";

/// What a non-2xx response with this body must give.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ErrorBody {
    /// An Okta error body: `Error::Api` with this `errorCode`.
    Api(Option<&'static str>),
    /// An OAuth error body: `Error::UnexpectedResponse` with `oauth`.
    OAuth,
    /// Anything else: `Error::UnexpectedResponse` without `oauth`.
    Other,
}

struct Body {
    label: String,
    bytes: Vec<u8>,
    on_error: ErrorBody,
}

fn body(label: &str, bytes: impl Into<Vec<u8>>, on_error: ErrorBody) -> Body {
    Body {
        label: label.to_owned(),
        bytes: bytes.into(),
        on_error,
    }
}

/// Where a real factor JSON is cut: both ends, the quarters, and inside the
/// shared secret.
fn truncation_points() -> Vec<usize> {
    let len = FACTOR_JSON.len();
    let secret = FACTOR_JSON.find(FACTOR_SECRET).unwrap();
    let mut cuts = vec![
        1,
        2,
        10,
        len / 4,
        len / 3,
        len / 2,
        secret - 1,
        secret + 4,
        3 * len / 4,
        len - 2,
        len - 1,
    ];
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

fn bodies() -> Vec<Body> {
    use ErrorBody::{Api, OAuth, Other};
    let mut bodies = vec![
        body("empty", "", Other),
        body("whitespace", " \r\n\t ", Other),
        body("null", "null", Other),
        body("empty array", "[]", Other),
        body("empty object", "{}", Other),
        body("string", "\"string\"", Other),
        body("number", "42", Other),
        body("html", "<html><body>502 Bad Gateway</body></html>", Other),
        body(
            "control chars",
            "\x1b[31mError\x07\x00\r\n\x7f\u{85}done",
            Other,
        ),
        body("factorType number", r#"{"factorType": 5}"#, Other),
        body(
            "profile string",
            r#"[{"factorType":"sms","profile":"x"}]"#,
            Other,
        ),
        body("factorResult array", r#"{"factorResult": []}"#, Other),
        body(
            "profile member number",
            r#"[{"factorType":"sms","profile":{"phoneNumber":5}}]"#,
            Other,
        ),
        body(
            "profile member number, profile first",
            r#"[{"profile":{"phoneNumber":5},"factorType":"sms"}]"#,
            Other,
        ),
        body(
            "second factorType number",
            r#"[{"factorType":"sms"},{"factorType":7}]"#,
            Other,
        ),
        body("enrollment number", r#"[{"enrollment": 3}]"#, Other),
        body("question number", r#"[{"question": 3}]"#, Other),
        body(
            "links string",
            r#"{"factorType":"sms","_links":"x"}"#,
            Other,
        ),
        body("invalid utf8", &b"\xff\xfe\x00garbage\xc3"[..], Other),
        body(
            "invalid utf8 in string",
            &b"{\"factorType\":\"sms\xff\"}"[..],
            Other,
        ),
        body("real factor", FACTOR_JSON, Other),
        body(
            "oauth error",
            r#"{"error":"invalid_token","error_description":"The access token is invalid"}"#,
            OAuth,
        ),
        body(
            "okta error",
            r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oaeXK8NbkVmSBC6n4zOB6A8Ng","errorCauses":[]}"#,
            Api(Some("E0000011")),
        ),
        body(
            "okta error, causes object",
            r#"{"errorCode":"E0000001","errorSummary":"Api validation failed: factorEnrollRequest","errorCauses":{"errorSummary":"There is an existing verified phone number."}}"#,
            Api(Some("E0000001")),
        ),
        body(
            "okta error, code only",
            r#"{"errorCode":"E0000068"}"#,
            Api(Some("E0000068")),
        ),
        body("okta error, code mistyped", r#"{"errorCode": 5}"#, Other),
    ];
    for cut in truncation_points() {
        bodies.push(body(
            &format!("truncated at {cut}"),
            &FACTOR_JSON.as_bytes()[..cut],
            Other,
        ));
    }
    bodies
}

fn huge_body() -> Body {
    body("1 MB of [", vec![b'['; 1 << 20], ErrorBody::Other)
}

/// What to assert about `DecodeError::path`.
#[derive(Debug, Clone, Copy)]
enum PathCheck {
    /// Exactly this path.
    Exact(&'static str),
    /// Only that it is not empty.
    NonEmpty,
}

/// The path the decode error of `body` must have for operation `op`, where the
/// body does not decode.
fn expected_path(op: &str, body: &Body) -> PathCheck {
    use PathCheck::{Exact, NonEmpty};
    let label = body.label.as_str();
    let activate = op == "activate_factor";
    // Operations whose 2xx body is one factor.
    let factor = activate || matches!(op, "get_factor" | "enroll_factor" | "resend_enroll_factor");
    let verify = matches!(op, "verify_factor" | "get_factor_transaction_status");
    let list = op.starts_with("list_");
    let explicit = match label {
        _ if label.starts_with("truncated") || label.starts_with("1 MB") => Some(NonEmpty),
        "factorType number" if factor => Some(Exact("factorType")),
        // Not JSON at all: the path names where the bytes break, whatever the type.
        "invalid utf8 in string" => Some(Exact("factorType")),
        "links string" if factor || verify => Some(Exact("_links")),
        "factorResult array" if verify || activate => Some(Exact("factorResult")),
        // A list fails only when it is not a JSON array: an element that
        // does not decode is kept in it (see `list_elements_that_do_not_decode`).
        _ => None,
    };
    if let Some(check) = explicit {
        return check;
    }
    match serde_json::from_slice::<Value>(&body.bytes) {
        // Not JSON at all: the root.
        Err(_) => Exact("."),
        // The wrong JSON type at the top.
        Ok(top) if list != top.is_array() => Exact("."),
        // A factor object without factorType (and, for activate, without the
        // factorResult of a waiting push).
        Ok(Value::Object(object))
            if factor
                && !object.contains_key("factorType")
                && !(activate && object.contains_key("factorResult")) =>
        {
            Exact(".")
        }
        Ok(_) => NonEmpty,
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

fn is_json_content_type(content_type: Option<&str>) -> bool {
    match content_type {
        None => true,
        Some(ct) => ct.starts_with("application/json"),
    }
}

fn check_unexpected(
    what: &What<'_>,
    e: &UnexpectedResponse,
    status: StatusCode,
    content_type: Option<&str>,
) {
    assert_eq!(e.status, status, "{what}");
    assert_eq!(e.content_type.as_deref(), content_type, "{what}");
    assert!(
        e.excerpt.len() <= UnexpectedResponse::EXCERPT_LIMIT,
        "{what}: excerpt of {} bytes",
        e.excerpt.len()
    );
    assert!(
        !e.excerpt.chars().any(char::is_control),
        "{what}: control character in excerpt {:?}",
        e.excerpt
    );
    assert_eq!(e.meta.request_id.as_deref(), Some(REQUEST_ID), "{what}");
}

/// Names a case in assertion messages; formatted only when one fails.
struct What<'a> {
    op: &'static str,
    status: u16,
    content_type: Option<&'a str>,
    label: &'a str,
}

impl std::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {:?} [{}]",
            self.op, self.status, self.content_type, self.label
        )
    }
}

/// A body with what an operation must make of it on a 2xx, computed once.
struct Case<'a> {
    body: &'a Body,
    /// serde_json decodes it as the operation's output.
    decodes: bool,
    /// The decode error's path otherwise.
    path: PathCheck,
}

/// Parses one response and checks the outcome.
fn check<O: Operation>(op: &O, status: u16, content_type: Option<&str>, case: &Case<'_>)
where
    O::Output: std::fmt::Debug,
{
    let body = case.body;
    let what = What {
        op: O::NAME,
        status,
        content_type,
        label: &body.label,
    };
    let mut builder = Response::builder()
        .status(status)
        .header("x-okta-request-id", REQUEST_ID)
        .header("x-rate-limit-remaining", "7");
    if let Some(ct) = content_type {
        builder = builder.header("content-type", ct);
    }
    let response = builder.body(body.bytes.as_slice()).unwrap();
    let status = response.status();
    let result = op.parse_response(response);

    if let Err(e) = &result {
        // Display and Debug never panic either (Debug on a sample, for speed).
        assert!(!e.to_string().is_empty(), "{what}");
        if status.as_u16().is_multiple_of(50) {
            assert!(!format!("{e:?}").is_empty(), "{what}");
        }
        assert_eq!(e.status(), Some(status), "{what}");
        assert_eq!(e.meta().unwrap().rate_limit.remaining, Some(7), "{what}");
    }

    if !status.is_success() {
        match (body.on_error, &result) {
            (ErrorBody::Api(code), Err(Error::Api(api))) => {
                assert_eq!(api.status, status, "{what}");
                assert_eq!(api.code(), code, "{what}");
                assert_eq!(api.meta.request_id.as_deref(), Some(REQUEST_ID), "{what}");
            }
            (ErrorBody::OAuth, Err(Error::UnexpectedResponse(e))) => {
                check_unexpected(&what, e, status, content_type);
                let oauth = e.oauth.as_ref().expect("oauth");
                assert_eq!(oauth.error, "invalid_token", "{what}");
                assert_eq!(
                    oauth.description.as_deref(),
                    Some("The access token is invalid"),
                    "{what}"
                );
            }
            (ErrorBody::Other, Err(Error::UnexpectedResponse(e))) => {
                check_unexpected(&what, e, status, content_type);
                assert!(e.oauth.is_none(), "{what}");
            }
            (expected, got) => panic!("{what}: expected {expected:?}, got {got:?}"),
        }
        return;
    }

    if !is_json_content_type(content_type) && !is_blank(&body.bytes) {
        match &result {
            Err(Error::UnexpectedResponse(e)) => {
                check_unexpected(&what, e, status, content_type);
                assert!(e.oauth.is_none(), "{what}");
            }
            other => panic!("{what}: expected UnexpectedResponse, got {other:?}"),
        }
        return;
    }

    if case.decodes {
        match &result {
            Ok(parsed) => {
                assert_eq!(parsed.status, status, "{what}");
                assert_eq!(
                    parsed.meta.request_id.as_deref(),
                    Some(REQUEST_ID),
                    "{what}"
                );
            }
            Err(e) => panic!("{what}: expected Ok, got {e:?}"),
        }
        return;
    }

    let Err(Error::Decode(d)) = &result else {
        panic!("{what}: expected Decode, got {result:?}");
    };
    assert_eq!(d.status, status, "{what}");
    assert!(!d.message.is_empty(), "{what}");
    let display = d.to_string();
    assert!(display.contains(&d.path), "{what}: {display}");
    assert!(!display.contains(FACTOR_SECRET), "{what}: {display}");
    if matches!(status.as_u16(), 200 | 201 | 204 | 299) {
        assert!(!format!("{d:?}").contains(FACTOR_SECRET), "{what}");
    }
    match case.path {
        PathCheck::Exact(path) => {
            assert_eq!(d.path, path, "{what}: {}", d.message);
        }
        PathCheck::NonEmpty => assert!(!d.path.is_empty(), "{what}"),
    }
    if is_blank(&body.bytes) {
        assert!(d.message.contains("empty body"), "{what}: {}", d.message);
    }
}

/// Every status, every body, every content type; the 1 MB body for a few
/// statuses only.
fn sweep<O: Operation>(op: &O, decodes: &dyn Fn(&[u8]) -> bool)
where
    O::Output: std::fmt::Debug,
{
    let case = |body| Case {
        body,
        decodes: decodes(&body.bytes),
        path: expected_path(O::NAME, body),
    };
    let bodies = bodies();
    let cases: Vec<Case<'_>> = bodies.iter().map(case).collect();
    for status in 100..=599 {
        for content_type in content_types(status) {
            for case in &cases {
                check(op, status, content_type, case);
            }
        }
    }
    let huge = huge_body();
    let huge = case(&huge);
    for status in HUGE_STATUSES {
        for content_type in CONTENT_TYPES {
            check(op, status, content_type, &huge);
        }
    }
}

fn decodes<T: DeserializeOwned>(bytes: &[u8]) -> bool {
    serde_json::from_slice::<T>(bytes).is_ok()
}

/// A list operation's oracle: any JSON array decodes (an element that is not
/// of the element type is kept as sent, so it must be a JSON value).
fn decodes_list(bytes: &[u8]) -> bool {
    decodes::<Vec<Value>>(bytes)
}

#[test]
fn list_factors_never_panics() {
    sweep(&ListFactors::new("00u1"), &decodes_list);
}

#[test]
fn enroll_factor_never_panics() {
    let op = EnrollFactor::new("00u1", FactorEnrollment::sms("+15554151337"));
    sweep(&op, &decodes::<UserFactor>);
}

#[test]
fn get_factor_never_panics() {
    sweep(&GetFactor::new("00u1", "sms1"), &decodes::<UserFactor>);
}

#[test]
fn unenroll_factor_never_panics() {
    // Any 2xx body (with a JSON or no Content-Type) is success.
    sweep(&UnenrollFactor::new("00u1", "sms1"), &|_| true);
}

#[test]
fn activate_factor_never_panics() {
    let op = ActivateFactor::new("00u1", "ostf1").body(ActivateFactorRequest::pass_code("123456"));
    sweep(&op, &decodes::<okta_factors_core::model::ActivateOutcome>);
}

#[test]
fn resend_enroll_factor_never_panics() {
    let op = ResendEnrollFactor::new("00u1", "sms1", FactorEnrollment::sms("+15554151337"));
    sweep(&op, &decodes::<UserFactor>);
}

#[test]
fn verify_factor_never_panics() {
    let op = VerifyFactor::new("00u1", "opf1").body(VerifyFactorRequest::pass_code("123456"));
    sweep(&op, &decodes::<VerifyOutcome>);
}

#[test]
fn get_factor_transaction_status_never_panics() {
    let op = GetFactorTransactionStatus::new("00u1", "opf1", "v2mst.GldKV5VxTrifyeZmWSQguA");
    sweep(&op, &decodes::<VerifyOutcome>);
}

#[test]
fn list_supported_factors_never_panics() {
    sweep(&ListSupportedFactors::new("00u1"), &decodes_list);
}

#[test]
fn list_supported_security_questions_never_panics() {
    sweep(&ListSupportedSecurityQuestions::new("00u1"), &decodes_list);
}

/// The oracle itself: the cases the table above relies on.
#[test]
fn sweep_oracle_sanity() {
    assert!(decodes::<UserFactor>(FACTOR_JSON.as_bytes()));
    assert!(decodes::<VerifyOutcome>(b"{}"));
    assert!(decodes::<Vec<UserFactor>>(b"[]"));
    assert!(decodes_list(br#"[{"factorType": 5}, 1]"#));
    assert!(!decodes_list(br#"{"factorType": "sms"}"#));
    assert!(!decodes::<UserFactor>(b"{}"));
    assert!(is_json_content_type(Some("application/json;charset=UTF-8")));
    assert!(!is_json_content_type(Some("text/html")));
    assert!(is_blank(b" \r\n\t "));
}

// ---------------------------------------------------------------------------
// Secrets in mistyped members
// ---------------------------------------------------------------------------

const SECRET: &str = "S3CR3T";

fn ok_json(body: &str) -> Response<&[u8]> {
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.as_bytes())
        .unwrap()
}

fn decode_error<O: Operation>(op: &O, body: &str) -> Box<okta_factors_core::DecodeError>
where
    O::Output: std::fmt::Debug,
{
    match op.parse_response(ok_json(body)) {
        Err(Error::Decode(d)) => d,
        other => panic!("{} {body}: expected Decode, got {other:?}", O::NAME),
    }
}

#[track_caller]
fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what}: secret in {text:?}");
    assert!(
        !text.contains("S3CR"),
        "{what}: part of the secret in {text:?}"
    );
}

/// Mistyped values of secret members: an object or array holding the secret,
/// a float, a boolean, a string with a raw control character.
fn mistyped_secrets() -> Vec<String> {
    vec![
        format!(r#"{{"x":"{SECRET}"}}"#),
        format!(r#"["{SECRET}"]"#),
        format!(r#"[1, "{SECRET}"]"#),
        "123456.5".to_owned(),
        "true".to_owned(),
        format!("\"{SECRET}\u{1}\""),
    ]
}

#[test]
fn decode_errors_of_mistyped_secrets_do_not_show_the_secret() {
    for value in mistyped_secrets() {
        let activation = format!(
            r#"{{"id":"ostf1","factorType":"token:software:totp","_embedded":{{"activation":{{"timeStep":30,"sharedSecret":{value}}}}}}}"#
        );
        let question =
            format!(r#"{{"factorType":"question","profile":{{"question":"q","answer":{value}}}}}"#);
        // The profile before factorType is typed late, through another path.
        let question_first =
            format!(r#"{{"profile":{{"question":"q","answer":{value}}},"factorType":"question"}}"#);
        let hotp = format!(r#"{{"factorType":"token:hotp","profile":{{"sharedSecret":{value}}}}}"#);
        let verify = format!(
            r#"{{"factorResult":"WAITING","_embedded":{{"activation":{{"sharedSecret":{value}}}}}}}"#
        );

        // Where the path can be tracked, it names the secret member.
        let d = decode_error(&GetFactor::new("u", "f"), &activation);
        assert_eq!(d.path, "_embedded.activation.sharedSecret", "{activation}");
        // In a list the factor is kept, with the same path inside it.
        let listed = format!("[{activation}]");
        if let Some(malformed) = malformed_factor(&listed, 0) {
            assert_eq!(malformed.error().path, "_embedded.activation.sharedSecret");
        }
        let d3 = decode_error(&VerifyFactor::new("u", "f"), &verify);
        assert_eq!(d3.path, "_embedded.activation.sharedSecret");
        let d4 = decode_error(&GetFactor::new("u", "f"), &question);
        assert_eq!(d4.path, "profile.answer", "{question}");
        let d5 = decode_error(&GetFactor::new("u", "f"), &question_first);
        assert_eq!(d5.path, "profile.answer", "{question_first}");
        let d6 = decode_error(&ActivateFactor::new("u", "f"), &activation);
        if serde_json::from_str::<Value>(&activation).is_ok() {
            assert_eq!(d6.path, "_embedded.activation.sharedSecret", "{activation}");
        } else {
            // Invalid JSON (a raw control character) already fails the
            // factorType/factorResult probe, which names only the top member.
            assert!(
                d6.path.starts_with("_embedded"),
                "{activation}: {}",
                d6.path
            );
        }

        let all = [
            d,
            d3,
            d4,
            d5,
            d6,
            decode_error(&ActivateFactor::new("u", "f"), &verify),
            decode_error(&EnrollFactor::new("u", FactorEnrollment::push()), &question),
            decode_error(
                &ResendEnrollFactor::new("u", "f", FactorEnrollment::push()),
                &hotp,
            ),
            decode_error(&GetFactorTransactionStatus::new("u", "f", "t"), &verify),
        ];
        for d in &all {
            let what = format!("{value} at {}", d.path);
            assert_no_secret(&what, &d.to_string());
            assert_no_secret(&what, &format!("{d:?}"));
            assert_no_secret(&what, &Error::Decode(d.clone()).to_string());
        }
        // Lists: the factor kept as sent, or (not JSON) the list's error.
        for list in [
            listed,
            format!("[{question_first}]"),
            format!("[{question},{hotp}]"),
        ] {
            let result = ListFactors::new("u").parse_response(ok_json(&list));
            assert_no_secret(&list, &format!("{result:?}"));
            match &result {
                Ok(factors) => {
                    for factor in &factors.value {
                        let malformed = factor.as_malformed().expect("malformed");
                        assert_no_secret(&list, &malformed.to_string());
                        assert_no_secret(&list, &format!("{:?}", malformed.error()));
                    }
                }
                Err(e) => assert_no_secret(&list, &e.to_string()),
            }
        }
    }
}

/// Element `i` of the `list_factors` answer `body`, which must not have
/// decoded; `None` when the body is not JSON (then the list is an error).
fn malformed_factor(body: &str, i: usize) -> Option<okta_factors_core::model::MalformedFactor> {
    match ListFactors::new("u").parse_response(ok_json(body)) {
        Ok(parsed) => Some(
            parsed.value[i]
                .as_malformed()
                .unwrap_or_else(|| panic!("{body}: [{i}] decoded"))
                .clone(),
        ),
        Err(Error::Decode(_)) if serde_json::from_str::<Value>(body).is_err() => None,
        Err(e) => panic!("{body}: {e:?}"),
    }
}

/// How `text` fails to decode as the request body `T`, as a caller of
/// `serde_json` sees it: the path of the member that failed (found with
/// `serde_path_to_error`, through a `Value` so that a syntax error inside a
/// member is named too) and every message of the failure.
fn body_decode_error<T: DeserializeOwned>(text: &str) -> (String, String) {
    let direct = serde_json::from_str::<T>(text).map(drop).unwrap_err();
    let mut de = serde_json::Deserializer::from_str(text);
    let (path, inner) = match serde_path_to_error::deserialize::<_, Value>(&mut de) {
        Err(e) => (e.path().to_string(), e.inner().to_string()),
        Ok(value) => {
            let e = serde_path_to_error::deserialize::<_, T>(value)
                .map(drop)
                .unwrap_err();
            (e.path().to_string(), e.inner().to_string())
        }
    };
    (path, format!("{direct} {direct:?} {inner}"))
}

#[test]
fn request_body_decode_errors_do_not_show_the_secret() {
    for value in mistyped_secrets() {
        for member in [
            "passCode",
            "answer",
            "nextPassCode",
            "activationToken",
            "stateToken",
        ] {
            let text = format!(r#"{{"clientData":"c","{member}":{value}}}"#);
            let (path, message) = body_decode_error::<VerifyFactorRequest>(&text);
            assert_eq!(path, member, "{text}");
            assert_no_secret(&text, &message);
        }
        let text = format!(r#"{{"passCode":{value}}}"#);
        let (path, message) = body_decode_error::<ActivateFactorRequest>(&text);
        assert_eq!(path, "passCode");
        assert_no_secret(&text, &message);

        let text = format!(r#"{{"factorType":"token","verify":{{"passCode":{value}}}}}"#);
        let (path, message) = body_decode_error::<FactorEnrollment>(&text);
        assert_eq!(path, "verify.passCode");
        assert_no_secret(&text, &message);
    }
    // Numeric passcodes are accepted, as documented on `Secret`.
    let body: VerifyFactorRequest = serde_json::from_slice(br#"{"passCode": 123456}"#).unwrap();
    assert_eq!(body.pass_code.unwrap().expose(), "123456");
}

// ---------------------------------------------------------------------------
// Regressions: defects of HEAD (fixed in the working tree)
// ---------------------------------------------------------------------------

/// HEAD cut the body at the limit and then decoded it lossily, so an invalid
/// byte (1 byte, U+FFFD is 3) or a cut character could push the excerpt past
/// the limit.
#[test]
fn excerpt_is_bounded_for_non_ascii_bodies() {
    let mut cut_char = "a".repeat(UnexpectedResponse::EXCERPT_LIMIT - 1);
    cut_char.push('\u{e9}');
    let bodies: [Vec<u8>; 3] = [
        cut_char.into_bytes(),
        vec![0xff; 300],
        "\u{20ac}".repeat(200).into_bytes(),
    ];
    for bytes in bodies {
        let response = Response::builder()
            .status(502)
            .header("content-type", "text/html")
            .body(bytes)
            .unwrap();
        let Err(Error::UnexpectedResponse(e)) = GetFactor::new("u", "f").parse_response(response)
        else {
            panic!("expected UnexpectedResponse");
        };
        assert!(
            e.excerpt.len() <= UnexpectedResponse::EXCERPT_LIMIT,
            "excerpt of {} bytes",
            e.excerpt.len()
        );
    }
}

/// HEAD decoded activate bodies through a buffered `Value`, so every path was `.`.
#[test]
fn activate_decode_error_names_failing_member() {
    let op = ActivateFactor::new("u", "f");
    assert_eq!(decode_error(&op, r#"{"factorType": 5}"#).path, "factorType");
    assert_eq!(
        decode_error(&op, r#"{"factorResult": []}"#).path,
        "factorResult"
    );
    assert_eq!(
        decode_error(
            &op,
            r#"{"factorType":"token:software:totp","_embedded":{"activation":{"sharedSecret":{}}}}"#
        )
        .path,
        "_embedded.activation.sharedSecret"
    );
}

/// HEAD typed the profile after the object was read: path `[0]`, message
/// `profile: …`, instead of the documented `profile.phoneNumber` (in a list,
/// the path inside the element that did not decode).
#[test]
fn decode_error_path_names_profile_member() {
    let path = |body, i| malformed_factor(body, i).unwrap().error().path.clone();
    assert_eq!(
        path(r#"[{"factorType":"sms","profile":{"phoneNumber":5}}]"#, 0),
        "profile.phoneNumber"
    );
    assert_eq!(path(r#"[{"id":"a"},{"factorType":"call"}]"#, 0), ".");
    // A profile that comes before factorType is typed after the object is read.
    assert_eq!(
        path(
            r#"[{"factorType":"sms"},{"profile":{"phoneExtension":[]},"factorType":"call"}]"#,
            1
        ),
        "profile.phoneExtension"
    );
    let get = GetFactor::new("u", "f");
    let d = decode_error(&get, r#"{"factorType":"sms","profile":"x"}"#);
    assert_eq!(d.path, "profile", "{}", d.message);
    let d = decode_error(&get, r#"{"profile":"x","factorType":"sms"}"#);
    assert_eq!(d.path, "profile", "{}", d.message);
}
