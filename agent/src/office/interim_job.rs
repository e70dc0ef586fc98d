//! INTERIM print job builder, used by [`super::printing`] until the card renderer's own
//! conversion (`office::print_job::print_job`, from the e-KTP layout of `rekam_card`) is merged;
//! then this file is deleted and printing calls that one.
//!
//! Contract: from a print order and the printer's panel size, a front side with the photo on its
//! backdrop colour in the YMC panel, the card text in 8x8 bitmap glyphs on the K panel (lines that
//! do not fit are cut at the panel edge: this builder is not the card layout), and an overlay
//! everywhere but the chip contact area. Fails with the reason when the photo does not decode.

use font8x8::legacy::BASIC_LEGACY;
use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_drivers::printer::{CardSide, MonoPanel, PrintJob};
use rekam_protocol::print_order::{Backdrop, PrintOrder};

/// Position and size as fractions of the panel.
struct Area {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

const PHOTO: Area = Area {
    x: 0.72,
    y: 0.20,
    w: 0.24,
    h: 0.50,
};

const CHIP: Area = Area {
    x: 0.07,
    y: 0.36,
    w: 0.14,
    h: 0.24,
};

fn px(f: f64, n: u32) -> u32 {
    // Fractions of a panel dimension are in 0..=1, so the product fits.
    (f * f64::from(n)) as u32
}

/// The front side of `order` on a panel of `panel` dots.
pub fn print_job(order: &PrintOrder, panel: ImageSize) -> Result<PrintJob, String> {
    let (w, h) = (panel.width, panel.height);
    let dots = w as usize * h as usize;
    let mut colour = vec![255u8; dots * 3];
    let bg: [u8; 3] = match order.backdrop {
        Backdrop::Red => [200, 30, 40],
        Backdrop::Blue => [30, 70, 200],
        Backdrop::Orange => [240, 140, 30],
    };
    let photo = order.photo().map_err(|e| e.to_string())?;
    let (rgb, pw, ph) = crate::capture::decode_jpeg(&photo)?;
    let (bx, by, bw, bh) = (
        px(PHOTO.x, w),
        px(PHOTO.y, h),
        px(PHOTO.w, w),
        px(PHOTO.h, h),
    );
    for y in by..(by + bh).min(h) {
        for x in bx..(bx + bw).min(w) {
            let i = (y as usize * w as usize + x as usize) * 3;
            // Nearest photo pixel, the photo stretched over the box.
            let sx = u64::from(x - bx) * u64::from(pw) / u64::from(bw.max(1));
            let sy = u64::from(y - by) * u64::from(ph) / u64::from(bh.max(1));
            let j = usize::try_from((sy * u64::from(pw) + sx) * 3).unwrap_or(usize::MAX);
            let px = rgb.get(j..j + 3).map_or(bg, |p| [p[0], p[1], p[2]]);
            colour[i..i + 3].copy_from_slice(&px);
        }
    }
    let mut black = vec![false; dots];
    let c = &order.card;
    let lines = [
        format!("PROVINSI {}", c.province),
        c.regency.clone(),
        format!("NIK   : {}", c.nik),
        format!("Nama  : {}", c.name),
        format!("Lahir : {}, {}", c.place_of_birth, c.date_of_birth),
        format!("JK    : {}  Gol.Darah: {}", c.sex, c.blood_type),
        format!("Alamat: {}", c.address),
        format!("RT/RW : {}", c.rt_rw),
        format!("Desa  : {}", c.village),
        format!("Kec   : {}", c.district),
        format!("Agama : {}", c.religion),
        format!("Status: {}", c.marital_status),
        format!("Kerja : {}", c.occupation),
        format!("WN    : {}", c.citizenship),
        format!("Berlaku: {}", c.valid_until),
    ];
    let scale = (h / (8 * (lines.len() as u32 + 4))).max(1);
    let x0 = w / 40;
    for (n, line) in lines.iter().enumerate() {
        let y0 = h / 20 + n as u32 * 10 * scale;
        for (k, ch) in line.chars().enumerate() {
            let glyph = BASIC_LEGACY[usize::from(u8::try_from(ch).unwrap_or(b'?') & 0x7F)];
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8u32 {
                    // font8x8: bit 0 is the leftmost pixel.
                    if bits & (1 << col) == 0 {
                        continue;
                    }
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let x = x0 + (k as u32 * 8 + col) * scale + dx;
                            let y = y0 + row as u32 * scale + dy;
                            if x < bx.min(w) && y < h {
                                black[y as usize * w as usize + x as usize] = true;
                            }
                        }
                    }
                }
            }
        }
    }
    let (cx, cy, cw, ch) = (px(CHIP.x, w), px(CHIP.y, h), px(CHIP.w, w), px(CHIP.h, h));
    let overlay: Vec<bool> = (0..dots)
        .map(|i| {
            let (x, y) = ((i % w as usize) as u32, (i / w as usize) as u32);
            !(x >= cx && x < cx + cw && y >= cy && y < cy + ch)
        })
        .collect();
    let err = |e: rekam_drivers::ImageError| e.to_string();
    Ok(PrintJob {
        front: CardSide {
            colour: Some(RgbImage::new(w, h, colour).map_err(err)?),
            black: Some(MonoPanel::new(panel, black).map_err(err)?),
            overlay: Some(MonoPanel::new(panel, overlay).map_err(err)?),
        },
        back: None,
    })
}
