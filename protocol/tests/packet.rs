//! Packets: sealing and opening round trips, determinism, and every way a packet can be rejected.

mod common;

use common::*;
use rekam_protocol::envelope::EnvelopeError;
use rekam_protocol::manifest::ManifestError;
use rekam_protocol::model::{FingerPosition, FingerRecord};
use rekam_protocol::packet::{self, ErrorKind, PacketError};
use rekam_protocol::{Manifest, RegistryPrivateKey, TrustStore, TrustedWorkstation};
use rekam_sim::sample::SampleOptions;
use ring::rand::SystemRandom;

fn open(f: &Fixture, bytes: &[u8]) -> Result<packet::OpenedPacket, PacketError> {
    packet::open(bytes, &f.registry, &f.trust)
}

#[test]
fn an_opened_packet_gives_back_the_enrollment_exactly() {
    for f in [tiny(), ecdsa_tiny()] {
        let opened = open(&f, &f.sealed.bytes).expect("opens");
        assert_eq!(opened.enrollment, f.enrollment);
        assert_eq!(opened.id, f.sealed.id);
        assert_eq!(opened.manifest, f.sealed.manifest);
        assert_eq!(opened.signer.workstation_id, WS);
        for (part, bytes) in opened.parts() {
            assert_eq!(part.length as usize, bytes.len(), "{}", part.name);
        }
    }
}

#[test]
fn realistic_packets_with_irises_and_an_exception_round_trip() {
    let opts = SampleOptions {
        with_exception: true,
        ..SampleOptions::realistic(9, WS, T0)
    };
    let f = fixture_with(ed25519_from_seed([3; 32]), &opts);
    let opened = open(&f, &f.sealed.bytes).expect("opens");
    assert!(matches!(
        opened.enrollment.biometrics.fingers[9].record,
        FingerRecord::Exception(_)
    ));
    assert!(opened.enrollment.biometrics.irises.left.is_some());
    let names: Vec<&str> = opened
        .manifest
        .parts
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names[0], "enrollment.json");
    assert!(names.contains(&"finger-02.png") && names.contains(&"finger-10-exception.jpg"));
    assert!(names.contains(&"face.jpg") && names.contains(&"iris-right.png"));
}

#[test]
fn the_same_enrollment_and_entropy_give_the_same_packet_bytes() {
    let a = tiny();
    let b = tiny();
    assert_eq!(a.sealed.bytes, b.sealed.bytes);
    assert_eq!(a.sealed.manifest.encode(), b.sealed.manifest.encode());
}

#[test]
fn the_packet_id_is_the_sha256_of_the_sealed_bytes() {
    let f = tiny();
    let digest = ring::digest::digest(&ring::digest::SHA256, &f.sealed.bytes);
    assert_eq!(f.sealed.id.0.as_slice(), digest.as_ref());
}

#[test]
fn every_single_byte_change_is_rejected() {
    let f = tiny();
    let ciphertext_at = f.sealed.bytes.len()
        - (packet::inspect(&f.sealed.bytes)
            .expect("inspect")
            .ciphertext_len);
    let mut bytes = f.sealed.bytes.clone();
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80] {
            bytes[i] ^= flip;
            let err = open(&f, &bytes).expect_err(&format!("byte {i} ^ {flip:#04x} accepted"));
            if i >= ciphertext_at {
                assert_eq!(err, PacketError::CiphertextAltered, "byte {i}");
            }
            bytes[i] ^= flip;
        }
    }
    assert!(open(&f, &bytes).is_ok(), "the restored packet opens again");
}

