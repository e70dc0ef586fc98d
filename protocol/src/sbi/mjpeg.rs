//! The `STREAM` answer: a `multipart/x-mixed-replace` body of JPEG frames (MJPEG), read
//! incrementally.
//!
//! Contract: [`MjpegReader::new`] takes the response's `Content-Type` and refuses anything but
//! `multipart/x-mixed-replace` (or `multipart/mixed`) with a boundary; [`MjpegReader::push`]
//! appends bytes as they arrive and [`MjpegReader::next_frame`] returns each complete part in
//! order. A part is delimited by its `Content-Length` when it has one, else by the next boundary
//! line. Nothing grows without bound: a part larger than the reader's `max_frame`, headers longer
//! than [`MAX_HEADERS`] or text before the first boundary longer than [`MAX_PREAMBLE`] are errors
//! that name the frame and the limit, raised by the first `next_frame` after the limit is passed
//! (a declared `Content-Length` over the limit at once, before its body is read), so the buffer
//! never holds more than one part and one pushed chunk. Never panics on any input.

/// Longest header block of one part.
pub const MAX_HEADERS: usize = 8 * 1024;
/// Longest text accepted before the first boundary.
pub const MAX_PREAMBLE: usize = 4 * 1024;

/// Why a stream is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MjpegError {
    /// The response is not a multipart stream.
    #[error("Content-Type {0:?} is not multipart/x-mixed-replace with a boundary")]
    NotMultipart(String),
    /// More than [`MAX_PREAMBLE`] bytes came before the first boundary.
    #[error("no boundary line within the first {MAX_PREAMBLE} bytes")]
    NoBoundary,
    /// Frame `frame`'s headers are longer than [`MAX_HEADERS`].
    #[error("frame {frame}: headers longer than {MAX_HEADERS} bytes")]
    HeadersTooLong {
        /// Frame number, from 0.
        frame: u64,
    },
    /// A header line is not `Name: value`.
    #[error("frame {frame}: header line {line:?} is not `Name: value`")]
    BadHeader {
        /// Frame number, from 0.
        frame: u64,
        /// The line.
        line: String,
    },
    /// `Content-Length` is not a number.
    #[error("frame {frame}: Content-Length {value:?} is not a number")]
    BadLength {
        /// Frame number, from 0.
        frame: u64,
        /// The value.
        value: String,
    },
    /// A frame is larger than the reader's limit.
    #[error("frame {frame} is larger than the {limit}-byte limit")]
    FrameTooLarge {
        /// Frame number, from 0.
        frame: u64,
        /// The limit.
        limit: usize,
    },
    /// After a frame's `Content-Length` bytes there is neither a line end nor a boundary.
    #[error("frame {frame}: {found:?} follows its {length} bytes instead of the boundary")]
    NoBoundaryAfterFrame {
        /// Frame number, from 0.
        frame: u64,
        /// Its length.
        length: usize,
        /// What follows (first bytes).
        found: String,
    },
    /// The stream ended (closing boundary): no more frames.
    #[error("the stream has ended")]
    Ended,
}

/// One part of the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Its number, from 0.
    pub number: u64,
    /// Its `Content-Type`, lower case (empty when absent).
    pub content_type: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Looking for the first boundary line.
    Preamble,
    /// After a boundary line: reading the part's headers.
    Headers,
    /// Reading a body of known length.
    Body { length: usize },
    /// Reading a body up to the next boundary.
    Open,
    /// After a known-length body: expecting the line end and the next boundary.
    AfterBody { length: usize },
    /// The closing boundary came.
    Ended,
}

/// An incremental MJPEG reader (see the module contract).
#[derive(Debug)]
pub struct MjpegReader {
    /// `--boundary`.
    delimiter: Vec<u8>,
    buf: Vec<u8>,
    max_frame: usize,
    state: State,
    frame: u64,
    content_type: String,
}

impl MjpegReader {
    /// A reader for a response whose `Content-Type` is `content_type`, refusing parts larger
    /// than `max_frame` bytes.
    pub fn new(content_type: &str, max_frame: usize) -> Result<Self, MjpegError> {
        let not = || MjpegError::NotMultipart(content_type.to_string());
        let mut params = content_type.split(';');
        let kind = params
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if kind != "multipart/x-mixed-replace" && kind != "multipart/mixed" {
            return Err(not());
        }
        let boundary = params
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
            .map(|(_, v)| v.trim().trim_matches('"'))
            .ok_or_else(not)?;
        // Some servers write the boundary parameter with its leading dashes already.
        let boundary = boundary.strip_prefix("--").unwrap_or(boundary);
        if boundary.is_empty() || boundary.len() > 70 {
            return Err(not());
        }
        Ok(MjpegReader {
            delimiter: format!("--{boundary}").into_bytes(),
            buf: Vec::new(),
            max_frame,
            state: State::Preamble,
            frame: 0,
            content_type: String::new(),
        })
    }

