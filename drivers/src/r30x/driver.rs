//! The R30x driver: a module on any [`Transport`], speaking the instructions of [`command`].
//!
//! Contract: every exchange clears stale input, sends one command and waits at most the ack
//! timeout for a valid acknowledgement from the configured address, skipping garbage and stray
//! data packets; captures poll GenImg until a finger is imaged, the timeout passes or the token
//! is cancelled. A cancel is noticed between exchanges, so an image upload (seconds at 57600
//! baud) runs to its end first.
//!
//! [`command`]: super::command

use std::time::{Duration, Instant};

use super::code::Confirmation;
use super::command::{
    AuraLedConfig, Capture, CharBuffer, Command, DeletChar, DownChar, Empty, GenImg, HandShake,
    Img2Tz, LedColour, LedEffect, LoadChar, Match, ProdInfo, ReadIndexTable, ReadProdInfo,
    ReadSysPara, RegModel, ResponseError, Search, SearchHit, SetSysPara, Store, SysPara,
    TemplateNum, UpChar, UpImage, VfyPwd,
};
use super::error::{Cause, R30xError};
use super::image::unpack;
use super::packet::{DEFAULT_ADDRESS, Deframer, Packet, Pid};
use crate::fingerprint::{
    CaptureOptions, Feedback, Finger, FingerImage, FingerprintCapabilities, FingerprintScanner,
};
use crate::identity::{DeviceIdentity, ImageSize};
use crate::image::GrayImage;
use crate::transport::{Transport, TransportError};

/// Image size of R30x/R307/AS608 modules, used when the module cannot report its own.
pub const DEFAULT_IMAGE: ImageSize = ImageSize {
    width: 256,
    height: 288,
};

/// How to talk to a module.
#[derive(Debug, Clone)]
pub struct R30xConfig {
    /// Module address.
    pub address: u32,
    /// Module password.
    pub password: u32,
    /// Longest wait for an acknowledgement or a data packet.
    pub ack_timeout: Duration,
    /// Pause between GenImg polls while waiting for a finger.
    pub poll_interval: Duration,
}

impl Default for R30xConfig {
    fn default() -> Self {
        Self {
            address: DEFAULT_ADDRESS,
            password: 0,
            // At 9600 baud a 128-byte data packet takes about 140 ms; one second is ample.
            ack_timeout: Duration::from_secs(1),
            poll_interval: Duration::from_millis(50),
        }
    }
}

/// An R30x-family module.
pub struct R30x<T> {
    transport: T,
    config: R30xConfig,
    deframer: Deframer,
    identity: DeviceIdentity,
    capabilities: FingerprintCapabilities,
    system: SysPara,
    product: Option<ProdInfo>,
}

impl<T: Transport> R30x<T> {
    /// Verifies the password and reads the module's parameters and (where supported) product
    /// information.
    pub fn open(transport: T, config: R30xConfig) -> Result<Self, R30xError> {
        let identity = DeviceIdentity {
            vendor: "Grow/ZhianTec".into(),
            model: "R30x".into(),
            serial: None,
            firmware: None,
            location: transport.name().to_owned(),
        };
        let mut module = Self {
            transport,
            deframer: Deframer::new(),
            identity,
            capabilities: capabilities(DEFAULT_IMAGE),
            system: SysPara {
                status: 0,
                system_id: 0,
                library_size: 0,
                security_level: 0,
                address: config.address,
                packet_size_code: 2,
                baud_multiplier: 6,
            },
            product: None,
            config,
        };
        module.verify_password()?;
        module.system = module.execute(&ReadSysPara)?;
        // Older modules (R307, AS608) do not know ReadProdInfo: they refuse it or stay silent.
        match module.execute(&ReadProdInfo) {
            Ok(info) => module.adopt(info),
            Err(e) if matches!(e.cause, Cause::Module { .. } | Cause::Timeout { .. }) => {}
            Err(e) => return Err(e),
        }
        Ok(module)
    }

    fn adopt(&mut self, info: ProdInfo) {
        if !info.model.is_empty() {
            self.identity.model = info.model.clone();
        }
        self.identity.serial = (!info.serial.is_empty()).then(|| info.serial.clone());
        self.identity.firmware = Some(format!(
            "hw {}.{}",
            info.hardware_version.0, info.hardware_version.1
        ));
        if info.width > 0 && info.height > 0 {
            self.capabilities = capabilities(ImageSize {
                width: info.width.into(),
                height: info.height.into(),
            });
        }
        self.product = Some(info);
    }

