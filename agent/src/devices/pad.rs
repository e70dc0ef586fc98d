//! Configured signature pads: `[devices] signature_pad = "stu"` (the first Wacom STU on USB HID),
//! `"isdv4:/dev/ttyS0"` (an ISDV4 serial digitizer) or `"sim-stu"` (the HID-level STU-540
//! simulator through the real STU driver, for demos and tests), and their [`PadDevice`] adapters.
//!
//! Contract: the STU adapter shows the sign-here screen (drawn by [`super::sign_here`], with the
//! signer's name when the manager gives it) before the first capture and whenever the name
//! changes, and otherwise wipes the ink (re-showing the screen) before each capture; taps on its
//! buttons end or restart the signature. An ISDV4 digitizer has no buttons: [`RestAccepts`]
//! takes its signature as done once the pen has rested [`ISDV4_REST`] after the last ink, as
//! the console has no accept control for screenless pads yet. "stu" on a machine without USB,
//! or without an STU attached, is a pad not present (`Disconnected`); an attached one is driven
//! over libusb as HID class requests and interrupt reads ([`rekam_drivers::hid::usb`]), since
//! hidraw feature reports would need ioctls, that is `unsafe`.

use std::time::{Duration, Instant};

use rekam_drivers::fingerprint::CaptureOptions;
use rekam_drivers::hid::HidDevice;
use rekam_drivers::image::RgbImage;
use rekam_drivers::signature::{PadCapabilities, PadEvent, SignaturePad};
use rekam_drivers::transport::{SerialTransport, Transport};
use rekam_drivers::usb::host::UsbHost;
use rekam_drivers::wacom::isdv4::{self, Isdv4};
use rekam_drivers::wacom::stu::{SignHereScreen, Stu, is_stu};
use rekam_drivers::{DeviceIdentity, ErrorKind};
use rekam_sim::wacom::{SimStu, StuConfig};

use super::adapters::{Resident, SignatureTrace, TapTrace, collect_signature, collect_taps};
use super::pen::PenFeed;
use super::sign_here::{SignHereText, render};
use super::{DeviceFailure, Identified, PadDevice, Slot};

/// How long an ISDV4 pen rests after ink before the signature counts as done.
pub const ISDV4_REST: Duration = Duration::from_secs(2);

/// A `signature_pad` setting that names no known pad.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("devices.signature_pad = {0:?}: expected \"stu\", \"isdv4:<serial port>\" or \"sim-stu\"")]
pub struct PadSpecError(pub String);

/// A configured pad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PadSpec {
    /// The first STU on USB HID.
    Stu,
    /// An ISDV4 digitizer on this serial port.
    Isdv4(String),
    /// The simulated STU-540 through the STU driver.
    SimStu,
}

impl PadSpec {
    /// Parses the setting.
    pub fn parse(s: &str) -> Result<Self, PadSpecError> {
        match s.trim() {
            "stu" => Ok(PadSpec::Stu),
            "sim-stu" => Ok(PadSpec::SimStu),
            other => match other.strip_prefix("isdv4:") {
                Some(port) if !port.is_empty() => Ok(PadSpec::Isdv4(port.to_owned())),
                _ => Err(PadSpecError(s.to_owned())),
            },
        }
    }
}

/// The slot of the configured pad; `seed` and `realtime` drive the simulated variant.
pub fn configured_pad(
    setting: &str,
    seed: u64,
    realtime: bool,
) -> Result<Slot<dyn PadDevice>, PadSpecError> {
    let spec = PadSpec::parse(setting)?;
    let opener: super::Opener<dyn PadDevice> = match spec {
        PadSpec::Stu => Box::new(open_usb_stu),
        PadSpec::Isdv4(port) => {
            Box::new(move || Ok(Box::new(Isdv4Pad::open(&port)?) as Box<dyn PadDevice>))
        }
        PadSpec::SimStu => Box::new(move || {
            let speed = if realtime { 1.0 } else { 8.0 };
            Ok(Box::new(StuPad::simulated(seed, speed)?) as Box<dyn PadDevice>)
        }),
    };
    Ok(Slot::new("signature_pad", opener))
}

