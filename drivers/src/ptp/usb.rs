//! PTP over USB: the still-image class (interface class 6, subclass 1, protocol 1) carries PTP
//! transactions as [generic containers](super::container) on a bulk OUT/IN pipe pair and events
//! on an interrupt IN pipe; [`PtpUsbTransport`] runs them over any [`UsbDevice`] (libusb, a
//! simulator, a [`UsbReplay`](crate::usb::UsbReplay) of a usbmon capture).
//!
//! One transaction, as libgphoto2's `camlibs/ptp2/usb.c` does it: the command container in one
//! bulk OUT transfer; for a data-out phase a data container (split into transfers, ended by a
//! zero-length packet when its length is a multiple of the max packet size); then bulk IN reads:
//! an optional data container, read transfer after transfer until its stated length is in, then
//! the response container. A zero-length packet where a container should start is the end of
//! the previous one and is skipped; bytes read past a container's end are kept for the next.
//!
//! Class requests (interface recipient): Cancel 0x64 (sent when a transaction times out, so the
//! device drops it and the pipes resynchronise), Device Reset 0x66 and Get Device Status 0x67.
//!
//! Contract: a response is returned whatever its code; [`PtpError`] means the pipe failed
//! (disconnect, timeout) or the device broke the container rules (wrong type, wrong code or
//! transaction, malformed container). USB errors map: gone or I/O failure is `Disconnected`, a
//! timeout `Timeout`, a claimed or inaccessible interface `Refused`, the rest `Protocol`.

use std::time::Duration;

use super::container::{Container, HEADER_LEN, Header, Kind};
use super::{DataPhase, Event, PtpError, PtpTransport, Request, Transaction};
use crate::usb::host::{EndpointKind, InterfaceDescription, UsbHost};
use crate::usb::{ControlSetup, ENDPOINT_IN, UsbDevice, UsbDeviceInfo, UsbError};

/// bInterfaceClass of still-image devices.
pub const CLASS_STILL_IMAGE: u8 = 6;
/// bInterfaceSubClass of still-image capture devices.
pub const SUBCLASS_STILL_IMAGE_CAPTURE: u8 = 1;
/// bInterfaceProtocol of PIMA 15740 (PTP).
pub const PROTOCOL_PTP: u8 = 1;

/// Class request: cancel a transaction (6 bytes: u16 0x4001, u32 transaction).
pub const REQUEST_CANCEL: u8 = 0x64;
/// Class request: reset the device's PTP state (closes the session).
pub const REQUEST_DEVICE_RESET: u8 = 0x66;
/// Class request: read the device status (u16 length, u16 response code, parameters).
pub const REQUEST_GET_DEVICE_STATUS: u8 = 0x67;
/// The event code a Cancel request carries.
pub const EVENT_CANCEL_TRANSACTION: u16 = 0x4001;

/// Class request to the interface, host to device.
const CLASS_OUT: u8 = 0x21;
/// Class request to the interface, device to host.
const CLASS_IN: u8 = 0xA1;

/// Size of each bulk IN request: a multiple of every bulk max packet size (64, 512, 1024).
pub const READ_SIZE: usize = 64 * 1024;
/// Size of each bulk OUT transfer of a long data phase.
const WRITE_CHUNK: usize = 64 * 1024;
/// Largest data phase accepted (a camera JPEG is a few MB; this bounds a lying length field).
pub const MAX_DATA: usize = 256 << 20;
/// Size of an interrupt IN request (an event container is at most 24 bytes).
const EVENT_READ_SIZE: usize = 64;

/// Whether an interface is a still-image (PTP) interface.
pub fn matches_still_image_class(class: u8, subclass: u8, protocol: u8) -> bool {
    class == CLASS_STILL_IMAGE
        && subclass == SUBCLASS_STILL_IMAGE_CAPTURE
        && protocol == PROTOCOL_PTP
}

/// The pipes of a still-image interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtpUsbEndpoints {
    /// bInterfaceNumber (the index of class requests).
    pub interface: u8,
    /// Bulk OUT endpoint address.
    pub bulk_out: u8,
    /// Bulk IN endpoint address.
    pub bulk_in: u8,
    /// Interrupt IN endpoint address, when the device has one.
    pub interrupt_in: Option<u8>,
    /// wMaxPacketSize of the bulk endpoints (512 at high speed).
    pub max_packet: u16,
}

