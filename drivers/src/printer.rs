//! The card printer device class, shaped after Evolis Primacy/Zenius: ID-1 cards printed from
//! YMC colour panels plus monochrome black (K) and overlay (O) panels, 1016x648 at 300 dpi.
//!
//! Contract: `status` never changes the printer's state; `print` returns once the job is accepted
//! (not printed); `cancel` aborts the current job; `eject` pushes out a card left in the printer.

use crate::error::Error;
use crate::identity::{DeviceIdentity, ImageSize};
use crate::image::{ImageError, RgbImage};

/// Ribbon supply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ribbon {
    /// Enough left.
    Ok,
    /// Nearly used up; order more.
    Low,
    /// Used up; printing stops.
    Ended,
    /// No ribbon, or one the printer does not accept.
    Missing,
}

/// Counters the printer keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrintCounters {
    /// Cards printed over the printer's life.
    pub cards_printed: u64,
    /// Ribbon panels (or prints) left, when the ribbon reports it.
    pub ribbon_left: Option<u32>,
    /// Blank cards in the feeder, when the printer can tell.
    pub cards_in_feeder: Option<u32>,
}

/// Everything `status` reports. Several conditions can hold at once (cover open and feeder empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterStatus {
    /// A job is running.
    pub busy: bool,
    /// The cover is open.
    pub cover_open: bool,
    /// No blank cards.
    pub feeder_empty: bool,
    /// Ribbon supply.
    pub ribbon: Ribbon,
    /// A card is jammed.
    pub jam: bool,
    /// Any other fault, in the printer's words (e.g. Evolis "ERROR MECA").
    pub error: Option<String>,
    /// Counters.
    pub counters: PrintCounters,
}

impl PrinterStatus {
    /// Whether a job can start now.
    pub fn is_ready(&self) -> bool {
        !self.busy
            && !self.cover_open
            && !self.feeder_empty
            && !self.jam
            && self.error.is_none()
            && matches!(self.ribbon, Ribbon::Ok | Ribbon::Low)
    }
}

/// A 1-bit panel (black text or overlay), one `bool` per pixel, `true` = print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonoPanel {
    size: ImageSize,
    dots: Vec<bool>,
}

impl MonoPanel {
    /// Wraps `dots` (row-major, `width * height`).
    pub fn new(size: ImageSize, dots: Vec<bool>) -> Result<Self, ImageError> {
        let expected = size.width as usize * size.height as usize;
        if dots.len() != expected {
            return Err(ImageError::WrongLength {
                width: size.width,
                height: size.height,
                expected,
                actual: dots.len(),
            });
        }
        Ok(Self { size, dots })
    }

    /// Panel size.
    pub fn size(&self) -> ImageSize {
        self.size
    }

    /// The dots, row-major.
    pub fn dots(&self) -> &[bool] {
        &self.dots
    }
}

/// What goes on one side of a card; any panel may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardSide {
    /// Colour image, printed with the YMC panels.
    pub colour: Option<RgbImage>,
    /// Resin black (text, barcodes).
    pub black: Option<MonoPanel>,
    /// Protective overlay.
    pub overlay: Option<MonoPanel>,
}

/// One card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrintJob {
    /// Front side.
    pub front: CardSide,
    /// Back side, for duplex printers.
    pub back: Option<CardSide>,
}

/// What a printer can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterCapabilities {
    /// Print resolution in dots per inch.
    pub dpi: u32,
    /// Panel size in dots (Evolis: 1016x648 at 300 dpi).
    pub panel: ImageSize,
    /// Whether it prints both sides.
    pub duplex: bool,
}

/// A card printer.
pub trait CardPrinter {
    /// The driver's error.
    type Error: Error;

    /// Who the printer is.
    fn identity(&self) -> &DeviceIdentity;

    /// What it can do.
    fn capabilities(&self) -> &PrinterCapabilities;

    /// Reads the current status.
    fn status(&mut self) -> Result<PrinterStatus, Self::Error>;

    /// Submits one card.
    fn print(&mut self, job: &PrintJob) -> Result<(), Self::Error>;

    /// Aborts the running job.
    fn cancel(&mut self) -> Result<(), Self::Error>;

    /// Ejects a card left in the printer.
    fn eject(&mut self) -> Result<(), Self::Error>;
}

impl<P: CardPrinter + ?Sized> CardPrinter for Box<P> {
    type Error = P::Error;

    fn identity(&self) -> &DeviceIdentity {
        (**self).identity()
    }

    fn capabilities(&self) -> &PrinterCapabilities {
        (**self).capabilities()
    }

    fn status(&mut self) -> Result<PrinterStatus, Self::Error> {
        (**self).status()
    }

    fn print(&mut self, job: &PrintJob) -> Result<(), Self::Error> {
        (**self).print(job)
    }

    fn cancel(&mut self) -> Result<(), Self::Error> {
        (**self).cancel()
    }

    fn eject(&mut self) -> Result<(), Self::Error> {
        (**self).eject()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> PrinterStatus {
        PrinterStatus {
            busy: false,
            cover_open: false,
            feeder_empty: false,
            ribbon: Ribbon::Low,
            jam: false,
            error: None,
            counters: PrintCounters::default(),
        }
    }

    #[test]
    fn a_low_ribbon_still_prints_but_an_ended_one_does_not() {
        assert!(status().is_ready());
        let ended = PrinterStatus {
            ribbon: Ribbon::Ended,
            ..status()
        };
        assert!(!ended.is_ready());
    }

    #[test]
    fn an_open_cover_blocks_printing() {
        let open = PrinterStatus {
            cover_open: true,
            ..status()
        };
        assert!(!open.is_ready());
    }
}
