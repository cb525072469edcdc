//! Server functions: the JSON HTTP API at stable endpoints under `/api`, and what the UI calls.
//!
//! One module per feature, each with its server functions and (server side) the port trait the
//! backend implements. A function authenticates, takes the capability its change needs (see
//! `ports::Writer`), parses its input into domain types (a bad value is a 400 naming the field) and
//! delegates. None of them touches the database or the cloud.
//!
//! [`ENDPOINTS`] lists every endpoint with what it needs; a test checks it against the router and the
//! README, and calls every mutating one from a read-only support session.

pub mod account;
pub mod auth;
pub mod billing;
pub mod catalog;
pub mod codec;
pub mod dns;
pub mod firewall;
pub mod instances;
pub mod keys;
pub mod metrics;
pub mod notifications;
pub mod snapshots;
pub mod support;

/// Everything the server functions can reach, one port per feature (each trait is defined in its
/// feature's module, next to its server functions), provided as Leptos context by `server`.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct Ports {
    pub auth: std::sync::Arc<dyn auth::AuthPort>,
    pub account: std::sync::Arc<dyn account::AccountPort>,
    pub catalog: std::sync::Arc<dyn catalog::CatalogPort>,
    pub instances: std::sync::Arc<dyn instances::InstancesPort>,
    pub firewall: std::sync::Arc<dyn firewall::FirewallPort>,
    pub keys: std::sync::Arc<dyn keys::KeysPort>,
    pub support: std::sync::Arc<dyn support::SupportPort>,
    pub billing: std::sync::Arc<dyn billing::BillingPort>,
    pub notifications: std::sync::Arc<dyn notifications::NotificationsPort>,
    pub dns: std::sync::Arc<dyn dns::DnsPort>,
    pub snapshots: std::sync::Arc<dyn snapshots::SnapshotsPort>,
    pub metrics: std::sync::Arc<dyn metrics::MetricsPort>,
}

/// What an endpoint needs from its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (sign-up, sign-in).
    Public,
    /// Someone signed in; reads, or changes to the caller's own session only (sign-out).
    SignedIn,
    /// Changes the customer's cloud resources: refused in a read-only support session.
    Write,
    /// Throws the customer's data away (deletes a snapshot, reverts to one): refused in every
    /// support session, read-only ones as any write.
    Discard,
    /// Changes the account itself: refused in every support session.
    Owner,
    /// Support staff.
    Staff,
    /// Admins only (outside a support session).
    Admin,
}

impl Access {
    pub fn mutates(self) -> bool {
        matches!(self, Access::Write | Access::Discard | Access::Owner)
    }
}

/// One `POST /api/…` endpoint.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub path: &'static str,
    pub access: Access,
    /// A body the endpoint accepts in shape (values may be refused): what the tests send.
    pub example: &'static str,
}

const fn ep(path: &'static str, access: Access, example: &'static str) -> Endpoint {
    Endpoint { path, access, example }
}

