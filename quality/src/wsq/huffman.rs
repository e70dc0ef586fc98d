//! Huffman coding for WSQ: canonical codes from a DHT table (16 code-length counts and the symbol
//! list), a table-driven decoder, and the encoder's code design from symbol counts.
//!
//! Contract: tables that are over-subscribed (more codes than lengths allow) or list too many
//! symbols are refused. Code design follows the JPEG/WSQ procedure NBIS uses (a reserved symbol
//! keeps the all-ones code free, lengths limited to 16 bits), so the designed tables are the ones
//! NBIS would write for the same counts.

use super::error::WsqError;

/// Longest code length WSQ allows.
pub(crate) const MAX_CODE_LEN: usize = 16;
/// Number of symbol slots (symbols are bytes; slot 256 is the reserved one).
const SLOTS: usize = 257;

/// A Huffman table as stored in a DHT segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HuffmanSpec {
    /// `bits[l - 1]` codes have length `l`.
    pub bits: [u8; MAX_CODE_LEN],
    /// Symbols in code order.
    pub values: Vec<u8>,
}

impl HuffmanSpec {
    /// Canonical (code, length) for each entry of `values`, in order; refuses over-subscription.
    pub fn codes(&self) -> Result<Vec<(u16, u8)>, WsqError> {
        let total: usize = self.bits.iter().map(|&b| usize::from(b)).sum();
        if total != self.values.len() {
            return Err(WsqError::BadHuffmanTable(
                "code counts disagree with symbols",
            ));
        }
        let mut out = Vec::with_capacity(total);
        let mut code: u32 = 0;
        for (i, &count) in self.bits.iter().enumerate() {
            let len = i + 1;
            for _ in 0..count {
                if code >= (1u32 << len) {
                    return Err(WsqError::BadHuffmanTable("more codes than lengths allow"));
                }
                out.push((code as u16, len as u8));
                code += 1;
            }
            code <<= 1;
        }
        Ok(out)
    }
}

/// Outcome of decoding one symbol.
pub(crate) enum Symbol {
    Value(u8),
    /// The data ended inside a code: the padding before the next marker.
    End,
}

/// A 16-bit lookup decoder: every 16-bit window maps to the code that prefixes it.
pub(crate) struct Decoder {
    /// `(symbol << 8) | length`, or 0 where no code prefixes the window.
    lookup: Vec<u16>,
}

impl Decoder {
    pub fn new(spec: &HuffmanSpec) -> Result<Self, WsqError> {
        let mut lookup = vec![0u16; 1 << MAX_CODE_LEN];
        for ((code, len), &value) in spec.codes()?.into_iter().zip(&spec.values) {
            let shift = MAX_CODE_LEN - usize::from(len);
            let first = usize::from(code) << shift;
            let entry = (u16::from(value) << 8) | u16::from(len);
            lookup[first..first + (1 << shift)].fill(entry);
        }
        Ok(Decoder { lookup })
    }

    /// Decodes one symbol from `bits`. A code cut short by the end of the data is the block's
    /// padding (NBIS then finds the marker); a window no code prefixes is corrupt data.
    pub fn decode(&self, bits: &mut BitReader<'_>) -> Result<Symbol, WsqError> {
        let remaining = bits.remaining();
        if remaining == 0 {
            return Ok(Symbol::End);
        }
        let entry = self.lookup[usize::from(bits.peek16())];
        let len = usize::from(entry & 0xff);
        if len == 0 {
            return if remaining < MAX_CODE_LEN {
                Ok(Symbol::End)
            } else {
                Err(WsqError::BadData("bit pattern matches no Huffman code"))
            };
        }
        if len > remaining {
            return Ok(Symbol::End);
        }
        bits.consume(len);
        Ok(Symbol::Value((entry >> 8) as u8))
    }
}

