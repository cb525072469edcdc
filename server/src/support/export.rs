//! The audit log for staff: pages with filters (`/api/support/audit`) and, for admins, the whole
//! filtered log as CSV (`GET /support/audit.csv`), streamed in steps so a long log never sits in
//! memory and no database connection is held between steps.

use super::{Support, SupportError};
use crate::audit::repo::{self as audit_repo, Filter, StaffRow};
use crate::csv::{self, Cell};
use crate::db::rfc3339;
use crate::http::download;
use app::error::AppError;
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::support::{AuditEntryView, AuditFilter, AuditPage};
use app::model::{AuditEntryId, ImpersonationId};
use app::ports::{ClientInfo, Ports, RequestCtx};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tower_sessions::Session;

/// Rows read per step of an export.
const STEP: i64 = 500;

fn filter(f: &AuditFilter) -> Filter {
    Filter { subject: f.customer.as_ref().map(|c| c.user()), actor: f.staff.clone(), from: f.from_ms, to: f.to_ms, action: f.action }
}

fn view(r: StaffRow) -> AuditEntryView {
    AuditEntryView {
        id: r.entry.id,
        at: app::model::Timestamp::from_unix_ms(r.entry.at),
        actor_email: r.entry.actor_email,
        actor_role: r.entry.actor_role,
        customer_id: r.subject,
        customer_email: r.subject_email,
        action: r.entry.action,
        outcome: r.entry.outcome,
        target_id: r.entry.target_id,
        detail: r.entry.detail,
        ip: r.entry.ip,
        impersonation_id: r.entry.impersonation_id.as_deref().and_then(|i| ImpersonationId::parse(i).ok()),
    }
}

pub async fn page(svc: &Support, f: &AuditFilter) -> Result<AuditPage, SupportError> {
    let size = AuditFilter::PAGE_SIZE as i64;
    let mut rows = audit_repo::search(&svc.db.pool, &filter(f), None, (f.page as i64 - 1) * size, size + 1).await?;
    let has_more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    Ok(AuditPage { entries: rows.into_iter().map(view).collect(), page: f.page, has_more })
}

const COLUMNS: &[&str] = &[
    "at",
    "actor_email",
    "actor_role",
    "customer_id",
    "customer_email",
    "action",
    "outcome",
    "target_id",
    "detail",
    "ip",
    "impersonation_id",
];

fn csv_rows(out: &mut String, rows: &[StaffRow]) {
    for r in rows {
        let e = &r.entry;
        let at = rfc3339(e.at);
        csv::row(
            out,
            &[
                Cell::Text(&at),
                e.actor_email.as_deref().into(),
                e.actor_role.map(|r| r.as_str()).into(),
                r.subject.as_ref().map(|s| s.as_str()).into(),
                r.subject_email.as_deref().into(),
                Cell::Text(e.action.as_str()),
                Cell::Text(e.outcome.as_str()),
                e.target_id.as_deref().into(),
                e.detail.as_deref().into(),
                e.ip.as_deref().into(),
                e.impersonation_id.as_deref().into(),
            ],
        );
    }
}

/// The export's query string: the audit view's filters.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CsvQuery {
    customer_id: Option<String>,
    staff_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    action: Option<String>,
}

/// `GET /support/audit.csv`: admins only (with two-factor sign-in by policy). The download itself is
/// audited.
pub async fn csv(
    State(ports): State<Ports>,
    State(support): State<std::sync::Arc<Support>>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    download::Params(q): download::Params<CsvQuery>,
) -> Response {
    match start_csv(&ports, &support, RequestCtx { session, client }, q).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn start_csv(ports: &Ports, support: &std::sync::Arc<Support>, ctx: RequestCtx, q: CsvQuery) -> Result<Response, AppError> {
    let p = ports.auth.principal(&ctx).await?;
    p.staff()?.admin("download the audit log")?;
    let f =
        AuditFilter::parse(q.customer_id.as_deref(), q.staff_id.as_deref(), q.from.as_deref(), q.to.as_deref(), q.action.as_deref(), None)
            .map_err(|(field, m)| AppError::invalid(field, m))?;
    let actor = crate::audit::Actor::from_principal(&p);
    crate::audit::record_or_log(
        &support.db,
        crate::audit::Entry {
            actor: Some(&actor),
            subject: None,
            category: AuditCategory::Support,
            action: AuditEvent::AuditExported.into(),
            target_id: None,
            outcome: AuditOutcome::Succeeded,
            detail: Some(&format!("{q:?}")),
            ip: p.client.ip,
        },
    )
    .await;
    let db = support.db.pool.clone();
    let sql_filter = filter(&f);
    let body = download::csv_stream("the audit export", COLUMNS, move |cursor: Option<(i64, AuditEntryId)>| {
        let (db, sql_filter) = (db.clone(), sql_filter.clone());
        async move {
            let before = cursor.as_ref().map(|(at, id)| (*at, id.as_str()));
            let rows = audit_repo::search(&db, &sql_filter, before, 0, STEP).await?;
            let mut out = String::new();
            csv_rows(&mut out, &rows);
            let next = rows.last().filter(|_| rows.len() as i64 == STEP).map(|r| (r.entry.at, r.entry.id.clone()));
            Ok((out, next))
        }
    });
    let name = format!("zenith-audit-{}.csv", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"));
    Ok(download::attachment(&name, body))
}
