//! Evolis job build: a YMCKO front (colour photo-like gradient, black text panel, full overlay)
//! and a K back, from 1016x648 images to the command bytes (`build_job`). The limit is
//! 50 ms per card. Run: `cargo bench -p rekam-drivers --bench evolis_job`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_drivers::evolis::{ColourDepth, JobOptions, build_job};
use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_drivers::printer::{CardSide, MonoPanel, PrintJob};

const W: usize = 1016;
const H: usize = 648;

fn job() -> PrintJob {
    let size = ImageSize {
        width: W as u32,
        height: H as u32,
    };
    let mut rgb = Vec::with_capacity(W * H * 3);
    for y in 0..H {
        for x in 0..W {
            rgb.extend([
                (x * 255 / W) as u8,
                (y * 255 / H) as u8,
                ((x + y) % 256) as u8,
            ]);
        }
    }
    let text: Vec<bool> = (0..W * H).map(|i| (i / 7) % 3 == 0).collect();
    PrintJob {
        front: CardSide {
            colour: Some(RgbImage::new(W as u32, H as u32, rgb).expect("card-sized")),
            black: Some(MonoPanel::new(size, text.clone()).expect("card-sized")),
            overlay: Some(MonoPanel::new(size, vec![true; W * H]).expect("card-sized")),
        },
        back: Some(CardSide {
            black: Some(MonoPanel::new(size, text).expect("card-sized")),
            ..CardSide::default()
        }),
    }
}

fn bench(c: &mut Criterion) {
    let job = job();
    for (name, depth) in [
        ("ymcko_front_k_back_32_levels", ColourDepth::L32),
        ("ymcko_front_k_back_128_levels", ColourDepth::L128),
    ] {
        c.bench_function(name, |b| {
            let options = JobOptions {
                depth,
                duplex: true,
                compress_mono: false,
            };
            b.iter(|| build_job(black_box(&job), "ymcko", options).expect("builds"))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
