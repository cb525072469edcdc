//! Every request gets an id: in each log line of its span and in the `X-Request-Id` answer header,
//! so a customer's "it failed" and the operator's logs meet on one value. An internal failure also
//! carries it (`AppError::Internal`'s reference), so the error shown on the page names it; no other
//! answer does: those must read the same for a wrong password and an unknown email.
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

tokio::task_local! {
    static CURRENT: RequestId;
}

/// The id of the request being answered, where the code runs for one: in its task, or in a task
/// Leptos spawned to render it (which carries the request's parts in its reactive context).
pub fn current() -> Option<String> {
    CURRENT.try_with(|id| id.0.clone()).ok().or_else(|| {
        leptos::prelude::use_context::<axum::http::request::Parts>().and_then(|p| p.extensions.get::<RequestId>().map(|id| id.0.clone()))
    })
}

pub async fn assign(mut req: Request, next: Next) -> Response {
    let id = RequestId::new();
    let value = HeaderValue::from_str(&id.0).expect("hex digits");
    req.extensions_mut().insert(id.clone());
    let mut res = CURRENT.scope(id, next.run(req)).await;
    res.headers_mut().insert(HEADER, value);
    res
}
