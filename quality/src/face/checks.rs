//! The rules: each measured value becomes a [`Component`] with its score, verdict and an
//! operator message in Indonesian and English. Thresholds are ICAO / ISO 19794-5 where those
//! give one (inter-eye distance >= 90 px, roll <= 8 degrees, yaw and pitch <= 5 degrees) and
//! otherwise set on the simulated defects and the real portraits (see the face tests).
//!
//! Contract: pure functions from numbers to components.

use super::report::{BackgroundColour, Check, Component, Message, ramp};

fn component(check: Check, score: u8, passed: bool, value: f64, message: Message) -> Component {
    Component {
        check,
        score,
        passed,
        value,
        message,
    }
}

/// Exactly one face.
pub fn single_face(count: usize) -> Component {
    let (passed, message) = match count {
        1 => (
            true,
            Message::new("Satu wajah terdeteksi.", "One face found."),
        ),
        0 => (
            false,
            Message::new(
                "Wajah tidak terdeteksi: minta pemohon duduk tegak menghadap kamera.",
                "No face found: ask the resident to sit upright facing the camera.",
            ),
        ),
        n => (
            false,
            Message::new(
                format!("Terdeteksi {n} wajah: hanya pemohon yang boleh ada di dalam bingkai."),
                format!("{n} faces found: only the resident may be in the frame."),
            ),
        ),
    };
    component(
        Check::SingleFacePresent,
        if passed { 100 } else { 0 },
        passed,
        count as f64,
        message,
    )
}

/// Inter-eye distance: at least 90 pixels, 120 recommended.
pub fn inter_eye(ied: f64) -> Component {
    let passed = ied >= 90.0;
    let message = if passed {
        Message::new(
            format!("Jarak antar mata {ied:.0} piksel (minimal 90)."),
            format!("Eyes {ied:.0} pixels apart (90 needed)."),
        )
    } else {
        Message::new(
            format!(
                "Wajah terlalu kecil: jarak antar mata {ied:.0} piksel, minimal 90. Dekatkan kamera atau perbesar zoom."
            ),
            format!(
                "Face too small: eyes {ied:.0} pixels apart, 90 needed. Move the camera closer or zoom in."
            ),
        )
    };
    component(
        Check::InterEyeDistance,
        ramp(ied, 120.0, 30.0),
        passed,
        ied,
        message,
    )
}

/// Head size: the 3:4 crop that makes chin-to-crown 70-80% of its height must fit the picture.
/// `overflow` is how much taller (or wider) than the picture that crop is, as a fraction (0 when
/// it fits); `share` is the head's share of the picture's height, reported as the value.
pub fn head_size(overflow: f64, share: f64) -> Component {
    let passed = overflow <= 0.0;
    let message = if passed {
        Message::new(
            format!("Ukuran kepala cukup ({:.0}% tinggi gambar).", share * 100.0),
            format!(
                "Head size fine ({:.0}% of the picture height).",
                share * 100.0
            ),
        )
    } else {
        Message::new(
            "Kepala terlalu besar dalam bingkai: mundurkan kamera atau perkecil zoom.",
            "Head too large in the frame: move the camera back or zoom out.",
        )
    };
    component(
        Check::HeadSize,
        ramp(overflow, 0.0, 0.3),
        passed,
        share,
        message,
    )
}

/// Head position: the card crop must lie inside the picture. `shift` is (left, top, right,
/// bottom) overflow in pixels; `height` scales the score.
pub fn head_position(shift: [f64; 4], crop_height: f64, centre_x: f64) -> Component {
    let worst = shift.iter().copied().fold(0.0, f64::max);
    let passed = worst <= 0.0;
    let message = if passed {
        Message::new("Posisi kepala baik.", "Head well placed.")
    } else {
        let [l, t, r, b] = shift;
        if t >= l.max(r).max(b) {
            Message::new(
                "Kepala terlalu dekat ke tepi atas: turunkan kamera atau minta pemohon duduk lebih rendah.",
                "Head too close to the top edge: lower the camera or have the resident sit lower.",
            )
        } else if b >= l.max(r) {
            Message::new(
                "Kepala terlalu rendah dalam bingkai: naikkan kamera.",
                "Head too low in the frame: raise the camera.",
            )
        } else if l >= r {
            Message::new(
                "Wajah terlalu dekat ke tepi kiri gambar: posisikan pemohon di tengah.",
                "Face too close to the left edge of the picture: centre the resident.",
            )
        } else {
            Message::new(
                "Wajah terlalu dekat ke tepi kanan gambar: posisikan pemohon di tengah.",
                "Face too close to the right edge of the picture: centre the resident.",
            )
        }
    };
    component(
        Check::HeadPosition,
        ramp(worst / crop_height.max(1.0), 0.0, 0.25),
        passed,
        centre_x,
        message,
    )
}

