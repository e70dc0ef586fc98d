//! SPEC.md is enough to open a packet: an independent implementation (Python: pyhpke for HPKE,
//! `cryptography` for keys and signatures, hashlib) opens and verifies packets sealed by rekam,
//! with Ed25519 and with ECDSA P-256 signers, and rejects a tampered one; and on a corpus of
//! authentic packets that each break one rule of SPEC.md §5/§7, it and rekam agree on every one.

use std::fs;
use std::path::Path;
use std::process::Command;

use rekam_protocol::model::{AuditHead, FingerRecord, GeoPosition, SupervisorApproval};
use rekam_protocol::{
    ErrorKind, RegistryPrivateKey, SignatureAlgorithm, TrustStore, TrustedWorkstation,
    WorkstationSigningKey, packet,
};
use rekam_sim::sample::{self, SampleOptions};
use rekam_tests::{reference_python, workspace_root};
use ring::rand::SystemRandom;
use serde_json::{Value, json};

fn run_reference(python: &Path, dir: &Path, packet_file: &str) -> (bool, String, String) {
    let out = Command::new(python)
        .arg(workspace_root().join("tests/python/open_packet.py"))
        .arg(dir.join(packet_file))
        .arg(dir.join("registry.key"))
        .arg(dir.join("workstation.pub"))
        .output()
        .expect("python runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn an_independent_implementation_opens_rekam_packets_and_rejects_tampering() {
    let Some(python) = reference_python() else {
        return;
    };
    let rng = SystemRandom::new();
    for (i, alg) in [
        SignatureAlgorithm::Ed25519,
        SignatureAlgorithm::EcdsaP256Sha256,
    ]
    .into_iter()
    .enumerate()
    {
        let dir = tempfile::tempdir().expect("tempdir");
        let (key, _) = WorkstationSigningKey::generate(alg, &rng).expect("key");
        let registry = RegistryPrivateKey::generate(&rng).expect("registry");
        let entry = TrustedWorkstation {
            workstation_id: "WS-PY-01".into(),
            key: key.public_key().clone(),
        };
        fs::write(dir.path().join("registry.key"), registry.to_pem()).expect("write");
        fs::write(dir.path().join("workstation.pub"), entry.to_text()).expect("write");
        let mut e = sample::enrollment(&SampleOptions {
            with_exception: true,
            ..SampleOptions::tiny(i as u64, "WS-PY-01", 1_763_890_000_000)
        });
        let sealed = packet::seal(&mut e, &key, registry.public_key(), [i as u8 + 1; 32], &rng)
            .expect("seal");
        fs::write(dir.path().join("p.rkp"), &sealed.bytes).expect("write");

        let (ok, stdout, stderr) = run_reference(&python, dir.path(), "p.rkp");
        assert!(ok, "reference rejected a valid {alg} packet: {stderr}");
        let v: Value = serde_json::from_str(&stdout).expect("json");
        assert_eq!(v["packet_id"], sealed.id.to_string());
        assert_eq!(v["enrollment_id"], e.id.to_string());
        assert_eq!(v["signer_algorithm"], alg.name());
        assert_eq!(v["nik"], e.applicant.nik.to_string());
        assert_eq!(
            v["parts"].as_array().expect("parts").len(),
            sealed.manifest.parts.len()
        );
        assert_eq!(v["face_bytes"], e.biometrics.face.image.data.bytes().len());

        let mut tampered = sealed.bytes.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        fs::write(dir.path().join("t.rkp"), &tampered).expect("write");
        let (ok, _, stderr) = run_reference(&python, dir.path(), "t.rkp");
        assert!(!ok && stderr.contains("ciphertext altered"), "{stderr}");
    }
}

#[test]
fn the_reference_opens_the_stored_specification_vector() {
    let Some(python) = reference_python() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs: Value = serde_json::from_str(
        &fs::read_to_string(
            workspace_root().join("protocol/tests/vectors/packet-v1-ed25519.inputs.json"),
        )
        .expect("read"),
    )
    .expect("json");
    let hexv = |k: &str| hex::decode(inputs[k].as_str().expect(k)).expect("hex");
    let registry =
        RegistryPrivateKey::from_pkcs8_der(&hexv("registry_pkcs8_der")).expect("registry");
    fs::write(dir.path().join("registry.key"), registry.to_pem()).expect("write");
    let key =
        WorkstationSigningKey::from_pkcs8_der(&hexv("workstation_pkcs8_der"), &SystemRandom::new())
            .expect("key");
    let entry = TrustedWorkstation {
        workstation_id: inputs["workstation_id"].as_str().expect("ws").into(),
        key: key.public_key().clone(),
    };
    fs::write(dir.path().join("workstation.pub"), entry.to_text()).expect("write");
    fs::copy(
        workspace_root().join("protocol/tests/vectors/packet-v1-ed25519.rkp"),
        dir.path().join("v.rkp"),
    )
    .expect("copy");
    let (ok, stdout, stderr) = run_reference(&python, dir.path(), "v.rkp");
    assert!(ok, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(v["packet_id"], inputs["packet_id"]);
}

/// One way to break (or keep) a rule of SPEC.md §5/§7 in an otherwise valid, authentic packet.
enum Edit {
    /// Sets the member at a JSON pointer of the enrollment document.
    Set(&'static str, Value),
    /// Removes the member at a JSON pointer.
    Remove(&'static str),
    /// Replaces the first occurrence of a text in the serialized document.
    Text(&'static str, &'static str),
    /// Changes the serialized document's bytes.
    Bytes(fn(&mut Vec<u8>)),
    /// Changes the manifest and the parts (the document is part 0).
    Parts(fn(&mut rekam_protocol::Manifest, &mut Vec<Vec<u8>>)),
}

use Edit::*;

fn remove_at(doc: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let parent = doc.pointer_mut(parent).expect(pointer);
    match parent {
        Value::Object(m) => {
            m.remove(key).expect(pointer);
        }
        Value::Array(a) => {
            a.remove(key.parse::<usize>().expect("index"));
        }
        _ => panic!("{pointer} is not in an object or array"),
    }
}

fn apply(
    edit: &Edit,
    doc: &Value,
    manifest: &mut rekam_protocol::Manifest,
    parts: &mut Vec<Vec<u8>>,
) {
    let mut doc = doc.clone();
    match edit {
        Set(pointer, v) => {
            let (parent, key) = pointer.rsplit_once('/').expect("pointer");
            match doc.pointer_mut(parent).expect(pointer) {
                Value::Object(m) => {
                    m.insert(key.to_string(), v.clone());
                }
                Value::Array(a) => a[key.parse::<usize>().expect("index")] = v.clone(),
                _ => panic!("{pointer}"),
            }
        }
        Remove(pointer) => remove_at(&mut doc, pointer),
        _ => {}
    }
    parts[0] = serde_json::to_vec(&doc).expect("json");
    match edit {
        Text(from, to) => {
            let text = String::from_utf8(parts[0].clone()).expect("utf8");
            assert!(text.contains(from), "the document does not hold {from}");
            parts[0] = text.replacen(from, to, 1).into_bytes();
        }
        Bytes(f) => f(&mut parts[0]),
        Parts(f) => f(manifest, parts),
        _ => {}
    }
    if !matches!(edit, Parts(_)) {
        manifest.parts[0].length = parts[0].len() as u64;
        manifest.parts[0].sha256 = rekam_protocol::manifest::Sha256Digest::of(&parts[0]);
    }
}

fn part_index(m: &rekam_protocol::Manifest, name: &str) -> usize {
    m.parts.iter().position(|p| p.name == name).expect(name)
}

/// Each entry breaks one rule (or, when `valid`, exercises a freedom the rules leave).
fn corpus() -> Vec<(&'static str, bool, Edit)> {
    let long = "a".repeat(257);
    let long: &'static str = Box::leak(long.into_boxed_str());
    let name101: &'static str = Box::leak("a".repeat(101).into_boxed_str());
    vec![
        ("valid: as sealed", true, Text("{", "{")),
        (
            "valid: optional members null",
            true,
            Set("/applicant/address/postal_code", Value::Null),
        ),
        ("valid: no position", true, Remove("/context/position")),
        ("valid: no audit head", true, Remove("/context/audit_head")),
        (
            "valid: no approval",
            true,
            Remove("/context/supervisor_approval"),
        ),
        (
            "valid: no firmware",
            true,
            Remove("/biometrics/face/device/firmware"),
        ),
        (
            "valid: foreign resident",
            true,
            Set(
                "/applicant/citizenship",
                json!({"kind": "wna", "country": "MYS"}),
            ),
        ),
        (
            "valid: mobile unit",
            true,
            Set(
                "/context/unit",
                json!({"kind": "mobile", "unit_id": "MU-01", "location": "Balai Desa"}),
            ),
        ),
        (
            "valid: accented name",
            true,
            Set(
                "/applicant/full_name",
                json!("Thérèse O’Neil-Nguyễn, S.Pd."),
            ),
        ),
        (
            "valid: decomposed accent",
            true,
            Set("/applicant/full_name", json!("Jose\u{301}")),
        ),
        (
            "valid: reason finger 10",
            true,
            Set(
                "/context/supervisor_approval/reasons",
                json!(["exception_finger_10", "forced_face"]),
            ),
        ),
        (
            "valid: white space around",
            true,
            Bytes(|b| {
                b.insert(0, b' ');
                b.push(b'\n');
            }),
        ),
        (
            "valid: -0 latitude",
            true,
            Text("\"latitude\":-6.175", "\"latitude\":-0"),
        ),
        (
            "valid: integer latitude",
            true,
            Set("/context/position/latitude", json!(-6)),
        ),
        (
            "valid: note empty",
            true,
            Set("/biometrics/fingers/9/record/exception/note", json!("")),
        ),
        (
            "valid: tiny negative accuracy rounds to -0",
            true,
            Set("/context/position/accuracy_m", json!(-1e-50)),
        ),
        // JSON itself
        ("not JSON", false, Bytes(|b| b.push(b'x'))),
        (
            "duplicate member",
            false,
            Bytes(|b| {
                let s = String::from_utf8(b.clone()).expect("utf8");
                *b = s.replacen("{", "{\"biometrics\":0,", 1).into_bytes();
            }),
        ),
        (
            "NaN",
            false,
            Text("\"latitude\":-6.175", "\"latitude\":NaN"),
        ),
        (
            "lone surrogate",
            false,
            Set("/applicant/place_of_birth", json!("PLACEHOLDER")),
        ),
        (
            "invalid UTF-8",
            false,
            Bytes(|b| {
                let i = b.iter().position(|&c| c == b'"').expect("quote");
                b.insert(i + 1, 0xff);
            }),
        ),
        ("-0 for an integer", false, Text("\"seq\":41", "\"seq\":-0")),
        (
            "float for an integer",
            false,
            Set("/applicant/address/rt", json!(3.0)),
        ),
        (
            "bool for an integer",
            false,
            Set("/biometrics/face/attempts", json!(true)),
        ),
        ("unknown top-level member", false, Set("/extra", json!(1))),
        (
            "unknown nested member",
            false,
            Set("/applicant/address/floor", json!("2")),
        ),
        ("missing member", false, Remove("/applicant/occupation")),
        ("wrong type", false, Set("/applicant/full_name", json!(5))),
        (
            "null for a required member",
            false,
            Set("/applicant/occupation", Value::Null),
        ),
        ("irises null", false, Set("/biometrics/irises", Value::Null)),
        // ids
        (
            "id uppercase",
            false,
            Parts(|m, p| {
                let mut d: Value = serde_json::from_slice(&p[0]).expect("json");
                d["id"] = json!(d["id"].as_str().expect("id").to_uppercase());
                p[0] = serde_json::to_vec(&d).expect("json");
                m.parts[0].length = p[0].len() as u64;
                m.parts[0].sha256 = rekam_protocol::manifest::Sha256Digest::of(&p[0]);
            }),
        ),
        (
            "id differs from the manifest",
            false,
            Set("/id", json!("019ab009-7080-7ddf-93c8-958e773953d8")),
        ),
        (
            "workstation differs from the manifest",
            false,
            Set("/context/workstation_id", json!("WS-OTHER")),
        ),
        // NIK
        (
            "nik 15 digits",
            false,
            Parts(|m, p| nik_edit(m, p, |n| n.truncate(15))),
        ),
        (
            "nik not digits",
            false,
            Parts(|m, p| nik_edit(m, p, |n| n.replace_range(14..15, "a"))),
        ),
        (
            "nik province",
            false,
            Parts(|m, p| nik_edit(m, p, |n| n.replace_range(0..2, "99"))),
        ),
        (
            "nik regency 00",
            false,
            Parts(|m, p| nik_edit(m, p, |n| n.replace_range(2..4, "00"))),
        ),
        (
            "nik district 00",
            false,
            Parts(|m, p| nik_edit(m, p, |n| n.replace_range(4..6, "00"))),
        ),
        (
            "nik day 35",
            false,
            Parts(|m, p| nik_edit(m, p, |n| n.replace_range(6..8, "35"))),
        ),
        (
            "nik month 13",
            false,
            Parts(|m, p| nik_edit(m, p, |n| n.replace_range(8..10, "13"))),
        ),
        (
            "nik serial 0000",
            false,
            Parts(|m, p| nik_edit(m, p, |n| n.replace_range(12..16, "0000"))),
        ),
        (
            "nik year differs",
            false,
            Parts(|m, p| {
                nik_edit(m, p, |n| {
                    let y = (n[10..12].parse::<u8>().expect("yy") + 1) % 100;
                    n.replace_range(10..12, &format!("{y:02}"));
                })
            }),
        ),
        (
            "nik sex differs",
            false,
            Parts(|m, p| {
                nik_edit(m, p, |n| {
                    let d = n[6..8].parse::<u8>().expect("dd");
                    let d = if d > 40 { d - 40 } else { d + 40 };
                    n.replace_range(6..8, &format!("{d:02}"));
                })
            }),
        ),
        (
            "date of birth not a date",
            false,
            Set("/applicant/date_of_birth", json!("2001-02-30")),
        ),
        (
            "date of birth form",
            false,
            Set("/applicant/date_of_birth", json!("1990-1-05")),
        ),
        // text
        ("name empty", false, Set("/applicant/full_name", json!(""))),
        (
            "name digit",
            false,
            Set("/applicant/full_name", json!("Agent 007")),
        ),
        (
            "name begins with a hyphen",
            false,
            Set("/applicant/full_name", json!("-Budi")),
        ),
        (
            "name trailing space",
            false,
            Set("/applicant/full_name", json!("Budi ")),
        ),
        (
            "name double space",
            false,
            Set("/applicant/full_name", json!("Budi  Santoso")),
        ),
        (
            "name 101 characters",
            false,
            Set("/applicant/full_name", json!(name101)),
        ),
        (
            "name control",
            false,
            Set("/applicant/full_name", json!("Budi\u{7f}")),
        ),
        (
            "place blank",
            false,
            Set("/applicant/place_of_birth", json!(" \u{3000} ")),
        ),
        (
            "place 257 bytes",
            false,
            Set("/applicant/place_of_birth", json!(long)),
        ),
        (
            "place bidi override",
            false,
            Set("/applicant/place_of_birth", json!("Bandung\u{202e}")),
        ),
        (
            "place control",
            false,
            Set("/applicant/place_of_birth", json!("Band\u{7}ung")),
        ),
        (
            "occupation zero-width space",
            false,
            Set("/applicant/occupation", json!("Petani\u{200b}")),
        ),
        (
            "street blank",
            false,
            Set("/applicant/address/street", json!("")),
        ),
        (
            "province BOM",
            false,
            Set("/applicant/address/province", json!("\u{feff}DKI")),
        ),
        ("rt 0", false, Set("/applicant/address/rt", json!(0))),
        ("rw 1000", false, Set("/applicant/address/rw", json!(1000))),
        (
            "rt over 16 bits",
            false,
            Set("/applicant/address/rt", json!(70000)),
        ),
        (
            "rt negative",
            false,
            Set("/applicant/address/rt", json!(-1)),
        ),
        (
            "postal code 4 digits",
            false,
            Set("/applicant/address/postal_code", json!("1051")),
        ),
        (
            "postal code letter",
            false,
            Set("/applicant/address/postal_code", json!("10a10")),
        ),
        (
            "blood type",
            false,
            Set("/applicant/blood_type", json!("C")),
        ),
        (
            "religion",
            false,
            Set("/applicant/religion", json!("lainnya")),
        ),
        (
            "marital status",
            false,
            Set("/applicant/marital_status", json!("kawin_siri")),
        ),
        ("sex", false, Set("/applicant/sex", json!("m"))),
        (
            "country IDN",
            false,
            Set(
                "/applicant/citizenship",
                json!({"kind": "wna", "country": "IDN"}),
            ),
        ),
        (
            "country lowercase",
            false,
            Set(
                "/applicant/citizenship",
                json!({"kind": "wna", "country": "mys"}),
            ),
        ),
        (
            "country 2 letters",
            false,
            Set(
                "/applicant/citizenship",
                json!({"kind": "wna", "country": "MY"}),
            ),
        ),
        (
            "country user-assigned X",
            false,
            Set(
                "/applicant/citizenship",
                json!({"kind": "wna", "country": "XXA"}),
            ),
        ),
        (
            "country user-assigned AA",
            false,
            Set(
                "/applicant/citizenship",
                json!({"kind": "wna", "country": "AAB"}),
            ),
        ),
        (
            "country user-assigned QM",
            false,
            Set(
                "/applicant/citizenship",
                json!({"kind": "wna", "country": "QMA"}),
            ),
        ),
        (
            "country user-assigned ZZ",
            false,
            Set(
                "/applicant/citizenship",
                json!({"kind": "wna", "country": "ZZZ"}),
            ),
        ),
        (
            "wna without country",
            false,
            Set("/applicant/citizenship", json!({"kind": "wna"})),
        ),
        (
            "wni with country",
            false,
            Set(
                "/applicant/citizenship",
                json!({"kind": "wni", "country": "MYS"}),
            ),
        ),
        (
            "citizenship kind",
            false,
            Set("/applicant/citizenship", json!({"kind": "alien"})),
        ),
        // context
        (
            "site code space",
            false,
            Set("/context/site_code", json!("3171 CPT")),
        ),
        (
            "operator empty",
            false,
            Set("/context/operator_id", json!("")),
        ),
        (
            "operator 65 characters",
            false,
            Set("/context/operator_id", json!("o".repeat(65))),
        ),
        (
            "mobile without location",
            false,
            Set(
                "/context/unit",
                json!({"kind": "mobile", "unit_id": "MU-01"}),
            ),
        ),
        (
            "mobile location blank",
            false,
            Set(
                "/context/unit",
                json!({"kind": "mobile", "unit_id": "MU-01", "location": " "}),
            ),
        ),
        (
            "mobile unit id",
            false,
            Set(
                "/context/unit",
                json!({"kind": "mobile", "unit_id": "MU 01", "location": "Desa"}),
            ),
        ),
        (
            "office with a member",
            false,
            Set(
                "/context/unit",
                json!({"kind": "office", "unit_id": "MU-01"}),
            ),
        ),
        (
            "unit kind",
            false,
            Set("/context/unit", json!({"kind": "car"})),
        ),
        (
            "latitude 91",
            false,
            Set("/context/position/latitude", json!(91.0)),
        ),
        (
            "longitude -181",
            false,
            Set("/context/position/longitude", json!(-181)),
        ),
        (
            "accuracy negative",
            false,
            Set("/context/position/accuracy_m", json!(-1.0)),
        ),
        (
            "accuracy beyond single precision",
            false,
            Set("/context/position/accuracy_m", json!(1e39)),
        ),
        (
            "latitude string",
            false,
            Set("/context/position/latitude", json!("-6.2")),
        ),
        (
            "finished before started",
            false,
            Set("/context/finished_at", json!("2000-01-01T00:00:00.000Z")),
        ),
        (
            "time without milliseconds",
            false,
            Set("/context/started_at", json!("2025-11-23T09:26:40Z")),
        ),
        (
            "time with offset",
            false,
            Set(
                "/context/started_at",
                json!("2025-11-23T09:26:40.000+07:00"),
            ),
        ),
        (
            "time hour 24",
            false,
            Set("/context/started_at", json!("2025-11-23T24:00:00.000Z")),
        ),
        (
            "audit hash uppercase",
            false,
            Set("/context/audit_head/hash", json!("A".repeat(64))),
        ),
        (
            "audit hash 63 digits",
            false,
            Set("/context/audit_head/hash", json!("a".repeat(63))),
        ),
        (
            "audit seq negative",
            false,
            Set("/context/audit_head/seq", json!(-1)),
        ),
        (
            "audit seq over 64 bits",
            false,
            Text("\"seq\":41", "\"seq\":18446744073709551616"),
        ),
        (
            "approval without reasons",
            false,
            Set("/context/supervisor_approval/reasons", json!([])),
        ),
        (
            "approval finger 11",
            false,
            Set(
                "/context/supervisor_approval/reasons",
                json!(["forced_finger_11"]),
            ),
        ),
        (
            "approval finger 01",
            false,
            Set(
                "/context/supervisor_approval/reasons",
                json!(["forced_finger_01"]),
            ),
        ),
        (
            "approval finger +5",
            false,
            Set(
                "/context/supervisor_approval/reasons",
                json!(["forced_finger_+5"]),
            ),
        ),
        (
            "approval unknown",
            false,
            Set("/context/supervisor_approval/reasons", json!(["tired"])),
        ),
        (
            "approval before start",
            false,
            Set(
                "/context/supervisor_approval/approved_at",
                json!("2000-01-01T00:00:00.000Z"),
            ),
        ),
        (
            "approval supervisor id",
            false,
            Set("/context/supervisor_approval/supervisor_id", json!("sup 1")),
        ),
        // biometrics
        ("nine fingers", false, Remove("/biometrics/fingers/0")),
        (
            "position out of order",
            false,
            Set("/biometrics/fingers/0/position", json!(2)),
        ),
        (
            "position 11",
            false,
            Set("/biometrics/fingers/9/position", json!(11)),
        ),
        (
            "record with both variants",
            false,
            Set(
                "/biometrics/fingers/0/record/exception",
                json!({"reason": "bandaged"}),
            ),
        ),
        (
            "record as a string",
            false,
            Set("/biometrics/fingers/0/record", json!("captured")),
        ),
        (
            "finger jpeg",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/image/encoding",
                json!("jpeg"),
            ),
        ),
        (
            "finger rgb8",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/image/pixels",
                json!("rgb8"),
            ),
        ),
        (
            "finger without ppi",
            false,
            Remove("/biometrics/fingers/0/record/captured/image/ppi"),
        ),
        (
            "finger ppi 0",
            false,
            Set("/biometrics/fingers/0/record/captured/image/ppi", json!(0)),
        ),
        (
            "width 0",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/image/width",
                json!(0),
            ),
        ),
        (
            "width 16385",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/image/width",
                json!(16385),
            ),
        ),
        (
            "width differs from the header",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/image/width",
                json!(25),
            ),
        ),
        (
            "score 101",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/quality/score",
                json!(101),
            ),
        ),
        (
            "score 256",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/quality/score",
                json!(256),
            ),
        ),
        (
            "algorithm not an identifier",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/quality/algorithm",
                json!("nfiq 2"),
            ),
        ),
        (
            "impression",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/impression",
                json!("slap"),
            ),
        ),
        (
            "vendor blank",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/device/vendor",
                json!(""),
            ),
        ),
        (
            "firmware control",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/device/firmware",
                json!("1.0\n"),
            ),
        ),
        (
            "serial 257 bytes",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/device/serial",
                json!(long),
            ),
        ),
        (
            "attempts 0",
            false,
            Set("/biometrics/fingers/0/record/captured/attempts", json!(0)),
        ),
        (
            "attempts 256",
            false,
            Set("/biometrics/fingers/0/record/captured/attempts", json!(256)),
        ),
        (
            "forced not a bool",
            false,
            Set("/biometrics/fingers/0/record/captured/forced", json!("no")),
        ),
        (
            "exception reason",
            false,
            Set(
                "/biometrics/fingers/9/record/exception/reason",
                json!("lost"),
            ),
        ),
        (
            "exception note control",
            false,
            Set(
                "/biometrics/fingers/9/record/exception/note",
                json!("\u{1b}[31m"),
            ),
        ),
        (
            "exception photo wsq",
            false,
            Set(
                "/biometrics/fingers/9/record/exception/photo/encoding",
                json!("wsq"),
            ),
        ),
        (
            "face wsq",
            false,
            Set("/biometrics/face/image/encoding", json!("wsq")),
        ),
        (
            "face not approved",
            false,
            Set("/biometrics/face/approved_by_resident", json!(false)),
        ),
        (
            "face attempts 0",
            false,
            Set("/biometrics/face/attempts", json!(0)),
        ),
        (
            "face height differs from the header",
            false,
            Set("/biometrics/face/image/height", json!(33)),
        ),
        (
            "signature jpeg",
            false,
            Set("/biometrics/signature/image/encoding", json!("jpeg")),
        ),
        (
            "pen time backwards",
            false,
            Set(
                "/biometrics/signature/pen/samples",
                json!([[5, 1, 1, 1], [4, 1, 1, 1]]),
            ),
        ),
        (
            "pen x beyond max",
            false,
            Set(
                "/biometrics/signature/pen/samples",
                json!([[0, 65535, 1, 1]]),
            ),
        ),
        (
            "pen sample of three",
            false,
            Set("/biometrics/signature/pen/samples", json!([[0, 1, 1]])),
        ),
        (
            "pen max negative",
            false,
            Set("/biometrics/signature/pen/max_x", json!(-1)),
        ),
        (
            "iris rgb8",
            false,
            Set("/biometrics/irises/left/image/pixels", json!("rgb8")),
        ),
        (
            "iris jpeg",
            false,
            Set("/biometrics/irises/left/image/encoding", json!("jpeg")),
        ),
        (
            "chip fingers equal",
            false,
            Set("/biometrics/chip_fingers", json!([2, 2])),
        ),
        (
            "chip finger not captured",
            false,
            Set("/biometrics/chip_fingers", json!([2, 10])),
        ),
        (
            "chip fingers three",
            false,
            Set("/biometrics/chip_fingers", json!([2, 7, 3])),
        ),
        (
            "chip finger 0",
            false,
            Set("/biometrics/chip_fingers", json!([0, 7])),
        ),
        // parts
        (
            "images name each other's parts",
            false,
            Parts(|m, p| {
                let mut d: Value = serde_json::from_slice(&p[0]).expect("json");
                let a = d["biometrics"]["fingers"][0]["record"]["captured"]["image"]["data"].take();
                let b = d["biometrics"]["fingers"][1]["record"]["captured"]["image"]["data"].take();
                d["biometrics"]["fingers"][0]["record"]["captured"]["image"]["data"] = b;
                d["biometrics"]["fingers"][1]["record"]["captured"]["image"]["data"] = a;
                p[0] = serde_json::to_vec(&d).expect("json");
                m.parts[0].length = p[0].len() as u64;
                m.parts[0].sha256 = rekam_protocol::manifest::Sha256Digest::of(&p[0]);
            }),
        ),
        (
            "image names a missing part",
            false,
            Set(
                "/biometrics/fingers/0/record/captured/image/data",
                json!("finger-01.wsq"),
            ),
        ),
        (
            "part not referenced",
            false,
            Remove("/biometrics/irises/right"),
        ),
        (
            "parts out of order",
            false,
            Parts(|m, p| {
                m.parts.swap(1, 2);
                p.swap(1, 2);
            }),
        ),
        (
            "name disagrees with media type",
            false,
            Parts(|m, _| m.parts[1].media_type = "image/x-wsq".into()),
        ),
        (
            "part named for no place",
            false,
            Parts(|m, _| m.parts[1].name = "thumb.png".into()),
        ),
        (
            "unknown media type",
            false,
            Parts(|m, _| m.parts[1].media_type = "image/gif".into()),
        ),
        (
            "part name upper case",
            false,
            Parts(|m, _| m.parts[1].name = "Finger-01.png".into()),
        ),
        (
            "part listed twice",
            false,
            Parts(|m, p| {
                let e = m.parts[1].clone();
                m.parts.insert(1, e);
                let b = p[1].clone();
                p.insert(1, b);
            }),
        ),
        (
            "enrollment not first",
            false,
            Parts(|m, p| {
                m.parts.swap(0, 1);
                p.swap(0, 1);
            }),
        ),
        (
            "image bytes not a PNG",
            false,
            Parts(|m, p| {
                let i = part_index(m, "finger-01.png");
                p[i][1] = b'X';
                m.parts[i].sha256 = rekam_protocol::manifest::Sha256Digest::of(&p[i]);
            }),
        ),
        (
            "wsq part holding a PNG",
            false,
            Parts(|m, p| {
                let i = part_index(m, "finger-01.png");
                m.parts[i].name = "finger-01.wsq".into();
                m.parts[i].media_type = "image/x-wsq".into();
                let mut d: Value = serde_json::from_slice(&p[0]).expect("json");
                let img = &mut d["biometrics"]["fingers"][0]["record"]["captured"]["image"];
                img["encoding"] = json!("wsq");
                img["data"] = json!("finger-01.wsq");
                p[0] = serde_json::to_vec(&d).expect("json");
                m.parts[0].length = p[0].len() as u64;
                m.parts[0].sha256 = rekam_protocol::manifest::Sha256Digest::of(&p[0]);
            }),
        ),
        ("manifest version 2", false, Parts(|m, _| m.version = 2)),
        (
            "manifest format",
            false,
            Parts(|m, _| m.format = "rekam-pack".into()),
        ),
        (
            "parts longer than the content",
            false,
            Parts(|m, _| m.parts[1].length += 1),
        ),
    ]
}

