//! `examples/mfa_audit.rs` end to end: the built example binary, run against
//! its own simulator (`--simulate`) and against a simulator started here
//! standing in for a real org (its settings from `OKTA_CLIENT_*` variables,
//! the user IDs from a file and from stdin), in an environment of its own (a
//! temporary `HOME` and working directory, no other variable).
//!
//! The binary is the one `cargo test` builds with this test, rebuilt here
//! when older than the sources (`cargo test --test mfa_audit` alone does not
//! build the examples).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use okta_factors::model::{FactorEnrollment, FactorStatus, FactorType};
use okta_factors::operations::ActivateFactorRequest;
use okta_factors::{Credentials, OrgUrl};
use okta_factors_sim::{SimServer, Simulator, SimulatorConfig};
use serde_json::Value;

#[path = "support/examples.rs"]
mod examples;
use examples::Sandbox;

const TOKEN: &str = "00audit-sEcReT-token";
/// `SIM_SEED` of `examples/mfa_audit.rs`: its `--simulate` org is the
/// simulator configured with this seed, seeded with `seed_users(n, SIM_SEED)`.
const EXAMPLE_SIM_SEED: u64 = 14;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The last line's numbers: `audited N users, E errors, R 429s, T s`.
    fn last_line(&self) -> (u64, u64, u64, f64) {
        let last = self.stdout.lines().last().unwrap_or_default();
        let words: Vec<&str> = last.split(' ').collect();
        let shape = ["audited", "", "users,", "", "errors,", "", "429s,", "", "s"];
        assert_eq!(words.len(), shape.len(), "last line {last:?}\n{self}");
        for (word, expected) in words.iter().zip(shape) {
            assert!(expected.is_empty() || *word == expected, "{last:?}");
        }
        let (tenths, decimals) = words[7].split_once('.').unwrap();
        assert!(
            decimals.len() == 1 && tenths.parse::<u64>().is_ok(),
            "{last:?}"
        );
        (
            words[1].parse().unwrap(),
            words[3].parse().unwrap(),
            words[5].parse().unwrap(),
            words[7].parse().unwrap(),
        )
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs the example with `args` in `sandbox` (its `HOME` and working
/// directory), only the variables `vars` and `stdin` (a file, or nothing);
/// its output goes to files (no pipe to fill up); at most 60 s.
fn run(sandbox: &Sandbox, args: &[&str], vars: &[(&str, &str)], stdin: Option<&Path>) -> Run {
    let (out, err) = (sandbox.path("stdout"), sandbox.path("stderr"));
    let mut child = Command::new(examples::example("mfa_audit"))
        .args(args)
        .env_clear()
        .env("HOME", sandbox.home())
        .envs(vars.iter().copied())
        .current_dir(&sandbox.root)
        .stdin(stdin.map_or_else(Stdio::null, |path| File::open(path).unwrap().into()))
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("mfa_audit {args:?} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: std::fs::read_to_string(out).unwrap(),
        stderr: std::fs::read_to_string(err).unwrap(),
    }
}

/// The class of a user with these active factor types, by the rules
/// (written out here independently of the example).
fn expected_class(active: &[&str]) -> &'static str {
    let strong = ["signed_nonce", "webauthn", "u2f"];
    let medium = [
        "push",
        "token:software:totp",
        "token:hotp",
        "hotp",
        "token",
        "token:hardware",
        "web",
    ];
    if active.iter().any(|t| strong.contains(t)) {
        "phishing_resistant"
    } else if active.iter().any(|t| medium.contains(t)) {
        "medium"
    } else if active.is_empty() {
        "none"
    } else {
        "weak"
    }
}

/// The CSV's rows after its header, each as `[user_id, class, types, error]`
/// (the example quotes no field of these runs: IDs, types and these errors
/// hold no comma or quote).
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("user_id,class,active_factor_types,error")
    );
    lines
        .map(|line| {
            let row: Vec<String> = line.split(',').map(str::to_owned).collect();
            assert_eq!(row.len(), 4, "{line:?}");
            row
        })
        .collect()
}

