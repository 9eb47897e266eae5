//! Every endpoint through `Simulator::handle` on a manual clock: happy paths,
//! the main errors, throttles, rate limits, faults.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{assert_enroll_refused, body, code_of, header, H, ORG, TOKEN};
use http::{Method, StatusCode};
use okta_factors_core::model::{
    ActivateOutcome, FactorEnrollment, FactorProvider, FactorStatus, FactorType, TotpProvider,
    UserFactor, VerifyOutcome,
};
use okta_factors_core::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, GetFactor, ListFactors,
    ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor, UnenrollFactor,
    VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::totp::Totp;
use okta_factors_core::Operation;
use okta_factors_sim::{Channel, Fault, ManualClock, ResponseDelay, Simulator, SimulatorConfig};

fn enroll(h: &mut H, body: FactorEnrollment) -> UserFactor {
    let user = h.user.clone();
    h.call(&EnrollFactor::new(user, body)).unwrap()
}

fn id(factor: &UserFactor) -> String {
    factor.id().unwrap().to_owned()
}

// ----- auth, errors, headers -----

#[test]
fn auth_is_checked() {
    let mut h = H::new();
    let path = format!("/api/v1/users/{}/factors", h.user);
    let bad = h.raw_auth(Method::GET, &path, None, "SSWS wrong");
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code_of(&bad), "E0000011");
    assert_eq!(body(&bad)["errorSummary"], "Invalid token provided");
    assert_eq!(h.raw_auth(Method::GET, &path, None, "").status(), 401);
    assert_eq!(h.raw_auth(Method::GET, &path, None, TOKEN).status(), 401);
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(h.raw_auth(Method::GET, &path, None, &bearer).status(), 200);
    // The questions endpoint takes API tokens (SSWS) only.
    let questions = format!("/api/v1/users/{}/factors/questions", h.user);
    let q = h.raw_auth(Method::GET, &questions, None, &bearer);
    assert_eq!(
        (q.status().as_u16(), code_of(&q).as_str()),
        (401, "E0000011")
    );
    assert_eq!(h.raw(Method::GET, &questions, None).status(), 200);
}

#[test]
fn not_found_validation_and_method_errors() {
    let mut h = H::new();
    let (status, code) = h.err_code(&ListFactors::new("00uNOPE"));
    assert_eq!((status.as_u16(), code.as_str()), (404, "E0000007"));
    let r = h.send(&ListFactors::new("00uNOPE"));
    assert_eq!(
        body(&r)["errorSummary"],
        "Not found: Resource not found: 00uNOPE (User)"
    );
    let r = h.send(&GetFactor::new(h.user.clone(), "mblNOPE"));
    assert_eq!(r.status(), 404);
    assert_eq!(
        body(&r)["errorSummary"],
        "Not found: Resource not found: mblNOPE (UserFactor)"
    );

    let path = format!("/api/v1/users/{}/factors", h.user);
    for bad in [
        "{not json",
        r#"{"factorType": 5, "provider": "OKTA"}"#,
        r#"{"provider": "OKTA"}"#,
        r#"[1, 2]"#,
        r#"{"factorType": "sms", "provider": "OKTA"}"#,
        r#"{"factorType": "sms", "provider": "GOOGLE", "profile": {"phoneNumber": "+15554151337"}}"#,
        r#"{"factorType": "signed_nonce", "provider": "OKTA"}"#,
    ] {
        let r = h.raw(Method::POST, &path, Some(bad));
        assert_eq!(r.status(), 400, "{bad}");
        let b = body(&r);
        assert_eq!(b["errorCode"], "E0000001", "{bad}");
        assert!(b["errorSummary"]
            .as_str()
            .unwrap()
            .starts_with("Api validation failed: "));
        assert!(!b["errorCauses"].as_array().unwrap().is_empty(), "{bad}");
    }
    assert_eq!(h.raw(Method::POST, &path, None).status(), 400);

    let r = h.raw(Method::PUT, &path, Some("{}"));
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(code_of(&r), "E0000022");
    assert_eq!(header(&r, "allow"), "GET, HEAD, POST");
    let r = h.raw(Method::GET, "/api/v1/nothing", None);
    assert_eq!(
        (r.status().as_u16(), code_of(&r).as_str()),
        (404, "E0000007")
    );
    let r = h.raw(
        Method::POST,
        &format!("{path}?tokenLifetimeSeconds=0"),
        Some("{}"),
    );
    assert_eq!(code_of(&r), "E0000001");
}

