//! Worklists: an office's by-name-by-address list imported from the files offices keep (CSV in
//! UTF-8 with or without BOM or Windows-1252, `,` or `;`, and XLSX), every bad row reported with
//! its line and reason, nothing half imported; entries matched when their resident is enrolled
//! here (by NIK at once, by name + date of birth + desa after an operator confirms), closed with
//! an outcome, and the outcomes exported; all of it audited.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rekam_agent::finalize::finalize;
use rekam_agent::office::worklist::{export, import, matching, regions};
use rekam_agent::store::Store;
use rekam_agent::store::worklist::{Entry, EntryFilter, EntryStatus, Outcome};
use rekam_agent::workflow::{Policy, Session, Stage};
use rekam_protocol::model::FingerPosition;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, Timestamp, WorkstationSigningKey};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use time::macros::date;

const NOW: i64 = 1_763_890_000_000;
const OP: &str = "op1";

const REGIONS: &str = "code,name,parent\n\
32.04.05,Cibinong,3204\n\
3204052001,Sukamaju,320405\n\
3204052002,Cikaret,320405\n\
32.04.06,Cileungsi,3204\n\
3204062001,Limus Nunggal,320406\n";

const HEADER: &str =
    "No,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Alamat,RT/RW,Desa/Kelurahan,Kecamatan,Alasan\n";

/// A store with the office's regions and an operator account.
fn office() -> Store {
    let mut store = Store::in_memory().expect("store");
    setup(&mut store, REGIONS.as_bytes());
    store
}

fn setup(store: &mut Store, regions_csv: &[u8]) {
    store
        .add_operator(
            "test",
            OP,
            "Operator One",
            rekam_agent::operators::Role::Operator,
            "a long enough password 42",
            0,
        )
        .expect("operator");
    let r = regions::parse(regions_csv.to_vec()).expect("regions");
    store
        .import_worklist_regions(&r, "regions.csv", "00", OP, NOW)
        .expect("regions stored");
}

fn import(store: &mut Store, bytes: &[u8], skip_bad: bool) -> import::ImportReport {
    import::import(store, "list.csv", bytes.to_vec(), skip_bad, OP, NOW).expect("import runs")
}

fn all(store: &Store) -> Vec<Entry> {
    store
        .worklist_entries(&EntryFilter::default())
        .expect("entries")
}

/// The report's lines as `line N: reasons`.
fn lines(r: &import::ImportReport) -> Vec<String> {
    r.bad.iter().map(ToString::to_string).collect()
}

fn line(r: &import::ImportReport, n: u64) -> String {
    r.bad
        .iter()
        .find(|b| b.line == n)
        .unwrap_or_else(|| panic!("line {n} not reported: {:?}", lines(r)))
        .to_string()
}

const GOOD: &str = "1,3204051708080001,Budi Santoso,17-08-2008,L,Jl. Mawar 3,003/005,Sukamaju,Cibinong,Turns 17 before election day\n";

