//! The worklist at the desk, driven in-process: the open visit's residents (or every open entry
//! without a visit), searched by name, NIK and address without JavaScript, an enrollment started
//! from an entry with its data filled in, first-time voters marked, and name/date/desa match
//! candidates confirmed or rejected by the signed-in operator, audited.

mod support;

use axum::http::StatusCode;
use rekam_agent::office::worklist::{import, regions};
use rekam_agent::store::visits::{NewVisit, PlaceKind};
use support::{Browser, Console, console_with, enc, signed_in};

const REGIONS: &str = "code,name,parent\n\
320405,Cibinong,3204\n\
3204052001,Sukamaju,320405\n\
3204052002,Cikaret,320405\n";

/// The list; Gita is 16 today (17 in a year, before the election), whenever the test runs.
fn list() -> String {
    let today = time::OffsetDateTime::now_utc().date();
    let gita = today.replace_year(today.year() - 16).unwrap_or(today) - time::Duration::days(1);
    let gita = format!(
        "{:02}-{:02}-{}",
        gita.day(),
        u8::from(gita.month()),
        gita.year()
    );
    LIST.replace("GITA", &gita)
}

const LIST: &str = "No,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Alamat,RT/RW,Desa/Kelurahan,Kecamatan,Alasan\n\
1,3204054101900001,Siti Aminah,01-01-1990,P,Jl. Mawar 1,003/005,Sukamaju,Cibinong,Belum rekam\n\
2,,Budi Hartono,02-01-1990,L,Jl. Melati 2,001/001,Sukamaju,Cibinong,Belum rekam\n\
3,,Gita Pemula,GITA,P,Gg. Sawo 3,002/001,Sukamaju,Cibinong,Turns 17 before election day\n\
4,,Dedi Kurnia,04-01-1990,L,Jl. Kenanga 4,002/001,Cikaret,Cibinong,Belum rekam\n";

async fn office() -> Console {
    let c = console_with(false, |cfg| {
        cfg.election.day = Some(time::macros::date!(2099 - 02 - 14));
    })
    .await;
    let now = (c.agent.clock)();
    c.agent
        .with_store(move |s| {
            let r = regions::parse(REGIONS.as_bytes().to_vec()).expect("regions");
            s.import_worklist_regions(&r, "regions.csv", "00", "adm", now)?;
            let report = import::import(s, "list.csv", list().into_bytes(), false, "adm", now)
                .expect("import");
            assert!(report.committed(), "{:?}", report.bad);
            Ok(())
        })
        .await
        .expect("worklist");
    c
}

async fn open_visit(c: &Console, desa: &str) -> i64 {
    let now = (c.agent.clock)();
    let desa = desa.to_string();
    c.agent
        .with_store(move |s| {
            let id = s.create_visit(
                &NewVisit {
                    place_kind: PlaceKind::School,
                    place_name: "SMAN 1 Cibinong".into(),
                    desa,
                    day: "2026-12-03".into(),
                    unit_id: None,
                    staff: vec!["op".into()],
                    entries: None,
                },
                "op",
                now,
            )?;
            s.open_visit(id, "op", now)?;
            Ok(id)
        })
        .await
        .expect("visit")
}

/// The names in the table, in order.
fn names(body: &str) -> Vec<String> {
    body.split("<th scope=\"row\">")
        .skip(1)
        .map(|p| p[..p.find(['<', ' '].as_ref()).unwrap_or(0)].to_string())
        .map(|first| first.trim().to_string())
        .collect()
}

async fn search(c: &Console, b: &mut Browser, q: &str) -> Vec<String> {
    let p = b.get(&c.app, &format!("/desk/worklist?q={}", enc(q))).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    names(&p.body)
}

