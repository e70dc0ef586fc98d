//! Property: no fault schedule, however hostile, makes a simulated device or the R30x driver on
//! a faulty transport panic or hang. Every case must finish within a fixed bound.

use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use rekam_drivers::fingerprint::{CaptureOptions, Feedback, Finger, FingerprintScanner, Slap};
use rekam_drivers::printer::{CardPrinter, PrintJob};
use rekam_drivers::r30x::{R30x, R30xConfig};
use rekam_drivers::signature::SignaturePad;
use rekam_sim::devices::{
    PadConfig, PrinterConfig, ScannerConfig, SimCardPrinter, SimFingerprintScanner, SimPerson,
    SimSignaturePad,
};
use rekam_sim::faults::{Fault, FaultInjector, FaultRule, Faulty, FaultyTransport};
use rekam_sim::r30x::{ModuleConfig, SimLink, SimulatedModule};

/// Longest a whole case may take; far above what any schedule below can add up to.
const BOUND: Duration = Duration::from_secs(30);

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::Disconnect),
        proptest::option::of(0u64..20).prop_map(|wait_ms| Fault::Timeout { wait_ms }),
        Just(Fault::Busy),
        (0u32..64).prop_map(|bytes| Fault::Corrupt { bytes }),
        (0u64..10).prop_map(|delay_ms| Fault::Slow { delay_ms }),
    ]
}

fn rules() -> impl Strategy<Value = Vec<FaultRule>> {
    proptest::collection::vec(
        (
            fault(),
            0u64..12,
            0.0f64..=1.0,
            proptest::option::of(0u64..4),
        )
            .prop_map(|(fault, after, chance, times)| FaultRule {
                fault,
                device: None,
                after,
                chance,
                times,
            }),
        0..5,
    )
}

#[derive(Debug, Clone)]
enum Op {
    Finger(u8),
    Slap(u8, Vec<u8>),
    Preview,
    Feedback,
    Reconnect,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        prop_oneof![
            (1u8..=10).prop_map(Op::Finger),
            (0u8..3, proptest::collection::vec(1u8..=10, 0..3)).prop_map(|(s, m)| Op::Slap(s, m)),
            Just(Op::Preview),
            Just(Op::Feedback),
            Just(Op::Reconnect),
        ],
        0..10,
    )
}

/// Runs `work` on its own thread; fails if it panics or outlives [`BOUND`].
fn bounded(work: impl FnOnce() + Send + 'static) -> Result<(), TestCaseError> {
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        work();
        let _ = done.send(());
    });
    match finished.recv_timeout(BOUND) {
        Ok(()) => {
            worker
                .join()
                .map_err(|_| TestCaseError::fail("worker panicked after finishing"))?;
            Ok(())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(TestCaseError::fail("worker panicked")),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(TestCaseError::fail("worker hung")),
    }
}

fn slap(code: u8) -> Slap {
    [Slap::LeftFour, Slap::RightFour, Slap::Thumbs][usize::from(code % 3)]
}

fn finger(code: u8) -> Finger {
    Finger::from_position(code).unwrap_or(Finger::RightThumb)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn no_fault_schedule_makes_a_simulated_device_panic_or_hang(
        seed in any::<u64>(),
        rules in rules(),
        ops in ops(),
    ) {
        bounded(move || {
            let mut config = ScannerConfig::tiny(seed);
            config.slap_image = Some(rekam_drivers::identity::ImageSize { width: 192, height: 180 });
            let mut scanner = SimFingerprintScanner::new(config);
            scanner.set_person(Some(SimPerson::new(seed).without(&[Finger::LeftRing])));
            let mut s = Faulty::new(scanner, FaultInjector::new(seed, rules.clone()));
            let options = CaptureOptions::with_timeout(Duration::from_millis(25));
            for op in &ops {
                let _ = match op {
                    Op::Finger(f) => s.capture_finger(finger(*f), &options).map(|_| ()),
                    Op::Slap(code, missing) => {
                        let missing: Vec<Finger> = missing.iter().map(|&m| finger(m)).collect();
                        s.capture_slap(slap(*code), &missing, &options).map(|_| ())
                    }
                    Op::Preview => s.preview_frame(&options).map(|_| ()),
                    Op::Feedback => s.set_feedback(Feedback::Working),
                    Op::Reconnect => {
                        s.injector_mut().reconnect();
                        Ok(())
                    }
                };
            }
            let mut printer = Faulty::new(
                SimCardPrinter::new(PrinterConfig::tiny(seed)),
                FaultInjector::new(seed, rules.clone()),
            );
            for _ in 0..ops.len() {
                let _ = printer.print(&PrintJob::default());
                let _ = printer.status();
                let _ = printer.cancel();
            }
            let pad = SimSignaturePad::new(PadConfig { speed: 1000.0, ..PadConfig::signs_and_accepts(seed) });
            let mut pad = Faulty::new(pad, FaultInjector::new(seed, rules));
            for _ in 0..ops.len() {
                let _ = pad.next_event(Duration::from_millis(5));
            }
        })?;
    }

    #[test]
    fn no_fault_schedule_makes_the_r30x_driver_panic_or_hang(
        seed in any::<u64>(),
        rules in rules(),
        calls in 0usize..6,
    ) {
        bounded(move || {
            let link = FaultyTransport::new(
                SimLink::new(SimulatedModule::new(ModuleConfig::new(seed))),
                FaultInjector::new(seed, rules),
            );
            let config = R30xConfig {
                ack_timeout: Duration::from_millis(20),
                poll_interval: Duration::from_millis(1),
                ..R30xConfig::default()
            };
            if let Ok(mut driver) = R30x::open(link, config) {
                for _ in 0..calls {
                    let _ = driver.handshake();
                    let _ = driver.template_count();
                    let _ = driver.capture_finger(
                        Finger::RightIndex,
                        &CaptureOptions::with_timeout(Duration::from_millis(40)),
                    );
                }
            }
        })?;
    }
}
