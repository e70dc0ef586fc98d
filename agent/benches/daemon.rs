//! Daemon figures: how fast the uploader drains a backlog into the registry simulator over
//! loopback HTTP, and how much memory an idle `rekam serve --simulated` holds.
//!
//! Run: `cargo bench -p rekam-agent --bench daemon`. Prints one line per figure.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rekam_agent::commands::keys;
use rekam_agent::config::Config;
use rekam_agent::serve;
use rekam_agent::uploader;
use rekam_protocol::packet;
use rekam_sim::registry::Registry;
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use tokio::net::TcpListener;

const BACKLOG: u64 = 300;

fn rss_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn idle_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args([
            "serve",
            "--simulated",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("line");
    std::thread::sleep(Duration::from_secs(3));
    let rss = rss_kib(child.id(), "VmRSS:");
    let _ = child.kill();
    let _ = child.wait();
    match rss {
        Some(k) => println!(
            "idle rekam serve --simulated: RSS {:.1} MiB",
            k as f64 / 1024.0
        ),
        None => println!("idle RSS: /proc not available"),
    }
}

async fn drain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let data = root.join("agent");
    let mut c = Config::default();
    c.agent.data_dir = data.clone();
    c.agent.workstation_id = "WS-B1".into();
    serve::provision_simulated(&c).expect("keys");
    let registry = Registry::new(
        rekam_agent::commands::serve::registry_config(
            &rekam_agent::commands::serve::RegistryArgs {
                listen: ([127, 0, 0, 1], 0).into(),
                registry_key: data.join("sim-registry/registry.key"),
                receipt_key: None,
                trust: vec![data.join("keys/workstation.pub")],
                id: None,
                unavailable_rate: 0.0,
                tls: None,
                print_delay_ms: None,
            },
        )
        .expect("registry configuration"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(rekam_sim::registry::run(
        listener,
        registry.clone(),
        std::future::pending(),
    ));

    // Seal the backlog first, with the uploader pointed nowhere, so only delivery is timed.
    c.registry.url = "http://127.0.0.1:9".into();
    c.uploader.poll_ms = 3_600_000;
    c.uploader.initial_backoff_ms = 3_600_000;
    c.uploader.max_backoff_ms = 3_600_000;
    let running = serve::start(
        c.clone(),
        TcpListener::bind("127.0.0.1:0").await.expect("bind"),
    )
    .await
    .expect("start");
    let key = keys::load_workstation_key(&data.join("keys/workstation.key")).expect("key");
    let reg_pub = rekam_protocol::RegistryPublicKey::parse_text(
        &std::fs::read_to_string(data.join("keys/registry.pub")).expect("pub"),
    )
    .expect("pub");
    let mut bytes_total = 0usize;
    // One field-sized resident, enrolled BACKLOG times under distinct enrollment ids (generating
    // a new synthetic resident each time would time the print generator, not delivery).
    let mut template = sample::enrollment(&SampleOptions::realistic(1, "WS-B1", 1_790_000_000_000));
    // Fingers as the agent stores them: WSQ at 0.75 bpp.
    for f in &mut template.biometrics.fingers {
        if let rekam_protocol::model::FingerRecord::Captured(c) = &mut f.record {
            let mut dec = png::Decoder::new(c.image.data.bytes());
            dec.set_transformations(png::Transformations::IDENTITY);
            let mut r = dec.read_info().expect("sample PNG");
            let mut buf = vec![0; r.output_buffer_size()];
            r.next_frame(&mut buf).expect("frame");
            c.image = rekam_agent::capture::wsq_finger(&buf, c.image.width, c.image.height, 500)
                .expect("WSQ");
        }
    }
    for seed in 0..BACKLOG {
        let mut e = template.clone();
        e.id = rekam_protocol::EnrollmentId::new(1_790_000_000_000 + seed, [seed as u8; 10]);
        let p = packet::seal(
            &mut e,
            &key,
            &reg_pub,
            [seed as u8; 32],
            &SystemRandom::new(),
        )
        .expect("seal");
        bytes_total += p.bytes.len();
        let (id, eid) = (p.id.to_string(), e.id.to_string());
        running
            .agent
            .with_store(move |s| Ok(s.queue_imported(&id, &eid, &p.bytes, 0)?))
            .await
            .expect("queue");
    }
    let agent = running.agent.clone();
    let trusted = keys::load_trusted_registry(&data.join("keys/receipt.pub")).expect("receipt pub");
    let client =
        uploader::Client::new(&url, None, trusted, Duration::from_secs(30)).expect("client");
    let started = Instant::now();
    let mut delivered = 0;
    while delivered < BACKLOG {
        delivered += uploader::drain_once(&agent, &client).await.expect("drain");
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "drain: {BACKLOG} field-sized packets ({:.1} MB) delivered and receipted in {secs:.2} s = {:.0} packets/s (concurrency {})",
        bytes_total as f64 / 1e6,
        BACKLOG as f64 / secs,
        c.uploader.concurrency
    );
    assert_eq!(registry.stats().accepted, BACKLOG);
    running.shutdown().await.expect("shutdown");
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too, so keep it cheap then.
    if std::env::args().any(|a| a == "--bench") {
        idle_memory();
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(drain());
    }
}
