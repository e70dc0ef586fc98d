//! Figures against a simulated month with known truth: enrollments started, finalized (with
//! finger exceptions and forced captures), delivered and rejected, cards printed and collected,
//! and a worklist matched and closed — all written through the store's real APIs — then every
//! grouping compared with a tally kept while the month was made; CSV and JSON from the command;
//! a signed report that verifies and an edited one that does not.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use rekam_agent::finalize::finalize;
use rekam_agent::office::figures::{self, By, Period, Shifts, report};
use rekam_agent::office::worklist::{import, regions};
use rekam_agent::store::period::start_detail;
use rekam_agent::store::worklist::{EntryFilter, Outcome};
use rekam_agent::store::{PickupOutcome, PickupRecord, Settlement, Store};
use rekam_agent::workflow::{Policy, Session, Stage};
use rekam_protocol::model::{ExceptionReason, FingerPosition, MaritalStatus, RecordingUnit, Sex};
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, Timestamp, WorkstationSigningKey};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
/// 2026-11-01 00:00 WIB.
const NOV1: i64 = 1_793_466_000_000;
const WIB: i32 = 420;
const OPS: [&str; 3] = ["op1", "op2", "op3"];
const KEC: [&str; 10] = [
    "Gambir",
    "Sawah Besar",
    "Kemayoran",
    "Senen",
    "Cempaka Putih",
    "Menteng",
    "Tanah Abang",
    "Johar Baru",
    "Kebon Kelapa",
    "Tugu",
];

/// What the month did, tallied as it was made: `(grouping key, figure) -> count`.
#[derive(Default)]
struct Truth {
    counts: BTreeMap<(String, String, &'static str), u64>,
    durations: BTreeMap<(String, String), Vec<i64>>,
}

impl Truth {
    fn add(&mut self, by: &str, key: &str, what: &'static str, at_ms: i64) {
        if (NOV1..NOV1 + 30 * DAY).contains(&at_ms) {
            *self
                .counts
                .entry((by.into(), key.into(), what))
                .or_default() += 1;
        }
    }
    fn get(&self, by: &str, key: &str, what: &'static str) -> u64 {
        self.counts
            .get(&(by.into(), key.into(), what))
            .copied()
            .unwrap_or(0)
    }
}

fn date_of(at_ms: i64) -> String {
    rekam_agent::store::figures::day_window(at_ms, WIB).1
}

struct Month {
    store: Store,
    truth: Truth,
    key: WorkstationSigningKey,
    /// Worklist entries closed, by outcome.
    closed: Vec<(String, Outcome)>,
}

fn kec_name(nik: &str) -> &'static str {
    let d: usize = nik[4..6].parse().expect("district digits");
    KEC[(d + 9) % 10]
}

fn desa_name(nik: &str, k: usize) -> String {
    format!(
        "{} {}",
        if k.is_multiple_of(2) {
            "Utara"
        } else {
            "Selatan"
        },
        kec_name(nik)
    )
}

/// A session through every capture, ready to finalize: `exception` records the left little
/// finger as an exception for that reason; `forced` keeps a face below its gate.
fn reviewed(
    seed: u64,
    op: &str,
    unit: RecordingUnit,
    start_ms: i64,
    exception: Option<ExceptionReason>,
    forced: bool,
) -> Session {
    let src = sample::enrollment(&SampleOptions::tiny(seed, "WS-1", start_ms));
    let mut a = src.applicant.clone();
    a.marital_status = MaritalStatus::Kawin;
    let nik = a.nik.to_string();
    a.address.district = kec_name(&nik).to_string();
    a.address.village = desa_name(&nik, seed as usize);
    let mut ctx = src.context.clone();
    ctx.operator_id = op.to_string();
    ctx.unit = unit;
    ctx.started_at = Timestamp::from_unix_ms(start_ms);
    let today = Timestamp::from_unix_ms(start_ms).date();
    let mut s = Session::start(src.id, a, ctx, Policy::default(), today).expect("start");
    let mut face = src.biometrics.face.clone();
    if forced {
        face.quality.score = 10;
        for _ in 0..Policy::default().max_attempts {
            s.submit_face(face.clone()).expect("face");
        }
    } else {
        face.quality.score = 90;
        s.submit_face(face).expect("face");
    }
    s.resident_approves_face(true).expect("approve");
    s.submit_signature(src.biometrics.signature.clone())
        .expect("signature");
    for p in FingerPosition::all() {
        if let Some(reason) = exception.filter(|_| p.code() == 10) {
            s.finger_exception(p, reason, None, Some("noted at the desk".into()))
                .expect("exception");
            continue;
        }
        let mut c = src.biometrics.finger(p).expect("finger").clone();
        c.quality.score = 70;
        s.submit_finger(p, c).expect("finger");
    }
    assert_eq!(s.stage(), Stage::Review);
    if exception.is_some() || forced {
        s.approve("sup1", Timestamp::from_unix_ms(start_ms + MIN))
            .expect("supervisor approves");
    }
    s
}

