//! A simulated card printer, shaped after Evolis Primacy: a feeder of blank cards, a YMCKO ribbon
//! counted in prints, a cover, jams, and a fixed time per card; it keeps an image of every card
//! it finished, front and back.
//!
//! Contract: state moves with time only (a job finishes `job_time` after it was accepted), so
//! `status` observes and never changes anything; `print` checks readiness and the job, takes a
//! card and returns at once; `cancel` sends the card in progress to the reject tray; `eject`
//! clears a jam. Conditions that stop a job are reported both in `status` and as the error of
//! the call they stop.

use std::time::{Duration, Instant};

use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_drivers::printer::{
    CardPrinter, CardSide, PrintCounters, PrintJob, PrinterCapabilities, PrinterStatus, Ribbon,
};
use rekam_drivers::{DeviceIdentity, ErrorKind};

use super::error::DeviceError;
use super::sim_identity;

/// How the simulated printer starts out.
#[derive(Debug, Clone)]
pub struct PrinterConfig {
    /// Seed (names the printer; nothing in printing is random).
    pub seed: u64,
    /// Blank cards in the feeder.
    pub cards: u32,
    /// Prints left on the ribbon.
    pub ribbon: u32,
    /// At or below this many prints left the ribbon reports low.
    pub ribbon_low: u32,
    /// Time to print one card.
    pub job_time: Duration,
    /// Whether it prints both sides.
    pub duplex: bool,
    /// Panel size in dots at 300 dpi.
    pub panel: ImageSize,
}

impl PrinterConfig {
    /// A duplex Evolis-like printer: 100 cards, a 200-print ribbon (low at 20), 1016x648 panels,
    /// 20 seconds per card.
    pub fn evolis_like(seed: u64) -> Self {
        Self {
            seed,
            cards: 100,
            ribbon: 200,
            ribbon_low: 20,
            job_time: Duration::from_secs(20),
            duplex: true,
            panel: ImageSize {
                width: 1016,
                height: 648,
            },
        }
    }

    /// Small panels and a fast job, for tests.
    pub fn tiny(seed: u64) -> Self {
        Self {
            job_time: Duration::from_millis(20),
            panel: ImageSize {
                width: 64,
                height: 40,
            },
            ..Self::evolis_like(seed)
        }
    }
}

/// What one finished card looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedCard {
    /// The front, as printed.
    pub front: RgbImage,
    /// The back, when one was printed.
    pub back: Option<RgbImage>,
}

struct Running {
    /// `None`: a job time too long to represent, so it never finishes.
    done_at: Option<Instant>,
    job: PrintJob,
}

/// A simulated card printer.
pub struct SimCardPrinter {
    identity: DeviceIdentity,
    capabilities: PrinterCapabilities,
    job_time: Duration,
    ribbon_low: u32,
    cards: u32,
    ribbon: u32,
    cover_open: bool,
    jam: bool,
    jam_next: bool,
    error: Option<String>,
    running: Option<Running>,
    printed: Vec<PrintedCard>,
    rejected: u64,
}

impl SimCardPrinter {
    /// A printer, ready, as `config` describes.
    pub fn new(config: PrinterConfig) -> Self {
        Self {
            identity: sim_identity("card printer", config.seed),
            capabilities: PrinterCapabilities {
                dpi: 300,
                panel: config.panel,
                duplex: config.duplex,
            },
            job_time: config.job_time,
            ribbon_low: config.ribbon_low,
            cards: config.cards,
            ribbon: config.ribbon,
            cover_open: false,
            jam: false,
            jam_next: false,
            error: None,
            running: None,
            printed: Vec::new(),
            rejected: 0,
        }
    }

    /// Opens (`true`) or closes the cover, as an operator would.
    pub fn set_cover_open(&mut self, open: bool) {
        self.cover_open = open;
    }

    /// Adds blank cards to the feeder.
    pub fn load_cards(&mut self, cards: u32) {
        self.cards = self.cards.saturating_add(cards);
    }

