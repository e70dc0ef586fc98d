//! Complete synthetic enrollments, for trying packets out, for tests and for benchmarks.
//!
//! Contract: [`enrollment`] is deterministic from its options: the same seed gives the same
//! resident, the same images and so the same packet manifest. The resident's NIK is consistent
//! with their birth date and sex, and the photo background follows the e-KTP rule.

use rekam_protocol::EnrollmentId;
use rekam_protocol::Nik;
use rekam_protocol::Timestamp;
use rekam_protocol::model::{
    Address, Applicant, Biometrics, BloodType, CaptureContext, Citizenship, DeviceIdentity,
    Enrollment, ExceptionReason, FaceCapture, FingerCapture, FingerEntry, FingerException,
    FingerPosition, FingerRecord, Image, ImageEncoding, Impression, IrisCapture, Irises,
    MaritalStatus, PenSample, PenSeries, PixelFormat, QualityScore, RecordingUnit, Religion, Sex,
    SignatureCapture,
};
use time::{Date, Month};

use crate::prints::{self, Condition, ImpressionParams, Master, MasterSize, Pose};
use crate::rng::SimRng;
use crate::synth::{self, Background, Gray, Rgb};

/// One good impression, `size` pixels square, of a finger made from `rng`.
fn finger_impression(rng: &mut SimRng, size: u32) -> Gray {
    let side = size.clamp(16, MasterSize::MAX);
    let master_size = MasterSize::new(side, side).unwrap_or(MasterSize::STANDARD);
    let master = Master::generate(rng.next_u64(), master_size);
    let params = ImpressionParams::sample(&master, Condition::Good, rng);
    prints::render(&master, &params, Pose::centred(size, size), size, size)
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct SampleOptions {
    /// Seed for everything.
    pub seed: u64,
    /// Workstation id written into the enrollment.
    pub workstation_id: String,
    /// When recording started (Unix ms); the enrollment id is minted from it.
    pub started_at_ms: i64,
    /// Side of the square finger images, in pixels at 500 ppi.
    pub finger_size: u32,
    /// Face photo size (width, height).
    pub face_size: (u32, u32),
    /// Signature image size (width, height).
    pub signature_size: (u32, u32),
    /// Iris image size, or `None` for no irises.
    pub iris_size: Option<(u32, u32)>,
    /// Record the left little finger as amputated, with an exception photo.
    pub with_exception: bool,
}

impl SampleOptions {
    /// Field-realistic sizes: 500x500 prints, a 600x800 face, 640x480 irises.
    pub fn realistic(seed: u64, workstation_id: &str, started_at_ms: i64) -> Self {
        SampleOptions {
            seed,
            workstation_id: workstation_id.to_string(),
            started_at_ms,
            finger_size: 500,
            face_size: (600, 800),
            signature_size: (600, 200),
            iris_size: Some((640, 480)),
            with_exception: false,
        }
    }

    /// Tiny images, for tests that open many packets.
    pub fn tiny(seed: u64, workstation_id: &str, started_at_ms: i64) -> Self {
        SampleOptions {
            finger_size: 24,
            face_size: (24, 32),
            signature_size: (32, 12),
            iris_size: None,
            ..Self::realistic(seed, workstation_id, started_at_ms)
        }
    }
}

/// Encodes a gray image as PNG.
pub fn png_gray(img: &Gray) -> Vec<u8> {
    encode_png(
        img.width,
        img.height,
        png::ColorType::Grayscale,
        &img.pixels,
    )
}

/// Encodes an RGB image as PNG.
pub fn png_rgb(img: &Rgb) -> Vec<u8> {
    encode_png(img.width, img.height, png::ColorType::Rgb, &img.pixels)
}

fn encode_png(width: u32, height: u32, color: png::ColorType, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(color);
    enc.set_depth(png::BitDepth::Eight);
    // Writing to memory fails only on a size/buffer mismatch, which the generators rule out.
    if let Ok(mut w) = enc.write_header() {
        let _ = w.write_image_data(pixels);
    }
    out
}

/// Encodes an RGB image as baseline JPEG at quality 90.
pub fn jpeg_rgb(img: &Rgb) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, 90);
    let (w, h) = (
        u16::try_from(img.width).unwrap_or(u16::MAX),
        u16::try_from(img.height).unwrap_or(u16::MAX),
    );
    let _ = enc.encode(&img.pixels, w, h, jpeg_encoder::ColorType::Rgb);
    out
}

