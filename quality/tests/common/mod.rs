//! Shared by the face tests: decoding pictures and taking simulated portraits.
#![allow(dead_code)]

use rekam_sim::devices::FaceScene;

/// An RGB picture.
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Picture {
    pub fn view(&self) -> rekam_quality::image::RgbView<'_> {
        rekam_quality::image::RgbView::new(self.width, self.height, &self.rgb).expect("view")
    }
}

/// Decodes a baseline JPEG to RGB.
pub fn jpeg(bytes: &[u8]) -> Picture {
    let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
    let px = d.decode().expect("jpeg");
    let info = d.info().expect("info");
    assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
    Picture {
        width: u32::from(info.width),
        height: u32::from(info.height),
        rgb: px,
    }
}

/// Decodes a PNG (RGB or RGBA) to RGB.
pub fn png_rgb(bytes: &[u8]) -> Picture {
    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut r = dec.read_info().expect("png header");
    let mut buf = vec![0; r.output_buffer_size()];
    let info = r.next_frame(&mut buf).expect("png frame");
    let rgb = match info.color_type {
        png::ColorType::Rgba => buf[..info.buffer_size()]
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        png::ColorType::Rgb => buf[..info.buffer_size()].to_vec(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    Picture {
        width: info.width,
        height: info.height,
        rgb,
    }
}

/// A 600x800 simulated portrait of `scene`.
pub fn simulated(seed: u64, scene: &FaceScene) -> Picture {
    let face = rekam_sim::faces::generate_scene(seed, scene).expect("simulated face");
    jpeg(&face.jpeg)
}

/// A shared face picture, `None` outside CI when missing.
pub fn shared_face(name: &str) -> Option<Picture> {
    let bytes = rekam_tests::shared_data(&format!("faces/{name}"))?;
    Some(if name.ends_with(".png") {
        png_rgb(&bytes)
    } else {
        jpeg(&bytes)
    })
}