    /// Fits a new ribbon with `prints` prints.
    pub fn replace_ribbon(&mut self, prints: u32) {
        self.ribbon = prints;
    }

    /// Makes the next card jam instead of coming out.
    pub fn jam_next_card(&mut self) {
        self.jam_next = true;
    }

    /// Raises (or clears) a fault in the printer's words, e.g. "ERROR MECA".
    pub fn set_error(&mut self, error: Option<String>) {
        self.error = error;
    }

    /// Every card finished so far, oldest first.
    pub fn printed(&mut self) -> &[PrintedCard] {
        self.advance();
        &self.printed
    }

    /// Cards sent to the reject tray (cancelled or pulled out after a jam).
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Sleeps until the running job, if any, is over (or `limit` passes); returns whether the
    /// printer is idle.
    pub fn wait_idle(&mut self, limit: Duration) -> bool {
        if let Some(running) = &self.running {
            let until = running
                .done_at
                .map_or(limit, |at| at.saturating_duration_since(Instant::now()));
            std::thread::sleep(until.min(limit));
        }
        self.advance();
        self.running.is_none()
    }

    fn error_of(&self, kind: ErrorKind, detail: impl Into<String>) -> DeviceError {
        DeviceError::new(&self.identity, kind, detail)
    }

    /// Finishes the running job if its time has come.
    fn advance(&mut self) {
        let Some(running) = self
            .running
            .take_if(|r| r.done_at.is_some_and(|at| at <= Instant::now()))
        else {
            return;
        };
        if self.jam_next {
            self.jam_next = false;
            self.jam = true;
            return;
        }
        let panel = self.capabilities.panel;
        self.printed.push(PrintedCard {
            front: render_side(panel, &running.job.front),
            back: running
                .job
                .back
                .as_ref()
                .map(|side| render_side(panel, side)),
        });
    }

    fn ribbon_state(&self) -> Ribbon {
        match self.ribbon {
            0 => Ribbon::Ended,
            n if n <= self.ribbon_low => Ribbon::Low,
            _ => Ribbon::Ok,
        }
    }

    fn current_status(&self, cards_printed: u64) -> PrinterStatus {
        PrinterStatus {
            busy: self.running.is_some(),
            cover_open: self.cover_open,
            feeder_empty: self.cards == 0,
            ribbon: self.ribbon_state(),
            jam: self.jam,
            error: self.error.clone(),
            counters: PrintCounters {
                cards_printed,
                ribbon_left: Some(self.ribbon),
                cards_in_feeder: Some(self.cards),
            },
        }
    }

    /// Why a job cannot start now, as the error the printer would answer.
    fn refusal(&self) -> Option<DeviceError> {
        let (kind, detail) = if self.running.is_some() {
            (ErrorKind::Busy, "a card is being printed".to_string())
        } else if self.jam {
            (
                ErrorKind::HardwareFault,
                "card jam (ERROR MECA)".to_string(),
            )
        } else if let Some(error) = &self.error {
            (ErrorKind::HardwareFault, error.clone())
        } else if self.cover_open {
            (ErrorKind::NotReady, "cover open".to_string())
        } else if self.cards == 0 {
            (
                ErrorKind::NotReady,
                "feeder empty (ERROR FEEDER)".to_string(),
            )
        } else if self.ribbon == 0 {
            (ErrorKind::NotReady, "ribbon ended".to_string())
        } else {
            return None;
        };
        Some(self.error_of(kind, detail))
    }

