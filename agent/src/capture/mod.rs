//! From what a device returned to what the workflow records: encoded images, the quality score
//! with the name of the algorithm that produced it, and the device identity.
//!
//! Contract: pure conversions (no I/O). Photos are kept as the camera's JPEG when it sent one;
//! fingers, irises and the rendered signature are lossless PNG. A device image that cannot be
//! decoded is an error naming the device, never a silently empty capture.

use rekam_drivers::camera::Photo;
use rekam_drivers::{DeviceIdentity, GrayImage};
use rekam_protocol::model::{
    self, Blob, FaceCapture, FingerCapture, Image, ImageEncoding, Impression, IrisCapture,
    PenSample, PenSeries, PixelFormat, QualityScore, SignatureCapture,
};

use crate::devices::SignatureTrace;

/// A device output that cannot be recorded.
#[derive(Debug, thiserror::Error)]
#[error("{device}: {reason}")]
pub struct CaptureError {
    /// The device.
    pub device: String,
    /// What is wrong with its output.
    pub reason: String,
}

fn identity(d: &DeviceIdentity) -> model::DeviceIdentity {
    model::DeviceIdentity {
        vendor: d.vendor.clone(),
        model: d.model.clone(),
        serial: d.serial.clone().unwrap_or_else(|| "unknown".into()),
        firmware: d.firmware.clone(),
    }
}

/// Encodes 8-bit pixels as PNG.
pub fn png(
    width: u32,
    height: u32,
    color: png::ColorType,
    pixels: &[u8],
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(color);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| e.to_string())?;
    w.write_image_data(pixels).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

fn gray_png(img: &GrayImage, device: &DeviceIdentity) -> Result<Image, CaptureError> {
    let data = png(
        img.width(),
        img.height(),
        png::ColorType::Grayscale,
        img.pixels(),
    )
    .map_err(|reason| CaptureError {
        device: device.to_string(),
        reason,
    })?;
    Ok(Image {
        encoding: ImageEncoding::Png,
        pixels: PixelFormat::Gray8,
        width: img.width(),
        height: img.height(),
        ppi: u16::try_from(img.ppi()).ok(),
        data: Blob::new(data),
    })
}

/// WSQ bitrate for stored fingerprints: the FBI's 0.75 bits per pixel, about 15:1 on 500 ppi
/// prints, as registries store them.
pub const WSQ_BITRATE: f32 = 0.75;

/// A 500 ppi finger image encoded as WSQ for the packet.
pub fn wsq_finger(pixels: &[u8], width: u32, height: u32, ppi: u16) -> Result<Image, String> {
    let data = rekam_quality::wsq::encode(
        pixels,
        width,
        height,
        &rekam_quality::wsq::EncodeOptions {
            bitrate: WSQ_BITRATE,
            ppi: Some(u32::from(ppi)),
            comment: None,
        },
    )
    .map_err(|e| format!("WSQ encoding: {e}"))?;
    Ok(Image {
        encoding: ImageEncoding::Wsq,
        pixels: PixelFormat::Gray8,
        width,
        height,
        ppi: Some(ppi),
        data: Blob::new(data),
    })
}

/// A device's gray image as the quality crate reads it. A resolution beyond `u16` (no real
/// device) is kept out of range rather than wrapped, so the quality checks refuse it.
pub fn gray_view(
    img: &GrayImage,
) -> Result<rekam_quality::image::GrayImageRef<'_>, rekam_quality::image::ImageError> {
    let ppi = u16::try_from(img.ppi()).unwrap_or(u16::MAX);
    rekam_quality::image::GrayImageRef::new(img.width(), img.height(), img.pixels(), ppi)
}

/// A finger capture with what was learnt scoring it.
#[derive(Clone, Debug)]
pub struct ScoredFinger {
    /// The capture as recorded.
    pub capture: FingerCapture,
    /// What to fix, when the print has a known problem.
    pub advice: Option<String>,
    /// The minutiae NFIQ 2 found (empty when it could not score the print).
    pub minutiae: Vec<rekam_quality::minutiae::Minutia>,
}

/// Finger advice: too little finger on the platen (the desk shows each in its own words).
pub const FINGER_ADVICE_PRESS_FLAT: &str =
    "too little finger on the platen: press the whole fingertip flat";
/// Finger advice: too few minutiae.
pub const FINGER_ADVICE_CLEAN: &str =
    "too few ridge details found: clean the platen and the finger";
/// Finger advice: a light, low-contrast print.
pub const FINGER_ADVICE_TOO_LIGHT: &str =
    "the print is too light: press a little harder or moisten a dry finger";
/// Finger advice: the start of the note when NFIQ 2 could not score the print.
pub const FINGER_ADVICE_UNSCORED: &str = "NFIQ 2 could not score this print";

