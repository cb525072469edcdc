//! The port between the UI's server functions and the backend (server side only).
//!
//! Server functions speak HTTP: endpoint, decoding, status. These traits speak the domain
//! (`instances.deploy(&principal, spec)`). `server` implements them and hands them to Leptos as
//! context; `app` never depends on `server`, so the wasm build carries no backend crate.

use crate::error::AppError;
use crate::model::{
    account::{LoginOutcome, RecoveryCodes, Revoked, SecurityEvent, SessionView, TwoFactorSetup},
    catalog::*,
    instance::DeployAccepted,
    instance::*,
    job::JobView,
    Email, EntityId, Hostname, IdempotencyKey, Me, NewPassword, Role,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;

/// Where a request came from, as far as it can be trusted (see `ZENITH_TRUSTED_PROXIES`).
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// What a server function hands the backend about the request it is serving.
#[derive(Clone)]
pub struct RequestCtx {
    pub session: tower_sessions::Session,
    pub client: ClientInfo,
}

/// Who is making a request, resolved from the session on every call.
///
/// `actor` is the person signed in; `customer_id` is whose cloud resources the request may see. They
/// are the same person for a customer; for staff they differ only inside an audited support session,
/// which may be read-only.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: String,
    pub email: Email,
    pub role: Role,
    /// The row in `auth_sessions` this request authenticated with.
    pub session_id: String,
    pub customer_id: Option<String>,
    pub read_only: bool,
    pub two_factor: bool,
}

impl Principal {
    /// The customer whose resources this request acts on. Staff outside a support session have none.
    pub fn customer(&self) -> Result<&str, AppError> {
        self.customer_id.as_deref().ok_or_else(|| {
            AppError::Forbidden("Staff accounts have no cloud resources of their own: open a customer's view from Support.".into())
        })
    }

    /// Changes are refused in a read-only support session.
    pub fn require_write(&self) -> Result<(), AppError> {
        if self.read_only {
            return Err(AppError::Forbidden("This support session is read-only.".into()));
        }
        Ok(())
    }

    pub fn require_staff(&self) -> Result<(), AppError> {
        if !self.role.is_staff() {
            return Err(AppError::Forbidden("This area is for support staff.".into()));
        }
        Ok(())
    }
}

/// `/api/instances/deploy`, parsed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeploySpec {
    pub zone_id: EntityId,
    pub offering_id: EntityId,
    pub template_id: EntityId,
    pub name: Hostname,
    pub ssh_key_name: Option<String>,
    pub security_group_ids: Vec<EntityId>,
    /// Raw cloud-init user data (not yet base64).
    pub user_data: Option<String>,
    pub idempotency_key: IdempotencyKey,
}

#[async_trait]
pub trait AuthPort: Send + Sync {
    async fn signup(&self, ctx: &RequestCtx, email: Email, password: NewPassword) -> Result<Me, AppError>;
    async fn login(&self, ctx: &RequestCtx, email: &str, password: &str) -> Result<LoginOutcome, AppError>;
    async fn login_second_factor(&self, ctx: &RequestCtx, code: &str) -> Result<Me, AppError>;
    async fn logout(&self, ctx: &RequestCtx) -> Result<(), AppError>;
    /// The signed-in principal, or `Unauthorized`.
    async fn principal(&self, ctx: &RequestCtx) -> Result<Principal, AppError>;
    async fn me(&self, principal: &Principal) -> Result<Me, AppError>;
    /// May this principal use the support area? (Staff only; with 2FA when the policy says so.)
    async fn support_gate(&self, principal: &Principal) -> Result<(), AppError>;
}

#[async_trait]
pub trait CloudPort: Send + Sync {
    async fn zones(&self, p: &Principal) -> Result<Vec<Zone>, AppError>;
    async fn offerings(&self, p: &Principal, zone: &EntityId) -> Result<Vec<Offering>, AppError>;
    async fn templates(&self, p: &Principal, zone: &EntityId) -> Result<Vec<Template>, AppError>;
    async fn list_instances(&self, p: &Principal) -> Result<InstanceList, AppError>;
    async fn get_instance(&self, p: &Principal, id: &EntityId) -> Result<InstanceDetail, AppError>;
    async fn deploy(&self, p: &Principal, ctx: &RequestCtx, spec: DeploySpec) -> Result<DeployAccepted, AppError>;
    async fn act(&self, p: &Principal, ctx: &RequestCtx, id: &EntityId, action: Action) -> Result<String, AppError>;
    async fn job(&self, p: &Principal, id: &EntityId) -> Result<JobView, AppError>;
}

/// Which sessions to end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokeWhich {
    One(String),
    AllOthers,
}

#[async_trait]
pub trait AccountPort: Send + Sync {
    async fn two_factor_begin(&self, p: &Principal, ctx: &RequestCtx) -> Result<TwoFactorSetup, AppError>;
    async fn two_factor_confirm(&self, p: &Principal, ctx: &RequestCtx, code: &str) -> Result<RecoveryCodes, AppError>;
    async fn two_factor_disable(&self, p: &Principal, ctx: &RequestCtx, password: &str, code: &str) -> Result<(), AppError>;
    async fn change_password(&self, p: &Principal, ctx: &RequestCtx, current: &str, new: NewPassword) -> Result<(), AppError>;
    async fn sessions(&self, p: &Principal) -> Result<Vec<SessionView>, AppError>;
    async fn revoke_sessions(&self, p: &Principal, ctx: &RequestCtx, which: RevokeWhich) -> Result<Revoked, AppError>;
    async fn security_log(&self, p: &Principal) -> Result<Vec<SecurityEvent>, AppError>;
}

/// Everything the server functions can reach, provided as Leptos context by `server`.
#[derive(Clone)]
pub struct Ports {
    pub auth: Arc<dyn AuthPort>,
    pub account: Arc<dyn AccountPort>,
    pub cloud: Arc<dyn CloudPort>,
}
