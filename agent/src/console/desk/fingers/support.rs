//! What the fingers and irises screens share: the device banner, the address of each step, and
//! picking one language out of a bilingual message.
//!
//! Contract: pure functions of their arguments; every word comes from [`FingersText`] except
//! the device's own message, shown as a quoted detail.

use rekam_drivers::ErrorKind;

use super::super::fingers_text::FingersText;
use super::diagram::fill;
use crate::console::i18n::Lang;
use crate::devices::{DeviceFailure, DeviceStatus, Health};
use crate::workflow::Stage;

/// The banner at the top of a page when a device failed: which device, what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    /// The heading.
    pub title: &'static str,
    /// What happened and what to do, naming the device.
    pub text: String,
    /// The device's own message.
    pub detail: String,
}

fn device_name(t: &FingersText, device: &str) -> &'static str {
    match device {
        "camera" => t.device_camera,
        "iris" => t.device_iris,
        _ => t.device_fingerprint,
    }
}

/// `pattern` filled with the device's name, as a sentence (a name at the start gets a capital).
fn sentence(pattern: &str, name: &str) -> String {
    capitalised(&fill(pattern, &[&name.to_lowercase()]))
}

/// `s` with a capital first letter (a sentence that starts with a name filled in lower case).
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The banner for a failure of `device` (`fingerprint`, `camera` or `iris`).
pub fn banner_for(t: &FingersText, device: &str, d: &DeviceFailure) -> Banner {
    let pattern = match d.kind {
        ErrorKind::Disconnected => t.banner_disconnected,
        ErrorKind::Timeout | ErrorKind::Cancelled => t.banner_timeout,
        ErrorKind::Busy => t.banner_busy,
        ErrorKind::NotReady => t.banner_not_ready,
        ErrorKind::Unsupported => t.banner_single_only,
        _ => t.banner_fault,
    };
    Banner {
        title: t.banner_title,
        text: sentence(pattern, device_name(t, device)),
        detail: fill(t.banner_detail, &[&d.to_string()]),
    }
}

/// The banner for a device the manager knows to be gone since its last use (it had been open,
/// so it is not merely unopened yet); `None` while it is fine.
pub fn banner_from_health(t: &FingersText, device: &str, status: &DeviceStatus) -> Option<Banner> {
    match (&status.identity, &status.health) {
        (Some(_), Health::Disconnected { reason }) => Some(Banner {
            title: t.banner_title,
            text: sentence(t.banner_disconnected, device_name(t, device)),
            detail: fill(t.banner_detail, &[reason]),
        }),
        _ => None,
    }
}

/// The desk page of each step (as the desk's own `step_path`).
pub fn step_path(id: &str, stage: Stage) -> String {
    let step = match stage {
        Stage::Face => "face",
        Stage::Signature => "signature",
        Stage::Fingers => "fingers",
        Stage::Irises => "irises",
        Stage::Review => "review",
        Stage::Finalized => "slip",
        // Given up: nothing more to do at the desk for it.
        Stage::Abandoned => return "/".into(),
    };
    format!("/desk/{id}/{step}")
}

/// One language of a message written "Indonesian / English" (as the quality checks give it);
/// a message without the separator is returned whole.
pub fn in_lang(lang: Lang, bilingual: &str) -> String {
    match (bilingual.split_once(" / "), lang) {
        (Some((id, _)), Lang::Id) => id.trim().to_string(),
        (Some((_, en)), Lang::En) => en.trim().to_string(),
        (None, _) => bilingual.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unplugged_scanner_is_named_with_what_to_do_in_both_languages() {
        let d = DeviceFailure::new("sim scanner", ErrorKind::Disconnected, "gone");
        let id = banner_for(FingersText::ID, "fingerprint", &d);
        assert!(
            id.text.starts_with("Pemindai sidik jari tidak terhubung"),
            "{}",
            id.text
        );
        assert!(id.text.contains("Coba lagi"));
        let en = banner_for(FingersText::EN, "fingerprint", &d);
        assert!(
            en.text
                .starts_with("The fingerprint scanner is not connected"),
            "{}",
            en.text
        );
        assert!(en.detail.contains("sim scanner: gone"));
    }

    #[test]
    fn a_bilingual_message_is_shown_in_one_language() {
        assert_eq!(in_lang(Lang::Id, "Iris buram / Iris blurred"), "Iris buram");
        assert_eq!(
            in_lang(Lang::En, "Iris buram / Iris blurred"),
            "Iris blurred"
        );
        assert_eq!(in_lang(Lang::En, "plain"), "plain");
    }
}
