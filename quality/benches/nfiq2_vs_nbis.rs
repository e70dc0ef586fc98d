//! NFIQ 2 end to end (trimming, FingerJet FX minutiae, 69 features, forest) per real print: rekam
//! against NIST's NFIQ 2 in PyPI `nbis-py`, timed in the same run on the same prints (NIST's five
//! SFinGe examples and the fingers of NIST's ink tenprint card, oversized ones centre-cropped to
//! 800x1000 as a capture station would).
//!
//! Times are CPU time of the calling thread (so other load on the machine inflates them little):
//! `/proc/thread-self/schedstat` here, `time.thread_time_ns()` in Python. For nbis-py only the
//! NFIQ 2 part is counted: `extract_minutiae` with `compute_nfiq2=True` minus the same call with
//! `False` (PNG decoding and NBIS's own minutiae cancel out), each the median of its runs. Prints
//! the median per-print time of each and their ratio. On a shared machine the least of rekam's
//! batches is printed too: contention from other processes inflates CPU time as well. Without `REKAM_PYTHON` only rekam is timed.
//!
//! Run: `REKAM_PYTHON=/work/py/bin/python cargo bench -p rekam-quality --bench nfiq2_vs_nbis`.

use std::process::Command;
use std::time::Duration;

use rekam_quality::fingerprint;
use rekam_quality::image::GrayImageRef;
use rekam_tests::{pgm_gray, reference_python, shared_data};

#[path = "../tests/common/nist.rs"]
mod nist;

/// rekam is timed in batches (this many per print, of `REKAM_BATCH` calls each) because the
/// kernel may account CPU time in scheduler ticks (4 ms here): one call's time is then a multiple
/// of the tick, a batch's mean is not.
const REKAM_BATCHES: usize = 9;
const REKAM_BATCH: usize = 8;
/// Timed runs per print for each nbis-py setting (each call takes well over 100 ms).
const NBIS_RUNS: usize = 5;

const SCRIPT: &str = r#"
import sys, io, time, statistics, nbis
from PIL import Image
runs = int(sys.argv[1])
def ext(nfiq2):
    return nbis.new_nbis_extractor(nbis.NbisExtractorSettings(
        min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=nfiq2, ppi=500.0))
with_q, without_q = ext(True), ext(False)
def cpu_ns(e, png):
    e.extract_minutiae(png)
    ts = []
    for _ in range(runs):
        t0 = time.thread_time_ns()
        m = e.extract_minutiae(png)
        ts.append(time.thread_time_ns() - t0)
    return statistics.median(ts), m
for spec in sys.argv[2:]:
    path, w, h = spec.split(",")
    with open(path, "rb") as f:
        im = Image.frombytes("L", (int(w), int(h)), f.read())
    b = io.BytesIO(); im.save(b, format="PNG"); png = b.getvalue()
    try:
        full, m = cpu_ns(with_q, png)
        score = int(m.quality().score)
        base, _ = cpu_ns(without_q, png)
        print(path, full, base, score)
    except Exception as e:
        print(path, "ERROR", str(e).replace("\n", " "))
"#;

