//! The libusb backend: rusb with libusb compiled into the binary (no system libusb, no libudev).
//!
//! Contract: a [`UsbHost`] is created from its own libusb context; when that fails (a kernel
//! without a USB stack, no usbfs) the error is [`UsbError::Unavailable`], never a panic (rusb's
//! global context is never touched before a context was created successfully, since that one
//! panics on such machines). libusb errors map onto [`UsbError`]: NoDevice is a disconnect,
//! Timeout a timeout, Busy busy, Access a permission error naming the udev rule to add,
//! Pipe a stall, Overflow an overflow, the rest I/O. Every transfer waits at least 1 ms (libusb
//! takes 0 ms as "forever").

use std::sync::mpsc;
use std::time::Duration;

use rusb::UsbContext;

use super::{ControlSetup, ENDPOINT_IN, UsbDevice, UsbDeviceInfo, UsbError};

/// Maps a libusb error observed on `device` (with its ids, for the udev hint).
pub fn map_error(
    error: rusb::Error,
    info: &UsbDeviceInfo,
    endpoint: u8,
    timeout: Duration,
) -> UsbError {
    let device = info.name();
    match error {
        rusb::Error::NoDevice => UsbError::Disconnected { device },
        rusb::Error::Timeout => UsbError::Timeout {
            device,
            endpoint,
            timeout,
        },
        rusb::Error::Busy => UsbError::Busy {
            device,
            detail: "the interface is claimed by another program or driver".into(),
        },
        rusb::Error::Access => UsbError::Access {
            device,
            vid: info.vid,
            pid: info.pid,
        },
        rusb::Error::Pipe => UsbError::Stall { device, endpoint },
        rusb::Error::Overflow => UsbError::Overflow {
            device,
            endpoint,
            capacity: 0,
        },
        rusb::Error::NotFound => UsbError::Unsupported {
            device,
            detail: "the interface or endpoint does not exist".into(),
        },
        rusb::Error::NotSupported => UsbError::Unsupported {
            device,
            detail: "libusb does not support this operation on this platform".into(),
        },
        other => UsbError::Io {
            device,
            detail: other.to_string(),
        },
    }
}

/// libusb reads a timeout of 0 ms as "wait forever"; a shorter remaining time must still end.
fn at_least_1ms(timeout: Duration) -> Duration {
    timeout.max(Duration::from_millis(1))
}

/// A bulk endpoint pair of one interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkPair {
    /// Interface number.
    pub interface: u8,
    /// Bulk OUT endpoint address.
    pub out_endpoint: u8,
    /// Bulk IN endpoint address.
    pub in_endpoint: u8,
}

/// How an endpoint transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// Control.
    Control,
    /// Isochronous.
    Isochronous,
    /// Bulk.
    Bulk,
    /// Interrupt.
    Interrupt,
}

/// One endpoint of an interface, from the configuration descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointDescription {
    /// Address (bit 7 set for IN).
    pub address: u8,
    /// Transfer type.
    pub kind: EndpointKind,
    /// wMaxPacketSize (packet size bits only).
    pub max_packet: u16,
}

/// One interface (alternate setting) of the active configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDescription {
    /// bInterfaceNumber.
    pub number: u8,
    /// bInterfaceClass.
    pub class: u8,
    /// bInterfaceSubClass.
    pub subclass: u8,
    /// bInterfaceProtocol.
    pub protocol: u8,
    /// Its endpoints.
    pub endpoints: Vec<EndpointDescription>,
}

fn describe_interfaces(
    device: &rusb::Device<rusb::Context>,
    info: &UsbDeviceInfo,
) -> Result<Vec<InterfaceDescription>, UsbError> {
    let config = device
        .active_config_descriptor()
        .map_err(|e| map_error(e, info, 0, Duration::ZERO))?;
    let mut out = Vec::new();
    for interface in config.interfaces() {
        for setting in interface.descriptors() {
            out.push(InterfaceDescription {
                number: setting.interface_number(),
                class: setting.class_code(),
                subclass: setting.sub_class_code(),
                protocol: setting.protocol_code(),
                endpoints: setting
                    .endpoint_descriptors()
                    .map(|e| EndpointDescription {
                        address: e.address(),
                        kind: match e.transfer_type() {
                            rusb::TransferType::Control => EndpointKind::Control,
                            rusb::TransferType::Isochronous => EndpointKind::Isochronous,
                            rusb::TransferType::Bulk => EndpointKind::Bulk,
                            rusb::TransferType::Interrupt => EndpointKind::Interrupt,
                        },
                        max_packet: e.max_packet_size() & 0x07FF,
                    })
                    .collect(),
            });
        }
    }
    Ok(out)
}

