//! Request building: `build_request` of all ten operations, without and with
//! their optional parameters, against the same request built by hand with
//! `http::Request::builder` (same method, URI, headers and body) in the same
//! run. Every measurement includes dropping the request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion};
use okta_factors_bench::fixtures::{build_cases, credentials, org, rebuild};
use okta_factors_bench::report::build::{BARE, CORE};

fn benches(c: &mut Criterion) {
    let (org, credentials) = (org().unwrap(), credentials().unwrap());
    let mut group = c.benchmark_group("build");
    for case in build_cases() {
        group.bench_function(BenchmarkId::new(CORE, case.name), |b| {
            b.iter(|| {
                drop(black_box(
                    (case.build)(black_box(&org), black_box(&credentials)).unwrap(),
                ))
            })
        });
        let request = (case.build)(&org, &credentials).unwrap();
        group.bench_function(BenchmarkId::new(BARE, case.name), |b| {
            b.iter(|| drop(black_box(rebuild(black_box(&request)).unwrap())))
        });
    }
    group.finish();
}

fn main() {
    let mut c = common::criterion();
    benches(&mut c);
    c.final_summary();
}