#[test]
fn each_kind_of_malformed_row_is_reported_with_its_line_and_a_specific_reason() {
    let mut store = office();
    let csv = format!(
        "{HEADER}{GOOD}\
2,320405170808001,Short Nik,17-08-2008,L,Jl. A,001/001,Sukamaju,Cibinong,\n\
3,32040517080800X1,Letter Nik,17-08-2008,L,Jl. A,001/001,Sukamaju,Cibinong,\n\
4,3204061708080003,Other Kecamatan,17-08-2008,L,Jl. A,001/001,Sukamaju,Cibinong,\n\
5,3204051808080004,Other Birthday,17-08-2008,L,Jl. A,001/001,Sukamaju,Cibinong,\n\
6,3204055708080005,Wrong Sex,17-08-2008,L,Jl. A,001/001,Sukamaju,Cibinong,\n\
7,,Unknown Kecamatan,17-08-2008,L,Jl. A,001/001,Sukamaju,Citeureup,\n\
8,,Unknown Desa,17-08-2008,L,Jl. A,001/001,Limus Nunggal,Cibinong,\n\
9,,Bad Date,31-02-2008,L,Jl. A,001/001,Sukamaju,Cibinong,\n\
10,,,17-08-2008,L,Jl. A,001/001,Sukamaju,Cibinong,\n\
11,3204051708080001,Budi Again,17-08-2008,L,Jl. B,001/001,Sukamaju,Cibinong,\n\
12,,BUDI  santoso,17/08/2008,L,Jl. C,001/001,Sukamaju,Cibinong,\n\
13,,Bad Sex,17-08-2008,X,Jl. A,001/001,Sukamaju,Cibinong,\n\
14,,Bad RT,17-08-2008,L,Jl. A,0/1000,Sukamaju,Cibinong,\n\
15,,Future,17-08-2099,L,Jl. A,001/001,Sukamaju,Cibinong,\n"
    );
    let r = import(&mut store, csv.as_bytes(), false);
    assert_eq!(r.rows, 15);
    assert_eq!(r.bad.len(), 14, "{:#?}", lines(&r));
    assert!(line(&r, 3).contains("NIK must have 16 digits, found 15"));
    assert!(line(&r, 4).contains("NIK character 15 is 'X'"));
    assert!(line(&r, 5).contains("NIK region mismatch: digits 1-6 (320406)"));
    assert!(line(&r, 6).contains("birth date 18-08-08"));
    assert!(line(&r, 7).contains("NIK digits 7-8 mark the holder as Female"));
    assert!(line(&r, 8).contains("unknown kecamatan \"Citeureup\""));
    assert!(line(&r, 9).contains("unknown desa \"Limus Nunggal\" in kecamatan 320405"));
    assert!(line(&r, 10).contains("bad date of birth \"31-02-2008\""));
    assert!(line(&r, 11).contains("name (Nama) is missing"));
    assert!(line(&r, 12).contains("duplicate: same NIK as line 2"));
    assert!(line(&r, 13).contains("duplicate: same name, date of birth and desa as line 2"));
    assert!(line(&r, 14).contains("bad sex \"X\""));
    assert!(line(&r, 15).contains("bad RT/RW \"0/1000\""));
    assert!(line(&r, 16).contains("in the future"));
}

#[test]
fn by_default_a_file_with_any_bad_row_imports_nothing_and_the_refusal_is_audited() {
    let mut store = office();
    let csv = format!("{HEADER}{GOOD}2,,Bad Date,17-08-08,L,Jl. A,001/001,Sukamaju,Cibinong,\n");
    let r = import(&mut store, csv.as_bytes(), false);
    assert!(!r.committed());
    assert_eq!(r.imported, 0);
    assert_eq!(lines(&r).len(), 1);
    assert!(all(&store).is_empty(), "nothing half imported");
    let refused: i64 = store
        .raw_connection()
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'worklist.import.refused' AND actor = ?1",
            [OP],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(refused, 1);
    let imports: i64 = store
        .raw_connection()
        .query_row("SELECT count(*) FROM worklist_imports", [], |r| r.get(0))
        .expect("imports");
    assert_eq!(imports, 0);
}

