//! The PTP/IP server: puts a [`SimPtpCamera`] on a TCP listener the way a Wi-Fi/Ethernet camera
//! answers (CIPA DC-005), for libgphoto2 (`ptpip:127.0.0.1`) and rekam's own `PtpIpTransport`.
//!
//! Contract: one host at a time. A command connection's InitCommandRequest is answered with
//! InitCommandAck (connection number, the camera's GUID and name) while no host is connected,
//! InitFail (busy) otherwise; the event connection must quote that number. Each request is
//! answered as [`SimPtpCamera::handle`] decides, with a StartData / Data / EndData phase for
//! data-in operations that succeed; events are pushed on the event connection as they appear.
//! Switching the camera off closes both connections; a host that goes away ends the session.
//! [`serve`] returns when `shutdown` is cancelled.

use std::io::{self, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use rekam_drivers::cancel::CancelToken;
use rekam_drivers::ptp::Request;
use rekam_drivers::ptp::code::ptpip as kind;
use rekam_drivers::ptp::ptpip::{Packet, ReadError, encode_data_phase, read_packet, write_packet};

use super::SimPtpCamera;

/// The camera's GUID in InitCommandAck.
pub const CAMERA_GUID: [u8; 16] = *b"rekam-sim-eos-01";
/// How often idle loops look at the power switch and the shutdown token.
const TICK: Duration = Duration::from_millis(10);
/// How long a started packet may take, and a host that got its ack may wait to open events.
const PACKET_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a new connection may stay silent before its first packet (hosts send it at once;
/// the accept loop waits meanwhile).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);

fn lock(camera: &Mutex<SimPtpCamera>) -> MutexGuard<'_, SimPtpCamera> {
    // A panicking session thread must not take the camera down with it.
    camera
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Serves `camera` on `listener` until `shutdown` is cancelled.
pub fn serve(
    listener: TcpListener,
    camera: Arc<Mutex<SimPtpCamera>>,
    shutdown: CancelToken,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let busy = Arc::new(AtomicBool::new(false));
    // A command connection that got its ack and waits for its event connection.
    let mut pending: Option<(u32, TcpStream, Instant)> = None;
    let mut next_connection = 1u32;
    while !shutdown.is_cancelled() {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(TICK);
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if !lock(&camera).powered() {
            // A switched-off camera does not answer.
            continue;
        }
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
        let _ = stream.set_write_timeout(Some(PACKET_TIMEOUT));
        let mut stream = stream;
        match read_packet(&mut stream) {
            Ok(Packet::InitCommandRequest { .. }) => {
                // A host that got its ack but never opened the event connection is forgotten.
                if pending
                    .as_ref()
                    .is_some_and(|(_, _, since)| since.elapsed() > PACKET_TIMEOUT)
                {
                    pending = None;
                }
                if busy.load(Ordering::SeqCst) || pending.is_some() {
                    let _ = write_packet(&mut stream, &Packet::InitFail { reason: 2 });
                    continue;
                }
                let connection = next_connection;
                next_connection = next_connection.wrapping_add(1).max(1);
                let ack = Packet::InitCommandAck {
                    connection,
                    guid: CAMERA_GUID,
                    name: super::MODEL.into(),
                    version: kind::VERSION,
                };
                if write_packet(&mut stream, &ack).is_ok() {
                    pending = Some((connection, stream, Instant::now()));
                }
            }
            Ok(Packet::InitEventRequest { connection }) => {
                match pending.take() {
                    Some((expected, command, _)) if expected == connection => {
                        if write_packet(&mut stream, &Packet::InitEventAck).is_err() {
                            continue;
                        }
                        busy.store(true, Ordering::SeqCst);
                        let (camera, busy, shutdown) =
                            (camera.clone(), busy.clone(), shutdown.clone());
                        thread::spawn(move || {
                            run_session(command, stream, &camera, &busy, &shutdown)
                        });
                    }
                    other => {
                        // Wrong number: refuse it, keep waiting for the right one.
                        pending = other;
                        let _ = write_packet(&mut stream, &Packet::InitFail { reason: 1 });
                    }
                }
            }
            Ok(Packet::ProbeRequest) => {
                let _ = write_packet(&mut stream, &Packet::ProbeResponse);
            }
            // Anything else opening a connection is not PTP/IP: drop it.
            Ok(_) | Err(_) => {}
        }
    }
    Ok(())
}

/// Serves one host: requests on `command`, events on `event`, until either side goes away.
/// The session ends (and the camera is free for the next host) before the sockets close, so a
/// host that sees the connection drop can reconnect at once.
fn run_session(
    command: TcpStream,
    event: TcpStream,
    camera: &Arc<Mutex<SimPtpCamera>>,
    busy: &AtomicBool,
    shutdown: &CancelToken,
) {
    let done = Arc::new(AtomicBool::new(false));
    let pump = {
        let (camera, shutdown, done) = (camera.clone(), shutdown.clone(), done.clone());
        let Ok(mut event) = event.try_clone() else {
            lock(&camera).connection_lost();
            busy.store(false, Ordering::SeqCst);
            return;
        };
        thread::spawn(move || {
            while !done.load(Ordering::SeqCst) && !shutdown.is_cancelled() {
                let next = {
                    let mut cam = lock(&camera);
                    if !cam.powered() {
                        break;
                    }
                    cam.next_event()
                };
                match next {
                    Some(e) => {
                        let packet = Packet::Event {
                            code: e.code,
                            transaction: e.transaction,
                            params: e.params,
                        };
                        if write_packet(&mut event, &packet).is_err() {
                            break;
                        }
                    }
                    None => thread::sleep(TICK),
                }
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let _ = serve_commands(command.try_clone(), camera, shutdown, &done);
    done.store(true, Ordering::SeqCst);
    let _ = pump.join();
    lock(camera).connection_lost();
    busy.store(false, Ordering::SeqCst);
    let _ = command.shutdown(Shutdown::Both);
    let _ = event.shutdown(Shutdown::Both);
}

fn serve_commands(
    command: io::Result<TcpStream>,
    camera: &Arc<Mutex<SimPtpCamera>>,
    shutdown: &CancelToken,
    done: &AtomicBool,
) -> Result<(), ReadError> {
    let mut command = command?;
    loop {
        // Wait for the next packet to begin, looking at the power switch meanwhile.
        command.set_read_timeout(Some(TICK))?;
        let mut probe = [0u8; 1];
        match command.peek(&mut probe) {
            Ok(0) => return Err(ReadError::Closed),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if shutdown.is_cancelled() || done.load(Ordering::SeqCst) || !lock(camera).powered()
                {
                    return Ok(());
                }
                continue;
            }
            Err(e) => return Err(ReadError::Io(e)),
        }
        command.set_read_timeout(Some(PACKET_TIMEOUT))?;
        let (request, data_phase) = match read_packet(&mut command)? {
            Packet::OperationRequest {
                data_phase,
                code,
                transaction,
                params,
            } => (
                Request {
                    code,
                    transaction,
                    params,
                },
                data_phase,
            ),
            Packet::ProbeRequest => {
                write_packet(&mut command, &Packet::ProbeResponse)?;
                continue;
            }
            // Out of step: a real camera drops the host.
            _ => return Ok(()),
        };
        let data_out = if data_phase == 2 {
            match receive_data(&mut command, request.transaction)? {
                Some(data) => Some(data),
                None => return Ok(()),
            }
        } else {
            None
        };
        let transaction = {
            let mut cam = lock(camera);
            if !cam.powered() {
                return Ok(());
            }
            cam.handle(&request, data_out.as_deref())
        };
        let tid = request.transaction;
        let mut out = Vec::new();
        let ok = transaction.response.code == rekam_drivers::ptp::code::rc::OK;
        if !transaction.data.is_empty() || (ok && SimPtpCamera::sends_data(request.code)) {
            encode_data_phase(&mut out, tid, &transaction.data);
        }
        out.extend(
            Packet::OperationResponse {
                code: transaction.response.code,
                transaction: tid,
                params: transaction.response.params,
            }
            .to_bytes(),
        );
        command.write_all(&out)?;
    }
}

/// Reads a host-to-camera data phase: StartData, then Data packets up to an EndData. `None` when
/// the host breaks the sequence.
fn receive_data(command: &mut TcpStream, tid: u32) -> Result<Option<Vec<u8>>, ReadError> {
    let total = match read_packet(command)? {
        Packet::StartData {
            transaction,
            total_length,
        } if transaction == tid => total_length,
        _ => return Ok(None),
    };
    if total > (16 << 20) {
        return Ok(None);
    }
    let mut data = Vec::with_capacity(total as usize);
    loop {
        let (payload, last) = match read_packet(command)? {
            Packet::Data {
                transaction,
                payload,
            } if transaction == tid => (payload, false),
            Packet::EndData {
                transaction,
                payload,
            } if transaction == tid => (payload, true),
            _ => return Ok(None),
        };
        if data.len() as u64 + payload.len() as u64 > total {
            return Ok(None);
        }
        data.extend_from_slice(&payload);
        if last {
            return Ok((data.len() as u64 == total).then_some(data));
        }
    }
}

/// A server running on its own thread; dropping it stops it.
pub struct Running {
    addr: std::net::SocketAddr,
    camera: Arc<Mutex<SimPtpCamera>>,
    shutdown: CancelToken,
    thread: Option<thread::JoinHandle<io::Result<()>>>,
}

impl Running {
    /// The address hosts connect to.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// The camera, to change its scene or inject faults while it serves.
    pub fn camera(&self) -> &Arc<Mutex<SimPtpCamera>> {
        &self.camera
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves `camera` on `listener` from a new thread (benches and tests: bind 127.0.0.1:0).
pub fn spawn(listener: TcpListener, camera: SimPtpCamera) -> io::Result<Running> {
    let addr = listener.local_addr()?;
    let camera = Arc::new(Mutex::new(camera));
    let shutdown = CancelToken::new();
    let thread = {
        let (camera, shutdown) = (camera.clone(), shutdown.clone());
        thread::spawn(move || serve(listener, camera, shutdown))
    };
    Ok(Running {
        addr,
        camera,
        shutdown,
        thread: Some(thread),
    })
}
