//! One type per command, in the probe-rs style: each knows its bytes (`ESC name;params CR`,
//! guide section 3) and how to read its reply.
//!
//! Contract: `to_bytes` is exactly what goes on the wire; `parse_response` accepts only the
//! replies the command allows and turns a NACK or an `ERROR ...` text into the fault it reports.

use super::panel::{Levels, Panel};
use super::reply::{PrinterFault, Reply};

/// Start character.
pub const ESC: u8 = 0x1B;
/// Stop character.
pub const CR: u8 = b'\r';

/// Why a reply does not answer a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseError {
    /// The printer reported a fault.
    Fault(PrinterFault),
    /// The reply is not one the command allows.
    Unexpected(String),
}

fn unexpected(reply: &Reply, wanted: &str) -> ResponseError {
    let got = match reply {
        Reply::Ack => "ACK".to_owned(),
        Reply::Nack(n) => format!("NACK {}", char::from(n.code())),
        Reply::Text(t) => format!("{t:?}"),
    };
    ResponseError::Unexpected(format!("expected {wanted}, got {got}"))
}

/// A printer command.
pub trait Command {
    /// What a successful reply gives.
    type Output;

    /// The command's name and parameters as they appear between ESC and CR (data excluded), for
    /// messages and logs.
    fn header(&self) -> String;

    /// Appends the command's bytes to `out`.
    fn write(&self, out: &mut Vec<u8>) {
        out.push(ESC);
        out.extend_from_slice(self.header().as_bytes());
        out.push(CR);
    }

    /// The command's bytes.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    /// Reads the printer's reply.
    fn parse_response(&self, reply: &Reply) -> Result<Self::Output, ResponseError>;
}

/// An action: `OK` (text mode) or ACK (ACK/NACK mode), or a fault.
pub(crate) fn action(reply: &Reply) -> Result<(), ResponseError> {
    if let Some(fault) = reply.fault() {
        return Err(ResponseError::Fault(fault));
    }
    match reply {
        Reply::Ack => Ok(()),
        Reply::Text(t) if t == "OK" => Ok(()),
        other => Err(unexpected(other, "OK or ACK")),
    }
}

/// A read: a non-empty text value, or a fault.
fn value(reply: &Reply) -> Result<String, ResponseError> {
    if let Some(fault) = reply.fault() {
        return Err(ResponseError::Fault(fault));
    }
    match reply {
        Reply::Text(t) if !t.trim().is_empty() => Ok(t.trim().to_owned()),
        other => Err(unexpected(other, "a value")),
    }
}

fn number(reply: &Reply) -> Result<u32, ResponseError> {
    let text = value(reply)?;
    text.parse()
        .map_err(|_| unexpected(reply, "a decimal number"))
}

