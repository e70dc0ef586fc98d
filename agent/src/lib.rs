//! The rekam agent: the enrollment workstation daemon and the `rekam` command line.
//!
//! Contract: this crate does the I/O (files, clock, randomness, network) around the sans-IO
//! `rekam-protocol` core. Library code returns `anyhow` errors with context that names the file or
//! argument at fault; `main` prints them on one line and exits non-zero.

pub mod api;
pub mod capture;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod data_dir;
pub mod devices;
pub mod diagnostics;
pub mod files;
pub mod finalize;
pub mod health;
pub mod hotplug;
pub mod office;
pub mod operators;
pub mod preview;
pub mod sbi;
pub mod serve;
pub mod service;
pub mod store;
pub mod uploader;
pub mod workflow;