    /// Appends received bytes (take the complete frames with [`MjpegReader::next_frame`] after
    /// each push: the buffer holds one incomplete part plus what was pushed since).
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), MjpegError> {
        if self.state == State::Ended {
            return Err(MjpegError::Ended);
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// The next complete frame, `Ok(None)` when more bytes are needed, or why the stream is
    /// refused; after the closing boundary, [`MjpegError::Ended`].
    pub fn next_frame(&mut self) -> Result<Option<Frame>, MjpegError> {
        loop {
            match self.state {
                State::Ended => return Err(MjpegError::Ended),
                State::Preamble => {
                    let Some(at) = find(&self.buf, &self.delimiter) else {
                        if self.buf.len() > MAX_PREAMBLE + self.delimiter.len() {
                            return Err(MjpegError::NoBoundary);
                        }
                        return Ok(None);
                    };
                    if !self.boundary_line(at)? {
                        return Ok(None);
                    }
                }
                State::Headers => {
                    let Some(end) = find(&self.buf, b"\r\n\r\n") else {
                        if self.buf.len() > MAX_HEADERS {
                            return Err(MjpegError::HeadersTooLong { frame: self.frame });
                        }
                        return Ok(None);
                    };
                    if end > MAX_HEADERS {
                        return Err(MjpegError::HeadersTooLong { frame: self.frame });
                    }
                    let head: Vec<u8> = self.buf.drain(..end + 4).collect();
                    self.read_headers(&head[..end])?;
                }
                State::Body { length } => {
                    if self.buf.len() < length {
                        return Ok(None);
                    }
                    let data: Vec<u8> = self.buf.drain(..length).collect();
                    self.state = State::AfterBody { length };
                    return Ok(Some(self.finish(data)));
                }
                State::AfterBody { length } => {
                    // Optional line end(s), then the next boundary.
                    let skip = self
                        .buf
                        .iter()
                        .take_while(|b| **b == b'\r' || **b == b'\n')
                        .count();
                    let rest = &self.buf[skip..];
                    let n = rest.len().min(self.delimiter.len());
                    if rest[..n] != self.delimiter[..n] {
                        return Err(MjpegError::NoBoundaryAfterFrame {
                            frame: self.frame.saturating_sub(1),
                            length,
                            found: String::from_utf8_lossy(&rest[..n.min(16)]).into_owned(),
                        });
                    }
                    if n < self.delimiter.len() {
                        return Ok(None);
                    }
                    if !self.boundary_line(skip)? {
                        return Ok(None);
                    }
                }
                State::Open => {
                    let mut marker = b"\r\n".to_vec();
                    marker.extend_from_slice(&self.delimiter);
                    let Some(at) = find(&self.buf, &marker) else {
                        if self.buf.len() > self.max_frame + marker.len() {
                            return Err(MjpegError::FrameTooLarge {
                                frame: self.frame,
                                limit: self.max_frame,
                            });
                        }
                        return Ok(None);
                    };
                    if at > self.max_frame {
                        return Err(MjpegError::FrameTooLarge {
                            frame: self.frame,
                            limit: self.max_frame,
                        });
                    }
                    let data: Vec<u8> = self.buf.drain(..at).collect();
                    self.buf.drain(..2);
                    self.state = State::AfterBody { length: at };
                    return Ok(Some(self.finish(data)));
                }
            }
        }
    }

    /// Consumes the boundary line starting at `at`; `false` when its line is not complete yet.
    fn boundary_line(&mut self, at: usize) -> Result<bool, MjpegError> {
        let after = at + self.delimiter.len();
        let Some(rest) = self.buf.get(after..) else {
            return Ok(false);
        };
        if rest.starts_with(b"--") {
            self.buf.clear();
            self.state = State::Ended;
            return Err(MjpegError::Ended);
        }
        let Some(eol) = find(rest, b"\n") else {
            if rest.len() > 80 {
                return Err(MjpegError::NoBoundary);
            }
            return Ok(false);
        };
        self.buf.drain(..after + eol + 1);
        self.state = State::Headers;
        Ok(true)
    }

    fn read_headers(&mut self, head: &[u8]) -> Result<(), MjpegError> {
        let mut length = None;
        self.content_type.clear();
        for line in head.split(|b| *b == b'\n') {
            let line = String::from_utf8_lossy(line);
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(MjpegError::BadHeader {
                    frame: self.frame,
                    line: line.chars().take(80).collect(),
                });
            };
            let value = value.trim();
            if name.trim().eq_ignore_ascii_case("content-length") {
                let n: usize = value.parse().map_err(|_| MjpegError::BadLength {
                    frame: self.frame,
                    value: value.chars().take(40).collect(),
                })?;
                if n > self.max_frame {
                    return Err(MjpegError::FrameTooLarge {
                        frame: self.frame,
                        limit: self.max_frame,
                    });
                }
                length = Some(n);
            } else if name.trim().eq_ignore_ascii_case("content-type") {
                self.content_type = value.to_ascii_lowercase();
            }
        }
        self.state = match length {
            Some(length) => State::Body { length },
            None => State::Open,
        };
        Ok(())
    }

    fn finish(&mut self, data: Vec<u8>) -> Frame {
        let f = Frame {
            number: self.frame,
            content_type: std::mem::take(&mut self.content_type),
            data,
        };
        self.frame += 1;
        f
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/x-mixed-replace; boundary=frame";

    fn part(data: &[u8], with_length: bool) -> Vec<u8> {
        let mut v = b"--frame\r\nContent-Type: image/jpeg\r\n".to_vec();
        if with_length {
            v.extend_from_slice(format!("Content-Length: {}\r\n", data.len()).as_bytes());
        }
        v.extend_from_slice(b"\r\n");
        v.extend_from_slice(data);
        v.extend_from_slice(b"\r\n");
        v
    }

    fn all(r: &mut MjpegReader) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Ok(Some(f)) = r.next_frame() {
            out.push(f.data);
        }
        out
    }

    #[test]
    fn frames_arrive_whole_however_the_bytes_are_split() {
        let mut body = part(b"\xFF\xD8one\xFF\xD9", true);
        body.extend(part(b"\xFF\xD8two\r\n--fr\xFF\xD9", true));
        body.extend(part(b"\xFF\xD8three\xFF\xD9", false));
        body.extend(b"--frame--\r\n");
        for step in [1, 3, 7, body.len()] {
            let mut r = MjpegReader::new(TYPE, 1024).expect("reader");
            let mut got = Vec::new();
            for chunk in body.chunks(step) {
                // The closing boundary may end the stream before its last bytes are pushed.
                if r.push(chunk) == Err(MjpegError::Ended) {
                    break;
                }
                got.extend(all(&mut r));
            }
            assert_eq!(
                got,
                vec![
                    b"\xFF\xD8one\xFF\xD9".to_vec(),
                    b"\xFF\xD8two\r\n--fr\xFF\xD9".to_vec(),
                    b"\xFF\xD8three\xFF\xD9".to_vec()
                ],
                "step {step}"
            );
            assert_eq!(r.next_frame(), Err(MjpegError::Ended));
        }
    }

    #[test]
    fn a_frame_larger_than_the_limit_is_refused_before_it_is_buffered() {
        let mut r = MjpegReader::new(TYPE, 16).expect("reader");
        r.push(b"--frame\r\nContent-Length: 17\r\n\r\n")
            .expect("push");
        assert_eq!(
            r.next_frame(),
            Err(MjpegError::FrameTooLarge {
                frame: 0,
                limit: 16
            })
        );
        let mut open = MjpegReader::new(TYPE, 16).expect("reader");
        open.push(b"--frame\r\n\r\n").expect("push");
        assert_eq!(open.next_frame(), Ok(None));
        let mut refused = false;
        for _ in 0..1000 {
            if open.push(&[0u8; 64]).is_err() || open.next_frame().is_err() {
                refused = true;
                break;
            }
        }
        assert!(refused, "an endless part without a length is cut off");
    }

    #[test]
    fn a_response_that_is_not_multipart_or_has_no_boundary_is_refused() {
        assert!(MjpegReader::new("image/jpeg", 10).is_err());
        assert!(MjpegReader::new("multipart/x-mixed-replace", 10).is_err());
        assert!(MjpegReader::new("multipart/x-mixed-replace; boundary=\"--b\"", 10).is_ok());
        let mut r = MjpegReader::new(TYPE, 10).expect("reader");
        r.push(&[b'x'; MAX_PREAMBLE + 100]).expect("push");
        assert_eq!(r.next_frame(), Err(MjpegError::NoBoundary));
    }

    #[test]
    fn garbage_after_a_frame_of_known_length_names_the_frame() {
        let mut r = MjpegReader::new(TYPE, 100).expect("reader");
        r.push(b"--frame\r\nContent-Length: 2\r\n\r\nabXYZXYZXYZ")
            .expect("push");
        assert!(r.next_frame().expect("frame").is_some());
        assert!(matches!(
            r.next_frame(),
            Err(MjpegError::NoBoundaryAfterFrame { frame: 0, .. })
        ));
    }
}
