//! The `rekam` binary: parses the command line, runs it, and on failure prints one line naming
//! the reason and exits with status 1.

use clap::Parser;
use rekam_agent::cli::Cli;

fn main() {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = rekam_agent::commands::run(cli, &mut stdout) {
        eprintln!("rekam: {e:#}");
        std::process::exit(1);
    }
}
