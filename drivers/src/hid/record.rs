//! Recording and replay of HID traffic in the text format of hid-tools' `hid-recorder`, so a
//! session with a real pad becomes a regression test and reads in any text editor.
//!
//! The format: `#` comments; `N: name`; `P: physical path`; `I: bus vid pid` (hex; bus 3 is
//! USB); `R: len bytes` the report descriptor (`R: 0` when unknown); `E: sec.usec len bytes` an
//! input report, id first. hid-recorder watches hidraw and so sees input reports only; a pad is
//! driven through feature reports, so this module adds lines of its own, in the same shape:
//! `U: serial` the serial number (the kernel's "uniq"), `G: sec.usec len bytes` the reply to a
//! GetFeature (the host asked for the id in its first byte), `S: sec.usec len bytes` a SetFeature
//! the host sent, `O: sec.usec len bytes` an output report the host wrote. Tools that know only
//! hid-recorder's lines can skip ours.
//!
//! Contract: [`HidRecorder`] behaves exactly like the device it wraps and writes each successful
//! operation as it happens (flushed, so a crash keeps the recording); failed operations pass
//! through unrecorded. [`HidReplay`] plays a recording back as the device: host operations must
//! come in the recorded order with the recorded bytes (else `ReplayMismatch`); `read_input` hands
//! out the input reports recorded before the next host operation, and `Ok(0)` after waiting its
//! timeout when there is none.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::{HidDevice, HidError, HidInfo, report_id};

/// Records the traffic of `D` to a file.
pub struct HidRecorder<D> {
    inner: D,
    out: BufWriter<File>,
    file: String,
    started: Instant,
}

impl<D: HidDevice> HidRecorder<D> {
    /// Starts recording `inner` to `path` (overwriting it); writes the header at once.
    pub fn create(inner: D, path: &Path) -> Result<Self, HidError> {
        let file = path.display().to_string();
        let out = File::create(path).map_err(|e| bad_file(&file, &e))?;
        let mut recorder = Self {
            inner,
            out: BufWriter::new(out),
            file,
            started: Instant::now(),
        };
        let header = header_text(recorder.inner.info());
        recorder.put(&header)?;
        Ok(recorder)
    }

    /// The wrapped device.
    pub fn into_inner(self) -> D {
        self.inner
    }

    fn put(&mut self, text: &str) -> Result<(), HidError> {
        let file = self.file.clone();
        self.out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.flush())
            .map_err(|e| bad_file(&file, &e))
    }

    fn event(&mut self, tag: char, bytes: &[u8]) -> Result<(), HidError> {
        let line = event_line(tag, self.started.elapsed(), bytes);
        self.put(&line)
    }
}

fn bad_file(file: &str, e: &std::io::Error) -> HidError {
    HidError::BadRecording {
        device: file.to_owned(),
        line: 0,
        detail: e.to_string(),
    }
}