fn rejection(packet_id: &str, at_ms: i64) -> Vec<u8> {
    use rekam_protocol::rejection::Rejection;
    let (key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    Rejection {
        packet_id: packet_id.into(),
        registry_id: "REG-T".into(),
        code: "invalid_enrollment".into(),
        reason: "the photo is not a face".into(),
        rejected_at: Timestamp::from_unix_ms(at_ms),
    }
    .sign(&key, &SystemRandom::new())
    .expect("sign")
    .to_json()
}

/// One planned enrollment.
struct Plan {
    seed: u64,
    day: i64,
    slot: i64,
}

/// The month, made once for every test in this file.
fn month() -> &'static std::sync::Mutex<Month> {
    static M: OnceLock<std::sync::Mutex<Month>> = OnceLock::new();
    M.get_or_init(|| std::sync::Mutex::new(make_month()))
}

fn make_month() -> Month {
    let mut store = Store::in_memory().expect("store");
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::from_secret([3; 32]);
    let mut t = Truth::default();

    // The plan: 0-3 enrollments a day, distinct residents (NIKs).
    let mut plans = Vec::new();
    let mut niks = std::collections::BTreeSet::new();
    let mut seed = 1u64;
    for day in 0..30i64 {
        for slot in 0..[0, 1, 2, 3, 2][(day % 5) as usize] {
            loop {
                seed += 1;
                let nik = sample::enrollment(&SampleOptions::tiny(seed, "WS-1", 0))
                    .applicant
                    .nik
                    .to_string();
                if niks.insert(nik) {
                    break;
                }
            }
            plans.push(Plan { seed, day, slot });
        }
    }

    // The office's regions and list: two desa per kecamatan met; two of three planned residents
    // are on the list by NIK, and six residents without NIK per kecamatan are listed too.
    let mut region_csv = String::from("code,name,parent\n");
    let mut kec_codes: BTreeMap<String, &str> = BTreeMap::new();
    for p in &plans {
        let nik = sample::enrollment(&SampleOptions::tiny(p.seed, "WS-1", 0))
            .applicant
            .nik
            .to_string();
        kec_codes.insert(nik[..6].to_string(), kec_name(&nik));
    }
    for (code, name) in &kec_codes {
        region_csv.push_str(&format!("{code},{name},3171\n"));
        region_csv.push_str(&format!("{code}2001,Utara {name},{code}\n"));
        region_csv.push_str(&format!("{code}2002,Selatan {name},{code}\n"));
    }
    store
        .add_operator(
            "test",
            "op1",
            "Operator One",
            rekam_agent::operators::Role::Operator,
            "a long enough password 42",
            0,
        )
        .expect("operator");
    let r = regions::parse(region_csv.into_bytes()).expect("regions");
    store
        .import_worklist_regions(&r, "regions.csv", "00", "op1", NOV1 - DAY)
        .expect("regions stored");
    let mut list = String::from(
        "No,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Alamat,RT/RW,Desa/Kelurahan,Kecamatan,Alasan\n",
    );
    let mut line = 0;
    for p in &plans {
        if p.seed % 3 == 2 {
            continue;
        }
        let a = sample::enrollment(&SampleOptions::tiny(p.seed, "WS-1", 0)).applicant;
        let nik = a.nik.to_string();
        line += 1;
        list.push_str(&format!(
            "{line},{nik},{},{},{},Jl. Listed {line},001/002,{},{},\n",
            a.full_name,
            rekam_protocol::timefmt::format_date(a.date_of_birth),
            if a.sex == Sex::Male { "L" } else { "P" },
            desa_name(&nik, p.seed as usize),
            kec_name(&nik)
        ));
    }
    for (code, name) in &kec_codes {
        for i in 0..6u32 {
            line += 1;
            list.push_str(&format!(
                "{line},,Warga {code} {i},0{}-03-1990,L,Jl. Listed {line},,{} {name},{name},\n",
                i + 1,
                if i.is_multiple_of(2) {
                    "Utara"
                } else {
                    "Selatan"
                }
            ));
        }
    }
    let rep = import::import(
        &mut store,
        "list.csv",
        list.into_bytes(),
        false,
        "op1",
        NOV1 - DAY,
    )
    .expect("import runs");
    assert!(rep.bad.is_empty(), "{:?}", rep.bad);

    let reasons = [
        ExceptionReason::Amputated,
        ExceptionReason::Bandaged,
        ExceptionReason::UnableToPrint,
    ];
    let mut order_n = 0u64;
    store
        .receive_card_batch(
            &rekam_agent::store::cards::CardBatch {
                batch_id: "B1".into(),
                prefix: "KTP".into(),
                first: 1,
                last: 500,
            },
            "op1",
            NOV1,
        )
        .expect("batch");
    for (k, p) in plans.iter().enumerate() {
        let op = OPS[k % 3];
        let unit = if k % 4 == 3 {
            RecordingUnit::Mobile {
                unit_id: "MOBIL-1".into(),
                location: "Balai desa".into(),
            }
        } else {
            RecordingUnit::Office
        };
        let unit_name = if k % 4 == 3 { "MOBIL-1" } else { "office" };
        // Starts at 08:00, 09:40, 11:20 WIB; takes 6 to 26 minutes.
        let start = NOV1 + p.day * DAY + 8 * HOUR + p.slot * 100 * MIN;
        let took = (6 + (k as i64 * 7) % 21) * MIN;
        let exception = (k % 5 == 1).then(|| reasons[k % 3]);
        let forced = k % 7 == 4;
        let s = reviewed(p.seed, op, unit, start, exception, forced);
        let nik = s.applicant.nik.to_string();
        let (kec, desa) = (
            s.applicant.address.district.clone(),
            s.applicant.address.village.clone(),
        );
        store
            .record_step(&s, op, "session.start", start_detail(&s), start)
            .expect("start recorded");
        let dims = [
            ("day", date_of(start)),
            ("operator", op.to_string()),
            ("kecamatan", kec.clone()),
            ("desa", format!("{kec}/{desa}")),
            ("unit", unit_name.to_string()),
        ];
        let tally = |t: &mut Truth, what, at| {
            for (by, key) in &dims {
                // The day of an event is its own, not the enrollment's.
                let key = if *by == "day" {
                    date_of(at)
                } else {
                    key.clone()
                };
                t.add(by, &key, what, at);
            }
        };
        tally(&mut t, "started", start);
        // Every ninth resident leaves before the end: started, never finalized.
        if k % 9 == 8 {
            continue;
        }
        let done = start + took;
        let packet = finalize(
            &mut store,
            &s,
            &key,
            registry.public_key(),
            5 << 20,
            op,
            Timestamp::from_unix_ms(done),
            &rng,
        )
        .expect("finalize")
        .to_string();
        tally(&mut t, "finalized", done);
        for (by, key) in &dims {
            let key = if *by == "day" {
                date_of(done)
            } else {
                key.clone()
            };
            if (NOV1..NOV1 + 30 * DAY).contains(&done) {
                t.durations
                    .entry((by.to_string(), key))
                    .or_default()
                    .push(took);
            }
        }
        if exception.is_some() {
            tally(&mut t, "exceptions", done);
            tally(
                &mut t,
                match exception {
                    Some(ExceptionReason::Amputated) => "amputated",
                    Some(ExceptionReason::Bandaged) => "bandaged",
                    _ => "unable_to_print",
                },
                done,
            );
        }
        if forced {
            tally(&mut t, "forced", done);
        }
        // Most are delivered that evening or (every fourth) the next morning; every sixth is
        // rejected by the registry the next day.
        if k % 6 == 5 {
            let at = done + DAY;
            store
                .settle(&[(
                    packet.clone(),
                    Settlement::Rejected {
                        reason: "the photo is not a face".into(),
                        rejection: rejection(&packet, at),
                    },
                )])
                .expect("reject");
            tally(&mut t, "rejected", at);
            continue;
        }
        let at = if k.is_multiple_of(4) {
            done + 20 * HOUR
        } else {
            done + 6 * HOUR
        };
        store
            .settle(&[(
                packet.clone(),
                Settlement::Delivered {
                    receipt: b"r".to_vec(),
                    at_ms: at,
                },
            )])
            .expect("deliver");
        tally(&mut t, "delivered", at);
        // Every third delivered enrollment gets its card two days later, collected (every
        // other one) three days after that.
        if k.is_multiple_of(3) {
            order_n += 1;
            let order_id = format!("PO-{order_n}");
            store
                .put_print_order(&print_order(&order_id, &s.id.to_string(), &nik), at)
                .expect("order");
            let printed = done + 2 * DAY;
            let serial = store
                .take_blank(&order_id, op, printed - MIN)
                .expect("blank")
                .expect("a blank in stock");
            store
                .complete_card(&serial, b"report", op, printed)
                .expect("printed");
            tally(&mut t, "printed", printed);
            if k.is_multiple_of(2) {
                let collected = printed + 3 * DAY;
                store
                    .record_pickup(&PickupRecord {
                        order_id: order_id.clone(),
                        at_ms: collected,
                        operator: op.into(),
                        outcome: PickupOutcome::Collected,
                        finger: Some(2),
                        score: Some(0.9),
                        supervisor: None,
                        detail: "matched".into(),
                    })
                    .expect("pickup");
                tally(&mut t, "collected", collected);
            }
        }
    }

    // Closing some of the residents listed without NIK, on the 20th.
    let mut closed = Vec::new();
    let entries = store
        .worklist_entries(&EntryFilter::default())
        .expect("entries");
    let outcomes = [
        Outcome::Deceased,
        Outcome::MovedAway,
        Outcome::NotFound,
        Outcome::RecordedElsewhere,
        Outcome::Refused,
    ];
    let mut n = 0usize;
    for e in entries.iter().filter(|e| e.nik.is_none()) {
        n += 1;
        if n.is_multiple_of(2) {
            continue;
        }
        let outcome = outcomes[(n / 2) % 5];
        store
            .close_worklist_entry(
                e.id,
                outcome,
                Some("checked on site"),
                "op1",
                NOV1 + 19 * DAY,
            )
            .expect("close");
        closed.push((e.name.clone(), outcome));
    }
    Month {
        store,
        truth: t,
        key,
        closed,
    }
}

