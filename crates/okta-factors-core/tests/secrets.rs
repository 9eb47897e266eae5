//! Every public type that can hold a secret, formatted with `{:?}`, `{:#?}`,
//! `{:x?}` (and `{}` where it exists): the secret must be absent, as text and
//! as a byte list (`[83, 51, …]`, or `[53, 33, …]` in hex), which is how a
//! `Vec<u8>` body would show it. Every test also checks that the secret does
//! go on the wire (or is readable through `expose`), so a formatter that drops
//! the value entirely cannot make these tests pass by accident, and a test that
//! never held the secret would fail.
//!
//! `every_public_type_is_formatted_with_secrets_or_exempt` keeps the list
//! complete: it scans `src/` for every public type and fails unless a test of
//! this file formats it, or it is listed with the reason it cannot hold a
//! secret.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt::{Debug, Display};

use http::{Request, Response};
use okta_factors_core::bytes::Bytes;
use okta_factors_core::model::{
    ActivateOutcome, Activation, EnrollmentProfile, EnrollmentVerify, FactorEnrollment,
    FactorProvider, HotpProfile, QuestionProfile, UserFactor, VerifyOutcome,
};
use okta_factors_core::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, GetFactor, ListFactors,
    ResendEnrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::{Credentials, Error, InputError, Operation, OrgUrl, Secret};

const API_TOKEN: &str = "00S3CR3T-API-TOKEN-55501";
const ACCESS_TOKEN: &str = "eyJS3CR3T.ACCESS-TOKEN.66602";
const PASS: &str = "S3CR3T-PASSCODE-91827";
const NEXT_PASS: &str = "S3CR3T-NEXTCODE-27364";
const ANSWER: &str = "S3CR3T-ANSWER-mayo-4411";
const SHARED: &str = "S3CR3TSHAREDSECRET7788";
const STATE: &str = "S3CR3T-STATETOKEN-6006";
const ACTIVATION_TOKEN: &str = "S3CR3T-ACTTOKEN-3131";
const DEVICE_TOKEN: &str = "S3CR3T-DEVICETOKEN-5150";
/// The token of a QR code link (`…/qr/{token}`).
const QR_TOKEN: &str = "S3CR3T-QRTOKEN-00fukNElRS";
/// Every distinctive secret of this file.
const ALL: &[&str] = &[
    API_TOKEN,
    ACCESS_TOKEN,
    PASS,
    NEXT_PASS,
    ANSWER,
    SHARED,
    STATE,
    ACTIVATION_TOKEN,
    DEVICE_TOKEN,
    QR_TOKEN,
    "S3CR3T",
];

fn org() -> OrgUrl {
    OrgUrl::parse("https://dev-123456.okta.com").unwrap()
}

fn creds() -> Credentials {
    Credentials::api_token(API_TOKEN).unwrap()
}

/// The forms a secret takes in formatted output: the text, and its bytes as
/// `{:?}` (decimal) and `{:x?}` (hex) print a `Vec<u8>`, compared without
/// whitespace (so `{:#?}`'s one byte per line is found too).
fn forms_of(secret: &str) -> [String; 3] {
    let bytes = secret.as_bytes();
    let join = |f: &dyn Fn(&u8) -> String| bytes.iter().map(f).collect::<Vec<_>>().join(",");
    [
        secret.to_owned(),
        join(&|b| b.to_string()),
        join(&|b| format!("{b:x}")),
    ]
}

/// Whether `text` shows `secret` in any of its forms.
fn shows(text: &str, secret: &str) -> bool {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    text.contains(secret) || forms_of(secret).iter().any(|form| squeezed.contains(form))
}

#[track_caller]
fn assert_none_shown(text: &str, secrets: &[&str], what: &str) {
    for secret in ALL.iter().chain(secrets) {
        assert!(!shows(text, secret), "{what} leaks {secret:?}:\n{text}");
    }
}

#[track_caller]
fn assert_no_secret_in(text: &str, what: &str) {
    assert_none_shown(text, &[], what);
}

thread_local! {
    /// The crate's types formatted on this thread (see `record`).
    static FORMATTED: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

/// Records that a value of type `T` was formatted: the first type of this
/// crate in `T`'s name (`Option<&Secret>` records `Secret`,
/// `OktaResponse<Vec<UserFactor>>` records `OktaResponse`).
fn record<T: ?Sized>() {
    let name = std::any::type_name::<T>();
    let ours = name
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .find(|path| path.starts_with("okta_factors_core::"))
        .and_then(|path| path.rsplit("::").next());
    if let Some(ours) = ours {
        FORMATTED.with(|set| set.borrow_mut().insert(ours.to_owned()));
    }
}

/// `{:?}`, `{:#?}` and `{:x?}` of `value` show none of `secrets` (nor any of
/// [`ALL`]).
#[track_caller]
fn assert_debug_hides<T: Debug + ?Sized>(value: &T, secrets: &[&str]) {
    record::<T>();
    assert_none_shown(&format!("{value:?}"), secrets, "{:?}");
    assert_none_shown(&format!("{value:#?}"), secrets, "{:#?}");
    assert_none_shown(&format!("{value:x?}"), secrets, "{:x?}");
}

/// `{:?}`, `{:#?}` and `{:x?}` of `value` contain no secret.
#[track_caller]
fn assert_debug_redacted<T: Debug + ?Sized>(value: &T) {
    assert_debug_hides(value, &[]);
}

/// `{}`, `{:?}` and `{:#?}` of `value` contain no secret.
#[track_caller]
fn assert_all_redacted<T: Debug + Display + ?Sized>(value: &T) {
    assert_debug_redacted(value);
    assert_no_secret_in(&format!("{value}"), "{}");
    assert_no_secret_in(&format!("{value:#}"), "{:#}");
}

/// The error, what it holds, and its whole `source()` chain contain no secret.
#[track_caller]
fn assert_error_redacted(error: &Error) {
    assert_all_redacted(error);
    match error {
        Error::Input(e) => assert_all_redacted(e),
        Error::Api(e) => {
            assert_all_redacted(&**e);
            assert_debug_redacted(&e.body);
            for cause in &e.body.error_causes {
                assert_debug_redacted(cause);
            }
        }
        Error::UnexpectedResponse(e) => assert_all_redacted(&**e),
        Error::Decode(e) => assert_all_redacted(&**e),
        Error::Transport(e) => assert_all_redacted(&**e),
        _ => {}
    }
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        assert_no_secret_in(&inner.to_string(), "source");
        assert_no_secret_in(&format!("{inner:?}"), "source {:?}");
        source = inner.source();
    }
}

fn body_text(request: &Request<Vec<u8>>) -> String {
    String::from_utf8(request.body().clone()).unwrap()
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}

fn json_response(status: u16, body: &str) -> Response<Bytes> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-okta-request-id", "req-1")
        .body(Bytes::copy_from_slice(body.as_bytes()))
        .unwrap()
}

// ===========================================================================
// Credentials and Secret
// ===========================================================================

#[test]
fn credentials_never_show_the_token() {
    let api = Credentials::api_token(API_TOKEN).unwrap();
    let access = Credentials::access_token(ACCESS_TOKEN).unwrap();
    for credentials in [&api, &access] {
        assert_debug_redacted(credentials);
        assert_debug_redacted(credentials.token().unwrap());
        assert_debug_redacted(&credentials.authorization().unwrap());
        assert_debug_redacted(&Some(credentials.clone()));
    }
    // ...but the token is what goes on the wire.
    assert_eq!(api.token().unwrap().expose(), API_TOKEN);
    assert_eq!(
        api.authorization().unwrap().to_str().unwrap(),
        format!("SSWS {API_TOKEN}")
    );
    assert_eq!(
        access.authorization().unwrap().to_str().unwrap(),
        format!("Bearer {ACCESS_TOKEN}")
    );
}

#[test]
fn built_requests_do_not_show_the_token() {
    for credentials in [
        Credentials::api_token(API_TOKEN).unwrap(),
        Credentials::access_token(ACCESS_TOKEN).unwrap(),
    ] {
        let request = GetFactor::new("00u1", "ostf1")
            .build_request(&org(), &credentials)
            .unwrap();
        let authorization = &request.headers()["authorization"];
        assert!(authorization.is_sensitive());
        assert!(authorization
            .to_str()
            .unwrap()
            .ends_with(credentials.token().unwrap().expose()));
        assert_debug_redacted(request.headers());
        assert_debug_redacted(&request);
    }
}

#[test]
fn secret_debug_is_redacted() {
    let secret = Secret::new(PASS);
    assert_eq!(format!("{secret:?}"), "[REDACTED]");
    assert_eq!(format!("{secret:#?}"), "[REDACTED]");
    assert_debug_redacted(&secret);
    assert_debug_redacted(&vec![
        Secret::from(PASS),
        Secret::from(NEXT_PASS.to_owned()),
    ]);
    assert_debug_redacted(&Some(Secret::from(ANSWER)));
    assert_eq!(secret.expose(), PASS);
    assert_eq!(json_text(&secret), format!("\"{PASS}\""));
    let parsed: Secret = serde_json::from_str(&format!("\"{SHARED}\"")).unwrap();
    assert_eq!(parsed.expose(), SHARED);
    assert_debug_redacted(&parsed);
}

// ===========================================================================
// Request bodies
// ===========================================================================

#[test]
fn factor_enrollment_secrets_are_redacted() {
    let cases: Vec<(FactorEnrollment, &[&str])> = vec![
        (
            FactorEnrollment::question("disliked_food", ANSWER),
            &[ANSWER],
        ),
        (
            FactorEnrollment::custom_hotp("fpr20l2mDyaUGWGCa0g4", SHARED),
            &[SHARED],
        ),
        (
            FactorEnrollment::token(FactorProvider::Rsa, "dade.murphy@example.com", PASS),
            &[PASS],
        ),
        (
            FactorEnrollment::symantec_vip("VSMT14393584", PASS, NEXT_PASS),
            &[PASS, NEXT_PASS],
        ),
        (FactorEnrollment::yubikey(PASS), &[PASS]),
    ];
    for (body, secrets) in cases {
        assert_debug_redacted(&body);
        assert_debug_redacted(&body.profile);
        assert_debug_redacted(&body.verify);
        let wire = json_text(&body);
        for secret in secrets {
            assert!(wire.contains(secret), "{wire} lacks {secret}");
        }
    }
}

