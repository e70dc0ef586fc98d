//! Who a device is: the identity every device class reports, shaped after MOSIP SBI `digitalId`
//! (make, model, serial number) plus the firmware version a technician needs.
//!
//! Contract: `Display` gives the short name used in every error message of the device.

use std::fmt;

/// Vendor, model, serial and firmware of one device.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceIdentity {
    /// Manufacturer, e.g. "Hangzhou Grow".
    pub vendor: String,
    /// Model, e.g. "R307".
    pub model: String,
    /// Serial number, if the device reports one.
    pub serial: Option<String>,
    /// Firmware or hardware version, if the device reports one.
    pub firmware: Option<String>,
    /// Where the device is attached, e.g. "/dev/ttyUSB0" or "192.168.1.20:9100".
    pub location: String,
}

impl fmt::Display for DeviceIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.vendor, self.model)?;
        if let Some(serial) = &self.serial {
            write!(f, " #{serial}")?;
        }
        write!(f, " at {}", self.location)
    }
}

/// A width and height in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImageSize {
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_vendor_model_serial_and_location() {
        let id = DeviceIdentity {
            vendor: "Grow".into(),
            model: "R307".into(),
            serial: Some("0042".into()),
            firmware: None,
            location: "/dev/ttyUSB0".into(),
        };
        assert_eq!(id.to_string(), "Grow R307 #0042 at /dev/ttyUSB0");
    }
}
