//! The benchmark IDs shared by the bench binaries and the `report` binary, and
//! the one table of ratios.
//!
//! Every figure is a ratio against a baseline measured in the same run (the
//! same bytes for parsing, the same request for building and sending), so the
//! machine's speed cancels out: preferably the paired, interleaved ratio of
//! [`crate::paired`] (written by the `ratios` bench), else the ratio of
//! criterion's medians. Allocation counts are exact averages.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::fixtures::build_cases;
use crate::paired::Ratio;
use crate::payloads::{self, Kind, Payload};
use crate::results::{median_ns, read_allocs, read_pairs, AllocRecord, PairRecord};

/// Parse benchmarks: `parse/<subject>/<payload>`.
pub mod parse {
    /// The operation's `parse_response` (status, headers, body).
    pub const PARSE_RESPONSE: &str = "parse_response";
    /// `serde_json::from_slice` into the typed model (`Vec<UserFactor>`, `UserFactor`).
    pub const FROM_SLICE: &str = "from_slice_typed";
    /// Baseline: `serde_json::from_slice::<serde_json::Value>`.
    pub const VALUE: &str = "value";
    /// Floor: `serde_json::from_slice::<serde::de::IgnoredAny>`.
    pub const IGNORED_ANY: &str = "ignored_any";

    /// The ID of `subject` on `payload`.
    pub fn id(subject: &str, payload: &str) -> String {
        format!("parse/{subject}/{payload}")
    }
}

/// Build benchmarks: `build/<core|bare>/<case>`.
pub mod build {
    /// The operation's `build_request`.
    pub const CORE: &str = "core";
    /// Baseline: the same request built by hand with `http::Request::builder`.
    pub const BARE: &str = "bare";

    /// The ID of `subject` for build case `case`.
    pub fn id(subject: &str, case: &str) -> String {
        format!("build/{subject}/{case}")
    }
}

/// End-to-end benchmarks: `e2e/<adapter|bare-core|bare>/<case>-<rep>`.
pub mod e2e {
    /// Through the crate's client.
    pub const ADAPTER: &str = "adapter";
    /// The bare transport with the core building the request and parsing the
    /// response by hand (the smallest possible adapter).
    pub const BARE_CORE: &str = "bare-core";
    /// Baseline: the plain transport sending the identical request.
    pub const BARE: &str = "bare";
    /// ureq, one request at a time.
    pub const UREQ_SEQ: &str = "ureq-seq";
    /// hyper, one request at a time.
    pub const HYPER_SEQ: &str = "hyper-seq";
    /// hyper, 64 tasks at once.
    pub const HYPER_64: &str = "hyper-64";
    /// The client with a rate-limit governor that is never held back (a
    /// server whose headers leave it plenty of budget).
    pub const GOVERNED: &str = "governed";
    /// The same client without a governor, against the same server.
    pub const UNGOVERNED: &str = "ungoverned";
    /// The cases of the governor's comparison, with their descriptions.
    pub const GOVERNOR_CASES: [(&str, &str); 2] = [
        (UREQ_SEQ, "ureq `Client`, sequential"),
        (HYPER_SEQ, "hyper `Client`, sequential"),
    ];
    /// Every case with the description of its adapter and bare transport.
    pub const CASES: [(&str, &str, &str); 3] = [
        (
            UREQ_SEQ,
            "`get_factor`, ureq `Client`, sequential",
            "plain `ureq::Agent`",
        ),
        (
            HYPER_SEQ,
            "`get_factor`, hyper `Client`, sequential",
            "plain hyper-util client",
        ),
        (
            HYPER_64,
            "`get_factor`, hyper `Client`, 64 concurrent tasks",
            "plain hyper-util client",
        ),
    ];
    /// The order of the measurements of one case: a palindrome, so that a
    /// drift in the machine's speed during the case cancels out of the ratios.
    pub const ORDER: [(&str, &str); 6] = [
        (ADAPTER, "1"),
        (BARE_CORE, "1"),
        (BARE, "1"),
        (BARE, "2"),
        (BARE_CORE, "2"),
        (ADAPTER, "2"),
    ];