#[test]
fn enrollment_profile_and_verify_are_redacted() {
    let mut profile = EnrollmentProfile::default();
    profile.question = Some("disliked_food".into());
    profile.answer = Some(ANSWER.into());
    profile.shared_secret = Some(SHARED.into());
    assert_debug_redacted(&profile);
    let wire = json_text(&profile);
    assert!(wire.contains(ANSWER) && wire.contains(SHARED), "{wire}");

    let mut verify = EnrollmentVerify::default();
    verify.pass_code = Some(PASS.into());
    verify.next_pass_code = Some(NEXT_PASS.into());
    assert_debug_redacted(&verify);
    let wire = json_text(&verify);
    assert!(wire.contains(PASS) && wire.contains(NEXT_PASS), "{wire}");

    // Parsed from JSON, too.
    let parsed: EnrollmentVerify = serde_json::from_str(&format!(
        r#"{{"passCode":"{PASS}","nextPassCode":"{NEXT_PASS}"}}"#
    ))
    .unwrap();
    assert_eq!(parsed, verify);
    assert_debug_redacted(&parsed);
}

#[test]
fn question_and_hotp_profiles_are_redacted() {
    let mut question = QuestionProfile::default();
    question.question = Some("disliked_food".into());
    question.answer = Some(ANSWER.into());
    assert_debug_redacted(&question);
    assert!(json_text(&question).contains(ANSWER));
    let parsed: QuestionProfile = serde_json::from_str(&format!(
        r#"{{"question":"disliked_food","questionText":"What food do you least like?","answer":"{ANSWER}"}}"#
    ))
    .unwrap();
    assert_eq!(parsed.answer.as_ref().unwrap().expose(), ANSWER);
    assert_debug_redacted(&parsed);

    let mut hotp = HotpProfile::default();
    hotp.credential_id = Some("dade.murphy@example.com".into());
    hotp.shared_secret = Some(SHARED.into());
    assert_debug_redacted(&hotp);
    assert!(json_text(&hotp).contains(SHARED));
    let parsed: HotpProfile =
        serde_json::from_str(&format!(r#"{{"sharedSecret":"{SHARED}"}}"#)).unwrap();
    assert_debug_redacted(&parsed);
}

#[test]
fn activate_factor_request_is_redacted() {
    let mut body = ActivateFactorRequest::pass_code(PASS);
    body.state_token = Some(STATE.into());
    assert_debug_redacted(&body);
    let wire = json_text(&body);
    assert!(wire.contains(PASS) && wire.contains(STATE), "{wire}");
}

#[test]
fn verify_factor_request_is_redacted() {
    let mut body = VerifyFactorRequest::pass_code(PASS);
    body.answer = Some(ANSWER.into());
    body.next_pass_code = Some(NEXT_PASS.into());
    body.activation_token = Some(ACTIVATION_TOKEN.into());
    body.state_token = Some(STATE.into());
    assert_debug_redacted(&body);
    let wire = json_text(&body);
    for secret in [PASS, ANSWER, NEXT_PASS, ACTIVATION_TOKEN, STATE] {
        assert!(wire.contains(secret), "{wire} lacks {secret}");
    }
    assert_debug_redacted(&VerifyFactorRequest::answer(ANSWER));
    assert_debug_redacted(&VerifyFactorRequest::pass_code(PASS));
}

// ===========================================================================
// Operations holding secrets
//
// A built `http::Request<Vec<u8>>` is the `http` crate's type: its `Debug`
// prints the body as a byte list (see
// `debug_of_a_built_http_request_shows_its_body_bytes`), so only its headers
// are checked here.
// ===========================================================================

#[test]
fn operations_holding_secrets_are_redacted() {
    let org = org();
    let creds = creds();

    let enroll = EnrollFactor::new("00u1", FactorEnrollment::question("disliked_food", ANSWER))
        .accept_language("fr");
    assert_debug_redacted(&enroll);
    let request = enroll.build_request(&org, &creds).unwrap();
    assert!(body_text(&request).contains(ANSWER));
    assert_debug_redacted(request.headers());

    let enroll = EnrollFactor::new(
        "00u1",
        FactorEnrollment::symantec_vip("VSMT14393584", PASS, NEXT_PASS),
    );
    assert_debug_redacted(&enroll);
    let body = body_text(&enroll.build_request(&org, &creds).unwrap());
    assert!(body.contains(PASS) && body.contains(NEXT_PASS), "{body}");

    let enroll = EnrollFactor::new("00u1", FactorEnrollment::custom_hotp("fpr1", SHARED));
    assert_debug_redacted(&enroll);
    assert!(body_text(&enroll.build_request(&org, &creds).unwrap()).contains(SHARED));

    let resend = ResendEnrollFactor::new(
        "00u1",
        "ostf1",
        FactorEnrollment::token(FactorProvider::Rsa, "dade", PASS),
    )
    .template_id("cstk2flOtuCMDJK4b0g3");
    assert_debug_redacted(&resend);
    let request = resend.build_request(&org, &creds).unwrap();
    assert!(body_text(&request).contains(PASS));
    assert_debug_redacted(request.headers());

    let mut activate_body = ActivateFactorRequest::pass_code(PASS);
    activate_body.state_token = Some(STATE.into());
    let activate = ActivateFactor::new("00u1", "ostf1").body(activate_body);
    assert_debug_redacted(&activate);
    let request = activate.build_request(&org, &creds).unwrap();
    let body = body_text(&request);
    assert!(body.contains(PASS) && body.contains(STATE), "{body}");
    assert_debug_redacted(request.headers());

    let mut verify_body = VerifyFactorRequest::pass_code(PASS);
    verify_body.answer = Some(ANSWER.into());
    verify_body.next_pass_code = Some(NEXT_PASS.into());
    verify_body.activation_token = Some(ACTIVATION_TOKEN.into());
    verify_body.state_token = Some(STATE.into());
    let verify = VerifyFactor::new("00u1", "ostf1")
        .user_agent("Mozilla/5.0")
        .body(verify_body);
    assert_debug_redacted(&verify);
    let request = verify.build_request(&org, &creds).unwrap();
    assert_eq!(
        request.body().as_slice(),
        format!(
            r#"{{"passCode":"{PASS}","answer":"{ANSWER}","nextPassCode":"{NEXT_PASS}","activationToken":"{ACTIVATION_TOKEN}","stateToken":"{STATE}"}}"#
        )
        .as_bytes()
    );
    assert_debug_redacted(request.headers());
}

// ===========================================================================
// Parsed responses holding secrets
// ===========================================================================

fn totp_enrollment_body(shared_secret_json: &str) -> String {
    format!(
        r#"{{
  "id": "ostf1fmaMGJLMNGNLIVG", "factorType": "token:software:totp", "provider": "OKTA",
  "vendorName": "OKTA", "status": "PENDING_ACTIVATION",
  "created": "2014-07-16T16:13:56.000Z", "lastUpdated": "2014-07-16T16:13:56.000Z",
  "profile": {{"credentialId": "dade.murphy@example.com"}},
  "_links": {{
    "activate": {{"href": "https://dev-123456.okta.com/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/lifecycle/activate", "hints": {{"allow": ["POST"]}}}},
    "self": {{"href": "https://dev-123456.okta.com/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG"}}
  }},
  "_embedded": {{
    "activation": {{"timeStep": 30, "sharedSecret": {shared_secret_json}, "encoding": "base32", "keyLength": 6}},
    "_links": {{"qrcode": {{"href": "https://dev-123456.okta.com/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/qr/00fukNElRS", "type": "image/png"}}}}
  }}
}}"#
    )
}

fn enroll_totp() -> EnrollFactor {
    EnrollFactor::new(
        "00u15s1KDETTQMQYABRL",
        FactorEnrollment::totp(okta_factors_core::model::TotpProvider::Okta),
    )
}

#[test]
fn parsed_totp_enrollment_is_redacted() {
    let body = totp_enrollment_body(&format!("\"{SHARED}\""));
    let parsed = enroll_totp()
        .parse_response(json_response(200, &body))
        .unwrap();
    // The secret is there...
    let totp = parsed.value.totp_activation().unwrap();
    assert_eq!(totp.shared_secret.expose(), SHARED);
    assert_eq!(totp.time_step, 30);
    assert!(json_text(&parsed.value).contains(SHARED));
    // ...and never formatted.
    assert_debug_redacted(&parsed);
    assert_debug_redacted(&parsed.value);
    assert_debug_redacted(&totp);
    assert_debug_redacted(totp.shared_secret);
    let embedded = parsed.value.embedded().unwrap();
    assert_debug_redacted(embedded);
    let activation: &Activation = embedded.activation.as_deref().unwrap();
    assert_eq!(activation.shared_secret.as_ref().unwrap().expose(), SHARED);
    assert_debug_redacted(activation);

    // The same body parsed directly, through GetFactor, inside a list, and as
    // an activate outcome.
    let factor: UserFactor = serde_json::from_str(&body).unwrap();
    assert_debug_redacted(&factor);
    let got = GetFactor::new("00u1", "ostf1")
        .parse_response(json_response(200, &body))
        .unwrap();
    assert_debug_redacted(&got);
    let list = ListFactors::new("00u1")
        .parse_response(json_response(200, &format!("[{body}]")))
        .unwrap();
    assert_eq!(
        list.value[0]
            .totp_activation()
            .unwrap()
            .shared_secret
            .expose(),
        SHARED
    );
    assert_debug_redacted(&list);
    let activated = ActivateFactor::new("00u1", "ostf1")
        .parse_response(json_response(200, &body))
        .unwrap();
    let ActivateOutcome::Activated(factor) = &activated.value else {
        panic!("not activated: {:?}", activated.value)
    };
    assert_eq!(
        factor.totp_activation().unwrap().shared_secret.expose(),
        SHARED
    );
    assert_debug_redacted(&activated);
}

