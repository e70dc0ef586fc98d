//! Sets of synthetic portraits for checking face-quality code from outside: each portrait comes
//! from the simulated camera with scene parameters drawn from the seed and reported with it, so
//! a tool can compare what it measures with what was set.
//!
//! Contract: `(seed, index)` always gives the same parameters and the same JPEG bytes.

use std::time::Duration;

use rekam_drivers::camera::{Camera, Photo};
use rekam_drivers::fingerprint::CaptureOptions;

use crate::devices::{CameraConfig, DeviceError, FaceScene, SimCamera};
use crate::rng::SimRng;
use crate::synth::Background;

/// One generated portrait.
#[derive(Debug, Clone)]
pub struct GeneratedFace {
    /// The scene it was taken of.
    pub scene: FaceScene,
    /// Width of the photo.
    pub width: u32,
    /// Height of the photo.
    pub height: u32,
    /// The JPEG file.
    pub jpeg: Vec<u8>,
}

/// The background colour's name, as e-KTP rules speak of it.
pub fn background_name(b: Background) -> &'static str {
    match b {
        Background::Red => "red",
        Background::Blue => "blue",
        Background::Orange => "orange",
    }
}

/// The scene of portrait `index` of set `seed`: most are well framed; some are off-centre, small,
/// badly lit or blurred, as field photos are.
pub fn scene(seed: u64, index: u32) -> FaceScene {
    let mut rng = SimRng::derive(seed, &format!("face-scene-{index}"));
    let background = *rng.pick(&[Background::Red, Background::Blue, Background::Orange]);
    let mut s = FaceScene::framed(background);
    s.face_x = rng.range_f(0.42, 0.58);
    s.face_y = rng.range_f(0.40, 0.50);
    s.face_scale = rng.range_f(0.85, 1.1);
    match rng.range(0, 15) {
        0 => s.face_scale = rng.range_f(0.45, 0.7),
        1 => s.lighting_ev = rng.range_f(-2.5, -1.0),
        2 => s.lighting_ev = rng.range_f(1.0, 2.5),
        3 => s.blur_radius = rng.range(3, 8) as u32,
        4 => s.face_x = *rng.pick(&[0.3, 0.7]),
        5 => s.roll_deg = rng.range_f(10.0, 20.0) * *rng.pick(&[-1.0, 1.0]),
        6 => s.yaw_deg = rng.range_f(15.0, 30.0) * *rng.pick(&[-1.0, 1.0]),
        7 => s.eyes_closed = true,
        8 => s.glasses = true,
        9 => s.cluttered = true,
        10 => s.side_light = rng.range_f(0.6, 1.0) * *rng.pick(&[-1.0, 1.0]),
        _ => {}
    }
    s
}

/// Takes portrait `index` of set `seed` with the simulated 600x800 camera.
pub fn generate(seed: u64, index: u32) -> Result<GeneratedFace, DeviceError> {
    shoot(
        seed ^ u64::from(index).wrapping_mul(0x9e37_79b9),
        scene(seed, index),
    )
}

/// Takes one 600x800 portrait of `scene` with sitter and sensor noise drawn from `seed`: for
/// tests that inject one defect at a time.
pub fn generate_scene(seed: u64, scene: &FaceScene) -> Result<GeneratedFace, DeviceError> {
    shoot(seed, *scene)
}

fn shoot(camera_seed: u64, scene: FaceScene) -> Result<GeneratedFace, DeviceError> {
    let mut config = CameraConfig::portrait(camera_seed);
    // The shutter delay models the desk; a batch tool does not need to wait for it.
    config.shutter_delay = Duration::ZERO;
    let mut camera = SimCamera::new(config, scene);
    match camera.capture_still(&CaptureOptions::with_timeout(Duration::from_secs(5)))? {
        Photo::Jpeg { size, bytes } => Ok(GeneratedFace {
            scene,
            width: size.width,
            height: size.height,
            jpeg: bytes,
        }),
        Photo::Rgb(img) => {
            let rgb = crate::synth::Rgb {
                width: img.width(),
                height: img.height(),
                pixels: img.pixels().to_vec(),
            };
            Ok(GeneratedFace {
                scene,
                width: rgb.width,
                height: rgb.height,
                jpeg: crate::sample::jpeg_rgb(&rgb),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portraits_are_reproducible_and_vary_across_the_set() {
        let a = generate(4, 0).expect("face");
        let b = generate(4, 0).expect("face");
        assert_eq!(a.jpeg, b.jpeg);
        assert_eq!(
            rekam_protocol::media::jpeg_dimensions(&a.jpeg),
            Ok((600, 800))
        );
        let scenes: Vec<FaceScene> = (0..20).map(|i| scene(4, i)).collect();
        assert!(scenes.iter().any(|s| s.background != scenes[0].background));
        assert!(
            scenes
                .iter()
                .any(|s| s.lighting_ev != 0.0 || s.blur_radius > 0 || s.face_scale < 0.8)
        );
    }
}
