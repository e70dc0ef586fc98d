//! The daemon's configuration: a TOML file whose every key has an embedded default, so
//! `rekam serve --simulated` needs no file at all.
//!
//! Contract: parsing is strict (unknown keys are errors naming the key) and [`Config::check`]
//! rejects values that cannot work (a listen address off loopback, zero limits) with the key at
//! fault. Relative paths are resolved against the data directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::workflow::Policy;

/// The embedded defaults, also the documented example configuration.
pub const DEFAULT_TOML: &str = include_str!("config/default.toml");

/// The whole configuration.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Identity and limits of this workstation.
    pub agent: AgentSection,
    /// Key files.
    pub keys: KeysSection,
    /// Where packets go.
    pub registry: RegistrySection,
    /// Delivery timing.
    pub uploader: UploaderSection,
    /// Capture rules.
    pub policy: Policy,
    /// Attached devices.
    pub devices: DevicesSection,
    /// Logging.
    pub log: LogSection,
    /// The operator console.
    pub console: ConsoleSection,
    /// Card issuance (blank-card stock).
    pub cards: CardsSection,
    /// The coming election (early recording, first-time voters).
    pub election: ElectionSection,
}

/// `[election]`
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ElectionSection {
    /// Election day, `YYYY-MM-DD`: residents aged 16 who are 17 by then may record early, and
    /// are flagged as first-time voters with those who turn 17 before it. None: no election.
    #[serde(default, deserialize_with = "election_day")]
    pub day: Option<time::Date>,
}

fn election_day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<time::Date>, D::Error> {
    let text = String::deserialize(d)?;
    rekam_protocol::timefmt::parse_date(&text)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("election.day {text:?}: {e}")))
}

/// `[agent]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AgentSection {
    /// Address of the local API; must be a loopback address.
    pub listen: SocketAddr,
    /// Where the database, token and keys live.
    pub data_dir: PathBuf,
    /// This workstation's id, carried in every packet.
    pub workstation_id: String,
    /// The recording site (office or mobile unit code).
    pub site_code: String,
    /// `office` or `mobile`.
    pub unit: String,
    /// Largest sealed packet the registry accepts.
    pub max_packet_bytes: usize,
    /// How long one device capture may take before it is abandoned.
    pub capture_timeout_ms: u64,
}

/// `[keys]` (relative paths are inside `agent.data_dir`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeysSection {
    /// The workstation's signing key (PKCS#8 PEM).
    pub workstation_key: PathBuf,
    /// The registry's sealing key (`rekam-registry-v1` text).
    pub registry_pub: PathBuf,
    /// The registry's receipt key (`rekam-receipt-v1` text).
    pub receipt_pub: PathBuf,
    /// The workstation storage key (32 random bytes, created at first start) that seals
    /// sessions in progress at rest.
    pub storage_key: PathBuf,
}

/// `[registry]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RegistrySection {
    /// Base URL, `http://` or `https://`.
    pub url: String,
    /// PEM file of the certificate authorities to trust for an `https://` registry, instead of
    /// the built-in web roots (a national registry usually runs its own CA). Relative to the data
    /// directory; empty: the built-in roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

/// `[uploader]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UploaderSection {
    /// First retry delay after a failure.
    pub initial_backoff_ms: u64,
    /// Longest retry delay.
    pub max_backoff_ms: u64,
    /// Per-request timeout.
    pub request_timeout_ms: u64,
    /// How often to look at the outbox when nothing wakes the uploader.
    pub poll_ms: u64,
    /// Packets sent at once.
    pub concurrency: usize,
    /// Days a delivered packet's sealed bytes are kept before they are purged (the row and the
    /// registry's receipt stay); 0 purges at the next run.
    pub delivered_retention_days: u32,
}

/// The driver value that names an SBI device service (`fingerprint`, `camera`, `iris_scanner`).
pub const SBI: &str = "sbi";

