//! Criterion's settings, shared by the timing benches.

use std::time::Duration;

use criterion::Criterion;

/// Short defaults (1 s warm-up, 2 s measurement, 30 samples) so the whole
/// suite runs in a few minutes on 2 cores; the command line
/// (`cargo bench -- --measurement-time 5`) overrides them.
pub(crate) fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .nresamples(20_000)
        .configure_from_args()
}
