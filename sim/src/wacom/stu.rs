//! A Wacom STU-540 at HID level: it answers feature reports as the pad does (information,
//! capability, serial; clear, inking, writing mode and area, pen colour, background, image
//! upload in 24-bit BGR), keeps the uploaded screen image, and plays a scripted signer as pen
//! input reports: the synthetic signature of `sim/src/devices/signature.rs`, then a tap on the
//! Accept button where [`SignHereScreen::standard`] puts it.
//!
//! Contract: deterministic from the seed; the signer starts at the first `read_input`; reports
//! are 01, or 34 (with a millisecond count and sequence number) once writing mode 1 is set.
//! A report the pad does not know, or one out of order (image data without a start), is
//! refused as a real pad stalls it. Faults: [`StuFaults::unplug`] makes every call
//! `Disconnected`; [`StuFaults::garble_next`] truncates the next input report.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rekam_drivers::hid::{HidDevice, HidError, HidInfo};
use rekam_drivers::image::RgbImage;
use rekam_drivers::signature::PadEvent;
use rekam_drivers::wacom::stu::SignHereScreen;
use rekam_drivers::wacom::stu::layout::PadButton;
use rekam_drivers::wacom::stu::report::{
    self, Capability, ImageEncoding, Information, PenReport, ScreenRect,
};

use crate::devices::SignerAction;
use crate::devices::signature::script_events;

const MAX_X: u16 = 9600;
const MAX_Y: u16 = 6000;
const MAX_PRESSURE: u16 = 1023;
const SCREEN_W: u16 = 800;
const SCREEN_H: u16 = 480;

/// How the simulated pad behaves.
#[derive(Debug, Clone)]
pub struct StuConfig {
    /// Seed of the signer and the serial number.
    pub seed: u64,
    /// Playback speed: 1.0 real time.
    pub speed: f64,
    /// What the signer does; buttons are tapped on the standard layout.
    pub script: Vec<SignerAction>,
}

impl StuConfig {
    /// A signer who signs, pauses and taps Accept.
    pub fn signs_and_accepts(seed: u64) -> Self {
        Self {
            seed,
            speed: 1.0,
            script: vec![
                SignerAction::Sign,
                SignerAction::Pause(Duration::from_millis(400)),
                SignerAction::Accept,
            ],
        }
    }
}

/// Switches to inject faults while the pad is in a driver's hands.
#[derive(Debug, Clone, Default)]
pub struct StuFaults {
    unplugged: Arc<AtomicBool>,
    garble: Arc<AtomicBool>,
}

impl StuFaults {
    /// Pulls (or plugs back) the USB cable.
    pub fn unplug(&self, gone: bool) {
        self.unplugged.store(gone, Ordering::SeqCst);
    }

    /// Cuts the next input report short.
    pub fn garble_next(&self) {
        self.garble.store(true, Ordering::SeqCst);
    }
}

/// The simulated STU-540.
pub struct SimStu {
    info: HidInfo,
    faults: StuFaults,
    speed: f64,
    /// Pen reports with their script time.
    script: Vec<(Duration, PenReport)>,
    next: usize,
    started: Option<Instant>,
    timed: bool,
    sequence: u16,
    inking: bool,
    writing_area: ScreenRect,
    upload: Option<Vec<u8>>,
    screen: Option<RgbImage>,
    /// Feature reports set, by id, for tests.
    sets: Vec<u8>,
}

impl SimStu {
    /// A pad whose signer follows `config`.
    pub fn new(config: StuConfig) -> Self {
        let speed = if config.speed.is_finite() && config.speed > 0.0 {
            config.speed
        } else {
            1.0
        };
        Self {
            info: HidInfo {
                vendor_id: 0x056A,
                product_id: 0x00A8,
                product: "STU-540".into(),
                serial: Some(serial(config.seed)),
                path: format!("sim-hid:stu-540-{}", config.seed),
            },
            faults: StuFaults::default(),
            speed,
            script: pen_script(config.seed, &config.script),
            next: 0,
            started: None,
            timed: false,
            sequence: 0,
            inking: false,
            writing_area: ScreenRect {
                x1: 0,
                y1: 0,
                x2: SCREEN_W,
                y2: SCREEN_H,
            },
            upload: None,
            screen: None,
            sets: Vec::new(),
        }
    }

    /// The fault switches.
    pub fn faults(&self) -> StuFaults {
        self.faults.clone()
    }

