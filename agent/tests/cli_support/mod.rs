//! Shared by the tests that run the real `rekam` binary: run it, insist that it succeeds (its
//! stdout) or fails with a one-line reason (its stderr), and pass paths as arguments.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `rekam` with `args` and returns what it did.
pub fn rekam(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(args)
        .output()
        .expect("rekam runs")
}

/// Runs `rekam`, which must succeed; returns its stdout.
pub fn ok(args: &[&str]) -> String {
    let out = rekam(args);
    assert!(
        out.status.success(),
        "rekam {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

/// Runs `rekam`, which must fail with a reason on one line; returns that reason.
pub fn fails(args: &[&str]) -> String {
    let out = rekam(args);
    assert!(!out.status.success(), "rekam {args:?} should fail");
    let err = String::from_utf8(out.stderr).expect("utf8");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one-line reason, got: {err}"
    );
    err
}

/// A path as an argument (test paths are UTF-8).
pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf8 path")
}
