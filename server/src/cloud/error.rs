//! Everything that can go wrong talking to CloudStack, and what to tell a customer about it.
//!
//! Variants carry the command name so logs say what failed; none of them carries the URL, the
//! parameters, the secret or the signature.

use std::time::Duration;

/// CloudStack's error codes (`ApiErrorCode`), by name.
pub mod code {
    pub const UNAUTHORIZED: u16 = 401;
    pub const API_LIMIT_EXCEEDED: u16 = 429;
    pub const MALFORMED_PARAMETER: u16 = 430;
    pub const PARAM_ERROR: u16 = 431;
    pub const UNSUPPORTED_ACTION: u16 = 432;
    pub const INTERNAL_ERROR: u16 = 530;
    pub const ACCOUNT_ERROR: u16 = 531;
    pub const ACCOUNT_RESOURCE_LIMIT: u16 = 532;
    pub const INSUFFICIENT_CAPACITY: u16 = 533;
    pub const RESOURCE_UNAVAILABLE: u16 = 534;
    pub const RESOURCE_ALLOCATION: u16 = 535;
    pub const RESOURCE_IN_USE: u16 = 536;
    pub const NETWORK_RULE_CONFLICT: u16 = 537;
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CloudError {
    /// The cloud answered with its error envelope (`errorcode`, `cserrorcode`, `errortext`).
    #[error("{command}: CloudStack error {errorcode} (cs {cserrorcode:?}): {errortext}")]
    Api { command: String, http_status: u16, errorcode: u16, cserrorcode: Option<u32>, errortext: String },
    /// An HTTP status without a CloudStack body (a proxy, a load balancer, a dead management server).
    #[error("{command}: HTTP {status} without a CloudStack answer")]
    Http { command: String, status: u16 },
    #[error("{command}: no answer within {after:?}")]
    Timeout { command: String, after: Duration },
    #[error("{command}: could not connect: {detail}")]
    Connect { command: String, detail: String },
    #[error("{command}: undecodable answer: {detail}")]
    Decode { command: String, detail: String },
    #[error("{command}: answer larger than {limit} bytes")]
    TooLarge { command: String, limit: usize },
    /// An async job ended in failure.
    #[error("{command}: job {job_id} failed ({errorcode:?}): {errortext}")]
    JobFailed { command: String, job_id: String, errorcode: Option<u16>, errortext: String },
    #[error("{command}: job {job_id} still running after {after:?}")]
    JobTimeout { command: String, job_id: String, after: Duration },
}

impl CloudError {
    pub fn command(&self) -> &str {
        match self {
            CloudError::Api { command, .. }
            | CloudError::Http { command, .. }
            | CloudError::Timeout { command, .. }
            | CloudError::Connect { command, .. }
            | CloudError::Decode { command, .. }
            | CloudError::TooLarge { command, .. }
            | CloudError::JobFailed { command, .. }
            | CloudError::JobTimeout { command, .. } => command,
        }
    }

    /// Worth another try for a read: the request may never have reached the cloud, or the cloud
    /// had a transient fault.
    pub fn is_transient(&self) -> bool {
        match self {
            CloudError::Connect { .. } => true,
            CloudError::Http { status, .. } => *status >= 500,
            // CloudStack's own 53x codes are answers (capacity, limits), not transport faults.
            CloudError::Api { http_status, .. } => *http_status == 503,
            _ => false,
        }
    }

    /// A cloud too old for the command: 432 "Unknown API command", or, for a signed request, 401 "The
    /// given command '…' either does not exist, is not available for user." (not a bad signature, which
    /// is 401 too).
    pub fn is_unknown_command(&self) -> bool {
        match self {
            CloudError::Api { errorcode: code::UNSUPPORTED_ACTION, .. } => true,
            CloudError::Api { errorcode: 401, errortext, .. } => {
                errortext.contains("does not exist") && errortext.contains("not available")
            }
            _ => false,
        }
    }

