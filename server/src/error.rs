//! Error policy on the server side.
//!
//! Each feature has its own error enum (`AuthError`, `FirewallError`, …) with three kinds of arm:
//! - **refusals**, one named variant each (`FirewallError::DefaultGroup`, `GroupInUse { .. }`), whose
//!   `#[error]` text is the sentence the customer reads: the only place that sentence is written;
//! - the failures of what the feature builds on (the cloud, tenancy, another feature), wrapped with
//!   `#[error(transparent)]` so their own mapping and cause chain are kept;
//! - `Unexpected(anyhow::Error)` for everything else (database, session store, bugs), with context
//!   attached where it happened.
//!
//! Each enum converts into the one user-facing `AppError` in exactly one `From` impl, next to it,
//! which picks the code (and the form field) for each refusal. Unexpected errors are logged there with
//! their whole cause chain and reach the caller only as "something went wrong". Tests match the
//! variants, not the prose.
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

/// Declares a feature's error enum: its refusals as written (each with its `#[error]` sentence), then
/// the failures of what it builds on, each `Cause(Type)`, wrapped transparently (their own mapping and
/// cause chain are kept), and `Unexpected(anyhow::Error)`. A database failure is never the customer's
/// doing: it becomes `Unexpected`, with "database" as its context. The `From<…> for AppError` that picks
/// each refusal's code is the feature's, written next to it.
#[macro_export]
macro_rules! feature_error {
    (
        $(#[$m:meta])*
        pub enum $name:ident { $($refusals:tt)* }
        causes { $($cause:ident($ty:ty)),* $(,)? }
    ) => {
        $(#[$m])*
        #[derive(Debug, thiserror::Error)]
        pub enum $name {
            $($refusals)*
            $(
                #[error(transparent)]
                $cause(#[from] $ty),
            )*
            #[error(transparent)]
            Unexpected(#[from] anyhow::Error),
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
