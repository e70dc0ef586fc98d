//! Mobile-unit visits in the console, driven in-process: a supervisor plans a visit from a
//! suggestion (a bad form comes back with an error summary linking each field and creates
//! nothing), opens it, sees it open with its live figures, closes it and finds its figures
//! recorded, every change audited with them; refusals (another visit open, not open, already
//! closed) are messages, not failures; an operator may look but not plan, open or close; a form
//! without the CSRF token changes nothing.

mod support;

use axum::http::StatusCode;
use rekam_agent::office::worklist::{import, regions};
use rekam_agent::store::visits::{NewVisit, PlaceKind, VisitStatus};
use support::{Browser, Console, console_with, signed_in};

const REGIONS: &str = "code,name,parent\n\
320405,Cibinong,3204\n\
3204052001,Sukamaju,320405\n\
3204052002,Cikaret,320405\n\
320406,Citeureup,3204\n\
3204062001,Puspanegara,320406\n";

const LIST: &str = "No,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Alamat,RT/RW,Desa/Kelurahan,Kecamatan,Alasan\n\
1,3204054101900001,Siti Aminah,01-01-1990,P,Jl. Mawar 1,003/005,Sukamaju,Cibinong,Belum rekam\n\
2,,Budi Hartono,02-01-1990,L,Jl. Melati 2,001/001,Sukamaju,Cibinong,Belum rekam\n\
3,,Gita Pemula,03-01-1990,P,Gg. Sawo 3,002/001,Sukamaju,Cibinong,Belum rekam\n\
4,,Dedi Kurnia,04-01-1990,L,Jl. Kenanga 4,002/001,Cikaret,Cibinong,Belum rekam\n\
5,,Eko Saputra,05-01-1990,L,Jl. Pasar 5,001/002,Puspanegara,Citeureup,Belum rekam\n";

async fn office() -> Console {
    let c = console_with(false, |_| {}).await;
    let now = (c.agent.clock)();
    c.agent
        .with_store(move |s| {
            let r = regions::parse(REGIONS.as_bytes().to_vec()).expect("regions");
            s.import_worklist_regions(&r, "regions.csv", "00", "adm", now)?;
            let report = import::import(s, "list.csv", LIST.as_bytes().to_vec(), false, "adm", now)
                .expect("import");
            assert!(report.committed(), "{:?}", report.bad);
            Ok(())
        })
        .await
        .expect("worklist");
    c
}

async fn visit_count(c: &Console) -> usize {
    c.agent
        .with_store(|s| Ok(s.visits()?.len()))
        .await
        .expect("visits")
}

async fn status_of(c: &Console, id: i64) -> VisitStatus {
    c.agent
        .with_store(move |s| Ok(s.visit(id)?.expect("visit").status))
        .await
        .expect("visit")
}

async fn planned(c: &Console, desa: &str, place: &str) -> i64 {
    let now = (c.agent.clock)();
    let (desa, place) = (desa.to_string(), place.to_string());
    c.agent
        .with_store(move |s| {
            Ok(s.create_visit(
                &NewVisit {
                    place_kind: PlaceKind::VillageHall,
                    place_name: place,
                    desa,
                    day: "2026-12-03".into(),
                    unit_id: None,
                    staff: vec!["op".into()],
                    entries: None,
                },
                "adm",
                now,
            )?)
        })
        .await
        .expect("visit")
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

/// The `data-figure="key"` number of a page.
fn figure(body: &str, key: &str) -> u64 {
    let at = body
        .find(&format!("data-figure=\"{key}\""))
        .unwrap_or_else(|| panic!("no figure {key}"));
    let dd = &body[at..];
    let start = dd.find("<dd>").expect("dd") + 4;
    let end = dd.find("</dd>").expect("/dd");
    dd[start..end].trim().parse().expect("number")
}

/// The form a supervisor fills in for a visit to Sukamaju, with `changes` applied.
fn form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("place_kind", "school"),
        ("place_name", "SMAN 1 Cibinong"),
        ("desa", "3204052001"),
        ("day", "2026-12-04"),
        ("unit", "MOBIL-01"),
        ("staff", "spv"),
        ("staff", "op"),
    ];
    for (k, v) in changes {
        f.retain(|(name, _)| name != k);
        if !v.is_empty() {
            f.push((k, v));
        }
    }
    f
}

async fn refused_form(c: &Console, b: &mut Browser, fields: &[(&str, &str)]) -> String {
    b.get(&c.app, "/visits/new").await;
    let p = b.post(&c.app, "/visits/new", fields).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("data-error-summary"), "{}", p.body);
    p.body
}

