//! Golden tests: the exact request every operation builds (method, full URI,
//! complete header map, body bytes), with all optional parameters unset and all
//! set, plus the exact JSON of every request-body constructor.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use http::{Method, Request};
use okta_factors_core::model::{FactorEnrollment, FactorProvider, FactorType, TotpProvider};
use okta_factors_core::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, GetFactor, GetFactorTransactionStatus,
    ListFactors, ListSupportedFactors, ListSupportedSecurityQuestions, PollFactorActivation,
    ResendEnrollFactor, UnenrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::{Credentials, Operation, OrgUrl};
use serde_json::json;

/// The `User-Agent` of the crate's requests: its name and version.
const CRATE_USER_AGENT: &str = concat!("okta-factors-rust/", env!("CARGO_PKG_VERSION"));

const ORG: &str = "https://dev-123456.okta.com";
const TOKEN: &str = "00aBcD-golden-token_XyZ";
const USER: &str = "00u15s1KDETTQMQYABRL";
const FACTOR: &str = "ostf1fmaMGJLMNGNLIVG";
const TRANSACTION: &str = "v2mst.GldKV5VxTrifyeZmWSQguA";
const TEMPLATE: &str = "cstk2flOtuCMDJK4b0g3";
const BROWSER_UA: &str =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)";

fn org() -> OrgUrl {
    OrgUrl::parse(ORG).unwrap()
}

fn ssws() -> Credentials {
    Credentials::api_token(TOKEN).unwrap()
}

fn bearer() -> Credentials {
    Credentials::access_token(TOKEN).unwrap()
}

fn ssws_value() -> String {
    format!("SSWS {TOKEN}")
}

fn bearer_value() -> String {
    format!("Bearer {TOKEN}")
}

/// Every header of the request, as name -> all its values.
fn header_map(request: &Request<Vec<u8>>) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in request.headers() {
        map.entry(name.as_str().to_owned())
            .or_default()
            .push(value.to_str().unwrap().to_owned());
    }
    map
}

/// Asserts the exact method, URI, header map and body of a request.
#[track_caller]
fn assert_request(
    request: &Request<Vec<u8>>,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) {
    assert_eq!(request.method(), method, "method");
    assert_eq!(request.uri().to_string(), uri, "uri");
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        expected
            .entry((*name).to_owned())
            .or_default()
            .push((*value).to_owned());
    }
    assert_eq!(header_map(request), expected, "headers of {uri}");
    assert_eq!(request.headers().len(), headers.len(), "header count");
    assert_eq!(
        request.body().as_slice(),
        body,
        "body: {:?}",
        String::from_utf8_lossy(request.body())
    );
    let authorization = &request.headers()["authorization"];
    assert!(authorization.is_sensitive(), "authorization is sensitive");
}

/// The headers of a body-less request with the crate's own User-Agent.
fn base_headers(authorization: &str) -> Vec<(&str, &str)> {
    vec![
        ("accept", "application/json"),
        ("authorization", authorization),
        ("user-agent", CRATE_USER_AGENT),
    ]
}

/// A `POST` without a body is framed with `Content-Length: 0` (RFC 9110 §8.6:
/// a request whose method expects content says how long it is), whatever the
/// transport.
fn without_body<'a>(mut headers: Vec<(&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    headers.push(("content-length", "0"));
    headers
}

fn with_json_body<'a>(mut headers: Vec<(&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    headers.push(("content-type", "application/json"));
    headers
}

fn url(path: &str) -> String {
    format!("{ORG}{path}")
}

