//! Discovery finds the R30x simulator behind a pseudo-terminal by probing, as it would find a real
//! module behind a USB-serial bridge.

use std::time::Duration;

use rekam_drivers::discovery::probe_r30x;
use rekam_sim::r30x::spawn_pty;

#[test]
fn probing_the_simulators_pty_identifies_an_r30x_module() {
    let (path, handle) = spawn_pty(8).expect("simulator");
    let identity = probe_r30x(
        path.to_str().expect("utf8 path"),
        57_600,
        Duration::from_millis(500),
    )
    .expect("the probe recognises the module");
    assert_eq!(identity.vendor, "Grow/ZhianTec");
    assert_eq!(identity.location, path.to_str().expect("utf8"));
    handle.stop().expect("stops");
}
