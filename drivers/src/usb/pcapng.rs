//! usbmon captures in pcapng: the file format [`UsbRecorder`](super::UsbRecorder) writes and
//! [`UsbReplay`](super::UsbReplay) reads, the one Wireshark, tcpdump and umockdev use for USB
//! traffic captured on Linux.
//!
//! # Format
//!
//! A pcapng file (draft-ietf-opsawg-pcapng) is a sequence of blocks, each
//! `type u32 | total length u32 | body | total length u32`, the length counting the whole block
//! and a multiple of 4. The recorder writes, little-endian:
//!
//! 1. a Section Header Block (type `0x0A0D0D0A`, byte-order magic `0x1A2B3C4D`, version 1.0,
//!    section length -1, option `shb_userappl` = "rekam");
//! 2. one Interface Description Block (type 1): link type 220 `LINKTYPE_USB_LINUX_MMAPPED`,
//!    snaplen (default 65535), options `if_name` = `usbmon<bus>` and `if_tsresol` = 6
//!    (microseconds);
//! 3. one Enhanced Packet Block (type 6) per usbmon event: interface 0, timestamp in
//!    microseconds since 1970 (high and low u32), captured length, original length, then the
//!    packet padded to 4 bytes.
//!
//! Each packet is the 64-byte header of the Linux usbmon binary interface
//! (Documentation/usb/usbmon.rst, `struct usbmon_packet`; libpcap's `pcap_usb_header_mmapped`)
//! in the capturing host's byte order (little-endian here), followed by `len_cap` bytes:
//!
//! | offset | field | meaning |
//! |---|---|---|
//! | 0 | `id` u64 | URB tag, the same in a submission and its completion |
//! | 8 | `type` u8 | `'S'` submission, `'C'` completion, `'E'` submission error |
//! | 9 | `xfer_type` u8 | 0 isochronous, 1 interrupt, 2 control, 3 bulk |
//! | 10 | `epnum` u8 | endpoint number, bit 7 set for IN (also for control IN) |
//! | 11 | `devnum` u8 | device address |
//! | 12 | `busnum` u16 | bus number |
//! | 14 | `flag_setup` i8 | 0 when `setup` holds a SETUP packet (control `'S'`), else `'-'` |
//! | 15 | `flag_data` i8 | 0 when data follow (or length is 0), `'<'` IN submission, `'>'` OUT completion |
//! | 16 | `ts_sec` i64 | seconds |
//! | 24 | `ts_usec` i32 | microseconds |
//! | 28 | `status` i32 | 0 or a negative errno; `-115` (EINPROGRESS) in submissions |
//! | 32 | `length` u32 | bytes requested (`'S'`) or transferred (`'C'`) |
//! | 36 | `len_cap` u32 | bytes of data (and isochronous descriptors) that follow the header |
//! | 40 | `setup` \[u8; 8\] | SETUP packet, or isochronous `error_count` i32, `numdesc` i32 |
//! | 48 | `interval` i32 | polling interval (interrupt, isochronous) |
//! | 52 | `start_frame` i32 | isochronous start frame |
//! | 56 | `xfer_flags` u32 | URB transfer flags (0x200 `URB_DIR_IN`) |
//! | 60 | `ndesc` u32 | isochronous descriptors (16 bytes each) between header and data |
//!
//! A transfer is a submission and its completion, as Wireshark shows them: OUT data travel in
//! the submission, IN data in the completion. A transfer the recorder saw time out completes
//! with status -104 (ECONNRESET), as when libusb cancels a timed-out URB.
//!
//! The reader accepts what Wireshark and tcpdump write on a real usbmon interface as well:
//! several sections of either byte order, several interfaces (packets of non-USB interfaces are
//! skipped), options, and block types it does not need (skipped). Link type 189
//! (`LINKTYPE_USB_LINUX`, a 48-byte header) is read too.
//!
//! Contract: [`parse`] reads the whole file or returns a [`PcapngError`] naming the byte offset;
//! it never panics, whatever the input.

use std::io::Write;