fn print_order(
    order_id: &str,
    enrollment_id: &str,
    nik: &str,
) -> rekam_protocol::print_order::SignedPrintOrder {
    use rekam_protocol::print_order::{
        Backdrop, CardText, ChipFinger, PrintOrder, SignedPrintOrder,
    };
    let text = |s: &str| s.to_string();
    SignedPrintOrder {
        print_order: PrintOrder {
            order_id: text(order_id),
            registry_id: text("registry-1"),
            office: text("3171-01"),
            enrollment_id: text(enrollment_id),
            packet_id: "ab".repeat(32),
            issued_at: Timestamp::from_unix_ms(NOV1),
            card: CardText {
                province: text("DKI JAKARTA"),
                regency: text("KOTA JAKARTA PUSAT"),
                nik: text(nik),
                name: text("WARGA"),
                place_of_birth: text("JAKARTA"),
                date_of_birth: text("17-08-1990"),
                sex: text("LAKI-LAKI"),
                blood_type: text("O"),
                address: text("JL. MERDEKA NO. 1"),
                rt_rw: text("001/002"),
                village: text("GAMBIR"),
                district: text("GAMBIR"),
                religion: text("ISLAM"),
                marital_status: text("KAWIN"),
                occupation: text("GURU"),
                citizenship: text("WNI"),
                valid_until: text("SEUMUR HIDUP"),
                issue_place: text("KOTA JAKARTA PUSAT"),
                issue_date: text("01-11-2026"),
            },
            backdrop: Backdrop::Blue,
            photo: text("/9j/4AAQ"),
            signature: text("iVBORw0K"),
            chip_fingers: [
                ChipFinger {
                    position: FingerPosition::RIGHT_INDEX,
                    template: text("Rk1SAA=="),
                },
                ChipFinger {
                    position: FingerPosition::LEFT_INDEX,
                    template: text("Rk1SAA=="),
                },
            ],
        },
        key_id: rekam_protocol::KeyId([7; 16]),
        signature: text("c2ln"),
    }
}

