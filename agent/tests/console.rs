//! The console's frame, driven in-process: sign-in with lockout, the CSRF defence, the idle lock
//! that keeps the operator, the language switch, and embedded assets.

mod support;

use axum::http::StatusCode;
use support::{Browser, PASSWORD, console, console_with, signed_in};

#[tokio::test]
async fn a_visitor_is_sent_to_sign_in_and_comes_back_to_the_page_they_wanted() {
    let c = console().await;
    let mut b = Browser::default();
    let p = b.get(&c.app, "/?tab=1").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/login?next=/%3Ftab%3D1"));
    let form = b.get(&c.app, "/login?next=/%3Ftab%3D1").await;
    assert!(
        form.body.contains("name=\"next\" value=\"/?tab=1\""),
        "{}",
        form.body
    );
    assert!(form.body.contains("data-screen=\"login\""));
    assert!(
        form.body
            .contains("<label for=\"operator_id\">ID operator</label>")
    );
    let p = b
        .post(
            &c.app,
            "/login",
            &[
                ("operator_id", "op"),
                ("password", PASSWORD),
                ("next", "/?tab=1"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/?tab=1"));
}

#[tokio::test]
async fn signing_in_replaces_the_session_id_and_is_audited_under_the_operator() {
    let c = console().await;
    let mut b = Browser::default();
    b.get(&c.app, "/login").await;
    let before = b.sid.clone();
    b.sign_in(&c.app, "op").await;
    assert_ne!(b.sid, before, "no session fixation");
    let entries = c
        .agent
        .with_store(|s| {
            Ok(s.raw_connection()
                .prepare("SELECT actor, action FROM audit WHERE action = 'operator.sign_in'")
                .and_then(|mut st| {
                    st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                        .collect::<Result<Vec<_>, _>>()
                })
                .expect("audit"))
        })
        .await
        .expect("store");
    assert!(entries.contains(&("op".into(), "operator.sign_in".into())));
}

#[tokio::test]
async fn a_wrong_password_keeps_the_id_and_says_how_many_attempts_are_left() {
    let c = console().await;
    let mut b = Browser::default();
    b.get(&c.app, "/login").await;
    let p = b
        .post(
            &c.app,
            "/login",
            &[
                ("operator_id", "op"),
                ("password", "salah sekali"),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("value=\"op\""), "the id typed is kept");
    assert!(
        p.body.contains("Sisa percobaan sebelum akun dikunci: 4"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("href=\"#operator_id\""),
        "the summary links to the field"
    );
    assert!(p.body.contains("aria-invalid=\"true\""));
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_and_even_the_right_one_is_refused_until_when() {
    let c = console().await;
    let mut b = Browser::default();
    b.get(&c.app, "/login").await;
    for _ in 0..5 {
        b.post(
            &c.app,
            "/login",
            &[
                ("operator_id", "op"),
                ("password", "salah sekali"),
                ("next", "/"),
            ],
        )
        .await;
    }
    let p = b
        .post(
            &c.app,
            "/login",
            &[("operator_id", "op"), ("password", PASSWORD), ("next", "/")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body
            .contains("Akun dikunci karena 5 kali salah kata sandi, sampai pukul"),
        "{}",
        p.body
    );
}

#[tokio::test]
async fn an_unknown_id_gets_the_same_answer_as_a_wrong_password_without_a_count() {
    let c = console().await;
    let mut b = Browser::default();
    b.get(&c.app, "/login").await;
    let p = b
        .post(
            &c.app,
            "/login",
            &[
                ("operator_id", "nobody"),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("ID operator atau kata sandi salah"));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let c = console().await;
    let mut b = Browser::default();
    b.get(&c.app, "/login").await;
    let p = b
        .post_raw(
            &c.app,
            "/login",
            format!("operator_id=op&password={}", support::enc(PASSWORD)),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("Permintaan ditolak"));
    let p = b
        .post_raw(
            &c.app,
            "/login",
            format!(
                "_csrf=forged&operator_id=op&password={}",
                support::enc(PASSWORD)
            ),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let mut signed = signed_in(&c, "op").await;
    let p = signed.post_raw(&c.app, "/logout", String::new()).await;
    assert_eq!(
        p.status,
        StatusCode::FORBIDDEN,
        "sign-out needs the token too"
    );
    assert_eq!(
        signed.get(&c.app, "/").await.status,
        StatusCode::OK,
        "still signed in"
    );
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_the_token() {
    let c = console().await;
    let mut b = signed_in(&c, "op").await;
    let req = axum::http::Request::post("/logout")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from(format!("_csrf={}", b.csrf)))
        .expect("request");
    assert_eq!(b.send(&c.app, req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_idle_lock_keeps_the_operator_and_only_their_password_lifts_it() {
    let c = console_with(false, |cfg| cfg.console.idle_lock_minutes = 1).await;
    let mut b = signed_in(&c, "op").await;
    // Jump the session's clock: the session was last active at sign-in.
    let sessions = c.state.sessions.clone();
    let sid = b.sid.clone().expect("sid");
    let later = (c.agent.clock)() + 61_000;
    assert!(
        sessions
            .touch(Some(&sid), Default::default(), later, true)
            .locked
    );
    let p = b.get(&c.app, "/").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/lock?next=/"));
    let lock = b.get(&c.app, "/lock?next=/").await;
    assert!(lock.body.contains("Siti Operator"), "{}", lock.body);
    let wrong = b
        .post(
            &c.app,
            "/lock",
            &[("password", "bukan sandinya"), ("next", "/")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = b
        .post(&c.app, "/lock", &[("password", PASSWORD), ("next", "/")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get(&c.app, "/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_language_switch_is_one_click_and_remembered_in_a_cookie() {
    let c = console().await;
    let mut b = signed_in(&c, "op").await;
    assert!(b.get(&c.app, "/").await.body.contains("<html lang=\"id\">"));
    let p = b.post(&c.app, "/lang", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(b.lang.as_deref(), Some("en"));
    let home = b.get(&c.app, "/").await;
    assert!(home.body.contains("<html lang=\"en\">"));
    assert!(home.body.contains("Sign out"));
}

#[tokio::test]
async fn pages_forbid_framing_and_requests_to_other_origins_and_are_not_cached() {
    let c = console().await;
    let req = axum::http::Request::get("/login")
        .body(axum::body::Body::empty())
        .expect("request");
    let resp = tower::ServiceExt::oneshot(c.app.clone(), req)
        .await
        .expect("response");
    let h = resp.headers();
    let csp = h["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["cache-control"], "no-store");
    let cookie = h["set-cookie"].to_str().expect("cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

#[tokio::test]
async fn assets_are_embedded_and_cached_by_content_hash() {
    let c = console().await;
    let mut b = Browser::default();
    let login = b.get(&c.app, "/login").await;
    let at = login.body.find("/assets/console.css?v=").expect("css link");
    let url = &login.body[at..login.body[at..].find('"').expect("end") + at];
    let req = axum::http::Request::get(url)
        .body(axum::body::Body::empty())
        .expect("request");
    let resp = tower::ServiceExt::oneshot(c.app.clone(), req)
        .await
        .expect("response");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["cache-control"]
            .to_str()
            .expect("cc")
            .contains("immutable")
    );
    assert_eq!(
        b.get(&c.app, "/assets/nope.css").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_residents_screen_has_no_operator_controls_and_never_shows_a_sign_in_or_lock_form() {
    let c = console_with(false, |cfg| cfg.console.idle_lock_minutes = 1).await;
    let mut b = signed_in(&c, "op").await;
    let page = b.get(&c.app, "/resident").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-screen=\"resident\""));
    assert!(
        !page.body.contains("action=\"/logout\""),
        "no sign-out facing the resident"
    );
    assert!(
        !page.body.contains("href=\"/outbox\""),
        "no navigation facing the resident"
    );
    let sid = b.sid.clone().expect("sid");
    let later = (c.agent.clock)() + 61_000;
    c.state
        .sessions
        .touch(Some(&sid), Default::default(), later, true);
    let locked = b.get(&c.app, "/resident").await;
    assert_eq!(
        locked.status,
        StatusCode::OK,
        "the resident's screen waits, it is not sent to /lock"
    );
    assert!(!locked.body.contains("type=\"password\""));
    let mut stranger = Browser::default();
    let anon = stranger.get(&c.app, "/resident").await;
    assert_eq!(anon.status, StatusCode::OK);
    assert!(!anon.body.contains("type=\"password\""));
}