    /// System parameters read at open.
    pub fn system_parameters(&self) -> &SysPara {
        &self.system
    }

    /// Product information, if the module reports it.
    pub fn product_info(&self) -> Option<&ProdInfo> {
        self.product.as_ref()
    }

    /// The transport, e.g. to reach a simulator behind it. Bytes written through it bypass the
    /// driver; the next exchange clears any input they cause.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Bytes skipped as garbage so far.
    pub fn discarded_bytes(&self) -> u64 {
        self.deframer.discarded()
    }

    fn error(&self, cause: Cause) -> R30xError {
        R30xError {
            device: self.identity.to_string(),
            cause,
        }
    }

    /// Sends `command` and decodes its acknowledgement.
    pub fn execute<C: Command>(&mut self, command: &C) -> Result<C::Response, R30xError> {
        self.transport
            .clear_input()
            .map_err(|e| self.error(Cause::Transport(e)))?;
        self.deframer.clear();
        self.transport
            .write_all(&command.to_bytes(self.config.address))
            .and_then(|()| self.transport.flush())
            .map_err(|e| self.error(Cause::Transport(e)))?;
        let ack = self.receive(C::NAME, |pid| pid == Pid::Ack)?;
        C::parse_response(&ack.payload).map_err(|e| match e {
            ResponseError::Module(code) => self.error(Cause::Module {
                command: C::NAME,
                code,
            }),
            other => self.error(Cause::BadReply {
                command: C::NAME,
                detail: other.to_string(),
            }),
        })
    }