const GIVEN: &[&str] = &[
    "Siti", "Budi", "Ayu", "Agus", "Dewi", "Rizky", "Putri", "Wahyu", "Ratna", "Joko",
];
const FAMILY: &[&str] = &[
    "Rahmawati",
    "Santoso",
    "Lestari",
    "Saputra",
    "Wulandari",
    "Hidayat",
    "Kusuma",
    "Pratama",
];
const PLACES: &[&str] = &[
    "Jakarta",
    "Bandung",
    "Surabaya",
    "Medan",
    "Makassar",
    "Semarang",
    "Palembang",
];
const VILLAGES: &[&str] = &[
    "Cempaka Putih Timur",
    "Rawasari",
    "Galur",
    "Kemayoran",
    "Sunter Agung",
];
const OCCUPATIONS: &[&str] = &[
    "Pelajar/Mahasiswa",
    "Karyawan Swasta",
    "Wiraswasta",
    "Petani/Pekebun",
    "Mengurus Rumah Tangga",
];

fn device(kind: &str, serial: u64) -> DeviceIdentity {
    DeviceIdentity {
        vendor: "rekam-sim".into(),
        model: format!("simulated {kind}"),
        serial: format!("SIM-{serial:06}"),
        firmware: Some("1.0".into()),
    }
}

/// Builds a complete enrollment: demographics, context, ten fingers, face, signature with pen
/// series, and irises when asked.
pub fn enrollment(opts: &SampleOptions) -> Enrollment {
    let mut rng = SimRng::derive(opts.seed, "applicant");
    let sex = if rng.unit() < 0.5 {
        Sex::Male
    } else {
        Sex::Female
    };
    let year = rng.range(1950, 2008) as i32;
    let month = Month::try_from(rng.range(1, 12) as u8).unwrap_or(Month::January);
    let day = rng.range(1, u64::from(time::util::days_in_month(month, year))) as u8;
    let birth = Date::from_calendar_date(year, month, day).unwrap_or(Date::MIN);
    let district = rng.range(1, 10);
    let serial = rng.range(1, 9999);
    let nik_day = u64::from(day) + if sex == Sex::Female { 40 } else { 0 };
    let nik_text = format!(
        "3171{district:02}{nik_day:02}{:02}{:02}{serial:04}",
        u8::from(month),
        year.rem_euclid(100)
    );
    let nik =
        Nik::parse(&nik_text).unwrap_or_else(|_| unreachable!("generated NIKs are well formed"));
    let full_name = format!("{} {}", rng.pick(GIVEN), rng.pick(FAMILY));
    let applicant = Applicant {
        nik,
        full_name,
        place_of_birth: rng.pick(PLACES).to_string(),
        date_of_birth: birth,
        sex,
        blood_type: *rng.pick(&[
            BloodType::A,
            BloodType::B,
            BloodType::AB,
            BloodType::O,
            BloodType::Unknown,
        ]),
        address: Address {
            street: format!("Jl. Percetakan Negara No. {}", rng.range(1, 120)),
            rt: rng.range(1, 15) as u16,
            rw: rng.range(1, 9) as u16,
            village: rng.pick(VILLAGES).to_string(),
            district: "Cempaka Putih".into(),
            regency: "Kota Jakarta Pusat".into(),
            province: "DKI Jakarta".into(),
            postal_code: Some("10510".into()),
        },
        religion: *rng.pick(&[
            Religion::Islam,
            Religion::Kristen,
            Religion::Katolik,
            Religion::Hindu,
            Religion::Buddha,
        ]),
        marital_status: if year < 1995 {
            MaritalStatus::Kawin
        } else {
            MaritalStatus::BelumKawin
        },
        occupation: rng.pick(OCCUPATIONS).to_string(),
        citizenship: Citizenship::Wni,
    };

    let started = opts.started_at_ms;
    let context = CaptureContext {
        workstation_id: opts.workstation_id.clone(),
        site_code: "3171-CPT".into(),
        operator_id: "OP-0001".into(),
        unit: RecordingUnit::Office,
        position: None,
        started_at: Timestamp::from_unix_ms(started),
        finished_at: Timestamp::from_unix_ms(started + 6 * 60_000 + rng.range(0, 120_000) as i64),
        audit_head: None,
        supervisor_approval: None,
        visit: None,
    };
    let id = EnrollmentId::new(started.max(0) as u64, rng.bytes());

    let mut fingers = Vec::with_capacity(10);
    for pos in FingerPosition::all() {
        let mut frng = SimRng::derive(opts.seed, &format!("finger-{}", pos.code()));
        if opts.with_exception && pos.code() == 10 {
            let photo = synth::portrait(&mut frng, 64, 48, Background::Blue);
            fingers.push(FingerEntry {
                position: pos,
                record: FingerRecord::Exception(FingerException {
                    reason: ExceptionReason::Amputated,
                    photo: Some(rgb_image(&photo, ImageEncoding::Jpeg)),
                    note: Some("amputated at the first joint".into()),
                }),
            });
            continue;
        }
        let img = finger_impression(&mut frng, opts.finger_size);
        fingers.push(FingerEntry {
            position: pos,
            record: FingerRecord::Captured(FingerCapture {
                image: gray_image(&img, Some(500)),
                quality: QualityScore {
                    score: frng.range(45, 85) as u8,
                    algorithm: "sim-nominal".into(),
                },
                impression: Impression::SlapSegment,
                device: device("fingerprint scanner", 1),
                attempts: 1,
                forced: false,
            }),
        });
    }

    let mut face_rng = SimRng::derive(opts.seed, "face");
    let background = if year % 2 == 0 {
        Background::Blue
    } else {
        Background::Red
    };
    let face = synth::portrait(
        &mut face_rng,
        opts.face_size.0,
        opts.face_size.1,
        background,
    );
    let mut sig_rng = SimRng::derive(opts.seed, "signature");
    let sig = synth::signature(&mut sig_rng, opts.signature_size.0, opts.signature_size.1);
    let irises = match opts.iris_size {
        None => Irises::default(),
        Some((w, h)) => {
            let eye = |name: &str| {
                let mut r = SimRng::derive(opts.seed, name);
                IrisCapture {
                    image: gray_image(&synth::iris(&mut r, w, h), Some(250)),
                    quality: QualityScore {
                        score: r.range(60, 90) as u8,
                        algorithm: "sim-nominal".into(),
                    },
                    device: device("iris scanner", 3),
                }
            };
            Irises {
                left: Some(eye("iris-left")),
                right: Some(eye("iris-right")),
            }
        }
    };
    Enrollment {
        id,
        applicant,
        context,
        biometrics: Biometrics {
            fingers,
            face: FaceCapture {
                image: rgb_image(&face, ImageEncoding::Jpeg),
                quality: QualityScore {
                    score: face_rng.range(60, 95) as u8,
                    algorithm: "sim-nominal".into(),
                },
                device: device("camera", 2),
                approved_by_resident: true,
                attempts: 1,
                forced: false,
            },
            signature: SignatureCapture {
                image: gray_image(&sig.image, None),
                pen: Some(PenSeries {
                    max_x: sig.max_x,
                    max_y: sig.max_y,
                    max_pressure: sig.max_pressure,
                    samples: sig
                        .samples
                        .iter()
                        .map(|&(t, x, y, p)| PenSample(t, x, y, p))
                        .collect(),
                }),
                device: device("signature pad", 4),
            },
            irises,
            chip_fingers: [FingerPosition::RIGHT_INDEX, FingerPosition::LEFT_INDEX],
        },
    }
}

