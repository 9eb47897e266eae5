//! `okta-factors-sim`: serves the UserFactor simulator on a local port.
//!
//! ```text
//! cargo run -p okta-factors-sim -- --port 8080 --token my-token --user alice@example.com
//! ```

#![forbid(unsafe_code)]

use std::io::BufRead;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use okta_factors_core::model::{FactorStatus, FactorType};
use okta_factors_sim::{ServerConfig, SharedSimulator, SimServer, Simulator, SimulatorConfig};

const HELP: &str = "\
okta-factors-sim: an in-memory Okta UserFactor API on a local port

USAGE:
    okta-factors-sim [OPTIONS]

OPTIONS:
    --port <PORT>     port to listen on (default 0: a free port)
    --host <IP>       address to bind (default 127.0.0.1)
    --token <TOKEN>   API token clients must send as `SSWS <TOKEN>` (default sim-token)
    --user <LOGIN>    create a user (repeatable; default one user, demo@example.com)
    --seed <N>        PRNG seed for IDs, OTPs and secrets (default: from the time)
    --max-connections <N>
                      connections served at once; more get 503 (default 256)
    --idle-timeout <SECONDS>
                      close a connection that sends no request for this long (default 30)
    -h, --help        print this help

The server runs until the process is killed. OTPs \"sent\" and pushes waiting
for a device are printed as they happen. Device commands on stdin:
    approve <tx>        approve a push         reject <tx>     reject a push
    answer <tx> <n>     pick a number          activate <id>   finish a push enrollment
    totp <user> <id>    current TOTP code      outbox <user>   list sent messages
    users               list users             help            this list
";

struct Args {
    host: IpAddr,
    port: u16,
    token: String,
    users: Vec<String>,
    seed: Option<u64>,
    server: ServerConfig,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        token: "sim-token".to_owned(),
        users: Vec::new(),
        seed: None,
        server: ServerConfig::default(),
    };
    let mut iter = std::env::args().skip(1);
    while let Some(arg) = iter.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if name == "-h" || name == "--help" {
            return Ok(None);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| iter.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--port" => {
                args.port = value()?
                    .parse()
                    .map_err(|_| "--port must be a number from 0 to 65535".to_owned())?
            }
            "--host" => {
                args.host = value()?
                    .parse()
                    .map_err(|_| "--host must be an IP address".to_owned())?
            }
            "--token" => {
                args.token = value()?;
                if args.token.trim().is_empty() {
                    return Err("--token must not be empty".into());
                }
            }
            "--user" => args.users.push(value()?),
            "--seed" => {
                args.seed = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--seed must be a number".to_owned())?,
                )
            }
            "--max-connections" => {
                let max: usize = value()?
                    .parse()
                    .map_err(|_| "--max-connections must be a number".to_owned())?;
                if max == 0 {
                    return Err("--max-connections must be at least 1".into());
                }
                args.server = args.server.max_connections(max);
            }
            "--idle-timeout" => {
                let secs: u64 = value()?
                    .parse()
                    .map_err(|_| "--idle-timeout must be a number of seconds".to_owned())?;
                if secs == 0 {
                    return Err("--idle-timeout must be at least 1 second".into());
                }
                args.server = args.server.idle_timeout(Duration::from_secs(secs));
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if args.users.is_empty() {
        args.users.push("demo@example.com".to_owned());
    }
    Ok(Some(args))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let seed = args.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let config = SimulatorConfig::new(args.token.clone()).seed(seed);
    let sim = SharedSimulator::new(Simulator::new(config));
    let user_ids: Vec<(String, String)> = args
        .users
        .iter()
        .map(|login| (sim.create_user(login.as_str()), login.clone()))
        .collect();
    let server = match SimServer::start_with(
        sim.clone(),
        SocketAddr::new(args.host, args.port),
        args.server,
    ) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::FAILURE;
        }
    };
    println!("okta-factors-sim listening on {}", server.url());
    println!("  org URL: {}", server.url());
    println!(
        "  token:   {}  (Authorization: SSWS {})",
        args.token, args.token
    );
    for (id, login) in &user_ids {
        println!("  user:    {id}  {login}");
    }
    println!("Type `help` for device commands.");

    let monitor = sim.clone();
    let spawned = thread::Builder::new()
        .name("okta-factors-sim-monitor".into())
        .spawn(move || monitor_loop(&monitor));
    if spawned.is_err() {
        eprintln!("warning: cannot start the event monitor");
    }
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        run_command(&sim, line.trim());
    }
    // stdin closed: keep serving until the process is killed.
    loop {
        thread::park();
    }
}