#[test]
fn header_changes_are_named_for_what_they_break() {
    let f = tiny();
    let with = |at: usize, v: u8| {
        let mut b = f.sealed.bytes.clone();
        b[at] = v;
        open(&f, &b).expect_err("rejected")
    };
    assert_eq!(
        with(0, b'X'),
        PacketError::Envelope(EnvelopeError::NotAPacket)
    );
    assert_eq!(with(4, 2).kind(), ErrorKind::UnsupportedVersion);
    assert!(matches!(
        with(10, 1),
        PacketError::Envelope(EnvelopeError::UnsupportedSuite { aead: 1, .. })
    ));
    assert!(matches!(
        with(27, f.sealed.bytes[27] ^ 1),
        PacketError::SealedToAnotherKey { .. }
    ));
    // The enrollment id and workstation id are bound as associated data.
    assert_eq!(
        with(20, f.sealed.bytes[20] ^ 1),
        PacketError::CiphertextAltered
    );
    assert_eq!(with(45, b'X'), PacketError::CiphertextAltered);
}

#[test]
fn empty_truncated_and_extended_input_is_malformed() {
    let f = tiny();
    assert_eq!(
        open(&f, &[]).err(),
        Some(PacketError::Envelope(EnvelopeError::Empty))
    );
    for len in 1..f.sealed.bytes.len() {
        let err = open(&f, &f.sealed.bytes[..len]).expect_err("truncated");
        assert_eq!(err.kind(), ErrorKind::Malformed, "length {len}: {err}");
    }
    let mut longer = f.sealed.bytes.clone();
    longer.push(0);
    assert_eq!(
        open(&f, &longer).err(),
        Some(PacketError::Envelope(EnvelopeError::TrailingBytes(1)))
    );
}

#[test]
fn random_input_is_rejected_without_panicking() {
    let f = tiny();
    let mut rng = rekam_sim::rng::SimRng::new(99);
    for n in 0..300 {
        let len = rng.range(0, 400) as usize;
        let mut junk: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        if n % 2 == 0 && junk.len() >= 5 {
            junk[..5].copy_from_slice(b"RKMP\x01");
        }
        assert!(open(&f, &junk).is_err());
        assert!(packet::inspect(&junk).is_err() || junk.starts_with(b"RKMP"));
    }
}

#[test]
fn a_packet_for_another_registry_is_refused_by_key_id() {
    let f = tiny();
    let other = RegistryPrivateKey::from_secret([0x43; 32]);
    let err = packet::open(&f.sealed.bytes, &other, &f.trust).expect_err("refused");
    assert!(
        matches!(err, PacketError::SealedToAnotherKey { .. }),
        "{err}"
    );
}

#[test]
fn untrusted_keys_and_keys_trusted_for_another_workstation_are_unknown_workstations() {
    let f = tiny();
    let err = packet::open(&f.sealed.bytes, &f.registry, &TrustStore::new()).expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::UnknownWorkstation);
    let mut elsewhere = TrustStore::new();
    elsewhere
        .insert(TrustedWorkstation {
            workstation_id: "WS-OTHER".into(),
            key: f.key.public_key().clone(),
        })
        .expect("trust");
    let err = packet::open(&f.sealed.bytes, &f.registry, &elsewhere).expect_err("refused");
    assert!(
        err.to_string().contains("trusted for workstation WS-OTHER"),
        "{err}"
    );
}

#[test]
fn a_changed_signature_is_a_bad_signature() {
    let f = tiny();
    let bytes = reseal(&f, |plain| {
        let (_, sig, _) = layout(plain);
        plain[sig.start + 3] ^= 0x10;
    });
    assert_eq!(
        open(&f, &bytes).err(),
        Some(PacketError::BadSignature {
            workstation_id: WS.into()
        })
    );
}

#[test]
fn a_changed_part_is_a_part_hash_mismatch_naming_the_part() {
    let f = tiny();
    let bytes = reseal(&f, |plain| {
        let (_, _, parts) = layout(plain);
        let last = plain.len() - 1;
        assert!(last > parts);
        plain[last] ^= 0x01;
    });
    let last = f.sealed.manifest.parts.last().expect("parts").name.clone();
    assert_eq!(
        open(&f, &bytes).err(),
        Some(PacketError::PartHashMismatch { name: last })
    );
}

#[test]
fn a_changed_manifest_fails_its_signature_or_its_syntax() {
    let f = tiny();
    let parts = f.sealed.manifest.parts.len();
    let bytes = reseal(&f, |plain| {
        edit_manifest(plain, |text| {
            let changed = text.replace("\"length\":", "\"length\":1");
            assert_eq!(changed.len(), text.len() + parts);
            changed
        })
    });
    assert_eq!(
        open(&f, &bytes).expect_err("rejected").kind(),
        ErrorKind::BadSignature
    );
}

