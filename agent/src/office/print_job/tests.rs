//! A print order becomes the printer's job: three front panels at the printer's size, the
//! order's text value for value, bad photos refused with the field at fault.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rekam_drivers::printer::CardPrinter;
use rekam_protocol::iso19794_2::{self, FingerView, IsoMinutia, MinutiaKind, MinutiaeRecord};
use rekam_protocol::model::FingerPosition;
use rekam_protocol::print_order::ChipFinger;
use rekam_protocol::timefmt::Timestamp;
use rekam_sim::devices::printer::{PrinterConfig, SimCardPrinter};

use super::*;

fn jpeg() -> Vec<u8> {
    let (w, h) = (240u16, 320u16);
    let px: Vec<u8> = (0..u32::from(w) * u32::from(h))
        .flat_map(|i| [(i % 240) as u8, (i / 240 % 256) as u8, 90])
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&px, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encodes");
    out
}

fn png_signature() -> Vec<u8> {
    let (w, h) = (160u32, 50u32);
    let px: Vec<u8> = (0..w * h)
        .map(|i| if (i % w) * h / w == i / w { 0 } else { 255 })
        .collect();
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, w, h);
    e.set_color(png::ColorType::Grayscale);
    e.set_depth(png::BitDepth::Eight);
    let mut writer = e.write_header().expect("header");
    writer.write_image_data(&px).expect("data");
    writer.finish().expect("finish");
    out
}

fn template(position: u8) -> String {
    let record = MinutiaeRecord {
        width: 400,
        height: 500,
        x_ppcm: 197,
        y_ppcm: 197,
        views: vec![FingerView {
            position,
            view: 0,
            impression: 0,
            quality: 80,
            minutiae: vec![IsoMinutia {
                kind: MinutiaKind::RidgeEnding,
                x: 100,
                y: 120,
                angle: 30,
                quality: 70,
            }],
        }],
    };
    STANDARD.encode(iso19794_2::encode(&record))
}

fn order() -> PrintOrder {
    PrintOrder {
        order_id: "PO-0001".into(),
        registry_id: "registry-1".into(),
        office: "3204".into(),
        enrollment_id: "enr-0001".into(),
        packet_id: "ab".repeat(32),
        issued_at: Timestamp::from_unix_ms(1_796_000_000_000),
        card: CardText {
            province: "JAWA BARAT".into(),
            regency: "KABUPATEN BANDUNG".into(),
            nik: "3204015708900001".into(),
            name: "SITI NURHALIZA".into(),
            place_of_birth: "BANDUNG".into(),
            date_of_birth: "17-08-1990".into(),
            sex: "PEREMPUAN".into(),
            blood_type: "AB".into(),
            address: "JL. MERDEKA NO. 1".into(),
            rt_rw: "001/002".into(),
            village: "CIBEUNYING".into(),
            district: "CIMENYAN".into(),
            religion: "ISLAM".into(),
            marital_status: "KAWIN".into(),
            occupation: "PETANI/PEKEBUN".into(),
            citizenship: "WNI".into(),
            valid_until: "SEUMUR HIDUP".into(),
            issue_place: "KAB. BANDUNG".into(),
            issue_date: "02-12-2026".into(),
        },
        backdrop: Backdrop::Blue,
        photo: STANDARD.encode(jpeg()),
        signature: STANDARD.encode(png_signature()),
        chip_fingers: [
            ChipFinger {
                position: FingerPosition::RIGHT_INDEX,
                template: template(2),
            },
            ChipFinger {
                position: FingerPosition::LEFT_INDEX,
                template: template(7),
            },
        ],
    }
}

