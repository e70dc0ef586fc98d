//! Iris and signature checks on the simulator's synthetic irises and signatures, with defects
//! injected into them: blur, eyelid occlusion, a small iris, no eye at all; an empty pad, a line,
//! a dot, a stuck pressure sensor.

use rekam_quality::image::GrayView;
use rekam_quality::iris::{self, IrisCheck, IrisReport};
use rekam_quality::signature::{self, PenSample, SignatureCheck};
use rekam_sim::rng::SimRng;
use rekam_sim::synth;

fn sim_iris(seed: u64) -> synth::Gray {
    synth::iris(&mut SimRng::new(seed), 640, 480)
}

fn run(img: &synth::Gray) -> IrisReport {
    iris::assess(&GrayView::new(img.width, img.height, &img.pixels).expect("view"))
}

fn iris_fails(r: &IrisReport) -> Vec<IrisCheck> {
    r.components
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.check)
        .collect()
}

/// Separable box blur of radius `r`.
fn blur(img: &synth::Gray, r: i64) -> synth::Gray {
    let (w, h) = (img.width as i64, img.height as i64);
    let at = |p: &[u8], x: i64, y: i64| {
        u32::from(p[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize])
    };
    let n = (2 * r + 1) as u32;
    let mut tmp = img.pixels.clone();
    for y in 0..h {
        for x in 0..w {
            tmp[(y * w + x) as usize] =
                ((-r..=r).map(|d| at(&img.pixels, x + d, y)).sum::<u32>() / n) as u8;
        }
    }
    let mut out = tmp.clone();
    for y in 0..h {
        for x in 0..w {
            out[(y * w + x) as usize] =
                ((-r..=r).map(|d| at(&tmp, x, y + d)).sum::<u32>() / n) as u8;
        }
    }
    synth::Gray {
        pixels: out,
        ..img.clone()
    }
}

#[test]
fn a_simulated_iris_is_found_with_plausible_circles_and_passes() {
    for seed in 1..6 {
        let r = run(&sim_iris(seed));
        assert!(r.passed, "seed {seed}: {:#?}", r.components);
        let (p, i) = (r.pupil.expect("pupil"), r.iris.expect("iris"));
        eprintln!("seed {seed}: pupil {p:?} iris {i:?}");
        // The simulator draws the iris at 0.22-0.26 of the height, the pupil at 0.3-0.45 of it,
        // centred within 5% of the middle.
        assert!(
            (0.20 * 480.0..=0.28 * 480.0).contains(&i.r),
            "iris radius {}",
            i.r
        );
        assert!((0.25..=0.5).contains(&(p.r / i.r)), "ratio {}", p.r / i.r);
        assert!((p.x - 320.0).abs() < 40.0 && (p.y - 240.0).abs() < 30.0);
    }
}

#[test]
fn a_defocused_iris_fails_sharpness() {
    for seed in 1..4 {
        let r = run(&blur(&sim_iris(seed), 4));
        assert!(
            iris_fails(&r).contains(&IrisCheck::Sharpness),
            "seed {seed}: {:#?}",
            r.components
        );
    }
}

#[test]
fn a_drooping_eyelid_fails_usable_area() {
    for seed in 1..4 {
        let mut img = sim_iris(seed);
        let r0 = run(&img);
        let (p, i) = (r0.pupil.expect("pupil"), r0.iris.expect("iris"));
        // The lid comes down to just above the pupil's centre: flat skin with sensor noise.
        let mut rng = SimRng::new(seed + 100);
        let lid = (p.y - 0.3 * p.r) as u32;
        for y in 0..lid {
            for x in 0..img.width {
                let v = 150.0 + rng.normal() * 4.0;
                img.pixels[(y * img.width + x) as usize] = v.clamp(0.0, 255.0) as u8;
            }
        }
        let r = run(&img);
        let usable = r
            .components
            .iter()
            .find(|c| c.check == IrisCheck::UsableArea)
            .expect("usable area");
        assert!(
            !usable.passed,
            "seed {seed}: lid at {lid}, iris {i:?}: {usable:?}"
        );
        assert!(usable.value < 0.65, "{}", usable.value);
    }
}