#[test]
fn a_future_manifest_version_is_unsupported_rather_than_malformed() {
    let f = tiny();
    let bytes = reseal(&f, |plain| {
        edit_manifest(plain, |text| text.replace("\"version\":1", "\"version\":2"))
    });
    assert_eq!(
        open(&f, &bytes).expect_err("rejected").kind(),
        ErrorKind::UnsupportedVersion
    );
}

#[test]
fn manifests_must_be_canonical() {
    let f = tiny();
    let canonical = f.sealed.manifest.encode();
    assert_eq!(
        Manifest::decode(&canonical).as_ref(),
        Ok(&f.sealed.manifest)
    );
    let spaced = String::from_utf8(canonical)
        .expect("utf8")
        .replacen(',', ", ", 1);
    assert!(Manifest::decode(spaced.as_bytes()).is_err());
}

#[test]
fn invalid_enrollments_are_refused_before_sealing_and_name_the_field() {
    let mut e = rekam_sim::sample::enrollment(&SampleOptions::tiny(5, WS, T0));
    e.biometrics.chip_fingers = [FingerPosition::RIGHT_INDEX, FingerPosition::RIGHT_INDEX];
    let key = ed25519_from_seed([1; 32]);
    let registry = RegistryPrivateKey::from_secret([0x42; 32]);
    let err = packet::seal(
        &mut e,
        &key,
        registry.public_key(),
        [7; 32],
        &SystemRandom::new(),
    )
    .expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::InvalidEnrollment);
    assert!(err.to_string().contains("biometrics.chip_fingers"), "{err}");

    let mut e = rekam_sim::sample::enrollment(&SampleOptions::tiny(5, WS, T0));
    e.applicant.sex = match e.applicant.sex {
        rekam_protocol::model::Sex::Male => rekam_protocol::model::Sex::Female,
        rekam_protocol::model::Sex::Female => rekam_protocol::model::Sex::Male,
    };
    let err = packet::seal(
        &mut e,
        &key,
        registry.public_key(),
        [7; 32],
        &SystemRandom::new(),
    )
    .expect_err("refused");
    assert!(err.to_string().contains("applicant.nik"), "{err}");
}

