//! Hot-plug: notices devices that come and go by diffing enumeration snapshots.
//!
//! A [`Watcher`] polls an [`Enumerator`] at an interval and reports [`DeviceEvent`]s. The
//! machine's enumerator ([`SystemEnumerator`]) lists serial ports (plus configured path patterns,
//! see [`glob`](super::glob)) and USB devices; where libusb offers hot-plug callbacks the wait
//! between polls ends as soon as libusb reports a change, otherwise it is plain polling.
//!
//! Contract: [`diff`] is pure: a device is identified by its [`Found::key`]; departures are
//! reported before arrivals, each in snapshot order. The watcher reports only changes after its
//! first snapshot (the devices present at start are returned by [`Watcher::new`]). Enumeration
//! never writes to a device.

use std::time::Duration;

use super::{SerialPortInfo, glob, serial_ports, usb_hint};
use crate::cancel::CancelToken;
use crate::transport::TransportError;
use crate::usb::UsbDeviceInfo;
use crate::usb::host::{HotplugWatch, UsbHost};

/// A device present on the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A serial port (a USB-serial bridge carries its USB ids).
    Serial(SerialPortInfo),
    /// A USB device.
    Usb(UsbDeviceInfo),
}

impl Found {
    /// Stable identity across snapshots: the path of a port, bus position and ids of a USB device.
    pub fn key(&self) -> String {
        match self {
            Found::Serial(p) => format!("serial {}", p.path),
            Found::Usb(u) => format!(
                "usb {:03}:{:03} {:04x}:{:04x}",
                u.bus, u.address, u.vid, u.pid
            ),
        }
    }

    /// The driver (or bridge) the USB ids suggest.
    pub fn driver_hint(&self) -> Option<&'static str> {
        match self {
            Found::Serial(p) => p.usb.as_ref().and_then(|u| usb_hint(u.vid, u.pid)),
            Found::Usb(u) => usb_hint(u.vid, u.pid),
        }
    }

    /// One line for people: what and where, with the driver hint.
    pub fn describe(&self) -> String {
        let hint = self
            .driver_hint()
            .map(|h| format!(" - {h}"))
            .unwrap_or_default();
        match self {
            Found::Serial(p) => match &p.usb {
                Some(u) => format!(
                    "serial {} (USB {:04x}:{:04x}{}){hint}",
                    p.path,
                    u.vid,
                    u.pid,
                    u.product
                        .as_deref()
                        .map(|s| format!(" {s}"))
                        .unwrap_or_default()
                ),
                None => format!("serial {}{hint}", p.path),
            },
            Found::Usb(u) => format!("{u}{hint}"),
        }
    }
}

/// A change between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// The device appeared.
    Arrived(Found),
    /// The device disappeared.
    Left(Found),
}

/// The events that turn snapshot `before` into `after`.
pub fn diff(before: &[Found], after: &[Found]) -> Vec<DeviceEvent> {
    let keys = |s: &[Found]| {
        s.iter()
            .map(Found::key)
            .collect::<std::collections::HashSet<_>>()
    };
    let (old, new) = (keys(before), keys(after));
    let left = before
        .iter()
        .filter(|f| !new.contains(&f.key()))
        .map(|f| DeviceEvent::Left(f.clone()));
    let arrived = after
        .iter()
        .filter(|f| !old.contains(&f.key()))
        .map(|f| DeviceEvent::Arrived(f.clone()));
    left.chain(arrived).collect()
}

/// Lists the devices present now.
pub trait Enumerator {
    /// A snapshot of present devices.
    fn enumerate(&mut self) -> Result<Vec<Found>, TransportError>;

    /// Waits until the next poll is due (or something changed); `false` when cancelled.
    fn wait(&mut self, interval: Duration, cancel: &CancelToken) -> bool {
        !cancel.sleep(interval)
    }
}

/// Whether USB can be enumerated on this machine, and why not.
pub enum UsbStatus {
    /// libusb works; hot-plug callbacks are used when the platform has them.
    Available(UsbHost, Option<HotplugWatch>),
    /// No USB here, with the reason.
    Unavailable(String),
}

