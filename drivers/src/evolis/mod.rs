//! Evolis card printers (Primacy, Zenius, Dualys, Pebble): the `ESC command;p1;... CR` command
//! set of the programming guide A5013 Rev. E (public in the repository dpavlin/Printer-EVOLIS,
//! docs/), one type per command, reply framing, fault mapping, the job builder (a
//! [`PrintJob`](crate::printer::PrintJob) to `Db` panels) and a driver implementing
//! [`CardPrinter`](crate::printer::CardPrinter) over any byte [`Transport`](crate::Transport):
//! TCP, or USB printer-class bulk through [`UsbTransport`](crate::usb::UsbTransport).
//!
//! Contract: nothing a printer sends can make this code panic; a reply that is not what the
//! command allows is a `ProtocolViolation` naming the printer, and every fault the printer
//! reports (as `ERROR ...` text or as a NACK code) maps onto the shared [`ErrorKind`](crate::ErrorKind).
//!
//! Conventions the guide leaves open, chosen here and shared with the simulator in `rekam-sim`:
//! - A reply is printable ASCII ended by CR (Printer::EVOLIS::Parallel reads to a NUL, which is
//!   accepted too); in ACK/NACK mode (`Pem;4`) an accepted action is the single byte ACK (0x06)
//!   and a refused one NACK (0x15) followed by the guide's one-character code. Reads answer text
//!   in both modes.
//! - Pixel values are ink amounts (0 none), packed most significant bit first, as the PBM bitmaps
//!   of Printer::EVOLIS's evolis-driver.pl are.

mod command;
mod driver;
mod error;
pub mod frame;
pub mod job;
pub mod panel;
pub mod reply;
pub mod usb;

pub use command::{
    CardPresence, Command, Contrast, Counter, DownloadBitmap, DownloadCompressed, EjectCard,
    EndSequence, ReadCardPresence, ReadCounter, ReadFirmware, ReadLastAnswer, ReadModel,
    ReadRibbonMark, ReadRibbonType, ReadSensor, ReadSerial, ResetSoftware, ResponseError,
    RibbonMark, Sensor, SetAckNack, SetContrast, SetRibbon, SideBack, SideFront, StartSequence,
};
pub use driver::{Evolis, EvolisOptions};
pub use error::EvolisError;
pub use job::{ColourDepth, JobError, JobOptions, build_job};
pub use panel::{Levels, PANEL_HEIGHT, PANEL_WIDTH, Panel};
pub use reply::{Nack, PrinterFault, Reply, ReplyError};

/// Evolis' USB vendor id.
pub const EVOLIS_VID: u16 = 0x0F49;
