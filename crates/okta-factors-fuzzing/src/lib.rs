//! # okta-factors-fuzzing
//!
//! The fuzz harnesses of okta-factors as plain functions, so that the
//! cargo-fuzz targets in `fuzz/` (one line each) and a normal `cargo test`
//! (`tests/corpus.rs` replays the committed corpus) run the same code.
//!
//! | target | function | input |
//! |---|---|---|
//! | `parse_response` | [`parse_response`] | HTTP-like text: status line, headers, body ([`response`]) |
//! | `model_roundtrip` | [`model_roundtrip`] | a JSON document |
//! | `build_request` | [`build_request`] | [`BuildInput`] (`arbitrary`) |
//! | `simulator_handle` | [`simulator_handle`] | NUL-separated HTTP-like requests ([`sim`]) |
//! | `policies` | [`policies()`] | [`PolicyInput`] (`arbitrary`) |
//! | `oauth` | [`oauth()`] | [`OAuthInput`] (`arbitrary`) |
//!
//! Each function panics when an invariant is broken: that is how libFuzzer
//! and the corpus test notice. The structured inputs use the encodings of
//! [`input`], which [`input::Encode`] inverts so seeds can be written from
//! readable values (`cargo run -p okta-factors-fuzzing --example seed-corpus`).

#![forbid(unsafe_code)]
// A harness reports a broken invariant by panicking.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

pub mod build;
pub mod input;
pub mod known;
pub mod model;
pub mod oauth;
pub mod policies;
pub mod response;
pub mod seeds;
pub mod sim;

pub use build::{build_request, BuildInput};
pub use input::decode;
pub use model::model_roundtrip;
pub use oauth::{oauth, OAuthInput};
pub use policies::{policies, PolicyInput};
pub use response::parse_response;
pub use sim::simulator_handle;

/// The fuzz targets, by name (the directories of `fuzz/corpus/`).
pub const TARGETS: &[&str] = &[
    "parse_response",
    "model_roundtrip",
    "build_request",
    "simulator_handle",
    "policies",
    "oauth",
];

/// Runs target `name` on raw fuzzer bytes, exactly as its cargo-fuzz target
/// does (structured inputs are decoded as `libfuzzer_sys::fuzz_target!`
/// decodes them). Returns `false` for an unknown target name.
pub fn run_target(name: &str, data: &[u8]) -> bool {
    match name {
        "parse_response" => parse_response(data),
        "model_roundtrip" => model_roundtrip(data),
        "build_request" => {
            if let Some(input) = decode::<BuildInput>(data) {
                build_request(input);
            }
        }
        "simulator_handle" => simulator_handle(data),
        "policies" => {
            if let Some(input) = decode::<PolicyInput>(data) {
                policies(input);
            }
        }
        "oauth" => {
            if let Some(input) = decode::<OAuthInput>(data) {
                oauth(input);
            }
        }
        _ => return false,
    }
    true
}
