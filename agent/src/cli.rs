//! The `rekam` command line: argument definitions only; the work is in [`crate::commands`].

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// rekam: biometric enrollment workstation agent.
#[derive(Parser, Debug)]
#[command(name = "rekam", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// A complete enrollment on simulated devices: starts a registry simulator and the agent,
    /// enrolls a synthetic resident through the local API, and follows the packet to the
    /// registry's receipt. Uses a temporary directory; needs no setup.
    Demo {
        /// Keep the files here instead of a temporary directory (must not exist yet).
        #[arg(long)]
        keep: Option<PathBuf>,
    },
    /// Run the agent daemon: the local API, the devices and the uploader.
    Serve {
        /// Configuration file (TOML); keys not given keep their defaults.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Use simulated devices (and create missing keys), with no configuration needed.
        #[arg(long)]
        simulated: bool,
        /// Data directory (overrides agent.data_dir).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// API address (overrides agent.listen; loopback only).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Registry URL (overrides registry.url).
        #[arg(long)]
        registry: Option<String>,
    },
    /// Generate keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Measure capture quality of image files.
    #[command(subcommand)]
    Quality(QualityCommand),
    /// Build, inspect and open enrollment packets.
    #[command(subcommand)]
    Packet(PacketCommand),
    /// Devices attached to this workstation.
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// The outbox of sealed packets waiting for the registry.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Check the agent database's audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Examine the store: integrity_check of the database, the audit chain and its anchor, the
    /// outbox and file modes; exit 1 naming each problem.
    Doctor {
        /// Configuration file (TOML) as given to `rekam serve`: its data directory is examined.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Data directory (overrides agent.data_dir).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The database itself (its directory is the data directory).
        #[arg(long, conflicts_with_all = ["config", "data_dir"])]
        db: Option<PathBuf>,
    },
    /// Recover from a damaged store.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Operator accounts in the agent's own store: add, list, disable, enable, reset a password,
    /// issue an API token. Every change is in the audit log.
    #[command(subcommand)]
    Operators(OperatorsCommand),
    /// Run device simulators, for technicians and for testing clients.
    #[command(subcommand)]
    Sim(SimCommand),
    /// The e-KTP card front as the card printer prints it.
    #[command(subcommand)]
    Card(CardCommand),
    /// Card issuance: the print queue, printing, and the blank-card stock.
    #[command(subcommand)]
    Cards(CardsCommand),
    /// MOSIP SBI 0.9.5: rekam's devices as SBI devices for a MOSIP registration client.
    #[command(subcommand)]
    Sbi(SbiCommand),
    /// By-name-by-address worklists: import the office's lists, list, close entries with an
    /// outcome, confirm matches, export the outcomes.
    #[command(subcommand)]
    Worklist(crate::commands::worklist::WorklistCommand),
    /// Mobile-unit visits ("jemput bola"): plan, open, close with figures, list, and suggest the
    /// next ones by backlog.
    #[command(subcommand)]
    Visit(crate::commands::visit::VisitCommand),
    /// Figures over a period (started, finalized, delivered, rejected, exceptions, forced,
    /// median time, cards) grouped by day, operator, kecamatan, desa or unit.
    Figures(crate::commands::figures::FiguresArgs),
    /// Daily and period reports as signed printable HTML, and checking one's signature.
    #[command(subcommand)]
    Report(crate::commands::figures::ReportCommand),
    /// The local API's contract.
    #[command(subcommand)]
    Api(ApiCommand),
}

/// `rekam api ...`
#[derive(Subcommand, Debug)]
pub enum ApiCommand {
    /// Print the OpenAPI document the daemon serves at /openapi.json.
    Openapi,
}

