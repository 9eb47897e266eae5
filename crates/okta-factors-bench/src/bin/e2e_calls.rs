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

#![forbid(unsafe_code)]

use std::hint::black_box;
use std::process::ExitCode;

use okta_factors_bench::e2e::{hyper_adapter, ureq_adapter, BareHyper, BareUreq, BoxError, Setup};

fn run(side: &str, calls: u64) -> Result<(), BoxError> {
    let setup = Setup::start()?;
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(side), Some(Ok(calls))) = (args.first(), args.get(1).map(|n| n.parse::<u64>()))
    else {
        eprintln!("usage: e2e_calls ureq|ureq-bare-core|hyper|hyper-bare-core CALLS");
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
