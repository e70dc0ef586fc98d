//! The driver: [`Evolis`] over any byte [`Transport`] implements [`CardPrinter`].
//!
//! Contract: one command in flight at a time, each answered by one reply read within its
//! timeout (`Se`, which prints the card, has the longer print timeout); input left over from an
//! earlier exchange is discarded before each command, so a late or garbled reply never answers
//! the next one. Writes go out in pieces of at most [`WRITE_CHUNK`] bytes (one USB bulk transfer
//! each, small enough for a usbmon capture to hold whole).

use std::time::{Duration, Instant};

use super::command::{
    CardPresence, Command, Counter, EjectCard, ReadCardPresence, ReadCounter, ReadFirmware,
    ReadLastAnswer, ReadModel, ReadRibbonMark, ReadRibbonType, ReadSensor, ReadSerial,
    ResetSoftware, ResponseError, RibbonMark, Sensor, SetAckNack, action,
};
use super::error::EvolisError;
use super::job::{CARD_HEIGHT, CARD_WIDTH, ColourDepth, JobOptions, Step, build_job};
use super::reply::{PrinterFault, Reply};
use crate::identity::{DeviceIdentity, ImageSize};
use crate::printer::{
    CardPrinter, PrintCounters, PrintJob, PrinterCapabilities, PrinterStatus, Ribbon,
};
use crate::transport::{Transport, TransportError};

/// Largest single write.
pub const WRITE_CHUNK: usize = 16 * 1024;
/// Below this many cards left, the ribbon reads as low.
pub const RIBBON_LOW: u32 = 20;

/// How the driver talks to the printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvolisOptions {
    /// Longest wait for a reply to an ordinary command.
    pub timeout: Duration,
    /// Longest wait for `Se` (the card is printed before the reply).
    pub print_timeout: Duration,
    /// Level count of colour panels.
    pub depth: ColourDepth,
    /// Whether the printer prints both sides.
    pub duplex: bool,
    /// Switch the printer to ACK/NACK replies (`Pem;4`) when opening.
    pub ack_nack: bool,
    /// Send K and O panels run-length encoded (`Dbc`); plain `Db` by default, as in the guide's
    /// example.
    pub compress_mono: bool,
}

impl Default for EvolisOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(2),
            print_timeout: Duration::from_secs(60),
            depth: ColourDepth::L32,
            duplex: true,
            ack_nack: false,
            compress_mono: false,
        }
    }
}

/// An Evolis printer on transport `T`.
pub struct Evolis<T> {
    transport: T,
    identity: DeviceIdentity,
    capabilities: PrinterCapabilities,
    options: EvolisOptions,
    ribbon: String,
    rx: Vec<u8>,
}

impl<T: Transport> Evolis<T> {
    /// Opens the printer: switches to ACK/NACK if asked, then reads model, serial, firmware and
    /// ribbon type.
    pub fn open(transport: T, options: EvolisOptions) -> Result<Self, EvolisError> {
        let location = transport.name().to_owned();
        let mut printer = Self {
            transport,
            identity: DeviceIdentity {
                vendor: "Evolis".into(),
                model: String::new(),
                serial: None,
                firmware: None,
                location,
            },
            capabilities: PrinterCapabilities {
                dpi: 300,
                panel: ImageSize {
                    width: CARD_WIDTH,
                    height: CARD_HEIGHT,
                },
                duplex: options.duplex,
            },
            options,
            ribbon: String::new(),
            rx: Vec::new(),
        };
        if printer.options.ack_nack {
            printer.execute(&SetAckNack)?;
        }
        printer.identity.model = printer.execute(&ReadModel)?;
        printer.identity.serial = Some(printer.execute(&ReadSerial)?);
        printer.identity.firmware = Some(printer.execute(&ReadFirmware)?);
        printer.ribbon = printer.execute(&ReadRibbonType)?;
        Ok(printer)
    }

    /// The ribbon type read when opening (e.g. `ymcko`).
    pub fn ribbon_type(&self) -> &str {
        &self.ribbon
    }

    /// The transport, e.g. to finish a recording.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Sends `command` and reads its reply.
    pub fn execute<C: Command>(&mut self, command: &C) -> Result<C::Output, EvolisError> {
        let header = command.header();
        let reply = self.exchange(&header, &command.to_bytes(), self.options.timeout)?;
        command
            .parse_response(&reply)
            .map_err(|e| self.response_error(&header, e))
    }

    fn send_step(&mut self, step: &Step) -> Result<(), EvolisError> {
        let timeout = if step.header == "Se" {
            self.options.print_timeout
        } else {
            self.options.timeout
        };
        let reply = self.exchange(&step.header, &step.bytes, timeout)?;
        action(&reply).map_err(|e| self.response_error(&step.header, e))
    }