impl PtpUsbEndpoints {
    /// The usual layout: interface 0, bulk 0x01/0x81, interrupt 0x82, 512-byte packets.
    pub fn standard() -> Self {
        PtpUsbEndpoints {
            interface: 0,
            bulk_out: 0x01,
            bulk_in: 0x81,
            interrupt_in: Some(0x82),
            max_packet: 512,
        }
    }

    /// The pipes of the first still-image interface among `interfaces`, if any has a bulk pair.
    pub fn find(interfaces: &[InterfaceDescription]) -> Option<Self> {
        interfaces.iter().find_map(|i| {
            if !matches_still_image_class(i.class, i.subclass, i.protocol) {
                return None;
            }
            let find = |kind, dir_in: bool| {
                i.endpoints
                    .iter()
                    .find(|e| e.kind == kind && (e.address & ENDPOINT_IN != 0) == dir_in)
            };
            let out = find(EndpointKind::Bulk, false)?;
            let inn = find(EndpointKind::Bulk, true)?;
            Some(PtpUsbEndpoints {
                interface: i.number,
                bulk_out: out.address,
                bulk_in: inn.address,
                interrupt_in: find(EndpointKind::Interrupt, true).map(|e| e.address),
                max_packet: inn.max_packet.max(1),
            })
        })
    }
}

/// Still-image class devices attached to this machine, with their pipes; empty when there is
/// no USB here (the reason is not needed to say "no camera").
pub fn still_image_devices(host: &UsbHost) -> Vec<(UsbDeviceInfo, PtpUsbEndpoints)> {
    let Ok(devices) = host.devices() else {
        return Vec::new();
    };
    devices
        .into_iter()
        .filter_map(|d| {
            let endpoints = PtpUsbEndpoints::find(&host.interfaces(&d).ok()?)?;
            Some((d, endpoints))
        })
        .collect()
}

/// What Get Device Status answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceStatus {
    /// A PTP response code (0x2001 OK, 0x2019 DeviceBusy, ...).
    pub code: u16,
    /// Parameters (endpoints to clear, for a stall).
    pub params: Vec<u32>,
}

/// PTP transactions over the pipes of a [`UsbDevice`].
pub struct PtpUsbTransport<D> {
    device: D,
    name: String,
    endpoints: PtpUsbEndpoints,
    /// Bytes read past the end of the last container.
    pending: Vec<u8>,
}

impl<D: UsbDevice> PtpUsbTransport<D> {
    /// Uses `endpoints` of `device` (its interface claimed).
    pub fn new(device: D, endpoints: PtpUsbEndpoints) -> Result<Self, PtpError> {
        let name = device.info().name();
        let ok_dirs = endpoints.bulk_out & ENDPOINT_IN == 0
            && endpoints.bulk_in & ENDPOINT_IN != 0
            && endpoints.interrupt_in.is_none_or(|e| e & ENDPOINT_IN != 0);
        if !ok_dirs {
            return Err(PtpError::Refused {
                device: name,
                detail: format!("endpoints {endpoints:?} have the wrong directions"),
            });
        }
        Ok(Self {
            device,
            name,
            endpoints,
            pending: Vec::new(),
        })
    }

    /// The device.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The device, e.g. to drive a simulator between transactions.
    pub fn device_mut(&mut self) -> &mut D {
        &mut self.device
    }

    /// The device, e.g. to finish a recording.
    pub fn into_device(self) -> D {
        self.device
    }

    fn usb(&self, e: UsbError, during: &str, timeout: Duration) -> PtpError {
        let device = self.name.clone();
        match e {
            UsbError::Disconnected { .. } | UsbError::NotFound { .. } | UsbError::Io { .. } => {
                PtpError::Disconnected {
                    device,
                    detail: format!("{during}: {e}"),
                }
            }
            UsbError::Timeout { .. } => PtpError::Timeout {
                device,
                waited: timeout,
                during: during.to_owned(),
            },
            UsbError::Busy { .. }
            | UsbError::Access { .. }
            | UsbError::Unavailable { .. }
            | UsbError::Unsupported { .. } => PtpError::Refused {
                device,
                detail: format!("{during}: {e}"),
            },
            UsbError::Stall { .. }
            | UsbError::Overflow { .. }
            | UsbError::ReplayMismatch { .. }
            | UsbError::Capture { .. } => PtpError::Protocol {
                device,
                detail: format!("{during}: {e}"),
            },
        }
    }

