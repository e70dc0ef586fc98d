//! The card encoder as the device manager drives it: an object-safe [`EncoderDevice`], the
//! adapter from any [`CardEncoder`] driver ([`EncoderDriver`]), the simulated kit's encoder
//! ([`simulated_encoder`]), and slots over a simulator shared with the caller
//! ([`shared_sim_printer`], [`shared_sim_encoder`]) so tests and benches can inject faults while
//! the agent prints.
//!
//! Contract: the adapter only translates (driver errors to [`DeviceFailure`] with the driver's
//! [`rekam_drivers::ErrorKind`]). The encoder is an optional slot of the manager, beside the
//! printer.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use rekam_drivers::DeviceIdentity;
use rekam_drivers::encoder::{CardEncoder, ChipImage};
use rekam_drivers::printer::{CardPrinter, PrintJob, PrinterCapabilities, PrinterStatus};
use rekam_sim::devices::SimCardPrinter;
use rekam_sim::encoder::SimCardEncoder;

use super::{DeviceFailure, Identified, PrinterDevice, Slot, printer_slot};

/// A card encoder as the manager drives it.
pub trait EncoderDevice: Identified + Send {
    /// The most bytes a chip holds.
    fn capacity(&self) -> usize;
    /// Writes the chip of the card at the station.
    fn write(&mut self, chip: &ChipImage) -> Result<(), DeviceFailure>;
    /// Reads the chip of the card at the station.
    fn read(&mut self) -> Result<ChipImage, DeviceFailure>;
}

/// Any [`CardEncoder`] driver, adapted.
pub struct EncoderDriver<D>(pub D);

fn fail<E: rekam_drivers::Error>(id: &DeviceIdentity, e: &E) -> DeviceFailure {
    DeviceFailure::from_driver(&id.to_string(), e)
}

impl<D: CardEncoder> Identified for EncoderDriver<D> {
    fn identity(&self) -> DeviceIdentity {
        self.0.identity().clone()
    }
}

impl<D: CardEncoder + Send> EncoderDevice for EncoderDriver<D> {
    fn capacity(&self) -> usize {
        self.0.capacity()
    }
    fn write(&mut self, chip: &ChipImage) -> Result<(), DeviceFailure> {
        self.0.write(chip).map_err(|e| fail(self.0.identity(), &e))
    }
    fn read(&mut self) -> Result<ChipImage, DeviceFailure> {
        self.0.read().map_err(|e| fail(self.0.identity(), &e))
    }
}

/// An encoder slot, opened by `opener` on first use.
pub fn encoder_slot(
    opener: impl Fn() -> Result<Box<dyn EncoderDevice>, DeviceFailure> + Send + Sync + 'static,
) -> Slot<dyn EncoderDevice> {
    Slot::new("card encoder", Box::new(opener))
}

/// The simulated kit's encoder; with `chip_file` the chip of the card in the printer is kept in
/// that file, so it survives a crash of rekam like a real card left in the printer.
pub fn simulated_encoder(seed: u64, chip_file: Option<PathBuf>) -> Slot<dyn EncoderDevice> {
    encoder_slot(move || {
        let e = match &chip_file {
            Some(f) => SimCardEncoder::persistent(seed.wrapping_add(5), f).map_err(|e| {
                DeviceFailure::new(
                    "simulated card encoder",
                    rekam_drivers::ErrorKind::HardwareFault,
                    format!("cannot read its chip file {}: {e}", f.display()),
                )
            })?,
            None => SimCardEncoder::new(seed.wrapping_add(5)),
        };
        Ok(Box::new(EncoderDriver(e)) as Box<dyn EncoderDevice>)
    })
}

/// A simulator shared between a slot and its creator.
pub struct Shared<T>(pub Arc<Mutex<T>>);

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, T> {
        // A simulator holds plain state; a panic elsewhere leaves it usable.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Identified for Shared<SimCardPrinter> {
    fn identity(&self) -> DeviceIdentity {
        CardPrinter::identity(&*self.lock()).clone()
    }
}

impl PrinterDevice for Shared<SimCardPrinter> {
    fn capabilities(&self) -> PrinterCapabilities {
        CardPrinter::capabilities(&*self.lock()).clone()
    }
    fn status(&mut self) -> Result<PrinterStatus, DeviceFailure> {
        PrinterDevice::status(&mut *self.lock())
    }
    fn print(&mut self, job: &PrintJob) -> Result<(), DeviceFailure> {
        PrinterDevice::print(&mut *self.lock(), job)
    }
    fn cancel(&mut self) -> Result<(), DeviceFailure> {
        PrinterDevice::cancel(&mut *self.lock())
    }
    fn eject(&mut self) -> Result<(), DeviceFailure> {
        PrinterDevice::eject(&mut *self.lock())
    }
}

impl Identified for Shared<SimCardEncoder> {
    fn identity(&self) -> DeviceIdentity {
        CardEncoder::identity(&*self.lock()).clone()
    }
}

impl EncoderDevice for Shared<SimCardEncoder> {
    fn capacity(&self) -> usize {
        CardEncoder::capacity(&*self.lock())
    }
    fn write(&mut self, chip: &ChipImage) -> Result<(), DeviceFailure> {
        let mut e = self.lock();
        let id = CardEncoder::identity(&*e).clone();
        CardEncoder::write(&mut *e, chip).map_err(|err| fail(&id, &err))
    }
    fn read(&mut self) -> Result<ChipImage, DeviceFailure> {
        let mut e = self.lock();
        let id = CardEncoder::identity(&*e).clone();
        CardEncoder::read(&mut *e).map_err(|err| fail(&id, &err))
    }
}

/// A printer slot over `printer`, which the caller keeps a handle on (to jam it, open its cover).
pub fn shared_sim_printer(
    printer: SimCardPrinter,
) -> (Slot<dyn PrinterDevice>, Arc<Mutex<SimCardPrinter>>) {
    let handle = Arc::new(Mutex::new(printer));
    let h = handle.clone();
    let slot = printer_slot(move || Ok(Box::new(Shared(h.clone())) as Box<dyn PrinterDevice>));
    (slot, handle)
}

/// An encoder slot over `encoder`, which the caller keeps a handle on (to inject faults).
pub fn shared_sim_encoder(
    encoder: SimCardEncoder,
) -> (Slot<dyn EncoderDevice>, Arc<Mutex<SimCardEncoder>>) {
    let handle = Arc::new(Mutex::new(encoder));
    let h = handle.clone();
    let slot = encoder_slot(move || Ok(Box::new(Shared(h.clone())) as Box<dyn EncoderDevice>));
    (slot, handle)
}
