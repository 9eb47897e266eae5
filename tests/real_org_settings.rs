//! The quickstarts' real-org mode, end to end: the built example binaries run
//! against a simulator started here (standing in for a real org) with their
//! settings from `OKTA_CLIENT_*` variables, `./.okta.yaml`, `./okta.yaml` or
//! `~/.okta/okta.yaml`, each in an environment of its own (a temporary
//! `HOME` and working directory, no other variable).
//!
//! The binaries are the ones `cargo test` builds with this test, rebuilt
//! here when older than the sources (`cargo test --test real_org_settings`
//! alone does not build the examples).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use okta_factors::model::FactorEnrollment;
use okta_factors::oauth::{PrivateKey, Signer};
use okta_factors::{Credentials, OrgUrl};
use okta_factors_sim::{ServiceApp, SimServer, SimulatorConfig};

#[path = "support/examples.rs"]
mod examples;
use examples::Sandbox;

const TOKEN: &str = "sim-token";
const WRONG_TOKEN: &str = "00wrong-sEcReT-token";
const APP: &str = "0oaSettingsQuickstart";
const KID: &str = "settings-kid-1";

/// Test-only key (crates/okta-factors-core/tests/keys/ec_p256_pkcs8.pem:
/// public, never registered with anything but this simulator).
const EC_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgzh67P9Ik2mPKWQpn
FZ3nkb2lbX1ep+0vCmIKFAwpA5KhRANCAASSm6QKFL3eiCFw72oByfjJsuk32oMJ
lnYfN4XEn/EOpyy/alrHxQ2Pqq4P4QaF0p9Q4Czsa+EzEb9Jd90mc4Hx
-----END PRIVATE KEY-----
";

/// The simulator standing in for a real org: a user with two factors
/// enrolled through the API (their IDs must show up in the transcript),
/// and a service app with the test key's public JWK under [`KID`].
struct Org {
    server: SimServer,
    user_id: String,
    factor_ids: Vec<String>,
}

impl Org {
    fn start() -> Self {
        let server = SimServer::start_new(SimulatorConfig::new(TOKEN)).unwrap();
        let user_id = server.simulator().create_user("settings.user@example.com");
        let client = okta_factors::ureq::Client::new(
            OrgUrl::parse(server.url()).unwrap(),
            Credentials::api_token(TOKEN).unwrap(),
        )
        .unwrap();
        let factor_ids = [
            FactorEnrollment::question("disliked_food", "mayonnaise"),
            FactorEnrollment::sms("+15554151337"),
        ]
        .into_iter()
        .map(|enrollment| {
            let factor = client.enroll_factor(&user_id, enrollment).unwrap();
            factor.id().unwrap().to_owned()
        })
        .collect();
        let key = PrivateKey::from_pem(EC_PEM).unwrap();
        let mut jwk: serde_json::Value =
            serde_json::from_str(&Signer::public_jwk(&key).to_json()).unwrap();
        jwk["kid"] = KID.into();
        server
            .simulator()
            .register_service_app(ServiceApp::new(APP).jwk(jwk.to_string()))
            .unwrap();
        Self {
            server,
            user_id,
            factor_ids,
        }
    }

    fn url(&self) -> &str {
        self.server.url()
    }
}

struct Run {
    ok: bool,
    stdout: String,
}

/// Runs the example `name` with `args` in `sandbox` (its `HOME` and working
/// directory) with only the variables `vars`; at most 60 s.
fn run(name: &str, args: &[&str], sandbox: &Sandbox, vars: &[(&str, &str)]) -> Run {
    let mut child = Command::new(examples::example(name))
        .args(args)
        .env_clear()
        .env("HOME", sandbox.home())
        .envs(vars.iter().copied())
        .current_dir(sandbox.work())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{name} {args:?} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    let stdout =
        String::from_utf8(output.stdout).unwrap() + &String::from_utf8(output.stderr).unwrap();
    Run {
        ok: status.success(),
        stdout,
    }
}

const QUICKSTARTS: [&str; 2] = ["quickstart", "quickstart_async"];

