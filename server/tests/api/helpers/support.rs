//! Staff and support sessions: staff made as `zenith staff add` makes them, sessions opened as the
//! support page opens them.

use super::{Client, TestApp, PASSWORD};
use app::model::{CustomerId, Role};
use serde_json::{json, Value};

/// A staff member with `role`, signed in.
pub async fn staff_as(app: &TestApp, email: &str, role: Role) -> Client {
    let hasher = server::auth::password::Hasher::new(1, 1);
    let e = app::model::Email::parse(email).unwrap();
    let pw = app::model::NewPassword::parse(PASSWORD).unwrap();
    server::auth::AuthService::upsert_staff(&app.db, &hasher, &e, role, &pw).await.unwrap();
    let c = app.client();
    assert_eq!(c.login(email, PASSWORD).await.status, 200);
    c
}

pub async fn customer_id(app: &TestApp, email: &str) -> CustomerId {
    let id: CustomerId = sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.db.pool).await.unwrap();
    id
}

/// What the support page sends to open a session (`mode`: `read_only` or `acting`).
pub fn start_body(customer: &CustomerId, mode: &str) -> Value {
    json!({"customer_id": customer, "reason": "customer reports a slow disk", "ticket": "T-42", "mode": mode, "password": PASSWORD})
}

pub async fn open_view(staff: &Client, customer: &CustomerId, mode: &str) -> Value {
    let r = staff.post("/api/support/impersonate/start", start_body(customer, mode)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// A staff member in a read-only support session on `customer_email`'s account, opened as support
/// opens one (the app must not require staff two-factor sign-in).
pub async fn read_only_view(app: &TestApp, customer_email: &str) -> Client {
    let staff = staff_as(app, &format!("viewer-{}@example.com", uuid::Uuid::new_v4().simple()), Role::Support).await;
    let customer = customer_id(app, customer_email).await;
    open_view(&staff, &customer, "read_only").await;
    staff
}
