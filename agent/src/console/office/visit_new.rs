//! `/visits/new`: planning a mobile-unit visit in the console, as `rekam visit new` does: the
//! kind of place (radios), its name, the desa (a select of the imported regions, grouped by
//! kecamatan), the day, the mobile unit (optional; the workstation's id on a mobile unit) and the
//! staff (checkboxes of the active operator accounts). The visit targets every open worklist
//! entry of the desa.
//!
//! Contract: for supervisors and admins only (see [`super::visits`]); `?desa=CODE` preselects a
//! desa (the planning suggestions link here with it). The rules are the store's
//! ([`Store::new_visit_problems`]: a place name, a configured desa, a date, staff with accounts)
//! plus the form's own (a kind chosen, lengths, staff among the active accounts offered); a
//! refused form comes back (422) with what was typed, an error summary linking each field at
//! fault and the message beside it, and nothing is created. A planned visit is created by the
//! store with the signed-in operator as actor (audited `visit.new`), then the browser is sent to
//! its page.
//!
//! [`Store::new_visit_problems`]: crate::store::Store::new_visit_problems

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::visits::{can_plan, kind_name};
use super::visits_text::VisitText;
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::i18n::fill;
use crate::console::page::{self, Chrome, FormErrors};
use crate::operators::Account;
use crate::service::ServiceError;
use crate::store::StoreError;
use crate::store::figures::day_window;
use crate::store::visits::{NewVisit, PlaceKind, VisitProblem};
use crate::store::worklist::{Region, RegionKind};

/// The form's fields in page order (the error summary follows it).
const FIELDS: [&str; 6] = ["place_kind", "place_name", "desa", "day", "unit", "staff"];

/// Longest place name.
const MAX_PLACE_CHARS: usize = 120;

/// Longest mobile unit id.
const MAX_UNIT_CHARS: usize = 64;

/// A radio of the place kind.
pub struct KindChoice {
    /// The input's id (the first is `place_kind`, so the summary can link the group).
    pub id: String,
    /// As posted.
    pub value: &'static str,
    /// In words.
    pub name: &'static str,
    /// Chosen now.
    pub checked: bool,
}

/// A desa in the select.
pub struct DesaOption {
    /// Its code (posted).
    pub code: String,
    /// "Name (code)".
    pub name: String,
    /// Chosen now.
    pub selected: bool,
}

/// A kecamatan's desa.
pub struct DesaGroup {
    /// The kecamatan's name.
    pub kecamatan: String,
    /// Its desa.
    pub desa: Vec<DesaOption>,
}

/// A staff checkbox.
pub struct StaffChoice {
    /// The input's id (the first is `staff`).
    pub id: String,
    /// The operator id (posted).
    pub value: String,
    /// "Name (id)".
    pub name: String,
    /// Ticked now.
    pub checked: bool,
}

/// The new-visit page.
#[derive(Template)]
#[template(path = "office/visit_new.html")]
pub struct NewVisitPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static VisitText,
    /// What was wrong.
    pub errors: FormErrors,
    /// Place kinds.
    pub kinds: Vec<KindChoice>,
    /// The place name typed.
    pub place_name: String,
    /// Desa by kecamatan.
    pub groups: Vec<DesaGroup>,
    /// Whether any desa is known.
    pub has_regions: bool,
    /// The day typed.
    pub day: String,
    /// The unit typed.
    pub unit: String,
    /// Active accounts.
    pub staff: Vec<StaffChoice>,
}

/// What the form holds (as typed).
#[derive(Default, Debug, Clone)]
pub struct Typed {
    place_kind: String,
    place_name: String,
    desa: String,
    day: String,
    unit: String,
    staff: Vec<String>,
}

impl Typed {
    fn from_fields(fields: Vec<(String, String)>) -> Typed {
        let mut t = Typed::default();
        for (k, v) in fields {
            match k.as_str() {
                "place_kind" => t.place_kind = v,
                "place_name" => t.place_name = v,
                "desa" => t.desa = v,
                "day" => t.day = v,
                "unit" => t.unit = v,
                "staff" => t.staff.push(v),
                _ => {}
            }
        }
        t
    }
}

