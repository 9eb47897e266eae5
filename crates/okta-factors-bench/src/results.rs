//! Where the results of a run are: criterion's estimates and the allocation
//! counts the bench binaries write beside them.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::paired::Ratio;

/// Criterion's output directory, found the way criterion finds it:
/// `CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the workspace's
/// `target/criterion`.
pub fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/criterion")
}

/// The directory of this crate's own results (allocation counts, paired
/// ratios), inside [`criterion_home`].
pub fn own_dir(home: &Path) -> PathBuf {
    home.join("okta-factors-bench")
}

/// The criterion groups of this crate's benchmarks.
pub const GROUPS: [&str; 3] = ["parse", "build", "e2e"];

/// Removes the results of an earlier run (this crate's criterion groups, paired
/// ratios and allocation counts; nothing else under `home`).
pub fn clean(home: &Path) -> io::Result<()> {
    let dirs = GROUPS.iter().map(|g| home.join(g)).chain([own_dir(home)]);
    for dir in dirs {
        match fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// The median time of benchmark `id` (`group/function/parameter`) in
/// nanoseconds, from the latest run (`new/estimates.json`).
pub fn median_ns(home: &Path, id: &str) -> Option<f64> {
    let text = fs::read(home.join(id).join("new/estimates.json")).ok()?;
    let estimates: serde_json::Value = serde_json::from_slice(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

/// Allocations made by one operation, averaged over many.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocRecord {
    /// The benchmark it belongs to (`group/function/parameter`).
    pub id: String,
    /// Allocator calls per operation (`alloc` and `realloc`).
    pub allocs: f64,
    /// Bytes allocated per operation (`realloc` growth included).
    pub bytes: f64,
}

/// Writes the allocation counts (`allocs.tsv`, one tab-separated line each).
pub fn write_allocs(home: &Path, records: &[AllocRecord]) -> io::Result<()> {
    let mut text = String::new();
    for r in records {
        let _ = writeln!(text, "{}\t{}\t{}", r.id, r.allocs, r.bytes);
    }
    write_own(home, "allocs.tsv", &text)
}

/// Reads the allocation counts.
pub fn read_allocs(home: &Path) -> Vec<AllocRecord> {
    read_own(home, "allocs.tsv")
        .into_iter()
        .filter_map(|fields| {
            let [id, allocs, bytes] = fields.as_slice() else {
                return None;
            };
            Some(AllocRecord {
                id: id.clone(),
                allocs: allocs.parse().ok()?,
                bytes: bytes.parse().ok()?,
            })
        })
        .collect()
}

/// A subject's time relative to its baseline, measured in interleaved rounds
/// (see [`crate::paired`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PairRecord {
    /// The subject's benchmark ID.
    pub id: String,
    /// The baseline's benchmark ID.
    pub baseline: String,
    /// Subject time / baseline time.
    pub ratio: Ratio,
}

/// Writes the paired ratios (`ratios.tsv`).
pub fn write_pairs(home: &Path, records: &[PairRecord]) -> io::Result<()> {
    let mut text = String::new();
    for r in records {
        let Ratio { median, q1, q3 } = r.ratio;
        let _ = writeln!(text, "{}\t{}\t{median}\t{q1}\t{q3}", r.id, r.baseline);
    }
    write_own(home, "ratios.tsv", &text)
}

/// Reads the paired ratios.
pub fn read_pairs(home: &Path) -> Vec<PairRecord> {
    read_own(home, "ratios.tsv")
        .into_iter()
        .filter_map(|fields| {
            let [id, baseline, median, q1, q3] = fields.as_slice() else {
                return None;
            };
            Some(PairRecord {
                id: id.clone(),
                baseline: baseline.clone(),
                ratio: Ratio {
                    median: median.parse().ok()?,
                    q1: q1.parse().ok()?,
                    q3: q3.parse().ok()?,
                },
            })
        })
        .collect()
}

fn write_own(home: &Path, file: &str, text: &str) -> io::Result<()> {
    let dir = own_dir(home);
    fs::create_dir_all(&dir)?;
    fs::write(dir.join(file), text)
}

/// The tab-separated fields of each line of `file` (nothing if it is missing).
fn read_own(home: &Path, file: &str) -> Vec<Vec<String>> {
    fs::read_to_string(own_dir(home).join(file))
        .unwrap_or_default()
        .lines()
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocs_round_trip_and_estimates_are_read() {
        let home = std::env::temp_dir().join(format!("okta-bench-test-{}", std::process::id()));
        let records = vec![AllocRecord {
            id: "parse/value/factors-13".into(),
            allocs: 12.5,
            bytes: 1024.0,
        }];
        write_allocs(&home, &records).unwrap();
        assert_eq!(read_allocs(&home), records);
        let pairs = vec![PairRecord {
            id: "parse/parse_response/factors-13".into(),
            baseline: "parse/value/factors-13".into(),
            ratio: Ratio {
                median: 0.5,
                q1: 0.25,
                q3: 0.75,
            },
        }];
        write_pairs(&home, &pairs).unwrap();
        assert_eq!(read_pairs(&home), pairs);

        let dir = home.join("parse/value/factors-13/new");
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("estimates.json"),
            r#"{"mean":{"point_estimate":2.0},"median":{"point_estimate":1.5}}"#,
        )
        .unwrap();
        assert_eq!(median_ns(&home, "parse/value/factors-13"), Some(1.5));
        assert_eq!(median_ns(&home, "parse/value/missing"), None);
        clean(&home).unwrap();
        assert!(read_allocs(&home).is_empty());
        assert!(read_pairs(&home).is_empty());
        assert_eq!(median_ns(&home, "parse/value/factors-13"), None);
        fs::remove_dir_all(&home).unwrap();
    }
}
