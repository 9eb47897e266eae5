//! End to end over loopback: `get_factor` through the ureq client against plain
//! ureq, and through the hyper client against a plain hyper-util client (one
//! request at a time, and 64 tasks at once), all against the same minimal
//! keep-alive server in the same run. Both sides send the identical request
//! and read the whole body; the adapters also parse it. A third side, the bare
//! transport with the core's `build_request`/`parse_response` called by hand,
//! splits the overhead into the core's share and the adapter's own. Each case
//! is measured in palindrome order (adapter, bare+core, bare, bare, bare+core,
//! adapter); the report adds the two repetitions of each side.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Instant;

use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use okta_factors_bench::e2e::{
    concurrent, hyper_adapter, ureq_adapter, BareHyper, BareUreq, Setup,
};
use okta_factors_bench::report::e2e::{self, ADAPTER, BARE_CORE, HYPER_64, HYPER_SEQ, UREQ_SEQ};
use tokio::runtime::{Builder, Runtime};

/// Tasks in flight at once in the concurrent case.
const TASKS: usize = 64;

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn two_workers() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Measures the sides of one case in palindrome order (see
/// [`e2e::ORDER`]): `measure` gets the bencher and the side.
fn palindrome(
    group: &mut BenchmarkGroup<'_, WallTime>,
    case: &str,
    mut measure: impl FnMut(&mut Bencher<'_>, &str),
) {
    for (subject, rep) in e2e::ORDER {
        let id = BenchmarkId::new(subject, e2e::case_id(case, rep));
        group.bench_function(id, |b| measure(b, subject));
    }
}

fn benches(c: &mut Criterion, setup: &Setup) {
    let mut group = c.benchmark_group("e2e");
    group.throughput(Throughput::Elements(1));

    // Each side has its own client (its own connection).
    let client = setup.ureq_client().unwrap();
    let (bare_core, bare) = (BareUreq::new(setup).unwrap(), BareUreq::new(setup).unwrap());
    palindrome(&mut group, UREQ_SEQ, |b, subject| match subject {
        ADAPTER => b.iter(|| ureq_adapter(&client).unwrap()),
        BARE_CORE => b.iter(|| bare_core.get_with_core().unwrap()),
        _ => b.iter(|| bare.get().unwrap()),
    });

    let rt = current_thread();
    let client = setup.hyper_client().unwrap();
    let (bare_core, bare) = (
        BareHyper::new(setup).unwrap(),
        BareHyper::new(setup).unwrap(),
    );
    palindrome(&mut group, HYPER_SEQ, |b, subject| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    match subject {
                        ADAPTER => drop(hyper_adapter(&client).await.unwrap()),
                        BARE_CORE => drop(bare_core.get_with_core().await.unwrap()),
                        _ => drop(bare.get().await.unwrap()),
                    }
                }
                started.elapsed()
            })
        })
    });

    // One iteration: TASKS requests in flight at once (TASKS long-lived tasks
    // each send `iters` requests one after the other). New clients: pooled
    // connections belong to the runtime that opened them.
    let rt = two_workers();
    group.throughput(Throughput::Elements(TASKS as u64));
    group.sampling_mode(SamplingMode::Flat);
    // Shared as an `Arc` like the bare client, so that each call clones a pointer.
    let client = Arc::new(setup.hyper_client().unwrap());
    let bare_core = Arc::new(BareHyper::new(setup).unwrap());
    let bare = Arc::new(BareHyper::new(setup).unwrap());
    palindrome(&mut group, HYPER_64, |b, subject| {
        b.iter_custom(|iters| {
            let elapsed = match subject {
                ADAPTER => {
                    let client = Arc::clone(&client);
                    rt.block_on(concurrent(TASKS, iters, move || {
                        let client = Arc::clone(&client);
                        async move { hyper_adapter(&client).await.map(drop) }
                    }))
                }
                BARE_CORE => {
                    let bare = Arc::clone(&bare_core);
                    rt.block_on(concurrent(TASKS, iters, move || {
                        let bare = Arc::clone(&bare);
                        async move { bare.get_with_core().await.map(drop) }
                    }))
                }
                _ => {
                    let bare = Arc::clone(&bare);
                    rt.block_on(concurrent(TASKS, iters, move || {
                        let bare = Arc::clone(&bare);
                        async move { bare.get().await.map(drop) }
                    }))
                }
            };
            elapsed.unwrap()
        })
    });
    group.finish();
}

fn main() {
    let setup = Setup::start().unwrap();
    let mut c = common::criterion();
    benches(&mut c, &setup);
    c.final_summary();
}
