//! The Evolis simulator's job decoder: any byte stream a host sends, cut into any pieces, is
//! answered or refused by the simulator (command framing, panel unpacking, run-length `Dbc`,
//! compositing) without a panic. The first byte picks the piece size.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_drivers::evolis::frame::parse_frame;
use rekam_drivers::evolis::panel::decompress_mono;
use rekam_sim::evolis::{EvolisState, SimEvolis};

fuzz_target!(|data: &[u8]| {
    let Some((&piece, stream)) = data.split_first() else {
        return;
    };
    let _ = parse_frame(stream);
    let _ = decompress_mono(stream, usize::from(piece) * 4);
    let mut sim = SimEvolis::new(EvolisState::default());
    for chunk in stream.chunks(usize::from(piece).max(1)) {
        let _ = sim.feed(chunk);
    }
});
