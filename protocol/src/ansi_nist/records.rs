//! Typed ANSI/NIST-ITL 1-2011 records for writing: the Type-1 header, Type-2 user-defined text,
//! Type-8 signature, Type-10 face, Type-14 finger and Type-17 iris, and the transaction that holds
//! them.
//!
//! Contract: [`NewTransaction::to_records`] turns the typed values into fields, refusing any value
//! the field cannot hold with a [`WriteError`] naming the field (a code outside the standard's
//! table, text with a separator or control character, a number too long for the field, an image
//! whose bytes are not in the format its compression code names, a segment outside its image);
//! nothing is truncated or replaced. It computes what is derived: 1.003 CNT from the records, every
//! record length. What 1-2011 lets the writer choose is fixed here and documented on the field.

use std::collections::BTreeMap;

use time::Date;

use super::write::{OwnedRecord, WriteError, encode_transaction, write_err};
use super::{RS, US};
use crate::timefmt::Timestamp;

/// A field's values being collected for one record.
struct Fields {
    t: u8,
    map: BTreeMap<u16, Vec<u8>>,
}

/// Which characters a text item may hold.
#[derive(Clone, Copy)]
enum Chars {
    /// Printable ASCII (0x20-0x7E): the standard's A, N, AN, ANS types.
    Ascii,
    /// Any Unicode character except controls, as UTF-8 (Type-2 text, with 1.015 DCS naming UTF-8).
    Utf8,
}

impl Fields {
    fn new(t: u8, idc: u8) -> Result<Fields, WriteError> {
        let mut f = Fields {
            t,
            map: BTreeMap::new(),
        };
        if t != 1 {
            f.number(2, "IDC", u64::from(idc), 0, 99)?;
        }
        Ok(f)
    }

    fn check_item(
        &self,
        n: u16,
        m: &'static str,
        item: &str,
        chars: Chars,
        max: usize,
    ) -> Result<(), WriteError> {
        if item.is_empty() {
            return Err(write_err(self.t, n, m, "an item is empty"));
        }
        if item.len() > max {
            return Err(write_err(
                self.t,
                n,
                m,
                format!("{item:?} is longer than the field's {max} bytes"),
            ));
        }
        let bad = match chars {
            Chars::Ascii => item.chars().find(|c| !(' '..='~').contains(c)),
            Chars::Utf8 => item.chars().find(|c| c.is_control()),
        };
        if let Some(c) = bad {
            return Err(write_err(
                self.t,
                n,
                m,
                format!(
                    "{item:?} holds U+{:04X}, which the field cannot carry",
                    u32::from(c)
                ),
            ));
        }
        Ok(())
    }

    /// A field of subfields, each a list of items.
    fn subfields(
        &mut self,
        n: u16,
        m: &'static str,
        subfields: &[Vec<String>],
        chars: Chars,
        max: usize,
    ) -> Result<(), WriteError> {
        if subfields.is_empty() || subfields.iter().any(Vec::is_empty) {
            return Err(write_err(self.t, n, m, "has no value"));
        }
        let mut value = Vec::new();
        for (i, sub) in subfields.iter().enumerate() {
            if i > 0 {
                value.push(RS);
            }
            for (j, item) in sub.iter().enumerate() {
                self.check_item(n, m, item, chars, max)?;
                if j > 0 {
                    value.push(US);
                }
                value.extend_from_slice(item.as_bytes());
            }
        }
        self.map.insert(n, value);
        Ok(())
    }

    fn text(&mut self, n: u16, m: &'static str, v: &str, max: usize) -> Result<(), WriteError> {
        self.subfields(n, m, &[vec![v.to_string()]], Chars::Ascii, max)
    }

    fn number(
        &mut self,
        n: u16,
        m: &'static str,
        v: u64,
        min: u64,
        max: u64,
    ) -> Result<(), WriteError> {
        if !(min..=max).contains(&v) {
            return Err(write_err(
                self.t,
                n,
                m,
                format!("{v} is outside {min}-{max}"),
            ));
        }
        self.map.insert(n, v.to_string().into_bytes());
        Ok(())
    }

