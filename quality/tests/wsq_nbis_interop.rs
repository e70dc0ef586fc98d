//! Interoperability with NIST's NBIS WSQ codec through the PyPI `wsq` Pillow plugin: NBIS decodes
//! our encodings, we decode NBIS's encodings to the same pixels NBIS decodes them to, and every
//! WSQ finger image in NIST's sample ANSI/NIST transactions decodes identically in both.
//!
//! Runs the Python named by `REKAM_PYTHON`; without it the test fails in CI and is skipped (with a
//! note) elsewhere.

use std::path::{Path, PathBuf};
use std::process::Command;

use rekam_quality::wsq::{self, EncodeOptions};
use rekam_tests::{png_gray, reference_python as python, shared_data};

const REFERENCE: &str = "wsq/sample-decoded-reference.png";

const SCRIPT: &str = r#"
import sys
import wsq  # registers the WSQ format with Pillow
from PIL import Image
mode = sys.argv[1]
if mode == "decode":
    im = Image.open(sys.argv[2])
    im.load()
    with open(sys.argv[3], "wb") as f:
        f.write(im.convert("L").tobytes())
    print(im.size[0], im.size[1])
elif mode == "encode":
    w, h = int(sys.argv[3]), int(sys.argv[4])
    with open(sys.argv[2], "rb") as f:
        im = Image.frombytes("L", (w, h), f.read())
    im.save(sys.argv[5], format="WSQ")
"#;

/// A scratch directory unique to this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rekam-wsq-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn run(py: &Path, args: &[&Path]) -> String {
    let out = Command::new(py)
        .arg("-c")
        .arg(SCRIPT)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", py.display()));
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn nbis_decode(py: &Path, wsq_path: &Path, dir: &Path) -> (u32, u32, Vec<u8>) {
    let raw = dir.join("nbis-decoded.raw");
    let size = run(py, &[Path::new("decode"), wsq_path, &raw]);
    let mut it = size
        .split_whitespace()
        .map(|s| s.parse::<u32>().expect("size"));
    let (w, h) = (it.next().expect("w"), it.next().expect("h"));
    (w, h, std::fs::read(&raw).expect("decoded raw"))
}

