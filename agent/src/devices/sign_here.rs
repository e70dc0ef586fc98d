//! Draws the "sign here" screen for pads with a screen (Wacom STU): a title, the resident's name
//! when known, the signing box with its baseline, and the Clear and Accept buttons, each where
//! the driver's [`SignHereScreen`] layout says, so what the signer taps is what the driver
//! tests. Text uses the public-domain 8x8 bitmap glyphs of `font8x8`, scaled by whole pixels;
//! characters outside ASCII are drawn as `?`.
//!
//! Contract: the image is exactly the layout's screen size; text that would not fit its box is
//! shrunk (down to 1x) and then cut, never drawn outside its box.

use font8x8::legacy::BASIC_LEGACY;
use rekam_drivers::image::RgbImage;
use rekam_drivers::wacom::stu::report::ScreenRect;
use rekam_drivers::wacom::stu::{PadButton, SignHereScreen};

/// The words on the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignHereText {
    /// The instruction over the box.
    pub title: String,
    /// The resident's name, if known.
    pub name: Option<String>,
    /// Label of the Accept button.
    pub accept: String,
    /// Label of the Clear button.
    pub clear: String,
}

impl SignHereText {
    /// The console's wording (Indonesian for the resident, English after it for the title).
    pub fn console() -> Self {
        SignHereText {
            title: "Tanda tangan di sini / Sign here".into(),
            name: None,
            accept: "SETUJU".into(),
            clear: "HAPUS".into(),
        }
    }
}

const WHITE: [u8; 3] = [255, 255, 255];
const INK: [u8; 3] = [20, 20, 20];
const GUIDE: [u8; 3] = [150, 150, 150];
const ACCEPT: [u8; 3] = [22, 120, 60];
const CLEAR: [u8; 3] = [90, 90, 90];

struct Canvas {
    w: u32,
    h: u32,
    px: Vec<u8>,
}

impl Canvas {
    fn fill(&mut self, r: ScreenRect, colour: [u8; 3]) {
        let (x2, y2) = (u32::from(r.x2).min(self.w), u32::from(r.y2).min(self.h));
        for y in u32::from(r.y1)..y2 {
            for x in u32::from(r.x1)..x2 {
                let i = ((y * self.w + x) * 3) as usize;
                self.px[i..i + 3].copy_from_slice(&colour);
            }
        }
    }

    fn frame(&mut self, r: ScreenRect, colour: [u8; 3]) {
        let one = |x1: u16, y1: u16, x2: u16, y2: u16| ScreenRect { x1, y1, x2, y2 };
        self.fill(one(r.x1, r.y1, r.x2, r.y1 + 2), colour);
        self.fill(one(r.x1, r.y2.saturating_sub(2), r.x2, r.y2), colour);
        self.fill(one(r.x1, r.y1, r.x1 + 2, r.y2), colour);
        self.fill(one(r.x2.saturating_sub(2), r.y1, r.x2, r.y2), colour);
    }

