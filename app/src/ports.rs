//! Who is asking, what they may do, and how the server functions reach the backend (server side only).
//!
//! Server functions speak HTTP: endpoint, decoding, status. The port traits (one per feature, in
//! `api/<feature>.rs`) speak the domain. `server` implements them and hands them to Leptos as context
//! in [`Ports`]; `app` never depends on `server`, so the wasm build carries no backend crate.
//!
//! Changing anything needs a capability that only [`Principal`] can hand out: a [`Writer`] for the
//! customer's cloud resources (refused in a read-only support session) and an [`Owner`] for the account
//! itself (refused in every support session). Their fields are private to this crate, so the server
//! cannot make one up: a port method that takes `&Writer` cannot be reached from a read-only session,
//! whatever a server function forgets.
//!
//! The support area, the staff downloads and the admin tools need a [`Staff`] capability, which
//! [`Principal::staff`] hands out only to staff who meet the two-factor policy. It is the one gate:
//! every staff port method takes `&Staff`, so a route added later cannot reach staff data without it.

use crate::error::AppError;
use crate::model::support::SupportMode;
use crate::model::{CustomerId, Email, ImpersonationId, Role, SessionId, UserId};
use std::net::IpAddr;
use std::sync::Arc;

/// Where a request came from, as far as it can be trusted (see `ZENITH_TRUSTED_PROXIES`): the address
/// is canonical (an IPv4 client on a dual-stack socket is its IPv4 address).
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// The browser's device cookie (OWASP's device-cookie scheme), see [`DeviceCookie`].
    pub device: DeviceCookie,
}

/// A device cookie as a request carries it: what the browser presented (unverified: the sign-in
/// checks its signature and account), and the place a successful sign-in leaves the new one, which
/// the server's client layer sets on the response. A browser that presents a valid cookie for the
/// account it signs in to has signed in to it before, and is served from a reserved share of the
/// password-hashing capacity that a flood from new browsers cannot fill.
#[derive(Clone, Default)]
pub struct DeviceCookie {
    pub presented: Option<String>,
    pub issued: Arc<std::sync::Mutex<Option<String>>>,
}

impl DeviceCookie {
    /// Sets `value` on this request's response.
    pub fn issue(&self, value: String) {
        if let Ok(mut slot) = self.issued.lock() {
            *slot = Some(value);
        }
    }

    pub fn take_issued(&self) -> Option<String> {
        self.issued.lock().ok().and_then(|mut s| s.take())
    }
}

impl std::fmt::Debug for DeviceCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A device cookie is a credential of sorts: never in logs.
        f.write_str(if self.presented.is_some() { "DeviceCookie(<presented>)" } else { "DeviceCookie(none)" })
    }
}

/// What sign-in and sign-out need about a request: its session cookie and where it came from.
#[derive(Clone)]
pub struct RequestCtx {
    pub session: tower_sessions::Session,
    pub client: ClientInfo,
}

/// A support session in force on this request.
#[derive(Clone, Debug)]
pub struct SupportView {
    pub id: ImpersonationId,
    pub customer_email: Email,
    pub customer_two_factor: bool,
    /// Whether the customer's address is confirmed (see [`Principal::creator`]).
    pub customer_email_verified: bool,
    pub mode: SupportMode,
    /// UTC milliseconds.
    pub expires_at: i64,
}

/// Who is making a request, resolved from the session on every call.
///
/// `user_id` is the person signed in; `customer_id` is whose cloud resources the request may see. They
/// are the same person for a customer; for staff there is a customer only inside a support session.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: UserId,
    pub email: Email,
    pub role: Role,
    /// The row in `auth_sessions` this request authenticated with.
    pub session_id: SessionId,
    pub two_factor: bool,
    /// Whether the signed-in person's address is confirmed by a mailed link.
    pub email_verified: bool,
    pub customer_id: Option<CustomerId>,
    pub support: Option<SupportView>,
    pub client: ClientInfo,
    /// `ZENITH_STAFF_REQUIRE_2FA`, as it stood when this principal was resolved.
    pub staff_two_factor_required: bool,
    /// `ZENITH_EMAIL_VERIFICATION=required`: new billable resources wait for a confirmed address.
    pub email_verification_required: bool,
}

/// What a capability refusal tells the caller (always a 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("Staff accounts have no cloud resources of their own: open a customer's view from Support.")]
    NoResources,
    #[error("This support session is read-only: it can look at the customer's panel but not change anything.")]
    ReadOnly,
    #[error(
        "Support staff cannot change a customer's password, two-factor sign-in, sessions, email, API keys or SSH keys, not even in an acting session."
    )]
    NotTheOwner,
    #[error("This area is for support staff.")]
    NotStaff,
    #[error("Turn on two-factor sign-in under Account before using Support.")]
    StaffWithoutTwoFactor,
    /// What only an admin may do, as "Only admins can …".
    #[error("Only admins can {0}, outside a support session.")]
    AdminsOnly(&'static str),
    #[error(
        "Confirm your email address before deploying: follow the link we emailed you, or send it again from the notice at the top of the page."
    )]
    EmailUnverified,
    #[error(
        "Support staff cannot delete a customer's snapshots or revert an instance to one, not even in an acting session: only the customer can throw data away."
    )]
    CustomerOnly,
    /// A tool over every customer at once, named as the sentence's subject.
    #[error("{0} is for staff, outside a support session.")]
    OutsideSupportOnly(&'static str),
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> AppError {
        AppError::Forbidden(d.to_string())
    }
}

