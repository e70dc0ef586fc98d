//! The Evolis driver against the byte-level simulator: a YMCKO front and K back card over TCP
//! comes out as the expected PNG; the programming guide's own example prints; every fault the
//! simulator injects is the right error and status, and is survived; cancel and eject; and the
//! same job over USB, recorded to usbmon pcapng and replayed.

use std::path::Path;
use std::time::Duration;

use rekam_drivers::evolis::{Evolis, EvolisOptions, PrinterFault, StartSequence};
use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_drivers::printer::{CardPrinter, CardSide, MonoPanel, PrintJob, Ribbon};
use rekam_drivers::transport::TcpTransport;
use rekam_drivers::usb::{UsbRecorder, UsbReplay, UsbTransport};
use rekam_drivers::{Error, ErrorKind};
use rekam_sim::evolis::server::{Running, card_path, spawn};
use rekam_sim::evolis::usb::{IN_ENDPOINT, OUT_ENDPOINT, SimUsbPrinter};
use rekam_sim::evolis::{EvolisState, SimEvolis};

const W: usize = 1016;
const H: usize = 648;
const CARD: ImageSize = ImageSize {
    width: W as u32,
    height: H as u32,
};
const RED: [u8; 3] = [255, 0, 0];
const BLUE: [u8; 3] = [0, 0, 255];
const BLACK: [u8; 3] = [0, 0, 0];
const WHITE: [u8; 3] = [255, 255, 255];

fn options() -> EvolisOptions {
    EvolisOptions {
        timeout: Duration::from_millis(500),
        print_timeout: Duration::from_secs(20),
        ..EvolisOptions::default()
    }
}

fn start(dir: &Path) -> Running {
    spawn("127.0.0.1:0", EvolisState::default(), dir).expect("the simulator starts")
}

fn connect(server: &Running) -> Evolis<TcpTransport> {
    let t =
        TcpTransport::connect(&server.addr.to_string(), Duration::from_secs(2)).expect("connects");
    Evolis::open(t, options()).expect("opens")
}

/// A black rectangle (x0..x1, y0..y1) on a white mono panel.
fn rect(x0: usize, x1: usize, y0: usize, y1: usize) -> MonoPanel {
    let mut dots = vec![false; W * H];
    for y in y0..y1 {
        for x in x0..x1 {
            dots[y * W + x] = true;
        }
    }
    MonoPanel::new(CARD, dots).expect("card-sized")
}

/// Red left half, blue right half; black box on the front; overlay everywhere; black box on the
/// back.
fn job() -> PrintJob {
    let mut rgb = Vec::with_capacity(W * H * 3);
    for _y in 0..H {
        for x in 0..W {
            rgb.extend(if x < W / 2 { RED } else { BLUE });
        }
    }
    PrintJob {
        front: CardSide {
            colour: Some(RgbImage::new(W as u32, H as u32, rgb).expect("card-sized")),
            black: Some(rect(100, 200, 100, 150)),
            overlay: Some(MonoPanel::new(CARD, vec![true; W * H]).expect("card-sized")),
        },
        back: Some(CardSide {
            black: Some(rect(500, 600, 300, 350)),
            ..CardSide::default()
        }),
    }
}

fn read_png(path: &Path) -> (usize, usize, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width as usize, info.height as usize, buf)
}

fn pixel(img: &(usize, usize, Vec<u8>), x: usize, y: usize) -> [u8; 3] {
    let i = (y * img.0 + x) * 3;
    [img.2[i], img.2[i + 1], img.2[i + 2]]
}

