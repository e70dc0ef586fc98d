//! The field-operations loop end to end, as issue 15 asks for it: the office imports a village
//! list (a Windows-1252 CSV, as spreadsheets save it); a mobile unit works through a simulated
//! week offline (Monday to Friday, one visit a day, each planned from the console's suggestion,
//! opened and closed by the supervisor there), starting each enrollment from the list in
//! the console with the resident's data filled in, confirming a name/date/desa match, and closing
//! the entries of residents who died, moved, were not found, refused or recorded elsewhere; every
//! packet waits in the outbox while the registry is out of reach; back at the office on Saturday
//! the outbox drains exactly once; and the office head reads, per kecamatan, what was done, what
//! remains and which entries are deceased or moved, in the console and in the signed report,
//! which verifies against the workstation key and fails once edited.
//!
//! The agent runs in-process on simulated devices with its wall clock injected, so "Monday" and
//! "Saturday" are real dates to every part of it (sessions, visits, audit, figures).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use rekam_agent::config::Config;
use rekam_agent::console::{ConsoleState, router};
use rekam_agent::devices::{DeviceManager, simulated_kit};
use rekam_agent::office::figures::report;
use rekam_agent::office::worklist::{import, regions};
use rekam_agent::operators::{Operator, Role};
use rekam_agent::service::Agent;
use rekam_agent::store::Store;
use rekam_agent::uploader::{self, Client};
use rekam_agent::workflow::Eye;
use rekam_drivers::fingerprint::Slap;
use rekam_protocol::model::FingerPosition;
use rekam_protocol::{
    RegistryPrivateKey, SignatureAlgorithm, TrustStore, TrustedWorkstation, WorkstationSigningKey,
};
use rekam_sim::registry::{Registry, RegistryConfig};
use ring::rand::SystemRandom;
use support::{Browser, Console, PASSWORD, signed_in};
use tokio::net::TcpListener;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
/// Monday 2026-11-16 00:00 WIB.
const MONDAY: i64 = 1_794_762_000_000;

/// The agent's wall clock: one per test binary (this file has one test).
static WALL: AtomicI64 = AtomicI64::new(MONDAY + 8 * HOUR);

fn wall() -> i64 {
    WALL.load(Ordering::SeqCst)
}

/// Sets the clock to `day` (0 = Monday) at `hour`:`minute` WIB.
fn at(day: i64, hour: i64, minute: i64) {
    WALL.store(
        MONDAY + day * DAY + hour * HOUR + minute * MIN,
        Ordering::SeqCst,
    );
}

fn tick(minutes: i64) {
    WALL.fetch_add(minutes * MIN, Ordering::SeqCst);
}

const REGIONS: &str = "code,name,parent\n\
320405,Cibinong,3204\n\
3204052001,Sukamaju,320405\n\
3204052002,Cikaret,320405\n\
320406,Cileungsi,3204\n\
3204062001,Limus Nunggal,320406\n\
3204062002,Cipenjo,320406\n";

/// One resident on the village list.
#[derive(Clone)]
struct Resident {
    name: &'static str,
    born: (u8, u8, i32),
    female: bool,
    desa: &'static str,
    kecamatan: &'static str,
    kecamatan_code: &'static str,
    /// Whether the office's list knows the NIK.
    nik_listed: bool,
    reason: &'static str,
}

impl Resident {
    /// The resident's NIK: kecamatan, birth date (day + 40 for women), serial.
    fn nik(&self, serial: usize) -> String {
        let (d, m, y) = self.born;
        let day = u32::from(d) + if self.female { 40 } else { 0 };
        format!(
            "{}{day:02}{m:02}{:02}{serial:04}",
            self.kecamatan_code,
            y.rem_euclid(100)
        )
    }
}

fn r(
    name: &'static str,
    born: (u8, u8, i32),
    female: bool,
    desa: &'static str,
    nik_listed: bool,
    reason: &'static str,
) -> Resident {
    let (kecamatan, kecamatan_code) = match desa {
        "Sukamaju" | "Cikaret" => ("Cibinong", "320405"),
        "Limus Nunggal" | "Cipenjo" => ("Cileungsi", "320406"),
        other => panic!("no desa {other} in the regions"),
    };
    Resident {
        name,
        born,
        female,
        desa,
        kecamatan,
        kecamatan_code,
        nik_listed,
        reason,
    }
}

