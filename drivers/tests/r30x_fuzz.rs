//! Seeded random input never panics the framing code and never yields an invalid packet.

use rekam_drivers::r30x::command::Request;
use rekam_drivers::r30x::packet::{Deframer, PacketView};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 56) as u8
    }
}

#[test]
fn random_bytes_never_panic_the_parser_or_the_deframer() {
    let mut rng = Lcg(7);
    let mut deframer = Deframer::new();
    for _ in 0..20_000 {
        let len = usize::from(rng.next()) % 40;
        // Bias towards start markers so that headers are actually exercised.
        let bytes: Vec<u8> = (0..len)
            .map(|i| match (i % 9, rng.next() % 4) {
                (0, 0) => 0xEF,
                (1, 0) => 0x01,
                _ => rng.next(),
            })
            .collect();
        if let Ok(view) = PacketView::parse(&bytes) {
            assert_eq!(view.to_packet().to_bytes(), bytes);
            let _ = Request::parse(view.payload());
        }
        deframer.push(&bytes);
        while let Some(packet) = deframer.next_packet() {
            let bytes = packet.to_bytes();
            assert!(PacketView::parse(&bytes).is_ok());
        }
        let _ = deframer.skip_stalled();
    }
}