    fn date(&mut self, n: u16, m: &'static str, d: Date) -> Result<(), WriteError> {
        if !(1..=9999).contains(&d.year()) {
            return Err(write_err(self.t, n, m, "the year is not 0001-9999"));
        }
        let v = format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day());
        self.map.insert(n, v.into_bytes());
        Ok(())
    }

    fn done(self) -> OwnedRecord {
        OwnedRecord::Tagged {
            record_type: self.t,
            fields: self.map,
        }
    }
}

/// An agency or source identifier (DAI, ORI, SRC): 1-35 of `A-Z a-z 0-9 . _ -` and space. The
/// standard allows more, but this keeps the colon and separators out, which some readers (nistitl)
/// search for.
fn check_agency(t: u8, n: u16, m: &'static str, v: &str) -> Result<(), WriteError> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ' ');
    if v.is_empty() || v.len() > 35 || !v.chars().all(ok) {
        return Err(write_err(
            t,
            n,
            m,
            format!("{v:?} is not 1-35 characters of A-Z a-z 0-9 . _ - and space"),
        ));
    }
    Ok(())
}

/// The Type-1 transaction header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type1 {
    /// 1.004 TOT, type of transaction: 1-16 letters and digits, as agreed with the receiver.
    pub transaction_type: String,
    /// 1.007 DAI, destination agency identifier.
    pub destination_agency: String,
    /// 1.008 ORI, originating agency identifier.
    pub originating_agency: String,
    /// 1.009 TCN, transaction control number: 1-40 of `A-Z a-z 0-9 . _ -`.
    pub control_number: String,
    /// 1.013 DOM, the domain that defines the user-defined fields (Type-2): name and version.
    pub domain: (String, String),
    /// 1.005 DAT (its UTC date) and 1.014 GMT: when the transaction was made.
    pub created: Timestamp,
}

/// 1.002 VER: ANSI/NIST-ITL 1-2011.
pub const VERSION: &str = "0500";

impl Type1 {
    fn to_record(&self, content: &[(u8, u8)]) -> Result<OwnedRecord, WriteError> {
        let mut f = Fields::new(1, 0)?;
        f.text(2, "VER", VERSION, 4)?;
        let mut cnt = vec![vec!["1".to_string(), content.len().to_string()]];
        cnt.extend(
            content
                .iter()
                .map(|(t, idc)| vec![t.to_string(), idc.to_string()]),
        );
        f.subfields(3, "CNT", &cnt, Chars::Ascii, 3)?;
        let tot = &self.transaction_type;
        if tot.is_empty() || tot.len() > 16 || !tot.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(write_err(
                1,
                4,
                "TOT",
                format!("{tot:?} is not 1-16 letters and digits"),
            ));
        }
        f.text(4, "TOT", tot, 16)?;
        f.date(5, "DAT", self.created.date())?;
        check_agency(1, 7, "DAI", &self.destination_agency)?;
        f.text(7, "DAI", &self.destination_agency, 35)?;
        check_agency(1, 8, "ORI", &self.originating_agency)?;
        f.text(8, "ORI", &self.originating_agency, 35)?;
        let tcn = &self.control_number;
        let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if tcn.is_empty() || tcn.len() > 40 || !tcn.chars().all(ok) {
            return Err(write_err(
                1,
                9,
                "TCN",
                format!("{tcn:?} is not 1-40 of A-Z a-z 0-9 . _ -"),
            ));
        }
        f.text(9, "TCN", tcn, 40)?;
        // NSR and NTR state the scanning resolution of Type-4/5/6/7 records; this writer produces
        // none (its images carry their own resolution), and 1-2011 says 00.00 then.
        f.text(11, "NSR", "00.00", 5)?;
        f.text(12, "NTR", "00.00", 5)?;
        let (name, version) = &self.domain;
        f.subfields(
            13,
            "DOM",
            &[vec![name.clone(), version.clone()]],
            Chars::Ascii,
            32,
        )?;
        let gmt =
            time::OffsetDateTime::from_unix_timestamp(self.created.unix_ms().div_euclid(1000))
                .map_err(|_| write_err(1, 14, "GMT", "the time is out of range"))?;
        f.text(
            14,
            "GMT",
            &format!(
                "{:04}{:02}{:02}{:02}{:02}{:02}Z",
                gmt.year(),
                u8::from(gmt.month()),
                gmt.day(),
                gmt.hour(),
                gmt.minute(),
                gmt.second()
            ),
            15,
        )?;
        // 1.015 DCS: Type-2 text is UTF-8 (character set index 003).
        f.subfields(
            15,
            "DCS",
            &[vec!["003".into(), "UTF-8".into()]],
            Chars::Ascii,
            16,
        )?;
        Ok(f.done())
    }
}