#[tokio::test]
async fn without_a_visit_the_page_lists_every_open_entry_and_the_navigation_links_to_it() {
    let c = office().await;
    let mut b = signed_in(&c, "op").await;
    let home = b.get(&c.app, "/").await;
    assert!(home.body.contains("href=\"/desk/worklist\""), "nav link");
    let p = b.get(&c.app, "/desk/worklist").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("data-screen=\"desk-worklist\""));
    assert!(p.body.contains("4 sasaran"), "{}", p.body);
    assert_eq!(names(&p.body), vec!["Siti", "Budi", "Gita", "Dedi"]);
    assert!(
        p.body.contains("<label for=\"q\">"),
        "the search box is labelled"
    );
}

#[tokio::test]
async fn with_a_visit_open_the_page_lists_its_targets_under_its_place() {
    let c = office().await;
    open_visit(&c, "Sukamaju").await;
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, "/desk/worklist").await;
    assert!(
        p.body
            .contains("Sasaran kunjungan: SMAN 1 Cibinong, Sukamaju"),
        "{}",
        p.body
    );
    assert_eq!(
        names(&p.body),
        vec!["Siti", "Budi", "Gita"],
        "Cikaret is not targeted"
    );
}

#[tokio::test]
async fn search_finds_entries_by_name_nik_and_address_on_the_server() {
    let c = office().await;
    let mut b = signed_in(&c, "op").await;
    assert_eq!(search(&c, &mut b, "budi").await, vec!["Budi"]);
    assert_eq!(search(&c, &mut b, "HARTONO budi").await, vec!["Budi"]);
    assert_eq!(search(&c, &mut b, "32040541").await, vec!["Siti"]);
    assert_eq!(search(&c, &mut b, "kenanga").await, vec!["Dedi"]);
    assert_eq!(
        search(&c, &mut b, "jl.").await,
        vec!["Siti", "Budi", "Dedi"]
    );
    let none = b.get(&c.app, "/desk/worklist?q=zzz").await;
    assert!(
        none.body.contains("Tidak ada sasaran yang cocok"),
        "{}",
        none.body
    );
    assert!(
        none.body.contains("value=\"zzz\""),
        "what was typed stays in the box"
    );
}

#[tokio::test]
async fn a_first_time_voter_is_marked_in_the_list() {
    let c = office().await;
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, "/desk/worklist?q=gita").await;
    assert!(p.body.contains("data-first-time-voter"), "{}", p.body);
    assert!(p.body.contains("Pemilih pemula"));
    let adult = b.get(&c.app, "/desk/worklist?q=budi").await;
    assert!(!adult.body.contains("data-first-time-voter"));
}

