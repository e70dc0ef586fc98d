//! Removable media through the real `rekam` binary: import reads regular files only, bounded by
//! the packet size limit, judges every file on its own and fails only when one was refused;
//! export replaces a damaged copy already on the medium and leaves an intact one alone.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod cli_support;
use cli_support::{ok, p, rekam};

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}

/// Keys and `n` sample packets; returns their ids and bytes.
fn packets(d: &Path, n: u64) -> Vec<(String, Vec<u8>)> {
    ok(&["keys", "workstation-new", "--out", p(&d.join("ws"))]);
    ok(&["keys", "registry-new", "--out", p(&d.join("reg"))]);
    (1..=n)
        .map(|seed| {
            let out = d.join(format!("sample-{seed}.rkp"));
            ok(&[
                "packet",
                "sample",
                "--workstation-key",
                p(&d.join("ws/workstation.key")),
                "--registry-pub",
                p(&d.join("reg/registry.pub")),
                "--out",
                p(&out),
                "--seed",
                &seed.to_string(),
            ]);
            let bytes = fs::read(&out).expect("packet");
            (hex_sha256(&bytes), bytes)
        })
        .collect()
}

fn import(db: &Path, dir: &Path) -> (bool, String, String) {
    let out = rekam(&["outbox", "import", "--db", p(db), p(dir)]);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bad_file_between_two_good_ones_is_refused_and_both_good_ones_are_imported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let pk = packets(d, 2);
    let usb = d.join("usb");
    fs::create_dir(&usb).expect("usb");
    // Names sort as good, bad, good.
    let (first, last) = if pk[0].0 < pk[1].0 {
        (&pk[0], &pk[1])
    } else {
        (&pk[1], &pk[0])
    };
    fs::write(usb.join(format!("{}.rkp", first.0)), &first.1).expect("write");
    fs::write(usb.join(format!("{}.rkp", last.0)), &last.1).expect("write");
    // '.' sorts before 'x', and `first` before `last` within the 64 hex digits.
    let between = format!("{}x.rkp", first.0);
    fs::write(usb.join(&between), b"RKMP but not really a packet").expect("write");
    let db = d.join("agent.db");
    let (success, stdout, stderr) = import(&db, &usb);
    assert!(!success, "a refused file makes the exit status 1");
    assert!(
        stdout.contains("imported 2 packets, skipped 0 already known, refused 1"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("refused  {between}")), "{stdout}");
    assert!(stderr.contains("1 of 3 files were refused"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(ok(&["outbox", "status", "--db", p(&db)]).contains("pending 2"));
    // The same medium again, without the bad file: all known, exit 0.
    fs::remove_file(usb.join(&between)).expect("rm");
    let (success, stdout, _) = import(&db, &usb);
    assert!(success, "{stdout}");
    assert!(
        stdout.contains("imported 0 packets, skipped 2 already known, refused 0"),
        "{stdout}"
    );
}

#[test]
fn all_good_files_import_with_exit_status_zero() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let usb = d.join("usb");
    fs::create_dir(&usb).expect("usb");
    for (id, bytes) in packets(d, 2) {
        fs::write(usb.join(format!("{id}.rkp")), bytes).expect("write");
    }
    let (success, stdout, stderr) = import(&d.join("agent.db"), &usb);
    assert!(success, "{stdout} {stderr}");
    assert!(stdout.contains("imported 2 packets"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_symlink_to_dev_zero_a_fifo_and_an_oversized_file_are_refused_without_reading_them() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let pk = packets(d, 1);
    let usb = d.join("usb");
    fs::create_dir(&usb).expect("usb");
    fs::write(usb.join(format!("{}.rkp", pk[0].0)), &pk[0].1).expect("write");
    let zero = format!("{}.rkp", "a".repeat(64));
    std::os::unix::fs::symlink("/dev/zero", usb.join(&zero)).expect("symlink");
    let fifo = format!("{}.rkp", "b".repeat(64));
    let made = Command::new("mkfifo")
        .arg(usb.join(&fifo))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    // 100 MB, sparse: over the 16 MiB default limit without using the disk.
    let huge = format!("{}.rkp", "c".repeat(64));
    fs::File::create(usb.join(&huge))
        .expect("create")
        .set_len(100 << 20)
        .expect("sparse");
    let started = Instant::now();
    let (success, stdout, _) = import(&d.join("agent.db"), &usb);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "no hang on the FIFO"
    );
    assert!(!success);
    assert!(
        stdout.contains(&format!("refused  {zero}: a symbolic link")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("refused  {fifo}: a FIFO")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("refused  {huge}: 104857600 bytes")) && stdout.contains("limit"),
        "{stdout}"
    );
    assert!(
        stdout.contains("imported 1 packets, skipped 0 already known, refused 3"),
        "{stdout}"
    );
}

#[test]
fn the_configured_packet_size_limit_bounds_the_import() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let pk = packets(d, 1);
    assert!(
        pk[0].1.len() > 4096,
        "a sample packet is larger than the smallest limit"
    );
    let usb = d.join("usb");
    fs::create_dir(&usb).expect("usb");
    fs::write(usb.join(format!("{}.rkp", pk[0].0)), &pk[0].1).expect("write");
    let config = d.join("agent.toml");
    fs::write(&config, "[agent]\nmax_packet_bytes = 4096\n").expect("config");
    let out = rekam(&[
        "outbox",
        "import",
        "--db",
        p(&d.join("agent.db")),
        "--config",
        p(&config),
        p(&usb),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        stdout.contains("larger than the packet size limit of 4096 bytes"),
        "{stdout}"
    );
}

#[test]
fn export_replaces_a_truncated_copy_on_the_medium_and_leaves_an_intact_one_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let pk = packets(d, 2);
    let db = d.join("agent.db");
    let usb = d.join("usb");
    fs::create_dir(&usb).expect("usb");
    for (id, bytes) in &pk {
        fs::write(usb.join(format!("{id}.rkp")), bytes).expect("write");
    }
    let (success, ..) = import(&db, &usb);
    assert!(success);
    // The medium is damaged: one copy truncated; the other intact (and older).
    let damaged = usb.join(format!("{}.rkp", pk[0].0));
    let intact = usb.join(format!("{}.rkp", pk[1].0));
    fs::write(&damaged, &pk[0].1[..100]).expect("truncate");
    let intact_before = fs::metadata(&intact)
        .expect("meta")
        .modified()
        .expect("mtime");
    std::thread::sleep(Duration::from_millis(20));
    let out = ok(&["outbox", "export", "--db", p(&db), "--to", p(&usb)]);
    assert!(out.contains("1 replaced a damaged copy, 1 intact"), "{out}");
    assert_eq!(fs::read(&damaged).expect("read"), pk[0].1);
    assert_eq!(
        fs::metadata(&intact)
            .expect("meta")
            .modified()
            .expect("mtime"),
        intact_before,
        "the intact copy was not rewritten"
    );
    let leftovers: Vec<_> = fs::read_dir(&usb)
        .expect("ls")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left behind");
}

#[test]
fn a_rejected_packet_is_exported_only_when_asked_with_its_signed_rejection_and_import_says_how_to_requeue_it()
 {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let pk = packets(d, 1);
    let (id, bytes) = &pk[0];
    let usb = d.join("usb");
    fs::create_dir(&usb).expect("usb");
    fs::write(usb.join(format!("{id}.rkp")), bytes).expect("write");
    let db = d.join("agent.db");
    assert!(import(&db, &usb).0);
    fs::remove_file(usb.join(format!("{id}.rkp"))).expect("rm");
    {
        let store = rekam_agent::store::Store::open(&db).expect("open");
        store
            .outbox()
            .rejected(
                id,
                "registry refused (422, bad_signature)",
                b"{\"signed\":1}",
            )
            .expect("rejected");
    }
    let out = ok(&["outbox", "export", "--db", p(&db), "--to", p(&usb)]);
    assert!(out.contains("exported 0 packets"), "{out}");
    let out = ok(&[
        "outbox",
        "export",
        "--db",
        p(&db),
        "--to",
        p(&usb),
        "--include-rejected",
    ]);
    assert!(out.contains("exported 1 packets"), "{out}");
    assert_eq!(
        fs::read(usb.join(format!("{id}.rkp"))).expect("packet"),
        *bytes
    );
    assert_eq!(
        fs::read(usb.join(format!("{id}.rejection.json"))).expect("rejection"),
        b"{\"signed\":1}"
    );
    // Importing it again here does not requeue it; the summary says who can.
    let (success, stdout, _) = import(&db, &usb);
    assert!(success, "{stdout}");
    assert!(
        stdout.contains("rejected here") && stdout.contains("--rejected"),
        "{stdout}"
    );
    // Nor on another machine: the registry's rejection travels beside it.
    let (success, stdout, _) = import(&d.join("other.db"), &usb);
    assert!(
        success
            && stdout.contains("imported 0 packets")
            && stdout.contains("rejected by the registry"),
        "{stdout}"
    );
    // A supervisor who decides to send it again takes the packet without its rejection.
    fs::remove_file(usb.join(format!("{id}.rejection.json"))).expect("rm");
    let (success, stdout, _) = import(&d.join("other.db"), &usb);
    assert!(success && stdout.contains("imported 1 packets"), "{stdout}");
}