#[tokio::test]
async fn the_navigation_links_to_the_visits_and_the_page_suggests_desa_by_backlog() {
    let c = office().await;
    let mut b = signed_in(&c, "spv").await;
    let home = b.get(&c.app, "/").await;
    assert!(home.body.contains("href=\"/visits\""), "nav link");
    let p = b.get(&c.app, "/visits").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("data-screen=\"office-visits\""));
    assert!(p.body.contains("Tidak ada kunjungan yang sedang dibuka."));
    // Cibinong (4 open) before Citeureup (1); Sukamaju (3) before Cikaret (1) within it.
    let order: Vec<usize> = ["Sukamaju", "Cikaret", "Puspanegara"]
        .iter()
        .map(|d| {
            p.body
                .find(&format!("data-plan=\"{d}\""))
                .unwrap_or_else(|| panic!("{d} suggested"))
        })
        .collect();
    assert!(order[0] < order[1] && order[1] < order[2], "{order:?}");
    assert!(p.body.contains("href=\"/visits/new?desa=3204052001\""));
    assert!(
        p.body
            .contains("aria-label=\"Rencanakan kunjungan ke Sukamaju, Cibinong\"")
    );
}

#[tokio::test]
async fn a_suggestion_prefills_the_new_visit_form_with_its_desa() {
    let c = office().await;
    let mut b = signed_in(&c, "spv").await;
    let p = b.get(&c.app, "/visits/new?desa=3204052002").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body
            .contains("<option value=\"3204052002\" selected>Cikaret (3204052002)</option>"),
        "{}",
        p.body
    );
    assert!(p.body.contains("<optgroup label=\"Cibinong\">"));
    // Staff: the active accounts, the supervisor planning it ticked.
    assert!(
        p.body
            .contains("name=\"staff\" value=\"spv\" checked><label for=\"staff-")
    );
    assert!(p.body.contains("Siti Operator (op)"));
}

#[tokio::test]
async fn a_bad_form_comes_back_with_an_error_summary_linking_each_field_and_creates_nothing() {
    let c = office().await;
    let mut b = signed_in(&c, "spv").await;
    let body = refused_form(
        &c,
        &mut b,
        &form(&[("place_kind", ""), ("place_name", "  "), ("staff", "")]),
    )
    .await;
    for link in [
        "href=\"#place_kind\"",
        "href=\"#place_name\"",
        "href=\"#staff\"",
    ] {
        assert!(body.contains(link), "{link}: {body}");
    }
    assert!(body.contains("Pilih jenis tempat"));
    assert!(body.contains("Tulis nama tempat"));
    assert!(body.contains("Pilih paling sedikit satu petugas"));
    // What was typed stays.
    assert!(body.contains("<option value=\"3204052001\" selected>"));
    assert!(body.contains("value=\"MOBIL-01\""));

    let body = refused_form(&c, &mut b, &form(&[("day", "23-11-2026")])).await;
    assert!(body.contains("href=\"#day\""), "{body}");
    assert!(body.contains("Tulis tanggal sebagai tahun-bulan-hari"));
    assert!(
        body.contains("id=\"day\" name=\"day\" type=\"date\" class=\"short\" value=\"23-11-2026\"")
    );

    let body = refused_form(&c, &mut b, &form(&[("desa", "Atlantis")])).await;
    assert!(body.contains("href=\"#desa\""), "{body}");
    assert!(body.contains("Desa/kelurahan Atlantis tidak ada di wilayah yang diimpor"));
    let body = refused_form(&c, &mut b, &form(&[("desa", "")])).await;
    assert!(body.contains("Pilih desa/kelurahan</a>"), "{body}");

    let body = refused_form(&c, &mut b, &form(&[("staff", "ghost")])).await;
    assert!(
        body.contains("ghost bukan akun petugas yang aktif"),
        "{body}"
    );

    // An account disabled since the form was drawn is not staff.
    let now = (c.agent.clock)();
    c.agent
        .with_store(move |s| Ok(s.set_operator_enabled("adm", "tek", false, now)?))
        .await
        .expect("disable");
    let body = refused_form(&c, &mut b, &form(&[("staff", "tek")])).await;
    assert!(body.contains("tek bukan akun petugas yang aktif"), "{body}");
    assert!(
        !body.contains("value=\"tek\""),
        "disabled accounts are not offered"
    );

    assert_eq!(visit_count(&c).await, 0, "nothing was created");
    assert!(audited(&c, "visit.new").await.is_empty());
}