/// The machine's USB host controller(s), through libusb.
pub struct UsbHost {
    context: rusb::Context,
}

impl UsbHost {
    /// Starts libusb.
    pub fn new() -> Result<Self, UsbError> {
        rusb::Context::new()
            .map(|context| Self { context })
            .map_err(|e| UsbError::Unavailable {
                detail: format!("libusb could not start: {e}"),
            })
    }

    /// Whether libusb reports hot-plug events on this platform.
    pub fn has_hotplug(&self) -> bool {
        // Safe to reach rusb's global context now: libusb initialised once already.
        rusb::has_hotplug()
    }

    /// Lists attached devices. Strings are read where the device can be opened (permissions
    /// allowing) and left out otherwise; enumeration does no other I/O.
    pub fn devices(&self) -> Result<Vec<UsbDeviceInfo>, UsbError> {
        let list = self.context.devices().map_err(|e| UsbError::Unavailable {
            detail: format!("libusb could not list devices: {e}"),
        })?;
        let mut out: Vec<UsbDeviceInfo> = list.iter().filter_map(|d| describe(&d)).collect();
        out.sort_by_key(|d| (d.bus, d.address));
        Ok(out)
    }

    /// Opens the device with `vid`:`pid` (and `serial`, when given), claims `interface` (detaching
    /// a kernel driver when the platform allows) and returns it.
    pub fn open(
        &self,
        vid: u16,
        pid: u16,
        serial: Option<&str>,
        interface: u8,
    ) -> Result<RusbDevice, UsbError> {
        let wanted = match serial {
            Some(s) => format!("{vid:04x}:{pid:04x} #{s}"),
            None => format!("{vid:04x}:{pid:04x}"),
        };
        let list = self.context.devices().map_err(|e| UsbError::Unavailable {
            detail: format!("libusb could not list devices: {e}"),
        })?;
        for device in list.iter() {
            let Some(info) = describe(&device) else {
                continue;
            };
            if info.vid != vid || info.pid != pid {
                continue;
            }
            if serial.is_some() && info.serial.as_deref() != serial {
                continue;
            }
            let handle = device
                .open()
                .map_err(|e| map_error(e, &info, 0, Duration::ZERO))?;
            // Not every platform can detach kernel drivers; claiming then says Busy if needed.
            let _ = handle.set_auto_detach_kernel_driver(true);
            handle
                .claim_interface(interface)
                .map_err(|e| map_error(e, &info, 0, Duration::ZERO))?;
            return Ok(RusbDevice { handle, info });
        }
        Err(UsbError::NotFound { wanted })
    }

    /// Opens the device at `info`'s bus and address, finds its first interface with a bulk OUT and
    /// a bulk IN endpoint, and claims that interface.
    pub fn open_bulk(&self, info: &UsbDeviceInfo) -> Result<(RusbDevice, BulkPair), UsbError> {
        let list = self.context.devices().map_err(|e| UsbError::Unavailable {
            detail: format!("libusb could not list devices: {e}"),
        })?;
        let device = list
            .iter()
            .find(|d| u16::from(d.bus_number()) == info.bus && d.address() == info.address)
            .ok_or_else(|| UsbError::NotFound {
                wanted: format!("at {:03}:{:03}", info.bus, info.address),
            })?;
        let handle = device
            .open()
            .map_err(|e| map_error(e, info, 0, Duration::ZERO))?;
        let opened = RusbDevice {
            handle,
            info: info.clone(),
        };
        let pair = opened.bulk_pair()?;
        let _ = opened.handle.set_auto_detach_kernel_driver(true);
        opened
            .handle
            .claim_interface(pair.interface)
            .map_err(|e| map_error(e, info, 0, Duration::ZERO))?;
        Ok((opened, pair))
    }

    fn device_at(&self, info: &UsbDeviceInfo) -> Result<rusb::Device<rusb::Context>, UsbError> {
        let list = self.context.devices().map_err(|e| UsbError::Unavailable {
            detail: format!("libusb could not list devices: {e}"),
        })?;
        list.iter()
            .find(|d| u16::from(d.bus_number()) == info.bus && d.address() == info.address)
            .ok_or_else(|| UsbError::NotFound {
                wanted: format!("at {:03}:{:03}", info.bus, info.address),
            })
    }

    /// The interfaces of the device at `info`'s bus and address, read from its configuration
    /// descriptor (no transfer to the device: the descriptors are cached by the OS).
    pub fn interfaces(&self, info: &UsbDeviceInfo) -> Result<Vec<InterfaceDescription>, UsbError> {
        describe_interfaces(&self.device_at(info)?, info)
    }

