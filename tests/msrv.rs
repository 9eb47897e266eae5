//! The declared `rust-version` is honest: it is at least the `rust-version` of
//! every package the lock file builds for the workspace (dependencies and
//! dev-dependencies alike), so `cargo test` on that toolchain can work. Only
//! one toolchain (the current stable) exists on the CI machine, so the code
//! itself is held to the declared version by clippy's `incompatible_msrv` lint
//! (on by default; it reads `rust-version`), and the dependencies by this test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::process::Command;

use serde_json::Value;

fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().unwrap());
    (
        parts.next().unwrap(),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn the_declared_rust_version_covers_every_locked_dependency() {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages: HashMap<&str, &Value> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let members: HashSet<&str> = metadata["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    // Every member declares the workspace's version.
    let declared = version(env!("CARGO_PKG_RUST_VERSION"));
    for id in &members {
        let member = packages[id];
        assert_eq!(
            member["rust_version"].as_str().map(version),
            Some(declared),
            "{} does not declare the workspace's rust-version",
            member["name"]
        );
    }
    // What the workspace builds, through any kind of dependency.
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let mut seen = HashSet::new();
    let mut stack: Vec<&str> = members.iter().copied().collect();
    while let Some(id) = stack.pop() {
        if seen.insert(id) {
            for dep in nodes[id]["deps"].as_array().unwrap() {
                stack.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    let too_new: Vec<String> = seen
        .iter()
        .filter(|id| !members.contains(*id))
        .filter_map(|id| {
            let package = packages[id];
            let needs = package["rust_version"].as_str()?;
            (version(needs) > declared).then(|| {
                format!(
                    "{} {} needs Rust {needs}",
                    package["name"].as_str().unwrap(),
                    package["version"].as_str().unwrap()
                )
            })
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "rust-version {} is lower than what the lock file needs: {too_new:?}",
        env!("CARGO_PKG_RUST_VERSION")
    );
}