#[test]
fn skip_bad_imports_the_good_rows_and_lists_the_rest() {
    let mut store = office();
    let csv = format!(
        "{HEADER}{GOOD}2,,Bad Date,17-08-08,L,Jl. A,001/001,Sukamaju,Cibinong,\n\
3,,Siti Aminah,01-02-1990,P,Jl. Melati 1,002/004,Cikaret,32.04.05,Not recorded\n"
    );
    let r = import(&mut store, csv.as_bytes(), true);
    assert!(r.committed());
    assert_eq!((r.rows, r.imported), (3, 2));
    assert_eq!(lines(&r), vec![
        "line 3: bad date of birth \"17-08-08\": write DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD or \"17 Agustus 2008\"".to_string()
    ]);
    let e = all(&store);
    assert_eq!(e.len(), 2);
    let siti = e.iter().find(|e| e.name == "Siti Aminah").expect("siti");
    assert_eq!(siti.desa, "Cikaret");
    assert_eq!(siti.kecamatan_code, "320405");
    assert_eq!((siti.rt, siti.rw), (Some(2), Some(4)));
    assert_eq!(siti.line, 4);
    assert_eq!(siti.source_file, "list.csv");
    assert_eq!(siti.status, EntryStatus::Open);
    let (detail, actor): (String, String) = store
        .raw_connection()
        .query_row(
            "SELECT detail, actor FROM audit WHERE action = 'worklist.import'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("audited");
    assert_eq!(actor, OP);
    let detail: serde_json::Value = serde_json::from_str(&detail).expect("json");
    assert_eq!(detail["sha256"], r.sha256.as_str());
    assert_eq!(detail["imported"], 2);
    assert_eq!(detail["bad"], 1);
}

/// Names with accents and apostrophes, the way each encoding writes them.
fn accented(sep: char) -> String {
    format!(
        "NIK{sep}Nama{sep}Tanggal Lahir{sep}L/P{sep}Alamat{sep}RT{sep}RW{sep}Desa{sep}Kecamatan{sep}Keterangan\n\
         {sep}René Ma'ruf{sep}02-03-1980{sep}L{sep}Gg. Kenari No. 5{sep}1{sep}2{sep}Sukamaju{sep}Cibinong{sep}Pindah datang\n\
         3204054403950007{sep}Zoë Nur'aini{sep}04-03-1995{sep}P{sep}Jl. Raya, Blok C{sep}3{sep}4{sep}Cikaret{sep}Cibinong{sep}Belum rekam\n"
    )
    .replace("Jl. Raya, Blok C", "\"Jl. Raya, Blok C\"")
}

fn comparable(e: &[Entry]) -> Vec<(Option<String>, String, String, String, String)> {
    e.iter()
        .map(|e| {
            (
                e.nik.clone(),
                e.name.clone(),
                e.date_of_birth.clone(),
                e.address.clone(),
                e.reason.clone(),
            )
        })
        .collect()
}

#[test]
fn utf8_with_and_without_bom_and_windows_1252_files_give_identical_entries() {
    let utf8 = accented(',');
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(accented(';').as_bytes());
    let semicolons = accented(';');
    let (cp1252, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&semicolons);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&cp1252).is_err(), "really not UTF-8");
    let mut results = Vec::new();
    for (bytes, encoding) in [
        (utf8.into_bytes(), "UTF-8"),
        (with_bom, "UTF-8 with BOM"),
        (cp1252.into_owned(), "windows-1252"),
    ] {
        let mut store = office();
        let r = import(&mut store, &bytes, false);
        assert!(r.committed(), "{encoding}: {:?}", lines(&r));
        assert_eq!(r.encoding, encoding);
        results.push(comparable(&all(&store)));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
    assert_eq!(results[0][0].1, "René Ma'ruf");
    assert_eq!(results[0][1].1, "Zoë Nur'aini");
    assert_eq!(results[0][1].3, "Jl. Raya, Blok C");
}