#[test]
fn numeric_shared_secret_is_redacted() {
    // A number is accepted as a secret (some clients send numeric codes): it must
    // be redacted like a string.
    let body = totp_enrollment_body("918273645546372819");
    let parsed = enroll_totp()
        .parse_response(json_response(200, &body))
        .unwrap();
    let totp = parsed.value.totp_activation().unwrap();
    assert_eq!(totp.shared_secret.expose(), "918273645546372819");
    for text in [format!("{parsed:?}"), format!("{parsed:#?}")] {
        assert!(!text.contains("918273645546372819"), "{text}");
    }
}

#[test]
fn parsed_profile_secrets_are_redacted() {
    let body = format!(
        r#"[
  {{"id": "ufs1", "factorType": "question", "provider": "OKTA", "status": "ACTIVE",
    "profile": {{"question": "disliked_food", "questionText": "What food do you least like?", "answer": "{ANSWER}"}}}},
  {{"id": "chf1", "factorType": "token:hotp", "provider": "CUSTOM", "factorProfileId": "fpr1",
    "profile": {{"credentialId": "dade", "sharedSecret": "{SHARED}"}}}}
]"#
    );
    let parsed = ListFactors::new("00u1")
        .parse_response(json_response(200, &body))
        .unwrap();
    let UserFactor::Question(question) = &parsed.value[0] else {
        panic!("not a question factor")
    };
    assert_eq!(
        question
            .profile
            .as_ref()
            .unwrap()
            .answer
            .as_ref()
            .unwrap()
            .expose(),
        ANSWER
    );
    let UserFactor::TokenHotp(hotp) = &parsed.value[1] else {
        panic!("not a hotp factor")
    };
    assert_eq!(
        hotp.profile
            .as_ref()
            .unwrap()
            .shared_secret
            .as_ref()
            .unwrap()
            .expose(),
        SHARED
    );
    assert_debug_redacted(&parsed);
}

#[test]
fn verify_outcome_with_embedded_activation_is_redacted() {
    let body = format!(
        r#"{{"factorResult": "WAITING", "expiresAt": "2015-04-01T15:57:32.000Z",
            "_links": {{"poll": {{"href": "https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/transactions/v2mst.x"}}}},
            "_embedded": {{"activation": {{"sharedSecret": "{SHARED}"}}}}}}"#
    );
    let parsed = VerifyFactor::new("00u1", "opf1")
        .parse_response(json_response(201, &body))
        .unwrap();
    assert!(matches!(parsed.value, VerifyOutcome::Waiting(_)));
    assert!(json_text(&parsed.value).contains(SHARED));
    assert_debug_redacted(&parsed);
}

// ===========================================================================
// Errors from bad input involving a secret
// ===========================================================================

#[test]
fn bad_token_errors_are_redacted() {
    for bad in [
        "00S3CR3T-API-TOKEN-55501 x",
        "SSWS 00S3CR3T-API-TOKEN-55501",
        "Bearer 00S3CR3T-API-TOKEN-55501",
        "00S3CR3T-API-TOKEN-55501\r\nX-Evil: 1",
        "00S3CR3T-API-TOKEN-55501\u{e9}",
        "{00S3CR3T-API-TOKEN-55501}",
        "00S3CR3T-API-TOKEN-55501\u{0}",
    ] {
        for result in [Credentials::api_token(bad), Credentials::access_token(bad)] {
            let error = result.expect_err(bad);
            assert!(matches!(error, InputError::Credentials { .. }));
            assert_all_redacted(&error);
            assert_error_redacted(&Error::from(error));
        }
    }
}

#[test]
fn request_build_errors_do_not_carry_the_body() {
    let org = org();
    let creds = creds();
    let errors = vec![
        EnrollFactor::new("00u1", FactorEnrollment::question("disliked_food", ANSWER))
            .accept_language("fr\r\nX-Evil: 1")
            .build_request(&org, &creds)
            .unwrap_err(),
        EnrollFactor::new("00u1", FactorEnrollment::yubikey(PASS))
            .token_lifetime_seconds(0)
            .build_request(&org, &creds)
            .unwrap_err(),
        VerifyFactor::new("", "ostf1")
            .body(VerifyFactorRequest::pass_code(PASS))
            .build_request(&org, &creds)
            .unwrap_err(),
        VerifyFactor::new("00u1", "ostf1")
            .user_agent("Mozilla\n")
            .body(VerifyFactorRequest::answer(ANSWER))
            .build_request(&org, &creds)
            .unwrap_err(),
        ActivateFactor::new("00u1", "..")
            .body(ActivateFactorRequest::pass_code(PASS))
            .build_request(&org, &creds)
            .unwrap_err(),
    ];
    for error in &errors {
        assert!(matches!(error, Error::Input(_)), "{error:?}");
        assert_error_redacted(error);
    }
}

/// Parses `body` as a 2xx response of several operations; each must fail to
/// decode without showing any secret.
#[track_caller]
fn assert_decode_error_redacted(body: &str, expected_path: Option<&str>) {
    let results: Vec<(&str, Result<(), Error>)> = vec![
        (
            "enroll_factor",
            enroll_totp()
                .parse_response(json_response(200, body))
                .map(drop),
        ),
        (
            "get_factor",
            GetFactor::new("u", "f")
                .parse_response(json_response(200, body))
                .map(drop),
        ),
        (
            "activate_factor",
            ActivateFactor::new("u", "f")
                .parse_response(json_response(200, body))
                .map(drop),
        ),
    ];
    for (operation, result) in results {
        let error = match result {
            Err(error) => error,
            Ok(()) => panic!("{operation}: decoded {body}"),
        };
        let Error::Decode(decode) = &error else {
            panic!("{operation}: expected Error::Decode, got {error:?}")
        };
        if let (Some(path), "enroll_factor" | "get_factor") = (expected_path, operation) {
            assert_eq!(decode.path, path, "{operation}");
        }
        assert_error_redacted(&error);
        assert_all_redacted(decode.as_ref());
    }
    // In a list the factor is kept as sent (`UserFactor::Malformed`), or the
    // list fails when the body is not JSON: neither shows a secret.
    match ListFactors::new("u").parse_response(json_response(200, &format!("[{body}]"))) {
        Ok(list) => {
            let malformed = list.value[0].as_malformed().expect("kept as Malformed");
            assert_debug_redacted(&list);
            assert_debug_redacted(malformed.error());
            assert_all_redacted(malformed);
            assert_all_redacted(malformed.malformed());
        }
        Err(error) => assert_error_redacted(&error),
    }
}

#[test]
fn mistyped_shared_secret_errors_are_redacted() {
    let path = Some("_embedded.activation.sharedSecret");
    for value in [
        format!(r#"{{"value": "{SHARED}"}}"#),
        format!(r#"["{SHARED}"]"#),
        format!(r#"[["{SHARED}", {{"k": "{SHARED}"}}]]"#),
        format!(r#"{{"{SHARED}": "{SHARED}"}}"#),
        "true".to_owned(),
        "91827.3645".to_owned(),
        "1e400".to_owned(),
    ] {
        let body = totp_enrollment_body(&value);
        assert_decode_error_redacted(&body, path);
    }
    // The float must not be shown either.
    let error = enroll_totp()
        .parse_response(json_response(200, &totp_enrollment_body("91827.3645")))
        .unwrap_err();
    assert!(!format!("{error} {error:?}").contains("91827"), "{error:?}");
}

#[test]
fn mistyped_profile_secret_errors_are_redacted() {
    for body in [
        format!(
            r#"{{"id": "ufs1", "factorType": "question", "provider": "OKTA",
                "profile": {{"question": "disliked_food", "answer": {{"text": "{ANSWER}"}}}}}}"#
        ),
        format!(
            r#"{{"id": "ufs1", "factorType": "question", "provider": "OKTA",
                "profile": {{"question": "disliked_food", "answer": ["{ANSWER}"]}}}}"#
        ),
        format!(
            r#"{{"id": "chf1", "factorType": "token:hotp", "provider": "CUSTOM",
                "profile": {{"sharedSecret": [{{"v": "{SHARED}"}}]}}}}"#
        ),
        r#"{"id": "chf1", "factorType": "token:hotp", "provider": "CUSTOM",
            "profile": {"sharedSecret": false, "credentialId": "dade"}}"#
            .to_owned(),
    ] {
        assert_decode_error_redacted(&body, None);
    }
}

#[test]
fn broken_json_around_a_secret_is_redacted() {
    let full = totp_enrollment_body(&format!("\"{SHARED}\""));
    // Truncated right after the secret, and inside it.
    let cut = full.find(SHARED).unwrap() + SHARED.len();
    assert_decode_error_redacted(&full[..cut + 1], None);
    assert_decode_error_redacted(&full[..cut - 3], None);
    // An invalid escape and a raw control character inside the secret.
    assert_decode_error_redacted(&totp_enrollment_body(&format!("\"{SHARED}\\q\"")), None);
    assert_decode_error_redacted(&totp_enrollment_body(&format!("\"{SHARED}\u{1}\"")), None);
    // A syntax error right after the secret.
    assert_decode_error_redacted(
        &totp_enrollment_body(&format!("\"{SHARED}\" \"{SHARED}\"")),
        None,
    );
}

