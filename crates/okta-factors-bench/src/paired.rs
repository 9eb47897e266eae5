//! Paired, interleaved measurement of a subject against its baseline.
//!
//! On a shared machine the load changes from one second to the next, so two
//! benchmarks measured one after the other (as criterion does) can differ by
//! tens of percent for no reason of their own. Here the sides of a comparison
//! take turns in short slices (a few milliseconds each, in alternating order),
//! so every round sees both under the same load; the ratio is the median of
//! the per-round ratios, with its interquartile range as the noise figure.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The CPU time of a set of threads (the client's), from the scheduler's
/// exact per-thread accounting (`/proc/<pid>/task/<tid>/schedstat`). Unlike
/// wall time, it does not include the time a thread waits for a core, which on
/// a shared machine is most of the noise of a loopback round trip.
#[derive(Debug, Clone, Default)]
pub struct CpuClock {
    threads: Arc<Mutex<Vec<PathBuf>>>,
}

impl CpuClock {
    /// A clock counting no thread yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts the calling thread from now on (e.g. from a runtime's
    /// `on_thread_start`). Does nothing where `/proc` has no such file.
    pub fn add_current_thread(&self) {
        if let Ok(task) = std::fs::read_link("/proc/thread-self") {
            let path = PathBuf::from("/proc").join(task).join("schedstat");
            if let Ok(mut threads) = self.threads.lock() {
                threads.push(path);
            }
        }
    }

    /// The counted threads' CPU time so far, if it can be read.
    pub fn now(&self) -> Option<Duration> {
        let threads = self.threads.lock().ok()?;
        if threads.is_empty() {
            return None;
        }
        let mut total = 0u64;
        for path in threads.iter() {
            // A thread that has ended no longer counts.
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            total += text.split_whitespace().next()?.parse::<u64>().ok()?;
        }
        Some(Duration::from_nanos(total))
    }
}

/// Runs `n` operations of one side and returns the time they took.
pub type Run<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// One side of a comparison.
pub struct Side<'a> {
    /// The benchmark ID of the side.
    pub id: String,
    /// Runs `n` iterations.
    pub run: Run<'a>,
    /// Operations per iteration (e.g. 64 requests for one round of 64 tasks).
    pub ops_per_iter: u64,
}

impl std::fmt::Debug for Side<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Side").field("id", &self.id).finish()
    }
}

impl<'a> Side<'a> {
    /// A side whose `run` times itself.
    pub fn timed(
        id: impl Into<String>,
        ops_per_iter: u64,
        run: impl FnMut(u64) -> Duration + 'a,
    ) -> Self {
        Self {
            id: id.into(),
            run: Box::new(run),
            ops_per_iter,
        }
    }

    /// A side that runs `op` once per iteration.
    pub fn op(id: impl Into<String>, mut op: impl FnMut() + 'a) -> Self {
        Self::timed(id, 1, move |n| {
            let started = Instant::now();
            for _ in 0..n {
                op();
            }
            started.elapsed()
        })
    }
}

/// How long to measure.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Total time of one comparison (all sides, all rounds).
    pub time: Duration,
    /// Length of one side's turn.
    pub slice: Duration,
    /// Warm-up per side before the rounds.
    pub warm_up: Duration,
    /// At least this many rounds (more when `time` allows).
    pub min_rounds: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            time: Duration::from_secs(2),
            slice: Duration::from_millis(10),
            warm_up: Duration::from_millis(200),
            min_rounds: 10,
        }
    }
}

impl Settings {
    /// One short round (to check that everything runs).
    pub fn quick() -> Self {
        Self {
            time: Duration::ZERO,
            slice: Duration::from_micros(100),
            warm_up: Duration::ZERO,
            min_rounds: 1,
        }
    }
}

/// A ratio with its spread over the rounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    /// Median of the per-round ratios.
    pub median: f64,
    /// First quartile.
    pub q1: f64,
    /// Third quartile.
    pub q3: f64,
}

/// The per-operation times of every side, one per round (ns).
#[derive(Debug, Clone)]
pub struct Measured {
    /// The sides' IDs.
    pub ids: Vec<String>,
    /// `samples[side][round]`: wall-clock ns per operation.
    pub samples: Vec<Vec<f64>>,
    /// `cpu[side][round]`: CPU ns per operation of the [`CpuClock`]'s
    /// threads (empty without a clock).
    pub cpu: Vec<Vec<f64>>,
}

impl Measured {
    /// The wall-time ratio of side `a` to side `b`, round by round.
    pub fn ratio(&self, a: usize, b: usize) -> Ratio {
        ratio_of(&self.samples[a], &self.samples[b])
    }

    /// The CPU-time ratio of side `a` to side `b`, round by round (`None`
    /// without a clock).
    pub fn cpu_ratio(&self, a: usize, b: usize) -> Option<Ratio> {
        let (a, b) = (self.cpu.get(a)?, self.cpu.get(b)?);
        (!a.is_empty() && !b.is_empty()).then(|| ratio_of(a, b))
    }

