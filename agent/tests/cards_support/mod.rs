//! Shared by the card-printing tests and bench: signed print orders with a real JPEG photo, an
//! agent over a simulated printer and encoder the test keeps handles on, and a printer that
//! misbehaves on a chosen card.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rekam_agent::config::Config;
use rekam_agent::devices::{
    DeviceFailure, DeviceManager, Identified, PrinterDevice, Slot, printer_slot,
    shared_sim_encoder, simulated_kit,
};
use rekam_agent::operators::Role;
use rekam_agent::service::Agent;
use rekam_agent::store::Store;
use rekam_drivers::DeviceIdentity;
use rekam_drivers::printer::{PrintJob, PrinterCapabilities, PrinterStatus};
use rekam_protocol::model::FingerPosition;
use rekam_protocol::print_order::{Backdrop, CardText, ChipFinger, PrintOrder, SignedPrintOrder};
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, Timestamp, WorkstationSigningKey};
use rekam_sim::devices::{PrinterConfig, SimCardPrinter};
use rekam_sim::encoder::SimCardEncoder;
use ring::rand::SystemRandom;

/// When the tests' world begins (2026-06-01).
pub const T0: i64 = 1_780_272_000_000;

/// The password of the test supervisor.
pub const PASSWORD: &str = "kata sandi panjang";

/// A small JPEG photo.
pub fn photo() -> Vec<u8> {
    let (w, h) = (30u16, 40u16);
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h))
        .flat_map(|i| [(i % 251) as u8, 120, 200])
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80)
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("jpeg");
    out
}

/// A valid ISO/IEC 19794-2 record of finger `position` with no minutiae (orders are checked
/// against the format; these tests never match fingers).
pub fn empty_template(position: u8) -> Vec<u8> {
    rekam_protocol::iso19794_2::encode(&rekam_protocol::iso19794_2::MinutiaeRecord {
        width: 400,
        height: 500,
        x_ppcm: 197,
        y_ppcm: 197,
        views: vec![rekam_protocol::iso19794_2::FingerView {
            position,
            ..Default::default()
        }],
    })
}

/// Print order `n` for office `3273-01`, signed by a throwaway registry key (the store keeps
/// what it is given; verifying orders is the fetch loop's business).
pub fn order(n: u32) -> SignedPrintOrder {
    let t = |s: &str| s.to_string();
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    PrintOrder {
        order_id: format!("PO-{n:04}"),
        registry_id: t("REG-SIM"),
        office: t("3273-01"),
        enrollment_id: format!("enr-{n:04}"),
        packet_id: format!("{n:064x}"),
        issued_at: Timestamp::from_unix_ms(T0),
        card: CardText {
            province: t("JAWA BARAT"),
            regency: t("KOTA BANDUNG"),
            nik: format!("3273015708{n:06}"),
            name: format!("WARGA NOMOR {n}"),
            place_of_birth: t("BANDUNG"),
            date_of_birth: t("17-08-1990"),
            sex: t("PEREMPUAN"),
            blood_type: t("O"),
            address: t("JL. MERDEKA NO. 1"),
            rt_rw: t("001/002"),
            village: t("CITARUM"),
            district: t("BANDUNG WETAN"),
            religion: t("ISLAM"),
            marital_status: t("KAWIN"),
            occupation: t("GURU"),
            citizenship: t("WNI"),
            valid_until: t("SEUMUR HIDUP"),
            issue_place: t("KOTA BANDUNG"),
            issue_date: t("01-06-2026"),
        },
        backdrop: Backdrop::Blue,
        photo: STANDARD.encode(photo()),
        signature: STANDARD.encode(b"\x89PNG\r\n\x1a\n"),
        chip_fingers: [
            ChipFinger {
                position: FingerPosition::RIGHT_INDEX,
                template: STANDARD.encode(empty_template(2)),
            },
            ChipFinger {
                position: FingerPosition::LEFT_INDEX,
                template: STANDARD.encode(empty_template(7)),
            },
        ],
    }
    .sign(&key, &rng)
    .expect("sign")
}

/// What a test's printer does once it accepted its `n`th card (1-based).
pub type Hook = dyn Fn(usize, &mut SimCardPrinter) + Send + Sync;

/// A simulated printer that lets a test act on a chosen card (jam it, open the cover).
pub struct Hooked {
    pub inner: Arc<Mutex<SimCardPrinter>>,
    pub prints: Arc<Mutex<usize>>,
    pub hook: Arc<Hook>,
}