/// The read-only steps, each factor listed and fetched, nothing else.
fn assert_read_only_steps(org: &Org, run: &Run, who: &str, source: &str) {
    let out = &run.stdout;
    assert!(run.ok, "exit code not 0:\n{out}");
    let first = out.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("Read-only steps against {} ({who}", org.url()))
            && first.contains(&format!("settings from {source}")),
        "first line: {first}\n{out}"
    );
    let user = &org.user_id;
    for step in [
        format!("GET /api/v1/users/{user}/factors/catalog"),
        format!("GET /api/v1/users/{user}/factors/questions"),
        format!("GET /api/v1/users/{user}/factors"),
    ] {
        assert!(out.contains(&step), "no step {step:?}:\n{out}");
    }
    for id in &org.factor_ids {
        assert!(out.contains(&format!("GET …/factors/{id}")), "{id}:\n{out}");
    }
    // 3 steps and one get_factor per factor; none of the lifecycle steps.
    let steps = 3 + org.factor_ids.len();
    assert!(
        out.contains(&format!("All {steps} steps behaved as expected.")),
        "{out}"
    );
    assert!(!out.contains("POST"), "a read-only run wrote:\n{out}");
}

#[test]
fn the_quickstarts_run_against_the_org_their_settings_name() {
    let org = Org::start();
    let user = org.user_id.as_str();
    let yaml = |token: &str| {
        format!(
            "okta:\n  client:\n    orgUrl: {}\n    token: {token}\n",
            org.url()
        )
    };
    for quickstart in QUICKSTARTS {
        // (1) The variables.
        let sandbox = Sandbox::new("env");
        let run1 = run(
            quickstart,
            &[],
            &sandbox,
            &[
                ("OKTA_CLIENT_ORGURL", org.url()),
                ("OKTA_CLIENT_TOKEN", TOKEN),
                ("OKTA_USER_ID", user),
            ],
        );
        assert_read_only_steps(
            &org,
            &run1,
            "API token (SSWS)",
            "OKTA_CLIENT_ORGURL, OKTA_CLIENT_TOKEN",
        );

        // (2) The same settings from each standard file.
        for place in ["./.okta.yaml", "./okta.yaml", "~/.okta/okta.yaml"] {
            let sandbox = Sandbox::new("file");
            let path = match place {
                "./.okta.yaml" => sandbox.work().join(".okta.yaml"),
                "./okta.yaml" => sandbox.work().join("okta.yaml"),
                _ => sandbox.home().join(".okta").join("okta.yaml"),
            };
            let file = sandbox.write(&path, &yaml(TOKEN));
            let run2 = run(quickstart, &[], &sandbox, &[("OKTA_USER_ID", user)]);
            assert_read_only_steps(&org, &run2, "API token (SSWS)", &file);
        }

        // Precedence: a wrong token at home, the right one in ./okta.yaml.
        let sandbox = Sandbox::new("layers");
        sandbox.write(
            &sandbox.home().join(".okta").join("okta.yaml"),
            &yaml(WRONG_TOKEN),
        );
        let local = sandbox.write(&sandbox.work().join("okta.yaml"), &yaml(TOKEN));
        let home = sandbox.home().join(".okta").join("okta.yaml");
        let run2 = run(quickstart, &[], &sandbox, &[("OKTA_USER_ID", user)]);
        assert_read_only_steps(
            &org,
            &run2,
            "API token (SSWS)",
            &format!("{}, {local}", home.display()),
        );

        // (3) A wrong token: a non-zero exit, the token never printed.
        let run3 = run(
            quickstart,
            &[],
            &sandbox,
            &[("OKTA_USER_ID", user), ("OKTA_CLIENT_TOKEN", WRONG_TOKEN)],
        );
        assert!(!run3.ok, "a wrong token exited 0:\n{}", run3.stdout);
        assert!(run3.stdout.contains("stopped: "), "{}", run3.stdout);
        assert!(run3.stdout.contains("401"), "{}", run3.stdout);
        assert!(!run3.stdout.contains("sEcReT"), "{}", run3.stdout);
    }
}

