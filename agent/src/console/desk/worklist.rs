//! The worklist at the desk (`/desk/worklist`): the residents the open visit targets (or every
//! open entry when no visit is open), searched by name, NIK or address on the server (a plain GET
//! form, so it works without JavaScript), each with a link that opens the start screen with the
//! resident's data filled in (`/desk/new?entry=ID`); and the name + date of birth + desa match
//! candidates an operator confirms or rejects (`/desk/worklist/candidates`, one decision per
//! page); and closing an entry whose resident will not record here (`/desk/worklist/{entry}/close`:
//! recorded elsewhere, deceased, moved away, not found at the address, refused) with a note.
//!
//! Contract: read-only except the decision (`POST /desk/worklist/candidates/{entry}/{enrollment}`)
//! and the closing (`POST /desk/worklist/{entry}/close`), both audited with the signed-in operator
//! (through [`matching`] and [`crate::store::Store::close_worklist_entry`]); a form without a
//! choice, or with a note over [`NOTE_MAX`] characters, comes back (422) with an error summary
//! linking the field and nothing changed; an entry no longer open is refused (409) unchanged. Lists show at most
//! [`LIST_LIMIT`] entries; the count is whole.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::see_other;
use super::worklist_text::WorklistText;
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::i18n::{fill, fill2};
use crate::console::page::{self, Chrome, FormErrors};
use crate::office::worklist::matching;
use crate::service::ServiceError;
use crate::store::visits::Visit;
use crate::store::worklist::{Candidate, Entry, EntryFilter, EntryStatus, Outcome};

/// Longest closing note, in characters.
pub const NOTE_MAX: usize = 500;

/// Most entries listed at once.
pub const LIST_LIMIT: usize = 200;

/// The worklist routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/desk/worklist", get(list))
        .route("/desk/worklist/candidates", get(candidates))
        .route(
            "/desk/worklist/candidates/{entry}/{enrollment}",
            get(decide_form).post(decide),
        )
        .route("/desk/worklist/{entry}/close", get(close_form).post(close))
}

fn text(me: &SignedIn) -> &'static WorklistText {
    WorklistText::for_lang(me.lang)
}

/// An entry as listed.
pub struct Row {
    /// Entry id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// NIK, when the list knows it.
    pub nik: Option<String>,
    /// Date of birth.
    pub birth: String,
    /// Street, RT/RW, desa.
    pub address: String,
    /// Why listed.
    pub reason: String,
    /// A first-time voter at the configured election.
    pub first_time_voter: bool,
    /// The start link's accessible name.
    pub start_label: String,
    /// The close link's accessible name.
    pub close_label: String,
}

/// The worklist page.
#[derive(Template)]
#[template(path = "desk/worklist.html")]
pub struct ListPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static WorklistText,
    /// The heading.
    pub heading: String,
    /// The line under it.
    pub intro: String,
    /// What was searched.
    pub q: String,
    /// "N residents (match ...)".
    pub count: String,
    /// Shown when the list was cut.
    pub capped: Option<String>,
    /// The entries.
    pub rows: Vec<Row>,
    /// The link to candidates waiting, with their count.
    pub candidates: Option<String>,
    /// What the last closing did.
    pub notice: Option<String>,
}

/// `?q=`, and after a closing `?closed=ENTRY`.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    /// The search words.
    #[serde(default)]
    pub q: String,
    /// The entry just closed.
    #[serde(default)]
    pub closed: Option<i64>,
}

fn address(e: &Entry) -> String {
    let mut s = e.address.clone();
    if let (Some(rt), Some(rw)) = (e.rt, e.rw) {
        s.push_str(&format!(" RT {rt:03}/RW {rw:03}"));
    }
    s.push_str(&format!(", {}, {}", e.desa, e.kecamatan));
    s
}

