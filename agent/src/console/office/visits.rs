//! `/visits`: mobile-unit visits ("jemput bola") in the console, as `rekam visit` does them on
//! the command line. The list (the open visit with its live figures, planned visits, closed ones
//! with their recorded figures, and where to go next: desa ranked by backlog as
//! [`Store::plan_visits`] ranks them, each linking to a prefilled new-visit form); one visit
//! (`/visits/{id}`: place, desa, day, staff, status, figures and its targeted worklist entries);
//! and opening and closing (`POST /visits/{id}/open|close`). Planning is [`super::visit_new`].
//!
//! Contract: every signed-in operator may read these pages; planning, opening and closing are
//! for supervisors and admins ([`Role::can_approve`], as approving an exception is) and anyone
//! else gets 403 with the controls hidden from them. Every change goes through the store with the
//! signed-in operator as actor, so it is audited in the same transaction (`visit.new`,
//! `visit.open`, `visit.close`). A refused open or close (another visit open, already open,
//! already closed, not open yet) answers 409 with the visit's page and the reason in words;
//! nothing changes. Suggestions leave out desa with a visit in the last
//! [`PLAN_RECENT_DAYS`] days, counted back from today at the workstation's UTC offset.
//!
//! [`Store::plan_visits`]: crate::store::Store::plan_visits

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::local_time;
use super::query_value;
use super::visits_text::VisitText;
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::i18n::{fill, fill2};
use crate::console::page::{self, Chrome};
use crate::operators::Role;
use crate::service::ServiceError;
use crate::store::StoreError;
use crate::store::figures::day_window;
use crate::store::visits::{
    PLAN_LIMIT, PLAN_RECENT_DAYS, PlaceKind, PlanRow, Visit, VisitFigures, VisitStatus, plan_since,
};
use crate::store::worklist::{Entry, EntryFilter, EntryStatus, Outcome};

/// Who may plan, open and close visits.
pub fn can_plan(role: Role) -> bool {
    role.can_approve()
}

/// A place kind in words.
pub fn kind_name(t: &VisitText, k: PlaceKind) -> &'static str {
    match k {
        PlaceKind::School => t.kind_school,
        PlaceKind::Prison => t.kind_prison,
        PlaceKind::VillageHall => t.kind_village_hall,
        PlaceKind::Home => t.kind_home,
        PlaceKind::Other => t.kind_other,
    }
}

fn status_name(t: &VisitText, s: VisitStatus) -> (&'static str, &'static str) {
    match s {
        VisitStatus::Planned => (t.status_planned, "warn"),
        VisitStatus::Open => (t.status_open, "ok"),
        VisitStatus::Closed => (t.status_closed, "neutral"),
    }
}

/// One number of a visit.
pub struct Figure {
    /// What it counts.
    pub label: &'static str,
    /// How many.
    pub value: u64,
    /// Stable key for tests.
    pub key: &'static str,
}

fn figures(t: &VisitText, f: &VisitFigures) -> Vec<Figure> {
    [
        (t.fig_started, f.started, "started"),
        (t.fig_finalized, f.finalized, "finalized"),
        (t.fig_first_time, f.first_time_voters, "first_time_voters"),
        (t.fig_targeted, f.targeted, "targeted"),
        (t.fig_matched, f.targeted_matched, "matched"),
        (t.fig_closed, f.targeted_closed, "closed"),
        (t.fig_remaining, f.remaining, "remaining"),
    ]
    .into_iter()
    .map(|(label, value, key)| Figure { label, value, key })
    .collect()
}

/// A visit as listed.
pub struct VisitRow {
    /// Its id.
    pub id: i64,
    /// Its page.
    pub href: String,
    /// Its day.
    pub day: String,
    /// Kind and name of the place.
    pub place: String,
    /// Desa, kecamatan.
    pub area: String,
    /// Worklist entries it targets.
    pub targets: usize,
    /// The open or close button's accessible name.
    pub action_label: String,
    /// The recorded results in words (closed visits).
    pub results: Option<String>,
}

fn row(t: &VisitText, v: &Visit, action: &str) -> VisitRow {
    let place = format!("{}: {}", kind_name(t, v.place_kind), v.place_name);
    VisitRow {
        id: v.id,
        href: format!("/visits/{}", v.id),
        day: v.day.clone(),
        area: format!("{}, {}", v.desa, v.kecamatan),
        targets: v.entries.len(),
        action_label: fill(action, format!("{} ({})", v.id, v.place_name)),
        results: v
            .figures
            .map(|f| fill2(t.figures_line, f.finalized, f.remaining)),
        place,
    }
}

