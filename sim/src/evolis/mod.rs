//! A byte-level Evolis card printer: it takes the command stream of the A5013 programming guide
//! (as rekam's driver or any other host writes it), answers as the printer does, keeps feeder,
//! ribbon, cover and fault state, and composites every card it prints from the downloaded panels.
//!
//! - [`SimEvolis`] is the sans-IO core: fed bytes, it answers bytes and hands back printed cards.
//! - [`server`] serves it over TCP (`rekam sim evolis`) and writes each card as
//!   `card-NNNN-front.png` / `card-NNNN-back.png`, atomically.
//!
//! Contract: nothing a host sends can make the simulator panic or grow without bound; a
//! malformed command is answered `ERROR CDE` (NACK 1) and skipped through its CR. A fault
//! refuses `Ss` and `Se` with the fault's error and drops the sequence under way, as a printer
//! abandons a card. Conventions the guide leaves open are the driver's (see
//! `rekam_drivers::evolis`): text replies end with CR; `Rse` reads 0-255 with 128 or more meaning
//! "interrupted"; `Rcr` answers `OK`, `RIBBON END` or `NO RIBBON`.
//!
//! Compositing: the card starts white; Y, M and C dye it subtractively (red = 255 - cyan, and so
//! on, each panel's levels scaled to 0-255); K prints black on top; the overlay is clear.

pub mod server;
pub mod usb;

use std::collections::BTreeMap;

use rekam_drivers::evolis::frame::{Frame, parse_frame};
use rekam_drivers::evolis::panel::{decompress_mono, panel_index, unpack};
use rekam_drivers::evolis::{Levels, PANEL_HEIGHT, PANEL_WIDTH, Panel, PrinterFault, Reply};
use rekam_drivers::image::{ImageError, RgbImage};

/// The largest input kept waiting for the rest of a command: one 128-level panel and its header.
const MAX_PENDING: usize = 600 * 1024;

/// What the printer holds and what is wrong with it; tests and `rekam sim evolis` change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvolisState {
    /// Model (`Rtp`).
    pub model: String,
    /// Serial number (`Rsn`).
    pub serial: String,
    /// Firmware (`Rfv`).
    pub firmware: String,
    /// Ribbon type set in memory (`Pr`, `Rr`).
    pub ribbon_type: String,
    /// Cards the fitted ribbon can still print; `None`: no ribbon.
    pub ribbon_left: Option<u32>,
    /// Blank cards in the feeder.
    pub cards_in_feeder: u32,
    /// The cover is open.
    pub cover_open: bool,
    /// The next this many cards jam.
    pub jam_next: u32,
    /// A card is stuck in the printer (until `Ser`).
    pub card_stuck: bool,
    /// The print head is too hot.
    pub head_hot: bool,
    /// A mechanical fault.
    pub mechanical: bool,
    /// Link faults: the printer stops answering (timeout).
    pub silent: bool,
    /// Link faults: the printer answers garbage.
    pub garbage: bool,
    /// Link faults: the printer is unplugged (connections are closed and refused).
    pub unplugged: bool,
    /// Cards inserted so far (`Rco;c`).
    pub cards_inserted: u32,
    /// Panels printed so far (`Rco;p`).
    pub panels_printed: u32,
}

impl Default for EvolisState {
    /// A ready Primacy with a 200-card YMCKO ribbon and 100 blank cards.
    fn default() -> Self {
        Self {
            model: "Evolis Primacy (simulated)".into(),
            serial: "SIM0000001".into(),
            firmware: "1.0.0-sim".into(),
            ribbon_type: "ymcko".into(),
            ribbon_left: Some(200),
            cards_in_feeder: 100,
            cover_open: false,
            jam_next: 0,
            card_stuck: false,
            head_hot: false,
            mechanical: false,
            silent: false,
            garbage: false,
            unplugged: false,
            cards_inserted: 0,
            panels_printed: 0,
        }
    }
}

