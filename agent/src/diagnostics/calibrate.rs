//! Camera calibration: exposure compensation and white balance set through the camera's own
//! controls until the backdrop measures as its nominal e-KTP colour.
//!
//! Contract: measures the backdrop on live-view frames (stills when the camera has no live view);
//! exposure is found by bisection of the compensation on the backdrop's lightness, white
//! balance by a sweep of colour temperatures 2500-10000 K in 500 K steps refined in 100 K steps
//! around the best (or the presets, for a camera that takes no kelvin value), then exposure
//! again. It passes when the backdrop is then within the camera check's limits. The settings stay
//! in the camera while it stays open (the daemon's camera keeps them until it is reopened); the
//! report states them so they can be set again.

use std::time::Duration;

use rekam_drivers::camera::{Exposure, WhiteBalance};
use rekam_drivers::fingerprint::CaptureOptions;
use rekam_quality::face::BackgroundColour;
use serde::Serialize;

use super::camera::{
    BackdropError, MAX_DELTA_AB, MAX_DELTA_E, MAX_DELTA_L, backdrop_error, backdrop_mean, pixels,
    target,
};
use crate::devices::{CameraDevice, DeviceFailure, Slot};
use rekam_drivers::ErrorKind;

/// What calibration did.
#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    /// Whether the backdrop measures within the limits afterwards.
    pub passed: bool,
    /// In words.
    pub outcome: String,
    /// The colour calibrated to.
    pub target: Option<&'static str>,
    /// Exposure compensation chosen, tenths of a stop.
    pub exposure_tenths: Option<i16>,
    /// White balance chosen, e.g. `3000 K` or `tungsten`.
    pub white_balance: Option<String>,
    /// ΔE*ab of the backdrop before.
    pub delta_e_before: Option<f64>,
    /// ΔE*ab of the backdrop after.
    pub delta_e_after: Option<f64>,
    /// Frames measured.
    pub frames: u32,
}

impl Calibration {
    /// A calibration that could not run.
    pub fn failed(e: &DeviceFailure) -> Self {
        Calibration {
            passed: false,
            outcome: format!("could not calibrate: {e}"),
            target: None,
            exposure_tenths: None,
            white_balance: None,
            delta_e_before: None,
            delta_e_after: None,
            frames: 0,
        }
    }
}

struct Meter<'a> {
    d: &'a mut dyn CameraDevice,
    o: &'a CaptureOptions,
    preview: bool,
    frames: u32,
}

impl Meter<'_> {
    fn mean(&mut self) -> Result<[f64; 3], DeviceFailure> {
        self.frames += 1;
        let photo = if self.preview {
            self.d.preview_frame(self.o)?
        } else {
            self.d.capture_still(self.o)?
        };
        let p = pixels(&photo).map_err(|e| {
            DeviceFailure::new(
                self.d.identity().to_string(),
                ErrorKind::ProtocolViolation,
                e,
            )
        })?;
        Ok(backdrop_mean(&p))
    }
}

fn wb_name(wb: WhiteBalance) -> String {
    match wb {
        WhiteBalance::Kelvin(k) => format!("{k} K"),
        WhiteBalance::Auto => "auto".into(),
        WhiteBalance::Daylight => "daylight".into(),
        WhiteBalance::Fluorescent => "fluorescent".into(),
        WhiteBalance::Tungsten => "tungsten".into(),
        WhiteBalance::Flash => "flash".into(),
    }
}

/// Calibrates the camera in `slot` (one operation: the device is held throughout).
pub async fn run(
    slot: &Slot<dyn CameraDevice>,
    _timeout: Duration,
    asked: Option<BackgroundColour>,
) -> Result<Calibration, DeviceFailure> {
    slot.run(Duration::from_secs(60), move |d, o| calibrate(d, o, asked))
        .await
}

fn calibrate(
    d: &mut dyn CameraDevice,
    o: &CaptureOptions,
    asked: Option<BackgroundColour>,
) -> Result<Calibration, DeviceFailure> {
    let preview = d.preview_frame(o).is_ok();
    let mut m = Meter {
        d,
        o,
        preview,
        frames: 0,
    };
    let first = m.mean()?;
    let want = target(first, asked);
    let before = backdrop_error(first, want).delta_e;
    m.d.set_exposure(Exposure::Compensation(0))?;
    // Exposure first, so white balance is judged at the right lightness; then again, as the
    // white balance's gains move the lightness a little.
    let tenths = expose(&mut m, want, 0)?;
    let wb = white_balance(&mut m, want, None)?;
    let tenths = expose(&mut m, want, tenths)?;
    // The first sweep ran at the exposure found under the cast; refine at the right one.
    let wb = white_balance(&mut m, want, Some(wb))?;
    let tenths = expose(&mut m, want, tenths)?;
    let last = backdrop_error(m.mean()?, want);
    let passed = within(&last);
    Ok(Calibration {
        passed,
        outcome: if passed {
            format!(
                "backdrop {} within ΔE {:.1} after calibration",
                want.name_en(),
                last.delta_e
            )
        } else {
            format!(
                "backdrop still ΔE {:.1} from nominal {} after calibration: check the backdrop cloth and the lamps",
                last.delta_e,
                want.name_en()
            )
        },
        target: Some(want.name_en()),
        exposure_tenths: Some(tenths),
        white_balance: Some(wb_name(wb)),
        delta_e_before: Some(before),
        delta_e_after: Some(last.delta_e),
        frames: m.frames,
    })
}

