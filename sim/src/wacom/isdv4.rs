//! An ISDV4 serial digitizer on a pseudo-terminal: it answers `*` with its 11-byte query reply,
//! stops on `0`, and on `1` streams the synthetic signer's pen as 9-byte packets (7-bit packed,
//! header bit on the first byte), paced at the signature's own 5 ms sample interval.
//!
//! Contract: `spawn_isdv4_pty` returns once the pty exists; clients open the path at 38400 baud.
//! Each `1` after the signature has been played starts it again (a retake). Faults:
//! [`Isdv4Handle::inject_garbage`] puts line noise before the next packet;
//! [`Isdv4Handle::unplug`] closes the pty, so the client reads a hang-up.

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rekam_drivers::signature::PadEvent;
use rekam_drivers::wacom::isdv4::{
    CMD_QUERY, CMD_START, CMD_STOP, PenPacket, QueryReply, encode_pen_packet,
};
use serialport::{SerialPort, TTYPort};

use crate::devices::SignerAction;
use crate::devices::signature::script_events;
use crate::r30x::pty::SimError;

/// The digitizer's range: the synthetic signature's 9600 x 6000 scaled by 2.5, so the driver's
/// ranges come from the query, not from an assumption.
pub const MAX_X: u16 = 24000;
/// See [`MAX_X`].
pub const MAX_Y: u16 = 15000;
/// 10-bit pressure.
pub const MAX_PRESSURE: u16 = 1023;

/// How the simulated digitizer behaves.
#[derive(Debug, Clone)]
pub struct Isdv4Config {
    /// Seed of the signer.
    pub seed: u64,
    /// Playback speed: 1.0 real time.
    pub speed: f64,
}

/// A running simulator; stops on drop.
pub struct Isdv4Handle {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    garbage: Arc<AtomicUsize>,
    queries: Arc<Mutex<Vec<u8>>>,
    thread: Option<JoinHandle<Result<(), SimError>>>,
}

impl Isdv4Handle {
    /// The pty path clients open.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts `n` bytes of line noise (no header bit) before the next packet.
    pub fn inject_garbage(&self, n: usize) {
        self.garbage.store(n, Ordering::SeqCst);
    }

    /// The commands received so far.
    pub fn commands(&self) -> Vec<u8> {
        self.queries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Pulls the cable: the pty closes and clients read a hang-up.
    pub fn unplug(mut self) -> Result<(), SimError> {
        self.shutdown()
    }

    /// Blocks until the serving thread ends (it ends only on error).
    pub fn wait(mut self) -> Result<(), SimError> {
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| SimError::Panicked)?,
            None => Ok(()),
        }
    }

    fn shutdown(&mut self) -> Result<(), SimError> {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| SimError::Panicked)?,
            None => Ok(()),
        }
    }
}

