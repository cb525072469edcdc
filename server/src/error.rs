//! Error policy on the server side.
//!
//! On the request path every failure becomes an `app::error::AppError`: expected ones with their own
//! variant, unexpected ones (database, session store, bugs) as `Internal`, logged here with context
//! and never shown to the caller. Background work and start-up use `anyhow`.

use app::error::AppError;
use std::fmt::Display;

pub trait OrInternal<T> {
    /// Logs the error with `what` and answers `Internal`.
    fn or_internal(self, what: &str) -> Result<T, AppError>;
}

impl<T, E: Display> OrInternal<T> for Result<T, E> {
    fn or_internal(self, what: &str) -> Result<T, AppError> {
        self.map_err(|e| {
            tracing::error!(error = %e, "{what}");
            AppError::Internal
        })
    }
}