#[test]
fn a_ymcko_front_and_k_back_card_comes_out_as_the_expected_png() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path());
    let mut printer = connect(&server);
    assert_eq!(printer.identity().model, "Evolis Primacy (simulated)");
    assert!(printer.status().expect("status").is_ready());

    printer.print(&job()).expect("prints");

    let front = read_png(&card_path(dir.path(), 1, "front"));
    assert_eq!((front.0, front.1), (W, H));
    assert_eq!(pixel(&front, 20, 20), RED);
    assert_eq!(pixel(&front, 400, 600), RED);
    assert_eq!(pixel(&front, 600, 20), BLUE);
    assert_eq!(pixel(&front, 1015, 647), BLUE);
    assert_eq!(pixel(&front, 100, 100), BLACK);
    assert_eq!(pixel(&front, 199, 149), BLACK);
    assert_eq!(pixel(&front, 200, 149), RED);
    assert_eq!(pixel(&front, 150, 150), RED);
    let back = read_png(&card_path(dir.path(), 1, "back"));
    assert_eq!(pixel(&back, 550, 325), BLACK);
    assert_eq!(pixel(&back, 499, 325), WHITE);
    assert_eq!(pixel(&back, 10, 10), WHITE);

    let status = printer.status().expect("status");
    assert_eq!(status.counters.cards_printed, 1);
    assert_eq!(status.counters.ribbon_left, Some(199));
    // Nothing half-written is left beside the cards.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("lists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn run_length_black_and_overlay_panels_print_the_same_card_as_plain_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path());
    connect(&server).print(&job()).expect("prints with Db");
    let t =
        TcpTransport::connect(&server.addr.to_string(), Duration::from_secs(2)).expect("connects");
    let compressing = EvolisOptions {
        compress_mono: true,
        ..options()
    };
    let mut p = Evolis::open(t, compressing).expect("opens");
    p.print(&job()).expect("prints with Dbc");
    for side in ["front", "back"] {
        let plain = read_png(&card_path(dir.path(), 1, side));
        let compressed = read_png(&card_path(dir.path(), 2, side));
        assert!(plain == compressed, "the {side} differs");
    }
}

/// The programming guide's example, section 21 "Printing a color card with a 5 Panel Color
/// Ribbon (YMCKO)", byte for byte: `Db` lines end with their data (the next ESC follows at once),
/// as the guide prints them. The guide downloads the black panel as `Db;m;2`, a typo: `Db;k;2`.
#[test]
fn the_programming_guides_ymcko_example_prints_the_expected_card() {
    let mut bytes = Vec::new();
    for cmd in ["Pr;ymcko", "Pc;y;+", "Pc;m;+", "Pc;c;+", "Ss", "Sr"] {
        bytes.extend(b"\x1b");
        bytes.extend(cmd.as_bytes());
        bytes.extend(b"\r");
    }
    // Yellow at the top of 32 levels: 5 one-bits per pixel, every byte 0xFF (411,480 bytes).
    bytes.extend(b"\x1bDb;y;32;");
    bytes.extend(vec![0xFF; 648 * 1016 * 5 / 8]);
    bytes.extend(b"\x1bDb;m;32;");
    bytes.extend(vec![0x00; 648 * 1016 * 5 / 8]);
    bytes.extend(b"\x1bDb;c;32;");
    bytes.extend(vec![0x00; 648 * 1016 * 5 / 8]);
    // Black: the first 100 panel rows (81 bytes each), the card's left 100 columns.
    bytes.extend(b"\x1bDb;k;2;");
    bytes.extend(vec![0xFF; 81 * 100]);
    bytes.extend(vec![0x00; 81 * 916]);
    bytes.extend(b"\x1bDb;o;2;");
    bytes.extend(vec![0xFF; 81 * 1016]);
    bytes.extend(b"\x1bSe\r");

    let mut sim = SimEvolis::new(EvolisState::default());
    // Fed in pieces, as a link delivers it.
    let mut reply = Vec::new();
    let mut printed = Vec::new();
    for piece in bytes.chunks(4096) {
        let out = sim.feed(piece);
        reply.extend(out.reply);
        printed.extend(out.printed);
    }
    assert_eq!(reply, b"OK\r".repeat(12));
    assert_eq!(printed.len(), 1);
    let card = &printed[0].front;
    let at = |x: usize, y: usize| {
        let i = (y * W + x) * 3;
        [card.pixels()[i], card.pixels()[i + 1], card.pixels()[i + 2]]
    };
    assert_eq!(at(0, 0), BLACK);
    assert_eq!(at(99, 647), BLACK);
    assert_eq!(at(100, 0), [255, 255, 0]);
    assert_eq!(at(1015, 647), [255, 255, 0]);
    assert!(printed[0].back.is_none());
}

/// Sets a fault, checks the refused print and the status, clears it, and prints again.
fn fault_case(
    server: &Running,
    printer: &mut Evolis<TcpTransport>,
    set: fn(&mut EvolisState),
    clear: fn(&mut EvolisState),
    fault: PrinterFault,
    kind: ErrorKind,
    seen: fn(&rekam_drivers::printer::PrinterStatus) -> bool,
) {
    server.printer.with_state(set);
    let err = printer.print(&job()).expect_err("refused");
    assert_eq!(err.fault(), Some(&fault), "{err}");
    assert_eq!(err.kind(), kind, "{err}");
    let status = printer.status().expect("status");
    assert!(seen(&status), "{fault:?} not in {status:?}");
    assert!(!status.is_ready());
    server.printer.with_state(clear);
    printer
        .print(&job())
        .expect("prints once the fault is cleared");
}