/// A suggestion as listed.
pub struct PlanItem {
    /// Kecamatan name.
    pub kecamatan: String,
    /// Open entries in it.
    pub kecamatan_backlog: u64,
    /// Desa name.
    pub desa: String,
    /// Open entries in it.
    pub backlog: u64,
    /// Its last visit's day, or "never".
    pub last_visit: String,
    /// The prefilled new-visit form.
    pub href: String,
    /// The link's accessible name.
    pub label: String,
}

/// The list page.
#[derive(Template)]
#[template(path = "office/visits.html")]
pub struct VisitsPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static VisitText,
    /// The signed-in operator may plan, open and close.
    pub can_plan: bool,
    /// The open visit.
    pub open: Option<VisitRow>,
    /// Its figures so far.
    pub open_figures: Vec<Figure>,
    /// Planned visits.
    pub planned: Vec<VisitRow>,
    /// Closed visits.
    pub closed: Vec<VisitRow>,
    /// The window the suggestions leave out, in words.
    pub plan_intro: String,
    /// Suggestions.
    pub plan: Vec<PlanItem>,
}

/// `?done=...`: what the last change was.
#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

fn notice(t: &VisitText, done: &Done, id: i64) -> Option<String> {
    match done.done.as_str() {
        "planned" => Some(fill(t.planned_done, id)),
        "opened" => Some(fill(t.opened_done, id)),
        "closed" => Some(fill(t.closed_done, id)),
        _ => None,
    }
}

/// `GET /visits`.
pub async fn list(State(st): State<ConsoleState>, me: SignedIn) -> Response {
    let t = VisitText::for_lang(me.lang);
    let offset = st.agent.config.console.utc_offset_minutes;
    let today = day_window((st.agent.clock)(), offset).1;
    let since = match rekam_protocol::timefmt::parse_date(&today) {
        Ok(d) => plan_since(d, PLAN_RECENT_DAYS),
        Err(e) => return page::failure(&me.session, e),
    };
    let window = since.clone();
    let loaded = st
        .agent
        .with_store(move |s| {
            let visits = s.visits()?;
            let live = match visits.iter().find(|v| v.status == VisitStatus::Open) {
                Some(v) => s.visit_figures(v.id)?,
                None => None,
            };
            let plan = s.plan_visits(&window, PLAN_LIMIT)?;
            Ok((visits, live, plan))
        })
        .await;
    let (visits, live, plan) = match loaded {
        Ok(v) => v,
        Err(e) => return page::failure(&me.session, e),
    };
    let open = visits
        .iter()
        .find(|v| v.status == VisitStatus::Open)
        .map(|v| row(t, v, t.close_label));
    let of = |status: VisitStatus, action: &str| -> Vec<VisitRow> {
        visits
            .iter()
            .filter(|v| v.status == status)
            .map(|v| row(t, v, action))
            .collect()
    };
    let plan = plan
        .into_iter()
        .map(|r: PlanRow| PlanItem {
            href: format!("/visits/new?desa={}", query_value(&r.desa_code)),
            label: fill(t.plan_here_label, format!("{}, {}", r.desa, r.kecamatan)),
            last_visit: r.last_visit.unwrap_or_else(|| t.never.to_string()),
            kecamatan: r.kecamatan,
            kecamatan_backlog: r.kecamatan_backlog,
            desa: r.desa,
            backlog: r.backlog,
        })
        .collect();
    page::render(
        StatusCode::OK,
        &VisitsPage {
            chrome: me.chrome(t.title),
            t,
            can_plan: can_plan(me.operator.role),
            open_figures: live.map(|f| figures(t, &f)).unwrap_or_default(),
            open,
            planned: of(VisitStatus::Planned, t.open_label),
            closed: of(VisitStatus::Closed, ""),
            plan_intro: fill(t.plan_intro, since),
            plan,
        },
    )
}

/// A targeted worklist entry.
pub struct TargetRow {
    /// Name.
    pub name: String,
    /// Street and RT/RW.
    pub address: String,
    /// Where it stands, in words.
    pub status: String,
    /// `open`, `matched` or `closed`.
    pub key: &'static str,
}

