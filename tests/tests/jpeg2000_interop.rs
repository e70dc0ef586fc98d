//! rekam's lossless JPEG 2000 encoder against two independent decoders: hayro-jpeg2000 (pure
//! Rust) and OpenJPEG as Pillow bundles it (the Python named by `REKAM_PYTHON`). Every image --
//! synthetic ones of awkward sizes, a real fingerprint (the WSQ sample, decoded by rekam) and the
//! shared face photographs -- must decode to exactly the pixels that went in.

use std::path::{Path, PathBuf};
use std::process::Command;

use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image};
use rekam_jpeg2000::{Colour, encode_jp2};
use rekam_tests::{reference_python, shared_data};

const SCRIPT: &str = r#"
import sys
from PIL import Image
for path in sys.argv[1:]:
    im = Image.open(path)
    im.load()
    with open(path + ".raw", "wb") as f:
        f.write(im.tobytes())
    print(im.mode, im.size[0], im.size[1])
"#;

/// One image to check: its name, size, colour and pixels.
struct Case {
    name: String,
    width: u32,
    height: u32,
    colour: Colour,
    pixels: Vec<u8>,
}

fn hayro_decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let image = Image::new(bytes, &DecodeSettings::default()).expect("a JPEG 2000 image");
    let (w, h) = (image.width(), image.height());
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).expect("hayro decodes it");
    (w, h, decoded.data_u8().to_vec())
}

fn synthetic(width: u32, height: u32, colour: Colour, seed: u32) -> Case {
    let channels = if colour == Colour::Rgb { 3 } else { 1 };
    let mut state = seed | 1;
    let mut pixels = Vec::new();
    for y in 0..height {
        for x in 0..width {
            for c in 0..channels {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                pixels.push(match (x / 8 + y / 8 + c) % 4 {
                    0 => 0,
                    1 => 255,
                    2 => ((x * 5 + y * 3 + c * 70) % 256) as u8,
                    _ => (state >> 24) as u8,
                });
            }
        }
    }
    Case {
        name: format!("synthetic-{width}x{height}-{colour:?}"),
        width,
        height,
        colour,
        pixels,
    }
}

fn rgb_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(info.color_type, png::ColorType::Rgb, "an RGB PNG");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// The real images: the WSQ fingerprint sample as rekam decodes it, and both face photographs.
fn real_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    if let Some(wsq) = shared_data("wsq/sample.wsq") {
        let finger = rekam_quality::wsq::decode(&wsq).expect("the sample decodes");
        cases.push(Case {
            name: "wsq-sample-finger".into(),
            width: finger.width,
            height: finger.height,
            colour: Colour::Grey,
            pixels: finger.pixels,
        });
    }
    if let Some(png) = shared_data("faces/astronaut.png") {
        let (width, height, pixels) = rgb_png(&png);
        cases.push(Case {
            name: "astronaut-face".into(),
            width,
            height,
            colour: Colour::Rgb,
            pixels,
        });
    }
    if let Some(jpeg) = shared_data("faces/portrait-1.jpg") {
        let mut decoder = jpeg_decoder::Decoder::new(&jpeg[..]);
        let pixels = decoder.decode().expect("the portrait decodes");
        let info = decoder.info().expect("frame header");
        assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
        cases.push(Case {
            name: "portrait-face".into(),
            width: u32::from(info.width),
            height: u32::from(info.height),
            colour: Colour::Rgb,
            pixels,
        });
    }
    cases
}

fn synthetic_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (i, (w, h)) in [(1, 1), (3, 5), (65, 130), (64, 64), (130, 65), (257, 3)]
        .into_iter()
        .enumerate()
    {
        cases.push(synthetic(w, h, Colour::Grey, i as u32 + 1));
        cases.push(synthetic(w, h, Colour::Rgb, i as u32 + 101));
    }
    cases
}

#[test]
fn real_fingerprints_and_faces_decode_exactly_with_hayro() {
    let cases = real_cases();
    for case in &cases {
        let bytes =
            encode_jp2(case.width, case.height, case.colour, &case.pixels).expect("encodes");
        let (w, h, pixels) = hayro_decode(&bytes);
        assert_eq!((w, h), (case.width, case.height), "{}", case.name);
        assert!(
            pixels == case.pixels,
            "{}: hayro decodes other pixels",
            case.name
        );
        assert!(
            bytes.len() < case.pixels.len(),
            "{}: {} bytes for {} samples is no compression",
            case.name,
            bytes.len(),
            case.pixels.len()
        );
    }
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rekam-jp2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn openjpeg_decode(py: &Path, files: &[PathBuf]) -> Vec<(String, u32, u32)> {
    let out = Command::new(py)
        .arg("-c")
        .arg(SCRIPT)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", py.display()));
    assert!(
        out.status.success(),
        "Pillow failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            (
                f[0].to_string(),
                f[1].parse().expect("width"),
                f[2].parse().expect("height"),
            )
        })
        .collect()
}

#[test]
fn every_image_decodes_exactly_with_openjpeg_through_pillow() {
    let Some(py) = reference_python() else { return };
    let mut cases = synthetic_cases();
    cases.extend(real_cases());
    let dir = scratch();
    let files: Vec<PathBuf> = cases
        .iter()
        .map(|case| {
            let bytes =
                encode_jp2(case.width, case.height, case.colour, &case.pixels).expect("encodes");
            let path = dir.join(format!("{}.jp2", case.name));
            std::fs::write(&path, bytes).expect("write");
            path
        })
        .collect();
    let decoded = openjpeg_decode(&py, &files);
    assert_eq!(decoded.len(), cases.len());
    for ((case, path), (mode, w, h)) in cases.iter().zip(&files).zip(&decoded) {
        let want_mode = if case.colour == Colour::Rgb {
            "RGB"
        } else {
            "L"
        };
        assert_eq!(
            (mode.as_str(), *w, *h),
            (want_mode, case.width, case.height),
            "{}",
            case.name
        );
        let raw = std::fs::read(path.with_extension("jp2.raw")).expect("decoded pixels");
        assert!(
            raw == case.pixels,
            "{}: OpenJPEG decodes other pixels",
            case.name
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
