//! Everything that can go wrong talking to CloudStack, and what to tell a customer about it.
//!
//! Variants carry the command name so logs say what failed; none of them carries the URL, the
//! parameters, the secret or the signature.

use std::time::Duration;

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

    /// CloudStack's answer to an id that does not exist or is not the caller's (431, "entity does
    /// not exist", or a permission error on someone else's object).
    pub fn is_not_found(&self) -> bool {
        match self {
            CloudError::Api { errorcode: 431, errortext, .. } => {
                let t = errortext.to_ascii_lowercase();
                t.contains("entity does not exist") || t.contains("unable to find") || t.contains("invalid parameter id")
            }
            CloudError::Api { errorcode: 531, .. } => true,
            _ => false,
        }
    }

    /// The cloud did not get or did not answer the request: its outcome is unknown.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, CloudError::Timeout { .. } | CloudError::Connect { .. } | CloudError::Http { .. } | CloudError::Decode { .. })
    }

    /// One sentence a customer can act on. `zone` names the place when the call was scoped to one.
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
            CloudError::Api { errorcode, errortext, .. } | CloudError::JobFailed { errorcode: Some(errorcode), errortext, .. } => {
                api_message(&place, *errorcode, errortext)
            }
            CloudError::JobFailed { errortext, .. } => api_message(&place, 530, errortext),
        }
    }
}

fn api_message(place: &str, code: u16, text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    match code {
        // Parameter errors are about the request itself; CloudStack's wording names the problem.
        431 | 430 if !lower.contains("exception") => format!("The cloud refused the request: {}", tidy(text)),
        401 | 531 => "The cloud refused this action for your account. If it persists, contact support.".into(),
        532 => "Your account has reached a resource limit. Remove something or ask support to raise the limit.".into(),
        533 => format!("{place} has no free capacity for this size right now. Try another size or zone."),
        534 | 535 => format!("{place} could not allocate the resources. Please try again shortly."),
        536 => "That is still in use; detach or remove what uses it first.".into(),
        537 => "That conflicts with an existing rule.".into(),
        429 => "Too many requests to the cloud; wait a moment and try again.".into(),
        _ => format!("{place} could not complete the request. Please try again; if it keeps failing, contact support."),
    }
}

/// CloudStack texts can be long and mention Java classes; keep the first sentence.
fn tidy(text: &str) -> String {
    let t = text.trim();
    let t = t.strip_prefix("Unable to execute API command ").map(|r| r.split_once(" due to ").map(|x| x.1).unwrap_or(r)).unwrap_or(t);
    let mut s: String = t.chars().take(240).collect();
    if !s.ends_with('.') {
        s.push('.');
    }
    s
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
    fn parameter_errors_keep_cloudstacks_explanation() {
        let m = api(431, "Vm abc should be stopped to do password reset").customer_message(None);
        assert_eq!(m, "The cloud refused the request: Vm abc should be stopped to do password reset.");
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
