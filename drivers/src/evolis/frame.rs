//! Splitting the byte stream a host sends into commands: what a printer (and rekam's simulator)
//! does with the bytes the job builder writes.
//!
//! Contract: [`parse_frame`] returns a whole command and the bytes it used, `Ok(None)` while a
//! command is still arriving, or an error saying how many bytes to drop to resynchronise; it
//! never panics and never buffers more than one panel's worth of data.
//!
//! Guide section 3: `ESC name;p1;...;pn CR`, and "the Start Character is not compulsory after the
//! CR character", so ESC is optional. `Db` and `Dbc` carry binary data after their last `;`:
//! `Db` exactly one panel at its level count, `Dbc` the announced length. The guide's own example
//! (section 21) ends the `Db` lines without CR, the next ESC following the data directly, so
//! either ends the data. NULs between commands are skipped (evolis-driver.pl pads a job with 64
//! NULs, which evolis-simulator.pl warns about and skips).

use super::command::{CR, ESC};
use super::panel::{Levels, Panel};

/// Longest command header (name and text parameters).
pub const MAX_HEADER: usize = 1024;

/// One command as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Command name, e.g. `Db`.
    pub name: String,
    /// Text parameters, in order.
    pub params: Vec<String>,
    /// Binary data of `Db` and `Dbc`.
    pub data: Option<Vec<u8>>,
}

/// Bytes that do not form a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed command: {detail}")]
pub struct FrameError {
    /// What is wrong.
    pub detail: String,
    /// Bytes to drop before trying again (through the next CR, or everything received).
    pub skip: usize,
}

fn fail(buf: &[u8], from: usize, detail: String) -> FrameError {
    let skip = buf[from.min(buf.len())..]
        .iter()
        .position(|&b| b == CR)
        .map_or(buf.len(), |p| from + p + 1);
    FrameError {
        detail,
        skip: skip.max(1),
    }
}

/// Reads a `;`-ended token starting at `at`; `Ok(None)` if the buffer ends first.
fn token(buf: &[u8], at: usize) -> Result<Option<(String, usize)>, FrameError> {
    for (n, &b) in buf[at..].iter().enumerate().take(17) {
        match b {
            b';' => {
                let text = String::from_utf8_lossy(&buf[at..at + n]).into_owned();
                return Ok(Some((text, at + n + 1)));
            }
            0x21..=0x7E if n < 16 => {}
            _ => {
                return Err(fail(
                    buf,
                    at,
                    format!("bad byte {b:#04x} in a download header"),
                ));
            }
        }
    }
    Ok(None)
}

/// Parses the command at the start of `buf`.
pub fn parse_frame(buf: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
    let mut at = buf.iter().position(|&b| b != 0).unwrap_or(buf.len());
    if at == buf.len() {
        return Ok(None);
    }
    if buf[at] == ESC {
        at += 1;
    }
    let start = at;
    let name_len = buf[at..]
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let after_name = at + name_len;
    if after_name == buf.len() {
        if name_len > 16 {
            return Err(fail(buf, start, "command name too long".into()));
        }
        return Ok(None);
    }
    if name_len == 0 || name_len > 16 {
        return Err(fail(buf, start, format!("no command name at byte {start}")));
    }
    let name = String::from_utf8_lossy(&buf[at..after_name]).into_owned();
    match name.as_str() {
        "Db" | "Dbc" => download(buf, start, name, after_name),
        _ => text_command(buf, start, name, after_name),
    }
}

fn text_command(
    buf: &[u8],
    start: usize,
    name: String,
    after_name: usize,
) -> Result<Option<(Frame, usize)>, FrameError> {
    for (n, &b) in buf[after_name..].iter().enumerate() {
        if after_name + n - start > MAX_HEADER {
            return Err(fail(
                buf,
                start,
                format!("{name}: command longer than {MAX_HEADER} bytes"),
            ));
        }
        match b {
            CR => {
                let rest = &buf[after_name..after_name + n];
                let params = match rest.strip_prefix(b";") {
                    Some(p) => p
                        .split(|&c| c == b';')
                        .map(|s| String::from_utf8_lossy(s).into_owned())
                        .collect(),
                    None if rest.is_empty() => Vec::new(),
                    None => {
                        return Err(fail(
                            buf,
                            start,
                            format!("{name}: parameters must follow ';'"),
                        ));
                    }
                };
                let frame = Frame {
                    name,
                    params,
                    data: None,
                };
                return Ok(Some((frame, after_name + n + 1)));
            }
            0x20..=0x7E => {}
            _ => return Err(fail(buf, start, format!("{name}: bad byte {b:#04x}"))),
        }
    }
    Ok(None)
}

