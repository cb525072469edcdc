//! The outbox: a message is queued in the caller's transaction and delivered by [`deliver_due`],
//! which every server runs; each message is claimed before it is sent, so it goes out once.
//! A failed attempt is tried again after 30 s, doubling up to an hour, for 48 hours; then the
//! message is given up, with its last error kept for the admin (`zenith mail list`).

use super::repo::{self, NewMessage};
use super::{MailKind, MailSettings};
use crate::db::{now_ms, Conn, Db};
use app::model::Email;

/// How long a server holds a message it is sending (longer than an attempt may take).
const CLAIM_MS: i64 = 120_000;
/// How long a message is retried before it is given up.
pub const GIVE_UP_AFTER_MS: i64 = 48 * 3_600_000;
/// Messages taken per pass.
const BATCH: i64 = 20;

/// A message to queue.
pub struct Outgoing<'a> {
    pub kind: MailKind,
    pub to: &'a Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Queues `m` on `conn` (the caller's transaction, so the message exists if and only if what caused
/// it does). Returns its id.
pub async fn enqueue(conn: &mut Conn, m: &Outgoing<'_>) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let row =
        NewMessage { id: &id, kind: m.kind.as_str(), to: m.to.as_str(), subject: &m.subject, text: &m.text, html: &m.html, now: now_ms() };
    repo::insert(conn, &row).await?;
    Ok(id)
}

/// The wait before attempt `attempts + 1`: 30 s, doubling, at most an hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    (30_000i64 << attempts.clamp(0, 7)).min(3_600_000)
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
}

/// Delivers the messages that are due, one claim each.
pub async fn deliver_due(db: &Db, mail: &MailSettings) -> anyhow::Result<Delivered> {
    let mut conn = db.pool.acquire().await?;
    let now = now_ms();
    let due = repo::due(&mut conn, now, BATCH).await?;
    let mut done = Delivered::default();
    for m in due {
        if !repo::claim(&mut conn, &m.id, now, now_ms() + CLAIM_MS).await? {
            continue;
        }
        let attempt = match super::build(&mail.from, &m) {
            Ok(message) => mail.transport.send(&m.id, &message).await,
            Err(e) => Err(format!("the message could not be built: {e}")),
        };
        let at = now_ms();
        match attempt {
            Ok(()) => {
                repo::mark_sent(&mut conn, &m.id, at, MailKind::holds_link(&m.kind)).await?;
                metrics::counter!(crate::telemetry::metrics::MAIL_SENT, "kind" => m.kind.clone()).increment(1);
                tracing::info!(mail = %m.id, kind = %m.kind, "mail delivered");
                if mail.announce_links {
                    announce(mail, &m);
                }
                done.sent += 1;
            }
            Err(error) => {
                let give_up = (at - m.created_at >= GIVE_UP_AFTER_MS).then_some(at);
                repo::mark_failed(&mut conn, &m.id, &error, at + backoff_ms(m.attempts), give_up).await?;
                let outcome = if give_up.is_some() { "gave_up" } else { "retry" };
                metrics::counter!(crate::telemetry::metrics::MAIL_FAILED, "kind" => m.kind.clone(), "outcome" => outcome).increment(1);
                tracing::warn!(mail = %m.id, kind = %m.kind, attempts = m.attempts + 1, %error, outcome, "mail not delivered");
                done.failed += 1;
            }
        }
    }
    metrics::gauge!(crate::telemetry::metrics::MAIL_WAITING).set(repo::waiting(&mut conn).await? as f64);
    Ok(done)
}

/// `--demo`: prints the panel links a message carries, so the demo's mail can be followed from the
/// terminal.
fn announce(mail: &MailSettings, m: &repo::Queued) {
    let prefix = format!("{}/", mail.public_url);
    for link in m.body_text.split_whitespace().filter(|w| w.starts_with(&prefix)) {
        println!("demo mail to {} ({}): {link}", m.to_address, m.subject);
    }
}

/// How long delivered and given-up messages stay for `zenith mail list`.
const KEEP_MS: i64 = 30 * 24 * 3_600_000;

/// Deletes what is past [`KEEP_MS`] (housekeeping, on every server: one conditional statement).
pub async fn prune(db: &Db) -> anyhow::Result<u64> {
    Ok(repo::prune(&mut *db.pool.acquire().await?, now_ms() - KEEP_MS).await?)
}

/// Reads a stored message for the CLI.
pub async fn find(conn: &mut Conn, id: &str) -> anyhow::Result<Option<repo::Queued>> {
    repo::get(conn, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_and_at_most_an_hour() {
        assert_eq!(backoff_ms(0), 30_000);
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(5), 960_000);
        assert_eq!(backoff_ms(7), 3_600_000);
        assert_eq!(backoff_ms(40), 3_600_000);
        let tries = (0..).scan(0i64, |t, n| {
            *t += backoff_ms(n);
            Some(*t)
        });
        assert!(tries.take_while(|t| *t < GIVE_UP_AFTER_MS).count() >= 48, "about one attempt an hour for two days");
    }
}