fn xlsx(nik_as_number: bool) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    sheet
        .write_string(0, 0, "DAFTAR PENDUDUK WAJIB KTP-EL DESA SUKAMAJU")
        .expect("title");
    let headers = [
        "No",
        "NIK",
        "Name",
        "Date of birth",
        "Sex",
        "Address",
        "RT/RW",
        "Village",
        "District",
        "Reason",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).expect("header");
    }
    let rows = [
        (
            "3204051708080001",
            "Budi Santoso",
            (2008, 8, 17),
            "L",
            "Jl. Mawar 3",
            "003/005",
            "Sukamaju",
            "Cibinong",
            "Turns 17 before election day",
        ),
        (
            "",
            "René Ma'ruf",
            (1980, 3, 2),
            "L",
            "Gg. Kenari No. 5",
            "001/002",
            "Sukamaju",
            "320405",
            "Pindah datang",
        ),
    ];
    for (i, (nik, name, (y, m, d), sex, addr, rtrw, desa, kec, why)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        sheet.write_number(r, 0, (i + 1) as f64).expect("no");
        if !nik.is_empty() {
            if nik_as_number {
                sheet
                    .write_number(r, 1, nik.parse::<f64>().expect("number"))
                    .expect("nik");
            } else {
                sheet.write_string(r, 1, *nik).expect("nik");
            }
        }
        sheet.write_string(r, 2, *name).expect("name");
        let dt = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
        sheet
            .write_datetime_with_format(r, 3, &dt, &date)
            .expect("dob");
        for (c, v) in [
            (4, sex),
            (5, addr),
            (6, rtrw),
            (7, desa),
            (8, kec),
            (9, why),
        ] {
            sheet.write_string(r, c, *v).expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

#[test]
fn an_xlsx_list_with_a_title_row_and_date_cells_imports_like_its_csv() {
    let mut store = office();
    let r = import::import(&mut store, "list.xlsx", xlsx(false), false, OP, NOW).expect("import");
    assert!(r.committed(), "{:?}", lines(&r));
    assert_eq!(r.kind, rekam_agent::office::worklist::read::Kind::Workbook);
    let e = all(&store);
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].nik.as_deref(), Some("3204051708080001"));
    assert_eq!(e[0].date_of_birth, "2008-08-17");
    assert_eq!(e[0].line, 4, "the sheet's row number");
    assert_eq!(e[1].name, "René Ma'ruf");
    assert_eq!(e[1].date_of_birth, "1980-03-02");

    let mut from_csv = office();
    let csv = format!(
        "{HEADER}{GOOD}2,,René Ma'ruf,02/03/1980,L,Gg. Kenari No. 5,001/002,Sukamaju,Cibinong,Pindah datang\n"
    );
    assert!(import(&mut from_csv, csv.as_bytes(), false).committed());
    assert_eq!(comparable(&e), comparable(&all(&from_csv)));
}

#[test]
fn a_nik_the_spreadsheet_kept_as_an_exact_number_is_read_and_a_rounded_one_is_refused() {
    let mut store = office();
    let r = import::import(&mut store, "list.xlsx", xlsx(true), false, OP, NOW).expect("import");
    assert!(r.committed(), "{:?}", lines(&r));
    assert_eq!(all(&store)[0].nik.as_deref(), Some("3204051708080001"));

    // A Papua NIK (province 94) is above 2^53: as a number it has lost its last digit.
    let mut papua = Store::in_memory().expect("store");
    setup(
        &mut papua,
        b"940101,Distrik Satu,9401\n9401012001,Kampung Satu,940101\n",
    );
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in [
        "NIK",
        "Nama",
        "Tgl Lahir",
        "JK",
        "Alamat",
        "Desa",
        "Kecamatan",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    sheet
        .write_number(1, 0, 9_401_011_708_080_001.0)
        .expect("nik");
    for (c, v) in [
        (1, "Yosef"),
        (2, "17-08-2008"),
        (3, "L"),
        (4, "Jl. Pantai"),
        (5, "Kampung Satu"),
        (6, "940101"),
    ] {
        sheet.write_string(1, c, v).expect("cell");
    }
    let r = import::import(
        &mut papua,
        "p.xlsx",
        book.save_to_buffer().expect("xlsx"),
        false,
        OP,
        NOW,
    )
    .expect("import");
    assert!(!r.committed());
    assert!(
        line(&r, 2).contains("has lost digits; format the NIK column as text"),
        "{:?}",
        lines(&r)
    );
}

#[test]
fn a_resident_already_on_a_stored_list_is_a_duplicate_of_that_entry() {
    let mut store = office();
    assert!(import(&mut store, format!("{HEADER}{GOOD}").as_bytes(), false).committed());
    let id = all(&store)[0].id;
    let again = format!(
        "{HEADER}1,3204051708080001,Budi S,17-08-2008,L,Jl. Mawar 3,003/005,Sukamaju,Cibinong,\n\
         2,,Budi Santoso,17-08-2008,L,Jl. Mawar 3,003/005,Sukamaju,Cibinong,\n"
    );
    let r = import(&mut store, again.as_bytes(), false);
    assert!(!r.committed());
    assert!(line(&r, 2).contains(&format!("same NIK as stored worklist entry {id}")));
    assert!(line(&r, 3).contains(&format!(
        "same name, date of birth and desa as stored worklist entry {id}"
    )));
}

#[test]
fn a_file_without_the_required_columns_or_without_regions_is_refused_as_a_whole() {
    let mut store = office();
    let err = import::import(
        &mut store,
        "x.csv",
        b"Nama,Alamat,Desa\nA,B,C\n".to_vec(),
        false,
        OP,
        NOW,
    )
    .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("line 1: the header has no column for date of birth"),
        "{text}"
    );
    let err = import::import(
        &mut store,
        "x.csv",
        b"foo,bar\n1,2\n".to_vec(),
        false,
        OP,
        NOW,
    )
    .expect_err("refused");
    assert!(err.to_string().starts_with("no header row"), "{err}");
    let mut bare = Store::in_memory().expect("store");
    let err = import::import(
        &mut bare,
        "x.csv",
        format!("{HEADER}{GOOD}").into_bytes(),
        false,
        OP,
        NOW,
    )
    .expect_err("refused");
    assert!(
        err.to_string().contains("rekam worklist regions import"),
        "{err}"
    );
}

