//! Writes the seed corpus of every fuzz target to `fuzz/corpus/<target>/`:
//! `cargo run -p okta-factors-fuzzing --example seed-corpus`.
//!
//! Old `seed-*` files are removed first; regression files (`regress-*`) and
//! anything else in the directories are kept.

use std::fs;

use okta_factors_fuzzing::seeds::{fuzz_dir, seeds};
use okta_factors_fuzzing::TARGETS;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seeds = seeds()?;
    let corpus = fuzz_dir().join("corpus");
    for target in TARGETS {
        let dir = corpus.join(target);
        fs::create_dir_all(&dir)?;
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            let is_seed = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-"));
            if is_seed {
                fs::remove_file(&path)?;
            }
        }
        let mine: Vec<_> = seeds.iter().filter(|s| s.target == *target).collect();
        let bytes: usize = mine.iter().map(|s| s.data.len()).sum();
        for seed in &mine {
            fs::write(dir.join(&seed.name), &seed.data)?;
        }
        println!("{target}: {} seeds, {bytes} bytes", mine.len());
    }
    Ok(())
}
