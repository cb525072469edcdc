//! Throttling of secret-guessing: failed sign-ins (per account and per client address), 2FA codes
//! and password changes. Failures are rows in the database, so every server sees the same counts.
//!
//! After `free` failures within the window, each further attempt must wait a delay that doubles with
//! every failure (30 s, 60 s, 120 s … at most 15 minutes) counted from the last failure. Attempts
//! refused while waiting are not failures themselves, so nobody can keep an account locked by
//! hammering it; once the wait is over the right secret works.

use crate::db::{now_ms, Db};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub free: i64,
    pub window_ms: i64,
    pub base_delay_ms: i64,
    pub max_delay_ms: i64,
}

/// Per account (or per email, whether or not it exists): 5 failures in 15 minutes.
pub const ACCOUNT: Policy = Policy { free: 5, window_ms: 15 * 60_000, base_delay_ms: 30_000, max_delay_ms: 15 * 60_000 };
/// Per client address (IPv6 per /64): generous enough for an office behind one NAT.
pub const ADDRESS: Policy = Policy { free: 30, window_ms: 15 * 60_000, base_delay_ms: 30_000, max_delay_ms: 15 * 60_000 };

/// The throttling key for a client address; IPv6 clients own a /64, so they are counted per /64.
pub fn address_scope(kind: &str, ip: Option<IpAddr>) -> Option<String> {
    ip.map(|ip| match ip {
        IpAddr::V4(v4) => format!("{kind}:ip:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{kind}:ip6:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    })
}

/// Seconds to wait before another attempt is allowed, the longest any of `scopes` imposes (each
/// with its own policy), or `None` when the attempt may go ahead. One query for all scopes.
pub async fn wait_for(db: &Db, scopes: &[(&str, Policy)]) -> Result<Option<u64>, sqlx::Error> {
    if scopes.is_empty() {
        return Ok(None);
    }
    let now = now_ms();
    // Each scope counts only the failures inside its own policy's window.
    let each = (0..scopes.len()).map(|i| format!("(scope = ${} AND at > ${})", 2 * i + 1, 2 * i + 2)).collect::<Vec<_>>();
    let sql = format!("SELECT scope, COUNT(*), MAX(at) FROM auth_failures WHERE {} GROUP BY scope", each.join(" OR "));
    let mut q = sqlx::query_as::<_, (String, i64, i64)>(&sql);
    for (scope, policy) in scopes {
        q = q.bind(*scope).bind(now - policy.window_ms);
    }
    let mut wait = None;
    for (scope, count, last) in q.fetch_all(&db.pool).await? {
        let Some((_, policy)) = scopes.iter().find(|(s, _)| *s == scope) else { continue };
        if count < policy.free {
            continue;
        }
        let doublings = (count - policy.free).min(20) as u32;
        let delay = policy.base_delay_ms.saturating_mul(1i64 << doublings).min(policy.max_delay_ms);
        let until = last + delay;
        if until > now {
            wait = wait.max(Some(((until - now) as u64).div_ceil(1000)));
        }
    }
    Ok(wait)
}

/// Records a failed attempt in each scope (inside the caller's transaction).
pub async fn record_failures(conn: &mut sqlx::AnyConnection, scopes: &[&str]) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for scope in scopes {
        sqlx::query("INSERT INTO auth_failures (id, scope, at) VALUES ($1, $2, $3)")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(*scope)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A success ends the run of consecutive failures.
pub async fn clear(db: &Db, scope: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM auth_failures WHERE scope = $1").bind(scope).execute(&db.pool).await?;
    Ok(())
}

/// Old rows are useless once outside every window.
pub async fn prune(db: &Db) -> Result<u64, sqlx::Error> {
    let cutoff = now_ms() - 24 * 3_600_000;
    Ok(sqlx::query("DELETE FROM auth_failures WHERE at < $1").bind(cutoff).execute(&db.pool).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let a = address_scope("login", Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = address_scope("login", Some("2001:db8:1:2:bbbb::9".parse().unwrap()));
        assert_eq!(a, b);
        assert_eq!(a.unwrap(), "login:ip6:2001:db8:1:2::/64");
        assert_eq!(address_scope("login", Some("192.0.2.7".parse().unwrap())).unwrap(), "login:ip:192.0.2.7");
    }

    #[tokio::test]
    async fn each_scope_counts_only_failures_inside_its_own_window() {
        let dir = std::env::temp_dir().join(format!("zenith-throttle-{}", uuid::Uuid::new_v4().simple()));
        let db = crate::db::connect(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap();
        db.migrate().await.unwrap();
        let ten_minutes_ago = now_ms() - 10 * 60_000;
        for _ in 0..2 {
            sqlx::query("INSERT INTO auth_failures (id, scope, at) VALUES ($1, 'short', $2)")
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(ten_minutes_ago)
                .execute(&db.pool)
                .await
                .unwrap();
        }
        let strict = |window_ms| Policy { free: 1, window_ms, base_delay_ms: 3_600_000, max_delay_ms: 3_600_000 };
        let day = strict(86_400_000);

        let wait = wait_for(&db, &[("short", strict(60_000)), ("long", day)]).await.unwrap();
        assert_eq!(wait, None, "failures older than a scope's window do not count, even beside a scope with a longer one");

        let wait = wait_for(&db, &[("short", strict(3_600_000)), ("long", day)]).await.unwrap();
        assert!(wait.is_some_and(|s| (49 * 60..=50 * 60).contains(&s)), "inside the window they lock for the rest of the hour: {wait:?}");
        std::fs::remove_dir_all(dir).ok();
    }
}
