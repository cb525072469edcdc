//! Throttling of everything that checks a secret (sign-in per account and per address, second factors,
//! password confirmations) and of sign-up, in the database so every server sees the same counts.
//!
//! An attempt is recorded *before* it is evaluated, and only then are the other attempts counted: a
//! burst of parallel requests sees itself, so no more of them are evaluated than the policy allows. A
//! success (or a refusal) removes its record again; what stays are the failures (for `Failures`) or
//! the attempts (for `Rate`). Scopes are stored as a SHA-256 digest, so no input can grow a key.
//!
//! `Failures`: after `free` failures within the window, each further attempt must wait a delay that
//! doubles with every failure (30 s, 60 s, … at most 15 minutes) from the last one. Refused attempts
//! are not failures, so nobody can keep an account locked by hammering it.
//! `Rate`: at most `max` attempts within the window.

use super::repo;
use crate::db::{now_ms, Db};
use app::model::firewall::canonical_ip;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Failures { free: i64, window_ms: i64, base_delay_ms: i64, max_delay_ms: i64 },
    Rate { max: i64, window_ms: i64 },
}

impl Rule {
    fn window_ms(&self) -> i64 {
        match self {
            Rule::Failures { window_ms, .. } | Rule::Rate { window_ms, .. } => *window_ms,
        }
    }
}

/// Per account (or per email, whether or not it exists), per pending sign-in, per password check:
/// 5 failures in 15 minutes.
pub const ACCOUNT: Rule = Rule::Failures { free: 5, window_ms: 15 * 60_000, base_delay_ms: 30_000, max_delay_ms: 15 * 60_000 };
/// Per client address (IPv6 per /64): generous enough for an office behind one NAT.
pub const ADDRESS: Rule = Rule::Failures { free: 30, window_ms: 15 * 60_000, base_delay_ms: 30_000, max_delay_ms: 15 * 60_000 };

pub fn per_hour(max: u32) -> Rule {
    Rule::Rate { max: max as i64, window_ms: 3_600_000 }
}

/// What is counted together, and by which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    key: String,
    rule: Rule,
}

impl Scope {
    /// `label` may be anything (an email as typed): only its digest is stored.
    pub fn new(label: &str, rule: Rule) -> Scope {
        let key = hex::encode(Sha256::digest(label.as_bytes()));
        Scope { key, rule }
    }

    /// A client address's scope. IPv6 clients own a /64, so they are counted per /64; an IPv4 client
    /// on a dual-stack socket is counted as its IPv4 address.
    pub fn address(kind: &str, ip: Option<IpAddr>, rule: Rule) -> Option<Scope> {
        ip.map(|ip| Scope::new(&address_label(kind, ip), rule))
    }
}

