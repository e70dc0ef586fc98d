//! `/operators` (admins only): the accounts, adding one (id, name, role, password twice),
//! disabling and enabling, and resetting a password (`/operators/{id}/password`).
//!
//! Contract: every change goes through the store's account methods with the signed-in admin as
//! the actor, so it is audited in the same transaction. A refused form comes back (422) with
//! what was typed (passwords excepted: they are never sent back to the browser), an error
//! summary and the message beside each field. An admin cannot disable their own account (the
//! office would be left without the one signed in to fix it).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::local_time;
use super::query_value;
use super::text::OfficeText;
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::i18n::fill;
use crate::console::page::{self, Chrome, FormErrors};
use crate::operators::{self, MIN_PASSWORD_CHARS, Role};
use crate::service::ServiceError;
use crate::store::StoreError;

/// An account as listed.
pub struct AccountRow {
    /// Login id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Role in words.
    pub role: &'static str,
    /// State in words.
    pub state: String,
    /// `ok`, `warn` or `error`.
    pub tone: &'static str,
    /// Enabled now.
    pub enabled: bool,
    /// The signed-in admin's own account.
    pub is_self: bool,
    /// Accessible name of the enable/disable button.
    pub toggle_label: String,
    /// Accessible name of the reset link.
    pub reset_label: String,
}

/// A role in the add form's choices.
pub struct RoleChoice {
    /// `operator`, `supervisor`, ...
    pub value: &'static str,
    /// In words.
    pub name: &'static str,
    /// Chosen now.
    pub selected: bool,
}

/// The accounts page.
#[derive(Template)]
#[template(path = "office/operators.html")]
pub struct OperatorsPage {
    /// The frame.
    pub chrome: Chrome,
    /// The office strings.
    pub t: &'static OfficeText,
    /// What was wrong with the add form.
    pub errors: FormErrors,
    /// The accounts.
    pub accounts: Vec<AccountRow>,
    /// The add form's role choices.
    pub roles: Vec<RoleChoice>,
    /// The id typed.
    pub new_id: String,
    /// The name typed.
    pub new_name: String,
    /// The password rule.
    pub password_hint: String,
    /// What was just done.
    pub notice: Option<String>,
}

/// The password reset page.
#[derive(Template)]
#[template(path = "office/operator_password.html")]
pub struct PasswordPage {
    /// The frame.
    pub chrome: Chrome,
    /// The office strings.
    pub t: &'static OfficeText,
    /// What was wrong.
    pub errors: FormErrors,
    /// The account.
    pub id: String,
    /// The heading.
    pub heading: String,
    /// The intro.
    pub intro: String,
    /// The password rule.
    pub password_hint: String,
}

/// `?done=added&id=X`.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
    id: Option<String>,
}

/// The add form.
#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

/// The reset form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

/// Checks a new password and its repetition, pushing errors on `field` and `field2`.
fn check_passwords(
    t: &'static OfficeText,
    errors: &mut FormErrors,
    password: &str,
    again: &str,
    field: &str,
    field2: &str,
) {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        errors.push(field, fill(t.err_password_short, MIN_PASSWORD_CHARS));
    } else if operators::check_password(password).is_err() {
        errors.push(field, t.err_password_space);
    } else if password != again {
        errors.push(field2, t.err_password_mismatch);
    }
}

