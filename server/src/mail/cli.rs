//! `zenith mail list` and `zenith mail show ID`: the outbox as the admin reads it.

use super::repo::{self, Queued};
use crate::config::MailCommand;
use anyhow::Context as _;
use app::model::Timestamp;

fn state(m: &Queued) -> String {
    match (m.sent_at, m.gave_up_at) {
        (Some(at), _) => format!("sent {}", Timestamp::from_unix_ms(at)),
        (None, Some(at)) => {
            format!("given up {} after {} attempts: {}", Timestamp::from_unix_ms(at), m.attempts, m.last_error.as_deref().unwrap_or(""))
        }
        (None, None) if m.attempts == 0 => "waiting".to_string(),
        (None, None) => format!(
            "waiting, attempt {} at {}; last error: {}",
            m.attempts + 1,
            Timestamp::from_unix_ms(m.next_attempt_at),
            m.last_error.as_deref().unwrap_or("")
        ),
    }
}

pub async fn run(command: MailCommand) -> anyhow::Result<()> {
    match command {
        MailCommand::List { last, db } => {
            let db = crate::db::connect(&db.url()).await?;
            db.migrate().await?;
            let rows = repo::recent(&mut *db.pool.acquire().await?, last.clamp(1, 10_000)).await?;
            if rows.is_empty() {
                println!("no mail yet");
            }
            for m in rows {
                println!("{}  {}  {:<16} {}  {}", m.id, Timestamp::from_unix_ms(m.created_at), m.kind, m.to_address, state(&m));
            }
            Ok(())
        }
        MailCommand::Show { id, db } => {
            let db = crate::db::connect(&db.url()).await?;
            db.migrate().await?;
            let m = super::outbox::find(&mut *db.pool.acquire().await?, id.trim()).await?.with_context(|| format!("no message {id}"))?;
            println!(
                "Id: {}\nTo: {}\nSubject: {}\nKind: {}\nQueued: {}\nState: {}\n\n{}",
                m.id,
                m.to_address,
                m.subject,
                m.kind,
                Timestamp::from_unix_ms(m.created_at),
                state(&m),
                m.body_text
            );
            Ok(())
        }
    }
}