#[test]
fn crate_user_agent_is_name_and_version() {
    assert_eq!(
        CRATE_USER_AGENT,
        format!("okta-factors-rust/{}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn operation_constants() {
    assert_eq!(ListFactors::NAME, "list_factors");
    assert_eq!(ListFactors::METHOD, Method::GET);
    assert_eq!(ListFactors::PATH_TEMPLATE, "/api/v1/users/{userId}/factors");

    assert_eq!(EnrollFactor::NAME, "enroll_factor");
    assert_eq!(EnrollFactor::METHOD, Method::POST);
    assert_eq!(
        EnrollFactor::PATH_TEMPLATE,
        "/api/v1/users/{userId}/factors"
    );

    assert_eq!(GetFactor::NAME, "get_factor");
    assert_eq!(GetFactor::METHOD, Method::GET);
    assert_eq!(
        GetFactor::PATH_TEMPLATE,
        "/api/v1/users/{userId}/factors/{factorId}"
    );

    assert_eq!(UnenrollFactor::NAME, "unenroll_factor");
    assert_eq!(UnenrollFactor::METHOD, Method::DELETE);
    assert_eq!(
        UnenrollFactor::PATH_TEMPLATE,
        "/api/v1/users/{userId}/factors/{factorId}"
    );

    assert_eq!(ActivateFactor::NAME, "activate_factor");
    assert_eq!(ActivateFactor::METHOD, Method::POST);
    assert_eq!(
        ActivateFactor::PATH_TEMPLATE,
        "/api/v1/users/{userId}/factors/{factorId}/lifecycle/activate"
    );

    assert_eq!(ResendEnrollFactor::NAME, "resend_enroll_factor");
    assert_eq!(ResendEnrollFactor::METHOD, Method::POST);
    assert_eq!(
        ResendEnrollFactor::PATH_TEMPLATE,
        "/api/v1/users/{userId}/factors/{factorId}/resend"
    );

    assert_eq!(VerifyFactor::NAME, "verify_factor");
    assert_eq!(VerifyFactor::METHOD, Method::POST);
    assert_eq!(
        VerifyFactor::PATH_TEMPLATE,
        "/api/v1/users/{userId}/factors/{factorId}/verify"
    );

    assert_eq!(
        GetFactorTransactionStatus::NAME,
        "get_factor_transaction_status"
    );
    assert_eq!(GetFactorTransactionStatus::METHOD, Method::GET);
    assert_eq!(
        GetFactorTransactionStatus::PATH_TEMPLATE,
        "/api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}"
    );

    assert_eq!(ListSupportedFactors::NAME, "list_supported_factors");
    assert_eq!(ListSupportedFactors::METHOD, Method::GET);
    assert_eq!(
        ListSupportedFactors::PATH_TEMPLATE,
        "/api/v1/users/{userId}/factors/catalog"
    );

    assert_eq!(
        ListSupportedSecurityQuestions::NAME,
        "list_supported_security_questions"
    );
    assert_eq!(ListSupportedSecurityQuestions::METHOD, Method::GET);
    assert_eq!(
        ListSupportedSecurityQuestions::PATH_TEMPLATE,
        "/api/v1/users/{userId}/factors/questions"
    );
}

// ---------------------------------------------------------------------------
// list_factors (no optional parameters)
// ---------------------------------------------------------------------------

#[test]
fn list_factors_golden() {
    let request = ListFactors::new(USER)
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::GET,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors"),
        &base_headers(&auth),
        b"",
    );
}

#[test]
fn list_factors_golden_bearer() {
    let request = ListFactors::new(USER)
        .build_request(&org(), &bearer())
        .unwrap();
    let auth = bearer_value();
    assert_request(
        &request,
        Method::GET,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors"),
        &base_headers(&auth),
        b"",
    );
}

// ---------------------------------------------------------------------------
// enroll_factor
// ---------------------------------------------------------------------------

const SMS_BODY: &[u8] =
    br#"{"factorType":"sms","provider":"OKTA","profile":{"phoneNumber":"+15554151337"}}"#;

#[test]
fn enroll_factor_golden_unset() {
    let request = EnrollFactor::new(USER, FactorEnrollment::sms("+15554151337"))
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::POST,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors"),
        &with_json_body(base_headers(&auth)),
        SMS_BODY,
    );
}