/// `rekam sbi ...`
#[derive(Subcommand, Debug)]
pub enum SbiCommand {
    /// Serve the workstation's devices (fingerprint slaps and thumbs, face, irises) as a MOSIP
    /// SBI 0.9.5 device service on http://127.0.0.1:PORT (verbs MOSIPDISC, MOSIPDINFO,
    /// RCAPTURE, STREAM).
    Serve {
        /// Configuration file (TOML) naming the devices, as for `rekam serve`.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Use the simulated devices.
        #[arg(long)]
        simulated: bool,
        /// Port, in SBI's range 4501-4600.
        #[arg(long, default_value_t = 4501)]
        port: u16,
        /// Directory with the device key and certificate from `rekam keys sbi-device-new`;
        /// without it the devices answer as unregistered.
        #[arg(long)]
        keys: Option<PathBuf>,
        /// The `env` reported in device info and captures.
        #[arg(long, default_value = "Developer")]
        env: String,
    },
}

/// `rekam cards ...`
#[derive(Subcommand, Debug)]
pub enum CardsCommand {
    /// The print queue: orders waiting, being printed and printed, oldest first.
    Queue {
        /// The agent's store.
        #[command(flatten)]
        store: AgentStore,
        /// Also the orders whose cards were collected.
        #[arg(long)]
        all: bool,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Print orders on the card printer (the chip written and read back first); exit 1 when an
    /// order was not printed.
    Print {
        /// The agent's store and devices.
        #[command(flatten)]
        store: AgentStore,
        /// The orders to print, in this order.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        order_ids: Vec<String>,
        /// Every order waiting, oldest first.
        #[arg(long)]
        all: bool,
        /// The operator printing (recorded in the audit log and the card-printed report).
        #[arg(long)]
        by: String,
        /// Print on the simulated printer and encoder.
        #[arg(long)]
        simulated: bool,
    },
    /// The blank-card stock: level, usage rate, days left, the run-out alert, today's cards
    /// against the daily target (exit 0 whatever the level).
    Stock {
        /// The agent's store.
        #[command(flatten)]
        store: AgentStore,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Receive a batch of blank cards with its serial range.
    Receive {
        /// The agent's store.
        #[command(flatten)]
        store: AgentStore,
        /// The batch's id (from the delivery note).
        #[arg(long)]
        batch: String,
        /// The serials' prefix (e.g. KTP-2026A-); serials are the prefix and six digits.
        #[arg(long)]
        prefix: String,
        /// The first serial number.
        #[arg(long)]
        first: u64,
        /// The last serial number (inclusive).
        #[arg(long)]
        last: u64,
        /// Who received it.
        #[arg(long)]
        by: String,
    },
    /// Hand a printed card over: verify one chip finger of the resident on the scanner against
    /// the order's template (exit 1 when it does not match or cannot be read).
    Pickup(crate::commands::cards_pickup::PickupArgs),
}

/// `rekam card ...`
#[derive(Subcommand, Debug)]
pub enum CardCommand {
    /// Render a card front to PNG (1016x648 dots, 300 dpi) from a sealed enrollment packet or a
    /// registry print order, and optionally its printer panels (colour, black, overlay).
    Render(CardRenderArgs),
}

/// `rekam card render` arguments.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["packet", "order"])))]
pub struct CardRenderArgs {
    /// A sealed enrollment packet (opened with --registry-key and --trust).
    #[arg(long, requires_all = ["registry_key", "trust"])]
    pub packet: Option<PathBuf>,
    /// The registry private key (PEM), to open --packet.
    #[arg(long, requires = "packet")]
    pub registry_key: Option<PathBuf>,
    /// A trusted workstation public key file, or a directory of `*.pub` files, to verify --packet.
    /// Repeatable.
    #[arg(long, requires = "packet")]
    pub trust: Vec<PathBuf>,
    /// Date of issue printed for --packet, DD-MM-YYYY (default: today, UTC).
    #[arg(long, requires = "packet")]
    pub issue_date: Option<String>,
    /// A print order from the registry (SignedPrintOrder JSON). Its content is checked; its
    /// signature only with --registry-pub and --office.
    #[arg(long)]
    pub order: Option<PathBuf>,
    /// The registry's receipt-signing public key (`receipt.pub` from `rekam keys registry-new`)
    /// to verify --order's signature.
    #[arg(long, requires_all = ["order", "office"])]
    pub registry_pub: Option<PathBuf>,
    /// This office's site code, which a verified --order must name.
    #[arg(long, requires = "registry_pub")]
    pub office: Option<String>,
    /// Where to write the card (PNG); replaced if it exists.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the panels here (colour.png, black.png, overlay.png); created if missing.
    #[arg(long)]
    pub panels: Option<PathBuf>,
}

/// `rekam sim ...`
#[derive(Subcommand, Debug)]
pub enum SimCommand {
    /// Simulate a Grow/ZhianTec R30x UART fingerprint module on a pseudo-terminal. Prints the pty
    /// path as the first line, then serves until killed.
    R30x {
        /// Serve on a pseudo-terminal (the only transport so far).
        #[arg(long, required = true)]
        pty: bool,
        /// Seed of the simulated person and module.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Simulate an Evolis card printer (A5013 command set) on TCP, writing every printed card as
    /// PNG into --out. Prints the listening address as the first line, then serves until killed.
    Evolis {
        /// Address to listen on (9100: the raw printing port of networked Evolis printers).
        #[arg(long, default_value = "127.0.0.1:9100")]
        listen: std::net::SocketAddr,
        /// Folder for card-NNNN-front.png and card-NNNN-back.png.
        #[arg(long)]
        out: PathBuf,
    },
    /// Simulate a Wacom ISDV4 serial pen digitizer on a pseudo-terminal (38400 baud): prints
    /// the pty path as the first line, then streams a synthetic signature on each start command.
    Isdv4 {
        /// Serve on a pseudo-terminal (the only transport).
        #[arg(long, required = true)]
        pty: bool,
        /// Seed of the simulated signer.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Run a registry simulator: opens and verifies packets, answers with signed receipts, and
    /// issues print orders for the packets it accepts.
    Registry {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:7490")]
        listen: std::net::SocketAddr,
        /// The registry's private sealing key (PEM).
        #[arg(long)]
        registry_key: PathBuf,
        /// The receipt-signing key (PEM); default: receipt.key beside the registry key.
        #[arg(long)]
        receipt_key: Option<PathBuf>,
        /// Trusted workstation public keys: files or directories of `*.pub`. Repeatable.
        #[arg(long, required = true)]
        trust: Vec<PathBuf>,
        /// Registry id put in receipts; default: the id in receipt.pub beside the receipt key.
        #[arg(long)]
        id: Option<String>,
        /// Share of uploads to answer 503, to exercise retries (0.0-1.0).
        #[arg(long, default_value_t = 0.0)]
        unavailable_rate: f64,
        /// Issue each accepted packet's print order this long after accepting it (served to the
        /// office that recorded it from then on).
        #[arg(long, default_value_t = 3000)]
        print_delay_ms: u64,
        /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Simulate a Canon EOS camera on PTP/IP (JPEG stills and live view of a synthetic sitter).
    /// Prints the listening address as the first line, then serves until killed.
    Ptpip {
        /// Address to listen on (15740 is the PTP/IP port libgphoto2 connects to).
        #[arg(long, default_value = "127.0.0.1:15740")]
        listen: std::net::SocketAddr,
        /// Seed of the simulated sitter.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write synthetic portraits (600x800 JPEG) with a JSON sidecar of the scene parameters.
    Faces {
        /// Seed of the set.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many portraits.
        #[arg(long, default_value_t = 10)]
        count: u32,
        /// Directory to write `face-NNNN.jpg` and `face-NNNN.json` into (created).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write synthetic fingerprint impressions (SFinGe-style, 8-bit gray PNG at 500 ppi) named
    /// `sSUBJECT_fFINGER_iIMPRESSION.png`, fingers 1-10 as in ANSI/NIST.
    Prints {
        /// Seed of the set.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many subjects (ten fingers each).
        #[arg(long, default_value_t = 1)]
        subjects: u32,
        /// Impressions per finger.
        #[arg(long, default_value_t = 2)]
        impressions: u32,
        /// Skin and contact condition of every impression.
        #[arg(long, default_value = "good", value_parser = ["good", "dry", "wet", "partial", "noisy"])]
        condition: String,
        /// Directory to write into (created; existing prints are never replaced).
        #[arg(long, default_value = "prints")]
        out: PathBuf,
    },
}

/// The placement a slap image shows.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlapKindArg {
    /// Right index to little (FGP 13).
    Right,
    /// Left index to little (FGP 14).
    Left,
    /// Both thumbs (FGP 15).
    Thumbs,
}

/// `rekam quality ...`
#[derive(Subcommand, Debug)]
pub enum QualityCommand {
    /// NFIQ 2.3 of fingerprints: PNG (8-bit gray), PGM, WSQ, or each finger in an ANSI/NIST-ITL file.
    Finger {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per image with every feature.
        #[arg(long)]
        json: bool,
    },
    /// Slap segmentation: each fingertip of a four-finger or two-thumb image with its position,
    /// box and NFIQ 2, and the fingers missing. PNG (8-bit gray), PGM, WSQ, or the slap records
    /// (FGP 13, 14, 15) of an ANSI/NIST-ITL file.
    Slap {
        /// The file.
        file: PathBuf,
        /// The placement; for an ANSI/NIST-ITL file it defaults to each record's own (FGP).
        #[arg(long, value_enum)]
        kind: Option<SlapKindArg>,
        /// One JSON object per slap.
        #[arg(long)]
        json: bool,
    },
    /// Face photo checks (ICAO geometry, exposure, sharpness, backdrop and the e-KTP colour rule).
    Face {
        /// The photo (PNG or JPEG).
        file: PathBuf,
        /// The resident's birth year: the backdrop must be red (odd) or blue (even).
        #[arg(long, conflicts_with = "foreign")]
        birth_year: Option<i32>,
        /// A foreign resident: the backdrop must be orange.
        #[arg(long)]
        foreign: bool,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Signature checks over a pen series (JSON: max_x, max_y, max_pressure, samples).
    Signature {
        /// The pen series.
        file: PathBuf,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Iris image checks (8-bit gray PNG).
    Iris {
        /// The image.
        file: PathBuf,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// `rekam keys ...`
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create a workstation signing key: DIR/workstation.key (PKCS#8 PEM, mode 0600) and
    /// DIR/workstation.pub (one-line public key to give the registry).
    WorkstationNew {
        /// Directory to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Workstation id (1-64 of A-Z a-z 0-9 . _ -); default derived from the key.
        #[arg(long)]
        id: Option<String>,
        /// Signature algorithm.
        #[arg(long, default_value = "ed25519", value_parser = ["ed25519", "ecdsa-p256-sha256"])]
        algorithm: String,
    },
    /// Create an SBI device key: DIR/sbi-device.key (RSA-2048, PKCS#8 PEM, mode 0600) and
    /// DIR/sbi-device.crt (its self-signed certificate, the SBI client's trust anchor).
    SbiDeviceNew {
        /// Directory to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Create the registry's keys: DIR/registry.key + registry.pub (X25519, packets are sealed
    /// to it) and DIR/receipt.key + receipt.pub (Ed25519, receipts are signed with it).
    RegistryNew {
        /// Directory to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Registry id put in receipts; default derived from the key.
        #[arg(long)]
        id: Option<String>,
    },
}

/// `rekam packet ...`
#[derive(Subcommand, Debug)]
pub enum PacketCommand {
    /// Walk through the packet life cycle on a synthetic enrollment: keys, seal, inspect, open,
    /// and a tampered copy rejected. Uses a temporary directory; needs no setup.
    Demo {
        /// Keep the files here instead of a temporary directory (must not exist yet).
        #[arg(long)]
        keep: Option<PathBuf>,
    },
    /// Seal a complete synthetic enrollment, for trying things out.
    Sample {
        /// The workstation private key (PEM).
        #[arg(long)]
        workstation_key: PathBuf,
        /// The registry public key (text form).
        #[arg(long)]
        registry_pub: PathBuf,
        /// Where to write the sealed packet (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the synthetic resident.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Workstation id; default: the id in the .pub file beside the key.
        #[arg(long)]
        workstation_id: Option<String>,
    },
    /// Show what can be seen without keys.
    Inspect {
        /// The sealed packet.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Open and fully verify a packet; print a summary and optionally export its parts.
    Open {
        /// The registry private key (PEM).
        #[arg(long)]
        registry_key: PathBuf,
        /// A trusted workstation public key file, or a directory of `*.pub` files. Repeatable.
        #[arg(long, required = true)]
        trust: Vec<PathBuf>,
        /// The sealed packet.
        file: PathBuf,
        /// Export every part into this directory (created; existing files are not replaced).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Open and fully verify a packet, then write its enrollment (fingers, face, irises,
    /// signature, demographics) in an interchange format.
    Export {
        /// The registry private key (PEM).
        #[arg(long)]
        registry_key: PathBuf,
        /// A trusted workstation public key file, or a directory of `*.pub` files. Repeatable.
        #[arg(long, required = true)]
        trust: Vec<PathBuf>,
        /// The sealed packet.
        file: PathBuf,
        /// The format to write.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// Originating agency (an2: 1.008 ORI); default: the enrollment's site code.
        #[arg(long)]
        originating_agency: Option<String>,
        /// Destination agency (an2: 1.007 DAI).
        #[arg(long, default_value = "DUKCAPIL")]
        destination_agency: String,
        /// cbeff: finger images as stored (WSQ) or lossless JPEG 2000, as MOSIP's records hold.
        #[arg(long, value_enum, default_value = "jp2-lossless")]
        finger_compression: ExportImageEncoding,
        /// cbeff: the face and exception photos as stored (JPEG/PNG) or lossless JPEG 2000.
        #[arg(long, value_enum, default_value = "jp2-lossless")]
        face_compression: ExportImageEncoding,
        /// cbeff: irises as stored (PNG) or lossless JPEG 2000.
        #[arg(long, value_enum, default_value = "jp2-lossless")]
        iris_compression: ExportImageEncoding,
    },
}

/// How `rekam packet export --format cbeff` writes an image.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportImageEncoding {
    /// As stored in the packet (fingers: WSQ; faces: JPEG or PNG; irises: PNG).
    #[value(alias = "wsq")]
    Stored,
    /// Lossless JPEG 2000 (JP2) of the decoded pixels.
    Jp2Lossless,
}

/// The formats `rekam packet export` writes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// ANSI/NIST-ITL 1-2011, traditional encoding (Type-1, -2, -8, -10, -14, -17 records).
    An2,
    /// CBEFF (ISO/IEC 19785-3 XML, as MOSIP packets carry it) around ISO/IEC 19794-4/-5/-6:2011
    /// records of each finger, the face and the irises.
    Cbeff,
}

impl ExportFormat {
    /// The name as given on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::An2 => "an2",
            ExportFormat::Cbeff => "cbeff",
        }
    }
}

/// `rekam audit ...`
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the hash chain of the audit log and compare its end with the anchor file beside the
    /// database (`<db>.audit-head`); exit 1 naming the first altered or missing entry, or the
    /// truncation.
    Verify {
        /// The agent database.
        #[arg(long)]
        db: PathBuf,
    },
}

/// `rekam store ...`
#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Copy everything readable out of a damaged database, only reading it: pending packets to
    /// DIR/pending (for `rekam outbox import`), delivered and rejected ones, the audit entries
    /// (DIR/audit.jsonl), and a report of what could not be read (DIR/salvage.txt).
    Salvage {
        /// The damaged database.
        #[arg(long)]
        db: PathBuf,
        /// A new (or empty) directory to write into.
        #[arg(long)]
        to: PathBuf,
    },
}

/// Where `rekam operators` finds the agent's store: the same `--config` as `rekam serve` (without
/// it, the built-in defaults `rekam serve --simulated` uses), and `--data-dir` to override.
#[derive(clap::Args, Debug, Clone)]
pub struct AgentStore {
    /// Configuration file (TOML) as given to `rekam serve`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Data directory (overrides agent.data_dir).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// `rekam operators ...`
#[derive(Subcommand, Debug)]
pub enum OperatorsCommand {
    /// Add an account; the password is asked on the terminal (twice, not shown), or read from
    /// the first line of standard input with --password-stdin.
    Add {
        /// The agent's store.
        #[command(flatten)]
        store: AgentStore,
        /// Login id, as the audit log and packets record it (letters, digits, '.', '_', '-').
        #[arg(long)]
        id: String,
        /// Full name, as screens show it.
        #[arg(long)]
        name: String,
        /// What the account may do.
        #[arg(long, value_parser = ["operator", "supervisor", "technician", "admin"])]
        role: String,
        /// Read the password from standard input instead of the terminal.
        #[arg(long)]
        password_stdin: bool,
        /// Also take the operator's own finger on the scanner, for `[policy] operator_fingerprint`.
        #[arg(long)]
        fingerprint: bool,
        /// Which finger (ISO position 1-10; 2 is the right index).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=10))]
        finger: u8,
    },
    /// Take (again) the operator's own finger on the scanner, kept sealed as their second factor.
    Finger {
        /// The agent's store.
        #[command(flatten)]
        store: AgentStore,
        /// The account.
        id: String,
        /// Which finger (ISO position 1-10; 2 is the right index).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=10))]
        finger: u8,
    },
    /// List accounts: id, name, role, enabled, locked until.
    List {
        /// The agent's store.
        #[command(flatten)]
        store: AgentStore,
    },
    /// Disable an account: it can no longer sign in, and its API token is refused.
    Disable {
        /// The agent's store.
        #[command(flatten)]
        store: AgentStore,
        /// The account.
        id: String,
    },
    /// Enable an account again (and clear a lock).
    Enable {
        /// The agent's store.
        #[command(flatten)]
        store: AgentStore,
        /// The account.
        id: String,
    },
    /// Set a new password (and clear a lock).
    Passwd {
        /// The agent's store.
        #[command(flatten)]
        store: AgentStore,
        /// The account.
        id: String,
        /// Read the password from standard input instead of the terminal.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a new API token for the account, once (only its SHA-256 is kept); the account's
    /// earlier token stops working.
    Token {
        /// The agent's store.
        #[command(flatten)]
        store: AgentStore,
        /// The account.
        id: String,
    },
}

/// `rekam outbox ...`
#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// Count packets by delivery state.
    Status {
        /// The agent database.
        #[arg(long)]
        db: PathBuf,
    },
    /// Make every pending packet due for upload now (rejected packets stay rejected), or with
    /// --rejected, requeue one packet the registry rejected (a supervisor's decision, audited).
    Retry {
        /// The agent database.
        #[arg(long)]
        db: PathBuf,
        /// Requeue this rejected packet (its packet id).
        #[arg(long, value_name = "PACKET_ID", requires_all = ["by", "reason"])]
        rejected: Option<String>,
        /// The supervisor who decides it (recorded in the audit log).
        #[arg(long, value_name = "SUPERVISOR_ID", requires = "rejected")]
        by: Option<String>,
        /// Why it is sent again (recorded in the audit log).
        #[arg(long, requires = "rejected")]
        reason: Option<String>,
    },
    /// Copy pending packets to a directory (removable media) as `<packet id>.rkp`; a damaged copy
    /// already there is replaced, every copy is read back and checked.
    Export {
        /// The agent database.
        #[arg(long)]
        db: PathBuf,
        /// Destination directory.
        #[arg(long)]
        to: PathBuf,
        /// Also the packets the registry rejected, each with its signed rejection
        /// (`<packet id>.rejection.json`), for a supervisor.
        #[arg(long)]
        include_rejected: bool,
    },
    /// Queue the packets in a directory (from removable media) for upload from this machine.
    /// Every file is judged on its own; exits 1 when any file was refused.
    Import {
        /// The agent database.
        #[arg(long)]
        db: PathBuf,
        /// The agent configuration, for `agent.max_packet_bytes` (default: the built-in limit).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Directory holding `<packet id>.rkp` files.
        dir: PathBuf,
    },
}

/// `rekam devices ...`
#[derive(Subcommand, Debug)]
pub enum DevicesCommand {
    /// List serial ports (with what their USB ids suggest) or, with `--simulated`, the simulators.
    List {
        /// List the simulated devices that `--simulated` runs use instead of hardware.
        #[arg(long)]
        simulated: bool,
        /// Probe each serial port for an R30x fingerprint module (writes to the ports).
        #[arg(long)]
        probe: bool,
        /// Also list paths matching this pattern as serial ports (repeatable), for ports that
        /// enumeration does not report, e.g. '/dev/pts/[0-9]*' for pseudo-terminals.
        #[arg(long = "serial-glob", value_name = "PATTERN")]
        serial_globs: Vec<String>,
        /// Probe a PTP/IP camera at this address (repeatable; PTP/IP cameras are not
        /// enumerated): connect, read its identity, disconnect.
        #[arg(long = "ptpip", value_name = "HOST[:PORT]")]
        ptpip: Vec<String>,
    },
    /// Print one line per device arrival or departure (serial ports, configured paths, USB)
    /// until interrupted.
    Watch {
        /// Poll interval in milliseconds (libusb hot-plug callbacks wake it sooner where offered).
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..=60_000))]
        interval_ms: u64,
        /// Plug and unplug a simulated R30x module on a pseudo-terminal every few intervals, and
        /// watch for it.
        #[arg(long)]
        simulated: bool,
        /// Also watch paths matching this pattern (repeatable), e.g. '/dev/pts/[0-9]*'.
        #[arg(long = "serial-glob", value_name = "PATTERN")]
        serial_globs: Vec<String>,
        /// Probe arriving serial ports for an R30x module (writes to them).
        #[arg(long)]
        probe: bool,
        /// Stop after this many arrivals and departures.
        #[arg(long)]
        count: Option<u64>,
    },
    /// Test each device (identity, open/close, timing, class checks with pass/fail limits),
    /// write an HTML report with the pictures taken and a JSON twin, and record it in the audit
    /// log; exit 1 if any check fails.
    Test(DevicesTestArgs),
    /// Calibrate the camera (exposure compensation and white balance until the backdrop
    /// measures right), then test it; the same as `devices test camera --calibrate`.
    Calibrate {
        /// The device to calibrate.
        #[arg(value_parser = ["camera"])]
        class: String,
        /// Everything `devices test` takes.
        #[command(flatten)]
        args: DevicesTestArgs,
    },
}

/// What `rekam devices test` takes.
#[derive(clap::Args, Debug, Clone)]
pub struct DevicesTestArgs {
    /// One class to test (all when omitted).
    #[arg(value_parser = ["fingerprint", "camera", "signature-pad", "iris", "printer"])]
    pub test_class: Option<String>,
    /// Test the simulated kit instead of the configured devices.
    #[arg(long)]
    pub simulated: bool,
    /// Folder for the report (default: DATA_DIR/reports/devices-TIMESTAMP).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Calibrate the camera before testing it.
    #[arg(long)]
    pub calibrate: bool,
    /// The backdrop colour the camera should see (default: the e-KTP colour nearest it).
    #[arg(long, value_parser = ["red", "blue", "orange"])]
    pub backdrop: Option<String>,
    /// The agent's configuration and data directory, as `rekam serve` takes them.
    #[command(flatten)]
    pub store: AgentStore,
}