/// `[devices]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DevicesSection {
    /// Use the simulators for every class.
    pub simulated: bool,
    /// Whether the kit includes an iris scanner (simulated mode).
    pub iris: bool,
    /// Serial port of an R30x fingerprint module, used instead of the simulated scanner.
    pub r30x_port: Option<String>,
    /// The card printer: `"evolis:tcp:HOST:PORT"` or `"evolis:usb"` (see
    /// `devices::printer_config`); none configured by default.
    pub printer: Option<String>,
    /// The signature pad used instead of the simulated one: "stu" (the first Wacom STU on USB
    /// HID), "isdv4:<serial port>" or "sim-stu" (the STU-540 simulator through the STU driver).
    pub signature_pad: Option<String>,
    /// A PTP camera used instead of the simulated one: `"ptpip:HOST[:PORT]"` or `"usb"`; or
    /// `"sbi"`, the face device of an SBI service.
    pub camera: Option<String>,
    /// `"sbi"`: the fingerprint scanner is the finger device of an SBI service.
    pub fingerprint: Option<String>,
    /// `"sbi"`: the iris scanner is the iris device of an SBI service.
    pub iris_scanner: Option<String>,
    /// The SBI service's port; absent: the first service of 4501-4600 offering the class.
    pub sbi_port: Option<u16>,
    /// PEM certificates (relative to `data_dir`) SBI device signatures must chain to.
    #[serde(default)]
    pub sbi_trust: Vec<PathBuf>,
    /// Seed of the simulated devices.
    pub seed: u64,
    /// Simulators keep human-scale delays (finger placement, shutter, pen speed); off for demos
    /// and tests.
    pub realtime: bool,
    /// How often to look for devices that came or went (serial ports, USB), in milliseconds;
    /// 0 turns hot-plug watching off.
    pub watch_interval_ms: u64,
}

/// `[log]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    /// One JSON object per line instead of text.
    pub json: bool,
    /// Filter, as for `RUST_LOG` (`info`, `rekam_agent=debug`, ...).
    pub level: String,
}

/// `[console]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSection {
    /// Minutes without a request before the console locks (the enrollment in progress is kept;
    /// the same operator unlocks with their password).
    pub idle_lock_minutes: u32,
    /// Hours a console sign-in lasts at most, locked or not.
    pub session_hours: u32,
    /// The office or mobile unit named on acknowledgement slips.
    pub office_name: String,
    /// The workstation's offset from UTC in minutes, for times on screens and "today" in figures
    /// (420 for WIB, 480 for WITA, 540 for WIT).
    pub utc_offset_minutes: i32,
}

/// `[cards]`
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CardsSection {
    /// Warn when the blank cards run out within this many days at the recent rate.
    pub alert_days: u32,
    /// Cards the office aims to print a day.
    pub daily_target: u32,
    /// Complete days the usage rate is averaged over.
    pub rate_window_days: u32,
    /// How often to ask the registry for this office's print orders, in seconds (also soon after
    /// a packet is delivered).
    pub fetch_interval_s: u64,
}

/// A configuration that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not valid TOML or an unknown key.
    #[error("{0}")]
    Parse(String),
    /// A value out of range, naming the key.
    #[error("{key}: {reason}")]
    Invalid {
        /// The dotted key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl Default for Config {
    fn default() -> Self {
        // The embedded text is checked by a test; parse failure here would be a build defect.
        Config::parse(DEFAULT_TOML).unwrap_or_else(|e| panic!("embedded default config: {e}"))
    }
}

macro_rules! section_default {
    ($t:ty, $field:ident) => {
        impl Default for $t {
            fn default() -> Self {
                Config::default().$field
            }
        }
    };
}
section_default!(AgentSection, agent);
section_default!(KeysSection, keys);
section_default!(RegistrySection, registry);
section_default!(UploaderSection, uploader);
section_default!(DevicesSection, devices);
section_default!(LogSection, log);
section_default!(ConsoleSection, console);
section_default!(CardsSection, cards);

impl Config {
    /// The mobile unit's id a new visit carries by default: the workstation's id when
    /// `[agent] unit` is `mobile`, none at an office.
    pub fn mobile_unit_id(&self) -> Option<String> {
        (self.agent.unit == "mobile").then(|| self.agent.workstation_id.clone())
    }

