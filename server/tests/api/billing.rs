//! Billing, reconciled by hand: a month driven through the simulator with a stopped clock (deploys,
//! stops, a resize, a destroy at known instants, several customers, both families), ingested, and
//! every line and total checked against values worked out here; ingesting again changes nothing, and
//! neither do two servers ingesting at once.

use crate::helpers::*;
use app::model::Action;
use app::model::InstanceId;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};
use staff_as;

crate::on_both_databases!(
    a_month_of_deploys_stops_a_resize_and_a_destroy_bills_exactly_what_was_worked_out_by_hand,
    exports_are_rfc4180_the_customers_own_and_the_finance_one_for_staff,
);

/// Moves the simulator's clock (and keeps it stopped there).
async fn clock(app: &TestApp, body: Value) -> DateTime<Utc> {
    let r = reqwest::Client::new().post(format!("{}/sim/clock", app.sim_base.as_ref().unwrap())).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    DateTime::parse_from_rfc3339(v["now"].as_str().unwrap()).unwrap().with_timezone(&Utc)
}

async fn advance(app: &TestApp, hours: i64, minutes: i64) -> DateTime<Utc> {
    clock(app, json!({"advance_hours": hours, "advance_minutes": minutes})).await
}

/// The first instant of the month two months after now: a month the simulator has not reached.
fn month_ahead() -> DateTime<Utc> {
    let now = Utc::now();
    let (mut y, mut m) = (now.year(), now.month() + 2);
    if m > 12 {
        m -= 12;
        y += 1;
    }
    Utc.from_utc_datetime(&NaiveDate::from_ymd_opt(y, m, 1).unwrap().and_hms_opt(0, 0, 0).unwrap())
}

fn days_in(t: DateTime<Utc>) -> i64 {
    let next =
        if t.month() == 12 { NaiveDate::from_ymd_opt(t.year() + 1, 1, 1) } else { NaiveDate::from_ymd_opt(t.year(), t.month() + 1, 1) };
    (next.unwrap() - t.date_naive()).num_days()
}

