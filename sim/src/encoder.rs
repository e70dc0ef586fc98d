//! A simulated card encoder: the chip of the card at the encoding station, written and read back,
//! with fault injection.
//!
//! Contract: `write` stores the bytes as the chip of the card at the station (and keeps a copy in
//! [`SimCardEncoder::written`]); `read` returns them unchanged unless a fault was injected:
//! [`SimCardEncoder::fail_next_write`] refuses the next write (`HardwareFault`, nothing stored),
//! [`SimCardEncoder::garble_next_read`] flips a bit in the next read (the read-back differs).
//! [`SimCardEncoder::next_card`] brings a new blank (an empty chip) to the station; with no card
//! present both calls fail `NotReady`. A persistent encoder ([`SimCardEncoder::persistent`])
//! keeps the chip in a file, written atomically, so the card left in the printer survives a crash
//! of the host the way a real one does, and a restarted rekam can read it back.

use std::path::{Path, PathBuf};

use rekam_drivers::encoder::{CardEncoder, ChipImage};
use rekam_drivers::{DeviceIdentity, ErrorKind};

use crate::devices::DeviceError;

/// The chip capacity of the simulated cards (an 80 KB-class ID chip).
pub const SIM_CHIP_BYTES: usize = 80 * 1024;

/// A simulated card encoder.
pub struct SimCardEncoder {
    identity: DeviceIdentity,
    chip: ChipImage,
    card_present: bool,
    written: Vec<ChipImage>,
    fail_write: Option<String>,
    garble_read: bool,
    file: Option<PathBuf>,
}

impl SimCardEncoder {
    /// An encoder with a blank card at the station, named from `seed`.
    pub fn new(seed: u64) -> Self {
        SimCardEncoder {
            identity: DeviceIdentity {
                vendor: "rekam-sim".into(),
                model: "simulated card encoder".into(),
                serial: Some(format!("SIM-{seed:016X}")),
                firmware: Some(env!("CARGO_PKG_VERSION").into()),
                location: "in-process".into(),
            },
            chip: ChipImage::default(),
            card_present: true,
            written: Vec::new(),
            fail_write: None,
            garble_read: false,
            file: None,
        }
    }

    /// An encoder whose card's chip lives in `file` (read now if it exists).
    pub fn persistent(seed: u64, file: &Path) -> std::io::Result<Self> {
        let mut e = Self::new(seed);
        match std::fs::read(file) {
            Ok(bytes) => e.chip = ChipImage(bytes),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        e.file = Some(file.to_path_buf());
        Ok(e)
    }

    /// Makes the next write fail with `reason` (nothing is stored).
    pub fn fail_next_write(&mut self, reason: &str) {
        self.fail_write = Some(reason.to_string());
    }

    /// Makes the next read return bytes that differ from the chip's.
    pub fn garble_next_read(&mut self) {
        self.garble_read = true;
    }

    /// Brings a new blank card (an empty chip) to the station.
    pub fn next_card(&mut self) -> Result<(), DeviceError> {
        self.store(ChipImage::default())?;
        self.card_present = true;
        Ok(())
    }

    /// Takes the card away (`false`) or puts one back.
    pub fn set_card_present(&mut self, present: bool) {
        self.card_present = present;
    }

    /// Every chip written so far, oldest first.
    pub fn written(&self) -> &[ChipImage] {
        &self.written
    }

    fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> DeviceError {
        DeviceError::new(&self.identity, kind, detail)
    }

    fn store(&mut self, chip: ChipImage) -> Result<(), DeviceError> {
        if let Some(file) = &self.file {
            let tmp = file.with_extension("tmp");
            std::fs::write(&tmp, &chip.0)
                .and_then(|()| std::fs::rename(&tmp, file))
                .map_err(|e| {
                    self.error(
                        ErrorKind::HardwareFault,
                        format!("cannot keep the chip in {}: {e}", file.display()),
                    )
                })?;
        }
        self.chip = chip;
        Ok(())
    }
}

impl CardEncoder for SimCardEncoder {
    type Error = DeviceError;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capacity(&self) -> usize {
        SIM_CHIP_BYTES
    }

    fn write(&mut self, chip: &ChipImage) -> Result<(), DeviceError> {
        if !self.card_present {
            return Err(self.error(ErrorKind::NotReady, "no card at the encoding station"));
        }
        if let Some(reason) = self.fail_write.take() {
            return Err(self.error(ErrorKind::HardwareFault, reason));
        }
        if chip.0.len() > SIM_CHIP_BYTES {
            return Err(self.error(
                ErrorKind::ProtocolViolation,
                format!(
                    "{} bytes do not fit the chip ({SIM_CHIP_BYTES} bytes)",
                    chip.0.len()
                ),
            ));
        }
        self.store(chip.clone())?;
        self.written.push(chip.clone());
        Ok(())
    }

    fn read(&mut self) -> Result<ChipImage, DeviceError> {
        if !self.card_present {
            return Err(self.error(ErrorKind::NotReady, "no card at the encoding station"));
        }
        let mut chip = self.chip.clone();
        if std::mem::take(&mut self.garble_read) {
            match chip.0.last_mut() {
                Some(b) => *b ^= 0x01,
                None => chip.0.push(0xFF),
            }
        }
        Ok(chip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back_until_a_new_card_comes() {
        let mut e = SimCardEncoder::new(1);
        assert!(e.read().expect("read").is_empty());
        e.write(&ChipImage(vec![1, 2, 3])).expect("write");
        assert_eq!(e.read().expect("read"), ChipImage(vec![1, 2, 3]));
        e.next_card().expect("next");
        assert!(e.read().expect("read").is_empty());
        assert_eq!(e.written().len(), 1);
    }

    #[test]
    fn injected_faults_fail_one_write_and_garble_one_read() {
        let mut e = SimCardEncoder::new(1);
        e.fail_next_write("chip does not answer");
        let err = e.write(&ChipImage(vec![1])).expect_err("fails");
        assert_eq!(err.kind, ErrorKind::HardwareFault);
        assert!(e.read().expect("read").is_empty(), "nothing was stored");
        e.write(&ChipImage(vec![1])).expect("write");
        e.garble_next_read();
        assert_ne!(e.read().expect("read"), ChipImage(vec![1]));
        assert_eq!(e.read().expect("read"), ChipImage(vec![1]));
        e.set_card_present(false);
        assert_eq!(e.read().expect_err("no card").kind, ErrorKind::NotReady);
    }

    #[test]
    fn a_persistent_chip_survives_the_encoder() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("chip");
        let mut e = SimCardEncoder::persistent(1, &file).expect("open");
        e.write(&ChipImage(vec![7, 7])).expect("write");
        drop(e);
        let mut again = SimCardEncoder::persistent(1, &file).expect("open");
        assert_eq!(again.read().expect("read"), ChipImage(vec![7, 7]));
    }
}
