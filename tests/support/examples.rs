//! What the tests that run the built examples share: a sandbox (a temporary
//! `HOME` and working directory) and the example binaries themselves.
//!
//! `cargo test` builds the examples with the tests, but not when it runs one
//! test target (`cargo test --test mfa_audit`); [`example`] then builds them
//! here, once, with the test's profile and target directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// A temporary root with `home/.okta/` and `work/`, removed on drop.
pub(crate) struct Sandbox {
    /// The root directory.
    pub(crate) root: PathBuf,
}

impl Sandbox {
    /// A new sandbox; `name` goes into its directory's name.
    pub(crate) fn new(name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let root = std::env::temp_dir().join(format!(
            "okta-factors-examples-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(root.join("home").join(".okta")).unwrap();
        std::fs::create_dir_all(root.join("work")).unwrap();
        Self { root }
    }

    /// `root/name`.
    #[allow(dead_code)]
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The `HOME` of the programs run in it.
    pub(crate) fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    /// The working directory of the programs run in it.
    #[allow(dead_code)]
    pub(crate) fn work(&self) -> PathBuf {
        self.root.join("work")
    }

    /// Writes `text` to `path`; the path as text.
    #[allow(dead_code)]
    pub(crate) fn write(&self, path: &Path, text: &str) -> String {
        std::fs::write(path, text).unwrap();
        path.display().to_string()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The example binary `name`, next to this test (target/<profile>/examples/),
/// built here when older than a source of the workspace.
pub(crate) fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test>-<hash>
    let profile = exe.parent().unwrap().parent().unwrap();
    let binary = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let newest_source = newest(&[
        root.join("Cargo.toml"),
        root.join("Cargo.lock"),
        root.join("examples"),
        root.join("crates"),
    ]);
    let fresh = std::fs::metadata(&binary)
        .and_then(|m| m.modified())
        .is_ok_and(|built| built >= newest_source);
    if !fresh {
        BUILT.get_or_init(|| build_examples(profile));
    }
    binary
}

/// The latest modification time of the Rust sources and manifests under
/// `paths` (`target` directories skipped).
fn newest(paths: &[PathBuf]) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
        } else if path
            .extension()
            .is_some_and(|e| e == "rs" || e == "toml" || e == "lock")
        {
            newest = newest.max(meta.modified().unwrap());
        }
    }
    newest
}

/// `cargo build --examples` of this package into `profile`'s target
/// directory, without the variables cargo sets for this test (build scripts
/// that watch them would run again, and the next `cargo test` would rebuild
/// them back).
fn build_examples(profile: &Path) {
    let mut cargo = Command::new(env!("CARGO"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_for_test = [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix))
            || [
                "CARGO_TARGET_TMPDIR",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&name.as_ref());
        if set_for_test {
            cargo.env_remove(name.as_ref());
        }
    }
    cargo
        .args(["build", "--quiet", "--offline", "--examples"])
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(profile.parent().unwrap());
    if let Some(other) = profile.file_name().and_then(|n| n.to_str()) {
        if other != "debug" {
            cargo.args(["--profile", other]);
        }
    }
    assert!(
        cargo.status().unwrap().success(),
        "cargo build --examples failed"
    );
}