fn november() -> Period {
    Period::parse("2026-11-01", "2026-11-30", WIB).expect("period")
}

fn check_grouping(by: By, name: &str) {
    let m = month().lock().unwrap_or_else(|e| e.into_inner());
    let events = m.store.period_events(november().window()).expect("events");
    let table = figures::group(&events, &november(), by, &Shifts::default());
    assert!(!table.rows.is_empty());
    let t = &m.truth;
    for r in &table.rows {
        let key = if by == By::Desa {
            format!("{}/{}", r.sub, r.key)
        } else {
            r.key.clone()
        };
        let get = |what| t.get(name, &key, what);
        let reason = |k: &str| r.exception_reasons.get(k).copied().unwrap_or(0);
        assert_eq!(
            (
                r.started,
                r.finalized,
                r.delivered,
                r.rejected,
                r.exceptions,
                r.forced,
                r.cards_printed,
                r.cards_collected
            ),
            (
                get("started"),
                get("finalized"),
                get("delivered"),
                get("rejected"),
                get("exceptions"),
                get("forced"),
                get("printed"),
                get("collected")
            ),
            "{name} {key}"
        );
        assert_eq!(
            (
                reason("amputated"),
                reason("bandaged"),
                reason("unable_to_print")
            ),
            (get("amputated"), get("bandaged"), get("unable_to_print")),
            "{name} {key}"
        );
        let mut d = t
            .durations
            .get(&(name.to_string(), key.clone()))
            .cloned()
            .unwrap_or_default();
        assert_eq!(r.median_ms, figures::median(&mut d), "{name} {key} median");
    }
    // Every group the truth knows is in the table, and the total is the sum.
    let keys: Vec<String> = t
        .counts
        .keys()
        .filter(|(b, _, _)| b == name)
        .map(|(_, k, _)| k.clone())
        .collect();
    for k in keys {
        assert!(
            table.rows.iter().any(|r| if by == By::Desa {
                format!("{}/{}", r.sub, r.key) == k
            } else {
                r.key == k
            }),
            "{name}: group {k} missing"
        );
    }
    let total: u64 = table.rows.iter().map(|r| r.finalized).sum();
    assert_eq!(table.total.finalized, total);
}