/// A finger image as a capture, scored with NFIQ 2.3 on the uncompressed capture and stored as
/// WSQ; the advice says what to fix when the score is low or NFIQ 2 could not score the image
/// (which then scores 0).
pub fn finger(
    img: &GrayImage,
    device: &DeviceIdentity,
    impression: Impression,
) -> Result<ScoredFinger, CaptureError> {
    let ppi = u16::try_from(img.ppi()).unwrap_or(0);
    let mut minutiae = Vec::new();
    let (score, note) = match gray_view(img)
        .map_err(|e| e.to_string())
        .and_then(|view| rekam_quality::fingerprint::nfiq2(&view).map_err(|e| e.to_string()))
    {
        Ok(a) => {
            minutiae = a.minutiae;
            let act = &a.actionable;
            let note = if !act.has_sufficient_foreground() {
                Some(FINGER_ADVICE_PRESS_FLAT.to_string())
            } else if !act.has_minutiae() {
                Some(FINGER_ADVICE_CLEAN.to_string())
            } else if act.is_empty_or_low_contrast() {
                Some(FINGER_ADVICE_TOO_LIGHT.to_string())
            } else {
                None
            };
            (a.score, note)
        }
        Err(reason) => (0, Some(format!("{FINGER_ADVICE_UNSCORED}: {reason}"))),
    };
    let image = wsq_finger(img.pixels(), img.width(), img.height(), ppi).map_err(|reason| {
        CaptureError {
            device: device.to_string(),
            reason,
        }
    })?;
    Ok(ScoredFinger {
        capture: FingerCapture {
            image,
            quality: QualityScore {
                score,
                algorithm: rekam_quality::fingerprint::ALGORITHM.into(),
            },
            impression,
            device: identity(device),
            attempts: 1,
            forced: false,
        },
        advice: note,
        minutiae,
    })
}

/// Name recorded with iris scores: rekam's iris checks (pupil and iris found, usable area,
/// focus, occlusion).
pub const IRIS_ALGORITHM: &str = "rekam-iris-v1";
/// Name recorded with face scores: rekam's face checks (ICAO / ISO 19794-5 geometry, exposure,
/// sharpness, e-KTP backdrop colour; SeetaFace detector).
pub const FACE_ALGORITHM: &str = "rekam-face-v1";

/// A message in both languages, for the operator.
fn bilingual(m: &rekam_quality::verdict::Message) -> String {
    format!("{} / {}", m.id, m.en)
}

/// An iris image as a capture, scored by the iris checks: the mean of the components, held
/// below 50 when any fails.
pub fn iris(
    img: &GrayImage,
    device: &DeviceIdentity,
) -> Result<(IrisCapture, Option<String>), CaptureError> {
    let (score, advice) =
        match rekam_quality::image::GrayView::new(img.width(), img.height(), img.pixels()) {
            Ok(view) => {
                let r = rekam_quality::iris::assess(&view);
                let n = r.components.len().max(1) as u32;
                let mean = r.components.iter().map(|c| u32::from(c.score)).sum::<u32>() / n;
                let score = if r.passed { mean } else { mean.min(49) } as u8;
                (score, r.advice.as_ref().map(bilingual))
            }
            Err(e) => (0, Some(format!("unusable iris image: {e}"))),
        };
    Ok((
        IrisCapture {
            image: gray_png(img, device)?,
            quality: QualityScore {
                score,
                algorithm: IRIS_ALGORITHM.into(),
            },
            device: identity(device),
        },
        advice,
    ))
}

/// Decodes a JPEG into RGB pixels with its size (gray JPEGs are expanded).
pub fn decode_jpeg(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), String> {
    let mut dec = jpeg_decoder::Decoder::new(bytes);
    let pixels = dec
        .decode()
        .map_err(|e| format!("the JPEG does not decode: {e}"))?;
    let info = dec.info().ok_or("the JPEG has no frame header")?;
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&v| [v, v, v]).collect(),
        other => return Err(format!("unsupported JPEG pixel format {other:?}")),
    };
    Ok((rgb, u32::from(info.width), u32::from(info.height)))
}

/// Decoded RGB pixels of a photo, with its size.
pub fn photo_rgb(
    photo: &Photo,
    device: &DeviceIdentity,
) -> Result<(Vec<u8>, u32, u32), CaptureError> {
    match photo {
        Photo::Rgb(img) => Ok((img.pixels().to_vec(), img.width(), img.height())),
        Photo::Jpeg { bytes, .. } => decode_jpeg(bytes).map_err(|reason| CaptureError {
            device: device.to_string(),
            reason: format!("camera photo: {reason}"),
        }),
    }
}

/// A photo as recorded: the camera's JPEG as it came, or PNG of its raw pixels (`rgb`, `w` x `h`).
fn photo_image(
    photo: &Photo,
    rgb: &[u8],
    w: u32,
    h: u32,
    device: &DeviceIdentity,
) -> Result<Image, CaptureError> {
    let (encoding, data) = match photo {
        Photo::Jpeg { bytes, .. } => (ImageEncoding::Jpeg, bytes.clone()),
        Photo::Rgb(_) => (
            ImageEncoding::Png,
            png(w, h, png::ColorType::Rgb, rgb).map_err(|reason| CaptureError {
                device: device.to_string(),
                reason,
            })?,
        ),
    };
    Ok(Image {
        encoding,
        pixels: PixelFormat::Rgb8,
        width: w,
        height: h,
        ppi: None,
        data: Blob::new(data),
    })
}