#[test]
fn mistyped_verify_response_errors_are_redacted() {
    for value in [
        format!(r#"{{"value": "{SHARED}"}}"#),
        format!(r#"["{SHARED}"]"#),
        "true".to_owned(),
        "3.5".to_owned(),
    ] {
        let body = format!(
            r#"{{"factorResult": "WAITING",
                "_embedded": {{"activation": {{"sharedSecret": {value}}}}}}}"#
        );
        for result in [
            VerifyFactor::new("u", "f")
                .parse_response(json_response(201, &body))
                .map(drop),
            ActivateFactor::new("u", "f")
                .parse_response(json_response(200, &body))
                .map(drop),
            okta_factors_core::operations::GetFactorTransactionStatus::new("u", "f", "t")
                .parse_response(json_response(200, &body))
                .map(drop),
        ] {
            let error = result.unwrap_err();
            assert!(matches!(error, Error::Decode(_)), "{error:?}");
            assert_error_redacted(&error);
        }
        let error = VerifyFactor::new("u", "f")
            .parse_response(json_response(200, &body))
            .unwrap_err();
        let Error::Decode(decode) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(decode.path, "_embedded.activation.sharedSecret");
    }
}

#[test]
fn non_json_success_does_not_quote_secrets() {
    // A TOTP enrollment whose Content-Type a proxy rewrote: the error quotes the
    // first 256 bytes of the body, which here include the shared secret.
    let body = format!(
        r#"{{"id":"ostf1","factorType":"token:software:totp","provider":"GOOGLE","status":"PENDING_ACTIVATION","_embedded":{{"activation":{{"sharedSecret":"{SHARED}","timeStep":30}}}}}}"#
    );
    for content_type in [
        "text/plain",
        "text/html; charset=utf-8",
        "application/octet-stream",
    ] {
        let response = Response::builder()
            .status(200)
            .header("content-type", content_type)
            .body(body.clone().into_bytes())
            .unwrap();
        let error = enroll_totp().parse_response(response).unwrap_err();
        assert!(matches!(error, Error::UnexpectedResponse(_)), "{error:?}");
        assert_error_redacted(&error);
    }
}

// ===========================================================================
// Built requests and the policies holding them (issue #10, point 7)
// ===========================================================================

/// A verify body holding every secret a verify can carry.
fn verify_body_with_every_secret() -> VerifyFactorRequest {
    let mut body = VerifyFactorRequest::pass_code(PASS);
    body.answer = Some(ANSWER.into());
    body.next_pass_code = Some(NEXT_PASS.into());
    body.activation_token = Some(ACTIVATION_TOKEN.into());
    body.state_token = Some(STATE.into());
    body
}

/// `Debug` of a call of `op` and of the actions it gives: the operation,
/// method, path template and body length, and none of `secrets`, which its
/// request does carry.
#[track_caller]
fn check_call<O: Operation + Debug>(op: &O, secrets: &[&str])
where
    O::Output: Debug,
{
    use okta_factors_core::policy::{Action, Call, Machine};
    use okta_factors_core::ClientConfig;
    use std::time::Duration;

    let mut config = ClientConfig::new(org(), creds());
    config.set_user_agent_extra("my-app/1.0").unwrap();
    let mut call = Call::new(op, &config);
    let action = call.next_action(Duration::ZERO);
    assert_debug_hides(&action, secrets);
    let shown = format!("{action:?}");
    let Action::Send { request: sent, .. } = action else {
        panic!("{shown}")
    };
    let wire = body_text(&sent);
    for secret in secrets {
        assert!(wire.contains(secret), "{} lacks {secret}: {wire}", O::NAME);
    }
    assert!(sent.headers()["authorization"]
        .to_str()
        .unwrap()
        .ends_with(API_TOKEN));
    for part in [
        format!("method: {}", O::METHOD),
        format!("body_len: {}", sent.body().len()),
        "\"authorization\"".to_owned(),
    ] {
        assert!(shown.contains(&part), "{shown} lacks {part}");
    }
    assert_debug_hides(&call, secrets);
    let text = format!("{call:?}");
    for part in [
        format!("operation: {:?}", O::NAME),
        format!("method: {}", O::METHOD),
        format!("path_template: {:?}", O::PATH_TEMPLATE),
        format!("body_len: {}", sent.body().len()),
        "retries: 0".to_owned(),
    ] {
        assert!(text.contains(&part), "{text} lacks {part}");
    }

    // After a 429 the call waits, then sends the same request again.
    let limited = Response::builder()
        .status(429)
        .header("content-type", "application/json")
        .header("x-rate-limit-limit", "0")
        .header("x-rate-limit-remaining", "0")
        .body(br#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}"#.to_vec())
        .unwrap();
    call.handle(Ok(limited.map(Bytes::from)), Duration::ZERO, 7);
    let action = call.next_action(Duration::ZERO);
    assert_debug_hides(&action, secrets);
    let Action::Wait { delay, reason } = action else {
        panic!("{action:?}")
    };
    assert_debug_redacted(&reason);
    assert!(format!("{call:?}").contains("retries: 1"), "{call:?}");
    assert_debug_hides(&call, secrets);
    let action = call.next_action(delay);
    assert_debug_hides(&action, secrets);
    let Action::Send { request, .. } = action else {
        panic!("{action:?}")
    };
    assert_eq!(body_text(&request), wire);
}

#[test]
fn call_debug_shows_the_call_but_not_its_body_or_headers() {
    check_call(
        &VerifyFactor::new("00u1", "ostf1")
            .user_agent("Mozilla/5.0")
            .body(verify_body_with_every_secret()),
        &[PASS, ANSWER, NEXT_PASS, ACTIVATION_TOKEN, STATE],
    );
    check_call(
        &EnrollFactor::new("00u1", FactorEnrollment::custom_hotp("fpr1", SHARED)),
        &[SHARED],
    );
    check_call(
        &EnrollFactor::new(
            "00u1",
            FactorEnrollment::symantec_vip("VSMT14393584", PASS, NEXT_PASS),
        ),
        &[PASS, NEXT_PASS],
    );
    check_call(
        &ResendEnrollFactor::new(
            "00u1",
            "ostf1",
            FactorEnrollment::question("disliked_food", ANSWER),
        ),
        &[ANSWER],
    );
    let mut activate = ActivateFactorRequest::pass_code(PASS);
    activate.state_token = Some(STATE.into());
    check_call(
        &ActivateFactor::new("00u1", "ostf1").body(activate),
        &[PASS, STATE],
    );
}

#[test]
fn call_actions_do_not_show_parsed_secrets() {
    use okta_factors_core::policy::{Action, Call, Machine};
    use std::time::Duration;
    let config = okta_factors_core::ClientConfig::new(org(), creds());
    let enroll = enroll_totp();
    let mut call = Call::new(&enroll, &config);
    assert!(matches!(
        call.next_action(Duration::ZERO),
        Action::Send { .. }
    ));
    let body = totp_enrollment_body(&format!("\"{SHARED}\""));
    call.handle(Ok(json_response(200, &body)), Duration::ZERO, 0);
    let action = call.next_action(Duration::ZERO);
    let Action::Done(Ok(parsed)) = &action else {
        panic!("{action:?}")
    };
    assert_eq!(
        parsed
            .value
            .totp_activation()
            .unwrap()
            .shared_secret
            .expose(),
        SHARED
    );
    assert_debug_redacted(&action);
}

#[test]
fn request_parts_debug_shows_names_and_lengths_only() {
    // Header and query values marked as secrets: they are not shown either.
    const UA: &str = "Mozilla/5.0 (S3CR3T-UA)";
    const TEMPLATE: &str = "S3CR3T-TEMPLATE-77";
    let verify = VerifyFactor::new("00u1", "ostf1")
        .user_agent(UA)
        .body(verify_body_with_every_secret());
    let parts = verify.request_parts().unwrap();
    let body = String::from_utf8(parts.body.clone().unwrap()).unwrap();
    for secret in [PASS, ANSWER, NEXT_PASS, ACTIVATION_TOKEN, STATE] {
        assert!(body.contains(secret), "{body}");
    }
    assert!(parts.headers.iter().any(|(_, value)| *value == UA));
    assert_debug_hides(&parts, &[UA]);
    let text = format!("{parts:?}");
    assert!(
        text.contains(&format!("body_len: Some({})", body.len())),
        "{text}"
    );
    assert!(text.contains("user-agent"), "{text}");
    assert!(text.contains("\"00u1\""), "{text}");

    let enroll = EnrollFactor::new("00u1", FactorEnrollment::question("disliked_food", ANSWER))
        .template_id(TEMPLATE)
        .accept_language("fr");
    let parts = enroll.request_parts().unwrap();
    assert!(parts.query.iter().any(|(_, value)| value == TEMPLATE));
    assert_debug_hides(&parts, &[TEMPLATE]);
    assert!(format!("{parts:?}").contains("templateId"), "{parts:?}");
}

/// Asks `machine` for actions from `now` on (sleeping through its wait) until
/// it sends, checking that none shows a secret; returns the request.
#[track_caller]
fn until_sent<M>(machine: &mut M, now: &mut std::time::Duration) -> Request<Vec<u8>>
where
    M: okta_factors_core::policy::Machine,
    M::Output: Debug,
{
    use okta_factors_core::policy::Action;
    loop {
        let action = machine.next_action(*now);
        assert_debug_redacted(&action);
        match action {
            Action::Send { request, .. } => return request,
            Action::Wait { delay, reason } => {
                assert_debug_redacted(&reason);
                *now += delay;
            }
            Action::ShowNumber(_) => {}
            Action::Done(result) => panic!("ended: {result:?}"),
        }
    }
}

#[test]
fn push_poll_debug_shows_no_header_value() {
    use okta_factors_core::policy::{Action, Machine, PushPoll, PushVerification};
    use okta_factors_core::ClientConfig;
    use std::time::Duration;

    const WAITING: &str = r#"{"factorResult":"WAITING","expiresAt":"2015-04-01T15:57:32.000Z",
        "_links":{"poll":{"href":"https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/transactions/v2mst.GldKV5Vx","hints":{"allow":["GET"]}}},
        "_embedded":{"challenge":{"correctAnswer":72}}}"#;
    let success = format!(
        r#"{{"factorResult":"SUCCESS","profile":{{"deviceToken":"{DEVICE_TOKEN}"}},
            "_embedded":{{"activation":{{"sharedSecret":"{SHARED}"}}}}}}"#
    );
    for credentials in [creds(), Credentials::access_token(ACCESS_TOKEN).unwrap()] {
        let config = ClientConfig::new(org(), credentials.clone());
        let verify = VerifyFactor::new("00u1", "opf1");
        let waiting = verify.parse_response(json_response(201, WAITING)).unwrap();
        let waiting_push = waiting.value.as_waiting().unwrap();
        let mut poll = PushPoll::for_verify(&verify, waiting_push, &waiting.meta, &config).unwrap();
        assert_debug_redacted(&poll);
        // The number, the wait and the poll.
        let mut now = Duration::ZERO;
        let request = until_sent(&mut poll, &mut now);
        assert!(request.headers()["authorization"]
            .to_str()
            .unwrap()
            .ends_with(credentials.token().unwrap().expose()));
        assert_debug_redacted(&poll);

        // A final result that carries a secret.
        poll.handle(Ok(json_response(200, &success)), now, 0);
        let action = poll.next_action(now);
        let Action::Done(Ok(outcome)) = &action else {
            panic!("{action:?}")
        };
        let json = json_text(outcome);
        assert!(
            json.contains(SHARED) && json.contains(DEVICE_TOKEN),
            "{json}"
        );
        assert_debug_redacted(&action);

        // The activation machine, and a push that expires with a secret in
        // its last WAITING answer (kept in the TIMEOUT outcome).
        assert_debug_redacted(&PushPoll::for_activation("00u1", "opf1", &config).unwrap());
        let mut poll = PushPoll::for_verify(&verify, waiting_push, &waiting.meta, &config).unwrap();
        let mut now = Duration::ZERO;
        until_sent(&mut poll, &mut now);
        let deadline = poll.deadline();
        poll.handle(
            Ok(json_response(
                200,
                &format!(
                    r#"{{"factorResult":"WAITING","profile":{{"deviceToken":"{DEVICE_TOKEN}"}}}}"#
                ),
            )),
            deadline,
            0,
        );
        let action = poll.next_action(deadline);
        assert!(
            matches!(action, Action::Done(Ok(VerifyOutcome::Timeout(_)))),
            "{action:?}"
        );
        assert_debug_redacted(&action);
        // A failed poll's error (the fourth in a row ends polling).
        let mut poll = PushPoll::for_verify(&verify, waiting_push, &waiting.meta, &config).unwrap();
        let mut now = Duration::ZERO;
        for _ in 0..4 {
            until_sent(&mut poll, &mut now);
            let body = r#"{"errorCode":"E0000009","errorSummary":"Internal Server Error"}"#;
            poll.handle(Ok(json_response(500, body)), now, 0);
        }
        let action = poll.next_action(now);
        let Action::Done(Err(error)) = &action else {
            panic!("{action:?}")
        };
        assert_error_redacted(error);
        // A reset connection is waited out; a TLS failure is the result.
        let mut poll = PushPoll::for_verify(&verify, waiting_push, &waiting.meta, &config).unwrap();
        let mut now = Duration::ZERO;
        until_sent(&mut poll, &mut now);
        let reset = okta_factors_core::TransportError::new(
            okta_factors_core::TransportErrorKind::Io,
            "connection reset by peer",
        );
        poll.handle(Err(reset), now, 0);
        until_sent(&mut poll, &mut now);
        let tls = okta_factors_core::TransportError::new(
            okta_factors_core::TransportErrorKind::Tls,
            "invalid peer certificate",
        );
        poll.handle(Err(tls), now, 0);
        let action = poll.next_action(now);
        let Action::Done(Err(error)) = &action else {
            panic!("{action:?}")
        };
        assert_error_redacted(error);

        // A push verification whose verify body holds every secret: neither
        // the machine nor its actions show them, through its verify and polls.
        let secrets = [PASS, ANSWER, NEXT_PASS, ACTIVATION_TOKEN, STATE];
        let verify = VerifyFactor::new("00u1", "opf1").body(verify_body_with_every_secret());
        let mut push = PushVerification::new(&verify, &config);
        assert_debug_hides(&push, &secrets);
        let mut now = Duration::ZERO;
        let request = until_sent(&mut push, &mut now);
        assert!(body_text(&request).contains(PASS));
        push.handle(Ok(json_response(201, WAITING)), now, 0);
        assert_debug_hides(&push, &secrets);
        until_sent(&mut push, &mut now);
        assert_debug_hides(&push, &secrets);
        push.handle(Ok(json_response(200, &success)), now, 0);
        let action = push.next_action(now);
        assert!(
            matches!(action, Action::Done(Ok(VerifyOutcome::Success(_)))),
            "{action:?}"
        );
        assert_debug_redacted(&action);
    }
}

