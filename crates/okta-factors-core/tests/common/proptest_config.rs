//! The proptest configuration of the property suites (`properties.rs`,
//! `policy_properties.rs`): case counts and where failing cases are saved.

use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};

/// `default_cases` cases, unless `PROPTEST_CASES` says otherwise; failing cases
/// are saved in the crate's `proptest-regressions/<suite>.txt`.
///
/// proptest's default (`SourceParallel`) looks for a `lib.rs`/`main.rs` above
/// the test file, finds none for `tests/*.rs`, prints a warning and falls back
/// to `tests/<suite>.proptest-regressions`; the explicit path avoids that.
pub(crate) fn config(regressions: &'static str, default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..ProptestConfig::default()
    }
}
