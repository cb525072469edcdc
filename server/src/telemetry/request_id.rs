//! Every request gets an id: in each log line of its span and in the `X-Request-Id` answer header,
//! so a customer's "it failed" and the operator's logs meet on one value. It is not in the JSON error
//! envelope: that must read the same for a wrong password and an unknown email.
//!
//! The panel makes its own ids and ignores one a client sends: a client could otherwise put any text
//! in the logs, or make two requests share an id.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: &str = "x-request-id";

/// A request's id: 32 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn new() -> RequestId {
        RequestId(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl Default for RequestId {
    fn default() -> Self {
        RequestId::new()
    }
}

pub async fn assign(mut req: Request, next: Next) -> Response {
    let id = RequestId::new();
    let value = HeaderValue::from_str(&id.0).expect("hex digits");
    req.extensions_mut().insert(id);
    let mut res = next.run(req).await;
    res.headers_mut().insert(HEADER, value);
    res
}
