//! Fidelity proof: the independent PyPI client `pyfingerprint` talks to the simulated R30x over
//! a pseudo-terminal. Runs the Python named by `REKAM_PYTHON`; without it the test fails on CI
//! (`CI` set) and is skipped with a note elsewhere.

use std::path::Path;
use std::process::Command;

use rekam_sim::r30x::finger::{HEIGHT, WIDTH};
use rekam_sim::r30x::{ModuleConfig, SimulatedModule, spawn_pty};
use rekam_tests::reference_python as python;

const SEED: u64 = 3;

/// The first image the module captures for `SEED`, as an in-process module produces it.
fn first_image_in_process() -> Vec<u8> {
    let mut module = SimulatedModule::new(ModuleConfig::new(SEED));
    let gen_img = [
        0xEF, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x03, 0x01, 0x00, 0x05,
    ];
    for _ in 0..10 {
        let reply = module.feed(&gen_img);
        if reply[9] == 0x00 {
            return module.last_image().expect("captured").to_vec();
        }
    }
    panic!("the in-process module never captured");
}

fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).expect("png exists"),
    ));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn pyfingerprint_enrolls_and_finds_a_finger_on_the_simulated_module() {
    let Some(python) = python() else { return };
    let (path, handle) = spawn_pty(SEED).unwrap();
    let out = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyfingerprint_client.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&path)
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "pyfingerprint failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();

    assert_eq!(result["verifyPassword"], true);
    // status, system id, capacity, security level, address, packet size code, baud / 9600
    let params = result["getSystemParameters"].as_array().unwrap();
    assert_eq!(params[2], 1000);
    assert_eq!(params[3], 3);
    assert_eq!(params[4], 0xFFFF_FFFFu64);
    assert_eq!(params[5], 2);
    assert_eq!(params[6], 6);
    assert_eq!(result["createTemplate"], true);
    assert_eq!(result["stored"], 0);
    assert_eq!(result["templateCount"], 1);
    let search = result["search"].as_array().unwrap();
    assert_eq!(search[0], 0, "the third impression must be found at page 0");
    assert!(search[1].as_u64().unwrap() >= 110, "score {}", search[1]);

    // The image pyfingerprint decoded is the module's first impression, nibble for nibble.
    let (w, h, pixels) = decode_png(Path::new(result["image"].as_str().unwrap()));
    assert_eq!((w, h), (WIDTH, HEIGHT));
    let expected: Vec<u8> = first_image_in_process()
        .iter()
        .map(|p| (p >> 4) * 17)
        .collect();
    assert!(
        pixels == expected,
        "downloaded image differs from the module's"
    );
    handle.stop().unwrap();
}