async fn list(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Query(query): Query<SearchQuery>,
) -> Response {
    let t = text(&me);
    let q = query.q.trim().to_string();
    let search = (!q.is_empty()).then(|| q.clone());
    let closed = query.closed;
    let loaded = s
        .agent
        .with_store(move |store| {
            let visit = store.open_visit_now()?;
            let filter = EntryFilter {
                status: Some(EntryStatus::Open),
                visit: visit.as_ref().map(|v| v.id),
                search,
                ..EntryFilter::default()
            };
            let entries = store.worklist_entries(&filter)?;
            let waiting = store.worklist_candidates()?.len();
            let closed = match closed {
                Some(id) => store.worklist_entry(id)?,
                None => None,
            };
            Ok((visit, entries, waiting, closed))
        })
        .await;
    let (visit, entries, waiting, closed) = match loaded {
        Ok(v) => v,
        Err(e) => return page::failure(&me.session, e),
    };
    let election = s.agent.config.election.day;
    let offset = s.agent.config.console.utc_offset_minutes;
    let total = entries.len();
    let rows = entries
        .iter()
        .take(LIST_LIMIT)
        .map(|e| Row {
            id: e.id,
            name: e.name.clone(),
            nik: e.nik.clone(),
            birth: e.date_of_birth.clone(),
            address: address(e),
            reason: e.reason.clone(),
            first_time_voter: election.is_some_and(|day| e.first_time_voter(day, offset)),
            start_label: fill(t.start_label, &e.name),
            close_label: fill(t.close_label, &e.name),
        })
        .collect();
    let (heading, intro) = match &visit {
        Some(v) => (
            fill2(t.title_visit, &v.place_name, &v.desa),
            fill2(t.intro_visit, v.id, &v.day),
        ),
        None => (t.title_all.to_string(), t.intro_all.to_string()),
    };
    let count = if q.is_empty() {
        fill(t.count, total)
    } else {
        fill2(t.count_search, total, &q)
    };
    page::render(
        StatusCode::OK,
        &ListPage {
            chrome: me.chrome(&heading),
            t,
            heading,
            intro,
            q,
            count,
            capped: (total > LIST_LIMIT).then(|| fill(t.count_capped, LIST_LIMIT)),
            rows,
            candidates: (waiting > 0).then(|| fill(t.candidates_link, waiting)),
            // Named from the entry as stored, so a hand-edited query cannot put words on the page.
            notice: closed
                .filter(|e| e.status == EntryStatus::Closed)
                .and_then(|e| {
                    e.outcome
                        .map(|o| fill2(t.closed_notice, &e.name, outcome_label(t, o)))
                }),
        },
    )
}

/// The prefilled start form's values for entry `id` and the open visit: what
/// [`super::start`] shows when opened as `/desk/new?entry=ID`.
pub async fn prefill(
    s: &ConsoleState,
    id: i64,
) -> Result<Option<(Entry, Option<Visit>)>, ServiceError> {
    s.agent
        .with_store(move |store| {
            let entry = store.worklist_entry(id)?;
            let visit = store.open_visit_now()?;
            Ok(entry.map(|e| (e, visit)))
        })
        .await
}

/// A candidate as listed.
pub struct CandidateRow {
    /// Link to its decision page.
    pub href: String,
    /// The entry's name.
    pub name: String,
    /// The entry's date of birth.
    pub birth: String,
    /// The entry's desa.
    pub desa: String,
    /// The enrollment's NIK.
    pub nik: String,
    /// The link's accessible name.
    pub label: String,
}

/// The candidates page.
#[derive(Template)]
#[template(path = "desk/worklist_candidates.html")]
pub struct CandidatesPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static WorklistText,
    /// Waiting candidates.
    pub rows: Vec<CandidateRow>,
    /// A notice after a decision.
    pub notice: Option<String>,
}

/// `?done=`: what the last decision did.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
    #[serde(default)]
    entry: Option<i64>,
    #[serde(default)]
    enrollment: String,
}

