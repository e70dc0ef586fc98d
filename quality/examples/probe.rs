use rekam_quality::face::{BackgroundColour, FaceAssessor, FaceOptions};
use rekam_quality::image::RgbView;
use rekam_sim::devices::FaceScene;
use rekam_sim::synth::Background;

fn decode(path: &str, bytes: Vec<u8>) -> (u32, u32, Vec<u8>) {
    if path.ends_with(".png") {
        let dec = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size()];
        let info = r.next_frame(&mut buf).unwrap();
        let px: Vec<u8> = match info.color_type {
            png::ColorType::Rgba => buf.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
            _ => buf[..info.buffer_size()].to_vec(),
        };
        (info.width, info.height, px)
    } else {
        let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
        let px = d.decode().unwrap();
        let i = d.info().unwrap();
        (u32::from(i.width), u32::from(i.height), px)
    }
}

fn show(
    name: &str,
    w: u32,
    h: u32,
    px: &[u8],
    truth: Option<((f64, f64), (f64, f64))>,
    a: &mut FaceAssessor,
) {
    let v = RgbView::new(w, h, px).unwrap();
    let t = std::time::Instant::now();
    let r = a
        .assess(
            &v,
            &FaceOptions {
                expected_background: Some(BackgroundColour::Red),
            },
        )
        .unwrap();
    let el = t.elapsed();
    print!("{name:10} {:>6.1?} faces={} ", el, r.faces.len());
    if let Some(g) = r.geometry {
        print!(
            "eyes=({:.0},{:.0})({:.0},{:.0}) ",
            g.left_eye.x, g.left_eye.y, g.right_eye.x, g.right_eye.y
        );
        if let Some((l, rr)) = truth {
            print!(
                "err={:.1},{:.1} ",
                (l.0 - g.left_eye.x).hypot(l.1 - g.left_eye.y),
                (rr.0 - g.right_eye.x).hypot(rr.1 - g.right_eye.y)
            );
        }
        print!(
            "crown={:.0}{} chin={:.0} hw={:.0} ",
            g.crown_y,
            if g.crown_measured { "" } else { "?" },
            g.chin_y,
            g.head_width
        );
    }
    println!("pass={} score={}", r.passed, r.unified_score);
    let vals: Vec<String> = r
        .components
        .iter()
        .filter(|c| !c.passed)
        .map(|c| {
            format!(
                "{:?}={:.3}{}",
                c.check,
                c.value,
                if c.passed { "" } else { "!" }
            )
        })
        .collect();
    println!("    {}", vals.join(" "));
}

fn main() {
    let mut a = FaceAssessor::seeta().unwrap();
    for path in [
        "/work/shared/data/faces/astronaut.png",
        "/work/shared/data/faces/portrait-1.jpg",
    ] {
        let (w, h, px) = decode(path, std::fs::read(path).unwrap());
        show(path.rsplit('/').next().unwrap(), w, h, &px, None, &mut a);
    }
    let base = FaceScene::framed(Background::Red);
    let scenes = [
        ("plain", base),
        (
            "blue",
            FaceScene {
                background: Background::Blue,
                ..base
            },
        ),
        (
            "yaw20",
            FaceScene {
                yaw_deg: 20.0,
                ..base
            },
        ),
        (
            "yaw-10",
            FaceScene {
                yaw_deg: -10.0,
                ..base
            },
        ),
        (
            "roll12",
            FaceScene {
                roll_deg: 12.0,
                ..base
            },
        ),
        (
            "closed",
            FaceScene {
                eyes_closed: true,
                ..base
            },
        ),
        (
            "glasses",
            FaceScene {
                glasses: true,
                ..base
            },
        ),
        (
            "clutter",
            FaceScene {
                cluttered: true,
                ..base
            },
        ),
        (
            "side",
            FaceScene {
                side_light: 0.8,
                ..base
            },
        ),
        (
            "small",
            FaceScene {
                face_scale: 0.5,
                ..base
            },
        ),
        (
            "big",
            FaceScene {
                face_scale: 1.6,
                ..base
            },
        ),
        (
            "left",
            FaceScene {
                face_x: 0.25,
                ..base
            },
        ),
        (
            "high",
            FaceScene {
                face_y: 0.25,
                ..base
            },
        ),
        (
            "blur3",
            FaceScene {
                blur_radius: 3,
                ..base
            },
        ),
        (
            "blur6",
            FaceScene {
                blur_radius: 6,
                ..base
            },
        ),
        (
            "dark",
            FaceScene {
                lighting_ev: -2.0,
                ..base
            },
        ),
        (
            "bright",
            FaceScene {
                lighting_ev: 1.5,
                ..base
            },
        ),
    ];
    for seed in [7u64, 8] {
        for (name, s) in scenes {
            let f = rekam_sim::faces::generate_scene(seed, &s).unwrap();
            let (w, h, px) = decode("x.jpg", f.jpeg);
            show(name, w, h, &px, Some(s.eyes(w, h)), &mut a);
        }
    }
}
#[allow(dead_code)]
fn unused() {}
