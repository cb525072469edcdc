//! Reverse DNS for every instance address (issue 26, being built in steps).
//!
//! This step holds the names: where an address's PTR lives and what its default is (`reverse`),
//! and the one rule for a name a customer gives (`app::model::ptr`). The next steps put them in
//! PowerDNS through its HTTP API (`ZENITH_PDNS_URL`) or serve them from Zenith itself with
//! hickory-server (`ZENITH_DNS_ADDR`), check names forward with hickory-resolver, and reconcile.

pub mod pdns;
pub mod reverse;