#[test]
fn every_response_has_okta_headers() {
    let mut h = H::new();
    let a = h.send(&ListFactors::new(h.user.clone()));
    let b = h.send(&ListFactors::new("00uNOPE"));
    for r in [&a, &b] {
        assert_eq!(header(r, "content-type"), "application/json");
        assert_eq!(header(r, "date"), "Mon, 01 Jan 2024 00:00:00 GMT");
        assert_eq!(header(r, "x-rate-limit-limit"), "600");
        assert_eq!(header(r, "x-rate-limit-reset"), "1704067260");
        assert_eq!(header(r, "x-okta-request-id").len(), 27);
    }
    assert_eq!(header(&a, "x-rate-limit-remaining"), "599");
    assert_eq!(header(&b, "x-rate-limit-remaining"), "598");
    assert_ne!(
        header(&a, "x-okta-request-id"),
        header(&b, "x-okta-request-id")
    );
    let err = body(&b);
    assert_eq!(err["errorLink"], "E0000007");
    assert!(err["errorId"].as_str().unwrap().starts_with("oae"));
    assert_eq!(err["errorCauses"], serde_json::json!([]));
}

#[test]
fn same_seed_same_ids() {
    let run = || {
        let mut h = H::with_config(SimulatorConfig::new(TOKEN).seed(99));
        let f = enroll(&mut h, FactorEnrollment::totp(TotpProvider::Okta));
        (h.user.clone(), id(&f))
    };
    let (user, factor) = run();
    assert_eq!(run(), (user.clone(), factor.clone()));
    assert!(user.starts_with("00u") && user.len() == 20);
    assert!(factor.starts_with("ost") && factor.len() == 20);
}

#[test]
fn rate_limit_bucket_resets_with_the_clock() {
    let mut h = H::with_config(SimulatorConfig::new(TOKEN).rate_limit_per_minute(3));
    let list = ListFactors::new(h.user.clone());
    for remaining in ["2", "1", "0"] {
        let r = h.send(&list);
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "x-rate-limit-remaining"), remaining);
    }
    let r = h.send(&list);
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code_of(&r), "E0000047");
    assert_eq!(header(&r, "x-rate-limit-remaining"), "0");
    assert_eq!(header(&r, "x-rate-limit-reset"), "1704067260");
    let err = list.parse_response(r).unwrap_err();
    assert!(err.is_rate_limited());
    h.advance(59);
    assert_eq!(h.send(&list).status(), 429);
    h.advance(1);
    let r = h.send(&list);
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-rate-limit-remaining"), "2");
    assert_eq!(header(&r, "x-rate-limit-reset"), "1704067320");
}

#[test]
fn rate_limit_is_keyed_by_the_authenticated_token_not_the_header() {
    let mut h = H::with_config(SimulatorConfig::new(TOKEN).rate_limit_per_minute(3));
    let path = format!("/api/v1/users/{}/factors", h.user);
    // One token, four spellings Okta accepts: one bucket of 3 requests.
    let spellings = [
        format!("SSWS {TOKEN}"),
        format!("ssws {TOKEN}"),
        format!("Bearer {TOKEN}"),
        format!("sSwS   {TOKEN} "),
    ];
    let statuses: Vec<u16> = spellings
        .iter()
        .map(|auth| h.raw_auth(Method::GET, &path, None, auth).status().as_u16())
        .collect();
    assert_eq!(statuses, [200, 200, 200, 429]);
    let r = h.raw_auth(Method::GET, &path, None, &format!("SSWS {TOKEN}"));
    assert_eq!(
        (r.status().as_u16(), code_of(&r).as_str()),
        (429, "E0000047")
    );
}

#[test]
fn distinct_bogus_tokens_cost_no_memory_and_do_not_touch_the_token_limit() {
    let mut h = H::with_config(SimulatorConfig::new(TOKEN).rate_limit_per_minute(5));
    let path = format!("/api/v1/users/{}/factors", h.user);
    // 3,000 distinct 15 kB tokens within one window (the clock stands still).
    let filler = "x".repeat(15 * 1024);
    for i in 0..3000 {
        let r = h.raw_auth(Method::GET, &path, None, &format!("SSWS {i}{filler}"));
        assert!(matches!(r.status().as_u16(), 401 | 429), "{i}");
        assert!(!header(&r, "x-rate-limit-remaining").is_empty());
    }
    // One bucket for the API token, one all unauthenticated requests share.
    assert!(
        h.sim.rate_limit_buckets() <= 2,
        "{}",
        h.sim.rate_limit_buckets()
    );
    // Unauthenticated requests shared one bucket: past its limit they are 429.
    let r = h.raw_auth(Method::GET, &path, None, "SSWS another-bogus-token");
    assert_eq!(
        (r.status().as_u16(), code_of(&r).as_str()),
        (429, "E0000047")
    );
    // The API token's own bucket is untouched.
    let r = h.raw(Method::GET, &path, None);
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-rate-limit-remaining"), "4");
    assert_eq!(h.sim.rate_limit_buckets(), 2);
}

