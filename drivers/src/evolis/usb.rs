//! Evolis printers on USB: they are USB printer-class devices (interface class 7, subclass 1,
//! bidirectional protocol 2) whose bulk OUT pipe takes the command stream and whose bulk IN pipe
//! carries the replies, so the driver runs over [`UsbTransport`] unchanged.
//!
//! Contract: discovery only lists and never opens a device for writing; a machine without a USB
//! stack is `UsbError::Unavailable`, not a panic (a `rusb::Context` is created, never rusb's
//! global one).

use crate::usb::host::{RusbDevice, UsbHost};
use crate::usb::{UsbDeviceInfo, UsbError, UsbTransport};

/// USB interface class of printers.
pub const PRINTER_CLASS: u8 = 7;
/// Printer subclass.
pub const PRINTER_SUBCLASS: u8 = 1;

/// Whether an interface of this class and subclass is a printer interface.
pub fn is_printer_interface(class: u8, subclass: u8) -> bool {
    class == PRINTER_CLASS && subclass == PRINTER_SUBCLASS
}

/// Attached USB devices with a printer-class interface, Evolis ones (vendor 0F49) first.
pub fn printer_class_devices(host: &UsbHost) -> Result<Vec<UsbDeviceInfo>, UsbError> {
    let mut found: Vec<UsbDeviceInfo> = host
        .devices()?
        .into_iter()
        .filter(|d| {
            host.interfaces(d).is_ok_and(|interfaces| {
                interfaces
                    .iter()
                    .any(|i| is_printer_interface(i.class, i.subclass))
            })
        })
        .collect();
    found.sort_by_key(|d| (d.vid != super::EVOLIS_VID, d.bus, d.address));
    Ok(found)
}

/// Opens the first printer-class device (an Evolis one if any) as a byte transport.
pub fn open_first_printer() -> Result<UsbTransport<RusbDevice>, UsbError> {
    let host = UsbHost::new()?;
    let info = printer_class_devices(&host)?
        .into_iter()
        .next()
        .ok_or_else(|| UsbError::NotFound {
            wanted: "a USB printer-class device (interface class 7)".into(),
        })?;
    let (device, pair) = host.open_bulk(&info)?;
    UsbTransport::new(device, pair.out_endpoint, pair.in_endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_class_7_subclass_1_is_a_printer() {
        assert!(is_printer_interface(7, 1));
        assert!(!is_printer_interface(6, 1)); // still image (PTP)
        assert!(!is_printer_interface(7, 2));
    }
}