/// The header lines of a recording of `info`.
pub fn header_text(info: &HidInfo) -> String {
    let mut s = String::from(
        "# rekam HID recording: hid-recorder lines plus U (serial), G (GetFeature reply),\n\
         # S (SetFeature), O (output report); reports start with their id\n",
    );
    s.push_str(&format!("N: {}\n", one_line(&info.product)));
    s.push_str(&format!("P: {}\n", one_line(&info.path)));
    s.push_str(&format!(
        "I: 3 {:04x} {:04x}\n",
        info.vendor_id, info.product_id
    ));
    if let Some(serial) = &info.serial {
        s.push_str(&format!("U: {}\n", one_line(serial)));
    }
    s.push_str("R: 0\n");
    s
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// One event line: `T: sec.usec len bytes`.
pub fn event_line(tag: char, at: Duration, bytes: &[u8]) -> String {
    let mut s = format!(
        "{tag}: {:06}.{:06} {}",
        at.as_secs(),
        at.subsec_micros(),
        bytes.len()
    );
    for b in bytes {
        s.push_str(&format!(" {b:02x}"));
    }
    s.push('\n');
    s
}

impl<D: HidDevice> HidDevice for HidRecorder<D> {
    fn info(&self) -> &HidInfo {
        self.inner.info()
    }

    fn get_feature(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, HidError> {
        let reply = self.inner.get_feature(report_id, len)?;
        self.event('G', &reply)?;
        Ok(reply)
    }

    fn set_feature(&mut self, report: &[u8]) -> Result<(), HidError> {
        self.inner.set_feature(report)?;
        self.event('S', report)
    }

    fn write_output(&mut self, report: &[u8]) -> Result<(), HidError> {
        self.inner.write_output(report)?;
        self.event('O', report)
    }

    fn read_input(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, HidError> {
        let n = self.inner.read_input(buf, timeout)?;
        if n > 0 {
            let bytes = buf[..n].to_vec();
            self.event('E', &bytes)?;
        }
        Ok(n)
    }
}

/// One recorded operation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    tag: char,
    bytes: Vec<u8>,
    line: usize,
}

/// A recording played back as the device.
pub struct HidReplay {
    info: HidInfo,
    records: Vec<Record>,
    next: usize,
}

impl HidReplay {
    /// Reads the recording at `path`.
    pub fn open(path: &Path) -> Result<Self, HidError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| bad_file(&name, &e))?;
        Self::parse(&name, &text)
    }

    /// Parses a recording; `name` names it in errors.
    pub fn parse(name: &str, text: &str) -> Result<Self, HidError> {
        let bad = |line: usize, detail: String| HidError::BadRecording {
            device: name.to_owned(),
            line,
            detail,
        };
        let mut info = HidInfo {
            vendor_id: 0,
            product_id: 0,
            product: String::new(),
            serial: None,
            path: name.to_owned(),
        };
        let mut seen_id = false;
        let mut records = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let raw = raw.trim_end();
            if raw.is_empty() || raw.starts_with('#') {
                continue;
            }
            let (tag, rest) = raw
                .split_once(": ")
                .or_else(|| raw.split_once(':'))
                .ok_or_else(|| bad(line, format!("not a `T: ...` line: {raw:?}")))?;
            let mut tags = tag.chars();
            let (Some(tag), None) = (tags.next(), tags.next()) else {
                return Err(bad(line, format!("unknown line tag {tag:?}")));
            };
            match tag {
                'N' => info.product = rest.trim().to_owned(),
                'P' => {}
                'U' => info.serial = Some(rest.trim().to_owned()),
                'I' => {
                    let f: Vec<&str> = rest.split_whitespace().collect();
                    let [_bus, vid, pid] = f[..] else {
                        return Err(bad(line, "I: needs bus, vendor and product".into()));
                    };
                    let hex16 = |s: &str| {
                        u16::from_str_radix(s, 16)
                            .map_err(|_| bad(line, format!("{s:?} is not a 16-bit hex id")))
                    };
                    info.vendor_id = hex16(vid)?;
                    info.product_id = hex16(pid)?;
                    seen_id = true;
                }
                'R' => {}
                'E' | 'G' | 'S' | 'O' => {
                    let bytes = parse_event(rest).map_err(|d| bad(line, d))?;
                    records.push(Record { tag, bytes, line });
                }
                other => return Err(bad(line, format!("unknown line tag {other:?}"))),
            }
        }
        if !seen_id {
            return Err(bad(0, "no `I:` line (bus, vendor, product)".into()));
        }
        Ok(Self {
            info,
            records,
            next: 0,
        })
    }

    /// Whether every recorded operation has been played.
    pub fn is_finished(&self) -> bool {
        self.next >= self.records.len()
    }

    fn mismatch(&self, expected: String, actual: String) -> HidError {
        HidError::ReplayMismatch {
            device: self.info.path.clone(),
            line: self.records.get(self.next).map_or(0, |r| r.line),
            expected,
            actual,
        }
    }

    /// Takes the next record, which must be a host operation `tag`; input reports recorded
    /// before it were never read by the host this time, so they are skipped.
    fn expect(&mut self, tag: char, what: &str) -> Result<Record, HidError> {
        while self.records.get(self.next).is_some_and(|r| r.tag == 'E') {
            self.next += 1;
        }
        match self.records.get(self.next) {
            Some(r) if r.tag == tag => {
                self.next += 1;
                Ok(r.clone())
            }
            Some(r) => Err(self.mismatch(describe(r), what.to_owned())),
            None => Err(self.mismatch("the end of the recording".into(), what.to_owned())),
        }
    }
}

fn describe(r: &Record) -> String {
    let what = match r.tag {
        'G' => "GetFeature",
        'S' => "SetFeature",
        'O' => "output report",
        _ => "input report",
    };
    format!("{what} {}", hex::encode(&r.bytes))
}