fn open_usb_stu() -> Result<Box<dyn PadDevice>, DeviceFailure> {
    use rekam_drivers::hid::usb::{UsbHid, hid_devices};
    let absent = |why: String| DeviceFailure::new("Wacom STU", ErrorKind::Disconnected, why);
    let host = UsbHost::new().map_err(|e| absent(format!("no signature pad: {e}")))?;
    let found = hid_devices(&host, is_stu).map_err(|e| absent(format!("no signature pad: {e}")))?;
    let Some((info, interface)) = found.into_iter().next() else {
        return Err(absent("no Wacom STU pad on USB".into()));
    };
    let device = host
        .open_interface(&info, interface.number)
        .map_err(|e| DeviceFailure::from_driver(&info.name(), &e))?;
    Ok(Box::new(StuPad::open(UsbHid::new(device, interface))?) as Box<dyn PadDevice>)
}

/// Turns a screenless pad's pause into Accept: once ink has come and the pen then rests for
/// `rest`, the next event is [`PadEvent::Accept`].
pub struct RestAccepts<P> {
    pad: P,
    rest: Duration,
    last_ink: Option<Instant>,
}

impl<P: SignaturePad> RestAccepts<P> {
    /// Wraps `pad`.
    pub fn new(pad: P, rest: Duration) -> Self {
        Self {
            pad,
            rest,
            last_ink: None,
        }
    }
}

impl<P: SignaturePad> SignaturePad for RestAccepts<P> {
    type Error = P::Error;

    fn identity(&self) -> &DeviceIdentity {
        self.pad.identity()
    }

    fn capabilities(&self) -> &PadCapabilities {
        self.pad.capabilities()
    }

    fn next_event(&mut self, wait: Duration) -> Result<Option<PadEvent>, P::Error> {
        let rested = |since: Instant| since.elapsed() >= self.rest;
        if self.last_ink.is_some_and(rested) {
            self.last_ink = None;
            return Ok(Some(PadEvent::Accept));
        }
        let wait = match self.last_ink {
            Some(t) => wait.min(self.rest.saturating_sub(t.elapsed())),
            None => wait,
        };
        let event = self.pad.next_event(wait)?;
        match event {
            Some(PadEvent::Pen(_)) => self.last_ink = Some(Instant::now()),
            None if self.last_ink.is_some_and(rested) => {
                self.last_ink = None;
                return Ok(Some(PadEvent::Accept));
            }
            _ => {}
        }
        Ok(event)
    }

    fn clear(&mut self) -> Result<(), P::Error> {
        self.last_ink = None;
        self.pad.clear()
    }
}

/// An ISDV4 digitizer as the manager drives it.
pub struct Isdv4Pad<T> {
    pad: RestAccepts<Isdv4<T>>,
}

impl Isdv4Pad<SerialTransport> {
    /// Opens the digitizer on `port` at 38400 baud.
    pub fn open(port: &str) -> Result<Self, DeviceFailure> {
        let who = format!("ISDV4 on {port}");
        let t = SerialTransport::open(port, isdv4::BAUD)
            .map_err(|e| DeviceFailure::from_driver(&who, &e))?;
        Self::over(t)
    }
}

impl<T: Transport> Isdv4Pad<T> {
    /// Opens a digitizer over any transport.
    pub fn over(transport: T) -> Result<Self, DeviceFailure> {
        let who = format!("ISDV4 on {}", transport.name());
        let d = Isdv4::open(transport).map_err(|e| DeviceFailure::from_driver(&who, &e))?;
        Ok(Self {
            pad: RestAccepts::new(d, ISDV4_REST),
        })
    }

    fn capture(
        &mut self,
        o: &CaptureOptions,
        pen: Option<&PenFeed>,
    ) -> Result<SignatureTrace, DeviceFailure> {
        self.pad
            .clear()
            .map_err(|e| DeviceFailure::from_driver(&self.pad.identity().to_string(), &e))?;
        collect_signature(&mut self.pad, o, pen)
    }
}

impl<T: Transport> Identified for Isdv4Pad<T> {
    fn identity(&self) -> DeviceIdentity {
        self.pad.identity().clone()
    }
}