    /// Parses a complete configuration (every section present), as the embedded default is.
    fn parse(text: &str) -> Result<Config, ConfigError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            agent: AgentSection,
            keys: KeysSection,
            registry: RegistrySection,
            uploader: UploaderSection,
            policy: Policy,
            devices: DevicesSection,
            log: LogSection,
            console: ConsoleSection,
            cards: CardsSection,
            election: ElectionSection,
        }
        let f: Full = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        Ok(Config {
            agent: f.agent,
            keys: f.keys,
            registry: f.registry,
            uploader: f.uploader,
            policy: f.policy,
            devices: f.devices,
            log: f.log,
            console: f.console,
            cards: f.cards,
            election: f.election,
        })
    }

    /// Reads a user file: each section given replaces that section's defaults wholesale only for
    /// the keys it names (the file is merged over the embedded defaults).
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let mut base: toml::Table =
            toml::from_str(DEFAULT_TOML).map_err(|e| ConfigError::Parse(e.to_string()))?;
        let user: toml::Table =
            toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        for (section, value) in user {
            match (base.get_mut(&section), value) {
                (Some(toml::Value::Table(b)), toml::Value::Table(u)) => {
                    for (k, v) in u {
                        b.insert(k, v);
                    }
                }
                (Some(_), _) => {
                    return Err(ConfigError::Parse(format!(
                        "[{section}] must be a table of keys"
                    )));
                }
                (None, _) => {
                    return Err(ConfigError::Parse(format!("unknown section [{section}]")));
                }
            }
        }
        let text = toml::to_string(&base).map_err(|e| ConfigError::Parse(e.to_string()))?;
        let c = Config::parse(&text)?;
        c.check()?;
        Ok(c)
    }

    /// Rejects values that cannot work.
    pub fn check(&self) -> Result<(), ConfigError> {
        let bad = |key, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.into(),
            })
        };
        if !self.agent.listen.ip().is_loopback() {
            return bad(
                "agent.listen",
                "the local API listens on a loopback address only (127.0.0.1 or ::1)",
            );
        }
        rekam_protocol::model::check_identifier("agent.workstation_id", &self.agent.workstation_id)
            .map_err(|e| ConfigError::Invalid {
                key: "agent.workstation_id",
                reason: e.to_string(),
            })?;
        if !matches!(self.agent.unit.as_str(), "office" | "mobile") {
            return bad("agent.unit", "must be \"office\" or \"mobile\"");
        }
        if self.agent.max_packet_bytes < 4096 {
            return bad("agent.max_packet_bytes", "must be at least 4096");
        }
        if self.agent.capture_timeout_ms == 0 {
            return bad("agent.capture_timeout_ms", "must be positive");
        }
        if !(self.registry.url.starts_with("http://") || self.registry.url.starts_with("https://"))
        {
            return bad("registry.url", "must start with http:// or https://");
        }
        let u = &self.uploader;
        if u.initial_backoff_ms == 0 || u.max_backoff_ms < u.initial_backoff_ms {
            return bad(
                "uploader.max_backoff_ms",
                "backoff must be positive and max_backoff_ms >= initial_backoff_ms",
            );
        }
        if u.request_timeout_ms == 0 || u.poll_ms == 0 || u.concurrency == 0 {
            return bad(
                "uploader",
                "request_timeout_ms, poll_ms and concurrency must be positive",
            );
        }
        if u.delivered_retention_days > 3650 {
            return bad(
                "uploader.delivered_retention_days",
                "must be at most 3650 (ten years)",
            );
        }
        if self.console.idle_lock_minutes == 0 || self.console.idle_lock_minutes > 24 * 60 {
            return bad("console.idle_lock_minutes", "must be 1-1440");
        }
        if !(-720..=840).contains(&self.console.utc_offset_minutes) {
            return bad("console.utc_offset_minutes", "must be between -720 and 840");
        }
        if self.console.session_hours == 0 || self.console.session_hours > 24 {
            return bad("console.session_hours", "must be 1-24");
        }
        if self.cards.alert_days == 0 || self.cards.alert_days > 365 {
            return bad("cards.alert_days", "must be 1-365");
        }
        if self.cards.rate_window_days == 0 || self.cards.rate_window_days > 90 {
            return bad("cards.rate_window_days", "must be 1-90");
        }
        if self.cards.fetch_interval_s == 0 || self.cards.fetch_interval_s > 86_400 {
            return bad("cards.fetch_interval_s", "must be 1-86400");
        }
        if self.policy.max_attempts == 0 {
            return bad("policy.max_attempts", "must be at least 1");
        }
        if let Some(printer) = &self.devices.printer {
            crate::devices::printer_config::PrinterSetting::parse(printer).map_err(|e| {
                ConfigError::Invalid {
                    key: "devices.printer",
                    reason: e.to_string(),
                }
            })?;
        }
        let d = &self.devices;
        for (key, value) in [
            ("devices.fingerprint", &d.fingerprint),
            ("devices.iris_scanner", &d.iris_scanner),
        ] {
            if value.as_deref().is_some_and(|v| v != SBI) {
                return bad(
                    key,
                    "the only driver named here is \"sbi\" (an SBI device service)",
                );
            }
        }
        if d.fingerprint.is_some() && d.r30x_port.is_some() {
            return bad(
                "devices.fingerprint",
                "set either fingerprint = \"sbi\" or r30x_port, not both",
            );
        }
        if self.uses_sbi() && d.sbi_trust.is_empty() {
            return bad(
                "devices.sbi_trust",
                "an SBI device is configured: name the certificates its signatures must chain to",
            );
        }
        if d.sbi_port == Some(0) {
            return bad(
                "devices.sbi_port",
                "must be 1-65535 (SBI services use 4501-4600)",
            );
        }
        if let Some(camera) = &self.devices.camera
            && camera != SBI
            && let Err(reason) = crate::devices::ptp::CameraSpec::parse(camera)
        {
            return bad("devices.camera", &reason);
        }
        if let Some(pad) = &self.devices.signature_pad
            && let Err(e) = crate::devices::pad::PadSpec::parse(pad)
        {
            return bad("devices.signature_pad", &e.to_string());
        }
        Ok(())
    }

    /// Whether any device class is driven through an SBI service.
    pub fn uses_sbi(&self) -> bool {
        let d = &self.devices;
        [&d.fingerprint, &d.camera, &d.iris_scanner]
            .iter()
            .any(|v| v.as_deref() == Some(SBI))
    }

    /// A path from the configuration, resolved against the data directory.
    pub fn path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.agent.data_dir.join(p)
        }
    }

    /// The capture timeout.
    pub fn capture_timeout(&self) -> Duration {
        Duration::from_millis(self.agent.capture_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_defaults_parse_and_pass_their_own_checks() {
        let c = Config::default();
        assert_eq!(c.check().ok(), Some(()));
        assert!(c.agent.listen.ip().is_loopback());
        assert_eq!(Config::from_toml("").ok(), Some(c));
    }

    #[test]
    fn a_file_changes_only_the_keys_it_names() {
        let c = Config::from_toml("[agent]\nworkstation_id = \"WS-3171-01\"\n").expect("parses");
        assert_eq!(c.agent.workstation_id, "WS-3171-01");
        assert_eq!(c.agent.site_code, Config::default().agent.site_code);
        assert_eq!(c.uploader, Config::default().uploader);
    }

    #[test]
    fn unknown_keys_and_sections_are_errors_that_name_them() {
        let e = Config::from_toml("[agent]\nworkstaton_id = \"x\"\n").expect_err("typo");
        assert!(e.to_string().contains("workstaton_id"), "{e}");
        let e = Config::from_toml("[printer]\nport = 1\n").expect_err("unknown section");
        assert!(e.to_string().contains("printer"), "{e}");
    }

    #[test]
    fn the_api_may_not_listen_beyond_loopback() {
        let e = Config::from_toml("[agent]\nlisten = \"0.0.0.0:7480\"\n").expect_err("refused");
        assert!(e.to_string().starts_with("agent.listen"), "{e}");
    }

    #[test]
    fn impossible_values_are_refused_naming_the_key() {
        for (text, key) in [
            ("[agent]\nunit = \"bus\"\n", "agent.unit"),
            ("[registry]\nurl = \"ftp://x\"\n", "registry.url"),
            (
                "[uploader]\ninitial_backoff_ms = 10\nmax_backoff_ms = 5\n",
                "uploader.max_backoff_ms",
            ),
            ("[policy]\nmax_attempts = 0\n", "policy.max_attempts"),
            ("[devices]\ncamera = \"ptp:cam\"\n", "devices.camera"),
            ("[devices]\nfingerprint = \"usb\"\n", "devices.fingerprint"),
            ("[devices]\niris_scanner = \"sbi\"\n", "devices.sbi_trust"),
            (
                "[devices]\nfingerprint = \"sbi\"\nr30x_port = \"/dev/ttyUSB0\"\nsbi_trust = [\"ca.pem\"]\n",
                "devices.fingerprint",
            ),
        ] {
            let e = Config::from_toml(text).expect_err(text);
            assert!(e.to_string().starts_with(key), "{text}: {e}");
        }
    }
}