/// A Type-2 record of user-defined text fields (2.003-2.998), as the domain in 1.013 defines them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type2 {
    /// 2.002 IDC.
    pub idc: u8,
    /// Field number and its subfields of items, each item 1-1000 bytes of UTF-8 text without
    /// control characters.
    pub fields: Vec<(u16, Vec<Vec<String>>)>,
}

impl Type2 {
    fn to_record(&self) -> Result<OwnedRecord, WriteError> {
        let mut f = Fields::new(2, self.idc)?;
        for (n, subfields) in &self.fields {
            if !(3..=998).contains(n) || f.map.contains_key(n) {
                return Err(write_err(
                    2,
                    *n,
                    "user-defined",
                    "is not a user-defined field number (2.003-2.998) used once",
                ));
            }
            f.subfields(*n, "user-defined", subfields, Chars::Utf8, 1000)?;
        }
        Ok(f.done())
    }
}

/// Compression algorithm codes (CGA, Table 15 of 1-2011).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cga {
    /// Uncompressed pixels.
    None,
    /// WSQ 3.1 (friction ridge images only).
    Wsq20,
    /// Baseline JPEG.
    JpegB,
    /// Lossless JPEG.
    JpegL,
    /// JPEG 2000, lossy.
    Jp2,
    /// JPEG 2000, lossless.
    Jp2L,
    /// PNG.
    Png,
}

impl Cga {
    /// The code as written in the CGA field.
    pub fn code(self) -> &'static str {
        match self {
            Cga::None => "NONE",
            Cga::Wsq20 => "WSQ20",
            Cga::JpegB => "JPEGB",
            Cga::JpegL => "JPEGL",
            Cga::Jp2 => "JP2",
            Cga::Jp2L => "JP2L",
            Cga::Png => "PNG",
        }
    }

    /// Whether `data` starts as a file of this format does (uncompressed: `raw_len` bytes).
    fn fits(self, data: &[u8], raw_len: u64) -> bool {
        match self {
            Cga::None => data.len() as u64 == raw_len,
            Cga::Wsq20 => data.starts_with(&[0xFF, 0xA0]),
            Cga::JpegB | Cga::JpegL => data.starts_with(&[0xFF, 0xD8]),
            Cga::Jp2 | Cga::Jp2L => {
                data.starts_with(&[0, 0, 0, 0x0C, b'j', b'P', b' ', b' '])
                    || data.starts_with(&[0xFF, 0x4F, 0xFF, 0x51])
            }
            Cga::Png => data.starts_with(b"\x89PNG\r\n\x1a\n"),
        }
    }
}

/// An image for field 999 with its size and compression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageData {
    /// HLL, pixels per line (10-99999).
    pub width: u32,
    /// VLL, lines (10-99999).
    pub height: u32,
    /// CGA.
    pub compression: Cga,
    /// The encoded image.
    pub data: Vec<u8>,
}

/// Color space codes (CSP), as used for faces and irises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorSpace {
    /// Grayscale.
    Gray,
    /// sRGB (IEC 61966-2-1).
    Srgb,
}

impl ColorSpace {
    fn code(self) -> &'static str {
        match self {
            ColorSpace::Gray => "GRAY",
            ColorSpace::Srgb => "SRGB",
        }
    }
}

