//! `okta-factors-sim`: serves the UserFactor simulator on a local port.
//!
//! ```text
//! cargo run -p okta-factors-sim -- --port 8080 --token my-token --user alice@example.com
//! cargo run -p okta-factors-sim -- --service-app client_id=0oa1app,jwk=public.jwk.json,dpop=required
//! ```

#![forbid(unsafe_code)]

use std::io::BufRead;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use okta_factors_core::model::{FactorStatus, FactorType};
use okta_factors_sim::{
    ServerConfig, ServiceApp, SharedSimulator, SimServer, Simulator, SimulatorConfig,
};

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
    --service-app client_id=<ID>,jwk=<PATH>[,jwk=<PATH>][,scopes=<A+B>][,dpop=required|optional]
                      register an OAuth 2.0 service app (repeatable): its client ID, a file
                      with a public JWK or a JWK Set (repeatable), the granted scopes joined
                      with `+` (default okta.users.read+okta.users.manage), and whether its
                      token requests need a DPoP proof (default optional). It gets tokens at
                      <org URL>/oauth2/v1/token with a private-key JWT client assertion
    --token-lifetime <SECONDS>
                      lifetime of issued access tokens (default 3600)
    --dpop-api-nonce  API calls with DPoP-bound tokens must carry the API's DPoP nonce
    --rate-limit <N>  requests per rate-limit window in each bucket (default 600)
    --window <SECONDS>
                      length of a rate-limit window (default 60)
    --concurrent-limit <C>
                      requests of one caller in flight at once; more get 429 with
                      X-Rate-Limit-Limit: 0 (default: no limit)
    --service-time <MILLISECONDS>
                      how long each API request takes to answer (default 0)
    --per-endpoint-buckets
                      one bucket per endpoint (method and path template), as Okta's,
                      instead of one bucket per caller for the whole API
    -h, --help        print this help

The server runs until the process is killed. OTPs \"sent\" and pushes waiting
for a device are printed as they happen. Device commands on stdin:
    approve <tx>        approve a push         reject <tx>     reject a push
    answer <tx> <n>     pick a number          activate <id>   finish a push enrollment
    totp <user> <id>    current TOTP code      outbox <user>   list sent messages
    users               list users             help            this list
    expire-tokens       expire every issued access token now
    rotate-nonce        replace the DPoP nonces (the old ones become stale)
    oauth               token requests, tokens issued, nonce challenges, auth refusals
    rate-limits         429s served and requests allowed, per caller and bucket (as JSON;
                        also GET <org URL>/_sim/rate-limits)
";

struct Args {
    host: IpAddr,
    port: u16,
    token: String,
    users: Vec<String>,
    seed: Option<u64>,
    server: ServerConfig,
    service_apps: Vec<ServiceApp>,
    token_lifetime: Option<Duration>,
    dpop_api_nonce: bool,
    rate_limit: Option<u32>,
    window: Option<Duration>,
    per_endpoint_buckets: bool,
    concurrent_limit: Option<u32>,
    service_time: Option<Duration>,
}