fn outcome_name(t: &VisitText, o: Outcome) -> &'static str {
    match o {
        Outcome::RecordedHere => t.outcome_recorded_here,
        Outcome::RecordedElsewhere => t.outcome_recorded_elsewhere,
        Outcome::Deceased => t.outcome_deceased,
        Outcome::MovedAway => t.outcome_moved_away,
        Outcome::NotFound => t.outcome_not_found,
        Outcome::Refused => t.outcome_refused,
    }
}

fn target(t: &VisitText, e: Entry) -> TargetRow {
    let mut address = e.address;
    if let (Some(rt), Some(rw)) = (e.rt, e.rw) {
        address.push_str(&format!(" RT {rt:03}/RW {rw:03}"));
    }
    let (status, key) = match e.status {
        EntryStatus::Open => (t.entry_open.to_string(), "open"),
        EntryStatus::Matched => (t.entry_matched.to_string(), "matched"),
        EntryStatus::Closed => (
            fill(
                t.entry_closed,
                e.outcome.map(|o| outcome_name(t, o)).unwrap_or("-"),
            ),
            "closed",
        ),
    };
    TargetRow {
        name: e.name,
        address,
        status,
        key,
    }
}

/// One visit's page.
#[derive(Template)]
#[template(path = "office/visit.html")]
pub struct VisitPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static VisitText,
    /// The signed-in operator may open and close it.
    pub can_plan: bool,
    /// What was just done.
    pub notice: Option<String>,
    /// Why the last open or close was refused.
    pub refusal: Option<String>,
    /// The heading.
    pub heading: String,
    /// Its id.
    pub id: i64,
    /// Planned.
    pub is_planned: bool,
    /// Open.
    pub is_open: bool,
    /// Status in words.
    pub status: &'static str,
    /// `ok`, `warn` or `neutral`.
    pub tone: &'static str,
    /// `(label, value)` rows.
    pub facts: Vec<(&'static str, String)>,
    /// The figures' heading.
    pub figures_title: &'static str,
    /// Its figures (stored once closed, computed now before).
    pub figures: Vec<Figure>,
    /// The button's accessible name (open or close).
    pub action_label: String,
    /// The targets' heading.
    pub targets_title: String,
    /// Its targeted entries.
    pub targets: Vec<TargetRow>,
}

/// Renders visit `id`'s page, or 404.
async fn visit_page(
    st: &ConsoleState,
    me: &SignedIn,
    id: i64,
    status: StatusCode,
    notice: Option<String>,
    refusal: Option<String>,
) -> Response {
    let t = VisitText::for_lang(me.lang);
    let loaded = st
        .agent
        .with_store(move |s| {
            let Some(v) = s.visit(id)? else {
                return Ok(None);
            };
            let f = s.visit_figures(id)?.unwrap_or_default();
            let entries = s.worklist_entries(&EntryFilter {
                visit: Some(id),
                ..EntryFilter::default()
            })?;
            Ok(Some((v, f, entries)))
        })
        .await;
    let (v, f, entries) = match loaded {
        Ok(Some(x)) => x,
        Ok(None) => return page::not_found(&me.session),
        Err(e) => return page::failure(&me.session, e),
    };
    let offset = st.agent.config.console.utc_offset_minutes;
    let by_at = |x: &Option<(String, i64)>| {
        x.as_ref()
            .map(|(by, ms)| fill2(t.by_at, by, local_time(*ms, offset)))
    };
    let (status_words, tone) = status_name(t, v.status);
    let mut facts = vec![
        (
            t.row_place,
            format!("{}: {}", kind_name(t, v.place_kind), v.place_name),
        ),
        (t.row_desa, format!("{} ({})", v.desa, v.desa_code)),
        (
            t.row_kecamatan,
            format!("{} ({})", v.kecamatan, v.kecamatan_code),
        ),
        (t.row_day, v.day.clone()),
        (
            t.row_unit,
            v.unit_id.clone().unwrap_or_else(|| t.no_unit.to_string()),
        ),
        (t.row_staff, v.staff.join(", ")),
        (t.row_planned_by, v.created_by.clone()),
    ];
    if let Some(o) = by_at(&v.opened) {
        facts.push((t.row_opened, o));
    }
    if let Some(c) = by_at(&v.closed) {
        facts.push((t.row_closed, c));
    }
    let heading = fill2(t.visit_title, v.id, &v.place_name);
    let label = format!("{} ({})", v.id, v.place_name);
    let targets: Vec<TargetRow> = entries.into_iter().map(|e| target(t, e)).collect();
    page::render(
        status,
        &VisitPage {
            chrome: me.chrome(&heading),
            t,
            can_plan: can_plan(me.operator.role),
            notice,
            refusal,
            heading,
            id: v.id,
            is_planned: v.status == VisitStatus::Planned,
            is_open: v.status == VisitStatus::Open,
            status: status_words,
            tone,
            facts,
            figures_title: match v.status {
                VisitStatus::Planned => t.figures_planned,
                VisitStatus::Open => t.figures_live,
                VisitStatus::Closed => t.figures_recorded,
            },
            figures: figures(t, &f),
            action_label: fill(
                if v.status == VisitStatus::Open {
                    t.close_label
                } else {
                    t.open_label
                },
                label,
            ),
            targets_title: fill(t.targets_title, targets.len()),
            targets,
        },
    )
}