/// Link type of the 64-byte usbmon header (what `usbmonN` interfaces capture).
pub const LINKTYPE_USB_LINUX_MMAPPED: u16 = 220;
/// Link type of the older 48-byte usbmon header.
pub const LINKTYPE_USB_LINUX: u16 = 189;
/// Default snapshot length of recordings.
pub const DEFAULT_SNAPLEN: u32 = 65_535;
/// Size of the usbmon header of link type 220.
pub const HEADER_LEN: usize = 64;

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 1;
const SPB: u32 = 3;
const EPB: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// Bigger blocks are rejected rather than trusted (a usbmon ring holds far less).
const MAX_BLOCK: usize = 64 << 20;

/// usbmon event type `'S'`.
pub const EVENT_SUBMISSION: u8 = b'S';
/// usbmon event type `'C'`.
pub const EVENT_COMPLETION: u8 = b'C';
/// usbmon event type `'E'`.
pub const EVENT_ERROR: u8 = b'E';

/// usbmon transfer type of isochronous transfers.
pub const XFER_ISOCHRONOUS: u8 = 0;
/// usbmon transfer type of interrupt transfers.
pub const XFER_INTERRUPT: u8 = 1;
/// usbmon transfer type of control transfers.
pub const XFER_CONTROL: u8 = 2;
/// usbmon transfer type of bulk transfers.
pub const XFER_BULK: u8 = 3;

/// `URB_DIR_IN` in `xfer_flags`.
pub const URB_DIR_IN: u32 = 0x0200;
/// Status of every submission.
pub const EINPROGRESS: i32 = -115;

/// A malformed or unreadable capture.
#[derive(Debug, thiserror::Error)]
pub enum PcapngError {
    /// Reading or writing the file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The file does not start with a Section Header Block.
    #[error("not a pcapng file (first block type {0:#010x})")]
    NotPcapng(u32),
    /// The file ends inside a block.
    #[error("at byte {offset}: truncated: the block needs {needed} byte(s), {available} remain")]
    Truncated {
        /// Offset of the block.
        offset: usize,
        /// Bytes the block claims.
        needed: usize,
        /// Bytes left in the file.
        available: usize,
    },
    /// A block length that is too small, not a multiple of 4, or implausibly large.
    #[error("at byte {offset}: bad block length {length}")]
    BadBlockLength {
        /// Offset of the block.
        offset: usize,
        /// The length found.
        length: u64,
    },
    /// The trailing length of a block differs from the leading one.
    #[error("at byte {offset}: block length {leading} but trailing length {trailing}")]
    TrailerMismatch {
        /// Offset of the block.
        offset: usize,
        /// Leading length.
        leading: u32,
        /// Trailing length.
        trailing: u32,
    },
    /// The Section Header Block has an unknown byte-order magic.
    #[error("at byte {offset}: bad byte-order magic {magic:#010x}")]
    BadByteOrder {
        /// Offset of the block.
        offset: usize,
        /// The magic found.
        magic: u32,
    },
    /// A pcapng major version other than 1.
    #[error("at byte {offset}: unsupported pcapng version {major}.{minor}")]
    UnsupportedVersion {
        /// Offset of the block.
        offset: usize,
        /// Major version.
        major: u16,
        /// Minor version.
        minor: u16,
    },
    /// A packet refers to an interface not described before it.
    #[error("at byte {offset}: packet on undeclared interface {interface}")]
    UnknownInterface {
        /// Offset of the block.
        offset: usize,
        /// Interface id.
        interface: u32,
    },
    /// A block body or usbmon packet that does not hold together.
    #[error("at byte {offset}: {detail}")]
    Malformed {
        /// Offset of the block.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
}

/// One usbmon event: the header fields and the captured data (isochronous descriptors removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbmonPacket {
    /// URB tag.
    pub id: u64,
    /// `b'S'`, `b'C'` or `b'E'`.
    pub event: u8,
    /// One of the `XFER_*` constants.
    pub transfer_type: u8,
    /// Endpoint address, bit 7 set for IN.
    pub endpoint: u8,
    /// Device address.
    pub device: u8,
    /// Bus number.
    pub bus: u16,
    /// 0 when `setup` is valid.
    pub setup_flag: u8,
    /// 0 when data are present (or empty), else `'<'` or `'>'`.
    pub data_flag: u8,
    /// Timestamp, seconds.
    pub ts_sec: i64,
    /// Timestamp, microseconds.
    pub ts_usec: i32,
    /// 0, a negative errno, or -115 in submissions.
    pub status: i32,
    /// Bytes requested or transferred.
    pub length: u32,
    /// SETUP packet (or isochronous error count and descriptor count).
    pub setup: [u8; 8],
    /// Polling interval.
    pub interval: i32,
    /// Isochronous start frame.
    pub start_frame: i32,
    /// URB transfer flags.
    pub xfer_flags: u32,
    /// Isochronous descriptors captured.
    pub ndesc: u32,
    /// The captured data.
    pub data: Vec<u8>,
}

