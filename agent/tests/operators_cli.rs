//! `rekam operators` run as a user would, with the real binary and `--password-stdin`, on the
//! store of an agent configured by `--config`: accounts added, listed, refused, disabled and
//! enabled, passwords changed, and API tokens that work against the running agent until their
//! operator is disabled or a newer token replaces them.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use rekam_agent::store::Store;

/// Runs `rekam operators ARGS --config CONFIG`, with `stdin` piped in when given.
fn operators(config: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .arg("operators")
        .args(args)
        .arg("--config")
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rekam operators");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("rekam operators")
}

fn ok(config: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = operators(config, args, stdin);
    assert!(
        out.status.success(),
        "rekam operators {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn refused(config: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = operators(config, args, stdin);
    assert!(!out.status.success(), "rekam operators {args:?} succeeded");
    String::from_utf8(out.stderr).expect("utf-8")
}

/// A configuration whose data directory is `dir/data`, on simulated devices.
fn config(dir: &Path) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    let config = dir.join("rekam.toml");
    std::fs::write(
        &config,
        format!(
            "[agent]\nlisten = \"127.0.0.1:0\"\ndata_dir = {:?}\n[registry]\nurl = \"http://127.0.0.1:9\"\n\
             [devices]\nrealtime = false\nwatch_interval_ms = 0\n[uploader]\npoll_ms = 60000\n",
            data.display().to_string()
        ),
    )
    .expect("config");
    (config, data)
}

fn add(config: &Path, id: &str, name: &str, role: &str, password: &str) -> String {
    ok(
        config,
        &[
            "add",
            "--id",
            id,
            "--name",
            name,
            "--role",
            role,
            "--password-stdin",
        ],
        Some(&format!("{password}\n")),
    )
}

#[test]
fn accounts_are_added_listed_disabled_and_enabled_and_each_change_is_audited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, data) = config(dir.path());
    // Before the agent ever ran: the data directory is made, private.
    let out = add(
        &config,
        "siti",
        "Siti Rahma",
        "supervisor",
        "kata sandi panjang",
    );
    assert!(
        out.contains("operator siti (Siti Rahma, supervisor) added"),
        "{out}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&data)
            .expect("data dir")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
    }
    add(
        &config,
        "budi",
        "Budi Santoso",
        "operator",
        "sandi yang panjang",
    );

    let err = refused(
        &config,
        &[
            "add",
            "--id",
            "ani",
            "--name",
            "Ani",
            "--role",
            "operator",
            "--password-stdin",
        ],
        Some("pendek\n"),
    );
    assert!(err.contains("at least 10"), "{err}");
    let err = refused(
        &config,
        &[
            "add",
            "--id",
            "budi",
            "--name",
            "Budi 2",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("kata sandi panjang\n"),
    );
    assert!(err.contains("already exists"), "{err}");
    let err = refused(
        &config,
        &[
            "add",
            "--id",
            "ani",
            "--name",
            "Ani",
            "--role",
            "boss",
            "--password-stdin",
        ],
        Some("kata sandi panjang\n"),
    );
    assert!(err.contains("boss"), "{err}");

    let list = ok(&config, &["list"], None);
    let row = |id: &str| -> Vec<String> {
        list.lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} not listed: {list}"))
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        row("siti"),
        ["siti", "Siti Rahma", "supervisor", "yes", "-"]
    );
    assert_eq!(
        row("budi"),
        ["budi", "Budi Santoso", "operator", "yes", "-"]
    );
    assert!(
        !list.contains("ani"),
        "a refused account is not added: {list}"
    );

    ok(&config, &["disable", "budi"], None);
    let list = ok(&config, &["list"], None);
    assert!(
        list.lines()
            .any(|l| l.starts_with("budi ") && l.contains(" no ")),
        "{list}"
    );
    ok(&config, &["enable", "budi"], None);
    let err = refused(&config, &["disable", "nobody"], None);
    assert!(err.contains("no operator \"nobody\""), "{err}");

    let store = Store::open(&data.join("agent.db")).expect("store");
    store.verify_audit().expect("the chain holds");
    let mut stmt = store
        .raw_connection()
        .prepare("SELECT actor, action, subject FROM audit ORDER BY seq")
        .expect("query");
    let log: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("audit");
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|(_, a, s)| (a.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("operator.add", "siti"),
            ("operator.add", "budi"),
            ("operator.disable", "budi"),
            ("operator.enable", "budi"),
        ]
    );
    assert!(
        log.iter()
            .all(|(actor, ..)| actor == "cli" || actor.starts_with("cli:")),
        "{log:?}"
    );
}

#[test]
fn passwd_sets_a_new_password_from_standard_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, data) = config(dir.path());
    add(
        &config,
        "siti",
        "Siti Rahma",
        "supervisor",
        "kata sandi panjang",
    );
    let err = refused(
        &config,
        &["passwd", "siti", "--password-stdin"],
        Some("pendek\n"),
    );
    assert!(err.contains("at least 10"), "{err}");
    ok(
        &config,
        &["passwd", "siti", "--password-stdin"],
        Some("sandi baru yang panjang\n"),
    );
    let store = Store::open(&data.join("agent.db")).expect("store");
    let phc = store
        .credentials("siti")
        .expect("read")
        .expect("account")
        .phc;
    assert!(rekam_agent::operators::verify_password(
        &phc,
        "sandi baru yang panjang"
    ));
    assert!(!rekam_agent::operators::verify_password(
        &phc,
        "kata sandi panjang"
    ));
}

/// `rekam serve` on `config`; its base URL.
fn serve(config: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["serve", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn rekam serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    (child, base)
}

#[tokio::test]
async fn a_token_from_the_command_line_acts_for_its_operator_until_disabled_or_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, data) = config(dir.path());
    add(
        &config,
        "budi",
        "Budi Santoso",
        "operator",
        "sandi yang panjang",
    );
    let token = ok(&config, &["token", "budi"], None).trim().to_string();
    assert_eq!(token.len(), 43, "{token:?}");
    assert!(!data.join("api-token").exists());

    let (mut agent, base) = serve(&config);
    assert!(
        !data.join("api-token").exists(),
        "the agent writes no token file"
    );
    let http = reqwest::Client::new();
    let get = |token: String| {
        let http = http.clone();
        let url = format!("{base}/v1/devices");
        async move {
            let r = http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("request");
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }
    };
    assert_eq!(get(token.clone()).await.0, 200);

    // Disabled while the agent runs: refused at once, and no new token is issued for them.
    ok(&config, &["disable", "budi"], None);
    let (status, body) = get(token.clone()).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("operator budi is disabled"), "{body}");
    let err = refused(&config, &["token", "budi"], None);
    assert!(err.contains("disabled"), "{err}");
    ok(&config, &["enable", "budi"], None);
    assert_eq!(get(token.clone()).await.0, 200);

    // A new token replaces the old one.
    let newer = ok(&config, &["token", "budi"], None).trim().to_string();
    assert_ne!(newer, token);
    assert_eq!(get(token).await.0, 401);
    assert_eq!(get(newer).await.0, 200);

    let _ = agent.kill();
    let _ = agent.wait();
}
