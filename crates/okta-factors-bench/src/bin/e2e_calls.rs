//! Makes `get_factor` calls over loopback through one side of the end-to-end
//! comparison, for an instruction counter (`scripts/bench` runs it under
//! `valgrind --tool=callgrind` when valgrind is installed): instruction counts
//! do not depend on the machine's load, unlike the paired CPU times.
//!
//! `e2e_calls SIDE N`, SIDE one of `ureq`, `ureq-bare-core`, `hyper`,
//! `hyper-bare-core` (the client, or the bare transport with the core by
//! hand, as in the `e2e` bench). The per-call count is the difference of two
//! runs with different N divided by the difference of N, so that the set-up
//! (server, client, TLS roots, runtime) cancels out.
//!
//! The governor's cost: SIDE `ureq-plenty` / `hyper-plenty` is the client
//! without a governor, `ureq-governed` / `hyper-governed` the same client with
//! a default `Governor`, both against a server whose rate-limit headers leave
//! plenty of budget (`Setup::start_with_plenty_of_budget`), so the governed
//! calls are never held back and the difference is the governor's own work.

#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;

use okta_factors_bench::e2e::{hyper_adapter, ureq_adapter, BareHyper, BareUreq, BoxError, Setup};
use okta_factors_core::policy::{Governor, GovernorConfig};

fn run(side: &str, calls: u64) -> Result<(), BoxError> {
    let (side, setup) = match side {
        "ureq-plenty" => ("ureq", Setup::start_with_plenty_of_budget()?),
        "hyper-plenty" => ("hyper", Setup::start_with_plenty_of_budget()?),
        "ureq-governed" => ("ureq", governed()?),
        "hyper-governed" => ("hyper", governed()?),
        side => (side, Setup::start()?),
    };
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    match side {
        "ureq" => {
            let client = setup.ureq_client()?;
            for _ in 0..calls {
                black_box(ureq_adapter(&client)?);
            }
        }
        "ureq-bare-core" => {
            let bare = BareUreq::new(&setup)?;
            for _ in 0..calls {
                black_box(bare.get_with_core()?);
            }
        }
        "hyper" => {
            let client = setup.hyper_client()?;
            runtime()?.block_on(async {
                for _ in 0..calls {
                    black_box(hyper_adapter(&client).await?);
                }
                Ok::<_, BoxError>(())
            })?;
        }
        "hyper-bare-core" => {
            let rt = runtime()?;
            let bare = rt.block_on(async { BareHyper::new(&setup) })?;
            rt.block_on(async {
                for _ in 0..calls {
                    black_box(bare.get_with_core().await?);
                }
                Ok::<_, BoxError>(())
            })?;
        }
        _ => return Err(format!("unknown side {side:?}").into()),
    }
    Ok(())
}

/// The plenty-of-budget server, and clients with a default governor.
fn governed() -> Result<Setup, BoxError> {
    Ok(Setup::start_with_plenty_of_budget()?.governed(Governor::new(GovernorConfig::default())))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(side), Some(Ok(calls))) = (args.first(), args.get(1).map(|n| n.parse::<u64>()))
    else {
        eprintln!(
            "usage: e2e_calls ureq|ureq-bare-core|hyper|hyper-bare-core\
             |ureq-plenty|ureq-governed|hyper-plenty|hyper-governed CALLS"
        );
        return ExitCode::FAILURE;
    };
    match run(side, calls) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("e2e_calls {side}: {e}");
            ExitCode::FAILURE
        }
    }
}
