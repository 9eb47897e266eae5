//! Fault soak: thousands of calls through each adapter (the blocking ureq
//! client from a few threads, the async hyper client from many concurrent
//! tasks) against loopback servers that misbehave on purpose:
//!
//! * the simulator, with injected faults (`429` storms that carry rate-limit
//!   reset headers, `500`s, responses slower than the request timeout);
//! * the scripted test server, where the user ID of each call picks a
//!   scenario (a `429` with or without reset headers, then a success; a `429`
//!   storm; a concurrent-limit `429`; `500`, `401`, an HTML `502`; a
//!   connection reset mid-body; a connection closed without an answer; a
//!   stall past the request timeout; a truncated body; an oversized body).
//!
//! It asserts that every call ends with `Ok` or the typed error its scenario
//! calls for, within `request_timeout` plus a slack; that nothing hangs (each
//! adapter's run has an overall deadline); that no file descriptor leaks
//! (Linux: `/proc/self/fd` before and after, once clients and servers are
//! dropped) and memory does not grow (`VmRSS` after a warm-up and after the
//! run); and that the clients work normally afterwards. A summary table is
//! printed (visible with `--nocapture`).
//!
//! `OKTA_FACTORS_SOAK_CALLS` sets the calls per adapter (default 2,000), e.g.
//! `OKTA_FACTORS_SOAK_CALLS=50000 cargo test --release --test soak -- --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use okta_factors::model::FactorEnrollment;
use okta_factors::operations::VerifyFactorRequest;
use okta_factors::policy::RetryPolicy;
use okta_factors::{Credentials, Error, OrgUrl, TimeoutLimit, TransportErrorKind};
use okta_factors_sim::{Fault, SharedSimulator, SimServer, SimulatorConfig};
use okta_factors_testserver::{http_date, RecordedRequest, Reply, TestServer};

/// Calls per adapter unless `OKTA_FACTORS_SOAK_CALLS` says otherwise.
const DEFAULT_CALLS: usize = 2_000;
/// A fresh scripted server (and client for it) every this many calls, so the
/// server's request log stays small whatever the run's length.
const ROUND: usize = 2_000;
/// Calls made before the memory baseline is taken.
const WARM_UP_CALLS: usize = 200;
const REQUEST_TIMEOUT: Duration = Duration::from_millis(300);
/// How far past `request_timeout` a call may end (scheduling on a loaded
/// 2-core machine running a debug build).
const LATENCY_SLACK: Duration = Duration::from_millis(500);
/// How long a stalled server stays silent (well past the request timeout).
const STALL: Duration = Duration::from_millis(900);
/// How long a slow simulator response takes (past the request timeout).
const SLOW: Duration = Duration::from_millis(600);
const MAX_RESPONSE_BYTES: usize = 16 * 1024;
const MEMORY_GROWTH_LIMIT_KIB: u64 = 64 * 1024;
/// File descriptors that may stay open after a run, once clients and servers
/// are dropped and the servers' threads have noticed: none.
const FD_ALLOWANCE: usize = 0;
const UREQ_THREADS: usize = 8;
const HYPER_TASKS: usize = 16;

const TOKEN: &str = "00soak-token-value";
const ANSWER: &str = "soak answer";

fn calls_per_adapter() -> usize {
    match std::env::var("OKTA_FACTORS_SOAK_CALLS") {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("OKTA_FACTORS_SOAK_CALLS={value:?} is not a number")),
        Err(_) => DEFAULT_CALLS,
    }
}

/// The overall deadline of one adapter's run: generous, but finite.
fn run_deadline(calls: usize) -> Duration {
    Duration::from_secs(90).max(Duration::from_millis(40) * u32::try_from(calls).unwrap())
}

fn retry_policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(2)
        .fallback_delay(Duration::from_millis(2))
        .concurrent_delay(Duration::from_millis(2))
        .max_delay(Duration::from_millis(5))
        .max_total_wait(Duration::from_millis(50))
}

// ---------------------------------------------------------------------------
// Outcomes