/// The machine's serial ports, configured path patterns, and USB devices.
pub struct SystemEnumerator {
    serial_patterns: Vec<String>,
    usb: UsbStatus,
}

impl SystemEnumerator {
    /// Enumerates serial ports, paths matching `serial_patterns`, and (when libusb starts) USB.
    pub fn new(serial_patterns: Vec<String>) -> Self {
        let usb = match UsbHost::new() {
            Ok(host) => {
                // Without callbacks (or if registering fails) polling alone still works.
                let watch = host.hotplug().ok().flatten();
                UsbStatus::Available(host, watch)
            }
            Err(e) => UsbStatus::Unavailable(e.to_string()),
        };
        Self {
            serial_patterns,
            usb,
        }
    }

    /// Whether USB is enumerated, and why not.
    pub fn usb_status(&self) -> &UsbStatus {
        &self.usb
    }

    /// Whether libusb hot-plug callbacks wake the watcher (otherwise it only polls).
    pub fn uses_hotplug(&self) -> bool {
        matches!(self.usb, UsbStatus::Available(_, Some(_)))
    }
}

impl Enumerator for SystemEnumerator {
    fn enumerate(&mut self) -> Result<Vec<Found>, TransportError> {
        let mut ports = serial_ports()?;
        for pattern in &self.serial_patterns {
            for path in glob::expand(pattern) {
                if !ports.iter().any(|p| p.path == path) {
                    ports.push(SerialPortInfo { path, usb: None });
                }
            }
        }
        ports.sort_by(|a, b| a.path.cmp(&b.path));
        let mut found: Vec<Found> = ports.into_iter().map(Found::Serial).collect();
        if let UsbStatus::Available(host, _) = &self.usb {
            found.extend(host.devices()?.into_iter().map(Found::Usb));
        }
        Ok(found)
    }

    fn wait(&mut self, interval: Duration, cancel: &CancelToken) -> bool {
        match &mut self.usb {
            UsbStatus::Available(_, Some(watch)) => {
                // libusb returns early when a device comes or goes; the next poll diffs it.
                let step = Duration::from_millis(50).min(interval);
                let started = std::time::Instant::now();
                while started.elapsed() < interval {
                    if cancel.is_cancelled() {
                        return false;
                    }
                    match watch.wait(step) {
                        Ok(events) if !events.is_empty() => break,
                        Ok(_) => {}
                        Err(_) => return !cancel.sleep(interval.saturating_sub(started.elapsed())),
                    }
                }
                !cancel.is_cancelled()
            }
            _ => !cancel.sleep(interval),
        }
    }
}

/// Polls an enumerator and reports what came and went.
pub struct Watcher<E> {
    enumerator: E,
    known: Vec<Found>,
}

impl<E: Enumerator> Watcher<E> {
    /// Takes the first snapshot; returns the watcher and the devices present now.
    pub fn new(mut enumerator: E) -> Result<(Self, Vec<Found>), TransportError> {
        let known = enumerator.enumerate()?;
        let present = known.clone();
        Ok((Self { enumerator, known }, present))
    }

    /// Takes a snapshot and returns the changes since the previous one.
    pub fn poll(&mut self) -> Result<Vec<DeviceEvent>, TransportError> {
        let now = self.enumerator.enumerate()?;
        let events = diff(&self.known, &now);
        self.known = now;
        Ok(events)
    }

