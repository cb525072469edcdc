//! The one error type of the HTTP surface.
//!
//! Every server function returns `Result<T, AppError>`, and every plain axum route that can fail maps
//! into it. This module is the single place that decides, for each kind of failure:
//! - the stable machine-readable `code` clients switch on,
//! - the sentence a customer reads,
//! - the HTTP status (set on the response while the error is encoded, see [`AppError::status`]).
//!
//! On the wire an error is always `{"error":{"code":"…","message":"…"}}`, plus `field` when one input
//! is at fault and `retry_after` (seconds) when the caller is throttled.
//!
//! Internal details (SQL errors, CloudStack texts meant for operators, secrets) never reach this type:
//! they are logged where they happen and become [`AppError::Internal`].

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// The request is understood but one of its values is not acceptable.
    #[error("{message}")]
    Invalid { field: Option<String>, message: String },
    /// The body could not be decoded at all (not JSON, wrong shape, wrong types).
    #[error("The request body is not valid for this endpoint: {0}")]
    BadRequest(String),
    #[error("Sign in to continue.")]
    Unauthorized,
    /// Deliberately identical for an unknown email and a wrong password.
    #[error("The email or password is incorrect.")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    /// Identical for "does not exist" and "belongs to someone else".
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Try again in {retry_after} seconds.")]
    Throttled { retry_after: u64 },
    #[error("Send this request as JSON (Content-Type: application/json).")]
    UnsupportedMediaType,
    #[error("The request body is larger than the {limit_kib} KiB this endpoint accepts.")]
    PayloadTooLarge { limit_kib: u64 },
    #[error("This endpoint only accepts POST with a JSON body.")]
    MethodNotAllowed,
    #[error("The request took too long to arrive.")]
    RequestTimeout,
    /// The cloud refused or failed; the message is already phrased for a customer.
    #[error("{0}")]
    Cloud(String),
    #[error("{0}")]
    Unavailable(String),
    /// Too much at once right now (the password-hashing queue is full): come back in a few seconds.
    #[error("The panel is very busy right now. Please try again in {retry_after} seconds.")]
    Overloaded { retry_after: u64 },
    /// `reference` is the failed request's id (the server's `X-Request-Id`), which support finds in
    /// the logs; shown with the message. Only this kind carries it: every other answer must read the
    /// same whichever request gave it (a wrong password and an unknown email alike).
    #[error("Something went wrong on our side. Please try again; if it keeps happening, contact support.")]
    Internal { reference: Option<String> },
    /// Client side only: the request never got an answer.
    #[error("Could not reach the server: {0}")]
    Network(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid { field: Some(field.to_string()), message: message.into() }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid_input",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::BadCredentials => "invalid_credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Throttled { .. } => "too_many_requests",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::RequestTimeout => "request_timeout",
            AppError::Cloud(_) => "cloud_error",
            AppError::Unavailable(_) | AppError::Overloaded { .. } => "unavailable",
            AppError::Internal { .. } => "internal",
            AppError::Network(_) => "network",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } | AppError::BadRequest(_) => 400,
            AppError::Unauthorized | AppError::BadCredentials => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::UnsupportedMediaType => 415,
            AppError::PayloadTooLarge { .. } => 413,
            AppError::MethodNotAllowed => 405,
            AppError::RequestTimeout => 408,
            AppError::Throttled { .. } => 429,
            AppError::Cloud(_) => 502,
            AppError::Unavailable(_) | AppError::Overloaded { .. } => 503,
            AppError::Internal { .. } | AppError::Network(_) => 500,
        }
    }

    /// The input field at fault, for forms that show the message next to it.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// Seconds to wait before trying again, when the caller should (`Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::Throttled { retry_after } | AppError::Overloaded { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// An internal failure with no request to refer to.
    pub fn internal() -> Self {
        AppError::Internal { reference: None }
    }

    /// The failed request's id, for "quote this to support".
    pub fn reference(&self) -> Option<&str> {
        match self {
            AppError::Internal { reference } => reference.as_deref(),
            _ => None,
        }
    }

    fn to_wire(&self) -> WireError {
        WireError {
            error: WireDetail {
                code: self.code().to_string(),
                message: self.to_string(),
                field: self.field().map(str::to_string),
                retry_after: self.retry_after(),
                reference: self.reference().map(str::to_string),
            },
        }
    }

    fn from_wire(w: WireError) -> Self {
        let WireDetail { code, message, field, retry_after, reference } = w.error;
        match code.as_str() {
            "invalid_input" => AppError::Invalid { field, message },
            "bad_request" => AppError::BadRequest(message),
            "unauthorized" => AppError::Unauthorized,
            "invalid_credentials" => AppError::BadCredentials,
            "forbidden" => AppError::Forbidden(message),
            "not_found" => AppError::NotFound,
            "conflict" => AppError::Conflict(message),
            "too_many_requests" => AppError::Throttled { retry_after: retry_after.unwrap_or(60) },
            "unsupported_media_type" => AppError::UnsupportedMediaType,
            "payload_too_large" => AppError::PayloadTooLarge { limit_kib: 0 },
            "method_not_allowed" => AppError::MethodNotAllowed,
            "request_timeout" => AppError::RequestTimeout,
            "cloud_error" => AppError::Cloud(message),
            "unavailable" => match retry_after {
                Some(retry_after) => AppError::Overloaded { retry_after },
                None => AppError::Unavailable(message),
            },
            "network" => AppError::Network(message),
            _ => AppError::Internal { reference: reference.filter(|r| r.len() <= 64) },
        }
    }
}