    /// Waits for the next valid packet from our address whose PID `wanted` accepts; packets it
    /// does not accept (leftovers of an aborted transfer) are skipped.
    fn receive(
        &mut self,
        command: &'static str,
        wanted: impl Fn(Pid) -> bool,
    ) -> Result<Packet, R30xError> {
        let timeout = self.config.ack_timeout;
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; 512];
        loop {
            while let Some(packet) = self.deframer.next_packet() {
                if packet.address == self.config.address && wanted(packet.pid) {
                    return Ok(packet);
                }
            }
            let now = Instant::now();
            if now >= deadline {
                // The line went quiet with an incomplete frame buffered: its header may have
                // been garbage hiding the real reply.
                while self.deframer.buffered() > 0 {
                    if let Some(packet) = self.deframer.skip_stalled()
                        && packet.address == self.config.address
                        && wanted(packet.pid)
                    {
                        return Ok(packet);
                    }
                }
                let discarded = self.deframer.discarded();
                let cause = match self.deframer.take_rejection() {
                    Some(error) => Cause::Frame {
                        command,
                        error,
                        discarded,
                    },
                    None => Cause::Timeout { command, timeout },
                };
                return Err(self.error(cause));
            }
            match self.transport.read(&mut buf, deadline - now) {
                Ok(n) => self.deframer.push(&buf[..n]),
                Err(TransportError::Timeout { .. }) => {}
                Err(e) => return Err(self.error(Cause::Transport(e))),
            }
        }
    }

    /// Receives the data phase that follows an accepted UpImage or UpChar, at most `limit` bytes.
    fn receive_data(&mut self, command: &'static str, limit: usize) -> Result<Vec<u8>, R30xError> {
        let mut data = Vec::new();
        loop {
            let packet = self.receive(command, |pid| matches!(pid, Pid::Data | Pid::End))?;
            data.extend_from_slice(&packet.payload);
            if data.len() > limit {
                return Err(self.error(Cause::BadReply {
                    command,
                    detail: format!("more than {limit} bytes of data"),
                }));
            }
            if packet.pid == Pid::End {
                return Ok(data);
            }
        }
    }

    /// HandShake: checks that the module is alive.
    pub fn handshake(&mut self) -> Result<(), R30xError> {
        self.execute(&HandShake)
    }

    /// VfyPwd with the configured password.
    pub fn verify_password(&mut self) -> Result<(), R30xError> {
        let password = self.config.password;
        self.execute(&VfyPwd { password })
    }

    /// ReadProdInfo.
    pub fn read_product_info(&mut self) -> Result<ProdInfo, R30xError> {
        self.execute(&ReadProdInfo)
    }

    /// ReadSysPara.
    pub fn read_system_parameters(&mut self) -> Result<SysPara, R30xError> {
        let system = self.execute(&ReadSysPara)?;
        self.system = system;
        Ok(system)
    }

    /// Polls GenImg until a finger is imaged into the image buffer.
    pub fn wait_for_finger(&mut self, options: &CaptureOptions) -> Result<(), R30xError> {
        let deadline = Instant::now() + options.timeout;
        loop {
            if options.cancel.is_cancelled() {
                return Err(self.error(Cause::Cancelled("capture")));
            }
            if self.execute(&GenImg)? == Capture::Captured {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.error(Cause::NoFinger(options.timeout)));
            }
            if options.cancel.sleep(self.config.poll_interval) {
                return Err(self.error(Cause::Cancelled("capture")));
            }
        }
    }

    /// Polls GenImg until the sensor reports no finger (between two impressions).
    pub fn wait_for_lift(&mut self, options: &CaptureOptions) -> Result<(), R30xError> {
        let deadline = Instant::now() + options.timeout;
        loop {
            if options.cancel.is_cancelled() {
                return Err(self.error(Cause::Cancelled("waiting for the finger to lift")));
            }
            if self.execute(&GenImg)? == Capture::NoFinger {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.error(Cause::Timeout {
                    command: "GenImg (waiting for the finger to lift)",
                    timeout: options.timeout,
                }));
            }
            if options.cancel.sleep(self.config.poll_interval) {
                return Err(self.error(Cause::Cancelled("waiting for the finger to lift")));
            }
        }
    }

    /// UpImage: the image buffer as 8-bit gray.
    pub fn upload_image(&mut self) -> Result<GrayImage, R30xError> {
        let size = self.capabilities.finger_image;
        self.execute(&UpImage)?;
        let expected = (size.width as usize * size.height as usize).div_ceil(2);
        let data = self.receive_data(UpImage::NAME, expected)?;
        let pixels = unpack(&data, size.width, size.height).map_err(|(expected, actual)| {
            self.error(Cause::BadReply {
                command: UpImage::NAME,
                detail: format!("image data of {actual} bytes, expected {expected}"),
            })
        })?;
        GrayImage::new(size.width, size.height, self.capabilities.ppi, pixels).map_err(|e| {
            self.error(Cause::BadReply {
                command: UpImage::NAME,
                detail: e.to_string(),
            })
        })
    }

    /// Img2Tz: extracts features of the image buffer into `buffer`.
    pub fn image_to_features(&mut self, buffer: CharBuffer) -> Result<(), R30xError> {
        self.execute(&Img2Tz { buffer })
    }

    /// RegModel: merges both character buffers into a template.
    pub fn create_model(&mut self) -> Result<(), R30xError> {
        self.execute(&RegModel)
    }

    /// Store: saves `buffer` at library `page`.
    pub fn store(&mut self, buffer: CharBuffer, page: u16) -> Result<(), R30xError> {
        self.execute(&Store { buffer, page })
    }

    /// Search the whole library for the features in `buffer`.
    pub fn search(&mut self, buffer: CharBuffer) -> Result<Option<SearchHit>, R30xError> {
        let count = self.system.library_size;
        self.execute(&Search {
            buffer,
            start: 0,
            count,
        })
    }

    /// LoadChar: copies the template at library `page` into `buffer`.
    pub fn load_template(&mut self, buffer: CharBuffer, page: u16) -> Result<(), R30xError> {
        self.execute(&LoadChar { buffer, page })
    }

    /// DeletChar: deletes `count` templates from `page` on.
    pub fn delete_templates(&mut self, page: u16, count: u16) -> Result<(), R30xError> {
        self.execute(&DeletChar { page, count })
    }

    /// Match: compares the two character buffers; the score, or `None` if they differ.
    pub fn compare_buffers(&mut self) -> Result<Option<u16>, R30xError> {
        self.execute(&Match)
    }

    /// SetSysPara, then re-reads the parameters so packet size and library size stay current.
    pub fn set_system_parameter(&mut self, register: u8, value: u8) -> Result<(), R30xError> {
        self.execute(&SetSysPara { register, value })?;
        self.read_system_parameters().map(|_| ())
    }

    /// TemplateNum.
    pub fn template_count(&mut self) -> Result<u16, R30xError> {
        self.execute(&TemplateNum)
    }

    /// ReadIndexTable for index page `index`.
    pub fn index_table(&mut self, index: u8) -> Result<[u8; 32], R30xError> {
        self.execute(&ReadIndexTable { index })
    }

    /// Empty: deletes every template.
    pub fn empty_library(&mut self) -> Result<(), R30xError> {
        self.execute(&Empty)
    }

    /// AuraLedConfig.
    pub fn set_led(&mut self, led: AuraLedConfig) -> Result<(), R30xError> {
        self.execute(&led)
    }

    /// UpChar: the template in `buffer`.
    pub fn upload_template(&mut self, buffer: CharBuffer) -> Result<Vec<u8>, R30xError> {
        self.execute(&UpChar { buffer })?;
        // R50x templates are 1536 bytes; allow some room beyond the largest known.
        self.receive_data(UpChar::NAME, 4096)
    }

    /// DownChar: loads `template` into `buffer`.
    pub fn download_template(
        &mut self,
        buffer: CharBuffer,
        template: &[u8],
    ) -> Result<(), R30xError> {
        self.execute(&DownChar { buffer })?;
        let size = self.system.packet_size().unwrap_or(128);
        let chunks: Vec<&[u8]> = template.chunks(size).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let pid = if i + 1 == chunks.len() {
                Pid::End
            } else {
                Pid::Data
            };
            let packet = Packet::new(self.config.address, pid, chunk.to_vec()).map_err(|e| {
                self.error(Cause::BadReply {
                    command: DownChar::NAME,
                    detail: e.to_string(),
                })
            })?;
            self.transport
                .write_all(&packet.to_bytes())
                .map_err(|e| self.error(Cause::Transport(e)))?;
        }
        self.transport
            .flush()
            .map_err(|e| self.error(Cause::Transport(e)))
    }

    /// Enrolls the finger on the sensor at library `page` from two impressions.
    pub fn enroll(&mut self, page: u16, options: &CaptureOptions) -> Result<(), R30xError> {
        self.wait_for_finger(options)?;
        self.image_to_features(CharBuffer::One)?;
        self.wait_for_lift(options)?;
        self.wait_for_finger(options)?;
        self.image_to_features(CharBuffer::Two)?;
        self.create_model()?;
        self.store(CharBuffer::One, page)
    }

    /// Captures a finger and searches the library for it.
    pub fn identify(&mut self, options: &CaptureOptions) -> Result<Option<SearchHit>, R30xError> {
        self.wait_for_finger(options)?;
        self.image_to_features(CharBuffer::One)?;
        self.search(CharBuffer::One)
    }
}