#[test]
fn enroll_factor_golden_all_set() {
    let request = EnrollFactor::new(USER, FactorEnrollment::sms("+15554151337"))
        .update_phone(true)
        .template_id(TEMPLATE)
        .token_lifetime_seconds(600)
        .activate(true)
        .accept_language("fr")
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    let mut headers = with_json_body(base_headers(&auth));
    headers.push(("accept-language", "fr"));
    assert_request(
        &request,
        Method::POST,
        &url(
            "/api/v1/users/00u15s1KDETTQMQYABRL/factors\
             ?updatePhone=true&templateId=cstk2flOtuCMDJK4b0g3&tokenLifetimeSeconds=600&activate=true",
        ),
        &headers,
        SMS_BODY,
    );
}

#[test]
fn enroll_factor_golden_false_flags_are_sent() {
    let request = EnrollFactor::new(USER, FactorEnrollment::sms("+15554151337"))
        .update_phone(false)
        .activate(false)
        .build_request(&org(), &bearer())
        .unwrap();
    let auth = bearer_value();
    assert_request(
        &request,
        Method::POST,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors?updatePhone=false&activate=false"),
        &with_json_body(base_headers(&auth)),
        SMS_BODY,
    );
}

#[test]
fn enroll_factor_body_accessor() {
    let op = EnrollFactor::new(USER, FactorEnrollment::push());
    assert_eq!(op.body(), &FactorEnrollment::push());
}

// ---------------------------------------------------------------------------
// get_factor (no optional parameters)
// ---------------------------------------------------------------------------

#[test]
fn get_factor_golden() {
    let request = GetFactor::new(USER, FACTOR)
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::GET,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG"),
        &base_headers(&auth),
        b"",
    );
}

#[test]
fn get_factor_golden_bearer() {
    let request = GetFactor::new(USER, FACTOR)
        .build_request(&org(), &bearer())
        .unwrap();
    let auth = bearer_value();
    assert_request(
        &request,
        Method::GET,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG"),
        &base_headers(&auth),
        b"",
    );
}

// ---------------------------------------------------------------------------
// unenroll_factor
// ---------------------------------------------------------------------------

#[test]
fn unenroll_factor_golden_unset() {
    let request = UnenrollFactor::new(USER, FACTOR)
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::DELETE,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG"),
        &base_headers(&auth),
        b"",
    );
}

#[test]
fn unenroll_factor_golden_all_set() {
    let request = UnenrollFactor::new(USER, FACTOR)
        .remove_recovery_enrollment(true)
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::DELETE,
        &url(
            "/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG\
             ?removeRecoveryEnrollment=true",
        ),
        &base_headers(&auth),
        b"",
    );
}

// ---------------------------------------------------------------------------
// activate_factor
// ---------------------------------------------------------------------------

#[test]
fn activate_factor_golden_unset() {
    let request = ActivateFactor::new(USER, FACTOR)
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::POST,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/lifecycle/activate"),
        &without_body(base_headers(&auth)),
        b"",
    );
}

#[test]
fn activate_factor_golden_all_set() {
    let request = ActivateFactor::new(USER, FACTOR)
        .body(ActivateFactorRequest::pass_code("123456"))
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::POST,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/lifecycle/activate"),
        &with_json_body(base_headers(&auth)),
        br#"{"passCode":"123456"}"#,
    );
}

#[test]
fn activate_factor_golden_bearer_u2f() {
    let request = ActivateFactor::new(USER, FACTOR)
        .body(ActivateFactorRequest::u2f("REG", "CLIENT"))
        .build_request(&org(), &bearer())
        .unwrap();
    let auth = bearer_value();
    assert_request(
        &request,
        Method::POST,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/lifecycle/activate"),
        &with_json_body(base_headers(&auth)),
        br#"{"clientData":"CLIENT","registrationData":"REG"}"#,
    );
}

// ---------------------------------------------------------------------------
// resend_enroll_factor
// ---------------------------------------------------------------------------

#[test]
fn resend_enroll_factor_golden_unset() {
    let request = ResendEnrollFactor::new(USER, FACTOR, FactorEnrollment::sms("+15554151337"))
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::POST,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/resend"),
        &with_json_body(base_headers(&auth)),
        SMS_BODY,
    );
}

