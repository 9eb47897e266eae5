//! The ratios of the table, measured paired: each subject and its baseline
//! (and, end to end, the "bare + core" middle) take turns in slices of about
//! 10 ms, in alternating order, so that both see the same load; the ratio is
//! the median of the per-round ratios, with its interquartile range (see
//! `okta_factors_bench::paired`). Same code, same bytes and same requests as
//! the criterion benches `parse`, `build` and `e2e`.
//!
//! `OKTA_BENCH_PAIRED_SECS` sets the time of each comparison (default 2 s);
//! criterion's flags are accepted and ignored. Without `--bench`
//! (`cargo test --benches`) every comparison runs one short round and nothing
//! is written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use okta_factors_bench::e2e::{
    concurrent, hyper_adapter, ureq_adapter, BareHyper, BareUreq, Setup,
};
use okta_factors_bench::fixtures::{build_cases, credentials, org, rebuild, response};
use okta_factors_bench::paired::{measure, CpuClock, Settings, Side};
use okta_factors_bench::payloads::{self, Payload, ALL};
use okta_factors_bench::report::{build, e2e, parse};
use okta_factors_bench::results::{criterion_home, write_pairs, PairRecord};
use okta_factors_bench::subjects::{from_slice_typed, has_from_slice, ignored_any, value, Parsers};
use okta_factors_core::policy::{Governor, GovernorConfig};
use tokio::runtime::Builder;

/// Requests in flight at once in the concurrent case.
const TASKS: usize = 64;

struct Run {
    settings: Settings,
    records: Vec<PairRecord>,
}

impl Run {
    /// Measures `sides` together and records `(subject, baseline)` ratios by
    /// index.
    fn compare(&mut self, sides: Vec<Side<'_>>, pairs: &[(usize, usize)]) {
        self.compare_with_cpu(sides, pairs, None);
    }

    /// As [`Run::compare`]; with `cpu`, also records the CPU-time ratios (IDs
    /// with a `@cpu` suffix).
    fn compare_with_cpu(
        &mut self,
        mut sides: Vec<Side<'_>>,
        pairs: &[(usize, usize)],
        cpu: Option<&CpuClock>,
    ) {
        let measured = measure(&mut sides, self.settings, cpu);
        for &(a, b) in pairs {
            if let Some(ratio) = measured.cpu_ratio(a, b) {
                eprintln!(
                    "{:<50} / {:<40} {:>6.3} ({:.3}–{:.3})  CPU",
                    measured.ids[a], measured.ids[b], ratio.median, ratio.q1, ratio.q3
                );
                self.records.push(PairRecord {
                    id: e2e::cpu_id(&measured.ids[a]),
                    baseline: e2e::cpu_id(&measured.ids[b]),
                    ratio,
                });
            }
            let record = PairRecord {
                id: measured.ids[a].clone(),
                baseline: measured.ids[b].clone(),
                ratio: measured.ratio(a, b),
            };
            eprintln!(
                "{:<50} / {:<40} {:>6.3} ({:.3}–{:.3})  [{:.2} µs / {:.2} µs]",
                record.id,
                record.baseline,
                record.ratio.median,
                record.ratio.q1,
                record.ratio.q3,
                measured.median_ns(a) / 1000.0,
                measured.median_ns(b) / 1000.0,
            );
            self.records.push(record);
        }
    }
}

/// `parse_response` of `p`, timed over pre-built responses (building them is
/// not measured; dropping the results is).
fn parse_response_side<'a>(parsers: &'a Parsers, p: Payload) -> Side<'a> {
    Side::timed(parse::id(parse::PARSE_RESPONSE, p.name), 1, move |n| {
        let responses: Vec<_> = (0..n).map(|_| response(p.status, p.bytes)).collect();
        let started = Instant::now();
        for r in responses {
            drop(black_box(parsers.parse_response(p.kind, black_box(r))));
        }
        started.elapsed()
    })
}