// ---- matching ----

fn reviewed(seed: u64) -> Session {
    let src = sample::enrollment(&SampleOptions::tiny(seed, "WS-1", NOW + seed as i64));
    let mut a = src.applicant.clone();
    a.marital_status = rekam_protocol::model::MaritalStatus::Kawin;
    let mut s = Session::start(
        src.id,
        a,
        src.context.clone(),
        Policy::default(),
        date!(2026 - 11 - 23),
    )
    .expect("start");
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

fn finalize_here(store: &mut Store, s: &Session) {
    let (key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let registry = RegistryPrivateKey::from_secret([3; 32]);
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
}

/// An office whose regions hold the sample resident's kecamatan and desa, and a list row for
/// them (with or without the NIK).
fn office_for(s: &Session, with_nik: bool) -> Store {
    let a = &s.applicant;
    let nik = a.nik.to_string();
    let kec = &nik[..6];
    let mut store = Store::in_memory().expect("store");
    let regions = format!(
        "{kec},{},\n{kec}2001,{},\n{kec}2002,Lain Desa,\n",
        a.address.district, a.address.village
    );
    setup(&mut store, regions.as_bytes());
    let row = format!(
        "1,{},{},{},{},{},,Desa {},{},\n",
        if with_nik { nik.as_str() } else { "" },
        // Typed differently at the office: case and spacing.
        a.full_name.to_uppercase().replace(' ', "  "),
        rekam_protocol::timefmt::format_date(a.date_of_birth),
        match a.sex {
            rekam_protocol::model::Sex::Male => "L",
            rekam_protocol::model::Sex::Female => "P",
        },
        a.address.street.replace(',', " "),
        a.address.village,
        kec,
    );
    let r = import(&mut store, format!("{HEADER}{row}").as_bytes(), false);
    assert!(r.committed(), "{:?}", lines(&r));
    store
}

#[test]
fn finalizing_an_enrollment_matches_its_worklist_entry_by_nik() {
    let s = reviewed(11);
    let mut store = office_for(&s, true);
    finalize_here(&mut store, &s);
    let e = &all(&store)[0];
    assert_eq!(e.status, EntryStatus::Matched);
    assert_eq!(e.outcome, Some(Outcome::RecordedHere));
    assert_eq!(e.enrollment_id.as_deref(), Some(s.id.to_string().as_str()));
    assert_eq!(e.decided_by.as_deref(), Some(OP));
    assert!(matching::pending(&store).expect("candidates").is_empty());
    assert!(store.verify_audit().expect("chain") > 0);
}

#[test]
fn an_entry_without_nik_is_matched_by_name_date_and_desa_only_once_an_operator_confirms() {
    let s = reviewed(12);
    let mut store = office_for(&s, false);
    finalize_here(&mut store, &s);
    let e = all(&store)[0].clone();
    assert_eq!(e.status, EntryStatus::Open, "a candidate, not yet a match");
    let c = matching::pending(&store).expect("candidates");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].entry_id, e.id);
    assert_eq!(c[0].enrollment_id, s.id.to_string());
    matching::confirm_match(&mut store, e.id, &s.id.to_string(), OP, NOW + 120_000)
        .expect("confirm");
    let e = store.worklist_entry(e.id).expect("read").expect("entry");
    assert_eq!(e.status, EntryStatus::Matched);
    assert_eq!(
        e.nik.as_deref(),
        Some(s.applicant.nik.to_string().as_str()),
        "the NIK the list lacked"
    );
    assert!(matching::pending(&store).expect("candidates").is_empty());
    let again = matching::confirm_match(&mut store, e.id, &s.id.to_string(), OP, NOW);
    assert!(
        again.is_err(),
        "a decided candidate cannot be decided again"
    );
}

