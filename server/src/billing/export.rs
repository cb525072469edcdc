//! The CSV exports: the signed-in customer's lines (`GET /billing/export.csv?month=YYYY-MM`) and,
//! for staff, every customer's (`GET /support/billing/export.csv?month=YYYY-MM`). One row per
//! statement line, streamed from the database a page at a time (memory stays flat however many lines
//! there are); amounts are decimal strings made from integer minor units; free text goes through
//! `csv`, which makes formulas inert.

use super::repo::{self, LineRow};
use super::statement::bounds;
use super::Billing;
use crate::csv::{self, Cell};
use crate::db::rfc3339;
use app::error::AppError;
use app::model::billing::Month;
use app::model::Money;

use crate::http::download;
use app::ports::{ClientInfo, Ports, RequestCtx};
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::sync::Arc;
use tower_sessions::Session;

/// Lines per page of an export.
const STEP: i64 = 5000;

pub const COLUMNS: &[&str] = &[
    "line_id",
    "resource_type",
    "customer_email",
    "account",
    "billing_period_start",
    "billing_period_end",
    "resource_id",
    "resource_name",
    "zone",
    "offering",
    "tier",
    "usage_start",
    "usage_end",
    "hours",
    "unit_price",
    "monthly_cap",
    "cap_applied",
    "amount",
    "currency",
    "source_usage_ids",
    "parent_instance_id",
];

#[derive(Debug, Default, serde::Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

/// Appends the rows of `lines`, priced by the same rule as statements.
pub fn write_lines(out: &mut String, lines: &[LineRow], cur: app::model::Currency, period: (&str, &str)) {
    // Most lines of a month start and end at the same instants (the month's bounds): formatting a
    // time is the dearest part of a row, so the last one formatted is kept.
    let (mut start, mut end) = (Stamp::default(), Stamp::default());
    for r in lines {
        let (hourly, cap) = r.price().unwrap_or((0, 0));
        // Storage: `hours` are GiB-hours, `unit_price` per GiB-month, no cap.
        let (hourly, cap) = if r.is_snapshot() { (cap, 0) } else { (hourly, cap) };
        let (amount, capped) = r.amount();
        let (start, end) = (start.of(r.usage_start), end.of(r.usage_end));
        csv::row(
            out,
            &[
                Cell::Text(&r.id),
                Cell::Text(&r.resource_type),
                Cell::Text(&r.customer_email),
                Cell::Text(&r.account),
                Cell::Text(period.0),
                Cell::Text(period.1),
                Cell::Text(&r.instance_id),
                Cell::Text(&r.instance_name),
                Cell::Text(&r.zone_name),
                Cell::Text(&r.offering_name),
                r.tier.as_deref().into(),
                Cell::Text(start),
                Cell::Text(end),
                Cell::Int(r.hours),
                Cell::Money(Money::new(hourly, cur)),
                Cell::Money(Money::new(cap, cur)),
                Cell::Text(if capped { "true" } else { "false" }),
                Cell::Money(Money::new(amount, cur)),
                Cell::Text(cur.code()),
                Cell::Text(&r.source_usage_ids),
                r.parent_instance_id.as_deref().into(),
            ],
        );
    }
}

/// A time in RFC 3339, remembered for the next row.
#[derive(Default)]
struct Stamp(Option<(i64, String)>);

impl Stamp {
    fn of(&mut self, ms: i64) -> &str {
        if self.0.as_ref().is_none_or(|(m, _)| *m != ms) {
            self.0 = Some((ms, rfc3339(ms)));
        }
        self.0.as_ref().map_or("", |(_, s)| s.as_str())
    }
}

/// The export body: the header, then every line of `month` (of `customer`, or everyone's), streamed.
pub fn stream(billing: Arc<Billing>, month: Month, customer: Option<String>) -> Body {
    let (start, end) = bounds(month);
    let period = (rfc3339(start)[..10].to_string(), rfc3339(end - 1)[..10].to_string());
    let month_s = month.to_string();
    // Read on the first page and kept for the rest: one price list for the whole file.
    let prices = Arc::new(tokio::sync::OnceCell::<repo::Prices>::new());
    download::csv_stream("a billing export", COLUMNS, move |cursor: Option<(String, String)>| {
        let (billing, customer, month_s, period, prices) =
            (billing.clone(), customer.clone(), month_s.clone(), period.clone(), prices.clone());
        async move {
            let after = cursor.as_ref().map(|(c, i)| (c.as_str(), i.as_str()));
            let prices = prices.get_or_try_init(|| repo::prices(&billing.db.pool)).await?;
            let lines = repo::lines_page(&billing.db, prices, &month_s, customer.as_deref(), after, STEP).await?;
            let mut out = String::new();
            write_lines(&mut out, &lines, billing.currency, (&period.0, &period.1));
            let next = lines.last().filter(|_| lines.len() as i64 == STEP).map(|l| (l.customer_id.clone(), l.id.clone()));
            Ok((out, next))
        }
    })
}

fn month_of(q: &MonthQuery) -> Result<Month, AppError> {
    Month::parse(q.month.as_deref().unwrap_or("")).map_err(|m| AppError::invalid("month", m))
}

/// Both exports: the customer's own lines, or (`finance`) everyone's, for staff.
async fn export(ports: Ports, billing: Arc<Billing>, ctx: RequestCtx, q: MonthQuery, finance: bool) -> Result<Response, AppError> {
    let p = ports.auth.principal(&ctx).await?;
    if finance {
        p.staff()?.outside_support("The finance export")?;
    }
    let month = month_of(&q)?;
    if finance {
        return Ok(download::attachment(&format!("zenith-all-{month}.csv"), stream(billing, month, None)));
    }
    let customer = p.customer()?.to_string();
    Ok(download::attachment(&format!("zenith-{month}.csv"), stream(billing, month, Some(customer))))
}

/// `GET /billing/export.csv?month=YYYY-MM`: the signed-in customer's own lines (in a support session,
/// the customer's, as they would download them).
pub async fn customer_csv(
    State(ports): State<Ports>,
    State(billing): State<Arc<Billing>>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    download::Params(q): download::Params<MonthQuery>,
) -> Response {
    export(ports, billing, RequestCtx { session, client }, q, false).await.unwrap_or_else(|e| e.into_response())
}

/// `GET /support/billing/export.csv?month=YYYY-MM`: every customer's lines, for staff (finance).
pub async fn finance_csv(
    State(ports): State<Ports>,
    State(billing): State<Arc<Billing>>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    download::Params(q): download::Params<MonthQuery>,
) -> Response {
    export(ports, billing, RequestCtx { session, client }, q, true).await.unwrap_or_else(|e| e.into_response())
}