/// Roll: the eye line within 8 degrees of level (ISO 19794-5).
pub fn roll(deg: f64) -> Component {
    let passed = deg.abs() <= 8.0;
    let message = if passed {
        Message::new(
            format!("Kepala tegak (miring {deg:.1}°)."),
            format!("Head upright (tilt {deg:.1}°)."),
        )
    } else {
        Message::new(
            format!(
                "Kepala miring {:.0}°: minta pemohon menegakkan kepala.",
                deg.abs()
            ),
            format!(
                "Head tilted {:.0}°: ask the resident to hold the head level.",
                deg.abs()
            ),
        )
    };
    component(
        Check::Roll,
        ramp(deg.abs(), 0.0, 16.0),
        passed,
        deg,
        message,
    )
}

/// Yaw: within 5 degrees of frontal (ISO 19794-5).
pub fn yaw(deg: f64) -> Component {
    let passed = deg.abs() <= 5.0;
    let message = if passed {
        Message::new(
            format!("Wajah menghadap lurus ke kamera (toleh {deg:.1}°)."),
            format!("Face looks straight at the camera (turn {deg:.1}°)."),
        )
    } else {
        Message::new(
            format!(
                "Wajah menoleh {:.0}°: minta pemohon menghadap lurus ke kamera.",
                deg.abs()
            ),
            format!(
                "Face turned {:.0}°: ask the resident to look straight into the camera.",
                deg.abs()
            ),
        )
    };
    component(Check::Yaw, ramp(deg.abs(), 0.0, 20.0), passed, deg, message)
}

/// Pitch: within 5 degrees of frontal (ISO 19794-5); positive is chin up.
pub fn pitch(deg: f64) -> Component {
    let passed = deg.abs() <= 5.0;
    let message = if passed {
        Message::new(
            format!("Kepala tidak menunduk/menengadah ({deg:.1}°)."),
            format!("Head neither raised nor lowered ({deg:.1}°)."),
        )
    } else if deg > 0.0 {
        Message::new(
            "Dagu terangkat: minta pemohon sedikit menunduk.",
            "Chin raised: ask the resident to lower the chin a little.",
        )
    } else {
        Message::new(
            "Kepala menunduk: minta pemohon mengangkat dagu sedikit.",
            "Head lowered: ask the resident to raise the chin a little.",
        )
    };
    component(
        Check::Pitch,
        ramp(deg.abs(), 0.0, 20.0),
        passed,
        deg,
        message,
    )
}

/// Mean face luma (0-255) between 70 and 190.
pub fn luminance_mean(mean: f64) -> Component {
    let passed = (70.0..=190.0).contains(&mean);
    let score = if mean < 130.0 {
        ramp(mean, 110.0, 30.0)
    } else {
        ramp(mean, 150.0, 230.0)
    };
    let message = if passed {
        Message::new(
            format!("Kecerahan wajah baik ({mean:.0}/255)."),
            format!("Face brightness fine ({mean:.0}/255)."),
        )
    } else if mean < 70.0 {
        Message::new(
            format!("Wajah terlalu gelap ({mean:.0}/255): tambah cahaya atau naikkan eksposur."),
            format!("Face too dark ({mean:.0}/255): add light or raise the exposure."),
        )
    } else {
        Message::new(
            format!("Wajah terlalu terang ({mean:.0}/255): kurangi cahaya atau turunkan eksposur."),
            format!("Face too bright ({mean:.0}/255): reduce the light or lower the exposure."),
        )
    };
    component(Check::LuminanceMean, score, passed, mean, message)
}

/// Share of face pixels crushed to black (luma <= 25): at most 15%.
pub fn under_exposure(share: f64) -> Component {
    let passed = share <= 0.15;
    let message = if passed {
        Message::new(
            "Tidak ada bagian wajah yang terlalu gelap.",
            "No part of the face is crushed to black.",
        )
    } else {
        Message::new(
            format!(
                "{:.0}% wajah hitam pekat: foto kurang cahaya.",
                share * 100.0
            ),
            format!(
                "{:.0}% of the face is black: the photo is underexposed.",
                share * 100.0
            ),
        )
    };
    component(
        Check::UnderExposure,
        ramp(share, 0.05, 0.4),
        passed,
        share,
        message,
    )
}

/// Share of face pixels blown to white (luma >= 247): at most 5%.
pub fn over_exposure(share: f64) -> Component {
    let passed = share <= 0.05;
    let message = if passed {
        Message::new(
            "Tidak ada bagian wajah yang terlalu terang.",
            "No part of the face is blown to white.",
        )
    } else {
        Message::new(
            format!(
                "{:.0}% wajah putih pekat: foto terlalu terang.",
                share * 100.0
            ),
            format!(
                "{:.0}% of the face is blown to white: the photo is overexposed.",
                share * 100.0
            ),
        )
    };
    component(
        Check::OverExposure,
        ramp(share, 0.0, 0.3),
        passed,
        share,
        message,
    )
}

