//! Push (and Duo) enrollment, activation, verification and transactions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{body, H};
use http::{Method, StatusCode};
use okta_factors_core::model::{
    ActivateOutcome, FactorEnrollment, FactorProvider, FactorResult, FactorStatus, FactorType,
    TotpProvider, UserFactor, VerifyOutcome,
};
use okta_factors_core::operations::{
    ActivateFactor, EnrollFactor, GetFactorTransactionStatus, ListFactors, UnenrollFactor,
    VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::policy::{Action, Machine, PushPoll, WaitReason};
use okta_factors_core::{Operation, ResponseMeta};
use okta_factors_sim::{Channel, ControlError};

/// Enrolls push and activates it through the simulated device.
fn active_push(h: &mut H) -> String {
    let user = h.user.clone();
    let factor = h
        .call(&EnrollFactor::new(&user, FactorEnrollment::push()))
        .unwrap();
    let id = factor.id().unwrap().to_owned();
    h.sim.activate_push_device(&id).unwrap();
    id
}

fn poll(h: &mut H, factor: &str, tx: &str) -> VerifyOutcome {
    let user = h.user.clone();
    h.call(&GetFactorTransactionStatus::new(user, factor, tx))
        .unwrap()
}

#[test]
fn push_enrollment_waits_for_the_device() {
    let mut h = H::new();
    let user = h.user.clone();
    let (status, json) = h.json(&EnrollFactor::new(&user, FactorEnrollment::push()));
    assert_eq!(status, 200);
    assert_eq!(json["status"], "PENDING_ACTIVATION");
    assert!(json.get("profile").is_none());
    let factor = json["id"].as_str().unwrap().to_owned();
    assert!(factor.starts_with("opf"));
    assert!(json["_links"]["poll"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/lifecycle/activate/poll"));
    assert_eq!(json["_links"]["poll"]["hints"]["allow"][0], "POST");
    let activation = &json["_embedded"]["activation"];
    assert_eq!(activation["factorResult"], "WAITING");
    assert_eq!(activation["expiresAt"], "2024-01-01T00:10:00.000Z");
    let send = activation["_links"]["send"].as_array().unwrap();
    assert_eq!(
        (send[0]["name"].as_str(), send[1]["name"].as_str()),
        (Some("email"), Some("sms"))
    );
    assert_eq!(activation["_links"]["qrcode"]["type"], "image/png");

    // Activate (no body): still waiting, with poll/qrcode/send links.
    let activate = ActivateFactor::new(&user, &factor);
    let (status, json) = h.json(&activate);
    assert_eq!(status, 200);
    assert_eq!(json["factorResult"], "WAITING");
    assert!(json.get("factorType").is_none());
    assert!(json["_links"]["send"].is_array());
    assert!(json["_links"]["qrcode"].is_object());
    let ActivateOutcome::Waiting(waiting) = h.call(&activate).unwrap() else {
        panic!()
    };
    assert!(waiting.poll_link().is_some());
    // Following the poll link (POST) works too.
    let poll_href = waiting.poll_link().unwrap().href().to_owned();
    let path = poll_href.strip_prefix(common::ORG).unwrap().to_owned();
    assert_eq!(
        body(&h.raw(Method::POST, &path, None))["factorResult"],
        "WAITING"
    );

    // The activation link can be sent by email.
    let r = h.raw(
        Method::POST,
        &format!("/api/v1/users/{user}/factors/{factor}/lifecycle/activate/email"),
        None,
    );
    assert_eq!(r.status(), 200);
    let sent = h.sim.outbox(&user);
    assert_eq!(
        (sent[0].channel, sent[0].to.as_str()),
        (Channel::Email, "alice@example.com")
    );

    // The phone scans the QR code.
    h.sim.activate_push_device(&factor).unwrap();
    assert_eq!(
        h.sim.activate_push_device(&factor),
        Err(ControlError::InvalidState("the factor is already active"))
    );
    let ActivateOutcome::Activated(active) = h.call(&activate).unwrap() else {
        panic!()
    };
    assert_eq!(active.status(), Some(&FactorStatus::Active));
    assert!(active.links().verify().is_some());
    let UserFactor::Push(push) = active.as_ref() else {
        panic!()
    };
    let profile = push.profile.as_ref().unwrap();
    assert_eq!(profile.credential_id.as_deref(), Some("alice@example.com"));
    assert_eq!(profile.device_type.as_deref(), Some("SmartPhone_IPhone"));
    assert_eq!(profile.platform.as_deref(), Some("IOS"));
}

#[test]
fn push_activation_times_out_and_restarts() {
    let mut h = H::new();
    let user = h.user.clone();
    let factor = h
        .call(&EnrollFactor::new(&user, FactorEnrollment::push()))
        .unwrap();
    let factor = factor.id().unwrap().to_owned();
    h.advance(601);
    let poll = format!("/api/v1/users/{user}/factors/{factor}/lifecycle/activate/poll");
    assert_eq!(
        body(&h.raw(Method::POST, &poll, None))["factorResult"],
        "TIMEOUT"
    );
    assert_eq!(
        h.sim.activate_push_device(&factor),
        Err(ControlError::Expired)
    );
    // `activate` restarts an expired activation.
    let (_, json) = h.json(&ActivateFactor::new(&user, &factor));
    assert_eq!(json["factorResult"], "WAITING");
    assert_eq!(json["expiresAt"], "2024-01-01T00:20:01.000Z");
    h.sim.activate_push_device(&factor).unwrap();
}

#[test]
fn push_verify_with_number_matching() {
    let mut h = H::new();
    let user = h.user.clone();
    let factor = active_push(&mut h);
    let verify = VerifyFactor::new(&user, &factor)
        .body(VerifyFactorRequest::number_matching())
        .user_agent("Mozilla/5.0 (Macintosh)");
    let response = h.send(&verify);
    assert_eq!(response.status(), StatusCode::CREATED);
    let json = body(&response);
    assert_eq!(json["factorResult"], "WAITING");
    assert_eq!(json["expiresAt"], "2024-01-01T00:05:00.000Z");
    assert_eq!(
        json["_links"]["poll"]["href"],
        json["_links"]["cancel"]["href"]
    );
    assert_eq!(json["_links"]["poll"]["hints"]["allow"][0], "GET");
    assert_eq!(json["_links"]["cancel"]["hints"]["allow"][0], "DELETE");
    let answer = json["_embedded"]["challenge"]["correctAnswer"]
        .as_u64()
        .unwrap() as u32;
    assert!((10..=99).contains(&answer));

    let parsed = verify.parse_response(response).unwrap();
    assert_eq!(parsed.status, StatusCode::CREATED);
    let VerifyOutcome::Waiting(waiting) = parsed.value else {
        panic!()
    };
    assert_eq!(waiting.correct_answer(), Some(answer));
    let tx = waiting.transaction_id().unwrap();
    assert!(tx.starts_with("v2mst."));
    let pending = h.sim.pending_pushes(&user);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].transaction_id, tx);
    assert_eq!(pending[0].factor_id, factor);
    assert_eq!(pending[0].correct_answer, Some(answer));

    let VerifyOutcome::Waiting(still) = poll(&mut h, &factor, &tx) else {
        panic!()
    };
    assert_eq!(still.correct_answer(), Some(answer));
    assert_eq!(
        still.response.profile_str("credentialId"),
        Some("alice@example.com")
    );
    assert_eq!(h.sim.answer_push(&tx, answer), Ok(FactorResult::Success));
    assert!(poll(&mut h, &factor, &tx).is_success());
    assert_eq!(
        h.sim.approve_push(&tx),
        Err(ControlError::AlreadyCompleted(FactorResult::Success))
    );
    assert!(h.sim.pending_pushes(&user).is_empty());

    // A wrong number rejects the push.
    let VerifyOutcome::Waiting(w) = h.call(&verify).unwrap() else {
        panic!()
    };
    let tx = w.transaction_id().unwrap();
    let wrong = if w.correct_answer() == Some(10) {
        11
    } else {
        10
    };
    assert_eq!(h.sim.answer_push(&tx, wrong), Ok(FactorResult::Rejected));
    let VerifyOutcome::Rejected(rejected) = poll(&mut h, &factor, &tx) else {
        panic!()
    };
    assert!(rejected.link("verify").is_some());
    assert!(rejected.link("factor").is_some());
}

#[test]
fn push_approve_reject_timeout_cancel() {
    let mut h = H::new();
    let user = h.user.clone();
    let factor = active_push(&mut h);
    let verify = VerifyFactor::new(&user, &factor);
    let start = |h: &mut H| -> String {
        let (status, json) = h.json(&verify);
        assert_eq!(status, 201);
        assert!(json.get("_embedded").is_none());
        let href = json["_links"]["poll"]["href"].as_str().unwrap();
        href.rsplit('/').next().unwrap().to_owned()
    };

    let tx = start(&mut h);
    assert_eq!(h.sim.pending_pushes(&user)[0].correct_answer, None);
    h.sim.approve_push(&tx).unwrap();
    let (_, json) = h.json(&GetFactorTransactionStatus::new(&user, &factor, &tx));
    assert_eq!(json, serde_json::json!({"factorResult": "SUCCESS"}));

    let tx = start(&mut h);
    h.sim.reject_push(&tx).unwrap();
    assert!(matches!(
        poll(&mut h, &factor, &tx),
        VerifyOutcome::Rejected(_)
    ));

    let tx = start(&mut h);
    h.advance(299);
    assert!(matches!(
        poll(&mut h, &factor, &tx),
        VerifyOutcome::Waiting(_)
    ));
    h.advance(1);
    let VerifyOutcome::Timeout(timeout) = poll(&mut h, &factor, &tx) else {
        panic!()
    };
    assert_eq!(
        timeout.profile_str("credentialId"),
        Some("alice@example.com")
    );
    assert_eq!(h.sim.approve_push(&tx), Err(ControlError::Expired));
    assert!(h.sim.pending_pushes(&user).is_empty());

    let tx = start(&mut h);
    let cancel = format!("/api/v1/users/{user}/factors/{factor}/transactions/{tx}");
    assert_eq!(
        h.raw(Method::DELETE, &cancel, None).status(),
        StatusCode::NO_CONTENT
    );
    assert!(matches!(
        poll(&mut h, &factor, &tx),
        VerifyOutcome::Cancelled(_)
    ));

    // Unknown transactions.
    let missing = GetFactorTransactionStatus::new(&user, &factor, "v2mst.nope");
    assert_eq!(
        h.err_code(&missing),
        (StatusCode::NOT_FOUND, "E0000007".into())
    );
    assert_eq!(
        h.sim.approve_push("v2mst.nope"),
        Err(ControlError::UnknownTransaction("v2mst.nope".into()))
    );
    // The core's PushPoll, driven as a `Machine` against the simulator: after
    // one interval it polls the transaction of the poll link on the org, and
    // goes on polling until the push is answered.
    let config = okta_factors_core::ClientConfig::new(h.org.clone(), h.creds.clone());
    let VerifyOutcome::Waiting(w) = h.call(&verify).unwrap() else {
        panic!()
    };
    let tx = w.transaction_id().unwrap();
    let mut push_poll =
        PushPoll::for_verify(&verify, &w, &ResponseMeta::default(), &config).unwrap();
    let interval = config.poll.interval;
    let Action::Wait {
        delay,
        reason: WaitReason::Poll { polls: 0, .. },
    } = push_poll.next_action(Duration::ZERO)
    else {
        panic!("the first poll comes after one interval")
    };
    assert_eq!(delay, interval);
    let transaction = format!("/api/v1/users/{user}/factors/{factor}/transactions/{tx}");
    let mut now = interval;
    let Action::Send { request, .. } = push_poll.next_action(now) else {
        panic!()
    };
    assert_eq!(
        (request.method(), request.uri().path()),
        (&Method::GET, transaction.as_str())
    );
    let response = h.sim.handle(request);
    assert_eq!(response.status(), 200);
    push_poll.handle(Ok(response.map(Into::into)), now, 0);
    assert!(matches!(
        push_poll.next_action(now),
        Action::Wait {
            reason: WaitReason::Poll {
                polls: 1,
                failures: 0
            },
            ..
        }
    ));
    h.sim.approve_push(&tx).unwrap();
    now += interval;
    let Action::Send { request, .. } = push_poll.next_action(now) else {
        panic!()
    };
    assert_eq!(request.uri().path(), transaction);
    push_poll.handle(Ok(h.sim.handle(request).map(Into::into)), now, 0);
    let Action::Done(Ok(outcome)) = push_poll.next_action(now) else {
        panic!()
    };
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(push_poll.polls(), 2);
}

#[test]
fn unenrolling_push_removes_okta_verify_totp_and_transactions() {
    let mut h = H::new();
    let user = h.user.clone();
    let factor = active_push(&mut h);
    h.call(&EnrollFactor::new(
        &user,
        FactorEnrollment::totp(TotpProvider::Okta),
    ))
    .unwrap();
    h.call(&EnrollFactor::new(
        &user,
        FactorEnrollment::totp(TotpProvider::Google),
    ))
    .unwrap();
    let VerifyOutcome::Waiting(w) = h.call(&VerifyFactor::new(&user, &factor)).unwrap() else {
        panic!()
    };
    let tx = w.transaction_id().unwrap();
    assert_eq!(h.send(&UnenrollFactor::new(&user, &factor)).status(), 204);
    let left = h.call(&ListFactors::new(&user)).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].provider(), Some(&FactorProvider::Google));
    assert_eq!(
        h.sim.approve_push(&tx),
        Err(ControlError::UnknownTransaction(tx))
    );
}

#[test]
fn duo_web_factor() {
    let mut h = H::new();
    let user = h.user.clone();
    let body_json = FactorEnrollment::new(FactorType::Web, FactorProvider::Duo);
    let (status, json) = h.json(&EnrollFactor::new(&user, body_json));
    assert_eq!(status, 200);
    assert_eq!(json["status"], "PENDING_ACTIVATION");
    assert_eq!(
        json["_embedded"]["activation"]["host"],
        "api-sim.duosecurity.com"
    );
    let factor = json["id"].as_str().unwrap().to_owned();
    h.sim.activate_push_device(&factor).unwrap();
    let (status, json) = h.json(&VerifyFactor::new(&user, &factor));
    assert_eq!(status, 200);
    assert_eq!(json["factorResult"], "WAITING");
    let tx = h.sim.pending_pushes(&user)[0].transaction_id.clone();
    h.sim.approve_push(&tx).unwrap();
    assert!(poll(&mut h, &factor, &tx).is_success());
    let sms = h
        .call(&EnrollFactor::new(&user, FactorEnrollment::sms("+15551234567")).activate(true))
        .unwrap();
    assert!(matches!(
        h.sim.activate_push_device(sms.id().unwrap()),
        Err(ControlError::InvalidState(_))
    ));
}