#[test]
fn resend_enroll_factor_golden_all_set() {
    let request = ResendEnrollFactor::new(USER, FACTOR, FactorEnrollment::sms("+15554151337"))
        .template_id(TEMPLATE)
        .accept_language("de")
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    let mut headers = with_json_body(base_headers(&auth));
    headers.push(("accept-language", "de"));
    assert_request(
        &request,
        Method::POST,
        &url(
            "/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/resend\
             ?templateId=cstk2flOtuCMDJK4b0g3",
        ),
        &headers,
        SMS_BODY,
    );
}

// ---------------------------------------------------------------------------
// verify_factor
// ---------------------------------------------------------------------------

#[test]
fn verify_factor_golden_unset() {
    let request = VerifyFactor::new(USER, FACTOR)
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::POST,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/verify"),
        &without_body(base_headers(&auth)),
        b"",
    );
}

#[test]
fn verify_factor_golden_all_set() {
    let request = VerifyFactor::new(USER, FACTOR)
        .template_id(TEMPLATE)
        .token_lifetime_seconds(600)
        .forwarded_for("23.235.46.133")
        .user_agent(BROWSER_UA)
        .accept_language("fr-CA")
        .body(VerifyFactorRequest::pass_code("123456"))
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    let headers = vec![
        ("accept", "application/json"),
        ("authorization", auth.as_str()),
        ("x-forwarded-for", "23.235.46.133"),
        ("user-agent", BROWSER_UA),
        ("x-okta-user-agent-extended", CRATE_USER_AGENT),
        ("accept-language", "fr-CA"),
        ("content-type", "application/json"),
    ];
    assert_request(
        &request,
        Method::POST,
        &url(
            "/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/verify\
             ?templateId=cstk2flOtuCMDJK4b0g3&tokenLifetimeSeconds=600",
        ),
        &headers,
        br#"{"passCode":"123456"}"#,
    );
}

#[test]
fn verify_factor_user_agent_moves_crate_identity() {
    let request = VerifyFactor::new(USER, FACTOR)
        .user_agent("Mozilla/5.0 (Macintosh)")
        .build_request(&org(), &bearer())
        .unwrap();
    let headers = request.headers();
    assert_eq!(headers.get_all("user-agent").iter().count(), 1);
    assert_eq!(headers["user-agent"], "Mozilla/5.0 (Macintosh)");
    assert_eq!(headers["x-okta-user-agent-extended"], CRATE_USER_AGENT);
    let auth = bearer_value();
    assert_request(
        &request,
        Method::POST,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/verify"),
        &[
            ("accept", "application/json"),
            ("authorization", auth.as_str()),
            ("user-agent", "Mozilla/5.0 (Macintosh)"),
            ("x-okta-user-agent-extended", CRATE_USER_AGENT),
            ("content-length", "0"),
        ],
        b"",
    );
}

#[test]
fn verify_factor_without_user_agent_has_no_extended_header() {
    let request = VerifyFactor::new(USER, FACTOR)
        .forwarded_for("2001:db8::1")
        .accept_language("es")
        .body(VerifyFactorRequest::challenge())
        .build_request(&org(), &ssws())
        .unwrap();
    assert!(request
        .headers()
        .get("x-okta-user-agent-extended")
        .is_none());
    let auth = ssws_value();
    assert_request(
        &request,
        Method::POST,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/verify"),
        &[
            ("accept", "application/json"),
            ("authorization", auth.as_str()),
            ("user-agent", CRATE_USER_AGENT),
            ("x-forwarded-for", "2001:db8::1"),
            ("accept-language", "es"),
            ("content-type", "application/json"),
        ],
        b"{}",
    );
}

