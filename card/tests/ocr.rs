//! OCR reads the printed card back: Debian's `tesseract` (installed by `.ci/run`) reads the NIK
//! and the name from the rendered card exactly.
//!
//! Each line is cut from the rendered image where the K panel's ink rows say it is (header,
//! header, NIK, name are the first four ink bands in the value column), with a margin, and
//! upscaled 2x (tesseract reads best at a cap height of 30 dots or more; a 1.95 mm name on the
//! card is about 16). Without tesseract the test fails under CI (`CI` set) and is skipped with a
//! note elsewhere.

use std::path::Path;
use std::process::Command;

use rekam_card::raster::{AreaMm, area_dots};
use rekam_card::{
    Backdrop, CardFields, CardInput, RenderedCard, RgbRaster, Signature, render_card,
};

fn tesseract_present() -> bool {
    let found = Command::new("tesseract")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "tesseract is missing under CI: .ci/run installs tesseract-ocr"
        );
        eprintln!("tesseract not installed: the OCR test is skipped (install tesseract-ocr)");
    }
    found
}

fn card(name: &str, nik: &str) -> RenderedCard {
    let fields = CardFields {
        province: "JAWA TENGAH".into(),
        regency: "KABUPATEN SEMARANG".into(),
        nik: nik.into(),
        name: name.into(),
        place_of_birth: "SEMARANG".into(),
        date_of_birth: "21-04-1987".into(),
        sex: "PEREMPUAN".into(),
        blood_type: "O".into(),
        address: "JL. PEMUDA NO. 17".into(),
        rt_rw: "003/005".into(),
        village: "SIDOMULYO".into(),
        district: "UNGARAN TIMUR".into(),
        religion: "ISLAM".into(),
        marital_status: "KAWIN".into(),
        occupation: "GURU".into(),
        citizenship: "WNI".into(),
        valid_until: "SEUMUR HIDUP".into(),
        issue_place: "KAB. SEMARANG".into(),
        issue_date: "02-12-2026".into(),
    };
    render_card(&CardInput {
        fields,
        photo: None,
        signature: Signature::None,
        backdrop: Backdrop::Red,
    })
    .expect("renders")
}

/// Rows (y0, y1 exclusive) of consecutive K ink between x0 and x1.
fn ink_bands(card: &RenderedCard, x0: u32, x1: u32) -> Vec<(u32, u32)> {
    let black = &card.panels.black;
    let mut bands = Vec::new();
    let mut start = None;
    for y in 0..black.height() {
        let ink = (x0..x1).any(|x| black.get(x, y));
        match (ink, start) {
            (true, None) => start = Some(y),
            (false, Some(s)) => {
                bands.push((s, y));
                start = None;
            }
            _ => {}
        }
    }
    bands
}

/// The region (x0..x1, y0..y1) of `image`, grey, scaled by 2, as a PNG file at `path`.
fn crop_png(image: &RgbRaster, (x0, y0, x1, y1): (u32, u32, u32, u32), path: &Path) {
    let (w, h) = ((x1 - x0) * 2, (y1 - y0) * 2);
    let mut grey = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let [r, g, b] = image.get(x0 + x / 2, y0 + y / 2).expect("inside");
            grey.push(
                ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000) as u8,
            );
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("header");
    writer.write_image_data(&grey).expect("data");
    writer.finish().expect("finish");
    std::fs::write(path, out).expect("writes the crop");
}

fn ocr(path: &Path, digits: bool) -> String {
    let mut cmd = Command::new("tesseract");
    cmd.arg(path)
        .arg("stdout")
        .args(["--psm", "7", "-l", "eng"]);
    if digits {
        cmd.args(["-c", "tessedit_char_whitelist=0123456789"]);
    }
    let out = cmd.output().expect("tesseract runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn ocr_reads_the_nik_and_the_name_exactly_from_the_rendered_card() {
    if !tesseract_present() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, nik) in [
        ("DEWI KARTIKA SARI", "3322016104870003"),
        ("BAMBANG SUTRISNO", "3322012307650011"),
    ] {
        let card = card(name, nik);
        // The value column: 23 mm to 60.6 mm from the card's left edge.
        let (x0, _, x1, _) = area_dots(AreaMm {
            left: 22.9,
            top: 0.0,
            right: 61.0,
            bottom: 1.0,
        });
        let bands = ink_bands(&card, x0, x1);
        assert!(bands.len() > 4, "{bands:?}");
        let line = |(y0, y1): (u32, u32)| (x0, y0.saturating_sub(8), x1, y1 + 8);
        let nik_png = dir.path().join("nik.png");
        crop_png(&card.image, line(bands[2]), &nik_png);
        assert_eq!(ocr(&nik_png, true), nik, "NIK read back");
        let name_png = dir.path().join("name.png");
        crop_png(&card.image, line(bands[3]), &name_png);
        assert_eq!(ocr(&name_png, false), name, "name read back");
    }
}