impl Hooked {
    fn sim(&self) -> std::sync::MutexGuard<'_, SimCardPrinter> {
        self.inner.lock().expect("printer")
    }
}

impl Identified for Hooked {
    fn identity(&self) -> DeviceIdentity {
        Identified::identity(&*self.sim())
    }
}

impl PrinterDevice for Hooked {
    fn capabilities(&self) -> PrinterCapabilities {
        PrinterDevice::capabilities(&*self.sim())
    }
    fn status(&mut self) -> Result<PrinterStatus, DeviceFailure> {
        PrinterDevice::status(&mut *self.sim())
    }
    fn print(&mut self, job: &PrintJob) -> Result<(), DeviceFailure> {
        let n = {
            let mut p = self.prints.lock().expect("count");
            *p += 1;
            *p
        };
        let mut sim = self.sim();
        PrinterDevice::print(&mut *sim, job)?;
        (self.hook)(n, &mut sim);
        Ok(())
    }
    fn cancel(&mut self) -> Result<(), DeviceFailure> {
        PrinterDevice::cancel(&mut *self.sim())
    }
    fn eject(&mut self) -> Result<(), DeviceFailure> {
        PrinterDevice::eject(&mut *self.sim())
    }
}

/// A fast simulated printer with a hook, and the handle on it.
pub fn hooked_printer(
    hook: impl Fn(usize, &mut SimCardPrinter) + Send + Sync + 'static,
) -> (Slot<dyn PrinterDevice>, Arc<Mutex<SimCardPrinter>>) {
    let mut c = PrinterConfig::tiny(3);
    c.job_time = Duration::from_millis(10);
    let inner = Arc::new(Mutex::new(SimCardPrinter::new(c)));
    let (i, prints, hook): (_, _, Arc<Hook>) =
        (inner.clone(), Arc::new(Mutex::new(0)), Arc::new(hook));
    let slot = printer_slot(move || {
        Ok(Box::new(Hooked {
            inner: i.clone(),
            prints: prints.clone(),
            hook: hook.clone(),
        }) as Box<dyn PrinterDevice>)
    });
    (slot, inner)
}

/// A test's desk: the agent and handles on its printer and encoder.
pub struct Desk {
    pub agent: Agent,
    pub printer: Arc<Mutex<SimCardPrinter>>,
    pub encoder: Arc<Mutex<SimCardEncoder>>,
    pub key: rekam_protocol::VerifyingKey,
}

/// An agent with `orders` orders waiting, `blanks` blanks received (serials `KTP-2026A-000001`
/// on), a supervisor `sup1`, and a printer with `hook`.
pub fn desk(
    orders: u32,
    blanks: u64,
    hook: impl Fn(usize, &mut SimCardPrinter) + Send + Sync + 'static,
) -> Desk {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let public = key.public_key().clone();
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    config.agent.site_code = "3273-01".into();
    let (f, c, p, _) = simulated_kit(1, false, false);
    let (printer_slot, printer) = hooked_printer(hook);
    let (encoder_slot, encoder) = shared_sim_encoder(SimCardEncoder::new(1));
    let devices = DeviceManager::new(f, c, p, None, Duration::from_secs(10))
        .with_printer(printer_slot)
        .with_encoder(encoder_slot);
    let mut store = Store::in_memory().expect("store");
    for n in 1..=orders {
        store.put_print_order(&order(n), T0).expect("order");
    }
    if blanks > 0 {
        store
            .receive_card_batch(
                &rekam_agent::store::cards::CardBatch {
                    batch_id: "B-2026-01".into(),
                    prefix: "KTP-2026A-".into(),
                    first: 1,
                    last: blanks,
                },
                "op1",
                T0,
            )
            .expect("batch");
    }
    store
        .add_operator(
            "admin",
            "sup1",
            "Supervisor",
            Role::Supervisor,
            PASSWORD,
            T0,
        )
        .expect("supervisor");
    store
        .add_operator("admin", "op1", "Operator", Role::Operator, PASSWORD, T0)
        .expect("operator");
    let agent = Agent::new(config, store, devices, key, *registry.public_key());
    Desk {
        agent,
        printer,
        encoder,
        key: public,
    }
}

/// Order ids `PO-0001`..`PO-n`.
pub fn ids(n: u32) -> Vec<String> {
    (1..=n).map(|i| format!("PO-{i:04}")).collect()
}
