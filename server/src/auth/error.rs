//! What can go wrong in accounts and sessions, and what the caller is told.

use super::password::Busy;
use app::error::AppError;

crate::feature_error! {
    pub enum AuthError {
        #[error("Sign in to continue.")]
        SignedOut,
        /// Deliberately the same for an unknown email and a wrong password.
        #[error("The email or password is incorrect.")]
        BadCredentials,
        #[error("Not found.")]
        NotFound,
        #[error("Too many attempts. Try again in {retry_after} seconds.")]
        Throttled { retry_after: u64 },
        /// The password-hashing queue is full: come back in a few seconds.
        #[error("The panel is very busy right now. Please try again in a few seconds.")]
        Busy,
        /// The strength estimator's advice, for the form field that holds the new password.
        #[error("{advice}")]
        WeakPassword { field: &'static str, advice: String },
        #[error("That email address is not valid.")]
        EmailInvalid,
        #[error("A password cannot contain a NUL character.")]
        PasswordHasNul,
        #[error("An account with this email already exists. Sign in instead, or use another address.")]
        EmailTaken,
        #[error("Your current password is not correct.")]
        CurrentPasswordWrong,
        #[error("Choose a password different from the current one.")]
        SamePassword,
        /// Asked again before something sensitive (a support session, ending other sessions).
        #[error("Your password is not correct.")]
        PasswordWrong,
        #[error("Enter your password to end all other sessions.")]
        PasswordNeeded,
        #[error("That is the session you are using; sign out instead.")]
        OwnSession,
        #[error("Two-factor sign-in is already on. Turn it off first to move it to a new device.")]
        TwoFactorAlreadyOn,
        #[error("Two-factor sign-in is not on.")]
        TwoFactorOff,
        #[error("Start setting up two-factor sign-in first.")]
        TwoFactorNotStarted,
        #[error("Two-factor sign-in changed meanwhile; reload and try again.")]
        TwoFactorChanged,
        #[error("That code is not right. Check the time on your phone and enter the newest code.")]
        SetupCodeWrong,
        #[error("The password or the code is not correct.")]
        PasswordOrCodeWrong,
        #[error("That code is not valid. Codes change every 30 seconds: use the newest one, or one of your recovery codes.")]
        SignInCodeWrong,
        /// A password-reset link that is unknown, used, expired, superseded by a newer one, or older
        /// than the account's last password change.
        #[error("This link has expired or was already used. Ask for a new one from the sign-in page.")]
        ResetLinkInvalid,
        /// A `/verify` link that is unknown, used, expired, replaced by a newer one, or for an address
        /// the account no longer has.
        #[error("This confirmation link has expired or was already used. Sign in and send a new one from the notice at the top of the page.")]
        VerifyLinkInvalid,
        #[error("Your address is already confirmed.")]
        EmailAlreadyVerified,
        #[error("That is already your account's address.")]
        EmailUnchanged,
        /// The second step of a sign-in without a first one (or after it expired).
        #[error("Sign in with your email and password first.")]
        FirstStepMissing,
    }
    causes {  }
}

impl AuthError {
    /// A failure of the hashing pool: a full queue is "busy, retry shortly", anything else unexpected.
    pub fn from_pool(e: anyhow::Error) -> AuthError {
        if e.is::<Busy>() {
            AuthError::Busy
        } else {
            AuthError::Unexpected(e.context("the password-hashing pool"))
        }
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> AppError {
        use AuthError::*;
        let field = |name: &str, e: &AuthError| AppError::invalid(name, e.to_string());
        match e {
            SignedOut => AppError::Unauthorized,
            BadCredentials => AppError::BadCredentials,
            NotFound => AppError::NotFound,
            Throttled { retry_after } => AppError::Throttled { retry_after },
            Busy => AppError::Overloaded { retry_after: 2 },
            WeakPassword { field: name, advice } => AppError::invalid(name, advice),
            EmailInvalid => field("email", &e),
            PasswordHasNul | PasswordWrong | PasswordNeeded => field("password", &e),
            CurrentPasswordWrong => field("current_password", &e),
            SamePassword => field("new_password", &e),
            OwnSession => field("id", &e),
            TwoFactorNotStarted | SetupCodeWrong | SignInCodeWrong => field("code", &e),
            ResetLinkInvalid | VerifyLinkInvalid => field("token", &e),
            EmailUnchanged => field("email", &e),
            PasswordOrCodeWrong => AppError::Invalid { field: None, message: e.to_string() },
            EmailTaken | EmailAlreadyVerified | TwoFactorAlreadyOn | TwoFactorOff | TwoFactorChanged => AppError::Conflict(e.to_string()),
            FirstStepMissing => AppError::Forbidden(e.to_string()),
            Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}