fn download(
    buf: &[u8],
    start: usize,
    name: String,
    after_name: usize,
) -> Result<Option<(Frame, usize)>, FrameError> {
    if buf.get(after_name) != Some(&b';') {
        return Err(fail(
            buf,
            start,
            format!("{name}: parameters must follow ';'"),
        ));
    }
    let wanted = if name == "Db" { 2 } else { 4 };
    let mut params = Vec::with_capacity(wanted);
    let mut at = after_name + 1;
    while params.len() < wanted {
        match token(buf, at)? {
            Some((t, next)) => {
                params.push(t);
                at = next;
            }
            None => return Ok(None),
        }
    }
    let bad = |detail: String| Err(fail(buf, start, format!("{name}: {detail}")));
    let Some(panel) = Panel::from_letter(&params[0]) else {
        return bad(format!("unknown panel {:?}", params[0]));
    };
    let Some(levels) = params[1].parse().ok().and_then(Levels::from_count) else {
        return bad(format!(
            "level count {:?} is not 2, 32, 64 or 128",
            params[1]
        ));
    };
    if !panel.accepts(levels) {
        return bad(format!("panel {panel} does not take {levels} levels"));
    }
    let length = if name == "Db" {
        levels.panel_bytes()
    } else {
        match params[3].parse::<usize>() {
            // Run-length data is never longer than the panel it describes (plus a code per row).
            Ok(n) if n <= levels.panel_bytes() + super::panel::PANEL_HEIGHT => n,
            _ => return bad(format!("length {:?} is not a valid byte count", params[3])),
        }
    };
    let end = at + length;
    if buf.len() <= end {
        return Ok(None);
    }
    let used = match buf[end] {
        CR => end + 1,
        // The guide's example: the next command's ESC ends the data (left for the next frame).
        ESC => end,
        other => {
            return bad(format!(
                "{length} bytes of data are followed by {other:#04x}, not CR"
            ));
        }
    };
    let frame = Frame {
        name,
        params,
        data: Some(buf[at..end].to_vec()),
    };
    Ok(Some((frame, used)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_command_splits_into_name_and_parameters() {
        let (frame, used) = parse_frame(b"\0\0\x1bPc;y;+\rrest").unwrap().unwrap();
        assert_eq!(frame.name, "Pc");
        assert_eq!(frame.params, ["y", "+"]);
        assert_eq!(used, 10);
        let (frame, _) = parse_frame(b"Se\r").unwrap().unwrap();
        assert_eq!(frame.name, "Se");
        assert!(frame.params.is_empty());
    }

    #[test]
    fn a_download_waits_for_its_whole_panel() {
        let mut bytes = b"\x1bDb;k;2;".to_vec();
        bytes.extend(vec![0xFF; 82_296]);
        assert_eq!(parse_frame(&bytes[..bytes.len() - 1]).unwrap(), None);
        assert_eq!(parse_frame(&bytes).unwrap(), None);
        bytes.push(CR);
        let (frame, used) = parse_frame(&bytes).unwrap().unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(frame.params, ["k", "2"]);
        assert_eq!(frame.data.map(|d| d.len()), Some(82_296));
    }

    #[test]
    fn data_ended_by_the_next_esc_leaves_that_esc() {
        let mut bytes = b"\x1bDbc;o;2;0;1;".to_vec();
        bytes.extend([0xFF, ESC, b'S', b'e', CR]);
        let (frame, used) = parse_frame(&bytes).unwrap().unwrap();
        assert_eq!(frame.data, Some(vec![0xFF]));
        assert_eq!(&bytes[used..], b"\x1bSe\r");
    }

    #[test]
    fn bad_levels_or_binary_in_a_header_are_errors_that_skip_to_the_next_cr() {
        let err = parse_frame(b"\x1bDb;k;32;xx\r\x1bSe\r").unwrap_err();
        assert_eq!(err.skip, 12);
        assert!(parse_frame(b"\x1bDb;q;2;").is_err());
        assert!(parse_frame(b"\x1bPc;\x01\r").is_err());
        assert!(parse_frame(b"\x1b;;\r").is_err());
        assert!(parse_frame(&[ESC; 3]).is_err());
    }
}