/// SPEC.md §8's category of an error, as the registry names it.
fn category(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Malformed => "malformed",
        ErrorKind::UnsupportedVersion => "unsupported_version",
        ErrorKind::SealedToAnotherKey => "sealed_to_another_key",
        ErrorKind::CiphertextAltered => "ciphertext_altered",
        ErrorKind::UnknownWorkstation => "unknown_workstation",
        ErrorKind::BadSignature => "bad_signature",
        ErrorKind::PartHashMismatch => "part_hash_mismatch",
        ErrorKind::InvalidEnrollment => "invalid_enrollment",
        _ => "other",
    }
}

fn nik_edit(m: &mut rekam_protocol::Manifest, p: &mut [Vec<u8>], f: impl FnOnce(&mut String)) {
    let mut d: Value = serde_json::from_slice(&p[0]).expect("json");
    let mut nik = d["applicant"]["nik"].as_str().expect("nik").to_string();
    f(&mut nik);
    d["applicant"]["nik"] = json!(nik);
    p[0] = serde_json::to_vec(&d).expect("json");
    m.parts[0].length = p[0].len() as u64;
    m.parts[0].sha256 = rekam_protocol::manifest::Sha256Digest::of(&p[0]);
}

#[test]
fn rekam_and_the_independent_opener_agree_on_every_invalid_enrollment() {
    let Some(python) = reference_python() else {
        return;
    };
    let rng = SystemRandom::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry");
    let entry = TrustedWorkstation {
        workstation_id: "WS-PY-01".into(),
        key: key.public_key().clone(),
    };
    fs::write(dir.path().join("registry.key"), registry.to_pem()).expect("write");
    fs::write(dir.path().join("workstation.pub"), entry.to_text()).expect("write");
    let mut trust = TrustStore::new();
    trust.insert(entry).expect("trust");

    // A sample with every optional member present, so that each can be broken.
    let mut e = sample::enrollment(&SampleOptions {
        with_exception: true,
        iris_size: Some((16, 12)),
        ..SampleOptions::tiny(3, "WS-PY-01", 1_763_890_000_000)
    });
    e.context.position = Some(GeoPosition {
        latitude: -6.175,
        longitude: 106.827,
        accuracy_m: Some(12.5),
    });
    e.context.audit_head = Some(AuditHead {
        seq: 41,
        hash: "ab".repeat(32),
    });
    e.context.supervisor_approval = Some(SupervisorApproval {
        supervisor_id: "SPV-01".into(),
        approved_at: e.context.finished_at,
        reasons: vec!["exception_finger_10".into()],
    });
    if let FingerRecord::Exception(x) = &mut e.biometrics.fingers[9].record {
        x.note = Some("diamputasi".into());
    }
    let sealed = packet::seal(&mut e, &key, registry.public_key(), [5; 32], &rng).expect("seal");
    let opened = packet::open(&sealed.bytes, &registry, &trust).expect("opens");
    let doc: Value = serde_json::from_slice(&opened.document).expect("json");
    let base_parts: Vec<Vec<u8>> = opened.parts().iter().map(|(_, b)| b.to_vec()).collect();

    let corpus = corpus();
    let mut files = Vec::new();
    let mut rekam = Vec::new();
    for (i, (label, _, edit)) in corpus.iter().enumerate() {
        let mut manifest = opened.manifest.clone();
        let mut parts = base_parts.clone();
        apply(edit, &doc, &mut manifest, &mut parts);
        if *label == "lone surrogate" {
            let text = String::from_utf8(parts[0].clone()).expect("utf8");
            parts[0] = text.replacen("PLACEHOLDER", "\\ud800", 1).into_bytes();
            manifest.parts[0].length = parts[0].len() as u64;
            manifest.parts[0].sha256 = rekam_protocol::manifest::Sha256Digest::of(&parts[0]);
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let bytes =
            packet::seal_parts(&manifest, &refs, &key, registry.public_key(), [6; 32], &rng)
                .expect("seal")
                .bytes;
        let file = dir.path().join(format!("c{i:03}.rkp"));
        fs::write(&file, &bytes).expect("write");
        files.push(file);
        rekam.push(packet::open(&bytes, &registry, &trust).map(|_| ()));
    }
    let out = Command::new(&python)
        .arg(workspace_root().join("tests/python/open_packet.py"))
        .arg("--each")
        .arg(dir.path().join("registry.key"))
        .arg(dir.path().join("workstation.pub"))
        .args(&files)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(answers.len(), corpus.len());
    let mut problems = Vec::new();
    for (((label, valid, _), ours), theirs) in corpus.iter().zip(&rekam).zip(&answers) {
        let py_ok = theirs["ok"].as_bool().expect("ok");
        if ours.is_ok() != *valid {
            problems.push(format!("{label}: rekam {ours:?}, expected valid={valid}"));
        }
        if ours.is_ok() != py_ok {
            problems.push(format!(
                "{label}: rekam {}, python {}",
                ours.as_ref()
                    .map(|_| "accepts".to_string())
                    .unwrap_or_else(|e| e.to_string()),
                if py_ok {
                    "accepts"
                } else {
                    theirs["reason"].as_str().unwrap_or("")
                }
            ));
        }
        // Both refuse: for the same reason, as far as SPEC.md §8's categories tell.
        if let Err(e) = ours
            && !py_ok
            && category(e.kind()) != theirs["category"]
        {
            problems.push(format!(
                "{label}: rekam says {} ({e}), python {} ({})",
                category(e.kind()),
                theirs["category"],
                theirs["reason"]
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} disagreements:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
