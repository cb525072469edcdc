//! Integration tests: the real server on a random port, the embedded simulator, a temporary data
//! dir, SQLite (and PostgreSQL when `ZENITH_TEST_POSTGRES_URL` is set).

mod accounts;
mod billing;
mod capabilities;
mod cloud_client;
mod console;
mod console_panel;
mod faults;
mod firewall;
mod fleet;
mod graphs;
mod hardening;
mod helpers;
mod instances;
mod mail;
mod notices;
mod notifications;
mod operations;
mod reverse_dns;
mod security;
mod simulator;
mod snapshots;
mod support;
mod verification;