/// A documented limit (SECURITY.md): a built request is the `http` crate's
/// `Request<Vec<u8>>`, whose `Debug` prints the body as a byte list. Log the
/// operation, the `Call` or its `Action` instead. If this test fails, the body type
/// changed: update SECURITY.md and the docs of `Operation::build_request`.
#[test]
fn debug_of_a_built_http_request_shows_its_body_bytes() {
    let request = VerifyFactor::new("00u1", "ostf1")
        .body(VerifyFactorRequest::pass_code(PASS))
        .build_request(&org(), &creds())
        .unwrap();
    assert!(shows(&format!("{request:?}"), PASS));
    // The token is in a sensitive header: never shown.
    assert_no_secret_in(&format!("{:?}", request.headers()), "headers");
    assert!(!format!("{request:?}").contains(API_TOKEN));
}

#[test]
fn totp_generators_do_not_show_the_key() {
    use okta_factors_core::totp::Totp;
    // RFC 6238's SHA-1 key, raw and in base32.
    const KEY: &str = "12345678901234567890";
    const KEY_BASE32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let raw = Totp::new(KEY.as_bytes().to_vec(), 30, 8).unwrap();
    let decoded = Totp::from_base32(&Secret::new(KEY_BASE32), 30, 8).unwrap();
    assert_eq!(raw, decoded);
    assert_eq!(raw.code_at(59).expose(), "94287082");
    for totp in [&raw, &decoded] {
        assert_debug_hides(totp, &[KEY, KEY_BASE32]);
        assert_debug_redacted(&totp.code_at(59));
    }
}

// ===========================================================================
// One-time links and device tokens (issue #10, point 8)
// ===========================================================================

/// The secrets a payload holds, found in its JSON independently of the model:
/// the values of the members the spec calls secret, and the targets of the
/// one-time link relations (`qrcode`, `send`) with the token of a QR code link.
fn secrets_in(value: &serde_json::Value, one_time: bool, out: &mut Vec<String>) {
    use serde_json::Value;
    const SECRET: &[&str] = &[
        "sharedSecret",
        "passCode",
        "nextPassCode",
        "answer",
        "activationToken",
        "stateToken",
        "deviceToken",
    ];
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    (key, Value::String(s)) if SECRET.contains(&key) => out.push(s.clone()),
                    ("href", Value::String(href)) if one_time => {
                        out.push(href.clone());
                        if let Some((_, token)) = href.split_once("/qr/") {
                            out.push(token.to_owned());
                        }
                    }
                    ("qrcode" | "send", value) => secrets_in(value, true, out),
                    (_, value) => secrets_in(value, one_time, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| secrets_in(v, one_time, out)),
        _ => {}
    }
}

/// Formats a factor and every part of it a caller can reach.
#[track_caller]
fn assert_factor_hides(factor: &UserFactor, secrets: &[&str]) {
    assert_debug_hides(factor, secrets);
    let links = factor.links();
    assert_debug_hides(links, secrets);
    for (_, set) in links.iter() {
        assert_debug_hides(set, secrets);
    }
    assert_debug_hides(&links.qrcode(), secrets);
    assert_debug_hides(links.send(), secrets);
    if let Some(embedded) = factor.embedded() {
        assert_embedded_hides(embedded, secrets);
    }
    assert_debug_hides(&factor.totp_activation(), secrets);
}

#[track_caller]
fn assert_embedded_hides(embedded: &okta_factors_core::model::Embedded, secrets: &[&str]) {
    assert_debug_hides(embedded, secrets);
    assert_debug_hides(&embedded.qr_code(), secrets);
    assert_debug_hides(&embedded.totp_activation(), secrets);
    assert_debug_hides(&embedded.links, secrets);
    if let Some(activation) = &embedded.activation {
        assert_debug_hides(&**activation, secrets);
        if let Some(links) = &activation.links {
            assert_debug_hides(links, secrets);
            assert_debug_hides(&links.qrcode(), secrets);
            assert_debug_hides(links.send(), secrets);
            for (_, set) in links.iter() {
                assert_debug_hides(set, secrets);
            }
        }
    }
}

#[track_caller]
fn assert_verify_response_hides(
    response: &okta_factors_core::model::VerifyResponse,
    secrets: &[&str],
) {
    assert_debug_hides(response, secrets);
    if let Some(links) = &response.links {
        assert_debug_hides(links, secrets);
        assert_debug_hides(&links.qrcode(), secrets);
        assert_debug_hides(links.send(), secrets);
    }
    if let Some(embedded) = &response.embedded {
        assert_embedded_hides(embedded, secrets);
    }
}