/// Prints new OTPs, waiting pushes and push enrollments as they appear.
fn monitor_loop(sim: &SharedSimulator) {
    let mut seen_messages = std::collections::HashMap::<String, usize>::new();
    let mut seen_pushes = std::collections::HashSet::<String>::new();
    let mut seen_enrollments = std::collections::HashSet::<String>::new();
    loop {
        for user in sim.users() {
            let outbox = sim.outbox(&user.id);
            let seen = seen_messages.entry(user.id.clone()).or_insert(0);
            for message in outbox.iter().skip(*seen) {
                println!(
                    "[{}] to {}: code {} (user {}, factor {})",
                    message.channel, message.to, message.code, user.id, message.factor_id
                );
            }
            *seen = outbox.len();
            for push in sim.pending_pushes(&user.id) {
                if seen_pushes.insert(push.transaction_id.clone()) {
                    match push.correct_answer {
                        Some(n) => println!(
                            "[push] {} waits (number {n}): `answer {} {n}` or `reject {}`",
                            push.transaction_id, push.transaction_id, push.transaction_id
                        ),
                        None => println!(
                            "[push] {} waits: `approve {}` or `reject {}`",
                            push.transaction_id, push.transaction_id, push.transaction_id
                        ),
                    }
                }
            }
            for factor in sim.factors(&user.id) {
                let device = matches!(factor.factor_type, FactorType::Push | FactorType::Web);
                if device
                    && factor.status == FactorStatus::PendingActivation
                    && seen_enrollments.insert(factor.id.clone())
                {
                    println!(
                        "[enroll] {} factor {} waits for a device: `activate {}`",
                        factor.factor_type, factor.id, factor.id
                    );
                }
            }
        }
        thread::sleep(Duration::from_millis(250));
    }
}

fn run_command(sim: &SharedSimulator, line: &str) {
    let words: Vec<&str> = line.split_whitespace().collect();
    let report = |result: Result<String, String>| match result {
        Ok(message) => println!("{message}"),
        Err(message) => println!("error: {message}"),
    };
    match words.as_slice() {
        [] => {}
        ["help"] => print!("{HELP}"),
        ["users"] => {
            for user in sim.users() {
                println!("{}  {}  {}", user.id, user.login, user.email);
            }
        }
        ["approve", tx] => report(
            sim.approve_push(tx)
                .map(|r| format!("{tx}: {r}"))
                .map_err(|e| e.to_string()),
        ),
        ["reject", tx] => report(
            sim.reject_push(tx)
                .map(|r| format!("{tx}: {r}"))
                .map_err(|e| e.to_string()),
        ),
        ["answer", tx, n] => match n.parse() {
            Ok(n) => report(
                sim.answer_push(tx, n)
                    .map(|r| format!("{tx}: {r}"))
                    .map_err(|e| e.to_string()),
            ),
            Err(_) => println!("error: {n} is not a number"),
        },
        ["activate", factor] => report(
            sim.activate_push_device(factor)
                .map(|()| format!("{factor}: ACTIVE"))
                .map_err(|e| e.to_string()),
        ),
        ["totp", user, factor] => match sim.totp_code(user, factor) {
            Some(code) => println!("{code}"),
            None => println!("error: no TOTP factor {factor} for user {user}"),
        },
        ["outbox", user] => {
            for m in sim.outbox(user) {
                println!(
                    "[{}] to {}: code {} (factor {})",
                    m.channel, m.to, m.code, m.factor_id
                );
            }
        }
        _ => println!("error: unknown command (try `help`)"),
    }
}
