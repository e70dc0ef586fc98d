//! A configured PTP camera (`[devices] camera`) in the device manager's camera slot, instead of
//! the simulated one: `"ptpip:HOST[:PORT]"` (PTP/IP, CIPA DC-005, port 15740 by default) or
//! `"usb"` (the first still-image class USB device).
//!
//! Contract: the slot opens the camera on first use and again after it reported itself
//! disconnected (switched off, cable pulled, network gone), so a camera that comes back costs
//! one failed capture. Stills and live-view frames come as the camera's JPEGs.

use std::net::ToSocketAddrs;
use std::time::Duration;

use rekam_drivers::camera::{Camera, Photo};
use rekam_drivers::fingerprint::CaptureOptions;
use rekam_drivers::ptp::PtpTransport;
use rekam_drivers::ptp::camera::{PtpCamera, PtpCameraConfig};
use rekam_drivers::{DeviceIdentity, ErrorKind};

use super::{CameraDevice, DeviceFailure, Identified, Slot};

/// The PTP/IP port.
pub const PTPIP_PORT: u16 = 15740;

/// Where the configured camera is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CameraSpec {
    /// A PTP/IP camera at this host and port.
    PtpIp {
        /// Host name or address.
        host: String,
        /// TCP port.
        port: u16,
    },
    /// The first still-image class USB device.
    Usb,
}

impl CameraSpec {
    /// Reads `"ptpip:HOST[:PORT]"` or `"usb"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "usb" {
            return Ok(CameraSpec::Usb);
        }
        let Some(rest) = text.strip_prefix("ptpip:") else {
            return Err(format!(
                "{text:?}: expected \"ptpip:HOST[:PORT]\" or \"usb\""
            ));
        };
        let port = |p: &str| {
            p.parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| format!("{text:?}: {p:?} is not a TCP port"))
        };
        // An IPv6 literal goes in brackets, as in URLs: ptpip:[fe80::1]:15740.
        let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| format!("{text:?}: no closing ']'"))?;
            match after {
                "" => (host, PTPIP_PORT),
                p => match p.strip_prefix(':') {
                    Some(p) => (host, port(p)?),
                    None => return Err(format!("{text:?}: expected ':' after ']'")),
                },
            }
        } else {
            match rest.split_once(':') {
                Some((host, p)) => (host, port(p)?),
                None => (rest, PTPIP_PORT),
            }
        };
        if host.is_empty() {
            return Err(format!("{text:?}: no host after \"ptpip:\""));
        }
        Ok(CameraSpec::PtpIp {
            host: host.to_owned(),
            port,
        })
    }
}

/// A PTP camera driver as the manager drives it.
pub struct PtpCameraDevice<T: PtpTransport>(pub PtpCamera<T>);

impl<T: PtpTransport> Identified for PtpCameraDevice<T> {
    fn identity(&self) -> DeviceIdentity {
        self.0.identity().clone()
    }
}

impl<T: PtpTransport + Send> CameraDevice for PtpCameraDevice<T> {
    fn capture_still(&mut self, o: &CaptureOptions) -> Result<Photo, DeviceFailure> {
        self.0
            .capture_still(o)
            .map_err(|e| DeviceFailure::from_driver(&self.0.identity().to_string(), &e))
    }

    fn preview_frame(&mut self, o: &CaptureOptions) -> Result<Photo, DeviceFailure> {
        self.0
            .preview_frame(o)
            .map_err(|e| DeviceFailure::from_driver(&self.0.identity().to_string(), &e))
    }

    fn still_width(&self) -> Option<u32> {
        let width = self.0.capabilities().still.width;
        (width > 0).then_some(width)
    }
}

/// Opens the camera `spec` names.
pub fn open(spec: &CameraSpec) -> Result<Box<dyn CameraDevice>, DeviceFailure> {
    match spec {
        CameraSpec::PtpIp { host, port } => open_ptpip(host, *port),
        CameraSpec::Usb => open_usb(),
    }
}

fn open_failure<E: rekam_drivers::Error>(what: &str, e: &E) -> DeviceFailure {
    DeviceFailure::from_driver(what, e)
}

/// The GUID rekam introduces itself with in the PTP/IP handshake (cameras that pair remember it).
pub const HOST_GUID: [u8; 16] = *b"rekam-workstatn1";
/// Longest wait for each step of the PTP/IP handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a camera may refuse a new connection (still closing the last one) before it counts.
const REFUSED_GRACE: Duration = Duration::from_secs(3);

