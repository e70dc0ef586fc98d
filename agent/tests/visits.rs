//! Mobile-unit visits ("jemput bola") and early recording for an election: visits planned by
//! backlog, one open at a time, enrollments finalized during one carrying it in their packet and
//! counting toward it, its figures recorded and audited on closing; 16-year-olds who are 17 by
//! election day recording early and flagged as first-time voters, younger ones refused; and the
//! worklist search the console uses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rekam_agent::finalize::finalize;
use rekam_agent::office::worklist::{import, regions};
use rekam_agent::store::Store;
use rekam_agent::store::visits::{NewVisit, PlaceKind, VisitProblem, VisitStatus};
use rekam_agent::store::worklist::{Entry, EntryFilter, EntryStatus};
use rekam_agent::workflow::{Eligibility, Policy, Session, Stage, WorkflowError};
use rekam_protocol::model::{Applicant, FingerPosition, MaritalStatus, Sex};
use rekam_protocol::{
    RegistryPrivateKey, SignatureAlgorithm, Timestamp, TrustStore, TrustedWorkstation,
    WorkstationSigningKey, packet,
};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use time::Date;
use time::macros::date;

/// 2025-11-23 09:26 UTC.
const NOW: i64 = 1_763_890_000_000;
const TODAY: Date = date!(2025 - 11 - 23);
const ELECTION: Date = date!(2027 - 02 - 14);
const OP: &str = "op1";
const OP2: &str = "op2";

const REGIONS: &str = "code,name,parent\n\
320405,Cibinong,3204\n\
3204052001,Sukamaju,320405\n\
3204052002,Cikaret,320405\n\
320406,Cileungsi,3204\n\
3204062001,Limus Nunggal,320406\n";

const HEADER: &str =
    "No,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Alamat,RT/RW,Desa/Kelurahan,Kecamatan,Alasan\n";

fn operators(store: &mut Store) {
    for id in [OP, OP2] {
        store
            .add_operator(
                "test",
                id,
                "Operator",
                rekam_agent::operators::Role::Operator,
                "a long enough password 42",
                0,
            )
            .expect("operator");
    }
}

fn office_with(regions_csv: &str, rows: &str) -> Store {
    let mut store = Store::in_memory().expect("store");
    operators(&mut store);
    let r = regions::parse(regions_csv.as_bytes().to_vec()).expect("regions");
    store
        .import_worklist_regions(&r, "regions.csv", "00", OP, NOW)
        .expect("regions stored");
    let report = import::import(
        &mut store,
        "list.csv",
        format!("{HEADER}{rows}").into_bytes(),
        false,
        OP,
        NOW,
    )
    .expect("import runs");
    assert!(report.committed(), "{:?}", report.bad);
    store
}

/// Three open entries in Sukamaju, one in Cikaret (Cibinong: 4), two in Limus Nunggal
/// (Cileungsi: 2).
const BACKLOG: &str = "\
1,,Ani,01-01-1990,P,Jl. Mawar 1,001/001,Sukamaju,Cibinong,\n\
2,,Budi,02-01-1990,L,Jl. Mawar 2,001/001,Sukamaju,Cibinong,\n\
3,,Citra,03-01-1990,P,Jl. Melati 3,001/002,Sukamaju,Cibinong,\n\
4,,Dedi,04-01-1990,L,Jl. Kenanga 4,002/001,Cikaret,Cibinong,\n\
5,,Eka,05-01-1990,P,Gg. Sawo 5,003/001,Limus Nunggal,Cileungsi,\n\
6,3204061006090001,Fajar Nugraha,10-06-2009,L,Gg. Sawo 6,003/001,Limus Nunggal,Cileungsi,Turns 17 before election day\n";

fn visit_to(desa: &str, day: &str) -> NewVisit {
    NewVisit {
        place_kind: PlaceKind::VillageHall,
        place_name: format!("Balai Desa {desa}"),
        desa: desa.into(),
        day: day.into(),
        unit_id: Some("MOBIL-1".into()),
        staff: vec![OP.into(), OP2.into()],
        entries: None,
    }
}

