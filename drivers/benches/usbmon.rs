//! Reading usbmon pcapng captures: parse and replay-load speed on a capture shaped like an R30x
//! image upload over USB bulk (64-byte IN packets, about 40 KB of data, 1,300 events).
//!
//! Run: `cargo bench -p rekam-drivers --bench usbmon`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rekam_drivers::usb::UsbReplay;
use rekam_drivers::usb::pcapng::{
    DEFAULT_SNAPLEN, EINPROGRESS, PcapngWriter, URB_DIR_IN, UsbmonPacket, XFER_BULK, parse,
};

fn event(id: u64, event: u8, endpoint: u8, data: Vec<u8>, length: u32) -> UsbmonPacket {
    UsbmonPacket {
        id,
        event,
        transfer_type: XFER_BULK,
        endpoint,
        device: 7,
        bus: 3,
        setup_flag: b'-',
        data_flag: 0,
        ts_sec: 1_700_000_000,
        ts_usec: 0,
        status: if event == b'S' { EINPROGRESS } else { 0 },
        length,
        setup: [0; 8],
        interval: 0,
        start_frame: 0,
        xfer_flags: if endpoint & 0x80 != 0 { URB_DIR_IN } else { 0 },
        ndesc: 0,
        data,
    }
}

fn capture() -> Vec<u8> {
    let mut w = PcapngWriter::new(Vec::new(), 3, DEFAULT_SNAPLEN).expect("writer");
    let mut id = 0;
    let next = |w: &mut PcapngWriter<Vec<u8>>, packets: [UsbmonPacket; 2]| {
        for p in packets {
            w.write(&p).expect("written");
        }
    };
    next(
        &mut w,
        [
            event(id, b'S', 0x02, vec![0xEF; 12], 12),
            event(id, b'C', 0x02, Vec::new(), 12),
        ],
    );
    for i in 0..638u32 {
        id += 1;
        let data: Vec<u8> = (0..64).map(|k| (i as u8).wrapping_add(k)).collect();
        next(
            &mut w,
            [
                event(id, b'S', 0x81, Vec::new(), 4096),
                event(id, b'C', 0x81, data, 64),
            ],
        );
    }
    w.into_inner().expect("flushed")
}

fn bench(c: &mut Criterion) {
    let file = capture();
    let mut group = c.benchmark_group("usbmon_pcapng");
    group.throughput(Throughput::Bytes(file.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| parse(std::hint::black_box(&file)).expect("parses"))
    });
    group.bench_function("replay_load", |b| {
        b.iter(|| UsbReplay::from_bytes("bench", std::hint::black_box(&file), None).expect("loads"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