/// Reads bits most significant first from unstuffed entropy-coded bytes.
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.data.len() * 8 - self.pos
    }

    /// The next 16 bits, padded with ones past the end (ones are what the encoder pads with).
    fn peek16(&self) -> u16 {
        let byte = self.pos / 8;
        let get = |i: usize| u32::from(self.data.get(byte + i).copied().unwrap_or(0xff));
        let window = (get(0) << 16) | (get(1) << 8) | get(2);
        ((window >> (8 - self.pos % 8)) & 0xffff) as u16
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }

    /// Reads `n` (at most 16) raw bits, or `None` if fewer remain.
    pub fn read(&mut self, n: usize) -> Option<u16> {
        if n > self.remaining() || n > 16 {
            return None;
        }
        let v = self.peek16() >> (16 - n);
        self.consume(n);
        Some(v)
    }
}

/// Writes bits most significant first, stuffing a zero byte after every 0xFF.
pub(crate) struct BitWriter {
    pub out: Vec<u8>,
    /// Pending bits, right-aligned; fewer than 8 between calls.
    acc: u32,
    nbits: u32,
}

impl BitWriter {
    pub fn new() -> Self {
        BitWriter {
            out: Vec::new(),
            acc: 0,
            nbits: 0,
        }
    }

    /// Appends the low `len` (at most 16) bits of `code`.
    pub fn write(&mut self, code: u16, len: u8) {
        let len = u32::from(len.min(16));
        self.acc = (self.acc << len) | (u32::from(code) & ((1u32 << len) - 1));
        self.nbits += len;
        while self.nbits >= 8 {
            self.nbits -= 8;
            self.push_byte((self.acc >> self.nbits) as u8);
        }
        self.acc &= (1u32 << self.nbits) - 1;
    }

    fn push_byte(&mut self, byte: u8) {
        self.out.push(byte);
        if byte == 0xff {
            self.out.push(0);
        }
    }

    /// Pads the last byte with ones, as NBIS does (a decoder reads them as an incomplete code).
    pub fn finish(mut self) -> Vec<u8> {
        if self.nbits > 0 {
            let pad = 8 - self.nbits;
            let byte = ((self.acc << pad) | ((1u32 << pad) - 1)) as u8;
            self.push_byte(byte);
        }
        self.out
    }
}

/// Designs a length-limited Huffman table for symbol `counts` (JPEG Annex K.2/K.3, as NBIS).
pub(crate) fn design(counts: &[u32; 256]) -> HuffmanSpec {
    let mut freq = [0u64; SLOTS];
    for (f, &c) in freq.iter_mut().zip(counts.iter()) {
        *f = u64::from(c);
    }
    // The reserved symbol takes the all-ones code, which is then dropped.
    freq[256] = 1;
    let mut codesize = [0usize; SLOTS];
    let mut others = [usize::MAX; SLOTS];
    while let Some((mut v1, mut v2)) = two_least(&freq) {
        freq[v1] += freq[v2];
        freq[v2] = 0;
        codesize[v1] += 1;
        while others[v1] != usize::MAX {
            v1 = others[v1];
            codesize[v1] += 1;
        }
        others[v1] = v2;
        codesize[v2] += 1;
        while others[v2] != usize::MAX {
            v2 = others[v2];
            codesize[v2] += 1;
        }
    }
    // A tree over 257 leaves is at most 256 deep.
    let mut bits = [0u32; SLOTS + 1];
    for &size in &codesize {
        if size > 0 {
            bits[size.min(SLOTS)] += 1;
        }
    }
    // Move codes longer than 16 bits up the tree (K.3; NBIS stops at 32 bits, which suffices
    // for real counts).
    let mut i = SLOTS;
    while i > MAX_CODE_LEN {
        while bits[i] > 0 {
            let mut j = i - 2;
            while j > 0 && bits[j] == 0 {
                j -= 1;
            }
            if bits[j] == 0 {
                // Only a malformed tree gets here; the table is then refused by `codes`.
                break;
            }
            bits[i] = bits[i].saturating_sub(2);
            bits[i - 1] += 1;
            bits[j + 1] += 2;
            bits[j] -= 1;
        }
        i -= 1;
    }
    while i > 0 && bits[i] == 0 {
        i -= 1;
    }
    if i > 0 {
        bits[i] -= 1;
    }
    let mut values = Vec::new();
    for size in 1..=SLOTS {
        for (sym, &cs) in codesize.iter().enumerate().take(256) {
            if cs == size {
                values.push(sym as u8);
            }
        }
    }
    let mut out_bits = [0u8; MAX_CODE_LEN];
    for (o, &b) in out_bits.iter_mut().zip(&bits[1..=MAX_CODE_LEN]) {
        *o = b as u8;
    }
    HuffmanSpec {
        bits: out_bits,
        values,
    }
}

