//! Allocation counts of everything `parse`, `build` and `e2e` time, under a
//! counting global allocator (`System` wrapped by `stats_alloc`: allocations,
//! reallocations and bytes counted with atomics). It lives in this binary only,
//! so the counting never slows down the timed code. The counts, per operation,
//! go to `<criterion home>/okta-factors-bench/allocs.tsv` for `report`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::System;
use std::hint::black_box;
use std::sync::Arc;

use okta_factors_bench::e2e::{
    concurrent, hyper_adapter, ureq_adapter, BareHyper, BareUreq, Setup,
};
use okta_factors_bench::fixtures::{build_cases, credentials, org, rebuild, response};
use okta_factors_bench::payloads::ALL;
use okta_factors_bench::report::{build, e2e, parse};
use okta_factors_bench::results::{criterion_home, write_allocs, AllocRecord};
use okta_factors_bench::subjects::{from_slice_typed, has_from_slice, ignored_any, value, Parsers};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use tokio::runtime::Builder;

/// `System`, counting allocations and bytes with atomics.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Counts the allocations of `runs` runs of `run`, each on an input made by
/// `setup` beforehand, and returns the average per operation (a run is `ops`
/// operations). Inputs are made and outputs dropped outside the counted
/// region, except what `run` drops itself; everything the process allocates
/// meanwhile (all threads, e.g. the loopback server's) is counted.
fn probe<I, O>(
    id: String,
    runs: usize,
    ops: usize,
    mut setup: impl FnMut() -> I,
    mut run: impl FnMut(I) -> O,
) -> AllocRecord {
    let inputs: Vec<I> = (0..runs).map(|_| setup()).collect();
    let mut outputs: Vec<O> = Vec::with_capacity(runs);
    let region = Region::new(GLOBAL);
    for input in inputs {
        outputs.push(black_box(run(black_box(input))));
    }
    let stats = region.change();
    drop(outputs);
    // `realloc` growth is already in `bytes_allocated`.
    let per_op = |x: usize| x as f64 / (runs * ops) as f64;
    AllocRecord {
        id,
        allocs: per_op(stats.allocations + stats.reallocations),
        bytes: per_op(stats.bytes_allocated),
    }
}

fn parse_allocs(records: &mut Vec<AllocRecord>) {
    let parsers = Parsers::default();
    for p in ALL {
        let runs = if p.bytes.len() > 100_000 { 20 } else { 1000 };
        records.push(probe(
            parse::id(parse::PARSE_RESPONSE, p.name),
            runs,
            1,
            || response(p.status, p.bytes),
            |r| drop(parsers.parse_response(p.kind, r)),
        ));
        if has_from_slice(p.kind) {
            records.push(probe(
                parse::id(parse::FROM_SLICE, p.name),
                runs,
                1,
                || (),
                |()| drop(from_slice_typed(p.kind, p.bytes).unwrap()),
            ));
        }
        records.push(probe(
            parse::id(parse::VALUE, p.name),
            runs,
            1,
            || (),
            |()| drop(value(p.bytes).unwrap()),
        ));
        records.push(probe(
            parse::id(parse::IGNORED_ANY, p.name),
            runs,
            1,
            || (),
            |()| ignored_any(p.bytes).unwrap(),
        ));
    }
}

fn build_allocs(records: &mut Vec<AllocRecord>) {
    let (org, credentials) = (org().unwrap(), credentials().unwrap());
    for case in build_cases() {
        records.push(probe(
            build::id(build::CORE, case.name),
            1000,
            1,
            || (),
            |()| drop((case.build)(&org, &credentials).unwrap()),
        ));
        let request = (case.build)(&org, &credentials).unwrap();
        records.push(probe(
            build::id(build::BARE, case.name),
            1000,
            1,
            || (),
            |()| drop(rebuild(&request).unwrap()),
        ));
    }
}

fn e2e_allocs(records: &mut Vec<AllocRecord>) {
    const WARM: usize = 50;
    const RUNS: usize = 500;
    let setup = Setup::start().unwrap();
    let sides = [e2e::ADAPTER, e2e::BARE_CORE, e2e::BARE];

    let client = setup.ureq_client().unwrap();
    let bare = BareUreq::new(&setup).unwrap();
    let ureq_call = |side: &str| match side {
        e2e::ADAPTER => drop(ureq_adapter(&client).unwrap()),
        e2e::BARE_CORE => drop(bare.get_with_core().unwrap()),
        _ => drop(bare.get().unwrap()),
    };
    for side in sides {
        (0..WARM).for_each(|_| ureq_call(side));
        let id = e2e::paired_id(side, e2e::UREQ_SEQ);
        records.push(probe(id, RUNS, 1, || (), |()| ureq_call(side)));
    }

    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let client = setup.hyper_client().unwrap();
    let bare = BareHyper::new(&setup).unwrap();
    let hyper_call = |side: &str| {
        rt.block_on(async {
            match side {
                e2e::ADAPTER => drop(hyper_adapter(&client).await.unwrap()),
                e2e::BARE_CORE => drop(bare.get_with_core().await.unwrap()),
                _ => drop(bare.get().await.unwrap()),
            }
        })
    };
    for side in sides {
        (0..WARM).for_each(|_| hyper_call(side));
        let id = e2e::paired_id(side, e2e::HYPER_SEQ);
        records.push(probe(id, RUNS, 1, || (), |()| hyper_call(side)));
    }

    // 64 tasks sending 20 requests each, three times; per request. New
    // clients: pooled connections belong to the runtime that opened them.
    const TASKS: usize = 64;
    const ROUNDS: u64 = 20;
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Shared as an `Arc` like the bare client, so that each call clones a pointer.
    let client = Arc::new(setup.hyper_client().unwrap());
    let bare = Arc::new(BareHyper::new(&setup).unwrap());
    let concurrent_calls = |side: &str, rounds: u64| {
        let (client, bare) = (Arc::clone(&client), Arc::clone(&bare));
        let side = side.to_owned();
        rt.block_on(concurrent(TASKS, rounds, move || {
            let (client, bare, side) = (Arc::clone(&client), Arc::clone(&bare), side.clone());
            async move {
                match side.as_str() {
                    e2e::ADAPTER => hyper_adapter(&client).await.map(drop).map_err(|e| e.into()),
                    e2e::BARE_CORE => bare.get_with_core().await.map(drop),
                    _ => bare.get().await.map(drop),
                }
            }
        }))
        .unwrap()
    };
    for side in sides {
        concurrent_calls(side, 2);
        let id = e2e::paired_id(side, e2e::HYPER_64);
        let ops = TASKS * ROUNDS as usize;
        records.push(probe(
            id,
            3,
            ops,
            || (),
            |()| concurrent_calls(side, ROUNDS),
        ));
    }
}

fn main() {
    // Criterion's flags (`--warm-up-time 1`, filters) are accepted and
    // ignored: the counts are exact, so there is nothing to tune. Without
    // `--bench` (`cargo test --benches`) nothing is written.
    let write = std::env::args().any(|a| a == "--bench");
    let mut records = Vec::new();
    parse_allocs(&mut records);
    build_allocs(&mut records);
    e2e_allocs(&mut records);
    for r in &records {
        println!(
            "allocs {:<55} {:>10.1} allocs {:>12.0} bytes",
            r.id, r.allocs, r.bytes
        );
    }
    if !write {
        return;
    }
    if let Err(e) = write_allocs(&criterion_home(), &records) {
        eprintln!("could not write the allocation counts: {e}");
        std::process::exit(1);
    }
}