    /// The image last uploaded.
    pub fn screen(&self) -> Option<&RgbImage> {
        self.screen.as_ref()
    }

    /// The writing area last set.
    pub fn writing_area(&self) -> ScreenRect {
        self.writing_area
    }

    /// Whether inking is on.
    pub fn inking(&self) -> bool {
        self.inking
    }

    /// Ids of the feature reports set so far, in order.
    pub fn feature_sets(&self) -> &[u8] {
        &self.sets
    }

    fn gone(&self) -> Result<(), HidError> {
        if self.faults.unplugged.load(Ordering::SeqCst) {
            return Err(HidError::Disconnected {
                device: self.info.path.clone(),
                detail: "the pad was unplugged".into(),
            });
        }
        Ok(())
    }

    fn refuse(&self, id: u8, detail: impl Into<String>) -> HidError {
        HidError::Refused {
            device: self.info.path.clone(),
            report_id: id,
            detail: detail.into(),
        }
    }
}

fn serial(seed: u64) -> String {
    format!("5{:08}", seed % 100_000_000)
}

/// The signer's script as pen reports on the STU tablet.
fn pen_script(seed: u64, actions: &[SignerAction]) -> Vec<(Duration, PenReport)> {
    let layout = SignHereScreen::standard(SCREEN_W, SCREEN_H);
    let pen = |x: u16, y: u16, pressure: u16, down: bool| PenReport {
        ready: true,
        switch: u8::from(down),
        pressure,
        x,
        y,
        timing: None,
    };
    let mut out = Vec::new();
    for (at, event) in script_events(seed, actions) {
        let button = match event {
            PadEvent::Pen(s) => {
                // The synthetic signature spans the same 9600 x 6000 units as the STU-540;
                // it is squeezed into the signing box so no stroke lands on a button.
                let (x, y) = into_signing_box(&layout, s.x, s.y);
                out.push((at, pen(x, y, s.pressure.min(MAX_PRESSURE), s.pressure > 0)));
                continue;
            }
            PadEvent::Accept => PadButton::Accept,
            PadEvent::Clear => PadButton::Clear,
            PadEvent::Cancel => PadButton::Cancel,
        };
        let Some((x, y)) = layout.tablet_centre(button, MAX_X, MAX_Y) else {
            continue; // the standard layout has no such button: the signer cannot press it
        };
        // A tap: three reports down, one up, then the pen leaves.
        for i in 0..3u64 {
            out.push((at + Duration::from_millis(5 * i), pen(x, y, 400, true)));
        }
        out.push((at + Duration::from_millis(15), pen(x, y, 0, false)));
        let mut away = pen(x, y, 0, false);
        away.ready = false;
        out.push((at + Duration::from_millis(20), away));
    }
    out
}

fn into_signing_box(layout: &SignHereScreen, x: u16, y: u16) -> (u16, u16) {
    let a = layout.signing_area;
    let to_tablet = |px: u16, size: u16, max: u16| u32::from(px) * u32::from(max) / u32::from(size);
    let (x0, x1) = (
        to_tablet(a.x1, SCREEN_W, MAX_X),
        to_tablet(a.x2, SCREEN_W, MAX_X),
    );
    let (y0, y1) = (
        to_tablet(a.y1, SCREEN_H, MAX_Y),
        to_tablet(a.y2, SCREEN_H, MAX_Y),
    );
    let squeeze = |v: u16, max: u16, lo: u32, hi: u32| {
        (lo + u32::from(v.min(max)) * (hi - lo - 1) / u32::from(max)) as u16
    };
    (squeeze(x, MAX_X, x0, x1), squeeze(y, MAX_Y, y0, y1))
}

