//! The finger exception form, `/desk/{id}/fingers/{position}/exception`: amputated, bandaged or
//! unable to print, an optional one-line note and an optional photo of the hand from the camera.
//!
//! Contract: the form is checked as the packet will be (a reason; a note of one line within the
//! model's limit), so finalize never meets a note it refuses after the resident has left; a
//! refused form is re-rendered (422) keeping what was typed; a recorded exception redirects to
//! the fingers page, where the finger is crossed out and no longer asked for. A finger already
//! resolved gets a page saying what is recorded instead of the form.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rekam_protocol::model::ExceptionReason;
use serde::Deserialize;

use super::super::fingers_text::FingersText;
use super::{
    Banner, FINGER_PAGES, diagram, fill, finger_name, notes, position, refusal, session_at,
};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::page::{Chrome, FormErrors, not_found, render};
use crate::workflow::{FingerSummary, Stage, Summary};

/// `GET /desk/{id}/fingers/{position}/exception`.
#[derive(Template)]
#[template(path = "desk/fingers_exception.html")]
pub struct ExceptionPage {
    /// The frame.
    pub chrome: Chrome,
    /// The words.
    pub t: &'static FingersText,
    /// The session.
    pub id: String,
    /// The position code.
    pub code: u8,
    /// The heading.
    pub heading: String,
    /// The refusal, if any.
    pub errors: FormErrors,
    /// A device problem (the camera, for the photo).
    pub banner: Option<Banner>,
    /// What is already recorded for this finger, when it is resolved.
    pub resolved: Option<String>,
    /// The reason chosen (`amputated`, `bandaged`, `unable_to_print`).
    pub reason: String,
    /// The note typed.
    pub note: String,
    /// Whether to photograph the hand.
    pub photo: bool,
}