impl UsbmonPacket {
    /// Whether the endpoint is an IN endpoint.
    pub fn is_in(&self) -> bool {
        self.endpoint & super::ENDPOINT_IN != 0
    }

    /// The packet as the 64-byte little-endian header and its data (no isochronous descriptors).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.data.len());
        out.extend_from_slice(&self.id.to_le_bytes());
        out.extend_from_slice(&[self.event, self.transfer_type, self.endpoint, self.device]);
        out.extend_from_slice(&self.bus.to_le_bytes());
        out.extend_from_slice(&[self.setup_flag, self.data_flag]);
        out.extend_from_slice(&self.ts_sec.to_le_bytes());
        out.extend_from_slice(&self.ts_usec.to_le_bytes());
        out.extend_from_slice(&self.status.to_le_bytes());
        out.extend_from_slice(&self.length.to_le_bytes());
        out.extend_from_slice(&len_u32(self.data.len()).to_le_bytes());
        out.extend_from_slice(&self.setup);
        out.extend_from_slice(&self.interval.to_le_bytes());
        out.extend_from_slice(&self.start_frame.to_le_bytes());
        out.extend_from_slice(&self.xfer_flags.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&self.data);
        out
    }

    /// Decodes a packet of link type 220 (`mmapped`) or 189, in the section's byte order. The
    /// captured bytes may stop short of `len_cap` (a small snaplen); the data are what remains.
    pub fn decode(bytes: &[u8], big_endian: bool, mmapped: bool) -> Result<Self, String> {
        let header_len = if mmapped { HEADER_LEN } else { 48 };
        if bytes.len() < header_len {
            return Err(format!(
                "usbmon packet of {} byte(s) is shorter than its {header_len}-byte header",
                bytes.len()
            ));
        }
        let r = Fields { bytes, big_endian };
        let mut setup = [0; 8];
        setup.copy_from_slice(&bytes[40..48]);
        let (interval, start_frame, xfer_flags, ndesc) = if mmapped {
            (r.i32(48), r.i32(52), r.u32(56), r.u32(60))
        } else {
            (0, 0, 0, 0)
        };
        let len_cap = r.u32(36) as usize;
        let descriptors = (ndesc as usize)
            .checked_mul(16)
            .filter(|&d| d <= len_cap)
            .ok_or_else(|| format!("{ndesc} isochronous descriptors exceed len_cap {len_cap}"))?;
        let captured = &bytes[header_len..];
        let end = captured.len().min(len_cap);
        let data = captured.get(descriptors..end).unwrap_or_default().to_vec();
        Ok(UsbmonPacket {
            id: r.u64(0),
            event: bytes[8],
            transfer_type: bytes[9],
            endpoint: bytes[10],
            device: bytes[11],
            bus: r.u16(12),
            setup_flag: bytes[14],
            data_flag: bytes[15],
            ts_sec: r.i64(16),
            ts_usec: r.i32(24),
            status: r.i32(28),
            length: r.u32(32),
            setup,
            interval,
            start_frame,
            xfer_flags,
            ndesc,
            data,
        })
    }
}

