//! An independent parser reads rekam's ANSI/NIST-ITL transactions with every field intact: PyPI
//! `nistitl` (pinned 0.6, run by `tests/python/nistitl_dump.py`) parses a transaction holding every
//! record type rekam writes (Type-1, Type-2 with UTF-8 text, Type-10 face, Type-14 fingers with an
//! exception and a slap with segments, Type-17 irises, Type-8 signature), and its dump of every
//! field, subfield and item, and of every image (SHA-256 and length of nistitl's BinaryField),
//! equals what rekam wrote. rekam's own reader reads the same records back.
//!
//! Runs the Python named by `REKAM_PYTHON`; without it the test fails in CI and is skipped (with a
//! note) elsewhere. A Python without `nistitl` fails the test.

use std::process::Command;

use rekam_protocol::Timestamp;
use rekam_protocol::ansi_nist::enrollment::{self, ExportContext, SignatureBitmap};
use rekam_protocol::ansi_nist::records::{
    AmpCode, Cga, FingerContent, FingerQuality, ImageData, NewRecord, Segment, Type14,
};
use rekam_protocol::ansi_nist::{OwnedRecord, Transaction};
use rekam_sim::sample::{self, SampleOptions};
use rekam_tests::{png_gray, reference_python, workspace_root};
use ring::digest::{SHA256, digest};
use serde_json::{Value, json};

/// The transaction, as records and as bytes: a sample enrollment's, plus a slap record and a
/// UTF-8 Type-2 field.
fn transaction() -> (Vec<OwnedRecord>, Vec<u8>) {
    let mut opts = SampleOptions::tiny(11, "ws-nistitl", 1_764_600_000_000);
    opts.iris_size = Some((48, 40));
    opts.with_exception = true;
    let e = sample::enrollment(&opts);
    let (w, h, gray) = png_gray(e.biometrics.signature.image.data.bytes());
    let sig = SignatureBitmap::from_gray(
        u16::try_from(w).expect("width"),
        u16::try_from(h).expect("height"),
        &gray,
        128,
    )
    .expect("size agrees");
    let ctx = ExportContext {
        created: Timestamp::from_unix_ms(1_764_700_000_000),
        originating_agency: "DKI-3171".into(),
        destination_agency: "DUKCAPIL".into(),
    };
    let mut tx = enrollment::transaction(&e, &ctx, Some(&sig)).expect("exports");
    if let NewRecord::Text(t2) = &mut tx.records[0] {
        t2.fields
            .push((200, vec![vec!["Dœ".into(), "Jürgen 日本".into()]]));
    }
    let png = e
        .biometrics
        .irises
        .left
        .as_ref()
        .expect("iris")
        .image
        .data
        .bytes()
        .to_vec();
    tx.records.push(NewRecord::Finger(Type14 {
        idc: 40,
        impression: 0,
        source_agency: "DKI-3171".into(),
        capture_date: e.context.started_at.date(),
        position: 14,
        content: FingerContent::Image {
            image: ImageData {
                width: 48,
                height: 40,
                compression: Cga::Png,
                data: png,
            },
            ppi: 500,
            nist_quality: vec![(7, 254), (8, 3)],
            quality: vec![FingerQuality {
                position: 7,
                score: 64,
                vendor: 0x0101,
                product: 0x39,
            }],
            segments: vec![Segment {
                position: 7,
                left: 1,
                right: 20,
                top: 2,
                bottom: 39,
            }],
            missing: vec![(10, AmpCode::Amputated)],
        },
    }));
    (
        tx.to_records().expect("valid"),
        tx.encode().expect("encodes"),
    )
}

fn sha256(bytes: &[u8]) -> Value {
    json!({"sha256": hex::encode(digest(&SHA256, bytes)), "len": bytes.len()})
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// What nistitl's dump must say about each record: the written values, with the lengths as the
/// bytes state them.
fn expected(written: &[OwnedRecord], data: &[u8]) -> Vec<Value> {
    let tx = Transaction::parse(data).expect("rekam reads its own transaction");
    assert_eq!(
        tx.to_owned_records(),
        written,
        "rekam's reader reads what was written"
    );
    tx.records
        .iter()
        .map(|r| match OwnedRecord::from(r) {
            OwnedRecord::Binary { record_type, bytes } => json!({
                "type": record_type,
                "idc": bytes[4],
                "header": [bytes[5], bytes[6], bytes[7],
                    u16::from_be_bytes([bytes[8], bytes[9]]),
                    u16::from_be_bytes([bytes[10], bytes[11]])],
                "sha256": hex::encode(digest(&SHA256, &bytes[12..])),
                "len": bytes.len() - 12,
            }),
            OwnedRecord::Tagged {
                record_type,
                fields,
            } => {
                let mut out = serde_json::Map::new();
                let length = r.field(1).expect("length");
                out.insert("1".into(), json!([[latin1(length)]]));
                for (n, v) in fields {
                    let value = if n == 999 {
                        sha256(&v)
                    } else {
                        Value::from(
                            v.split(|&b| b == 0x1E)
                                .map(|s| s.split(|&b| b == 0x1F).map(latin1).collect())
                                .collect::<Vec<Vec<String>>>(),
                        )
                    };
                    out.insert(n.to_string(), value);
                }
                json!({"type": record_type, "fields": out})
            }
        })
        .collect()
}

#[test]
fn nistitl_reads_every_field_of_every_record_rekam_writes() {
    let Some(python) = reference_python() else {
        return;
    };
    let (written, data) = transaction();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("enrollment.an2");
    std::fs::write(&file, &data).expect("write");
    let out = Command::new(&python)
        .arg(workspace_root().join("tests/python/nistitl_dump.py"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "nistitl could not read the transaction: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump: Value = serde_json::from_slice(&out.stdout).expect("JSON from the dump script");
    assert_eq!(dump["nistitl"], "0.6", "the pinned nistitl version");
    let theirs = dump["records"].as_array().expect("records");
    let ours = expected(&written, &data);
    let types: Vec<u64> = ours.iter().filter_map(|r| r["type"].as_u64()).collect();
    for t in [1, 2, 8, 10, 14, 17] {
        assert!(types.contains(&t), "the transaction holds a Type-{t}");
    }
    assert_eq!(theirs.len(), ours.len(), "record count");
    for (i, (a, b)) in theirs.iter().zip(&ours).enumerate() {
        assert_eq!(
            a, b,
            "record {i} as nistitl reads it, then as rekam wrote it"
        );
    }
}