fn max_diff(a: &[u8], b: &[u8]) -> u8 {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

#[test]
fn nbis_decodes_our_encoding_to_the_pixels_we_decode() {
    let Some(py) = python() else { return };
    let Some(png_bytes) = shared_data(REFERENCE) else {
        return;
    };
    let (w, h, pixels) = png_gray(&png_bytes);
    let dir = scratch("ours");
    let encoded = wsq::encode(&pixels, w, h, &EncodeOptions::default()).expect("encode");
    let path = dir.join("ours.wsq");
    std::fs::write(&path, &encoded).expect("write");
    let (nw, nh, nbis) = nbis_decode(&py, &path, &dir);
    let ours = wsq::decode(&encoded).expect("decode");
    assert_eq!((nw, nh), (w, h));
    let differing = nbis
        .iter()
        .zip(&ours.pixels)
        .filter(|(a, b)| a != b)
        .count();
    println!(
        "NBIS decoding our {w}x{h} encoding: {differing} pixels differ from ours, max difference {}",
        max_diff(&nbis, &ours.pixels)
    );
    assert_eq!(differing, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn we_decode_nbis_encodings_to_the_pixels_nbis_decodes() {
    let Some(py) = python() else { return };
    let Some(png_bytes) = shared_data(REFERENCE) else {
        return;
    };
    let (w, h, pixels) = png_gray(&png_bytes);
    let dir = scratch("nbis");
    let raw = dir.join("input.raw");
    std::fs::write(&raw, &pixels).expect("write raw");
    let wsq_path = dir.join("nbis.wsq");
    let (ws, hs) = (w.to_string(), h.to_string());
    run(
        &py,
        &[
            Path::new("encode"),
            &raw,
            Path::new(&ws),
            Path::new(&hs),
            &wsq_path,
        ],
    );
    let nbis_bytes = std::fs::read(&wsq_path).expect("nbis wsq");
    let (_, _, nbis) = nbis_decode(&py, &wsq_path, &dir);
    let ours = wsq::decode(&nbis_bytes).expect("decode NBIS encoding");
    assert_eq!((ours.width, ours.height), (w, h));
    let differing = nbis
        .iter()
        .zip(&ours.pixels)
        .filter(|(a, b)| a != b)
        .count();
    let own = wsq::encode(&pixels, w, h, &EncodeOptions::default()).expect("encode");
    println!(
        "our decode of NBIS's {} byte encoding: {differing} pixels differ from NBIS's decode, \
         max difference {}; our encoding is {} bytes{}",
        nbis_bytes.len(),
        max_diff(&nbis, &ours.pixels),
        own.len(),
        if own == nbis_bytes {
            ", byte-identical to NBIS's"
        } else {
            ""
        }
    );
    assert_eq!(differing, 0);
    // Same arithmetic as NBIS, so the same bytes: a drift here means a rounding changed.
    assert!(
        own == nbis_bytes,
        "our encoding is no longer byte-identical to NBIS's"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

const ANSI_NIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/ansi-nist");

/// Every WSQ stream embedded in the shared ANSI/NIST files: (file name, bytes from SOI to the end
/// of the file; the decoder stops at EOI).
fn embedded_wsq() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = match std::fs::read_dir(ANSI_NIST) {
        Ok(d) => d,
        Err(e) if std::env::var_os("CI").is_some() => panic!("{ANSI_NIST} missing in CI: {e}"),
        Err(e) => {
            eprintln!("note: skipping, {ANSI_NIST} unavailable: {e}");
            return None;
        }
    };
    let mut files: Vec<PathBuf> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut out = Vec::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "an2"))
    {
        let data = std::fs::read(path).expect("read an2");
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for (i, _) in data
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == [0xff, 0xa0, 0xff, 0xa8])
        {
            out.push((format!("{name}@{i}"), data[i..].to_vec()));
        }
    }
    Some(out)
}

#[test]
fn real_wsq_prints_from_nist_transactions_decode_identical_to_nbis() {
    let Some(py) = python() else { return };
    let Some(streams) = embedded_wsq() else {
        return;
    };
    assert!(
        streams.len() >= 20,
        "expected NIST's WSQ prints, found {}",
        streams.len()
    );
    let dir = scratch("an2");
    let (mut raw_bytes, mut wsq_bytes, mut sq_err, mut n_pix) = (0usize, 0usize, 0f64, 0usize);
    for (k, (name, bytes)) in streams.iter().enumerate() {
        let ours = wsq::decode(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let path = dir.join(format!("{k}.wsq"));
        std::fs::write(&path, bytes).expect("write");
        let (w, h, nbis) = nbis_decode(&py, &path, &dir);
        assert_eq!((w, h), (ours.width, ours.height), "{name}");
        let differing = nbis
            .iter()
            .zip(&ours.pixels)
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(
            differing,
            0,
            "{name}: max difference {}",
            max_diff(&nbis, &ours.pixels)
        );
        // Re-encoding NBIS's own reconstruction at 0.75 bpp gives the ratio on real prints.
        let again = wsq::encode(&ours.pixels, w, h, &EncodeOptions::default()).expect("encode");
        let back = wsq::decode(&again).expect("decode re-encoding");
        raw_bytes += ours.pixels.len();
        wsq_bytes += again.len();
        n_pix += ours.pixels.len();
        sq_err += ours
            .pixels
            .iter()
            .zip(&back.pixels)
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum::<f64>();
    }
    let rmse = (sq_err / n_pix as f64).sqrt();
    println!(
        "{} real WSQ prints decode identical to NBIS; re-encoded at 0.75 bpp: ratio {:.2}:1, \
         RMSE {rmse:.3}, PSNR {:.2} dB",
        streams.len(),
        raw_bytes as f64 / wsq_bytes as f64,
        20.0 * (255.0 / rmse).log10()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