/// Every server function, by path.
pub const ENDPOINTS: &[Endpoint] = &[
    ep("/api/auth/signup", Access::Public, r#"{"email":"new@example.com","password":"plum orbit falcon ninety3 kettle"}"#),
    ep("/api/auth/login", Access::Public, r#"{"email":"me@example.com","password":"plum orbit falcon ninety3 kettle"}"#),
    ep("/api/auth/login/2fa", Access::Public, r#"{"code":"123456"}"#),
    ep("/api/auth/logout", Access::SignedIn, "{}"),
    ep("/api/auth/me", Access::SignedIn, "{}"),
    ep("/api/auth/form_state", Access::Public, "{}"),
    ep("/api/auth/password_reset/request", Access::Public, r#"{"email":"me@example.com"}"#),
    ep(
        "/api/auth/password_reset/complete",
        Access::Public,
        r#"{"token":"not-a-real-token","password":"plum orbit falcon ninety3 kettle"}"#,
    ),
    ep("/api/auth/email/verify", Access::Public, r#"{"token":"not-a-real-token"}"#),
    ep("/api/auth/email/resend", Access::Owner, "{}"),
    ep("/api/catalog/zones", Access::SignedIn, "{}"),
    ep("/api/catalog/offerings", Access::SignedIn, r#"{"zone_id":"z-1"}"#),
    ep("/api/catalog/templates", Access::SignedIn, r#"{"zone_id":"z-1"}"#),
    ep("/api/instances/list", Access::SignedIn, "{}"),
    ep("/api/instances/get", Access::SignedIn, r#"{"id":"i-1"}"#),
    ep(
        "/api/instances/deploy",
        Access::Write,
        r#"{"zone_id":"z-1","offering_id":"o-1","template_id":"t-1","name":"web","idempotency_key":"ro-check-0001"}"#,
    ),
    ep("/api/instances/action", Access::Write, r#"{"id":"i-1","action":"stop"}"#),
    ep("/api/instances/console", Access::SignedIn, r#"{"id":"i-1"}"#),
    ep("/api/instances/metrics", Access::SignedIn, r#"{"id":"i-1","range":"24h"}"#),
    ep("/api/instances/ptr", Access::SignedIn, r#"{"id":"i-1"}"#),
    ep("/api/instances/ptr/set", Access::Write, r#"{"id":"i-1","family":"ipv6","name":"mail.example.com"}"#),
    ep("/api/instances/ptr/reset", Access::Write, r#"{"id":"i-1","family":"ipv6"}"#),
    ep("/api/snapshots/list", Access::SignedIn, r#"{"instance_id":"i-1"}"#),
    ep("/api/snapshots/create", Access::Write, r#"{"instance_id":"i-1","name":"before-upgrade"}"#),
    ep("/api/snapshots/delete", Access::Discard, r#"{"id":"s-1"}"#),
    ep("/api/snapshots/revert", Access::Discard, r#"{"id":"s-1"}"#),
    ep("/api/snapshots/schedule", Access::SignedIn, r#"{"instance_id":"i-1"}"#),
    ep(
        "/api/snapshots/schedule/set",
        Access::Write,
        r#"{"instance_id":"i-1","schedule":{"every":"day","at":"03:00","time_zone":"Europe/Amsterdam","keep":7}}"#,
    ),
    ep("/api/jobs/get", Access::SignedIn, r#"{"id":"j-1"}"#),
    ep("/api/account/email/change", Access::Owner, r#"{"email":"new@example.com","password":"plum orbit falcon ninety3 kettle"}"#),
    ep("/api/account/notifications", Access::SignedIn, "{}"),
    ep(
        "/api/account/notifications/set",
        Access::Owner,
        r#"{"action_failed":true,"statement_ready":false,"spend_thresholds":[{"minor":5000,"currency":"EUR"}]}"#,
    ),
    ep("/api/account/2fa/begin", Access::Owner, r#"{"password":"plum orbit falcon ninety3 kettle"}"#),
    ep("/api/account/2fa/confirm", Access::Owner, r#"{"code":"123456"}"#),
    ep("/api/account/2fa/disable", Access::Owner, r#"{"password":"plum orbit falcon ninety3 kettle","code":"123456"}"#),
    ep(
        "/api/account/password",
        Access::Owner,
        r#"{"current_password":"plum orbit falcon ninety3 kettle","new_password":"violet harbor quartz 1987 lantern"}"#,
    ),
    ep("/api/account/sessions", Access::SignedIn, "{}"),
    ep("/api/account/sessions/revoke", Access::Owner, r#"{"all_others":true,"password":"plum orbit falcon ninety3 kettle"}"#),
    ep("/api/account/security_log", Access::SignedIn, "{}"),
    ep("/api/firewall/list", Access::SignedIn, "{}"),
    ep("/api/firewall/get", Access::SignedIn, r#"{"id":"g-1"}"#),
    ep("/api/firewall/create", Access::Write, r#"{"name":"web","description":"web servers"}"#),
    ep("/api/firewall/delete", Access::Write, r#"{"id":"g-1"}"#),
    ep(
        "/api/firewall/add_rules",
        Access::Write,
        r#"{"group_id":"g-1","direction":"ingress","protocol":"tcp","start_port":22,"end_port":22,"cidrs":["0.0.0.0/0","::/0"]}"#,
    ),
    ep("/api/firewall/remove_rule", Access::Write, r#"{"group_id":"g-1","rule_id":"r-1"}"#),
    ep("/api/instances/set_groups", Access::Write, r#"{"id":"i-1","group_ids":["g-1"]}"#),
    ep("/api/keys/list", Access::SignedIn, "{}"),
    ep(
        "/api/keys/add",
        Access::Owner,
        r#"{"name":"laptop","public_key":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfdMxmTrxhI2mpvPiJUPhD/h+vkoH4cmD7AyxzV7eZ6"}"#,
    ),
    ep("/api/keys/generate", Access::Owner, r#"{"name":"generated"}"#),
    ep("/api/keys/delete", Access::Owner, r#"{"name":"laptop"}"#),
    ep("/api/account/support_access", Access::SignedIn, "{}"),
    ep("/api/account/support_access/set", Access::Owner, r#"{"mode":"consent"}"#),
    ep("/api/account/support_access/grant", Access::Owner, "{}"),
    ep("/api/account/support_access/revoke", Access::Owner, "{}"),
    ep("/api/billing/statement", Access::SignedIn, r#"{"month":"2026-12"}"#),
    ep("/api/billing/instance", Access::SignedIn, r#"{"id":"i-1"}"#),
    ep("/api/admin/billing/ingest", Access::Admin, "{}"),
    ep("/api/support/access", Access::Staff, "{}"),
    ep("/api/support/customers/search", Access::Staff, r#"{"query":"2001:db8::1"}"#),
    ep("/api/support/customers/get", Access::Staff, r#"{"id":"c-1"}"#),
    ep(
        "/api/support/impersonate/start",
        Access::Staff,
        r#"{"customer_id":"c-1","reason":"slow disk on web-01","ticket":"T-1","mode":"read_only","password":"plum orbit falcon ninety3 kettle"}"#,
    ),
    ep("/api/support/impersonate/stop", Access::Staff, "{}"),
    ep("/api/support/audit", Access::Staff, r#"{"customer_id":"c-1","from":"2026-12-01","page":1}"#),
];

/// One `GET` download the server streams (not a server function), with what it needs.
#[derive(Clone, Copy, Debug)]
pub struct Download {
    /// With an example query the download accepts.
    pub path: &'static str,
    pub access: Access,
}

/// Every download, by path: the staff-gate test calls each staff one without two-factor sign-in.
pub const DOWNLOADS: &[Download] = &[
    Download { path: "/billing/export.csv?month=2026-12", access: Access::SignedIn },
    Download { path: "/support/audit.csv", access: Access::Admin },
    Download { path: "/support/billing/export.csv?month=2026-12", access: Access::Staff },
];

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::error::AppError;
    use crate::ports::{ClientInfo, Ports, Principal, RequestCtx};
    use leptos::prelude::use_context;

    /// The backend and the request's context.
    pub async fn request() -> Result<(Ports, RequestCtx), AppError> {
        let ports = use_context::<Ports>().ok_or_else(|| {
            tracing::error!("Ports missing from the Leptos context");
            AppError::internal()
        })?;
        let session: tower_sessions::Session = leptos_axum::extract().await.map_err(|e| {
            tracing::error!(error = %e, "no session on the request");
            AppError::internal()
        })?;
        Ok((ports, RequestCtx { session, client: client() }))
    }

    /// Where the request came from (set by the server's client-address layer).
    pub fn client() -> ClientInfo {
        use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<ClientInfo>().cloned()).unwrap_or_default()
    }

    /// What a refused change was aimed at, as the request named it (unparsed).
    #[derive(Clone, Copy, Debug)]
    pub enum Target<'a> {
        Instance(&'a str),
        Group(&'a str),
        Snapshot(&'a str),
    }

    /// What the audit log may say a refused change was aimed at: the id, once it parses as that kind
    /// of id and belongs to the customer being viewed; anything else (another customer's id, a
    /// 5 KB string) is not this customer's story and is not stored.
    async fn on_record(ports: &Ports, p: &Principal, target: Target<'_>) -> String {
        const ELSEWHERE: &str = "(not this customer's)";
        let owned = match target {
            Target::Instance(raw) => match crate::model::InstanceId::parse(raw) {
                Ok(id) => ports.instances.get(p, &id).await.ok().map(|_| id.to_string()),
                Err(_) => None,
            },
            Target::Group(raw) => match crate::model::SecurityGroupId::parse(raw) {
                Ok(id) => ports.firewall.get(p, &id).await.ok().map(|_| id.to_string()),
                Err(_) => None,
            },
            Target::Snapshot(raw) => match crate::model::SnapshotId::parse(raw) {
                Ok(id) => ports.snapshots.get(p, &id).await.ok().map(|_| id.to_string()),
                Err(_) => None,
            },
        };
        owned.unwrap_or_else(|| ELSEWHERE.to_string())
    }

    /// The write capability, or its refusal, which inside a support session is put on the
    /// customer's record: a read-only session that tried to change something is part of its story.
    pub async fn writer<'a>(
        ports: &Ports,
        p: &'a Principal,
        action: impl Into<crate::model::audit::AuditAction>,
        target: Option<Target<'_>>,
    ) -> Result<crate::ports::Writer<'a>, AppError> {
        match p.writer() {
            Ok(w) => Ok(w),
            Err(e) => {
                let target = match target {
                    Some(t) if p.support.is_some() => Some(on_record(ports, p, t).await),
                    _ => None,
                };
                ports.support.refused(p, action.into(), target.as_deref()).await;
                Err(e.into())
            }
        }
    }

    /// As [`writer`], for the capability to throw data away (the customer's alone): a support
    /// session's attempt, read-only or acting, is on the customer's record.
    pub async fn discarder<'a>(
        ports: &Ports,
        p: &'a Principal,
        action: impl Into<crate::model::audit::AuditAction>,
        target: Target<'_>,
    ) -> Result<crate::ports::Discarder<'a>, AppError> {
        let action = action.into();
        let w = writer(ports, p, action, Some(target)).await?;
        match w.discarder() {
            Ok(d) => Ok(d),
            Err(e) => {
                let target = on_record(ports, p, target).await;
                ports.support.refused(p, action, Some(&target)).await;
                Err(e.into())
            }
        }
    }

    /// As [`writer`], for the account owner's capability.
    pub async fn owner<'a>(
        ports: &Ports,
        p: &'a Principal,
        action: impl Into<crate::model::audit::AuditAction>,
    ) -> Result<crate::ports::Owner<'a>, AppError> {
        match p.owner() {
            Ok(o) => Ok(o),
            Err(e) => {
                ports.support.refused(p, action.into(), None).await;
                Err(e.into())
            }
        }
    }

    /// As [`request`], for calls that need someone signed in.
    pub async fn signed_in() -> Result<(Ports, RequestCtx, Principal), AppError> {
        let (ports, ctx) = request().await?;
        let principal = ports.auth.principal(&ctx).await?;
        Ok((ports, ctx, principal))
    }
}

/// Turns a parse failure into a 400 that names the field.
#[cfg(feature = "ssr")]
pub(crate) fn field<T>(name: &str, r: Result<T, String>) -> Result<T, crate::error::AppError> {
    r.map_err(|m| crate::error::AppError::invalid(name, m))
}

/// As [`field`], for parsers that name the field themselves.
#[cfg(feature = "ssr")]
pub(crate) fn fields<T>(r: Result<T, (&'static str, String)>) -> Result<T, crate::error::AppError> {
    r.map_err(|(f, m)| crate::error::AppError::invalid(f, m))
}