impl Fields {
    /// HLL, VLL, SLC, THPS, TVPS, CGA (fields 6-11) and the data of an image record, with
    /// `scale` as (SLC, THPS, TVPS), and the raw size for uncompressed images at `bpx` bits.
    fn image(
        &mut self,
        image: &ImageData,
        scale: (u8, u32, u32),
        bpx: u8,
        allowed: &[Cga],
    ) -> Result<(), WriteError> {
        self.number(6, "HLL", u64::from(image.width), 10, 99_999)?;
        self.number(7, "VLL", u64::from(image.height), 10, 99_999)?;
        self.number(8, "SLC", u64::from(scale.0), 0, 2)?;
        self.number(9, "THPS", u64::from(scale.1), 1, 99_999)?;
        self.number(10, "TVPS", u64::from(scale.2), 1, 99_999)?;
        if !allowed.contains(&image.compression) {
            return Err(write_err(
                self.t,
                11,
                "CGA",
                format!(
                    "{} is not a compression this record type carries",
                    image.compression.code()
                ),
            ));
        }
        self.text(11, "CGA", image.compression.code(), 5)?;
        let raw_len = u64::from(image.width) * u64::from(image.height) * u64::from(bpx).div_ceil(8);
        if image.data.is_empty() || !image.compression.fits(&image.data, raw_len) {
            return Err(write_err(
                self.t,
                999,
                "DATA",
                format!(
                    "the {} bytes are not a {} image",
                    image.data.len(),
                    image.compression.code()
                ),
            ));
        }
        self.map.insert(999, image.data.clone());
        Ok(())
    }
}

/// A Type-10 facial image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type10 {
    /// 10.002 IDC.
    pub idc: u8,
    /// 10.004 SRC, the agency that captured it.
    pub source_agency: String,
    /// 10.005 PHD, the capture date.
    pub capture_date: Date,
    /// The photo (10.006/10.007 size, 10.011 CGA: JPEGB, JPEGL, JP2, JP2L or PNG).
    pub image: ImageData,
    /// 10.012 CSP.
    pub color_space: ColorSpace,
    /// 10.013 SAP, the subject acquisition profile (a 1-2011 Table 22 code, 1-99).
    pub acquisition_profile: u8,
    /// 10.020 POS: `F` full face frontal, `R` right profile, `L` left profile, `A` angled.
    pub pose: char,
}

impl Type10 {
    fn to_record(&self) -> Result<OwnedRecord, WriteError> {
        let mut f = Fields::new(10, self.idc)?;
        f.text(3, "IMT", "FACE", 4)?;
        check_agency(10, 4, "SRC", &self.source_agency)?;
        f.text(4, "SRC", &self.source_agency, 35)?;
        f.date(5, "PHD", self.capture_date)?;
        // SLC 0 with THPS = TVPS = 1: no physical scale, square pixels, as cameras give.
        f.image(
            &self.image,
            (0, 1, 1),
            24,
            &[Cga::JpegB, Cga::JpegL, Cga::Jp2, Cga::Jp2L, Cga::Png],
        )?;
        f.text(12, "CSP", self.color_space.code(), 4)?;
        f.number(13, "SAP", u64::from(self.acquisition_profile), 1, 99)?;
        if !matches!(self.pose, 'F' | 'R' | 'L' | 'A') {
            return Err(write_err(
                10,
                20,
                "POS",
                format!("{:?} is not F, R, L or A", self.pose),
            ));
        }
        f.text(20, "POS", &self.pose.to_string(), 1)?;
        Ok(f.done())
    }
}

/// Amputated or bandaged codes (AMPCD): why a finger has no print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmpCode {
    /// `XX`: amputation.
    Amputated,
    /// `UP`: unable to print (bandaged, injured, no usable ridges).
    UnableToPrint,
}

impl AmpCode {
    fn code(self) -> &'static str {
        match self {
            AmpCode::Amputated => "XX",
            AmpCode::UnableToPrint => "UP",
        }
    }
}

/// 14.024 FQM: one finger's quality score from a registered algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FingerQuality {
    /// The finger position (FGP) it is for.
    pub position: u8,
    /// QVAL: 0-100, or 254 (not computed) or 255 (computation failed).
    pub score: u8,
    /// QAV: the algorithm vendor's IBIA-registered id (written as 4 hex digits).
    pub vendor: u16,
    /// QAP: the vendor's product code for the algorithm (1-65535).
    pub product: u16,
}

/// 14.021 SEG: where one finger lies in a slap image, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The finger position (1-10).
    pub position: u8,
    /// Left edge.
    pub left: u32,
    /// Right edge.
    pub right: u32,
    /// Top edge.
    pub top: u32,
    /// Bottom edge.
    pub bottom: u32,
}