    /// CloudStack's answer to an id that does not exist or is not the caller's (431, "entity does
    /// not exist", or a permission error on someone else's object).
    pub fn is_not_found(&self) -> bool {
        match self {
            CloudError::Api { errorcode: code::PARAM_ERROR, errortext, .. } => {
                let t = errortext.to_ascii_lowercase();
                t.contains("entity does not exist") || t.contains("unable to find") || t.contains("invalid parameter id")
            }
            CloudError::Api { errorcode: code::ACCOUNT_ERROR, .. } => true,
            _ => false,
        }
    }

    /// The cloud refused the request's parameters (431), e.g. a name that is taken.
    pub fn is_param_error(&self) -> bool {
        matches!(self, CloudError::Api { errorcode: code::PARAM_ERROR, .. })
    }

    /// The CloudStack error code, when the cloud answered with one.
    pub fn api_code(&self) -> Option<u16> {
        match self {
            CloudError::Api { errorcode, .. } | CloudError::JobFailed { errorcode: Some(errorcode), .. } => Some(*errorcode),
            _ => None,
        }
    }

    /// The cloud did not get or did not answer the request: its outcome is unknown.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, CloudError::Timeout { .. } | CloudError::Connect { .. } | CloudError::Http { .. } | CloudError::Decode { .. })
    }

    /// One sentence a customer can act on, fixed per kind of failure: what CloudStack wrote (account
    /// names, domain ids, echoed input) goes to the log, never to the customer. `zone` names the place
    /// when the call was scoped to one.
    pub fn customer_message(&self, zone: Option<&str>) -> String {
        let place = zone.map(|z| format!("The {z} zone")).unwrap_or_else(|| "The cloud".to_string());
        match self {
            CloudError::Timeout { .. } | CloudError::JobTimeout { .. } => {
                format!("{place} did not answer in time. Your request may still complete; check again in a minute.")
            }
            CloudError::Connect { .. } | CloudError::Http { .. } => {
                format!("{place} is unreachable right now. We are on it; please try again in a few minutes.")
            }
            CloudError::Decode { .. } | CloudError::TooLarge { .. } => {
                format!("{place} sent an answer we could not read. Please try again; support has the details.")
            }
            CloudError::Api { .. } | CloudError::JobFailed { .. } => api_message(&place, self.api_code().unwrap_or(code::INTERNAL_ERROR)),
        }
    }
}

/// A cloud failure on the way to answering a customer, with the zone the call was for.
#[derive(Debug, thiserror::Error)]
#[error("cloud call failed{}", zone.as_deref().map(|z| format!(" in {z}")).unwrap_or_default())]
pub struct CloudFailure {
    #[source]
    pub source: CloudError,
    pub zone: Option<String>,
}

impl CloudFailure {
    pub fn new(source: CloudError, zone: Option<&str>) -> CloudFailure {
        CloudFailure { source, zone: zone.map(str::to_string) }
    }
}

/// Attaches the zone a cloud call was for.
pub trait InZone<T> {
    fn in_zone(self, zone: Option<&str>) -> Result<T, CloudFailure>;
}

impl<T> InZone<T> for Result<T, CloudError> {
    fn in_zone(self, zone: Option<&str>) -> Result<T, CloudFailure> {
        self.map_err(|source| CloudFailure::new(source, zone))
    }
}

/// The one mapping from a cloud failure to what the caller sees: the detail is logged, the customer
/// gets the fixed sentence for its kind, with the status that fits it.
impl From<CloudFailure> for app::error::AppError {
    fn from(f: CloudFailure) -> app::error::AppError {
        use app::error::AppError;
        let e = &f.source;
        tracing::warn!(error = %e, zone = f.zone.as_deref().unwrap_or("-"), "cloud call failed");
        let msg = e.customer_message(f.zone.as_deref());
        match e.api_code() {
            Some(code::PARAM_ERROR | code::MALFORMED_PARAMETER) => AppError::Invalid { field: None, message: msg },
            Some(code::ACCOUNT_RESOURCE_LIMIT | code::RESOURCE_IN_USE | code::NETWORK_RULE_CONFLICT) => AppError::Conflict(msg),
            Some(code::INSUFFICIENT_CAPACITY..=code::RESOURCE_ALLOCATION) => AppError::Unavailable(msg),
            _ if matches!(
                e,
                CloudError::Timeout { .. } | CloudError::Connect { .. } | CloudError::Http { .. } | CloudError::JobTimeout { .. }
            ) =>
            {
                AppError::Unavailable(msg)
            }
            _ => AppError::Cloud(msg),
        }
    }
}