    /// Opens the device at `info`'s bus and address and claims `interface`.
    pub fn open_interface(
        &self,
        info: &UsbDeviceInfo,
        interface: u8,
    ) -> Result<RusbDevice, UsbError> {
        let handle = self
            .device_at(info)?
            .open()
            .map_err(|e| map_error(e, info, 0, Duration::ZERO))?;
        let _ = handle.set_auto_detach_kernel_driver(true);
        handle
            .claim_interface(interface)
            .map_err(|e| map_error(e, info, 0, Duration::ZERO))?;
        Ok(RusbDevice {
            handle,
            info: info.clone(),
        })
    }

    /// Watches for devices arriving and leaving through libusb's hot-plug callbacks; `None` when
    /// the platform has none (then poll [`devices`](Self::devices) instead).
    pub fn hotplug(&self) -> Result<Option<HotplugWatch>, UsbError> {
        if !self.has_hotplug() {
            return Ok(None);
        }
        let (tx, rx) = mpsc::channel();
        let registration = rusb::HotplugBuilder::new()
            .enumerate(false)
            .register(&self.context, Box::new(Forward { tx }))
            .map_err(|e| UsbError::Io {
                device: "USB".into(),
                detail: format!("cannot register for hot-plug events: {e}"),
            })?;
        Ok(Some(HotplugWatch {
            context: self.context.clone(),
            _registration: registration,
            events: rx,
        }))
    }
}

/// A USB device arriving or leaving, as libusb reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HotplugEvent {
    /// A device was attached.
    Arrived(UsbDeviceInfo),
    /// A device was detached (strings can no longer be read).
    Left(UsbDeviceInfo),
}

struct Forward {
    tx: mpsc::Sender<HotplugEvent>,
}

impl rusb::Hotplug<rusb::Context> for Forward {
    fn device_arrived(&mut self, device: rusb::Device<rusb::Context>) {
        // Strings need synchronous transfers, which libusb forbids inside the callback.
        if let Some(info) = ids_only(&device) {
            let _ = self.tx.send(HotplugEvent::Arrived(info));
        }
    }

    fn device_left(&mut self, device: rusb::Device<rusb::Context>) {
        if let Some(info) = ids_only(&device) {
            let _ = self.tx.send(HotplugEvent::Left(info));
        }
    }
}

/// Hot-plug events delivered while [`wait`](Self::wait) runs libusb's event loop.
pub struct HotplugWatch {
    context: rusb::Context,
    _registration: rusb::Registration<rusb::Context>,
    events: mpsc::Receiver<HotplugEvent>,
}

impl HotplugWatch {
    /// Handles libusb events for up to `timeout` and returns the hot-plug events seen.
    pub fn wait(&mut self, timeout: Duration) -> Result<Vec<HotplugEvent>, UsbError> {
        self.context
            .handle_events(Some(timeout))
            .map_err(|e| UsbError::Io {
                device: "USB".into(),
                detail: format!("libusb event handling failed: {e}"),
            })?;
        Ok(self.events.try_iter().collect())
    }
}

fn ids_only(device: &rusb::Device<rusb::Context>) -> Option<UsbDeviceInfo> {
    let descriptor = device.device_descriptor().ok()?;
    Some(UsbDeviceInfo {
        vid: descriptor.vendor_id(),
        pid: descriptor.product_id(),
        bus: u16::from(device.bus_number()),
        address: device.address(),
        serial: None,
        manufacturer: None,
        product: None,
    })
}

fn describe(device: &rusb::Device<rusb::Context>) -> Option<UsbDeviceInfo> {
    let descriptor = device.device_descriptor().ok()?;
    let mut info = ids_only(device)?;
    if let Ok(handle) = device.open() {
        info.serial = handle.read_serial_number_string_ascii(&descriptor).ok();
        info.manufacturer = handle.read_manufacturer_string_ascii(&descriptor).ok();
        info.product = handle.read_product_string_ascii(&descriptor).ok();
    }
    Some(info)
}

/// An opened device with one claimed interface.
pub struct RusbDevice {
    handle: rusb::DeviceHandle<rusb::Context>,
    info: UsbDeviceInfo,
}