    /// Polls every `interval` (or sooner on a hot-plug callback) and hands each change to
    /// `on_event` until `cancel` is cancelled or `on_event` returns `false`.
    pub fn run(
        &mut self,
        interval: Duration,
        cancel: &CancelToken,
        mut on_event: impl FnMut(&DeviceEvent) -> bool,
    ) -> Result<(), TransportError> {
        while self.enumerator.wait(interval, cancel) {
            for event in self.poll()? {
                if !on_event(&event) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// The enumerator.
    pub fn enumerator(&self) -> &E {
        &self.enumerator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(path: &str) -> Found {
        Found::Serial(SerialPortInfo {
            path: path.into(),
            usb: None,
        })
    }

    fn usb(address: u8, vid: u16, pid: u16) -> Found {
        Found::Usb(UsbDeviceInfo {
            vid,
            pid,
            bus: 1,
            address,
            serial: None,
            manufacturer: None,
            product: None,
        })
    }

    #[test]
    fn diff_reports_departures_then_arrivals_and_ignores_the_unchanged() {
        let before = [
            port("/dev/ttyUSB0"),
            usb(3, 0x056a, 0x00a8),
            port("/dev/ttyUSB1"),
        ];
        let after = [
            port("/dev/ttyUSB1"),
            usb(4, 0x10c4, 0xea60),
            usb(3, 0x056a, 0x00a8),
        ];
        assert_eq!(
            diff(&before, &after),
            vec![
                DeviceEvent::Left(port("/dev/ttyUSB0")),
                DeviceEvent::Arrived(usb(4, 0x10c4, 0xea60)),
            ]
        );
        assert!(diff(&after, &after).is_empty());
    }

    #[test]
    fn a_replugged_usb_device_at_a_new_address_leaves_and_arrives() {
        let events = diff(&[usb(3, 0x056a, 0x00a8)], &[usb(5, 0x056a, 0x00a8)]);
        assert_eq!(events.len(), 2);
        assert!(matches!(&events[0], DeviceEvent::Left(f) if f.key().contains("001:003")));
        assert!(matches!(&events[1], DeviceEvent::Arrived(f) if f.key().contains("001:005")));
    }

    /// Plays a script of snapshots.
    struct Scripted(std::collections::VecDeque<Vec<Found>>);

    impl Enumerator for Scripted {
        fn enumerate(&mut self) -> Result<Vec<Found>, TransportError> {
            Ok(self.0.pop_front().unwrap_or_default())
        }
        fn wait(&mut self, _: Duration, _: &CancelToken) -> bool {
            !self.0.is_empty()
        }
    }

    #[test]
    fn the_watcher_reports_a_scripted_device_coming_and_going() {
        let script = vec![
            vec![port("/dev/ttyS0")],
            vec![port("/dev/ttyS0"), usb(7, 0x10c4, 0xea60)],
            vec![port("/dev/ttyS0"), usb(7, 0x10c4, 0xea60)],
            vec![port("/dev/ttyS0")],
        ];
        let (mut watcher, present) = Watcher::new(Scripted(script.into())).unwrap();
        assert_eq!(present, vec![port("/dev/ttyS0")]);
        let mut seen = Vec::new();
        watcher
            .run(Duration::ZERO, &CancelToken::new(), |e| {
                seen.push(e.clone());
                true
            })
            .unwrap();
        assert_eq!(
            seen,
            vec![
                DeviceEvent::Arrived(usb(7, 0x10c4, 0xea60)),
                DeviceEvent::Left(usb(7, 0x10c4, 0xea60)),
            ]
        );
    }

    #[test]
    fn a_pseudo_terminal_matching_a_configured_pattern_arrives_and_leaves() {
        let (mut watcher, _) = Watcher::new(SystemEnumerator::new(vec!["/dev/pts/[0-9]*".into()]))
            .expect("enumeration works");
        let (master, slave) = serialport::TTYPort::pair().expect("pty pair");
        let path = serialport::SerialPort::name(&slave).expect("pty name");
        let arrived = watcher.poll().unwrap();
        assert!(
            arrived
                .iter()
                .any(|e| matches!(e, DeviceEvent::Arrived(Found::Serial(p)) if p.path == path)),
            "{path} did not arrive: {arrived:?}"
        );
        drop((master, slave));
        let left = watcher.poll().unwrap();
        assert!(
            left.iter()
                .any(|e| matches!(e, DeviceEvent::Left(Found::Serial(p)) if p.path == path)),
            "{path} did not leave: {left:?}"
        );
    }
}
