//! Walks every endpoint and parses each response with the core operation that
//! built the request: `Ok` for every 2xx, `Error::Api` with the right
//! `errorCode` for every error. Also checks the headers of every response.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Debug;

use common::{header, H};
use okta_factors_core::model::{
    ActivateOutcome, FactorEnrollment, FactorProvider, TotpProvider, UserFactor, VerifyOutcome,
};
use okta_factors_core::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, GetFactor, GetFactorTransactionStatus,
    ListFactors, ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor,
    UnenrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::totp::Totp;
use okta_factors_core::{Error, Operation};

enum Expect {
    Ok(u16),
    Err(u16, &'static str),
}

/// Sends `op`, checks headers, parses with `op` and checks the outcome.
fn check<O: Operation>(h: &mut H, op: &O, expect: Expect) -> Option<O::Output>
where
    O::Output: Debug,
{
    let response = h.send(op);
    let status = response.status().as_u16();
    assert_eq!(
        header(&response, "x-okta-request-id").len(),
        27,
        "{}",
        O::NAME
    );
    assert!(header(&response, "date").ends_with(" GMT"), "{}", O::NAME);
    for name in [
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
    ] {
        assert!(
            header(&response, name).parse::<u64>().is_ok(),
            "{} {name}",
            O::NAME
        );
    }
    if response.body().is_empty() {
        assert!(
            response.headers().get("content-type").is_none(),
            "{}",
            O::NAME
        );
    } else {
        assert_eq!(
            header(&response, "content-type"),
            "application/json",
            "{}",
            O::NAME
        );
    }
    match (expect, op.parse_response(response)) {
        (Expect::Ok(want), Ok(parsed)) => {
            assert_eq!(status, want, "{}: {:?}", O::NAME, parsed.value);
            assert_eq!(parsed.meta.request_id.as_ref().map(String::len), Some(27));
            Some(parsed.value)
        }
        (Expect::Err(want, code), Err(Error::Api(api))) => {
            assert_eq!(status, want, "{}: {api}", O::NAME);
            assert_eq!(api.code(), Some(code), "{}: {api}", O::NAME);
            assert!(api.body.error_summary.is_some());
            None
        }
        (Expect::Ok(_), Err(e)) => panic!("{}: expected success, got {e:?}", O::NAME),
        (Expect::Err(..), Ok(v)) => panic!("{}: expected an error, got {:?}", O::NAME, v.value),
        (Expect::Err(..), Err(e)) => panic!("{}: expected Error::Api, got {e:?}", O::NAME),
    }
}

fn fid(factor: &Option<UserFactor>) -> String {
    factor.as_ref().unwrap().id().unwrap().to_owned()
}

#[test]
fn every_operation_parses_every_response() {
    let mut h = H::new();
    let u = h.user.clone();
    let nobody = "00uNOBODY";

    // list_supported_security_questions, list_supported_factors, list_factors
    check(
        &mut h,
        &ListSupportedSecurityQuestions::new(&u),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &ListSupportedSecurityQuestions::new(nobody),
        Expect::Err(404, "E0000007"),
    );
    check(&mut h, &ListSupportedFactors::new(&u), Expect::Ok(200));
    check(
        &mut h,
        &ListSupportedFactors::new(nobody),
        Expect::Err(404, "E0000007"),
    );
    check(&mut h, &ListFactors::new(&u), Expect::Ok(200));
    check(
        &mut h,
        &ListFactors::new(nobody),
        Expect::Err(404, "E0000007"),
    );

    // enroll_factor: every type.
    let question = check(
        &mut h,
        &EnrollFactor::new(
            &u,
            FactorEnrollment::question("first_award", "spelling bee"),
        ),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &EnrollFactor::new(
            &u,
            FactorEnrollment::question("first_award", "spelling bee"),
        ),
        Expect::Err(400, "E0000001"),
    );
    check(
        &mut h,
        &EnrollFactor::new(nobody, FactorEnrollment::push()),
        Expect::Err(404, "E0000007"),
    );
    let sms = check(
        &mut h,
        &EnrollFactor::new(&u, FactorEnrollment::sms("+15554151337")),
        Expect::Ok(200),
    );
    let call = check(
        &mut h,
        &EnrollFactor::new(
            &u,
            FactorEnrollment::call_with_extension("+15554151338", "1234"),
        ),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &EnrollFactor::new(&u, FactorEnrollment::call("+15554151339")),
        Expect::Err(400, "E0000001"),
    );
    let email = check(
        &mut h,
        &EnrollFactor::new(&u, FactorEnrollment::email("alice@example.com")),
        Expect::Ok(200),
    );
    let totp = check(
        &mut h,
        &EnrollFactor::new(&u, FactorEnrollment::totp(TotpProvider::Okta)),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &EnrollFactor::new(&u, FactorEnrollment::totp(TotpProvider::Google)),
        Expect::Ok(200),
    );
    let push = check(
        &mut h,
        &EnrollFactor::new(&u, FactorEnrollment::push()),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &EnrollFactor::new(
            &u,
            FactorEnrollment::token(FactorProvider::Rsa, "alice", "5275875498"),
        ),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &EnrollFactor::new(
            &u,
            FactorEnrollment::token(FactorProvider::Symantec, "VSMT1", "x"),
        ),
        Expect::Err(403, "E0000068"),
    );
    check(
        &mut h,
        &EnrollFactor::new(
            &u,
            FactorEnrollment::yubikey("cccccceukngdfgkukfctkcvfidnetljjiknckkcjulji"),
        ),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &EnrollFactor::new(
            &u,
            FactorEnrollment::custom_hotp("fpr1", "484f97be3213b117e3a20438e291540a"),
        ),
        Expect::Ok(200),
    );
    let u2f = check(
        &mut h,
        &EnrollFactor::new(&u, FactorEnrollment::u2f()),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &EnrollFactor::new(&u, FactorEnrollment::webauthn()),
        Expect::Ok(200),
    );

    // get_factor
    check(&mut h, &GetFactor::new(&u, fid(&question)), Expect::Ok(200));
    check(
        &mut h,
        &GetFactor::new(&u, "ufsNOPE"),
        Expect::Err(404, "E0000007"),
    );
    check(
        &mut h,
        &GetFactor::new(nobody, fid(&question)),
        Expect::Err(404, "E0000007"),
    );
    let all = check(&mut h, &ListFactors::new(&u), Expect::Ok(200)).unwrap();
    assert_eq!(all.len(), 12);
    assert!(all.iter().all(|f| !f.is_unknown()));

    // resend_enroll_factor
    let sms_id = fid(&sms);
    let resend = ResendEnrollFactor::new(&u, &sms_id, FactorEnrollment::sms("+15554151337"));
    check(&mut h, &resend, Expect::Err(429, "E0000109"));
    let resend_call =
        ResendEnrollFactor::new(&u, fid(&call), FactorEnrollment::call("+15554151338"));
    check(&mut h, &resend_call, Expect::Err(429, "E0000047"));
    let resend_email = ResendEnrollFactor::new(
        &u,
        fid(&email),
        FactorEnrollment::email("alice@example.com"),
    );
    check(&mut h, &resend_email, Expect::Err(429, "E0000118"));
    h.advance(30);
    check(&mut h, &resend, Expect::Ok(200));
    check(&mut h, &resend_email, Expect::Ok(200));
    check(
        &mut h,
        &ResendEnrollFactor::new(&u, "mblNOPE", FactorEnrollment::sms("+15554151337")),
        Expect::Err(404, "E0000007"),
    );

    // activate_factor
    check(
        &mut h,
        &ActivateFactor::new(&u, &sms_id).body(ActivateFactorRequest::pass_code("not-it")),
        Expect::Err(403, "E0000068"),
    );
    let code = h.sim.last_code(&u, &sms_id).unwrap();
    let activated = check(
        &mut h,
        &ActivateFactor::new(&u, &sms_id).body(ActivateFactorRequest::pass_code(code)),
        Expect::Ok(200),
    );
    assert!(matches!(activated, Some(ActivateOutcome::Activated(_))));
    check(
        &mut h,
        &ActivateFactor::new(&u, &sms_id).body(ActivateFactorRequest::pass_code("123456")),
        Expect::Err(400, "E0000001"),
    );
    let totp_factor = totp.unwrap();
    let generator = Totp::from_activation(&totp_factor.totp_activation().unwrap()).unwrap();
    let totp_id = totp_factor.id().unwrap().to_owned();
    let code = generator.code_at(h.clock.unix_seconds());
    check(
        &mut h,
        &ActivateFactor::new(&u, &totp_id).body(ActivateFactorRequest::pass_code(code.expose())),
        Expect::Ok(200),
    );
    let push_id = fid(&push);
    let waiting = check(&mut h, &ActivateFactor::new(&u, &push_id), Expect::Ok(200));
    assert!(matches!(waiting, Some(ActivateOutcome::Waiting(_))));
    h.sim.activate_push_device(&push_id).unwrap();
    check(&mut h, &ActivateFactor::new(&u, &push_id), Expect::Ok(200));
    check(
        &mut h,
        &ActivateFactor::new(&u, fid(&u2f)).body(ActivateFactorRequest::u2f("reg", "client")),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &ActivateFactor::new(&u, "nope"),
        Expect::Err(404, "E0000007"),
    );

    // verify_factor (30 s after the resend)
    h.advance(30);
    let challenge = check(&mut h, &VerifyFactor::new(&u, &sms_id), Expect::Ok(200));
    assert!(matches!(challenge, Some(VerifyOutcome::Challenge(_))));
    check(
        &mut h,
        &VerifyFactor::new(&u, &sms_id),
        Expect::Err(429, "E0000109"),
    );
    let code = h.sim.last_code(&u, &sms_id).unwrap();
    check(
        &mut h,
        &VerifyFactor::new(&u, &sms_id).body(VerifyFactorRequest::pass_code(code)),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &VerifyFactor::new(&u, fid(&question)).body(VerifyFactorRequest::answer("Spelling Bee")),
        Expect::Ok(200),
    );
    check(
        &mut h,
        &VerifyFactor::new(&u, fid(&question)).body(VerifyFactorRequest::answer("nope")),
        Expect::Err(403, "E0000068"),
    );
    h.advance(30);
    let code = generator.code_at(h.clock.unix_seconds());
    let verify_totp =
        VerifyFactor::new(&u, &totp_id).body(VerifyFactorRequest::pass_code(code.expose()));
    check(&mut h, &verify_totp, Expect::Ok(200));
    let replay = check(&mut h, &verify_totp, Expect::Ok(200));
    assert!(matches!(replay, Some(VerifyOutcome::PasscodeReplayed(_))));
    check(
        &mut h,
        &VerifyFactor::new(&u, fid(&email)).body(VerifyFactorRequest::pass_code("123")),
        Expect::Err(400, "E0000001"),
    );
    let push_verify = VerifyFactor::new(&u, &push_id).body(VerifyFactorRequest::number_matching());
    let Some(VerifyOutcome::Waiting(w)) = check(&mut h, &push_verify, Expect::Ok(201)) else {
        panic!()
    };
    check(&mut h, &VerifyFactor::new(&u, fid(&u2f)), Expect::Ok(200));
    check(
        &mut h,
        &VerifyFactor::new(nobody, &push_id),
        Expect::Err(404, "E0000007"),
    );

    // get_factor_transaction_status
    let tx = w.transaction_id().unwrap();
    let status = GetFactorTransactionStatus::new(&u, &push_id, &tx);
    assert!(matches!(
        check(&mut h, &status, Expect::Ok(200)),
        Some(VerifyOutcome::Waiting(_))
    ));
    h.sim.approve_push(&tx).unwrap();
    assert!(check(&mut h, &status, Expect::Ok(200))
        .unwrap()
        .is_success());
    check(
        &mut h,
        &GetFactorTransactionStatus::new(&u, &sms_id, &tx),
        Expect::Err(404, "E0000007"),
    );

    // unenroll_factor
    check(
        &mut h,
        &UnenrollFactor::new(&u, &sms_id).remove_recovery_enrollment(true),
        Expect::Ok(204),
    );
    check(
        &mut h,
        &UnenrollFactor::new(&u, &sms_id),
        Expect::Err(404, "E0000007"),
    );
    check(&mut h, &UnenrollFactor::new(&u, &push_id), Expect::Ok(204));

    // Auth and rate limiting for any operation.
    h.creds = okta_factors_core::Credentials::api_token("wrong").unwrap();
    check(&mut h, &ListFactors::new(&u), Expect::Err(401, "E0000011"));
    h.creds = okta_factors_core::Credentials::access_token(common::TOKEN).unwrap();
    check(&mut h, &ListFactors::new(&u), Expect::Ok(200));
    check(
        &mut h,
        &ListSupportedSecurityQuestions::new(&u),
        Expect::Err(401, "E0000011"),
    );
    h.sim
        .inject(okta_factors_sim::Fault::RateLimitStorm { count: 1 });
    check(
        &mut h,
        &GetFactor::new(&u, fid(&question)),
        Expect::Err(429, "E0000047"),
    );
    h.sim
        .inject(okta_factors_sim::Fault::ServerError { count: 1 });
    check(
        &mut h,
        &GetFactor::new(&u, fid(&question)),
        Expect::Err(500, "E0000009"),
    );
}