async fn render_list(
    st: &ConsoleState,
    me: &SignedIn,
    status: StatusCode,
    errors: FormErrors,
    typed: &AddForm,
    notice: Option<String>,
) -> Response {
    let t = OfficeText::for_lang(me.lang);
    let chrome = me.chrome(t.operators_title);
    let accounts = match st.agent.with_store(|s| Ok(s.list_operators()?)).await {
        Ok(a) => a,
        Err(e) => return page::failure(&me.session, e),
    };
    let now = (st.agent.clock)();
    let offset = st.agent.config.console.utc_offset_minutes;
    let accounts = accounts
        .into_iter()
        .map(|a| {
            let locked = a.locked_until_ms.filter(|until| *until > now);
            let (state, tone) = match (a.enabled, locked) {
                (false, _) => (t.op_disabled.to_string(), "error"),
                (true, Some(until)) => (fill(t.op_locked, local_time(until, offset)), "warn"),
                (true, None) => (t.op_enabled.to_string(), "ok"),
            };
            let label = format!("{} ({})", a.operator.name, a.operator.id);
            AccountRow {
                role: chrome.role_name(a.operator.role),
                state,
                tone,
                enabled: a.enabled,
                is_self: a.operator.id == me.operator.id,
                toggle_label: fill(
                    if a.enabled {
                        t.op_disable_label
                    } else {
                        t.op_enable_label
                    },
                    &label,
                ),
                reset_label: fill(t.op_reset_label, &label),
                id: a.operator.id,
                name: a.operator.name,
            }
        })
        .collect();
    let roles = [
        Role::Operator,
        Role::Supervisor,
        Role::Technician,
        Role::Admin,
    ]
    .into_iter()
    .map(|r| RoleChoice {
        value: r.as_str(),
        name: chrome.role_name(r),
        selected: typed.role == r.as_str(),
    })
    .collect();
    let body = OperatorsPage {
        t,
        errors,
        accounts,
        roles,
        new_id: typed.id.clone(),
        new_name: typed.name.clone(),
        password_hint: fill(t.add_password_hint, MIN_PASSWORD_CHARS),
        notice,
        chrome,
    };
    page::render(status, &body)
}

/// `GET /operators`.
pub async fn page(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Query(done): Query<Done>,
) -> Response {
    if let Err(r) = me.require(Role::can_manage) {
        return r;
    }
    let t = OfficeText::for_lang(me.lang);
    let notice = match (done.done.as_deref(), done.id) {
        (Some("added"), Some(id)) => Some(fill(t.added, id)),
        (Some("enabled"), Some(id)) => Some(fill(t.enabled_done, id)),
        (Some("disabled"), Some(id)) => Some(fill(t.disabled_done, id)),
        (Some("password"), Some(id)) => Some(fill(t.password_done, id)),
        _ => None,
    };
    render_list(
        &st,
        &me,
        StatusCode::OK,
        FormErrors::default(),
        &AddForm::default(),
        notice,
    )
    .await
}

/// `POST /operators`: adds an account.
pub async fn add(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Form(form): Form<AddForm>,
) -> Response {
    if let Err(r) = me.require(Role::can_manage) {
        return r;
    }
    let t = OfficeText::for_lang(me.lang);
    let mut errors = FormErrors::default();
    let id = form.id.trim().to_string();
    if id.is_empty() {
        errors.push("new-id", t.err_id_missing);
    } else if operators::check_id(&id).is_err() {
        errors.push("new-id", t.err_id_bad);
    } else {
        let probe = id.clone();
        match st.agent.with_store(move |s| Ok(s.operator(&probe)?)).await {
            Ok(Some(_)) => errors.push("new-id", fill(t.err_id_taken, &id)),
            Ok(None) => {}
            Err(e) => return page::failure(&me.session, e),
        }
    }
    let name = form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 120 {
        errors.push("new-name", t.err_name_missing);
    }
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.push("new-role", t.err_role_missing);
    }
    check_passwords(
        t,
        &mut errors,
        &form.password,
        &form.password2,
        "new-password",
        "new-password2",
    );
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return render_list(
            &st,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            &form,
            None,
        )
        .await;
    };
    let now = (st.agent.clock)();
    let actor = me.operator.id.clone();
    let (new_id, password) = (id.clone(), form.password.clone());
    let added = st
        .agent
        .with_store(move |s| Ok(s.add_operator(&actor, &new_id, &name, role, &password, now)?))
        .await;
    match added {
        Ok(_) => {
            Redirect::to(&format!("/operators?done=added&id={}", query_value(&id))).into_response()
        }
        // A rule the store holds that the checks above did not (or a race with another admin).
        Err(ServiceError::Store(StoreError::Refused(why))) => {
            let mut errors = FormErrors::default();
            errors.push("new-id", fill(t.err_refused, why));
            render_list(
                &st,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                &form,
                None,
            )
            .await
        }
        Err(e) => page::failure(&me.session, e),
    }
}