impl EvolisState {
    /// The fault that stops a card from being printed now, if any.
    pub fn blocking_fault(&self) -> Option<PrinterFault> {
        if self.mechanical {
            Some(PrinterFault::Mechanical)
        } else if self.head_hot {
            Some(PrinterFault::HeadTemperature)
        } else if self.cover_open {
            Some(PrinterFault::CoverOpen)
        } else if self.card_stuck {
            Some(PrinterFault::Jam)
        } else if matches!(self.ribbon_left, None | Some(0)) {
            Some(PrinterFault::RibbonEnded)
        } else if self.cards_in_feeder == 0 {
            Some(PrinterFault::FeederEmpty)
        } else {
            None
        }
    }
}

/// A card the printer finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedCard {
    /// 1-based count of cards printed by this simulator.
    pub number: u32,
    /// The front as printed (1016 x 648, landscape).
    pub front: RgbImage,
    /// The back, when the job had one (`Sv`).
    pub back: Option<RgbImage>,
}

/// What one call to [`SimEvolis::feed`] produced.
#[derive(Debug, Default)]
pub struct Output {
    /// Bytes to send back.
    pub reply: Vec<u8>,
    /// Cards finished.
    pub printed: Vec<PrintedCard>,
    /// The link must be closed (unplugged).
    pub disconnect: bool,
}

#[derive(Debug, Default)]
struct Sequence {
    on_back: bool,
    back_started: bool,
    front: BTreeMap<Panel, (Levels, Vec<u8>)>,
    back: BTreeMap<Panel, (Levels, Vec<u8>)>,
}

/// The simulated printer.
#[derive(Debug)]
pub struct SimEvolis {
    /// Its state; change it to inject faults.
    pub state: EvolisState,
    rx: Vec<u8>,
    ack_nack: bool,
    sequence: Option<Sequence>,
    last_fault: Option<PrinterFault>,
    printed: u32,
}

enum Answer {
    /// An action done.
    Done,
    /// A value read.
    Value(String),
    /// Refused.
    Fault(PrinterFault),
}

impl SimEvolis {
    /// A printer in `state`, in text mode, with no sequence under way.
    pub fn new(state: EvolisState) -> Self {
        Self {
            state,
            rx: Vec::new(),
            ack_nack: false,
            sequence: None,
            last_fault: None,
            printed: 0,
        }
    }

    /// Forgets partial input (a new connection starts clean).
    pub fn reset_link(&mut self) {
        self.rx.clear();
    }

    /// Whether a sequence (`Ss` .. `Se`) is under way.
    pub fn in_sequence(&self) -> bool {
        self.sequence.is_some()
    }

