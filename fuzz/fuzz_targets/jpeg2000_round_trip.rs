//! rekam's lossless JPEG 2000 encoder, differentially: any small grey or RGB image it encodes
//! must decode (with hayro-jpeg2000, an independent decoder) to exactly the same pixels, and the
//! encoder must never panic.
#![no_main]

use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image};
use libfuzzer_sys::fuzz_target;
use rekam_jpeg2000::{Colour, encode_jp2};

fuzz_target!(|data: &[u8]| {
    let [w, h, flags, pixels @ ..] = data else {
        return;
    };
    let (w, h) = (u32::from(*w % 80) + 1, u32::from(*h % 80) + 1);
    let colour = if flags & 1 == 1 { Colour::Rgb } else { Colour::Grey };
    let channels = if colour == Colour::Rgb { 3 } else { 1 };
    let needed = (w * h) as usize * channels;
    if pixels.is_empty() {
        return;
    }
    // Repeat the input to fill the image, so short inputs still make every size.
    let pixels: Vec<u8> = pixels.iter().copied().cycle().take(needed).collect();
    let bytes = encode_jp2(w, h, colour, &pixels).expect("a valid image always encodes");
    let image = Image::new(&bytes, &DecodeSettings::default()).expect("hayro reads it");
    assert_eq!((image.width(), image.height()), (w, h));
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).expect("hayro decodes it");
    assert!(decoded.data_u8() == pixels.as_slice(), "lossless round trip");
});
