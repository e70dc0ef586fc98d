//! Signature pad sample throughput: pen reports parsed per second through each driver's
//! `next_event`, from an in-memory device that answers instantly (so the figure is the driver's
//! own cost: parsing, tap hit-testing, timing). Pads report at 200 Hz, so anything above a few
//! thousand per second leaves the desk idle.
//!
//! Run: `cargo bench -p rekam-drivers --bench pad_samples`.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rekam_drivers::hid::{HidDevice, HidError, HidInfo};
use rekam_drivers::signature::SignaturePad;
use rekam_drivers::transport::{Transport, TransportError};
use rekam_drivers::wacom::isdv4::{Isdv4, PenPacket, QueryReply, encode_pen_packet};
use rekam_drivers::wacom::stu::report::{self, Capability, Information, PenReport};
use rekam_drivers::wacom::stu::{SignHereScreen, Stu};

const BATCH: usize = 10_000;

/// Pen positions of a looping stroke, in 9600 x 6000 units.
fn stroke(i: usize) -> (u16, u16, u16) {
    let t = i as f64 * 0.05;
    (
        (4800.0 + 3000.0 * t.sin()) as u16,
        (2500.0 + 1200.0 * (2.0 * t).cos()) as u16,
        (300 + i % 600) as u16,
    )
}

/// An STU-540 that answers its feature reports and has endless timed pen reports queued.
struct MemoryStu {
    info: HidInfo,
    reports: Vec<Vec<u8>>,
    next: usize,
}

impl HidDevice for MemoryStu {
    fn info(&self) -> &HidInfo {
        &self.info
    }
    fn get_feature(&mut self, id: u8, _len: usize) -> Result<Vec<u8>, HidError> {
        Ok(match id {
            report::CAPABILITY => Capability {
                tablet_max_x: 9600,
                tablet_max_y: 6000,
                tablet_max_pressure: 1023,
                screen_width: 800,
                screen_height: 480,
                report_rate: 200,
            }
            .encode(),
            report::INFORMATION => Information {
                model: "STU-540".into(),
                firmware: [1, 0, 0, 0],
            }
            .encode(),
            _ => report::encode_serial("1"),
        })
    }
    fn set_feature(&mut self, _report: &[u8]) -> Result<(), HidError> {
        Ok(())
    }
    fn write_output(&mut self, _report: &[u8]) -> Result<(), HidError> {
        Ok(())
    }
    fn read_input(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, HidError> {
        let r = &self.reports[self.next % self.reports.len()];
        self.next += 1;
        buf[..r.len()].copy_from_slice(r);
        Ok(r.len())
    }
}

/// A serial line that has the query reply, then endless pen packets.
struct MemoryLine {
    query: Option<[u8; 11]>,
    packets: Vec<u8>,
    pos: usize,
}

impl Transport for MemoryLine {
    fn name(&self) -> &str {
        "memory"
    }
    fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, TransportError> {
        if let Some(q) = self.query.take() {
            buf[..q.len()].copy_from_slice(&q);
            return Ok(q.len());
        }
        let n = buf.len().min(64);
        for b in &mut buf[..n] {
            *b = self.packets[self.pos % self.packets.len()];
            self.pos += 1;
        }
        Ok(n)
    }
    fn write_all(&mut self, _bytes: &[u8]) -> Result<(), TransportError> {
        Ok(())
    }
    fn flush(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
    fn clear_input(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("pad_samples");
    group.throughput(Throughput::Elements(BATCH as u64));

    let reports: Vec<Vec<u8>> = (0..4096)
        .map(|i| {
            let (x, y, p) = stroke(i);
            PenReport {
                ready: true,
                switch: 1,
                pressure: p,
                x,
                y,
                timing: Some(((i * 5) as u16, i as u16)),
            }
            .encode()
        })
        .collect();
    let mut stu = Stu::open(MemoryStu {
        info: HidInfo {
            vendor_id: 0x056A,
            product_id: 0x00A8,
            product: "STU-540".into(),
            serial: None,
            path: "memory".into(),
        },
        reports,
        next: 0,
    })
    .expect("the in-memory STU opens");
    stu.set_layout(Some(SignHereScreen::standard(800, 480)));
    group.bench_function("stu_report_34", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                let e = stu.next_event(Duration::ZERO).expect("report");
                assert!(e.is_some());
            }
        })
    });

    let packets: Vec<u8> = (0..4096)
        .flat_map(|i| {
            let (x, y, p) = stroke(i);
            encode_pen_packet(&PenPacket {
                proximity: true,
                tip: true,
                x,
                y,
                pressure: p,
            })
        })
        .collect();
    let query = QueryReply {
        max_x: 9600,
        max_y: 6000,
        max_pressure: 1023,
        tilt_x: 0,
        tilt_y: 0,
        version: 1,
    }
    .encode();
    let mut pad = Isdv4::open(MemoryLine {
        query: Some(query),
        packets,
        pos: 0,
    })
    .expect("the in-memory digitizer opens");
    group.bench_function("isdv4_packet", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                let e = pad.next_event(Duration::from_secs(1)).expect("packet");
                assert!(e.is_some());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