/// `?desa=`.
#[derive(Deserialize, Default)]
pub struct Prefill {
    #[serde(default)]
    desa: String,
}

/// Regions and active accounts, for the form.
async fn choices(st: &ConsoleState) -> Result<(Vec<Region>, Vec<Account>), ServiceError> {
    st.agent
        .with_store(|s| {
            let regions = s.worklist_regions()?;
            let accounts = s
                .list_operators()?
                .into_iter()
                .filter(|a| a.enabled)
                .collect();
            Ok((regions, accounts))
        })
        .await
}

fn groups(regions: &[Region], chosen: &str) -> Vec<DesaGroup> {
    let chosen = chosen.trim();
    let mut kecamatan: Vec<&Region> = regions
        .iter()
        .filter(|r| r.kind == RegionKind::Kecamatan)
        .collect();
    kecamatan.sort_by(|a, b| a.name.cmp(&b.name));
    let option = |r: &Region| DesaOption {
        selected: !chosen.is_empty() && (r.code == chosen || r.name.eq_ignore_ascii_case(chosen)),
        name: format!("{} ({})", r.name, r.code),
        code: r.code.clone(),
    };
    let desa_of = |parent: Option<&str>| -> Vec<DesaOption> {
        let mut d: Vec<&Region> = regions
            .iter()
            .filter(|r| r.kind == RegionKind::Desa && r.parent.as_deref() == parent)
            .collect();
        d.sort_by(|a, b| a.name.cmp(&b.name));
        d.into_iter().map(option).collect()
    };
    let mut out: Vec<DesaGroup> = kecamatan
        .iter()
        .map(|k| DesaGroup {
            kecamatan: k.name.clone(),
            desa: desa_of(Some(k.code.as_str())),
        })
        .filter(|g| !g.desa.is_empty())
        .collect();
    // A desa whose kecamatan was not imported is still offered, under its parent's code.
    let mut orphans: Vec<&Region> = regions
        .iter()
        .filter(|r| {
            r.kind == RegionKind::Desa
                && !kecamatan
                    .iter()
                    .any(|k| r.parent.as_deref() == Some(k.code.as_str()))
        })
        .collect();
    orphans.sort_by(|a, b| (&a.parent, &a.name).cmp(&(&b.parent, &b.name)));
    for o in orphans {
        let name = o.parent.clone().unwrap_or_else(|| "-".into());
        match out.iter_mut().find(|g| g.kecamatan == name) {
            Some(g) => g.desa.push(option(o)),
            None => out.push(DesaGroup {
                kecamatan: name,
                desa: vec![option(o)],
            }),
        }
    }
    out
}

async fn form_page(
    st: &ConsoleState,
    me: &SignedIn,
    status: StatusCode,
    errors: FormErrors,
    typed: &Typed,
) -> Response {
    let t = VisitText::for_lang(me.lang);
    let (regions, accounts) = match choices(st).await {
        Ok(c) => c,
        Err(e) => return page::failure(&me.session, e),
    };
    let kinds = PlaceKind::ALL
        .into_iter()
        .enumerate()
        .map(|(i, k)| KindChoice {
            id: if i == 0 {
                "place_kind".into()
            } else {
                format!("place_kind-{}", k.as_str())
            },
            value: k.as_str(),
            name: kind_name(t, k),
            checked: PlaceKind::parse(&typed.place_kind) == Some(k),
        })
        .collect();
    let staff = accounts
        .into_iter()
        .enumerate()
        .map(|(i, a)| StaffChoice {
            id: if i == 0 {
                "staff".into()
            } else {
                format!("staff-{i}")
            },
            checked: typed.staff.contains(&a.operator.id),
            name: format!("{} ({})", a.operator.name, a.operator.id),
            value: a.operator.id,
        })
        .collect();
    let groups = groups(&regions, &typed.desa);
    page::render(
        status,
        &NewVisitPage {
            chrome: me.chrome(t.new_title),
            t,
            errors,
            kinds,
            place_name: typed.place_name.clone(),
            has_regions: !groups.is_empty(),
            groups,
            day: typed.day.clone(),
            unit: typed.unit.clone(),
            staff,
        },
    )
}

