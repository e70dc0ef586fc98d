//! `/cards/pickup`: handing a card to its owner in person. The operator scans the slip's QR code
//! (the scanner types its text into the field) or types the NIK; the card's page shows the
//! order's photo and asks for one of the two chip fingers on the scanner
//! (`POST /cards/pickup/{order}/verify`); a match hands the card over, a mismatch refuses and
//! counts. After [`MAX_REFUSED_PER_DAY`] mismatches in a day, or when the resident's fingers cannot be read, only a
//! supervisor can approve the handover (`/cards/pickup/{order}/approval`), signing in on the same
//! screen with the order's photo beside the live camera.
//!
//! Contract: verification, approval and their audit entries are the pickup service's; this page
//! shows each verdict on the card's page (after a redirect, so a reload takes no finger), never
//! hands over a card the service refused, and keeps the supervisor's id and note on a refused
//! approval (never the password).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::text::CardsText;
use super::{finger, order, pickups};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::i18n::{fill, fill2};
use crate::console::login::refusal_text;
use crate::console::office::{local_time, query_value};
use crate::console::page::{self, Chrome, FormErrors};
use crate::office::pickup::{MAX_REFUSED_PER_DAY, PickupPerson, PickupVerdict};
use crate::office::stock::day_of;
use crate::service::ServiceError;
use crate::store::{OrderState, PickupOutcome, PickupRecord, StoredOrder};

/// The search page.
#[derive(Template)]
#[template(path = "cards/pickup.html")]
pub struct SearchPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static CardsText,
    /// What is wrong.
    pub errors: FormErrors,
    /// What was typed or scanned.
    pub q: String,
}

fn search_page(me: &SignedIn, errors: FormErrors, q: String, status: StatusCode) -> Response {
    let t = CardsText::for_lang(me.lang);
    page::render(
        status,
        &SearchPage {
            chrome: me.chrome(t.pickup_title),
            t,
            errors,
            q,
        },
    )
}

/// `GET /cards/pickup`.
pub async fn search(me: SignedIn) -> Response {
    search_page(&me, FormErrors::default(), String::new(), StatusCode::OK)
}

/// The search form.
#[derive(Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
}

/// `POST /cards/pickup`: the card of a NIK or slip QR text. (A POST, so the NIK is not kept in
/// the browser's history.)
pub async fn find(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Form(f): Form<SearchForm>,
) -> Response {
    let t = CardsText::for_lang(me.lang);
    let q = f.q.trim().to_string();
    let refuse = |message: String| {
        let mut errors = FormErrors::default();
        errors.push("q", message);
        search_page(&me, errors, f.q.clone(), StatusCode::UNPROCESSABLE_ENTITY)
    };
    if q.is_empty() {
        return refuse(t.err_query_missing.to_string());
    }
    match st.agent.pickup_find(&q) {
        Ok(c) => Redirect::to(&format!("/cards/pickup/{}", query_value(&c.order.order_id)))
            .into_response(),
        Err(ServiceError::NoPrintOrder(_))
        | Err(ServiceError::Store(crate::store::StoreError::NotFound(_))) => {
            refuse(fill(t.err_not_found, &q))
        }
        Err(e @ (ServiceError::BadField { .. } | ServiceError::Rejected(_))) => {
            refuse(fill(t.err_find, e))
        }
        Err(e) => page::failure(&me.session, e),
    }
}

/// An attempt as listed.
pub struct AttemptRow {
    /// When.
    pub when: String,
    /// Who.
    pub operator: String,
    /// Which finger.
    pub finger: String,
    /// The score.
    pub score: String,
    /// The outcome in words.
    pub outcome: String,
    /// `ok` or `error`.
    pub tone: &'static str,
}

/// What the card's page says at the top.
pub struct Notice {
    /// The text.
    pub text: String,
    /// `ok` or `error`.
    pub tone: &'static str,
}

/// The card's page.
#[derive(Template)]
#[template(path = "cards/pickup_order.html")]
pub struct OrderPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static CardsText,
    /// The order id.
    pub id: String,
    /// The heading.
    pub heading: String,
    /// The resident's name.
    pub name: String,
    /// The full NIK (the card being handed over).
    pub nik: String,
    /// Place and date of birth.
    pub born: String,
    /// Address.
    pub address: String,
    /// The blank serial.
    pub serial: String,
    /// The state in words.
    pub state: &'static str,
    /// The photo's alt text.
    pub photo_alt: String,
    /// The verdict just given.
    pub notice: Option<Notice>,
    /// Printed and not collected: a finger can be taken.
    pub can_verify: bool,
    /// Not printed yet.
    pub not_printed: bool,
    /// Collected: by whom, when.
    pub collected: Option<String>,
    /// "Ask the resident to place their right index or left index".
    pub verify_intro: String,
    /// Attempts left, or the supervisor rule once used up.
    pub tries: String,
    /// Mismatches used up.
    pub tries_used: bool,
    /// A supervisor may approve (fingers unreadable, or mismatches used up).
    pub can_approve: bool,
    /// Simulated devices: the operator says who is at the scanner.
    pub simulated: bool,
    /// The two chip fingers.
    pub fingers: Vec<FingerChoice>,
    /// The attempts.
    pub attempts: Vec<AttemptRow>,
}

