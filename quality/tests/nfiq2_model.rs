//! The embedded NFIQ 2 random forest is exactly the conversion of NIST's YAML model.

#[path = "../tools/nfiq2_model.rs"]
mod nfiq2_model;

const EMBEDDED: &[u8] = include_bytes!("../src/nfiq2/model/nist_plain_tir-ink.bin");

#[test]
fn embedded_model_is_the_conversion_of_nist_yaml() {
    let Some(yaml) = rekam_tests::shared_data("nfiq2/nist_plain_tir-ink.yaml") else {
        return;
    };
    let yaml = String::from_utf8(yaml).unwrap();
    let converted = nfiq2_model::convert(&yaml).unwrap();
    assert_eq!(converted.len(), EMBEDDED.len());
    assert!(
        converted == EMBEDDED,
        "embedded model differs from the conversion"
    );
}

#[test]
fn converter_refuses_models_that_are_not_nist_like() {
    let Some(yaml) = rekam_tests::shared_data("nfiq2/nist_plain_tir-ink.yaml") else {
        return;
    };
    let yaml = String::from_utf8(yaml).unwrap();
    let regression = yaml.replacen("is_classifier: 1", "is_classifier: 0", 1);
    assert_eq!(
        nfiq2_model::convert(&regression).unwrap_err(),
        "not a classifier"
    );
    let gt = yaml.replacen("le:", "gt:", 1);
    assert!(
        nfiq2_model::convert(&gt)
            .unwrap_err()
            .contains("unsupported split key")
    );
    let fewer = yaml.replacen("ntrees: 100", "ntrees: 99", 1);
    assert!(
        nfiq2_model::convert(&fewer)
            .unwrap_err()
            .contains("100 trees found")
    );
}
