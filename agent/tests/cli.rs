//! The README's packet walk-through, through the real `rekam` binary: keys, a sample packet,
//! inspect, open with export, and the one-line refusals (tampering, wrong key, untrusted signer,
//! overwriting a key).

use std::fs;
use std::path::Path;
use std::process::Command;

mod cli_support;
use cli_support::{fails, ok, p, rekam};

/// `rekam packet sample` with the keys in `d/ws` and `d/reg`, written to `out`.
fn sample(d: &Path, out: &Path, extra: &[&str]) -> String {
    let (key, registry) = (d.join("ws/workstation.key"), d.join("reg/registry.pub"));
    let mut args = vec![
        "packet",
        "sample",
        "--workstation-key",
        p(&key),
        "--registry-pub",
        p(&registry),
        "--out",
        p(out),
    ];
    args.extend_from_slice(extra);
    ok(&args)
}

#[test]
fn a_new_user_can_make_inspect_open_and_see_tampering_rejected() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    ok(&[
        "keys",
        "workstation-new",
        "--out",
        p(&d.join("ws")),
        "--id",
        "WS-3171-01",
    ]);
    ok(&["keys", "registry-new", "--out", p(&d.join("reg"))]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for key in ["ws/workstation.key", "reg/registry.key"] {
            let mode = fs::metadata(d.join(key)).expect("key").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{key}");
        }
    }
    let pub_text = fs::read_to_string(d.join("ws/workstation.pub")).expect("pub");
    assert!(
        pub_text.starts_with("rekam-workstation-v1 ed25519 ")
            && pub_text.trim_end().ends_with(" WS-3171-01")
    );

    let pkt = d.join("e.rkp");
    let made = sample(d, &pkt, &[]);
    assert!(made.contains("from workstation WS-3171-01"), "{made}");

    let inspected: serde_json::Value =
        serde_json::from_str(&ok(&["packet", "inspect", "--json", p(&pkt)])).expect("json");
    assert_eq!(inspected["workstation_id"], "WS-3171-01");
    assert_eq!(
        inspected["sealed_bytes"],
        fs::metadata(&pkt).expect("pkt").len()
    );

    let opened = ok(&[
        "packet",
        "open",
        "--registry-key",
        p(&d.join("reg/registry.key")),
        "--trust",
        p(&d.join("ws")),
        p(&pkt),
        "--out",
        p(&d.join("parts")),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&opened).expect("json");
    assert_eq!(v["verified"], true);
    assert_eq!(v["packet_id"], inspected["packet_id"]);
    for part in v["manifest"]["parts"].as_array().expect("parts") {
        let name = part["name"].as_str().expect("name");
        assert_eq!(
            fs::metadata(d.join("parts").join(name)).expect(name).len(),
            part["length"].as_u64().expect("len")
        );
    }

    let mut bytes = fs::read(&pkt).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x04;
    fs::write(d.join("bad.rkp"), &bytes).expect("write");
    let err = fails(&[
        "packet",
        "open",
        "--registry-key",
        p(&d.join("reg/registry.key")),
        "--trust",
        p(&d.join("ws/workstation.pub")),
        p(&d.join("bad.rkp")),
    ]);
    assert!(err.contains("ciphertext altered"), "{err}");
}

#[test]
fn refusals_name_their_reason() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    ok(&[
        "keys",
        "workstation-new",
        "--out",
        p(&d.join("ws")),
        "--algorithm",
        "ecdsa-p256-sha256",
    ]);
    ok(&["keys", "registry-new", "--out", p(&d.join("reg"))]);
    ok(&["keys", "registry-new", "--out", p(&d.join("other"))]);
    ok(&["keys", "workstation-new", "--out", p(&d.join("ws2"))]);
    let err = fails(&["keys", "registry-new", "--out", p(&d.join("reg"))]);
    assert!(err.contains("refusing to overwrite"), "{err}");

    let pkt = d.join("e.rkp");
    sample(d, &pkt, &["--seed", "4"]);
    let err = fails(&[
        "packet",
        "open",
        "--registry-key",
        p(&d.join("other/registry.key")),
        "--trust",
        p(&d.join("ws")),
        p(&pkt),
    ]);
    assert!(err.contains("sealed to another key"), "{err}");
    let err = fails(&[
        "packet",
        "open",
        "--registry-key",
        p(&d.join("reg/registry.key")),
        "--trust",
        p(&d.join("ws2")),
        p(&pkt),
    ]);
    assert!(err.contains("unknown workstation"), "{err}");
    fs::write(d.join("junk.rkp"), b"hello").expect("write");
    let err = fails(&["packet", "inspect", p(&d.join("junk.rkp"))]);
    assert!(err.contains("not a rekam packet"), "{err}");
    let err = fails(&["packet", "inspect", p(&d.join("missing.rkp"))]);
    assert!(err.contains("cannot read"), "{err}");
    let err = fails(&[
        "packet",
        "open",
        "--registry-key",
        p(&d.join("ws/workstation.key")),
        "--trust",
        p(&d.join("ws")),
        p(&pkt),
    ]);
    assert!(err.contains("X25519"), "{err}");
}