fn address_label(kind: &str, ip: IpAddr) -> String {
    match canonical_ip(ip) {
        IpAddr::V4(v4) => format!("{kind}:ip:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{kind}:ip6:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// An attempt in progress: its records, to keep (a failure) or remove (a success).
#[must_use = "an attempt is either a failure or a success"]
#[derive(Debug)]
pub struct Attempt {
    rows: Vec<String>,
}

/// Records the attempt in every scope and decides whether it may go ahead. `Err(seconds)` when any
/// scope refuses it (its records are gone again: a refusal is not a failure).
pub async fn attempt(db: &Db, scopes: &[Scope]) -> anyhow::Result<Result<Attempt, u64>> {
    let now = now_ms();
    let mut conn = db.pool.acquire().await?;
    let mut rows = Vec::with_capacity(scopes.len());
    // Committed one by one before counting, so concurrent attempts on any database see each other.
    for s in scopes {
        let id = uuid::Uuid::new_v4().to_string();
        repo::insert_attempt(&mut conn, &id, &s.key, now).await?;
        rows.push(id);
    }
    let mut wait: Option<u64> = None;
    for (s, own) in scopes.iter().zip(&rows) {
        let (others, last, first) = repo::attempts_since(&mut conn, &s.key, now - s.rule.window_ms(), own).await?;
        let until = match s.rule {
            Rule::Failures { free, base_delay_ms, max_delay_ms, .. } if others >= free => {
                let doublings = (others - free).min(20) as u32;
                last.map(|l| l + base_delay_ms.saturating_mul(1i64 << doublings).min(max_delay_ms))
            }
            Rule::Rate { max, window_ms } if others >= max => first.map(|f| f + window_ms),
            _ => None,
        };
        if let Some(until) = until.filter(|u| *u > now) {
            wait = wait.max(Some(((until - now) as u64).div_ceil(1000)));
        }
    }
    match wait {
        Some(seconds) => {
            delete_rows(&mut conn, &rows).await?;
            Ok(Err(seconds))
        }
        None => Ok(Ok(Attempt { rows })),
    }
}

async fn delete_rows(conn: &mut crate::db::Conn, rows: &[String]) -> Result<(), sqlx::Error> {
    for id in rows {
        repo::delete_attempt(conn, id).await?;
    }
    Ok(())
}

impl Attempt {
    /// The attempt failed: its records stay, counted against every scope.
    pub fn failed(self) {}

    /// The attempt succeeded: its records go, and so does every earlier failure of `clear`.
    pub async fn succeeded(self, db: &Db, clear: &[&Scope]) -> anyhow::Result<()> {
        let mut conn = db.pool.acquire().await?;
        for s in clear {
            repo::clear_scope(&mut conn, &s.key).await?;
        }
        Ok(delete_rows(&mut conn, &self.rows).await?)
    }

    /// Not a failure, not a success (an attempt that was never evaluated): as if it had not happened.
    pub async fn forget(self, db: &Db) -> anyhow::Result<()> {
        let mut conn = db.pool.acquire().await?;
        Ok(delete_rows(&mut conn, &self.rows).await?)
    }

    /// Kept as they are (sign-up attempts count whether or not they succeed).
    pub fn keep(self) {}
}

/// Old rows are useless once outside every window.
pub async fn prune(db: &Db) -> anyhow::Result<u64> {
    let mut conn = db.pool.acquire().await?;
    Ok(repo::prune_attempts(&mut conn, now_ms() - 24 * 3_600_000).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_clients_as_themselves() {
        let a = address_label("login", "2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = address_label("login", "2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(a, "login:ip6:2001:db8:1:2::/64");
        assert_eq!(address_label("login", "192.0.2.7".parse().unwrap()), "login:ip:192.0.2.7");
        assert_eq!(address_label("login", "::ffff:192.0.2.7".parse().unwrap()), "login:ip:192.0.2.7");
        assert_ne!(
            address_label("login", "::ffff:127.0.0.2".parse().unwrap()),
            address_label("login", "::ffff:127.0.0.3".parse().unwrap())
        );
    }

    #[test]
    fn keys_have_a_fixed_length_whatever_the_input() {
        assert_eq!(Scope::new(&"a".repeat(900_000), ACCOUNT).key.len(), 64);
        assert_eq!(Scope::new("", ACCOUNT).key.len(), 64);
    }

    async fn db() -> (Db, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("zenith-throttle-{}", uuid::Uuid::new_v4().simple()));
        let db = crate::db::connect(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap();
        db.migrate().await.unwrap();
        (db, dir)
    }

    #[tokio::test]
    async fn each_scope_counts_only_failures_inside_its_own_window() {
        let (db, dir) = db().await;
        let strict = |window_ms| Rule::Failures { free: 1, window_ms, base_delay_ms: 3_600_000, max_delay_ms: 3_600_000 };
        let short = Scope::new("short", strict(60_000));
        let mut conn = db.pool.acquire().await.unwrap();
        for _ in 0..2 {
            repo::insert_attempt(&mut conn, &uuid::Uuid::new_v4().to_string(), &short.key, now_ms() - 10 * 60_000).await.unwrap();
        }
        drop(conn);
        let day = Scope::new("long", strict(86_400_000));
        let ok = attempt(&db, &[short.clone(), day.clone()]).await.unwrap();
        assert!(ok.is_ok(), "failures older than a scope's window do not count, even beside a scope with a longer one");
        ok.unwrap().forget(&db).await.unwrap();

        let wide = Scope { key: short.key.clone(), rule: strict(3_600_000) };
        let wait = attempt(&db, &[wide, day]).await.unwrap().err();
        assert!(wait.is_some_and(|s| (49 * 60..=50 * 60).contains(&s)), "inside the window they lock for the rest of the hour: {wait:?}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_parallel_burst_is_never_evaluated_more_often_than_the_policy_allows() {
        let (db, dir) = db().await;
        let scope = Scope::new("burst", ACCOUNT);
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let (db, scope) = (db.clone(), scope.clone());
                tokio::spawn(async move { attempt(&db, &[scope]).await.unwrap() })
            })
            .collect();
        let mut evaluated = 0;
        for t in tasks {
            if let Ok(a) = t.await.unwrap() {
                evaluated += 1;
                a.failed();
            }
        }
        assert!(evaluated <= 5, "{evaluated} of 40 parallel attempts were evaluated");
        // Refused attempts leave nothing behind (a burst whose rows all met each other may have
        // evaluated none): whatever follows is evaluated only up to the policy's five in all.
        let mut total = evaluated;
        while let Ok(a) = attempt(&db, std::slice::from_ref(&scope)).await.unwrap() {
            a.failed();
            total += 1;
            assert!(total <= 5, "attempt {total} was evaluated");
        }
        assert_eq!(total, 5, "five failures in all, then every attempt waits");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_rate_counts_attempts_and_says_when_the_oldest_leaves_the_window() {
        let (db, dir) = db().await;
        let s = Scope::new("signup", per_hour(3));
        for _ in 0..3 {
            attempt(&db, std::slice::from_ref(&s)).await.unwrap().unwrap().keep();
        }
        let wait = attempt(&db, &[s]).await.unwrap().unwrap_err();
        assert!((3590..=3600).contains(&wait), "{wait}");
        std::fs::remove_dir_all(dir).ok();
    }
}
