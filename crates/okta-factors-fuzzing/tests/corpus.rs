//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/*`) and the core's
//! spec examples and wire vectors through the harness functions, so that a
//! crash found once stays fixed in a plain `cargo test`.

// A test reports failure by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use okta_factors_fuzzing::input::Encode;
use okta_factors_fuzzing::known;
use okta_factors_fuzzing::response::RawResponse;
use okta_factors_fuzzing::seeds::{body_bytes, fuzz_dir, load_fixtures, seeds};
use okta_factors_fuzzing::{
    decode, model_roundtrip, parse_response, run_target, BuildInput, PolicyInput, TARGETS,
};

/// Corpus files (`target/file`) that crash until their bug is fixed: the
/// lines of `fuzz/known-crashes.txt` (`.ci/run` and the harness read it too).
fn known_crashes() -> BTreeSet<String> {
    known::listed().map(str::to_owned).collect()
}

fn corpus_files(target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `f`, returning the panic message if it panicked.
fn panics(f: impl FnOnce()) -> Option<String> {
    catch_unwind(AssertUnwindSafe(f)).err().map(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "(non-string panic)".to_owned())
    })
}

#[test]
fn every_corpus_file_replays_without_a_crash() {
    let known = known_crashes();
    let mut failures = Vec::new();
    let mut seen_known = BTreeSet::new();
    let mut count = 0;
    for target in TARGETS {
        for path in corpus_files(target) {
            let name = format!("{target}/{}", path.file_name().unwrap().to_string_lossy());
            let data = std::fs::read(&path).unwrap();
            count += 1;
            if known.contains(&name) {
                eprintln!("{name}: known crash, expected to panic:");
                let outcome = panics(|| {
                    known::strict(|| run_target(target, &data));
                });
                seen_known.insert(name.clone());
                if outcome.is_none() {
                    failures.push(format!(
                        "{name} is listed in fuzz/known-crashes.txt but no longer crashes: \
                         the bug is fixed, delete its line there"
                    ));
                }
            } else if let Some(message) = panics(|| assert!(run_target(target, &data))) {
                failures.push(format!("{name}: {message}"));
            }
        }
    }
    for name in known.difference(&seen_known) {
        failures.push(format!(
            "fuzz/known-crashes.txt lists {name}, which is not in the corpus"
        ));
    }
    assert!(count > 0, "no corpus files found");
    assert!(
        failures.is_empty(),
        "{} of {count} corpus files failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_fixture_body_passes_parse_response_and_model_roundtrip() {
    let spec = load_fixtures("spec").unwrap();
    let vectors = load_fixtures("vectors").unwrap();
    assert!(spec.len() > 50 && vectors.len() > 20, "fixtures missing");
    // (name, status of a response or None for a request body, body)
    let mut bodies: Vec<(String, Option<u16>, Vec<u8>)> = Vec::new();
    let status = |v: &serde_json::Value| v.as_u64().map_or(200, |s| u16::try_from(s).unwrap());
    for (name, f) in &spec {
        let is_response = f["kind"] == "response";
        let body = body_bytes(f.get("wire_body"));
        bodies.push((
            name.clone(),
            is_response.then(|| status(&f["status"])),
            body,
        ));
    }
    for (name, v) in &vectors {
        if let Some(response) = v.get("response").filter(|r| r.is_object()) {
            let body = body_bytes(response.get("body"));
            bodies.push((name.clone(), Some(status(&response["status"])), body));
        }
        let body = body_bytes(v["request"].get("body"));
        bodies.push((format!("{name} request"), None, body));
    }
    let mut failures = Vec::new();
    for (name, status, body) in bodies {
        if !body.is_empty() {
            if let Some(m) = panics(|| model_roundtrip(&body)) {
                failures.push(format!("model_roundtrip {name}: {m}"));
            }
        }
        if let Some(status) = status {
            let headers = [("content-type", "application/json")];
            let response = RawResponse::encode(status, &headers, &body);
            if let Some(m) = panics(|| parse_response(&response)) {
                failures.push(format!("parse_response {name}: {m}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The structured seeds are written with `Encode`; they must decode (as
/// libFuzzer decodes them) into values that encode back to the same bytes,
/// or the seeds would not be the inputs they were written from.
#[test]
fn structured_seeds_decode_to_the_values_they_were_written_from() {
    let seeds = seeds().unwrap();
    let mut checked = 0;
    for seed in &seeds {
        let again = match seed.target {
            "build_request" => decode::<BuildInput>(&seed.data).map(|v| v.to_bytes()),
            "policies" => decode::<PolicyInput>(&seed.data).map(|v| v.to_bytes()),
            _ => continue,
        };
        checked += 1;
        assert_eq!(
            again.as_deref(),
            Some(&seed.data[..]),
            "{} {}",
            seed.target,
            seed.name
        );
    }
    assert!(checked > 20);
}

/// The committed corpus stays small (it is replayed by every `cargo test`).
#[test]
fn corpus_stays_small() {
    let mut files = 0;
    let mut bytes = 0;
    for target in TARGETS {
        for path in corpus_files(target) {
            files += 1;
            bytes += std::fs::metadata(&path).unwrap().len();
        }
    }
    assert!(
        files < 300,
        "{files} corpus files: minimize (fuzz/README.md)"
    );
    assert!(
        bytes < 2_000_000,
        "{bytes} corpus bytes: minimize (fuzz/README.md)"
    );
}