struct Print {
    name: String,
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

fn prints() -> Vec<Print> {
    let mut out = Vec::new();
    for i in 1..=5 {
        let name = format!("nfiq2/examples/SFinGe_Test0{i}.pgm");
        if let Some(bytes) = shared_data(&name) {
            let (width, height, pixels) = pgm_gray(&bytes);
            out.push(Print {
                name,
                width,
                height,
                pixels,
            });
        }
    }
    for f in nist::fingers("type-14-tpcard-nqm.an2").unwrap_or_default() {
        let (w, h, crop) = f.centre_crop(800, 1000);
        out.push(Print {
            name: format!("tpcard#{} {w}x{h}", f.record),
            width: w,
            height: h,
            pixels: crop,
        });
    }
    out
}

/// CPU time this thread has run so far (Linux scheduler statistics), or `None` elsewhere.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Median and least (over batches) CPU milliseconds per `fingerprint::nfiq2` call on `p`, and
/// its score.
fn time_rekam(p: &Print) -> (f64, f64, Option<u8>) {
    let Ok(view) = GrayImageRef::new(p.width, p.height, &p.pixels, 500) else {
        return (f64::NAN, f64::NAN, None);
    };
    let score = fingerprint::nfiq2(&view).ok().map(|a| a.score);
    let runs: Vec<f64> = (0..REKAM_BATCHES)
        .filter_map(|_| {
            let t0 = thread_cpu()?;
            for _ in 0..REKAM_BATCH {
                std::hint::black_box(fingerprint::nfiq2(std::hint::black_box(&view)).ok());
            }
            Some((thread_cpu()? - t0).as_secs_f64() * 1e3 / REKAM_BATCH as f64)
        })
        .collect();
    let least = runs.iter().copied().fold(f64::INFINITY, f64::min);
    (median(runs), least, score)
}

fn main() {
    let prints = prints();
    if prints.is_empty() {
        eprintln!("note: shared data unavailable, nothing to time");
        return;
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average: {}", load.trim());
    let ours: Vec<(f64, f64, Option<u8>)> = prints.iter().map(time_rekam).collect();

    let mut nist: Vec<Option<(f64, f64, i64)>> = vec![None; prints.len()];
    let python = reference_python();
    let dir = tempfile::tempdir().ok();
    if let (Some(python), Some(dir)) = (python, dir) {
        let mut args = vec![NBIS_RUNS.to_string()];
        for (i, p) in prints.iter().enumerate() {
            let path = dir.path().join(format!("{i}.raw"));
            if std::fs::write(&path, &p.pixels).is_ok() {
                args.push(format!("{},{},{}", path.display(), p.width, p.height));
            }
        }
        match Command::new(python)
            .arg("-c")
            .arg(SCRIPT)
            .args(&args)
            .output()
        {
            Ok(out) if out.status.success() => {
                for line in String::from_utf8_lossy(&out.stdout).lines() {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    let Some(i) = f.first().and_then(|p| {
                        p.rsplit('/')
                            .next()?
                            .trim_end_matches(".raw")
                            .parse::<usize>()
                            .ok()
                    }) else {
                        continue;
                    };
                    if let (Some(Ok(full)), Some(Ok(base)), Some(Ok(score))) = (
                        f.get(1).map(|v| v.parse::<f64>()),
                        f.get(2).map(|v| v.parse::<f64>()),
                        f.get(3).map(|v| v.parse::<i64>()),
                    ) && i < nist.len()
                    {
                        nist[i] = Some((full / 1e6, base / 1e6, score));
                    }
                }
            }
            Ok(out) => eprintln!("nbis-py failed: {}", String::from_utf8_lossy(&out.stderr)),
            Err(e) => eprintln!("cannot run nbis-py: {e}"),
        }
    } else {
        eprintln!("note: REKAM_PYTHON unset, timing rekam only");
    }

    println!(
        "{:<34} {:>9} {:>9} {:>6} {:>12} {:>12} {:>6}",
        "print", "rekam ms", "rekam min", "score", "nbis NFIQ2", "nbis total", "score"
    );
    let (mut ours_ms, mut nist_ms, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut ours_min = Vec::new();
    for ((p, (ms, least, score)), n) in prints.iter().zip(&ours).zip(&nist) {
        ours_ms.push(*ms);
        ours_min.push(*least);
        let (nfiq, full, their) = match n {
            Some((full, base, s)) => {
                nist_ms.push(full - base);
                ratios.push((full - base) / ms);
                (
                    format!("{:.2}", full - base),
                    format!("{full:.2}"),
                    s.to_string(),
                )
            }
            None => ("-".into(), "-".into(), "-".into()),
        };
        let score = score.map_or("-".into(), |s| s.to_string());
        println!(
            "{:<34} {ms:>9.2} {least:>9.2} {score:>6} {nfiq:>12} {full:>12} {their:>6}",
            p.name
        );
    }
    let (ours_med, nist_med) = (median(ours_ms), median(nist_ms.clone()));
    println!(
        "median per print over {} prints: rekam {ours_med:.2} ms CPU (median of per-print least {:.2} ms)",
        prints.len(),
        median(ours_min)
    );
    if !nist_ms.is_empty() {
        println!(
            "median per print: nbis-py NFIQ 2 {nist_med:.2} ms CPU; ratio of medians {:.1}x, median per-print ratio {:.1}x",
            nist_med / ours_med,
            median(ratios)
        );
    }
}
