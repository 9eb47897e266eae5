//! Prints the table of ratios of the latest `cargo bench -p okta-factors-bench`
//! run: criterion's medians (`target/criterion/*/new/estimates.json`) and the
//! allocation counts the `allocs` bench wrote beside them.
//!
//! `report [--clean | --times] [CRITERION_HOME]`: without a directory,
//! criterion's own default (`CRITERION_HOME`, `$CARGO_TARGET_DIR/criterion`,
//! the workspace's `target/criterion`). `--clean` removes this crate's results
//! instead (so that a new run never mixes with an old one); `--times` prints
//! every median in µs instead of the table.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use okta_factors_bench::report::Results;
use okta_factors_bench::results::{clean, criterion_home};

fn main() -> ExitCode {
    let (mut do_clean, mut times) = (false, false);
    let mut home = None;
    for arg in std::env::args_os().skip(1) {
        if arg == "--clean" {
            do_clean = true;
        } else if arg == "--times" {
            times = true;
        } else {
            home = Some(PathBuf::from(arg));
        }
    }
    let home = home.unwrap_or_else(criterion_home);
    if do_clean {
        return match clean(&home) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!(
                    "could not remove the old results under {}: {e}",
                    home.display()
                );
                ExitCode::FAILURE
            }
        };
    }
    let results = Results::load(&home);
    if results.is_empty() {
        eprintln!(
            "no benchmark results under {}: run scripts/bench (or cargo bench -p okta-factors-bench) first",
            home.display()
        );
        return ExitCode::FAILURE;
    }
    if times {
        print!("{}", results.times());
    } else {
        print!("{}", results.table());
    }
    ExitCode::SUCCESS
}