#[test]
fn verify_factor_body_variants() {
    let cases: Vec<(VerifyFactorRequest, &[u8])> = vec![
        (VerifyFactorRequest::challenge(), b"{}"),
        (
            VerifyFactorRequest::pass_code("123456"),
            br#"{"passCode":"123456"}"#,
        ),
        (
            VerifyFactorRequest::answer("mayonnaise"),
            br#"{"answer":"mayonnaise"}"#,
        ),
        (
            VerifyFactorRequest::number_matching(),
            br#"{"useNumberMatchingChallenge":true}"#,
        ),
    ];
    for (body, bytes) in cases {
        let request = VerifyFactor::new(USER, FACTOR)
            .body(body)
            .build_request(&org(), &ssws())
            .unwrap();
        assert_eq!(request.body().as_slice(), bytes);
        assert_eq!(request.headers()["content-type"], "application/json");
        assert_eq!(request.headers().len(), 4);
    }
}

// ---------------------------------------------------------------------------
// get_factor_transaction_status (no optional parameters)
// ---------------------------------------------------------------------------

#[test]
fn poll_factor_activation_golden() {
    let request = PollFactorActivation::new(USER, FACTOR)
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::POST,
        &url(
            "/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG\
             /lifecycle/activate/poll",
        ),
        &without_body(base_headers(&auth)),
        b"",
    );
}

#[test]
fn get_factor_transaction_status_golden() {
    let request = GetFactorTransactionStatus::new(USER, FACTOR, TRANSACTION)
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::GET,
        &url(
            "/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG\
             /transactions/v2mst.GldKV5VxTrifyeZmWSQguA",
        ),
        &base_headers(&auth),
        b"",
    );
}

#[test]
fn get_factor_transaction_status_golden_bearer() {
    let request = GetFactorTransactionStatus::new(USER, FACTOR, TRANSACTION)
        .build_request(&org(), &bearer())
        .unwrap();
    let auth = bearer_value();
    assert_request(
        &request,
        Method::GET,
        &url(
            "/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG\
             /transactions/v2mst.GldKV5VxTrifyeZmWSQguA",
        ),
        &base_headers(&auth),
        b"",
    );
}

// ---------------------------------------------------------------------------
// list_supported_factors / list_supported_security_questions
// ---------------------------------------------------------------------------

#[test]
fn list_supported_factors_golden() {
    let request = ListSupportedFactors::new(USER)
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::GET,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/catalog"),
        &base_headers(&auth),
        b"",
    );
}

#[test]
fn list_supported_security_questions_golden() {
    let request = ListSupportedSecurityQuestions::new(USER)
        .build_request(&org(), &ssws())
        .unwrap();
    let auth = ssws_value();
    assert_request(
        &request,
        Method::GET,
        &url("/api/v1/users/00u15s1KDETTQMQYABRL/factors/questions"),
        &base_headers(&auth),
        b"",
    );
}

#[test]
fn every_operation_uses_bearer_for_access_tokens() {
    let org = org();
    let creds = bearer();
    let requests = vec![
        ListFactors::new(USER).build_request(&org, &creds).unwrap(),
        EnrollFactor::new(USER, FactorEnrollment::push())
            .build_request(&org, &creds)
            .unwrap(),
        GetFactor::new(USER, FACTOR)
            .build_request(&org, &creds)
            .unwrap(),
        UnenrollFactor::new(USER, FACTOR)
            .build_request(&org, &creds)
            .unwrap(),
        ActivateFactor::new(USER, FACTOR)
            .build_request(&org, &creds)
            .unwrap(),
        ResendEnrollFactor::new(USER, FACTOR, FactorEnrollment::email("a@example.com"))
            .build_request(&org, &creds)
            .unwrap(),
        VerifyFactor::new(USER, FACTOR)
            .build_request(&org, &creds)
            .unwrap(),
        GetFactorTransactionStatus::new(USER, FACTOR, TRANSACTION)
            .build_request(&org, &creds)
            .unwrap(),
        ListSupportedFactors::new(USER)
            .build_request(&org, &creds)
            .unwrap(),
        ListSupportedSecurityQuestions::new(USER)
            .build_request(&org, &creds)
            .unwrap(),
    ];
    for request in requests {
        let values: Vec<_> = request.headers().get_all("authorization").iter().collect();
        assert_eq!(values.len(), 1);
        assert_eq!(values[0], bearer_value().as_str());
        assert!(values[0].is_sensitive());
        assert_eq!(request.headers()["accept"], "application/json");
        assert_eq!(request.headers()["user-agent"], CRATE_USER_AGENT);
        assert_eq!(
            request.headers().contains_key("content-type"),
            !request.body().is_empty()
        );
    }
}

