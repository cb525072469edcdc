//! What can go wrong in accounts and sessions, and what the caller is told.

use super::password::Busy;
use app::error::AppError;

crate::feature_error! {
    pub enum AuthError {}
}

impl AuthError {
    /// A failure of the hashing pool: a full queue is "busy, retry shortly", anything else unexpected.
    pub fn from_pool(e: anyhow::Error) -> AuthError {
        if e.is::<Busy>() {
            AuthError::Refused(AppError::Overloaded { retry_after: 2 })
        } else {
            AuthError::Unexpected(e.context("the password-hashing pool"))
        }
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> AppError {
        match e {
            AuthError::Refused(e) => e,
            AuthError::Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}
