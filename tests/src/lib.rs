//! Cross-crate scenarios for rekam: behaviour that spans the protocol, simulators and agent, and
//! the benchmarks that measure it. The tests live in `tests/` and the benchmarks in `benches/`.
//!
//! The library holds what every crate's tests share about outside references: where the reference
//! Python is, how shared data is read, and decoding reference PNGs. Each check fails, rather than
//! skips, when `CI` is set and its reference is missing.

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

/// Reads a file of `../shared/data` (path relative to it): `None` with a note when it is missing
/// outside CI, a failure in CI.
pub fn shared_data(relative: &str) -> Option<Vec<u8>> {
    let path = workspace_root().join("../shared/data").join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("shared data {} is missing under CI: {e}", path.display())
        }
        Err(e) => {
            eprintln!(
                "note: skipping, shared data {} unavailable: {e}",
                path.display()
            );
            None
        }
    }
}

/// The gray pixels of a PNG (gray, or RGB whose channels are equal) as `(width, height, pixels)`.
pub fn png_gray(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let channels = info.color_type.samples();
    let gray = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|px| {
            assert!(px.iter().all(|&c| c == px[0]), "the PNG is not gray");
            px[0]
        })
        .collect();
    (info.width, info.height, gray)
}

/// The pixels of a binary 8-bit PGM (P5, maxval 255, `#` comments allowed) as
/// `(width, height, pixels)`.
pub fn pgm_gray(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut fields: Vec<String> = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i] == b'#' {
            while bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P5", "not a binary PGM");
    assert_eq!(fields[3], "255", "only 8-bit PGMs are supported");
    let width: u32 = fields[1].parse().expect("PGM width");
    let height: u32 = fields[2].parse().expect("PGM height");
    // Exactly one whitespace byte separates the header from the pixels.
    let start = i + 1;
    let pixels = bytes[start..start + (width * height) as usize].to_vec();
    (width, height, pixels)
}