    /// Takes `bytes` from the host and answers every command they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Output {
        let mut out = Output::default();
        if self.state.unplugged {
            self.rx.clear();
            out.disconnect = true;
            return out;
        }
        self.rx.extend_from_slice(bytes);
        loop {
            match parse_frame(&self.rx) {
                Ok(None) => {
                    if self.rx.len() > MAX_PENDING {
                        self.rx.clear();
                        self.answer(&mut out, Answer::Fault(PrinterFault::Command));
                    }
                    break;
                }
                Ok(Some((frame, used))) => {
                    self.rx.drain(..used);
                    let answer = self.execute(&frame, &mut out);
                    self.answer(&mut out, answer);
                    if frame.name == "Srs" {
                        // A reset is a restart: back to text replies, as at power-on.
                        self.ack_nack = false;
                    }
                }
                Err(e) => {
                    self.rx.drain(..e.skip.min(self.rx.len()));
                    self.answer(&mut out, Answer::Fault(PrinterFault::Command));
                }
            }
        }
        out
    }

    fn answer(&mut self, out: &mut Output, answer: Answer) {
        if self.state.silent {
            return;
        }
        if self.state.garbage {
            out.reply
                .extend_from_slice(&[0xFE, 0x80, b'#', 0x01, b'\r']);
            return;
        }
        let reply = match answer {
            Answer::Value(v) => Reply::Text(v),
            Answer::Done if self.ack_nack => Reply::Ack,
            Answer::Done => Reply::Text("OK".into()),
            Answer::Fault(f) if self.ack_nack => Reply::Nack(f.nack()),
            Answer::Fault(f) => Reply::Text(f.text()),
        };
        out.reply.extend(reply.to_bytes());
    }

    fn execute(&mut self, frame: &Frame, out: &mut Output) -> Answer {
        let s = &mut self.state;
        let param = |i: usize| frame.params.get(i).map(String::as_str);
        let reading = |on: bool| Answer::Value(if on { "200" } else { "20" }.into());
        match frame.name.as_str() {
            "Rtp" => Answer::Value(s.model.clone()),
            "Rsn" => Answer::Value(s.serial.clone()),
            "Rfv" => Answer::Value(s.firmware.clone()),
            "Rr" => Answer::Value(s.ribbon_type.clone()),
            "Rse" => match param(0) {
                Some("o") => reading(s.cover_open),
                Some("m") => reading(s.cards_in_feeder > 0),
                Some("p") => reading(s.card_stuck),
                Some("c" | "r") => Answer::Value("100".into()),
                _ => Answer::Fault(PrinterFault::Parameter),
            },
            "Rlr" => match param(0) {
                None => {
                    let standing = if s.mechanical {
                        Some(PrinterFault::Mechanical)
                    } else if s.head_hot {
                        Some(PrinterFault::HeadTemperature)
                    } else {
                        self.last_fault.clone()
                    };
                    Answer::Value(standing.map_or_else(|| "OK".into(), |f| f.text()))
                }
                Some("p") if s.card_stuck => Answer::Value("ERR CARD".into()),
                Some("p") if s.cards_in_feeder == 0 => Answer::Value("NO CARD".into()),
                Some("p" | "r") => Answer::Value("OK".into()),
                _ => Answer::Fault(PrinterFault::Parameter),
            },
            "Rcr" => Answer::Value(
                match s.ribbon_left {
                    None => "NO RIBBON",
                    Some(0) => "RIBBON END",
                    Some(_) => "OK",
                }
                .into(),
            ),
            "Rco" => match param(0) {
                Some("c") => Answer::Value(s.cards_inserted.to_string()),
                Some("p") => Answer::Value(s.panels_printed.to_string()),
                Some("l") => Answer::Value(s.ribbon_left.unwrap_or(0).to_string()),
                Some("a" | "m" | "n") => Answer::Value("0".into()),
                _ => Answer::Fault(PrinterFault::Parameter),
            },
            "Pr" => match param(0) {
                Some(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    s.ribbon_type = t.to_owned();
                    Answer::Done
                }
                _ => Answer::Fault(PrinterFault::Parameter),
            },
            "Pem" => {
                if param(0) == Some("4") {
                    // The switch answers in the new protocol.
                    self.ack_nack = true;
                }
                Answer::Done
            }
            // Settings the simulation does not model but a printer accepts.
            "Pc" | "Pl" | "Ps" | "Pmi" | "Pmk" | "Ppk" | "Pbm" | "Prm" => Answer::Done,
            "Ss" => match s.blocking_fault() {
                Some(f) => self.refuse(f),
                None => {
                    self.sequence = Some(Sequence::default());
                    Answer::Done
                }
            },
            "Sr" | "Sv" => match &mut self.sequence {
                Some(seq) => {
                    seq.on_back = frame.name == "Sv";
                    seq.back_started |= seq.on_back;
                    Answer::Done
                }
                None => Answer::Fault(PrinterFault::Command),
            },
            "Db" | "Dbc" => self.download(frame),
            "Se" => self.end_sequence(out),
            "Srs" => {
                // Answered in the protocol it arrived in; `feed` then returns to text mode.
                self.sequence = None;
                self.last_fault = None;
                Answer::Done
            }
            "Ser" => {
                s.card_stuck = false;
                self.sequence = None;
                if self.last_fault == Some(PrinterFault::Jam) {
                    self.last_fault = None;
                }
                Answer::Done
            }
            _ => Answer::Fault(PrinterFault::Command),
        }
    }

    fn refuse(&mut self, fault: PrinterFault) -> Answer {
        self.sequence = None;
        self.last_fault = Some(fault.clone());
        Answer::Fault(fault)
    }

    fn download(&mut self, frame: &Frame) -> Answer {
        let Some(seq) = &mut self.sequence else {
            return Answer::Fault(PrinterFault::Command);
        };
        // The frame parser checked panel, levels and length.
        let (Some(panel), Some(levels), Some(data)) = (
            frame.params.first().and_then(|p| Panel::from_letter(p)),
            frame
                .params
                .get(1)
                .and_then(|l| l.parse().ok())
                .and_then(Levels::from_count),
            frame.data.as_deref(),
        ) else {
            return Answer::Fault(PrinterFault::Parameter);
        };
        let values = if frame.name == "Db" {
            unpack(data, levels)
        } else if levels == Levels::Two {
            // Run-length YMC (guide section 4) is not simulated: its description is
            // contradictory (7 bits of "weight" yet bits 6 and 5 extend the counter).
            let first = frame.params.get(2).and_then(|f| f.parse::<usize>().ok());
            match first {
                Some(first) if first < PANEL_HEIGHT => {
                    decompress_mono(data, first).and_then(|p| unpack(&p, Levels::Two))
                }
                _ => return Answer::Fault(PrinterFault::Parameter),
            }
        } else {
            return Answer::Fault(PrinterFault::Parameter);
        };
        match values {
            Ok(values) => {
                let side = if seq.on_back {
                    &mut seq.back
                } else {
                    &mut seq.front
                };
                side.insert(panel, (levels, values));
                Answer::Done
            }
            Err(_) => Answer::Fault(PrinterFault::Parameter),
        }
    }

    fn end_sequence(&mut self, out: &mut Output) -> Answer {
        if self.sequence.is_none() {
            return Answer::Fault(PrinterFault::Command);
        }
        if let Some(f) = self.state.blocking_fault() {
            return self.refuse(f);
        }
        let Some(seq) = self.sequence.take() else {
            return Answer::Fault(PrinterFault::Command);
        };
        let s = &mut self.state;
        s.cards_in_feeder -= 1;
        s.cards_inserted += 1;
        if s.jam_next > 0 {
            s.jam_next -= 1;
            s.card_stuck = true;
            return self.refuse(PrinterFault::Jam);
        }
        s.ribbon_left = s.ribbon_left.map(|n| n.saturating_sub(1));
        let panels = seq.front.len() + seq.back.len();
        s.panels_printed += u32::try_from(panels).unwrap_or(0);
        self.printed += 1;
        self.last_fault = None;
        let front = composite(&seq.front);
        let back = seq.back_started.then(|| composite(&seq.back)).transpose();
        match (front, back) {
            (Ok(front), Ok(back)) => {
                out.printed.push(PrintedCard {
                    number: self.printed,
                    front,
                    back,
                });
                Answer::Done
            }
            // Panels are always the card's size; should that ever fail, the card is spoiled.
            _ => self.refuse(PrinterFault::Mechanical),
        }
    }
}