/// `GET /visits/new`.
pub async fn form(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Query(q): Query<Prefill>,
) -> Response {
    if let Err(r) = me.require(can_plan) {
        return r;
    }
    let offset = st.agent.config.console.utc_offset_minutes;
    let typed = Typed {
        desa: q.desa,
        day: day_window((st.agent.clock)(), offset).1,
        unit: st.agent.config.mobile_unit_id().unwrap_or_default(),
        // Whoever plans it usually goes along; they untick themselves if not.
        staff: vec![me.operator.id.clone()],
        ..Typed::default()
    };
    form_page(&st, &me, StatusCode::OK, FormErrors::default(), &typed).await
}

/// The message for a store rule broken, on its field.
fn problem(t: &VisitText, p: &VisitProblem) -> (&'static str, String) {
    match p {
        VisitProblem::NoPlaceName => ("place_name", t.err_place_name.to_string()),
        VisitProblem::UnknownDesa(d) if d.trim().is_empty() => {
            ("desa", t.err_desa_missing.to_string())
        }
        VisitProblem::UnknownDesa(d) => ("desa", fill(t.err_desa_unknown, d)),
        VisitProblem::BadDate { day, .. } if day.trim().is_empty() => {
            ("day", t.err_day_missing.to_string())
        }
        VisitProblem::BadDate { .. } => ("day", t.err_day_bad.to_string()),
        VisitProblem::NoStaff => ("staff", t.err_staff_missing.to_string()),
        VisitProblem::UnknownStaff(s) => ("staff", fill(t.err_staff_unknown, s)),
    }
}

/// `POST /visits/new`.
pub async fn create(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = me.require(can_plan) {
        return r;
    }
    let t = VisitText::for_lang(me.lang);
    let typed = Typed::from_fields(fields);
    let mut found: Vec<(&'static str, String)> = Vec::new();
    let kind = PlaceKind::parse(typed.place_kind.trim());
    if kind.is_none() {
        found.push(("place_kind", t.err_kind.to_string()));
    }
    if typed.place_name.trim().chars().count() > MAX_PLACE_CHARS {
        found.push(("place_name", t.err_place_long.to_string()));
    }
    let unit = typed.unit.trim().to_string();
    if unit.chars().count() > MAX_UNIT_CHARS {
        found.push(("unit", t.err_unit_long.to_string()));
    }
    let visit = NewVisit {
        // Only for the store's checks when no kind was chosen; nothing is created then.
        place_kind: kind.unwrap_or(PlaceKind::Other),
        place_name: typed.place_name.trim().to_string(),
        desa: typed.desa.trim().to_string(),
        day: typed.day.trim().to_string(),
        unit_id: (!unit.is_empty()).then_some(unit),
        staff: typed.staff.clone(),
        entries: None,
    };
    let by = me.operator.id.clone();
    let now = (st.agent.clock)();
    let created = st
        .agent
        .with_store(move |s| {
            let active: Vec<String> = s
                .list_operators()?
                .into_iter()
                .filter(|a| a.enabled)
                .map(|a| a.operator.id)
                .collect();
            for p in s.new_visit_problems(&visit)? {
                found.push(problem(t, &p));
            }
            // The form offers active accounts only; one disabled since is refused here.
            for id in &visit.staff {
                if !active.contains(id) {
                    found.push(("staff", fill(t.err_staff_unknown, id)));
                }
            }
            if !found.is_empty() {
                return Ok(Err(found));
            }
            Ok(Ok(s.create_visit(&visit, &by, now)?))
        })
        .await;
    let found = match created {
        Ok(Ok(id)) => return Redirect::to(&format!("/visits/{id}?done=planned")).into_response(),
        Ok(Err(found)) => found,
        // A rule the store holds that the checks above did not see.
        Err(ServiceError::Store(StoreError::Refused(why))) => {
            vec![("place_name", fill(t.refused, why))]
        }
        Err(e) => return page::failure(&me.session, e),
    };
    let mut errors = FormErrors::default();
    for field in FIELDS {
        if let Some((_, m)) = found.iter().find(|(f, _)| *f == field) {
            errors.push(field, m.clone());
        }
    }
    form_page(&st, &me, StatusCode::UNPROCESSABLE_ENTITY, errors, &typed).await
}
