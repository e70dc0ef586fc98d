//! `rekam sim ptpip`: prints the address it listens on first, then serves the simulated Canon
//! EOS camera over PTP/IP until killed.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use rekam_drivers::ptp::code::{op, rc};
use rekam_drivers::ptp::dataset::DeviceInfo;
use rekam_drivers::ptp::ptpip::PtpIpTransport;
use rekam_drivers::ptp::{DataPhase, PtpTransport, Request};

#[test]
fn the_ptpip_simulator_prints_its_address_first_and_answers_as_a_canon_eos() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["sim", "ptpip", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let addr: SocketAddr = line
        .trim_end()
        .parse()
        .expect("an address on the first line");
    assert_ne!(addr.port(), 0, "the bound port, not the requested one");
    let mut camera =
        PtpIpTransport::connect(addr, [1; 16], "rekam-cli-test", Duration::from_secs(5))
            .expect("PTP/IP handshake");
    let t = camera
        .transact(
            &Request {
                code: op::GET_DEVICE_INFO,
                transaction: 0,
                params: vec![],
            },
            DataPhase::In,
            Duration::from_secs(5),
        )
        .expect("GetDeviceInfo");
    assert_eq!(t.response.code, rc::OK);
    let info = DeviceInfo::parse(&t.data).expect("DeviceInfo");
    assert_eq!(info.manufacturer, "Canon Inc.");
    assert!(child.try_wait().expect("status").is_none(), "still serving");
    child.kill().expect("kill");
    child.wait().expect("reaped");
}