async fn candidates(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Query(done): Query<Done>,
) -> Response {
    let t = text(&me);
    let decided = done.entry;
    let loaded = s
        .agent
        .with_store(move |store| {
            let mut out = Vec::new();
            for c in store.worklist_candidates()? {
                if let Some(e) = store.worklist_entry(c.entry_id)? {
                    out.push((c, e));
                }
            }
            // The notice names the resident the operator just decided on, not an entry number.
            let name = match decided {
                Some(id) => store.worklist_entry(id)?.map(|e| e.name),
                None => None,
            };
            Ok((out, name))
        })
        .await;
    let (found, decided_name) = match loaded {
        Ok(v) => v,
        Err(e) => return page::failure(&me.session, e),
    };
    let rows = found
        .into_iter()
        .map(|(c, e)| CandidateRow {
            href: format!(
                "/desk/worklist/candidates/{}/{}",
                c.entry_id, c.enrollment_id
            ),
            label: fill(t.check_label, &e.name),
            name: e.name,
            birth: e.date_of_birth,
            desa: e.desa,
            nik: c.nik,
        })
        .collect();
    let notice = match (done.done.as_str(), decided_name) {
        ("confirmed", Some(name)) => Some(fill2(t.confirmed, name, &done.enrollment)),
        ("rejected", Some(name)) => Some(fill2(t.rejected, &done.enrollment, name)),
        _ => None,
    };
    page::render(
        StatusCode::OK,
        &CandidatesPage {
            chrome: me.chrome(t.candidates_title),
            t,
            rows,
            notice,
        },
    )
}

/// The decision page: the listed resident beside the recorded one, and the question.
#[derive(Template)]
#[template(path = "desk/worklist_decide.html")]
pub struct DecidePage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static WorklistText,
    /// What was wrong.
    pub errors: FormErrors,
    /// The form's action.
    pub action: String,
    /// `(label, on the list, recorded)` rows.
    pub compare: Vec<(&'static str, String, String)>,
}

async fn pending_pair(
    s: &ConsoleState,
    entry: i64,
    enrollment: &str,
) -> Result<Option<(Candidate, Entry, Option<crate::workflow::Session>)>, ServiceError> {
    let enrollment = enrollment.to_string();
    s.agent
        .with_store(move |store| {
            let c = store
                .worklist_candidates()?
                .into_iter()
                .find(|c| c.entry_id == entry && c.enrollment_id == enrollment);
            let Some(c) = c else { return Ok(None) };
            let Some(e) = store.worklist_entry(entry)? else {
                return Ok(None);
            };
            // The recorded resident's data, while the session is still kept (retention may
            // have purged it; the NIK is in the candidate).
            let session = store.load_session(&enrollment).ok().flatten();
            Ok(Some((c, e, session)))
        })
        .await
}

fn decide_page(
    me: &SignedIn,
    status: StatusCode,
    errors: FormErrors,
    c: &Candidate,
    e: &Entry,
    session: Option<&crate::workflow::Session>,
) -> Response {
    let t = text(me);
    let recorded = |f: &dyn Fn(&crate::workflow::Session) -> String| {
        session.map(f).unwrap_or_else(|| "-".to_string())
    };
    let compare = vec![
        (
            t.col_name,
            e.name.clone(),
            recorded(&|s| s.applicant.full_name.clone()),
        ),
        (
            t.col_nik,
            e.nik.clone().unwrap_or_else(|| t.no_nik.to_string()),
            c.nik.clone(),
        ),
        (
            t.col_birth,
            e.date_of_birth.clone(),
            recorded(&|s| rekam_protocol::timefmt::format_date(s.applicant.date_of_birth)),
        ),
        (
            t.col_address,
            address(e),
            recorded(&|s| s.applicant.address.street.clone()),
        ),
        (
            t.col_village,
            e.desa.clone(),
            recorded(&|s| s.applicant.address.village.clone()),
        ),
        (t.col_enrollment, String::new(), c.enrollment_id.clone()),
    ];
    page::render(
        status,
        &DecidePage {
            chrome: me.chrome(t.decide_title),
            t,
            errors,
            action: format!(
                "/desk/worklist/candidates/{}/{}",
                c.entry_id, c.enrollment_id
            ),
            compare,
        },
    )
}