#[tokio::test]
async fn start_enrollment_from_an_entry_opens_the_start_form_with_its_data_filled_in() {
    let c = office().await;
    let mut b = signed_in(&c, "op").await;
    let list = b.get(&c.app, "/desk/worklist?q=siti").await;
    let at = list
        .body
        .find("href=\"/desk/new?entry=")
        .expect("start link")
        + 6;
    let href = &list.body[at..at + list.body[at..].find('"').expect("end")];
    assert!(
        list.body
            .contains("aria-label=\"Mulai perekaman Siti Aminah\"")
    );
    let p = b.get(&c.app, href).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    for value in [
        "value=\"3204054101900001\"",
        "value=\"Siti Aminah\"",
        "value=\"1990-01-01\"",
        "value=\"Jl. Mawar 1\"",
        "value=\"003\"",
        "value=\"005\"",
        "value=\"Sukamaju\"",
        "value=\"Cibinong\"",
        "<option value=\"female\" selected>",
    ] {
        assert!(p.body.contains(value), "{value} missing");
    }
    let unknown = b.get(&c.app, "/desk/new?entry=999").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

async fn candidate(c: &Console, name: &str, enrollment: &str) -> i64 {
    let name = name.to_string();
    let enrollment = enrollment.to_string();
    c.agent
        .with_store(move |s| {
            let conn = s.raw_connection();
            let id: i64 = conn
                .query_row(
                    "SELECT id FROM worklist_entries WHERE name = ?1",
                    [&name],
                    |r| r.get(0),
                )
                .expect("entry");
            conn.execute(
                "INSERT INTO worklist_candidates (entry_id, enrollment_id, nik, found_ms, state)
                 VALUES (?1, ?2, '3204050201900002', 0, 'pending')",
                rusqlite::params![id, enrollment],
            )
            .expect("candidate");
            Ok(id)
        })
        .await
        .expect("candidate")
}

async fn audited(c: &Console, action: &str) -> Vec<(String, String)> {
    let action = action.to_string();
    c.agent
        .with_store(move |s| {
            let conn = s.raw_connection();
            let mut stmt = conn
                .prepare("SELECT actor, subject FROM audit WHERE action = ?1 ORDER BY seq")
                .expect("prepare");
            let rows = stmt
                .query_map([&action], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .collect::<Result<Vec<_>, _>>()
                .expect("rows");
            Ok(rows)
        })
        .await
        .expect("audit")
}

#[tokio::test]
async fn an_operator_confirms_a_candidate_and_the_decision_is_audited_with_them() {
    let c = office().await;
    let entry = candidate(&c, "Budi Hartono", "ENR-1").await;
    let mut b = signed_in(&c, "op").await;
    let list = b.get(&c.app, "/desk/worklist").await;
    assert!(
        list.body.contains("Periksa 1 kemungkinan kecocokan"),
        "{}",
        list.body
    );
    let page = b.get(&c.app, "/desk/worklist/candidates").await;
    let href = format!("/desk/worklist/candidates/{entry}/ENR-1");
    assert!(page.body.contains(&href), "{}", page.body);
    let form = b.get(&c.app, &href).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Apakah ini orang yang sama?"));
    // No choice: the question again with an error summary linking the radios.
    let refused = b.post(&c.app, &href, &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("error-summary"));
    assert!(refused.body.contains("href=\"#same\""));
    let done = b.post(&c.app, &href, &[("same", "same")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let after = b.get(&c.app, done.location.as_deref().expect("to")).await;
    assert!(
        after.body.contains("dicatat sudah merekam"),
        "{}",
        after.body
    );
    assert!(after.body.contains("Tidak ada kecocokan yang menunggu"));
    assert_eq!(
        audited(&c, "worklist.match").await,
        vec![("op".to_string(), entry.to_string())]
    );
}

#[tokio::test]
async fn a_rejected_candidate_leaves_the_entry_on_the_list() {
    let c = office().await;
    let entry = candidate(&c, "Dedi Kurnia", "ENR-2").await;
    let mut b = signed_in(&c, "spv").await;
    let href = format!("/desk/worklist/candidates/{entry}/ENR-2");
    b.get(&c.app, &href).await;
    let done = b.post(&c.app, &href, &[("same", "different")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(search(&c, &mut b, "dedi").await, vec!["Dedi"]);
    assert_eq!(audited(&c, "worklist.candidate.reject").await[0].0, "spv");
}

/// The start form for a resident born on 1 January of `year` (male, unmarried).
fn born_first_of_january(year: i32) -> Vec<(&'static str, String)> {
    vec![
        ("nik", format!("3204050101{:02}0001", year % 100)),
        ("full_name", "Rudi Muda".into()),
        ("place_of_birth", "Bogor".into()),
        ("date_of_birth", format!("{year}-01-01")),
        ("sex", "male".into()),
        ("blood_type", "O".into()),
        ("street", "Jl. Mawar No. 8".into()),
        ("rt", "3".into()),
        ("rw", "5".into()),
        ("village", "Sukamaju".into()),
        ("district", "Cibinong".into()),
        ("regency", "Bogor".into()),
        ("province", "Jawa Barat".into()),
        ("postal_code", String::new()),
        ("religion", "islam".into()),
        ("marital_status", "belum_kawin".into()),
        ("occupation", "Pelajar".into()),
        ("citizenship", "wni".into()),
        ("country", String::new()),
    ]
}

#[tokio::test]
async fn the_desk_lets_a_16_year_old_record_before_election_day_and_refuses_a_15_year_old_naming_it()
 {
    let c = office().await;
    let mut b = signed_in(&c, "op").await;
    let year = time::OffsetDateTime::now_utc().year();
    b.get(&c.app, "/desk/new").await;
    // 15: 17 on 1 January two years on, before the (far) election, but too young to record.
    let young = born_first_of_january(year - 15);
    let fields: Vec<(&str, &str)> = young.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = b.post(&c.app, "/desk/new", &fields).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("href=\"#date_of_birth\""));
    assert!(
        p.body.contains("setelah hari pemungutan suara 2099-02-14"),
        "{}",
        p.body
    );
    // 16: 17 next January, after this year: only the election lets them record now.
    let sixteen = born_first_of_january(year - 16);
    let fields: Vec<(&str, &str)> = sixteen.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = b.post(&c.app, "/desk/new", &fields).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
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

#[tokio::test]
async fn an_operator_closes_an_entry_as_deceased_with_a_note_and_it_leaves_the_list_audited() {
    let c = office().await;
    let dedi = entry_id(&c, "Dedi Kurnia").await;
    let mut b = signed_in(&c, "op").await;
    let list = b.get(&c.app, "/desk/worklist?q=dedi").await;
    let href = format!("/desk/worklist/{dedi}/close");
    assert!(
        list.body.contains(&format!("href=\"{href}\"")),
        "{}",
        list.body
    );
    assert!(list.body.contains("aria-label=\"Tutup entri Dedi Kurnia\""));
    let form = b.get(&c.app, &href).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("Tutup entri: Dedi Kurnia"),
        "{}",
        form.body
    );
    for value in [
        "recorded-elsewhere",
        "deceased",
        "moved-away",
        "not-found",
        "refused",
    ] {
        assert!(form.body.contains(&format!("value=\"{value}\"")), "{value}");
    }
    assert!(!form.body.contains("value=\"recorded-here\""));

    // No outcome: the form again, its error summary linking the first radio, nothing closed.
    let refused = b.post(&c.app, &href, &[("note", "kata Ketua RT")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("href=\"#outcome\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("id=\"outcome\""));
    assert!(
        refused.body.contains(">kata Ketua RT</textarea>"),
        "the note is kept"
    );
    // Recorded-here is for matching, not for closing; a long note is refused too.
    let here = b.post(&c.app, &href, &[("outcome", "recorded-here")]).await;
    assert_eq!(here.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = "x".repeat(501);
    let too_long = b
        .post(&c.app, &href, &[("outcome", "deceased"), ("note", &long)])
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.body.contains("href=\"#note\""));
    assert!(
        too_long.body.contains("value=\"deceased\" checked"),
        "the choice is kept"
    );
    assert_eq!(search(&c, &mut b, "dedi").await, vec!["Dedi"], "still open");
    assert!(audited(&c, "worklist.close").await.is_empty());

    let done = b
        .post(
            &c.app,
            &href,
            &[
                ("outcome", "deceased"),
                ("note", "  kata Ketua RT 002, Oktober 2026 "),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let after = b
        .get(&c.app, done.location.as_deref().expect("location"))
        .await;
    assert!(
        after
            .body
            .contains("Entri Dedi Kurnia ditutup: Meninggal dunia."),
        "{}",
        after.body
    );
    assert!(search(&c, &mut b, "dedi").await.is_empty());
    assert_eq!(
        audited(&c, "worklist.close").await,
        vec![("op".to_string(), dedi.to_string())]
    );
    let note = c
        .agent
        .with_store(move |s| Ok(s.worklist_entry(dedi)?.expect("entry").note))
        .await
        .expect("note");
    assert_eq!(note.as_deref(), Some("kata Ketua RT 002, Oktober 2026"));

    // Twice: refused, saying what it already is.
    let again = b.post(&c.app, &href, &[("outcome", "moved-away")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("Meninggal dunia"), "{}", again.body);
    let unknown = b.get(&c.app, "/desk/worklist/9999/close").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