fn api_message(place: &str, c: u16) -> String {
    match c {
        code::PARAM_ERROR | code::MALFORMED_PARAMETER => {
            "The cloud refused the request as invalid. Check what you entered; if it looks right, contact support.".into()
        }
        code::UNAUTHORIZED | code::ACCOUNT_ERROR => {
            "The cloud refused this action for your account. If it persists, contact support.".into()
        }
        code::ACCOUNT_RESOURCE_LIMIT => {
            "Your account has reached a resource limit. Remove something or ask support to raise the limit.".into()
        }
        code::INSUFFICIENT_CAPACITY => format!("{place} has no free capacity for this size right now. Try another size or zone."),
        code::RESOURCE_UNAVAILABLE | code::RESOURCE_ALLOCATION => {
            format!("{place} could not allocate the resources. Please try again shortly.")
        }
        code::RESOURCE_IN_USE => "That is still in use; detach or remove what uses it first.".into(),
        code::NETWORK_RULE_CONFLICT => "That conflicts with an existing rule.".into(),
        code::API_LIMIT_EXCEEDED => "Too many requests to the cloud; wait a moment and try again.".into(),
        _ => format!("{place} could not complete the request. Please try again; if it keeps failing, contact support."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, text: &str) -> CloudError {
        CloudError::Api {
            command: "deployVirtualMachine".into(),
            http_status: code,
            errorcode: code,
            cserrorcode: Some(4350),
            errortext: text.into(),
        }
    }

    #[test]
    fn a_command_the_cloud_lacks_is_told_from_a_bad_signature() {
        assert!(api(432, "Unknown API command").is_unknown_command());
        assert!(
            api(401, "The given command 'createConsoleEndpoint' either does not exist, is not available for user.").is_unknown_command()
        );
        assert!(!api(401, "unable to verify user credentials and/or request signature").is_unknown_command());
        assert!(!api(431, "entity does not exist").is_unknown_command());
    }

    #[test]
    fn what_cloudstack_wrote_never_reaches_the_customer() {
        let m = api(431, "Unable to find account zenith-4f1c in domain id=8a11-22 for input x&y").customer_message(None);
        assert_eq!(m, "The cloud refused the request as invalid. Check what you entered; if it looks right, contact support.");
        for (code, text) in [(531, "Account zenith-4f1c does not have permission"), (537, "rule 6.6.6.6/32 exists for domain 8a11")] {
            let m = api(code, text).customer_message(Some("Tokyo"));
            assert!(!m.contains("zenith-4f1c") && !m.contains("8a11") && !m.contains("6.6.6.6"), "{m}");
        }
    }

    #[test]
    fn capacity_and_outages_name_the_zone_and_the_next_step() {
        assert!(api(533, "Unable to create a deployment")
            .customer_message(Some("Tokyo"))
            .starts_with("The Tokyo zone has no free capacity"));
        let down = CloudError::Connect { command: "listVirtualMachines".into(), detail: "refused".into() };
        assert!(down.customer_message(Some("Miami")).contains("The Miami zone is unreachable"));
        assert!(down.is_transient() && down.outcome_unknown());
    }

    #[test]
    fn foreign_and_missing_ids_are_recognised() {
        assert!(api(431, "Unable to execute API command listvirtualmachines due to invalid value. Invalid parameter id value=x due to incorrect long value format, or entity does not exist").is_not_found());
        assert!(!api(431, "Please specify a valid zone").is_not_found());
    }

    #[test]
    fn internal_errors_never_echo_java_internals() {
        let m = api(530, "java.lang.NullPointerException at com.cloud...").customer_message(None);
        assert!(!m.contains("java"));
    }
}