#[test]
fn faults() {
    let mut h = H::new();
    let list = ListFactors::new(h.user.clone());
    h.sim.inject(Fault::RateLimitStorm { count: 2 });
    h.sim.inject(Fault::ServerError { count: 1 });
    h.sim.inject(Fault::Slow {
        delay: Duration::from_millis(250),
        count: 1,
    });
    h.sim.inject(Fault::ServerError { count: 0 });
    for _ in 0..2 {
        let r = h.send(&list);
        assert_eq!(
            (r.status().as_u16(), code_of(&r).as_str()),
            (429, "E0000047")
        );
        assert_eq!(header(&r, "x-rate-limit-remaining"), "0");
    }
    let r = h.send(&list);
    assert_eq!(
        (r.status().as_u16(), code_of(&r).as_str()),
        (500, "E0000009")
    );
    let r = h.send(&list);
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.extensions().get::<ResponseDelay>(),
        Some(&ResponseDelay(Duration::from_millis(250)))
    );
    let r = h.send(&list);
    assert_eq!(r.status(), 200);
    assert!(r.extensions().get::<ResponseDelay>().is_none());
    h.sim.inject(Fault::ServerError { count: 5 });
    h.sim.clear_faults();
    assert_eq!(h.send(&list).status(), 200);
}

// ----- questions, catalog, list/get/unenroll -----

#[test]
fn questions_and_question_factor() {
    let mut h = H::new();
    let questions = h
        .call(&ListSupportedSecurityQuestions::new(h.user.clone()))
        .unwrap();
    assert_eq!(questions.len(), 19);
    let first = questions[0].as_ref().unwrap();
    assert_eq!(first.question.as_deref(), Some("disliked_food"));
    assert_eq!(
        first.question_text.as_deref(),
        Some("What is the food you least liked as a child?")
    );

    let user = h.user.clone();
    let short = EnrollFactor::new(&user, FactorEnrollment::question("disliked_food", "abc"));
    assert_eq!(h.err_code(&short).1, "E0000001");
    let unknown = EnrollFactor::new(&user, FactorEnrollment::question("nope", "mayonnaise"));
    assert_eq!(h.err_code(&unknown).1, "E0000001");

    let enroll = EnrollFactor::new(
        &user,
        FactorEnrollment::question("disliked_food", "Mayonnaise"),
    );
    let (status, json) = h.json(&enroll);
    assert_eq!(status, 200);
    assert_eq!(json["status"], "ACTIVE");
    assert_eq!(
        json["profile"]["questionText"],
        "What is the food you least liked as a child?"
    );
    assert!(json["profile"].get("answer").is_none());
    assert!(json["_links"]["questions"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/factors/questions"));
    let factor_id = json["id"].as_str().unwrap().to_owned();
    assert!(factor_id.starts_with("ufs"));
    // Second question factor: already set up.
    let r = h.send(&enroll);
    assert_eq!(
        body(&r)["errorCauses"][0]["errorSummary"],
        "A factor of this type is already set up."
    );

    let right =
        VerifyFactor::new(&user, &factor_id).body(VerifyFactorRequest::answer(" mayonnaise "));
    assert!(h.call(&right).unwrap().is_success());
    let wrong = VerifyFactor::new(&user, &factor_id).body(VerifyFactorRequest::answer("ketchup"));
    let (status, code) = h.err_code(&wrong);
    assert_eq!((status.as_u16(), code.as_str()), (403, "E0000068"));
    // Already active: activation is refused.
    let activate = ActivateFactor::new(&user, &factor_id);
    assert_eq!(h.err_code(&activate).1, "E0000001");
}

#[test]
fn catalog_list_get_unenroll() {
    let mut h = H::new();
    let user = h.user.clone();
    let catalog = h.call(&ListSupportedFactors::new(&user)).unwrap();
    assert_eq!(catalog.len(), 14);
    let question = catalog[0].as_ref().unwrap();
    assert_eq!(question.factor_type, Some(FactorType::Question));
    assert_eq!(question.status, Some(FactorStatus::NotSetup));
    assert!(question.enrollment.is_some());
    let links = question.links.as_ref().unwrap();
    assert!(links.questions().is_some());
    assert_eq!(
        links.enroll().unwrap().href(),
        format!("{ORG}/api/v1/users/{user}/factors")
    );

    h.sim.set_catalog(vec![(
        FactorType::Sms,
        FactorProvider::Okta,
        okta_factors_core::model::EnrollmentRequirement::Required,
    )]);
    let r = h.send(&EnrollFactor::new(
        &user,
        FactorEnrollment::question("disliked_food", "pizza"),
    ));
    assert_eq!(code_of(&r), "E0000001");
    let sms = enroll(&mut h, FactorEnrollment::sms("+1-555-415-1337"));
    let (_, json) = h.json(&ListSupportedFactors::new(&user));
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["enrollment"], "REQUIRED");
    assert_eq!(json[0]["status"], "PENDING_ACTIVATION");
    assert_eq!(
        json[0]["_embedded"]["phones"][0]["profile"]["phoneNumber"],
        "+1-555-415-1337"
    );
    assert_eq!(json[0]["_embedded"]["phones"][0]["id"], id(&sms));

    let listed = h.call(&ListFactors::new(&user)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0], h.call(&GetFactor::new(&user, id(&sms))).unwrap());

    let r = h.send(&UnenrollFactor::new(&user, id(&sms)));
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.body().is_empty());
    assert!(r.headers().get("content-type").is_none());
    assert!(!header(&r, "x-okta-request-id").is_empty());
    let (status, code) = h.err_code(&GetFactor::new(&user, id(&sms)));
    assert_eq!((status.as_u16(), code.as_str()), (404, "E0000007"));
    assert_eq!(h.err_code(&UnenrollFactor::new(&user, id(&sms))).0, 404);
    assert!(h.call(&ListFactors::new(&user)).unwrap().is_empty());
}

