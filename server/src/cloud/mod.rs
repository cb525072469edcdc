//! The CloudStack HTTP API client: the only place in Zenith that builds a CloudStack request.
//!
//! `sign` computes signatures as CloudStack verifies them; `client` sends, unwraps envelopes, pages
//! lists and retries reads; `commands` has a typed function per command; `jobs` waits for async jobs;
//! `zones` fans a call out across zones with per-zone deadlines; `catalog` caches what rarely changes.
//! Secrets stay in `Credentials` and never reach a log line or an error.

pub mod catalog;
pub mod client;
pub mod commands;
pub mod error;
pub mod jobs;
#[cfg(test)]
mod samples;
pub mod sign;
pub mod types;
pub mod wire;
pub mod zones;

pub use client::{ClientConfig, CloudStack, Credentials};
pub use error::{CloudError, CloudFailure, InZone};