    /// The parameter of repetition `rep` (`"1"`, `"2"`) of `case`.
    pub fn case_id(case: &str, rep: &str) -> String {
        format!("{case}-{rep}")
    }

    /// The ID of `subject` for repetition `rep` of `case` (criterion).
    pub fn id(subject: &str, case: &str, rep: &str) -> String {
        format!("e2e/{subject}/{}", case_id(case, rep))
    }

    /// The ID of `subject` in `case` for the paired measurement (and the
    /// allocation counts).
    pub fn paired_id(subject: &str, case: &str) -> String {
        format!("e2e/{subject}/{case}")
    }

    /// The ID of the CPU-time measurement of `id`.
    pub fn cpu_id(id: &str) -> String {
        format!("{id}@cpu")
    }
}

/// The largest typed/`Value` parse ratio the issue allows (lists of 13 and 1,000).
pub const PARSE_TARGET: f64 = 0.5;
/// The largest adapter/bare time ratio the issue allows.
pub const ADAPTER_TARGET: f64 = 1.05;
/// Per-factor time at 1,000 over that at 13 within this band counts as linear.
pub const LINEAR_BAND: (f64, f64) = (0.8, 1.25);

/// The results of one run.
#[derive(Debug, Default)]
pub struct Results {
    medians: HashMap<String, f64>,
    pairs: HashMap<(String, String), Ratio>,
    allocs: HashMap<String, AllocRecord>,
}

impl Results {
    /// Reads the results under criterion's output directory `home`.
    pub fn load(home: &Path) -> Self {
        let mut ids = Vec::new();
        for p in payloads::ALL {
            for s in [
                parse::PARSE_RESPONSE,
                parse::FROM_SLICE,
                parse::VALUE,
                parse::IGNORED_ANY,
            ] {
                ids.push(parse::id(s, p.name));
            }
        }
        for case in build_cases() {
            for s in [build::CORE, build::BARE] {
                ids.push(build::id(s, case.name));
            }
        }
        for (case, ..) in e2e::CASES {
            for (subject, rep) in e2e::ORDER {
                ids.push(e2e::id(subject, case, rep));
            }
        }
        let mut results = Self::default();
        for id in ids {
            if let Some(ns) = median_ns(home, &id) {
                results.insert_median(id, ns);
            }
        }
        read_pairs(home)
            .into_iter()
            .for_each(|r| results.insert_pair(r));
        read_allocs(home)
            .into_iter()
            .for_each(|r| results.insert_allocs(r));
        results
    }

    /// Adds a criterion median.
    pub fn insert_median(&mut self, id: impl Into<String>, ns: f64) {
        self.medians.insert(id.into(), ns);
    }

    /// Adds a paired ratio.
    pub fn insert_pair(&mut self, record: PairRecord) {
        self.pairs
            .insert((record.id, record.baseline), record.ratio);
    }

    /// Adds an allocation record.
    pub fn insert_allocs(&mut self, record: AllocRecord) {
        self.allocs.insert(record.id.clone(), record);
    }

    /// The criterion median of `id` in nanoseconds.
    pub fn median(&self, id: &str) -> Option<f64> {
        self.medians.get(id).copied()
    }

    /// `id` relative to `baseline`: paired if measured so, else from
    /// criterion's medians (no spread).
    fn ratio(&self, id: &str, baseline: &str) -> Option<Ratio> {
        if let Some(r) = self.pairs.get(&(id.to_owned(), baseline.to_owned())) {
            return Some(*r);
        }
        let r = self.median(id)? / self.median(baseline)?;
        Some(point(r))
    }

    /// End to end: paired, else the sum of criterion's repetitions.
    fn e2e_ratio(&self, case: &str, subject: &str, baseline: &str) -> Option<Ratio> {
        let paired = (
            e2e::paired_id(subject, case),
            e2e::paired_id(baseline, case),
        );
        if let Some(r) = self.pairs.get(&paired) {
            return Some(*r);
        }
        let total = |side: &str| -> Option<f64> {
            e2e::ORDER
                .iter()
                .filter(|(s, _)| *s == side)
                .map(|(_, rep)| self.median(&e2e::id(side, case, rep)))
                .sum()
        };
        Some(point(total(subject)? / total(baseline)?))
    }

