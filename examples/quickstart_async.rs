//! The whole factor lifecycle with the async (hyper) client: the same steps as
//! `quickstart`, on a tokio runtime.
//!
//! ```text
//! cargo run --example quickstart_async
//! cargo run --example quickstart_async -- --auth private-key-jwt
//! cargo run --example quickstart_async -- --auth private-key-jwt-bearer
//! cargo run --example quickstart_async -- --check-config
//! ```
//!
//! With no settings it starts the simulator on 127.0.0.1 and walks through
//! every operation: the catalog and security questions; a security question;
//! Okta Verify TOTP (its `otpauth://` URI, codes computed here, a replayed code);
//! SMS (OTP read from the simulator's outbox, a resend inside the throttle answered
//! at once with its wait, a challenge); push (activation waited for until the
//! device enrolls; number matching approved, approved although one poll meets a
//! server error, then rejected); a wrong passcode; listing; and unenrolling
//! everything. It exits non-zero if any step did not behave as expected.
//!
//! `--auth private-key-jwt` authenticates as an OAuth 2.0 service app instead of
//! with an API token: a key generated at start is registered with the simulator
//! (DPoP required), the app's first token exchange is shown as it goes on the wire
//! (the token request with its `private_key_jwt` client assertion, the DPoP proofs,
//! `use_dpop_nonce`, the `DPoP` token; never a token or a signature), and the
//! simulator must issue exactly one token for the whole run. `--auth
//! private-key-jwt-bearer` does the same without DPoP (`Bearer` tokens).
//!
//! When the Okta settings name an org (`okta.client.orgUrl` in
//! `~/.okta/okta.yaml`, `./.okta.yaml` or `./okta.yaml`, or
//! `OKTA_CLIENT_ORGURL`; `okta_factors::Settings`), it runs the read-only
//! steps against that org instead, with the settings' credentials, for the
//! user `OKTA_USER_ID`; `--auth` must then fit their `authorizationMode`.
//! `--check-config` prints what the settings say and where each value came
//! from (secrets never), and exits.

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use examples_support::{
    activation, check_config, expect_invalid_passcode, expect_throttle, otpauth_for_transcript,
    result, status, Args, Target, Transcript,
};
use okta_factors::codes;
use okta_factors::hyper::Client;
use okta_factors::model::{
    ActivateOutcome, FactorEnrollment, FactorStatus, TotpProvider, UserFactor, VerifyOutcome,
};
use okta_factors::operations::{ActivateFactorRequest, VerifyFactor, VerifyFactorRequest};
use okta_factors::policy::MIN_POLL_INTERVAL;
use okta_factors::totp::Totp;
use okta_factors_sim::{Fault, SharedSimulator};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> ExitCode {
    let args = match Args::from_command_line() {
        Ok(args) => args,
        Err(exit) => return exit,
    };
    if args.check_config {
        return check_config();
    }
    let mut t = Transcript::default();
    match run(&mut t, args).await {
        Ok(()) => t.finish(),
        Err(e) => {
            println!("\nstopped: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(t: &mut Transcript, args: Args) -> Result {
    let target = Target::from_settings(args)?;
    let client = target.builder::<Client>()?.build()?;
    match &target {
        Target::RealOrg { user_id, who, .. } => {
            println!("Read-only steps against {} ({who})", client.config().org);
            discover(&client, t, user_id).await?;
            list(&client, t, user_id).await?;
        }
        Target::Simulator {
            server, user_id, ..
        } => {
            println!(
                "Simulator at {} (user {user_id}; {})",
                server.url(),
                args.auth().describe()
            );
            let sim = server.simulator();
            // A service app: its first token, shown as it goes on the wire.
            target.show_token_exchange(t, client.config())?;
            discover(&client, t, user_id).await?;
            question(&client, t, user_id).await?;
            totp(&client, t, user_id).await?;
            sms(&client, t, sim, user_id).await?;
            push(&client, t, sim, user_id).await?;
            list(&client, t, user_id).await?;
            unenroll_all(&client, t, user_id).await?;
            // A service app: one token served the whole run.
            target.check_tokens(t);
        }
    }
    Ok(())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn discover(client: &Client, t: &mut Transcript, user: &str) -> Result {
    t.section("What can this user enroll?");
    t.send(format!("GET /api/v1/users/{user}/factors/catalog"));
    let catalog = client.list_supported_factors(user).await?;
    for entry in &catalog {
        // One Result per entry: an entry this version cannot decode is kept as sent.
        let entry = match entry {
            Ok(entry) => entry,
            Err(odd) => {
                t.got(format!("(an entry this version cannot read: {odd})"));
                continue;
            }
        };
        let kind = entry.factor_type.as_ref().map_or("?", |f| f.as_str());
        let provider = entry.provider.as_ref().map_or("?", |p| p.as_str());
        let required = entry.enrollment.as_ref().map_or("", |e| e.as_str());
        t.got(format!("{kind:<20} {provider:<8} {required}"));
    }
    t.check(!catalog.is_empty(), "the catalog is not empty");
    t.send(format!("GET /api/v1/users/{user}/factors/questions"));
    let questions = client.list_supported_security_questions(user).await?;
    t.got(format!(
        "{} security questions, e.g. {:?}",
        questions.len(),
        questions
            .first()
            .and_then(|q| q.as_ref().ok()?.question_text.as_deref())
    ));
    t.check(!questions.is_empty(), "there are security questions");
    Ok(())
}

async fn question(client: &Client, t: &mut Transcript, user: &str) -> Result {
    t.section("Security question");
    t.send("POST …/factors {question: disliked_food, answer: ***}");
    let factor = client
        .enroll_factor(
            user,
            FactorEnrollment::question("disliked_food", "mayonnaise"),
        )
        .await?;
    t.got(format!("{} {}", factor.factor_type(), status(&factor)));
    t.check(
        factor.status() == Some(&FactorStatus::Active),
        "a question is ACTIVE at once",
    );
    let id = factor.id().unwrap_or_default().to_owned();

    t.send("POST …/verify {answer: ***}");
    let outcome = client
        .verify_factor(user, &id, Some(VerifyFactorRequest::answer("mayonnaise")))
        .await?;
    t.got(result(&outcome));
    t.check(outcome.is_success(), "the right answer verifies");

    t.send("POST …/verify {answer: *** (wrong)}");
    let wrong = client
        .verify_factor(user, &id, Some(VerifyFactorRequest::answer("ketchup")))
        .await;
    expect_invalid_passcode(t, wrong);
    Ok(())
}

async fn totp(client: &Client, t: &mut Transcript, user: &str) -> Result {
    t.section("Okta Verify TOTP");
    t.send("POST …/factors {factorType: token:software:totp, provider: OKTA}");
    let factor = client
        .enroll_factor(user, FactorEnrollment::totp(TotpProvider::Okta))
        .await?;
    let step = factor.totp_activation().map_or(0, |a| a.time_step);
    t.got(format!(
        "{}, activation: shared secret, {step}-second steps",
        status(&factor)
    ));
    let activation = factor
        .totp_activation()
        .ok_or("the enrollment has no TOTP activation data")?;
    let uri = activation.otpauth_uri("Example Co", user)?;
    t.note(format!(
        "for an authenticator app (QR code or link): {}",
        otpauth_for_transcript(uri.expose())
    ));
    t.check(
        uri.expose().starts_with("otpauth://totp/Example%20Co:"),
        "the enrollment gives an otpauth:// Key URI",
    );
    let totp = Totp::from_activation(&activation)?;
    let id = factor.id().unwrap_or_default().to_owned();

    let code = totp.code_at(now());
    t.send("POST …/lifecycle/activate {passCode: <code computed from the shared secret>}");
    let activated = client
        .activate_factor(
            user,
            &id,
            Some(ActivateFactorRequest::pass_code(code.expose())),
        )
        .await?;
    let active = matches!(&activated, ActivateOutcome::Activated(f) if f.status() == Some(&FactorStatus::Active));
    t.got(if active { "ACTIVE" } else { "not active" });
    t.check(active, "the computed code activates the factor");

    // The next time step's code is accepted (±1 step) and not used yet.
    let code = totp.code_at(now() + totp.step());
    t.send("POST …/verify {passCode: <next code>}");
    let outcome = client
        .verify_factor(
            user,
            &id,
            Some(VerifyFactorRequest::pass_code(code.expose())),
        )
        .await?;
    t.got(result(&outcome));
    t.check(outcome.is_success(), "a fresh code verifies");

    t.send("POST …/verify {passCode: <the same code again>}");
    let replay = client
        .verify_factor(
            user,
            &id,
            Some(VerifyFactorRequest::pass_code(code.expose())),
        )
        .await?;
    t.got(result(&replay));
    t.check(
        matches!(replay, VerifyOutcome::PasscodeReplayed(_)),
        "a replayed code is PASSCODE_REPLAYED",
    );

    t.send("POST …/verify {passCode: 000000}");
    let wrong = client
        .verify_factor(user, &id, Some(VerifyFactorRequest::pass_code("000000")))
        .await;
    expect_invalid_passcode(t, wrong);
    Ok(())
}

async fn sms(client: &Client, t: &mut Transcript, sim: &SharedSimulator, user: &str) -> Result {
    t.section("SMS");
    let phone = "+15555550123";
    t.send(format!(
        "POST …/factors {{factorType: sms, phoneNumber: {phone}}}"
    ));
    let factor = client
        .enroll_factor(user, FactorEnrollment::sms(phone))
        .await?;
    let id = factor.id().unwrap_or_default().to_owned();
    t.got(format!(
        "{}, resend links: {}",
        status(&factor),
        factor.links().resend().len()
    ));
    t.check(
        factor.status() == Some(&FactorStatus::PendingActivation),
        "an SMS enrollment waits for activation",
    );

    t.send("POST …/resend (at once: inside the SMS throttle)");
    let started = Instant::now();
    let resent = client
        .resend_enroll_factor(user, &id, FactorEnrollment::sms(phone))
        .await;
    expect_throttle(t, resent, started.elapsed(), codes::SMS_RECENTLY_SENT);
    t.check(
        sim.outbox(user)
            .iter()
            .filter(|m| m.factor_id == id)
            .count()
            == 1,
        "the throttled resend sent no second SMS",
    );

    let code = sim.last_code(user, &id).ok_or("no SMS in the outbox")?;
    t.note("the phone received a code (simulator outbox)");
    t.send("POST …/lifecycle/activate {passCode: <code from the SMS>}");
    let activated = client
        .activate_factor(user, &id, Some(ActivateFactorRequest::pass_code(code)))
        .await?;
    let active = matches!(&activated, ActivateOutcome::Activated(f) if f.status() == Some(&FactorStatus::Active));
    t.got(if active { "ACTIVE" } else { "not active" });
    t.check(active, "the SMS code activates the factor");

    tokio::time::sleep(Duration::from_millis(2100)).await; // the (shortened) SMS throttle
    t.send("POST …/verify (no body: send a challenge)");
    let challenge = client.verify_factor(user, &id, None).await?;
    t.got(result(&challenge));
    t.check(
        matches!(challenge, VerifyOutcome::Challenge(_)),
        "a challenge was sent",
    );
    let code = sim
        .last_code(user, &id)
        .ok_or("no challenge SMS in the outbox")?;
    t.send("POST …/verify {passCode: <code from the SMS>}");
    let outcome = client
        .verify_factor(user, &id, Some(VerifyFactorRequest::pass_code(code)))
        .await?;
    t.got(result(&outcome));
    t.check(outcome.is_success(), "the challenge code verifies");
    Ok(())
}

async fn push(client: &Client, t: &mut Transcript, sim: &SharedSimulator, user: &str) -> Result {
    t.section("Okta Verify push with number matching");
    t.send("POST …/factors {factorType: push}");
    let factor = client.enroll_factor(user, FactorEnrollment::push()).await?;
    let id = factor.id().unwrap_or_default().to_owned();
    t.got(format!(
        "{}, QR code: {}",
        status(&factor),
        factor.embedded().and_then(|e| e.qr_code()).is_some()
    ));

    t.send("POST …/lifecycle/activate/poll until the device enrolls (wait_for_push_activation)");
    let device = {
        let (sim, id) = (sim.clone(), id.clone());
        thread::spawn(move || {
            // The user takes a moment to scan the QR code.
            thread::sleep(Duration::from_millis(1500));
            sim.activate_push_device(&id)
        })
    };
    let activated = client.wait_for_push_activation(user, &id).await?;
    device.join().map_err(|_| "the device thread panicked")??;
    t.note("the phone scanned the QR code");
    t.got(activation(&activated));
    match &activated {
        ActivateOutcome::Activated(f) => t.check(
            f.status() == Some(&FactorStatus::Active),
            "the push factor is active once the device enrolled",
        ),
        // TIMEOUT (nobody scanned the QR code in time) or REJECTED: enroll again.
        ActivateOutcome::Ended(_) => t.check(false, "the push activation ended unactivated"),
        _ => t.check(false, "the push activation finished"),
    }

    // Approved; approved although one poll meets a server error; rejected.
    for (approve, fault) in [(true, false), (true, true), (false, false)] {
        let verify = VerifyFactor::new(user, &id)
            .body(VerifyFactorRequest::number_matching())
            .user_agent("Mozilla/5.0 (quickstart)");
        t.send(if fault {
            "POST …/verify {useNumberMatchingChallenge: true}, then poll (one poll answers 500)"
        } else {
            "POST …/verify {useNumberMatchingChallenge: true}, then poll the transaction"
        });
        let outcome = with_device(sim, user, approve, fault, client, &verify).await?;
        t.got(result(&outcome));
        if approve {
            t.check(
                outcome.is_success(),
                if fault {
                    "one server error while polling does not end the approved push"
                } else {
                    "the approved push is SUCCESS"
                },
            );
        } else {
            t.check(
                matches!(outcome, VerifyOutcome::Rejected(_)),
                "the rejected push is REJECTED",
            );
        }
    }
    Ok(())
}

/// Runs `verify` while a "phone" thread answers the push: with the number the
/// user was shown (approve) or by rejecting it.
async fn with_device(
    sim: &SharedSimulator,
    user: &str,
    approve: bool,
    fault: bool,
    client: &Client,
    verify: &VerifyFactor,
) -> Result<VerifyOutcome> {
    let (tx, rx) = mpsc::channel::<u32>();
    let phone = {
        let (sim, user) = (sim.clone(), user.to_owned());
        thread::spawn(move || {
            let number = rx.recv_timeout(Duration::from_secs(10)).ok();
            if fault {
                // The org answers the next poll with 500; the user answers
                // after that poll was made.
                sim.inject(Fault::ServerError { count: 1 });
                println!("       · the org answers the next poll with 500 Internal Server Error");
                thread::sleep(MIN_POLL_INTERVAL * 2);
            }
            for push in sim.pending_pushes(&user) {
                let _ = match (approve, number) {
                    (true, Some(n)) => sim.answer_push(&push.transaction_id, n),
                    _ => sim.reject_push(&push.transaction_id),
                };
            }
        })
    };
    let shown = move |number: u32| {
        if approve {
            println!("       · the user is shown {number} and picks it on the phone");
        } else {
            println!("       · the user is shown {number} but rejects the push");
        }
        let _ = tx.send(number);
    };
    let outcome = client.verify_push(verify, shown).await;
    let _ = tokio::task::spawn_blocking(move || phone.join()).await;
    Ok(outcome?)
}

async fn list(client: &Client, t: &mut Transcript, user: &str) -> Result {
    t.section("The user's factors");
    t.send(format!("GET /api/v1/users/{user}/factors"));
    let factors = client.list_factors(user).await?;
    for factor in &factors {
        t.got(format!(
            "{:<22} {:<20} {}",
            factor.id().unwrap_or("?"),
            factor.factor_type().as_str(),
            status(factor)
        ));
    }
    for factor in &factors {
        let id = factor.id().unwrap_or_default();
        t.send(format!("GET …/factors/{id}"));
        let fetched = client.get_factor(user, id).await?;
        t.check(
            fetched.id() == Some(id),
            "get_factor returns the listed factor",
        );
    }
    Ok(())
}

async fn unenroll_all(client: &Client, t: &mut Transcript, user: &str) -> Result {
    t.section("Unenroll everything");
    for factor in client.list_factors(user).await? {
        let id = factor.id().unwrap_or_default();
        t.send(format!("DELETE …/factors/{id} ({})", factor.factor_type()));
        client.unenroll_factor(user, id).await?;
        t.got("204");
    }
    let left: Vec<UserFactor> = client.list_factors(user).await?;
    t.got(format!("{} factors left", left.len()));
    t.check(left.is_empty(), "no factor is left");
    Ok(())
}
