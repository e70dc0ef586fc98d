//! Cross-crate scenarios for rekam: behaviour that spans the protocol, simulators and agent, and
//! the benchmarks that measure it. The library itself is empty; the tests live in `tests/` and the
//! benchmarks in `benches/`.