fn gray_image(img: &Gray, ppi: Option<u16>) -> Image {
    Image {
        encoding: ImageEncoding::Png,
        pixels: PixelFormat::Gray8,
        width: img.width,
        height: img.height,
        ppi,
        data: rekam_protocol::model::Blob::new(png_gray(img)),
    }
}

fn rgb_image(img: &Rgb, encoding: ImageEncoding) -> Image {
    let bytes = match encoding {
        ImageEncoding::Jpeg => jpeg_rgb(img),
        _ => png_rgb(img),
    };
    Image {
        encoding,
        pixels: PixelFormat::Rgb8,
        width: img.width,
        height: img.height,
        ppi: None,
        data: rekam_protocol::model::Blob::new(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_valid_and_deterministic() {
        let opts = SampleOptions {
            with_exception: true,
            ..SampleOptions::tiny(42, "WS-TEST-01", 1_763_890_000_000)
        };
        let a = enrollment(&opts);
        assert_eq!(a.validate(), Ok(()));
        assert_eq!(a, enrollment(&opts));
        for (name, img) in a.images() {
            assert_eq!(img.check_data(), Ok(()), "{name}");
        }
    }

    #[test]
    fn photo_background_follows_the_birth_year_rule() {
        for seed in 0..6 {
            let e = enrollment(&SampleOptions::tiny(seed, "WS-1", 0));
            let mut rng = SimRng::derive(seed, "face");
            let expected = if e.applicant.date_of_birth.year() % 2 == 0 {
                Background::Blue
            } else {
                Background::Red
            };
            let face = synth::portrait(&mut rng, 24, 32, expected);
            assert_eq!(
                e.biometrics.face.image.data.bytes(),
                jpeg_rgb(&face).as_slice()
            );
        }
    }
}