fn parse_ratios(run: &mut Run) {
    let parsers = Parsers::default();
    for p in ALL {
        let mut sides = vec![
            parse_response_side(&parsers, p),
            Side::op(parse::id(parse::VALUE, p.name), move || {
                drop(black_box(value(black_box(p.bytes)).unwrap()))
            }),
            Side::op(parse::id(parse::IGNORED_ANY, p.name), move || {
                black_box(ignored_any(black_box(p.bytes)).unwrap());
            }),
        ];
        let mut pairs = vec![(0, 1), (0, 2)];
        if has_from_slice(p.kind) {
            sides.push(Side::op(parse::id(parse::FROM_SLICE, p.name), move || {
                drop(black_box(
                    from_slice_typed(p.kind, black_box(p.bytes)).unwrap(),
                ))
            }));
            pairs.push((3, 1));
        }
        run.compare(sides, &pairs);
    }
    // Linearity: the same parse on 1,000 and on 13 factors.
    let sides = vec![
        parse_response_side(&parsers, payloads::FACTORS_1000),
        parse_response_side(&parsers, payloads::FACTORS_13),
    ];
    run.compare(sides, &[(0, 1)]);
}

fn build_ratios(run: &mut Run) {
    let (org, credentials) = (org().unwrap(), credentials().unwrap());
    for case in build_cases() {
        let request = (case.build)(&org, &credentials).unwrap();
        let sides = vec![
            Side::op(build::id(build::CORE, case.name), || {
                drop(black_box(
                    (case.build)(black_box(&org), black_box(&credentials)).unwrap(),
                ))
            }),
            Side::op(build::id(build::BARE, case.name), || {
                drop(black_box(rebuild(black_box(&request)).unwrap()))
            }),
        ];
        run.compare(sides, &[(0, 1)]);
    }
}

/// The end-to-end sides, in the order adapter, bare + core, bare.
const SIDES: [&str; 3] = [e2e::ADAPTER, e2e::BARE_CORE, e2e::BARE];
/// adapter / bare, bare + core / bare, adapter / bare + core.
const E2E_PAIRS: [(usize, usize); 3] = [(0, 2), (1, 2), (0, 1)];

fn e2e_ratios(run: &mut Run) {
    let setup = Setup::start().unwrap();
    // Longer turns: the first requests after a switch wake the other
    // connection's server thread.
    let saved = run.settings;
    run.settings.slice = saved.slice * 3;
    // The sequential clients run on this thread.
    let this_thread = CpuClock::new();
    this_thread.add_current_thread();

    // Each side has its own client, so its own connection: switching sides
    // switches connections alike for all of them.
    let client = setup.ureq_client().unwrap();
    let (bare_core, bare) = (
        BareUreq::new(&setup).unwrap(),
        BareUreq::new(&setup).unwrap(),
    );
    let sides = vec![
        Side::op(e2e::paired_id(e2e::ADAPTER, e2e::UREQ_SEQ), || {
            drop(ureq_adapter(&client).unwrap())
        }),
        Side::op(e2e::paired_id(e2e::BARE_CORE, e2e::UREQ_SEQ), || {
            drop(bare_core.get_with_core().unwrap())
        }),
        Side::op(e2e::paired_id(e2e::BARE, e2e::UREQ_SEQ), || {
            drop(bare.get().unwrap())
        }),
    ];
    run.compare_with_cpu(sides, &E2E_PAIRS, Some(&this_thread));

    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let client = setup.hyper_client().unwrap();
    let (bare_core, bare) = (
        BareHyper::new(&setup).unwrap(),
        BareHyper::new(&setup).unwrap(),
    );
    let sides = SIDES
        .iter()
        .map(|&side| {
            let (rt, client) = (&rt, &client);
            let bare = if side == e2e::BARE_CORE {
                &bare_core
            } else {
                &bare
            };
            Side::timed(e2e::paired_id(side, e2e::HYPER_SEQ), 1, move |n| {
                rt.block_on(async {
                    let started = Instant::now();
                    for _ in 0..n {
                        match side {
                            e2e::ADAPTER => drop(hyper_adapter(client).await.unwrap()),
                            e2e::BARE_CORE => drop(bare.get_with_core().await.unwrap()),
                            _ => drop(bare.get().await.unwrap()),
                        }
                    }
                    started.elapsed()
                })
            })
        })
        .collect();
    run.compare_with_cpu(sides, &E2E_PAIRS, Some(&this_thread));

    // New clients: pooled connections belong to the runtime that opened them.
    // The CPU clock counts the runtime's worker threads.
    let workers = CpuClock::new();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start({
            let workers = workers.clone();
            move || workers.add_current_thread()
        })
        .enable_all()
        .build()
        .unwrap();
    // Shared as an `Arc` like the bare client, so that each call clones a pointer.
    let client = Arc::new(setup.hyper_client().unwrap());
    let bare_core = Arc::new(BareHyper::new(&setup).unwrap());
    let bare = Arc::new(BareHyper::new(&setup).unwrap());
    let sides = SIDES
        .iter()
        .map(|&side| {
            let (rt, client) = (&rt, Arc::clone(&client));
            let bare = Arc::clone(if side == e2e::BARE_CORE {
                &bare_core
            } else {
                &bare
            });
            Side::timed(
                e2e::paired_id(side, e2e::HYPER_64),
                TASKS as u64,
                move |n| {
                    let (client, bare) = (Arc::clone(&client), Arc::clone(&bare));
                    rt.block_on(concurrent(TASKS, n, move || {
                        let (client, bare) = (Arc::clone(&client), Arc::clone(&bare));
                        async move {
                            match side {
                                e2e::ADAPTER => {
                                    hyper_adapter(&client).await.map(drop).map_err(Into::into)
                                }
                                e2e::BARE_CORE => bare.get_with_core().await.map(drop),
                                _ => bare.get().await.map(drop),
                            }
                        }
                    }))
                    .unwrap()
                },
            )
        })
        .collect();
    run.compare_with_cpu(sides, &E2E_PAIRS, Some(&workers));
    run.settings = saved;
}