#[test]
fn each_day_of_the_month_counts_exactly_what_happened_on_it() {
    check_grouping(By::Day, "day");
    let m = month().lock().unwrap_or_else(|e| e.into_inner());
    let events = m.store.period_events(november().window()).expect("events");
    let table = figures::group(&events, &november(), By::Day, &Shifts::default());
    // Every day is listed, the quiet ones too.
    assert_eq!(table.rows.len(), 30);
    assert_eq!(table.rows[0].key, "2026-11-01");
    assert_eq!(
        table.rows[0].started, 0,
        "the 1st had no enrollment planned"
    );
    // The month exercises every figure.
    let t = &table.total;
    assert!(t.exceptions > 0 && t.forced > 0 && t.rejected > 0, "{t:?}");
    assert!(
        t.cards_printed > 0 && t.cards_collected > 0 && t.started > t.finalized,
        "{t:?}"
    );
    assert_eq!(t.exception_reasons.len(), 3, "{t:?}");
}

#[test]
fn each_operator_is_credited_with_their_own_enrollments() {
    check_grouping(By::Operator, "operator");
}

#[test]
fn each_kecamatan_and_desa_counts_its_residents() {
    check_grouping(By::Kecamatan, "kecamatan");
    check_grouping(By::Desa, "desa");
}

#[test]
fn the_office_desk_and_the_mobile_unit_are_counted_apart() {
    check_grouping(By::Unit, "unit");
}