/// `?result=handed|refused|unreadable|approved|error&f=FINGER&s=SCORE&why=TEXT&by=SUPERVISOR`.
#[derive(Deserialize, Default)]
pub struct Verdict {
    result: Option<String>,
    f: Option<u8>,
    s: Option<f64>,
    why: Option<String>,
    by: Option<String>,
}

fn notice(me: &SignedIn, v: &Verdict) -> Option<Notice> {
    let t = CardsText::for_lang(me.lang);
    let f = finger(me.lang, v.f.unwrap_or(0));
    let s = format!("{:.2}", v.s.unwrap_or(0.0));
    let why = v.why.clone().unwrap_or_default();
    let (text, tone) = match v.result.as_deref()? {
        "handed" => (fill2(t.result_handed, f, s), "ok"),
        "refused" => (fill2(t.result_refused, f, s), "error"),
        "unreadable" => (fill(t.result_unreadable, why), "error"),
        "approved" => (
            fill(t.result_approved, v.by.clone().unwrap_or_default()),
            "ok",
        ),
        "error" => (why, "error"),
        _ => return None,
    };
    Some(Notice { text, tone })
}

fn attempt_row(t: &CardsText, me: &SignedIn, r: &PickupRecord, offset: i32) -> AttemptRow {
    let (outcome, tone) = match r.outcome {
        PickupOutcome::Collected => (t.outcome_collected.to_string(), "ok"),
        PickupOutcome::Refused if r.finger.is_none() => (t.outcome_unreadable.to_string(), "warn"),
        PickupOutcome::Refused => (t.outcome_refused.to_string(), "error"),
        PickupOutcome::Approved => (
            format!(
                "{} ({})",
                t.outcome_approved,
                r.supervisor.as_deref().unwrap_or("—")
            ),
            "ok",
        ),
    };
    AttemptRow {
        when: local_time(r.at_ms, offset),
        operator: r.operator.clone(),
        finger: r
            .finger
            .map_or_else(|| "—".into(), |f| finger(me.lang, f).to_string()),
        score: r.score.map_or_else(|| "—".into(), |s| format!("{s:.2}")),
        outcome,
        tone,
    }
}

/// The order and its attempts, or the page to answer with.
#[allow(clippy::result_large_err)]
async fn load(
    st: &ConsoleState,
    me: &SignedIn,
    id: &str,
) -> Result<(StoredOrder, Vec<PickupRecord>), Response> {
    let order = match order(&st.agent, id).await {
        Ok(Some(o)) => o,
        Ok(None) => return Err(page::not_found(&me.session)),
        Err(e) => return Err(page::failure(&me.session, e)),
    };
    match pickups(&st.agent, id).await {
        Ok(a) => Ok((order, a)),
        Err(e) => Err(page::failure(&me.session, e)),
    }
}

/// Finger mismatches on the day of `now_ms` (the service's limit counts these).
fn refused_today(attempts: &[PickupRecord], now_ms: i64, offset: i32) -> usize {
    let today = day_of(now_ms, offset);
    attempts
        .iter()
        .filter(|a| {
            a.outcome == PickupOutcome::Refused
                && a.finger.is_some()
                && day_of(a.at_ms, offset) == today
        })
        .count()
}

/// An attempt where neither chip finger could be read.
fn unreadable(a: &PickupRecord) -> bool {
    a.outcome == PickupOutcome::Refused && a.finger.is_none()
}

/// A chip finger to choose.
pub struct FingerChoice {
    /// ANSI/NIST position.
    pub code: u8,
    /// Its name.
    pub name: &'static str,
    /// Chosen by default (the first).
    pub checked: bool,
}