    /// The median time per operation of side `a` (ns).
    pub fn median_ns(&self, a: usize) -> f64 {
        let mut s = self.samples[a].clone();
        s.sort_by(f64::total_cmp);
        quantile(&s, 0.5)
    }
}

fn ratio_of(a: &[f64], b: &[f64]) -> Ratio {
    let mut ratios: Vec<f64> = a.iter().zip(b).map(|(a, b)| a / b).collect();
    ratios.sort_by(f64::total_cmp);
    Ratio {
        median: quantile(&ratios, 0.5),
        q1: quantile(&ratios, 0.25),
        q3: quantile(&ratios, 0.75),
    }
}

/// Linear-interpolated quantile of sorted values (NaN when empty).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Iterations of `run` that take about `slice` (at least 1).
fn calibrate(run: &mut Run<'_>, slice: Duration) -> u64 {
    let mut n = 1u64;
    loop {
        let t = run(n);
        if t >= slice / 4 || n >= 1 << 30 {
            let per = t.as_secs_f64() / n as f64;
            return ((slice.as_secs_f64() / per.max(1e-12)) as u64).max(1);
        }
        n *= 2;
    }
}

/// Measures the sides in interleaved rounds; with `cpu`, also the CPU time
/// of its threads during each turn.
pub fn measure(sides: &mut [Side<'_>], settings: Settings, cpu: Option<&CpuClock>) -> Measured {
    let iters: Vec<u64> = sides
        .iter_mut()
        .map(|side| {
            let n = calibrate(&mut side.run, settings.slice);
            let warm = Instant::now();
            while warm.elapsed() < settings.warm_up {
                (side.run)(n);
            }
            n
        })
        .collect();
    let round = settings.slice * sides.len() as u32;
    let rounds = (settings.time.as_secs_f64() / round.as_secs_f64().max(1e-9)) as usize;
    let rounds = rounds.max(settings.min_rounds);
    let mut samples = vec![Vec::with_capacity(rounds); sides.len()];
    let mut cpu_samples = vec![Vec::with_capacity(rounds); sides.len()];
    for r in 0..rounds {
        // Alternate the order so that no side always runs first.
        let order: Vec<usize> = if r.is_multiple_of(2) {
            (0..sides.len()).collect()
        } else {
            (0..sides.len()).rev().collect()
        };
        for i in order {
            let side = &mut sides[i];
            let ops = (iters[i] * side.ops_per_iter) as f64;
            let cpu_before = cpu.and_then(CpuClock::now);
            let t = (side.run)(iters[i]);
            if let Some((before, after)) = cpu_before.zip(cpu.and_then(CpuClock::now)) {
                cpu_samples[i].push(after.saturating_sub(before).as_secs_f64() * 1e9 / ops);
            }
            samples[i].push(t.as_secs_f64() * 1e9 / ops);
        }
    }
    Measured {
        ids: sides.iter().map(|s| s.id.clone()).collect(),
        samples,
        cpu: cpu_samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert_eq!(quantile(&v, 0.25), 1.75);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn ratios_are_per_operation_and_per_round() {
        // Deterministic clocks: "double" takes 2 µs per iteration of 4
        // operations, "single" 1 µs per operation, except in its third round,
        // which is slow (the median ignores it).
        let mut calls = 0u32;
        let mut sides = [
            Side::timed("double", 4, |n| Duration::from_micros(2 * n)),
            Side::timed("single", 1, move |n| {
                calls += 1;
                // Calls 1..=8 calibrate (doubling up to a 250 µs slice/4).
                let slow = calls == 8 + 3;
                Duration::from_micros(n * if slow { 10 } else { 1 })
            }),
        ];
        let settings = Settings {
            time: Duration::ZERO,
            slice: Duration::from_micros(1000),
            warm_up: Duration::ZERO,
            min_rounds: 5,
        };
        let m = measure(&mut sides, settings, None);
        assert_eq!(m.samples[0].len(), 5);
        assert_eq!(m.samples[0][0], 500.0);
        let r = m.ratio(0, 1);
        assert_eq!(r.median, 0.5);
        assert!(r.q1 <= r.median && r.median <= r.q3);
        assert_eq!(m.median_ns(1), 1000.0);
        assert_eq!(m.cpu_ratio(0, 1), None);
    }

    #[test]
    fn the_cpu_clock_counts_the_current_thread() {
        let clock = CpuClock::new();
        assert_eq!(clock.now(), None);
        clock.add_current_thread();
        let Some(before) = clock.now() else {
            return; // no /proc here
        };
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(20) {
            std::hint::black_box(0);
        }
        assert!(clock.now().unwrap() > before);
    }
}