async fn decide_form(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path((entry, enrollment)): Path<(i64, String)>,
) -> Response {
    match pending_pair(&s, entry, &enrollment).await {
        Ok(Some((c, e, session))) => decide_page(
            &me,
            StatusCode::OK,
            FormErrors::default(),
            &c,
            &e,
            session.as_ref(),
        ),
        Ok(None) => page::not_found(&me.session),
        Err(e) => page::failure(&me.session, e),
    }
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct Decision {
    /// `same` or `different`.
    #[serde(default)]
    pub same: String,
}

async fn decide(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path((entry, enrollment)): Path<(i64, String)>,
    Form(d): Form<Decision>,
) -> Response {
    let t = text(&me);
    let confirm = match d.same.as_str() {
        "same" => true,
        "different" => false,
        _ => {
            return match pending_pair(&s, entry, &enrollment).await {
                Ok(Some((c, e, session))) => {
                    let mut errors = FormErrors::default();
                    errors.push("same", t.choose_one);
                    decide_page(
                        &me,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        errors,
                        &c,
                        &e,
                        session.as_ref(),
                    )
                }
                Ok(None) => see_other("/desk/worklist/candidates"),
                Err(e) => page::failure(&me.session, e),
            };
        }
    };
    let by = me.operator.id.clone();
    let now = (s.agent.clock)();
    let id = enrollment.clone();
    let done = s
        .agent
        .with_store(move |store| {
            let r = if confirm {
                matching::confirm_match(store, entry, &id, &by, now)
            } else {
                matching::reject_match(store, entry, &id, &by, now)
            };
            Ok(r)
        })
        .await;
    match done {
        Ok(Ok(())) => see_other(&format!(
            "/desk/worklist/candidates?done={}&entry={entry}&enrollment={}",
            if confirm { "confirmed" } else { "rejected" },
            crate::console::office::query_value(&enrollment)
        )),
        Ok(Err(refused)) => {
            let body = fill(t.refused, refused);
            page::message_page(
                StatusCode::CONFLICT,
                Some(me.chrome(t.candidates_title)),
                move |_| (t.candidates_title, body.clone()),
            )
        }
        Err(e) => page::failure(&me.session, e),
    }
}

/// The closing form of one entry.
#[derive(Template)]
#[template(path = "desk/worklist_close.html")]
pub struct ClosePage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static WorklistText,
    /// What was wrong.
    pub errors: FormErrors,
    /// "Close the entry: NAME".
    pub heading: String,
    /// The form's action.
    pub action: String,
    /// The entry's NIK, when known.
    pub nik: Option<String>,
    /// Its date of birth.
    pub birth: String,
    /// Its address.
    pub address: String,
    /// `(value, label)` of each outcome an operator may choose.
    pub outcomes: Vec<(&'static str, &'static str)>,
    /// The outcome chosen, as sent back.
    pub chosen: String,
    /// The note, as sent back.
    pub note: String,
}

/// The words for `o` in `t`.
pub fn outcome_label(t: &WorklistText, o: Outcome) -> &'static str {
    match o {
        Outcome::RecordedHere => t.recorded,
        Outcome::RecordedElsewhere => t.outcome_recorded_elsewhere,
        Outcome::Deceased => t.outcome_deceased,
        Outcome::MovedAway => t.outcome_moved_away,
        Outcome::NotFound => t.outcome_not_found,
        Outcome::Refused => t.outcome_refused,
    }
}