#[test]
fn an_authentic_packet_with_a_bad_nik_is_an_invalid_enrollment() {
    let f = tiny();
    let nik = f.enrollment.applicant.nik.to_string();
    // Re-sign a document whose NIK date no longer matches: only the registry-side check catches it.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&open(&f, &f.sealed.bytes).expect("open").document).expect("json");
    let mut bad = nik.clone().into_bytes();
    bad[11] = if bad[11] == b'9' { b'8' } else { bad[11] + 1 };
    doc["applicant"]["nik"] = serde_json::Value::String(String::from_utf8(bad).expect("ascii"));
    let doc = serde_json::to_vec(&doc).expect("json");
    let mut manifest = f.sealed.manifest.clone();
    manifest.parts[0].length = doc.len() as u64;
    manifest.parts[0].sha256 = rekam_protocol::manifest::Sha256Digest::of(&doc);
    let m = manifest.encode();
    let mut msg = packet::SIGNATURE_CONTEXT.to_vec();
    msg.extend_from_slice(&m);
    let sig = f.key.sign(&msg, &SystemRandom::new()).expect("sign");
    let bytes = reseal(&f, |plain| {
        let (_, _, parts) = layout(plain);
        let old_doc_len = f.sealed.manifest.parts[0].length as usize;
        let mut out = (m.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(&m);
        out.extend_from_slice(&(sig.len() as u16).to_be_bytes());
        out.extend_from_slice(&sig);
        out.extend_from_slice(&doc);
        out.extend_from_slice(&plain[parts + old_doc_len..]);
        *plain = out;
    });
    let err = open(&f, &bytes).expect_err("rejected");
    assert_eq!(err.kind(), ErrorKind::InvalidEnrollment, "{err}");
    assert!(err.to_string().contains("NIK digits 7-12"), "{err}");
}

#[test]
fn the_audit_head_in_the_capture_context_is_optional_round_trips_and_must_be_a_sha256() {
    let f = tiny();
    assert!(f.enrollment.context.audit_head.is_none());
    let mut with_head = f.enrollment.clone();
    with_head.context.audit_head = Some(rekam_protocol::model::AuditHead {
        seq: 53,
        hash: "ab".repeat(32),
    });
    let sealed = packet::seal(
        &mut with_head.clone(),
        &f.key,
        f.registry.public_key(),
        [7; 32],
        &SystemRandom::new(),
    )
    .expect("seal");
    let opened = open(&f, &sealed.bytes).expect("opens");
    assert_eq!(opened.enrollment, with_head);
    with_head.context.audit_head = Some(rekam_protocol::model::AuditHead {
        seq: 53,
        hash: "AB".repeat(32),
    });
    let err = with_head.validate().expect_err("upper-case hex");
    assert!(err.to_string().contains("context.audit_head.hash"), "{err}");
}

#[test]
fn the_supervisor_approval_in_the_capture_context_is_optional_round_trips_and_is_validated() {
    let f = tiny();
    assert!(f.enrollment.context.supervisor_approval.is_none());
    let mut approved = f.enrollment.clone();
    approved.context.supervisor_approval = Some(rekam_protocol::model::SupervisorApproval {
        supervisor_id: "SUP-1".into(),
        approved_at: approved.context.finished_at,
        reasons: vec!["exception_finger_10".into(), "forced_face".into()],
    });
    let sealed = packet::seal(
        &mut approved.clone(),
        &f.key,
        f.registry.public_key(),
        [7; 32],
        &SystemRandom::new(),
    )
    .expect("seal");
    let opened = open(&f, &sealed.bytes).expect("opens");
    assert_eq!(opened.enrollment, approved);
    type Change = fn(&mut rekam_protocol::model::SupervisorApproval);
    let changes: [(&str, Change); 4] = [
        ("supervisor_id", |a| a.supervisor_id = "SUP 1".into()),
        ("reasons", |a| a.reasons.clear()),
        ("reasons[0]", |a| {
            a.reasons = vec!["forced_finger_11".into()]
        }),
        ("approved_at", |a| {
            a.approved_at = rekam_protocol::Timestamp::from_unix_ms(0)
        }),
    ];
    for (field, change) in changes {
        let mut bad = approved.clone();
        if let Some(a) = bad.context.supervisor_approval.as_mut() {
            change(a);
        }
        let err = bad.validate().expect_err(field);
        assert!(
            err.to_string()
                .contains(&format!("context.supervisor_approval.{field}")),
            "{field}: {err}"
        );
    }
}

#[test]
fn an_unknown_envelope_version_is_an_unsupported_version_not_malformed() {
    let f = tiny();
    let mut bytes = f.sealed.bytes.clone();
    bytes[4] = 2;
    let err = open(&f, &bytes).expect_err("rejected");
    assert!(matches!(err, PacketError::UnsupportedVersion(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::UnsupportedVersion);
    assert!(
        err.to_string().starts_with("unsupported packet version"),
        "{err}"
    );
    // Inspecting without keys says the same.
    let err = packet::inspect(&bytes).expect_err("rejected");
    assert!(matches!(err, PacketError::UnsupportedVersion(_)), "{err:?}");
}

#[test]
fn a_packet_whose_parts_are_out_of_order_is_rejected() {
    let f = tiny();
    // Two fingers swapped, with their bytes, so that every hash and reference still agrees.
    let bytes = resign(&f, |m, parts| {
        m.parts.swap(1, 2);
        parts.swap(1, 2);
    });
    let err = open(&f, &bytes).expect_err("rejected");
    assert!(
        matches!(
            &err,
            PacketError::Manifest(ManifestError::PartOutOfOrder { name, after })
                if name == "finger-01.png" && after == "finger-02.png"
        ),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Malformed);
    // The face before the fingers.
    let face = f
        .sealed
        .manifest
        .parts
        .iter()
        .position(|p| p.name.starts_with("face."))
        .expect("face part");
    let bytes = resign(&f, |m, parts| {
        let p = m.parts.remove(face);
        m.parts.insert(1, p);
        let b = parts.remove(face);
        parts.insert(1, b);
    });
    assert!(matches!(
        open(&f, &bytes),
        Err(PacketError::Manifest(ManifestError::PartOutOfOrder { .. }))
    ));
}

#[test]
fn a_part_whose_name_disagrees_with_its_media_type_is_rejected() {
    let f = tiny();
    assert_eq!(f.sealed.manifest.parts[1].name, "finger-01.png");
    let bytes = resign(&f, |m, _| m.parts[1].media_type = "image/x-wsq".into());
    let err = open(&f, &bytes).expect_err("rejected");
    assert!(
        matches!(
            &err,
            PacketError::Manifest(ManifestError::NameDisagreesWithMediaType { name, .. })
                if name == "finger-01.png"
        ),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Malformed);
    // Renamed instead: the extension now says WSQ while the media type says PNG.
    let bytes = resign(&f, |m, _| m.parts[1].name = "finger-01.wsq".into());
    assert!(matches!(
        open(&f, &bytes),
        Err(PacketError::Manifest(
            ManifestError::NameDisagreesWithMediaType { .. }
        ))
    ));
}

#[test]
fn an_image_part_named_for_no_place_is_rejected() {
    let f = tiny();
    for name in [
        "thumb.png",
        "finger-11.png",
        "finger-1.png",
        "face.jpeg",
        "enrollment.json",
    ] {
        let bytes = resign(&f, |m, _| m.parts[1].name = name.into());
        let err = open(&f, &bytes).expect_err(name);
        assert_eq!(err.kind(), ErrorKind::Malformed, "{name}: {err}");
    }
    let bytes = resign(&f, |m, _| m.parts[1].name = "thumb.png".into());
    assert!(matches!(
        open(&f, &bytes),
        Err(PacketError::Manifest(ManifestError::UnknownPartName(n))) if n == "thumb.png"
    ));
}

#[test]
fn a_document_whose_images_name_each_others_parts_is_an_invalid_enrollment() {
    let f = tiny();
    let bytes = resign(&f, |m, parts| {
        let mut doc: serde_json::Value = serde_json::from_slice(&parts[0]).expect("json");
        let fingers = &mut doc["biometrics"]["fingers"];
        let image = |i: usize| &fingers[i]["record"]["captured"]["image"]["data"];
        let (a, b) = (image(0).clone(), image(1).clone());
        fingers[0]["record"]["captured"]["image"]["data"] = b;
        fingers[1]["record"]["captured"]["image"]["data"] = a;
        set_document(m, parts, &doc);
    });
    let err = open(&f, &bytes).expect_err("rejected");
    assert_eq!(err.kind(), ErrorKind::InvalidEnrollment, "{err}");
    assert!(err.to_string().contains("named for its place"), "{err}");
}

#[test]
fn the_visit_in_the_capture_context_is_optional_round_trips_and_must_be_an_identifier() {
    let f = tiny();
    assert!(f.enrollment.context.visit.is_none());
    // A packet without it serializes without the key, as packets did before it existed.
    let json = serde_json::to_string(&f.enrollment.context).expect("json");
    assert!(!json.contains("\"visit\""), "{json}");
    let mut during = f.enrollment.clone();
    during.context.visit = Some("17".into());
    let sealed = packet::seal(
        &mut during.clone(),
        &f.key,
        f.registry.public_key(),
        [7; 32],
        &SystemRandom::new(),
    )
    .expect("seal");
    let opened = open(&f, &sealed.bytes).expect("opens");
    assert_eq!(opened.enrollment.context.visit.as_deref(), Some("17"));
    during.context.visit = Some("visit 17".into());
    let err = during.validate().expect_err("a space");
    assert!(err.to_string().contains("context.visit"), "{err}");
}
