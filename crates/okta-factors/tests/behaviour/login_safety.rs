//! Safe in login paths: the policies' behaviour as a user of any client sees
//! it, against the simulator on 127.0.0.1 (this was `tests/login_safety.rs`
//! of the workspace root, over ureq and hyper; now over every transport).
//!
//! Each test is a regression test of issue #10 (the point is named on it):
//! * a business throttle (`E0000109`/`E0000118`) comes back at once with its
//!   wait, and no second SMS or email is sent (point 1);
//! * one server error while polling does not end a push (point 2);
//! * a push nobody answers is `Ok(VerifyOutcome::Timeout)`, whoever decided
//!   it expired (point 3);
//! * the poll interval has a floor (point 4);
//! * a poll link naming another origin is polled on the org, and the other
//!   origin receives nothing (point 5);
//! * a push activation that timed out has ended, and the activation wait
//!   helper returns the activated factor (point 6).
//!
//! The clients poll every second (the floor) rather than every 4 s (the
//! default), to keep the suite short; point 4 sets its own policy.

use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use okta_factors::model::{ActivateOutcome, FactorEnrollment, FactorStatus, VerifyOutcome};
use okta_factors::operations::{EnrollFactor, ListFactors, ResendEnrollFactor, VerifyFactor};
use okta_factors::policy::{PollPolicy, MIN_POLL_INTERVAL};
use okta_factors_sim::{Channel, Fault, ManualClock, SharedSimulator, SimulatorConfig};

use crate::harness::{builder, Subject, TOKEN};

const PHONE: &str = "+15554151337";
const EMAIL: &str = "user@example.com";

use crate::common::sim_server as server;

/// Enrolls a push factor and activates it (the device scans the QR code).
fn active_push(client: &Subject, sim: &SharedSimulator, user: &str) -> String {
    let factor = client
        .execute(&EnrollFactor::new(user, FactorEnrollment::push()))
        .unwrap()
        .value;
    let id = factor.id().unwrap().to_owned();
    sim.activate_push_device(&id).unwrap();
    let activated = client.wait_for_push_activation(user, &id).unwrap();
    assert!(
        matches!(&activated, ActivateOutcome::Activated(f) if f.status() == Some(&FactorStatus::Active)),
        "{activated:?}"
    );
    id
}

/// Runs `f` while a "phone" thread waits for the pending push of `user`, runs
/// `before_answer` and then approves it (or never answers when `approve` is false).
fn with_phone<T>(
    sim: &SharedSimulator,
    user: &str,
    approve: bool,
    before_answer: impl FnOnce(&SharedSimulator) + Send + 'static,
    f: impl FnOnce() -> T,
) -> T {
    let phone = {
        let (sim, user) = (sim.clone(), user.to_owned());
        thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(10);
            let push = loop {
                if let Some(push) = sim.pending_pushes(&user).into_iter().next() {
                    break push;
                }
                assert!(Instant::now() < deadline, "no push arrived");
                thread::sleep(Duration::from_millis(20));
            };
            before_answer(&sim);
            if approve {
                sim.approve_push(&push.transaction_id).unwrap();
            }
        })
    };
    let result = f();
    phone.join().unwrap();
    result
}

// ---------------------------------------------------------------------------
// Point 1: business throttles are not rate limits.

behaviour_test!(
    fn a_business_throttle_is_returned_at_once_and_nothing_is_resent(transport) {
        // The org's clock is held still, so the rate-limit window is exactly
        // as old as the test says: 20 s. A client that took the throttle for
        // a rate limit would wait until the window's reset (~41 s) and send
        // the SMS again.
        let clock = ManualClock::new(SystemTime::now());
        let server = server(SimulatorConfig::new(TOKEN), Some(clock.clone()));
        let sim = server.simulator().clone();
        let user = sim.create_user(EMAIL);
        let client = transport.client(server.url());

        for (enrollment, channel) in [
            (FactorEnrollment::sms(PHONE), Channel::Sms),
            (FactorEnrollment::email(EMAIL), Channel::Email),
        ] {
            let factor = client
                .execute(&EnrollFactor::new(&user, enrollment.clone()))
                .unwrap()
                .value;
            let id = factor.id().unwrap().to_owned();
            clock.advance(Duration::from_secs(if channel == Channel::Sms { 20 } else { 2 }));
            let sent = |c| sim.outbox(&user).iter().filter(|m| m.channel == c).count();
            assert_eq!(sent(channel), 1);

            let started = Instant::now();
            let err = client
                .execute(&ResendEnrollFactor::new(&user, &id, enrollment))
                .unwrap_err();
            let took = started.elapsed();

            let (code, wait) = match channel {
                Channel::Sms => ("E0000109", Duration::from_secs(30)),
                _ => ("E0000118", Duration::from_secs(5)),
            };
            assert_eq!(err.error_code(), Some(code), "{err}");
            assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
            assert!(took < Duration::from_secs(3), "waited {took:?} on a throttle");
            // The wait Okta asked for, read from its summary ("Please wait N seconds").
            assert_eq!(err.api().unwrap().retry_after(), Some(wait), "{err}");
            assert_eq!(err.retry_after(), Some(wait));
            assert!(!err.is_timeout());
            assert_eq!(sent(channel), 1, "the {channel:?} was sent again");
        }
        server.stop();
    }
);