impl RusbDevice {
    /// The first interface (of the active configuration) with a bulk OUT and a bulk IN endpoint.
    pub fn bulk_pair(&self) -> Result<BulkPair, UsbError> {
        let config = self
            .handle
            .device()
            .active_config_descriptor()
            .map_err(|e| map_error(e, &self.info, 0, Duration::ZERO))?;
        for interface in config.interfaces() {
            for setting in interface.descriptors() {
                let bulk = |dir| {
                    setting.endpoint_descriptors().find(|e| {
                        e.transfer_type() == rusb::TransferType::Bulk && e.direction() == dir
                    })
                };
                if let (Some(o), Some(i)) = (bulk(rusb::Direction::Out), bulk(rusb::Direction::In))
                {
                    return Ok(BulkPair {
                        interface: setting.interface_number(),
                        out_endpoint: o.address(),
                        in_endpoint: i.address(),
                    });
                }
            }
        }
        Err(UsbError::Unsupported {
            device: self.info.name(),
            detail: "no interface has a bulk OUT and a bulk IN endpoint".into(),
        })
    }
}

impl UsbDevice for RusbDevice {
    fn info(&self) -> &UsbDeviceInfo {
        &self.info
    }

    fn write_bulk(&mut self, ep: u8, data: &[u8], timeout: Duration) -> Result<usize, UsbError> {
        self.handle
            .write_bulk(ep, data, at_least_1ms(timeout))
            .map_err(|e| map_error(e, &self.info, ep, timeout))
    }

    fn read_bulk(&mut self, ep: u8, buf: &mut [u8], timeout: Duration) -> Result<usize, UsbError> {
        let capacity = buf.len();
        self.handle.read_bulk(ep, buf, timeout).map_err(|e| {
            match map_error(e, &self.info, ep, timeout) {
                UsbError::Overflow {
                    device, endpoint, ..
                } => UsbError::Overflow {
                    device,
                    endpoint,
                    capacity,
                },
                other => other,
            }
        })
    }

    fn read_interrupt(
        &mut self,
        ep: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.handle
            .read_interrupt(ep, buf, at_least_1ms(timeout))
            .map_err(|e| map_error(e, &self.info, ep, timeout))
    }

    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.handle
            .write_control(
                setup.request_type & !ENDPOINT_IN,
                setup.request,
                setup.value,
                setup.index,
                data,
                at_least_1ms(timeout),
            )
            .map_err(|e| map_error(e, &self.info, 0, timeout))
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.handle
            .read_control(
                setup.request_type | ENDPOINT_IN,
                setup.request,
                setup.value,
                setup.index,
                buf,
                at_least_1ms(timeout),
            )
            .map_err(|e| map_error(e, &self.info, ENDPOINT_IN, timeout))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};

    fn info() -> UsbDeviceInfo {
        UsbDeviceInfo {
            vid: 0x2109,
            pid: 0x7638,
            bus: 1,
            address: 2,
            serial: None,
            manufacturer: None,
            product: None,
        }
    }

    #[test]
    fn libusb_errors_map_onto_the_shared_kinds() {
        let kind = |e| map_error(e, &info(), 0x81, Duration::from_millis(1)).kind();
        assert_eq!(kind(rusb::Error::NoDevice), ErrorKind::Disconnected);
        assert_eq!(kind(rusb::Error::Timeout), ErrorKind::Timeout);
        assert_eq!(kind(rusb::Error::Busy), ErrorKind::Busy);
        assert_eq!(kind(rusb::Error::Pipe), ErrorKind::ProtocolViolation);
        assert_eq!(kind(rusb::Error::Overflow), ErrorKind::ProtocolViolation);
        assert_eq!(kind(rusb::Error::Io), ErrorKind::HardwareFault);
        let access = map_error(rusb::Error::Access, &info(), 0, Duration::ZERO).to_string();
        assert!(
            access.contains("udev rule") && access.contains("2109"),
            "{access}"
        );
    }

    #[test]
    fn a_sub_millisecond_timeout_never_becomes_libusbs_infinite_wait() {
        assert_eq!(
            at_least_1ms(Duration::from_micros(300)),
            Duration::from_millis(1)
        );
        assert_eq!(at_least_1ms(Duration::ZERO), Duration::from_millis(1));
        assert_eq!(
            at_least_1ms(Duration::from_millis(7)),
            Duration::from_millis(7)
        );
    }

    #[test]
    fn starting_libusb_answers_without_panicking() {
        // On a machine without a USB stack this is the Unavailable error; elsewhere a host that
        // enumerates.
        match UsbHost::new() {
            Ok(host) => {
                let devices = host.devices();
                assert!(devices.is_ok() || matches!(devices, Err(UsbError::Unavailable { .. })));
            }
            Err(e) => {
                assert!(matches!(e, UsbError::Unavailable { .. }));
                assert!(
                    e.to_string().contains("no USB support on this machine"),
                    "{e}"
                );
            }
        }
    }
}
