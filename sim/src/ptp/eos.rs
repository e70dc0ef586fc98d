//! How the simulated Canon EOS body's property codes map onto the scene camera's settings:
//! exposure compensation in Canon's eighth-stop byte code, white-balance presets.
//!
//! Contract: pure functions of the property values, so a calibration can predict the colours a
//! setting gives without talking to a camera.

use rekam_drivers::camera::{Exposure, WhiteBalance};

/// Canon EOS exposure-compensation byte (0xD104) to tenths of a stop: the byte is a signed count
/// of eighths where 3 and 5 eighths stand for one and two thirds (0x03 = +1/3, 0x08 = +1,
/// 0xFD = -1/3). `None` when the code is not one a Canon body uses.
pub fn exposure_from_code(code: u8) -> Option<Exposure> {
    let signed = i16::from(code as i8);
    let (whole, frac) = (signed.abs() / 8, signed.abs() % 8);
    let frac_tenths = match frac {
        0 => 0,
        3 => 3,
        4 => 5,
        5 => 7,
        _ => return None,
    };
    let tenths = whole * 10 + frac_tenths;
    if tenths > 50 {
        return None;
    }
    Some(if signed == 0 {
        Exposure::Auto
    } else {
        Exposure::Compensation(tenths * signed.signum())
    })
}

/// The codes of [`exposure_from_code`] from -5 to +5 EV in third stops, for the enumeration the
/// camera announces.
pub fn exposure_codes() -> Vec<u8> {
    let mut codes = Vec::new();
    for eighths in -40i16..=40 {
        let code = eighths as i8 as u8;
        if exposure_from_code(code).is_some() && !matches!(eighths.abs() % 8, 4) {
            codes.push(code);
        }
    }
    codes
}

/// Canon EOS white-balance preset (0xD109) with the colour temperature (0xD10A, used by preset
/// 9) to the camera's setting. `None` for a preset the simulator does not know.
pub fn white_balance_from_code(code: u32, kelvin: u32) -> Option<WhiteBalance> {
    Some(match code {
        0 => WhiteBalance::Auto,
        1 => WhiteBalance::Daylight,
        2 => WhiteBalance::Kelvin(6500),
        3 => WhiteBalance::Tungsten,
        4 => WhiteBalance::Fluorescent,
        5 => WhiteBalance::Flash,
        8 => WhiteBalance::Kelvin(7500),
        9 => WhiteBalance::Kelvin(u16::try_from(kelvin.clamp(2500, 10000)).ok()?),
        _ => return None,
    })
}

/// White-balance presets the simulated body offers.
pub const WHITE_BALANCE_CODES: [u32; 8] = [0, 1, 2, 3, 4, 5, 8, 9];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canon_thirds_map_to_tenths_of_a_stop() {
        assert_eq!(exposure_from_code(0x00), Some(Exposure::Auto));
        assert_eq!(exposure_from_code(0x08), Some(Exposure::Compensation(10)));
        assert_eq!(exposure_from_code(0x03), Some(Exposure::Compensation(3)));
        assert_eq!(exposure_from_code(0x0D), Some(Exposure::Compensation(17)));
        assert_eq!(exposure_from_code(0xF8), Some(Exposure::Compensation(-10)));
        assert_eq!(exposure_from_code(0xFD), Some(Exposure::Compensation(-3)));
        assert_eq!(exposure_from_code(0x01), None);
        assert_eq!(exposure_from_code(0x30), None);
        assert_eq!(exposure_codes().len(), 31);
    }

    #[test]
    fn preset_nine_uses_the_colour_temperature() {
        assert_eq!(
            white_balance_from_code(9, 3200),
            Some(WhiteBalance::Kelvin(3200))
        );
        assert_eq!(white_balance_from_code(3, 0), Some(WhiteBalance::Tungsten));
        assert_eq!(white_balance_from_code(7, 0), None);
    }
}