/// What a Type-14 record carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FingerContent {
    /// An image.
    Image {
        /// The image (CGA NONE, WSQ20, JPEGB, JPEGL, JP2, JP2L or PNG), 8 bits per pixel.
        image: ImageData,
        /// Resolution in pixels per inch (SLC 1, THPS = TVPS).
        ppi: u32,
        /// 14.022 NQM: NIST quality (NFIQ 1) per finger: 1-5, 254 not computed, 255 failed.
        nist_quality: Vec<(u8, u8)>,
        /// 14.024 FQM.
        quality: Vec<FingerQuality>,
        /// 14.021 SEG, for a slap image.
        segments: Vec<Segment>,
        /// 14.018 AMP: fingers of a slap that are missing from the image.
        missing: Vec<(u8, AmpCode)>,
    },
    /// No image (1-2011 makes 14.999 and the image fields optional then): the finger is
    /// amputated or could not be printed, said in 14.018 AMP.
    Missing(AmpCode),
}

/// A Type-14 variable-resolution friction ridge record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type14 {
    /// 14.002 IDC.
    pub idc: u8,
    /// 14.003 IMP impression type (Table 7): 0 live plain, 1 live rolled, 2 ink plain, 3 ink
    /// rolled, 8 latent..., up to 29.
    pub impression: u8,
    /// 14.004 SRC.
    pub source_agency: String,
    /// 14.005 FCD, the capture date.
    pub capture_date: Date,
    /// 14.013 FGP (Table 8): 0 unknown, 1-10 fingers, 11-12 plain thumbs, 13-14 four-finger
    /// slaps, 15 both thumbs, 19 EJI or tip, 40-50 tips and segments.
    pub position: u8,
    /// The image or why there is none.
    pub content: FingerContent,
}

/// The fingers a slap position holds.
fn slap_fingers(fgp: u8) -> &'static [u8] {
    match fgp {
        13 => &[2, 3, 4, 5],
        14 => &[7, 8, 9, 10],
        15 => &[1, 6],
        _ => &[],
    }
}