fn audited(store: &Store, action: &str) -> Vec<(String, String, String)> {
    let conn = store.raw_connection();
    let mut stmt = conn
        .prepare("SELECT actor, subject, detail FROM audit WHERE action = ?1 ORDER BY seq")
        .expect("prepare");
    stmt.query_map([action], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows")
}

#[test]
fn plan_ranks_kecamatan_then_desa_by_backlog_and_leaves_out_desa_visited_recently() {
    let mut store = office_with(REGIONS, BACKLOG);
    let plan = store.plan_visits("2025-10-24", 10).expect("plan");
    let order: Vec<(&str, u64, &str, u64)> = plan
        .iter()
        .map(|r| {
            (
                r.kecamatan.as_str(),
                r.kecamatan_backlog,
                r.desa.as_str(),
                r.backlog,
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ("Cibinong", 4, "Sukamaju", 3),
            ("Cibinong", 4, "Cikaret", 1),
            ("Cileungsi", 2, "Limus Nunggal", 2),
        ]
    );
    // A visit on or after the window's start takes the desa off the list; an older one does not.
    store
        .create_visit(&visit_to("Sukamaju", "2025-11-20"), OP, NOW)
        .expect("visit");
    store
        .create_visit(&visit_to("Cikaret", "2025-09-01"), OP, NOW)
        .expect("old visit");
    let plan = store.plan_visits("2025-10-24", 10).expect("plan");
    let desa: Vec<&str> = plan.iter().map(|r| r.desa.as_str()).collect();
    assert_eq!(desa, vec!["Cikaret", "Limus Nunggal"]);
    assert_eq!(
        plan[0].kecamatan_backlog, 4,
        "the kecamatan keeps its whole backlog"
    );
    assert_eq!(plan[0].last_visit.as_deref(), Some("2025-09-01"));
    assert_eq!(store.plan_visits("2025-10-24", 1).expect("plan").len(), 1);
}

#[test]
fn only_one_visit_is_open_at_a_time_and_a_visit_opens_only_once() {
    let mut store = office_with(REGIONS, BACKLOG);
    let a = store
        .create_visit(&visit_to("Sukamaju", "2025-11-23"), OP, NOW)
        .expect("a");
    let b = store
        .create_visit(&visit_to("Cikaret", "2025-11-23"), OP, NOW)
        .expect("b");
    store.open_visit(a, OP, NOW).expect("open a");
    let err = store.open_visit(b, OP, NOW).expect_err("b refused");
    assert!(
        err.to_string().contains(&format!("visit {a} is open")),
        "{err}"
    );
    assert_eq!(store.open_visit_now().expect("open").map(|v| v.id), Some(a));
    store.close_visit(a, OP, NOW + 1).expect("close a");
    let again = store
        .open_visit(a, OP, NOW + 2)
        .expect_err("closed stays closed");
    assert!(
        again.to_string().contains("is closed, not planned"),
        "{again}"
    );
    store
        .open_visit(b, OP, NOW + 2)
        .expect("open b after a closed");
    assert!(store.close_visit(a, OP, NOW + 3).is_err());
}

#[test]
fn every_fault_of_a_visit_to_plan_is_listed_at_once_in_the_order_of_the_form() {
    let store = office_with(REGIONS, BACKLOG);
    let mut v = visit_to("Nowhere", "23-11-2025");
    v.place_name = "  ".into();
    v.staff = vec![OP.into(), "ghost".into()];
    let problems = store.new_visit_problems(&v).expect("checked");
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert_eq!(problems[0], VisitProblem::NoPlaceName);
    assert_eq!(problems[1], VisitProblem::UnknownDesa("Nowhere".into()));
    assert!(matches!(&problems[2], VisitProblem::BadDate { day, .. } if day == "23-11-2025"));
    assert_eq!(problems[3], VisitProblem::UnknownStaff("ghost".into()));
    v.staff.clear();
    assert!(
        store
            .new_visit_problems(&v)
            .expect("checked")
            .contains(&VisitProblem::NoStaff)
    );
    assert!(
        store
            .new_visit_problems(&visit_to("Sukamaju", "2025-11-23"))
            .expect("checked")
            .is_empty(),
        "a good visit has no problems"
    );
    assert!(
        store.visits().expect("visits").is_empty(),
        "checking creates nothing"
    );
}

#[test]
fn a_visit_needs_a_known_desa_a_date_staff_with_accounts_and_open_entries() {
    let mut store = office_with(REGIONS, BACKLOG);
    let mut v = visit_to("Nowhere", "2025-11-23");
    let err = store.create_visit(&v, OP, NOW).expect_err("desa");
    assert!(
        err.to_string()
            .contains("desa \"Nowhere\" is not a configured region")
    );
    v.desa = "3204052001".into();
    v.day = "23-11-2025".into();
    assert!(store.create_visit(&v, OP, NOW).is_err());
    v.day = "2025-11-23".into();
    v.staff = vec!["ghost".into()];
    let err = store.create_visit(&v, OP, NOW).expect_err("staff");
    assert!(
        err.to_string()
            .contains("staff \"ghost\" has no operator account")
    );
    v.staff = vec![OP.into()];
    v.entries = Some(vec![999]);
    let err = store.create_visit(&v, OP, NOW).expect_err("entry");
    assert!(err.to_string().contains("no worklist entry 999"));
    v.entries = None;
    let id = store.create_visit(&v, OP, NOW).expect("by code");
    let visit = store.visit(id).expect("read").expect("visit");
    assert_eq!(visit.status, VisitStatus::Planned);
    assert_eq!(visit.desa, "Sukamaju");
    assert_eq!(visit.kecamatan_code, "320405");
    assert_eq!(visit.entries.len(), 3, "the desa's open entries by default");
    assert_eq!(
        audited(&store, "visit.new").len(),
        1,
        "refusals leave no visit"
    );
}

// ---- enrollments during a visit ----

fn applicant_born(born: Date, sex: Sex, kecamatan: &str) -> Applicant {
    let src = sample::enrollment(&SampleOptions::tiny(7, "WS-1", NOW));
    let mut a = src.applicant.clone();
    a.sex = sex;
    let day = born.day() + if sex == Sex::Female { 40 } else { 0 };
    let nik = format!(
        "{kecamatan}{day:02}{:02}{:02}0001",
        u8::from(born.month()),
        born.year() % 100
    );
    a.nik = rekam_protocol::Nik::parse(&nik).expect("consistent NIK");
    a.date_of_birth = born;
    a.marital_status = MaritalStatus::BelumKawin;
    a.address.village = "Limus Nunggal".into();
    a.address.district = "Cileungsi".into();
    a
}

fn policy() -> Policy {
    Policy {
        election_day: Some(ELECTION),
        ..Policy::default()
    }
}

fn start(applicant: Applicant, policy: Policy) -> Result<Session, WorkflowError> {
    let src = sample::enrollment(&SampleOptions::tiny(7, "WS-1", NOW));
    Session::start(src.id, applicant, src.context.clone(), policy, TODAY)
}

fn reviewed(applicant: Applicant) -> Session {
    let src = sample::enrollment(&SampleOptions::tiny(7, "WS-1", NOW));
    let mut s = start(applicant, policy()).expect("start");
    let mut face = src.biometrics.face.clone();
    face.quality.score = 90;
    s.submit_face(face).expect("face");
    s.resident_approves_face(true).expect("approve");
    s.submit_signature(src.biometrics.signature.clone())
        .expect("signature");
    for p in FingerPosition::all() {
        let mut c = src.biometrics.finger(p).expect("finger").clone();
        c.quality.score = 70;
        s.submit_finger(p, c).expect("finger");
    }
    assert_eq!(s.stage(), Stage::Review);
    s
}

/// Finalizes and returns the packet's capture-context visit.
fn finalize_here(store: &mut Store, s: &Session) -> Option<String> {
    let (key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let registry = RegistryPrivateKey::from_secret([3; 32]);
    let mut trust = TrustStore::new();
    trust
        .insert(TrustedWorkstation {
            workstation_id: s.context.workstation_id.clone(),
            key: key.public_key().clone(),
        })
        .expect("trust");
    finalize(
        store,
        s,
        &key,
        registry.public_key(),
        5 << 20,
        OP,
        Timestamp::from_unix_ms(NOW + 60_000),
        &SystemRandom::new(),
    )
    .expect("finalize");
    let due = store.outbox().due(i64::MAX, 100).expect("due");
    let mine = due
        .iter()
        .find(|d| d.enrollment_id == s.id.to_string())
        .expect("queued");
    let opened = packet::open(&mine.bytes, &registry, &trust).expect("opens");
    opened.enrollment.context.visit
}

#[test]
fn an_enrollment_finalized_during_an_open_visit_carries_it_and_counts_toward_it() {
    let mut store = office_with(REGIONS, BACKLOG);
    let id = store
        .create_visit(&visit_to("Limus Nunggal", "2025-11-23"), OP, NOW)
        .expect("visit");
    store.open_visit(id, OP, NOW).expect("open");
    // Fajar (line 6, with his NIK) is one of the visit's two targets.
    let s = reviewed(applicant_born(date!(2009 - 06 - 10), Sex::Male, "320406"));
    store
        .note_visit_session(&s.id.to_string(), id, NOW)
        .expect("noted");
    let visit = finalize_here(&mut store, &s);
    assert_eq!(
        visit,
        Some(id.to_string()),
        "the sealed packet names the visit"
    );
    assert_eq!(
        store.visit_of_enrollment(&s.id.to_string()).expect("link"),
        Some(id)
    );
    let f = store.visit_figures(id).expect("figures").expect("visit");
    assert_eq!((f.started, f.finalized), (1, 1));
    assert_eq!((f.targeted, f.targeted_matched, f.remaining), (2, 1, 1));
}

#[test]
fn an_enrollment_finalized_with_no_visit_open_carries_none() {
    let mut store = office_with(REGIONS, BACKLOG);
    let id = store
        .create_visit(&visit_to("Limus Nunggal", "2025-11-23"), OP, NOW)
        .expect("visit");
    let s = reviewed(applicant_born(date!(2009 - 06 - 10), Sex::Male, "320406"));
    assert_eq!(finalize_here(&mut store, &s), None, "planned is not open");
    assert_eq!(
        store.visit_of_enrollment(&s.id.to_string()).expect("link"),
        None
    );
    assert_eq!(store.visit_figures(id).expect("f").expect("v").finalized, 0);
}

#[test]
fn closing_a_visit_records_its_figures_and_is_audited_with_the_operator() {
    let mut store = office_with(REGIONS, BACKLOG);
    let id = store
        .create_visit(&visit_to("Limus Nunggal", "2025-11-23"), OP, NOW)
        .expect("visit");
    store.open_visit(id, OP, NOW).expect("open");
    let s = reviewed(applicant_born(date!(2009 - 06 - 10), Sex::Male, "320406"));
    store
        .note_visit_session(&s.id.to_string(), id, NOW)
        .expect("noted");
    // A second resident started but never finished: started, not finalized.
    store
        .note_visit_session("another-session", id, NOW)
        .expect("noted");
    finalize_here(&mut store, &s);
    let eka = store
        .worklist_entries(&EntryFilter {
            search: Some("Eka".into()),
            ..EntryFilter::default()
        })
        .expect("eka")[0]
        .id;
    store
        .close_worklist_entry(
            eka,
            rekam_agent::store::worklist::Outcome::MovedAway,
            None,
            OP2,
            NOW,
        )
        .expect("closed");
    let f = store.close_visit(id, OP2, NOW + 3_600_000).expect("close");
    assert_eq!((f.started, f.finalized, f.first_time_voters), (2, 1, 1));
    assert_eq!(
        (
            f.targeted,
            f.targeted_matched,
            f.targeted_closed,
            f.remaining
        ),
        (2, 1, 1, 0)
    );
    let v = store.visit(id).expect("read").expect("visit");
    assert_eq!(v.status, VisitStatus::Closed);
    assert_eq!(v.figures, Some(f), "the figures are kept with the visit");
    assert_eq!(v.closed, Some((OP2.to_string(), NOW + 3_600_000)));
    let closes = audited(&store, "visit.close");
    assert_eq!(closes.len(), 1);
    assert_eq!(closes[0].0, OP2);
    assert_eq!(closes[0].1, id.to_string());
    assert!(closes[0].2.contains("\"finalized\":1"), "{}", closes[0].2);
    assert_eq!(audited(&store, "visit.open")[0].0, OP);
    assert!(store.verify_audit().expect("chain") > 0);
}

// ---- election day ----

#[test]
fn a_16_year_old_who_turns_17_by_election_day_may_record_and_is_flagged_a_first_time_voter() {
    // 16 since June 2025, 17 in June 2026: after this year, before the election.
    let a = applicant_born(date!(2009 - 06 - 10), Sex::Male, "320406");
    let refused = start(a.clone(), Policy::default()).expect_err("no election, too young");
    assert!(refused.to_string().contains("after this year"), "{refused}");
    let s = reviewed(a);
    assert_eq!(
        s.eligibility,
        Eligibility::EarlyRecording {
            card_from: date!(2026 - 06 - 10)
        }
    );
    assert!(s.first_time_voter());
    let mut store = office_with(REGIONS, BACKLOG);
    finalize_here(&mut store, &s);
    assert!(store.is_first_time_voter(&s.id.to_string()).expect("flag"));
}

#[test]
fn a_resident_younger_than_16_is_refused_with_the_election_day_in_the_reason() {
    // 17 in January 2027, before the election, but only 15 today.
    let a = applicant_born(date!(2010 - 01 - 10), Sex::Female, "320406");
    let err = start(a, policy()).expect_err("too young");
    let text = err.to_string();
    assert!(text.contains("applicant.date_of_birth"), "{text}");
    assert!(text.contains("turns 17 on 2027-01-10"), "{text}");
    assert!(text.contains("after election day 2027-02-14"), "{text}");
}

#[test]
fn an_adult_is_no_first_time_voter_and_nobody_is_without_an_election_day() {
    let adult = reviewed(applicant_born(date!(1990 - 01 - 05), Sex::Female, "320406"));
    assert!(!adult.first_time_voter());
    let mut store = office_with(REGIONS, BACKLOG);
    finalize_here(&mut store, &adult);
    assert!(
        !store
            .is_first_time_voter(&adult.id.to_string())
            .expect("flag")
    );
    let young = applicant_born(date!(2008 - 12 - 01), Sex::Male, "320406");
    let s = start(young, Policy::default()).expect("turns 17 this year");
    assert!(!s.first_time_voter(), "no election day, no flag");
}

#[test]
fn worklist_entries_of_residents_17_by_election_day_but_not_at_import_are_flagged() {
    let store = office_with(REGIONS, BACKLOG);
    let flagged: Vec<String> = store
        .worklist_entries(&EntryFilter::default())
        .expect("entries")
        .into_iter()
        .filter(|e| e.first_time_voter(ELECTION, 420))
        .map(|e| e.name)
        .collect();
    assert_eq!(flagged, vec!["Fajar Nugraha"]);
    let none = store
        .worklist_entries(&EntryFilter::default())
        .expect("entries")
        .iter()
        .filter(|e| e.first_time_voter(date!(2026 - 01 - 01), 420))
        .count();
    assert_eq!(none, 0, "not 17 by an earlier election");
}

// ---- search ----

fn found(store: &Store, words: &str) -> Vec<String> {
    store
        .worklist_entries(&EntryFilter {
            search: Some(words.into()),
            ..EntryFilter::default()
        })
        .expect("search")
        .into_iter()
        .map(|e: Entry| e.name)
        .collect()
}

#[test]
fn search_finds_entries_by_name_nik_and_address_and_every_word_must_match() {
    let store = office_with(REGIONS, BACKLOG);
    assert_eq!(found(&store, "fajar"), vec!["Fajar Nugraha"]);
    assert_eq!(found(&store, "NUGRAHA  fajar"), vec!["Fajar Nugraha"]);
    assert_eq!(found(&store, "3204061006"), vec!["Fajar Nugraha"]);
    assert_eq!(found(&store, "mawar"), vec!["Ani", "Budi"]);
    assert_eq!(found(&store, "mawar 2"), vec!["Budi"]);
    assert_eq!(found(&store, "sawo"), vec!["Eka", "Fajar Nugraha"]);
    assert!(found(&store, "%").is_empty(), "wildcards are literal");
    assert!(found(&store, "-").is_empty());
    assert_eq!(found(&store, "").len(), 6);
}

#[test]
fn search_combines_with_a_visits_targets_and_status() {
    let mut store = office_with(REGIONS, BACKLOG);
    let id = store
        .create_visit(&visit_to("Sukamaju", "2025-11-23"), OP, NOW)
        .expect("visit");
    let of_visit = store
        .worklist_entries(&EntryFilter {
            visit: Some(id),
            status: Some(EntryStatus::Open),
            search: Some("jl.".into()),
            ..EntryFilter::default()
        })
        .expect("entries");
    let names: Vec<&str> = of_visit.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, vec!["Ani", "Budi", "Citra"]);
}

#[test]
fn a_version_6_database_gains_the_visit_tables_when_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    drop(Store::open(&db).expect("create"));
    {
        let conn = rusqlite::Connection::open(&db).expect("raw");
        conn.execute_batch(
            "DROP TABLE visit_targets; DROP TABLE visit_sessions; DROP TABLE visits;
             DROP TABLE first_time_voters; PRAGMA user_version = 6;",
        )
        .expect("downgrade");
    }
    let store = Store::open(&db).expect("migrate");
    assert!(store.visits().expect("visits").is_empty());
    assert_eq!(store.plan_visits("2025-01-01", 5).expect("plan").len(), 0);
}

// ---- the command line ----

fn rekam(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(args)
        .output()
        .expect("run rekam")
}

fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_command_line_plans_opens_closes_lists_and_shows_visits_and_lists_first_time_voters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    {
        let mut store = Store::open(&db).expect("create");
        operators(&mut store);
    }
    let dbs = db.to_str().expect("utf-8 path");
    let regions = file(dir.path(), "regions.csv", REGIONS);
    ok(&rekam(&[
        "worklist",
        "regions",
        "import",
        "--db",
        dbs,
        regions.to_str().expect("p"),
        "--by",
        OP,
    ]));
    // Turns 17 a year and a day from now: before an election two years away.
    let now = time::OffsetDateTime::now_utc().date();
    let young = now.replace_year(now.year() - 16).unwrap_or(now) + time::Duration::days(1);
    let list = format!(
        "{HEADER}1,,Ani,01-01-1990,P,Jl. Mawar 1,001/001,Sukamaju,Cibinong,\n\
         2,,Gita Pemula,{},P,Jl. Mawar 9,001/001,Sukamaju,Cibinong,Turns 17 before election day\n\
         3,,Dedi,04-01-1990,L,Jl. Kenanga 4,002/001,Cikaret,Cibinong,\n",
        young
            .format(time::macros::format_description!("[day]-[month]-[year]"))
            .expect("date")
    );
    let listf = file(dir.path(), "list.csv", &list);
    ok(&rekam(&[
        "worklist",
        "import",
        "--db",
        dbs,
        listf.to_str().expect("p"),
        "--by",
        OP,
    ]));
    let election = now.replace_year(now.year() + 2).unwrap_or(now);
    let config = file(
        dir.path(),
        "rekam.toml",
        &format!(
            "[agent]\nunit = \"mobile\"\nworkstation_id = \"MOBIL-7\"\n[election]\nday = \"{election}\"\n"
        ),
    );
    let cfg = config.to_str().expect("p");

    let plan = ok(&rekam(&["visit", "plan", "--db", dbs]));
    let first = plan.lines().next().expect("a suggestion");
    assert!(
        first.contains("Cibinong (320405)") && first.contains("Sukamaju"),
        "{plan}"
    );

    let out = rekam(&[
        "visit",
        "new",
        "--db",
        dbs,
        "--place-kind",
        "school",
        "--place",
        "SMAN 1 Cibinong",
        "--desa",
        "Sukamaju",
        "--date",
        &now.to_string(),
        "--staff",
        "op1,op2",
        "--config",
        cfg,
        "--by",
        OP,
    ]);
    let text = ok(&out);
    assert!(
        text.contains("visit 1 planned: school SMAN 1 Cibinong, Sukamaju, Cibinong"),
        "{text}"
    );
    assert!(text.contains("(2 worklist entries)"), "{text}");
    let unknown = rekam(&[
        "visit",
        "new",
        "--db",
        dbs,
        "--place-kind",
        "school",
        "--place",
        "X",
        "--desa",
        "Sukamaju",
        "--date",
        &now.to_string(),
        "--staff",
        "op1",
        "--by",
        "nobody",
    ]);
    assert_eq!(
        unknown.status.code(),
        Some(1),
        "an unknown operator is refused"
    );

    ok(&rekam(&["visit", "open", "--db", dbs, "1", "--by", OP]));
    let plan = ok(&rekam(&["visit", "plan", "--db", dbs]));
    assert!(!plan.contains("Sukamaju"), "visited today: {plan}");
    let closed = ok(&rekam(&["visit", "close", "--db", dbs, "1", "--by", OP2]));
    assert!(closed.contains("visit 1 closed"), "{closed}");
    assert!(
        closed.contains("worklist entries targeted 2, matched 0, closed 0, remaining 2"),
        "{closed}"
    );
    let again = rekam(&["visit", "close", "--db", dbs, "1", "--by", OP2]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("visit 1 is closed, not open"));

    let listed = ok(&rekam(&["visit", "list", "--db", dbs]));
    assert!(
        listed.contains("closed") && listed.contains("SMAN 1 Cibinong"),
        "{listed}"
    );
    let shown = ok(&rekam(&["visit", "show", "--db", dbs, "1", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(v["unit_id"], "MOBIL-7");
    assert_eq!(v["staff"], serde_json::json!(["op1", "op2"]));
    assert_eq!(v["figures"]["targeted"], 2);

    let voters = ok(&rekam(&[
        "worklist",
        "list",
        "--db",
        dbs,
        "--first-time-voters",
        "--config",
        cfg,
    ]));
    assert!(
        voters.contains("Gita Pemula") && voters.contains("pemilih pemula"),
        "{voters}"
    );
    assert!(!voters.contains("Ani"), "{voters}");
    assert!(
        voters.contains("1 entries, 1 first-time voters"),
        "{voters}"
    );
    let json = ok(&rekam(&[
        "worklist", "list", "--db", dbs, "--json", "--config", cfg,
    ]));
    let entries: serde_json::Value = serde_json::from_str(&json).expect("json");
    let flags: Vec<(String, bool)> = entries
        .as_array()
        .expect("array")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default().to_string(),
                e["first_time_voter"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert!(flags.contains(&("Gita Pemula".into(), true)), "{flags:?}");
    assert!(flags.contains(&("Ani".into(), false)), "{flags:?}");
    let no_election = rekam(&["worklist", "list", "--db", dbs, "--first-time-voters"]);
    assert_eq!(no_election.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_election.stderr).contains("needs an election day"));
}