impl<T: Transport + Send> PadDevice for Isdv4Pad<T> {
    fn capture_signature(&mut self, o: &CaptureOptions) -> Result<SignatureTrace, DeviceFailure> {
        self.capture(o, None)
    }
    fn capture_taps(
        &mut self,
        targets: &[(u16, u16)],
        o: &CaptureOptions,
    ) -> Result<TapTrace, DeviceFailure> {
        // No screen: the technician taps the corners the console shows on the digitizer.
        self.pad
            .clear()
            .map_err(|e| DeviceFailure::from_driver(&self.pad.identity().to_string(), &e))?;
        collect_taps(&mut self.pad, targets.len(), o)
    }
    fn capture_signature_live(
        &mut self,
        o: &CaptureOptions,
        pen: &PenFeed,
    ) -> Result<SignatureTrace, DeviceFailure> {
        self.capture(o, Some(pen))
    }
}

/// Half the length of a target cross's arms, in screen pixels.
const CROSS: i64 = 12;

/// A white screen with a black cross at each target (tablet units scaled to the screen).
fn tap_targets(
    width: u32,
    height: u32,
    caps: &PadCapabilities,
    targets: &[(u16, u16)],
) -> Result<RgbImage, DeviceFailure> {
    let (w, h) = (i64::from(width), i64::from(height));
    let mut pixels = vec![255u8; (w * h * 3) as usize];
    for &(x, y) in targets {
        let cx = i64::from(x) * (w - 1) / i64::from(caps.max_x.max(1));
        let cy = i64::from(y) * (h - 1) / i64::from(caps.max_y.max(1));
        for d in -CROSS..=CROSS {
            for (px, py) in [(cx + d, cy), (cx, cy + d)] {
                if (0..w).contains(&px) && (0..h).contains(&py) {
                    let at = ((py * w + px) * 3) as usize;
                    pixels[at..at + 3].fill(0);
                }
            }
        }
    }
    RgbImage::new(width, height, pixels)
        .map_err(|e| DeviceFailure::new("Wacom STU", ErrorKind::ProtocolViolation, e.to_string()))
}

/// Makes a fresh simulated pad for a signer seed.
type Rearm<D> = Box<dyn Fn(u64) -> D + Send>;

/// A Wacom STU as the manager drives it.
pub struct StuPad<D> {
    stu: Stu<D>,
    text: SignHereText,
    shown: bool,
    /// Simulators only: a new signer for each capture.
    rearm: Option<(Rearm<D>, u64)>,
}

fn stu_failure(e: &rekam_drivers::wacom::stu::StuError) -> DeviceFailure {
    DeviceFailure::from_driver("Wacom STU", e)
}

impl<D: HidDevice> StuPad<D> {
    /// Opens the pad on `device`.
    pub fn open(device: D) -> Result<Self, DeviceFailure> {
        Ok(Self {
            stu: Stu::open(device).map_err(|e| stu_failure(&e))?,
            text: SignHereText::console(),
            shown: false,
            rearm: None,
        })
    }

    /// The driver (for tests: the simulator inside, what the screen shows).
    pub fn driver(&self) -> &Stu<D> {
        &self.stu
    }

    fn who(&self) -> String {
        self.stu.identity().to_string()
    }

    fn capture(
        &mut self,
        o: &CaptureOptions,
        pen: Option<&PenFeed>,
    ) -> Result<SignatureTrace, DeviceFailure> {
        if self.shown {
            self.stu
                .clear()
                .map_err(|e| DeviceFailure::from_driver(&self.who(), &e))?;
        } else if let Some(screen) = self.stu.capabilities().screen {
            let (w, h) = (
                u16::try_from(screen.width).unwrap_or(u16::MAX),
                u16::try_from(screen.height).unwrap_or(u16::MAX),
            );
            let layout = SignHereScreen::standard(w, h);
            let image = render(&layout, &self.text);
            self.stu.set_layout(Some(layout));
            self.stu
                .show_image(&image)
                .map_err(|e| DeviceFailure::from_driver(&self.who(), &e))?;
            self.shown = true;
        }
        let trace = collect_signature(&mut self.stu, o, pen);
        if trace.is_ok()
            && let Some((_, seed)) = &self.rearm
        {
            // The simulated signer signs again if the operator asks for a retake.
            self.arm(*seed)?;
        }
        trace
    }