impl Type14 {
    fn to_record(&self) -> Result<OwnedRecord, WriteError> {
        let mut f = Fields::new(14, self.idc)?;
        f.number(3, "IMP", u64::from(self.impression), 0, 29)?;
        check_agency(14, 4, "SRC", &self.source_agency)?;
        f.text(4, "SRC", &self.source_agency, 35)?;
        f.date(5, "FCD", self.capture_date)?;
        let fgp = self.position;
        if !matches!(fgp, 0..=15 | 19 | 40..=50) {
            return Err(write_err(
                14,
                13,
                "FGP",
                format!("{fgp} is not a finger position code (0-15, 19, 40-50)"),
            ));
        }
        f.number(13, "FGP", u64::from(fgp), 0, 50)?;
        let slap = slap_fingers(fgp);
        // The fingers a per-finger field may name: the slap's fingers, or the record's own.
        let of_record = |p: u8| {
            if slap.is_empty() {
                p == fgp
            } else {
                slap.contains(&p)
            }
        };
        let position_err = |n: u16, m: &'static str, p: u8| {
            write_err(
                14,
                n,
                m,
                format!("finger {p} is not in this record's position {fgp}"),
            )
        };
        match &self.content {
            FingerContent::Missing(code) => {
                f.subfields(
                    18,
                    "AMP",
                    &[vec![fgp.to_string(), code.code().to_string()]],
                    Chars::Ascii,
                    2,
                )?;
            }
            FingerContent::Image {
                image,
                ppi,
                nist_quality,
                quality,
                segments,
                missing,
            } => {
                f.image(
                    image,
                    (1, *ppi, *ppi),
                    8,
                    &[
                        Cga::None,
                        Cga::Wsq20,
                        Cga::JpegB,
                        Cga::JpegL,
                        Cga::Jp2,
                        Cga::Jp2L,
                        Cga::Png,
                    ],
                )?;
                f.number(12, "BPX", 8, 8, 8)?;
                if !missing.is_empty() {
                    let mut subs = Vec::new();
                    for (p, code) in missing {
                        if !of_record(*p) {
                            return Err(position_err(18, "AMP", *p));
                        }
                        subs.push(vec![p.to_string(), code.code().to_string()]);
                    }
                    f.subfields(18, "AMP", &subs, Chars::Ascii, 2)?;
                }
                if !segments.is_empty() {
                    if slap.is_empty() {
                        return Err(write_err(
                            14,
                            21,
                            "SEG",
                            format!("position {fgp} is not a slap, so it has no segments"),
                        ));
                    }
                    let mut subs = Vec::new();
                    for s in segments {
                        if !of_record(s.position) {
                            return Err(position_err(21, "SEG", s.position));
                        }
                        if s.left >= s.right
                            || s.top >= s.bottom
                            || s.right >= image.width
                            || s.bottom >= image.height
                        {
                            return Err(write_err(
                                14,
                                21,
                                "SEG",
                                format!(
                                    "finger {}'s box {}-{} x {}-{} is empty or outside the {}x{} image",
                                    s.position,
                                    s.left,
                                    s.right,
                                    s.top,
                                    s.bottom,
                                    image.width,
                                    image.height
                                ),
                            ));
                        }
                        subs.push(
                            [s.position.into(), s.left, s.right, s.top, s.bottom]
                                .iter()
                                .map(u32::to_string)
                                .collect(),
                        );
                    }
                    f.subfields(21, "SEG", &subs, Chars::Ascii, 5)?;
                }
                if !nist_quality.is_empty() {
                    let mut subs = Vec::new();
                    for (p, q) in nist_quality {
                        if !of_record(*p) {
                            return Err(position_err(22, "NQM", *p));
                        }
                        if !matches!(q, 1..=5 | 254 | 255) {
                            return Err(write_err(
                                14,
                                22,
                                "NQM",
                                format!("{q} is not 1-5, 254 or 255"),
                            ));
                        }
                        subs.push(vec![p.to_string(), q.to_string()]);
                    }
                    f.subfields(22, "NQM", &subs, Chars::Ascii, 3)?;
                }
                if !quality.is_empty() {
                    let mut subs = Vec::new();
                    for q in quality {
                        if !of_record(q.position) {
                            return Err(position_err(24, "FQM", q.position));
                        }
                        if !matches!(q.score, 0..=100 | 254 | 255) || q.product == 0 {
                            return Err(write_err(
                                14,
                                24,
                                "FQM",
                                format!(
                                    "score {} (0-100, 254, 255) or product {} (1-65535) is out of range",
                                    q.score, q.product
                                ),
                            ));
                        }
                        subs.push(vec![
                            q.position.to_string(),
                            q.score.to_string(),
                            format!("{:04X}", q.vendor),
                            q.product.to_string(),
                        ]);
                    }
                    f.subfields(24, "FQM", &subs, Chars::Ascii, 5)?;
                }
            }
        }
        Ok(f.done())
    }
}

/// Eye label codes (ELR).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eye {
    /// 1.
    Right,
    /// 2.
    Left,
}

/// A Type-17 iris image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type17 {
    /// 17.002 IDC.
    pub idc: u8,
    /// 17.003 ELR.
    pub eye: Eye,
    /// 17.004 SRC.
    pub source_agency: String,
    /// 17.005 ICD, the capture date.
    pub capture_date: Date,
    /// The image (CGA NONE, JPEGB, JPEGL, JP2, JP2L or PNG), 8-bit gray.
    pub image: ImageData,
    /// Resolution in pixels per inch (SLC 1, THPS = TVPS).
    pub ppi: u32,
}

impl Type17 {
    fn to_record(&self) -> Result<OwnedRecord, WriteError> {
        let mut f = Fields::new(17, self.idc)?;
        let elr = match self.eye {
            Eye::Right => 1,
            Eye::Left => 2,
        };
        f.number(3, "ELR", elr, 1, 2)?;
        check_agency(17, 4, "SRC", &self.source_agency)?;
        f.text(4, "SRC", &self.source_agency, 35)?;
        f.date(5, "ICD", self.capture_date)?;
        f.image(
            &self.image,
            (1, self.ppi, self.ppi),
            8,
            &[
                Cga::None,
                Cga::JpegB,
                Cga::JpegL,
                Cga::Jp2,
                Cga::Jp2L,
                Cga::Png,
            ],
        )?;
        f.number(12, "BPX", 8, 8, 8)?;
        f.text(13, "CSP", ColorSpace::Gray.code(), 4)?;
        Ok(f.done())
    }
}