/// The list: eight residents in Cibinong (Sukamaju, Cikaret), eight in Cileungsi (Limus
/// Nunggal, Cipenjo). Indra turns 17 on 10 January 2027, before the election.
fn list() -> Vec<Resident> {
    const NOT_YET: &str = "Belum rekam";
    vec![
        r("Siti Aminah", (1, 1, 1990), true, "Sukamaju", true, NOT_YET),
        r(
            "Budi Hartono",
            (12, 3, 1985),
            false,
            "Sukamaju",
            false,
            NOT_YET,
        ),
        r(
            "Citra Lestari",
            (30, 7, 1978),
            true,
            "Sukamaju",
            true,
            NOT_YET,
        ),
        r("Darto", (5, 5, 1940), false, "Sukamaju", true, NOT_YET),
        r(
            "Eko Prasetyo",
            (9, 9, 1995),
            false,
            "Sukamaju",
            false,
            NOT_YET,
        ),
        r(
            "Fitri Handayani",
            (2, 2, 1992),
            true,
            "Cikaret",
            true,
            NOT_YET,
        ),
        r("Gunawan", (11, 11, 1988), false, "Cikaret", false, NOT_YET),
        r(
            "Hesti Wulandari",
            (12, 12, 1999),
            true,
            "Cikaret",
            true,
            NOT_YET,
        ),
        r(
            "Indra Pemula",
            (10, 1, 2010),
            false,
            "Limus Nunggal",
            true,
            "Genap 17 sebelum hari pemungutan suara",
        ),
        r(
            "Joko Susilo",
            (4, 4, 1970),
            false,
            "Limus Nunggal",
            true,
            NOT_YET,
        ),
        r(
            "Kartini",
            (17, 8, 1983),
            true,
            "Limus Nunggal",
            false,
            NOT_YET,
        ),
        r(
            "Lina Marlina",
            (6, 6, 2001),
            true,
            "Limus Nunggal",
            true,
            NOT_YET,
        ),
        r(
            "Marsinah",
            (3, 3, 1936),
            true,
            "Cipenjo",
            true,
            "Lansia, rekam di rumah",
        ),
        r(
            "Nur Hidayat",
            (10, 10, 1990),
            false,
            "Cipenjo",
            false,
            NOT_YET,
        ),
        r(
            "Oki Saputra",
            (3, 3, 1993),
            false,
            "Cipenjo",
            false,
            NOT_YET,
        ),
        r("Putri Ayu", (20, 1, 2000), true, "Cipenjo", true, NOT_YET),
    ]
}

/// `name`'s line on the list (its serial) and row.
fn resident(name: &str) -> (usize, Resident) {
    list()
        .into_iter()
        .enumerate()
        .find(|(_, r)| r.name == name)
        .map(|(i, r)| (i + 1, r))
        .expect("on the list")
}

/// The list as the office's spreadsheet saves it: Windows-1252 with `;` and day-first dates.
fn list_file() -> Vec<u8> {
    let mut text = String::from(
        "No;NIK;Nama;Tanggal Lahir;Jenis Kelamin;Alamat;RT/RW;Desa/Kelurahan;Kecamatan;Alasan\r\n",
    );
    for (i, r) in list().iter().enumerate() {
        let (d, m, y) = r.born;
        text.push_str(&format!(
            "{};{};{};{d:02}/{m:02}/{y};{};Jl. Raya {} No. {};00{}/00{};{};{};{}\r\n",
            i + 1,
            if r.nik_listed {
                r.nik(i + 1)
            } else {
                String::new()
            },
            r.name,
            if r.female { "P" } else { "L" },
            r.desa,
            i + 1,
            i % 3 + 1,
            i % 2 + 1,
            r.desa,
            r.kecamatan,
            r.reason
        ));
    }
    // A reason with a character Windows-1252 has at a byte of its own (the en dash, 0x96).
    text.push_str("17;;Ratna Sari;01/01/1980;P;Jl. Raya Cikaret No. 17;001/002;Cikaret;Cibinong;Belum rekam \u{2013} data lama\r\n");
    let (bytes, _, lossy) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!lossy);
    bytes.into_owned()
}