/// Reads fixed-offset fields of a buffer already checked to be long enough.
struct Fields<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl Fields<'_> {
    fn array<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut a = [0; N];
        if let Some(s) = self.bytes.get(at..at + N) {
            a.copy_from_slice(s);
        }
        a
    }
    fn u16(&self, at: usize) -> u16 {
        let a = self.array(at);
        if self.big_endian {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }
    }
    fn u32(&self, at: usize) -> u32 {
        let a = self.array(at);
        if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }
    fn i32(&self, at: usize) -> i32 {
        self.u32(at) as i32
    }
    fn u64(&self, at: usize) -> u64 {
        let a = self.array(at);
        if self.big_endian {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        }
    }
    fn i64(&self, at: usize) -> i64 {
        self.u64(at) as i64
    }
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One packet read from a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedPacket {
    /// Index of the interface in the file (counted across sections).
    pub interface: usize,
    /// The interface's link type (220 or 189).
    pub linktype: u16,
    /// Whether the whole event was captured (not cut by the snaplen).
    pub complete: bool,
    /// The usbmon event.
    pub packet: UsbmonPacket,
}

/// Reads every usbmon packet of a pcapng file, in file order.
pub fn parse(file: &[u8]) -> Result<Vec<CapturedPacket>, PcapngError> {
    let mut packets = Vec::new();
    // Per section: (global index, link type, snaplen) of each interface.
    let mut interfaces: Vec<(usize, u16, u32)> = Vec::new();
    let mut interface_count = 0usize;
    let mut big_endian = false;
    let mut offset = 0usize;
    while offset < file.len() {
        let rest = &file[offset..];
        if rest.len() < 12 {
            return Err(PcapngError::Truncated {
                offset,
                needed: 12,
                available: rest.len(),
            });
        }
        let raw_type = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        if offset == 0 && raw_type != SHB {
            return Err(PcapngError::NotPcapng(raw_type));
        }
        if raw_type == SHB {
            let magic = u32::from_le_bytes([rest[8], rest[9], rest[10], rest[11]]);
            big_endian = match magic {
                BYTE_ORDER_MAGIC => false,
                m if m.swap_bytes() == BYTE_ORDER_MAGIC => true,
                _ => return Err(PcapngError::BadByteOrder { offset, magic }),
            };
            interfaces.clear();
        }
        let r = Fields {
            bytes: rest,
            big_endian,
        };
        let block_type = r.u32(0);
        let length = r.u32(4);
        let len = length as usize;
        if len < 12 || !len.is_multiple_of(4) || len > MAX_BLOCK {
            return Err(PcapngError::BadBlockLength {
                offset,
                length: u64::from(length),
            });
        }
        if len > rest.len() {
            return Err(PcapngError::Truncated {
                offset,
                needed: len,
                available: rest.len(),
            });
        }
        let trailing = r.u32(len - 4);
        if trailing != length {
            return Err(PcapngError::TrailerMismatch {
                offset,
                leading: length,
                trailing,
            });
        }
        let body = &rest[8..len - 4];
        let b = Fields {
            bytes: body,
            big_endian,
        };
        let malformed = |detail: String| PcapngError::Malformed { offset, detail };
        match block_type {
            SHB => {
                if body.len() < 16 {
                    return Err(malformed("section header shorter than 16 bytes".into()));
                }
                let (major, minor) = (b.u16(4), b.u16(6));
                if major != 1 {
                    return Err(PcapngError::UnsupportedVersion {
                        offset,
                        major,
                        minor,
                    });
                }
                check_options(&body[16..], big_endian).map_err(malformed)?;
            }
            IDB => {
                if body.len() < 8 {
                    return Err(malformed(
                        "interface description shorter than 8 bytes".into(),
                    ));
                }
                check_options(&body[8..], big_endian).map_err(malformed)?;
                interfaces.push((interface_count, b.u16(0), b.u32(4)));
                interface_count += 1;
            }
            EPB | SPB => {
                let (interface, captured) = if block_type == EPB {
                    if body.len() < 20 {
                        return Err(malformed(
                            "enhanced packet block shorter than 20 bytes".into(),
                        ));
                    }
                    let captured = b.u32(12) as usize;
                    let data = body
                        .get(20..20usize.saturating_add(captured))
                        .ok_or_else(|| {
                            malformed(format!(
                                "captured length {captured} exceeds the block's {} byte(s)",
                                body.len() - 20
                            ))
                        })?;
                    let options_at = 20 + captured.div_ceil(4) * 4;
                    check_options(body.get(options_at..).unwrap_or_default(), big_endian)
                        .map_err(malformed)?;
                    (b.u32(0), data)
                } else {
                    if body.len() < 4 {
                        return Err(malformed("simple packet block shorter than 4 bytes".into()));
                    }
                    let original = b.u32(0) as usize;
                    let snaplen = interfaces.first().map_or(u32::MAX, |i| i.2) as usize;
                    let snaplen = if snaplen == 0 { usize::MAX } else { snaplen };
                    let n = original.min(snaplen).min(body.len() - 4);
                    (0, &body[4..4 + n])
                };
                let &(global, linktype, _) = interfaces
                    .get(interface as usize)
                    .ok_or(PcapngError::UnknownInterface { offset, interface })?;
                if linktype == LINKTYPE_USB_LINUX_MMAPPED || linktype == LINKTYPE_USB_LINUX {
                    let mmapped = linktype == LINKTYPE_USB_LINUX_MMAPPED;
                    let packet =
                        UsbmonPacket::decode(captured, big_endian, mmapped).map_err(malformed)?;
                    let header_len = if mmapped { HEADER_LEN } else { 48 };
                    let len_cap = Fields {
                        bytes: captured,
                        big_endian,
                    }
                    .u32(36) as usize;
                    let complete = captured.len() - header_len >= len_cap;
                    packets.push(CapturedPacket {
                        interface: global,
                        linktype,
                        complete,
                        packet,
                    });
                }
            }
            // Name resolution, statistics, decryption secrets, custom blocks: not needed.
            _ => {}
        }
        offset += len;
    }
    Ok(packets)
}

