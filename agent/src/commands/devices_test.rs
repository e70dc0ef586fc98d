//! `rekam devices test [CLASS]` and `rekam devices calibrate camera`: the technician's device
//! test from the command line.
//!
//! Contract: the devices are built by the function `rekam serve` uses ([`serve::devices`]), so
//! the test sees exactly what the daemon drives (the simulated kit with `--simulated`, else the
//! configured drivers). The report goes to `--report DIR` or `DATA_DIR/reports/devices-TIMESTAMP`;
//! the run is audited as `devices.test` by `cli:$USER` with the report's path and the overall
//! result, whatever the result; any failed check makes the command fail (exit 1) after the
//! summary is printed. While the daemon runs, test from the console instead: two processes
//! cannot hold one serial port.

use std::io::Write;

use anyhow::{Context, Result, bail};
use rekam_quality::face::BackgroundColour;
use serde_json::json;

use super::operators;
use crate::cli::DevicesTestArgs;
use crate::diagnostics::{self, Class, Options, report};
use crate::store::{AuditEntry, Store};
use crate::{data_dir, serve};

/// A backdrop colour by name.
pub fn backdrop(name: Option<&str>) -> Result<Option<BackgroundColour>> {
    Ok(match name {
        None => None,
        Some("red") => Some(BackgroundColour::Red),
        Some("blue") => Some(BackgroundColour::Blue),
        Some("orange") => Some(BackgroundColour::Orange),
        Some(other) => bail!("--backdrop {other}: one of red, blue, orange"),
    })
}

/// Runs the test (`calibrate_camera`: `devices calibrate camera`).
pub fn run(args: &DevicesTestArgs, calibrate_camera: bool, out: &mut dyn Write) -> Result<()> {
    let mut cfg = operators::config(&args.store)?;
    if args.simulated {
        cfg.devices.simulated = true;
    }
    let classes = match (calibrate_camera, args.test_class.as_deref()) {
        (true, _) => vec![Class::Camera],
        (false, Some(name)) => {
            vec![Class::parse(name).with_context(|| format!("{name}: not a device class"))?]
        }
        (false, None) => Vec::new(),
    };
    let now = crate::service::system_ms();
    let data = cfg.agent.data_dir.clone();
    data_dir::create_private_dir(&data)?;
    data_dir::refuse_readable_secrets(&cfg)?;
    let dir = match &args.report {
        Some(d) => d.clone(),
        None => report::default_dir(&data, now),
    };
    let devices = serve::devices(&cfg)?;
    let options = Options {
        classes,
        calibrate: calibrate_camera || args.calibrate,
        backdrop: backdrop(args.backdrop.as_deref())?,
        workstation_id: cfg.agent.workstation_id.clone(),
        actor: operators::actor(),
        simulated: cfg.devices.simulated,
        now_ms: now,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(diagnostics::run(&devices, &options));
    report::write(&dir, &result)?;
    report::summary(&result, out)?;
    let page = dir.join(report::HTML);
    writeln!(out, "report: {}", page.display())?;
    let failures = result.failures();
    let mut store = Store::open(&data.join(serve::DB_FILE))?;
    store.audit(&AuditEntry::new(
        now,
        &options.actor,
        "devices.test",
        &subject(&options.classes),
        json!({
            "report": dir.display().to_string(),
            "passed": result.passed,
            "failures": failures,
            "calibrate": options.calibrate,
            "simulated": options.simulated,
        }),
    ))?;
    if !result.passed {
        bail!(
            "{} failed: {}; see {}",
            if failures.len() == 1 {
                "1 check".to_string()
            } else {
                format!("{} checks", failures.len())
            },
            failures.join("; "),
            page.display()
        );
    }
    writeln!(out, "all checks passed")?;
    Ok(())
}

/// The audit entry's subject: the class tested, or `all`.
pub fn subject(classes: &[Class]) -> String {
    match classes {
        [] => "all".into(),
        cs => cs.iter().map(|c| c.name()).collect::<Vec<_>>().join(","),
    }
}