/// The two least frequent non-zero slots; ties go to the higher slot (NBIS `find_least_freq`).
fn two_least(freq: &[u64; SLOTS]) -> Option<(usize, usize)> {
    let mut first: Option<(u64, usize)> = None;
    let mut second: Option<(u64, usize)> = None;
    for (i, &f) in freq.iter().enumerate() {
        if f == 0 {
            continue;
        }
        match (first, second) {
            (None, _) => first = Some((f, i)),
            (Some((f1, v1)), None) => {
                // NBIS seeds the pair in order, then re-examines the second entry.
                second = Some((f, i));
                if f < f1 || (f == f1 && i > v1) {
                    second = Some((f1, v1));
                    first = Some((f, i));
                }
            }
            (Some((f1, v1)), Some((f2, v2))) => {
                if f1 < f && f2 < f {
                    continue;
                }
                if f < f1 || (f == f1 && i > v1) {
                    second = Some((f1, v1));
                    first = Some((f, i));
                } else if f < f2 || (f == f2 && i > v2) {
                    second = Some((f, i));
                }
            }
        }
    }
    match (first, second) {
        (Some((_, a)), Some((_, b))) => Some((a, b)),
        _ => None,
    }
}

/// The encoder's view of a table: (code, length) per symbol, length 0 for absent symbols.
pub(crate) fn encoding_table(spec: &HuffmanSpec) -> Result<[(u16, u8); 256], WsqError> {
    let mut table = [(0u16, 0u8); 256];
    for ((code, len), &value) in spec.codes()?.into_iter().zip(&spec.values) {
        table[usize::from(value)] = (code, len);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn designed_codes_are_prefix_free_within_16_bits_and_never_all_ones() {
        let mut counts = [0u32; 256];
        // A skewed distribution deep enough to need length limiting.
        for (i, c) in counts.iter_mut().enumerate().take(40) {
            *c = 1u32 << (i.min(30));
        }
        let spec = design(&counts);
        let codes = spec.codes().unwrap();
        assert_eq!(codes.len(), 40);
        for &(code, len) in &codes {
            assert!(len as usize <= MAX_CODE_LEN);
            assert_ne!(u32::from(code), (1u32 << len) - 1, "all-ones code");
        }
        let dec = Decoder::new(&spec).unwrap();
        let table = encoding_table(&spec).unwrap();
        let mut w = BitWriter::new();
        for sym in 0..40u8 {
            let (c, l) = table[usize::from(sym)];
            w.write(c, l);
        }
        let data = w.finish();
        let unstuffed: Vec<u8> = unstuff_for_test(&data);
        let mut r = BitReader::new(&unstuffed);
        for sym in 0..40u8 {
            match dec.decode(&mut r).unwrap() {
                Symbol::Value(v) => assert_eq!(v, sym),
                Symbol::End => panic!("early end"),
            }
        }
        assert!(matches!(dec.decode(&mut r).unwrap(), Symbol::End));
    }

    fn unstuff_for_test(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < data.len() {
            out.push(data[i]);
            i += if data[i] == 0xff { 2 } else { 1 };
        }
        out
    }

    #[test]
    fn oversubscribed_tables_are_refused() {
        let mut bits = [0u8; 16];
        bits[0] = 3;
        let spec = HuffmanSpec {
            bits,
            values: vec![1, 2, 3],
        };
        assert!(spec.codes().is_err());
    }
}
