//! Wacom STU-430/530/540 signature pads over USB HID (vendor 056A), unencrypted mode.
//!
//! Opening reads the capability (09), information (08) and serial (0F) feature reports, switches
//! the STU-540 to timed pen reports (0E = 1, input report 34), clears the screen (20) and turns
//! inking on (21). Pen reports become [`PenSample`]s: report 34's millisecond count (unwrapped
//! across its 16-bit wrap) times them; report 01 is timed by the host clock. With a
//! [`SignHereScreen`] set, a tap (tip down and up) inside a button's rectangle is that button's
//! [`PadEvent`] instead of ink. Only the lift after a stroke is reported as a hovering sample
//! (pressure 0), as the simulated pad does, not every hover report.
//!
//! Contract: `show_image` uploads in the model's colour format (24-bit BGR on the 530/540, 1-bit
//! on the 430) with 25/26/27, then sets the writing area to the layout's signing box; `clear`
//! re-uploads the screen shown (a clear wipes the pad's screen, image included) or clears the
//! blank screen, and restarts sample time. A garbled report is a `ProtocolViolation` error, an
//! unplugged pad `Disconnected`.

pub mod layout;
pub mod report;

use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Unsupported};
use crate::hid::{HidDevice, HidError};
use crate::identity::{DeviceIdentity, ImageSize};
use crate::image::RgbImage;
use crate::signature::{PadCapabilities, PadEvent, PenSample, SignaturePad};

pub use layout::{PadButton, SignHereScreen};
use report::{Capability, ImageEncoding, Information, PenReport, ReportError, ScreenRect};

/// Wacom's USB vendor id.
pub const WACOM_VID: u16 = 0x056A;

/// A supported STU model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StuModel {
    /// Name as the information report gives it.
    pub name: &'static str,
    /// USB product id.
    pub product_id: u16,
    /// Screen encoding.
    pub encoding: ImageEncoding,
    /// Active area width in tenths of a millimetre (from Wacom's data sheets).
    pub active_width_dmm: u32,
    /// Whether the driver asks for timed pen reports (34).
    pub timed: bool,
}

/// The models this driver knows.
pub const MODELS: [StuModel; 3] = [
    StuModel {
        name: "STU-430",
        product_id: 0x00A4,
        encoding: ImageEncoding::Mono1,
        active_width_dmm: 960,
        timed: false,
    },
    StuModel {
        name: "STU-530",
        product_id: 0x00A5,
        encoding: ImageEncoding::Bgr24,
        active_width_dmm: 1080,
        timed: false,
    },
    StuModel {
        name: "STU-540",
        product_id: 0x00A8,
        encoding: ImageEncoding::Bgr24,
        active_width_dmm: 1080,
        timed: true,
    },
];

/// Whether a HID device with these ids is a supported STU.
pub fn is_stu(vendor_id: u16, product_id: u16) -> bool {
    vendor_id == WACOM_VID && MODELS.iter().any(|m| m.product_id == product_id)
}

/// A failure of the STU driver.
#[derive(Debug, thiserror::Error)]
pub enum StuError {
    /// The HID layer failed.
    #[error(transparent)]
    Hid(#[from] HidError),
    /// The pad sent a report that does not parse.
    #[error("{device}: {source}")]
    Report {
        /// The pad.
        device: String,
        /// What is wrong with the report.
        #[source]
        source: ReportError,
    },
    /// The device is not a pad this driver knows.
    #[error("{device}: not a supported Wacom STU pad ({detail})")]
    NotSupported {
        /// The device.
        device: String,
        /// Why.
        detail: String,
    },
    /// An image of the wrong size for the screen.
    #[error("{device}: screen is {screen_w}x{screen_h}, image is {image_w}x{image_h}")]
    ImageSize {
        /// The pad.
        device: String,
        /// Screen width.
        screen_w: u32,
        /// Screen height.
        screen_h: u32,
        /// Image width.
        image_w: u32,
        /// Image height.
        image_h: u32,
    },
    /// An operation the pad does not offer.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
}

impl Error for StuError {
    fn kind(&self) -> ErrorKind {
        match self {
            StuError::Hid(e) => e.kind(),
            StuError::Report { .. } | StuError::ImageSize { .. } => ErrorKind::ProtocolViolation,
            StuError::NotSupported { .. } | StuError::Unsupported(_) => ErrorKind::Unsupported,
        }
    }
}

/// Where a tap on a button stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tip {
    /// The tip is up.
    Up,
    /// The tip is down, inking.
    Inking,
    /// The tip went down on a button.
    OnButton(PadButton),
}

