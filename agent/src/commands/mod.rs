//! The command implementations behind [`crate::cli`].
//!
//! Contract: each command writes its human output to the given writer (stdout in `main`, a buffer
//! in tests) and returns an error naming the file or argument at fault.

pub mod card;
pub mod cards;
pub mod cards_pickup;
pub mod demo;
pub mod devices;
pub mod devices_test;
pub mod doctor;
pub mod figures;
pub mod keys;
pub mod operators;
pub mod outbox;
pub mod packet;
pub mod packet_demo;
pub mod packet_export;
pub mod password;
pub mod quality;
pub mod serve;
pub mod sim_evolis;
pub mod sim_isdv4;
pub mod sim_prints;
pub mod sim_ptpip;
pub mod visit;
pub mod worklist;

use std::io::Write;

use anyhow::Result;

use crate::cli::{
    AuditCommand, CardCommand, Cli, Command, DevicesCommand, KeysCommand, PacketCommand,
    QualityCommand, SbiCommand, SimCommand, StoreCommand,
};

/// Runs a parsed command line.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<()> {
    match cli.command {
        Command::Demo { keep } => demo::run(keep.as_deref(), out),
        Command::Card(CardCommand::Render(args)) => card::render(&args, out),
        Command::Packet(PacketCommand::Demo { keep }) => packet_demo::run(keep.as_deref(), out),
        Command::Quality(QualityCommand::Face {
            file,
            birth_year,
            foreign,
            json,
        }) => quality::face(&file, birth_year, foreign, json, out),
        Command::Quality(QualityCommand::Signature { file, json }) => {
            quality::signature(&file, json, out)
        }
        Command::Quality(QualityCommand::Iris { file, json }) => quality::iris(&file, json, out),
        Command::Quality(QualityCommand::Slap { file, kind, json }) => {
            quality::slap(&file, kind, json, out)
        }
        Command::Quality(QualityCommand::Finger { files, json }) => {
            quality::finger(&files, json, out)
        }
        Command::Keys(KeysCommand::WorkstationNew {
            out: dir,
            id,
            algorithm,
        }) => keys::workstation_new(&dir, id.as_deref(), &algorithm, out),
        Command::Keys(KeysCommand::SbiDeviceNew { out: dir }) => {
            crate::sbi::keys::device_new(&dir, out)
        }
        Command::Sbi(SbiCommand::Serve {
            config,
            simulated,
            port,
            keys,
            env,
        }) => crate::sbi::command::run(
            &crate::sbi::command::SbiServeArgs {
                config,
                simulated,
                port,
                keys,
                env,
            },
            out,
        ),
        Command::Keys(KeysCommand::RegistryNew { out: dir, id }) => {
            keys::registry_new(&dir, id.as_deref(), out)
        }
        Command::Serve {
            config,
            simulated,
            data_dir,
            listen,
            registry,
        } => serve::serve(
            &serve::ServeArgs {
                config,
                simulated,
                data_dir,
                listen,
                registry,
            },
            out,
        ),
        Command::Sim(SimCommand::Registry {
            listen,
            registry_key,
            receipt_key,
            trust,
            id,
            unavailable_rate,
            print_delay_ms,
            tls_cert,
            tls_key,
        }) => serve::sim_registry(
            &serve::RegistryArgs {
                listen,
                registry_key,
                receipt_key,
                trust,
                id,
                unavailable_rate,
                print_delay_ms: Some(print_delay_ms),
                tls: tls_cert.zip(tls_key),
            },
            out,
        ),
        Command::Packet(PacketCommand::Sample {
            workstation_key,
            registry_pub,
            out: file,
            seed,
            workstation_id,
        }) => packet::sample(
            &workstation_key,
            &registry_pub,
            &file,
            seed,
            workstation_id.as_deref(),
            out,
        ),
        Command::Packet(PacketCommand::Inspect { file, json }) => packet::inspect(&file, json, out),
        Command::Packet(PacketCommand::Open {
            registry_key,
            trust,
            file,
            out: dir,
            json,
        }) => packet::open(&registry_key, &trust, &file, dir.as_deref(), json, out),
        Command::Packet(PacketCommand::Export {
            registry_key,
            trust,
            file,
            format,
            out: out_path,
            originating_agency,
            destination_agency,
            finger_compression,
            face_compression,
            iris_compression,
        }) => packet_export::run(
            &packet_export::ExportArgs {
                registry_key: &registry_key,
                trust: &trust,
                file: &file,
                format,
                out_path: &out_path,
                originating_agency: originating_agency.as_deref(),
                destination_agency: &destination_agency,
                finger_compression,
                face_compression,
                iris_compression,
            },
            out,
        ),
        Command::Outbox(cmd) => outbox::run(cmd, out),
        Command::Devices(DevicesCommand::List {
            simulated,
            probe,
            serial_globs,
            ptpip,
        }) => devices::list(simulated, probe, &serial_globs, out)
            .and_then(|()| devices::probe_ptpip(&ptpip, out)),
        Command::Devices(DevicesCommand::Watch {
            interval_ms,
            simulated,
            serial_globs,
            probe,
            count,
        }) => devices::watch(
            &devices::WatchArgs {
                interval: std::time::Duration::from_millis(interval_ms),
                simulated,
                serial_globs,
                probe,
                count,
            },
            out,
        ),
        Command::Devices(DevicesCommand::Test(args)) => devices_test::run(&args, false, out),
        Command::Devices(DevicesCommand::Calibrate { class: _, args }) => {
            devices_test::run(&args, true, out)
        }
        Command::Sim(SimCommand::Faces {
            seed,
            count,
            out: dir,
        }) => sim_faces(seed, count, &dir, out),
        Command::Sim(SimCommand::Prints {
            seed,
            subjects,
            impressions,
            condition,
            out: dir,
        }) => sim_prints::run(seed, subjects, impressions, &condition, &dir, out),
        Command::Audit(AuditCommand::Verify { db }) => doctor::audit_verify(&db, out),
        Command::Doctor {
            config,
            data_dir,
            db,
        } => doctor::doctor(
            &doctor::DoctorArgs {
                config,
                data_dir,
                db,
            },
            out,
        ),
        Command::Store(StoreCommand::Salvage { db, to }) => doctor::salvage(&db, &to, out),
        Command::Operators(cmd) => operators::run(cmd, out),
        Command::Api(crate::cli::ApiCommand::Openapi) => {
            writeln!(out, "{}", crate::api::openapi_json())?;
            Ok(())
        }
        Command::Cards(cmd) => cards::run(cmd, out),
        Command::Worklist(cmd) => worklist::run(cmd, out),
        Command::Figures(args) => figures::run_figures(args, out),
        Command::Report(cmd) => figures::run_report(cmd, out),
        Command::Visit(cmd) => visit::run(cmd, out),
        Command::Sim(SimCommand::Ptpip { listen, seed }) => sim_ptpip::run(listen, seed, out),
        Command::Sim(SimCommand::Evolis { listen, out: dir }) => sim_evolis::run(listen, &dir, out),
        Command::Sim(SimCommand::Isdv4 { pty: _, seed }) => sim_isdv4::run(seed, out),
        Command::Sim(SimCommand::R30x { pty: _, seed }) => {
            // Technicians point a vendor tool at the printed path, so it goes out before serving.
            let (path, handle) = rekam_sim::r30x::spawn_pty(seed)?;
            writeln!(out, "{}", path.display())?;
            out.flush()?;
            handle.wait()?;
            Ok(())
        }
    }
}

pub(crate) fn open_existing(db: &std::path::Path) -> Result<crate::store::Store> {
    if !db.exists() {
        anyhow::bail!("{} does not exist", db.display());
    }
    Ok(crate::store::Store::open(db)?)
}

fn sim_faces(seed: u64, count: u32, dir: &std::path::Path, out: &mut dyn Write) -> Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for i in 0..count {
        let face = rekam_sim::faces::generate(seed, i)?;
        let s = face.scene;
        let sidecar = serde_json::json!({
            "seed": seed,
            "index": i,
            "width": face.width,
            "height": face.height,
            "background": rekam_sim::faces::background_name(s.background),
            "face_x": s.face_x,
            "face_y": s.face_y,
            "face_scale": s.face_scale,
            "lighting_ev": s.lighting_ev,
            "blur_radius": s.blur_radius,
        });
        crate::files::write_new(&dir.join(format!("face-{i:04}.jpg")), &face.jpeg, 0o644)?;
        crate::files::write_new(
            &dir.join(format!("face-{i:04}.json")),
            format!("{sidecar:#}\n").as_bytes(),
            0o644,
        )?;
    }
    writeln!(
        out,
        "wrote {count} portraits with their scene parameters to {}",
        dir.display()
    )?;
    Ok(())
}
