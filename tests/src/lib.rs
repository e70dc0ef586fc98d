//! Cross-crate scenarios for rekam: behaviour that spans the protocol, simulators and agent, and
//! the benchmarks that measure it. The tests live in `tests/` and the benchmarks in `benches/`;
//! this library holds only what they share.

use std::path::PathBuf;

/// The Python interpreter for reference-implementation tests, from `REKAM_PYTHON` (relative paths
/// are taken from the workspace root; `.ci/run` sets it to `target/py/bin/python`).
///
/// Returns `None` when it is not configured and this is not CI; panics under CI, because a
/// reference check that silently does not run proves nothing.
pub fn reference_python() -> Option<PathBuf> {
    match std::env::var_os("REKAM_PYTHON") {
        Some(p) => {
            let p = PathBuf::from(p);
            Some(if p.is_relative() {
                workspace_root().join(p)
            } else {
                p
            })
        }
        None if std::env::var_os("CI").is_some() => {
            panic!("REKAM_PYTHON is not set under CI; .ci/run installs the reference tools")
        }
        None => {
            eprintln!("note: REKAM_PYTHON not set; skipping the reference-implementation check");
            None
        }
    }
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