fn open_ptpip(host: &str, port: u16) -> Result<Box<dyn CameraDevice>, DeviceFailure> {
    use rekam_drivers::ptp::ptpip::PtpIpTransport;
    let what = format!("PTP/IP camera at {host}:{port}");
    let addr = (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| {
            DeviceFailure::new(
                &what,
                ErrorKind::Disconnected,
                format!("{host} does not resolve to an address"),
            )
        })?;
    // A camera refuses a new host (InitFail) while it still tears down the session it had, as
    // after a reopen: that refusal is retried for a moment before it counts.
    let refused_until = std::time::Instant::now() + REFUSED_GRACE;
    let transport = loop {
        match PtpIpTransport::connect(addr, HOST_GUID, "rekam", CONNECT_TIMEOUT) {
            Ok(t) => break t,
            Err(e @ rekam_drivers::ptp::PtpError::Refused { .. })
                if std::time::Instant::now() < refused_until =>
            {
                tracing::debug!("{what}: {e}; retrying");
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(open_failure(&what, &e)),
        }
    };
    let camera = PtpCamera::open(transport, PtpCameraConfig::default())
        .map_err(|e| open_failure(&what, &e))?;
    Ok(Box::new(PtpCameraDevice(camera)))
}

fn open_usb() -> Result<Box<dyn CameraDevice>, DeviceFailure> {
    use rekam_drivers::ptp::usb::{PtpUsbTransport, still_image_devices};
    use rekam_drivers::usb::host::UsbHost;
    let what = "PTP camera on USB";
    let host = UsbHost::new().map_err(|e| open_failure(what, &e))?;
    let Some((info, endpoints)) = still_image_devices(&host).into_iter().next() else {
        return Err(DeviceFailure::new(
            what,
            ErrorKind::Disconnected,
            "no still-image class USB device is attached (is the camera on and in PTP mode?)",
        ));
    };
    let device = host
        .open_interface(&info, endpoints.interface)
        .map_err(|e| open_failure(what, &e))?;
    let transport = PtpUsbTransport::new(device, endpoints).map_err(|e| open_failure(what, &e))?;
    let camera = PtpCamera::open(transport, PtpCameraConfig::default())
        .map_err(|e| open_failure(what, &e))?;
    Ok(Box::new(PtpCameraDevice(camera)))
}

/// The camera slot for `spec`, reopened after a disconnect.
pub fn slot(spec: CameraSpec) -> Slot<dyn CameraDevice> {
    Slot::new("camera", Box::new(move || open(&spec)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::Health;
    use rekam_drivers::CancelToken;
    use rekam_sim::devices::{CameraConfig, FaceScene, SimCamera};
    use rekam_sim::ptp::SimPtpCamera;
    use rekam_sim::synth::Background;
    use std::sync::{Arc, Mutex};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_configured_ptpip_camera_takes_the_photo_and_reopens_after_power_off() {
        let scene = SimCamera::new(CameraConfig::tiny(3), FaceScene::framed(Background::Red));
        let sim = Arc::new(Mutex::new(SimPtpCamera::new(scene)));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback port");
        let port = listener.local_addr().expect("bound").port();
        let shutdown = CancelToken::new();
        let server = {
            let (sim, shutdown) = (sim.clone(), shutdown.clone());
            std::thread::spawn(move || rekam_sim::ptp::server::serve(listener, sim, shutdown))
        };
        let spec = CameraSpec::parse(&format!("ptpip:127.0.0.1:{port}")).expect("spec");
        let camera = slot(spec);
        let deadline = Duration::from_secs(10);
        let photo = camera
            .run(deadline, |c, o| c.capture_still(o))
            .await
            .expect("a still");
        assert!(matches!(photo, Photo::Jpeg { .. }));
        let frame = camera
            .run(deadline, |c, o| c.preview_frame(o))
            .await
            .expect("a live-view frame for the console");
        assert!(matches!(frame, Photo::Jpeg { .. }));
        let status = camera.status();
        assert_eq!(
            status.identity.map(|i| i.model),
            Some(rekam_sim::ptp::MODEL.to_owned())
        );

        sim.lock().expect("sim").set_powered(false);
        let err = camera
            .run(deadline, |c, o| c.capture_still(o))
            .await
            .expect_err("a camera that is off");
        assert_eq!(err.kind, ErrorKind::Disconnected, "{err}");
        assert!(matches!(
            camera.status().health,
            Health::Disconnected { .. }
        ));
        sim.lock().expect("sim").set_powered(true);
        let photo = camera
            .run(deadline, |c, o| c.capture_still(o))
            .await
            .expect("reopened after power-on");
        assert!(matches!(photo, Photo::Jpeg { .. }));
        assert_eq!(camera.status().health, Health::Ready);
        drop(camera);
        shutdown.cancel();
        let _ = server.join();
    }

    #[test]
    fn camera_specs_name_ptpip_hosts_ports_or_usb() {
        assert_eq!(CameraSpec::parse("usb"), Ok(CameraSpec::Usb));
        assert_eq!(
            CameraSpec::parse("ptpip:192.168.1.20"),
            Ok(CameraSpec::PtpIp {
                host: "192.168.1.20".into(),
                port: 15740
            })
        );
        assert_eq!(
            CameraSpec::parse("ptpip:cam.local:15741"),
            Ok(CameraSpec::PtpIp {
                host: "cam.local".into(),
                port: 15741
            })
        );
        assert_eq!(
            CameraSpec::parse("ptpip:[fe80::1]:15740"),
            Ok(CameraSpec::PtpIp {
                host: "fe80::1".into(),
                port: 15740
            })
        );
        for bad in [
            "",
            "ptpip:",
            "ptpip::99",
            "ptpip:host:0",
            "ptpip:host:x",
            "tcp:host",
        ] {
            assert!(CameraSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