/// A photo of a finger that cannot be captured (an amputation, a bandage), kept with the
/// exception as evidence; decoded once to check it is an image.
pub fn exception_photo(photo: &Photo, device: &DeviceIdentity) -> Result<Image, CaptureError> {
    let (rgb, w, h) = photo_rgb(photo, device)?;
    photo_image(photo, &rgb, w, h, device)
}

/// A photo as a face capture (not yet approved by the resident), scored by the face checks
/// against the backdrop colour this resident needs; with the first thing to fix, if any.
pub fn face(
    photo: &Photo,
    device: &DeviceIdentity,
    expected: Option<rekam_quality::face::BackgroundColour>,
) -> Result<(FaceCapture, Option<String>), CaptureError> {
    let (rgb, w, h) = photo_rgb(photo, device)?;
    let bad = |reason: String| CaptureError {
        device: device.to_string(),
        reason,
    };
    let view = rekam_quality::image::RgbView::new(w, h, &rgb).map_err(|e| bad(e.to_string()))?;
    let report = rekam_quality::face::assess(
        &view,
        &rekam_quality::face::FaceOptions {
            expected_background: expected,
            ..Default::default()
        },
    )
    .map_err(|e| bad(format!("face detector: {e}")))?;
    let advice = report.advice.as_ref().map(bilingual);
    Ok((
        FaceCapture {
            image: photo_image(photo, &rgb, w, h, device)?,
            quality: QualityScore {
                score: report.unified_score,
                algorithm: FACE_ALGORITHM.into(),
            },
            device: identity(device),
            approved_by_resident: false,
            attempts: 1,
            forced: false,
        },
        advice,
    ))
}

/// The signature checks over a pad trace (coordinates as fractions of the pad, pressure 0..1).
pub fn signature_report(trace: &SignatureTrace) -> rekam_quality::signature::SignatureReport {
    let samples: Vec<rekam_quality::signature::PenSample> = trace
        .samples
        .iter()
        .map(|&(t, x, y, p)| rekam_quality::signature::PenSample {
            x: f64::from(x) / f64::from(trace.max_x.max(1)),
            y: f64::from(y) / f64::from(trace.max_y.max(1)),
            pressure: (trace.max_pressure > 0)
                .then(|| f64::from(p) / f64::from(trace.max_pressure)),
            t_ms: u64::from(t),
        })
        .collect();
    rekam_quality::signature::assess(&samples)
}

/// Width of the rendered signature image; the height follows the pad's aspect ratio.
const SIGNATURE_WIDTH: u32 = 600;

/// A pen trace as a signature capture, with the ink rendered as a PNG.
pub fn signature(
    trace: &SignatureTrace,
    device: &DeviceIdentity,
) -> Result<SignatureCapture, CaptureError> {
    let bad = |reason: String| CaptureError {
        device: device.to_string(),
        reason,
    };
    if trace.max_x == 0 || trace.max_y == 0 {
        return Err(bad("the pad reports a zero coordinate range".into()));
    }
    let w = SIGNATURE_WIDTH;
    let h =
        ((u64::from(w) * u64::from(trace.max_y)) / u64::from(trace.max_x)).clamp(1, 2000) as u32;
    let mut ink = vec![255u8; (w * h) as usize];
    let scale_x = f64::from(w - 1) / f64::from(trace.max_x);
    let scale_y = f64::from(h - 1) / f64::from(trace.max_y);
    let mut last: Option<(f64, f64)> = None;
    for &(_, x, y, p) in &trace.samples {
        if trace.max_pressure > 0 && p == 0 {
            last = None; // pen lifted: a new stroke
            continue;
        }
        let pt = (f64::from(x) * scale_x, f64::from(y) * scale_y);
        let from = last.unwrap_or(pt);
        let steps = ((pt.0 - from.0).abs().max((pt.1 - from.1).abs()).ceil() as usize).max(1);
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            let cx = from.0 + (pt.0 - from.0) * t;
            let cy = from.1 + (pt.1 - from.1) * t;
            for (dx, dy) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)] {
                let (px, py) = ((cx + dx) as u32, (cy + dy) as u32);
                if px < w && py < h {
                    ink[(py * w + px) as usize] = 0;
                }
            }
        }
        last = Some(pt);
    }
    let data = png(w, h, png::ColorType::Grayscale, &ink).map_err(bad)?;
    Ok(SignatureCapture {
        image: Image {
            encoding: ImageEncoding::Png,
            pixels: PixelFormat::Gray8,
            width: w,
            height: h,
            ppi: None,
            data: Blob::new(data),
        },
        pen: Some(PenSeries {
            max_x: trace.max_x,
            max_y: trace.max_y,
            max_pressure: trace.max_pressure,
            samples: trace
                .samples
                .iter()
                .map(|&(t, x, y, p)| PenSample(t, x, y, p))
                .collect(),
        }),
        device: identity(device),
    })
}