#[test]
fn a_distant_eye_fails_iris_size() {
    let img = sim_iris(2);
    // Half size, in the middle of a plain frame.
    let mut small = synth::Gray {
        pixels: vec![185; 640 * 480],
        ..img.clone()
    };
    for y in 0..240u32 {
        for x in 0..320u32 {
            small.pixels[((y + 120) * 640 + x + 160) as usize] =
                img.pixels[(y * 2 * 640 + x * 2) as usize];
        }
    }
    let r = run(&small);
    let fails = iris_fails(&r);
    assert!(fails.contains(&IrisCheck::IrisSize), "{:#?}", r.components);
}

#[test]
fn a_picture_without_an_eye_fails_iris_found() {
    let mut rng = SimRng::new(5);
    let pixels = (0..640 * 480)
        .map(|_| (150.0 + rng.normal() * 6.0) as u8)
        .collect();
    let r = run(&synth::Gray {
        width: 640,
        height: 480,
        pixels,
    });
    assert!(!r.passed);
    assert_eq!(iris_fails(&r)[0], IrisCheck::IrisFound);
    assert!(r.advice.expect("advice").en.starts_with("No iris"));
}

fn sim_signature(seed: u64) -> Vec<PenSample> {
    let d = synth::signature(&mut SimRng::new(seed), 400, 250);
    d.samples
        .iter()
        .map(|&(t, x, y, p)| PenSample {
            x: f64::from(x) / f64::from(d.max_x),
            y: f64::from(y) / f64::from(d.max_y),
            pressure: Some(f64::from(p) / f64::from(d.max_pressure)),
            t_ms: u64::from(t),
        })
        .collect()
}

#[test]
fn a_simulated_signature_passes_every_check() {
    for seed in 1..8 {
        let r = signature::assess(&sim_signature(seed));
        assert!(r.passed, "seed {seed}: {:#?}", r.components);
        assert!((2..=3).contains(&r.strokes), "{}", r.strokes);
    }
}

#[test]
fn an_empty_pad_a_line_and_a_dot_fail_with_their_own_reasons() {
    let empty = signature::assess(&[]);
    assert!(!empty.passed);
    assert_eq!(
        empty.advice.expect("advice").en,
        "Signature empty or too short: ask the resident to sign on the pad."
    );

    let line: Vec<PenSample> = (0..150)
        .map(|i| PenSample {
            x: 0.1 + 0.006 * f64::from(i),
            y: 0.5 + 0.001 * f64::from(i),
            pressure: Some(0.4 + 0.1 * (f64::from(i) * 0.2).sin()),
            t_ms: u64::from(i as u32) * 5,
        })
        .collect();
    let r = signature::assess(&line);
    let fails: Vec<SignatureCheck> = r
        .components
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.check)
        .collect();
    assert!(fails.contains(&SignatureCheck::Shape), "{fails:?}");

    let dot: Vec<PenSample> = (0..150)
        .map(|i| PenSample {
            x: 0.5,
            y: 0.5,
            pressure: Some(0.5),
            t_ms: u64::from(i as u32) * 5,
        })
        .collect();
    let r = signature::assess(&dot);
    let fails: Vec<SignatureCheck> = r
        .components
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.check)
        .collect();
    assert!(
        fails.contains(&SignatureCheck::Extent) && fails.contains(&SignatureCheck::Shape),
        "{fails:?}"
    );
}

#[test]
fn a_stuck_pressure_sensor_and_a_too_fast_scribble_fail() {
    let mut s = sim_signature(3);
    for p in &mut s {
        p.pressure = Some(1.0);
    }
    let r = signature::assess(&s);
    assert!(
        r.components
            .iter()
            .any(|c| c.check == SignatureCheck::Pressure && !c.passed)
    );

    let mut fast = sim_signature(3);
    for p in &mut fast {
        p.t_ms /= 20;
    }
    // Compressing time also merges strokes (gaps under 50 ms), but the duration is what fails.
    let r = signature::assess(&fast);
    assert!(
        r.components
            .iter()
            .any(|c| c.check == SignatureCheck::Duration && !c.passed),
        "{:#?}",
        r.components
    );
}