/// A Wacom STU pad.
pub struct Stu<D> {
    device: D,
    identity: DeviceIdentity,
    capabilities: PadCapabilities,
    model: StuModel,
    layout: Option<SignHereScreen>,
    /// The encoded image on the screen, re-sent by `clear`.
    shown: Option<Vec<u8>>,
    tip: Tip,
    cleared: Instant,
    /// First device time count after the last clear, with the host time it stood for (ms).
    timed_origin: Option<u64>,
    last_count: u16,
    count_ms: u64,
}

impl<D: HidDevice> Stu<D> {
    /// Opens the pad: identity, capabilities, timed reports where the model has them, a clear
    /// screen, inking on.
    pub fn open(mut device: D) -> Result<Self, StuError> {
        let info = device.info().clone();
        let name = format!("Wacom STU at {}", info.path);
        if info.vendor_id != WACOM_VID {
            return Err(StuError::NotSupported {
                device: name,
                detail: format!("vendor {:04x} is not Wacom", info.vendor_id),
            });
        }
        let report_err = |source| StuError::Report {
            device: name.clone(),
            source,
        };
        let capability =
            Capability::parse(&device.get_feature(report::CAPABILITY, report::CAPABILITY_LEN)?)
                .map_err(report_err)?;
        let information =
            Information::parse(&device.get_feature(report::INFORMATION, report::INFORMATION_LEN)?)
                .map_err(report_err)?;
        let model = MODELS
            .iter()
            .find(|m| m.name == information.model)
            .copied()
            .ok_or_else(|| StuError::NotSupported {
                device: name.clone(),
                detail: format!("model {:?}", information.model),
            })?;
        let serial = match device.get_feature(report::SERIAL, report::SERIAL_LEN) {
            Ok(bytes) => Some(report::parse_serial(&bytes).map_err(report_err)?),
            // Older firmware has no serial report; USB's serial string is the fallback.
            Err(HidError::Refused { .. }) => info.serial.clone(),
            Err(e) => return Err(e.into()),
        };
        let identity = DeviceIdentity {
            vendor: "Wacom".into(),
            model: model.name.into(),
            serial,
            firmware: Some(information.firmware_text()),
            location: info.path.clone(),
        };
        let units_per_mm = (u32::from(capability.tablet_max_x) * 10 / model.active_width_dmm)
            .clamp(1, u32::from(u16::MAX)) as u16;
        let capabilities = PadCapabilities {
            max_x: capability.tablet_max_x,
            max_y: capability.tablet_max_y,
            max_pressure: capability.tablet_max_pressure,
            units_per_mm,
            screen: Some(ImageSize {
                width: u32::from(capability.screen_width),
                height: u32::from(capability.screen_height),
            }),
        };
        if model.timed {
            device.set_feature(&[report::WRITING_MODE, 1])?;
        }
        device.set_feature(&[report::CLEAR_SCREEN, 0])?;
        device.set_feature(&[report::INKING_MODE, 1])?;
        Ok(Self {
            device,
            identity,
            capabilities,
            model,
            layout: None,
            shown: None,
            tip: Tip::Up,
            cleared: Instant::now(),
            timed_origin: None,
            last_count: 0,
            count_ms: 0,
        })
    }

    /// The model.
    pub fn model(&self) -> StuModel {
        self.model
    }

    /// The sign-here layout taps are tested against (the image drawn for it goes through
    /// `show_image`); `None` makes every tap ink.
    pub fn set_layout(&mut self, layout: Option<SignHereScreen>) {
        self.layout = layout;
    }

    /// The HID device.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// Gives the HID device back.
    pub fn into_device(self) -> D {
        self.device
    }

    fn report_error(&self, source: ReportError) -> StuError {
        StuError::Report {
            device: self.identity.to_string(),
            source,
        }
    }

    fn restart_time(&mut self) {
        self.cleared = Instant::now();
        self.timed_origin = None;
        self.tip = Tip::Up;
    }

    fn upload(&mut self, encoded: &[u8]) -> Result<(), StuError> {
        self.device
            .set_feature(&[report::WRITE_IMAGE_START, self.model.encoding as u8])?;
        for chunk in report::image_data_reports(encoded) {
            self.device.set_feature(&chunk)?;
        }
        self.device.set_feature(&[report::WRITE_IMAGE_END, 0])?;
        Ok(())
    }