fn order_page(
    st: &ConsoleState,
    me: &SignedIn,
    o: &StoredOrder,
    attempts: &[PickupRecord],
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let t = CardsText::for_lang(me.lang);
    let offset = st.agent.config.console.utc_offset_minutes;
    let card = &o.signed.print_order.card;
    let chips = &o.signed.print_order.chip_fingers;
    let fingers = format!(
        "{} {} {}",
        finger(me.lang, chips[0].position.code()),
        t.verify_or,
        finger(me.lang, chips[1].position.code())
    );
    let refused = refused_today(attempts, (st.agent.clock)(), offset);
    let tries_used = refused >= MAX_REFUSED_PER_DAY;
    let can_approve = tries_used || attempts.iter().any(unreadable);
    let collected = (o.state == OrderState::Collected).then(|| {
        let last = attempts.iter().rev().find(|a| {
            matches!(
                a.outcome,
                PickupOutcome::Collected | PickupOutcome::Approved
            )
        });
        let when = o
            .collected_ms
            .or(last.map(|a| a.at_ms))
            .map_or_else(String::new, |ms| local_time(ms, offset));
        let by = last.map_or_else(String::new, |a| a.operator.clone());
        fill(&fill2(t.collected_banner, &o.name, when), by)
    });
    let body = OrderPage {
        chrome: me.chrome(&fill(t.order_title, &o.name)),
        t,
        id: o.order_id.clone(),
        heading: fill(t.order_title, &o.name),
        name: o.name.clone(),
        nik: o.nik.clone(),
        born: format!("{}, {}", card.place_of_birth, card.date_of_birth),
        address: format!(
            "{}, RT/RW {}, {}, {}",
            card.address, card.rt_rw, card.village, card.district
        ),
        serial: o.card_serial.clone().unwrap_or_else(|| "—".into()),
        state: super::state_name(t, o.state),
        photo_alt: fill(t.photo_alt, &o.name),
        notice,
        can_verify: o.state == OrderState::Printed,
        not_printed: matches!(o.state, OrderState::Waiting | OrderState::Printing),
        collected,
        verify_intro: fill(t.verify_intro, fingers),
        tries: if tries_used {
            fill(t.tries_used, refused)
        } else {
            fill(t.tries_left, MAX_REFUSED_PER_DAY - refused)
        },
        tries_used,
        can_approve,
        simulated: st.agent.config.devices.simulated,
        fingers: chips
            .iter()
            .enumerate()
            .map(|(i, c)| FingerChoice {
                code: c.position.code(),
                name: finger(me.lang, c.position.code()),
                checked: i == 0,
            })
            .collect(),
        attempts: attempts
            .iter()
            .map(|a| attempt_row(t, me, a, offset))
            .collect(),
    };
    page::render(status, &body)
}

/// `GET /cards/pickup/{order}`.
pub async fn order_page_get(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(v): Query<Verdict>,
) -> Response {
    let (o, attempts) = match load(&st, &me, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    order_page(&st, &me, &o, &attempts, notice(&me, &v), StatusCode::OK)
}

/// `GET /cards/pickup/{order}/photo.jpg`: the photo on the print order.
pub async fn photo(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let o = match order(&st.agent, &id).await {
        Ok(Some(o)) => o,
        Ok(None) => return page::not_found(&me.session),
        Err(e) => return page::failure(&me.session, e),
    };
    match STANDARD.decode(&o.signed.print_order.photo) {
        Ok(jpeg) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            jpeg,
        )
            .into_response(),
        Err(e) => page::failure(&me.session, format!("the order's photo is not base64: {e}")),
    }
}

/// The verify form: which chip finger, and (simulated devices only) who is at the scanner.
#[derive(Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    finger: Option<u8>,
    #[serde(default)]
    who: Option<String>,
}

