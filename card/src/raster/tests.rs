//! The printed card: size, determinism, panel separation and recombination, the chip area, and
//! long text kept inside its column on the raster.

use super::*;
use crate::{PHOTO, VALUE_END, path_from_pen};

fn fields() -> CardFields {
    CardFields {
        province: "Jawa Barat".into(),
        regency: "Kabupaten Bandung".into(),
        nik: "3204015708900001".into(),
        name: "Siti Nurhaliza".into(),
        place_of_birth: "Bandung".into(),
        date_of_birth: "17-08-1990".into(),
        sex: "Perempuan".into(),
        blood_type: "AB".into(),
        address: "Jl. Merdeka No. 1".into(),
        rt_rw: "001/002".into(),
        village: "Cibeunying".into(),
        district: "Cimenyan".into(),
        religion: "Islam".into(),
        marital_status: "Kawin".into(),
        occupation: "Petani/Pekebun".into(),
        citizenship: "WNI".into(),
        valid_until: "Seumur Hidup".into(),
        issue_place: "Kab. Bandung".into(),
        issue_date: "02-12-2026".into(),
    }
}

/// A 300 x 400 JPEG with a gradient and a dark oval "face", so the photo has real content.
pub(crate) fn photo() -> Vec<u8> {
    let (w, h) = (300u16, 400u16);
    let mut px = Vec::with_capacity(usize::from(w) * usize::from(h) * 3);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (f64::from(x) - 150.0, f64::from(y) - 170.0);
            let face = (dx / 90.0).powi(2) + (dy / 120.0).powi(2) < 1.0;
            if face {
                px.extend_from_slice(&[150, 110, 80]);
            } else {
                px.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, 200]);
            }
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&px, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encodes");
    out
}

fn input() -> CardInput {
    CardInput {
        fields: fields(),
        photo: Some(photo()),
        signature: Signature::Path {
            d: path_from_pen(
                &[
                    (20, 80, 1),
                    (80, 20, 1),
                    (140, 90, 1),
                    (200, 30, 1),
                    (300, 70, 1),
                ],
                true,
            ),
            width: 320.0,
            height: 100.0,
        },
        backdrop: Backdrop::Blue,
    }
}

fn render(input: &CardInput) -> RenderedCard {
    render_card(input).expect("a valid card renders")
}

fn photo_dots() -> (u32, u32, u32, u32) {
    let (x, y, w, h) = PHOTO;
    area_dots(AreaMm {
        left: x,
        top: y,
        right: x + w,
        bottom: y + h,
    })
}

#[test]
fn the_card_and_every_panel_are_1016_by_648_dots() {
    let card = render(&input());
    for (w, h) in [
        (card.image.width(), card.image.height()),
        (card.panels.colour.width(), card.panels.colour.height()),
        (card.panels.black.width(), card.panels.black.height()),
        (card.panels.overlay.width(), card.panels.overlay.height()),
    ] {
        assert_eq!((w, h), (WIDTH, HEIGHT));
    }
    // 300 dpi: the ID-1 card is 1011 x 638 dots, centred.
    let (ox, oy) = origin();
    assert!(
        (ox - 2.49).abs() < 0.01 && (oy - 5.22).abs() < 0.01,
        "{ox} {oy}"
    );
}

#[test]
fn two_renders_of_the_same_card_are_identical_to_the_byte() {
    let a = render(&input());
    let b = render(&input());
    assert_eq!(a, b);
    assert_eq!(
        a.image.to_png().expect("png"),
        b.image.to_png().expect("png")
    );
    assert_eq!(
        a.panels.black.to_png().expect("png"),
        b.panels.black.to_png().expect("png")
    );
}

#[test]
fn the_colour_panel_holds_the_photo_on_its_backdrop_and_nothing_else() {
    let card = render(&input());
    let (x0, y0, x1, y1) = photo_dots();
    let colour = &card.panels.colour;
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let p = colour.get(x, y).expect("inside");
            let inside = (x0 + 1..x1 - 1).contains(&x) && (y0 + 1..y1 - 1).contains(&y);
            let outside = !(x0..x1).contains(&x) || !(y0..y1).contains(&y);
            if outside {
                assert_eq!(p, [255, 255, 255], "ink at ({x}, {y}) outside the photo");
            }
            if inside {
                assert_ne!(p, [255, 255, 255], "no photo at ({x}, {y})");
            }
        }
    }
    // The backdrop shows at the photo's corners when the photo is left out.
    let bare = render(&CardInput {
        photo: None,
        ..input()
    });
    assert_eq!(
        bare.panels.colour.get(x0 + 3, y0 + 3),
        Some([0x1f, 0x5f, 0xbf])
    );
}