/// Parses a 2xx `body` as `operation` answers it, and formats everything.
/// Returns the parsed value as JSON (what is readable through the API).
#[track_caller]
fn parse_and_check(operation: &str, status: u16, body: &str, secrets: &[&str]) -> String {
    let response = || json_response(status, body);
    match operation {
        "enroll_factor" | "get_factor" => {
            let parsed = GetFactor::new("u", "f").parse_response(response()).unwrap();
            assert_debug_hides(&parsed, secrets);
            assert_factor_hides(&parsed.value, secrets);
            let enrolled = enroll_totp().parse_response(response()).unwrap();
            assert_debug_hides(&enrolled, secrets);
            json_text(&parsed.value)
        }
        "list_factors" => {
            let parsed = ListFactors::new("u").parse_response(response()).unwrap();
            assert_debug_hides(&parsed, secrets);
            for factor in &parsed.value {
                assert_factor_hides(factor, secrets);
            }
            json_text(&parsed.value)
        }
        "activate_factor" => {
            let parsed = ActivateFactor::new("u", "f")
                .parse_response(response())
                .unwrap();
            assert_debug_hides(&parsed, secrets);
            assert_debug_hides(&parsed.value, secrets);
            match &parsed.value {
                ActivateOutcome::Activated(factor) => assert_factor_hides(factor, secrets),
                ActivateOutcome::Waiting(waiting) => {
                    assert_debug_hides(waiting, secrets);
                    assert_verify_response_hides(&waiting.response, secrets);
                }
                other => assert_debug_hides(other, secrets),
            }
            json_text(&parsed.value)
        }
        "verify_factor" | "get_factor_transaction_status" => {
            let parsed = VerifyFactor::new("u", "f")
                .parse_response(response())
                .unwrap();
            assert_debug_hides(&parsed, secrets);
            assert_debug_hides(&parsed.value, secrets);
            assert_verify_response_hides(parsed.value.response(), secrets);
            json_text(&parsed.value)
        }
        other => panic!("no parser for {other}"),
    }
}

#[test]
fn one_time_links_and_secrets_of_spec_and_vector_payloads_are_redacted() {
    use common::fixtures::load_json_dir;
    let mut checked = Vec::new();
    let mut payloads = Vec::new();
    for (name, fixture) in load_json_dir("spec").unwrap() {
        let status = fixture["status"].as_u64().unwrap_or(0);
        if fixture["kind"] == "response" && (200..300).contains(&status) {
            payloads.push((
                name,
                fixture["operation"].clone(),
                status,
                fixture["wire_body"].clone(),
            ));
        }
    }
    for (name, vector) in load_json_dir("vectors").unwrap() {
        let status = vector["response"]["status"].as_u64().unwrap_or(0);
        if (200..300).contains(&status) {
            payloads.push((
                name,
                vector["operation"].clone(),
                status,
                vector["response"]["body"].clone(),
            ));
        }
    }
    for (name, operation, status, body) in payloads {
        let mut secrets = Vec::new();
        secrets_in(&body, false, &mut secrets);
        if secrets.is_empty() {
            continue;
        }
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let json = parse_and_check(
            operation.as_str().unwrap(),
            u16::try_from(status).unwrap(),
            &body.to_string(),
            &secrets,
        );
        // Still on the wire and readable through the API.
        for secret in &secrets {
            assert!(json.contains(secret), "{name}: {secret} lost: {json}");
        }
        checked.push(name);
    }
    // The payloads with QR code and activation `send` links were among them.
    for expected in [
        "23-enroll_factor-okta-verify-totp",
        "25-enroll_factor-okta-verify-push",
        "41-activate_factor-push-waiting",
        "enroll_factor--response--200--google",
        "enroll_factor--response--200--push",
        "enroll_factor--response--200--token-software-totp",
    ] {
        assert!(
            checked.iter().any(|c| c == expected),
            "{expected} not checked: {checked:?}"
        );
    }
}

/// A push activation as the simulator and Okta send it, with a QR code token
/// of this file.
fn push_activation_body() -> String {
    format!(
        r#"{{"expiresAt":"2015-04-01T15:57:32.000Z","factorResult":"WAITING",
  "_links":{{
    "poll":{{"href":"https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/lifecycle/activate","hints":{{"allow":["POST"]}}}},
    "qrcode":{{"href":"https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/qr/{QR_TOKEN}","type":"image/png"}},
    "send":[
      {{"name":"email","href":"https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/lifecycle/activate/email","hints":{{"allow":["POST"]}}}},
      {{"name":"sms","href":"https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/lifecycle/activate/sms","hints":{{"allow":["POST"]}}}}
    ]}}}}"#
    )
}

#[test]
fn one_time_link_targets_are_redacted_but_kept() {
    use okta_factors_core::model::{Link, LinkSet, Links};
    const QR: &str = "https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/qr/";
    const SEND_EMAIL: &str =
        "https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/lifecycle/activate/email";
    const SEND_SMS: &str =
        "https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/lifecycle/activate/sms";
    const POLL: &str =
        "https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/lifecycle/activate";
    let qr = format!("{QR}{QR_TOKEN}");
    let one_time = [qr.as_str(), SEND_EMAIL, SEND_SMS];

    let parsed = ActivateFactor::new("00u1", "opf1")
        .parse_response(json_response(200, &push_activation_body()))
        .unwrap();
    let ActivateOutcome::Waiting(waiting) = &parsed.value else {
        panic!("{:?}", parsed.value)
    };
    let links = waiting.response.links.as_ref().unwrap();
    // Readable through the API, and written back as they came.
    assert_eq!(links.qrcode().unwrap().href.as_deref(), Some(qr.as_str()));
    let sends: Vec<_> = links.send().iter().map(|l| l.href.as_deref()).collect();
    assert_eq!(sends, [Some(SEND_EMAIL), Some(SEND_SMS)]);
    let json = json_text(&parsed.value);
    for href in one_time {
        assert!(json.contains(href), "{json}");
    }
    // Never formatted: not in the outcome, the links, a relation's link set or
    // a link on its own.
    assert_debug_hides(&parsed, &one_time);
    assert_debug_hides(links, &one_time);
    assert_debug_hides(links.qrcode().unwrap(), &one_time);
    assert_debug_hides(links.send(), &one_time);
    assert_debug_hides(links.iter().collect::<Vec<_>>().as_slice(), &one_time);
    // Other links are shown: the redaction is not blanket.
    assert!(format!("{links:?}").contains(POLL), "{links:?}");
    assert!(format!("{:?}", links.poll().unwrap()).contains(POLL));

    // A one-time relation is redacted whatever its target looks like.
    let mut odd = Links::default();
    odd.insert(
        "qrcode",
        LinkSet::One(Link::new(
            "https://dev-123456.okta.com/qr-codes?t=S3CR3T-QR-ODD",
        )),
    );
    odd.insert(
        "send",
        LinkSet::One(Link::new(
            "https://dev-123456.okta.com/send?t=S3CR3T-SEND-ODD",
        )),
    );
    assert_debug_redacted(&odd);
    assert!(json_text(&odd).contains("S3CR3T-QR-ODD"));
    // And a link on its own is redacted when it has the shape of a QR code or
    // `send` link.
    for href in one_time {
        assert_debug_hides(&Link::new(href), &[href]);
        assert_debug_hides(&LinkSet::Many(vec![Link::new(href)]), &[href]);
    }
}

#[test]
fn push_device_tokens_are_redacted() {
    // The spec's push activation example, with the `deviceToken` of the
    // spec's PushProfile schema example, and one of this file.
    const SPEC_DEVICE_TOKEN: &str = "fwf7ku6bsiSCieh6y1d7";
    for token in [SPEC_DEVICE_TOKEN, DEVICE_TOKEN] {
        let body = format!(
            r#"{{"id":"opf3hkfocI4JTLAju0g4","factorType":"push","provider":"OKTA","vendorName":"OKTA","status":"ACTIVE",
               "profile":{{"credentialId":"dade.murphy@example.com","deviceToken":"{token}","deviceType":"SmartPhone_IPhone",
                          "name":"Gibson","platform":"IOS","version":"9.0"}}}}"#
        );
        let parsed = ActivateFactor::new("00u1", "opf3hkfocI4JTLAju0g4")
            .parse_response(json_response(200, &body))
            .unwrap();
        let ActivateOutcome::Activated(factor) = &parsed.value else {
            panic!("{:?}", parsed.value)
        };
        let UserFactor::Push(push) = &**factor else {
            panic!("{factor:?}")
        };
        let profile = push.profile.as_ref().unwrap();
        assert_eq!(
            serde_json::to_value(&profile.device_token).unwrap(),
            serde_json::json!(token)
        );
        assert!(json_text(&parsed.value).contains(token));
        assert_debug_hides(&parsed, &[token]);
        assert_debug_hides(profile, &[token]);
        assert_debug_hides(push, &[token]);
        let list = ListFactors::new("00u1")
            .parse_response(json_response(200, &format!("[{body}]")))
            .unwrap();
        assert_debug_hides(&list, &[token]);
    }
}

#[test]
fn raw_json_hides_secrets_and_one_time_links() {
    // Raw JSON is kept where the model has no type for it: the profile of an
    // unknown factor type, a verify result's profile, WebAuthn options, unknown
    // members. Secret members and one-time links are redacted there too.
    let qr = format!("https://dev-123456.okta.com/api/v1/users/00u1/factors/x1/qr/{QR_TOKEN}");
    let send = "https://dev-123456.okta.com/api/v1/users/00u1/factors/x1/lifecycle/activate/sms?s=S3CR3T-SEND";
    let unknown = format!(
        r#"{{"id":"x1","factorType":"future:factor","provider":"OKTA",
            "profile":{{"deviceToken":"{DEVICE_TOKEN}","answer":"{ANSWER}",
                       "_links":{{"qrcode":{{"href":"{qr}","type":"image/png"}}}}}},
            "enrollment":{{"_links":{{"send":[{{"name":"sms","href":"{send}"}}]}},"qrcode":"{qr}"}}}}"#
    );
    let factor = GetFactor::new("00u1", "x1")
        .parse_response(json_response(200, &unknown))
        .unwrap();
    let UserFactor::Unknown(raw) = &factor.value else {
        panic!("{:?}", factor.value)
    };
    let json = json_text(&factor.value);
    for secret in [DEVICE_TOKEN, ANSWER, qr.as_str(), send] {
        assert!(json.contains(secret), "{json}");
    }
    assert_debug_hides(&factor, &[&qr, send]);
    assert_debug_hides(raw, &[&qr, send]);
    assert_debug_hides(&raw.factor, &[&qr, send]);

    // Raw members of typed objects.
    let verify = format!(
        r#"{{"factorResult":"CHALLENGE",
            "profile":{{"credentialId":"dade","deviceToken":"{DEVICE_TOKEN}","passCode":"{PASS}"}},
            "_embedded":{{
              "challenge":{{"challenge":"c","extensions":{{"stateToken":"{STATE}"}}}},
              "activation":{{"rp":{{"name":"x","answer":"{ANSWER}"}},
                            "excludeCredentials":[{{"sharedSecret":"{SHARED}"}}],
                            "_links":{{"qrcode":{{"href":"{qr}"}}}}}}}}}}"#
    );
    let parsed = VerifyFactor::new("00u1", "x1")
        .parse_response(json_response(200, &verify))
        .unwrap();
    let json = json_text(&parsed.value);
    for secret in [DEVICE_TOKEN, PASS, STATE, ANSWER, SHARED] {
        assert!(json.contains(secret), "{json}");
    }
    assert_debug_hides(&parsed, &[&qr]);
    assert_verify_response_hides(parsed.value.response(), &[&qr]);

    let push = format!(
        r#"{{"id":"opf1","factorType":"push","provider":"OKTA",
            "profile":{{"keys":[{{"kty":"EC","sharedSecret":"{SHARED}"}}]}}}}"#
    );
    let parsed = GetFactor::new("00u1", "opf1")
        .parse_response(json_response(200, &push))
        .unwrap();
    assert!(json_text(&parsed.value).contains(SHARED));
    assert_debug_redacted(&parsed);
}