#[derive(Serialize, Deserialize)]
struct WireError {
    error: WireDetail,
}

#[derive(Serialize, Deserialize)]
struct WireDetail {
    code: String,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
}

impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_wire().serialize(s)
    }
}

impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        WireError::deserialize(d).map(AppError::from_wire)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The caller sent something we could not decode: their mistake, never a 500.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) | ServerFnErrorErr::MissingArg(m) => {
                AppError::BadRequest(first_line(&m))
            }
            ServerFnErrorErr::Request(m) | ServerFnErrorErr::Response(m) => AppError::Network(m),
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function plumbing failed");
                let _ = other;
                AppError::internal()
            }
        }
    }

    fn ser(&self) -> leptos::server_fn::Bytes {
        // Server functions answer 500 for every error unless told otherwise; this is the one place
        // that turns the error kind into its HTTP status. It runs inside the request's reactive owner.
        #[cfg(feature = "ssr")]
        ssr::set_response_status(self);
        leptos::server_fn::Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }

    fn de(data: leptos::server_fn::Bytes) -> Self {
        // The browser's reader (see `api::codec`): an error body is read like any other answer.
        crate::api::codec::reader::from_slice(&data).unwrap_or_else(|_| AppError::Network("the answer could not be read".into()))
    }
}

impl From<ServerFnErrorErr> for AppError {
    fn from(e: ServerFnErrorErr) -> Self {
        AppError::from_server_fn_error(e)
    }
}

/// serde errors can quote the whole input; keep the message short and free of echoed secrets.
fn first_line(m: &str) -> String {
    let m = m.lines().next().unwrap_or("");
    // "missing field `password` at line 1 column 20" is helpful; anything quoting values is cut.
    let cut = m.find(" at line").map(|i| &m[..i]).unwrap_or(m);
    cut.chars().take(160).collect()
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::AppError;
    use http::{header, HeaderValue, StatusCode};

    pub fn set_response_status(e: &AppError) {
        if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            opts.set_status(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
            if let Some(retry_after) = e.retry_after() {
                opts.insert_header(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
        }
    }

    impl axum::response::IntoResponse for AppError {
        fn into_response(self) -> axum::response::Response {
            let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut res = (status, axum::Json(&self)).into_response();
            if let Some(retry_after) = self.retry_after() {
                res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_travel_as_code_and_message_and_come_back_as_the_same_kind() {
        for e in [
            AppError::invalid("email", "That email address is missing an @."),
            AppError::BadCredentials,
            AppError::NotFound,
            AppError::Throttled { retry_after: 42 },
            AppError::Conflict("An account with this email already exists.".into()),
            AppError::Internal { reference: Some("0123456789abcdef0123456789abcdef".into()) },
        ] {
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(json["error"]["code"], e.code());
            assert_eq!(json["error"]["message"], e.to_string());
            let back: AppError = serde_json::from_value(json).unwrap();
            assert_eq!(back, e);
        }
    }

    #[test]
    fn only_an_internal_failure_carries_a_reference_on_the_wire() {
        let json = serde_json::to_value(AppError::Internal { reference: Some("abc".into()) }).unwrap();
        assert_eq!(json["error"]["reference"], "abc");
        let json = serde_json::to_value(AppError::BadCredentials).unwrap();
        assert!(json["error"].get("reference").is_none(), "{json}");
        let json = serde_json::to_value(AppError::internal()).unwrap();
        assert!(json["error"].get("reference").is_none(), "{json}");
    }

    #[test]
    fn undecodable_input_is_the_callers_mistake_not_ours() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args("expected value at line 1 column 2".into()));
        assert_eq!(e.status(), 400);
        assert_eq!(e.to_string(), "The request body is not valid for this endpoint: expected value");
    }
}