fn capabilities(image: ImageSize) -> FingerprintCapabilities {
    FingerprintCapabilities {
        // The R30x family datasheets state 500 dpi (R503: 508).
        ppi: 500,
        finger_image: image,
        slap_image: None,
        // A full image takes seconds at 57600 baud: too slow for live preview.
        preview: false,
        feedback: true,
    }
}

impl<T: Transport> FingerprintScanner for R30x<T> {
    type Error = R30xError;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capabilities(&self) -> &FingerprintCapabilities {
        &self.capabilities
    }

    fn capture_finger(
        &mut self,
        finger: Finger,
        options: &CaptureOptions,
    ) -> Result<FingerImage, R30xError> {
        self.wait_for_finger(options)?;
        let image = self.upload_image()?;
        Ok(FingerImage { finger, image })
    }

    fn set_feedback(&mut self, feedback: Feedback) -> Result<(), R30xError> {
        let (effect, colour, cycles) = match feedback {
            Feedback::Off => (LedEffect::Off, LedColour::Blue, 0),
            Feedback::Place => (LedEffect::Breathing, LedColour::Blue, 0),
            Feedback::Working => (LedEffect::On, LedColour::Purple, 0),
            Feedback::Accepted => (LedEffect::Flashing, LedColour::Blue, 3),
            Feedback::Rejected => (LedEffect::Flashing, LedColour::Red, 3),
        };
        let led = AuraLedConfig {
            effect,
            speed: 0x40,
            colour,
            cycles,
        };
        match self.set_led(led) {
            Err(e)
                if matches!(
                    e.cause,
                    Cause::Module {
                        code: Confirmation::Unsupported,
                        ..
                    }
                ) =>
            {
                Err(self.error(Cause::Unsupported("LED feedback")))
            }
            other => other,
        }
    }
}
