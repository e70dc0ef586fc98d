//! `rekam quality slap` through the real binary: NIST's ink-card slaps from their ANSI/NIST-ITL
//! file (each slap record segmented by its own FGP, with per-finger NFIQ 2), the amputation sample
//! naming its missing ring finger, a blank PNG giving every finger missing, and a one-line refusal
//! when a plain image comes without `--kind`.

use std::fs;
use std::path::Path;
use std::process::Output;

mod cli_support;
use cli_support::rekam;

fn nist(name: &str) -> Option<std::path::PathBuf> {
    let path = rekam_tests::workspace_root()
        .join("../shared/data/ansi-nist")
        .join(name);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/data is missing"
    );
    None
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect()
}

#[test]
fn quality_slap_segments_every_slap_record_of_a_nist_file_with_scores() {
    let Some(file) = nist("type-4-14-slaps.an2") else {
        return;
    };
    let lines = json_lines(&rekam(&[
        "quality",
        "slap",
        "--json",
        file.to_str().expect("path"),
    ]));
    let kinds: Vec<&str> = lines
        .iter()
        .map(|v| v["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, vec!["left four", "right four", "thumbs"]);
    let expected: [&[u64]; 3] = [&[10, 9, 8, 7], &[2, 3, 4, 5], &[6, 1]];
    for (v, want) in lines.iter().zip(expected) {
        assert_eq!(v["missing"], 0, "{v}");
        let fingers = v["fingers"].as_array().expect("fingers");
        let positions: Vec<u64> = fingers
            .iter()
            .map(|f| f["position"].as_u64().expect("position"))
            .collect();
        assert_eq!(positions, want, "{v}");
        for f in fingers {
            let score = f["nfiq2"].as_u64().expect("an NFIQ 2 score");
            assert!(score <= 100);
            let b = &f["box"];
            assert!(b["right"].as_u64() > b["left"].as_u64(), "{f}");
            assert!(b["bottom"].as_u64() > b["top"].as_u64(), "{f}");
        }
    }
}

#[test]
fn quality_slap_names_the_amputated_finger_of_the_left_slap() {
    let Some(file) = nist("type-14-amp-nqm-utf8.an2") else {
        return;
    };
    let out = rekam(&[
        "quality",
        "slap",
        "--kind",
        "left",
        file.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("left four, 3 finger(s) found, 1 missing"),
        "{text}"
    );
    assert!(text.contains("missing position(s): 9"), "{text}");
    assert!(!text.contains("right four"), "{text}");
}

fn write_gray_png(path: &Path, w: u32, h: u32, pixels: &[u8]) {
    let file = fs::File::create(path).expect("create");
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .expect("header")
        .write_image_data(pixels)
        .expect("data");
}

#[test]
fn quality_slap_reports_a_blank_platen_as_all_missing_and_needs_a_kind_for_plain_images() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blank = dir.path().join("blank.png");
    write_gray_png(&blank, 800, 750, &vec![245u8; 800 * 750]);
    let lines = json_lines(&rekam(&[
        "quality",
        "slap",
        "--kind",
        "thumbs",
        "--json",
        blank.to_str().expect("path"),
    ]));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["missing"], 2);
    assert_eq!(lines[0]["fingers"].as_array().map(Vec::len), Some(0));

    let out = rekam(&["quality", "slap", blank.to_str().expect("path")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("--kind"), "{err}");

    let tiny = dir.path().join("tiny.png");
    write_gray_png(&tiny, 40, 30, &vec![128u8; 40 * 30]);
    let out = rekam(&[
        "quality",
        "slap",
        "--kind",
        "right",
        tiny.to_str().expect("path"),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("too small"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