/// How a call ended, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Api,
    Timeout,
    Io,
    Decode,
    Unexpected,
    TooLarge,
    Other,
}

impl Outcome {
    const ALL: [Outcome; 8] = [
        Outcome::Ok,
        Outcome::Api,
        Outcome::Timeout,
        Outcome::Io,
        Outcome::Decode,
        Outcome::Unexpected,
        Outcome::TooLarge,
        Outcome::Other,
    ];

    fn of<T>(result: &Result<T, Error>) -> Self {
        let Err(err) = result else {
            return Outcome::Ok;
        };
        match err {
            Error::Api(_) => Outcome::Api,
            Error::UnexpectedResponse(_) => Outcome::Unexpected,
            Error::Decode(_) => Outcome::Decode,
            Error::Transport(t) => match t.kind {
                TransportErrorKind::Timeout(_) => Outcome::Timeout,
                TransportErrorKind::Io
                | TransportErrorKind::Connect
                | TransportErrorKind::Protocol => Outcome::Io,
                TransportErrorKind::BodyTooLarge { .. } => Outcome::TooLarge,
                _ => Outcome::Other,
            },
            _ => Outcome::Other,
        }
    }
}

/// What a call is allowed to end with.
fn acceptable<T>(target: Target, result: &Result<T, Error>) -> bool {
    let status = result
        .as_ref()
        .err()
        .and_then(Error::status)
        .map(|s| s.as_u16());
    let kind = result
        .as_ref()
        .err()
        .and_then(Error::transport)
        .map(|t| t.kind);
    let request_timeout = Some(TransportErrorKind::Timeout(TimeoutLimit::Request));
    match target {
        // Injected faults hit whichever call comes next: any of these.
        Target::Sim(op) => match result {
            Ok(_) => op != SimOp::WrongAnswer,
            Err(Error::Api(api)) => matches!(api.status.as_u16(), 429 | 500 | 403),
            Err(err) => err.is_timeout() && kind == request_timeout,
        },
        Target::Scripted(scenario) => match scenario {
            Scenario::Ok
            | Scenario::RateLimitResetThenOk
            | Scenario::RateLimitNoResetThenOk
            | Scenario::ConcurrentLimitThenOk => result.is_ok(),
            Scenario::StormReset | Scenario::StormNoReset => {
                result.as_ref().err().is_some_and(Error::is_rate_limited)
                    && result.as_ref().err().and_then(Error::error_code) == Some("E0000047")
            }
            Scenario::ServerError => status == Some(500) && matches!(result, Err(Error::Api(_))),
            Scenario::Unauthorized => {
                status == Some(401)
                    && result.as_ref().err().and_then(Error::error_code) == Some("E0000011")
            }
            Scenario::Html => {
                status == Some(502) && matches!(result, Err(Error::UnexpectedResponse(_)))
            }
            Scenario::Reset | Scenario::Close => matches!(
                kind,
                Some(TransportErrorKind::Io | TransportErrorKind::Protocol)
            ),
            Scenario::Stall => kind == request_timeout,
            Scenario::Truncated => status == Some(200) && matches!(result, Err(Error::Decode(_))),
            Scenario::TooLarge => {
                kind == Some(TransportErrorKind::BodyTooLarge {
                    limit: MAX_RESPONSE_BYTES,
                })
            }
        },
    }
}

// ---------------------------------------------------------------------------
// What each call does

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SimOp {
    ListFactors,
    Catalog,
    Questions,
    GetFactor,
    RightAnswer,
    WrongAnswer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Ok,
    RateLimitResetThenOk,
    RateLimitNoResetThenOk,
    ConcurrentLimitThenOk,
    StormReset,
    StormNoReset,
    ServerError,
    Unauthorized,
    Html,
    Reset,
    Close,
    Stall,
    Truncated,
    TooLarge,
}