    fn arm(&mut self, seed: u64) -> Result<(), DeviceFailure> {
        let Some((make, _)) = self.rearm.take() else {
            return Ok(());
        };
        let fresh = Stu::open(make(seed)).map_err(|e| stu_failure(&e));
        self.rearm = Some((make, seed));
        self.stu = fresh?;
        self.shown = false;
        Ok(())
    }
}

impl StuPad<SimStu> {
    /// The HID-level STU-540 simulator at `speed` through the STU driver.
    pub fn simulated(seed: u64, speed: f64) -> Result<Self, DeviceFailure> {
        let make = move |seed: u64| {
            let mut c = StuConfig::signs_and_accepts(seed);
            c.speed = speed;
            SimStu::new(c)
        };
        let mut pad = Self::open(make(seed))?;
        pad.rearm = Some((Box::new(make), seed));
        Ok(pad)
    }
}

impl<D: HidDevice> Identified for StuPad<D> {
    fn identity(&self) -> DeviceIdentity {
        self.stu.identity().clone()
    }
}

impl<D: HidDevice + Send> PadDevice for StuPad<D> {
    fn capture_signature(&mut self, o: &CaptureOptions) -> Result<SignatureTrace, DeviceFailure> {
        self.capture(o, None)
    }
    fn capture_taps(
        &mut self,
        targets: &[(u16, u16)],
        o: &CaptureOptions,
    ) -> Result<TapTrace, DeviceFailure> {
        if !targets.is_empty() {
            let caps = self.stu.capabilities().clone();
            if let Some(screen) = caps.screen {
                // The targets go up on the pad's own screen; with no buttons every tap is ink.
                let image = tap_targets(screen.width, screen.height, &caps, targets)?;
                self.stu.set_layout(None);
                self.stu
                    .show_image(&image)
                    .map_err(|e| DeviceFailure::from_driver(&self.who(), &e))?;
                // The sign-here screen goes up again before the next signature.
                self.shown = false;
            }
        }
        collect_taps(&mut self.stu, targets.len(), o)
    }
    fn capture_signature_live(
        &mut self,
        o: &CaptureOptions,
        pen: &PenFeed,
    ) -> Result<SignatureTrace, DeviceFailure> {
        self.capture(o, Some(pen))
    }
    fn show_signer(&mut self, name: Option<&str>) {
        let name = name.map(str::to_owned);
        if name != self.text.name {
            self.text.name = name;
            // The next capture draws the screen again, with the new name.
            self.shown = false;
        }
    }
    fn present(&mut self, r: &Resident) {
        if self.rearm.is_some() {
            // A failure here surfaces as the pad's failure on the next capture's reopen.
            if let Err(e) = self.arm(r.seed) {
                tracing::warn!(error = %e, "the simulated STU could not be re-armed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_settings_parse_and_nonsense_is_refused_by_name() {
        assert_eq!(PadSpec::parse("stu"), Ok(PadSpec::Stu));
        assert_eq!(
            PadSpec::parse("isdv4:/dev/ttyS0"),
            Ok(PadSpec::Isdv4("/dev/ttyS0".into()))
        );
        assert_eq!(PadSpec::parse("sim-stu"), Ok(PadSpec::SimStu));
        let err = PadSpec::parse("isdv4:").expect_err("no port");
        assert!(err.to_string().contains("isdv4:<serial port>"));
        assert!(PadSpec::parse("wacom").is_err());
    }

    #[test]
    fn stu_on_a_machine_without_usb_or_a_pad_is_not_present() {
        match open_usb_stu() {
            Err(e) => assert!(
                matches!(e.kind, ErrorKind::Disconnected | ErrorKind::Unsupported),
                "{e}"
            ),
            Ok(_) => panic!("this build cannot open a real STU"),
        }
    }
}
