//! The simulated card printer through the `CardPrinter` trait: jobs take time and render what
//! was printed; cover, feeder, ribbon, jams and faults stop it as a real one would.

use std::time::Duration;

use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_drivers::printer::{CardPrinter, CardSide, MonoPanel, PrintJob, Ribbon};
use rekam_drivers::{Error, ErrorKind};
use rekam_sim::devices::{PrinterConfig, SimCardPrinter};

const PANEL: ImageSize = ImageSize {
    width: 64,
    height: 40,
};

fn printer() -> SimCardPrinter {
    SimCardPrinter::new(PrinterConfig::tiny(1))
}

fn job() -> PrintJob {
    let colour: Vec<u8> = (0..PANEL.width * PANEL.height)
        .flat_map(|i| [(i % 256) as u8, 100, 200])
        .collect();
    let mut text = vec![false; (PANEL.width * PANEL.height) as usize];
    text[5] = true;
    PrintJob {
        front: CardSide {
            colour: RgbImage::new(PANEL.width, PANEL.height, colour).ok(),
            black: MonoPanel::new(PANEL, text).ok(),
            overlay: None,
        },
        back: Some(CardSide {
            colour: None,
            black: MonoPanel::new(PANEL, vec![true; (PANEL.width * PANEL.height) as usize]).ok(),
            overlay: None,
        }),
    }
}

#[test]
fn a_job_is_accepted_at_once_prints_in_its_time_and_renders_both_sides() {
    let mut p = printer();
    let before = p.status().unwrap();
    assert!(before.is_ready());
    p.print(&job()).unwrap();
    let during = p.status().unwrap();
    assert!(during.busy);
    assert_eq!(p.print(&job()).unwrap_err().kind(), ErrorKind::Busy);
    assert!(p.wait_idle(Duration::from_secs(5)));
    let after = p.status().unwrap();
    assert_eq!(after.counters.cards_printed, 1);
    assert_eq!(after.counters.cards_in_feeder, Some(99));
    // Duplex: one ribbon panel set per side.
    assert_eq!(after.counters.ribbon_left, Some(198));
    let card = &p.printed()[0];
    assert_eq!(&card.front.pixels()[..3], &[0, 100, 200]);
    assert_eq!(&card.front.pixels()[15..18], &[0, 0, 0], "resin black dot");
    assert!(card.back.as_ref().unwrap().pixels().iter().all(|&v| v == 0));
}

#[test]
fn status_only_observes() {
    let mut p = printer();
    p.print(&job()).unwrap();
    let a = p.status().unwrap();
    let b = p.status().unwrap();
    assert_eq!(a, b);
}

#[test]
fn an_open_cover_an_empty_feeder_and_an_ended_ribbon_each_stop_printing() {
    let mut p = printer();
    p.set_cover_open(true);
    assert!(p.status().unwrap().cover_open);
    let err = p.print(&job()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotReady);
    assert!(err.to_string().contains("cover open"));
    p.set_cover_open(false);

    let mut empty = SimCardPrinter::new(PrinterConfig {
        cards: 0,
        ..PrinterConfig::tiny(2)
    });
    assert!(empty.status().unwrap().feeder_empty);
    assert_eq!(empty.print(&job()).unwrap_err().kind(), ErrorKind::NotReady);
    empty.load_cards(1);
    empty.print(&job()).unwrap();

    let mut worn = SimCardPrinter::new(PrinterConfig {
        ribbon: 2,
        ribbon_low: 2,
        ..PrinterConfig::tiny(3)
    });
    assert_eq!(worn.status().unwrap().ribbon, Ribbon::Low);
    worn.print(&job()).unwrap();
    worn.wait_idle(Duration::from_secs(5));
    assert_eq!(worn.status().unwrap().ribbon, Ribbon::Ended);
    assert_eq!(worn.print(&job()).unwrap_err().kind(), ErrorKind::NotReady);
    worn.replace_ribbon(50);
    worn.print(&job()).unwrap();
}

#[test]
fn a_jammed_card_is_not_printed_blocks_the_printer_and_eject_clears_it() {
    let mut p = printer();
    p.jam_next_card();
    p.print(&job()).unwrap();
    p.wait_idle(Duration::from_secs(5));
    let status = p.status().unwrap();
    assert!(status.jam && !status.is_ready());
    assert!(p.printed().is_empty());
    assert_eq!(
        p.print(&job()).unwrap_err().kind(),
        ErrorKind::HardwareFault
    );
    p.eject().unwrap();
    assert_eq!(p.rejected(), 1);
    assert!(p.status().unwrap().is_ready());
}

#[test]
fn a_cancelled_job_goes_to_the_reject_tray() {
    let mut p = SimCardPrinter::new(PrinterConfig {
        job_time: Duration::from_secs(60),
        ..PrinterConfig::tiny(4)
    });
    p.print(&job()).unwrap();
    assert_eq!(p.eject().unwrap_err().kind(), ErrorKind::Busy);
    p.cancel().unwrap();
    assert!(!p.status().unwrap().busy);
    assert_eq!(p.rejected(), 1);
    assert!(p.printed().is_empty());
}

#[test]
fn a_mechanical_error_and_a_wrong_panel_size_are_refused() {
    let mut p = printer();
    p.set_error(Some("ERROR MECA".into()));
    let err = p.print(&job()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HardwareFault);
    assert!(err.to_string().contains("ERROR MECA"));
    p.set_error(None);
    let wrong = PrintJob {
        front: CardSide {
            colour: Some(RgbImage::new(2, 2, vec![0; 12]).unwrap()),
            ..CardSide::default()
        },
        back: None,
    };
    assert_eq!(
        p.print(&wrong).unwrap_err().kind(),
        ErrorKind::ProtocolViolation
    );
    let simplex = &mut SimCardPrinter::new(PrinterConfig {
        duplex: false,
        ..PrinterConfig::tiny(5)
    });
    assert_eq!(
        simplex.print(&job()).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
}
