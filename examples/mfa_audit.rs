//! A bulk MFA audit: every user's factors, and the org's MFA coverage.
//!
//! ```text
//! cargo run --release --example mfa_audit -- --simulate 2000
//! cargo run --release --example mfa_audit -- --users users.txt --csv mfa.csv --json mfa.json
//! some-export | cargo run --release --example mfa_audit -- --concurrency 8 --share 50
//! ```
//!
//! It lists the factors of each user (`GET /api/v1/users/{id}/factors`) on
//! `--concurrency` worker threads sharing one blocking client, paced by the
//! rate-limit governor (`okta_factors::policy::Governor`: it keeps `--share`
//! percent of each rate-limit bucket for itself and spreads the requests over
//! the window, instead of meeting `429`s), and sorts each user by their
//! strongest ACTIVE factor:
//!
//! * `none`: no active factor at all (pending enrollments do not count);
//! * `weak`: only SMS, voice call, email or a security question (and factor
//!   types this example does not know: an audit never overstates coverage);
//! * `medium`: Okta Verify push, TOTP or another OTP token, but nothing
//!   phishing-resistant;
//! * `phishing_resistant`: Okta FastPass (`signed_nonce`), WebAuthn or U2F.
//!
//! The counts come as a table on stdout, and per user as CSV (`--csv PATH`:
//! id, class, active factor types, error) and JSON (`--json PATH`: the
//! summary and the users). A progress bar with rate and ETA is drawn on a
//! terminal (stderr); elsewhere a plain line every 10 %. A user that cannot be
//! audited (unknown ID, an error from Okta, a network failure) is reported
//! with the error's status and code or kind (never a token) and the run goes
//! on. The last line is always
//!
//! ```text
//! audited N users, E errors, R 429s, T s
//! ```
//!
//! (R: the `429` answers the client met, retried or not, counted by a thin
//! wrapper around the ureq transport; T: the audit's seconds, one decimal),
//! and the exit code is 1 when E > 0 (2 for a usage error).
//!
//! With `--simulate N` (default 200) it starts the simulator on 127.0.0.1
//! with N users holding a realistic, seeded mix of factors and audits them
//! (`--simulate-errors K` adds K user IDs that do not exist). Otherwise the
//! user IDs (one per line; blank lines and `#` comments skipped) come from
//! `--users FILE` or stdin, and the org and credentials from the Okta
//! settings (`~/.okta/okta.yaml`, `./okta.yaml`, `OKTA_CLIENT_*`: see
//! `okta_factors::Settings`); the calls are read-only.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use okta_factors::bytes::Bytes;
use okta_factors::http::{Request, Response, StatusCode};
use okta_factors::model::{FactorStatus, FactorType, UserFactor};
use okta_factors::policy::{Governor, GovernorConfig};
use okta_factors::{
    BlockingClient, BuildTransport, ClientBuilder, Credentials, Error, Limits, OrgUrl, Settings,
    SyncTransport, TransportConfig, TransportError,
};
use okta_factors_sim::{SimServer, SimulatorConfig};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "\
usage: mfa_audit [--simulate [N]] [--simulate-errors K] [--users FILE]
                 [--concurrency K] [--share PERCENT] [--no-governor]
                 [--csv PATH] [--json PATH]

  --simulate [N]       audit N simulated users (default 200) instead of an org
  --simulate-errors K  with --simulate: also K user IDs that do not exist
  --users FILE         the user IDs, one per line (default: stdin)
  --concurrency K      requests in flight at most, 1-256 (default 16)
  --share PERCENT      share of each rate limit to use, 1-100 (default 80)
  --no-governor        no pacing: only 429s are retried (for comparison)
  --csv PATH           one row per user: user_id,class,active_factor_types,error
  --json PATH          the summary and every user
The org and credentials come from the Okta settings (okta.yaml, OKTA_CLIENT_*).";

/// The simulated org's limits, Okta's shape (per-endpoint buckets, a
/// concurrent-request limit) with a 5 s window instead of a minute, so the
/// demo takes seconds: learn, pace, reset.
const SIM_LIMIT: u32 = 1000;
const SIM_WINDOW: Duration = Duration::from_secs(5);
const SIM_CONCURRENT: u32 = 25;
const SIM_TOKEN: &str = "mfa-audit-token";
const SIM_SEED: u64 = 14;

struct Args {
    simulate: Option<usize>,
    simulate_errors: usize,
    users: Option<PathBuf>,
    concurrency: usize,
    share: u8,
    governor: bool,
    csv: Option<PathBuf>,
    json: Option<PathBuf>,
}