async fn set_enabled(st: ConsoleState, me: SignedIn, id: String, enabled: bool) -> Response {
    if let Err(r) = me.require(Role::can_manage) {
        return r;
    }
    let t = OfficeText::for_lang(me.lang);
    if !enabled && id == me.operator.id {
        let mut errors = FormErrors::default();
        errors.push("accounts", t.op_not_self);
        return render_list(
            &st,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            &AddForm::default(),
            None,
        )
        .await;
    }
    let now = (st.agent.clock)();
    let actor = me.operator.id.clone();
    let target = id.clone();
    match st
        .agent
        .with_store(move |s| Ok(s.set_operator_enabled(&actor, &target, enabled, now)?))
        .await
    {
        Ok(()) => {
            let done = if enabled { "enabled" } else { "disabled" };
            Redirect::to(&format!("/operators?done={done}&id={}", query_value(&id))).into_response()
        }
        Err(ServiceError::Store(StoreError::NotFound(_))) => page::not_found(&me.session),
        Err(e) => page::failure(&me.session, e),
    }
}

/// `POST /operators/{id}/enable`.
pub async fn enable(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    set_enabled(st, me, id, true).await
}

/// `POST /operators/{id}/disable`.
pub async fn disable(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    set_enabled(st, me, id, false).await
}

fn password_page(
    me: &SignedIn,
    id: String,
    name: &str,
    status: StatusCode,
    errors: FormErrors,
) -> Response {
    let t = OfficeText::for_lang(me.lang);
    let heading = fill(t.reset_title, name);
    let body = PasswordPage {
        chrome: me.chrome(&heading),
        t,
        errors,
        intro: fill(t.reset_intro, name),
        heading,
        password_hint: fill(t.add_password_hint, MIN_PASSWORD_CHARS),
        id,
    };
    page::render(status, &body)
}

/// The account's name, or the response to send when there is no such account.
async fn account_name(st: &ConsoleState, me: &SignedIn, id: &str) -> Result<String, Response> {
    let probe = id.to_string();
    match st.agent.with_store(move |s| Ok(s.operator(&probe)?)).await {
        Ok(Some(o)) => Ok(o.name),
        Ok(None) => Err(page::not_found(&me.session)),
        Err(e) => Err(page::failure(&me.session, e)),
    }
}

/// `GET /operators/{id}/password`.
pub async fn password_form(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = me.require(Role::can_manage) {
        return r;
    }
    match account_name(&st, &me, &id).await {
        Ok(name) => password_page(&me, id, &name, StatusCode::OK, FormErrors::default()),
        Err(r) => r,
    }
}

/// `POST /operators/{id}/password`.
pub async fn set_password(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Response {
    if let Err(r) = me.require(Role::can_manage) {
        return r;
    }
    let t = OfficeText::for_lang(me.lang);
    let name = match account_name(&st, &me, &id).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    let mut errors = FormErrors::default();
    check_passwords(
        t,
        &mut errors,
        &form.password,
        &form.password2,
        "password",
        "password2",
    );
    if !errors.is_empty() {
        return password_page(&me, id, &name, StatusCode::UNPROCESSABLE_ENTITY, errors);
    }
    let now = (st.agent.clock)();
    let actor = me.operator.id.clone();
    let target = id.clone();
    let password = form.password;
    match st
        .agent
        .with_store(move |s| Ok(s.set_password(&actor, &target, &password, now)?))
        .await
    {
        Ok(()) => Redirect::to(&format!("/operators?done=password&id={}", query_value(&id)))
            .into_response(),
        Err(ServiceError::Store(StoreError::Refused(why))) => {
            let mut errors = FormErrors::default();
            errors.push("password", fill(t.err_refused, why));
            password_page(&me, id, &name, StatusCode::UNPROCESSABLE_ENTITY, errors)
        }
        Err(e) => page::failure(&me.session, e),
    }
}