#[test]
fn shifts_split_an_operators_day_at_the_configured_times() {
    let m = month().lock().unwrap_or_else(|e| e.into_inner());
    let events = m.store.period_events(november().window()).expect("events");
    let shifts = Shifts::parse("07:00,10:00").expect("shifts");
    let table = figures::group(&events, &november(), By::Operator, &shifts);
    let started = |op: &str, shift: &str| {
        table
            .rows
            .iter()
            .find(|r| r.key == op && r.sub == shift)
            .map_or(0, |r| r.started)
    };
    // Starts at 08:00 and 09:40 fall in the morning shift, 11:20 in the other.
    for op in OPS {
        let all = m.truth.get("operator", op, "started");
        assert_eq!(started(op, "07:00–10:00") + started(op, "10:00–07:00"), all);
    }
    assert!(started("op1", "10:00–07:00") > 0);
}

#[test]
fn coverage_counts_recorded_against_obliged_and_leaves_out_the_dead_and_moved() {
    let m = month().lock().unwrap_or_else(|e| e.into_inner());
    let end = november().window().end_ms;
    let cov = m.store.worklist_coverage(end).expect("coverage");
    let entries = m
        .store
        .worklist_entries(&EntryFilter::default())
        .expect("entries");
    let listed = entries.len() as u64;
    let closed = |o: Outcome| m.closed.iter().filter(|(_, x)| *x == o).count() as u64;
    let matched = entries.iter().filter(|e| e.enrollment_id.is_some()).count() as u64;
    let sum = |f: fn(&rekam_agent::store::period::Coverage) -> u64| cov.iter().map(f).sum::<u64>();
    assert_eq!(sum(|c| c.listed), listed);
    assert_eq!(
        sum(|c| c.obliged),
        listed - closed(Outcome::Deceased) - closed(Outcome::MovedAway)
    );
    assert_eq!(
        sum(|c| c.recorded),
        matched + closed(Outcome::RecordedElsewhere)
    );
    assert!(
        matched > 10,
        "the month's listed residents were matched by NIK"
    );
    assert_eq!(sum(|c| c.backlog), sum(|c| c.obliged) - sum(|c| c.recorded));
    // As of the 15th, nothing closed on the 20th counts yet.
    let mid = m
        .store
        .worklist_coverage(NOV1 + 14 * DAY)
        .expect("coverage");
    assert_eq!(mid.iter().map(|c| c.obliged).sum::<u64>(), listed);
    let problems = m
        .store
        .worklist_problems(november().window())
        .expect("problems");
    assert_eq!(
        problems.len() as u64,
        closed(Outcome::Deceased) + closed(Outcome::MovedAway) + closed(Outcome::NotFound)
    );
    assert!(problems.iter().all(|p| !p.desa.is_empty()));
}

fn rekam() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rekam"))
}

fn month_db(dir: &Path) -> std::path::PathBuf {
    let m = month().lock().unwrap_or_else(|e| e.into_inner());
    let db = dir.join("agent.db");
    m.store
        .raw_connection()
        .execute("VACUUM INTO ?1", [db.to_str().expect("utf-8 path")])
        .expect("copy the month to a file");
    db
}