    fn protocol(&self, detail: String) -> PtpError {
        PtpError::Protocol {
            device: self.name.clone(),
            detail,
        }
    }

    fn write_all(
        &mut self,
        mut bytes: &[u8],
        timeout: Duration,
        during: &str,
    ) -> Result<(), PtpError> {
        while !bytes.is_empty() {
            let n = self
                .device
                .write_bulk(self.endpoints.bulk_out, bytes, timeout)
                .map_err(|e| self.usb(e, during, timeout))?;
            if n == 0 {
                return Err(PtpError::Timeout {
                    device: self.name.clone(),
                    waited: timeout,
                    during: format!("{during} (the device accepted nothing)"),
                });
            }
            bytes = &bytes[n.min(bytes.len())..];
        }
        Ok(())
    }

    /// Sends a container, in transfers of at most 64 KiB, with a closing zero-length packet
    /// when its length is a multiple of the max packet size (or the device would wait for more).
    fn send(
        &mut self,
        container: &Container,
        timeout: Duration,
        during: &str,
    ) -> Result<(), PtpError> {
        let bytes = container
            .to_bytes()
            .map_err(|e| self.protocol(format!("{during}: {e}")))?;
        for chunk in bytes.chunks(WRITE_CHUNK) {
            self.write_all(chunk, timeout, during)?;
        }
        if bytes.len() % usize::from(self.endpoints.max_packet.max(1)) == 0 {
            self.device
                .write_bulk(self.endpoints.bulk_out, &[], timeout)
                .map_err(|e| self.usb(e, during, timeout))?;
        }
        Ok(())
    }