/// The table's user count for the row starting with `label`.
fn table_count(stdout: &str, label: &str) -> u64 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no row {label:?}:\n{stdout}"));
    line[label.len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_simulated_org_is_audited_with_consistent_table_csv_and_json() {
    let sandbox = Sandbox::new("simulate");
    let run = run(
        &sandbox,
        &[
            "--simulate",
            "50",
            "--csv",
            "audit.csv",
            "--json",
            "audit.json",
        ],
        &[],
        None,
    );
    assert_eq!(run.code, Some(0), "{run}");
    let (users, errors, _rate_limited, seconds) = run.last_line();
    assert_eq!((users, errors), (50, 0), "{run}");
    assert!(seconds < 60.0, "{run}");
    // Output that is not a terminal: plain progress lines, the last at 100 %.
    assert!(run.stderr.contains("50/50 users (100%)"), "{run}");

    let rows = csv_rows(&sandbox.path("audit.csv"));
    assert_eq!(rows.len(), 50, "{run}");
    let mut csv_counts: BTreeMap<String, u64> = BTreeMap::new();
    for row in &rows {
        assert!(row[0].starts_with("00u") && row[0].len() == 20, "{row:?}");
        let active: Vec<&str> = row[2].split(';').filter(|t| !t.is_empty()).collect();
        assert_eq!(row[1], expected_class(&active), "{row:?}");
        assert_eq!(row[3], "", "{row:?}");
        *csv_counts.entry(row[1].clone()).or_default() += 1;
    }
    // A realistic mix: every class is there in 50 users.
    assert_eq!(csv_counts.len(), 4, "{csv_counts:?}");

    // The oracle for the factor types: the same org rebuilt here from the
    // example's seeds, and the simulator's own record of each user's ACTIVE
    // factors (not the example's classification).
    let mut org = Simulator::new(SimulatorConfig::new(TOKEN).seed(EXAMPLE_SIM_SEED));
    let ids = org.seed_users(50, EXAMPLE_SIM_SEED);
    let reported: BTreeMap<&str, (&str, Vec<&str>)> = rows
        .iter()
        .map(|row| {
            let mut types: Vec<&str> = row[2].split(';').filter(|t| !t.is_empty()).collect();
            types.sort_unstable();
            (row[0].as_str(), (row[1].as_str(), types))
        })
        .collect();
    let mut ids_sorted: Vec<&str> = ids.iter().map(String::as_str).collect();
    ids_sorted.sort_unstable();
    assert_eq!(
        reported.keys().copied().collect::<Vec<_>>(),
        ids_sorted,
        "not the example's org (did its SIM_SEED change?)"
    );
    let (mut fastpass, mut strong) = (Vec::new(), 0u64);
    for id in &ids {
        let active: Vec<FactorType> = org
            .factors(id)
            .into_iter()
            .filter(|f| f.status == FactorStatus::Active)
            .map(|f| f.factor_type)
            .collect();
        let mut types: Vec<String> = active.iter().map(ToString::to_string).collect();
        types.sort_unstable();
        let (class, reported_types) = &reported[id.as_str()];
        assert_eq!(reported_types, &types, "{id}");
        if active.contains(&FactorType::SignedNonce) {
            assert_eq!(*class, "phishing_resistant", "{id}: FastPass");
            fastpass.push(id);
        }
        let phishing_resistant = [
            FactorType::SignedNonce,
            FactorType::WebAuthn,
            FactorType::U2f,
        ];
        strong += u64::from(active.iter().any(|t| phishing_resistant.contains(t)));
    }
    // Okta Verify users with FastPass are reported, and counted.
    assert!(
        !fastpass.is_empty(),
        "no FastPass user in the simulated org"
    );
    let fastpass_rows = rows
        .iter()
        .filter(|row| row[2].split(';').any(|t| t == "signed_nonce"))
        .count();
    assert_eq!(fastpass_rows, fastpass.len(), "{run}");
    assert_eq!(csv_counts["phishing_resistant"], strong, "{run}");

    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.path("audit.json")).unwrap())
            .unwrap();
    let summary = &json["summary"];
    assert_eq!(summary["users"], 50);
    assert_eq!(summary["errors"], 0);
    let table = [
        ("none", "no active factor"),
        ("weak", "only SMS/voice/email/question"),
        ("medium", "push or OTP, not phishing-resistant"),
        (
            "phishing_resistant",
            "phishing-resistant (FastPass, WebAuthn, U2F)",
        ),
    ];
    for (class, label) in table {
        let n = summary[class].as_u64().unwrap();
        assert_eq!(n, table_count(&run.stdout, label), "{class}\n{run}");
        assert_eq!(n, csv_counts[class], "{class}");
    }
    assert_eq!(table_count(&run.stdout, "could not be audited"), 0);
    // The JSON's users are the CSV's rows.
    let users = json["users"].as_array().unwrap();
    assert_eq!(users.len(), rows.len());
    for (user, row) in users.iter().zip(&rows) {
        assert_eq!(user["id"], row[0].as_str());
        assert_eq!(user["class"], row[1].as_str());
        let active: Vec<&str> = user["active_factors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(active.join(";"), row[2]);
    }
}