/// Checks that an options area is a well-formed list (code, length, padded value).
fn check_options(mut area: &[u8], big_endian: bool) -> Result<(), String> {
    while area.len() >= 4 {
        let f = Fields {
            bytes: area,
            big_endian,
        };
        let (code, len) = (f.u16(0), f.u16(2) as usize);
        if code == 0 {
            return Ok(());
        }
        let padded = 4 + len.div_ceil(4) * 4;
        if padded > area.len() {
            return Err(format!(
                "option {code} of {len} byte(s) runs past the end of its block"
            ));
        }
        area = &area[padded..];
    }
    if area.is_empty() {
        Ok(())
    } else {
        Err(format!("{} stray byte(s) after the options", area.len()))
    }
}

/// Writes a usbmon pcapng capture (see the module doc).
pub struct PcapngWriter<W: Write> {
    out: W,
    snaplen: u32,
}

impl<W: Write> PcapngWriter<W> {
    /// Writes the section header and one link type 220 interface named `usbmon<bus>`.
    pub fn new(mut out: W, bus: u16, snaplen: u32) -> Result<Self, PcapngError> {
        let mut shb = Vec::new();
        shb.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        push_option(&mut shb, 4, b"rekam");
        push_option(&mut shb, 0, &[]);
        write_block(&mut out, SHB, &shb)?;
        let mut idb = Vec::new();
        idb.extend_from_slice(&LINKTYPE_USB_LINUX_MMAPPED.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&snaplen.to_le_bytes());
        push_option(&mut idb, 2, format!("usbmon{bus}").as_bytes());
        push_option(&mut idb, 9, &[6]);
        push_option(&mut idb, 0, &[]);
        write_block(&mut out, IDB, &idb)?;
        Ok(Self { out, snaplen })
    }