macro_rules! simple_action {
    ($(#[$doc:meta])* $name:ident, $text:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;

        impl Command for $name {
            type Output = ();
            fn header(&self) -> String {
                $text.to_owned()
            }
            fn parse_response(&self, reply: &Reply) -> Result<(), ResponseError> {
                action(reply)
            }
        }
    };
}

macro_rules! simple_read {
    ($(#[$doc:meta])* $name:ident, $text:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;

        impl Command for $name {
            type Output = String;
            fn header(&self) -> String {
                $text.to_owned()
            }
            fn parse_response(&self, reply: &Reply) -> Result<String, ResponseError> {
                value(reply)
            }
        }
    };
}

simple_action!(
    /// `Ss`: starts a sequence (one card).
    StartSequence, "Ss");
simple_action!(
    /// `Sr`: following downloads are for the front (recto).
    SideFront, "Sr");
simple_action!(
    /// `Sv`: following downloads are for the back (verso).
    SideBack, "Sv");
simple_action!(
    /// `Se`: ends the sequence; the card is printed and ejected.
    EndSequence, "Se");
simple_action!(
    /// `Srs`: resets the printer as at power-on. A5013 has no cancel command; a reset drops the
    /// sequence under way and its downloaded panels, which is what cancelling a job needs.
    ResetSoftware, "Srs");
simple_action!(
    /// `Ser`: ejects the card in the printer into the reject box (used to clear a card left
    /// behind by a jam or a cancelled job).
    EjectCard, "Ser");
simple_action!(
    /// `Pem;4`: switches to the ACK/NACK protocol, keeping the error management mode.
    SetAckNack, "Pem;4");
simple_read!(
    /// `Rtp`: the printer model.
    ReadModel, "Rtp");
simple_read!(
    /// `Rsn`: the serial number.
    ReadSerial, "Rsn");
simple_read!(
    /// `Rfv`: the firmware version.
    ReadFirmware, "Rfv");
simple_read!(
    /// `Rr`: the ribbon type set in the printer (e.g. `ymcko`).
    ReadRibbonType, "Rr");

/// `Pr;type`: sets the ribbon type (`ymcko`, `kb`, `ko`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetRibbon(pub String);

impl Command for SetRibbon {
    type Output = ();
    fn header(&self) -> String {
        format!("Pr;{}", self.0)
    }
    fn parse_response(&self, reply: &Reply) -> Result<(), ResponseError> {
        action(reply)
    }
}

/// How `Pc` changes a contrast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contrast {
    /// `+`: one step up.
    Up,
    /// `-`: one step down.
    Down,
    /// `=;n`: set to n (default 10).
    Set(u8),
}

/// `Pc;panel;op[;value]`: panel contrast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetContrast {
    /// Which panel.
    pub panel: Panel,
    /// The change.
    pub contrast: Contrast,
}

impl Command for SetContrast {
    type Output = ();
    fn header(&self) -> String {
        match self.contrast {
            Contrast::Up => format!("Pc;{};+", self.panel),
            Contrast::Down => format!("Pc;{};-", self.panel),
            Contrast::Set(v) => format!("Pc;{};=;{v}", self.panel),
        }
    }
    fn parse_response(&self, reply: &Reply) -> Result<(), ResponseError> {
        action(reply)
    }
}

/// `Db;panel;levels;data`: downloads one whole panel of the current side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadBitmap {
    /// Which panel.
    pub panel: Panel,
    /// Level count of `data`.
    pub levels: Levels,
    /// Packed pixels, exactly `levels.panel_bytes()`.
    pub data: Vec<u8>,
}

impl Command for DownloadBitmap {
    type Output = ();
    fn header(&self) -> String {
        format!("Db;{};{}", self.panel, self.levels)
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.reserve(self.data.len() + 12);
        out.push(ESC);
        out.extend_from_slice(self.header().as_bytes());
        out.push(b';');
        out.extend_from_slice(&self.data);
        out.push(CR);
    }
    fn parse_response(&self, reply: &Reply) -> Result<(), ResponseError> {
        action(reply)
    }
}

/// `Dbc;panel;levels;first_line;length;data`: a run-length panel (K and O; guide section 4).
///
/// The guide gives three forms: section 4 `Dbc;panel;resol;nb_car;data`, section 8
/// `Dbc;p1;p2;p3;p4` with p3 the first line and p4 the length, and evolis-simulator.pl reads
/// `Dbc;panel;line;length` with no level count. We send section 8's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadCompressed {
    /// Which panel (K or O).
    pub panel: Panel,
    /// Level count (2).
    pub levels: Levels,
    /// First panel row the data fills.
    pub first_line: u16,
    /// Run-length data.
    pub data: Vec<u8>,
}

impl Command for DownloadCompressed {
    type Output = ();
    fn header(&self) -> String {
        format!(
            "Dbc;{};{};{};{}",
            self.panel,
            self.levels,
            self.first_line,
            self.data.len()
        )
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.push(ESC);
        out.extend_from_slice(self.header().as_bytes());
        out.push(b';');
        out.extend_from_slice(&self.data);
        out.push(CR);
    }
    fn parse_response(&self, reply: &Reply) -> Result<(), ResponseError> {
        action(reply)
    }
}

