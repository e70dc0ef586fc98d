//! Where an outbox export may be written: checks on the folder an operator typed or chose, and
//! the removable media found plugged in, for the form's choices.
//!
//! Contract: [`check_destination`] accepts an absolute path to an existing folder, or to a
//! folder not yet made whose parent exists (one level is made, as on a fresh USB drive), and
//! proves it writable by creating and removing a probe file; every refusal says which. It never
//! creates the destination itself. [`same_disk`] tells when the folder sits on the workstation's
//! own disk (the export is then no carry-out copy), which the page shows as a warning.

use std::fs::{self, OpenOptions};
use std::io::Write;
#[cfg(unix)]
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Why a folder cannot take an export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing typed.
    Missing,
    /// Not an absolute path.
    Relative,
    /// Neither it nor its parent exists (the medium is not mounted there).
    NotThere(String),
    /// It exists and is not a folder.
    NotDir(String),
    /// It cannot be written; the system's reason.
    NotWritable(String, String),
}

/// Checks `typed` as an export destination; the folder to write into.
pub fn check_destination(typed: &str) -> Result<PathBuf, Refusal> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(Refusal::Missing);
    }
    let dir = PathBuf::from(typed);
    if !dir.is_absolute() {
        return Err(Refusal::Relative);
    }
    let shown = dir.display().to_string();
    // The folder itself, or (when it is not made yet) the one that will hold it.
    let existing = match fs::metadata(&dir) {
        Ok(m) if m.is_dir() => dir.clone(),
        Ok(_) => return Err(Refusal::NotDir(shown)),
        Err(_) => match dir.parent().map(fs::metadata) {
            Some(Ok(m)) if m.is_dir() => dir.parent().map(Path::to_path_buf).unwrap_or_default(),
            Some(Ok(_)) => {
                let parent = dir.parent().map(|p| p.display().to_string());
                return Err(Refusal::NotDir(parent.unwrap_or(shown)));
            }
            _ => return Err(Refusal::NotThere(shown)),
        },
    };
    probe(&existing)
        .map_err(|e| Refusal::NotWritable(existing.display().to_string(), e.to_string()))?;
    Ok(dir)
}

/// Creates, writes, syncs and removes a probe file in `dir`.
fn probe(dir: &Path) -> std::io::Result<()> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let path = dir.join(format!(".rekam-write-check-{}-{nanos}", std::process::id()));
    let result = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| {
            f.write_all(b"rekam")?;
            f.sync_all()
        });
    // Removed whether or not the write went through; a file that was never made is no error.
    let removed = fs::remove_file(&path);
    result?;
    removed
}

/// Whether `dir` (or, before it is made, its parent) is on the same file system as `data_dir`.
pub fn same_disk(dir: &Path, data_dir: &Path) -> bool {
    #[cfg(unix)]
    {
        let dev = |p: &Path| {
            fs::metadata(p)
                .or_else(|_| fs::metadata(p.parent().unwrap_or(p)))
                .map(|m| m.dev())
                .ok()
        };
        matches!((dev(dir), dev(data_dir)), (Some(a), Some(b)) if a == b)
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, data_dir);
        false
    }
}

/// Folders where desktop Linux mounts removable media (`/media/USER/LABEL`, `/media/LABEL`,
/// `/run/media/USER/LABEL`, `/mnt/X`), for the form's suggestions; at most 20.
pub fn mounted_media() -> Vec<String> {
    let subdirs = |p: &Path| -> Vec<PathBuf> {
        fs::read_dir(p)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut found = Vec::new();
    for root in ["/media", "/run/media"] {
        for a in subdirs(Path::new(root)) {
            let inner = subdirs(&a);
            // /media/LABEL when it holds files of its own, /media/USER/LABEL otherwise.
            if inner.is_empty() {
                found.push(a);
            } else {
                found.extend(inner);
            }
        }
    }
    found.extend(subdirs(Path::new("/mnt")));
    let mut out: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
    out.sort();
    out.truncate(20);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_writable_folder_or_a_new_one_inside_it_is_accepted() {
        let tmp = tempfile::tempdir().expect("tmp");
        let here = tmp.path().to_str().expect("utf-8").to_string();
        assert_eq!(check_destination(&here), Ok(tmp.path().to_path_buf()));
        let new = format!("{here}/rekam");
        assert_eq!(check_destination(&new), Ok(PathBuf::from(&new)));
        assert!(!Path::new(&new).exists(), "checking makes nothing");
        assert_eq!(
            fs::read_dir(tmp.path()).expect("ls").count(),
            0,
            "the probe is removed"
        );
    }

    #[test]
    fn empty_relative_absent_and_non_folder_paths_are_refused_by_name() {
        let tmp = tempfile::tempdir().expect("tmp");
        assert_eq!(check_destination("  "), Err(Refusal::Missing));
        assert_eq!(check_destination("usb/rekam"), Err(Refusal::Relative));
        let absent = tmp.path().join("no-medium/rekam");
        assert_eq!(
            check_destination(absent.to_str().expect("utf-8")),
            Err(Refusal::NotThere(absent.display().to_string()))
        );
        let file = tmp.path().join("f");
        fs::write(&file, b"x").expect("write");
        assert_eq!(
            check_destination(file.to_str().expect("utf-8")),
            Err(Refusal::NotDir(file.display().to_string()))
        );
    }

    // /proc takes no new files, even from root (tests may run as root, which permissions do
    // not stop).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_folder_that_takes_no_files_is_refused_as_not_writable() {
        let got = check_destination("/proc");
        assert!(
            matches!(got, Err(Refusal::NotWritable(ref p, _)) if p == "/proc"),
            "{got:?}"
        );
        let got = check_destination("/proc/rekam-export");
        assert!(matches!(got, Err(Refusal::NotWritable(..))), "{got:?}");
    }

    #[test]
    fn a_folder_beside_the_data_is_on_the_same_disk() {
        let tmp = tempfile::tempdir().expect("tmp");
        let data = tmp.path().join("data");
        fs::create_dir(&data).expect("mkdir");
        assert!(same_disk(&tmp.path().join("out"), &data));
    }
}