impl Drop for Isdv4Handle {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Starts the digitizer on a new pty; the signer signs.
pub fn spawn_isdv4_pty(config: Isdv4Config) -> Result<(PathBuf, Isdv4Handle), SimError> {
    spawn_isdv4_pty_scripted(config, &[SignerAction::Sign])
}

/// Starts the digitizer on a new pty with the person doing `script` (in the 9600 x 6000 units
/// of the synthetic signer, scaled to the digitizer's range), e.g. taps for a pad test.
pub fn spawn_isdv4_pty_scripted(
    config: Isdv4Config,
    script: &[SignerAction],
) -> Result<(PathBuf, Isdv4Handle), SimError> {
    let (mut master, slave) = TTYPort::pair()?;
    let path = PathBuf::from(slave.name().ok_or(SimError::NoPath)?);
    let stop = Arc::new(AtomicBool::new(false));
    let garbage = Arc::new(AtomicUsize::new(0));
    let queries = Arc::new(Mutex::new(Vec::new()));
    let packets = packet_script(config.seed, script);
    let speed = if config.speed.is_finite() && config.speed > 0.0 {
        config.speed
    } else {
        1.0
    };
    let thread = {
        let (stop, garbage, queries, shown) = (
            stop.clone(),
            garbage.clone(),
            queries.clone(),
            path.display().to_string(),
        );
        std::thread::Builder::new()
            .name("sim-isdv4".into())
            .spawn(move || {
                // Holding the slave keeps the master readable between client sessions; both
                // close when the thread ends, which clients see as a hang-up.
                let _slave = slave;
                let mut state = Serve {
                    packets,
                    speed,
                    garbage,
                    queries,
                };
                state
                    .run(&mut master, &stop)
                    .map_err(|source| SimError::Io {
                        path: shown,
                        source,
                    })
            })
            .map_err(|source| SimError::Io {
                path: path.display().to_string(),
                source,
            })?
    };
    let handle = Isdv4Handle {
        path: path.clone(),
        stop,
        garbage,
        queries,
        thread: Some(thread),
    };
    Ok((path, handle))
}

/// The signer's pen as packets with their script time.
fn packet_script(seed: u64, script: &[SignerAction]) -> Vec<(Duration, [u8; 9])> {
    let scale = |v: u16, max: u16| (u32::from(v) * 5 / 2).min(u32::from(max)) as u16;
    script_events(seed, script)
        .into_iter()
        .filter_map(|(at, e)| match e {
            PadEvent::Pen(s) => Some((
                at,
                encode_pen_packet(&PenPacket {
                    proximity: true,
                    tip: s.pressure > 0,
                    x: scale(s.x, MAX_X),
                    y: scale(s.y, MAX_Y),
                    pressure: s.pressure.min(MAX_PRESSURE),
                }),
            )),
            _ => None,
        })
        .collect()
}

struct Serve {
    packets: Vec<(Duration, [u8; 9])>,
    speed: f64,
    garbage: Arc<AtomicUsize>,
    queries: Arc<Mutex<Vec<u8>>>,
}

impl Serve {
    fn run(&mut self, master: &mut TTYPort, stop: &AtomicBool) -> std::io::Result<()> {
        let mut buf = [0u8; 64];
        // Sampling since when, from which script time (and the next packet to send).
        let mut sampling: Option<(Instant, Duration)> = None;
        let mut next = 0usize;
        while !stop.load(Ordering::SeqCst) {
            master.set_timeout(Duration::from_millis(2))?;
            match master.read(&mut buf) {
                Ok(n) => {
                    for &c in &buf[..n] {
                        self.queries
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(c);
                        match c {
                            CMD_STOP => sampling = None,
                            CMD_QUERY => {
                                let reply = QueryReply {
                                    max_x: MAX_X,
                                    max_y: MAX_Y,
                                    max_pressure: MAX_PRESSURE,
                                    tilt_x: 0,
                                    tilt_y: 0,
                                    version: 0x0305,
                                };
                                master.write_all(&reply.encode())?;
                            }
                            CMD_START if sampling.is_none() => {
                                if next >= self.packets.len() {
                                    next = 0; // a retake: the signer signs again
                                }
                                // Resume the script where it stopped.
                                let resume = self.packets.get(next).map_or(Duration::ZERO, |p| p.0);
                                sampling = Some((Instant::now(), resume));
                            }
                            // Other commands (touch query, baud changes) get no reply, as on a
                            // pen-only digitizer.
                            _ => {}
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::Interrupted => {
                }
                Err(e) => return Err(e),
            }
            let Some((since, offset)) = sampling else {
                continue;
            };
            let elapsed = offset.as_secs_f64() + since.elapsed().as_secs_f64() * self.speed;
            let mut out = Vec::new();
            while let Some(&(at, packet)) = self.packets.get(next) {
                if at.as_secs_f64() > elapsed {
                    break;
                }
                let noise = self.garbage.swap(0, Ordering::SeqCst);
                // Line noise: bytes without the header bit, which a receiver must skip.
                out.extend((0..noise).map(|i| (i as u8).wrapping_mul(37) & 0x7F));
                out.extend_from_slice(&packet);
                next += 1;
            }
            if !out.is_empty() {
                master.set_timeout(Duration::from_secs(2))?;
                master.write_all(&out)?;
            }
        }
        Ok(())
    }
}
