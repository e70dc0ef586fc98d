//! The bodies of the fuzz targets in `fuzz/`, run on random input in every test run: every parser
//! of untrusted input returns an error instead of panicking.

use proptest::prelude::*;
use rekam_protocol::ansi_nist::Transaction;
use rekam_protocol::envelope::SealedView;
use rekam_protocol::iso19794_2;
use rekam_protocol::print_order::{SignedCardPrinted, SignedPrintOrder, SignedPrintRefusal};
use rekam_protocol::sbi;
use rekam_protocol::{
    Enrollment, Manifest, Nik, RegistryPrivateKey, RegistryPublicKey, SignedReceipt,
    SignedRejection, Timestamp, TrustStore, packet,
};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn envelopes_and_packets(mut data in proptest::collection::vec(any::<u8>(), 0..300), magic in any::<bool>()) {
        if magic && data.len() >= 11 {
            data[..11].copy_from_slice(b"RKMP\x01\x00\x20\x00\x01\x00\x02");
        }
        if let Ok(view) = SealedView::parse(&data) {
            prop_assert_eq!(view.aad.len() + view.ciphertext.len(), data.len());
        }
        let key = RegistryPrivateKey::from_secret([0x42; 32]);
        prop_assert!(packet::open(&data, &key, &TrustStore::new()).is_err());
    }

    #[test]
    fn manifests_and_documents(text in "\\PC{0,200}") {
        if let Ok(m) = Manifest::decode(text.as_bytes()) {
            prop_assert_eq!(m.encode(), text.as_bytes());
        }
        if let Ok(e) = serde_json::from_str::<Enrollment>(&text) {
            let _ = e.validate();
        }
    }

    #[test]
    fn ansi_nist_transactions(mut data in proptest::collection::vec(any::<u8>(), 0..300), head in any::<bool>()) {
        if head && data.len() > 8 {
            data[..7].copy_from_slice(b"1.001:9");
        }
        if let Ok(tx) = Transaction::parse(&data) {
            let _ = tx.finger_images();
        }
    }

    #[test]
    fn key_text_and_niks(text in "\\PC{0,120}") {
        let _ = TrustStore::new().add_text(&text);
        let _ = RegistryPublicKey::parse_text(&text);
        let _ = RegistryPrivateKey::from_pem(&text);
        let _ = Nik::parse(&text);
    }

    #[test]
    fn registry_answers(text in "\\PC{0,300}", shape in any::<bool>()) {
        // Half the cases look like a rejection document, so the parser gets past the first brace.
        let body = if shape {
            format!("{{\"rejection\":{{\"packet_id\":\"{text}\"}},\"key_id\":\"00\",\"signature\":\"\"}}")
        } else {
            text
        };
        if let Ok(r) = SignedRejection::parse(body.as_bytes()) {
            prop_assert_eq!(SignedRejection::parse(&r.to_json()).ok(), Some(r));
        }
        let _ = SignedReceipt::parse(body.as_bytes());
    }

    #[test]
    fn iso19794_2_records(mut data in proptest::collection::vec(any::<u8>(), 0..200), head in any::<bool>()) {
        // Half the cases carry a valid header with a matching length, so the parser reaches the views.
        if head && data.len() >= 24 {
            data[..8].copy_from_slice(b"FMR\0 20\0");
            let len = u32::try_from(data.len()).unwrap_or(0).to_be_bytes();
            data[8..12].copy_from_slice(&len);
        }
        if let Ok(record) = iso19794_2::parse(&data) {
            prop_assert_eq!(iso19794_2::parse(&iso19794_2::encode(&record)), Ok(record));
        }
    }

    #[test]
    fn print_order_documents(text in "\\PC{0,300}", shape in 0u8..3) {
        // Most cases look like one of the documents, so the parser gets past the first member.
        let body = match shape {
            0 => format!("{{\"print_order\":{{\"order_id\":\"{text}\"}},\"key_id\":\"00\",\"signature\":\"\"}}"),
            1 => format!("{{\"print_refusal\":{text}}}"),
            _ => text,
        };
        if let Ok(o) = SignedPrintOrder::parse(body.as_bytes()) {
            let _ = o.print_order.validate();
            prop_assert_eq!(SignedPrintOrder::parse(&o.to_json()).ok(), Some(o));
        }
        if let Ok(r) = SignedCardPrinted::parse(body.as_bytes()) {
            prop_assert_eq!(SignedCardPrinted::parse(&r.to_json()).ok(), Some(r));
        }
        if let Ok(r) = SignedPrintRefusal::parse(body.as_bytes()) {
            let _ = r.print_refusal.validate();
        }
    }

    #[test]
    fn sbi_messages(text in "\\PC{0,300}", shape in 0u8..4) {
        // Most cases look like an SBI body, so the parsers get past the first member.
        let body = match shape {
            0 => format!("{{\"bio\":[{{\"type\":\"Finger\",\"count\":{text}}}]}}"),
            1 => format!("[{{\"deviceInfo\":\"{text}\",\"error\":{{\"errorCode\":\"0\",\"errorInfo\":\"\"}}}}]"),
            2 => format!("eyJhbGciOiJSUzI1NiJ9.{text}.AA"),
            _ => text,
        };
        let b = body.as_bytes();
        let _ = sbi::parse_discover_request(b);
        let _ = sbi::parse_discover_response(b);
        let _ = sbi::parse_device_info_response(b);
        let _ = sbi::parse_device_info(b);
        let _ = sbi::parse_digital_id(b);
        let _ = sbi::parse_bio_payload(b);
        let _ = sbi::parse_stream_request(b);
        if let Ok(r) = sbi::parse_capture_request(b) {
            let again = serde_json::to_vec(&r).expect("serialises");
            prop_assert_eq!(sbi::parse_capture_request(&again).ok(), Some(r));
        }
        if let Ok(r) = sbi::parse_capture_response(b) {
            let _ = sbi::check_capture(&r, "tx-1", "", &sbi::TrustAnchors::new(), Timestamp::from_unix_ms(0));
        }
        prop_assert!(sbi::verify(&body, &sbi::TrustAnchors::new(), Timestamp::from_unix_ms(0)).is_err());
        let mut v = serde_json::Value::String(body.clone());
        sbi::decoded::add_decoded(&mut v);
    }
}
