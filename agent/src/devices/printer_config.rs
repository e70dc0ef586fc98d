//! The configured card printer (`[devices] printer`): parsing the setting and opening the
//! printer it names with the Evolis driver.
//!
//! Settings: `"evolis:tcp:HOST:PORT"` (a networked Evolis, usually raw port 9100, or
//! `rekam sim evolis`) and `"evolis:usb"` (the first USB printer-class device, an Evolis one if
//! several). Contract: a setting that names nothing usable is refused when the configuration is
//! checked, with the accepted forms in the message; opening never panics and reports the
//! driver's error (with its shared kind) when the printer is absent or refuses.

use std::time::Duration;

use rekam_drivers::evolis::{Evolis, EvolisError, EvolisOptions};
use rekam_drivers::printer::CardPrinter;

use super::{DeviceFailure, PrinterDevice, PrinterDriver, Slot, printer_slot};
use rekam_drivers::transport::{TcpTransport, TransportError};

/// How long connecting to a networked printer may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// A card printer as the configuration names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterSetting {
    /// An Evolis printer on the network (`evolis:tcp:HOST:PORT`).
    EvolisTcp {
        /// `HOST:PORT`.
        addr: String,
    },
    /// An Evolis printer on USB (`evolis:usb`).
    EvolisUsb,
}

/// A `[devices] printer` value that names no printer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?}: {reason} (use \"evolis:tcp:HOST:PORT\" or \"evolis:usb\")")]
pub struct PrinterSettingError {
    /// The value given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl PrinterSetting {
    /// Parses a `[devices] printer` value.
    pub fn parse(value: &str) -> Result<Self, PrinterSettingError> {
        let err = |reason| PrinterSettingError {
            value: value.to_owned(),
            reason,
        };
        let Some(rest) = value.strip_prefix("evolis:") else {
            return Err(err("only Evolis printers are supported"));
        };
        if rest == "usb" {
            return Ok(PrinterSetting::EvolisUsb);
        }
        let Some(addr) = rest.strip_prefix("tcp:") else {
            return Err(err("the transport must be tcp or usb"));
        };
        match addr.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
                Ok(PrinterSetting::EvolisTcp {
                    addr: addr.to_owned(),
                })
            }
            _ => Err(err("the address must be HOST:PORT with a port 1-65535")),
        }
    }
}

impl PrinterSetting {
    /// How the printer is named in errors and health, e.g. `Evolis at 127.0.0.1:9100`.
    pub fn device_name(&self) -> String {
        match self {
            PrinterSetting::EvolisTcp { addr } => format!("Evolis at {addr}"),
            PrinterSetting::EvolisUsb => "Evolis on USB".to_owned(),
        }
    }
}

/// The configured printer, opened: what the device manager's printer slot calls (and calls again
/// to reopen it after a disconnect).
pub fn open_printer(
    setting: &PrinterSetting,
) -> Result<Box<dyn CardPrinter<Error = EvolisError> + Send>, EvolisError> {
    match setting {
        PrinterSetting::EvolisTcp { addr } => {
            let transport = TcpTransport::connect(addr, CONNECT_TIMEOUT)?;
            Ok(Box::new(Evolis::open(transport, EvolisOptions::default())?))
        }
        PrinterSetting::EvolisUsb => {
            let transport = rekam_drivers::evolis::usb::open_first_printer()
                .map_err(|e| EvolisError::Transport(TransportError::from(e)))?;
            Ok(Box::new(Evolis::open(transport, EvolisOptions::default())?))
        }
    }
}

/// The device manager's slot for the configured printer: opened on first use and reopened after
/// a disconnect, like every other slot.
pub fn configured_printer_slot(setting: PrinterSetting) -> Slot<dyn PrinterDevice> {
    printer_slot(move || {
        let printer = open_printer(&setting)
            .map_err(|e| DeviceFailure::from_driver(&setting.device_name(), &e))?;
        Ok(Box::new(PrinterDriver(printer)) as Box<dyn PrinterDevice>)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekam_drivers::{Error, ErrorKind};

    #[test]
    fn tcp_and_usb_settings_parse() {
        assert_eq!(
            PrinterSetting::parse("evolis:tcp:127.0.0.1:9100"),
            Ok(PrinterSetting::EvolisTcp {
                addr: "127.0.0.1:9100".into()
            })
        );
        assert_eq!(
            PrinterSetting::parse("evolis:usb"),
            Ok(PrinterSetting::EvolisUsb)
        );
    }

    #[test]
    fn settings_naming_no_printer_are_refused_with_the_accepted_forms() {
        for bad in [
            "zebra:usb",
            "evolis:serial:/dev/ttyS0",
            "evolis:tcp:printer",
            "evolis:tcp::9100",
            "evolis:tcp:host:0",
            "evolis:tcp:host:http",
        ] {
            let err = PrinterSetting::parse(bad).unwrap_err();
            assert!(err.to_string().contains("evolis:tcp:HOST:PORT"), "{err}");
        }
    }

    #[test]
    fn a_configuration_naming_no_printer_is_refused_at_load() {
        let ok = crate::config::Config::from_toml(
            "[devices]\nprinter = \"evolis:tcp:127.0.0.1:9100\"\n",
        )
        .unwrap();
        assert_eq!(
            ok.devices.printer.as_deref(),
            Some("evolis:tcp:127.0.0.1:9100")
        );
        assert!(crate::config::Config::default().devices.printer.is_none());
        let err = crate::config::Config::from_toml("[devices]\nprinter = \"lpt1\"\n").unwrap_err();
        assert!(err.to_string().starts_with("devices.printer: "), "{err}");
    }

    #[test]
    fn the_configured_simulator_opens_and_prints_a_blank_card() {
        let dir = tempfile::tempdir().unwrap();
        let sim = rekam_sim::evolis::server::spawn(
            "127.0.0.1:0",
            rekam_sim::evolis::EvolisState::default(),
            dir.path(),
        )
        .unwrap();
        let setting = PrinterSetting::parse(&format!("evolis:tcp:{}", sim.addr)).unwrap();
        let mut printer = open_printer(&setting).unwrap();
        assert!(printer.status().unwrap().is_ready());
        printer.print(&Default::default()).unwrap();
        assert!(dir.path().join("card-0001-front.png").exists());
    }

    #[test]
    fn an_absent_networked_printer_is_disconnected() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let setting = PrinterSetting::EvolisTcp {
            addr: addr.to_string(),
        };
        let err = open_printer(&setting).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::Disconnected);
    }
}