fn op() -> Operator {
    Operator {
        id: "op".into(),
        name: "Siti Operator".into(),
        role: Role::Operator,
    }
}

struct Office {
    console: Console,
    registry_key: RegistryPrivateKey,
    workstation: rekam_protocol::VerifyingKey,
}

async fn office() -> Office {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let public = key.public_key().clone();
    let registry_key = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    config.agent.unit = "mobile".into();
    config.agent.workstation_id = "MOBIL-3204-1".into();
    config.election.day = Some(time::macros::date!(2027 - 02 - 17));
    let (f, c, p, i) = simulated_kit(11, true, false);
    let devices = DeviceManager::new(f, c, p, i, config.capture_timeout());
    let mut store = Store::in_memory().expect("store");
    for (id, name, role) in [
        ("op", "Siti Operator", Role::Operator),
        ("op2", "Rahmat Petugas", Role::Operator),
        ("spv", "Budi Supervisor", Role::Supervisor),
        ("kepala", "Ibu Kepala Dinas", Role::Admin),
    ] {
        store
            .add_operator("test", id, name, role, PASSWORD, 0)
            .expect("add operator");
    }
    let mut agent = Agent::new(config, store, devices, key, *registry_key.public_key());
    agent.clock = wall;
    let agent = Arc::new(agent);
    let state = ConsoleState::new(agent.clone());
    let app = router(state.clone());
    Office {
        console: Console { agent, state, app },
        registry_key,
        workstation: public,
    }
}

/// The values a form page sends as it stands: inputs and each select's selected option.
fn form_values(html: &str) -> Vec<(String, String)> {
    fn attr(tag: &str, name: &str) -> Option<String> {
        let marker = format!(" {name}=\"");
        let at = tag.find(&marker)? + marker.len();
        let end = tag[at..].find('"')?;
        Some(
            tag[at..at + end]
                .replace("&amp;", "&")
                .replace("&quot;", "\"")
                .replace("&#x27;", "'")
                .replace("&#39;", "'"),
        )
    }
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if tag.starts_with("<input ") {
            if let Some(name) = attr(tag, "name").filter(|n| n != "_csrf") {
                out.push((name, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<select ") {
            let name = attr(tag, "name").expect("select name");
            let close = rest.find("</select>").expect("select end");
            let options = &rest[..close];
            let chosen = options
                .split("<option ")
                .skip(1)
                .find(|o| o.contains(" selected>") || o.contains(" selected "))
                .and_then(|o| attr(&format!(" {o}"), "value"))
                .unwrap_or_default();
            out.push((name, chosen));
        }
        rest = &rest[end.min(rest.len())..];
        if rest.len() <= 1 {
            break;
        }
        rest = &rest[1..];
    }
    out
}

fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    let f = fields
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("the form has no {name}"));
    f.1 = value.to_string();
}

fn value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("the form has no {name}"))
}

async fn entry_id(c: &Console, name: &str) -> i64 {
    let name = name.to_string();
    c.agent
        .with_store(move |s| {
            Ok(s.raw_connection()
                .query_row(
                    "SELECT id FROM worklist_entries WHERE name = ?1",
                    [&name],
                    |r| r.get(0),
                )
                .expect("entry"))
        })
        .await
        .expect("id")
}