    /// One bulk IN transfer (or the bytes left from the previous one).
    fn read_transfer(&mut self, timeout: Duration, during: &str) -> Result<Vec<u8>, PtpError> {
        if !self.pending.is_empty() {
            return Ok(std::mem::take(&mut self.pending));
        }
        let mut buf = vec![0; READ_SIZE];
        let n = self
            .device
            .read_bulk(self.endpoints.bulk_in, &mut buf, timeout)
            .map_err(|e| self.usb(e, during, timeout))?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Reads one whole container from the bulk IN pipe.
    fn read_container(&mut self, timeout: Duration, during: &str) -> Result<Container, PtpError> {
        let mut bytes = self.read_transfer(timeout, during)?;
        // A zero-length packet ends the previous container; one more read starts this one.
        if bytes.is_empty() {
            bytes = self.read_transfer(timeout, during)?;
        }
        // A header split over transfers (a device sending tiny packets).
        while bytes.len() < HEADER_LEN {
            let more = self.read_transfer(timeout, during)?;
            if more.is_empty() {
                return Err(self.protocol(format!(
                    "{during}: a {}-byte transfer where a container header was expected",
                    bytes.len()
                )));
            }
            bytes.extend_from_slice(&more);
        }
        let header = Header::parse(&bytes).map_err(|e| self.protocol(format!("{during}: {e}")))?;
        let length = header.length as usize;
        if length > MAX_DATA + HEADER_LEN {
            return Err(self.protocol(format!(
                "{during}: a container of {length} bytes (more than {MAX_DATA} is refused)"
            )));
        }
        while bytes.len() < length {
            let more = self.read_transfer(timeout, during)?;
            if more.is_empty() {
                return Err(self.protocol(format!(
                    "{during}: the container ended after {} of its {length} bytes",
                    bytes.len()
                )));
            }
            bytes.extend_from_slice(&more);
        }
        if bytes.len() > length {
            self.pending = bytes.split_off(length);
        }
        Container::parse(&bytes).map_err(|e| self.protocol(format!("{during}: {e}")))
    }

    fn run(
        &mut self,
        request: &Request,
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Transaction, PtpError> {
        let op = format!("operation {:#06x}", request.code);
        let command =
            Container::command(request).map_err(|e| self.protocol(format!("{op}: {e}")))?;
        self.pending.clear();
        self.send(&command, timeout, &format!("{op}: sending the request"))?;
        if let DataPhase::Out(bytes) = data {
            let container = Container::data(request.code, request.transaction, bytes);
            self.send(&container, timeout, &format!("{op}: sending data"))?;
        }
        let mut received = Vec::new();
        let mut container = self.read_container(timeout, &format!("{op}: reading the reply"))?;
        if container.kind == Kind::Data {
            if !matches!(data, DataPhase::In) {
                return Err(self.protocol(format!("{op}: the device sent data where none was due")));
            }
            if container.code != request.code || container.transaction != request.transaction {
                return Err(self.protocol(format!(
                    "{op}: data container of operation {:#06x} transaction {} in transaction {}",
                    container.code, container.transaction, request.transaction
                )));
            }
            received = std::mem::take(&mut container.payload);
            container = self.read_container(timeout, &format!("{op}: reading the response"))?;
        }
        if container.kind != Kind::Response {
            return Err(self.protocol(format!(
                "{op}: a {:?} container where the response was due",
                container.kind
            )));
        }
        if container.transaction != request.transaction {
            return Err(self.protocol(format!(
                "{op}: response to transaction {} in transaction {}",
                container.transaction, request.transaction
            )));
        }
        Ok(Transaction {
            response: container.to_response(),
            data: received,
        })
    }

    /// Asks the device to drop transaction `transaction` (class request Cancel).
    pub fn cancel(&mut self, transaction: u32, timeout: Duration) -> Result<(), PtpError> {
        let mut body = EVENT_CANCEL_TRANSACTION.to_le_bytes().to_vec();
        body.extend_from_slice(&transaction.to_le_bytes());
        self.pending.clear();
        self.device
            .control_out(self.class_setup(CLASS_OUT, REQUEST_CANCEL), &body, timeout)
            .map(drop)
            .map_err(|e| self.usb(e, "cancel request", timeout))
    }

    /// Resets the device's PTP state (class request Device Reset; the session is closed).
    pub fn reset(&mut self, timeout: Duration) -> Result<(), PtpError> {
        self.pending.clear();
        self.device
            .control_out(
                self.class_setup(CLASS_OUT, REQUEST_DEVICE_RESET),
                &[],
                timeout,
            )
            .map(drop)
            .map_err(|e| self.usb(e, "device reset request", timeout))
    }

    /// Reads the device status (class request Get Device Status).
    pub fn device_status(&mut self, timeout: Duration) -> Result<DeviceStatus, PtpError> {
        let mut buf = [0u8; 64];
        let n = self
            .device
            .control_in(
                self.class_setup(CLASS_IN, REQUEST_GET_DEVICE_STATUS),
                &mut buf,
                timeout,
            )
            .map_err(|e| self.usb(e, "device status request", timeout))?;
        parse_device_status(&buf[..n.min(buf.len())]).ok_or_else(|| {
            self.protocol(format!(
                "a malformed device status: {}",
                hex::encode(&buf[..n.min(buf.len())])
            ))
        })
    }

    fn class_setup(&self, request_type: u8, request: u8) -> ControlSetup {
        ControlSetup {
            request_type,
            request,
            value: 0,
            index: u16::from(self.endpoints.interface),
        }
    }
}

/// Reads a Get Device Status answer: `u16 length | u16 code | u32 params...`, length counting
/// the whole answer.
pub fn parse_device_status(bytes: &[u8]) -> Option<DeviceStatus> {
    let length = usize::from(u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]));
    let code = u16::from_le_bytes([*bytes.get(2)?, *bytes.get(3)?]);
    if length != bytes.len() || (length - 4) % 4 != 0 {
        return None;
    }
    let params = bytes[4..]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Some(DeviceStatus { code, params })
}

impl<D: UsbDevice> PtpTransport for PtpUsbTransport<D> {
    fn name(&self) -> &str {
        &self.name
    }

