//! Error policy on the server side.
//!
//! Each feature has its own error enum (`AuthError`, `InstanceError`, …): the refusals it expects,
//! already phrased for a customer, as `Refused(AppError)`; the failures of what it builds on (the
//! cloud, tenancy) with their cause; and `Unexpected(anyhow::Error)` for everything else (database,
//! session store, bugs), with context attached where it happened. Each enum converts into the one
//! user-facing `AppError` in exactly one `From` impl, next to it. Unexpected errors are logged there
//! with their whole cause chain and reach the caller only as "something went wrong".
//!
//! Background work and start-up use `anyhow` directly.

use app::error::AppError;

/// Logs an unexpected failure with its whole cause chain and answers `Internal`.
pub fn unexpected(e: &anyhow::Error) -> AppError {
    tracing::error!(error = %format!("{e:#}"), "unexpected failure");
    AppError::Internal { reference: crate::telemetry::request_id::current() }
}

/// A write whose failure changes nothing for the caller (the action itself already happened):
/// logged with its cause, never silently dropped.
pub fn log_failed_write<E: std::fmt::Display>(r: Result<impl Sized, E>, what: &str) {
    if let Err(e) = r {
        tracing::warn!(error = %e, "{what} failed");
    }
}

/// Declares a feature's error enum with the arms every feature has, plus the failures of what the
/// feature builds on, each `Cause(Type)`: wrapped transparently (its message and source are the
/// cause's own, so a `{:#}` chain names it once). The `From<…> for AppError` conversion is written by
/// the feature, next to its enum.
#[macro_export]
macro_rules! feature_error {
    ($(#[$m:meta])* pub enum $name:ident { $($cause:ident($ty:ty)),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, thiserror::Error)]
        pub enum $name {
            /// An expected refusal, in the customer's words.
            #[error(transparent)]
            Refused(app::error::AppError),
            #[error(transparent)]
            Unexpected(#[from] anyhow::Error),
            $(
                #[error(transparent)]
                $cause(#[from] $ty),
            )*
        }

        impl From<app::error::AppError> for $name {
            fn from(e: app::error::AppError) -> Self {
                $name::Refused(e)
            }
        }

        impl From<sqlx::Error> for $name {
            fn from(e: sqlx::Error) -> Self {
                $name::Unexpected(anyhow::Error::new(e).context("database"))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn an_unexpected_error_is_internal_to_the_caller() {
        let e = Err::<(), _>(std::io::Error::other("disk on fire")).context("writing the audit log").unwrap_err();
        assert!(matches!(unexpected(&e), AppError::Internal { .. }));
        assert_eq!(format!("{e:#}"), "writing the audit log: disk on fire", "the chain is what gets logged");
    }
}
