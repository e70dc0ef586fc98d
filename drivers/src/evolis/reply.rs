//! What the printer answers: ACK, NACK with its code, or a line of text; and the faults those
//! answers report.
//!
//! Contract: [`Reply::parse`] takes the bytes received so far and returns a complete reply with
//! the bytes it used, `Ok(None)` when more bytes are needed, or an error for bytes no reply can
//! start with; it never panics and never reads past the reply.

use crate::error::ErrorKind;

/// ACK (guide section 5, ACK/NACK protocol).
pub const ACK: u8 = 0x06;
/// NACK, followed by one code character.
pub const NACK: u8 = 0x15;
/// Longest text reply accepted (serial numbers, firmware versions and errors are short).
pub const MAX_TEXT: usize = 256;

/// One reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Accepted (ACK/NACK mode).
    Ack,
    /// Refused (ACK/NACK mode).
    Nack(Nack),
    /// A line of text, terminator removed.
    Text(String),
}

/// The code after a NACK (guide section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nack {
    /// `1`: command error.
    Command,
    /// `2`: parameter error.
    Parameter,
    /// `T`: time-out or mechanical error.
    Mechanical,
    /// `C`: cover open.
    Cover,
    /// `F`: feeder error.
    Feeder,
    /// `R`: ribbon error.
    Ribbon,
    /// `K`: magnetic checksum error.
    MagneticChecksum,
    /// `D`: magnetic data error.
    MagneticData,
    /// `W`: magnetic write error.
    MagneticWrite,
}

impl Nack {
    /// The code byte.
    pub fn code(self) -> u8 {
        match self {
            Nack::Command => b'1',
            Nack::Parameter => b'2',
            Nack::Mechanical => b'T',
            Nack::Cover => b'C',
            Nack::Feeder => b'F',
            Nack::Ribbon => b'R',
            Nack::MagneticChecksum => b'K',
            Nack::MagneticData => b'D',
            Nack::MagneticWrite => b'W',
        }
    }

    /// The NACK a code byte names.
    pub fn from_code(code: u8) -> Option<Self> {
        [
            Nack::Command,
            Nack::Parameter,
            Nack::Mechanical,
            Nack::Cover,
            Nack::Feeder,
            Nack::Ribbon,
            Nack::MagneticChecksum,
            Nack::MagneticData,
            Nack::MagneticWrite,
        ]
        .into_iter()
        .find(|n| n.code() == code)
    }

    /// The fault it reports.
    pub fn fault(self) -> PrinterFault {
        match self {
            Nack::Command => PrinterFault::Command,
            Nack::Parameter => PrinterFault::Parameter,
            Nack::Mechanical => PrinterFault::Mechanical,
            Nack::Cover => PrinterFault::CoverOpen,
            Nack::Feeder => PrinterFault::FeederEmpty,
            Nack::Ribbon => PrinterFault::RibbonEnded,
            Nack::MagneticChecksum | Nack::MagneticData | Nack::MagneticWrite => {
                PrinterFault::Magnetic
            }
        }
    }
}

/// A fault the printer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterFault {
    /// Unknown command (`ERROR CDE`, NACK 1).
    Command,
    /// Bad parameter (`ERROR PARAMETRES`, NACK 2).
    Parameter,
    /// Mechanical fault (`ERROR MECA`, NACK T).
    Mechanical,
    /// A movement did not finish in time inside the printer (`ERROR TIME OUT`).
    MechanicalTimeout,
    /// A card is stuck in the printer (`ERROR CARD`, `Rlr;p` "ERR CARD").
    Jam,
    /// No card to feed (`ERROR FEEDER`, NACK F).
    FeederEmpty,
    /// The cover is open (`ERROR COVER OPEN`, NACK C).
    CoverOpen,
    /// Ribbon ended or missing (`ERROR RIBBON`, NACK R).
    RibbonEnded,
    /// The print head is too hot; it cools down by itself (`ERROR HEAD TEMP`).
    HeadTemperature,
    /// Magnetic encoding failed (NACK K, D, W).
    Magnetic,
    /// Another `ERROR ...` text, kept as sent.
    Other(String),
}

