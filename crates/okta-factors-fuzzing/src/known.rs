//! Known crashes: bugs the fuzzers found that are not fixed yet.
//!
//! Each has a regression file in the corpus, listed in
//! `fuzz/known-crashes.txt`. While it is listed, the harness steers around the
//! bug (so that fuzzing, in `.ci/run` too, keeps exploring everything else
//! instead of stopping at the same crash), and `tests/corpus.rs` replays the
//! file under [`strict`] to check that it still crashes. Once the bug is
//! fixed, that test fails until the line is deleted from the list, which also
//! turns the steering off.

use std::cell::Cell;

/// `fuzz/known-crashes.txt`: `target/file` lines, `#` comments.
pub const KNOWN_CRASHES: &str = include_str!("../../../fuzz/known-crashes.txt");

/// `RetryPolicy` backoff overflows (`random % (half_ms + 1)` in
/// `okta-factors-core/src/policy/retry.rs`) for a fallback or concurrent delay
/// around 2^49 ms or more.
pub const BACKOFF_OVERFLOW: &str = "policies/regress-backoff-overflow";

/// `Links` keeps every duplicate relation of a `_links` object (the other
/// models keep the last value of a duplicate member), so the JSON it writes
/// has duplicate keys and a `serde_json::Value` of it is not the model.
pub const LINKS_DUPLICATE_REL: &str = "model_roundtrip/regress-links-duplicate-rel";

/// Without serde_json's `float_roundtrip` feature a float in a model (a
/// profile or an unknown member) can change in its last digit when the
/// model's JSON is parsed again: parse, serialize, parse is not a fixed point.
/// This crate builds serde_json with the feature (the library leaves it to
/// the application), so the seed passes.
pub const FLOAT_ROUNDTRIP: &str = "model_roundtrip/regress-float-roundtrip";

/// The listed `target/file` names.
pub fn listed() -> impl Iterator<Item = &'static str> {
    KNOWN_CRASHES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

thread_local! {
    static STRICT: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the steering around known crashes off (on this thread).
pub fn strict<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            STRICT.with(|s| s.set(self.0));
        }
    }
    let _reset = Reset(STRICT.with(|s| s.replace(true)));
    f()
}

/// Whether to steer around the known crash `name` now.
pub fn avoid(name: &str) -> bool {
    !STRICT.with(Cell::get) && listed().any(|l| l == name)
}