fn close_page(
    me: &SignedIn,
    status: StatusCode,
    errors: FormErrors,
    e: &Entry,
    chosen: &str,
    note: &str,
) -> Response {
    let t = text(me);
    let heading = fill(t.close_title, &e.name);
    page::render(
        status,
        &ClosePage {
            chrome: me.chrome(&heading),
            t,
            errors,
            heading,
            action: format!("/desk/worklist/{}/close", e.id),
            nik: e.nik.clone(),
            birth: e.date_of_birth.clone(),
            address: address(e),
            outcomes: Outcome::CLOSING
                .iter()
                .map(|o| (o.as_str(), outcome_label(t, *o)))
                .collect(),
            chosen: chosen.to_string(),
            note: note.to_string(),
        },
    )
}

async fn entry_of(s: &ConsoleState, id: i64) -> Result<Option<Entry>, ServiceError> {
    s.agent
        .with_store(move |store| Ok(store.worklist_entry(id)?))
        .await
}

/// The entry's status in words, for a refusal.
fn status_words(t: &WorklistText, e: &Entry) -> String {
    match (e.status, e.outcome) {
        (_, Some(o)) => outcome_label(t, o).to_string(),
        (status, None) => status.as_str().to_string(),
    }
}

fn not_open(me: &SignedIn, e: &Entry) -> Response {
    let t = text(me);
    let title = fill(t.close_title, &e.name);
    let body = fill(t.not_open, status_words(t, e));
    page::message_page(StatusCode::CONFLICT, Some(me.chrome(&title)), move |_| {
        (t.close_refused_title, body.clone())
    })
}

async fn close_form(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path(entry): Path<i64>,
) -> Response {
    match entry_of(&s, entry).await {
        Ok(Some(e)) if e.status == EntryStatus::Open => {
            close_page(&me, StatusCode::OK, FormErrors::default(), &e, "", "")
        }
        Ok(Some(e)) => not_open(&me, &e),
        Ok(None) => page::not_found(&me.session),
        Err(e) => page::failure(&me.session, e),
    }
}

/// The closing form.
#[derive(Debug, Deserialize)]
pub struct Closing {
    /// One of [`Outcome::CLOSING`], by name.
    #[serde(default)]
    pub outcome: String,
    /// Free text.
    #[serde(default)]
    pub note: String,
}

async fn close(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path(entry): Path<i64>,
    Form(f): Form<Closing>,
) -> Response {
    let t = text(&me);
    let e = match entry_of(&s, entry).await {
        Ok(Some(e)) => e,
        Ok(None) => return page::not_found(&me.session),
        Err(e) => return page::failure(&me.session, e),
    };
    if e.status != EntryStatus::Open {
        return not_open(&me, &e);
    }
    let outcome = Outcome::parse(&f.outcome).filter(|o| Outcome::CLOSING.contains(o));
    let note = f.note.trim().to_string();
    let mut errors = FormErrors::default();
    if outcome.is_none() {
        errors.push("outcome", t.choose_outcome);
    }
    if note.chars().count() > NOTE_MAX {
        errors.push("note", t.note_too_long);
    }
    let Some(outcome) = outcome.filter(|_| errors.is_empty()) else {
        let chosen = outcome.map(Outcome::as_str).unwrap_or_default();
        return close_page(
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            &e,
            chosen,
            &f.note,
        );
    };
    let by = me.operator.id.clone();
    let now = (s.agent.clock)();
    let stored_note = (!note.is_empty()).then_some(note);
    let done = s
        .agent
        .with_store(move |store| {
            Ok(store.close_worklist_entry(entry, outcome, stored_note.as_deref(), &by, now))
        })
        .await;
    match done {
        Ok(Ok(())) => see_other(&format!("/desk/worklist?closed={entry}")),
        // Closed by someone else between the check and the write: say what it is now.
        Ok(Err(_)) => match entry_of(&s, entry).await {
            Ok(Some(e)) => not_open(&me, &e),
            Ok(None) => page::not_found(&me.session),
            Err(e) => page::failure(&me.session, e),
        },
        Err(e) => page::failure(&me.session, e),
    }
}