impl PrinterFault {
    /// The fault an `ERROR ...` text names; `None` if the text is not an error.
    ///
    /// `ERROR CDE`, `ERROR PARAMETRES`, `ERROR MECA`, `ERROR TIME OUT`, `ERROR CARD` and `ERROR
    /// FEEDER` are the wording Evolis printers use; A5013 itself only documents NACK codes, and
    /// gives no text for the cover, the ribbon or the head temperature: `ERROR COVER OPEN`,
    /// `ERROR RIBBON` and `ERROR HEAD TEMP` are rekam's, shared with its simulator.
    pub fn from_text(text: &str) -> Option<Self> {
        let what = text.strip_prefix("ERROR ")?;
        Some(match what {
            "CDE" => PrinterFault::Command,
            "PARAMETRES" => PrinterFault::Parameter,
            "MECA" => PrinterFault::Mechanical,
            "TIME OUT" => PrinterFault::MechanicalTimeout,
            "CARD" => PrinterFault::Jam,
            "FEEDER" => PrinterFault::FeederEmpty,
            "COVER OPEN" => PrinterFault::CoverOpen,
            "RIBBON" => PrinterFault::RibbonEnded,
            "HEAD TEMP" => PrinterFault::HeadTemperature,
            other => PrinterFault::Other(other.to_owned()),
        })
    }

    /// The text a printer in text mode sends for this fault.
    pub fn text(&self) -> String {
        let what = match self {
            PrinterFault::Command => "CDE",
            PrinterFault::Parameter => "PARAMETRES",
            PrinterFault::Mechanical => "MECA",
            PrinterFault::MechanicalTimeout => "TIME OUT",
            PrinterFault::Jam => "CARD",
            PrinterFault::FeederEmpty => "FEEDER",
            PrinterFault::CoverOpen => "COVER OPEN",
            PrinterFault::RibbonEnded => "RIBBON",
            PrinterFault::HeadTemperature => "HEAD TEMP",
            PrinterFault::Magnetic => "MAGNETIC",
            PrinterFault::Other(s) => s,
        };
        format!("ERROR {what}")
    }

    /// The NACK code a printer in ACK/NACK mode sends for this fault (the guide has no code for
    /// a hot head or a jam: both stop the mechanism, so they answer T).
    pub fn nack(&self) -> Nack {
        match self {
            PrinterFault::Command | PrinterFault::Other(_) => Nack::Command,
            PrinterFault::Parameter => Nack::Parameter,
            PrinterFault::Mechanical
            | PrinterFault::MechanicalTimeout
            | PrinterFault::Jam
            | PrinterFault::HeadTemperature => Nack::Mechanical,
            PrinterFault::FeederEmpty => Nack::Feeder,
            PrinterFault::CoverOpen => Nack::Cover,
            PrinterFault::RibbonEnded => Nack::Ribbon,
            PrinterFault::Magnetic => Nack::MagneticData,
        }
    }

    /// What a caller can do about it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            // The host sent something the printer does not take.
            PrinterFault::Command | PrinterFault::Parameter => ErrorKind::ProtocolViolation,
            // Someone has to act (close the cover, load cards, change the ribbon).
            PrinterFault::FeederEmpty | PrinterFault::CoverOpen | PrinterFault::RibbonEnded => {
                ErrorKind::NotReady
            }
            // Passes by itself.
            PrinterFault::HeadTemperature => ErrorKind::Busy,
            PrinterFault::Mechanical
            | PrinterFault::MechanicalTimeout
            | PrinterFault::Jam
            | PrinterFault::Magnetic
            | PrinterFault::Other(_) => ErrorKind::HardwareFault,
        }
    }
}

impl std::fmt::Display for PrinterFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            PrinterFault::Command => "unknown command",
            PrinterFault::Parameter => "bad parameter",
            PrinterFault::Mechanical => "mechanical fault",
            PrinterFault::MechanicalTimeout => "mechanical time-out",
            PrinterFault::Jam => "card jammed",
            PrinterFault::FeederEmpty => "feeder empty",
            PrinterFault::CoverOpen => "cover open",
            PrinterFault::RibbonEnded => "ribbon ended or missing",
            PrinterFault::HeadTemperature => "print head too hot",
            PrinterFault::Magnetic => "magnetic encoding failed",
            PrinterFault::Other(s) => return write!(f, "printer error {s:?}"),
        };
        f.write_str(text)
    }
}

/// Bytes that cannot be a reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// A NACK with a code the guide does not define.
    #[error("NACK with unknown code {0:#04x}")]
    UnknownNack(u8),
    /// A byte that is neither ACK, NACK, printable text nor a terminator.
    #[error("byte {byte:#04x} at offset {offset} cannot be part of a reply")]
    Garbage {
        /// The byte.
        byte: u8,
        /// Its offset in the reply.
        offset: usize,
    },
    /// Text longer than any reply.
    #[error("reply text runs past {MAX_TEXT} bytes without a terminator")]
    TooLong,
}