#[test]
fn decode_errors_in_one_time_links_and_device_tokens_do_not_quote_them() {
    let qr = format!("https://dev-123456.okta.com/api/v1/users/00u1/factors/x1/qr/{QR_TOKEN}");
    for links in [
        format!(r#"{{"qrcode":"{qr}"}}"#),
        format!(r#"{{"send":["{qr}"]}}"#),
        format!(r#"{{"qrcode":{{"href":"{qr}","templated":"{qr}"}}}}"#),
        format!(r#"{{"send":[{{"href":"{qr}","hints":{{"allow":"{qr}"}}}}]}}"#),
    ] {
        let body = format!(
            r#"{{"id":"opf1","factorType":"push","provider":"OKTA","_embedded":{{"activation":{{"_links":{links}}}}}}}"#
        );
        // Whether the malformed link fails the factor or is kept as raw JSON,
        // its target is not shown.
        match GetFactor::new("00u1", "opf1").parse_response(json_response(200, &body)) {
            Err(error) => assert_error_redacted(&error),
            Ok(parsed) => assert_debug_redacted(&parsed),
        }
    }
    for token in [
        "91827.3645".to_owned(),
        format!(r#"{{"v":"{DEVICE_TOKEN}"}}"#),
        format!(r#"["{DEVICE_TOKEN}"]"#),
    ] {
        let body = format!(
            r#"{{"id":"opf1","factorType":"push","provider":"OKTA","profile":{{"deviceToken":{token}}}}}"#
        );
        let error = GetFactor::new("00u1", "opf1")
            .parse_response(json_response(200, &body))
            .unwrap_err();
        assert_error_redacted(&error);
        assert!(!format!("{error} {error:?}").contains("91827"), "{error}");
    }
}

// ===========================================================================
// Every public type
// ===========================================================================

/// Parses `{json}` as each type and checks that secrets among its unknown
/// members (`extra`), nested or not, are redacted but kept.
macro_rules! check_unknown_members {
    ($json:expr, $( $ty:ty ),* $(,)?) => {
        $(
            let value: $ty = serde_json::from_str($json).unwrap();
            let wire = json_text(&value);
            for secret in [PASS, ANSWER, SHARED, STATE, DEVICE_TOKEN, QR_TOKEN] {
                assert!(wire.contains(secret), "{}: {secret} lost: {wire}", stringify!($ty));
            }
            assert_debug_redacted(&value);
        )*
    };
}

#[test]
fn secrets_among_unknown_members_of_every_wire_object_are_redacted() {
    use okta_factors_core::model::*;
    use okta_factors_core::operations::{ActivateFactorRequest, VerifyFactorRequest};
    let json = format!(
        r#"{{"futurePassCode":{{"passCode":"{PASS}"}},"answer":"{ANSWER}",
            "nested":[{{"sharedSecret":"{SHARED}","deeper":{{"stateToken":"{STATE}"}}}}],
            "deviceToken":"{DEVICE_TOKEN}",
            "future":{{"_links":{{"qrcode":{{"href":"https://dev-123456.okta.com/api/v1/users/u/factors/f/qr/{QR_TOKEN}"}}}}}}}}"#
    );
    // `answer` is typed in some of them: it still is a secret.
    check_unknown_members!(
        &json,
        Activation,
        CallProfile,
        CatalogPhone,
        Challenge,
        EmailProfile,
        Embedded,
        EnrollmentProfile,
        EnrollmentVerify,
        FactorEnrollment,
        HotpProfile,
        Link,
        LinkHints,
        PushProfile,
        QuestionProfile,
        SecurityQuestion,
        SignedNonceKey,
        SignedNonceProfile,
        SmsProfile,
        SupportedFactor,
        TokenProfile,
        U2fProfile,
        VerifyResponse,
        WebAuthnProfile,
        WebProfile,
        ActivateFactorRequest,
        VerifyFactorRequest,
        VerifyOutcome,
        okta_factors_core::OktaError,
    );
}

#[test]
fn configs_and_errors_are_redacted() {
    use okta_factors_core::ClientConfig;
    for credentials in [creds(), Credentials::access_token(ACCESS_TOKEN).unwrap()] {
        let config = ClientConfig::new(org(), credentials.clone());
        assert_eq!(
            config
                .credentials
                .authorization()
                .unwrap()
                .to_str()
                .unwrap(),
            format!(
                "{} {}",
                credentials.scheme().as_str(),
                credentials.token().unwrap().expose()
            )
        );
        assert_debug_redacted(&config);
    }

    // An Okta error echoing secrets in unknown members and causes.
    let body = format!(
        r#"{{"errorCode":"E0000068","errorSummary":"Invalid Passcode/Answer","errorLink":"E0000068",
            "errorId":"oaei1","stateToken":"{STATE}",
            "errorCauses":[{{"errorSummary":"Your passcode doesn't match our records.","passCode":"{PASS}"}}]}}"#
    );
    let error = VerifyFactor::new("00u1", "ostf1")
        .parse_response(json_response(403, &body))
        .unwrap_err();
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_error_redacted(&error);

    // A mistyped secret, as the operation's own body error.
    let body_error = enroll_totp()
        .parse_success(
            http::StatusCode::OK,
            totp_enrollment_body(&format!(r#"["{SHARED}"]"#)).as_bytes(),
        )
        .unwrap_err();
    assert_eq!(body_error.path, "_embedded.activation.sharedSecret");
    assert_debug_redacted(&body_error);
}

/// The rate-limit governor and a call it paces show the call, never its
/// token; the governor shows counts only.
#[test]
fn governed_calls_and_governors_hide_tokens() {
    use okta_factors_core::policy::{Action, Call, Governed, Governor, GovernorConfig, Machine};
    use okta_factors_core::{operations::ListFactors, ClientConfig};
    use std::time::Duration;

    const TOKEN: &str = "00GOVERNED-S3CR3T-TOKEN";
    let governor = Governor::new(GovernorConfig::default().share_percent(50));
    let mut config = ClientConfig::new(
        OrgUrl::parse("https://dev-123456.okta.com").unwrap(),
        Credentials::api_token(TOKEN).unwrap(),
    );
    config.governor = Some(governor.clone());
    assert_debug_hides(&config, &[TOKEN]);
    let op = ListFactors::new("00u1");
    let mut machine = Governed::new(
        Call::new(&op, &config),
        config.governor.as_ref(),
        Duration::from_secs(1_796_119_200),
    );
    let action = machine.next_action(Duration::ZERO);
    assert!(matches!(action, Action::Send { .. }));
    assert_debug_hides(&machine, &[TOKEN]);
    assert_debug_hides(&governor, &[TOKEN]);
    assert_debug_hides(governor.config(), &[TOKEN]);
}

/// Feature `oauth`: a private key, its public JWK, a signer's error and every
/// key-loading error show no key material (the JWK's `d`, the PEM's base64).
#[test]
fn service_apps_their_machines_and_auth_errors_hide_tokens_and_keys() {
    use okta_factors_core::oauth::{Dpop, PrivateKey, ServiceApp};
    use okta_factors_core::policy::{Action, Authorize, Call, Machine, WaitReason};
    use okta_factors_core::{operations::ListFactors, AuthError, AuthErrorKind, ClientConfig};
    use std::time::Duration;

    let jwk = include_str!("keys/ec_p256.jwk.json");
    let d: serde_json::Value = serde_json::from_str(jwk).unwrap();
    let d = d["d"].as_str().unwrap().to_owned();
    const TOKEN: &str =
        "eyJraWQiOiJzZWNyZXQtYWNjZXNzLXRva2Vu.c2VjcmV0LWFjY2Vzcy10b2tlbi1ib2R5.c2ln";
    let app = ServiceApp::new("0oa1app", PrivateKey::from_jwk(jwk).unwrap()).dpop(Dpop::On);
    assert_debug_hides(&app, &[&d]);
    assert_debug_hides(&Dpop::On, &[&d]);
    let credentials = Credentials::service_app(app).unwrap();
    assert_debug_hides(&credentials, &[&d]);
    let config = ClientConfig::new(
        OrgUrl::parse("https://dev-123456.okta.com").unwrap(),
        credentials,
    );
    let op = ListFactors::new("00u1");
    let mut machine = Authorize::new(
        Call::new(&op, &config),
        &config,
        Duration::from_secs(1_796_119_200),
        7,
    );
    let Action::Send { request: mint, .. } = machine.next_action(Duration::ZERO) else {
        panic!("a token request first")
    };
    let assertion = String::from_utf8(mint.body().clone()).unwrap();
    let assertion = assertion
        .split("client_assertion=")
        .nth(1)
        .unwrap()
        .to_owned();
    let proof = mint.headers()["dpop"].to_str().unwrap().to_owned();
    assert_debug_hides(&machine, &[&d, &assertion, &proof]);
    let granted = format!(r#"{{"token_type":"DPoP","expires_in":3600,"access_token":"{TOKEN}"}}"#);
    machine.handle(
        Ok(http::Response::builder()
            .status(200)
            .body(granted.into())
            .unwrap()),
        Duration::ZERO,
        0,
    );
    let action = machine.next_action(Duration::ZERO);
    let Action::Send { request, .. } = &action else {
        panic!("the call")
    };
    let api_proof = request.headers()["dpop"].to_str().unwrap().to_owned();
    assert!(request.headers()["authorization"]
        .to_str()
        .unwrap()
        .ends_with(TOKEN));
    let secrets = [
        d.as_str(),
        assertion.as_str(),
        proof.as_str(),
        api_proof.as_str(),
        TOKEN,
    ];
    assert_debug_hides(&action, &secrets);
    assert_debug_hides(&machine, &secrets);
    assert_debug_hides(&WaitReason::Token, &secrets);

    // A refusal: Okta's words, never the assertion or a token.
    let mut machine = Authorize::new(
        Call::new(&op, &config),
        &config,
        Duration::from_secs(1_796_200_000),
        8,
    );
    let _ = machine.next_action(Duration::ZERO);
    let refused = r#"{"error":"invalid_client","error_description":"The client_assertion signature is invalid."}"#;
    machine.handle(
        Ok(http::Response::builder()
            .status(401)
            .body(refused.into())
            .unwrap()),
        Duration::ZERO,
        0,
    );
    let Action::Done(Err(error)) = machine.next_action(Duration::ZERO) else {
        panic!("refused")
    };
    let auth: &AuthError = error.auth().unwrap();
    assert_eq!(auth.kind, AuthErrorKind::InvalidClient);
    assert_debug_hides(auth, &secrets);
    assert_debug_hides(&auth.kind, &secrets);
    assert_none_shown(&error.to_string(), &secrets, "{}");
    assert!(
        error
            .to_string()
            .contains("The client_assertion signature is invalid."),
        "{error}"
    );
}

#[test]
fn oauth_keys_and_key_errors_hide_key_material() {
    use okta_factors_core::oauth::{Algorithm, KeyError, PrivateKey, SignError, Signer};

    let jwk = include_str!("keys/ec_p256.jwk.json");
    let pem = include_str!("keys/ec_p256_sec1.pem");
    let d: serde_json::Value = serde_json::from_str(jwk).unwrap();
    let d = d["d"].as_str().unwrap();
    let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut secrets = vec![d];
    secrets.extend(&body);

    for key in [
        PrivateKey::from_jwk(jwk).unwrap(),
        PrivateKey::from_pem(pem).unwrap(),
    ] {
        // The key is held: it signs.
        assert_eq!(key.sign(b"a.b").unwrap().len(), 64);
        assert_eq!(key.algorithm(), Algorithm::Es256);
        assert_debug_hides(&key, &secrets);
        assert_debug_hides(&key.public_jwk(), &secrets);
        assert_debug_hides(&key.algorithm(), &secrets);
    }
    let errors: Vec<KeyError> = vec![
        PrivateKey::from_jwk(&jwk.replace("\"kty\": \"EC\"", "\"kty\": \"OKP\"")).unwrap_err(),
        PrivateKey::from_jwk(&jwk.replace("P-256", "P-384")).unwrap_err(),
        PrivateKey::from_jwk(&jwk.replace(d, "%%")).unwrap_err(),
        PrivateKey::from_jwk(&jwk.replace(d, "AQ")).unwrap_err(),
        PrivateKey::from_pem(&pem.replace("-----BEGIN EC", "-----BEGIN ODD EC")).unwrap_err(),
        PrivateKey::from_pem(&pem.replace('M', "*")).unwrap_err(),
        PrivateKey::from_pem(&pem.replace("EC PRIVATE", "PUBLIC")).unwrap_err(),
        PrivateKey::from_pem(jwk).unwrap_err(),
        PrivateKey::from_jwk(pem).unwrap_err(),
    ];
    for error in &errors {
        assert_debug_hides(error, &secrets);
        assert_none_shown(&error.to_string(), &secrets, "{}");
    }
    let sign_error = SignError::new("the KMS answered 503");
    assert_debug_hides(&sign_error, &secrets);
    assert_none_shown(&sign_error.to_string(), &secrets, "{}");
}

/// The public types of `src/` that cannot hold a secret, and why.
const EXEMPT: &[(&str, &str)] = &[
    ("AllowedMethods", "a list of HTTP methods"),
    ("AuthScheme", "the scheme word, SSWS or Bearer"),
    ("EnrollmentRequirement", "an open enum of wire strings"),
    ("FactorProvider", "an open enum of wire strings"),
    ("FactorResult", "an open enum of wire strings"),
    ("FactorStatus", "an open enum of wire strings"),
    ("FactorType", "an open enum of wire strings"),
    ("HttpMethod", "an open enum of wire strings"),
    ("TotpProvider", "two unit variants"),
    ("GetFactor", "path IDs only: no body, no secret parameter"),
    (
        "GetFactorTransactionStatus",
        "path IDs only: no body, no secret parameter",
    ),
    ("ListFactors", "a path ID only"),
    ("ListSupportedFactors", "a path ID only"),
    ("ListSupportedSecurityQuestions", "a path ID only"),
    (
        "PollFactorActivation",
        "path IDs only: no body, no secret parameter",
    ),
    ("UnenrollFactor", "path IDs and a flag: no body"),
    (
        "OAuthError",
        "the server's own `error` and `error_description` text",
    ),
    ("OrgUrl", "an origin: OrgUrl::parse refuses user info"),
    ("PollPolicy", "two durations"),
    ("RateLimit", "three numbers from response headers"),
    (
        "ResponseMeta",
        "request ID, Date and rate-limit numbers from response headers",
    ),
    ("RetryPolicy", "counts and durations"),
    ("RetryReason", "unit variants"),
    ("TimeoutLimit", "unit variants"),
    ("TransportErrorKind", "unit variants and a byte count"),
];

/// The tests whose formatting counts, run again on this thread by the
/// inventory: every `#[test]` of this file but the inventory itself.
macro_rules! formatting_tests {
    ($( $test:ident ),* $(,)?) => {
        &[ $( (stringify!($test), $test as fn()) ),* ]
    };
}

const FORMATTING_TESTS: &[(&str, fn())] = formatting_tests![
    credentials_never_show_the_token,
    built_requests_do_not_show_the_token,
    secret_debug_is_redacted,
    factor_enrollment_secrets_are_redacted,
    enrollment_profile_and_verify_are_redacted,
    question_and_hotp_profiles_are_redacted,
    activate_factor_request_is_redacted,
    verify_factor_request_is_redacted,
    operations_holding_secrets_are_redacted,
    parsed_totp_enrollment_is_redacted,
    numeric_shared_secret_is_redacted,
    parsed_profile_secrets_are_redacted,
    verify_outcome_with_embedded_activation_is_redacted,
    bad_token_errors_are_redacted,
    request_build_errors_do_not_carry_the_body,
    mistyped_shared_secret_errors_are_redacted,
    mistyped_profile_secret_errors_are_redacted,
    broken_json_around_a_secret_is_redacted,
    mistyped_verify_response_errors_are_redacted,
    non_json_success_does_not_quote_secrets,
    call_debug_shows_the_call_but_not_its_body_or_headers,
    call_actions_do_not_show_parsed_secrets,
    request_parts_debug_shows_names_and_lengths_only,
    push_poll_debug_shows_no_header_value,
    debug_of_a_built_http_request_shows_its_body_bytes,
    totp_generators_do_not_show_the_key,
    one_time_links_and_secrets_of_spec_and_vector_payloads_are_redacted,
    one_time_link_targets_are_redacted_but_kept,
    push_device_tokens_are_redacted,
    raw_json_hides_secrets_and_one_time_links,
    decode_errors_in_one_time_links_and_device_tokens_do_not_quote_them,
    secrets_among_unknown_members_of_every_wire_object_are_redacted,
    configs_and_errors_are_redacted,
    oauth_keys_and_key_errors_hide_key_material,
    service_apps_their_machines_and_auth_errors_hide_tokens_and_keys,
    governed_calls_and_governors_hide_tokens,
];

#[test]
fn every_public_type_is_formatted_with_secrets_or_exempt() {
    // Every #[test] of this file is in FORMATTING_TESTS.
    let source = include_str!("secrets.rs");
    let mut tests = BTreeSet::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "#[test]" {
            let next = lines.next().unwrap_or_default();
            let name = next
                .trim()
                .strip_prefix("fn ")
                .and_then(|rest| rest.split('(').next())
                .unwrap_or_default();
            tests.insert(name.to_owned());
        }
    }
    tests.remove("every_public_type_is_formatted_with_secrets_or_exempt");
    let listed: BTreeSet<String> = FORMATTING_TESTS
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    assert_eq!(tests, listed, "FORMATTING_TESTS must list every #[test]");

    // Run them here, recording what they format.
    FORMATTED.with(|set| set.borrow_mut().clear());
    for (_, test) in FORMATTING_TESTS {
        test();
    }
    let formatted = FORMATTED.with(|set| set.borrow().clone());

    let declared = common::public_types::declared_public_types(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
    );
    assert!(declared.len() > 80, "the scan found only {declared:?}");
    let exempt: BTreeSet<String> = EXEMPT.iter().map(|(name, _)| (*name).to_owned()).collect();
    let missing: Vec<&String> = declared
        .iter()
        .filter(|name| !formatted.contains(*name) && !exempt.contains(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "public types neither formatted with secrets by a test of this file nor listed in EXEMPT \
         with a reason: {missing:?}"
    );
    let stale: Vec<&String> = exempt
        .iter()
        .filter(|name| !declared.contains(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "EXEMPT names types that no longer exist: {stale:?}"
    );
    let both: Vec<&String> = exempt.intersection(&formatted).collect();
    assert!(both.is_empty(), "formatted, so not exempt: {both:?}");
}