/// A sensor `Rse` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensor {
    /// `o`: cover opening.
    Cover,
    /// `m`: feeder stop (first fork sensor): a card waiting in the feeder.
    Feeder,
    /// `p`: card presence in the print module (second fork sensor).
    CardPresence,
    /// `c`: colour sensor (ribbon panel marks).
    Colour,
}

impl Sensor {
    /// The letter of the parameter.
    pub fn letter(self) -> char {
        match self {
            Sensor::Cover => 'o',
            Sensor::Feeder => 'm',
            Sensor::CardPresence => 'p',
            Sensor::Colour => 'c',
        }
    }
}

/// `Rse;sensor`: one sensor's reading.
///
/// The guide says it "reads the sensors voltage" without a reply format; we read a decimal 0 to
/// 255 (the scale `Ase` and `Rps` use for the same sensors), where 128 or more means the beam is
/// interrupted: cover open, card at the feeder stop, card present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadSensor(pub Sensor);

impl ReadSensor {
    /// Readings at or above this mean "interrupted".
    pub const THRESHOLD: u8 = 128;
}

impl Command for ReadSensor {
    type Output = u8;
    fn header(&self) -> String {
        format!("Rse;{}", self.0.letter())
    }
    fn parse_response(&self, reply: &Reply) -> Result<u8, ResponseError> {
        let n = number(reply)?;
        u8::try_from(n).map_err(|_| unexpected(reply, "a sensor reading 0 to 255"))
    }
}

/// What `Rlr;p` says about cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardPresence {
    /// Ready: a card in the feeder, none stuck.
    Ok,
    /// `NO CARD`: the feeder is empty.
    NoCard,
    /// `ERR CARD`: a card is stuck in the print module.
    ErrCard,
}

/// `Rlr` (the last answer) or `Rlr;p` (card presence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLastAnswer;

impl Command for ReadLastAnswer {
    /// `None` when the last answer was OK, else the fault it reported.
    type Output = Option<PrinterFault>;
    fn header(&self) -> String {
        "Rlr".to_owned()
    }
    fn parse_response(&self, reply: &Reply) -> Result<Option<PrinterFault>, ResponseError> {
        // The last answer being an error is the value asked for, not a refusal.
        match reply {
            Reply::Text(t) if t == "OK" => Ok(None),
            Reply::Text(t) => PrinterFault::from_text(t)
                .map(Some)
                .ok_or_else(|| unexpected(reply, "OK or ERROR ...")),
            Reply::Nack(n) => Err(ResponseError::Fault(n.fault())),
            Reply::Ack => Err(unexpected(reply, "OK or ERROR ...")),
        }
    }
}

/// `Rlr;p`: card presence ("NO CARD", "ERR CARD").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCardPresence;

impl Command for ReadCardPresence {
    type Output = CardPresence;
    fn header(&self) -> String {
        "Rlr;p".to_owned()
    }
    fn parse_response(&self, reply: &Reply) -> Result<CardPresence, ResponseError> {
        match value(reply)?.as_str() {
            "OK" => Ok(CardPresence::Ok),
            "NO CARD" => Ok(CardPresence::NoCard),
            "ERR CARD" => Ok(CardPresence::ErrCard),
            _ => Err(unexpected(reply, "OK, NO CARD or ERR CARD")),
        }
    }
}

/// What `Rcr` says about the ribbon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RibbonMark {
    /// `OK`: not on the black end mark.
    Ok,
    /// `RIBBON END`: on the black mark, the ribbon is used up.
    End,
    /// `NO RIBBON`: none fitted.
    Missing,
}

/// `Rcr`: whether the ribbon is on its black end mark. The guide gives only the OK answer;
/// `RIBBON END` and `NO RIBBON` are rekam's, shared with its simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadRibbonMark;

impl Command for ReadRibbonMark {
    type Output = RibbonMark;
    fn header(&self) -> String {
        "Rcr".to_owned()
    }
    fn parse_response(&self, reply: &Reply) -> Result<RibbonMark, ResponseError> {
        match value(reply)?.as_str() {
            "OK" => Ok(RibbonMark::Ok),
            "RIBBON END" => Ok(RibbonMark::End),
            "NO RIBBON" => Ok(RibbonMark::Missing),
            _ => Err(unexpected(reply, "OK, RIBBON END or NO RIBBON")),
        }
    }
}