// ----- sms, call, email -----

#[test]
fn sms_enroll_activate_resend_verify_with_30s_throttle() {
    let mut h = H::new();
    let user = h.user.clone();
    let (status, json) = h.json(&EnrollFactor::new(
        &user,
        FactorEnrollment::sms("+15554151337"),
    ));
    assert_eq!(status, 200);
    assert_eq!(json["status"], "PENDING_ACTIVATION");
    assert_eq!(json["profile"]["phoneNumber"], "+15554151337");
    assert!(json["_links"]["resend"].is_array());
    assert_eq!(json["_links"]["resend"][0]["name"], "sms");
    assert_eq!(json["_links"]["resend"][0]["hints"]["allow"][0], "POST");
    assert!(json["_links"]["activate"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/lifecycle/activate"));
    let factor_id = json["id"].as_str().unwrap().to_owned();
    assert!(factor_id.starts_with("mbl"));

    let outbox = h.sim.outbox(&user);
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].channel, Channel::Sms);
    assert_eq!(outbox[0].to, "+15554151337");
    assert_eq!(outbox[0].code.len(), 6);
    let first = h.sim.last_code(&user, &factor_id).unwrap();
    assert_eq!(first, outbox[0].code);

    // Resend within 30 s: throttled.
    let resend = ResendEnrollFactor::new(&user, &factor_id, FactorEnrollment::sms("+15554151337"));
    h.advance(10);
    let r = h.send(&resend);
    assert_eq!(
        (r.status().as_u16(), code_of(&r).as_str()),
        (429, "E0000109")
    );
    assert_eq!(
        body(&r)["errorSummary"],
        "An SMS message was recently sent. Please wait 30 seconds before trying again."
    );
    h.advance(20);
    let resent = h.call(&resend).unwrap();
    assert_eq!(resent.status(), Some(&FactorStatus::PendingActivation));
    let code = h.sim.last_code(&user, &factor_id).unwrap();
    assert_eq!(h.sim.outbox(&user).len(), 2);

    // Wrong passcode, then the right one.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = h.send(
        &ActivateFactor::new(&user, &factor_id).body(ActivateFactorRequest::pass_code(wrong)),
    );
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let b = body(&r);
    assert_eq!(b["errorCode"], "E0000068");
    assert_eq!(b["errorSummary"], "Invalid Passcode/Answer");
    assert_eq!(
        b["errorCauses"][0]["errorSummary"],
        "Your passcode doesn't match our records. Please try again."
    );
    let activated = h
        .call(&ActivateFactor::new(&user, &factor_id).body(ActivateFactorRequest::pass_code(code)))
        .unwrap();
    let ActivateOutcome::Activated(factor) = activated else {
        panic!("expected the factor")
    };
    assert_eq!(factor.status(), Some(&FactorStatus::Active));
    assert!(factor.links().verify().is_some());
    assert!(factor.links().resend().is_empty());

    // Challenge within 30 s of the resend: throttled; then allowed.
    let challenge = VerifyFactor::new(&user, &factor_id);
    h.advance(5);
    assert_eq!(h.err_code(&challenge).1, "E0000109");
    h.advance(25);
    let (status, json) = h.json(&challenge);
    assert_eq!(status, 200);
    assert_eq!(json["factorResult"], "CHALLENGE");
    assert_eq!(json["profile"]["phoneNumber"], "+15554151337");
    assert!(json["_links"]["verify"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/verify"));
    assert!(json["_links"]["factor"].is_object());
    let code = h.sim.last_code(&user, &factor_id).unwrap();
    let verify = VerifyFactor::new(&user, &factor_id).body(VerifyFactorRequest::pass_code(code));
    assert!(h.call(&verify).unwrap().is_success());
    // The OTP is used up.
    assert_eq!(h.err_code(&verify).1, "E0000068");

    // `{}` also issues a challenge; an expired OTP is refused.
    h.advance(30);
    let empty = VerifyFactor::new(&user, &factor_id).body(VerifyFactorRequest::challenge());
    assert!(matches!(
        h.call(&empty).unwrap(),
        VerifyOutcome::Challenge(_)
    ));
    let code = h.sim.last_code(&user, &factor_id).unwrap();
    h.advance(301);
    let late = VerifyFactor::new(&user, &factor_id).body(VerifyFactorRequest::pass_code(code));
    assert_eq!(h.err_code(&late).1, "E0000068");
}

#[test]
fn activate_with_token_lifetime_and_auto_activation() {
    let mut h = H::new();
    let user = h.user.clone();
    let op =
        EnrollFactor::new(&user, FactorEnrollment::sms("+15550000001")).token_lifetime_seconds(60);
    let factor = id(&h.call(&op).unwrap());
    let code = h.sim.last_code(&user, &factor).unwrap();
    h.advance(61);
    let activate = ActivateFactor::new(&user, &factor).body(ActivateFactorRequest::pass_code(code));
    assert_eq!(h.err_code(&activate).1, "E0000068");

    let call = h
        .call(
            &EnrollFactor::new(
                &user,
                FactorEnrollment::call_with_extension("+15550000002", "12"),
            )
            .activate(true),
        )
        .unwrap();
    assert_eq!(call.status(), Some(&FactorStatus::Active));
    assert!(h.sim.last_code(&user, &id(&call)).is_none());
    let email = h
        .call(
            &EnrollFactor::new(&user, FactorEnrollment::email("alice@example.com")).activate(true),
        )
        .unwrap();
    assert_eq!(email.status(), Some(&FactorStatus::Active));
}

#[test]
fn activation_attempts_are_limited() {
    let mut h = H::new();
    let user = h.user.clone();
    let factor = id(&enroll(
        &mut h,
        FactorEnrollment::email("Alice@Example.com"),
    ));
    let code = h.sim.last_code(&user, &factor).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let bad = ActivateFactor::new(&user, &factor).body(ActivateFactorRequest::pass_code(wrong));
    for _ in 0..5 {
        assert_eq!(h.err_code(&bad).1, "E0000068");
    }
    let good =
        ActivateFactor::new(&user, &factor).body(ActivateFactorRequest::pass_code(code.clone()));
    let (status, code429) = h.err_code(&good);
    assert_eq!((status.as_u16(), code429.as_str()), (429, "E0000047"));
    // Resend is refused while activation is rate-limited.
    h.advance(10);
    let resend =
        ResendEnrollFactor::new(&user, &factor, FactorEnrollment::email("alice@example.com"));
    assert_eq!(h.err_code(&resend).1, "E0000047");
    // Five minutes after the first attempt: allowed again (the first OTP expired
    // meanwhile, so resend a fresh one).
    h.advance(290);
    assert_eq!(h.err_code(&good).1, "E0000068");
    h.call(&resend).unwrap();
    let code = h.sim.last_code(&user, &factor).unwrap();
    let good = ActivateFactor::new(&user, &factor).body(ActivateFactorRequest::pass_code(code));
    assert!(matches!(
        h.call(&good).unwrap(),
        ActivateOutcome::Activated(_)
    ));
}

#[test]
fn call_and_email_throttles() {
    let mut h = H::new();
    let user = h.user.clone();
    let call = id(&enroll(&mut h, FactorEnrollment::call("+15550001111")));
    let r = h.send(&ResendEnrollFactor::new(
        &user,
        &call,
        FactorEnrollment::call("+15550001111"),
    ));
    assert_eq!(
        (r.status().as_u16(), code_of(&r).as_str()),
        (429, "E0000047")
    );
    assert_eq!(h.sim.outbox(&user)[0].channel, Channel::Call);

    let bad_email = EnrollFactor::new(&user, FactorEnrollment::email("mallory@example.com"));
    let r = h.send(&bad_email);
    assert_eq!(code_of(&r), "E0000001");
    assert_eq!(
        body(&r)["errorSummary"],
        "Api validation failed: Only verified primary or secondary email can be enrolled."
    );
    let email = enroll(&mut h, FactorEnrollment::email("alice@example.com"));
    assert_eq!(email.links().resend()[0].name.as_deref(), Some("email"));
    let email = id(&email);
    let resend =
        ResendEnrollFactor::new(&user, &email, FactorEnrollment::email("alice@example.com"));
    h.advance(4);
    let r = h.send(&resend);
    assert_eq!(
        (r.status().as_u16(), code_of(&r).as_str()),
        (429, "E0000118")
    );
    h.advance(1);
    assert!(h.call(&resend).is_ok());
    assert_eq!(h.sim.outbox(&user).last().unwrap().channel, Channel::Email);
    // Resending for a factor of another type is refused.
    let wrong_type = ResendEnrollFactor::new(&user, &email, FactorEnrollment::sms("+15550001111"));
    assert_eq!(h.err_code(&wrong_type).1, "E0000001");
}

#[test]
fn one_phone_per_type_and_update_phone() {
    let mut h = H::new();
    let user = h.user.clone();
    let a = id(&h
        .call(&EnrollFactor::new(&user, FactorEnrollment::sms("+15550000001")).activate(true))
        .unwrap());
    let other = EnrollFactor::new(&user, FactorEnrollment::sms("+15550000002"));
    let r = h.send(&other);
    assert_enroll_refused(&r, "There is an existing verified phone number.");
    // updatePhone is ignored while an active factor uses the phone.
    assert_eq!(h.send(&other.clone().update_phone(true)).status(), 400);
    // Unenrolled, the phone stays verified unless removeRecoveryEnrollment.
    assert_eq!(h.send(&UnenrollFactor::new(&user, &a)).status(), 204);
    assert_eq!(h.send(&other).status(), 400);
    let updated = h.call(&other.clone().update_phone(true)).unwrap();
    assert_eq!(updated.status(), Some(&FactorStatus::PendingActivation));
    // A pending factor's phone can be replaced with updatePhone.
    h.advance(30);
    let third = EnrollFactor::new(&user, FactorEnrollment::sms("+15550000003"));
    assert_eq!(h.send(&third).status(), 400);
    let replaced = h.call(&third.update_phone(true)).unwrap();
    assert_eq!(replaced.id(), updated.id());
    let UserFactor::Sms(sms) = &replaced else {
        panic!()
    };
    assert_eq!(
        sms.profile.as_ref().unwrap().phone_number.as_deref(),
        Some("+15550000003")
    );
    assert_eq!(h.sim.outbox(&user).last().unwrap().to, "+15550000003");

    // removeRecoveryEnrollment forgets the phone.
    let b = id(&h
        .call(&EnrollFactor::new(&user, FactorEnrollment::call("+15550000009")).activate(true))
        .unwrap());
    assert_eq!(
        h.send(&UnenrollFactor::new(&user, &b).remove_recovery_enrollment(true))
            .status(),
        204
    );
    let again = EnrollFactor::new(&user, FactorEnrollment::call("+15550000010"));
    assert_eq!(h.send(&again).status(), 200);
    // Invalid phone numbers.
    h.advance(60);
    let invalid = EnrollFactor::new(&user, FactorEnrollment::call("12"));
    let r = h.send(&invalid);
    assert_eq!(
        body(&r)["errorCauses"][0]["errorSummary"],
        "Invalid Phone Number."
    );
}

// ----- TOTP -----

fn enroll_totp(h: &mut H, provider: TotpProvider) -> (String, Totp) {
    let factor = enroll(h, FactorEnrollment::totp(provider));
    assert_eq!(factor.status(), Some(&FactorStatus::PendingActivation));
    let activation = factor.totp_activation().unwrap();
    assert!(activation.shared_secret.expose().len() >= 16);
    assert_eq!(
        (
            activation.time_step,
            activation.key_length,
            activation.encoding
        ),
        (30, Some(6), "base32")
    );
    assert_eq!(
        activation.qr_code.unwrap().media_type.as_deref(),
        Some("image/png")
    );
    (id(&factor), Totp::from_activation(&activation).unwrap())
}

#[test]
fn totp_activate_verify_windows_and_replay() {
    let mut h = H::new();
    let user = h.user.clone();
    let (factor, totp) = enroll_totp(&mut h, TotpProvider::Okta);
    h.advance(10);
    let t = h.clock.unix_seconds();
    let bad = ActivateFactor::new(&user, &factor).body(ActivateFactorRequest::pass_code(
        totp.code_at(t + 60).expose(),
    ));
    assert_eq!(h.err_code(&bad).1, "E0000068");
    let good = ActivateFactor::new(&user, &factor)
        .body(ActivateFactorRequest::pass_code(totp.code_at(t).expose()));
    let ActivateOutcome::Activated(active) = h.call(&good).unwrap() else {
        panic!()
    };
    assert_eq!(active.status(), Some(&FactorStatus::Active));
    assert_eq!(
        h.sim.totp_code(&user, &factor).unwrap(),
        totp.code_at(t).expose()
    );

    // Well after activation: ±1 step accepted, ±2 rejected, used steps replayed.
    h.advance(600);
    let t = h.clock.unix_seconds();
    let verify = |code: &okta_factors_core::Secret| {
        VerifyFactor::new(&user, &factor).body(VerifyFactorRequest::pass_code(code.expose()))
    };
    for offset in [-60i64, 60] {
        let code = totp.code_at(t.checked_add_signed(offset).unwrap());
        assert_eq!(h.err_code(&verify(&code)).1, "E0000068", "offset {offset}");
    }
    for offset in [-30i64, 0, 30] {
        let code = totp.code_at(t.checked_add_signed(offset).unwrap());
        let outcome = h.call(&verify(&code)).unwrap();
        assert!(outcome.is_success(), "offset {offset}: {outcome:?}");
    }
    for offset in [-30i64, 0, 30] {
        let code = totp.code_at(t.checked_add_signed(offset).unwrap());
        let (status, json) = h.json(&verify(&code));
        assert_eq!(status, 200);
        assert_eq!(
            json,
            serde_json::json!({"factorResult": "PASSCODE_REPLAYED"})
        );
    }
    let missing = VerifyFactor::new(&user, &factor);
    assert_eq!(h.err_code(&missing).1, "E0000068");
}

#[test]
fn totp_google_shape_and_pending_verify() {
    let mut h = H::new();
    let user = h.user.clone();
    let (status, json) = h.json(&EnrollFactor::new(
        &user,
        FactorEnrollment::totp(TotpProvider::Google),
    ));
    assert_eq!(status, 200);
    assert_eq!(json["provider"], "GOOGLE");
    // Google: qrcode inside the activation; Okta Verify: next to it.
    assert!(json["_embedded"]["activation"]["_links"]["qrcode"].is_object());
    let factor = json["id"].as_str().unwrap().to_owned();
    let (_, okta) = h.json(&EnrollFactor::new(
        &user,
        FactorEnrollment::totp(TotpProvider::Okta),
    ));
    assert!(okta["_embedded"]["_links"]["qrcode"].is_object());
    assert_eq!(okta["profile"]["credentialId"], "alice@example.com");
    // Verifying a factor that is not active.
    let verify = VerifyFactor::new(&user, &factor).body(VerifyFactorRequest::pass_code("123456"));
    let (status, code) = h.err_code(&verify);
    assert_eq!((status.as_u16(), code.as_str()), (400, "E0000001"));
    // The pending factor shows its activation data again on GET.
    let get = h.call(&GetFactor::new(&user, &factor)).unwrap();
    assert!(get.totp_activation().is_some());
}

// ----- tokens, hardware, custom TOTP, u2f, webauthn -----

#[test]
fn token_factors() {
    let mut h = H::new();
    let user = h.user.clone();
    let rsa = enroll(
        &mut h,
        FactorEnrollment::token(FactorProvider::Rsa, "alice", "5275875498"),
    );
    assert_eq!(rsa.status(), Some(&FactorStatus::Active));
    let bad = EnrollFactor::new(&user, FactorEnrollment::symantec_vip("VSMT1", "12", "34"));
    assert_eq!(h.err_code(&bad).1, "E0000068");
    let vip = enroll(
        &mut h,
        FactorEnrollment::symantec_vip("VSMT14393584", "875498", "678195"),
    );
    assert_eq!(vip.provider(), Some(&FactorProvider::Symantec));
    let verify = VerifyFactor::new(&user, id(&rsa)).body(VerifyFactorRequest::pass_code("123456"));
    assert!(h.call(&verify).unwrap().is_success());
    assert!(matches!(
        h.call(&verify).unwrap(),
        VerifyOutcome::PasscodeReplayed(_)
    ));
    let junk = VerifyFactor::new(&user, id(&rsa)).body(VerifyFactorRequest::pass_code("abc"));
    assert_eq!(h.err_code(&junk).1, "E0000068");

    let yubikey = enroll(
        &mut h,
        FactorEnrollment::yubikey("cccccceukngdfgkukfctkcvfidnetljjiknckkcjulji"),
    );
    let UserFactor::TokenHardware(yk) = &yubikey else {
        panic!()
    };
    let serial = yk.profile.as_ref().unwrap().credential_id.clone().unwrap();
    assert_eq!(serial.len(), 12);
    assert!(serial.bytes().all(|b| b.is_ascii_digit()));
    let otp = VerifyFactor::new(&user, id(&yubikey)).body(VerifyFactorRequest::pass_code(
        "cccccceukngdfgkukfctkcvfidnetljjiknckkcjulbb",
    ));
    assert!(h.call(&otp).unwrap().is_success());

    let secret = "484f97be3213b117e3a20438e291540a";
    let hotp = enroll(
        &mut h,
        FactorEnrollment::custom_hotp("fpr20l2mDyaUGWGCa0g4", secret),
    );
    assert_eq!(hotp.status(), Some(&FactorStatus::Active));
    let (_, json) = h.json(&GetFactor::new(&user, id(&hotp)));
    assert_eq!(json["factorProfileId"], "fpr20l2mDyaUGWGCa0g4");
    assert!(!json.to_string().contains(secret));
    let key = data_encoding::HEXLOWER.decode(secret.as_bytes()).unwrap();
    let code = Totp::new(key, 30, 6)
        .unwrap()
        .code_at(h.clock.unix_seconds());
    let verify =
        VerifyFactor::new(&user, id(&hotp)).body(VerifyFactorRequest::pass_code(code.expose()));
    assert!(h.call(&verify).unwrap().is_success());
    assert!(matches!(
        h.call(&verify).unwrap(),
        VerifyOutcome::PasscodeReplayed(_)
    ));
}

#[test]
fn u2f_and_webauthn() {
    let mut h = H::new();
    let user = h.user.clone();
    let (_, u2f) = h.json(&EnrollFactor::new(&user, FactorEnrollment::u2f()));
    assert_eq!(u2f["status"], "PENDING_ACTIVATION");
    assert_eq!(u2f["_embedded"]["activation"]["version"], "U2F_V2");
    assert_eq!(u2f["_embedded"]["activation"]["timeoutSeconds"], 20);
    let u2f_id = u2f["id"].as_str().unwrap().to_owned();
    let bad = ActivateFactor::new(&user, &u2f_id).body(ActivateFactorRequest::u2f("", "client"));
    assert_eq!(h.err_code(&bad).1, "E0000068");
    let good =
        ActivateFactor::new(&user, &u2f_id).body(ActivateFactorRequest::u2f("reg", "client"));
    let ActivateOutcome::Activated(active) = h.call(&good).unwrap() else {
        panic!()
    };
    assert_eq!(active.status(), Some(&FactorStatus::Active));
    let (_, challenge) = h.json(&VerifyFactor::new(&user, &u2f_id));
    assert_eq!(challenge["factorResult"], "CHALLENGE");
    assert_eq!(challenge["_embedded"]["challenge"]["timeoutSeconds"], 20);
    assert_eq!(challenge["profile"]["version"], "U2F_V2");
    let mut signed = VerifyFactorRequest::default();
    signed.client_data = Some("client".into());
    signed.signature_data = Some("sig".into());
    let verify = VerifyFactor::new(&user, &u2f_id).body(signed.clone());
    assert!(h.call(&verify).unwrap().is_success());

    let (_, webauthn) = h.json(&EnrollFactor::new(&user, FactorEnrollment::webauthn()));
    let activation = &webauthn["_embedded"]["activation"];
    assert_eq!(activation["attestation"], "direct");
    assert_eq!(activation["excludeCredentials"], serde_json::json!([]));
    assert_eq!(activation["pubKeyCredParams"][1]["alg"], -257);
    assert_eq!(activation["user"]["id"], user.as_str());
    let wa_id = webauthn["id"].as_str().unwrap().to_owned();
    let activate =
        ActivateFactor::new(&user, &wa_id).body(ActivateFactorRequest::webauthn("att", "client"));
    assert!(matches!(
        h.call(&activate).unwrap(),
        ActivateOutcome::Activated(_)
    ));
    let (_, challenge) = h.json(&VerifyFactor::new(&user, &wa_id));
    assert_eq!(
        challenge["_embedded"]["challenge"]["extensions"],
        serde_json::json!({})
    );
    assert_eq!(
        challenge["profile"]["authenticatorName"],
        "Simulated Authenticator"
    );
    let incomplete = VerifyFactor::new(&user, &wa_id).body(signed.clone());
    assert_eq!(h.err_code(&incomplete).1, "E0000068");
    signed.authenticator_data = Some("auth".into());
    let complete = VerifyFactor::new(&user, &wa_id).body(signed);
    assert!(h.call(&complete).unwrap().is_success());
}

#[test]
fn sans_io_links_follow_the_request_origin() {
    let clock = ManualClock::default();
    let mut sim = Simulator::with_clock(SimulatorConfig::default(), clock);
    let user = sim.create_user("bob");
    assert_eq!(sim.users()[0].email, "bob@example.com");
    let request = http::Request::builder()
        .uri(format!("/api/v1/users/{user}/factors"))
        .method("POST")
        .header("host", "127.0.0.1:4321")
        .header("authorization", "SSWS sim-token")
        .body(br#"{"factorType":"push","provider":"OKTA"}"#.to_vec())
        .unwrap();
    let response = sim.handle(request);
    let json = body(&response);
    assert!(json["_links"]["self"]["href"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:4321/api/v1/users/"));
    let configured = SimulatorConfig::default().base_url("https://org.example/");
    let mut sim = Simulator::with_clock(configured, ManualClock::default());
    let user = sim.create_user("carol@example.com");
    let request = http::Request::builder()
        .uri(format!("http://elsewhere/api/v1/users/{user}/factors"))
        .method("POST")
        .header("authorization", "SSWS sim-token")
        .body(
            br#"{"factorType":"question","profile":{"question":"first_award","answer":"chess"}}"#
                .to_vec(),
        )
        .unwrap();
    let json = body(&sim.handle(request));
    assert_eq!(json["provider"], "OKTA");
    assert_eq!(
        json["_links"]["user"]["href"],
        format!("https://org.example/api/v1/users/{user}")
    );
}