/// `GET /visits/{id}`.
pub async fn show(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return page::not_found(&me.session);
    };
    let t = VisitText::for_lang(me.lang);
    visit_page(&st, &me, id, StatusCode::OK, notice(t, &done, id), None).await
}

/// Why an open or close was not done.
enum Refusal {
    NoSuchVisit,
    OtherOpen(i64, String),
    AlreadyOpen,
    AlreadyClosed,
    NotOpen,
    ClosedTwice,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Open,
    Close,
}

async fn change(st: ConsoleState, me: SignedIn, id: i64, change: Change) -> Response {
    if let Err(r) = me.require(can_plan) {
        return r;
    }
    let t = VisitText::for_lang(me.lang);
    let by = me.operator.id.clone();
    let now = (st.agent.clock)();
    // The state is read and changed under one hold of the store, so the refusal given is the
    // one that applied.
    let done = st
        .agent
        .with_store(move |s| {
            let Some(v) = s.visit(id)? else {
                return Ok(Err(Refusal::NoSuchVisit));
            };
            match (change, v.status) {
                (Change::Open, VisitStatus::Closed) => Ok(Err(Refusal::AlreadyClosed)),
                (Change::Open, VisitStatus::Open) => Ok(Err(Refusal::AlreadyOpen)),
                (Change::Open, VisitStatus::Planned) => {
                    if let Some(o) = s.open_visit_now()? {
                        return Ok(Err(Refusal::OtherOpen(o.id, o.place_name)));
                    }
                    s.open_visit(id, &by, now)?;
                    Ok(Ok(()))
                }
                (Change::Close, VisitStatus::Planned) => Ok(Err(Refusal::NotOpen)),
                (Change::Close, VisitStatus::Closed) => Ok(Err(Refusal::ClosedTwice)),
                (Change::Close, VisitStatus::Open) => {
                    s.close_visit(id, &by, now)?;
                    Ok(Ok(()))
                }
            }
        })
        .await;
    let why = match done {
        Ok(Ok(())) => {
            let done = if change == Change::Open {
                "opened"
            } else {
                "closed"
            };
            return Redirect::to(&format!("/visits/{id}?done={done}")).into_response();
        }
        Ok(Err(Refusal::NoSuchVisit)) => return page::not_found(&me.session),
        Ok(Err(Refusal::OtherOpen(other, place))) => fill2(t.refused_other_open, other, place),
        Ok(Err(Refusal::AlreadyOpen)) => fill(t.refused_already_open, id),
        Ok(Err(Refusal::AlreadyClosed)) => fill(t.refused_already_closed, id),
        Ok(Err(Refusal::NotOpen)) => fill(t.refused_not_open, id),
        Ok(Err(Refusal::ClosedTwice)) => fill(t.refused_closed_twice, id),
        // A rule the store holds that the reading above did not see.
        Err(ServiceError::Store(StoreError::Refused(why))) => fill(t.refused, why),
        Err(e) => return page::failure(&me.session, e),
    };
    visit_page(&st, &me, id, StatusCode::CONFLICT, None, Some(why)).await
}

/// `POST /visits/{id}/open`.
pub async fn open(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    match id.parse() {
        Ok(id) => change(st, me, id, Change::Open).await,
        Err(_) => page::not_found(&me.session),
    }
}

/// `POST /visits/{id}/close`.
pub async fn close(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    match id.parse() {
        Ok(id) => change(st, me, id, Change::Close).await,
        Err(_) => page::not_found(&me.session),
    }
}
