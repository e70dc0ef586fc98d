//! Fingerprint minutiae extraction reproducing FingerJet FX OSE (HID Global / DigitalPersona,
//! LGPL), the extractor NFIQ 2.3 uses for its four minutiae features. This is an independent Rust
//! reimplementation of the published algorithm with the same fixed-point arithmetic, so that the
//! minutiae (count, positions, angles, qualities) are those FJFX reports.
//!
//! Pipeline (one file per stage): `resize` (to ~333 ppi, at most 256x400, centred) ->
//! `orientation::footprint` -> `enhance` (block FFT enhancement) -> `orientation::orientation` ->
//! `phasemap` -> `detect` (candidates, `biffilt` confirmation, direction refinement) -> selection
//! of the 255 most confident -> mapping back to input pixels.
//!
//! Contract: `extract` is a pure function of its arguments. It mirrors
//! `FRFXLLCreateFeatureSetFromRaw(.., FRFXLL_FEX_ENABLE_ENHANCEMENT, ..)` followed by
//! `FRFXLLGetMinutiae`, as called by NFIQ 2.3 (`FingerJetFX.cpp`): same geometry limits, same
//! "too small area" failure. The FJFX copy NFIQ 2 builds sets the footprint-area and
//! minutiae-count feedback thresholds to 0, so only FJFX's fixed minimum of 6 minutiae
//! remains. Minutiae come
//! sorted by decreasing quality. Coordinates are FJFX's: pixels of the input image assuming
//! 500 ppi output (FJFX maps back with fixed 635/ppi and 197/167 factors, which is exact only for
//! 500 ppi input). Bad input gives a `MinutiaeError`, never a panic.
//!
//! Verified bit-exact (same list, order, positions, angles, types, qualities) against libFRFXLL
//! built from the FingerJetFXOSE sources on NIST's SFinGe examples, the WSQ sample, ANSI/NIST
//! Type-14 tenprint fingers and hundreds of random crops at 300..1008 ppi. One known difference:
//! for 300..366 ppi (other than ~333) with a width divisible by 4, FJFX copies the input without
//! resampling and reads past the end of the caller's buffer; this port reads zeros there.

mod biffilt;
mod detect;
mod enhance;
mod fixed;
mod orientation;
mod phasemap;
mod resize;

use thiserror::Error;

use detect::RawMinutia;

/// Type of a minutia as FJFX classifies it (only when its confidence is above 105).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinutiaKind {
    Ending,
    Bifurcation,
    Other,
}

/// One minutia as FingerJet FX OSE reports it (`FRFXLL_Basic_19794_2_Minutia`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Minutia {
    /// Column in input pixels (500 ppi).
    pub x: u32,
    /// Row in input pixels (500 ppi).
    pub y: u32,
    /// Direction in 1/256 turns (1.40625 degrees) as FJFX reports it (ISO/IEC 19794-2 style):
    /// counter-clockwise as displayed (image y grows downwards) from the positive x axis; when the
    /// ridge walk succeeds it points from the minutia along its ridge or valley.
    pub angle: u8,
    pub kind: MinutiaKind,
    /// 0..=100: FJFX's `min((confidence + 1) / 2, 100)`.
    pub quality: u8,
}

/// Minutiae plus the footprint area FJFX uses for its sufficiency test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extraction {
    pub minutiae: Vec<Minutia>,
    /// Fingerprint area in FJFX footprint units (8x8 cells of the 500 ppi grid, times 64).
    pub footprint_area: u32,
}

/// Why minutiae could not be extracted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MinutiaeError {
    #[error("image is empty")]
    Empty,
    #[error("pixel buffer holds {actual} bytes but {width}x{height} needs {expected}")]
    BufferSize {
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
    #[error("unsupported image geometry {width}x{height} at {ppi} ppi: {reason}")]
    UnsupportedGeometry {
        width: u32,
        height: u32,
        ppi: u16,
        reason: &'static str,
    },
    /// FJFX's `FRFXLL_ERR_FB_TOO_SMALL_AREA` (NFIQ 2 reports a failure for such images).
    #[error("fingerprint area too small: {minutiae} minutiae, footprint {footprint_area} px")]
    InsufficientFingerprint {
        minutiae: usize,
        footprint_area: u32,
    },
}

/// FJFX fails with "too small area" below this many minutiae (`FeatureExtractionBase::min_minutia`).
const MIN_MINUTIAE: usize = 6;
/// FJFX keeps at most this many minutiae (NFIQ 2's patched limit).
const CAPACITY: usize = 255;
/// FJFX output scale: 127 * 5 internal units per inch.
const IMAGE_SCALE: i32 = 127 * 5;

/// Extracts minutiae like FingerJet FX OSE as NFIQ 2.3 calls it.
///
/// `pixels` is 8-bit grey, row-major, `width * height` bytes (extra bytes are ignored), dark
/// ridges on a light background, at `ppi` pixels per inch (300..=1008).
pub fn extract(
    pixels: &[u8],
    width: u32,
    height: u32,
    ppi: u16,
) -> Result<Vec<Minutia>, MinutiaeError> {
    let e = extract_unchecked(pixels, width, height, ppi)?;
    if e.minutiae.len() < MIN_MINUTIAE {
        return Err(MinutiaeError::InsufficientFingerprint {
            minutiae: e.minutiae.len(),
            footprint_area: e.footprint_area,
        });
    }
    Ok(e.minutiae)
}

