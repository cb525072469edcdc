//! Request bodies arrive whole within `ZENITH_BODY_TIMEOUT_SECS`, or not at all. (tower-http's body
//! timeout restarts with every chunk, so a client sending a byte every few seconds would hold its
//! connection for ever.) The whole body — at most the body limit, 1 MiB — is read against one
//! deadline before the handler runs; a late one gets 408 and the connection is closed.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

fn closing(status: StatusCode) -> Response {
    let mut r = status.into_response();
    r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

pub async fn within(State(timeout): State<Duration>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, super::BODY_LIMIT)).await {
        Err(_) => {
            tracing::info!("a request body did not arrive in time; the connection is closed");
            closing(StatusCode::REQUEST_TIMEOUT)
        }
        Ok(Err(e)) => {
            // The limit's own error says "length limit exceeded", wherever in the chain it is.
            let mut too_large = false;
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(c) = cause {
                too_large |= c.to_string().contains("length limit");
                cause = c.source();
            }
            closing(if too_large { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::BAD_REQUEST })
        }
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
    }
}