/// `(scenario, weight in percent, name in the user ID)`.
const SCENARIOS: [(Scenario, u64, &str); 14] = [
    (Scenario::Ok, 30, "ok"),
    (Scenario::RateLimitResetThenOk, 8, "429reset"),
    (Scenario::RateLimitNoResetThenOk, 8, "429noreset"),
    (Scenario::ConcurrentLimitThenOk, 6, "429concurrent"),
    (Scenario::StormReset, 5, "stormreset"),
    (Scenario::StormNoReset, 5, "stormnoreset"),
    (Scenario::ServerError, 8, "500"),
    (Scenario::Unauthorized, 4, "401"),
    (Scenario::Html, 5, "html"),
    (Scenario::Reset, 5, "reset"),
    (Scenario::Close, 5, "close"),
    (Scenario::Stall, 2, "stall"),
    (Scenario::Truncated, 5, "truncated"),
    (Scenario::TooLarge, 4, "toolarge"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Sim(SimOp),
    Scripted(Scenario),
}

/// A deterministic spread of call `i` over the targets: even calls go to the
/// scripted server, odd ones to the simulator.
fn target(i: usize) -> Target {
    let hash = (i as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(29)
        >> 8;
    if i % 2 == 1 {
        let ops = [
            SimOp::ListFactors,
            SimOp::Catalog,
            SimOp::Questions,
            SimOp::GetFactor,
            SimOp::RightAnswer,
            SimOp::WrongAnswer,
        ];
        return Target::Sim(ops[usize::try_from(hash % 6).unwrap()]);
    }
    let mut pick = hash % 100;
    for (scenario, weight, _) in SCENARIOS {
        if pick < weight {
            return Target::Scripted(scenario);
        }
        pick -= weight;
    }
    Target::Scripted(Scenario::Ok)
}

fn scenario_user(scenario: Scenario, i: usize) -> String {
    let name = SCENARIOS
        .iter()
        .find(|(s, _, _)| *s == scenario)
        .map(|(_, _, name)| *name)
        .unwrap();
    format!("{name}-{i}")
}

/// Faults the caller of call `i` injects into the simulator first (they hit
/// whichever simulator requests come next, from any thread).
fn inject_faults(sim: &SharedSimulator, i: usize) {
    match i % 40 {
        1 => sim.inject(Fault::RateLimitStorm { count: 3 }),
        11 => sim.inject(Fault::ServerError { count: 2 }),
        21 => sim.inject(Fault::Slow {
            delay: Duration::from_millis(20),
            count: 2,
        }),
        31 if i % 120 == 31 => sim.inject(Fault::Slow {
            delay: SLOW,
            count: 1,
        }),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// The scripted server

const SMS_FACTOR: &str = r#"{"id":"mbl1nz9JHJGHWRKMTLHP","factorType":"sms","provider":"OKTA",
  "status":"ACTIVE","profile":{"phoneNumber":"+15554151337"},
  "_links":{"self":{"href":"https://dev-123456.okta.com/api/v1/users/u/factors/mbl1"}}}"#;
const RATE_LIMITED: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oaeSoak","errorCauses":[]}"#;
const SERVER_ERROR: &str = r#"{"errorCode":"E0000009","errorSummary":"Internal Server Error","errorLink":"E0000009","errorId":"oaeSoak","errorCauses":[]}"#;
const INVALID_TOKEN: &str = r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oaeSoak","errorCauses":[]}"#;

fn rate_limited_with_reset() -> Reply {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Reply::json(429, RATE_LIMITED)
        .header("x-rate-limit-limit", "600")
        .header("x-rate-limit-remaining", "0")
        .header("x-rate-limit-reset", &(now + 30).to_string())
        .header("date", &http_date(now))
}

fn scripted(req: &RecordedRequest) -> Reply {
    let user = req.path().split('/').nth(4).unwrap_or_default();
    let name = user.split('-').next().unwrap_or_default();
    let retry = req.header("x-okta-retry-count").is_some();
    let ok = || Reply::json(200, format!("[{SMS_FACTOR}]"));
    match name {
        "429reset" if !retry => rate_limited_with_reset(),
        "429noreset" if !retry => Reply::json(429, RATE_LIMITED),
        "429concurrent" if !retry => Reply::json(429, RATE_LIMITED)
            .header("x-rate-limit-limit", "0")
            .header("x-rate-limit-remaining", "0"),
        "stormreset" => rate_limited_with_reset(),
        "stormnoreset" => Reply::json(429, RATE_LIMITED),
        "500" => Reply::json(500, SERVER_ERROR),
        "401" => Reply::json(401, INVALID_TOKEN).header("www-authenticate", "SSWS"),
        "html" => Reply::Response {
            status: 502,
            headers: vec![("content-type".into(), "text/html".into())],
            body: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        },
        "reset" => Reply::ResetMidBody {
            status: 200,
            declared_len: 400,
            partial: br#"[{"id":"mbl1nz9JHJGHWRKMTLHP","factorType""#.to_vec(),
        },
        "close" => Reply::Close,
        "stall" => Reply::Stall(STALL),
        "truncated" => Reply::json(200, r#"[{"id":"mbl1","factorType":"sms","#),
        "toolarge" => Reply::json(200, format!("[{}]", " ".repeat(4 * MAX_RESPONSE_BYTES))),
        _ => ok(),
    }
}

// ---------------------------------------------------------------------------
// Statistics

#[derive(Debug, Default, Clone)]
struct Stats {
    calls: usize,
    by_outcome: [usize; 8],
    max_latency: Duration,
    total_latency: Duration,
    /// Total latency of the simulator's and the scripted server's calls.
    split: [(usize, Duration); 2],
    slowest: String,
    /// Calls that ended otherwise than their scenario allows (first few).
    wrong: Vec<String>,
    wrong_count: usize,
}

impl Stats {
    fn record<T>(
        &mut self,
        i: usize,
        target: Target,
        result: &Result<T, Error>,
        latency: Duration,
    ) {
        self.calls += 1;
        let outcome = Outcome::of(result);
        let index = Outcome::ALL.iter().position(|o| *o == outcome).unwrap();
        self.by_outcome[index] += 1;
        self.total_latency += latency;
        let side = usize::from(matches!(target, Target::Scripted(_)));
        self.split[side].0 += 1;
        self.split[side].1 += latency;
        if latency > self.max_latency {
            self.max_latency = latency;
            self.slowest = format!("call {i} {target:?}");
        }
        if !acceptable(target, result) || latency > REQUEST_TIMEOUT + LATENCY_SLACK {
            self.wrong_count += 1;
            if self.wrong.len() < 10 {
                let err = result.as_ref().err().map(ToString::to_string);
                self.wrong
                    .push(format!("call {i} {target:?} after {latency:?}: {err:?}"));
            }
        }
    }

    fn merge(&mut self, other: &Stats) {
        self.calls += other.calls;
        self.total_latency += other.total_latency;
        for (sum, part) in self.split.iter_mut().zip(other.split) {
            sum.0 += part.0;
            sum.1 += part.1;
        }
        for (sum, n) in self.by_outcome.iter_mut().zip(other.by_outcome) {
            *sum += n;
        }
        if other.max_latency > self.max_latency {
            self.max_latency = other.max_latency;
            self.slowest.clone_from(&other.slowest);
        }
        self.wrong_count += other.wrong_count;
        self.wrong.extend(
            other
                .wrong
                .iter()
                .take(10usize.saturating_sub(self.wrong.len()))
                .cloned(),
        );
    }

    fn count(&self, outcome: Outcome) -> usize {
        self.by_outcome[Outcome::ALL.iter().position(|o| *o == outcome).unwrap()]
    }
}

/// One adapter's run, for the summary table.
struct Report {
    adapter: &'static str,
    stats: Stats,
    wall: Duration,
    rss_kib: Option<(u64, u64, u64)>,
    fds: Option<(usize, usize, usize)>,
}

impl Report {
    const HEADER: &'static str = "client  calls     ok    api timeout     io decode  unexp  large  other  mean ms (sim/scripted)  max ms  wall s";

    fn mean_ms(n: usize, total: Duration) -> f64 {
        if n == 0 {
            return 0.0;
        }
        total.as_secs_f64() * 1000.0 / n as f64
    }

    fn resources(&self) -> String {
        let rss = match self.rss_kib {
            Some((start, warm, end)) => format!(
                "VmRSS {} KiB at start, {} KiB after the warm-up, {} KiB at the end",
                start, warm, end
            ),
            None => "VmRSS n/a".to_owned(),
        };
        let fds = match self.fds {
            Some((before, during, after)) => format!(
                "open fds {before} before, {during} during (pooled connections), {after} after"
            ),
            None => "open fds n/a".to_owned(),
        };
        format!("{:<6} {rss}; {fds}", self.adapter)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        write!(f, "{:<6} {:>6}", self.adapter, s.calls)?;
        for outcome in Outcome::ALL {
            write!(f, " {:>6}", s.count(outcome))?;
        }
        let mean = format!(
            "{:.1} ({:.1}/{:.1})",
            Self::mean_ms(s.calls, s.total_latency),
            Self::mean_ms(s.split[0].0, s.split[0].1),
            Self::mean_ms(s.split[1].0, s.split[1].1),
        );
        write!(
            f,
            "  {mean:>22}  {:>6}  {:>6.1}",
            s.max_latency.as_millis(),
            self.wall.as_secs_f64()
        )
    }
}

// ---------------------------------------------------------------------------
// Process measurements (Linux; `None` elsewhere)

fn open_fds() -> Option<usize> {
    std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|dir| dir.count())
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Waits (a few seconds at most) for the open descriptors to come back to
/// `baseline` (server threads close their sockets when they notice the
/// client is gone), then returns the count.
fn fds_settled(baseline: Option<usize>) -> Option<usize> {
    let baseline = baseline?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = open_fds()?;
        if now <= baseline || Instant::now() > deadline {
            return Some(now);
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `run` on its own thread; fails the test if it does not finish by
/// `deadline` (a hang) or panics.
fn with_deadline<T: Send + 'static>(
    what: &str,
    deadline: Duration,
    run: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tx.send(run());
    });
    match rx.recv_timeout(deadline) {
        Ok(value) => {
            handle.join().unwrap();
            value
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: the run did not finish within {deadline:?} (a call hung)")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The run panicked: surface its panic.
            match handle.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => panic!("{what}: the run ended without a result"),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Fixture: the simulator with a user and a security question factor

struct Fixture {
    sim_server: SimServer,
    user: String,
    factor: String,
}

fn fixture() -> Fixture {
    let sim_server = SimServer::start_new(
        SimulatorConfig::new(TOKEN)
            .seed(7)
            .rate_limit_per_minute(u32::MAX),
    )
    .unwrap();
    let user = sim_server.simulator().create_user("soak@example.com");
    let client = okta_factors::ureq::Client::new(
        OrgUrl::parse(sim_server.url()).unwrap(),
        Credentials::api_token(TOKEN).unwrap(),
    )
    .unwrap();
    let factor = client
        .enroll_factor(&user, FactorEnrollment::question("disliked_food", ANSWER))
        .unwrap();
    let factor = factor.id().unwrap().to_owned();
    Fixture {
        sim_server,
        user,
        factor,
    }
}

fn credentials() -> Credentials {
    Credentials::api_token(TOKEN).unwrap()
}

// ---------------------------------------------------------------------------
// ureq: a few threads

struct UreqClients {
    sim: okta_factors::ureq::Client,
    scripted: okta_factors::ureq::Client,
}

fn ureq_client(url: &str) -> okta_factors::ureq::Client {
    okta_factors::ureq::Client::builder(OrgUrl::parse(url).unwrap(), credentials())
        .connect_timeout(REQUEST_TIMEOUT)
        .request_timeout(REQUEST_TIMEOUT)
        .retry_policy(retry_policy())
        .max_response_bytes(MAX_RESPONSE_BYTES)
        .build()
        .unwrap()
}

fn ureq_call(
    clients: &UreqClients,
    fx: &(SharedSimulator, String, String),
    i: usize,
    stats: &mut Stats,
) {
    let (sim, user, factor) = fx;
    let target = target(i);
    if let Target::Sim(_) = target {
        inject_faults(sim, i);
    }
    let started = Instant::now();
    let result: Result<(), Error> = match target {
        Target::Sim(op) => {
            let c = &clients.sim;
            match op {
                SimOp::ListFactors => c.list_factors(user).map(drop),
                SimOp::Catalog => c.list_supported_factors(user).map(drop),
                SimOp::Questions => c.list_supported_security_questions(user).map(drop),
                SimOp::GetFactor => c.get_factor(user, factor).map(drop),
                SimOp::RightAnswer => c
                    .verify_factor(user, factor, Some(VerifyFactorRequest::answer(ANSWER)))
                    .map(|outcome| assert!(outcome.is_success(), "{outcome:?}")),
                SimOp::WrongAnswer => c
                    .verify_factor(user, factor, Some(VerifyFactorRequest::answer("not it")))
                    .map(drop),
            }
        }
        Target::Scripted(scenario) => clients
            .scripted
            .list_factors(&scenario_user(scenario, i))
            .map(drop),
    };
    stats.record(i, target, &result, started.elapsed());
}

/// Calls `range` with `UREQ_THREADS` threads sharing the clients.
fn ureq_calls(
    clients: &UreqClients,
    fx: &(SharedSimulator, String, String),
    range: std::ops::Range<usize>,
) -> Stats {
    let next = AtomicUsize::new(range.start);
    let total = Mutex::new(Stats::default());
    thread::scope(|scope| {
        for _ in 0..UREQ_THREADS {
            scope.spawn(|| {
                let mut stats = Stats::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= range.end {
                        break;
                    }
                    ureq_call(clients, fx, i, &mut stats);
                }
                total.lock().unwrap().merge(&stats);
            });
        }
    });
    total.into_inner().unwrap()
}

fn ureq_run(calls: usize) -> Report {
    let fds_before = open_fds();
    let rss_start = rss_kib();
    let started = Instant::now();
    let fixture = fixture();
    let fx = (
        fixture.sim_server.simulator().clone(),
        fixture.user.clone(),
        fixture.factor.clone(),
    );
    let sim = ureq_client(fixture.sim_server.url());

    // Warm-up (pools, lazy statics, allocator arenas), then the baseline.
    let warm_server = TestServer::start(scripted);
    let clients = UreqClients {
        sim: sim.clone(),
        scripted: ureq_client(warm_server.url()),
    };
    let mut stats = ureq_calls(&clients, &fx, 0..WARM_UP_CALLS);
    drop(clients);
    drop(warm_server);
    let rss_warm = rss_kib();

    let mut fds_during = None;
    let mut done = 0;
    while done < calls {
        let n = ROUND.min(calls - done);
        let server = TestServer::start(scripted);
        let clients = UreqClients {
            sim: sim.clone(),
            scripted: ureq_client(server.url()),
        };
        let base = WARM_UP_CALLS + done;
        stats.merge(&ureq_calls(&clients, &fx, base..base + n));
        // Healthy afterwards: a normal call succeeds on the same client.
        let ok = clients.scripted.list_factors("ok-health").unwrap();
        assert_eq!(ok.len(), 1);
        fds_during = open_fds();
        done += n;
    }
    fx.0.clear_faults();
    let factors = sim.list_factors(&fixture.user).unwrap();
    assert_eq!(
        factors.len(),
        1,
        "the simulator client is healthy afterwards"
    );
    let outcome = sim
        .verify_factor(
            &fixture.user,
            &fixture.factor,
            Some(VerifyFactorRequest::answer(ANSWER)),
        )
        .unwrap();
    assert!(outcome.is_success());
    let rss_end = rss_kib();
    let wall = started.elapsed();

    drop(sim);
    drop(fx);
    drop(fixture);
    let fds_after = fds_settled(fds_before);
    Report {
        adapter: "ureq",
        stats,
        wall,
        rss_kib: rss_start
            .zip(rss_warm)
            .zip(rss_end)
            .map(|((a, b), c)| (a, b, c)),
        fds: fds_before
            .zip(fds_during)
            .zip(fds_after)
            .map(|((a, b), c)| (a, b, c)),
    }
}

// ---------------------------------------------------------------------------
// hyper: many concurrent tasks

#[derive(Clone)]
struct HyperClients {
    sim: okta_factors::hyper::Client,
    scripted: okta_factors::hyper::Client,
}

fn hyper_client(url: &str) -> okta_factors::hyper::Client {
    okta_factors::hyper::Client::builder(OrgUrl::parse(url).unwrap(), credentials())
        .connect_timeout(REQUEST_TIMEOUT)
        .request_timeout(REQUEST_TIMEOUT)
        .retry_policy(retry_policy())
        .max_response_bytes(MAX_RESPONSE_BYTES)
        .build()
        .unwrap()
}

async fn hyper_call(
    clients: &HyperClients,
    fx: &(SharedSimulator, String, String),
    i: usize,
    stats: &mut Stats,
) {
    let (sim, user, factor) = fx;
    let target = target(i);
    if let Target::Sim(_) = target {
        inject_faults(sim, i);
    }
    let started = Instant::now();
    let result: Result<(), Error> = match target {
        Target::Sim(op) => {
            let c = &clients.sim;
            match op {
                SimOp::ListFactors => c.list_factors(user).await.map(drop),
                SimOp::Catalog => c.list_supported_factors(user).await.map(drop),
                SimOp::Questions => c.list_supported_security_questions(user).await.map(drop),
                SimOp::GetFactor => c.get_factor(user, factor).await.map(drop),
                SimOp::RightAnswer => c
                    .verify_factor(user, factor, Some(VerifyFactorRequest::answer(ANSWER)))
                    .await
                    .map(|outcome| assert!(outcome.is_success(), "{outcome:?}")),
                SimOp::WrongAnswer => c
                    .verify_factor(user, factor, Some(VerifyFactorRequest::answer("not it")))
                    .await
                    .map(drop),
            }
        }
        Target::Scripted(scenario) => clients
            .scripted
            .list_factors(&scenario_user(scenario, i))
            .await
            .map(drop),
    };
    stats.record(i, target, &result, started.elapsed());
}

/// Calls `range` from `HYPER_TASKS` concurrent tasks sharing the clients.
async fn hyper_calls(
    clients: &HyperClients,
    fx: &(SharedSimulator, String, String),
    range: std::ops::Range<usize>,
) -> Stats {
    let next = Arc::new(AtomicUsize::new(range.start));
    let mut tasks = Vec::new();
    for _ in 0..HYPER_TASKS {
        let (clients, fx, next, end) = (clients.clone(), fx.clone(), next.clone(), range.end);
        tasks.push(tokio::spawn(async move {
            let mut stats = Stats::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    break;
                }
                hyper_call(&clients, &fx, i, &mut stats).await;
            }
            stats
        }));
    }
    let mut total = Stats::default();
    for task in tasks {
        total.merge(&task.await.unwrap());
    }
    total
}

fn hyper_run(calls: usize) -> Report {
    let fds_before = open_fds();
    let rss_start = rss_kib();
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let fixture = fixture();
    let fx = (
        fixture.sim_server.simulator().clone(),
        fixture.user.clone(),
        fixture.factor.clone(),
    );
    let (stats, rss_warm, fds_during, rss_end) = runtime.block_on(async {
        let sim = hyper_client(fixture.sim_server.url());

        let warm_server = TestServer::start(scripted);
        let clients = HyperClients {
            sim: sim.clone(),
            scripted: hyper_client(warm_server.url()),
        };
        let mut stats = hyper_calls(&clients, &fx, 0..WARM_UP_CALLS).await;
        drop(clients);
        drop(warm_server);
        let rss_warm = rss_kib();

        let mut fds_during = None;
        let mut done = 0;
        while done < calls {
            let n = ROUND.min(calls - done);
            let server = TestServer::start(scripted);
            let clients = HyperClients {
                sim: sim.clone(),
                scripted: hyper_client(server.url()),
            };
            let base = WARM_UP_CALLS + done;
            stats.merge(&hyper_calls(&clients, &fx, base..base + n).await);
            let ok = clients.scripted.list_factors("ok-health").await.unwrap();
            assert_eq!(ok.len(), 1);
            fds_during = open_fds();
            drop(clients);
            done += n;
        }
        fx.0.clear_faults();
        let factors = sim.list_factors(&fixture.user).await.unwrap();
        assert_eq!(
            factors.len(),
            1,
            "the simulator client is healthy afterwards"
        );
        let outcome = sim
            .verify_factor(
                &fixture.user,
                &fixture.factor,
                Some(VerifyFactorRequest::answer(ANSWER)),
            )
            .await
            .unwrap();
        assert!(outcome.is_success());
        (stats, rss_warm, fds_during, rss_kib())
    });
    let wall = started.elapsed();
    // Connection tasks live on the runtime: shut it down with the clients gone.
    runtime.shutdown_timeout(Duration::from_secs(5));
    drop(fx);
    drop(fixture);
    let fds_after = fds_settled(fds_before);
    Report {
        adapter: "hyper",
        stats,
        wall,
        rss_kib: rss_start
            .zip(rss_warm)
            .zip(rss_end)
            .map(|((a, b), c)| (a, b, c)),
        fds: fds_before
            .zip(fds_during)
            .zip(fds_after)
            .map(|((a, b), c)| (a, b, c)),
    }
}

// ---------------------------------------------------------------------------

fn check(report: &Report) {
    let s = &report.stats;
    assert!(
        s.wrong_count == 0,
        "{}: {} calls ended otherwise than allowed (or later than {:?}), e.g.\n{}",
        report.adapter,
        s.wrong_count,
        REQUEST_TIMEOUT + LATENCY_SLACK,
        s.wrong.join("\n")
    );
    assert!(
        s.max_latency <= REQUEST_TIMEOUT + LATENCY_SLACK,
        "{}: slowest call took {:?} ({})",
        report.adapter,
        s.max_latency,
        s.slowest
    );
    // Every kind of fault was actually exercised.
    for outcome in [
        Outcome::Ok,
        Outcome::Api,
        Outcome::Timeout,
        Outcome::Io,
        Outcome::Decode,
        Outcome::Unexpected,
        Outcome::TooLarge,
    ] {
        assert!(
            s.count(outcome) > 0,
            "{}: no {outcome:?} outcome",
            report.adapter
        );
    }
    assert_eq!(s.count(Outcome::Other), 0, "{}", report.adapter);
    if let Some((_, warm, end)) = report.rss_kib {
        let growth = end.saturating_sub(warm);
        assert!(
            growth < MEMORY_GROWTH_LIMIT_KIB,
            "{}: resident memory grew by {} KiB after the warm-up",
            report.adapter,
            growth
        );
    }
    if let Some((before, _, after)) = report.fds {
        assert!(
            after <= before + FD_ALLOWANCE,
            "{}: {} file descriptors open before, {} after (clients and servers dropped)",
            report.adapter,
            before,
            after
        );
    }
}

#[test]
fn fault_soak_through_both_adapters() {
    let calls = calls_per_adapter();
    let deadline = run_deadline(calls + WARM_UP_CALLS);
    if open_fds().is_none() {
        println!("soak: /proc/self is not available: skipping the fd and memory checks");
    }
    let ureq = with_deadline("ureq", deadline, move || ureq_run(calls));
    let hyper = with_deadline("hyper", deadline, move || hyper_run(calls));

    println!();
    println!(
        "fault soak: {calls} calls per adapter + {WARM_UP_CALLS} warm-up calls (all in the table), request_timeout {} ms, {UREQ_THREADS} ureq threads, {HYPER_TASKS} hyper tasks",
        REQUEST_TIMEOUT.as_millis()
    );
    println!("{}", Report::HEADER);
    println!("{ureq}");
    println!("{hyper}");
    println!("{}", ureq.resources());
    println!("{}", hyper.resources());

    check(&ureq);
    check(&hyper);
}