/// The landscape card image the panels of one side print.
pub fn composite(panels: &BTreeMap<Panel, (Levels, Vec<u8>)>) -> Result<RgbImage, ImageError> {
    let width = PANEL_HEIGHT;
    let height = PANEL_WIDTH;
    let amount = |panel: Panel| {
        panels.get(&panel).map(|(levels, values)| {
            let table: Vec<u8> = (0..=levels.max()).map(|l| levels.expand(l)).collect();
            (table, values)
        })
    };
    let y = amount(Panel::Yellow);
    let m = amount(Panel::Magenta);
    let c = amount(Panel::Cyan);
    let k = panels.get(&Panel::Black).map(|(_, v)| v);
    let dye = |p: &Option<(Vec<u8>, &Vec<u8>)>, i: usize| {
        p.as_ref().map_or(0, |(table, values)| {
            table[usize::from(values[i]).min(table.len() - 1)]
        })
    };
    let mut pixels = vec![255u8; width * height * 3];
    for yy in 0..height {
        for x in 0..width {
            let i = panel_index(x, yy);
            let o = (yy * width + x) * 3;
            if k.is_some_and(|k| k[i] != 0) {
                pixels[o..o + 3].fill(0);
                continue;
            }
            pixels[o] = 255 - dye(&c, i);
            pixels[o + 1] = 255 - dye(&m, i);
            pixels[o + 2] = 255 - dye(&y, i);
        }
    }
    RgbImage::new(width as u32, height as u32, pixels)
}
