//! A brought transport gets everything: `StdNet`, a transport written by hand
//! over `std::net` with only the facade's traits (`tests/support/std_net.rs`,
//! no ureq, no hyper), given to `BlockingClient::with_transport`, runs the
//! whole client against the simulator: the ten methods, a rate-limit `429`
//! retried, a number-matching `verify_push` (the test plays the phone) and
//! `wait_for_push_activation`; with an API token, and with a service app's
//! OAuth tokens with and without DPoP (feature `oauth`). The behaviour suite
//! (`tests/behaviour/`) runs every behaviour test over it too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/std_net.rs"]
mod std_net;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use okta_factors::model::{
    ActivateOutcome, FactorEnrollment, FactorStatus, UserFactor, VerifyOutcome,
};
use okta_factors::operations::{
    ActivateFactorRequest, ListFactors, VerifyFactor, VerifyFactorRequest,
};
use okta_factors::policy::{PollPolicy, RetryPolicy, MIN_POLL_INTERVAL};
use okta_factors::{BlockingClient, ClientConfig, Credentials, OrgUrl};
use okta_factors_sim::{Fault, SimServer, SimulatorConfig};
use std_net::StdNet;

#[test]
fn a_hand_written_transport_gets_the_whole_client() {
    whole_client(|_| Credentials::api_token("test-token").unwrap());
}

/// The same with a service app's tokens, DPoP on (the app requires it) and off.
#[cfg(feature = "oauth")]
#[test]
fn a_hand_written_transport_gets_the_whole_client_with_a_service_app() {
    use okta_factors::oauth::{Dpop, PrivateKey, ServiceApp, Signer};
    for dpop in [true, false] {
        let id = if dpop { "0oadpop" } else { "0oabearer" };
        whole_client(|sim| {
            let key = PrivateKey::generate_es256().unwrap();
            sim.register_service_app(
                okta_factors_sim::ServiceApp::new(id)
                    .jwk(key.public_jwk().to_json())
                    .require_dpop(dpop),
            )
            .unwrap();
            let mode = if dpop { Dpop::On } else { Dpop::Off };
            Credentials::service_app(ServiceApp::new(id, key).dpop(mode)).unwrap()
        });
    }
}

/// Runs the whole client over `StdNet` with the credentials `credentials`
/// makes for the simulator.
fn whole_client(credentials: impl Fn(&okta_factors_sim::SharedSimulator) -> Credentials) {
    let server = SimServer::start_new(
        SimulatorConfig::new("test-token").resend_intervals(Duration::ZERO, Duration::ZERO),
    )
    .unwrap();
    let sim = server.simulator().clone();
    let user = sim.create_user("alice@example.com");

    // The whole "integration": a config and the transport.
    let mut config = ClientConfig::new(OrgUrl::parse(server.url()).unwrap(), credentials(&sim));
    config.retry = RetryPolicy::default().max_delay(Duration::from_millis(50));
    config.poll = PollPolicy::default().interval(MIN_POLL_INTERVAL);
    let client = BlockingClient::with_transport(StdNet::default(), config);

    // Discovery.
    assert!(!client.list_supported_factors(&user).unwrap().is_empty());
    assert!(!client
        .list_supported_security_questions(&user)
        .unwrap()
        .is_empty());

    // SMS: enroll, resend, activate with the code the phone received, verify.
    let sms = client
        .enroll_factor(&user, FactorEnrollment::sms("+15554151337"))
        .unwrap();
    assert_eq!(sms.status(), Some(&FactorStatus::PendingActivation));
    let sms_id = sms.id().unwrap().to_owned();
    let resent = client
        .resend_enroll_factor(&user, &sms_id, FactorEnrollment::sms("+15554151337"))
        .unwrap();
    assert_eq!(resent.id(), Some(sms_id.as_str()));
    assert_eq!(sim.outbox(&user).len(), 2, "enrollment and resend");
    let code = sim.last_code(&user, &sms_id).unwrap();
    let activated = client
        .activate_factor(&user, &sms_id, Some(ActivateFactorRequest::pass_code(code)))
        .unwrap();
    assert!(
        matches!(&activated, ActivateOutcome::Activated(f) if f.status() == Some(&FactorStatus::Active)),
        "{activated:?}"
    );
    let challenge = client.verify_factor(&user, &sms_id, None).unwrap();
    assert!(
        matches!(challenge, VerifyOutcome::Challenge(_)),
        "{challenge:?}"
    );
    let code = sim.last_code(&user, &sms_id).unwrap();
    let verified = client
        .verify_factor(&user, &sms_id, Some(VerifyFactorRequest::pass_code(code)))
        .unwrap();
    assert!(verified.is_success(), "{verified:?}");
    assert!(matches!(
        client.get_factor(&user, &sms_id).unwrap(),
        UserFactor::Sms(_)
    ));

    // Rate limited twice: retried (a third 429 would be the error).
    sim.inject(Fault::RateLimitStorm { count: 2 });
    let listed = client.execute(&ListFactors::new(&user)).unwrap();
    assert_eq!(listed.value.len(), 1);
    assert!(listed.meta.rate_limit.remaining.unwrap() > 0);

    // Push: the device scans the QR code while the client waits for it.
    let push = client
        .enroll_factor(&user, FactorEnrollment::push())
        .unwrap();
    let push_id = push.id().unwrap().to_owned();
    let device = {
        let (sim, push_id) = (sim.clone(), push_id.clone());
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(300));
            sim.activate_push_device(&push_id).unwrap();
        })
    };
    let activation = client.wait_for_push_activation(&user, &push_id).unwrap();
    device.join().unwrap();
    assert!(
        matches!(&activation, ActivateOutcome::Activated(f) if f.status() == Some(&FactorStatus::Active)),
        "{activation:?}"
    );

    // Number matching: the user picks on the phone the number the client showed.
    let (shown, picked) = mpsc::channel();
    let phone = {
        let (sim, user) = (sim.clone(), user.clone());
        thread::spawn(move || {
            let number: u32 = picked.recv_timeout(Duration::from_secs(10)).unwrap();
            let push = sim.pending_pushes(&user).pop().unwrap();
            assert_eq!(push.correct_answer, Some(number));
            sim.answer_push(&push.transaction_id, number).unwrap();
        })
    };
    let verify = VerifyFactor::new(&user, &push_id).body(VerifyFactorRequest::number_matching());
    let outcome = client
        .verify_push(&verify, move |number| shown.send(number).unwrap())
        .unwrap();
    phone.join().unwrap();
    assert!(outcome.is_success(), "{outcome:?}");

    // A push sent without waiting, its transaction read, then rejected.
    let sent = client.execute(&verify).unwrap().value;
    let tx = sent.as_waiting().unwrap().transaction_id().unwrap();
    let status = client
        .get_factor_transaction_status(&user, &push_id, &tx)
        .unwrap();
    assert!(matches!(status, VerifyOutcome::Waiting(_)), "{status:?}");
    sim.reject_push(&tx).unwrap();
    let status = client
        .get_factor_transaction_status(&user, &push_id, &tx)
        .unwrap();
    assert!(matches!(status, VerifyOutcome::Rejected(_)), "{status:?}");

    // Unenroll.
    client.unenroll_factor(&user, &sms_id).unwrap();
    let left = client.list_factors(&user).unwrap();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].id(), Some(push_id.as_str()));
    server.stop();
}