#[test]
fn loopback_org_with_port_is_the_uri_prefix() {
    let org = OrgUrl::parse("http://127.0.0.1:8080/").unwrap();
    let request = GetFactor::new(USER, FACTOR)
        .build_request(&org, &ssws())
        .unwrap();
    assert_eq!(
        request.uri().to_string(),
        "http://127.0.0.1:8080/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG"
    );
}

// ---------------------------------------------------------------------------
// Request-body constructors
// ---------------------------------------------------------------------------

#[track_caller]
fn assert_json<T: serde::Serialize>(value: &T, expected: serde_json::Value) {
    assert_eq!(serde_json::to_value(value).unwrap(), expected);
}

#[test]
fn factor_enrollment_sms() {
    assert_json(
        &FactorEnrollment::sms("+1-555-415-1337"),
        json!({"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+1-555-415-1337"}}),
    );
}

#[test]
fn factor_enrollment_call() {
    assert_json(
        &FactorEnrollment::call("+1-555-415-1337"),
        json!({"factorType": "call", "provider": "OKTA", "profile": {"phoneNumber": "+1-555-415-1337"}}),
    );
    assert_json(
        &FactorEnrollment::call_with_extension("+1-555-415-1337", "1234"),
        json!({
            "factorType": "call", "provider": "OKTA",
            "profile": {"phoneNumber": "+1-555-415-1337", "phoneExtension": "1234"}
        }),
    );
}

#[test]
fn factor_enrollment_email() {
    assert_json(
        &FactorEnrollment::email("test@gmail.com"),
        json!({"factorType": "email", "provider": "OKTA", "profile": {"email": "test@gmail.com"}}),
    );
}

#[test]
fn factor_enrollment_question() {
    assert_json(
        &FactorEnrollment::question("disliked_food", "mayonnaise"),
        json!({
            "factorType": "question", "provider": "OKTA",
            "profile": {"question": "disliked_food", "answer": "mayonnaise"}
        }),
    );
}

#[test]
fn factor_enrollment_totp() {
    assert_json(
        &FactorEnrollment::totp(TotpProvider::Okta),
        json!({"factorType": "token:software:totp", "provider": "OKTA"}),
    );
    assert_json(
        &FactorEnrollment::totp(TotpProvider::Google),
        json!({"factorType": "token:software:totp", "provider": "GOOGLE"}),
    );
}

#[test]
fn factor_enrollment_push() {
    assert_json(
        &FactorEnrollment::push(),
        json!({"factorType": "push", "provider": "OKTA"}),
    );
}

#[test]
fn factor_enrollment_custom_hotp() {
    assert_json(
        &FactorEnrollment::custom_hotp("fpr20l2mDyaUGWGCa0g4", "484f97be3213b117e3a20438e291540a"),
        json!({
            "factorType": "token:hotp", "provider": "CUSTOM",
            "factorProfileId": "fpr20l2mDyaUGWGCa0g4",
            "profile": {"sharedSecret": "484f97be3213b117e3a20438e291540a"}
        }),
    );
}

#[test]
fn factor_enrollment_webauthn_and_u2f() {
    assert_json(
        &FactorEnrollment::webauthn(),
        json!({"factorType": "webauthn", "provider": "FIDO"}),
    );
    assert_json(
        &FactorEnrollment::u2f(),
        json!({"factorType": "u2f", "provider": "FIDO"}),
    );
}

#[test]
fn factor_enrollment_token_rsa() {
    assert_json(
        &FactorEnrollment::token(FactorProvider::Rsa, "dade.murphy@example.com", "5275875498"),
        json!({
            "factorType": "token", "provider": "RSA",
            "profile": {"credentialId": "dade.murphy@example.com"},
            "verify": {"passCode": "5275875498"}
        }),
    );
}

