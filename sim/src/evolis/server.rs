//! The simulator on TCP (networked Evolis printers take jobs on raw port 9100), writing every
//! printed card as PNG.
//!
//! Contract: one connection is served at a time, in the order they arrive (a printer has one job
//! stream); the cards of a job are on disk, complete, before the reply to its `Se` is sent, each
//! written to a temporary file and renamed, so a reader never sees half a PNG. While the state
//! says unplugged, connections are closed at once. [`serve`] returns once `shutdown` is set.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use rekam_drivers::image::RgbImage;

use super::{EvolisState, PrintedCard, SimEvolis};

/// How often the server looks at `shutdown` and the unplugged state.
const POLL: Duration = Duration::from_millis(20);

/// The printer the server runs and where its cards go.
#[derive(Debug)]
pub struct SharedPrinter {
    sim: Mutex<SimEvolis>,
    out_dir: PathBuf,
}

impl SharedPrinter {
    /// A printer in `state` writing cards into `out_dir` (created if missing).
    pub fn new(state: EvolisState, out_dir: &Path) -> std::io::Result<Arc<Self>> {
        std::fs::create_dir_all(out_dir)?;
        Ok(Arc::new(Self {
            sim: Mutex::new(SimEvolis::new(state)),
            out_dir: out_dir.to_owned(),
        }))
    }

    /// The simulated printer, e.g. to inject a fault.
    pub fn lock(&self) -> MutexGuard<'_, SimEvolis> {
        // A panic while holding the lock cannot leave the simulator half-updated in a way that
        // matters to a test; keep serving.
        self.sim.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the printer's state.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut EvolisState) -> R) -> R {
        f(&mut self.lock().state)
    }

    /// Where cards are written.
    pub fn out_dir(&self) -> &Path {
        &self.out_dir
    }
}

/// The file a card side is written to.
pub fn card_path(dir: &Path, number: u32, side: &str) -> PathBuf {
    dir.join(format!("card-{number:04}-{side}.png"))
}

/// Serves `printer` on `listener` until `shutdown`.
pub fn serve(
    listener: TcpListener,
    printer: Arc<SharedPrinter>,
    shutdown: Arc<AtomicBool>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    while !shutdown.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                // A failed connection is that host's problem; the printer keeps serving.
                let _ = connection(stream, &printer, &shutdown);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn connection(
    mut stream: TcpStream,
    printer: &SharedPrinter,
    shutdown: &AtomicBool,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(POLL))?;
    printer.lock().reset_link();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if shutdown.load(Ordering::Relaxed) || printer.lock().state.unplugged {
            return Ok(());
        }
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let output = printer.lock().feed(&buf[..n]);
        for card in &output.printed {
            write_card(&printer.out_dir, card)?;
        }
        if output.disconnect {
            return Ok(());
        }
        if !output.reply.is_empty() {
            stream.write_all(&output.reply)?;
        }
    }
}

/// Writes both sides of `card` into `dir`, each atomically.
pub fn write_card(dir: &Path, card: &PrintedCard) -> std::io::Result<()> {
    write_png(&card_path(dir, card.number, "front"), &card.front)?;
    if let Some(back) = &card.back {
        write_png(&card_path(dir, card.number, "back"), back)?;
    }
    Ok(())
}

fn write_png(path: &Path, image: &RgbImage) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, image.width(), image.height());
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
        writer
            .write_image_data(image.pixels())
            .map_err(std::io::Error::other)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// A server running on its own thread.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The printer, to inject faults.
    pub printer: Arc<SharedPrinter>,
    shutdown: Arc<AtomicBool>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Stops the server and waits for it.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.halt()
    }

    fn halt(&mut self) -> std::io::Result<()> {
        self.shutdown.store(true, Ordering::Relaxed);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other(
                "the Evolis simulator thread panicked",
            )),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.halt();
    }
}

/// Binds `addr` and serves a printer in `state` writing into `out_dir` on a new thread.
pub fn spawn(addr: &str, state: EvolisState, out_dir: &Path) -> std::io::Result<Running> {
    let listener = TcpListener::bind(addr)?;
    let addr = listener.local_addr()?;
    let printer = SharedPrinter::new(state, out_dir)?;
    let shutdown = Arc::new(AtomicBool::new(false));
    let thread = {
        let printer = Arc::clone(&printer);
        let shutdown = Arc::clone(&shutdown);
        std::thread::Builder::new()
            .name("evolis-sim".into())
            .spawn(move || serve(listener, printer, shutdown))?
    };
    Ok(Running {
        addr,
        printer,
        shutdown,
        thread: Some(thread),
    })
}