/// The rate-limit governor's cost to one call: the same client with and
/// without a governor, against a server whose rate-limit headers leave the
/// governor plenty of budget (it never holds a call back), taking turns.
fn governor_ratios(run: &mut Run) {
    let setup = Setup::start_with_plenty_of_budget().unwrap();
    let saved = run.settings;
    run.settings.slice = saved.slice * 3;
    let this_thread = CpuClock::new();
    this_thread.add_current_thread();
    let ureq_plain = setup.ureq_client().unwrap();
    let hyper_plain = setup.hyper_client().unwrap();
    let setup = setup.governed(Governor::new(GovernorConfig::default()));
    let ureq_governed = setup.ureq_client().unwrap();
    let hyper_governed = setup.hyper_client().unwrap();

    let sides = vec![
        Side::op(e2e::paired_id(e2e::GOVERNED, e2e::UREQ_SEQ), || {
            drop(ureq_adapter(&ureq_governed).unwrap())
        }),
        Side::op(e2e::paired_id(e2e::UNGOVERNED, e2e::UREQ_SEQ), || {
            drop(ureq_adapter(&ureq_plain).unwrap())
        }),
    ];
    run.compare_with_cpu(sides, &[(0, 1)], Some(&this_thread));

    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let sides = [
        (e2e::GOVERNED, &hyper_governed),
        (e2e::UNGOVERNED, &hyper_plain),
    ]
    .into_iter()
    .map(|(side, client)| {
        let rt = &rt;
        Side::timed(e2e::paired_id(side, e2e::HYPER_SEQ), 1, move |n| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..n {
                    drop(hyper_adapter(client).await.unwrap());
                }
                started.elapsed()
            })
        })
    })
    .collect();
    run.compare_with_cpu(sides, &[(0, 1)], Some(&this_thread));
    run.settings = saved;
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let mut settings = if bench {
        Settings::default()
    } else {
        Settings::quick()
    };
    if let Some(secs) = args
        .iter()
        .position(|a| a == "--measurement-time")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse::<f64>().ok())
    {
        if bench {
            settings.time = Duration::from_secs_f64(secs);
        }
    }
    let mut run = Run {
        settings,
        records: Vec::new(),
    };
    // A positional argument (criterion's filter) picks sections by name:
    // `cargo bench --bench ratios -- parse`.
    let takes_value = ["--warm-up-time", "--measurement-time"];
    let filter = (1..args.len())
        .filter(|&i| !args[i].starts_with('-') && !takes_value.contains(&args[i - 1].as_str()))
        .map(|i| args[i].as_str())
        .next_back();
    type Section = fn(&mut Run);
    let sections: [(&str, Section); 4] = [
        ("parse", parse_ratios),
        ("build", build_ratios),
        ("e2e", e2e_ratios),
        ("governor", governor_ratios),
    ];
    for (name, section) in sections {
        if filter.is_none_or(|f| name.contains(f)) {
            section(&mut run);
        }
    }
    if bench {
        if let Err(e) = write_pairs(&criterion_home(), &run.records) {
            eprintln!("could not write the ratios: {e}");
            std::process::exit(1);
        }
    }
}