impl Principal {
    /// The customer whose resources this request acts on. Staff outside a support session have none.
    pub fn customer(&self) -> Result<&CustomerId, Denied> {
        self.customer_id.as_ref().ok_or(Denied::NoResources)
    }

    /// The account whose Account page this request shows: the customer's while support views it.
    pub fn account_user(&self) -> UserId {
        match (&self.support, &self.customer_id) {
            (Some(_), Some(c)) => c.user(),
            _ => self.user_id.clone(),
        }
    }

    /// May change the customer's cloud resources: refused in a read-only support session.
    pub fn writer(&self) -> Result<Writer<'_>, Denied> {
        match &self.support {
            Some(s) if s.mode == SupportMode::ReadOnly => Err(Denied::ReadOnly),
            _ => Ok(Writer { principal: self }),
        }
    }

    /// May change the account itself (password, two-factor sign-in, sessions, SSH keys, support
    /// access): only its owner, never a support session, however it was opened.
    pub fn owner(&self) -> Result<Owner<'_>, Denied> {
        match &self.support {
            Some(_) => Err(Denied::NotTheOwner),
            None => Ok(Owner { principal: self }),
        }
    }

    /// May use the support area, the staff downloads and (admins) the admin tools: staff only, and
    /// with two-factor sign-in on when the policy asks for it. The one staff gate.
    pub fn staff(&self) -> Result<Staff<'_>, Denied> {
        if !self.role.is_staff() {
            return Err(Denied::NotStaff);
        }
        if self.staff_two_factor_required && !self.two_factor {
            return Err(Denied::StaffWithoutTwoFactor);
        }
        Ok(Staff { principal: self })
    }
}

/// Permission to use what serves staff. See [`Principal::staff`].
#[derive(Debug, Clone, Copy)]
pub struct Staff<'a> {
    principal: &'a Principal,
}

impl<'a> Staff<'a> {
    pub fn principal(&self) -> &'a Principal {
        self.principal
    }

    /// Admin tools (the audit download, ingestion): admins only, never from inside a support session.
    pub fn admin(&self, what: &'static str) -> Result<(), Denied> {
        if self.principal.role != crate::model::Role::Admin || self.principal.support.is_some() {
            return Err(Denied::AdminsOnly(what));
        }
        Ok(())
    }

    /// Staff tools that look at every customer at once (the finance export): outside a support session.
    pub fn outside_support(&self, what: &'static str) -> Result<(), Denied> {
        if self.principal.support.is_some() {
            return Err(Denied::OutsideSupportOnly(what));
        }
        Ok(())
    }
}

/// Permission to change the customer's cloud resources (instances, firewall). See [`Principal::writer`].
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    principal: &'a Principal,
}

impl<'a> Writer<'a> {
    pub fn principal(&self) -> &'a Principal {
        self.principal
    }

    pub fn customer(&self) -> Result<&'a CustomerId, Denied> {
        self.principal.customer()
    }

    /// May add billable resources (deploy an instance): when the policy asks for it, only for a
    /// customer whose address is confirmed, so nobody runs instances in the name of an address that
    /// is not theirs. An acting support session is held alike: it is the customer's account.
    pub fn creator(&self) -> Result<Creator<'a>, Denied> {
        let p = self.principal;
        let confirmed = match &p.support {
            Some(s) => s.customer_email_verified,
            None => p.email_verified,
        };
        if p.email_verification_required && !confirmed {
            return Err(Denied::EmailUnverified);
        }
        Ok(Creator { writer: *self })
    }

    /// May throw data away for good (delete a snapshot, revert a disk to one): the customer only.
    /// An acting support session may take a snapshot but not undo a customer's past this way.
    pub fn discarder(&self) -> Result<Discarder<'a>, Denied> {
        match &self.principal.support {
            Some(_) => Err(Denied::CustomerOnly),
            None => Ok(Discarder { writer: *self }),
        }
    }
}

/// Permission to throw the customer's data away. See [`Writer::discarder`].
#[derive(Debug, Clone, Copy)]
pub struct Discarder<'a> {
    writer: Writer<'a>,
}

impl<'a> Discarder<'a> {
    pub fn writer(&self) -> &Writer<'a> {
        &self.writer
    }
}

/// Permission to add billable resources. See [`Writer::creator`].
#[derive(Debug, Clone, Copy)]
pub struct Creator<'a> {
    writer: Writer<'a>,
}

impl<'a> Creator<'a> {
    pub fn writer(&self) -> &Writer<'a> {
        &self.writer
    }
}

/// Permission to change the signed-in person's own account. See [`Principal::owner`].
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    principal: &'a Principal,
}

impl<'a> Owner<'a> {
    pub fn principal(&self) -> &'a Principal {
        self.principal
    }

    /// Owners may also change their own cloud resources.
    pub fn writer(&self) -> Writer<'a> {
        Writer { principal: self.principal }
    }
}

/// The bundle of feature ports sits with the port traits, in `api`.
pub use crate::api::Ports;
