//! Fault rules and scenario files.
//!
//! A scenario file is TOML: an optional `seed`, an optional `description`, and `[[rule]]` tables,
//! each naming a `fault` (`disconnect`, `timeout`, `busy`, `corrupt`, `slow`) with its parameters
//! and when it fires: from operation `after` on (0-based, default 0), with probability `chance`
//! per operation (default 1), at most `times` times (default unlimited), optionally only on the
//! device class `device` (`fingerprint`, `camera`, `signature`, `iris`, `printer`, `transport`
//! or any name the caller uses):
//!
//! ```toml
//! description = "scanner unplugged after the third capture, noisy serial line"
//! seed = 7
//!
//! [[rule]]
//! fault = "disconnect"
//! device = "fingerprint"
//! after = 3
//!
//! [[rule]]
//! fault = "corrupt"
//! device = "transport"
//! bytes = 2
//! chance = 0.1
//! ```
//!
//! Contract: a scenario that parses has been validated (probabilities in 0..=1), so building an
//! injector from it cannot fail.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::injector::FaultInjector;

/// One kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum Fault {
    /// The device goes away and stays away until reconnected.
    Disconnect,
    /// The device stays silent: the operation waits (`wait_ms`, or the operation's own timeout
    /// when absent) and fails with `Timeout`.
    Timeout {
        /// How long the silence lasts before the failure is reported.
        #[serde(default)]
        wait_ms: Option<u64>,
    },
    /// The device answers that it is busy.
    Busy,
    /// `bytes` bytes of the reply (image, frame, status) arrive garbled; where the reply has no
    /// payload, the operation fails as a protocol violation.
    Corrupt {
        /// How many bytes to garble.
        #[serde(default = "one")]
        bytes: u32,
    },
    /// The operation succeeds `delay_ms` late (a slow frame, a congested bus).
    Slow {
        /// The extra delay.
        delay_ms: u64,
    },
}

fn one() -> u32 {
    1
}

fn always() -> f64 {
    1.0
}

impl Fault {
    /// The name used in scenario files and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Disconnect => "disconnect",
            Fault::Timeout { .. } => "timeout",
            Fault::Busy => "busy",
            Fault::Corrupt { .. } => "corrupt",
            Fault::Slow { .. } => "slow",
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault and when it fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// What happens.
    #[serde(flatten)]
    pub fault: Fault,
    /// Only on this device class; every device when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// First operation (0-based) on which the rule may fire.
    #[serde(default)]
    pub after: u64,
    /// Probability of firing on each eligible operation.
    #[serde(default = "always")]
    pub chance: f64,
    /// Most times the rule fires; unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
}

impl FaultRule {
    /// `fault` on every operation from the first on.
    pub fn always(fault: Fault) -> Self {
        Self {
            fault,
            device: None,
            after: 0,
            chance: 1.0,
            times: None,
        }
    }

    /// The same rule, starting at operation `after` (0-based).
    pub fn from_operation(self, after: u64) -> Self {
        Self { after, ..self }
    }

    /// The same rule, firing at most `times` times.
    pub fn at_most(self, times: u64) -> Self {
        Self {
            times: Some(times),
            ..self
        }
    }

    /// The same rule, firing with probability `chance` on each eligible operation.
    pub fn with_chance(self, chance: f64) -> Self {
        Self { chance, ..self }
    }

    /// The same rule, only for device class `device`.
    pub fn on_device(self, device: &str) -> Self {
        Self {
            device: Some(device.to_string()),
            ..self
        }
    }
}

/// Why a scenario was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not a valid scenario.
    #[error("scenario is not valid TOML for rekam: {0}")]
    Syntax(#[from] toml::de::Error),
    /// A rule has an impossible parameter.
    #[error("rule {index} ({fault}): {detail}")]
    Invalid {
        /// 0-based position of the rule.
        index: usize,
        /// Its fault.
        fault: Fault,
        /// What is wrong.
        detail: String,
    },
}

/// A replayable set of fault rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// What field problem this reproduces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Seed of the random draws (`chance`, which bytes to garble).
    #[serde(default)]
    pub seed: u64,
    /// The rules, checked in order on every operation.
    #[serde(default, rename = "rule")]
    pub rules: Vec<FaultRule>,
}

impl Scenario {
    /// Parses and validates scenario text.
    pub fn from_toml(text: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario = toml::from_str(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Reads, parses and validates a scenario file.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text)
    }

    /// Checks every rule's parameters.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        for (index, rule) in self.rules.iter().enumerate() {
            if !(0.0..=1.0).contains(&rule.chance) {
                return Err(ScenarioError::Invalid {
                    index,
                    fault: rule.fault,
                    detail: format!("chance {} is not between 0 and 1", rule.chance),
                });
            }
        }
        Ok(())
    }

    /// An injector with the rules that apply to device class `device`, seeded from the
    /// scenario seed and the class so devices draw independently.
    pub fn injector_for(&self, device: &str) -> FaultInjector {
        let rules = self
            .rules
            .iter()
            .filter(|r| r.device.as_deref().is_none_or(|d| d == device))
            .cloned()
            .collect();
        FaultInjector::new(
            crate::rng::SimRng::derive(self.seed, device).next_u64(),
            rules,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let text = "seed = 7\n[[rule]]\nfault = \"disconnect\"\ndevice = \"fingerprint\"\nafter = 3\n\
                    [[rule]]\nfault = \"corrupt\"\ndevice = \"transport\"\nbytes = 2\nchance = 0.1\n";
        let s = Scenario::from_toml(text).unwrap();
        assert_eq!(s.seed, 7);
        assert_eq!(s.rules[0].fault, Fault::Disconnect);
        assert_eq!(s.rules[0].after, 3);
        assert_eq!(s.rules[1].fault, Fault::Corrupt { bytes: 2 });
        assert_eq!(s.rules[1].chance, 0.1);
    }

    #[test]
    fn a_probability_above_one_is_refused() {
        let err = Scenario::from_toml("[[rule]]\nfault = \"busy\"\nchance = 1.5\n").unwrap_err();
        assert!(matches!(err, ScenarioError::Invalid { index: 0, .. }));
    }

    #[test]
    fn an_unknown_fault_is_a_syntax_error() {
        let err = Scenario::from_toml("[[rule]]\nfault = \"gremlins\"\n").unwrap_err();
        assert!(matches!(err, ScenarioError::Syntax(_)));
    }
}