#[test]
fn the_packet_demo_runs_the_whole_cycle() {
    let out = ok(&["packet", "demo"]);
    assert!(out.contains("rejected: ciphertext altered"), "{out}");
    assert!(out.contains("rejected: unknown workstation"), "{out}");
    assert!(
        out.trim_end().ends_with("untrusted signers rejected."),
        "{out}"
    );
}

#[test]
fn the_demo_enrolls_through_the_api_and_ends_with_the_registry_receipt() {
    let out = ok(&["demo"]);
    assert!(out.contains("session started"), "{out}");
    assert!(
        out.contains("supervisor SPV-DEMO approved: exception_finger_10"),
        "{out}"
    );
    assert!(out.contains("finalized: packet"), "{out}");
    assert!(out.contains("receipt from registry REG-DEMO"), "{out}");
    assert!(out.contains("audit log intact"), "{out}");
}

#[test]
fn the_r30x_simulator_prints_its_pty_path_first_and_serves_until_killed() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["sim", "r30x", "--pty", "--seed", "3"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let path = Path::new(line.trim_end());
    assert!(path.exists(), "{line:?} is not an existing pty");
    assert!(child.try_wait().expect("status").is_none(), "still serving");
    child.kill().expect("kill");
    child.wait().expect("reaped");
}

#[test]
fn audit_verify_reports_an_intact_chain_and_names_a_broken_one() {
    use rekam_agent::store::{AuditEntry, Store};
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("rekam.db");
    {
        let mut store = Store::open(&db).expect("store");
        for i in 0..3 {
            store
                .audit(&AuditEntry::new(
                    i,
                    "OP-1",
                    "session.start",
                    "s",
                    serde_json::json!({}),
                ))
                .expect("append");
        }
    }
    assert!(ok(&["audit", "verify", "--db", p(&db)]).contains("intact: 3 entries"));
    let conn = rusqlite::Connection::open(&db).expect("db");
    conn.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'OP-2' WHERE seq = 2;",
    )
    .expect("tamper");
    drop(conn);
    let err = fails(&["audit", "verify", "--db", p(&db)]);
    assert!(err.contains("audit entry 2 was altered"), "{err}");
    let err = fails(&["audit", "verify", "--db", p(&tmp.path().join("none.db"))]);
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn outbox_commands_count_export_and_import_packets_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    ok(&["keys", "workstation-new", "--out", p(&d.join("ws"))]);
    ok(&["keys", "registry-new", "--out", p(&d.join("reg"))]);
    let pkt = d.join("e.rkp");
    sample(d, &pkt, &[]);
    let bytes = fs::read(&pkt).expect("packet");
    let id = hex_sha256(&bytes);
    let inspected: serde_json::Value =
        serde_json::from_str(&ok(&["packet", "inspect", "--json", p(&pkt)])).expect("json");
    let db = d.join("offline.db");
    {
        let mut store = rekam_agent::store::Store::open(&db).expect("store");
        let enrollment = inspected["enrollment_id"].as_str().expect("id");
        assert!(
            store
                .queue_imported(&id, enrollment, &bytes, 1)
                .expect("queue")
        );
    }
    assert!(ok(&["outbox", "status", "--db", p(&db)]).contains("pending 1"));
    assert!(
        ok(&[
            "outbox",
            "export",
            "--db",
            p(&db),
            "--to",
            p(&d.join("usb"))
        ])
        .contains("exported 1")
    );
    assert_eq!(
        fs::read(d.join("usb").join(format!("{id}.rkp"))).expect("exported file"),
        bytes
    );
    let connected = d.join("connected.db");
    assert!(
        ok(&["outbox", "import", "--db", p(&connected), p(&d.join("usb"))])
            .contains("imported 1 packets, skipped 0")
    );
    assert!(
        ok(&["outbox", "import", "--db", p(&connected), p(&d.join("usb"))])
            .contains("imported 0 packets, skipped 1")
    );
    assert!(ok(&["outbox", "retry", "--db", p(&connected)]).contains("1 pending"));
    let err = fails(&["outbox", "status", "--db", p(&d.join("missing.db"))]);
    assert!(err.contains("does not exist"), "{err}");
}

