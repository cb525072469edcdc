//! Every `/api` answer and every download (`app::api::DOWNLOADS`) that is not a success carries the
//! JSON envelope, including the ones made by layers outside the handlers (body limit, unknown method,
//! timeouts, a query that does not parse), which answer in plain text of their own. Pages answer
//! with the error page instead.

use app::error::AppError;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The envelope for a bare status, as the layers that answer outside the server functions produce it.
pub fn for_status(status: StatusCode, body_limit: usize) -> AppError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge { limit_kib: (body_limit / 1024) as u64 },
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => AppError::RequestTimeout,
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
        s if s.is_client_error() => AppError::BadRequest(s.canonical_reason().unwrap_or("bad request").to_lowercase()),
        _ => AppError::internal(),
    }
}

pub async fn api_envelope(axum::extract::State(body_limit): axum::extract::State<usize>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_api = path.starts_with("/api/") || app::api::DOWNLOADS.iter().any(|d| d.path.split('?').next() == Some(path));
    let mut res = next.run(req).await;
    let status = res.status();
    // The rest of an oversized or late body was never read: the connection cannot carry another
    // request, and the client must be told so rather than find out on its next one.
    if matches!(status, StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT) {
        res.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    }
    if !is_api || status.is_success() || status.is_redirection() {
        return res;
    }
    let is_json =
        res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with("application/json"));
    if is_json {
        return res;
    }
    let mut enveloped = for_status(status, body_limit).into_response();
    *enveloped.status_mut() = status;
    if let Some(c) = res.headers().get(header::CONNECTION) {
        enveloped.headers_mut().insert(header::CONNECTION, c.clone());
    }
    enveloped
}