fn parse_event(rest: &str) -> Result<Vec<u8>, String> {
    let mut f = rest.split_whitespace();
    let time = f.next().ok_or("missing time")?;
    let (secs, usecs) = time
        .split_once('.')
        .ok_or_else(|| format!("time {time:?} is not sec.usec"))?;
    if secs.parse::<u64>().is_err() || usecs.parse::<u32>().is_err() {
        return Err(format!("time {time:?} is not sec.usec"));
    }
    let len: usize = f
        .next()
        .ok_or("missing length")?
        .parse()
        .map_err(|_| "length is not a number".to_owned())?;
    let bytes = f
        .map(|b| u8::from_str_radix(b, 16).map_err(|_| format!("{b:?} is not a hex byte")))
        .collect::<Result<Vec<u8>, String>>()?;
    if bytes.len() != len {
        return Err(format!("length says {len} bytes, line has {}", bytes.len()));
    }
    if bytes.is_empty() {
        return Err("a report needs at least its id".into());
    }
    Ok(bytes)
}

impl HidDevice for HidReplay {
    fn info(&self) -> &HidInfo {
        &self.info
    }

    fn get_feature(&mut self, id: u8, len: usize) -> Result<Vec<u8>, HidError> {
        let r = self.expect('G', &format!("GetFeature {id:02x}"))?;
        if r.bytes[0] != id {
            self.next -= 1;
            return Err(self.mismatch(describe(&r), format!("GetFeature {id:02x}")));
        }
        let mut reply = r.bytes;
        reply.truncate(len.max(1));
        Ok(reply)
    }

    fn set_feature(&mut self, report: &[u8]) -> Result<(), HidError> {
        report_id(&self.info.path, report)?;
        let r = self.expect('S', &format!("SetFeature {}", hex::encode(report)))?;
        if r.bytes != report {
            self.next -= 1;
            return Err(self.mismatch(describe(&r), format!("SetFeature {}", hex::encode(report))));
        }
        Ok(())
    }

    fn write_output(&mut self, report: &[u8]) -> Result<(), HidError> {
        report_id(&self.info.path, report)?;
        let what = format!("output report {}", hex::encode(report));
        let r = self.expect('O', &what)?;
        if r.bytes != report {
            self.next -= 1;
            return Err(self.mismatch(describe(&r), what));
        }
        Ok(())
    }

    fn read_input(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, HidError> {
        match self.records.get(self.next) {
            Some(r) if r.tag == 'E' => {
                if r.bytes.len() > buf.len() {
                    return Err(HidError::Malformed {
                        device: self.info.path.clone(),
                        detail: format!(
                            "input report of {} bytes does not fit the host's {}-byte buffer",
                            r.bytes.len(),
                            buf.len()
                        ),
                    });
                }
                let n = r.bytes.len();
                buf[..n].copy_from_slice(&r.bytes);
                self.next += 1;
                Ok(n)
            }
            _ => {
                // Nothing recorded before the host's next move: the pad was silent.
                std::thread::sleep(timeout);
                Ok(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};

    const RECORDING: &str = "N: Wacom STU-540\nI: 3 056a 00a8\nU: 123\nR: 0\n\
        G: 000000.000100 3 09 25 80\nS: 000000.000200 2 20 00\nE: 000000.000300 2 01 03\n";

    #[test]
    fn a_replay_answers_as_recorded_and_hands_out_input_reports() {
        let mut r = HidReplay::parse("t", RECORDING).expect("valid recording");
        assert_eq!(r.info().vendor_id, 0x056a);
        assert_eq!(r.info().serial.as_deref(), Some("123"));
        assert_eq!(r.get_feature(9, 64).expect("recorded"), vec![9, 0x25, 0x80]);
        r.set_feature(&[0x20, 0]).expect("recorded");
        let mut buf = [0u8; 16];
        assert_eq!(r.read_input(&mut buf, Duration::ZERO).expect("recorded"), 2);
        assert_eq!(&buf[..2], &[1, 3]);
        assert_eq!(r.read_input(&mut buf, Duration::ZERO).expect("silence"), 0);
        assert!(r.is_finished());
    }

    #[test]
    fn a_host_that_sends_other_bytes_diverges_from_the_recording() {
        let mut r = HidReplay::parse("t", RECORDING).expect("valid recording");
        r.get_feature(9, 64).expect("recorded");
        let err = r
            .set_feature(&[0x21, 1])
            .expect_err("not what was recorded");
        assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
        assert!(err.to_string().contains("line 6"), "{err}");
    }

    #[test]
    fn a_line_whose_length_disagrees_with_its_bytes_is_rejected() {
        let err = HidReplay::parse("t", "I: 3 056a 00a8\nE: 000000.000001 3 01 02\n")
            .err()
            .expect("bad length");
        assert!(
            matches!(err, HidError::BadRecording { line: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_recording_without_an_identity_line_is_rejected() {
        assert!(HidReplay::parse("t", "E: 000000.000001 1 01\n").is_err());
    }
}