// ---------------------------------------------------------------------------
// Point 2: polling survives a transient failure.

behaviour_test!(
    fn one_server_error_while_polling_does_not_end_the_push(transport) {
        let server = server(SimulatorConfig::new(TOKEN), None);
        let sim = server.simulator().clone();
        let user = sim.create_user("poll-500@example.com");
        let client = transport.client(server.url());
        let factor = active_push(&client, &sim, &user);

        let outcome = with_phone(
            &sim,
            &user,
            true,
            |sim| {
                // The next request (a poll: nothing else is sent) answers 500;
                // the push is approved only after that poll (at 1 s) has been made.
                sim.inject(Fault::ServerError { count: 1 });
                thread::sleep(MIN_POLL_INTERVAL * 3 / 2);
            },
            || client.verify_push(&VerifyFactor::new(&user, &factor), |_| {}),
        );
        let outcome = outcome.unwrap();
        assert!(outcome.is_success(), "{outcome:?}");
        server.stop();
    }
);

// ---------------------------------------------------------------------------
// Point 3: nobody answered → Ok(Timeout), in every case.

behaviour_test!(
    fn a_push_that_expires_is_a_timeout_outcome(transport) {
        // (a) Okta's expiresAt: the org expires pushes after 2 s.
        let mut config = SimulatorConfig::new(TOKEN);
        config.push_expiry = Duration::from_secs(2);
        let server_a = server(config, None);
        // (b) the poll policy's max_wait, shorter than Okta's expiry.
        let server_b = server(SimulatorConfig::new(TOKEN), None);
        // (c) Okta's own TIMEOUT result: the org's clock jumps past the
        // expiry while the client still has time.
        let clock = ManualClock::new(SystemTime::now());
        let server_c = server(SimulatorConfig::new(TOKEN), Some(clock.clone()));

        // The three cases run at once.
        thread::scope(|scope| {
            for (case, server, max_wait) in [
                ("expiresAt", &server_a, Duration::from_secs(60)),
                ("max_wait", &server_b, Duration::from_millis(1500)),
                ("Okta's TIMEOUT", &server_c, Duration::from_secs(60)),
            ] {
                let clock = clock.clone();
                scope.spawn(move || {
                    let sim = server.simulator().clone();
                    let user = sim.create_user("nobody@example.com");
                    let client = transport.build(
                        builder(server.url())
                            .poll_policy(PollPolicy::default().interval(MIN_POLL_INTERVAL).max_wait(max_wait)),
                    );
                    let factor = active_push(&client, &sim, &user);
                    let jump = case == "Okta's TIMEOUT";
                    let started = Instant::now();
                    let outcome = with_phone(
                        &sim,
                        &user,
                        false,
                        move |_| {
                            if jump {
                                clock.advance(Duration::from_secs(600));
                            }
                        },
                        || client.verify_push(&VerifyFactor::new(&user, &factor), |_| {}),
                    );
                    let took = started.elapsed();
                    match outcome {
                        Ok(VerifyOutcome::Timeout(response)) => {
                            assert_eq!(response.factor_result.unwrap().as_str(), "TIMEOUT")
                        }
                        other => panic!("{case}: expected Ok(Timeout), got {other:?}"),
                    }
                    assert!(took < Duration::from_secs(10), "{case}: took {took:?}");
                });
            }
        });
        for server in [server_a, server_b, server_c] {
            server.stop();
        }
    }
);

// ---------------------------------------------------------------------------
// Point 4: a floor on the poll interval.

behaviour_test!(
    fn the_poll_interval_has_a_floor(transport) {
        assert_eq!(MIN_POLL_INTERVAL, Duration::from_secs(1));
        let policy = PollPolicy::default().interval(Duration::ZERO);
        assert_eq!(policy.interval, MIN_POLL_INTERVAL);

        // The machine clamps too (the field is public): an unanswered push
        // with a zero interval and a 2.5 s max_wait is polled about twice, not
        // hundreds of times. The org counts requests per token in its
        // rate-limit window; its clock is held still, so the window never
        // resets during the test.
        let clock = ManualClock::new(SystemTime::now());
        let server = server(SimulatorConfig::new(TOKEN), Some(clock));
        let sim = server.simulator().clone();
        let user = sim.create_user("floor@example.com");
        let mut zero = PollPolicy::default().max_wait(Duration::from_millis(2500));
        zero.interval = Duration::ZERO;
        let client = transport.build(builder(server.url()).poll_policy(zero));
        assert_eq!(client.config().poll.interval, Duration::ZERO);
        let factor = active_push(&client, &sim, &user);
        let before = remaining(&client, &user);
        let outcome = client
            .verify_push(&VerifyFactor::new(&user, &factor), |_| {})
            .unwrap();
        assert!(matches!(outcome, VerifyOutcome::Timeout(_)), "{outcome:?}");
        let after = remaining(&client, &user);
        // Each `remaining` is one request of its own; the rest is verify + polls.
        let sent = before - after - 1;
        assert!(
            (2..=5).contains(&sent),
            "{sent} requests (verify + polls) in 2.5 s with a zero interval"
        );
        server.stop();
    }
);

