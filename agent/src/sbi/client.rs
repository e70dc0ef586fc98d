//! Finding SBI device services: `MOSIPDISC` across a port range, all ports at once.
//!
//! Contract: [`discover`] asks every port of the range in parallel, each with its own short
//! timeout, and returns the services that answered with a discovery response that parses, in
//! port order; a port where nothing listens costs a refused connection (microseconds on
//! loopback), one that accepts but stays silent costs at most the timeout, so the whole range
//! takes about one timeout at worst. Answers that do not parse are reported per port rather than
//! hidden, so a misbehaving service is visible.

use std::ops::RangeInclusive;
use std::time::Duration;

use rekam_protocol::sbi::{
    DiscoverRequest, DiscoverType, DiscoveredDevice, parse_discover_response,
};

/// SBI's port range.
pub const PORTS: RangeInclusive<u16> = 4501..=4600;

/// What one port answered.
#[derive(Debug)]
pub struct Found {
    /// The port.
    pub port: u16,
    /// Its devices, or why its answer was refused.
    pub devices: Result<Vec<DiscoveredDevice>, String>,
}

/// Sends `MOSIPDISC /device` for `kind` to every port of `ports` on 127.0.0.1 at once.
pub async fn discover(
    client: &reqwest::Client,
    ports: RangeInclusive<u16>,
    kind: DiscoverType,
    timeout: Duration,
) -> Vec<Found> {
    let body = serde_json::to_vec(&DiscoverRequest { device_type: kind }).unwrap_or_default();
    let mut set = tokio::task::JoinSet::new();
    for port in ports {
        let client = client.clone();
        let body = body.clone();
        set.spawn(async move { (port, ask(&client, port, body, timeout).await) });
    }
    let mut found = Vec::new();
    while let Some(done) = set.join_next().await {
        if let Ok((port, Some(devices))) = done {
            found.push(Found { port, devices });
        }
    }
    found.sort_by_key(|f| f.port);
    found
}

/// `None`: nothing answered on `port` (refused, reset or silent).
async fn ask(
    client: &reqwest::Client,
    port: u16,
    body: Vec<u8>,
    timeout: Duration,
) -> Option<Result<Vec<DiscoveredDevice>, String>> {
    let method = reqwest::Method::from_bytes(b"MOSIPDISC").ok()?;
    let answer = client
        .request(method, format!("http://127.0.0.1:{port}/device"))
        .header("content-type", "application/json")
        .body(body)
        .timeout(timeout)
        .send()
        .await
        .ok()?;
    let bytes = match tokio::time::timeout(timeout, answer.bytes()).await {
        Ok(Ok(b)) => b,
        _ => return Some(Err("the answer did not arrive in time".into())),
    };
    Some(parse_discover_response(&bytes).map_err(|e| e.to_string()))
}