    /// Appends one event as an Enhanced Packet Block, cut to the snaplen.
    pub fn write(&mut self, packet: &UsbmonPacket) -> Result<(), PcapngError> {
        let bytes = packet.encode();
        let snap = (self.snaplen as usize).max(HEADER_LEN);
        let captured = &bytes[..bytes.len().min(snap)];
        let micros = i128::from(packet.ts_sec) * 1_000_000 + i128::from(packet.ts_usec);
        let micros = u64::try_from(micros).unwrap_or(0);
        let original = HEADER_LEN as u64 + u64::from(packet.length.max(len_u32(packet.data.len())));
        let mut body = Vec::with_capacity(20 + captured.len() + 3);
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&((micros >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(micros as u32).to_le_bytes());
        body.extend_from_slice(&len_u32(captured.len()).to_le_bytes());
        body.extend_from_slice(&u32::try_from(original).unwrap_or(u32::MAX).to_le_bytes());
        body.extend_from_slice(captured);
        body.resize(body.len().div_ceil(4) * 4, 0);
        write_block(&mut self.out, EPB, &body)
    }

    /// Flushes the output.
    pub fn flush(&mut self) -> Result<(), PcapngError> {
        Ok(self.out.flush()?)
    }

    /// Flushes and returns the output.
    pub fn into_inner(mut self) -> Result<W, PcapngError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn push_option(body: &mut Vec<u8>, code: u16, value: &[u8]) {
    body.extend_from_slice(&code.to_le_bytes());
    body.extend_from_slice(&(value.len() as u16).to_le_bytes());
    body.extend_from_slice(value);
    body.resize(body.len().div_ceil(4) * 4, 0);
}

fn write_block<W: Write>(out: &mut W, block_type: u32, body: &[u8]) -> Result<(), PcapngError> {
    let total = len_u32(12 + body.len());
    out.write_all(&block_type.to_le_bytes())?;
    out.write_all(&total.to_le_bytes())?;
    out.write_all(body)?;
    out.write_all(&total.to_le_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(data: Vec<u8>) -> UsbmonPacket {
        UsbmonPacket {
            id: 0xffff_8880_1234_5600,
            event: EVENT_SUBMISSION,
            transfer_type: XFER_BULK,
            endpoint: 0x02,
            device: 5,
            bus: 3,
            setup_flag: b'-',
            data_flag: 0,
            ts_sec: 1_700_000_000,
            ts_usec: 123_456,
            status: EINPROGRESS,
            length: len_u32(data.len()),
            setup: [0; 8],
            interval: 0,
            start_frame: 0,
            xfer_flags: 0,
            ndesc: 0,
            data,
        }
    }

    #[test]
    fn the_header_has_usbmon_offsets_and_64_bytes() {
        let bytes = sample(vec![1, 2, 3]).encode();
        assert_eq!(bytes.len(), 67);
        assert_eq!(bytes[8], b'S');
        assert_eq!(bytes[9], 3);
        assert_eq!(bytes[10], 0x02);
        assert_eq!(bytes[11], 5);
        assert_eq!(&bytes[12..14], &[3, 0]);
        assert_eq!(&bytes[28..32], &(-115i32).to_le_bytes());
        assert_eq!(&bytes[32..36], &3u32.to_le_bytes());
        assert_eq!(&bytes[36..40], &3u32.to_le_bytes());
        assert_eq!(&bytes[64..], &[1, 2, 3]);
    }

    #[test]
    fn a_written_capture_parses_back_to_the_same_packets() {
        let mut w = PcapngWriter::new(Vec::new(), 3, DEFAULT_SNAPLEN).unwrap();
        let packets = [sample(vec![9; 5]), sample(vec![])];
        for p in &packets {
            w.write(p).unwrap();
        }
        let file = w.into_inner().unwrap();
        let read = parse(&file).unwrap();
        assert_eq!(read.len(), 2);
        for (r, p) in read.iter().zip(&packets) {
            assert_eq!(&r.packet, p);
            assert_eq!(r.linktype, LINKTYPE_USB_LINUX_MMAPPED);
            assert!(r.complete);
        }
    }

    #[test]
    fn a_small_snaplen_marks_packets_incomplete() {
        let mut w = PcapngWriter::new(Vec::new(), 1, 70).unwrap();
        w.write(&sample(vec![7; 20])).unwrap();
        let read = parse(&w.into_inner().unwrap()).unwrap();
        assert_eq!(read[0].packet.data, vec![7; 6]);
        assert!(!read[0].complete);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let mut w = PcapngWriter::new(Vec::new(), 3, DEFAULT_SNAPLEN).unwrap();
        w.write(&sample(vec![1; 10])).unwrap();
        let file = w.into_inner().unwrap();
        // Block boundaries: the section header alone, and with the interface, are whole files.
        let shb = u32::from_le_bytes([file[4], file[5], file[6], file[7]]) as usize;
        let idb = u32::from_le_bytes([file[shb + 4], file[shb + 5], file[shb + 6], file[shb + 7]]);
        let boundaries = [shb, shb + idb as usize];
        for len in (1..file.len()).filter(|l| !boundaries.contains(l)) {
            let cut = &file[..len];
            assert!(
                parse(cut).is_err(),
                "accepted {len} of {} bytes",
                file.len()
            );
        }
        for len in boundaries {
            assert_eq!(parse(&file[..len]).unwrap(), vec![]);
        }
    }

    #[test]
    fn a_big_endian_section_is_read_in_its_byte_order() {
        let p = sample(vec![4, 5]);
        let le = p.encode();
        // The header as a big-endian host would write it.
        let mut be = le.clone();
        be[0..8].reverse();
        be[12..14].reverse();
        for range in [
            16..24,
            24..28,
            28..32,
            32..36,
            36..40,
            48..52,
            52..56,
            56..60,
            60..64,
        ] {
            be[range].reverse();
        }
        let mut file = Vec::new();
        let block = |t: u32, body: &[u8]| {
            let total = (12 + body.len()) as u32;
            let mut b = t.to_be_bytes().to_vec();
            b.extend_from_slice(&total.to_be_bytes());
            b.extend_from_slice(body);
            b.extend_from_slice(&total.to_be_bytes());
            b
        };
        let mut shb = BYTE_ORDER_MAGIC.to_be_bytes().to_vec();
        shb.extend_from_slice(&[0, 1, 0, 0]);
        shb.extend_from_slice(&(-1i64).to_be_bytes());
        file.extend(block(SHB, &shb));
        let mut idb = 220u16.to_be_bytes().to_vec();
        idb.extend_from_slice(&[0, 0, 0, 0, 0xff, 0xff]);
        file.extend(block(IDB, &idb));
        let mut epb = vec![0; 12];
        epb.extend_from_slice(&(be.len() as u32).to_be_bytes());
        epb.extend_from_slice(&(be.len() as u32).to_be_bytes());
        epb.extend_from_slice(&be);
        epb.resize(epb.len().div_ceil(4) * 4, 0);
        file.extend(block(EPB, &epb));
        let read = parse(&file).unwrap();
        assert_eq!(read[0].packet, p);
    }

    #[test]
    fn unknown_blocks_and_non_usb_interfaces_are_skipped() {
        let mut w = PcapngWriter::new(Vec::new(), 3, DEFAULT_SNAPLEN).unwrap();
        w.write(&sample(vec![1])).unwrap();
        let mut file = w.into_inner().unwrap();
        // A statistics block, an Ethernet interface and a packet on it.
        let mut extra = Vec::new();
        write_block(&mut extra, 5, &[0; 12]).unwrap();
        write_block(&mut extra, IDB, &[1, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        let mut epb = vec![1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0];
        epb.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        write_block(&mut extra, EPB, &epb).unwrap();
        file.extend(extra);
        let read = parse(&file).unwrap();
        assert_eq!(read.len(), 1);
    }

    #[test]
    fn garbage_is_rejected_with_the_offset() {
        assert!(matches!(
            parse(b"\xd4\xc3\xb2\xa1 a classic pcap"),
            Err(PcapngError::NotPcapng(_))
        ));
        let mut w = PcapngWriter::new(Vec::new(), 3, DEFAULT_SNAPLEN).unwrap();
        w.write(&sample(vec![1])).unwrap();
        let mut file = w.into_inner().unwrap();
        let last = file.len() - 1;
        file[last] ^= 1;
        assert!(matches!(
            parse(&file),
            Err(PcapngError::TrailerMismatch { .. })
        ));
    }
}