/// `X-Rate-Limit-Remaining` after one list request.
fn remaining(client: &Subject, user: &str) -> i64 {
    let response = client.execute(&ListFactors::new(user)).unwrap();
    i64::try_from(response.meta.rate_limit.remaining.unwrap()).unwrap()
}

// ---------------------------------------------------------------------------
// Point 5: a poll link on another origin (an org reached through a custom
// domain whose links name the okta.com host).

behaviour_test!(
    fn a_poll_link_on_another_origin_is_polled_on_the_org(transport) {
        // The "other origin" is a loopback listener that counts connections:
        // it must receive none (so no credential ever reaches it).
        let foreign = TcpListener::bind("127.0.0.1:0").unwrap();
        let foreign_url = format!("http://{}", foreign.local_addr().unwrap());
        foreign.set_nonblocking(true).unwrap();
        let server = server(SimulatorConfig::new(TOKEN).base_url(&foreign_url), None);
        let sim = server.simulator().clone();
        let user = sim.create_user("custom-domain@example.com");
        let client = transport.client(server.url());
        let factor = active_push(&client, &sim, &user);

        let outcome = with_phone(
            &sim,
            &user,
            true,
            |_| {},
            || client.verify_push(&VerifyFactor::new(&user, &factor), |_| {}),
        );
        let outcome = outcome.unwrap();
        assert!(outcome.is_success(), "{outcome:?}");
        // The org's links do name the other origin (a WAITING verify, sent
        // without polling, shows its poll link)…
        let waiting = client.execute(&VerifyFactor::new(&user, &factor)).unwrap().value;
        let poll = waiting.as_waiting().unwrap().poll_link().unwrap().href();
        assert!(poll.starts_with(&foreign_url), "{poll}");
        // …and nothing ever connected to it.
        assert!(
            foreign.accept().is_err(),
            "a request was sent to the foreign origin"
        );
        server.stop();
    }
);

// ---------------------------------------------------------------------------
// Point 6: push activation that ended; the activation wait helper.

behaviour_test!(
    fn a_push_activation_that_timed_out_has_ended(transport) {
        let clock = ManualClock::new(SystemTime::now());
        let server = server(SimulatorConfig::new(TOKEN), Some(clock.clone()));
        let sim = server.simulator().clone();
        let user = sim.create_user("activation-timeout@example.com");
        let client = transport.client(server.url());
        let factor = client
            .execute(&EnrollFactor::new(&user, FactorEnrollment::push()))
            .unwrap()
            .value;
        let id = factor.id().unwrap().to_owned();
        // Nobody scans the QR code; the org's 10-minute activation window passes.
        clock.advance(Duration::from_secs(11 * 60));
        let started = Instant::now();
        let outcome = client.wait_for_push_activation(&user, &id).unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        match outcome {
            ActivateOutcome::Ended(VerifyOutcome::Timeout(response)) => {
                assert_eq!(response.factor_result.unwrap().as_str(), "TIMEOUT")
            }
            other => panic!("expected Ended(Timeout), got {other:?}"),
        }
        server.stop();
    }
);

behaviour_test!(
    fn the_activation_wait_returns_the_activated_factor(transport) {
        let server = server(SimulatorConfig::new(TOKEN), None);
        let sim = server.simulator().clone();
        let user = sim.create_user("activation-wait@example.com");
        let client = transport.client(server.url());
        let factor = client
            .execute(&EnrollFactor::new(&user, FactorEnrollment::push()))
            .unwrap()
            .value;
        let id = factor.id().unwrap().to_owned();
        let device = {
            let (sim, id) = (sim.clone(), id.clone());
            thread::spawn(move || {
                // The user takes a while to scan the QR code (the first
                // poll, at once, finds the activation waiting).
                thread::sleep(Duration::from_millis(500));
                sim.activate_push_device(&id).unwrap();
            })
        };
        let outcome = client.wait_for_push_activation(&user, &id).unwrap();
        device.join().unwrap();
        match outcome {
            ActivateOutcome::Activated(factor) => {
                assert_eq!(factor.status(), Some(&FactorStatus::Active));
                assert_eq!(factor.id(), Some(id.as_str()));
            }
            other => panic!("expected Activated, got {other:?}"),
        }
        server.stop();
    }
);
