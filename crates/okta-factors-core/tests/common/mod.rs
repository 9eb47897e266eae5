//! Helpers shared by the integration tests (each test binary uses part of them).

pub(crate) mod fixtures;
#[allow(dead_code)]
pub(crate) mod proptest_config;
#[allow(dead_code)]
pub(crate) mod public_types;