    /// Checks that every panel of `side` has the printer's panel size.
    fn check_side(&self, name: &str, side: &CardSide) -> Result<(), DeviceError> {
        let want = self.capabilities.panel;
        let sizes = [
            side.colour.as_ref().map(|c| (c.width(), c.height())),
            side.black
                .as_ref()
                .map(|p| (p.size().width, p.size().height)),
            side.overlay
                .as_ref()
                .map(|p| (p.size().width, p.size().height)),
        ];
        match sizes
            .into_iter()
            .flatten()
            .find(|&s| s != (want.width, want.height))
        {
            Some((w, h)) => Err(self.error_of(
                ErrorKind::ProtocolViolation,
                format!(
                    "{name} panel is {w}x{h}, the printer prints {}x{} (ERROR PARAMETRES)",
                    want.width, want.height
                ),
            )),
            None => Ok(()),
        }
    }
}

/// Renders one side as it comes out: white card, colour image, resin black on top; the clear
/// overlay changes nothing visible.
fn render_side(panel: ImageSize, side: &CardSide) -> RgbImage {
    let dots = panel.width as usize * panel.height as usize;
    let mut pixels = match &side.colour {
        Some(colour) if colour.pixels().len() == dots * 3 => colour.pixels().to_vec(),
        _ => vec![255u8; dots * 3],
    };
    if let Some(black) = side.black.as_ref().filter(|p| p.dots().len() == dots) {
        for (px, _) in pixels
            .chunks_exact_mut(3)
            .zip(black.dots())
            .filter(|(_, on)| **on)
        {
            px.fill(0);
        }
    }
    RgbImage::new(panel.width, panel.height, pixels).unwrap_or_else(|_| blank_dot())
}

/// A 1x1 white card, for a printer configured with a zero panel size (nothing to draw on).
fn blank_dot() -> RgbImage {
    match RgbImage::new(1, 1, vec![255; 3]) {
        Ok(image) => image,
        Err(_) => unreachable!("a 1x1 RGB image with three bytes is valid"),
    }
}

impl CardPrinter for SimCardPrinter {
    type Error = DeviceError;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capabilities(&self) -> &PrinterCapabilities {
        &self.capabilities
    }

    fn status(&mut self) -> Result<PrinterStatus, DeviceError> {
        self.advance();
        Ok(self.current_status(self.printed.len() as u64))
    }

    fn print(&mut self, job: &PrintJob) -> Result<(), DeviceError> {
        self.advance();
        if let Some(refusal) = self.refusal() {
            return Err(refusal);
        }
        if job.back.is_some() && !self.capabilities.duplex {
            return Err(rekam_drivers::fingerprint::unsupported(
                &self.identity,
                "duplex printing",
            ));
        }
        self.check_side("front", &job.front)?;
        if let Some(back) = &job.back {
            self.check_side("back", back)?;
        }
        self.cards -= 1;
        // A YMCKO ribbon advances one full panel set per printed side.
        let sides = 1 + u32::from(job.back.is_some());
        self.ribbon = self.ribbon.saturating_sub(sides);
        self.running = Some(Running {
            done_at: Instant::now().checked_add(self.job_time),
            job: job.clone(),
        });
        Ok(())
    }

    fn cancel(&mut self) -> Result<(), DeviceError> {
        self.advance();
        if self.running.take().is_some() {
            self.rejected += 1;
        }
        Ok(())
    }

    fn eject(&mut self) -> Result<(), DeviceError> {
        self.advance();
        if self.running.is_some() {
            return Err(self.error_of(ErrorKind::Busy, "cannot eject while printing"));
        }
        if self.cover_open {
            return Err(self.error_of(ErrorKind::NotReady, "cover open"));
        }
        if std::mem::take(&mut self.jam) {
            self.rejected += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekam_drivers::printer::MonoPanel;

    #[test]
    fn resin_black_prints_over_the_colour_image() {
        let panel = ImageSize {
            width: 2,
            height: 1,
        };
        let side = CardSide {
            colour: RgbImage::new(2, 1, vec![10, 20, 30, 40, 50, 60]).ok(),
            black: MonoPanel::new(panel, vec![false, true]).ok(),
            overlay: None,
        };
        let card = render_side(panel, &side);
        assert_eq!(card.pixels(), &[10, 20, 30, 0, 0, 0]);
    }
}
