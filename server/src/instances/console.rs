//! Opening an instance's console: the cloud's console proxy (`createConsoleEndpoint`, CloudStack
//! 4.18+) for a running instance. The customer gets the proxy's own WebSocket URL (the panel does not
//! carry the pixels); a support session gets the panel's relay instead (`relay`), which ends with the
//! support session and, for a read-only one, drops every keystroke, pointer event and paste on the
//! server, where the staff member's browser cannot undo it. Every opening is audited on the instance.

use super::{repo, InstanceError, Instances};
use crate::audit;
use crate::cloud::types::ConsoleWebsocket;
use crate::cloud::InZone;
use crate::db::now_ms;
use app::model::audit::{AuditEvent, AuditOutcome};
use app::model::instance::ConsoleAccess;
use app::model::support::SupportMode;
use app::model::{InstanceId, InstanceState, Timestamp};
use app::ports::Principal;
use sha2::{Digest, Sha256};

/// How long a console token opens a session (the simulator's; CloudStack's proxy uses its own).
const TOKEN_MS: i64 = 60_000;
/// How long a cloud without consoles is believed before it is asked again (it may be upgraded).
const RECHECK: std::time::Duration = std::time::Duration::from_secs(3600);

/// The proxy's WebSocket URL as noVNC opens it: `wss://` for the usual TLS ports or when the
/// proxy's page is served over https, else `ws://`; the token (and `extra`) in the query.
pub fn websocket_url(ws: &ConsoleWebsocket, page_url: Option<&str>) -> String {
    let port = match &ws.port {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let tls = matches!(port.as_str(), "443" | "8443") || page_url.is_some_and(|u| u.starts_with("https://"));
    let host = if ws.host.contains(':') { format!("[{}]", ws.host) } else { ws.host.clone() };
    let path = ws.path.as_deref().filter(|p| !p.is_empty()).unwrap_or("/websockify");
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    let mut url = url::Url::parse(&format!("{}://{host}:{port}{path}", if tls { "wss" } else { "ws" }))
        .unwrap_or_else(|_| url::Url::parse("ws://invalid.invalid/").expect("a constant URL"));
    url.query_pairs_mut().append_pair("token", &ws.token);
    if let Some(extra) = ws.extra.as_deref().filter(|e| !e.is_empty()) {
        url.query_pairs_mut().append_pair("extra", extra);
    }
    url.to_string()
}

pub(super) fn ticket_hash(ticket: &str) -> String {
    hex::encode(Sha256::digest(ticket.as_bytes()))
}

#[tracing::instrument(skip_all, fields(instance = %id))]
pub async fn open(svc: &Instances, p: &Principal, id: &InstanceId) -> Result<ConsoleAccess, InstanceError> {
    let customer = p.customer()?;
    let cloud = svc.cloud_for(customer).await?;
    let vm = svc.owned_vm(&cloud, customer, id).await?;
    if InstanceState::parse(&vm.state) != InstanceState::Running {
        return Err(InstanceError::ConsoleNeedsRunning { state: InstanceState::parse(&vm.state) });
    }
    let missing = || svc.console_missing.lock().unwrap_or_else(|e| e.into_inner());
    if missing().is_some_and(|at| at.elapsed() < RECHECK) {
        return Err(InstanceError::ConsoleUnsupported);
    }
    let zone = svc.catalog.zone_name(&vm.zoneid).await;
    let endpoint = match cloud.client.create_console_endpoint(id).await {
        Err(e) if e.is_unknown_command() => {
            *missing() = Some(std::time::Instant::now());
            tracing::warn!("the cloud has no createConsoleEndpoint (CloudStack before 4.18): consoles are unavailable");
            return Err(InstanceError::ConsoleUnsupported);
        }
        other => other.in_zone(Some(&zone))?,
    };
    let ws = match (endpoint.success, endpoint.websocket) {
        (true, Some(ws)) => ws,
        (_, _) => return Err(InstanceError::ConsoleRefused { details: endpoint.details.unwrap_or_else(|| "no reason given".into()) }),
    };
    let upstream = websocket_url(&ws, endpoint.url.as_deref());
    let expires_at = now_ms() + TOKEN_MS;
    let support = p.support.as_ref();
    let view_only = support.is_some_and(|s| s.mode == SupportMode::ReadOnly);
    let detail = format!(
        "{}{}",
        if view_only { "view-only (read-only support session)" } else { "keyboard and screen" },
        p.client.ip.map(|ip| format!(" · from {ip}")).unwrap_or_default()
    );
    audit::on_instance(&svc.db, p, &customer.user(), AuditEvent::ConsoleOpened.into(), id.as_str(), AuditOutcome::Succeeded, Some(&detail))
        .await;
    // The customer's own console goes straight to the cloud; support's goes through the panel, which
    // ends it with the support session (and, read-only, drops every key).
    let Some(s) = support else {
        return Ok(ConsoleAccess {
            websocket_url: upstream,
            token: ws.token,
            expires_at: Timestamp::from_unix_ms(expires_at),
            view_only,
            instance_name: vm.name,
        });
    };
    let ticket = crate::crypto::random_token(43);
    let mut conn = svc.db.pool.acquire().await?;
    let relay = repo::NewRelay { ticket_hash: &ticket_hash(&ticket), upstream: &upstream, expires_at, support: &s.id, mode: s.mode };
    repo::insert_relay(&mut conn, &relay).await?;
    let mut relay = url::Url::parse(&svc.console_relay).map_err(|e| InstanceError::Unexpected(anyhow::anyhow!("the relay URL: {e}")))?;
    relay.query_pairs_mut().append_pair("token", &ticket);
    Ok(ConsoleAccess {
        websocket_url: relay.to_string(),
        token: ticket,
        expires_at: Timestamp::from_unix_ms(expires_at),
        view_only,
        instance_name: vm.name,
    })
}

/// Deletes console tickets that expired unused.
pub async fn prune(db: &crate::db::Db) -> anyhow::Result<u64> {
    Ok(repo::prune_relays(&mut *db.pool.acquire().await?, now_ms()).await?)
}
