//! The `rekam` binary: parses the command line, runs it, and on failure prints one line naming
//! the reason and exits with status 1.

use clap::Parser;
use rekam_agent::cli::Cli;

// A day of captures frees many large image buffers from many threads; glibc's allocator kept
// them in per-thread arenas and the daemon grew all day (see `cargo bench --bench soak`).
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = rekam_agent::commands::run(cli, &mut stdout) {
        eprintln!("rekam: {e:#}");
        std::process::exit(1);
    }
}