/// The operator finds the resident in the visit's list, opens the start form from it, checks
/// what the list filled in, types the rest from the resident's documents and starts; the
/// captures follow on the simulated kit; then finalize. Returns the enrollment id.
async fn enroll_from_list(o: &Office, b: &mut Browser, name: &str) -> String {
    let c = &o.console;
    let (serial, who) = resident(name);
    let first = name.split(' ').next().expect("a name");
    let list = b
        .get(&c.app, &format!("/desk/worklist?q={}", support::enc(first)))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let id = entry_id(c, name).await;
    let href = format!("/desk/new?entry={id}");
    assert!(
        list.body.contains(&format!("href=\"{href}\"")),
        "{name} is in the open visit's list: {}",
        list.body
    );
    let form = b.get(&c.app, &href).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let mut fields = form_values(&form.body);
    // What the list filled in.
    let (d, m, y) = who.born;
    assert_eq!(value(&fields, "full_name"), name);
    assert_eq!(
        value(&fields, "date_of_birth"),
        format!("{y}-{m:02}-{d:02}")
    );
    assert_eq!(value(&fields, "village"), who.desa);
    assert_eq!(value(&fields, "district"), who.kecamatan);
    assert_eq!(
        value(&fields, "sex"),
        if who.female { "female" } else { "male" }
    );
    assert!(
        !value(&fields, "visit_location").is_empty(),
        "the visit's place is filled in"
    );
    if who.nik_listed {
        assert_eq!(value(&fields, "nik"), who.nik(serial));
    } else {
        assert_eq!(value(&fields, "nik"), "", "the list has no NIK for {name}");
        set(&mut fields, "nik", &who.nik(serial));
    }
    // What the operator types from the resident's family card.
    for (k, v) in [
        ("place_of_birth", "Bogor"),
        ("regency", "Kabupaten Bogor"),
        ("province", "Jawa Barat"),
        ("religion", "islam"),
        ("occupation", "Wiraswasta"),
    ] {
        set(&mut fields, k, v);
    }
    set(
        &mut fields,
        "marital_status",
        if y >= 2008 { "belum_kawin" } else { "kawin" },
    );
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let started = b.post(&c.app, "/desk/new", &pairs).await;
    assert_eq!(
        started.status,
        StatusCode::SEE_OTHER,
        "{name} starts: {}",
        started.body
    );
    let enrollment = started
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/desk/"))
        .and_then(|l| l.strip_suffix("/face"))
        .expect("to the face step")
        .to_string();
    capture_all(&c.agent, &enrollment).await;
    // The operator follows the captures on the desk (activity keeps the console unlocked).
    for _ in 0..3 {
        tick(3);
        let desk = b.get(&c.app, &format!("/desk/{enrollment}")).await;
        assert_ne!(desk.status, StatusCode::UNAUTHORIZED);
    }
    c.agent
        .finalize(&op(), &enrollment)
        .await
        .expect("finalize");
    tick(2);
    enrollment
}

/// Face (until kept) with the resident's approval, signature, slaps, fingers left, irises.
async fn capture_all(agent: &Agent, id: &str) {
    for _ in 0..5 {
        if agent
            .capture_face(&op(), id)
            .await
            .expect("face")
            .session
            .face
            .done
        {
            break;
        }
    }
    agent.approve_face(&op(), id, true).await.expect("approve");
    agent.capture_signature(&op(), id).await.expect("signature");
    for slap in [Slap::RightFour, Slap::LeftFour, Slap::Thumbs] {
        let _ = agent.capture_slap(&op(), id, slap).await;
    }
    for _ in 0..10 {
        let s = agent.summary(id).await.expect("summary");
        let Some(&code) = s.fingers_missing.first() else {
            break;
        };
        let _ = agent
            .capture_finger(&op(), id, FingerPosition::new(code).expect("position"))
            .await;
    }
    for eye in [Eye::Right, Eye::Left, Eye::Right, Eye::Left] {
        if agent.summary(id).await.expect("summary").stage == rekam_agent::workflow::Stage::Review {
            break;
        }
        let _ = agent.capture_iris(&op(), id, eye).await;
    }
    let s = agent.summary(id).await.expect("summary");
    assert_eq!(
        s.stage,
        rekam_agent::workflow::Stage::Review,
        "at review: {s:?}"
    );
}