/// As `extract`, but returns whatever was found without FJFX's sufficiency test.
pub fn extract_unchecked(
    pixels: &[u8],
    width: u32,
    height: u32,
    ppi: u16,
) -> Result<Extraction, MinutiaeError> {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 {
        return Err(MinutiaeError::Empty);
    }
    let expected = w.checked_mul(h).ok_or(MinutiaeError::UnsupportedGeometry {
        width,
        height,
        ppi,
        reason: "image too large",
    })?;
    if pixels.len() < expected {
        return Err(MinutiaeError::BufferSize {
            width,
            height,
            expected,
            actual: pixels.len(),
        });
    }
    let int = resize::to_internal(&pixels[..expected], w, h, usize::from(ppi))?;
    let (iw, ih) = (int.width, int.height);
    let fp = orientation::footprint(iw, ih, &int.img);
    let enhanced = enhance::fft_enhance(&int.img, iw, ih);
    let ori = orientation::orientation(iw, ih, &enhanced, &fp);
    // FJFX keeps the orientation map right after the image in one buffer and its filters read a
    // few bytes past the image, so the same bytes follow the image here.
    let ori_bytes: Vec<u8> = ori.iter().flat_map(|&(c, s)| [c as u8, s as u8]).collect();
    let mut mem = enhanced;
    mem.extend_from_slice(&ori_bytes);
    let mut pm = phasemap::freeman_phasemap(iw, ih, &mem, &ori);
    pm.extend_from_slice(&ori_bytes);
    pm.resize(pm.len() + iw + 8, 0);
    let raw = select(detect::detect(&pm, iw, ih));
    let res = i32::from(int.resolution.max(1));
    let minutiae = raw
        .iter()
        .map(|m| to_output(m, res, int.x_offs, int.y_offs))
        .collect();
    let footprint_area = footprint_area(
        &fp,
        iw / orientation::ORI_SCALE,
        ih / orientation::ORI_SCALE,
        res,
    );
    Ok(Extraction {
        minutiae,
        footprint_area,
    })
}

/// FJFX's minutia order: higher confidence first, then top to bottom, left to right, by angle.
fn before(a: &RawMinutia, b: &RawMinutia) -> bool {
    if a.conf != b.conf {
        return a.conf > b.conf;
    }
    if a.y != b.y {
        return a.y < b.y;
    }
    if a.x != b.x {
        return a.x < b.x;
    }
    if a.theta != b.theta {
        return a.theta < b.theta;
    }
    true
}

/// Keeps the `CAPACITY` best minutiae (FJFX `top_n`) and sorts them best first.
fn select(found: Vec<RawMinutia>) -> Vec<RawMinutia> {
    let zero = RawMinutia {
        x: 0,
        y: 0,
        theta: 0,
        conf: 0,
        kind: 0,
    };
    let mut kept: Vec<RawMinutia> = Vec::new();
    for m in found {
        if kept.len() < CAPACITY {
            if before(&m, &zero) {
                kept.push(m);
            }
        } else if let Some(worst) =
            (0..kept.len()).reduce(|w, i| if before(&kept[w], &kept[i]) { i } else { w })
            && before(&m, &kept[worst])
        {
            kept[worst] = m;
        }
    }
    kept.sort_by(|a, b| {
        (std::cmp::Reverse(a.conf), a.y, a.x, a.theta).cmp(&(
            std::cmp::Reverse(b.conf),
            b.y,
            b.x,
            b.theta,
        ))
    });
    kept
}

/// FJFX's rounding `muldiv(v, 197, 167)` (halves away from zero).
fn to_500(v: i32) -> i32 {
    fixed::divide(v * 197, 167)
}

fn to_output(m: &RawMinutia, res: i32, x_offs: i32, y_offs: i32) -> Minutia {
    let x = i32::from((i32::from(m.x) * IMAGE_SCALE / res) as i16) + x_offs * IMAGE_SCALE / res;
    let y = i32::from((i32::from(m.y) * IMAGE_SCALE / res) as i16) + y_offs * IMAGE_SCALE / res;
    let x = to_500(i32::from(x as i16));
    let y = to_500(i32::from(y as i16));
    Minutia {
        // FJFX stores positions as 16-bit and NFIQ 2 reads them unsigned.
        x: u32::from(x as u16),
        y: u32::from(y as u16),
        angle: 64u8.wrapping_sub(m.theta),
        kind: match m.kind {
            1 => MinutiaKind::Ending,
            2 => MinutiaKind::Bifurcation,
            _ => MinutiaKind::Other,
        },
        quality: u16::from(m.conf).div_ceil(2).min(100) as u8,
    }
}

/// FJFX `WriteFootprint`: the cell footprint resampled on a 32x50 grid of 8-pixel cells.
fn footprint_area(fp: &[u8], ori_w: usize, ori_h: usize, res: i32) -> u32 {
    let ori_size = ori_w * ori_h;
    let cell = |v: i32| -> usize {
        fixed::reduce((v * 8 * res + res / 2) / IMAGE_SCALE, 2).max(0) as usize
    };
    let mut area = 0u32;
    for y in 0..50 {
        let yi = cell(y) * ori_w;
        for x in 0..32 {
            let xi = cell(x);
            if xi < ori_w && yi < ori_size && fp.get(xi + yi).is_some_and(|&v| v != 0) {
                area += 1;
            }
        }
    }
    area * 64
}
