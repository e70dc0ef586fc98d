//! The start screen (`/desk/new`): the resident's NIK and demographics, checked live as they are
//! typed (`POST /desk/new/check`, JSON) and again on submit, eligibility, and a warning when the
//! NIK was already enrolled on this workstation.
//!
//! Contract: a refused submit re-renders the form (422) with everything typed, an error summary
//! linking each field at fault and the message beside it; a NIK enrolled here before is shown as
//! a warning the operator confirms by submitting again (nothing is refused for it); a NIK with a
//! session still open is refused with a link to resume it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use rekam_protocol::Timestamp;
use serde::Serialize;

use super::form::{BLOOD_TYPES, Checked, StartForm};
use super::lookup::{Previous, enrolled_before};
use super::text::{DeskText, fill};
use super::{see_other, text_for};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::page::{self, Chrome, FormErrors};
use crate::service::{ServiceError, StartRequest};
use crate::workflow::{Eligibility, WorkflowError};

/// The desk's routes for the start screen.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/desk/new", get(show).post(submit))
        .route("/desk/new/check", post(check))
}

/// One input of the form.
#[derive(Debug)]
pub struct Field {
    /// `id` and `name`.
    pub id: &'static str,
    /// The label.
    pub label: &'static str,
    /// A hint under the label.
    pub hint: Option<&'static str>,
    /// `text`, `date` or `select`.
    pub kind: &'static str,
    /// The value typed.
    pub value: String,
    /// `(value, label)` for selects.
    pub options: Vec<(&'static str, &'static str)>,
    /// What is wrong with it.
    pub error: Option<String>,
    /// Extra input attributes' class (`short` for RT/RW).
    pub class: &'static str,
    /// `autocomplete`/`inputmode` hint: `numeric` for digit fields.
    pub inputmode: &'static str,
}

impl Field {
    /// `aria-describedby` for the input.
    pub fn described_by(&self) -> String {
        let mut v = Vec::new();
        if self.hint.is_some() {
            v.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            v.push(format!("{}-error", self.id));
        }
        v.join(" ")
    }
}