/// `POST /cards/pickup/{order}/verify`: one chip finger on the scanner.
pub async fn verify(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<VerifyForm>,
) -> Response {
    let agent = &st.agent;
    // Training and tests on simulated devices: the operator says who puts their finger down.
    if agent.config.devices.simulated {
        agent.simulated_pickup.set(match f.who.as_deref() {
            Some("stranger") => PickupPerson::Stranger,
            _ => PickupPerson::Resident,
        });
    }
    let back = |q: String| {
        Redirect::to(&format!("/cards/pickup/{}?{q}", query_value(&id))).into_response()
    };
    match agent
        .pickup_verify_finger(&id, &me.operator.id, f.finger)
        .await
    {
        Ok(PickupVerdict::HandedOver { finger, score }) => {
            back(format!("result=handed&f={finger}&s={score}"))
        }
        Ok(PickupVerdict::Refused { finger, score }) => {
            back(format!("result=refused&f={finger}&s={score}"))
        }
        Ok(PickupVerdict::Unreadable { reason }) => {
            back(format!("result=unreadable&why={}", query_value(&reason)))
        }
        Ok(PickupVerdict::Approved { supervisor }) => {
            back(format!("result=approved&by={}", query_value(&supervisor)))
        }
        // The service's refusal (not printed, already collected, tries used up, a scanner that
        // failed): said on the card's page, nothing handed over.
        Err(
            e @ (ServiceError::Rejected(_)
            | ServiceError::BadField { .. }
            | ServiceError::Device(_)
            | ServiceError::Capture(_)),
        ) => {
            let (o, attempts) = match load(&st, &me, &id).await {
                Ok(x) => x,
                Err(r) => return r,
            };
            let n = Notice {
                text: e.to_string(),
                tone: "error",
            };
            order_page(
                &st,
                &me,
                &o,
                &attempts,
                Some(n),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(ServiceError::NotFound(_) | ServiceError::NoPrintOrder(_)) => {
            page::not_found(&me.session)
        }
        Err(e) => page::failure(&me.session, e),
    }
}

/// The supervisor approval page.
#[derive(Template)]
#[template(path = "cards/pickup_approval.html")]
pub struct ApprovalPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static CardsText,
    /// What is wrong.
    pub errors: FormErrors,
    /// The order id.
    pub id: String,
    /// The resident's name.
    pub name: String,
    /// The photo's alt text.
    pub photo_alt: String,
    /// The supervisor id typed.
    pub supervisor_id: String,
    /// The note typed.
    pub note: String,
}

fn approval_page(
    me: &SignedIn,
    o: &StoredOrder,
    errors: FormErrors,
    supervisor_id: String,
    note: String,
    status: StatusCode,
) -> Response {
    let t = CardsText::for_lang(me.lang);
    page::render(
        status,
        &ApprovalPage {
            chrome: me.chrome(t.approval_title),
            t,
            errors,
            id: o.order_id.clone(),
            name: o.name.clone(),
            photo_alt: fill(t.photo_alt, &o.name),
            supervisor_id,
            note,
        },
    )
}

/// `GET /cards/pickup/{order}/approval`.
pub async fn approval_form(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let (o, _) = match load(&st, &me, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if o.state != OrderState::Printed {
        return Redirect::to(&format!("/cards/pickup/{}", query_value(&id))).into_response();
    }
    approval_page(
        &me,
        &o,
        FormErrors::default(),
        String::new(),
        String::new(),
        StatusCode::OK,
    )
}

/// The approval form.
#[derive(Deserialize)]
pub struct ApprovalForm {
    #[serde(default)]
    supervisor_id: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    note: String,
}

/// `POST /cards/pickup/{order}/approval`.
pub async fn approve(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ApprovalForm>,
) -> Response {
    let t = CardsText::for_lang(me.lang);
    let c = me.session.lang_text();
    let (o, _) = match load(&st, &me, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let again = |errors: FormErrors| {
        approval_page(
            &me,
            &o,
            errors,
            f.supervisor_id.clone(),
            f.note.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let mut errors = FormErrors::default();
    let sup = f.supervisor_id.trim();
    if sup.is_empty() {
        errors.push("supervisor_id", c.sign_in_missing_id);
    } else if sup == me.operator.id {
        errors.push("supervisor_id", t.err_same_person);
    }
    if f.password.is_empty() {
        errors.push("password", c.sign_in_missing_password);
    }
    let note = f.note.trim();
    if note.is_empty() {
        errors.push("note", t.err_note_missing);
    }
    if !errors.is_empty() {
        return again(errors);
    }
    let on_id = |message: String| {
        let mut errors = FormErrors::default();
        errors.push("supervisor_id", message);
        again(errors)
    };
    match st
        .agent
        .pickup_approve(&id, sup, &f.password, &me.operator.id, note)
        .await
    {
        Ok(PickupVerdict::Approved { supervisor }) => Redirect::to(&format!(
            "/cards/pickup/{}?result=approved&by={}",
            query_value(&id),
            query_value(&supervisor)
        ))
        .into_response(),
        Ok(other) => page::failure(
            &me.session,
            format!("the approval answered {other:?} instead of an approval"),
        ),
        Err(ServiceError::SupervisorSignIn(e)) => on_id(refusal_text(&st, &me.session, &e)),
        Err(ServiceError::NotASupervisor { .. }) => on_id(t.err_not_supervisor.to_string()),
        Err(ServiceError::BadField { field, reason }) if field == "note" => {
            let mut errors = FormErrors::default();
            errors.push("note", fill(t.err_refused, reason));
            again(errors)
        }
        Err(e @ (ServiceError::Rejected(_) | ServiceError::BadField { .. })) => {
            on_id(fill(t.err_refused, e))
        }
        Err(e) => page::failure(&me.session, e),
    }
}
