//! The mail a customer may turn off, and spend thresholds: the settings as Account → Notifications
//! keeps them, a failed action mailed (or not), and after the billing month told in `billing`, the
//! statement mailed once to each customer who wants it and a crossed threshold once a month.

use crate::billing::{a_month, ingest};
use crate::helpers::*;
use app::model::Tier;
use app::ports::Denied;
use serde_json::json;

crate::on_both_databases!(settings_are_the_owners_sorted_bounded_and_in_the_billing_currency,);

async fn settings_are_the_owners_sorted_bounded_and_in_the_billing_currency(store: Store) {
    let app = TestApp::spawn_with(Options::new(store).arg("--staff-require-2fa", "false")).await;
    let c = app.customer("ann@example.com").await;
    let r = c.post("/api/account/notifications", json!({})).await;
    assert_eq!(r.body, json!({"action_failed": true, "statement_ready": true, "spend_thresholds": [], "currency": "EUR"}));
    let eur = |minor: i64| json!({"minor": minor, "currency": "EUR"});
    let set = |body| c.post("/api/account/notifications/set", body);
    let r = set(json!({"action_failed": false, "statement_ready": true, "spend_thresholds": [eur(20000), eur(5000), eur(5000)]})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let stored = json!({"action_failed": false, "statement_ready": true, "spend_thresholds": [eur(5000), eur(20000)], "currency": "EUR"});
    assert_eq!(r.body, stored, "sorted, once each");
    assert_eq!(c.post("/api/account/notifications", json!({})).await.body, stored);
    for (bad, why) in [
        (json!([eur(1), eur(2), eur(3), eur(4), eur(5), eur(6)]), "at most 5"),
        (json!([eur(0)]), "more than 0"),
        (json!([{"minor": 500, "currency": "USD"}]), "EUR"),
    ] {
        let r = set(json!({"action_failed": true, "statement_ready": true, "spend_thresholds": bad})).await;
        assert_eq!((r.status, r.body["error"]["field"].as_str()), (400, Some("spend_thresholds")), "{}", r.body);
        assert!(r.error_message().contains(why), "{why}: {}", r.body);
    }
    assert_eq!(c.post("/api/account/notifications", json!({})).await.body, stored, "a refused change changes nothing");
    let staff = read_only_view(&app, "ann@example.com").await;
    assert_eq!(staff.post("/api/account/notifications", json!({})).await.body, stored, "support sees them");
    set_as(&staff, json!({"action_failed": true, "statement_ready": true, "spend_thresholds": []}))
        .await
        .assert_refused(Denied::NotTheOwner);
    let log = c.post("/api/account/security_log", json!({})).await.body;
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "notifications_changed"), "{log}");
}

async fn set_as(c: &Client, body: serde_json::Value) -> Resp {
    c.post("/api/account/notifications/set", body).await
}

async fn smtp_app(smtp: &Smtp) -> TestApp {
    let options = Options::new(Store::Sqlite)
        .arg("--smtp-url", &smtp.url())
        .arg("--email-verification", "optional")
        .arg("--staff-require-2fa", "false")
        .arg("--vat-percent", "21");
    TestApp::spawn_with(options).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_action_is_mailed_unless_the_customer_turned_it_off() {
    let smtp = Smtp::start();
    let app = smtp_app(&smtp).await;
    let c = app.customer("ops@example.com").await;
    let cat = catalog(&c).await;
    let (id, _) = deploy(&c, &zone_id(&cat, "Los Angeles"), Tier::Stamina, "flaky").await;
    app.set_faults(json!({"fail_next_jobs": 1})).await;
    let job = act(&c, &id, &app::model::Action::Reboot).await;
    assert_eq!(job.status, app::model::JobStatus::Failed);
    let m = smtp.wait_subject("ops@example.com", "A reboot failed on Zenith").await;
    assert!(m.contains(&format!("A reboot of instance {id} failed.")) && m.contains("Los Angeles"), "{m}");
    assert!(m.contains(&format!("/instances/{id}")) && m.contains("turn these messages off"), "{m}");

    let off = json!({"action_failed": false, "statement_ready": true, "spend_thresholds": []});
    assert_eq!(c.post("/api/account/notifications/set", off).await.status, 200);
    app.set_faults(json!({"fail_next_jobs": 1})).await;
    assert_eq!(act(&c, &id, &app::model::Action::Reboot).await.status, app::model::JobStatus::Failed);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let failures = smtp.to("ops@example.com").iter().filter(|m| m.contains("Subject: A reboot failed")).count();
    assert_eq!(failures, 1, "turned off, the second failure is not mailed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_month_each_customer_hears_of_the_statement_once_and_of_a_crossed_threshold_once() {
    let smtp = Smtp::start();
    let app = smtp_app(&smtp).await;
    let m = a_month(&app).await;
    // A: a threshold the two hours of the new month cross (vm2 runs on: 0.06 + VAT) and one they do not.
    let thresholds = json!({"action_failed": true, "statement_ready": true,
        "spend_thresholds": [{"minor": 1, "currency": "EUR"}, {"minor": 100000, "currency": "EUR"}]});
    assert_eq!(m.a.post("/api/account/notifications/set", thresholds).await.status, 200);
    // B wants no statements.
    let quiet = json!({"action_failed": true, "statement_ready": false, "spend_thresholds": []});
    assert_eq!(m.b.post("/api/account/notifications/set", quiet).await.status, 200);
    assert!(ingest(&m.admin).await > 0);

    let label = {
        use chrono::Datelike;
        app::model::billing::Month { year: m.t0.year(), month: m.t0.month() }.label()
    };
    let statement = smtp.wait_subject("payer-a@example.com", &format!("Your Zenith statement for {label} is ready")).await;
    let total = crate::billing::a_total(&m);
    let said = format!("{}.{:02} EUR, VAT included", total / 100, total % 100);
    assert!(statement.contains(&said), "the total worked out by hand in billing.rs ({said}): {statement}");
    let label_now = {
        use chrono::Datelike;
        app::model::billing::Month { year: m.t0.year(), month: m.t0.month() }.next().label()
    };
    smtp.wait_subject("payer-a@example.com", &format!("Your Zenith spending passed 0.01 EUR in {label_now}")).await;
    ingest(&m.admin).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let to_a = smtp.to("payer-a@example.com");
    let count = |needle: &str| to_a.iter().filter(|m| m.contains(needle)).count();
    assert_eq!((count("Subject: Your Zenith statement for"), count("Subject: Your Zenith spending passed")), (1, 1), "once each");
    assert!(!to_a.iter().any(|m| m.contains("1000.00 EUR in")), "the threshold not reached is not mailed");
    assert!(!smtp.to("payer-b@example.com").iter().any(|m| m.contains("statement for")), "B turned statements off");
}