impl Reply {
    /// Parses the reply at the start of `bytes`: `Ok(Some((reply, used)))`, or `Ok(None)` when
    /// `bytes` is the beginning of a reply still arriving.
    pub fn parse(bytes: &[u8]) -> Result<Option<(Reply, usize)>, ReplyError> {
        match bytes.first() {
            None => Ok(None),
            Some(&ACK) => Ok(Some((Reply::Ack, 1))),
            Some(&NACK) => match bytes.get(1) {
                None => Ok(None),
                Some(&code) => Nack::from_code(code)
                    .map(|n| Some((Reply::Nack(n), 2)))
                    .ok_or(ReplyError::UnknownNack(code)),
            },
            Some(_) => {
                for (offset, &byte) in bytes.iter().enumerate().take(MAX_TEXT + 1) {
                    match byte {
                        b'\r' | 0 => {
                            // Printable ASCII only, so this is valid UTF-8.
                            let text = String::from_utf8_lossy(&bytes[..offset]).into_owned();
                            return Ok(Some((Reply::Text(text), offset + 1)));
                        }
                        0x20..=0x7E if offset < MAX_TEXT => {}
                        0x20..=0x7E => return Err(ReplyError::TooLong),
                        _ => return Err(ReplyError::Garbage { byte, offset }),
                    }
                }
                Ok(None)
            }
        }
    }

    /// The bytes of this reply as a printer sends them.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Reply::Ack => vec![ACK],
            Reply::Nack(n) => vec![NACK, n.code()],
            Reply::Text(t) => {
                let mut v = t.as_bytes().to_vec();
                v.push(b'\r');
                v
            }
        }
    }

    /// The fault this reply reports, if it is a NACK or an `ERROR ...` text.
    pub fn fault(&self) -> Option<PrinterFault> {
        match self {
            Reply::Nack(n) => Some(n.fault()),
            Reply::Text(t) => PrinterFault::from_text(t),
            Reply::Ack => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_nack_and_text_replies_parse_with_their_length() {
        assert_eq!(Reply::parse(&[ACK, b'x']).unwrap(), Some((Reply::Ack, 1)));
        assert_eq!(
            Reply::parse(&[NACK, b'C']).unwrap(),
            Some((Reply::Nack(Nack::Cover), 2))
        );
        assert_eq!(
            Reply::parse(b"OK\rmore").unwrap(),
            Some((Reply::Text("OK".into()), 3))
        );
        assert_eq!(
            Reply::parse(b"E4-123\0").unwrap(),
            Some((Reply::Text("E4-123".into()), 7))
        );
    }

    #[test]
    fn a_partial_reply_asks_for_more() {
        assert_eq!(Reply::parse(b"").unwrap(), None);
        assert_eq!(Reply::parse(&[NACK]).unwrap(), None);
        assert_eq!(Reply::parse(b"ERROR ME").unwrap(), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(
            Reply::parse(&[0xFE, b'\r']),
            Err(ReplyError::Garbage {
                byte: 0xFE,
                offset: 0
            })
        ));
        assert_eq!(
            Reply::parse(&[NACK, b'Z']),
            Err(ReplyError::UnknownNack(b'Z'))
        );
        assert_eq!(Reply::parse(&[b'a'; 400]), Err(ReplyError::TooLong));
    }

    #[test]
    fn error_texts_and_nack_codes_map_to_the_shared_kinds() {
        let kind = |t: &str| PrinterFault::from_text(t).unwrap().kind();
        assert_eq!(kind("ERROR CDE"), ErrorKind::ProtocolViolation);
        assert_eq!(kind("ERROR PARAMETRES"), ErrorKind::ProtocolViolation);
        assert_eq!(kind("ERROR MECA"), ErrorKind::HardwareFault);
        assert_eq!(kind("ERROR TIME OUT"), ErrorKind::HardwareFault);
        assert_eq!(kind("ERROR CARD"), ErrorKind::HardwareFault);
        assert_eq!(kind("ERROR FEEDER"), ErrorKind::NotReady);
        assert_eq!(kind("ERROR COVER OPEN"), ErrorKind::NotReady);
        assert_eq!(kind("ERROR RIBBON"), ErrorKind::NotReady);
        assert_eq!(kind("ERROR HEAD TEMP"), ErrorKind::Busy);
        assert_eq!(PrinterFault::from_text("OK"), None);
        assert_eq!(Nack::Cover.fault().kind(), ErrorKind::NotReady);
        assert_eq!(Nack::Mechanical.fault().kind(), ErrorKind::HardwareFault);
        assert_eq!(Nack::Command.fault().kind(), ErrorKind::ProtocolViolation);
    }

    #[test]
    fn every_fault_text_reads_back_as_itself() {
        for fault in [
            PrinterFault::Command,
            PrinterFault::Parameter,
            PrinterFault::Mechanical,
            PrinterFault::MechanicalTimeout,
            PrinterFault::Jam,
            PrinterFault::FeederEmpty,
            PrinterFault::CoverOpen,
            PrinterFault::RibbonEnded,
            PrinterFault::HeadTemperature,
        ] {
            assert_eq!(PrinterFault::from_text(&fault.text()), Some(fault));
        }
    }
}