/// Dynamic range: entropy of the face's luma histogram at least 4.5 bits.
pub fn dynamic_range(bits: f64) -> Component {
    let passed = bits >= 4.5;
    let message = if passed {
        Message::new(
            format!("Rentang tonal wajah cukup ({bits:.1} bit)."),
            format!("Face tonal range sufficient ({bits:.1} bits)."),
        )
    } else {
        Message::new(
            format!(
                "Kontras wajah terlalu rendah ({bits:.1} bit): periksa pencahayaan dan eksposur."
            ),
            format!("Face contrast too low ({bits:.1} bits): check the lighting and exposure."),
        )
    };
    component(
        Check::DynamicRange,
        ramp(bits, 7.0, 3.0),
        passed,
        bits,
        message,
    )
}

/// Sharpness score (see `measure::sharpness`) at least 12.
pub fn sharpness(value: f64) -> Component {
    let passed = value >= 12.0;
    let message = if passed {
        Message::new(
            format!("Foto tajam ({value:.0})."),
            format!("Photo in focus ({value:.0})."),
        )
    } else {
        Message::new(
            format!("Foto buram ({value:.0}): fokuskan kamera dan minta pemohon tidak bergerak."),
            format!("Photo blurred ({value:.0}): refocus and ask the resident to keep still."),
        )
    };
    component(
        Check::Sharpness,
        ramp(value, 25.0, 4.0),
        passed,
        value,
        message,
    )
}

/// Illumination uniformity: darker half over brighter half of the face at least 0.8.
pub fn illumination(ratio: f64) -> Component {
    let passed = ratio >= 0.8;
    let message = if passed {
        Message::new(
            format!("Pencahayaan wajah merata ({ratio:.2})."),
            format!("Face evenly lit ({ratio:.2})."),
        )
    } else {
        Message::new(
            format!("Pencahayaan tidak merata ({ratio:.2}): satu sisi wajah gelap, ratakan lampu."),
            format!(
                "Uneven lighting ({ratio:.2}): one side of the face is dark; even out the lights."
            ),
        )
    };
    component(
        Check::IlluminationUniformity,
        ramp(ratio, 1.0, 0.5),
        passed,
        ratio,
        message,
    )
}

/// Backdrop uniformity: luma spread at most 18 levels.
pub fn background_uniformity(spread: f64) -> Component {
    let passed = spread <= 18.0;
    let message = if passed {
        Message::new(
            format!("Latar polos ({spread:.0})."),
            format!("Plain backdrop ({spread:.0})."),
        )
    } else {
        Message::new(
            format!(
                "Latar tidak polos ({spread:.0}): gunakan kain latar dan singkirkan benda di belakang pemohon."
            ),
            format!(
                "Backdrop not plain ({spread:.0}): use the backdrop cloth and clear objects behind the resident."
            ),
        )
    };
    component(
        Check::BackgroundUniformity,
        ramp(spread, 5.0, 50.0),
        passed,
        spread,
        message,
    )
}

/// The backdrop colour against the resident's rule; with no expected colour, any e-KTP colour.
pub fn background_colour(
    seen: Option<BackgroundColour>,
    expected: Option<BackgroundColour>,
    hue: f64,
) -> Component {
    let passed = match (seen, expected) {
        (Some(s), Some(e)) => s == e,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let message = match (seen, expected) {
        (Some(s), _) if passed => Message::new(
            format!("Warna latar {} sesuai.", s.name_id()),
            format!("Backdrop colour {} is right.", s.name_en()),
        ),
        (Some(s), Some(e)) => Message::new(
            format!(
                "Latar berwarna {}, seharusnya {} untuk pemohon ini: ganti kain latar.",
                s.name_id(),
                e.name_id()
            ),
            format!(
                "Backdrop is {}, this resident needs {}: change the backdrop.",
                s.name_en(),
                e.name_en()
            ),
        ),
        _ => Message::new(
            "Warna latar bukan merah, biru, atau oranye e-KTP: gunakan kain latar yang benar.",
            "Backdrop is not the e-KTP red, blue or orange: use the right backdrop.",
        ),
    };
    component(
        Check::BackgroundColour,
        if passed { 100 } else { 0 },
        passed,
        hue,
        message,
    )
}

/// Eyes open: the less open eye's iris band at least 0.08 inter-eye distances tall.
pub fn eyes_open(openness: f64) -> Component {
    let passed = openness >= 0.08;
    let message = if passed {
        Message::new("Mata terbuka.", "Eyes open.")
    } else {
        Message::new(
            "Mata tertutup atau menyipit: minta pemohon membuka mata dan melihat ke kamera.",
            "Eyes closed or squinting: ask the resident to open the eyes and look at the camera.",
        )
    };
    component(
        Check::EyesOpen,
        ramp(openness, 0.14, 0.03),
        passed,
        openness,
        message,
    )
}

/// No glasses: frame evidence (dark line contrast) below 0.3.
pub fn no_glasses(evidence: f64) -> Component {
    let passed = evidence < 0.3;
    let message = if passed {
        Message::new("Tidak berkacamata.", "No glasses.")
    } else {
        Message::new(
            "Pemohon berkacamata: minta kacamata dilepas.",
            "The resident wears glasses: ask them to take the glasses off.",
        )
    };
    component(
        Check::NoGlasses,
        ramp(evidence, 0.15, 0.45),
        passed,
        evidence,
        message,
    )
}
