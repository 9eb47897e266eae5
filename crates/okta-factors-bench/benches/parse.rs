//! Parsing: each payload through its operation's `parse_response` (status and
//! headers included) and through `serde_json::from_slice` into the typed model,
//! against `serde_json::Value` (the baseline) and `serde::de::IgnoredAny` (the
//! floor) on the same bytes, in the same run. Every measurement includes
//! dropping what was parsed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput};
use okta_factors_bench::fixtures::response;
use okta_factors_bench::payloads::ALL;
use okta_factors_bench::report::parse::{FROM_SLICE, IGNORED_ANY, PARSE_RESPONSE, VALUE};
use okta_factors_bench::subjects::{from_slice_typed, has_from_slice, ignored_any, value, Parsers};

fn benches(c: &mut Criterion) {
    let parsers = Parsers::default();
    let mut group = c.benchmark_group("parse");
    for p in ALL {
        group.throughput(Throughput::Bytes(p.bytes.len() as u64));
        // Milliseconds per iteration: the same number of iterations in every
        // sample, so that 30 samples fit the measurement time.
        group.sampling_mode(if p.bytes.len() > 100_000 {
            SamplingMode::Flat
        } else {
            SamplingMode::Auto
        });
        // The response (status, Okta's headers, borrowed body) is made outside
        // the measurement; parse_response reads its headers and body.
        group.bench_function(BenchmarkId::new(PARSE_RESPONSE, p.name), |b| {
            b.iter_batched(
                || response(p.status, p.bytes),
                |r| drop(black_box(parsers.parse_response(p.kind, r))),
                BatchSize::SmallInput,
            )
        });
        if has_from_slice(p.kind) {
            group.bench_function(BenchmarkId::new(FROM_SLICE, p.name), |b| {
                b.iter(|| {
                    drop(black_box(
                        from_slice_typed(p.kind, black_box(p.bytes)).unwrap(),
                    ))
                })
            });
        }
        group.bench_function(BenchmarkId::new(VALUE, p.name), |b| {
            b.iter(|| drop(black_box(value(black_box(p.bytes)).unwrap())))
        });
        group.bench_function(BenchmarkId::new(IGNORED_ANY, p.name), |b| {
            b.iter(|| black_box(ignored_any(black_box(p.bytes)).unwrap()))
        });
    }
    group.finish();
}

fn main() {
    let mut c = common::criterion();
    benches(&mut c);
    c.final_summary();
}