    fn response_error(&self, command: &str, error: ResponseError) -> EvolisError {
        let printer = self.transport.name().to_owned();
        let command = command.to_owned();
        match error {
            ResponseError::Fault(fault) => EvolisError::Printer {
                printer,
                command,
                fault,
            },
            ResponseError::Unexpected(detail) => EvolisError::Protocol {
                printer,
                command,
                detail,
            },
        }
    }

    fn exchange(
        &mut self,
        header: &str,
        bytes: &[u8],
        timeout: Duration,
    ) -> Result<Reply, EvolisError> {
        self.rx.clear();
        self.transport.clear_input()?;
        for chunk in bytes.chunks(WRITE_CHUNK) {
            self.transport.write_all(chunk)?;
        }
        self.transport.flush()?;
        self.read_reply(header, timeout)
    }

    fn read_reply(&mut self, header: &str, timeout: Duration) -> Result<Reply, EvolisError> {
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; 256];
        loop {
            match Reply::parse(&self.rx) {
                Ok(Some((reply, used))) => {
                    self.rx.drain(..used);
                    return Ok(reply);
                }
                Ok(None) => {}
                Err(e) => {
                    self.rx.clear();
                    // Best effort: the error says what went wrong whether or not this works.
                    let _ = self.transport.clear_input();
                    return Err(EvolisError::Protocol {
                        printer: self.transport.name().to_owned(),
                        command: header.to_owned(),
                        detail: e.to_string(),
                    });
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(EvolisError::Transport(TransportError::Timeout {
                    endpoint: self.transport.name().to_owned(),
                    timeout,
                }));
            }
            let n = self.transport.read(&mut buf, left)?;
            self.rx.extend_from_slice(&buf[..n]);
        }
    }
}

impl<T: Transport> CardPrinter for Evolis<T> {
    type Error = EvolisError;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capabilities(&self) -> &PrinterCapabilities {
        &self.capabilities
    }

    fn status(&mut self) -> Result<PrinterStatus, EvolisError> {
        // First, while the last answer is still the last job's.
        let last = self.execute(&ReadLastAnswer)?;
        let cover_open = self.execute(&ReadSensor(Sensor::Cover))? >= ReadSensor::THRESHOLD;
        let card_waiting = self.execute(&ReadSensor(Sensor::Feeder))? >= ReadSensor::THRESHOLD;
        let presence = self.execute(&ReadCardPresence)?;
        let mark = self.execute(&ReadRibbonMark)?;
        let left = match mark {
            RibbonMark::Missing => None,
            _ => Some(self.execute(&ReadCounter(Counter::RibbonLeft))?),
        };
        let cards = self.execute(&ReadCounter(Counter::Cards))?;
        let ribbon = match (mark, left) {
            (RibbonMark::Missing, _) => Ribbon::Missing,
            (RibbonMark::End, _) | (_, Some(0)) => Ribbon::Ended,
            (_, Some(n)) if n < RIBBON_LOW => Ribbon::Low,
            _ => Ribbon::Ok,
        };
        let mut status = PrinterStatus {
            busy: false,
            cover_open,
            feeder_empty: !card_waiting || presence == CardPresence::NoCard,
            ribbon,
            jam: presence == CardPresence::ErrCard,
            error: None,
            counters: PrintCounters {
                cards_printed: u64::from(cards),
                ribbon_left: left,
                cards_in_feeder: None,
            },
        };
        match last {
            Some(PrinterFault::HeadTemperature) => status.busy = true,
            Some(PrinterFault::Jam) => status.jam = true,
            Some(
                fault @ (PrinterFault::Mechanical
                | PrinterFault::MechanicalTimeout
                | PrinterFault::Magnetic
                | PrinterFault::Other(_)),
            ) => status.error = Some(fault.text()),
            // Conditions the sensors above report, or a refused command of the host's.
            _ => {}
        }
        Ok(status)
    }

    fn print(&mut self, job: &PrintJob) -> Result<(), EvolisError> {
        let options = JobOptions {
            depth: self.options.depth,
            duplex: self.options.duplex,
            compress_mono: self.options.compress_mono,
        };
        let steps = build_job(job, &self.ribbon, options).map_err(|source| EvolisError::Job {
            printer: self.transport.name().to_owned(),
            source,
        })?;
        for step in &steps {
            self.send_step(step)?;
        }
        Ok(())
    }

    fn cancel(&mut self) -> Result<(), EvolisError> {
        self.execute(&ResetSoftware)?;
        // A reset is a restart: the printer is back in text mode.
        if self.options.ack_nack {
            self.execute(&SetAckNack)?;
        }
        Ok(())
    }