#[test]
fn a_service_app_of_the_settings_gets_its_token_with_the_key_file_and_kid() {
    let org = Org::start();
    let user = org.user_id.as_str();
    for quickstart in QUICKSTARTS {
        for (args, who) in [
            (
                &[][..],
                format!("service app {APP}, private_key_jwt, DPoP if the org asks"),
            ),
            (
                &["--auth", "private-key-jwt-bearer"][..],
                format!("service app {APP}, private_key_jwt, Bearer"),
            ),
        ] {
            let sandbox = Sandbox::new("app");
            let key = sandbox.write(&sandbox.home().join(".okta").join("app.pem"), EC_PEM);
            let file = sandbox.write(
                &sandbox.work().join("okta.yaml"),
                &format!(
                    "okta:\n  client:\n    orgUrl: {}\n    authorizationMode: PrivateKey\n    \
                     clientId: {APP}\n    privateKey: {key}\n    privateKeyId: {KID}\n    \
                     scopes:\n      - okta.users.read\n",
                    org.url()
                ),
            );
            let run = run(quickstart, args, &sandbox, &[("OKTA_USER_ID", user)]);
            assert_read_only_steps(&org, &run, &who, &file);
            // Another kid than the registered one: the org refuses the app.
            let refused = run_with_kid(quickstart, &org, &key, "another-kid");
            assert!(!refused.ok, "{}", refused.stdout);
            assert!(
                refused.stdout.contains("invalid_client"),
                "{}",
                refused.stdout
            );
        }
    }
    // --auth api-token does not fit a service app's settings: refused.
    let sandbox = Sandbox::new("misfit");
    let key = sandbox.write(&sandbox.work().join("app.pem"), EC_PEM);
    let run = run(
        "quickstart",
        &["--auth", "api-token"],
        &sandbox,
        &[
            ("OKTA_CLIENT_ORGURL", org.url()),
            ("OKTA_CLIENT_CLIENTID", APP),
            ("OKTA_CLIENT_PRIVATEKEY", &key),
            ("OKTA_USER_ID", user),
        ],
    );
    assert!(!run.ok);
    assert!(
        run.stdout
            .contains("--auth api-token does not fit the settings' authorizationMode PrivateKey"),
        "{}",
        run.stdout
    );
}

/// `quickstart` as the service app of `org` with the key file `key` and the
/// `kid` given (through the variables, in a sandbox without files).
fn run_with_kid(quickstart: &str, org: &Org, key: &str, kid: &str) -> Run {
    let empty = Sandbox::new("kid");
    run(
        quickstart,
        &[],
        &empty,
        &[
            ("OKTA_CLIENT_ORGURL", org.url()),
            ("OKTA_CLIENT_CLIENTID", APP),
            ("OKTA_CLIENT_PRIVATEKEY", key),
            ("OKTA_CLIENT_PRIVATEKEYID", kid),
            ("OKTA_USER_ID", &org.user_id),
        ],
    )
}

#[test]
fn check_config_reports_the_settings_and_old_variables_are_refused() {
    let sandbox = Sandbox::new("check");
    let file = sandbox.write(
        &sandbox.work().join("okta.yaml"),
        &format!(
            "okta:\n  client:\n    orgUrl: https://dev-123456.okta.com\n    token: {WRONG_TOKEN}\n    cache:\n      enabled: true\n"
        ),
    );
    let run1 = run(
        "quickstart",
        &["--check-config"],
        &sandbox,
        &[("OKTA_CLIENT_CONNECTIONTIMEOUT", "5")],
    );
    assert!(run1.ok, "{}", run1.stdout);
    for line in [
        format!("read: {file}"),
        format!("okta.client.orgUrl = https://dev-123456.okta.com ({file})"),
        format!("okta.client.token = [REDACTED] ({file})"),
        "okta.client.connectionTimeout = 5 (OKTA_CLIENT_CONNECTIONTIMEOUT)".to_owned(),
        format!("okta.client.cache in {file}: ignored"),
        "→ the quickstarts would run their read-only steps against that org".to_owned(),
    ] {
        assert!(
            run1.stdout.contains(&line),
            "no {line:?} in:\n{}",
            run1.stdout
        );
    }
    assert!(!run1.stdout.contains("sEcReT"), "{}", run1.stdout);
    // No settings: the embedded simulator.
    let empty = Sandbox::new("none");
    let run2 = run("quickstart_async", &["--check-config"], &empty, &[]);
    assert!(run2.ok);
    assert!(
        run2.stdout
            .contains("→ no orgUrl: the quickstarts would start the embedded simulator"),
        "{}",
        run2.stdout
    );
    // The quickstarts' old variables: refused, naming the SDKs' ones.
    for quickstart in QUICKSTARTS {
        let run3 = run(
            quickstart,
            &[],
            &empty,
            &[
                ("OKTA_ORG_URL", "https://dev-123456.okta.com"),
                ("OKTA_API_TOKEN", WRONG_TOKEN),
            ],
        );
        assert!(!run3.ok);
        assert!(
            run3.stdout.contains("OKTA_ORG_URL (now OKTA_CLIENT_ORGURL) and OKTA_API_TOKEN (now OKTA_CLIENT_TOKEN) are no longer read"),
            "{}",
            run3.stdout
        );
        assert!(!run3.stdout.contains("sEcReT"));
    }
}