    /// Every criterion median, sorted by ID: `id<TAB>median in µs` (for a
    /// closer look; absolute times vary with the machine, the ratios do not).
    pub fn times(&self) -> String {
        let mut ids: Vec<_> = self.medians.iter().collect();
        ids.sort_by(|a, b| a.0.cmp(b.0));
        ids.iter()
            .map(|(id, ns)| format!("{id}\t{:.3} µs\n", *ns / 1000.0))
            .collect()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.medians.is_empty() && self.pairs.is_empty() && self.allocs.is_empty()
    }

    /// The table (Markdown).
    pub fn table(&self) -> String {
        let mut t = Table::default();
        for p in payloads::ALL {
            self.parse_rows(&mut t, &p);
        }
        self.linearity_row(&mut t);
        for case in build_cases() {
            let (op, opts) = match case.name.strip_suffix("+opts") {
                Some(op) => (op, " + all optional parameters"),
                None => (case.name, ""),
            };
            let core = build::id(build::CORE, case.name);
            let bare = build::id(build::BARE, case.name);
            t.row(
                format!("build `{op}`{opts}"),
                self.ratio(&core, &bare),
                format!("same request by hand{}", self.allocs_note(&bare)),
                String::new(),
                self.allocs.get(&core),
            );
        }
        for (case, what, bare_name) in e2e::CASES {
            let allocs = |side: &str| self.allocs.get(&e2e::paired_id(side, case));
            let wall = self.e2e_ratio(case, e2e::ADAPTER, e2e::BARE);
            let bare_note = self.allocs_note(&e2e::paired_id(e2e::BARE, case));
            t.row(
                format!("{what}: wall time per request"),
                wall,
                format!("{bare_name}, same request{bare_note}"),
                target(wall, |r| r <= ADAPTER_TARGET, "≤ 1.05"),
                allocs(e2e::ADAPTER),
            );
            let cpu = |a: &str, b: &str| {
                let key = (
                    e2e::cpu_id(&e2e::paired_id(a, case)),
                    e2e::cpu_id(&e2e::paired_id(b, case)),
                );
                self.pairs.get(&key).copied()
            };
            let adapter_cpu = cpu(e2e::ADAPTER, e2e::BARE);
            t.row(
                "↳ client CPU time per request".to_owned(),
                adapter_cpu,
                bare_name.to_owned(),
                target(adapter_cpu, |r| r <= ADAPTER_TARGET, "≤ 1.05"),
                None,
            );
            t.row(
                "↳ ↳ core's share: `build_request` + `parse_response` by hand over the bare transport (CPU)"
                    .to_owned(),
                cpu(e2e::BARE_CORE, e2e::BARE),
                bare_name.to_owned(),
                String::new(),
                allocs(e2e::BARE_CORE),
            );
            t.row(
                "↳ ↳ adapter's own share: retry loop, limits, timers, request copy (CPU)"
                    .to_owned(),
                cpu(e2e::ADAPTER, e2e::BARE_CORE),
                format!("{bare_name} + core by hand"),
                String::new(),
                None,
            );
        }
        for (case, what) in e2e::GOVERNOR_CASES {
            let governed = e2e::paired_id(e2e::GOVERNED, case);
            let ungoverned = e2e::paired_id(e2e::UNGOVERNED, case);
            for (row, cpu) in [("wall time", false), ("CPU time", true)] {
                let (a, b) = if cpu {
                    (e2e::cpu_id(&governed), e2e::cpu_id(&ungoverned))
                } else {
                    (governed.clone(), ungoverned.clone())
                };
                let ratio = self.pairs.get(&(a, b)).copied();
                // No target: over loopback a call does no networking, so
                // the governor's ~2 µs show; next to a round trip to Okta
                // they do not (README, Benchmarks).
                t.row(
                    format!("`get_factor` with a rate-limit governor, {what}: {row} per request"),
                    ratio,
                    "the same client without one (never held back)".to_owned(),
                    String::new(),
                    None,
                );
            }
        }
        t.render()
    }