#[test]
fn every_printer_fault_is_the_right_error_and_status_and_is_survived() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path());
    let mut p = connect(&server);
    fault_case(
        &server,
        &mut p,
        |s| s.cover_open = true,
        |s| s.cover_open = false,
        PrinterFault::CoverOpen,
        ErrorKind::NotReady,
        |s| s.cover_open,
    );
    fault_case(
        &server,
        &mut p,
        |s| s.cards_in_feeder = 0,
        |s| s.cards_in_feeder = 10,
        PrinterFault::FeederEmpty,
        ErrorKind::NotReady,
        |s| s.feeder_empty,
    );
    fault_case(
        &server,
        &mut p,
        |s| s.ribbon_left = Some(0),
        |s| s.ribbon_left = Some(200),
        PrinterFault::RibbonEnded,
        ErrorKind::NotReady,
        |s| s.ribbon == Ribbon::Ended,
    );
    fault_case(
        &server,
        &mut p,
        |s| s.ribbon_left = None,
        |s| s.ribbon_left = Some(200),
        PrinterFault::RibbonEnded,
        ErrorKind::NotReady,
        |s| s.ribbon == Ribbon::Missing,
    );
    fault_case(
        &server,
        &mut p,
        |s| s.head_hot = true,
        |s| s.head_hot = false,
        PrinterFault::HeadTemperature,
        ErrorKind::Busy,
        |s| s.busy,
    );
    fault_case(
        &server,
        &mut p,
        |s| s.mechanical = true,
        |s| s.mechanical = false,
        PrinterFault::Mechanical,
        ErrorKind::HardwareFault,
        |s| s.error.as_deref() == Some("ERROR MECA"),
    );
    let printed = server.printer.with_state(|s| s.cards_inserted);
    assert_eq!(printed, 6);
}

#[test]
fn a_jammed_card_is_reported_until_ejected_then_printing_resumes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path());
    let mut p = connect(&server);
    server.printer.with_state(|s| s.jam_next = 1);
    let err = p.print(&job()).expect_err("jams");
    assert_eq!(err.fault(), Some(&PrinterFault::Jam));
    assert_eq!(err.kind(), ErrorKind::HardwareFault);
    assert!(p.status().expect("status").jam);
    assert_eq!(
        p.print(&job()).expect_err("still jammed").fault(),
        Some(&PrinterFault::Jam)
    );
    p.eject().expect("ejects");
    assert!(p.status().expect("status").is_ready());
    p.print(&job()).expect("prints");
    // The jammed card printed nothing; the next one is card 1.
    assert!(card_path(dir.path(), 1, "front").exists());
    assert!(!card_path(dir.path(), 2, "front").exists());
}

#[test]
fn in_ack_nack_mode_faults_arrive_as_nack_codes_with_the_same_kinds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path());
    let t =
        TcpTransport::connect(&server.addr.to_string(), Duration::from_secs(2)).expect("connects");
    let acking = EvolisOptions {
        ack_nack: true,
        ..options()
    };
    let mut p = Evolis::open(t, acking).expect("opens in ACK/NACK mode");
    server.printer.with_state(|s| s.cover_open = true);
    let err = p.print(&job()).expect_err("cover open");
    assert_eq!(err.fault(), Some(&PrinterFault::CoverOpen));
    assert_eq!(err.kind(), ErrorKind::NotReady);
    server.printer.with_state(|s| {
        s.cover_open = false;
        s.mechanical = true;
    });
    // NACK T: the guide's one code for time-outs and mechanical faults.
    assert_eq!(
        p.print(&job()).expect_err("mechanical").kind(),
        ErrorKind::HardwareFault
    );
    server.printer.with_state(|s| s.mechanical = false);
    // A reset returns the printer to text mode; the driver switches it back.
    p.cancel().expect("cancels");
    p.print(&job()).expect("prints");
    assert!(card_path(dir.path(), 1, "front").exists());
}

