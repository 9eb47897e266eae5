//! The rate-limit governor (`ClientBuilder::governor`) against the
//! simulator's Okta-like limits (issue #14): an in-process `SimServer` on
//! loopback with L requests per window per endpoint bucket and a concurrent
//! limit C, N seeded users, and every user's factors listed (`list_factors`)
//! at 64-way concurrency, once through a client with a governor and once
//! through the default client (which only retries `429`s), in the same run.
//! Prints a markdown table.
//!
//! The calls go through the async hyper client, 64 tokio tasks pulling user
//! IDs from a shared queue on a 2-thread runtime: 64 tasks cost next to
//! nothing, whereas 64 ureq threads would compete for the machine's cores with
//! the simulator's own thread per connection.
//!
//! ```text
//! governor_sweep [--users N] [--limit L] [--window-ms MS] [--concurrent C]
//!                [--tasks T] [--service-ms MS] [--share PERCENT] [--scaling]
//! ```
//!
//! Defaults are the issue's: N = 2000, L = 100 per 2000 ms, C = 25, 64 tasks,
//! 10 ms service time, an 80 % share. `--scaling` runs the governed sweep for
//! N = 500, 1000, 2000, 4000, 8000 instead (about 6-7 minutes).

#![forbid(unsafe_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use okta_factors_core::policy::{Governor, GovernorConfig};
use okta_factors_core::{Credentials, OrgUrl};
use okta_factors_sim::{
    RateLimitStats, ServerConfig, SharedSimulator, SimServer, Simulator, SimulatorConfig,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const TOKEN: &str = "00bench-governor-token";
const SCALING: [usize; 5] = [500, 1000, 2000, 4000, 8000];

/// The command line.
#[derive(Debug, Clone)]
struct Args {
    users: usize,
    limit: u32,
    window: Duration,
    concurrent: u32,
    tasks: usize,
    service: Duration,
    share: u8,
    scaling: bool,
}

impl Default for Args {
    fn default() -> Self {
        Self {
            users: 2000,
            limit: 100,
            window: Duration::from_secs(2),
            concurrent: 25,
            tasks: 64,
            service: Duration::from_millis(10),
            share: 80,
            scaling: false,
        }
    }
}

const USAGE: &str = "usage: governor_sweep [--users N] [--limit L] [--window-ms MS] \
[--concurrent C] [--tasks T] [--service-ms MS] [--share PERCENT] [--scaling]";

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        if flag == "--scaling" {
            parsed.scaling = true;
            continue;
        }
        let value = iter
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = value
            .parse::<u64>()
            .map_err(|_| format!("{flag} {value}: not a number\n{USAGE}"))?;
        let small = |n: u64| u32::try_from(n).map_err(|_| format!("{flag} {value}: too large"));
        match flag.as_str() {
            "--users" => parsed.users = usize::try_from(number).map_err(|e| e.to_string())?,
            "--limit" => parsed.limit = small(number)?.max(1),
            "--window-ms" => parsed.window = Duration::from_millis(number.max(1)),
            "--concurrent" => parsed.concurrent = small(number)?.max(1),
            "--tasks" => {
                parsed.tasks = usize::try_from(number.max(1)).map_err(|e| e.to_string())?
            }
            "--service-ms" => parsed.service = Duration::from_millis(number),
            "--share" => {
                parsed.share = u8::try_from(number.clamp(1, 100)).map_err(|e| e.to_string())?
            }
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

/// What one sweep measured.
#[derive(Debug, Clone, Default)]
struct Sweep {
    calls: u64,
    completed: u64,
    failed: u64,
    /// Failed calls whose last answer was a `429`.
    failed_429: u64,
    wall: Duration,
    window_429s: u64,
    concurrent_429s: u64,
    peak_in_flight: u32,
    /// Window `429`s in each window-long interval from the start.
    window_429s_by_interval: Vec<u64>,
}

impl Sweep {
    fn throughput(&self) -> f64 {
        self.completed as f64 / self.wall.as_secs_f64().max(f64::EPSILON)
    }

    fn per_thousand(&self, count: u64) -> f64 {
        count as f64 * 1000.0 / (self.calls.max(1) as f64)
    }

    /// Window-long intervals the sweep spanned (a partial one counts).
    fn windows(&self, window: Duration) -> u64 {
        (self.wall.as_secs_f64() / window.as_secs_f64())
            .ceil()
            .max(1.0) as u64
    }
}

/// The simulator, served on loopback, with `users` seeded users.
fn start_server(args: &Args, users: usize) -> Result<(SimServer, Vec<String>), BoxError> {
    let config = SimulatorConfig::new(TOKEN)
        .rate_limit(args.limit)
        .rate_limit_window(args.window)
        .per_endpoint_buckets(true)
        .concurrent_limit(Some(args.concurrent))
        .service_time(args.service);
    let sim = SharedSimulator::new(Simulator::new(config));
    let server = SimServer::start_with(
        sim,
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        // A connection per task, and room for the ones the client replaces.
        ServerConfig::default().max_connections(args.tasks * 2 + 16),
    )?;
    let ids = server.simulator().seed_users(users, 14);
    Ok((server, ids))
}

fn client(
    server: &SimServer,
    governor: Option<Governor>,
) -> Result<okta_factors_hyper::Client, BoxError> {
    let mut builder = okta_factors_hyper::Client::builder(
        OrgUrl::parse(server.url())?,
        Credentials::api_token(TOKEN)?,
    );
    if let Some(governor) = governor {
        builder = builder.governor(governor);
    }
    Ok(builder.build()?)
}

/// Lists the factors of every user of `users` through `client` from
/// `tasks` tasks, after a fresh window, and reads the simulator's counters.
fn sweep(
    runtime: &tokio::runtime::Runtime,
    server: &SimServer,
    client: &okta_factors_hyper::Client,
    users: &Arc<Vec<String>>,
    args: &Args,
) -> Sweep {
    let sim = server.simulator();
    // Every bucket's window has expired: the first request starts a new one.
    std::thread::sleep(args.window + Duration::from_millis(200));
    sim.reset_rate_limit_stats();
    let next = Arc::new(AtomicUsize::new(0));
    let completed = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let failed_429 = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let window_429s_by_interval = runtime.block_on(async {
        let mut handles = Vec::with_capacity(args.tasks);
        for _ in 0..args.tasks {
            let (client, users, next) = (client.clone(), Arc::clone(users), Arc::clone(&next));
            let (completed, failed, failed_429) = (
                Arc::clone(&completed),
                Arc::clone(&failed),
                Arc::clone(&failed_429),
            );
            handles.push(tokio::spawn(async move {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(user) = users.get(index) else { break };
                    match client.list_factors(user).await {
                        Ok(factors) => {
                            std::hint::black_box(factors);
                            completed.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(error) => {
                            if error.is_rate_limited() {
                                failed_429.fetch_add(1, Ordering::Relaxed);
                            }
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        // The window 429s of each window-long interval, sampled while the
        // tasks run.
        let mut intervals = Vec::new();
        let mut seen = 0u64;
        let mut tick =
            tokio::time::interval_at(tokio::time::Instant::now() + args.window, args.window);
        let all = async {
            for handle in handles {
                // A task that panicked has counted nothing more: its calls
                // are missing from `completed` and `failed`.
                let _ = handle.await;
            }
        };
        tokio::pin!(all);
        loop {
            tokio::select! {
                () = &mut all => break,
                _ = tick.tick() => {
                    let now = api_stats(sim).window_429s;
                    intervals.push(now - seen);
                    seen = now;
                }
            }
        }
        let now = api_stats(sim).window_429s;
        intervals.push(now - seen);
        intervals
    });
    let wall = started.elapsed();
    let api = api_stats(sim);
    Sweep {
        calls: users.len() as u64,
        completed: completed.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        failed_429: failed_429.load(Ordering::Relaxed),
        wall,
        window_429s: api.window_429s,
        concurrent_429s: api.concurrent_429s,
        peak_in_flight: api.peak_in_flight,
        window_429s_by_interval,
    }
}

fn api_stats(sim: &SharedSimulator) -> okta_factors_sim::PrincipalRateStats {
    sim.rate_limit_stats().principal(RateLimitStats::API_TOKEN)
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

fn governor(args: &Args) -> Governor {
    Governor::new(GovernorConfig::default().share_percent(args.share))
}

/// Requests a window the share allows, and the limit itself, per second.
fn rates(args: &Args) -> (f64, f64) {
    let limit = f64::from(args.limit) / args.window.as_secs_f64();
    let budget = (f64::from(args.limit) * f64::from(args.share) / 100.0)
        .floor()
        .max(1.0);
    (budget / args.window.as_secs_f64(), limit)
}

fn compare(args: &Args) -> Result<(), BoxError> {
    let runtime = runtime()?;
    let (server, users) = start_server(args, args.users)?;
    let users = Arc::new(users);
    let governed = {
        let client = runtime.block_on(async { client(&server, Some(governor(args))) })?;
        sweep(&runtime, &server, &client, &users, args)
    };
    let plain = {
        let client = runtime.block_on(async { client(&server, None) })?;
        sweep(&runtime, &server, &client, &users, args)
    };
    let (share_rate, limit_rate) = rates(args);
    println!(
        "governor sweep: N = {} users (`list_factors`), L = {} per {} ms per endpoint bucket, \
         C = {}, {} tasks (hyper), service time {} ms, share {} % ({:.1}/s of {:.1}/s)",
        args.users,
        args.limit,
        args.window.as_millis(),
        args.concurrent,
        args.tasks,
        args.service.as_millis(),
        args.share,
        share_rate,
        limit_rate,
    );
    println!();
    println!(
        "| client | wall (s) | completed | failed (429) | calls/s | ÷ share of L | ÷ L \
         | window 429s /1000 calls | concurrent 429s /1000 calls | window 429s /window (max) \
         | window 429s after the first window | peak in flight |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, run) in [
        ("with governor", &governed),
        ("without (retries only)", &plain),
    ] {
        let windows = run.windows(args.window);
        let max = run
            .window_429s_by_interval
            .iter()
            .copied()
            .max()
            .unwrap_or(0);
        let after_first: u64 = run.window_429s_by_interval.iter().skip(1).sum();
        println!(
            "| {name} | {:.1} | {} | {} ({}) | {:.1} | {:.3} | {:.3} | {:.2} | {:.2} | {:.2} ({max}) | {after_first} | {} |",
            run.wall.as_secs_f64(),
            run.completed,
            run.failed,
            run.failed_429,
            run.throughput(),
            run.throughput() / share_rate,
            run.throughput() / limit_rate,
            run.per_thousand(run.window_429s),
            run.per_thousand(run.concurrent_429s),
            run.window_429s as f64 / windows as f64,
            run.peak_in_flight,
        );
    }
    println!();
    println!(
        "window 429s per window-long interval: with governor {:?}; without {:?}",
        governed.window_429s_by_interval, plain.window_429s_by_interval
    );
    Ok(())
}

fn scaling(args: &Args) -> Result<(), BoxError> {
    let runtime = runtime()?;
    let (share_rate, limit_rate) = rates(args);
    println!(
        "governor scaling: L = {} per {} ms, C = {}, {} tasks (hyper), service {} ms, share {} % ({:.1}/s)",
        args.limit,
        args.window.as_millis(),
        args.concurrent,
        args.tasks,
        args.service.as_millis(),
        args.share,
        share_rate,
    );
    println!();
    println!(
        "| N | wall (s) | wall / N (ms) | completed | failed | calls/s | ÷ share of L | ÷ L \
         | window 429s | concurrent 429s |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in SCALING {
        let (server, users) = start_server(args, n)?;
        let users = Arc::new(users);
        let client = runtime.block_on(async { client(&server, Some(governor(args))) })?;
        let run = sweep(&runtime, &server, &client, &users, args);
        println!(
            "| {n} | {:.1} | {:.2} | {} | {} | {:.1} | {:.3} | {:.3} | {} | {} |",
            run.wall.as_secs_f64(),
            run.wall.as_secs_f64() * 1000.0 / n as f64,
            run.completed,
            run.failed,
            run.throughput(),
            run.throughput() / share_rate,
            run.throughput() / limit_rate,
            run.window_429s,
            run.concurrent_429s,
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&args) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let result = if args.scaling {
        scaling(&args)
    } else {
        compare(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("governor_sweep: {e}");
            ExitCode::FAILURE
        }
    }
}