#[test]
fn factor_enrollment_symantec_vip() {
    assert_json(
        &FactorEnrollment::symantec_vip("VSMT14393584", "875498", "678195"),
        json!({
            "factorType": "token", "provider": "SYMANTEC",
            "profile": {"credentialId": "VSMT14393584"},
            "verify": {"passCode": "875498", "nextPassCode": "678195"}
        }),
    );
}

#[test]
fn factor_enrollment_yubikey() {
    assert_json(
        &FactorEnrollment::yubikey("cccccceukngdfgkukfctkcvfidnetljjiknckkcjulji"),
        json!({
            "factorType": "token:hardware", "provider": "YUBICO",
            "verify": {"passCode": "cccccceukngdfgkukfctkcvfidnetljjiknckkcjulji"}
        }),
    );
}

#[test]
fn factor_enrollment_new() {
    assert_json(
        &FactorEnrollment::new(FactorType::Web, FactorProvider::Duo),
        json!({"factorType": "web", "provider": "DUO"}),
    );
    assert_json(
        &FactorEnrollment::new(
            FactorType::from("future:type"),
            FactorProvider::from("ACME"),
        ),
        json!({"factorType": "future:type", "provider": "ACME"}),
    );
}

#[test]
fn factor_enrollment_exact_bytes_in_enroll_request() {
    let request = EnrollFactor::new(
        USER,
        FactorEnrollment::question("disliked_food", "mayonnaise"),
    )
    .build_request(&org(), &ssws())
    .unwrap();
    assert_eq!(
        request.body().as_slice(),
        br#"{"factorType":"question","provider":"OKTA","profile":{"question":"disliked_food","answer":"mayonnaise"}}"#
    );
}

#[test]
fn activate_factor_request_constructors() {
    assert_json(
        &ActivateFactorRequest::pass_code("123456"),
        json!({"passCode": "123456"}),
    );
    assert_json(
        &ActivateFactorRequest::u2f("BQTEMUyOM8h1", "eyJ0eXAiOiJu"),
        json!({"registrationData": "BQTEMUyOM8h1", "clientData": "eyJ0eXAiOiJu"}),
    );
    assert_json(
        &ActivateFactorRequest::webauthn("o2NmbXRm", "eyJjaGFsbGVu"),
        json!({"attestation": "o2NmbXRm", "clientData": "eyJjaGFsbGVu"}),
    );
    assert_json(&ActivateFactorRequest::default(), json!({}));
    let mut with_state = ActivateFactorRequest::pass_code("123456");
    with_state.state_token = Some("007ucIX7PATyn94hsHfOLVaXAmOBkKHWnOOLG43bsb".into());
    assert_json(
        &with_state,
        json!({"passCode": "123456", "stateToken": "007ucIX7PATyn94hsHfOLVaXAmOBkKHWnOOLG43bsb"}),
    );
}

#[test]
fn verify_factor_request_constructors() {
    assert_json(
        &VerifyFactorRequest::pass_code("123456"),
        json!({"passCode": "123456"}),
    );
    assert_json(
        &VerifyFactorRequest::answer("mayonnaise"),
        json!({"answer": "mayonnaise"}),
    );
    assert_json(
        &VerifyFactorRequest::number_matching(),
        json!({"useNumberMatchingChallenge": true}),
    );
    assert_json(&VerifyFactorRequest::challenge(), json!({}));
    assert_eq!(
        serde_json::to_vec(&VerifyFactorRequest::challenge()).unwrap(),
        b"{}"
    );

    let mut all = VerifyFactorRequest::default();
    all.pass_code = Some("875498".into());
    all.next_pass_code = Some("678195".into());
    all.activation_token = Some("act-token".into());
    all.state_token = Some("state-token".into());
    all.client_data = Some("cd".into());
    all.signature_data = Some("sd".into());
    all.authenticator_data = Some("ad".into());
    assert_json(
        &all,
        json!({
            "passCode": "875498", "nextPassCode": "678195", "activationToken": "act-token",
            "stateToken": "state-token", "clientData": "cd", "signatureData": "sd",
            "authenticatorData": "ad"
        }),
    );
}
