//! The ISDV4 driver over a real pseudo-terminal against the simulated digitizer.

use std::io::{Read, Write};
use std::time::Duration;

use rekam_drivers::signature::{PadEvent, PenSample, SignaturePad};
use rekam_drivers::transport::SerialTransport;
use rekam_drivers::wacom::isdv4::{self, Isdv4, QueryReply};
use rekam_drivers::{Error, ErrorKind};
use rekam_sim::wacom::{Isdv4Config, spawn_isdv4_pty};
use serialport::SerialPort;

fn open(path: &std::path::Path) -> Isdv4<SerialTransport> {
    let t = SerialTransport::open(path.to_str().expect("utf-8 pty path"), isdv4::BAUD)
        .expect("the pty opens");
    Isdv4::open(t).expect("the digitizer answers its query")
}

/// Samples until the pen has been silent for `quiet`.
fn samples(pad: &mut Isdv4<SerialTransport>, quiet: Duration) -> Vec<PenSample> {
    let mut out = Vec::new();
    while let Some(event) = pad.next_event(quiet).expect("pen packets") {
        match event {
            PadEvent::Pen(s) => out.push(s),
            other => panic!("an ISDV4 digitizer has no buttons, got {other:?}"),
        }
    }
    out
}

#[test]
fn the_driver_queries_the_simulated_digitizer_and_starts_it() {
    let (path, sim) = spawn_isdv4_pty(Isdv4Config {
        seed: 1,
        speed: 20.0,
    })
    .expect("pty");
    let pad = open(&path);
    let caps = pad.capabilities();
    assert_eq!(
        (caps.max_x, caps.max_y, caps.max_pressure),
        (24000, 15000, 1023)
    );
    assert_eq!(caps.screen, None);
    assert_eq!(pad.identity().firmware.as_deref(), Some("773"));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(sim.commands(), b"0*1");
}

#[test]
fn a_signature_streams_from_the_digitizer_as_pen_samples_with_lifts() {
    let (path, _sim) = spawn_isdv4_pty(Isdv4Config {
        seed: 2,
        speed: 10.0,
    })
    .expect("pty");
    let mut pad = open(&path);
    let s = samples(&mut pad, Duration::from_millis(300));
    assert!(s.len() > 200, "{} samples", s.len());
    assert!(s.iter().any(|p| p.pressure > 500));
    // Each stroke ends with a lift (pressure 0); there are two or three strokes.
    let lifts = s.iter().filter(|p| p.pressure == 0).count();
    assert!((2..=3).contains(&lifts), "{lifts} lifts");
    assert!(
        s.iter().any(|p| p.x > 9600),
        "coordinates use the queried range"
    );
}

#[test]
fn line_noise_between_packets_is_skipped() {
    let (path, sim) = spawn_isdv4_pty(Isdv4Config {
        seed: 2,
        speed: 10.0,
    })
    .expect("pty");
    let mut pad = open(&path);
    let first = pad
        .next_event(Duration::from_secs(1))
        .expect("a packet")
        .expect("the pen moves");
    assert!(matches!(first, PadEvent::Pen(_)));
    sim.inject_garbage(20);
    let rest = samples(&mut pad, Duration::from_millis(300));
    assert!(rest.len() > 200, "{} samples after the noise", rest.len());
}

#[test]
fn an_unplugged_digitizer_reports_disconnected() {
    let (path, sim) = spawn_isdv4_pty(Isdv4Config {
        seed: 3,
        speed: 1.0,
    })
    .expect("pty");
    let mut pad = open(&path);
    sim.unplug().expect("the simulator stops cleanly");
    let err = loop {
        match pad.next_event(Duration::from_millis(200)) {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), ErrorKind::Disconnected, "{err}");
}

#[test]
fn a_line_of_nothing_but_garbage_is_a_protocol_violation() {
    let (mut master, slave) = serialport::TTYPort::pair().expect("pty");
    let path = slave.name().expect("pty path");
    let device = std::thread::spawn(move || {
        let _slave = slave;
        master.set_timeout(Duration::from_secs(2)).expect("timeout");
        let mut c = [0u8; 1];
        while c[0] != isdv4::CMD_QUERY {
            master.read_exact(&mut c).expect("a command");
        }
        let reply = QueryReply {
            max_x: 100,
            max_y: 100,
            max_pressure: 255,
            tilt_x: 0,
            tilt_y: 0,
            version: 1,
        };
        master.write_all(&reply.encode()).expect("reply");
        while c[0] != isdv4::CMD_START {
            master.read_exact(&mut c).expect("a command");
        }
        // 38400 baud of noise: no header bit anywhere.
        master.write_all(&[0x55; 200]).expect("noise");
        std::thread::sleep(Duration::from_millis(500));
    });
    let t = SerialTransport::open(&path, isdv4::BAUD).expect("pty");
    let mut pad = Isdv4::open(t).expect("the query is answered");
    let err = pad
        .next_event(Duration::from_secs(1))
        .expect_err("noise only");
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
    assert!(err.to_string().contains("without a valid packet"), "{err}");
    device.join().expect("device thread");
}