pub(crate) async fn ingest(admin: &Client) -> u64 {
    let r = admin.post("/api/admin/billing/ingest", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["records_added"].as_u64().unwrap()
}

fn csv_rows(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let rows = server::csv::parse(text).unwrap();
    let header = rows[0].clone();
    rows[1..].iter().map(|r| header.iter().cloned().zip(r.iter().cloned()).collect()).collect()
}

async fn get_csv(c: &Client, path: &str) -> (u16, String) {
    let r = c.http.get(format!("{}{path}", c.base)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

pub(crate) struct Month {
    pub(crate) t0: DateTime<Utc>,
    pub(crate) days: i64,
    pub(crate) a: Client,
    pub(crate) b: Client,
    pub(crate) vm1: InstanceId,
    pub(crate) vm2: InstanceId,
    pub(crate) vm3: InstanceId,
    pub(crate) admin: Client,
    /// A's snapshot of vm2, and its size on storage.
    pub(crate) snap: String,
    pub(crate) snap_bytes: i64,
}

/// What A's snapshot of db-a costs: kept from +48 h to the month's end, its size × hours in GiB-hours
/// (rounded up once), at 0.05 a GiB-month of 730 hours (rounded up to the cent once).
/// A's month with 21 % VAT (rounded half up to the cent): 4.02 + 10.00 + the snapshot, plus VAT.
pub(crate) fn a_total(m: &Month) -> i64 {
    let subtotal = 1402 + snapshot_by_hand(m).1;
    subtotal + (subtotal * 21 + 50) / 100
}

fn snapshot_by_hand(m: &Month) -> (i64, i64) {
    let byte_hours = m.snap_bytes as i128 * (m.days * 24 - 48) as i128;
    let gib = 1i128 << 30;
    let gib_hours = ((byte_hours + gib - 1) / gib) as i64;
    (gib_hours, (gib_hours * 5 + 729) / 730)
}

/// The month, as a story with known times:
/// - A: vm1 Agile S in Tokyo from 0:00 on the 1st; stopped at +100 h, started at +150 h, destroyed at
///   +200 h 30 min → 200.5 h exist → 201 h at 0.02 = 4.02 (cap 7.00 not reached).
/// - A: vm2 Stamina S in Amsterdam from +10 h to the month's end → (days × 24 − 10) h at 0.03,
///   more than its cap: 10.00.
/// - B: vm3 Agile S in Miami from 0:00; at +48 h stopped, resized to Agile M, started → 48 h at 0.02
///   = 0.96, then (days × 24 − 48) h at 0.03, capped at 13.00.
/// - A's total with 21 % VAT: see [`a_total`].
/// - A: a snapshot of vm2 taken at +48 h and kept: its own line, see [`snapshot_by_hand`].
pub(crate) async fn a_month(app: &TestApp) -> Month {
    let t0 = month_ahead();
    let days = days_in(t0);
    let admin = staff_as(app, "finance@example.com", app::model::Role::Admin).await;
    let a = app.customer("payer-a@example.com").await;
    let b = app.customer("payer-b@example.com").await;
    let cat = catalog(&a).await;
    let (tokyo, amsterdam, miami) = (zone_id(&cat, "Tokyo"), zone_id(&cat, "Amsterdam"), zone_id(&cat, "Miami"));
    clock(app, json!({"to": t0.to_rfc3339(), "freeze": true})).await;
    let vm1 = deploy_sized(&a, &tokyo, &size(&a, &tokyo, "Agile S").await, "web-a").await.0;
    let vm3 = deploy_sized(&b, &miami, &size(&b, &miami, "Agile S").await, "web-b").await.0;
    advance(app, 10, 0).await;
    let vm2 = deploy_sized(&a, &amsterdam, &size(&a, &amsterdam, "Stamina S").await, "db-a").await.0;
    advance(app, 38, 0).await;
    let r = a.post("/api/snapshots/create", json!({"instance_id": vm2, "name": "db-before-upgrade"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    wait_job(&a, r.body["job_id"].as_str().unwrap()).await;
    let snap = r.body["snapshot_id"].as_str().unwrap().to_string();
    let snap_bytes = a.post("/api/snapshots/list", json!({"instance_id": vm2})).await.body["snapshots"][0]["size_bytes"].as_i64().unwrap();
    assert!(snap_bytes > 1 << 30, "a snapshot of a few GiB: {snap_bytes}");
    act(&b, &vm3, &Action::Stop).await;
    let m = size(&b, &miami, "Agile M").await;
    act(&b, &vm3, &Action::Resize { offering_id: m.id.clone() }).await;
    act(&b, &vm3, &Action::Start).await;
    advance(app, 52, 0).await;
    act(&a, &vm1, &Action::Stop).await;
    advance(app, 50, 0).await;
    act(&a, &vm1, &Action::Start).await;
    advance(app, 50, 30).await;
    act(&a, &vm1, &Action::Destroy).await;
    // Two hours into the next month: the whole month has been aggregated.
    let end = clock(app, json!({"to": (t0 + Duration::days(days) + Duration::hours(2)).to_rfc3339()})).await;
    assert_eq!(end, t0 + Duration::days(days) + Duration::hours(2));
    Month { t0, days, a, b, vm1, vm2, vm3, admin, snap, snap_bytes }
}

fn line<'a>(s: &'a Value, instance: &str, offering: &str) -> &'a Value {
    s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["instance_id"] == instance && l["offering"] == offering)
        .unwrap_or_else(|| panic!("no line {instance} {offering}: {s}"))
}

async fn a_month_of_deploys_stops_a_resize_and_a_destroy_bills_exactly_what_was_worked_out_by_hand(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--staff-require-2fa", "false").arg("--vat-percent", "21")).await;
    let m = a_month(&app).await;
    let month = m.t0.format("%Y-%m").to_string();
    assert!(ingest(&m.admin).await > 0, "the month's records arrive");

    let s = m.a.post("/api/billing/statement", json!({"month": month})).await;
    assert_eq!(s.status, 200, "{}", s.body);
    let s = s.body;
    assert_eq!(s["lines"].as_array().unwrap().len(), 3, "{s}");
    let l1 = line(&s, m.vm1.as_str(), "Agile S");
    assert_eq!(
        (l1["hours"].as_i64(), l1["amount"]["minor"].as_i64(), l1["cap_applied"].as_bool()),
        (Some(201), Some(402), Some(false)),
        "{l1}"
    );
    assert_eq!((l1["unit_price"]["minor"].as_i64(), l1["monthly_cap"]["minor"].as_i64()), (Some(2), Some(700)));
    assert_eq!(l1["usage_start"], m.t0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let l2 = line(&s, m.vm2.as_str(), "Stamina S");
    assert_eq!(
        (l2["hours"].as_i64(), l2["amount"]["minor"].as_i64(), l2["cap_applied"].as_bool()),
        (Some(m.days * 24 - 10), Some(1000), Some(true))
    );
    let (gib_hours, snapshot) = snapshot_by_hand(&m);
    let l3 = line(&s, &m.snap, "Snapshot storage");
    assert_eq!(
        (l3["resource_type"].as_str(), l3["instance_name"].as_str(), l3["hours"].as_i64(), l3["amount"]["minor"].as_i64()),
        (Some("snapshot"), Some("db-before-upgrade"), Some(gib_hours), Some(snapshot)),
        "{l3}"
    );
    assert_eq!((l3["unit_price"]["minor"].as_i64(), l3["monthly_cap"]["minor"].as_i64()), (Some(5), Some(0)), "per GiB-month, no cap");
    assert!(snapshot > 0, "{gib_hours} GiB-hours cost something");
    // 4.02 + 10.00 + the snapshot; VAT 21 %, rounded half up to the cent.
    let subtotal = 1402 + snapshot;
    let vat = (subtotal * 21 + 50) / 100;
    assert_eq!(
        (s["subtotal"]["minor"].as_i64(), s["vat"]["minor"].as_i64(), s["total"]["minor"].as_i64()),
        (Some(subtotal), Some(vat), Some(a_total(&m)))
    );
    assert_eq!(s["preview"], false, "the month is over");
    let daily: i64 = s["daily"].as_array().unwrap().iter().map(|d| d["amount"]["minor"].as_i64().unwrap()).sum();
    assert_eq!(daily, subtotal, "the days add up to the month, the snapshot's storage included");
    assert_eq!(s["daily"][0]["day"], m.t0.format("%Y-%m-%d").to_string());

    let sb = m.b.post("/api/billing/statement", json!({"month": month})).await.body;
    let small = line(&sb, m.vm3.as_str(), "Agile S");
    let big = line(&sb, m.vm3.as_str(), "Agile M");
    assert_eq!((small["hours"].as_i64(), small["amount"]["minor"].as_i64()), (Some(48), Some(96)), "the resize splits the month");
    assert_eq!(
        (big["hours"].as_i64(), big["amount"]["minor"].as_i64(), big["cap_applied"].as_bool()),
        (Some(m.days * 24 - 48), Some(1300), Some(true))
    );
    // 0.96 + 13.00 = 13.96; VAT 2.9316 → 2.93.
    assert_eq!(
        (sb["subtotal"]["minor"].as_i64(), sb["vat"]["minor"].as_i64(), sb["total"]["minor"].as_i64()),
        (Some(1396), Some(293), Some(1689))
    );

    // Again: nothing new, nothing different.
    let (_, before) = get_csv(&m.a, &format!("/billing/export.csv?month={month}")).await;
    assert_eq!(ingest(&m.admin).await, 0);
    let (_, after) = get_csv(&m.a, &format!("/billing/export.csv?month={month}")).await;
    assert_eq!(before, after, "re-ingesting changes no line, no id, no amount");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM usage_records").fetch_one(&app.db.pool).await.unwrap();

    // A second server on the same database, ingesting at the same time as the first (PostgreSQL:
    // several servers; SQLite: the same file).
    let (k, sec) = app.sim().admin_credentials();
    let sim = app.sim_base.clone().unwrap();
    let second = TestApp::spawn_with(
        Options { reuse: Some((app.data_dir.clone(), app.database_url.clone())), ..Options::new(store) }
            .arg("--staff-require-2fa", "false")
            .arg("--cloudstack-url", &format!("{sim}/client/api"))
            .arg("--cloudstack-api-key", &k)
            .arg("--cloudstack-secret-key", &sec),
    )
    .await;
    let admin2 = second.client();
    assert_eq!(admin2.login("finance@example.com", PASSWORD).await.status, 200);
    // A fresh watermark makes both read the whole month again, at once.
    sqlx::query("DELETE FROM billing_state").execute(&app.db.pool).await.unwrap();
    let (x, y) = tokio::join!(ingest(&m.admin), ingest(&admin2));
    assert_eq!(x + y, 0, "two ingesters at once still count each record once");
    let (n2,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM usage_records").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(n, n2);
    let (_, again) = get_csv(&m.a, &format!("/billing/export.csv?month={month}")).await;
    assert_eq!(before, again);

    // The instance page's panel, for the month in progress: vm3 has run 2 hours at Agile M.
    let cost = m.b.post("/api/billing/instance", json!({"id": m.vm3})).await;
    assert_eq!(cost.status, 200, "{}", cost.body);
    assert_eq!(
        (cost.body["offering"].as_str(), cost.body["hours"].as_i64(), cost.body["rate"]["minor"].as_i64()),
        (Some("Agile M"), Some(2), Some(3))
    );
    assert_eq!(cost.body["cap"]["minor"], 1300);
    assert_eq!(cost.body["cap_in_days"], (1300 / 3 + 1 - 2 + 23) / 24, "434 hours to the cap, 432 to go: 18 days");
    assert_eq!(m.a.post("/api/billing/instance", json!({"id": m.vm3})).await.status, 404, "not A's instance");
    assert_eq!(m.a.post("/api/billing/instance", json!({"id": m.vm1})).await.status, 404, "destroyed");
    // db-a's panel: its snapshot kept on into this month, two hours so far.
    let cost = m.a.post("/api/billing/instance", json!({"id": m.vm2})).await.body;
    let gib_hours = ((m.snap_bytes as i128 * 2 + (1 << 30) - 1) >> 30) as i64;
    assert_eq!(cost["snapshots"]["minor"].as_i64(), Some((gib_hours * 5 + 729) / 730), "{cost}");
    drop(second);
}

async fn exports_are_rfc4180_the_customers_own_and_the_finance_one_for_staff(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--staff-require-2fa", "false")).await;
    let m = a_month(&app).await;
    let formula = app.customer("=1+1@example.com").await;
    let _ = &formula;
    ingest(&m.admin).await;
    let month = m.t0.format("%Y-%m").to_string();

    let (status, text) = get_csv(&m.a, &format!("/billing/export.csv?month={month}")).await;
    assert_eq!(status, 200);
    assert!(text.starts_with(
        "line_id,resource_type,customer_email,account,billing_period_start,billing_period_end,resource_id,resource_name,zone,offering,tier,usage_start,usage_end,hours,unit_price,monthly_cap,cap_applied,amount,currency,source_usage_ids,parent_instance_id\r\n"
    ));
    let rows = csv_rows(&text);
    assert_eq!(rows.len(), 3);
    let snap = rows.iter().find(|r| r["resource_type"] == "snapshot").expect("the snapshot's line");
    let (gib_hours, cents) = snapshot_by_hand(&m);
    assert_eq!(
        [&snap["resource_id"], &snap["resource_name"], &snap["offering"], &snap["hours"], &snap["unit_price"], &snap["parent_instance_id"]],
        [m.snap.as_str(), "db-before-upgrade", "Snapshot storage", gib_hours.to_string().as_str(), "0.05", m.vm2.as_str()]
    );
    assert_eq!(snap["amount"], format!("{}.{:02}", cents / 100, cents % 100));
    assert!(rows.iter().all(|r| r["customer_email"] == "payer-a@example.com"), "only A's lines");
    let web = rows.iter().find(|r| r["resource_id"] == m.vm1.as_str()).unwrap();
    let last_day = (m.t0 + Duration::days(m.days) - Duration::days(1)).format("%Y-%m-%d").to_string();
    assert_eq!(
        [
            &web["resource_name"],
            &web["zone"],
            &web["offering"],
            &web["tier"],
            &web["hours"],
            &web["unit_price"],
            &web["monthly_cap"],
            &web["cap_applied"],
            &web["amount"],
            &web["currency"],
            &web["source_usage_ids"],
            &web["billing_period_start"],
            &web["billing_period_end"]
        ],
        [
            "web-a",
            "Tokyo",
            "Agile S",
            "agile",
            "201",
            "0.02",
            "7.00",
            "false",
            "4.02",
            "EUR",
            m.vm1.as_str(),
            m.t0.format("%Y-%m-%d").to_string().as_str(),
            last_day.as_str()
        ]
    );
    let db = rows.iter().find(|r| r["resource_id"] == m.vm2.as_str()).unwrap();
    assert_eq!((db["amount"].as_str(), db["cap_applied"].as_str(), db["tier"].as_str()), ("10.00", "true", "stamina"));
    // Hours, price and amount agree for every instance line: amount = min(hours × price, cap).
    for r in rows.iter().filter(|r| r["resource_type"] == "instance") {
        let cents = |s: &str| (s.parse::<f64>().unwrap() * 100.0).round() as i64;
        let hours: i64 = r["hours"].parse().unwrap();
        assert_eq!(cents(&r["amount"]), (hours * cents(&r["unit_price"])).min(cents(&r["monthly_cap"])));
    }

    // Asked for compressed, as browsers do, it arrives whole.
    let r =
        m.a.http.get(format!("{}/billing/export.csv?month={month}", m.a.base)).header("accept-encoding", "br, gzip").send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string())),
        (200, Some("br".to_string()))
    );
    assert!(!r.bytes().await.expect("the whole compressed body").is_empty());
    let (_, b_text) = get_csv(&m.b, &format!("/billing/export.csv?month={month}")).await;
    assert!(!b_text.contains("payer-a@example.com") && !b_text.contains(m.vm1.as_str()), "another customer's lines never appear");
    let (status, body) = get_csv(&m.a, &format!("/support/billing/export.csv?month={month}")).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = get_csv(&m.a, "/billing/export.csv?month=2026-13").await;
    assert_eq!(status, 400);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((v["error"]["code"].as_str(), v["error"]["field"].as_str()), (Some("invalid_input"), Some("month")));
    let (status, empty) = get_csv(&m.a, "/billing/export.csv?month=2001-01").await;
    assert_eq!((status, server::csv::parse(&empty).unwrap().len()), (200, 1), "a month without usage is the header alone");

    let (status, all) = get_csv(&m.admin, &format!("/support/billing/export.csv?month={month}")).await;
    assert_eq!(status, 200);
    let all_rows = csv_rows(&all);
    let emails: std::collections::BTreeSet<&str> = all_rows.iter().map(|r| r["customer_email"].as_str()).collect();
    assert!(emails.contains("payer-a@example.com") && emails.contains("payer-b@example.com"), "{emails:?}");
    assert_eq!(all_rows.len(), 5);
    // The formula-looking address has no usage this month; next month it has an instance.
    let cat = catalog(&formula).await;
    let tokyo = zone_id(&cat, "Tokyo");
    deploy_sized(&formula, &tokyo, &size(&formula, &tokyo, "Agile XS").await, "sums").await;
    advance(&app, 3, 0).await;
    ingest(&m.admin).await;
    let next = (m.t0 + Duration::days(m.days)).format("%Y-%m").to_string();
    let (_, all) = get_csv(&m.admin, &format!("/support/billing/export.csv?month={next}")).await;
    assert!(all.contains(",'=1+1@example.com,"), "a formula-looking email comes out inert: {all}");
    assert!(!all.contains(",=1+1@example.com"));
    let (_, own) = get_csv(&formula, &format!("/billing/export.csv?month={next}")).await;
    assert_eq!(csv_rows(&own)[0]["customer_email"], "'=1+1@example.com");
}