    /// `text` centred in `r`, as large as fits (at most `max_scale`).
    fn text(&mut self, r: ScreenRect, text: &str, colour: [u8; 3], max_scale: u32) {
        let chars: Vec<u8> = text
            .chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c as u8
                } else {
                    b'?'
                }
            })
            .collect();
        let (bw, bh) = (u32::from(r.x2 - r.x1), u32::from(r.y2 - r.y1));
        let n = chars.len().max(1) as u32;
        let scale = (bw / (8 * n)).min(bh / 8).clamp(1, max_scale.max(1));
        let fit = (bw / (8 * scale)) as usize;
        let shown = &chars[..chars.len().min(fit)];
        let tw = shown.len() as u32 * 8 * scale;
        let x0 = u32::from(r.x1) + (bw.saturating_sub(tw)) / 2;
        let y0 = u32::from(r.y1) + (bh.saturating_sub(8 * scale)) / 2;
        for (k, &c) in shown.iter().enumerate() {
            let glyph = BASIC_LEGACY[usize::from(c & 0x7F)];
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8u32 {
                    // font8x8: bit 0 is the leftmost pixel.
                    if bits & (1 << col) == 0 {
                        continue;
                    }
                    let gx = x0 + (k as u32 * 8 + col) * scale;
                    let gy = y0 + row as u32 * scale;
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let (x, y) = (gx + dx, gy + dy);
                            if x < u32::from(r.x2).min(self.w) && y < u32::from(r.y2).min(self.h) {
                                let i = ((y * self.w + x) * 3) as usize;
                                self.px[i..i + 3].copy_from_slice(&colour);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The screen image for `layout` with `text`.
pub fn render(layout: &SignHereScreen, text: &SignHereText) -> RgbImage {
    let (w, h) = (
        u32::from(layout.width).max(1),
        u32::from(layout.height).max(1),
    );
    let mut c = Canvas {
        w,
        h,
        px: [WHITE].repeat((w * h) as usize).concat(),
    };
    let area = layout.signing_area;
    // The title band above the box: the title, and the name under it.
    let band = ScreenRect {
        x1: area.x1,
        y1: 0,
        x2: area.x2,
        y2: area.y1,
    };
    let half = band.y1 + (band.y2 - band.y1) / 2;
    match &text.name {
        Some(name) => {
            c.text(ScreenRect { y2: half, ..band }, &text.title, INK, 3);
            c.text(ScreenRect { y1: half, ..band }, name, INK, 3);
        }
        None => c.text(band, &text.title, INK, 3),
    }
    c.frame(area, GUIDE);
    // The baseline with its cross, a quarter of the box above the bottom.
    let base_y = area.y2 - (area.y2 - area.y1) / 4;
    let margin = (area.x2 - area.x1) / 12;
    c.fill(
        ScreenRect {
            x1: area.x1 + margin,
            y1: base_y,
            x2: area.x2 - margin,
            y2: base_y + 2,
        },
        GUIDE,
    );
    let cross = ScreenRect {
        x1: area.x1 + margin / 4,
        y1: base_y.saturating_sub(margin / 2),
        x2: area.x1 + margin,
        y2: base_y + 2,
    };
    c.text(cross, "X", GUIDE, 4);
    for (button, r) in &layout.buttons {
        let (colour, label) = match button {
            PadButton::Accept => (ACCEPT, text.accept.as_str()),
            PadButton::Clear => (CLEAR, text.clear.as_str()),
            PadButton::Cancel => (CLEAR, "X"),
        };
        c.fill(*r, colour);
        let inset = ScreenRect {
            x1: r.x1 + 4,
            y1: r.y1 + 4,
            x2: r.x2 - 4,
            y2: r.y2 - 4,
        };
        c.text(inset, label, WHITE, 4);
    }
    // Sizes and buffer length agree by construction.
    RgbImage::new(w, h, c.px).expect("the canvas has width * height pixels")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(img: &RgbImage, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * img.width() + x) * 3) as usize;
        [img.pixels()[i], img.pixels()[i + 1], img.pixels()[i + 2]]
    }

    #[test]
    fn the_screen_fills_the_pad_and_the_buttons_are_drawn_where_the_driver_hit_tests() {
        for (w, h) in [(800, 480), (320, 200)] {
            let layout = SignHereScreen::standard(w, h);
            let img = render(&layout, &SignHereText::console());
            assert_eq!((img.width(), img.height()), (u32::from(w), u32::from(h)));
            for (button, r) in &layout.buttons {
                let expected = if *button == PadButton::Accept {
                    ACCEPT
                } else {
                    CLEAR
                };
                assert_eq!(at(&img, u32::from(r.x1) + 1, u32::from(r.y1) + 1), expected);
            }
        }
    }

    #[test]
    fn the_title_and_the_name_leave_ink_in_the_title_band() {
        let layout = SignHereScreen::standard(800, 480);
        let mut text = SignHereText::console();
        text.name = Some("SITI AMINAH".into());
        let img = render(&layout, &text);
        let dark = |y0: u32, y1: u32| {
            (y0..y1)
                .flat_map(|y| (0..800).map(move |x| (x, y)))
                .filter(|&(x, y)| at(&img, x, y) == INK)
                .count()
        };
        let half = u32::from(layout.signing_area.y1) / 2;
        assert!(dark(0, half) > 100, "title");
        assert!(dark(half, u32::from(layout.signing_area.y1)) > 100, "name");
    }
}