fn scaled(d: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

impl HidDevice for SimStu {
    fn info(&self) -> &HidInfo {
        &self.info
    }

    fn get_feature(&mut self, id: u8, len: usize) -> Result<Vec<u8>, HidError> {
        self.gone()?;
        let mut reply = match id {
            report::INFORMATION => Information {
                model: "STU-540".into(),
                firmware: [1, 0, 5, 2],
            }
            .encode(),
            report::CAPABILITY => Capability {
                tablet_max_x: MAX_X,
                tablet_max_y: MAX_Y,
                tablet_max_pressure: MAX_PRESSURE,
                screen_width: SCREEN_W,
                screen_height: SCREEN_H,
                report_rate: 200,
            }
            .encode(),
            report::SERIAL => report::encode_serial(self.info.serial.as_deref().unwrap_or("")),
            report::WRITING_AREA => report::encode_writing_area(self.writing_area),
            other => return Err(self.refuse(other, "no such feature report to read")),
        };
        reply.truncate(len.max(1));
        Ok(reply)
    }

    fn set_feature(&mut self, r: &[u8]) -> Result<(), HidError> {
        self.gone()?;
        let Some((&id, body)) = r.split_first() else {
            return Err(HidError::Malformed {
                device: self.info.path.clone(),
                detail: "empty report".into(),
            });
        };
        let need = |n: usize| {
            if body.len() < n {
                Err(self.refuse(id, format!("needs {n} bytes, got {}", body.len())))
            } else {
                Ok(())
            }
        };
        match id {
            report::WRITING_MODE => {
                need(1)?;
                match body[0] {
                    0 | 1 => self.timed = body[0] == 1,
                    m => return Err(self.refuse(id, format!("writing mode {m}"))),
                }
            }
            report::CLEAR_SCREEN => need(1)?,
            report::INKING_MODE => {
                need(1)?;
                self.inking = body[0] != 0;
            }
            report::WRITE_IMAGE_START => {
                need(1)?;
                if ImageEncoding::from_byte(body[0]) != Some(ImageEncoding::Bgr24) {
                    return Err(self.refuse(id, format!("encoding {:#04x}", body[0])));
                }
                self.upload = Some(Vec::new());
            }
            report::WRITE_IMAGE_DATA => {
                let data =
                    report::parse_image_data(r).map_err(|e| self.refuse(id, e.to_string()))?;
                let data = data.to_vec();
                let Some(upload) = self.upload.as_mut() else {
                    return Err(self.refuse(id, "image data without a start"));
                };
                upload.extend_from_slice(&data);
            }
            report::WRITE_IMAGE_END => {
                let Some(bgr) = self.upload.take() else {
                    return Err(self.refuse(id, "image end without a start"));
                };
                let expected = ImageEncoding::Bgr24.image_len(SCREEN_W.into(), SCREEN_H.into());
                if bgr.len() < expected || bgr.len() >= expected + report::IMAGE_CHUNK {
                    return Err(self.refuse(
                        id,
                        format!("image of {} bytes, the screen takes {expected}", bgr.len()),
                    ));
                }
                let rgb: Vec<u8> = bgr[..expected]
                    .chunks_exact(3)
                    .flat_map(|p| [p[2], p[1], p[0]])
                    .collect();
                self.screen = RgbImage::new(SCREEN_W.into(), SCREEN_H.into(), rgb).ok();
            }
            report::WRITING_AREA => {
                let area =
                    report::parse_writing_area(r).map_err(|e| self.refuse(id, e.to_string()))?;
                if area.x2 > SCREEN_W || area.y2 > SCREEN_H {
                    return Err(self.refuse(id, format!("{area:?} exceeds the screen")));
                }
                self.writing_area = area;
            }
            report::PEN_COLOR_AND_WIDTH => need(4)?,
            report::BACKGROUND_COLOR => need(3)?,
            other => return Err(self.refuse(other, "no such feature report")),
        }
        self.sets.push(id);
        Ok(())
    }

    fn write_output(&mut self, r: &[u8]) -> Result<(), HidError> {
        self.gone()?;
        let id = r.first().copied().unwrap_or(0);
        Err(self.refuse(id, "the STU takes no output reports"))
    }

    fn read_input(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, HidError> {
        self.gone()?;
        let started = *self.started.get_or_insert_with(Instant::now);
        let Some(&(at, pen)) = self.script.get(self.next) else {
            std::thread::sleep(timeout);
            return Ok(0);
        };
        let due = started + scaled(at, 1.0 / self.speed);
        let now = Instant::now();
        if due > now + timeout {
            std::thread::sleep(timeout);
            return Ok(0);
        }
        std::thread::sleep(due.saturating_duration_since(now));
        self.gone()?;
        self.next += 1;
        let mut pen = pen;
        if self.timed {
            let ms = u64::try_from(at.as_millis()).unwrap_or(u64::MAX);
            pen.timing = Some(((ms & 0xFFFF) as u16, self.sequence));
            self.sequence = self.sequence.wrapping_add(1);
        }
        let mut bytes = pen.encode();
        if self.faults.garble.swap(false, Ordering::SeqCst) {
            bytes.truncate(4);
        }
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        Ok(n)
    }
}
