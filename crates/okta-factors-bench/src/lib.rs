//! # okta-factors-bench
//!
//! Benchmarks of the okta-factors workspace (not published). Every figure is a
//! ratio against a baseline measured in the same run on the same bytes:
//!
//! * `benches/parse.rs`: the operations' `parse_response` (and plain
//!   `serde_json::from_slice` into the typed model) against
//!   `serde_json::Value` and `serde::de::IgnoredAny` on the shared payloads.
//! * `benches/build.rs`: `build_request` of all ten operations, with and
//!   without their optional parameters, against a hand-built `http::Request`
//!   with the same parts.
//! * `benches/e2e.rs`: `get_factor` through the ureq and hyper clients against
//!   plain ureq and plain hyper-util on the same loopback [`server::Server`].
//! * `report` (binary): reads criterion's estimates and the allocation counts
//!   the bench binaries wrote, and prints one table of ratios.
//!
//! Run everything with `scripts/bench` at the workspace root.

#![forbid(unsafe_code)]

pub mod e2e;
pub mod fixtures;
pub mod paired;
pub mod payloads;
pub mod report;
pub mod results;
pub mod server;
pub mod subjects;