    fn eject(&mut self) -> Result<(), EvolisError> {
        self.execute(&EjectCard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};
    use std::collections::VecDeque;

    /// Answers each command (one write sequence ending in CR) with the next scripted reply.
    struct Script {
        replies: VecDeque<Vec<u8>>,
        written: Vec<u8>,
        pending: VecDeque<u8>,
    }

    impl Script {
        fn new(replies: &[&[u8]]) -> Self {
            Self {
                replies: replies.iter().map(|r| r.to_vec()).collect(),
                written: Vec::new(),
                pending: VecDeque::new(),
            }
        }
    }

    impl Transport for Script {
        fn name(&self) -> &str {
            "script"
        }
        fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
            if self.pending.is_empty() {
                return Err(TransportError::Timeout {
                    endpoint: "script".into(),
                    timeout,
                });
            }
            let n = buf.len().min(self.pending.len());
            for (slot, b) in buf.iter_mut().zip(self.pending.drain(..n)) {
                *slot = b;
            }
            Ok(n)
        }
        fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
            self.written.extend_from_slice(bytes);
            Ok(())
        }
        fn flush(&mut self) -> Result<(), TransportError> {
            if let Some(r) = self.replies.pop_front() {
                self.pending.extend(r);
            }
            Ok(())
        }
        fn clear_input(&mut self) -> Result<(), TransportError> {
            self.pending.clear();
            Ok(())
        }
    }

    const OPEN: [&[u8]; 4] = [b"Primacy\r", b"A1234\r", b"1.2.3\r", b"ymcko\r"];

    fn options() -> EvolisOptions {
        EvolisOptions {
            timeout: Duration::from_millis(50),
            ..EvolisOptions::default()
        }
    }

    #[test]
    fn opening_reads_model_serial_firmware_and_ribbon() {
        let p = Evolis::open(Script::new(&OPEN), options()).unwrap();
        assert_eq!(p.identity().model, "Primacy");
        assert_eq!(p.identity().serial.as_deref(), Some("A1234"));
        assert_eq!(p.ribbon_type(), "ymcko");
        assert_eq!(
            p.into_transport().written,
            b"\x1bRtp\r\x1bRsn\r\x1bRfv\r\x1bRr\r"
        );
    }

    #[test]
    fn status_reads_sensors_presence_ribbon_and_counters() {
        let mut replies = OPEN.to_vec();
        replies.extend([
            &b"ERROR MECA\r"[..],
            b"200\r",
            b"20\r",
            b"OK\r",
            b"OK\r",
            b"5\r",
            b"1234\r",
        ]);
        let mut p = Evolis::open(Script::new(&replies), options()).unwrap();
        let s = p.status().unwrap();
        assert!(s.cover_open);
        assert!(s.feeder_empty);
        assert_eq!(s.ribbon, Ribbon::Low);
        assert_eq!(s.error.as_deref(), Some("ERROR MECA"));
        assert_eq!(s.counters.cards_printed, 1234);
        assert_eq!(s.counters.ribbon_left, Some(5));
    }

    #[test]
    fn a_refused_start_is_the_printers_fault_with_its_kind() {
        let mut replies = OPEN.to_vec();
        replies.extend([&b"OK\r"[..], b"ERROR COVER OPEN\r"]);
        let mut p = Evolis::open(Script::new(&replies), options()).unwrap();
        let err = p.print(&PrintJob::default()).unwrap_err();
        assert_eq!(err.fault(), Some(&PrinterFault::CoverOpen));
        assert_eq!(err.kind(), ErrorKind::NotReady);
        assert!(err.to_string().contains("script"), "{err}");
    }

    #[test]
    fn garbage_is_a_protocol_violation_and_silence_a_timeout() {
        let mut replies = OPEN.to_vec();
        replies.push(b"\xfe\xff\r");
        let mut p = Evolis::open(Script::new(&replies), options()).unwrap();
        assert_eq!(p.eject().unwrap_err().kind(), ErrorKind::ProtocolViolation);
        assert_eq!(p.eject().unwrap_err().kind(), ErrorKind::Timeout);
    }

    #[test]
    fn in_ack_nack_mode_a_nack_code_maps_and_cancel_restores_the_mode() {
        let mut replies = vec![&b"\x06"[..]];
        replies.extend(OPEN);
        replies.extend([&b"\x15F"[..], b"\x06", b"\x06"]);
        let mut p = Evolis::open(
            Script::new(&replies),
            EvolisOptions {
                ack_nack: true,
                ..options()
            },
        )
        .unwrap();
        let err = p.eject().unwrap_err();
        assert_eq!(err.fault(), Some(&PrinterFault::FeederEmpty));
        p.cancel().unwrap();
        let written = p.into_transport().written;
        assert!(written.ends_with(b"\x1bSer\r\x1bSrs\r\x1bPem;4\r"));
    }
}
