//! NIST's sample ANSI/NIST-ITL transactions (`../shared/data/ansi-nist`) parse completely, and
//! every finger image in them is where its record says, with the size it declares: each WSQ image
//! decodes (with rekam's codec) to exactly the declared width and height. Each writes again
//! (rekam's writer) to the same records.

use rekam_protocol::ansi_nist::{Compression, Transaction};
use rekam_quality::wsq;
use rekam_tests::shared_data;

const FILES: &[(&str, usize)] = &[
    ("type-10-14-17-piv-index-iris.an2", 6),
    ("type-10-sap10.an2", 3),
    ("type-14-amp-nqm-utf8.an2", 5),
    ("type-14-tip-eji-wsq.an2", 7),
    ("type-14-tpcard-nqm.an2", 16),
    ("type-17-iris.an2", 3),
    ("type-4-14-slaps.an2", 5),
    ("type-8-sig-raw.an2", 3),
    ("type-8-sig.an2", 3),
    ("type-9-10-14.an2", 5),
];

#[test]
fn every_nist_sample_transaction_parses_to_the_records_type_1_lists() {
    for (name, records) in FILES {
        let Some(data) = shared_data(&format!("ansi-nist/{name}")) else {
            return;
        };
        let tx = Transaction::parse(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(tx.records.len(), *records, "{name}");
    }
}

#[test]
fn finger_images_decode_to_their_declared_size_at_valid_positions() {
    let mut total = 0;
    for (name, _) in FILES {
        let Some(data) = shared_data(&format!("ansi-nist/{name}")) else {
            return;
        };
        let tx = Transaction::parse(&data).expect("parses");
        for f in tx.finger_images().expect("finger images") {
            assert!(
                f.position <= 50,
                "{name}: FGP {} is not in the ANSI/NIST-ITL table",
                f.position
            );
            assert!(f.width > 0 && f.height > 0, "{name}");
            if f.compression == Compression::Wsq {
                let img = wsq::decode(f.data)
                    .unwrap_or_else(|e| panic!("{name} record {}: {e}", f.record));
                assert_eq!(
                    (img.width as u32, img.height as u32),
                    (f.width, f.height),
                    "{name} record {}",
                    f.record
                );
                total += 1;
            }
        }
    }
    // The ink tenprint card alone holds 14 WSQ prints (ten rolled, four plain); the slap file more.
    assert!(total >= 20, "only {total} WSQ finger images found");
}

#[test]
fn the_tenprint_card_holds_ten_rolled_fingers_and_the_plain_impressions() {
    let Some(data) = shared_data("ansi-nist/type-14-tpcard-nqm.an2") else {
        return;
    };
    let tx = Transaction::parse(&data).expect("parses");
    let fingers = tx.finger_images().expect("fingers");
    let mut rolled: Vec<u8> = fingers
        .iter()
        .filter(|f| f.impression == 3 || f.impression == 1)
        .map(|f| f.position)
        .collect();
    rolled.sort_unstable();
    assert_eq!(rolled, (1..=10).collect::<Vec<u8>>());
    assert!(
        fingers.iter().all(|f| f.ppi == Some(500)),
        "the card is scanned at 500 ppi"
    );
}

#[test]
fn every_nist_sample_transaction_written_again_reads_back_to_the_same_records() {
    for (name, _) in FILES {
        let Some(data) = shared_data(&format!("ansi-nist/{name}")) else {
            return;
        };
        let tx = Transaction::parse(&data).expect("parses");
        let written = tx.encode().unwrap_or_else(|e| panic!("{name}: {e}"));
        let reread = Transaction::parse(&written).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(reread.to_owned_records(), tx.to_owned_records(), "{name}");
        // NIST writes the fields in number order with minimal lengths, as rekam does, so the
        // bytes come out the same.
        assert!(written == data, "{name}: not the same bytes");
    }
}