fn hex_sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn devices_list_shows_the_simulated_kit_and_enumerates_real_ports() {
    let sim = ok(&["devices", "list", "--simulated"]);
    for class in [
        "fingerprint scanner",
        "camera",
        "signature pad",
        "iris scanner",
        "card printer",
    ] {
        assert!(sim.contains(class), "{class} missing from: {sim}");
    }
    // Real enumeration must answer on any machine, ports or not, and say what USB offers.
    let real = ok(&["devices", "list"]);
    assert!(
        real.lines().any(
            |l| l.starts_with("USB unavailable: no USB support on this machine")
                || l.starts_with("USB: no devices attached")
                || l.starts_with("USB ")
        ),
        "no USB status in: {real}"
    );
}

#[test]
fn devices_list_includes_configured_serial_paths() {
    let (_master, slave) = serialport::TTYPort::pair().expect("pty pair");
    let path = serialport::SerialPort::name(&slave).expect("pty name");
    let listed = ok(&["devices", "list", "--serial-glob", "/dev/pts/[0-9]*"]);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&path) && l.contains("serial port")),
        "{path} not listed: {listed}"
    );
}

/// Lines of a running `rekam devices watch`, with a deadline per line.
struct Watching {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Watching {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
            .args(["devices", "watch"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("rekam runs");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Self { child, lines }
    }

    /// Reads lines until one satisfies `wanted`; fails after 10 s.
    fn until(&self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if wanted(&line) => return line,
                Ok(line) => seen.push(line),
                Err(_) => panic!("no line {what} within 10 s; saw {seen:?}"),
            }
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn devices_watch_sees_a_pseudo_terminal_arrive_and_leave() {
    let w = Watching::start(&["--interval-ms", "50", "--serial-glob", "/dev/pts/[0-9]*"]);
    let header = w.until("starting the watch", |l| l.starts_with("watching "));
    assert!(
        header.contains("USB"),
        "the header says what USB offers: {header}"
    );
    let (master, slave) = serialport::TTYPort::pair().expect("pty pair");
    let path = serialport::SerialPort::name(&slave).expect("pty name");
    let arrived = format!("arrived  serial {path}");
    w.until("announcing the pty", |l| l == arrived);
    drop((master, slave));
    let left = format!("left     serial {path}");
    w.until("announcing its departure", |l| l == left);
}

#[test]
fn devices_watch_simulated_reports_the_simulated_module_coming_and_going() {
    let w = Watching::start(&["--interval-ms", "50", "--simulated", "--probe"]);
    w.until("starting the watch", |l| l.starts_with("watching "));
    w.until("announcing the module", |l| {
        l.starts_with("arrived  serial /dev/pts/")
    });
    w.until("identifying the module", |l| l.contains("R307-SIM"));
    w.until("announcing its departure", |l| {
        l.starts_with("left     serial /dev/pts/")
    });
}

#[test]
fn sim_faces_writes_portraits_with_their_scene_parameters() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("faces");
    ok(&[
        "sim",
        "faces",
        "--seed",
        "3",
        "--count",
        "3",
        "--out",
        p(&out),
    ]);
    for i in 0..3 {
        let jpeg = fs::read(out.join(format!("face-{i:04}.jpg"))).expect("jpeg");
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        let meta: serde_json::Value = serde_json::from_slice(
            &fs::read(out.join(format!("face-{i:04}.json"))).expect("sidecar"),
        )
        .expect("json");
        assert_eq!(meta["index"], i);
        assert!(
            ["red", "blue", "orange"].contains(&meta["background"].as_str().expect("background"))
        );
    }
    let err = fails(&["sim", "faces", "--count", "1", "--out", p(&out)]);
    assert!(err.contains("refusing to overwrite"), "{err}");
}

#[test]
fn quality_finger_gives_nist_scores_and_features_as_json_lines() {
    let root = rekam_tests::workspace_root();
    let example = root.join("../shared/data/nfiq2/examples/SFinGe_Test01.pgm");
    if !example.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared/data is missing"
        );
        return;
    }
    let out = ok(&[
        "quality",
        "finger",
        "--json",
        example.to_str().expect("path"),
    ]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    // NIST's expected output for this example: UnifiedQualityScore 54, FDA_Bin10_Mean 0.458941.
    assert_eq!(v["nfiq2"], 54, "{v}");
    let fda = v["features"]["FDA_Bin10_Mean"].as_f64().expect("feature");
    assert!((fda - 0.458941).abs() < 1e-6, "{fda}");
    assert_eq!(v["actionable"]["FingerprintImageWithMinutiae"], 69.0);
    assert_eq!(v["features"].as_object().expect("features").len(), 69);
}

#[test]
fn quality_finger_scores_what_it_can_and_names_what_it_cannot() {
    let root = rekam_tests::workspace_root();
    let example = root.join("../shared/data/nfiq2/examples/SFinGe_Test02.pgm");
    if !example.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared/data is missing"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.png");
    fs::write(&junk, b"not an image").expect("write");
    let out = rekam(&[
        "quality",
        "finger",
        example.to_str().expect("path"),
        junk.to_str().expect("path"),
    ]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SFinGe_Test02.pgm: NFIQ 2 "), "{text}");
    assert!(text.contains("junk.png: error: not a PNG, PGM"), "{text}");
}

#[test]
fn quality_face_reports_each_check_and_fails_a_photo_with_a_cluttered_backdrop() {
    let root = rekam_tests::workspace_root();
    let photo = root.join("../shared/data/faces/portrait-1.jpg");
    if !photo.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared/data is missing"
        );
        return;
    }
    let out = rekam(&["quality", "face", "--json", photo.to_str().expect("path")]);
    assert!(
        !out.status.success(),
        "an office background is not a plain backdrop"
    );
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).expect("one JSON object");
    assert_eq!(v["faces"].as_array().expect("faces").len(), 1, "{v}");
    let failed: Vec<&str> = v["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter(|c| c["passed"] == false)
        .filter_map(|c| c["check"].as_str())
        .collect();
    assert_eq!(failed, ["BackgroundUniformity"], "{v}");
}