#[test]
fn cancel_drops_the_sequence_under_way() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path());
    let mut p = connect(&server);
    p.execute(&StartSequence).expect("starts");
    assert!(server.printer.lock().in_sequence());
    p.cancel().expect("cancels");
    assert!(!server.printer.lock().in_sequence());
    p.print(&job()).expect("prints after a cancel");
}

#[test]
fn silence_garbage_and_unplugging_are_timeout_protocol_and_disconnect_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = start(dir.path());
    let mut p = connect(&server);

    server.printer.with_state(|s| s.silent = true);
    assert_eq!(p.status().expect_err("silent").kind(), ErrorKind::Timeout);
    server.printer.with_state(|s| s.silent = false);
    assert!(p.status().expect("answers again").is_ready());

    server.printer.with_state(|s| s.garbage = true);
    assert_eq!(
        p.status().expect_err("garbage").kind(),
        ErrorKind::ProtocolViolation
    );
    server.printer.with_state(|s| s.garbage = false);
    assert!(p.status().expect("answers again").is_ready());

    server.printer.with_state(|s| s.unplugged = true);
    assert_eq!(
        p.status().expect_err("unplugged").kind(),
        ErrorKind::Disconnected
    );
    server.printer.with_state(|s| s.unplugged = false);
    let mut p = connect(&server);
    p.print(&job())
        .expect("prints once plugged back and reopened");
}

#[test]
fn over_usb_the_job_records_to_pcapng_and_the_replay_reproduces_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = dir.path().join("evolis.pcapng");

    let device = SimUsbPrinter::new(SimEvolis::new(EvolisState::default()));
    let recorder = UsbRecorder::create(device, &capture).expect("records");
    let transport = UsbTransport::new(recorder, OUT_ENDPOINT, IN_ENDPOINT).expect("endpoints");
    let mut printer = Evolis::open(transport, options()).expect("opens over USB");
    printer.print(&job()).expect("prints over USB");
    let mut device = printer
        .into_transport()
        .into_device()
        .finish()
        .expect("capture flushed");
    let printed = device.take_printed();
    assert_eq!(printed.len(), 1);
    let at = |x: usize, y: usize| {
        let i = (y * W + x) * 3;
        let p = printed[0].front.pixels();
        [p[i], p[i + 1], p[i + 2]]
    };
    assert_eq!(at(20, 20), RED);
    assert_eq!(at(150, 120), BLACK);

    let replay = UsbReplay::open(&capture, None).expect("capture reads");
    let transport = UsbTransport::new(replay, OUT_ENDPOINT, IN_ENDPOINT).expect("endpoints");
    let mut printer = Evolis::open(transport, options()).expect("opens on the replay");
    assert_eq!(printer.identity().model, "Evolis Primacy (simulated)");
    printer
        .print(&job())
        .expect("the replayed printer accepts the same job");
    assert!(printer.into_transport().device().is_finished());
}

mod garbage {
    use proptest::prelude::*;
    use rekam_drivers::evolis::frame::parse_frame;
    use rekam_drivers::evolis::{Command, ReadCardPresence, Reply};
    use rekam_sim::evolis::{EvolisState, SimEvolis};

    proptest! {
        #[test]
        fn any_host_bytes_are_answered_or_refused_never_a_panic(
            stream in proptest::collection::vec(any::<u8>(), 0..2048),
            piece in 1usize..64,
        ) {
            let mut sim = SimEvolis::new(EvolisState::default());
            for chunk in stream.chunks(piece) {
                let _ = sim.feed(chunk);
            }
            let _ = parse_frame(&stream);
        }

        #[test]
        fn any_printer_bytes_parse_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut rest = &bytes[..];
            while let Ok(Some((reply, used))) = Reply::parse(rest) {
                let _ = ReadCardPresence.parse_response(&reply);
                prop_assert!(used > 0 && used <= rest.len());
                rest = &rest[used..];
            }
        }

        #[test]
        fn a_command_cut_anywhere_then_completed_is_answered_once(cut in 0usize..20) {
            let bytes = b"\x1bRse;o\r\x1bPc;y;=;10\r";
            let cut = cut.min(bytes.len());
            let mut sim = SimEvolis::new(EvolisState::default());
            let mut reply = sim.feed(&bytes[..cut]).reply;
            reply.extend(sim.feed(&bytes[cut..]).reply);
            prop_assert_eq!(reply, b"20\rOK\r".to_vec());
        }
    }
}
