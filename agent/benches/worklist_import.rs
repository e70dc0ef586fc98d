//! Importing a 100,000-row worklist CSV (30 kecamatan, 450 desa, half the rows with a NIK) into
//! a file-backed store (WAL, synchronous FULL), as `rekam worklist import` does: every row
//! checked (NIK structure, region and date/sex, regions, duplicates in the file and the store)
//! and inserted in one transaction. Targets (issue 15): at most 5 s and at most 100 MB peak
//! resident memory for the import. Prints the time, the import's peak (VmHWM after resetting it
//! through /proc/self/clear_refs) and the process's; exits 1 when a target is missed.
//!
//! Run: `cargo bench -p rekam-agent --bench worklist_import`.

use std::fmt::Write as _;
use std::time::Instant;

use rekam_agent::office::worklist::{import, regions};
use rekam_agent::store::Store;

const ROWS: usize = 100_000;
const KECAMATAN: usize = 30;
const DESA: usize = 15;

const FIRST: [&str; 16] = [
    "Budi", "Siti", "Agus", "Dewi", "Rudi", "Sri", "Eko", "Nur", "Joko", "Ani", "Yusuf", "Rina",
    "Made", "Putu", "Andi", "Fitri",
];
const LAST: [&str; 12] = [
    "Santoso",
    "Aminah",
    "Saputra",
    "Lestari",
    "Hidayat",
    "Wulandari",
    "Pratama",
    "Rahayu",
    "Ma'ruf",
    "Nur'aini",
    "Gunawan",
    "Kusuma",
];

fn kec_code(k: usize) -> String {
    format!("3204{:02}", k + 1)
}

fn regions_csv() -> String {
    let mut s = String::from("code,name,parent\n");
    for k in 0..KECAMATAN {
        let _ = writeln!(s, "{},Kecamatan {},3204", kec_code(k), k + 1);
        for d in 0..DESA {
            let _ = writeln!(
                s,
                "{}{:04},Desa {}-{},",
                kec_code(k),
                2001 + d,
                k + 1,
                d + 1
            );
        }
    }
    s
}

/// Row `i`: kecamatan `i % 30`; within it `j = i / 30` is unique, so the desa, the date of birth
/// (a day per `j`) and the NIK serial (`j + 1`) make NIKs and (name, date, desa) unique.
fn list_csv() -> String {
    let mut s = String::with_capacity(ROWS * 130);
    s.push_str(
        "No;NIK;Nama;Tanggal Lahir;Jenis Kelamin;Alamat;RT/RW;Desa/Kelurahan;Kecamatan;Alasan\n",
    );
    let base = time::macros::date!(1990 - 01 - 01);
    for i in 0..ROWS {
        let (k, j) = (i % KECAMATAN, i / KECAMATAN);
        let d = j % DESA;
        let dob = base + time::Duration::days(j as i64);
        let female = i % 2 == 1;
        let nik = if i % 4 < 2 {
            let day = dob.day() + if female { 40 } else { 0 };
            format!(
                "{}{:02}{:02}{:02}{:04}",
                kec_code(k),
                day,
                u8::from(dob.month()),
                dob.year() % 100,
                j + 1
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "{};{};{} {};{:02}-{:02}-{};{};Jl. Mawar No. {};{:03}/{:03};Desa {}-{};{};Turns 17 before election day",
            i + 1,
            nik,
            FIRST[i % FIRST.len()],
            LAST[(i / FIRST.len()) % LAST.len()],
            dob.day(),
            u8::from(dob.month()),
            dob.year(),
            if female { "P" } else { "L" },
            i % 200 + 1,
            i % 20 + 1,
            i % 9 + 1,
            k + 1,
            d + 1,
            kec_code(k),
        );
    }
    s
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    let mut store = Store::open(&db).expect("store");
    store
        .add_operator(
            "bench",
            "op1",
            "Operator One",
            rekam_agent::operators::Role::Operator,
            "a long enough password 42",
            0,
        )
        .expect("operator");
    let r = regions::parse(regions_csv().into_bytes()).expect("regions");
    store
        .import_worklist_regions(&r, "regions.csv", "-", "op1", 0)
        .expect("regions stored");
    let path = dir.path().join("list.csv");
    std::fs::write(&path, list_csv()).expect("write the list");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);

    // The peak from here on is the import's (the generator's buffers are freed): reset VmHWM.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_kib("VmRSS:").unwrap_or(0);
    let start = Instant::now();
    // As the command does: read the file, then import it.
    let bytes = std::fs::read(&path).expect("read the list");
    let report = import::import(
        &mut store,
        "list.csv",
        bytes,
        false,
        "op1",
        1_763_890_000_000,
    )
    .expect("import");
    let elapsed = start.elapsed();
    let peak = status_kib("VmHWM:").unwrap_or(0);
    assert!(
        report.committed(),
        "bad rows: {:?}",
        &report.bad[..report.bad.len().min(5)]
    );
    assert_eq!(report.imported as usize, ROWS);

    println!(
        "worklist import: {ROWS} rows ({:.1} MB CSV) in {:.2} s ({:.0} rows/s)",
        size as f64 / 1e6,
        elapsed.as_secs_f64(),
        ROWS as f64 / elapsed.as_secs_f64()
    );
    println!(
        "peak resident memory during the import: {:.1} MB (VmHWM{}; {:.1} MB resident before it)",
        peak as f64 / 1024.0,
        if reset {
            " reset before the import"
        } else {
            " of the whole process: clear_refs unavailable"
        },
        before as f64 / 1024.0
    );
    let time_ok = elapsed.as_secs_f64() <= 5.0;
    let mem_ok = peak <= 100 * 1024;
    println!(
        "targets: time <= 5 s {}, memory <= 100 MB {}",
        if time_ok { "met" } else { "MISSED" },
        if mem_ok { "met" } else { "MISSED" }
    );
    if !(time_ok && mem_ok) {
        std::process::exit(1);
    }
}
