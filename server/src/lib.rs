#![recursion_limit = "256"]
//! Zenith's server: everything with I/O, and the `zenith` binary's commands.
//!
//! `startup` composes the application from `config`; `http` is the web surface; one folder per
//! feature (`auth`, `catalog`, `instances`, `jobs`, `firewall`, `keys`, `support`, `directory`, `tenancy`,
//! `audit`), each with its
//! service in `mod.rs` and its SQL in `repo.rs`, implements the UI's ports (`app::api::*`); `cloud`
//! is the only CloudStack client; `sim` is the embedded CloudStack simulator.

pub mod audit;
pub mod auth;
pub mod billing;
pub mod catalog;
pub mod cloud;
pub mod config;
pub mod crypto;
pub mod csv;
pub mod data_dir;
pub mod db;
pub mod demo;
pub mod directory;
pub mod dns;
pub mod error;
pub mod firewall;
pub mod http;
pub mod impersonation;
pub mod instances;
pub mod jobs;
pub mod keys;
pub mod mail;
pub mod metrics;
pub mod notifications;
pub mod sim;
pub mod snapshots;
pub mod sshkey;
pub mod startup;
pub mod support;
pub mod telemetry;
pub mod tenancy;
pub mod worker;