#[test]
fn the_black_panel_holds_text_and_signature_but_nothing_of_the_photo() {
    let card = render(&input());
    let black = &card.panels.black;
    let (x0, y0, x1, y1) = photo_dots();
    for y in y0..y1 {
        for x in x0..x1 {
            assert!(!black.get(x, y), "K dot at ({x}, {y}) inside the photo");
        }
    }
    // The signature box beneath the photo, and the NIK row, carry ink.
    let (_, sy0, _, sy1) = area_dots(AreaMm {
        left: PHOTO.0,
        top: PHOTO.1 + PHOTO.3 + 6.2,
        right: PHOTO.0 + PHOTO.2,
        bottom: PHOTO.1 + PHOTO.3 + 15.8,
    });
    let in_band = |ya: u32, yb: u32, xa: u32, xb: u32| {
        (ya..yb)
            .flat_map(|y| (xa..xb).map(move |x| (x, y)))
            .filter(|&(x, y)| black.get(x, y))
            .count()
    };
    assert!(in_band(sy0, sy1, x0, x1) > 200, "no signature on K");
    let printed = black.dots().iter().filter(|d| **d).count();
    assert!(printed > 10_000, "{printed} K dots: the text is missing");
}

#[test]
fn the_panels_recombine_to_the_image_except_on_anti_aliased_edges() {
    let card = render(&input());
    let again = recombine(&card.panels);
    let (image, colour, black) = (&card.image, &card.panels.colour, &card.panels.black);
    let near_k = |x: u32, y: u32| {
        (x.saturating_sub(2)..=x + 2)
            .any(|xx| (y.saturating_sub(2)..=y + 2).any(|yy| black.get(xx, yy)))
    };
    let mut differing = 0usize;
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let (img, rec, col) = (
                image.get(x, y).expect("in"),
                again.get(x, y).expect("in"),
                colour.get(x, y).expect("in"),
            );
            if black.get(x, y) {
                assert_eq!(rec, [0, 0, 0]);
                assert!(
                    luma(img) < INK_THRESHOLD,
                    "K dot on a light pixel at ({x}, {y})"
                );
            }
            if img == rec {
                continue;
            }
            differing += 1;
            // An edge: the image is a blend of black over the colour beneath, next to K dots.
            assert!(
                (0..3).all(|c| img[c] <= col[c]),
                "({x}, {y}): image {img:?} is not ink over colour {col:?}"
            );
            assert!(near_k(x, y), "({x}, {y}) differs away from any text");
        }
    }
    let printed = black.dots().iter().filter(|d| **d).count();
    // Edges are a fringe around the printed dots, not a second image.
    assert!(
        differing <= printed * 2,
        "{differing} differing pixels for {printed} K dots"
    );
    assert!(differing > 0, "an anti-aliased image always has edges");
}

#[test]
fn the_overlay_covers_the_card_but_leaves_the_chip_area_clear() {
    let card = render(&input());
    let overlay = &card.panels.overlay;
    let (x0, y0, x1, y1) = area_dots(CHIP_AREA_MM);
    // 13 mm at 300 dpi is 153.5 dots, so 154 or 155 dots covering the area.
    assert!((154..=155).contains(&(x1 - x0)) && (154..=155).contains(&(y1 - y0)));
    // ISO/IEC 7816-2: the contact field starts 10.25 mm from the left edge and 19.23 mm from the
    // top edge; both lie inside the clear area.
    let (ox, oy) = origin();
    assert!(f64::from(x0) < ox + dots(10.25) && f64::from(y0) < oy + dots(19.23));
    assert!(f64::from(x1) > ox + dots(19.87) && f64::from(y1) > oy + dots(28.55));
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let chip = (x0..x1).contains(&x) && (y0..y1).contains(&y);
            assert_eq!(overlay.get(x, y), !chip, "({x}, {y})");
        }
    }
}