impl ExceptionPage {
    /// The reasons offered: (value, words, hint).
    pub fn reasons(&self) -> [(&'static str, &'static str, &'static str); 3] {
        let t = self.t;
        [
            ("amputated", t.reason_amputated, t.reason_amputated_hint),
            ("bandaged", t.reason_bandaged, t.reason_bandaged_hint),
            ("unable_to_print", t.reason_unable, t.reason_unable_hint),
        ]
    }

    /// Whether `value` is the reason chosen.
    pub fn is_reason(&self, value: &str) -> bool {
        self.reason == value
    }
}

/// The exception form.
#[derive(Deserialize, Default)]
pub struct ExceptionForm {
    /// `amputated`, `bandaged` or `unable_to_print`.
    #[serde(default)]
    pub reason: String,
    /// An optional one-line note.
    #[serde(default)]
    pub note: String,
    /// Present when the hand is to be photographed.
    #[serde(default)]
    pub photo: Option<String>,
}

/// The longest note the packet accepts (the model's free-text limit).
pub const MAX_NOTE_BYTES: usize = 256;

fn parse_reason(s: &str) -> Option<ExceptionReason> {
    match s {
        "amputated" => Some(ExceptionReason::Amputated),
        "bandaged" => Some(ExceptionReason::Bandaged),
        "unable_to_print" => Some(ExceptionReason::UnableToPrint),
        _ => None,
    }
}

/// Checks the form as the packet will: a reason, and a note of one line within the limit
/// (finalize would refuse anything else, after the resident has gone).
fn check_exception(
    t: &FingersText,
    form: &ExceptionForm,
) -> Result<(ExceptionReason, Option<String>), FormErrors> {
    let mut errors = FormErrors::default();
    let reason = parse_reason(&form.reason);
    if reason.is_none() {
        errors.push("reason-amputated", t.error_reason_missing);
    }
    let note = form.note.trim();
    if note.len() > MAX_NOTE_BYTES {
        errors.push("note", t.error_note_long);
    } else if note
        .chars()
        .any(rekam_protocol::demographics::forbidden_in_text)
    {
        errors.push("note", t.error_note_char);
    }
    match reason {
        Some(r) if errors.is_empty() => Ok((r, (!note.is_empty()).then(|| note.to_string()))),
        _ => Err(errors),
    }
}

fn exception_page(
    who: &SignedIn,
    summary: &Summary,
    code: u8,
    form: ExceptionForm,
    errors: FormErrors,
    banner: Option<Banner>,
) -> ExceptionPage {
    let t = FingersText::for_lang(who.lang);
    let name = finger_name(t, code);
    let heading = fill(t.exception_title, &[name]);
    let resolved = match summary.fingers.get(&code) {
        Some(FingerSummary::Exception { reason, photo }) => {
            let mut s = fill(
                t.exception_recorded,
                &[&name.to_lowercase(), diagram::reason_words(t, *reason)],
            );
            if *photo {
                s = format!("{s} {}", t.exception_photo_kept);
            }
            Some(s)
        }
        _ if !summary.fingers_missing.contains(&code) || summary.stage != Stage::Fingers => {
            Some(fill(t.finger_done, &[&name.to_lowercase()]))
        }
        _ => None,
    };
    ExceptionPage {
        chrome: who.chrome(&heading),
        t,
        id: summary.id.clone(),
        code,
        heading,
        errors,
        banner,
        resolved,
        reason: form.reason,
        note: form.note,
        photo: form.photo.is_some(),
    }
}

pub async fn show_exception(
    State(state): State<ConsoleState>,
    who: SignedIn,
    Path((id, code)): Path<(String, String)>,
) -> Response {
    let Some(p) = position(&code) else {
        return not_found(&who.session);
    };
    let summary = match session_at(&state, &who, &id, &FINGER_PAGES).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    render(
        StatusCode::OK,
        &exception_page(
            &who,
            &summary,
            p.code(),
            ExceptionForm::default(),
            FormErrors::default(),
            None,
        ),
    )
}

pub async fn record_exception(
    State(state): State<ConsoleState>,
    who: SignedIn,
    Path((id, code)): Path<(String, String)>,
    axum::Form(form): axum::Form<ExceptionForm>,
) -> Response {
    let Some(p) = position(&code) else {
        return not_found(&who.session);
    };
    let t = FingersText::for_lang(who.lang);
    let (status, errors, banner) = match check_exception(t, &form) {
        Ok((reason, note)) => {
            let photo = form.photo.is_some();
            match state
                .agent
                .finger_exception(&who.operator, &id, p, reason, note, photo)
                .await
            {
                Ok(_) => {
                    notes::forget(&id);
                    return Redirect::to(&format!("/desk/{id}/fingers")).into_response();
                }
                Err(e) => {
                    let device = "camera";
                    match refusal(&who, t, &id, e, "reason-amputated", device) {
                        Ok((status, r)) => (status, r.errors, r.banner),
                        Err(resp) => return resp,
                    }
                }
            }
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
    };
    let summary = match session_at(&state, &who, &id, &FINGER_PAGES).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    render(
        status,
        &exception_page(&who, &summary, p.code(), form, errors, banner),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exception_needs_a_reason_and_a_one_line_note_within_the_limit() {
        let t = FingersText::EN;
        let form = |reason: &str, note: &str| ExceptionForm {
            reason: reason.into(),
            note: note.into(),
            photo: None,
        };
        assert_eq!(
            check_exception(t, &form("bandaged", "  cast until May ")),
            Ok((ExceptionReason::Bandaged, Some("cast until May".into())))
        );
        assert_eq!(
            check_exception(t, &form("unable_to_print", "")),
            Ok((ExceptionReason::UnableToPrint, None))
        );
        let e = check_exception(t, &form("", "")).expect_err("no reason");
        assert_eq!(e.get("reason-amputated"), Some(t.error_reason_missing));
        let e = check_exception(t, &form("amputated", "one\ntwo")).expect_err("two lines");
        assert_eq!(e.get("note"), Some(t.error_note_char));
        let e = check_exception(t, &form("amputated", &"x".repeat(257))).expect_err("long");
        assert_eq!(e.get("note"), Some(t.error_note_long));
    }
}