fn within(e: &BackdropError) -> bool {
    e.delta_e <= MAX_DELTA_E && e.delta_l.abs() <= MAX_DELTA_L && e.delta_ab <= MAX_DELTA_AB
}

/// Sets exposure compensation until the backdrop's lightness is the nominal's: a bisection over
/// -5..+5 EV (lightness grows with compensation, whatever curve the camera applies), starting
/// from `tenths`; leaves the best setting seen in force.
fn expose(m: &mut Meter<'_>, want: BackgroundColour, tenths: i16) -> Result<i16, DeviceFailure> {
    let (mut lo, mut hi) = (-50i16, 50i16);
    let mut at = tenths;
    let mut best = (tenths, f64::INFINITY);
    for _ in 0..8 {
        m.d.set_exposure(Exposure::Compensation(at))?;
        let dl = backdrop_error(m.mean()?, want).delta_l;
        if dl.abs() < best.1 {
            best = (at, dl.abs());
        }
        if dl.abs() <= 1.0 {
            break;
        }
        if dl < 0.0 {
            lo = at;
        } else {
            hi = at;
        }
        let next = lo + (hi - lo) / 2;
        if next == at || hi - lo <= 1 {
            break;
        }
        at = next;
    }
    m.d.set_exposure(Exposure::Compensation(best.0))?;
    Ok(best.0)
}

/// Picks the white balance with the smallest chroma error on the backdrop, and sets it.
/// With `around` a kelvin value, only the fine steps around it are tried.
fn white_balance(
    m: &mut Meter<'_>,
    want: BackgroundColour,
    around: Option<WhiteBalance>,
) -> Result<WhiteBalance, DeviceFailure> {
    let score = |m: &mut Meter<'_>, wb: WhiteBalance| -> Result<Option<f64>, DeviceFailure> {
        match m.d.set_white_balance(wb) {
            Ok(()) => Ok(Some(backdrop_error(m.mean()?, want).delta_ab)),
            // A value this camera does not take is not a candidate.
            Err(e)
                if matches!(
                    e.kind,
                    ErrorKind::Unsupported | ErrorKind::ProtocolViolation
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    };
    let mut best: Option<(WhiteBalance, f64)> = None;
    fn consider(best: &mut Option<(WhiteBalance, f64)>, wb: WhiteBalance, s: Option<f64>) {
        if let Some(s) = s
            && best.is_none_or(|(_, b)| s < b)
        {
            *best = Some((wb, s));
        }
    }
    let kelvin_works = m.d.set_white_balance(WhiteBalance::Kelvin(5500)).is_ok();
    if let (true, Some(WhiteBalance::Kelvin(k))) = (kelvin_works, around) {
        let s = score(m, WhiteBalance::Kelvin(k))?;
        consider(&mut best, WhiteBalance::Kelvin(k), s);
    } else if kelvin_works {
        for k in (2500..=10_000).step_by(500) {
            let wb = WhiteBalance::Kelvin(k);
            let s = score(m, wb)?;
            consider(&mut best, wb, s);
        }
    }
    if kelvin_works {
        if let Some((WhiteBalance::Kelvin(k), _)) = best {
            for fine in (k.saturating_sub(400)..=k + 400).step_by(100) {
                if fine != k && fine >= 1000 {
                    let wb = WhiteBalance::Kelvin(fine);
                    let s = score(m, wb)?;
                    consider(&mut best, wb, s);
                }
            }
        }
    } else {
        for wb in [
            WhiteBalance::Auto,
            WhiteBalance::Daylight,
            WhiteBalance::Fluorescent,
            WhiteBalance::Tungsten,
            WhiteBalance::Flash,
        ] {
            let s = score(m, wb)?;
            consider(&mut best, wb, s);
        }
    }
    let Some((wb, _)) = best else {
        return Err(DeviceFailure::new(
            m.d.identity().to_string(),
            ErrorKind::Unsupported,
            "the camera takes no white balance setting",
        ));
    };
    m.d.set_white_balance(wb)?;
    Ok(wb)
}