#[test]
fn a_rejected_candidate_leaves_the_entry_open_and_another_desa_is_no_candidate() {
    let s = reviewed(13);
    let mut store = office_for(&s, false);
    finalize_here(&mut store, &s);
    let e = all(&store)[0].clone();
    matching::reject_match(&mut store, e.id, &s.id.to_string(), OP, NOW).expect("reject");
    assert_eq!(
        store
            .worklist_entry(e.id)
            .expect("read")
            .expect("entry")
            .status,
        EntryStatus::Open
    );
    assert!(matching::pending(&store).expect("candidates").is_empty());

    // The same person listed in another desa of the kecamatan is not proposed.
    let s2 = reviewed(14);
    let mut other = office_for(&s2, false);
    other
        .raw_connection()
        .execute(
            "UPDATE worklist_entries SET desa_code = substr(desa_code, 1, 6) || '2002'",
            [],
        )
        .expect("move");
    finalize_here(&mut other, &s2);
    assert!(matching::pending(&other).expect("candidates").is_empty());
}

// ---- closing and export ----

#[test]
fn an_entry_closes_with_each_outcome_once_and_the_outcomes_export_as_csv() {
    let mut store = office();
    let mut csv = HEADER.to_string();
    for (i, name) in ["Ani", "Badu", "Cici", "Dedi", "Euis", "Fajar"]
        .iter()
        .enumerate()
    {
        csv.push_str(&format!(
            "{i},,{name},0{}-01-1990,L,Jl. {name},001/001,Sukamaju,Cibinong,\n",
            i + 1
        ));
    }
    assert!(import(&mut store, csv.as_bytes(), false).committed());
    let e = all(&store);
    for (entry, outcome) in e.iter().zip(Outcome::CLOSING) {
        store
            .close_worklist_entry(entry.id, outcome, Some("checked by RT"), OP, NOW)
            .expect("close");
    }
    let closed = store
        .worklist_entries(&EntryFilter {
            status: Some(EntryStatus::Closed),
            ..EntryFilter::default()
        })
        .expect("closed");
    assert_eq!(closed.len(), 5);
    let outcomes: Vec<Outcome> = closed.iter().filter_map(|e| e.outcome).collect();
    assert_eq!(outcomes, Outcome::CLOSING.to_vec());
    let twice = store.close_worklist_entry(e[0].id, Outcome::Deceased, None, OP, NOW);
    assert!(
        twice
            .expect_err("refused")
            .to_string()
            .contains("already closed")
    );
    let here = store.close_worklist_entry(e[5].id, Outcome::RecordedHere, None, OP, NOW);
    assert!(here.is_err(), "recorded-here comes from matching only");
    let audited: i64 = store
        .raw_connection()
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'worklist.close' AND actor = ?1",
            [OP],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(audited, 5);

    let (bytes, n) = export::outcomes_csv(&store).expect("export");
    assert_eq!(n, 5, "the open entry is not an outcome");
    let text = String::from_utf8(bytes).expect("utf-8");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("BOM for spreadsheet programs");
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let header = rows.headers().expect("header").clone();
    assert_eq!(header.iter().collect::<Vec<_>>(), export::HEADER.to_vec());
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("record")).collect();
    let got: Vec<(&str, &str)> = records.iter().map(|r| (&r[2], &r[14])).collect();
    assert_eq!(
        got,
        vec![
            ("Ani", "recorded-elsewhere"),
            ("Badu", "deceased"),
            ("Cici", "moved-away"),
            ("Dedi", "not-found"),
            ("Euis", "refused"),
        ]
    );
    assert_eq!(&records[1][16], "checked by RT");
    assert_eq!(&records[1][9], "Sukamaju");
}