/// `client_id=<ID>,jwk=<PATH>[,jwk=<PATH>][,scopes=<A+B>][,dpop=required|optional]`.
fn parse_service_app(spec: &str) -> Result<ServiceApp, String> {
    let mut client_id = None;
    let mut jwks = Vec::new();
    let mut scopes = None;
    let mut dpop = false;
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| format!("--service-app: {part:?} is not key=value"))?;
        match key {
            "client_id" => client_id = Some(value.to_owned()),
            "jwk" => jwks.push(
                std::fs::read_to_string(value)
                    .map_err(|e| format!("--service-app: cannot read {value}: {e}"))?,
            ),
            "scopes" => scopes = Some(value.split('+').map(str::to_owned).collect::<Vec<_>>()),
            "dpop" => {
                dpop = match value {
                    "required" => true,
                    "optional" => false,
                    _ => return Err("--service-app: dpop is `required` or `optional`".into()),
                }
            }
            other => return Err(format!("--service-app: unknown key {other:?}")),
        }
    }
    let client_id = client_id.ok_or("--service-app needs client_id=<ID>")?;
    let mut app = ServiceApp::new(client_id).require_dpop(dpop);
    for jwk in jwks {
        app = app.jwk(jwk);
    }
    if let Some(scopes) = scopes {
        app = app.scopes(scopes);
    }
    Ok(app)
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        token: "sim-token".to_owned(),
        users: Vec::new(),
        seed: None,
        server: ServerConfig::default(),
        service_apps: Vec::new(),
        token_lifetime: None,
        dpop_api_nonce: false,
        rate_limit: None,
        window: None,
        per_endpoint_buckets: false,
        concurrent_limit: None,
        service_time: None,
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
        if name == "--dpop-api-nonce" {
            args.dpop_api_nonce = true;
            continue;
        }
        if name == "--per-endpoint-buckets" {
            args.per_endpoint_buckets = true;
            continue;
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
            "--service-app" => args.service_apps.push(parse_service_app(&value()?)?),
            "--token-lifetime" => {
                let secs: u64 = value()?
                    .parse()
                    .map_err(|_| "--token-lifetime must be a number of seconds".to_owned())?;
                if secs == 0 {
                    return Err("--token-lifetime must be at least 1 second".into());
                }
                args.token_lifetime = Some(Duration::from_secs(secs));
            }
            "--rate-limit" => {
                args.rate_limit = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--rate-limit must be a number".to_owned())?,
                )
            }
            "--concurrent-limit" => {
                args.concurrent_limit = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--concurrent-limit must be a number".to_owned())?,
                )
            }
            "--service-time" => {
                let ms: u64 = value()?
                    .parse()
                    .map_err(|_| "--service-time must be a number of milliseconds".to_owned())?;
                args.service_time = Some(Duration::from_millis(ms));
            }
            "--window" => {
                let secs: f64 = value()?
                    .parse()
                    .map_err(|_| "--window must be a number of seconds".to_owned())?;
                let window = Duration::try_from_secs_f64(secs)
                    .ok()
                    .filter(|w| *w >= Duration::from_millis(1))
                    .ok_or("--window must be at least 0.001 seconds")?;
                args.window = Some(window);
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
    let mut config = SimulatorConfig::new(args.token.clone())
        .seed(seed)
        .dpop_resource_nonce(args.dpop_api_nonce);
    if let Some(lifetime) = args.token_lifetime {
        config = config.access_token_lifetime(lifetime);
    }
    if let Some(limit) = args.rate_limit {
        config = config.rate_limit(limit);
    }
    if let Some(window) = args.window {
        config = config.rate_limit_window(window);
    }
    config = config
        .per_endpoint_buckets(args.per_endpoint_buckets)
        .concurrent_limit(args.concurrent_limit);
    if let Some(time) = args.service_time {
        config = config.service_time(time);
    }
    let sim = SharedSimulator::new(Simulator::new(config));
    let apps: Vec<(String, String, bool)> = args
        .service_apps
        .iter()
        .map(|a| {
            (
                a.client_id().to_owned(),
                a.granted_scopes().join(" "),
                a.requires_dpop(),
            )
        })
        .collect();
    for app in args.service_apps {
        if let Err(e) = sim.register_service_app(app) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
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
    for (client_id, scopes, dpop) in &apps {
        println!(
            "  service app: {client_id}  scopes: {scopes}  DPoP: {}  (tokens: POST {}/oauth2/v1/token)",
            if *dpop { "required" } else { "optional" },
            server.url()
        );
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
        ["expire-tokens"] => println!("{} access tokens expired", sim.expire_tokens()),
        ["rotate-nonce"] => {
            sim.rotate_dpop_nonce();
            println!("DPoP nonces rotated");
        }
        ["oauth"] => {
            let stats = sim.oauth_stats();
            println!(
                "token requests: {}, nonce challenges: {}, API calls refused for auth: {}",
                stats.token_requests, stats.nonce_challenges, stats.auth_refusals
            );
            for (client_id, count) in &stats.tokens_issued {
                println!("  {client_id}: {count} tokens issued");
            }
        }
        ["rate-limits"] => println!("{}", sim.rate_limit_stats().to_json()),
        _ => println!("error: unknown command (try `help`)"),
    }
}