/// The command line; `Ok(None)` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> std::result::Result<Option<Args>, String> {
    let mut parsed = Args {
        simulate: None,
        simulate_errors: 0,
        users: None,
        concurrency: 16,
        share: 80,
        governor: true,
        csv: None,
        json: None,
    };
    let mut args = args.by_ref().peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs {what}"))
        };
        let number = |text: String, range: std::ops::RangeInclusive<usize>| {
            text.parse::<usize>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or(format!("{flag}: {text:?} is not a number in {range:?}"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--simulate" => {
                let n = match inline.clone() {
                    Some(n) => Some(n),
                    None => args.next_if(|next| !next.starts_with('-')),
                };
                parsed.simulate = Some(n.map_or(Ok(200), |n| number(n, 1..=1_000_000))?);
            }
            "--simulate-errors" => {
                parsed.simulate_errors = number(value("a count")?, 0..=1_000_000)?;
            }
            "--users" => parsed.users = Some(value("a file")?.into()),
            "--concurrency" => parsed.concurrency = number(value("a number")?, 1..=256)?,
            "--share" => parsed.share = number(value("a percentage")?, 1..=100)? as u8,
            "--no-governor" => parsed.governor = false,
            "--csv" => parsed.csv = Some(value("a path")?.into()),
            "--json" => parsed.json = Some(value("a path")?.into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if parsed.simulate.is_some() && parsed.users.is_some() {
        return Err("--simulate and --users exclude each other".to_owned());
    }
    if parsed.simulate.is_none() && parsed.simulate_errors > 0 {
        return Err("--simulate-errors needs --simulate".to_owned());
    }
    Ok(Some(parsed))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("mfa_audit: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_errors) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("mfa_audit: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the audit; returns the number of users that could not be audited.
fn run(args: &Args) -> Result<usize> {
    let governor = args.governor.then(|| {
        Governor::new(
            GovernorConfig::default()
                .share_percent(args.share)
                .max_concurrency(args.concurrency as u32),
        )
    });
    // The simulator (kept alive until the end) or the org of the settings.
    let (_server, builder, ids) = match args.simulate {
        Some(n) => {
            let started = Instant::now();
            let (server, mut ids) = simulated_org(n)?;
            ids.extend((0..args.simulate_errors).map(|i| format!("00uNoSuchUser{i:07}")));
            println!(
                "simulator at {}: {n} users seeded in {:.1} s",
                server.url(),
                started.elapsed().as_secs_f64()
            );
            let builder = ClientBuilder::<Client>::new(
                OrgUrl::parse(server.url())?,
                Credentials::api_token(SIM_TOKEN)?,
            );
            (Some(server), builder, ids)
        }
        None => {
            let settings = Settings::load()?;
            if !settings.names_org() {
                return Err("no org configured (okta.client.orgUrl in okta.yaml, or \
                            OKTA_CLIENT_ORGURL); try --simulate"
                    .into());
            }
            let ids = read_user_ids(args.users.as_ref())?;
            (None, Client::builder_from(&settings)?, ids)
        }
    };
    let client = match governor {
        Some(governor) => builder.governor(governor),
        None => builder,
    }
    .build()?;
    println!(
        "auditing {} users at {}: {} at a time, {}",
        ids.len(),
        client.config().org,
        args.concurrency,
        if args.governor {
            format!(
                "paced by the governor ({} % of each rate limit)",
                args.share
            )
        } else {
            "no governor".to_owned()
        }
    );

    let started = Instant::now();
    let audits = audit_all(&client, &ids, args.concurrency);
    let seconds = started.elapsed().as_secs_f64();
    let rate_limited = client.transport().rate_limited();

    let summary = Summary::of(&audits);
    print!("{}", summary.table(&audits));
    if let Some(path) = &args.csv {
        std::fs::write(path, csv(&audits))?;
        println!("CSV: {}", path.display());
    }
    if let Some(path) = &args.json {
        let json = summary.json(&audits, rate_limited, seconds);
        std::fs::write(path, serde_json::to_string_pretty(&json)? + "\n")?;
        println!("JSON: {}", path.display());
    }
    println!(
        "audited {} users, {} errors, {rate_limited} 429s, {seconds:.1} s",
        audits.len(),
        summary.errors
    );
    Ok(summary.errors)
}

/// The user IDs of `path` (or stdin): one per line, blank lines and `#`
/// comments skipped, each once.
fn read_user_ids(path: Option<&PathBuf>) -> Result<Vec<String>> {
    let reader: Box<dyn BufRead> = match path {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => {
            if std::io::stdin().is_terminal() {
                eprintln!("reading user IDs from stdin, one per line (end with Ctrl-D)");
            }
            Box::new(std::io::stdin().lock())
        }
    };
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for line in reader.lines() {
        let line = line?;
        let id = line.trim();
        if !id.is_empty() && !id.starts_with('#') && seen.insert(id.to_owned()) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

// ---------------------------------------------------------------- audit ---

/// A user's coverage: their strongest ACTIVE factor's class (ordered weakest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Coverage {
    None,
    Weak,
    Medium,
    PhishingResistant,
}

impl Coverage {
    const ALL: [Coverage; 4] = [
        Coverage::None,
        Coverage::Weak,
        Coverage::Medium,
        Coverage::PhishingResistant,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Coverage::None => "none",
            Coverage::Weak => "weak",
            Coverage::Medium => "medium",
            Coverage::PhishingResistant => "phishing_resistant",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Coverage::None => "no active factor",
            Coverage::Weak => "only SMS/voice/email/question",
            Coverage::Medium => "push or OTP, not phishing-resistant",
            Coverage::PhishingResistant => "phishing-resistant (FastPass, WebAuthn, U2F)",
        }
    }

    /// The class one active factor of `factor_type` gives.
    fn of(factor_type: &FactorType) -> Self {
        match factor_type {
            FactorType::SignedNonce | FactorType::WebAuthn | FactorType::U2f => {
                Coverage::PhishingResistant
            }
            FactorType::Push
            | FactorType::TokenSoftwareTotp
            | FactorType::TokenHotp
            | FactorType::Hotp
            | FactorType::Token
            | FactorType::TokenHardware
            | FactorType::Web => Coverage::Medium,
            // sms, call, email, question, and whatever this version does not know.
            _ => Coverage::Weak,
        }
    }
}

/// What the audit found for one user.
struct Audit {
    user_id: String,
    /// The class and the active factors' types, or the error.
    outcome: std::result::Result<(Coverage, Vec<String>), String>,
}

/// The class of a user with `factors`, and the types of their active ones.
fn classify(factors: &[UserFactor]) -> (Coverage, Vec<String>) {
    let active: Vec<FactorType> = factors
        .iter()
        .filter(|f| f.status() == Some(&FactorStatus::Active))
        .map(UserFactor::factor_type)
        .collect();
    let class = active
        .iter()
        .map(Coverage::of)
        .max()
        .unwrap_or(Coverage::None);
    (
        class,
        active.iter().map(|t| t.as_str().to_owned()).collect(),
    )
}

/// An error for the report: its status and Okta's code, or its kind. Never a
/// token or a header (the crate's errors hold none; this shows even less).
fn describe(error: &Error) -> String {
    if let Some(transport) = error.transport() {
        return format!("transport: {}", transport.kind);
    }
    match (error.status(), error.error_code()) {
        (Some(status), Some(code)) => format!("HTTP {} {code}", status.as_u16()),
        (Some(status), None) => format!("HTTP {}", status.as_u16()),
        _ if error.auth().is_some() => "no access token (the service app was refused)".to_owned(),
        _ => match error {
            Error::Input(_) => "not a valid user ID".to_owned(),
            Error::Decode(_) => "an answer that did not decode".to_owned(),
            _ => "error".to_owned(),
        },
    }
}

/// Audits `ids` on `workers` threads pulling from one shared queue, showing
/// progress; the results in the order of `ids`.
fn audit_all(client: &Client, ids: &[String], workers: usize) -> Vec<Audit> {
    let next = AtomicUsize::new(0);
    let (done, finished) = mpsc::channel::<(usize, Audit)>();
    let mut results: Vec<Option<Audit>> = ids.iter().map(|_| None).collect();
    let mut progress = Progress::new(ids.len());
    thread::scope(|scope| {
        for _ in 0..workers.min(ids.len()) {
            let (next, done) = (&next, done.clone());
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(user_id) = ids.get(i) else { break };
                let outcome = match client.list_factors(user_id) {
                    Ok(factors) => Ok(classify(&factors)),
                    Err(e) => Err(describe(&e)),
                };
                let audit = Audit {
                    user_id: user_id.clone(),
                    outcome,
                };
                if done.send((i, audit)).is_err() {
                    break;
                }
            });
        }
        drop(done);
        for (i, audit) in finished {
            results[i] = Some(audit);
            progress.tick();
        }
    });
    progress.finish();
    results.into_iter().flatten().collect()
}

/// A progress bar on a terminal (stderr), plain lines every 10 % elsewhere.
enum Progress {
    Bar(indicatif::ProgressBar),
    Lines {
        total: usize,
        done: usize,
        started: Instant,
    },
}

impl Progress {
    fn new(total: usize) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress::Lines {
                total,
                done: 0,
                started: Instant::now(),
            };
        }
        let bar = indicatif::ProgressBar::new(total as u64);
        // `{msg}`: the rate as a whole number (indicatif's `{per_sec}` has 4 decimals).
        let template = "{bar:40} {pos}/{len} users  {msg}  ETA {eta}";
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        Progress::Bar(bar)
    }

    fn tick(&mut self) {
        match self {
            Progress::Bar(bar) => {
                bar.inc(1);
                let rate = bar.position() as f64 / bar.elapsed().as_secs_f64().max(1e-3);
                bar.set_message(format!("{rate:.0}/s"));
            }
            Progress::Lines {
                total,
                done,
                started,
            } => {
                *done += 1;
                let tenth = (*total).div_ceil(10).max(1);
                if done.is_multiple_of(tenth) || *done == *total {
                    let elapsed = started.elapsed().as_secs_f64();
                    let rate = *done as f64 / elapsed.max(1e-3);
                    let eta = (*total - *done) as f64 / rate;
                    eprintln!(
                        "{done}/{total} users ({}%), {rate:.0}/s, ETA {eta:.0} s",
                        *done * 100 / *total
                    );
                }
            }
        }
    }

    fn finish(self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

// --------------------------------------------------------------- output ---

struct Summary {
    counts: [usize; 4],
    errors: usize,
}

impl Summary {
    fn of(audits: &[Audit]) -> Self {
        let mut summary = Summary {
            counts: [0; 4],
            errors: 0,
        };
        for audit in audits {
            match &audit.outcome {
                Ok((class, _)) => summary.counts[*class as usize] += 1,
                Err(_) => summary.errors += 1,
            }
        }
        summary
    }

    /// The table for the terminal, and the errors (the first 20).
    fn table(&self, audits: &[Audit]) -> String {
        let total = audits.len().max(1) as f64;
        let mut out = String::from("\nMFA coverage (strongest ACTIVE factor)     users       %\n");
        let rows = Coverage::ALL
            .iter()
            .map(|c| (c.label(), self.counts[*c as usize]))
            .chain([("could not be audited", self.errors)]);
        for (label, n) in rows {
            let _ = writeln!(out, "{label:<44} {n:>6} {:>6.1}%", n as f64 * 100.0 / total);
        }
        let failed: Vec<_> = audits
            .iter()
            .filter_map(|a| Some((&a.user_id, a.outcome.as_ref().err()?)))
            .collect();
        for (user_id, error) in failed.iter().take(20) {
            let _ = writeln!(out, "  error: {user_id}: {error}");
        }
        if failed.len() > 20 {
            let _ = writeln!(out, "  … and {} more errors", failed.len() - 20);
        }
        out
    }

    fn json(&self, audits: &[Audit], rate_limited: u64, seconds: f64) -> serde_json::Value {
        let users: Vec<serde_json::Value> = audits
            .iter()
            .map(|a| match &a.outcome {
                Ok((class, active)) => serde_json::json!({
                    "id": a.user_id, "class": class.as_str(), "active_factors": active,
                }),
                Err(error) => serde_json::json!({
                    "id": a.user_id, "class": "error", "error": error,
                }),
            })
            .collect();
        let mut summary = serde_json::json!({
            "users": audits.len(),
            "errors": self.errors,
            "rate_limited_429s": rate_limited,
            "seconds": (seconds * 10.0).round() / 10.0,
        });
        for class in Coverage::ALL {
            summary[class.as_str()] = self.counts[class as usize].into();
        }
        serde_json::json!({ "summary": summary, "users": users })
    }
}

/// One row per user: `user_id,class,active_factor_types,error` (the types
/// joined with `;`).
fn csv(audits: &[Audit]) -> String {
    let mut out = String::from("user_id,class,active_factor_types,error\n");
    for audit in audits {
        let (class, types, error) = match &audit.outcome {
            Ok((class, types)) => (class.as_str(), types.join(";"), ""),
            Err(error) => ("error", String::new(), error.as_str()),
        };
        let fields = [audit.user_id.as_str(), class, &types, error].map(csv_field);
        let _ = writeln!(out, "{}", fields.join(","));
    }
    out
}

/// A CSV field: quoted when it holds a separator or a quote, and never read
/// by a spreadsheet as a formula (a leading `=`, `+`, `-` or `@` is escaped).
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

// ------------------------------------------------ the client's transport ---

/// The blocking client over [`Counting`].
type Client = BlockingClient<Counting>;

/// The ureq transport, counting the `429` answers it hands to the client (the
/// client retries them; the governor keeps them rare).
#[derive(Clone)]
struct Counting {
    inner: okta_factors::ureq::Transport,
    rate_limited: Arc<AtomicU64>,
}

impl Counting {
    fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::Relaxed)
    }
}