#[test]
fn entries_are_listed_by_kecamatan_desa_and_status_given_as_code_or_name() {
    let mut store = office();
    let csv = format!(
        "{HEADER}{GOOD}2,,Siti,01-02-1990,P,Jl. Melati,,Cikaret,Cibinong,\n3,,Asep,01-02-1991,L,Jl. Pasar,,Limus Nunggal,Cileungsi,\n"
    );
    assert!(import(&mut store, csv.as_bytes(), false).committed());
    let by = |k: Option<&str>, d: Option<&str>, s: Option<EntryStatus>| -> Vec<String> {
        store
            .worklist_entries(&EntryFilter {
                kecamatan: k.map(Into::into),
                desa: d.map(Into::into),
                status: s,
                ..EntryFilter::default()
            })
            .expect("list")
            .into_iter()
            .map(|e| e.name)
            .collect()
    };
    assert_eq!(by(Some("320406"), None, None), vec!["Asep"]);
    assert_eq!(
        by(Some("cibinong"), None, None),
        vec!["Budi Santoso", "Siti"]
    );
    assert_eq!(by(None, Some("3204052002"), None), vec!["Siti"]);
    assert_eq!(
        by(None, None, Some(EntryStatus::Matched)),
        Vec::<String>::new()
    );
    assert_eq!(by(None, None, Some(EntryStatus::Open)).len(), 3);
    let search = |t: &str| -> Vec<String> {
        store
            .worklist_entries(&EntryFilter {
                search: Some(t.into()),
                ..EntryFilter::default()
            })
            .expect("search")
            .into_iter()
            .map(|e| e.name)
            .collect()
    };
    assert_eq!(search("santoso"), vec!["Budi Santoso"]);
    assert_eq!(search("320405170808"), vec!["Budi Santoso"]);
    assert_eq!(search("melati"), vec!["Siti"]);
    assert_eq!(
        search("%"),
        Vec::<String>::new(),
        "a wildcard is taken literally"
    );
}

#[test]
fn a_version_5_database_gains_the_worklist_tables_when_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    drop(Store::open(&db).expect("create"));
    {
        let conn = rusqlite::Connection::open(&db).expect("raw");
        conn.execute_batch(
            "DROP TABLE worklist_candidates; DROP TABLE worklist_entries; DROP TABLE worklist_imports;
             DROP TABLE worklist_regions; PRAGMA user_version = 5;",
        )
        .expect("downgrade");
    }
    let mut store = Store::open(&db).expect("migrate");
    setup(&mut store, REGIONS.as_bytes());
    assert_eq!(store.worklist_regions().expect("regions").len(), 5);
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