#[test]
fn the_command_prints_csv_and_json_and_refuses_bad_dates() {
    let dir = tempfile::tempdir().expect("dir");
    let db = month_db(dir.path());
    let m = month().lock().unwrap_or_else(|e| e.into_inner());
    let out = rekam()
        .args(["figures", "--db"])
        .arg(&db)
        .args([
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--by",
            "operator",
            "--csv",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).expect("utf-8");
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .expect("header")
            .starts_with("operator,shift,started,finalized")
    );
    let op2 = lines.find(|l| l.starts_with("op2,")).expect("op2 row");
    let cells: Vec<&str> = op2.split(',').collect();
    assert_eq!(
        cells[2],
        m.truth.get("operator", "op2", "started").to_string()
    );
    assert_eq!(
        cells[3],
        m.truth.get("operator", "op2", "finalized").to_string()
    );
    assert!(csv.lines().last().expect("total").ends_with(",total"));

    let out = rekam()
        .args(["figures", "--db"])
        .arg(&db)
        .args([
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--by",
            "kecamatan",
            "--json",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["by"], "kecamatan");
    let total_started: u64 = OPS
        .iter()
        .map(|o| m.truth.get("operator", o, "started"))
        .sum();
    assert_eq!(v["total"]["started"], total_started);

    for (args, says) in [
        (
            vec!["--from", "2026-11-31"],
            "--from \"2026-11-31\" is not a date",
        ),
        (
            vec!["--from", "2026-11-02", "--to", "2026-11-01"],
            "before it starts",
        ),
        (
            vec!["--from", "2026-11-01", "--by", "week"],
            "--by \"week\" is not a grouping",
        ),
    ] {
        let out = rekam()
            .args(["figures", "--db"])
            .arg(&db)
            .args(&args)
            .output()
            .expect("run");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
}

#[test]
fn a_signed_report_verifies_and_any_edit_to_its_figures_fails() {
    let dir = tempfile::tempdir().expect("dir");
    let m = month().lock().unwrap_or_else(|e| e.into_inner());
    let f = figures::compute(&m.store, &november(), &Shifts::default()).expect("figures");
    let meta = report::ReportMeta {
        office: "Dinas Dukcapil Kota Jakarta Pusat".into(),
        workstation_id: "WS-1".into(),
        key_id: m.key.public_key().key_id().to_string(),
        generated: "2026-12-01 08:00".into(),
        daily: false,
        lang: rekam_agent::console::i18n::Lang::Id,
    };
    let page = report::render(&meta, &f);
    assert!(
        !page.contains("http://") || !page.contains("src=\"http"),
        "nothing fetched"
    );
    assert!(!page.contains("<link") && !page.contains("<img"));
    let signed = report::sign(&page, &m.key, &SystemRandom::new()).expect("sign");
    let mut trust = rekam_protocol::keys::TrustStore::new();
    trust
        .insert(rekam_protocol::keys::TrustedWorkstation {
            workstation_id: "WS-1".into(),
            key: m.key.public_key().clone(),
        })
        .expect("trust");
    let v = report::verify(signed.as_bytes(), &trust).expect("verifies");
    assert_eq!(v.workstation_id, "WS-1");

    // The total finalized, in the by-day table's footer, changed by one.
    let total = f.tables[0].total.finalized;
    let edited = signed.replacen(
        &format!("<td class=\"n\">{total}</td>"),
        &format!("<td class=\"n\">{}</td>", total + 1),
        1,
    );
    assert_ne!(edited, signed);
    let err = report::verify(edited.as_bytes(), &trust).expect_err("edited");
    assert!(
        err.to_string()
            .contains("changed after workstation WS-1 signed it"),
        "{err}"
    );
    // A signature line cut off, or a key nobody trusts.
    assert!(report::verify(page.as_bytes(), &trust).is_err());
    let (other, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let foreign = report::sign(&page, &other, &SystemRandom::new()).expect("sign");
    let err = report::verify(foreign.as_bytes(), &trust).expect_err("untrusted");
    assert!(err.to_string().contains("not among the trusted"), "{err}");

    // Through the command, with the key files `rekam keys workstation-new` makes.
    let db = {
        drop(m);
        month_db(dir.path())
    };
    let keys = dir.path().join("keys");
    let ok = rekam()
        .args(["keys", "workstation-new", "--out"])
        .arg(&keys)
        .args(["--id", "WS-1"])
        .output()
        .expect("keys");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let out_file = dir.path().join("report.html");
    let ok = rekam()
        .args(["report", "period", "--db"])
        .arg(&db)
        .args(["--from", "2026-11-01", "--to", "2026-11-30", "--key"])
        .arg(keys.join("workstation.key"))
        .arg("--out")
        .arg(&out_file)
        .output()
        .expect("report");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    if let Ok(dir) = std::env::var("REKAM_REPORT_OUT") {
        // The browser suite opens this file.
        let _ = std::fs::copy(&out_file, Path::new(&dir).join("report-november.html"));
    }
    let verify = |file: &Path| {
        rekam()
            .args(["report", "verify"])
            .arg(file)
            .arg("--trust")
            .arg(keys.join("workstation.pub"))
            .output()
            .expect("verify")
    };
    let ok = verify(&out_file);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("signature good, signed by workstation WS-1")
    );
    let text = std::fs::read_to_string(&out_file).expect("read");
    let tampered = dir.path().join("tampered.html");
    let total = f.tables[0].total.finalized;
    let edited = text.replacen(
        &format!("<td class=\"n\">{total}</td>"),
        &format!("<td class=\"n\">{}</td>", total + 1),
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&tampered, edited).expect("write");
    let bad = verify(&tampered);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("changed after workstation WS-1 signed it")
    );
}
