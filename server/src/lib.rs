#![recursion_limit = "256"]
//! Zenith's server: everything with I/O, and the `zenith` binary's commands.
//!
//! `startup` composes the application from `config`; `http` is the web surface; `auth`, `tenancy`,
//! `instances` and `audit` are the services behind the UI's server functions (via `app::ports`);
//! `cloud` is the only CloudStack client; `sim` is the embedded CloudStack simulator.

pub mod audit;
pub mod auth;
pub mod cloud;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod instances;
pub mod sim;
pub mod sshkey;
pub mod startup;
pub mod telemetry;
pub mod tenancy;
pub mod worker;