    fn transact(
        &mut self,
        request: &Request,
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Transaction, PtpError> {
        let result = self.run(request, data, timeout);
        if matches!(result, Err(PtpError::Timeout { .. })) {
            // The device may still be inside the transaction; cancelling it resynchronises the
            // pipes for the next one. Best effort: the timeout is what the caller must hear.
            let _ = self.cancel(request.transaction, timeout);
        }
        result
    }

    fn poll_event(&mut self, wait: Duration) -> Result<Option<Event>, PtpError> {
        let Some(endpoint) = self.endpoints.interrupt_in else {
            // No event pipe: nothing can arrive; wait as asked so polling loops keep their pace.
            std::thread::sleep(wait);
            return Ok(None);
        };
        let mut buf = [0u8; EVENT_READ_SIZE];
        let n = match self.device.read_interrupt(endpoint, &mut buf, wait) {
            Ok(n) => n,
            Err(UsbError::Timeout { .. }) => return Ok(None),
            Err(e) => return Err(self.usb(e, "reading an event", wait)),
        };
        if n == 0 {
            return Ok(None);
        }
        let container = Container::parse(&buf[..n.min(buf.len())])
            .map_err(|e| self.protocol(format!("event: {e}")))?;
        if container.kind != Kind::Event {
            return Err(self.protocol(format!(
                "a {:?} container on the event pipe",
                container.kind
            )));
        }
        Ok(Some(container.to_event()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ptp::Response;
    use crate::usb::host::EndpointDescription;
    use std::collections::VecDeque;

    /// A scripted device: bulk IN transfers and interrupt reads queued, OUT transfers logged.
    struct Scripted {
        info: UsbDeviceInfo,
        bulk_in: VecDeque<Result<Vec<u8>, UsbError>>,
        interrupt: VecDeque<Vec<u8>>,
        out: Vec<Vec<u8>>,
        control: Vec<(ControlSetup, Vec<u8>)>,
    }

    impl Scripted {
        fn new(bulk_in: Vec<Vec<u8>>) -> Self {
            Scripted {
                info: UsbDeviceInfo {
                    vid: 0x04a9,
                    pid: 0x3218,
                    bus: 1,
                    address: 5,
                    serial: None,
                    manufacturer: None,
                    product: Some("Canon".into()),
                },
                bulk_in: bulk_in.into_iter().map(Ok).collect(),
                interrupt: VecDeque::new(),
                out: Vec::new(),
                control: Vec::new(),
            }
        }
    }

    impl UsbDevice for Scripted {
        fn info(&self) -> &UsbDeviceInfo {
            &self.info
        }
        fn write_bulk(&mut self, _: u8, data: &[u8], _: Duration) -> Result<usize, UsbError> {
            self.out.push(data.to_vec());
            Ok(data.len())
        }
        fn read_bulk(&mut self, ep: u8, buf: &mut [u8], t: Duration) -> Result<usize, UsbError> {
            match self.bulk_in.pop_front() {
                Some(Ok(d)) => {
                    buf[..d.len()].copy_from_slice(&d);
                    Ok(d.len())
                }
                Some(Err(e)) => Err(e),
                None => Err(UsbError::Timeout {
                    device: "scripted".into(),
                    endpoint: ep,
                    timeout: t,
                }),
            }
        }
        fn read_interrupt(
            &mut self,
            ep: u8,
            buf: &mut [u8],
            t: Duration,
        ) -> Result<usize, UsbError> {
            match self.interrupt.pop_front() {
                Some(d) => {
                    buf[..d.len()].copy_from_slice(&d);
                    Ok(d.len())
                }
                None => Err(UsbError::Timeout {
                    device: "scripted".into(),
                    endpoint: ep,
                    timeout: t,
                }),
            }
        }
        fn control_out(
            &mut self,
            s: ControlSetup,
            d: &[u8],
            _: Duration,
        ) -> Result<usize, UsbError> {
            self.control.push((s, d.to_vec()));
            Ok(d.len())
        }
        fn control_in(
            &mut self,
            s: ControlSetup,
            buf: &mut [u8],
            _: Duration,
        ) -> Result<usize, UsbError> {
            self.control.push((s, Vec::new()));
            let answer = [4, 0, 0x19, 0x20];
            buf[..4].copy_from_slice(&answer);
            Ok(4)
        }
    }

    fn response(code: u16, transaction: u32) -> Vec<u8> {
        Container::response(&Response {
            code,
            transaction,
            params: vec![],
        })
        .unwrap()
        .to_bytes()
        .unwrap()
    }

    fn request(code: u16, transaction: u32) -> Request {
        Request {
            code,
            transaction,
            params: vec![],
        }
    }

    const T: Duration = Duration::from_millis(50);

    #[test]
    fn a_data_phase_spanning_several_transfers_is_reassembled() {
        let jpeg: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
        let whole = Container::data(0x1009, 4, &jpeg).to_bytes().unwrap();
        // 512-byte packets: the host saw full transfers, then the short tail.
        let transfers = vec![
            whole[..1024].to_vec(),
            whole[1024..1536].to_vec(),
            whole[1536..].to_vec(),
            response(0x2001, 4),
        ];
        let mut t =
            PtpUsbTransport::new(Scripted::new(transfers), PtpUsbEndpoints::standard()).unwrap();
        let got = t.transact(&request(0x1009, 4), DataPhase::In, T).unwrap();
        assert_eq!(got.data, jpeg);
        assert_eq!(got.response.code, 0x2001);
        assert_eq!(
            t.device().out,
            vec![
                Container::command(&request(0x1009, 4))
                    .unwrap()
                    .to_bytes()
                    .unwrap()
            ]
        );
    }

    #[test]
    fn a_zero_length_packet_after_a_packet_sized_data_phase_is_skipped() {
        let whole = Container::data(0x1001, 1, &[9; 500]).to_bytes().unwrap();
        assert_eq!(whole.len(), 512);
        let mut t = PtpUsbTransport::new(
            Scripted::new(vec![whole, Vec::new(), response(0x2001, 1)]),
            PtpUsbEndpoints::standard(),
        )
        .unwrap();
        let got = t.transact(&request(0x1001, 1), DataPhase::In, T).unwrap();
        assert_eq!(got.data.len(), 500);
    }

    #[test]
    fn data_and_response_in_one_transfer_are_split() {
        let mut both = Container::data(0x1001, 2, b"abc").to_bytes().unwrap();
        both.extend(response(0x2001, 2));
        let mut t =
            PtpUsbTransport::new(Scripted::new(vec![both]), PtpUsbEndpoints::standard()).unwrap();
        let got = t.transact(&request(0x1001, 2), DataPhase::In, T).unwrap();
        assert_eq!(
            (got.data.as_slice(), got.response.code),
            (&b"abc"[..], 0x2001)
        );
    }

    #[test]
    fn a_packet_sized_data_out_phase_ends_with_a_zero_length_packet() {
        let mut t = PtpUsbTransport::new(
            Scripted::new(vec![response(0x2001, 3)]),
            PtpUsbEndpoints::standard(),
        )
        .unwrap();
        t.transact(&request(0x9110, 3), DataPhase::Out(&[0; 500]), T)
            .unwrap();
        let out = &t.device().out;
        assert_eq!(out.len(), 3);
        assert_eq!(out[1].len(), 512);
        assert!(out[2].is_empty());
    }

    #[test]
    fn a_busy_answer_is_a_response_not_an_error() {
        let mut t = PtpUsbTransport::new(
            Scripted::new(vec![response(0x2019, 5)]),
            PtpUsbEndpoints::standard(),
        )
        .unwrap();
        let got = t.transact(&request(0x100E, 5), DataPhase::None, T).unwrap();
        assert_eq!(got.response.code, 0x2019);
    }

    #[test]
    fn a_response_to_another_transaction_is_a_protocol_violation() {
        let mut t = PtpUsbTransport::new(
            Scripted::new(vec![response(0x2001, 8)]),
            PtpUsbEndpoints::standard(),
        )
        .unwrap();
        let err = t
            .transact(&request(0x1002, 7), DataPhase::None, T)
            .unwrap_err();
        assert!(matches!(err, PtpError::Protocol { .. }), "{err}");
    }

    #[test]
    fn a_lying_length_that_ends_early_is_a_protocol_violation() {
        let mut whole = Container::data(0x1009, 1, &[1; 100]).to_bytes().unwrap();
        whole.truncate(60);
        let mut t = PtpUsbTransport::new(
            Scripted::new(vec![whole, Vec::new()]),
            PtpUsbEndpoints::standard(),
        )
        .unwrap();
        let err = t
            .transact(&request(0x1009, 1), DataPhase::In, T)
            .unwrap_err();
        assert!(matches!(err, PtpError::Protocol { .. }), "{err}");
    }

    #[test]
    fn a_timeout_is_reported_and_the_transaction_cancelled() {
        let mut t =
            PtpUsbTransport::new(Scripted::new(vec![]), PtpUsbEndpoints::standard()).unwrap();
        let err = t
            .transact(&request(0x100E, 9), DataPhase::None, T)
            .unwrap_err();
        assert!(matches!(err, PtpError::Timeout { .. }), "{err}");
        let (setup, body) = &t.device().control[0];
        assert_eq!((setup.request_type, setup.request), (0x21, REQUEST_CANCEL));
        assert_eq!(body, &[0x01, 0x40, 9, 0, 0, 0]);
    }

    #[test]
    fn an_unplugged_device_is_disconnected() {
        let mut dev = Scripted::new(vec![]);
        dev.bulk_in
            .push_back(Err(UsbError::Disconnected { device: "d".into() }));
        let mut t = PtpUsbTransport::new(dev, PtpUsbEndpoints::standard()).unwrap();
        let err = t
            .transact(&request(0x1001, 1), DataPhase::In, T)
            .unwrap_err();
        assert!(matches!(err, PtpError::Disconnected { .. }), "{err}");
    }

    #[test]
    fn events_come_from_the_interrupt_pipe_and_silence_is_none() {
        let mut dev = Scripted::new(vec![]);
        dev.interrupt.push_back(
            Container::event(&Event {
                code: 0x4002,
                transaction: 0xFFFF_FFFF,
                params: vec![0x42],
            })
            .unwrap()
            .to_bytes()
            .unwrap(),
        );
        let mut t = PtpUsbTransport::new(dev, PtpUsbEndpoints::standard()).unwrap();
        let e = t.poll_event(T).unwrap().unwrap();
        assert_eq!((e.code, e.params), (0x4002, vec![0x42]));
        assert_eq!(t.poll_event(Duration::from_millis(1)).unwrap(), None);
    }

    #[test]
    fn device_status_reads_the_class_answer() {
        let mut t =
            PtpUsbTransport::new(Scripted::new(vec![]), PtpUsbEndpoints::standard()).unwrap();
        assert_eq!(t.device_status(T).unwrap().code, 0x2019);
        assert_eq!(
            parse_device_status(&[8, 0, 1, 0x20, 0x81, 0, 0, 0])
                .unwrap()
                .params,
            vec![0x81]
        );
        assert_eq!(parse_device_status(&[9, 0, 1, 0x20]), None);
    }

    #[test]
    fn only_still_image_interfaces_with_a_bulk_pair_match() {
        let ep = |address, kind| EndpointDescription {
            address,
            kind,
            max_packet: 512,
        };
        let ptp = InterfaceDescription {
            number: 0,
            class: 6,
            subclass: 1,
            protocol: 1,
            endpoints: vec![
                ep(0x81, EndpointKind::Bulk),
                ep(0x02, EndpointKind::Bulk),
                ep(0x83, EndpointKind::Interrupt),
            ],
        };
        let found = PtpUsbEndpoints::find(std::slice::from_ref(&ptp)).unwrap();
        assert_eq!(
            (found.bulk_out, found.bulk_in, found.interrupt_in),
            (0x02, 0x81, Some(0x83))
        );
        let storage = InterfaceDescription {
            class: 8,
            subclass: 6,
            protocol: 0x50,
            ..ptp.clone()
        };
        assert_eq!(PtpUsbEndpoints::find(&[storage]), None);
        assert!(matches_still_image_class(6, 1, 1));
        assert!(!matches_still_image_class(6, 1, 2));
    }
}
