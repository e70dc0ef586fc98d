//! The simulated R30x module on its own: synthetic fingers, matcher, determinism, and its
//! answers to malformed input.

use rekam_drivers::r30x::command::{Command, GenImg, HandShake, TemplateNum};
use rekam_drivers::r30x::packet::{Packet, PacketView, Pid};
use rekam_sim::r30x::finger::SyntheticFinger;
use rekam_sim::r30x::template::{encode, score, threshold};
use rekam_sim::r30x::{ModuleConfig, SimulatedModule};

const ADDRESS: u32 = 0xFFFF_FFFF;

fn ack(bytes: &[u8]) -> Vec<u8> {
    let view = PacketView::parse(bytes).expect("a valid frame");
    assert_eq!(view.pid(), Pid::Ack);
    view.payload().to_vec()
}

#[test]
fn impressions_of_one_finger_match_and_of_different_fingers_do_not() {
    let level = threshold(3);
    for seed in [1u64, 2] {
        let fingers: Vec<_> = (1..=10).map(|f| SyntheticFinger::new(seed, f)).collect();
        let templates: Vec<(Vec<u8>, Vec<u8>)> = fingers
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let s = seed * 100 + i as u64;
                (
                    encode(&f.impression(s, 1).minutiae),
                    encode(&f.impression(s, 2).minutiae),
                )
            })
            .collect();
        for (i, (a, b)) in templates.iter().enumerate() {
            let genuine = score(a, b);
            assert!(
                genuine >= level + 50,
                "seed {seed} finger {i}: genuine {genuine}"
            );
            for (j, (other, _)) in templates.iter().enumerate().filter(|(j, _)| *j != i) {
                let impostor = score(a, other);
                assert!(
                    impostor < level,
                    "seed {seed} {i} vs {j}: impostor {impostor}"
                );
            }
        }
    }
}

#[test]
fn an_impression_is_a_ridge_pattern_not_a_flat_image() {
    let pixels = SyntheticFinger::new(9, 1).impression(9, 1).pixels;
    let mean = pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / pixels.len() as f64;
    let dark = pixels.iter().filter(|&&p| p < 100).count();
    let light = pixels.iter().filter(|&&p| p > 200).count();
    assert!(
        dark > pixels.len() / 10 && light > pixels.len() / 4,
        "dark {dark} light {light}"
    );
    // Ridges alternate along a row through the centre: many dark/light transitions.
    let row = &pixels[144 * 256..145 * 256];
    let transitions = row
        .windows(2)
        .filter(|w| (w[0] < 128) != (w[1] < 128))
        .count();
    assert!(transitions >= 20, "transitions {transitions}, mean {mean}");
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let script: Vec<u8> = GenImg.to_bytes(ADDRESS).repeat(6);
    let run = |seed| SimulatedModule::new(ModuleConfig::new(seed)).feed(&script);
    assert_eq!(run(5), run(5));
    let mut a = SimulatedModule::new(ModuleConfig::new(5));
    let mut b = SimulatedModule::new(ModuleConfig::new(6));
    let capture = |m: &mut SimulatedModule| {
        while ack(&m.feed(&GenImg.to_bytes(ADDRESS)))[0] != 0 {}
        m.last_image().unwrap().to_vec()
    };
    assert_ne!(capture(&mut a), capture(&mut b));
}

#[test]
fn a_corrupted_command_gets_a_receive_error() {
    let mut bytes = HandShake.to_bytes(ADDRESS);
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let mut m = SimulatedModule::new(ModuleConfig::new(1));
    assert_eq!(ack(&m.feed(&bytes)), vec![0x01]);
}

#[test]
fn an_unknown_instruction_gets_unsupported_and_bad_parameters_a_receive_error() {
    let mut m = SimulatedModule::new(ModuleConfig::new(1));
    let unknown = Packet::new(ADDRESS, Pid::Command, vec![0x77]).unwrap();
    assert_eq!(ack(&m.feed(&unknown.to_bytes())), vec![0xFC]);
    let bad = Packet::new(ADDRESS, Pid::Command, vec![0x1D, 0]).unwrap();
    assert_eq!(ack(&m.feed(&bad.to_bytes())), vec![0x01]);
}

#[test]
fn a_command_for_another_address_is_ignored() {
    let mut m = SimulatedModule::new(ModuleConfig::new(1));
    assert!(m.feed(&TemplateNum.to_bytes(0x0000_0001)).is_empty());
    assert_eq!(ack(&m.feed(&TemplateNum.to_bytes(ADDRESS))), vec![0, 0, 0]);
}

#[test]
fn a_password_protected_module_refuses_commands_until_verified() {
    let mut config = ModuleConfig::new(1);
    config.password = 42;
    let mut m = SimulatedModule::new(config);
    assert_eq!(ack(&m.feed(&TemplateNum.to_bytes(ADDRESS))), vec![0x21]);
}

#[test]
fn random_bytes_never_panic_the_module() {
    let mut m = SimulatedModule::new(ModuleConfig::new(1));
    let mut state = 99u64;
    for round in 0..3_000 {
        let bytes: Vec<u8> = (0..(round % 30))
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                match i % 12 {
                    0 => 0xEF,
                    1 => 0x01,
                    2..=5 => 0xFF,
                    6 => [0x01, 0x02, 0x08][(state >> 60) as usize % 3],
                    _ => (state >> 56) as u8,
                }
            })
            .collect();
        let _ = m.feed(&bytes);
    }
    // Still answering properly afterwards.
    let _ = m.feed(&[0; 300]);
    assert_eq!(ack(&m.feed(&HandShake.to_bytes(ADDRESS))), vec![0]);
}