impl BuildTransport for Counting {
    fn build(config: &TransportConfig) -> std::result::Result<Self, Error> {
        Ok(Self {
            inner: okta_factors::ureq::Transport::build(config)?,
            rate_limited: Arc::default(),
        })
    }
}

impl SyncTransport for Counting {
    fn send(
        &self,
        request: Request<Vec<u8>>,
        limits: Limits,
    ) -> std::result::Result<Response<Bytes>, TransportError> {
        let response = self.inner.send(request, limits)?;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        Ok(response)
    }
}

// ------------------------------------------------------------ simulator ---

/// The simulator with `n` users holding a realistic mix of factors
/// (`Simulator::seed_users`: the same every run, created directly, without
/// requests that would count against the limits), and their IDs.
fn simulated_org(n: usize) -> Result<(SimServer, Vec<String>)> {
    let config = SimulatorConfig::new(SIM_TOKEN)
        .seed(SIM_SEED)
        .rate_limit(SIM_LIMIT)
        .rate_limit_window(SIM_WINDOW)
        .per_endpoint_buckets(true)
        .concurrent_limit(Some(SIM_CONCURRENT));
    let server = SimServer::start_new(config)?;
    let ids = server.simulator().seed_users(n, SIM_SEED);
    Ok((server, ids))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A factor list as Okta sends it: `(factorType, status)` pairs.
    fn factors(list: &[(&str, &str)]) -> Vec<UserFactor> {
        let json: Vec<serde_json::Value> = list
            .iter()
            .enumerate()
            .map(|(i, (factor_type, status))| {
                serde_json::json!({"id": format!("f{i}"), "factorType": factor_type,
                    "provider": "OKTA", "status": status})
            })
            .collect();
        serde_json::from_value(json.into()).unwrap()
    }

    #[test]
    fn the_strongest_active_factor_decides() {
        let cases: [(&[(&str, &str)], Coverage); 8] = [
            (&[], Coverage::None),
            (
                &[("sms", "PENDING_ACTIVATION"), ("push", "INACTIVE")],
                Coverage::None,
            ),
            (&[("sms", "ACTIVE"), ("email", "ACTIVE")], Coverage::Weak),
            (
                &[("question", "ACTIVE"), ("webauthn", "PENDING_ACTIVATION")],
                Coverage::Weak,
            ),
            (
                &[("sms", "ACTIVE"), ("token:software:totp", "ACTIVE")],
                Coverage::Medium,
            ),
            (
                &[("push", "ACTIVE"), ("signed_nonce", "ACTIVE")],
                Coverage::PhishingResistant,
            ),
            (&[("u2f", "ACTIVE")], Coverage::PhishingResistant),
            // A type this version does not know: kept, and counted as weak.
            (&[("passkey:future", "ACTIVE")], Coverage::Weak),
        ];
        for (list, class) in cases {
            let (got, active) = classify(&factors(list));
            assert_eq!(got, class, "{list:?}");
            let expected: Vec<&str> = list
                .iter()
                .filter(|(_, s)| *s == "ACTIVE")
                .map(|(t, _)| *t)
                .collect();
            assert_eq!(active, expected);
        }
    }

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("00u1"), "00u1");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }

    #[test]
    fn the_command_line() {
        let parse = |args: &[&str]| parse_args(args.iter().map(|a| a.to_string()));
        let args = parse(&["--simulate", "--csv", "x.csv"]).unwrap().unwrap();
        assert_eq!(args.simulate, Some(200));
        assert_eq!(args.csv, Some(PathBuf::from("x.csv")));
        let args = parse(&["--simulate=5", "--no-governor", "--share", "50"])
            .unwrap()
            .unwrap();
        assert_eq!(
            (args.simulate, args.governor, args.share),
            (Some(5), false, 50)
        );
        assert_eq!(
            parse(&["--concurrency", "16"])
                .unwrap()
                .unwrap()
                .concurrency,
            16
        );
        assert!(parse(&["--help"]).unwrap().is_none());
        for wrong in [
            &["--concurrency", "257"][..],
            &["--share"],
            &["--simulate", "x"],
        ] {
            assert!(parse(wrong).is_err(), "{wrong:?}");
        }
    }
}