#[test]
fn an_order_becomes_a_front_only_job_of_three_panels_the_printer_accepts() {
    let o = order();
    o.validate().expect("the sample order is valid");
    let job = print_job(&o).expect("a job");
    assert!(job.back.is_none(), "the e-KTP back is not personalised");
    let colour = job.front.colour.as_ref().expect("colour panel");
    assert_eq!((colour.width(), colour.height()), (1016, 648));
    let black = job.front.black.as_ref().expect("black panel");
    let overlay = job.front.overlay.as_ref().expect("overlay panel");
    assert_eq!((black.size().width, black.size().height), (1016, 648));
    assert!(black.dots().iter().any(|d| *d), "text on K");
    assert!(overlay.dots().iter().any(|d| !*d), "the chip area is clear");
    // The panels are the card crate's, unchanged.
    let card = render_order(&o).expect("renders");
    assert_eq!(colour.pixels(), card.panels.colour.pixels());
    assert_eq!(black.dots(), card.panels.black.dots());
    assert_eq!(overlay.dots(), card.panels.overlay.dots());
    // The simulated Evolis-like printer (which checks panel sizes) takes the job.
    let mut printer = SimCardPrinter::new(PrinterConfig::evolis_like(1));
    printer.print(&job).expect("the printer accepts the job");
}

#[test]
fn the_card_shows_the_orders_text_value_for_value() {
    let o = order();
    let input = card_input_of(&o).expect("valid");
    let f = &input.fields;
    let printed = [
        &f.province,
        &f.regency,
        &f.nik,
        &f.name,
        &f.place_of_birth,
        &f.date_of_birth,
        &f.sex,
        &f.blood_type,
        &f.address,
        &f.rt_rw,
        &f.village,
        &f.district,
        &f.religion,
        &f.marital_status,
        &f.occupation,
        &f.citizenship,
        &f.valid_until,
        &f.issue_place,
        &f.issue_date,
    ];
    for ((name, value), shown) in o.card.fields().iter().zip(printed) {
        assert_eq!(value, shown, "{name}");
    }
    assert_eq!(input.backdrop, rekam_card::Backdrop::Blue);
    assert_eq!(input.photo.as_deref(), Some(jpeg().as_slice()));
    assert_eq!(input.signature, Signature::Png(png_signature()));
}

#[test]
fn an_order_whose_photo_is_not_a_jpeg_is_refused_naming_the_field() {
    let mut o = order();
    o.photo = STANDARD.encode(png_signature());
    let err = print_job(&o).expect_err("refused");
    assert!(
        matches!(&err, PrintJobError::Order { source: PrintOrderError::Invalid { field, .. }, .. } if field == "print_order.photo"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("print order PO-0001: print_order.photo"),
        "{err}"
    );
}

#[test]
fn an_order_whose_jpeg_does_not_decode_is_refused_not_printed_without_its_photo() {
    let mut o = order();
    let mut broken = jpeg();
    broken.truncate(300);
    o.photo = STANDARD.encode(broken);
    let err = print_job(&o).expect_err("refused");
    assert!(
        matches!(
            &err,
            PrintJobError::Card {
                source: CardError::PhotoUndecodable(_),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_printer_with_smaller_panels_gets_the_card_resampled_to_them() {
    let o = order();
    let panel = ImageSize {
        width: 64,
        height: 40,
    };
    let job = print_job_for_panel(&o, panel).expect("a job");
    let colour = job.front.colour.as_ref().expect("colour");
    assert_eq!((colour.width(), colour.height()), (64, 40));
    let black = job.front.black.as_ref().expect("black");
    assert_eq!(black.size(), panel);
    assert!(black.dots().iter().any(|d| *d), "some text survives");
    // The photo's backdrop lands at the right, where the card has it.
    let right = &colour.pixels()[(20 * 64 + 56) * 3..(20 * 64 + 57) * 3];
    assert_ne!(right, [255, 255, 255]);
    let mut small = SimCardPrinter::new(PrinterConfig::tiny(2));
    small.print(&job).expect("the small printer accepts it");
    // The printer's own size gives the rendered card unchanged.
    let native = ImageSize {
        width: 1016,
        height: 648,
    };
    assert_eq!(
        print_job_for_panel(&o, native).expect("job"),
        print_job(&o).expect("job")
    );
    assert!(matches!(
        print_job_for_panel(
            &o,
            ImageSize {
                width: 0,
                height: 40
            }
        ),
        Err(PrintJobError::Panel { .. })
    ));
}