/// A group of fields.
#[derive(Debug)]
pub struct Section {
    /// The legend (none for the first group).
    pub legend: Option<&'static str>,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// The start page.
#[derive(Template)]
#[template(path = "desk/start.html")]
pub struct StartPage {
    /// The frame.
    pub chrome: Chrome,
    /// The desk's strings.
    pub t: &'static DeskText,
    /// The form's groups.
    pub sections: Vec<Section>,
    /// The summary of what is wrong.
    pub errors: FormErrors,
    /// Warnings (a NIK enrolled before).
    pub warnings: Vec<String>,
    /// An open session of this NIK, to resume.
    pub resume: Option<(String, String)>,
    /// The operator has seen the warnings (the next submit starts anyway).
    pub acknowledged: bool,
}

fn options(t: &DeskText, id: &str) -> Vec<(&'static str, &'static str)> {
    match id {
        "sex" => vec![("male", t.sex_male), ("female", t.sex_female)],
        "blood_type" => BLOOD_TYPES.to_vec(),
        "religion" => vec![
            ("islam", t.religion_islam),
            ("kristen", t.religion_kristen),
            ("katolik", t.religion_katolik),
            ("hindu", t.religion_hindu),
            ("buddha", t.religion_buddha),
            ("khonghucu", t.religion_khonghucu),
            ("kepercayaan", t.religion_kepercayaan),
        ],
        "marital_status" => vec![
            ("belum_kawin", t.marital_belum_kawin),
            ("kawin", t.marital_kawin),
            ("cerai_hidup", t.marital_cerai_hidup),
            ("cerai_mati", t.marital_cerai_mati),
        ],
        "citizenship" => vec![("wni", t.citizenship_wni), ("wna", t.citizenship_wna)],
        _ => Vec::new(),
    }
}

fn sections(
    t: &'static DeskText,
    f: &StartForm,
    errors: &FormErrors,
    mobile: bool,
) -> Vec<Section> {
    let field = |id: &'static str,
                 label: &'static str,
                 hint: Option<&'static str>,
                 kind: &'static str,
                 value: &str| Field {
        id,
        label,
        hint,
        kind,
        value: value.to_string(),
        options: options(t, id),
        error: errors.get(id).map(str::to_string),
        class: match id {
            "rt" | "rw" | "postal_code" | "country" => "short",
            _ => "",
        },
        inputmode: match id {
            "nik" | "rt" | "rw" | "postal_code" => "numeric",
            _ => "text",
        },
    };
    let mut out = vec![
        Section {
            legend: None,
            fields: vec![
                field("nik", t.nik, Some(t.nik_hint), "text", &f.nik),
                field("full_name", t.full_name, None, "text", &f.full_name),
                field(
                    "place_of_birth",
                    t.place_of_birth,
                    None,
                    "text",
                    &f.place_of_birth,
                ),
                field(
                    "date_of_birth",
                    t.date_of_birth,
                    Some(t.date_hint),
                    "date",
                    &f.date_of_birth,
                ),
                field("sex", t.sex, None, "select", &f.sex),
                field("blood_type", t.blood_type, None, "select", &f.blood_type),
            ],
        },
        Section {
            legend: Some(t.address),
            fields: vec![
                field("street", t.street, None, "text", &f.street),
                field("rt", t.rt, None, "text", &f.rt),
                field("rw", t.rw, None, "text", &f.rw),
                field("village", t.village, None, "text", &f.village),
                field("district", t.district, None, "text", &f.district),
                field("regency", t.regency, None, "text", &f.regency),
                field("province", t.province, None, "text", &f.province),
                field("postal_code", t.postal_code, None, "text", &f.postal_code),
            ],
        },
        Section {
            legend: Some(t.citizenship),
            fields: vec![
                field("religion", t.religion, None, "select", &f.religion),
                field(
                    "marital_status",
                    t.marital_status,
                    None,
                    "select",
                    &f.marital_status,
                ),
                field("occupation", t.occupation, None, "text", &f.occupation),
                field("citizenship", t.citizenship, None, "select", &f.citizenship),
                field("country", t.country, None, "text", &f.country),
            ],
        },
    ];
    if mobile {
        out.push(Section {
            legend: None,
            fields: vec![field(
                "visit_location",
                t.visit_location,
                Some(t.visit_location_hint),
                "text",
                &f.visit_location,
            )],
        });
    }
    out
}

fn is_mobile(s: &ConsoleState) -> bool {
    s.agent.config.agent.unit == "mobile"
}

fn today(s: &ConsoleState) -> time::Date {
    Timestamp::from_unix_ms((s.agent.clock)()).date()
}

fn render(
    me: &SignedIn,
    s: &ConsoleState,
    status: StatusCode,
    form: &StartForm,
    errors: FormErrors,
    warnings: Vec<String>,
    resume: Option<(String, String)>,
) -> Response {
    let t = text_for(me);
    let acknowledged = !warnings.is_empty() && errors.is_empty();
    page::render(
        status,
        &StartPage {
            chrome: me.chrome(t.start_title),
            t,
            sections: sections(t, form, &errors, is_mobile(s)),
            errors,
            warnings,
            resume,
            acknowledged,
        },
    )
}

/// `?entry=`: start from a worklist entry.
#[derive(Debug, Default, serde::Deserialize)]
struct FromEntry {
    #[serde(default)]
    entry: Option<i64>,
}

async fn show(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Query(from): Query<FromEntry>,
) -> Response {
    let mut form = StartForm {
        blood_type: "unknown".into(),
        citizenship: "wni".into(),
        ..StartForm::default()
    };
    if let Some(id) = from.entry {
        // The resident's data as the office's list has it; the operator checks it against the
        // resident's documents and completes the rest.
        match super::worklist::prefill(&s, id).await {
            Ok(Some((e, visit))) => {
                form.nik = e.nik.clone().unwrap_or_default();
                form.full_name = e.name.clone();
                form.date_of_birth = e.date_of_birth.clone();
                form.sex = match e.sex {
                    rekam_protocol::model::Sex::Male => "male",
                    rekam_protocol::model::Sex::Female => "female",
                }
                .into();
                form.street = e.address.clone();
                form.rt = e.rt.map(|v| format!("{v:03}")).unwrap_or_default();
                form.rw = e.rw.map(|v| format!("{v:03}")).unwrap_or_default();
                form.village = e.desa.clone();
                form.district = e.kecamatan.clone();
                if let Some(v) = visit {
                    form.visit_location = v.place_name;
                }
            }
            Ok(None) => return page::not_found(&me.session),
            Err(e) => return page::failure(&me.session, e),
        }
    }
    render(
        &me,
        &s,
        StatusCode::OK,
        &form,
        FormErrors::default(),
        Vec::new(),
        None,
    )
}

/// The warning for a NIK enrolled here before.
fn previous_warning(t: &DeskText, p: &Previous, offset_minutes: i32) -> String {
    let at = Timestamp::from_unix_ms(p.finalized_ms + i64::from(offset_minutes) * 60_000);
    fill(
        t.enrolled_before,
        &[&rekam_protocol::timefmt::format_date(at.date()), &p.id],
    )
}

/// The eligibility note of checked demographics.
pub fn eligibility_note(t: &DeskText, e: Eligibility) -> String {
    match e {
        Eligibility::OfAge => t.eligible_of_age.to_string(),
        Eligibility::Married => t.eligible_married.to_string(),
        Eligibility::EarlyRecording { card_from } => fill(
            t.eligible_early,
            &[&rekam_protocol::timefmt::format_date(card_from)],
        ),
    }
}

fn to_errors(c: &Checked) -> FormErrors {
    let mut errors = FormErrors::default();
    for (field, message) in &c.errors {
        errors.push(field, message.clone());
    }
    errors
}

/// The answer of the live check.
#[derive(Debug, Serialize)]
struct CheckAnswer {
    /// `field -> message` for every field at fault.
    errors: Vec<FieldMessage>,
    /// Notes to show (eligibility, a NIK enrolled before).
    notices: Vec<String>,
}

#[derive(Debug, Serialize)]
struct FieldMessage {
    field: &'static str,
    message: String,
}

/// `POST /desk/new/check`: the same checks as the submit, as JSON, for the live validation.
async fn check(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Form(form): Form<StartForm>,
) -> Response {
    let t = text_for(&me);
    let c = form.check_for_election(t, today(&s), is_mobile(&s), s.agent.config.election.day);
    let mut notices = Vec::new();
    if let Some(e) = c.eligibility {
        notices.push(eligibility_note(t, e));
    }
    if let Ok(nik) = rekam_protocol::Nik::parse(form.nik.trim())
        && let Ok(Some(p)) = enrolled_before(&s.agent, nik.as_str()).await
    {
        notices.push(previous_warning(
            t,
            &p,
            s.agent.config.console.utc_offset_minutes,
        ));
    }
    Json(CheckAnswer {
        errors: c
            .errors
            .into_iter()
            .map(|(field, message)| FieldMessage { field, message })
            .collect(),
        notices,
    })
    .into_response()
}

/// The form with the operator's confirmation of the warnings.
#[derive(Debug, serde::Deserialize)]
struct Submitted {
    #[serde(flatten)]
    form: StartForm,
    #[serde(default)]
    acknowledged: String,
}

async fn submit(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Form(sub): Form<Submitted>,
) -> Response {
    let t = text_for(&me);
    let form = sub.form;
    let c = form.check_for_election(t, today(&s), is_mobile(&s), s.agent.config.election.day);
    let Some(applicant) = c.applicant.clone() else {
        return render(
            &me,
            &s,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            to_errors(&c),
            Vec::new(),
            None,
        );
    };
    if sub.acknowledged != "1" {
        match enrolled_before(&s.agent, applicant.nik.as_str()).await {
            Ok(Some(p)) => {
                let w = previous_warning(t, &p, s.agent.config.console.utc_offset_minutes);
                return render(
                    &me,
                    &s,
                    StatusCode::OK,
                    &form,
                    FormErrors::default(),
                    vec![w],
                    None,
                );
            }
            Ok(None) => {}
            Err(e) => return page::failure(&me.session, e),
        }
    }
    let req = StartRequest {
        applicant,
        visit_location: c.visit_location.clone(),
    };
    match s.agent.start(&me.operator, req).await {
        Ok(sum) => {
            s.desk.set_current(Some(sum.id.clone()));
            see_other(&format!("/desk/{}/face", sum.id))
        }
        Err(ServiceError::AlreadyOpen { session }) => {
            let mut errors = FormErrors::default();
            errors.push("nik", fill(t.already_open, &[&session]));
            let link = fill(t.resume_link, &[&session]);
            render(
                &me,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                errors,
                Vec::new(),
                Some((format!("/desk/{session}"), link)),
            )
        }
        Err(ServiceError::Workflow(WorkflowError::NotEligible(e))) => {
            let mut errors = FormErrors::default();
            let turns = rekam_protocol::timefmt::format_date(e.turns_17);
            let text = match e.election_day {
                Some(day) => fill(
                    t.not_eligible_election,
                    &[&turns, &rekam_protocol::timefmt::format_date(day)],
                ),
                None => fill(t.not_eligible, &[&turns]),
            };
            errors.push("date_of_birth", text);
            render(
                &me,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                errors,
                Vec::new(),
                None,
            )
        }
        Err(ServiceError::BadField { field, reason }) => {
            let mut errors = FormErrors::default();
            let at = if field == "visit_location" {
                "visit_location"
            } else {
                "nik"
            };
            errors.push(at, fill(t.invalid_value, &[&reason]));
            render(
                &me,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                errors,
                Vec::new(),
                None,
            )
        }
        Err(e) => page::failure(&me.session, e),
    }
}
