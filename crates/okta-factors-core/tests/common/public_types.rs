//! The public types a crate declares, found by reading its sources: what the
//! secrets suites check against their lists, so a new type cannot be forgotten.
//! Shared by `crates/okta-factors-core/tests/secrets.rs` and the root
//! `tests/security.rs` (through `#[path]`).

// Test support: an unreadable source tree is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

/// Every `pub struct`/`pub enum`/`pub type`/`pub union` declared under `dir`
/// (outside `#[cfg(test)]` modules), also those declared through `wire_object!`
/// and `open_enum!` (their bodies spell `pub struct`/`pub enum` too).
pub(crate) fn declared_public_types(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let line = line.trim();
                if line == "#[cfg(test)]" {
                    break;
                }
                let Some(rest) = ["pub struct ", "pub enum ", "pub type ", "pub union "]
                    .iter()
                    .find_map(|kw| line.strip_prefix(kw))
                else {
                    continue;
                };
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}