#[test]
fn a_trust_directory_that_also_holds_the_registry_public_keys_is_accepted() {
    // The README's `--trust rekam-data/keys`: a workstation's keys folder also holds the
    // registry's registry.pub and receipt.pub.
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    ok(&["keys", "workstation-new", "--out", p(&d.join("ws"))]);
    ok(&["keys", "registry-new", "--out", p(&d.join("reg"))]);
    for f in ["registry.pub", "receipt.pub"] {
        fs::copy(d.join("reg").join(f), d.join("ws").join(f)).expect("copy");
    }
    let pkt = d.join("e.rkp");
    sample(d, &pkt, &[]);
    let out = rekam(&[
        "packet",
        "open",
        "--registry-key",
        p(&d.join("reg/registry.key")),
        "--trust",
        p(&d.join("ws")),
        p(&pkt),
        "--json",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("receipt.pub is the registry's receipt key") && err.contains("skipped"),
        "{err}"
    );
    assert!(
        err.contains("registry.pub is the registry's sealing key"),
        "{err}"
    );

    // Anything else that is not a workstation key is still an error naming the file.
    fs::write(d.join("ws/junk.pub"), "not a key\n").expect("write");
    let err = fails(&[
        "packet",
        "open",
        "--registry-key",
        p(&d.join("reg/registry.key")),
        "--trust",
        p(&d.join("ws")),
        p(&pkt),
    ]);
    assert!(err.contains("junk.pub"), "{err}");
}