#[tokio::test]
async fn a_supervisor_plans_opens_and_closes_a_visit_and_its_figures_are_recorded() {
    let c = office().await;
    let mut b = signed_in(&c, "spv").await;
    b.get(&c.app, "/visits/new?desa=3204052001").await;
    let done = b.post(&c.app, "/visits/new", &form(&[])).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/visits/1?done=planned"));
    let p = b.get(&c.app, "/visits/1?done=planned").await;
    assert!(p.body.contains("Kunjungan 1 direncanakan."), "{}", p.body);
    assert!(p.body.contains("Kunjungan 1: SMAN 1 Cibinong"));
    assert!(p.body.contains("Direncanakan"));
    assert!(p.body.contains("Sukamaju (3204052001)"));
    assert!(p.body.contains("Cibinong (320405)"));
    assert!(p.body.contains("MOBIL-01"));
    assert!(p.body.contains("spv, op"));
    assert!(p.body.contains("Sasaran kunjungan (3)"));
    for name in ["Siti Aminah", "Budi Hartono", "Gita Pemula"] {
        assert!(
            p.body.contains(&format!("<th scope=\"row\">{name}</th>")),
            "{name}"
        );
    }
    assert!(!p.body.contains("Dedi Kurnia"), "Cikaret is not targeted");
    assert!(
        !p.body.contains("href=\"/desk/worklist\" data-action"),
        "no worklist button before it opens"
    );
    assert_eq!(
        audited(&c, "visit.new").await,
        vec![("spv".to_string(), "1".to_string())]
    );

    // The list: planned with an Open button; Sukamaju is no longer suggested.
    let list = b.get(&c.app, "/visits").await;
    assert!(
        list.body
            .contains("aria-label=\"Buka kunjungan 1 (SMAN 1 Cibinong)\"")
    );
    assert!(!list.body.contains("data-plan=\"Sukamaju\""));
    assert!(list.body.contains("data-plan=\"Cikaret\""));

    let opened = b.post(&c.app, "/visits/1/open", &[]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let p = b.get(&c.app, opened.location.as_deref().expect("to")).await;
    assert!(p.body.contains("Kunjungan 1 dibuka."), "{}", p.body);
    assert!(p.body.contains("Sedang dibuka"));
    assert!(
        p.body
            .contains("href=\"/desk/worklist\" data-action=\"worklist\"")
    );
    assert!(
        p.body
            .contains("aria-label=\"Tutup kunjungan 1 (SMAN 1 Cibinong)\"")
    );
    assert_eq!(status_of(&c, 1).await, VisitStatus::Open);

    // The list shows it open with its live figures and a Close button; the desk's list is its.
    let list = b.get(&c.app, "/visits").await;
    let open = &list.body[list.body.find("data-section=\"open\"").expect("open")..];
    let open = &open[..open.find("data-section=\"planned\"").expect("planned")];
    assert!(open.contains("SMAN 1 Cibinong"), "{open}");
    assert_eq!(figure(open, "targeted"), 3);
    assert_eq!(figure(open, "remaining"), 3);
    assert_eq!(figure(open, "finalized"), 0);
    assert!(open.contains("action=\"/visits/1/close\""));
    let desk = b.get(&c.app, "/desk/worklist").await;
    assert!(
        desk.body
            .contains("Sasaran kunjungan: SMAN 1 Cibinong, Sukamaju")
    );

    // One resident turns out to have recorded elsewhere: closing counts that.
    let now = (c.agent.clock)();
    c.agent
        .with_store(move |s| {
            let id: i64 = s
                .raw_connection()
                .query_row(
                    "SELECT id FROM worklist_entries WHERE name = 'Budi Hartono'",
                    [],
                    |r| r.get(0),
                )
                .expect("entry");
            s.close_worklist_entry(
                id,
                rekam_agent::store::worklist::Outcome::RecordedElsewhere,
                None,
                "op",
                now,
            )?;
            Ok(())
        })
        .await
        .expect("close entry");

    let closed = b.post(&c.app, "/visits/1/close", &[]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let p = b.get(&c.app, closed.location.as_deref().expect("to")).await;
    assert!(p.body.contains("Kunjungan 1 ditutup dan hasilnya dicatat."));
    assert!(p.body.contains("Hasil yang dicatat saat ditutup"));
    assert_eq!(figure(&p.body, "targeted"), 3);
    assert_eq!(figure(&p.body, "closed"), 1);
    assert_eq!(figure(&p.body, "remaining"), 2);
    assert!(p.body.contains("Ditutup: sudah merekam di tempat lain"));
    assert!(!p.body.contains("action=\"/visits/1/close\""));
    let recorded = c
        .agent
        .with_store(|s| Ok(s.visit(1)?.expect("visit").figures))
        .await
        .expect("visit")
        .expect("figures recorded at closing");
    assert_eq!((recorded.targeted, recorded.targeted_closed), (3, 1));
    let list = b.get(&c.app, "/visits").await;
    let closed = &list.body[list.body.find("data-section=\"closed\"").expect("closed")..];
    assert!(
        closed.contains("0 selesai direkam, 2 sasaran belum merekam"),
        "{closed}"
    );
    assert_eq!(
        audited(&c, "visit.open").await,
        vec![("spv".to_string(), "1".to_string())]
    );
    assert_eq!(
        audited(&c, "visit.close").await,
        vec![("spv".to_string(), "1".to_string())]
    );
}

#[tokio::test]
async fn refused_opens_and_closes_say_why_and_change_nothing() {
    let c = office().await;
    let a = planned(&c, "Sukamaju", "Balai Desa Sukamaju").await;
    let other = planned(&c, "Cikaret", "Balai Desa Cikaret").await;
    let mut b = signed_in(&c, "adm").await;
    b.get(&c.app, &format!("/visits/{other}")).await;

    let p = b.post(&c.app, &format!("/visits/{other}/close"), &[]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(
        p.body.contains(&format!("Kunjungan {other} belum dibuka")),
        "{}",
        p.body
    );
    assert!(p.body.contains("data-refusal"));

    let p = b.post(&c.app, &format!("/visits/{a}/open"), &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = b.post(&c.app, &format!("/visits/{a}/open"), &[]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains(&format!("Kunjungan {a} sudah dibuka.")));
    let p = b.post(&c.app, &format!("/visits/{other}/open"), &[]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(
        p.body.contains(&format!(
            "Kunjungan {a} (Balai Desa Sukamaju) masih dibuka. Tutup kunjungan itu dulu"
        )),
        "{}",
        p.body
    );
    assert_eq!(status_of(&c, other).await, VisitStatus::Planned);

    let p = b.post(&c.app, &format!("/visits/{a}/close"), &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = b.post(&c.app, &format!("/visits/{a}/close"), &[]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains(&format!("Kunjungan {a} sudah ditutup.")));
    let p = b.post(&c.app, &format!("/visits/{a}/open"), &[]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains("tidak dapat dibuka lagi"));
    assert_eq!(audited(&c, "visit.close").await.len(), 1);

    let missing = b.post(&c.app, "/visits/99/open", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let missing = b.get(&c.app, "/visits/99").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let missing = b.get(&c.app, "/visits/abc").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains("data-screen=\"not-found\""),
        "{}",
        missing.body
    );
}

#[tokio::test]
async fn an_operator_may_look_at_visits_but_not_plan_open_or_close_them() {
    let c = office().await;
    let id = planned(&c, "Sukamaju", "Balai Desa Sukamaju").await;
    let mut b = signed_in(&c, "op").await;
    let list = b.get(&c.app, "/visits").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Balai Desa Sukamaju"));
    assert!(
        !list.body.contains("href=\"/visits/new"),
        "no planning links"
    );
    assert!(!list.body.contains("/open\""), "no Open button");
    let one = b.get(&c.app, &format!("/visits/{id}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(!one.body.contains("/open\""));

    assert_eq!(
        b.get(&c.app, "/visits/new").await.status,
        StatusCode::FORBIDDEN
    );
    let p = b.post(&c.app, "/visits/new", &form(&[])).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(visit_count(&c).await, 1);
    let p = b.post(&c.app, &format!("/visits/{id}/open"), &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&c, id).await, VisitStatus::Planned);
    assert!(audited(&c, "visit.open").await.is_empty());
}

#[tokio::test]
async fn a_form_without_the_csrf_token_changes_nothing() {
    let c = office().await;
    let id = planned(&c, "Sukamaju", "Balai Desa Sukamaju").await;
    let mut b = signed_in(&c, "spv").await;
    b.get(&c.app, &format!("/visits/{id}")).await;
    let p = b
        .post_raw(&c.app, &format!("/visits/{id}/open"), String::new())
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&c, id).await, VisitStatus::Planned);
    let p = b
        .post_raw(
            &c.app,
            "/visits/new",
            "place_kind=school&place_name=SMAN+1&desa=3204052002&day=2026-12-04&staff=spv".into(),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(visit_count(&c).await, 1);
}
