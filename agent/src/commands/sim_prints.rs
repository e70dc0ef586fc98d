//! `rekam sim prints`: a synthetic fingerprint data set on disk, for checking the print
//! simulator from outside (NFIQ 2, bozorth3, any matcher).
//!
//! Contract: writes `sSUBJECT_fFINGER_iIMPRESSION.png` (8-bit gray, pHYs 500 ppi) for every
//! subject 1..=K, finger 1..=10 (ANSI/NIST positions) and impression 1..=M, each file atomically;
//! refuses to start if any of those files already exists, so a set is never mixed with another.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rekam_drivers::fingerprint::Finger;
use rekam_sim::prints::dataset::{encode_png, file_name, finger_master, impression, subject_seed};
use rekam_sim::prints::{Condition, MasterSize};

/// Largest set written in one run: 1,000 subjects of 10 fingers.
const MAX_SUBJECTS: u32 = 1000;
/// Most impressions per finger.
const MAX_IMPRESSIONS: u32 = 100;

/// The condition named `name` (good, dry, wet, partial, noisy).
pub fn condition(name: &str) -> Result<Condition> {
    Condition::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .with_context(|| {
            format!("unknown condition {name:?}: use good, dry, wet, partial or noisy")
        })
}

/// Writes the set; reports what was written to `out`.
pub fn run(
    seed: u64,
    subjects: u32,
    impressions: u32,
    condition_name: &str,
    dir: &Path,
    out: &mut dyn Write,
) -> Result<()> {
    let condition = condition(condition_name)?;
    if !(1..=MAX_SUBJECTS).contains(&subjects) {
        bail!("--subjects must be 1 to {MAX_SUBJECTS}, not {subjects}");
    }
    if !(1..=MAX_IMPRESSIONS).contains(&impressions) {
        bail!("--impressions must be 1 to {MAX_IMPRESSIONS}, not {impressions}");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for s in 1..=subjects {
        for finger in Finger::ALL {
            for i in 1..=impressions {
                let path = dir.join(file_name(s, finger, i));
                if path.exists() {
                    bail!(
                        "{} already exists; refusing to overwrite a print set",
                        path.display()
                    );
                }
            }
        }
    }
    for s in 1..=subjects {
        let person = subject_seed(seed, s);
        for finger in Finger::ALL {
            // One master per finger, many cheap impressions of it.
            let master = finger_master(person, finger, MasterSize::STANDARD);
            for i in 1..=impressions {
                let image = impression(seed, &master, s, finger, i, condition);
                let png = encode_png(&image)?;
                crate::files::write_new(&dir.join(file_name(s, finger, i)), &png, 0o644)?;
            }
        }
    }
    writeln!(
        out,
        "wrote {} {} impressions ({subjects} subjects x 10 fingers x {impressions}) to {}",
        subjects * 10 * impressions,
        condition.name(),
        dir.display()
    )?;
    Ok(())
}