#[test]
fn the_command_line_imports_lists_closes_and_exports_with_exit_status_1_on_a_refused_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    {
        let mut store = Store::open(&db).expect("create");
        store
            .add_operator(
                "test",
                OP,
                "Operator One",
                rekam_agent::operators::Role::Operator,
                "a long enough password 42",
                0,
            )
            .expect("operator");
    }
    let dbs = db.to_str().expect("utf-8 path");
    let regions = file(dir.path(), "regions.csv", REGIONS);
    let out = rekam(&[
        "worklist",
        "regions",
        "import",
        "--db",
        dbs,
        regions.to_str().expect("p"),
        "--by",
        OP,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("5 regions, 5 added"));

    let bad = file(
        dir.path(),
        "bad.csv",
        &format!("{HEADER}{GOOD}2,,X,99-99-2000,L,Jl,,Sukamaju,Cibinong,\n"),
    );
    let out = rekam(&[
        "worklist",
        "import",
        "--db",
        dbs,
        bad.to_str().expect("p"),
        "--by",
        OP,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("line 3: bad date of birth \"99-99-2000\"")
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was imported"));

    let out = rekam(&[
        "worklist",
        "import",
        "--db",
        dbs,
        bad.to_str().expect("p"),
        "--skip-bad",
        "--by",
        OP,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 rows, 1 imported, 1 bad rows skipped")
    );

    let out = rekam(&[
        "worklist",
        "list",
        "--db",
        dbs,
        "--kecamatan",
        "Cibinong",
        "--json",
    ]);
    assert!(out.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let id = listed[0]["id"].as_i64().expect("id").to_string();
    assert_eq!(listed[0]["name"], "Budi Santoso");

    let out = rekam(&[
        "worklist",
        "close",
        "--db",
        dbs,
        &id,
        "--outcome",
        "moved-away",
        "--note",
        "pindah ke Bekasi",
        "--by",
        OP,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rekam(&[
        "worklist",
        "close",
        "--db",
        dbs,
        &id,
        "--outcome",
        "deceased",
        "--by",
        "nobody",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no operator \"nobody\""));

    let csv = dir.path().join("outcomes.csv");
    let out = rekam(&[
        "worklist",
        "export-outcomes",
        "--db",
        dbs,
        "--out",
        csv.to_str().expect("p"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).expect("exported");
    assert!(
        text.contains("moved-away") && text.contains("pindah ke Bekasi"),
        "{text}"
    );
    let out = rekam(&["audit", "verify", "--db", dbs]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- hostile input ----

/// A deterministic xorshift, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn mangled_csv_and_xlsx_files_are_reported_or_refused_never_a_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let csv = format!(
        "{HEADER}{GOOD}2,,René Ma'ruf,02/03/1980,L,\"Gg. Kenari, 5\",001/002,Sukamaju,Cibinong,x\n"
    )
    .into_bytes();
    let book = xlsx(false);
    for round in 0..300 {
        let mut bytes = if round % 3 == 0 {
            book.clone()
        } else {
            csv.clone()
        };
        for _ in 0..1 + rng.next() % 8 {
            let at = (rng.next() as usize) % bytes.len();
            match rng.next() % 3 {
                0 => bytes[at] = rng.next() as u8,
                1 => bytes.insert(
                    at,
                    *b",;\"\n\r\xff0/-"
                        .get((rng.next() % 10) as usize)
                        .unwrap_or(&0),
                ),
                _ => {
                    bytes.truncate(at.max(1));
                }
            }
        }
        let mut store = office();
        // Whatever the bytes, the answer is a report or an error; never a half import.
        if let Ok(r) = import::import(&mut store, "m", bytes.clone(), false, OP, NOW) {
            let stored = all(&store).len() as u64;
            assert_eq!(stored, r.imported);
            assert!(r.committed() == r.bad.is_empty());
        }
        let _ = regions::parse(bytes);
    }
}