    fn parse_rows(&self, t: &mut Table, p: &Payload) {
        let what = match p.kind {
            Kind::List if p.factors == 1 => "`list_factors`, 1 factor".to_owned(),
            Kind::List => format!("`list_factors`, {} factors", thousands(p.factors)),
            Kind::Factor => "`get_factor`".to_owned(),
            Kind::VerifyWaiting => "`verify_factor` WAITING".to_owned(),
            Kind::Error => "error body (403)".to_owned(),
        };
        let size = human_bytes(p.bytes.len() as f64);
        let typed = parse::id(parse::PARSE_RESPONSE, p.name);
        let value = parse::id(parse::VALUE, p.name);
        let ignored = parse::id(parse::IGNORED_ANY, p.name);
        let ratio = self.ratio(&typed, &value);
        let has_target = p.kind == Kind::List && p.factors > 1;
        t.row(
            format!("parse {what} ({size}): `parse_response`"),
            ratio,
            format!("`Value`{}", self.allocs_note(&value)),
            if has_target {
                target(ratio, |r| r <= PARSE_TARGET, "≤ 0.50")
            } else {
                String::new()
            },
            self.allocs.get(&typed),
        );
        t.row(
            format!("parse {what}: `parse_response`"),
            self.ratio(&typed, &ignored),
            "`IgnoredAny` (the floor)".to_owned(),
            String::new(),
            None,
        );
        if matches!(p.kind, Kind::List | Kind::Factor) {
            let from_slice = parse::id(parse::FROM_SLICE, p.name);
            let ty = if p.kind == Kind::List {
                "Vec<UserFactor>"
            } else {
                "UserFactor"
            };
            t.row(
                format!("parse {what}: `from_slice::<{ty}>`"),
                self.ratio(&from_slice, &value),
                "`Value`".to_owned(),
                String::new(),
                self.allocs.get(&from_slice),
            );
        }
    }

    fn linearity_row(&self, t: &mut Table) {
        let (big, small) = (payloads::FACTORS_1000, payloads::FACTORS_13);
        let scale = small.factors as f64 / big.factors as f64;
        let ratio = self
            .ratio(
                &parse::id(parse::PARSE_RESPONSE, big.name),
                &parse::id(parse::PARSE_RESPONSE, small.name),
            )
            .map(|r| Ratio {
                median: r.median * scale,
                q1: r.q1 * scale,
                q3: r.q3 * scale,
            });
        let (low, high) = LINEAR_BAND;
        t.row(
            "`parse_response` time per factor, 1,000 factors".to_owned(),
            ratio,
            "time per factor, 13 factors".to_owned(),
            target(ratio, |r| (low..=high).contains(&r), "≈ 1 (linear)"),
            None,
        );
    }

    fn allocs_note(&self, id: &str) -> String {
        self.allocs
            .get(id)
            .map(|r| format!(" ({} allocs, {})", count(r.allocs), human_bytes(r.bytes)))
            .unwrap_or_default()
    }
}

fn point(r: f64) -> Ratio {
    Ratio {
        median: r,
        q1: r,
        q3: r,
    }
}

fn target(ratio: Option<Ratio>, met: impl Fn(f64) -> bool, text: &str) -> String {
    match ratio {
        Some(r) if met(r.median) => format!("{text} ✓"),
        Some(_) => format!("{text} ✗"),
        None => text.to_owned(),
    }
}

#[derive(Default)]
struct Table {
    rows: Vec<[String; 6]>,
}

impl Table {
    fn row(
        &mut self,
        what: String,
        ratio: Option<Ratio>,
        baseline: String,
        target: String,
        allocs: Option<&AllocRecord>,
    ) {
        let ratio = match ratio {
            None => "n/a".to_owned(),
            Some(r) if r.q1 == r.q3 => format!("{:.2}", r.median),
            Some(r) => format!("{:.2} ({:.2}–{:.2})", r.median, r.q1, r.q3),
        };
        let (a, b) = allocs.map_or_else(Default::default, |r| {
            (count(r.allocs), human_bytes(r.bytes))
        });
        self.rows.push([what, ratio, baseline, target, a, b]);
    }