    /// Milliseconds since the last clear for a report.
    fn sample_time(&mut self, timing: Option<(u16, u16)>) -> Duration {
        let host_ms = u64::try_from(self.cleared.elapsed().as_millis()).unwrap_or(u64::MAX);
        match timing {
            None => Duration::from_millis(host_ms),
            Some((count, _seq)) => {
                let origin = *self.timed_origin.get_or_insert_with(|| {
                    self.last_count = count;
                    self.count_ms = 0;
                    host_ms
                });
                // The count wraps every 65.536 s; reports come far more often than that.
                self.count_ms += u64::from(count.wrapping_sub(self.last_count));
                self.last_count = count;
                Duration::from_millis(origin + self.count_ms)
            }
        }
    }

    /// Turns one pen report into at most one event.
    fn on_pen(&mut self, pen: PenReport) -> Option<PadEvent> {
        let time = self.sample_time(pen.timing);
        let caps = &self.capabilities;
        let button = self
            .layout
            .as_ref()
            .and_then(|l| l.button_at(pen.x, pen.y, caps.max_x, caps.max_y));
        let sample = |pressure: u16| {
            PadEvent::Pen(PenSample {
                x: pen.x.min(caps.max_x),
                y: pen.y.min(caps.max_y),
                pressure: pressure.min(caps.max_pressure),
                time,
            })
        };
        let down = pen.ready && pen.switch != 0;
        match (self.tip, down) {
            (Tip::Up, true) => match button {
                Some(b) => {
                    self.tip = Tip::OnButton(b);
                    None
                }
                None => {
                    self.tip = Tip::Inking;
                    Some(sample(pen.pressure))
                }
            },
            (Tip::Inking, true) => Some(sample(pen.pressure)),
            (Tip::OnButton(_), true) => None,
            (Tip::Inking, false) => {
                self.tip = Tip::Up;
                Some(sample(0))
            }
            (Tip::OnButton(b), false) => {
                self.tip = Tip::Up;
                // A tap counts where it ends: sliding off a button cancels it.
                (button == Some(b) || !pen.ready).then_some(match b {
                    PadButton::Accept => PadEvent::Accept,
                    PadButton::Clear => PadEvent::Clear,
                    PadButton::Cancel => PadEvent::Cancel,
                })
            }
            (Tip::Up, false) => None,
        }
    }
}

impl<D: HidDevice> SignaturePad for Stu<D> {
    type Error = StuError;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capabilities(&self) -> &PadCapabilities {
        &self.capabilities
    }

    fn next_event(&mut self, wait: Duration) -> Result<Option<PadEvent>, StuError> {
        let deadline = Instant::now() + wait;
        let mut buf = [0u8; 64];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let n = self.device.read_input(&mut buf, left)?;
            if n == 0 {
                return Ok(None);
            }
            let pen = PenReport::parse(&buf[..n]).map_err(|e| self.report_error(e))?;
            if let Some(event) = self.on_pen(pen) {
                return Ok(Some(event));
            }
            if left.is_zero() {
                return Ok(None);
            }
        }
    }

    fn clear(&mut self) -> Result<(), StuError> {
        match self.shown.take() {
            Some(encoded) => {
                let result = self.upload(&encoded);
                self.shown = Some(encoded);
                result?;
            }
            None => self.device.set_feature(&[report::CLEAR_SCREEN, 0])?,
        }
        self.restart_time();
        Ok(())
    }

    fn show_image(&mut self, image: &RgbImage) -> Result<(), StuError> {
        let Some(screen) = self.capabilities.screen else {
            return Err(crate::fingerprint::unsupported(&self.identity, "screen"));
        };
        if (image.width(), image.height()) != (screen.width, screen.height) {
            return Err(StuError::ImageSize {
                device: self.identity.to_string(),
                screen_w: screen.width,
                screen_h: screen.height,
                image_w: image.width(),
                image_h: image.height(),
            });
        }
        let encoded = report::encode_image(self.model.encoding, image.width(), image.pixels());
        self.upload(&encoded)?;
        self.shown = Some(encoded);
        let area = self.layout.as_ref().map_or(
            ScreenRect {
                x1: 0,
                y1: 0,
                x2: screen.width as u16,
                y2: screen.height as u16,
            },
            |l| l.signing_area,
        );
        self.device
            .set_feature(&report::encode_writing_area(area))?;
        self.restart_time();
        Ok(())
    }
}