#[test]
fn an_org_from_the_settings_is_audited_and_an_unknown_user_is_an_error() {
    // The "real org": users with known factors, enrolled here through the API.
    let server = SimServer::start_new(SimulatorConfig::new(TOKEN)).unwrap();
    let sim = server.simulator();
    let client = okta_factors::ureq::Client::new(
        OrgUrl::parse(server.url()).unwrap(),
        Credentials::api_token(TOKEN).unwrap(),
    )
    .unwrap();
    let nobody = sim.create_user("nobody@example.com");
    let pending = sim.create_user("pending@example.com");
    client
        .enroll_factor(&pending, FactorEnrollment::sms("+15554150001"))
        .unwrap();
    let question = sim.create_user("question@example.com");
    client
        .enroll_factor(
            &question,
            FactorEnrollment::question("disliked_food", "kale"),
        )
        .unwrap();
    let key = sim.create_user("key@example.com");
    let factor = client
        .enroll_factor(&key, FactorEnrollment::webauthn())
        .unwrap();
    client
        .activate_factor(
            &key,
            factor.id().unwrap(),
            Some(ActivateFactorRequest::webauthn(
                "attestation",
                "client-data",
            )),
        )
        .unwrap();
    let phone = sim.create_user("phone@example.com");
    let push = client
        .enroll_factor(&phone, FactorEnrollment::push())
        .unwrap();
    sim.activate_push_device(push.id().unwrap()).unwrap();
    let unknown = "00uNoSuchUserAtAll01";

    let sandbox = Sandbox::new("org");
    let ids = sandbox.path("users.txt");
    std::fs::write(
        &ids,
        format!(
            "# exported users\n{nobody}\n\n{pending}\n  {question}  \n{key}\n{phone}\n{unknown}\n{key}\n"
        ),
    )
    .unwrap();
    let vars = [
        ("OKTA_CLIENT_ORGURL", server.url()),
        ("OKTA_CLIENT_TOKEN", TOKEN),
    ];
    let expected = [
        (nobody.as_str(), "none", ""),
        (&pending, "none", ""),
        (&question, "weak", "question"),
        (&key, "phishing_resistant", "webauthn"),
        (&phone, "medium", "push"),
    ];
    let from_file = ["--users", ids.to_str().unwrap(), "--csv", "audit.csv"];
    let from_stdin = ["--csv", "audit.csv", "--concurrency", "2"];
    for (args, stdin) in [
        (&from_file[..], None),
        (&from_stdin[..], Some(ids.as_path())),
    ] {
        let run = run(&sandbox, args, &vars, stdin);
        assert_eq!(run.code, Some(1), "{run}");
        // Each user once (the repeated one too), the unknown one an error.
        let (users, errors, rate_limited, _) = run.last_line();
        assert_eq!((users, errors, rate_limited), (6, 1, 0), "{run}");
        assert!(
            run.stdout
                .contains(&format!("error: {unknown}: HTTP 404 E0000007")),
            "{run}"
        );
        assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
        let rows = csv_rows(&sandbox.path("audit.csv"));
        assert_eq!(rows.len(), 6);
        for (row, (id, class, types)) in rows.iter().zip(expected) {
            assert_eq!(
                (row[0].as_str(), row[1].as_str(), row[2].as_str()),
                (id, class, types)
            );
        }
        assert_eq!(rows[5], [unknown, "error", "", "HTTP 404 E0000007"]);
    }
}

#[test]
fn usage_errors_exit_with_2_and_no_org_is_an_error() {
    let sandbox = Sandbox::new("usage");
    for args in [
        &["--concurrency", "0"][..],
        &["--share", "101"],
        &["--simulate", "10", "--users", "x"],
        &["--no-such-flag"],
    ] {
        let run = run(&sandbox, args, &[], None);
        assert_eq!(run.code, Some(2), "{args:?}: {run}");
    }
    // No settings name an org: nothing to audit, exit 1.
    let run = run(&sandbox, &[], &[], None);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("no org configured"), "{run}");
}
