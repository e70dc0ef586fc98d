//! `rekam sim prints` through the real binary: the set's file names, PNG format and resolution,
//! that impressions of one finger differ, and the refusal to overwrite.

use std::fs;
use std::process::{Command, Output};

fn rekam(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(args)
        .output()
        .expect("rekam runs")
}

#[test]
fn sim_prints_writes_every_subject_finger_and_impression_as_500_ppi_gray_png() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("prints");
    let dir = out.to_str().expect("utf8 path");
    let run = rekam(&[
        "sim",
        "prints",
        "--seed",
        "4",
        "--subjects",
        "1",
        "--impressions",
        "2",
        "--out",
        dir,
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut names: Vec<String> = fs::read_dir(&out)
        .expect("listing")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 20, "{names:?}");
    assert_eq!(names[0], "s0001_f01_i01.png");
    assert_eq!(names[19], "s0001_f10_i02.png");
    let decode = |name: &str| {
        let bytes = fs::read(out.join(name)).expect("png");
        let mut reader = png::Decoder::new(bytes.as_slice())
            .read_info()
            .expect("png header");
        let info = reader.info();
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        let dims = info.pixel_dims.expect("pHYs");
        assert_eq!((dims.xppu, dims.unit), (19685, png::Unit::Meter), "500 ppi");
        let mut buf = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut buf).expect("pixels");
        buf
    };
    let (first, second) = (decode("s0001_f03_i01.png"), decode("s0001_f03_i02.png"));
    assert_ne!(first, second, "two impressions of one finger are identical");
    let again = rekam(&["sim", "prints", "--seed", "9", "--out", dir]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("refusing to overwrite"), "{err}");
}

#[test]
fn sim_prints_refuses_an_empty_set() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("none");
    let run = rekam(&[
        "sim",
        "prints",
        "--subjects",
        "0",
        "--out",
        dir.to_str().expect("utf8"),
    ]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("--subjects must be"));
}
