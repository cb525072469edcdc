//! The mail a customer may turn off (a deploy or action failed; last month's statement is ready) and
//! spend thresholds (a month-to-date total crossed, told once a month each). The settings are the
//! account's; the notices are queued by what causes them: a failed job as it ends, the statement and
//! the thresholds after each usage ingestion (one server at a time, under its lease).

pub mod repo;

use crate::billing::Billing;
use crate::db::{now_ms, Conn, Db};
use crate::mail::{outbox, MailSettings, Notice};
use app::error::AppError;
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::billing::Month;
use app::model::notifications::{spend_thresholds, NotificationChoices, Notifications};
use app::model::{Currency, CustomerId, Email, InstanceId, JobKind, Money, Timestamp, UserId};
use app::ports::{Owner, Principal};
use std::sync::Arc;

crate::feature_error! {
    pub enum NotificationsError {
        /// A threshold list the model refuses, in its words.
        #[error("{0}")]
        Thresholds(String),
    }
    causes { Denied(app::ports::Denied) }
}

impl From<NotificationsError> for AppError {
    fn from(e: NotificationsError) -> AppError {
        match e {
            NotificationsError::Thresholds(m) => AppError::invalid("spend_thresholds", m),
            NotificationsError::Denied(d) => d.into(),
            NotificationsError::Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

#[derive(Clone)]
pub struct NotificationsService {
    db: Db,
    currency: Currency,
}

impl NotificationsService {
    pub fn new(db: Db, currency: Currency) -> NotificationsService {
        NotificationsService { db, currency }
    }

    async fn read(&self, user: &UserId) -> Result<Notifications, NotificationsError> {
        let mut conn = self.db.pool.acquire().await?;
        let out = repo::opted_out(&mut conn, user).await?;
        let thresholds = repo::thresholds(&mut conn, user).await?;
        Ok(Notifications {
            action_failed: !out.iter().any(|k| k == repo::ACTION_FAILED),
            statement_ready: !out.iter().any(|k| k == repo::STATEMENT_READY),
            spend_thresholds: thresholds.into_iter().map(|m| Money::new(m, self.currency)).collect(),
            currency: self.currency,
        })
    }

    async fn write(&self, o: &Owner<'_>, n: NotificationChoices) -> Result<Notifications, NotificationsError> {
        let p = o.principal();
        let thresholds = spend_thresholds(&n.spend_thresholds, self.currency).map_err(NotificationsError::Thresholds)?;
        let minors: Vec<i64> = thresholds.iter().map(|m| m.minor).collect();
        let mut tx = self.db.begin_write().await?;
        repo::set_opt_out(&mut tx, &p.user_id, repo::ACTION_FAILED, !n.action_failed).await?;
        repo::set_opt_out(&mut tx, &p.user_id, repo::STATEMENT_READY, !n.statement_ready).await?;
        repo::replace_thresholds(&mut tx, &p.user_id, &minors).await?;
        tx.commit().await?;
        let shown: Vec<String> = thresholds.iter().map(|m| m.to_string()).collect();
        let detail = format!(
            "failed actions: {}, statements: {}, spend thresholds: {}",
            if n.action_failed { "on" } else { "off" },
            if n.statement_ready { "on" } else { "off" },
            if shown.is_empty() { "none".to_string() } else { shown.join(", ") }
        );
        let entry = crate::audit::Entry {
            actor: Some(&crate::audit::Actor::from_principal(p)),
            subject: Some(&p.user_id),
            category: AuditCategory::Account,
            action: AuditEvent::NotificationsChanged.into(),
            target_id: None,
            outcome: AuditOutcome::Succeeded,
            detail: Some(&detail),
            ip: p.client.ip,
        };
        crate::audit::record_or_log(&self.db, entry).await;
        self.read(&p.user_id).await
    }
}

#[async_trait::async_trait]
impl app::api::notifications::NotificationsPort for NotificationsService {
    async fn get(&self, p: &Principal) -> Result<Notifications, AppError> {
        Ok(self.read(&p.account_user()).await?)
    }

    async fn set(&self, o: &Owner<'_>, n: NotificationChoices) -> Result<Notifications, AppError> {
        Ok(self.write(o, n).await?)
    }
}

/// `12.34 EUR`: an amount as a subject line can carry it in plain ASCII.
fn plain(m: Money) -> String {
    format!("{} {}", m.decimal(), m.currency.code())
}

async fn email_of(conn: &mut Conn, user: &UserId) -> anyhow::Result<Option<Email>> {
    Ok(crate::auth::repo::user_by_id(conn, user).await?.filter(|u| u.disabled_at.is_none()).map(|u| u.email))
}

/// Queues "a deploy or action failed" on `conn` (the transaction that records the failure), unless
/// the customer turned it off.
pub async fn action_failed(
    conn: &mut Conn,
    mail: &MailSettings,
    customer: &CustomerId,
    kind: JobKind,
    instance: Option<&InstanceId>,
    why: &str,
) -> anyhow::Result<()> {
    let user = customer.user();
    if !repo::wants(conn, &user, repo::ACTION_FAILED).await? {
        return Ok(());
    }
    let Some(to) = email_of(conn, &user).await? else { return Ok(()) };
    let link = instance.map(|i| format!("{}/instances/{i}", mail.public_url));
    let notice = Notice::ActionFailed { action: kind.as_str(), instance: instance.map(|i| i.as_str()), why, link: link.as_deref() };
    outbox::enqueue(conn, &notice.render(mail, &to, Timestamp::from_unix_ms(now_ms()))?).await?;
    Ok(())
}

/// After an ingestion pass: last month's statement to each customer billed in it (once), and every
/// spend threshold crossed this month (once each). `month` is the month usage is now counted into.
pub async fn after_ingest(db: &Db, mail: &Arc<MailSettings>, billing: &Billing, month: Month) -> anyhow::Result<usize> {
    let mut told = 0;
    let last = month.previous();
    // Only who is still owed a notice: a pass after everyone was told reads two short lists and
    // computes no statement. Each statement is computed before the write that records the notice.
    let owed = repo::owed_statements(&mut *db.pool.acquire().await?, last).await?;
    for user in owed {
        let statement = billing.statement(&CustomerId::of_user(&user), last).await?;
        let link = format!("{}/billing?month={last}", mail.public_url);
        let notice = Notice::StatementReady { month: &last.label(), total: &plain(statement.total), link: &link };
        told += tell_once(db, mail, &user, &notice, Once::Statement(last)).await? as usize;
    }
    let pending = repo::untold_thresholds(&mut *db.pool.acquire().await?, month).await?;
    // Sorted by account: one statement per account, for all its thresholds.
    for rows in pending.chunk_by(|a, b| a.0 == b.0) {
        let user = &rows[0].0;
        let statement = billing.statement(&CustomerId::of_user(user), month).await?;
        for minor in rows.iter().map(|(_, m)| *m).filter(|m| statement.total.minor >= *m) {
            let threshold = plain(Money::new(minor, statement.total.currency));
            let so_far = plain(statement.total);
            let link = format!("{}/billing", mail.public_url);
            let notice = Notice::SpendCrossed { month: &month.label(), threshold: &threshold, so_far: &so_far, link: &link };
            told += tell_once(db, mail, user, &notice, Once::Spend(month, minor)).await? as usize;
        }
    }
    Ok(told)
}

/// What a notice tells once (its row in `statement_notices` or `spend_notices`).
#[derive(Clone, Copy)]
enum Once {
    Statement(Month),
    Spend(Month, i64),
}

/// Records `once` and queues `notice` to `user`, in one transaction; false when another pass
/// recorded it first or the account is gone.
async fn tell_once(db: &Db, mail: &MailSettings, user: &UserId, notice: &Notice<'_>, once: Once) -> anyhow::Result<bool> {
    let mut tx = db.begin_write().await?;
    let first = match once {
        Once::Statement(m) => repo::mark_statement_told(&mut tx, user, m).await?,
        Once::Spend(m, minor) => repo::mark_spend_told(&mut tx, user, m, minor).await?,
    };
    let Some(to) = email_of(&mut tx, user).await?.filter(|_| first) else { return Ok(false) };
    outbox::enqueue(&mut tx, &notice.render(mail, &to, Timestamp::from_unix_ms(now_ms()))?).await?;
    tx.commit().await?;
    Ok(true)
}