/// K dots right of the value column (up to where the photo column's text begins) or inside the
/// photo, from the photo's top down: where a value's overflow would land.
fn ink_outside_the_value_column(card: &RenderedCard) -> usize {
    let (px0, py0, px1, py1) = photo_dots();
    let (_, _, vx1, _) = area_dots(AreaMm {
        left: 0.0,
        top: 0.0,
        right: VALUE_END + 0.1,
        bottom: 1.0,
    });
    let (gx1, ..) = area_dots(AreaMm {
        left: 61.6,
        top: 0.0,
        right: 61.6,
        bottom: 1.0,
    });
    let black = &card.panels.black;
    let strip = (py0..HEIGHT)
        .flat_map(|y| (vx1..gx1).map(move |x| (x, y)))
        .filter(|&(x, y)| black.get(x, y))
        .count();
    let photo = (py0..py1)
        .flat_map(|y| (px0..px1).map(move |x| (x, y)))
        .filter(|&(x, y)| black.get(x, y))
        .count();
    strip + photo
}

#[test]
fn a_60_character_name_keeps_all_its_ink_inside_the_value_column() {
    let mut wrapped = input();
    wrapped.fields.name = "MUHAMMAD RIZKY PRATAMA WIJAYAKUSUMA HADININGRAT SURYANEGOROS".into();
    assert_eq!(wrapped.fields.name.chars().count(), 60);
    let card = render(&wrapped);
    assert_eq!(ink_outside_the_value_column(&card), 0);

    let mut squeezed = input();
    squeezed.fields.name = "W".repeat(60);
    squeezed.fields.address = "JALAN ".repeat(12).trim_end().into();
    let card = render(&squeezed);
    assert_eq!(ink_outside_the_value_column(&card), 0);

    // The check sees overflow: a value drawn past the column (an unfitted SVG text) is caught.
    let mut svg = layout(
        &squeezed.fields,
        None,
        &Signature::None,
        Backdrop::Red,
        Style {
            ground: false,
            ink: "#000",
            parts: Parts::Ink,
        },
    )
    .expect("lays out");
    svg = svg.replacen(
        "</svg>",
        "<text x=\"23\" y=\"20\" font-size=\"1.95\">WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW</text></svg>",
        1,
    );
    let text = rasterise(&svg).expect("draws");
    let overflowing = RenderedCard {
        image: text.clone(),
        panels: Panels {
            colour: text.clone(),
            black: threshold(&text),
            overlay: overlay(),
        },
    };
    assert!(ink_outside_the_value_column(&overflowing) > 0);
}

#[test]
fn a_photo_or_signature_that_does_not_decode_is_refused_not_left_out() {
    let mut bad = input();
    let mut jpeg = photo();
    jpeg.truncate(200);
    bad.photo = Some(jpeg);
    assert!(matches!(
        render_card(&bad),
        Err(CardError::PhotoUndecodable(_))
    ));
    let mut bad = input();
    bad.photo = Some(b"GIF89a".to_vec());
    assert_eq!(render_card(&bad), Err(CardError::PhotoNotJpeg));
    let mut bad = input();
    bad.signature = Signature::Png(b"\x89PNG\r\n\x1a\nnot a png".to_vec());
    assert!(matches!(
        render_card(&bad),
        Err(CardError::SignatureUndecodable(_))
    ));
}

#[test]
fn the_image_is_what_drawing_the_whole_card_at_once_gives() {
    let input = input();
    let card = render(&input);
    let whole = layout(
        &input.fields,
        input.photo.as_deref(),
        &input.signature,
        input.backdrop,
        Style {
            ground: false,
            ink: "#000",
            parts: Parts::All,
        },
    )
    .expect("lays out");
    let whole = rasterise(&whole).expect("draws");
    let worst = card
        .image
        .pixels()
        .iter()
        .zip(whole.pixels())
        .map(|(a, b)| a.abs_diff(*b))
        .max();
    // Only rounding of the two ways of blending ink over colour may differ.
    assert!(worst.is_some_and(|w| w <= 1), "{worst:?}");
}
