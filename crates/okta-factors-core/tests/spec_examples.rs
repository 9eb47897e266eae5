//! Every example of the OpenAPI spec (`tests/fixtures/spec/*.json`), run through
//! the operation it belongs to.
//!
//! * Response examples are parsed with the operation's `parse_response`: 2xx must
//!   give the typed value (checked per example), serialize back to exactly the
//!   wire JSON and parse again to an equal value; 4xx must give `Error::Api`
//!   with the example's `errorCode` and status.
//! * Request examples are deserialized into the operation's body type, must
//!   serialize back to the wire JSON and equal what the body constructor builds,
//!   and the request the operation builds must carry exactly that JSON.
//!
//! Failures are collected per fixture and reported together, by file name.

mod common;

use std::fmt::Debug;

use common::fixtures::{
    all_decoded, assert_no_failures, check_activation_against_wire, check_api_error,
    check_factor_against_wire, check_outcome_against_wire, credentials, ensure, ensure_eq,
    load_json_dir, org, outcome_kind, run_all, str_at, WireOutput, ORG, TOKEN,
};
use http::StatusCode;
use okta_factors_core::model::{
    ActivateOutcome, FactorEnrollment, FactorProvider, FactorStatus, FactorType, HttpMethod,
    Malformed, SecurityQuestion, SupportedFactor, TotpProvider, UserFactor, VerifyOutcome,
};
use okta_factors_core::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, GetFactor, GetFactorTransactionStatus,
    ListFactors, ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor,
    UnenrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::{OktaResponse, Operation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How many examples `scripts/extract-spec-fixtures.py` extracts today.
const SPEC_FIXTURE_COUNT: usize = 111;

/// Fixtures that fail because of a bug in the crate (see the report of each);
/// they still run, their failure is printed instead of failing the test.
const KNOWN_BUGS: &[&str] = &[];

const USER: &str = "00u15s1KDETTQMQYABRL";
const FACTOR: &str = "opfh52xcuft3J4uZc0g3";
const TRANSACTION: &str = "mst1eiHghhPxf0yhp0g";

/// One file of `tests/fixtures/spec/` (the members this test reads).
#[derive(Debug, Deserialize)]
struct SpecFixture {
    operation: String,
    kind: String,
    status: Option<u16>,
    example: String,
    wire_body: Value,
}

fn load_spec_fixtures() -> Result<Vec<(String, SpecFixture)>, String> {
    load_json_dir("spec")?
        .into_iter()
        .map(|(name, value)| {
            serde_json::from_value(value)
                .map(|fixture| (name.clone(), fixture))
                .map_err(|e| format!("{name}: not a spec fixture: {e}"))
        })
        .collect()
}

#[test]
fn every_spec_example_parses_and_round_trips() {
    let fixtures = match load_spec_fixtures() {
        Ok(fixtures) => fixtures,
        Err(e) => {
            assert_no_failures("spec fixtures", &[e]);
            return;
        }
    };
    assert_eq!(
        fixtures.len(),
        SPEC_FIXTURE_COUNT,
        "number of spec fixtures (a fixture was lost or added; update the count on purpose)"
    );
    let failures = run_all(&fixtures, KNOWN_BUGS, |_, fixture| check_fixture(fixture));
    assert_no_failures("spec examples", &failures);
}

/// Every operation has examples, and the kinds are as the README says.
#[test]
fn spec_fixtures_cover_every_operation() {
    let fixtures = match load_spec_fixtures() {
        Ok(fixtures) => fixtures,
        Err(e) => {
            assert_no_failures("spec fixtures", &[e]);
            return;
        }
    };
    let operations = [
        ListFactors::NAME,
        EnrollFactor::NAME,
        GetFactor::NAME,
        UnenrollFactor::NAME,
        ActivateFactor::NAME,
        ResendEnrollFactor::NAME,
        VerifyFactor::NAME,
        GetFactorTransactionStatus::NAME,
        ListSupportedFactors::NAME,
        ListSupportedSecurityQuestions::NAME,
    ];
    let mut failures = Vec::new();
    for op in operations {
        if !fixtures.iter().any(|(_, f)| f.operation == op) {
            failures.push(format!("no spec fixture for {op}"));
        }
    }
    for (name, fixture) in &fixtures {
        let consistent = match fixture.kind.as_str() {
            "request" => fixture.status.is_none(),
            "response" => fixture.status.is_some(),
            _ => false,
        };
        if !consistent || !name.starts_with(&format!("{}--{}--", fixture.operation, fixture.kind)) {
            failures.push(format!("{name}: inconsistent kind/status/name"));
        }
    }
    assert_no_failures("coverage checks", &failures);
}

fn check_fixture(fx: &SpecFixture) -> Result<(), String> {
    match fx.kind.as_str() {
        "response" => check_response_fixture(fx),
        "request" => check_request_fixture(fx),
        other => Err(format!("unknown kind {other:?}")),
    }
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

fn check_response_fixture(fx: &SpecFixture) -> Result<(), String> {
    match fx.operation.as_str() {
        "list_factors" => check_response(&ListFactors::new(USER), fx, list_factors_example),
        "enroll_factor" => check_response(
            &EnrollFactor::new(USER, FactorEnrollment::default()),
            fx,
            enroll_factor_example,
        ),
        "resend_enroll_factor" => check_response(
            &ResendEnrollFactor::new(USER, FACTOR, FactorEnrollment::sms("+1-555-415-1337")),
            fx,
            resend_enroll_factor_example,
        ),
        "get_factor" => check_response(&GetFactor::new(USER, FACTOR), fx, get_factor_example),
        "unenroll_factor" => check_response(&UnenrollFactor::new(USER, FACTOR), fx, |_, _| {
            Err("no 2xx unenroll example is expected in the spec fixtures".to_owned())
        }),
        "activate_factor" => check_response(
            &ActivateFactor::new(USER, FACTOR),
            fx,
            activate_factor_example,
        ),
        "verify_factor" => {
            check_response(&VerifyFactor::new(USER, FACTOR), fx, verify_factor_example)
        }
        "get_factor_transaction_status" => check_response(
            &GetFactorTransactionStatus::new(USER, FACTOR, TRANSACTION),
            fx,
            transaction_status_example,
        ),
        "list_supported_factors" => {
            check_response(&ListSupportedFactors::new(USER), fx, catalog_example)
        }
        "list_supported_security_questions" => check_response(
            &ListSupportedSecurityQuestions::new(USER),
            fx,
            questions_example,
        ),
        other => Err(format!("no response dispatch for operation {other:?}")),
    }
}

/// The one generic response check: parse, then per status class.
fn check_response<O>(
    op: &O,
    fx: &SpecFixture,
    example: impl FnOnce(&SpecFixture, &OktaResponse<O::Output>) -> Result<(), String>,
) -> Result<(), String>
where
    O: Operation,
    O::Output: WireOutput,
{
    let status = fx.status.ok_or("response fixture without status")?;
    let body = serde_json::to_vec(&fx.wire_body).map_err(|e| e.to_string())?;
    let response = http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(|e| format!("building the response: {e}"))?;
    let result = op.parse_response(response);
    match status {
        200..=299 => {
            let parsed = result.map_err(|e| format!("expected Ok, got Err({e:?})"))?;
            ensure_eq("parsed status", &parsed.status.as_u16(), &status)?;
            let back = parsed.value.to_wire()?;
            ensure(back == fx.wire_body, || {
                format!(
                    "round trip changed the JSON:\n    got      {back}\n    expected {}",
                    fx.wire_body
                )
            })?;
            let again = O::Output::from_wire(back)
                .map_err(|e| format!("parsing the re-serialized value: {e}"))?;
            ensure(again == parsed.value, || {
                "parsing the re-serialized JSON gave a different value".to_owned()
            })?;
            example(fx, &parsed)
        }
        400..=499 => match result {
            Ok(parsed) => Err(format!("expected Err(Error::Api), got Ok({parsed:?})")),
            Err(err) => check_api_error(&err, status, &fx.wire_body),
        },
        other => Err(format!("no expectation for status {other}")),
    }
}

/// The `i`-th element of a wire array.
fn wire_item(wire: &Value, i: usize) -> Result<&Value, String> {
    wire.get(i)
        .ok_or_else(|| format!("wire body has no element {i}"))
}

fn list_factors_example(
    fx: &SpecFixture,
    parsed: &OktaResponse<Vec<UserFactor>>,
) -> Result<(), String> {
    let factors = &parsed.value;
    for (i, factor) in factors.iter().enumerate() {
        check_factor_against_wire(factor, wire_item(&fx.wire_body, i)?)
            .map_err(|e| format!("[{i}]: {e}"))?;
    }
    match fx.example.as_str() {
        "ListFactorsResponse" => {
            let types: Vec<FactorType> = factors.iter().map(UserFactor::factor_type).collect();
            ensure_eq(
                "factor types",
                &types,
                &vec![
                    FactorType::Question,
                    FactorType::TokenSoftwareTotp,
                    FactorType::Sms,
                ],
            )?;
            ensure(factors[0].links().questions().is_some(), || {
                "question factor has no questions link".to_owned()
            })?;
            let totp = factors[1]
                .totp_activation()
                .ok_or("pending TOTP factor has no totp_activation()")?;
            ensure_eq(
                "shared secret",
                totp.shared_secret.expose(),
                "HE64TMLL2IUZW2ZLB",
            )?;
            ensure_eq("key length", &totp.key_length, &Some(16))?;
            ensure_eq("digits", &totp.digits(), &6)?;
            ensure_eq("time step", &totp.time_step, &30)?;
            ensure(totp.qr_code.is_none(), || "unexpected QR code".to_owned())?;
            ensure(factors[1].links().next().is_some(), || {
                "TOTP factor has no next link".to_owned()
            })?;
            let UserFactor::Sms(sms) = &factors[2] else {
                return Err("third factor is not sms".to_owned());
            };
            ensure_eq(
                "sms phone",
                &sms.profile.as_ref().and_then(|p| p.phone_number.as_deref()),
                &Some("+1-555-415-1337"),
            )
        }
        other => Err(format!("no specific check for example {other:?}")),
    }
}

/// The data-derived checks of every factor-returning example.
fn factor_example(fx: &SpecFixture, factor: &UserFactor) -> Result<(), String> {
    check_factor_against_wire(factor, &fx.wire_body)
}

fn enroll_factor_example(
    fx: &SpecFixture,
    parsed: &OktaResponse<UserFactor>,
) -> Result<(), String> {
    let factor = &parsed.value;
    factor_example(fx, factor)?;
    let pending = || {
        ensure_eq(
            "status",
            &factor.status(),
            &Some(&FactorStatus::PendingActivation),
        )
    };
    let active = || ensure_eq("status", &factor.status(), &Some(&FactorStatus::Active));
    match (fx.example.as_str(), factor) {
        ("call", UserFactor::Call(f)) => {
            pending()?;
            let profile = f.profile.as_ref().ok_or("no profile")?;
            ensure_eq(
                "phone",
                &profile.phone_number.as_deref(),
                &Some("+1-555-415-1337"),
            )?;
            ensure_eq(
                "extension",
                &profile.phone_extension.as_deref(),
                &Some("1234"),
            )
        }
        ("customTotp", UserFactor::TokenHotp(f)) => {
            active()?;
            ensure_eq("provider", &f.provider, &Some(FactorProvider::Custom))?;
            ensure_eq(
                "vendor name",
                &f.vendor_name.as_deref(),
                &Some("Entrust Datacard"),
            )?;
            ensure(f.profile.is_none(), || "unexpected profile".to_owned())
        }
        ("email", UserFactor::Email(_)) => {
            pending()?;
            ensure(factor.links().activate().is_some(), || {
                "no activate link".to_owned()
            })
        }
        ("google", UserFactor::TokenSoftwareTotp(_)) => {
            pending()?;
            ensure_eq(
                "provider",
                &factor.provider(),
                &Some(&FactorProvider::Google),
            )?;
            let totp = factor.totp_activation().ok_or("no totp_activation()")?;
            ensure_eq(
                "shared secret",
                totp.shared_secret.expose(),
                "JBTWGV22G4ZGKV3N",
            )?;
            ensure_eq("time step", &totp.time_step, &30)?;
            ensure_eq("key length", &totp.key_length, &Some(16))?;
            ensure_eq("digits", &totp.digits(), &6)?;
            ensure_eq("encoding", totp.encoding, "base32")?;
            // Here the QR code is in `activation._links`.
            let qr = totp.qr_code.ok_or("no QR code")?;
            ensure(qr.href().contains("/qr/00fukNElRS_Tz6k"), || {
                format!("QR href {:?}", qr.href)
            })?;
            ensure_eq("QR type", &qr.media_type.as_deref(), &Some("image/png"))
        }
        ("push", UserFactor::Push(f)) => {
            pending()?;
            ensure(f.profile.is_none(), || "unexpected profile".to_owned())?;
            ensure(factor.totp_activation().is_none(), || {
                "push has no TOTP activation".to_owned()
            })?;
            let poll = factor.links().poll().ok_or("no poll link")?;
            ensure(poll.href().ends_with("/lifecycle/activate/poll"), || {
                format!("poll href {:?}", poll.href)
            })?;
            let activation = factor
                .embedded()
                .and_then(|e| e.activation.as_deref())
                .ok_or("no _embedded.activation")?;
            ensure_eq(
                "activation factorResult",
                &activation.factor_result.as_ref().map(|r| r.as_str()),
                &Some("WAITING"),
            )?;
            let links = activation.links.as_ref().ok_or("no activation links")?;
            let names: Vec<Option<&str>> = links.send().iter().map(|l| l.name.as_deref()).collect();
            ensure_eq("send link names", &names, &vec![Some("email"), Some("sms")])?;
            ensure(links.qrcode().is_some(), || {
                "no activation QR code".to_owned()
            })
        }
        ("question", UserFactor::Question(f)) => {
            active()?;
            let profile = f.profile.as_ref().ok_or("no profile")?;
            ensure_eq(
                "question",
                &profile.question.as_deref(),
                &Some("disliked_food"),
            )?;
            ensure_eq(
                "question text",
                &profile.question_text.as_deref(),
                &Some("What is the food you least liked as a child?"),
            )?;
            ensure(profile.answer.is_none(), || "answer returned".to_owned())
        }
        ("rsa_securId", UserFactor::Token(f)) => {
            active()?;
            ensure_eq("provider", &f.provider, &Some(FactorProvider::Rsa))?;
            ensure_eq(
                "credential id",
                &f.profile.as_ref().and_then(|p| p.credential_id.as_deref()),
                &Some("dade.murphy@example.com"),
            )
        }
        ("sms", UserFactor::Sms(_)) => {
            pending()?;
            sms_resend_link(factor)
        }
        ("symantec_vip", UserFactor::Token(f)) => {
            active()?;
            ensure_eq("provider", &f.provider, &Some(FactorProvider::Symantec))?;
            ensure_eq(
                "credential id",
                &f.profile.as_ref().and_then(|p| p.credential_id.as_deref()),
                &Some("VSMT14393584"),
            )
        }
        ("token:software:totp", UserFactor::TokenSoftwareTotp(_)) => {
            pending()?;
            let totp = factor.totp_activation().ok_or("no totp_activation()")?;
            ensure_eq(
                "shared secret",
                totp.shared_secret.expose(),
                "JBTWGV22G4ZGKV3N",
            )?;
            ensure_eq("time step", &totp.time_step, &30)?;
            ensure_eq("key length", &totp.key_length, &Some(6))?;
            ensure_eq("digits", &totp.digits(), &6)?;
            ensure_eq("encoding", totp.encoding, "base32")?;
            // Here the QR code is in `_embedded._links`, next to `activation`.
            let want_qr = fx
                .wire_body
                .pointer("/_embedded/_links/qrcode/href")
                .and_then(Value::as_str);
            ensure(want_qr.is_some(), || {
                "fixture has no _embedded._links.qrcode".into()
            })?;
            ensure_eq(
                "QR code href",
                &totp.qr_code.and_then(|l| l.href.as_deref()),
                &want_qr,
            )
        }
        ("u2f", UserFactor::U2f(_)) => {
            pending()?;
            let activation = factor
                .embedded()
                .and_then(|e| e.activation.as_deref())
                .ok_or("no _embedded.activation")?;
            ensure_eq("version", &activation.version.as_deref(), &Some("U2F_V2"))?;
            ensure_eq(
                "nonce",
                &activation.nonce.as_deref(),
                &Some("9DmGJDLvaU6KWxJbfrZ0"),
            )?;
            ensure_eq("timeout", &activation.timeout_seconds, &Some(20))
        }
        ("webAuthn", UserFactor::WebAuthn(_)) => {
            pending()?;
            let activation = factor
                .embedded()
                .and_then(|e| e.activation.as_deref())
                .ok_or("no _embedded.activation")?;
            ensure_eq(
                "challenge",
                &activation.challenge.as_deref(),
                &Some("cdsZ1V10E0BGE4GcG3IK"),
            )?;
            ensure_eq(
                "attestation",
                &activation.attestation.as_deref(),
                &Some("direct"),
            )?;
            ensure_eq(
                "pubKeyCredParams",
                &activation.pub_key_cred_params.as_ref().map(Vec::len),
                &Some(2),
            )?;
            ensure_eq(
                "excludeCredentials",
                &activation.exclude_credentials,
                &Some(Vec::new()),
            )
        }
        ("yubikey", UserFactor::TokenHardware(f)) => {
            active()?;
            ensure_eq("provider", &f.provider, &Some(FactorProvider::Yubico))?;
            // A token serial with leading zeros stays a string.
            ensure_eq(
                "credential id",
                &f.profile.as_ref().and_then(|p| p.credential_id.as_deref()),
                &Some("000004102994"),
            )
        }
        (example, factor) => Err(format!(
            "no specific check for example {example:?} parsed as {:?}",
            factor.factor_type()
        )),
    }
}

/// The sms `resend` relation: an array of one link named `sms`.
fn sms_resend_link(factor: &UserFactor) -> Result<(), String> {
    let resend = factor.links().resend();
    ensure_eq("resend links", &resend.len(), &1)?;
    ensure_eq("resend name", &resend[0].name.as_deref(), &Some("sms"))?;
    ensure(resend[0].href().ends_with("/resend"), || {
        format!("resend href {:?}", resend[0].href)
    })
}

fn resend_enroll_factor_example(
    fx: &SpecFixture,
    parsed: &OktaResponse<UserFactor>,
) -> Result<(), String> {
    let factor = &parsed.value;
    factor_example(fx, factor)?;
    match (fx.example.as_str(), factor) {
        ("sms", UserFactor::Sms(f)) => {
            ensure_eq("status", &f.status, &Some(FactorStatus::PendingActivation))?;
            ensure_eq(
                "phone",
                &f.profile.as_ref().and_then(|p| p.phone_number.as_deref()),
                &Some("+1-555-415-1337"),
            )?;
            sms_resend_link(factor)
        }
        (example, _) => Err(format!("no specific check for example {example:?}")),
    }
}

fn get_factor_example(fx: &SpecFixture, parsed: &OktaResponse<UserFactor>) -> Result<(), String> {
    let factor = &parsed.value;
    factor_example(fx, factor)?;
    ensure_eq("status", &factor.status(), &Some(&FactorStatus::Active))?;
    match (fx.example.as_str(), factor) {
        ("Email", UserFactor::Email(f)) => ensure_eq(
            "email",
            &f.profile.as_ref().and_then(|p| p.email.as_deref()),
            &Some("changed@clouditude.net"),
        ),
        ("SMS", UserFactor::Sms(f)) => {
            ensure_eq("id", &factor.id(), &Some("sms2gt8gzgEBPUWBIFHN"))?;
            ensure_eq(
                "phone",
                &f.profile.as_ref().and_then(|p| p.phone_number.as_deref()),
                &Some("+1-555-415-1337"),
            )
        }
        (example, _) => Err(format!("no specific check for example {example:?}")),
    }
}

fn activate_factor_example(
    fx: &SpecFixture,
    parsed: &OktaResponse<ActivateOutcome>,
) -> Result<(), String> {
    check_activation_against_wire(&parsed.value, &fx.wire_body)?;
    let ActivateOutcome::Activated(factor) = &parsed.value else {
        return Err(format!("expected Activated, got {:?}", parsed.value));
    };
    let factor = factor.as_ref();
    ensure_eq("status", &factor.status(), &Some(&FactorStatus::Active))?;
    ensure(factor.links().verify().is_some(), || {
        "activated factor has no verify link".to_owned()
    })?;
    match (fx.example.as_str(), factor) {
        ("call", UserFactor::Call(f)) => ensure_eq(
            "extension",
            &f.profile
                .as_ref()
                .and_then(|p| p.phone_extension.as_deref()),
            &Some("1234"),
        ),
        ("email", UserFactor::Email(f)) => ensure_eq(
            "email",
            &f.profile.as_ref().and_then(|p| p.email.as_deref()),
            &Some("changed@clouditude.net"),
        ),
        ("push", UserFactor::Push(f)) => {
            let profile = f.profile.as_ref().ok_or("no profile")?;
            ensure_eq(
                "device type",
                &profile.device_type.as_deref(),
                &Some("SmartPhone_IPhone"),
            )?;
            ensure_eq("platform", &profile.platform.as_deref(), &Some("IOS"))?;
            ensure_eq("name", &profile.name.as_deref(), &Some("Gibson"))
        }
        ("sms", UserFactor::Sms(f)) => ensure_eq(
            "phone",
            &f.profile.as_ref().and_then(|p| p.phone_number.as_deref()),
            &Some("+1-555-415-1337"),
        ),
        ("token:software:totp", UserFactor::TokenSoftwareTotp(f)) => ensure_eq(
            "credential id",
            &f.profile.as_ref().and_then(|p| p.credential_id.as_deref()),
            &Some("dade.murphy@example.com"),
        ),
        ("u2f", UserFactor::U2f(f)) => ensure_eq(
            "version",
            &f.profile.as_ref().and_then(|p| p.version.as_deref()),
            &Some("U2F_V2"),
        ),
        ("webauthn", UserFactor::WebAuthn(f)) => ensure_eq(
            "authenticator name",
            &f.profile
                .as_ref()
                .and_then(|p| p.authenticator_name.as_deref()),
            &Some("MacBook Touch ID"),
        ),
        (example, factor) => Err(format!(
            "no specific check for example {example:?} parsed as {:?}",
            factor.factor_type()
        )),
    }
}

/// Checks a waiting push: transaction ID from the poll link, allowed methods,
/// number matching, and that the poll operation built from it targets the
/// transaction.
fn check_waiting(
    outcome: &VerifyOutcome,
    transaction: &str,
    correct_answer: Option<u32>,
) -> Result<(), String> {
    let waiting = outcome
        .as_waiting()
        .ok_or_else(|| format!("expected Waiting, got {outcome:?}"))?;
    ensure_eq(
        "transaction_id()",
        &waiting.transaction_id().as_deref(),
        &Some(transaction),
    )?;
    ensure_eq(
        "expires_at()",
        &waiting.expires_at(),
        &Some("2015-04-01T15:57:32.000Z"),
    )?;
    let poll = waiting.poll_link().ok_or("no poll link")?;
    ensure_eq(
        "poll allows",
        poll.allowed_methods(),
        &[HttpMethod::Get][..],
    )?;
    let cancel = waiting.cancel_link().ok_or("no cancel link")?;
    ensure_eq(
        "cancel allows",
        cancel.allowed_methods(),
        &[HttpMethod::Delete][..],
    )?;
    ensure_eq("cancel href", &cancel.href, &poll.href)?;
    ensure_eq(
        "correct_answer()",
        &waiting.correct_answer(),
        &correct_answer,
    )?;
    ensure_eq(
        "is_number_matching()",
        &waiting.is_number_matching(),
        &correct_answer.is_some(),
    )?;
    let poll_op = GetFactorTransactionStatus::for_waiting(USER, FACTOR, waiting)
        .ok_or("for_waiting() gave None")?;
    let request = poll_op
        .build_request(&org()?, &credentials()?)
        .map_err(|e| format!("building the poll request: {e}"))?;
    ensure_eq(
        "poll request URI",
        &request.uri().to_string(),
        &format!("{ORG}/api/v1/users/{USER}/factors/{FACTOR}/transactions/{transaction}"),
    )
}

fn verify_factor_example(
    fx: &SpecFixture,
    parsed: &OktaResponse<VerifyOutcome>,
) -> Result<(), String> {
    let outcome = &parsed.value;
    check_outcome_against_wire(outcome, &fx.wire_body)?;
    let response = outcome.response();
    let challenge = || {
        response
            .embedded
            .as_deref()
            .and_then(|e| e.challenge.as_deref())
            .ok_or_else(|| "no _embedded.challenge".to_owned())
    };
    let is = |kind: &str| ensure_eq("outcome", outcome_kind(outcome), kind);
    match fx.example.as_str() {
        "call verify"
        | "email verify"
        | "security question verify"
        | "sms verify"
        | "token verify"
        | "totp verify"
        | "yubikey verify" => {
            is("SUCCESS")?;
            ensure(response.profile.is_none(), || "unexpected profile".into())
        }
        "u2f verify" => {
            is("SUCCESS")?;
            ensure_eq("version", &response.profile_str("version"), &Some("U2F_V2"))
        }
        "webAuthn verify" => {
            is("SUCCESS")?;
            ensure_eq(
                "authenticatorName",
                &response.profile_str("authenticatorName"),
                &Some("MacBook Touch ID"),
            )
        }
        "call challenge" => {
            is("CHALLENGE")?;
            ensure_eq(
                "phoneExtension",
                &response.profile_str("phoneExtension"),
                &Some("1234"),
            )
        }
        "sms challenge" => {
            is("CHALLENGE")?;
            ensure_eq(
                "phoneNumber",
                &response.profile_str("phoneNumber"),
                &Some("+12532236986"),
            )?;
            ensure(response.link("factor").is_some(), || {
                "no factor link".into()
            })
        }
        "email challenge" => {
            is("CHALLENGE")?;
            ensure(response.link("verify").is_some(), || {
                "no verify link".into()
            })
        }
        "u2f challenge" => {
            is("CHALLENGE")?;
            let c = challenge()?;
            ensure_eq("nonce", &c.nonce.as_deref(), &Some("vQFwTt6zKzMV7HFPzjS2"))?;
            ensure_eq("timeoutSeconds", &c.timeout_seconds, &Some(20))
        }
        "webAuthn challenge" => {
            is("CHALLENGE")?;
            let c = challenge()?;
            ensure_eq(
                "challenge",
                &c.challenge.as_deref(),
                &Some("vQFwTt6zKzMV7HFPzjS2"),
            )?;
            ensure_eq(
                "extensions",
                &c.extensions,
                &Some(Value::Object(serde_json::Map::new())),
            )
        }
        "push challenge" => {
            ensure_eq("status", &parsed.status, &StatusCode::CREATED)?;
            check_waiting(outcome, TRANSACTION, None)
        }
        "push challenge with number matching" => {
            ensure_eq("status", &parsed.status, &StatusCode::CREATED)?;
            check_waiting(outcome, TRANSACTION, Some(72))
        }
        other => Err(format!("no specific check for example {other:?}")),
    }
}

fn transaction_status_example(
    fx: &SpecFixture,
    parsed: &OktaResponse<VerifyOutcome>,
) -> Result<(), String> {
    let outcome = &parsed.value;
    check_outcome_against_wire(outcome, &fx.wire_body)?;
    let credential = outcome.response().profile_str("credentialId");
    let is = |kind: &str| ensure_eq("outcome", outcome_kind(outcome), kind);
    match fx.example.as_str() {
        "SUCCESS" => is("SUCCESS"),
        "REJECTED" => {
            is("REJECTED")?;
            ensure_eq("credentialId", &credential, &Some("jane.doe@example.com"))?;
            ensure(outcome.response().link("poll").is_none(), || {
                "a rejected push has no poll link".into()
            })
        }
        "TIMEOUT" => {
            is("TIMEOUT")?;
            ensure_eq("credentialId", &credential, &Some("jane.doe@example.com"))
        }
        "WAITING" => check_waiting(outcome, "v2mst.GldKV5VxTrifyeZmWSQguA", None),
        "WAITING (with number matching challenge)" => {
            check_waiting(outcome, "v2mst.GldKV5VxTrifyeZmWSQguA", Some(72))
        }
        other => Err(format!("no specific check for example {other:?}")),
    }
}

fn catalog_example(
    fx: &SpecFixture,
    parsed: &OktaResponse<Vec<Result<SupportedFactor, Malformed>>>,
) -> Result<(), String> {
    let entries = all_decoded(&parsed.value)?;
    match fx.example.as_str() {
        "List of supported factors" => {
            let kinds: Vec<(Option<&str>, Option<&str>)> = entries
                .iter()
                .map(|e| {
                    (
                        e.factor_type.as_ref().map(|t| t.as_str()),
                        e.provider.as_ref().map(|p| p.as_str()),
                    )
                })
                .collect();
            ensure_eq(
                "catalog entries",
                &kinds,
                &vec![
                    (Some("question"), Some("OKTA")),
                    (Some("token:software:totp"), Some("OKTA")),
                    (Some("token:software:totp"), Some("GOOGLE")),
                    (Some("sms"), Some("OKTA")),
                    (Some("call"), Some("OKTA")),
                    (Some("token"), Some("RSA")),
                    (Some("token"), Some("SYMANTEC")),
                ],
            )?;
            for (i, entry) in entries.iter().enumerate() {
                ensure(
                    entry.links.as_ref().and_then(|l| l.enroll()).is_some(),
                    || format!("[{i}] has no enroll link"),
                )?;
                ensure(entry.extra.is_empty(), || {
                    format!("[{i}] unexpected extra {:?}", entry.extra)
                })?;
            }
            ensure(
                entries[0]
                    .links
                    .as_ref()
                    .and_then(|l| l.questions())
                    .is_some(),
                || "question entry has no questions link".into(),
            )?;
            let phones = entries[3]
                .embedded
                .as_ref()
                .and_then(|e| e.phones.as_ref())
                .ok_or("sms entry has no _embedded.phones")?;
            ensure_eq("embedded phones", &phones.len(), &1)?;
            ensure_eq(
                "phone id",
                &phones[0].id.as_deref(),
                &Some("mblldntFJevYKbyQQ0g3"),
            )?;
            ensure_eq(
                "phone number",
                &phones[0]
                    .profile
                    .as_ref()
                    .and_then(|p| p.phone_number.as_deref()),
                &Some("+14081234567"),
            )?;
            ensure_eq(
                "phone status",
                &phones[0].status,
                &Some(FactorStatus::Active),
            )
        }
        other => Err(format!("no specific check for example {other:?}")),
    }
}

fn questions_example(
    fx: &SpecFixture,
    parsed: &OktaResponse<Vec<Result<SecurityQuestion, Malformed>>>,
) -> Result<(), String> {
    let questions = all_decoded(&parsed.value)?;
    match fx.example.as_str() {
        "example" => {
            let keys: Vec<Option<&str>> = questions.iter().map(|q| q.question.as_deref()).collect();
            ensure_eq(
                "question keys",
                &keys,
                &vec![
                    Some("disliked_food"),
                    Some("name_of_first_plush_toy"),
                    Some("first_award"),
                ],
            )?;
            ensure_eq(
                "first question text",
                &questions[0].question_text.as_deref(),
                &Some("What is the food you least liked as a child?"),
            )
        }
        other => Err(format!("no specific check for example {other:?}")),
    }
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

fn check_request_fixture(fx: &SpecFixture) -> Result<(), String> {
    let user_path = format!("/api/v1/users/{USER}/factors");
    match fx.operation.as_str() {
        "enroll_factor" => check_request(
            fx,
            |body| EnrollFactor::new(USER, body),
            &user_path,
            expected_enrollment,
        ),
        "resend_enroll_factor" => check_request(
            fx,
            |body| ResendEnrollFactor::new(USER, FACTOR, body),
            &format!("{user_path}/{FACTOR}/resend"),
            expected_enrollment,
        ),
        "activate_factor" => check_request(
            fx,
            |body| ActivateFactor::new(USER, FACTOR).body(body),
            &format!("{user_path}/{FACTOR}/lifecycle/activate"),
            expected_activation,
        ),
        "verify_factor" => check_request(
            fx,
            |body| VerifyFactor::new(USER, FACTOR).body(body),
            &format!("{user_path}/{FACTOR}/verify"),
            expected_verification,
        ),
        other => Err(format!("no request dispatch for operation {other:?}")),
    }
}

/// The one generic request check.
fn check_request<B, O>(
    fx: &SpecFixture,
    operation: impl FnOnce(B) -> O,
    path: &str,
    expected: impl FnOnce(&str, &Value) -> Result<B, String>,
) -> Result<(), String>
where
    B: Serialize + DeserializeOwned + PartialEq + Debug,
    O: Operation,
{
    let body: B = serde_json::from_value(fx.wire_body.clone())
        .map_err(|e| format!("deserializing wire_body: {e}"))?;
    let back = serde_json::to_value(&body).map_err(|e| format!("serializing the body: {e}"))?;
    ensure(back == fx.wire_body, || {
        format!(
            "body round trip changed the JSON:\n    got      {back}\n    expected {}",
            fx.wire_body
        )
    })?;
    let again: B = serde_json::from_value(back).map_err(|e| e.to_string())?;
    ensure_eq("body parsed again", &again, &body)?;
    let want = expected(&fx.example, &fx.wire_body)?;
    ensure_eq("body vs. its constructor", &body, &want)?;

    let request = operation(body)
        .build_request(&org()?, &credentials()?)
        .map_err(|e| format!("build_request: {e}"))?;
    ensure_eq("method", request.method(), &O::METHOD)?;
    ensure_eq("method", request.method(), &http::Method::POST)?;
    ensure_eq("URI", &request.uri().to_string(), &format!("{ORG}{path}"))?;
    let sent: Value = serde_json::from_slice(request.body())
        .map_err(|e| format!("request body is not JSON: {e}"))?;
    ensure_eq("request body", &sent, &fx.wire_body)?;
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    ensure_eq(
        "content-type",
        &header("content-type").as_deref(),
        &Some("application/json"),
    )?;
    ensure_eq(
        "accept",
        &header("accept").as_deref(),
        &Some("application/json"),
    )?;
    ensure_eq(
        "authorization",
        &header("authorization"),
        &Some(format!("SSWS {TOKEN}")),
    )
}

fn wire_str<'a>(wire: &'a Value, key: &str) -> Result<&'a str, String> {
    str_at(wire, key).ok_or_else(|| format!("wire body has no string {key}"))
}

/// What the `FactorEnrollment` constructor for each example builds.
fn expected_enrollment(example: &str, _: &Value) -> Result<FactorEnrollment, String> {
    Ok(match example {
        "call" => FactorEnrollment::call_with_extension("+1-555-415-1337", "1234"),
        "customTotp" => FactorEnrollment::custom_hotp(
            "fpr20l2mDyaUGWGCa0g4",
            "484f97be3213b117e3a20438e291540a",
        ),
        "email" => FactorEnrollment::email("test@gmail.com"),
        "google" => FactorEnrollment::totp(TotpProvider::Google),
        "push" => FactorEnrollment::push(),
        "question" => FactorEnrollment::question("disliked_food", "mayonnaise"),
        "rsa_securId" => {
            FactorEnrollment::token(FactorProvider::Rsa, "dade.murphy@example.com", "5275875498")
        }
        "sms" => FactorEnrollment::sms("+1-555-415-1337"),
        "symantec_vip" => FactorEnrollment::symantec_vip("VSMT14393584", "875498", "678195"),
        "token:software:totp" => FactorEnrollment::totp(TotpProvider::Okta),
        "u2f" => FactorEnrollment::u2f(),
        "webAuthn" => FactorEnrollment::webauthn(),
        "yubikey" => FactorEnrollment::yubikey("cccccceukngdfgkukfctkcvfidnetljjiknckkcjulji"),
        other => return Err(format!("no expected body for example {other:?}")),
    })
}

/// What the `ActivateFactorRequest` constructor for each example builds.
fn expected_activation(example: &str, wire: &Value) -> Result<ActivateFactorRequest, String> {
    Ok(match example {
        "call" | "email" | "sms" | "token:software:totp" => {
            ActivateFactorRequest::pass_code("123456")
        }
        "u2f" => ActivateFactorRequest::u2f(
            wire_str(wire, "registrationData")?,
            wire_str(wire, "clientData")?,
        ),
        "webauthn" => ActivateFactorRequest::webauthn(
            wire_str(wire, "attestation")?,
            wire_str(wire, "clientData")?,
        ),
        other => return Err(format!("no expected body for example {other:?}")),
    })
}

/// What the `VerifyFactorRequest` constructor for each example builds.
fn expected_verification(example: &str, wire: &Value) -> Result<VerifyFactorRequest, String> {
    Ok(match example {
        "call verify" | "email verify" | "sms verify" | "token verify" | "totp verify"
        | "yubikey verify" => VerifyFactorRequest::pass_code("123456"),
        "push challenge with number matching" => VerifyFactorRequest::number_matching(),
        "security question verify" => VerifyFactorRequest::answer("mayonnaise"),
        "u2f verify" => {
            let mut body = VerifyFactorRequest::challenge();
            body.client_data = Some(wire_str(wire, "clientData")?.to_owned());
            body.signature_data = Some(wire_str(wire, "signatureData")?.to_owned());
            body
        }
        "webAuthn verify" => {
            let mut body = VerifyFactorRequest::challenge();
            body.client_data = Some(wire_str(wire, "clientData")?.to_owned());
            body.authenticator_data = Some(wire_str(wire, "authenticatorData")?.to_owned());
            body.signature_data = Some(wire_str(wire, "signatureData")?.to_owned());
            body
        }
        other => return Err(format!("no expected body for example {other:?}")),
    })
}