/// Closes `name`'s entry in the console with `outcome` and a note.
async fn close_entry(c: &Console, b: &mut Browser, name: &str, outcome: &str, note: &str) {
    let id = entry_id(c, name).await;
    let href = format!("/desk/worklist/{id}/close");
    b.get(&c.app, &href).await;
    let done = b
        .post(&c.app, &href, &[("outcome", outcome), ("note", note)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{name}: {}", done.body);
}

/// The supervisor plans the day's visit in the console (from the planning suggestion for `desa`
/// unless it is a `revisit`) and opens it; returns its id.
async fn plan_and_open(
    c: &Console,
    kind: &str,
    place: &str,
    desa: &str,
    day: &str,
    revisit: bool,
) -> i64 {
    let mut spv = signed_in(c, "spv").await;
    let list = spv.get(&c.app, "/visits").await;
    assert_eq!(list.status, StatusCode::OK);
    let code = match desa {
        "Sukamaju" => "3204052001",
        "Cikaret" => "3204052002",
        "Limus Nunggal" => "3204062001",
        "Cipenjo" => "3204062002",
        other => panic!("no desa {other}"),
    };
    let suggestion = format!("/visits/new?desa={code}");
    let suggested = list.body.contains(&format!("href=\"{suggestion}\""));
    if revisit {
        // A desa visited this week is left out of the suggestions: the form is opened plainly.
        assert!(!suggested, "{desa} was visited days ago: {}", list.body);
        spv.get(&c.app, "/visits/new").await;
    } else {
        assert!(suggested, "{desa} is among the suggestions: {}", list.body);
        let form = spv.get(&c.app, &suggestion).await;
        assert!(
            form.body.contains(&format!(
                "<option value=\"{code}\" selected>{desa} ({code})</option>"
            )),
            "the suggestion chooses the desa: {}",
            form.body
        );
    }
    let planned = spv
        .post(
            &c.app,
            "/visits/new",
            &[
                ("place_kind", kind),
                ("place_name", place),
                ("desa", code),
                ("day", day),
                ("unit", "MOBIL-3204-1"),
                ("staff", "op"),
                ("staff", "op2"),
            ],
        )
        .await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.body);
    let id: i64 = planned
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/visits/"))
        .and_then(|l| l.split('?').next())
        .and_then(|n| n.parse().ok())
        .expect("to the visit's page");
    spv.get(&c.app, &format!("/visits/{id}")).await;
    let opened = spv.post(&c.app, &format!("/visits/{id}/open"), &[]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    id
}

/// The supervisor closes the visit in the console; returns the figures it kept.
async fn close_visit(c: &Console, id: i64) -> rekam_agent::store::visits::VisitFigures {
    let mut spv = signed_in(c, "spv").await;
    spv.get(&c.app, &format!("/visits/{id}")).await;
    let closed = spv.post(&c.app, &format!("/visits/{id}/close"), &[]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    c.agent
        .with_store(move |s| Ok(s.visit(id)?.expect("visit").figures))
        .await
        .expect("visit")
        .expect("figures kept on closing")
}

/// The evening: the unit tries the registry (out of reach in the field); nothing is delivered
/// and every packet made so far is still waiting.
async fn evening_offline(c: &Console, unreachable: &Client, made: usize) {
    tick(60);
    let sent = uploader::drain_once(&c.agent, unreachable)
        .await
        .expect("a failed round is not an error");
    assert_eq!(sent, 0);
    let waiting = c
        .agent
        .with_store(|s| Ok(s.outbox().due(i64::MAX, 1000)?.len()))
        .await
        .expect("outbox");
    assert_eq!(
        waiting, made,
        "every packet of the week waits in the outbox"
    );
}

/// The cells of the row headed `key` in the table `id` of `html`, tags stripped.
fn row(html: &str, id: &str, key: &str) -> Vec<String> {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let table = &html[start..start + html[start..].find("</table>").expect("table end")];
    let head = format!(">{key}</th>");
    let tr = table
        .split("<tr")
        .find(|tr| tr.contains(&head))
        .unwrap_or_else(|| panic!("no row {key} in {id}: {table}"));
    let after = &tr[tr.find(&head).expect("head") + head.len()..];
    after
        .split("<td")
        .skip(1)
        .map(|cell| {
            let body = &cell[cell.find('>').expect("cell") + 1..];
            let mut text = String::new();
            let mut in_tag = false;
            for ch in body.split("</td>").next().unwrap_or_default().chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.trim().to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_imports_a_list_a_mobile_unit_works_it_for_a_week_offline_and_the_head_reads_what_is_done_and_what_remains()
 {
    let o = office().await;
    let c = &o.console;

    // ---- Monday morning at the office: the regions and the village list. ----
    at(0, 7, 30);
    let now = wall();
    let report_of_import = c
        .agent
        .with_store(move |s| {
            let r = regions::parse(REGIONS.as_bytes().to_vec()).expect("regions");
            s.import_worklist_regions(&r, "wilayah.csv", "00", "spv", now)?;
            Ok(import::import(
                s,
                "sasaran-kec-cibinong-cileungsi.csv",
                list_file(),
                false,
                "spv",
                now,
            )
            .expect("import runs"))
        })
        .await
        .expect("import");
    assert!(report_of_import.committed(), "{:?}", report_of_import.bad);
    let ratna = entry_id(c, "Ratna Sari").await;
    let reason = c
        .agent
        .with_store(move |s| Ok(s.worklist_entry(ratna)?.expect("entry").reason))
        .await
        .expect("reason");
    assert_eq!(
        reason, "Belum rekam \u{2013} data lama",
        "read as Windows-1252"
    );

    // The registry is out of reach all week: a port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("port");
    let nowhere = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let registry = Registry::new(RegistryConfig {
        registry_id: "REG-JABAR".into(),
        key: o.registry_key.clone(),
        trust: {
            let mut t = TrustStore::new();
            t.insert(TrustedWorkstation {
                workstation_id: "MOBIL-3204-1".into(),
                key: o.workstation.clone(),
            })
            .expect("trust");
            t
        },
        receipt_key: WorkstationSigningKey::generate(
            SignatureAlgorithm::Ed25519,
            &SystemRandom::new(),
        )
        .expect("receipt key")
        .0,
        unavailable_rate: 0.0,
        seed: 15,
        print_delay_ms: 0,
        card_media: None,
    });
    let unreachable =
        Client::new(&nowhere, None, registry.trusted(), Duration::from_secs(1)).expect("client");
    let mut made = 0;

    // ---- Monday: the village hall of Sukamaju. ----
    at(0, 8, 0);
    let v1 = plan_and_open(
        c,
        "village_hall",
        "Balai Desa Sukamaju",
        "Sukamaju",
        "2026-11-16",
        false,
    )
    .await;
    let mut b = signed_in(c, "op").await;
    for name in ["Siti Aminah", "Budi Hartono", "Citra Lestari"] {
        enroll_from_list(&o, &mut b, name).await;
        made += 1;
    }
    // Budi was listed without a NIK: his enrollment waits for the operator's confirmation.
    let budi = entry_id(c, "Budi Hartono").await;
    let waiting = b.get(&c.app, "/desk/worklist/candidates").await;
    let href = waiting
        .body
        .split("href=\"")
        .skip(1)
        .map(|h| &h[..h.find('"').expect("end")])
        .find(|h| h.starts_with(&format!("/desk/worklist/candidates/{budi}/")))
        .expect("Budi's candidate")
        .to_string();
    b.get(&c.app, &href).await;
    let confirmed = b.post(&c.app, &href, &[("same", "same")]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    close_entry(
        c,
        &mut b,
        "Darto",
        "deceased",
        "Kata Kepala Desa: wafat September 2026",
    )
    .await;
    at(0, 15, 0);
    let f = close_visit(c, v1).await;
    assert_eq!(
        (
            f.started,
            f.finalized,
            f.targeted,
            f.targeted_matched,
            f.targeted_closed,
            f.remaining
        ),
        (3, 3, 5, 3, 1, 1),
        "Monday: Eko is still to record"
    );
    evening_offline(c, &unreachable, made).await;

    // ---- Tuesday: Cikaret. ----
    at(1, 8, 0);
    let v2 = plan_and_open(
        c,
        "village_hall",
        "Balai Desa Cikaret",
        "Cikaret",
        "2026-11-17",
        false,
    )
    .await;
    let mut b = signed_in(c, "op2").await;
    enroll_from_list(&o, &mut b, "Fitri Handayani").await;
    made += 1;
    close_entry(
        c,
        &mut b,
        "Gunawan",
        "moved-away",
        "Pindah ke Bekasi menurut Ketua RT",
    )
    .await;
    at(1, 15, 0);
    let f = close_visit(c, v2).await;
    assert_eq!(
        (f.finalized, f.remaining),
        (1, 2),
        "Hesti and Ratna were away"
    );
    evening_offline(c, &unreachable, made).await;

    // ---- Wednesday: a school in Limus Nunggal (a first-time voter among them). ----
    at(2, 8, 0);
    let v3 = plan_and_open(
        c,
        "school",
        "SMAN 1 Cileungsi",
        "Limus Nunggal",
        "2026-11-18",
        false,
    )
    .await;
    let mut b = signed_in(c, "op").await;
    let list = b.get(&c.app, "/desk/worklist?q=indra").await;
    assert!(
        list.body.contains("data-first-time-voter"),
        "Indra is flagged"
    );
    for name in ["Indra Pemula", "Joko Susilo"] {
        enroll_from_list(&o, &mut b, name).await;
        made += 1;
    }
    close_entry(c, &mut b, "Kartini", "not-found", "Rumah kosong").await;
    at(2, 15, 0);
    let f = close_visit(c, v3).await;
    assert_eq!((f.finalized, f.first_time_voters, f.remaining), (2, 1, 1));
    evening_offline(c, &unreachable, made).await;

    // ---- Thursday: homes in Cipenjo (the elderly record at home). ----
    at(3, 8, 0);
    let v4 = plan_and_open(
        c,
        "home",
        "Rumah Ibu Marsinah",
        "Cipenjo",
        "2026-11-19",
        false,
    )
    .await;
    let mut b = signed_in(c, "op2").await;
    enroll_from_list(&o, &mut b, "Marsinah").await;
    made += 1;
    close_entry(c, &mut b, "Nur Hidayat", "refused", "").await;
    close_entry(
        c,
        &mut b,
        "Putri Ayu",
        "recorded-elsewhere",
        "Rekam di Disdukcapil Kota Bogor",
    )
    .await;
    at(3, 15, 0);
    close_visit(c, v4).await;
    evening_offline(c, &unreachable, made).await;

    // ---- Friday: back to Cikaret for Hesti. ----
    at(4, 8, 0);
    let v5 = plan_and_open(
        c,
        "village_hall",
        "Balai Desa Cikaret",
        "Cikaret",
        "2026-11-20",
        true,
    )
    .await;
    let mut b = signed_in(c, "op").await;
    enroll_from_list(&o, &mut b, "Hesti Wulandari").await;
    made += 1;
    at(4, 12, 0);
    let f = close_visit(c, v5).await;
    assert_eq!((f.finalized, f.remaining), (1, 1), "Ratna still to record");
    evening_offline(c, &unreachable, made).await;
    assert_eq!(made, 8);

    // ---- Saturday at the office: the registry is reachable; each packet arrives once. ----
    at(5, 9, 0);
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("registry port");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(rekam_sim::registry::run(
        listener,
        registry.clone(),
        async {
            let _ = stopped.await;
        },
    ));
    let online =
        Client::new(&url, None, registry.trusted(), Duration::from_secs(5)).expect("client");
    let mut delivered = 0;
    for _ in 0..10 {
        delivered += uploader::drain_once(&c.agent, &online)
            .await
            .expect("round");
        if delivered == 8 {
            break;
        }
        tick(1);
    }
    assert_eq!(delivered, 8);
    assert_eq!(registry.stats().accepted, 8);
    assert_eq!(registry.stats().duplicates, 0);
    let _ = stop.send(());
    served.await.expect("join").expect("served");

    // ---- The office head reads the week. ----
    at(5, 10, 0);
    let mut head = signed_in(c, "kepala").await;
    let page = head
        .get(&c.app, "/figures?from=2026-11-16&to=2026-11-21")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    // Columns: listed, obliged, recorded, backlog, coverage, deceased, moved, not found.
    assert_eq!(
        row(html, "coverage-kecamatan", "Cibinong"),
        ["9", "7", "5", "2", "71.4%", "1", "1", "0"],
        "Cibinong: Darto died, Gunawan moved, Eko and Ratna remain"
    );
    assert_eq!(
        row(html, "coverage-kecamatan", "Cileungsi"),
        ["8", "8", "4", "4", "50.0%", "0", "0", "1"],
        "Cileungsi: Kartini not found, Nur refused, Lina and Oki remain"
    );
    // Columns: started, finalized, first-time voters, delivered, rejected, ...
    assert_eq!(
        row(html, "fig-kecamatan", "Cibinong")[..4],
        ["5", "5", "0", "5"]
    );
    assert_eq!(
        row(html, "fig-kecamatan", "Cileungsi")[..4],
        ["3", "3", "1", "3"]
    );
    assert_eq!(
        row(
            html,
            "fig-visit",
            &format!("#{v3} SMAN 1 Cileungsi (2026-11-18)")
        )[..3],
        ["2", "2", "1"]
    );
    assert_eq!(row(html, "fig-day", "2026-11-16")[..2], ["3", "3"]);
    assert_eq!(
        row(html, "fig-day", "2026-11-21")[..4],
        ["0", "0", "0", "8"],
        "delivered Saturday"
    );
    let darto = row(html, "problems-table", "Darto");
    assert!(darto.contains(&"meninggal".to_string()), "{darto:?}");
    assert!(darto.contains(&"Kata Kepala Desa: wafat September 2026".to_string()));
    let gunawan = row(html, "problems-table", "Gunawan");
    assert!(gunawan.contains(&"pindah".to_string()), "{gunawan:?}");
    assert!(row(html, "problems-table", "Kartini").contains(&"tidak ditemukan".to_string()));
    assert!(
        !html.contains(">Nur Hidayat</th>"),
        "a refusal is no data problem"
    );

    // The signed report of the same week: the same figures, verifiable, and no edit survives.
    let signed = head
        .get(&c.app, "/figures/report?from=2026-11-16&to=2026-11-21")
        .await;
    assert_eq!(signed.status, StatusCode::OK);
    assert_eq!(
        row(&signed.body, "coverage-kecamatan", "Cibinong"),
        ["9", "7", "5", "2", "71.4%", "1", "1", "0"]
    );
    let mut trust = TrustStore::new();
    trust
        .insert(TrustedWorkstation {
            workstation_id: "MOBIL-3204-1".into(),
            key: o.workstation.clone(),
        })
        .expect("trust");
    let verified = report::verify(signed.body.as_bytes(), &trust).expect("the report verifies");
    assert_eq!(verified.workstation_id, "MOBIL-3204-1");
    let edited = signed.body.replacen("71.4%", "91.4%", 1);
    assert!(report::verify(edited.as_bytes(), &trust).is_err());

    // Every change of the week names who made it, and the chain holds.
    let (actors, chain) = c
        .agent
        .with_store(|s| {
            let conn = s.raw_connection();
            let mut stmt = conn
                .prepare(
                    "SELECT action, actor FROM audit WHERE action IN \
                     ('worklist.import','worklist.close','worklist.match','visit.open','visit.close') \
                     ORDER BY seq",
                )
                .expect("prepare");
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .expect("query")
                .collect::<Result<Vec<_>, _>>()
                .expect("rows");
            Ok((rows, s.verify_audit()?))
        })
        .await
        .expect("audit");
    assert!(chain > 0);
    let closes: Vec<&str> = actors
        .iter()
        .filter(|(a, _)| a == "worklist.close")
        .map(|(_, who)| who.as_str())
        .collect();
    assert_eq!(closes, ["op", "op2", "op", "op2", "op2"]);
    assert_eq!(actors.iter().filter(|(a, _)| a == "visit.close").count(), 5);
}
