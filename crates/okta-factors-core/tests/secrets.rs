//! Every public type that can hold a secret, formatted with `{:?}`, `{:#?}` (and
//! `{}` where it exists): the secret must be absent. Every test also checks that
//! the secret does go on the wire (or is readable through `expose`), so a
//! formatter that drops the value entirely cannot make these tests pass by
//! accident, and a test that never held the secret would fail.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::{Debug, Display};

use http::{Request, Response};
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
    "S3CR3T",
];

fn org() -> OrgUrl {
    OrgUrl::parse("https://dev-123456.okta.com").unwrap()
}

fn creds() -> Credentials {
    Credentials::api_token(API_TOKEN).unwrap()
}

#[track_caller]
fn assert_no_secret_in(text: &str, what: &str) {
    for secret in ALL {
        assert!(!text.contains(secret), "{what} leaks {secret:?}:\n{text}");
    }
}

/// `{:?}` and `{:#?}` of `value` contain no secret.
#[track_caller]
fn assert_debug_redacted<T: Debug + ?Sized>(value: &T) {
    assert_no_secret_in(&format!("{value:?}"), "{:?}");
    assert_no_secret_in(&format!("{value:#?}"), "{:#?}");
}

/// `{}`, `{:?}` and `{:#?}` of `value` contain no secret.
#[track_caller]
fn assert_all_redacted<T: Debug + Display + ?Sized>(value: &T) {
    assert_debug_redacted(value);
    assert_no_secret_in(&format!("{value}"), "{}");
    assert_no_secret_in(&format!("{value:#}"), "{:#}");
}

/// The error and its whole `source()` chain contain no secret.
#[track_caller]
fn assert_error_redacted(error: &Error) {
    assert_all_redacted(error);
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

fn json_response(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-okta-request-id", "req-1")
        .body(body.as_bytes().to_vec())
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
        assert_debug_redacted(credentials.token());
        assert_debug_redacted(&credentials.authorization());
        assert_debug_redacted(&Some(credentials.clone()));
    }
    // ...but the token is what goes on the wire.
    assert_eq!(api.token().expose(), API_TOKEN);
    assert_eq!(
        api.authorization().to_str().unwrap(),
        format!("SSWS {API_TOKEN}")
    );
    assert_eq!(
        access.authorization().to_str().unwrap(),
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
            .ends_with(credentials.token().expose()));
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
    assert_debug_redacted(&request);

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
    assert_debug_redacted(&request);

    let mut activate_body = ActivateFactorRequest::pass_code(PASS);
    activate_body.state_token = Some(STATE.into());
    let activate = ActivateFactor::new("00u1", "ostf1").body(activate_body);
    assert_debug_redacted(&activate);
    let request = activate.build_request(&org, &creds).unwrap();
    let body = body_text(&request);
    assert!(body.contains(PASS) && body.contains(STATE), "{body}");
    assert_debug_redacted(&request);

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
    assert_debug_redacted(&request);
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