/// A Type-8 signature record holding a scanned, uncompressed signature (SRT 0): one bit per
/// pixel, 1 for ink, each row padded to a whole byte, the most significant bit leftmost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type8 {
    /// IDC.
    pub idc: u8,
    /// SIG: false for the subject's signature (0), true for an official's (1).
    pub official: bool,
    /// ISR: true when scanned at the native resolution of 1.011 (1), false at the minimum
    /// scanning resolution, 19.69 pixels per mm (0).
    pub native_resolution: bool,
    /// HLL, pixels per line (1-65535).
    pub width: u16,
    /// VLL, lines (1-65535).
    pub height: u16,
    /// The pixels, `ceil(width / 8) * height` bytes.
    pub bits: Vec<u8>,
}

impl Type8 {
    fn to_record(&self) -> Result<OwnedRecord, WriteError> {
        if self.width == 0 || self.height == 0 {
            return Err(write_err(8, 6, "HLL", "the image has no pixels"));
        }
        let expected = usize::from(self.width).div_ceil(8) * usize::from(self.height);
        if self.bits.len() != expected {
            return Err(write_err(
                8,
                8,
                "DATA",
                format!(
                    "{} bytes for a {}x{} one-bit image, which needs {expected}",
                    self.bits.len(),
                    self.width,
                    self.height
                ),
            ));
        }
        let len = u32::try_from(12 + self.bits.len())
            .map_err(|_| write_err(8, 1, "LEN", "the record is over 4 GiB"))?;
        let mut bytes = Vec::with_capacity(len as usize);
        bytes.extend_from_slice(&len.to_be_bytes());
        bytes.push(self.idc);
        bytes.push(u8::from(self.official));
        bytes.push(0); // SRT 0: scanned, uncompressed.
        bytes.push(u8::from(self.native_resolution));
        bytes.extend_from_slice(&self.width.to_be_bytes());
        bytes.extend_from_slice(&self.height.to_be_bytes());
        bytes.extend_from_slice(&self.bits);
        Ok(OwnedRecord::Binary {
            record_type: 8,
            bytes,
        })
    }
}

/// One record after the Type-1 header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewRecord {
    /// Type-2.
    Text(Type2),
    /// Type-8.
    Signature(Type8),
    /// Type-10.
    Face(Type10),
    /// Type-14.
    Finger(Type14),
    /// Type-17.
    Iris(Type17),
}

impl NewRecord {
    /// The record's type and IDC, as 1.003 lists them.
    pub fn type_and_idc(&self) -> (u8, u8) {
        match self {
            NewRecord::Text(r) => (2, r.idc),
            NewRecord::Signature(r) => (8, r.idc),
            NewRecord::Face(r) => (10, r.idc),
            NewRecord::Finger(r) => (14, r.idc),
            NewRecord::Iris(r) => (17, r.idc),
        }
    }

    /// The record's fields.
    pub fn to_record(&self) -> Result<OwnedRecord, WriteError> {
        match self {
            NewRecord::Text(r) => r.to_record(),
            NewRecord::Signature(r) => r.to_record(),
            NewRecord::Face(r) => r.to_record(),
            NewRecord::Finger(r) => r.to_record(),
            NewRecord::Iris(r) => r.to_record(),
        }
    }
}

/// A transaction to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransaction {
    /// The header.
    pub header: Type1,
    /// The records after it, in order.
    pub records: Vec<NewRecord>,
}

impl NewTransaction {
    /// Every record's fields, the Type-1 first (its CNT listing the others).
    pub fn to_records(&self) -> Result<Vec<OwnedRecord>, WriteError> {
        let content: Vec<(u8, u8)> = self.records.iter().map(NewRecord::type_and_idc).collect();
        let mut out = vec![self.header.to_record(&content)?];
        for r in &self.records {
            out.push(r.to_record()?);
        }
        Ok(out)
    }

    /// The transaction's bytes.
    pub fn encode(&self) -> Result<Vec<u8>, WriteError> {
        encode_transaction(&self.to_records()?)
    }
}