    fn render(&self) -> String {
        let header = [
            "measurement",
            "ratio (IQR)",
            "baseline (same run, same bytes)",
            "target",
            "allocs/op",
            "bytes/op",
        ];
        let mut out = String::new();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|---|---:|---|---|---:|---:|");
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out
    }
}

fn count(n: f64) -> String {
    if (n - n.round()).abs() < 0.05 {
        format!("{n:.0}")
    } else {
        format!("{n:.1}")
    }
}

fn thousands(n: usize) -> String {
    if n >= 1000 {
        format!("{},{:03}", n / 1000, n % 1000)
    } else {
        n.to_string()
    }
}

fn human_bytes(bytes: f64) -> String {
    if bytes < 1000.0 {
        format!("{bytes:.0} B")
    } else if bytes < 1_000_000.0 {
        format!("{:.1} kB", bytes / 1000.0)
    } else {
        format!("{:.2} MB", bytes / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_ratios_targets_and_allocations() {
        let mut r = Results::default();
        r.insert_median(parse::id(parse::PARSE_RESPONSE, "factors-13"), 40.0);
        r.insert_median(parse::id(parse::VALUE, "factors-13"), 100.0);
        r.insert_median(parse::id(parse::PARSE_RESPONSE, "factors-1000"), 3200.0);
        r.insert_median(parse::id(parse::VALUE, "factors-1000"), 6000.0);
        r.insert_pair(PairRecord {
            id: e2e::paired_id(e2e::ADAPTER, e2e::HYPER_SEQ),
            baseline: e2e::paired_id(e2e::BARE, e2e::HYPER_SEQ),
            ratio: Ratio {
                median: 1.2,
                q1: 1.1,
                q3: 1.3,
            },
        });
        r.insert_pair(PairRecord {
            id: e2e::cpu_id(&e2e::paired_id(e2e::ADAPTER, e2e::HYPER_SEQ)),
            baseline: e2e::cpu_id(&e2e::paired_id(e2e::BARE, e2e::HYPER_SEQ)),
            ratio: Ratio {
                median: 1.1,
                q1: 1.05,
                q3: 1.15,
            },
        });
        r.insert_median(e2e::id(e2e::ADAPTER, e2e::UREQ_SEQ, "1"), 103.0);
        r.insert_median(e2e::id(e2e::ADAPTER, e2e::UREQ_SEQ, "2"), 105.0);
        r.insert_median(e2e::id(e2e::BARE_CORE, e2e::UREQ_SEQ, "1"), 102.0);
        r.insert_median(e2e::id(e2e::BARE_CORE, e2e::UREQ_SEQ, "2"), 102.0);
        r.insert_median(e2e::id(e2e::BARE, e2e::UREQ_SEQ, "1"), 100.0);
        r.insert_median(e2e::id(e2e::BARE, e2e::UREQ_SEQ, "2"), 100.0);
        r.insert_allocs(AllocRecord {
            id: parse::id(parse::PARSE_RESPONSE, "factors-13"),
            allocs: 250.0,
            bytes: 21_500.0,
        });
        let table = r.table();
        assert!(
            table.contains("| parse `list_factors`, 13 factors (9.1 kB): `parse_response` | 0.40 | `Value` | ≤ 0.50 ✓ | 250 | 21.5 kB |"),
            "{table}"
        );
        assert!(
            table
                .contains("1,000 factors (702.0 kB): `parse_response` | 0.53 | `Value` | ≤ 0.50 ✗"),
            "{table}"
        );
        // 3.2 per factor at 1,000 vs 3.08 at 13.
        assert!(
            table.contains("| 1.04 | time per factor, 13 factors | ≈ 1 (linear) ✓ |"),
            "{table}"
        );
        assert!(
            table.contains("sequential: wall time per request | 1.04 |"),
            "{table}"
        );
        assert!(
            table
                .contains("hyper `Client`, sequential: wall time per request | 1.20 (1.10–1.30) |"),
            "{table}"
        );
        assert!(
            table.contains("| ↳ client CPU time per request | 1.10 (1.05–1.15) |"),
            "{table}"
        );
        assert!(
            table.contains("| build `verify_factor` + all optional parameters | n/a |"),
            "{table}"
        );
    }
}
