//! The card printer as the device manager drives it: an object-safe [`PrinterDevice`], the
//! adapter from any [`CardPrinter`] driver ([`PrinterDriver`]), and the simulated printer of the
//! simulated kit ([`simulated_printer`]).
//!
//! Contract: the adapter only translates (driver errors to [`DeviceFailure`] with the driver's
//! [`rekam_drivers::ErrorKind`]); `status` never changes the printer's state; `print` returns
//! once the job is accepted. The printer is an optional slot of the manager: a workstation
//! without one has none, and nothing else depends on it.

use std::time::Duration;

use rekam_drivers::DeviceIdentity;
use rekam_drivers::printer::{CardPrinter, PrintJob, PrinterCapabilities, PrinterStatus};
use rekam_sim::devices::{PrinterConfig, SimCardPrinter};

use super::{DeviceFailure, Identified, Slot};

/// A card printer as the manager drives it.
pub trait PrinterDevice: Identified + Send {
    /// Resolution, panel size and duplex.
    fn capabilities(&self) -> PrinterCapabilities;
    /// The current status (sensors, ribbon, feeder, counters).
    fn status(&mut self) -> Result<PrinterStatus, DeviceFailure>;
    /// Submits one card; returns once the printer accepted the job.
    fn print(&mut self, job: &PrintJob) -> Result<(), DeviceFailure>;
    /// Aborts the running job.
    fn cancel(&mut self) -> Result<(), DeviceFailure>;
    /// Pushes out a card left in the printer.
    fn eject(&mut self) -> Result<(), DeviceFailure>;
}

/// Any [`CardPrinter`] driver, adapted. (A separate wrapper from [`super::Driver`], whose
/// blanket impls for the other classes would overlap with this one.)
pub struct PrinterDriver<D>(pub D);

fn fail<E: rekam_drivers::Error>(id: &DeviceIdentity, e: &E) -> DeviceFailure {
    DeviceFailure::from_driver(&id.to_string(), e)
}

impl<D: CardPrinter> Identified for PrinterDriver<D> {
    fn identity(&self) -> DeviceIdentity {
        self.0.identity().clone()
    }
}

impl<D: CardPrinter + Send> PrinterDevice for PrinterDriver<D> {
    fn capabilities(&self) -> PrinterCapabilities {
        self.0.capabilities().clone()
    }
    fn status(&mut self) -> Result<PrinterStatus, DeviceFailure> {
        self.0.status().map_err(|e| fail(self.0.identity(), &e))
    }
    fn print(&mut self, job: &PrintJob) -> Result<(), DeviceFailure> {
        self.0.print(job).map_err(|e| fail(self.0.identity(), &e))
    }
    fn cancel(&mut self) -> Result<(), DeviceFailure> {
        self.0.cancel().map_err(|e| fail(self.0.identity(), &e))
    }
    fn eject(&mut self) -> Result<(), DeviceFailure> {
        self.0.eject().map_err(|e| fail(self.0.identity(), &e))
    }
}

impl Identified for SimCardPrinter {
    fn identity(&self) -> DeviceIdentity {
        CardPrinter::identity(self).clone()
    }
}

impl PrinterDevice for SimCardPrinter {
    fn capabilities(&self) -> PrinterCapabilities {
        CardPrinter::capabilities(self).clone()
    }
    fn status(&mut self) -> Result<PrinterStatus, DeviceFailure> {
        CardPrinter::status(self).map_err(|e| fail(CardPrinter::identity(self), &e))
    }
    fn print(&mut self, job: &PrintJob) -> Result<(), DeviceFailure> {
        CardPrinter::print(self, job).map_err(|e| fail(CardPrinter::identity(self), &e))
    }
    fn cancel(&mut self) -> Result<(), DeviceFailure> {
        CardPrinter::cancel(self).map_err(|e| fail(CardPrinter::identity(self), &e))
    }
    fn eject(&mut self) -> Result<(), DeviceFailure> {
        CardPrinter::eject(self).map_err(|e| fail(CardPrinter::identity(self), &e))
    }
}

/// A printer slot over `printer`, opened by `opener` on first use.
pub fn printer_slot(
    opener: impl Fn() -> Result<Box<dyn PrinterDevice>, DeviceFailure> + Send + Sync + 'static,
) -> Slot<dyn PrinterDevice> {
    Slot::new("printer", Box::new(opener))
}

/// The simulated kit's card printer: an Evolis-like duplex printer with full-size panels, seeded
/// from the kit's `seed`. With `realtime` false a card takes 50 ms instead of the 20 s a real
/// printer needs, for demos and tests.
pub fn simulated_printer(seed: u64, realtime: bool) -> Slot<dyn PrinterDevice> {
    printer_slot(move || {
        let mut c = PrinterConfig::evolis_like(seed.wrapping_add(4));
        if !realtime {
            c.job_time = Duration::from_millis(50);
        }
        Ok(Box::new(SimCardPrinter::new(c)) as Box<dyn PrinterDevice>)
    })
}