/// A counter `Rco` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// `p`: printed panels.
    Panels,
    /// `c`: inserted cards.
    Cards,
    /// `n`: cleanings performed.
    Cleanings,
    /// `l`: cards the fitted ribbon can still print (the guide: "not accurate"). The guide's
    /// text renders this letter as `I`; evolis-command.pl sends `Rco;l`. This is what other
    /// documents call the remaining-panels (`Rrt`) reading.
    RibbonLeft,
}

/// `Rco;counter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCounter(pub Counter);

impl Command for ReadCounter {
    type Output = u32;
    fn header(&self) -> String {
        let letter = match self.0 {
            Counter::Panels => 'p',
            Counter::Cards => 'c',
            Counter::Cleanings => 'n',
            Counter::RibbonLeft => 'l',
        };
        format!("Rco;{letter}")
    }
    fn parse_response(&self, reply: &Reply) -> Result<u32, ResponseError> {
        number(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evolis::reply::Nack;

    #[test]
    fn commands_are_esc_name_params_cr() {
        assert_eq!(StartSequence.to_bytes(), b"\x1bSs\r");
        assert_eq!(SetRibbon("ymcko".into()).to_bytes(), b"\x1bPr;ymcko\r");
        assert_eq!(
            SetContrast {
                panel: Panel::Yellow,
                contrast: Contrast::Up
            }
            .to_bytes(),
            b"\x1bPc;y;+\r"
        );
        assert_eq!(ReadCounter(Counter::RibbonLeft).to_bytes(), b"\x1bRco;l\r");
        assert_eq!(ReadSensor(Sensor::Cover).to_bytes(), b"\x1bRse;o\r");
        let db = DownloadBitmap {
            panel: Panel::Black,
            levels: Levels::Two,
            data: vec![0xAA, 0x55],
        };
        assert_eq!(db.to_bytes(), b"\x1bDb;k;2;\xaa\x55\r");
    }

    #[test]
    fn an_action_takes_ok_or_ack_and_reports_faults() {
        assert_eq!(
            StartSequence.parse_response(&Reply::Text("OK".into())),
            Ok(())
        );
        assert_eq!(StartSequence.parse_response(&Reply::Ack), Ok(()));
        assert_eq!(
            StartSequence.parse_response(&Reply::Nack(Nack::Feeder)),
            Err(ResponseError::Fault(PrinterFault::FeederEmpty))
        );
        assert_eq!(
            StartSequence.parse_response(&Reply::Text("ERROR MECA".into())),
            Err(ResponseError::Fault(PrinterFault::Mechanical))
        );
        assert!(matches!(
            StartSequence.parse_response(&Reply::Text("YES".into())),
            Err(ResponseError::Unexpected(_))
        ));
    }

    #[test]
    fn reads_refuse_empty_or_non_numeric_values() {
        assert_eq!(
            ReadSerial.parse_response(&Reply::Text("A12345".into())),
            Ok("A12345".into())
        );
        assert!(ReadSerial.parse_response(&Reply::Ack).is_err());
        assert!(
            ReadSerial
                .parse_response(&Reply::Text(String::new()))
                .is_err()
        );
        assert!(
            ReadCounter(Counter::Cards)
                .parse_response(&Reply::Text("12a".into()))
                .is_err()
        );
        assert!(
            ReadSensor(Sensor::Cover)
                .parse_response(&Reply::Text("256".into()))
                .is_err()
        );
        assert_eq!(
            ReadCardPresence.parse_response(&Reply::Text("ERR CARD".into())),
            Ok(CardPresence::ErrCard)
        );
        assert_eq!(
            ReadLastAnswer.parse_response(&Reply::Text("ERROR HEAD TEMP".into())),
            Ok(Some(PrinterFault::HeadTemperature))
        );
    }
}
