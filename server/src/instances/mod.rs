//! Instances across zones: the catalogue with prices, the customer's instances from every zone at
//! once, an instance's page, deploys (idempotent) and lifecycle actions followed as jobs.
//!
//! Every call for a customer is signed with the customer's own keys (see `tenancy`); ownership is
//! also checked here, so an id that is not the caller's answers exactly like one that does not exist.

mod deploy;
pub mod jobs;
mod view;

use crate::audit::{self, Actor};
use crate::cloud::catalog::Catalog;
use crate::cloud::types::VirtualMachine;
use crate::cloud::zones::across_zones;
use crate::cloud::CloudError;
use crate::db::Db;
use crate::error::OrInternal;
use crate::tenancy::{CustomerCloud, Tenancy, TenancyError};
use app::error::AppError;
use app::model::instance::{ActivityEntry, SecurityGroupRef};
use app::model::*;
use app::ports::{CloudPort, DeploySpec, Principal, RequestCtx};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

pub use view::canonical_ipv6;

#[derive(Clone)]
pub struct Instances {
    pub(crate) db: Db,
    pub(crate) tenancy: Arc<Tenancy>,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) zone_deadline: Duration,
    pub(crate) currency: Currency,
}

/// A cloud failure as the caller should see it (one place for the whole service).
pub fn cloud_error(e: &CloudError, zone: Option<&str>) -> AppError {
    let msg = e.customer_message(zone);
    match e {
        CloudError::Api { errorcode: 431 | 430, .. } => AppError::Invalid { field: None, message: msg },
        CloudError::Api { errorcode: 532 | 536 | 537, .. } => AppError::Conflict(msg),
        CloudError::Api { errorcode: 533..=535, .. } => AppError::Unavailable(msg),
        CloudError::Timeout { .. } | CloudError::Connect { .. } | CloudError::Http { .. } | CloudError::JobTimeout { .. } => {
            AppError::Unavailable(msg)
        }
        _ => AppError::Cloud(msg),
    }
}

fn tenancy_error(e: TenancyError) -> AppError {
    match e {
        TenancyError::Cloud(c) => {
            tracing::warn!(error = %c, "cloud account not ready");
            AppError::Unavailable("Your cloud account is still being set up. Please try again in a minute.".into())
        }
        other => {
            tracing::error!(error = %other, "tenancy failure");
            AppError::Internal
        }
    }
}

impl Instances {
    pub fn new(db: Db, tenancy: Arc<Tenancy>, catalog: Arc<Catalog>, zone_deadline: Duration, currency: Currency) -> Instances {
        Instances { db, tenancy, catalog, zone_deadline, currency }
    }

    pub(crate) async fn cloud_for(&self, p: &Principal) -> Result<CustomerCloud, AppError> {
        let customer = p.customer()?;
        self.tenancy.ensure(customer).await.map_err(tenancy_error)
    }

    async fn prices(&self) -> Result<Vec<(String, i64, i64)>, AppError> {
        sqlx::query_as("SELECT offering_name, hourly_minor, monthly_minor FROM prices")
            .fetch_all(&self.db.pool)
            .await
            .or_internal("reading prices")
    }

    fn price_of(&self, prices: &[(String, i64, i64)], name: &str) -> Option<(Money, Money)> {
        prices.iter().find(|(n, _, _)| n == name).map(|(_, h, m)| (Money::new(*h, self.currency), Money::new(*m, self.currency)))
    }

    async fn zone_name(&self, zone_id: &str) -> String {
        match self.catalog.zone(zone_id).await {
            Ok(Some(z)) => z.name,
            _ => zone_id.to_string(),
        }
    }

    /// The VM if it exists and belongs to the caller; `NotFound` otherwise, whichever it is.
    pub(crate) async fn owned_vm(&self, cloud: &CustomerCloud, id: &EntityId) -> Result<VirtualMachine, AppError> {
        let vm = cloud.client.get_virtual_machine(id.as_str()).await.map_err(|e| cloud_error(&e, None))?;
        match vm {
            Some(vm) if vm.account.as_deref().is_none_or(|a| a == cloud.account_name) => Ok(vm),
            _ => Err(AppError::NotFound),
        }
    }

    pub(crate) async fn audit_instance(
        &self,
        p: &Principal,
        ctx: &RequestCtx,
        action: &str,
        target: &str,
        detail: Option<&str>,
    ) -> Option<String> {
        let actor = Actor::from_principal(p);
        audit::record_or_log(
            &self.db,
            audit::Entry {
                actor: Some(&actor),
                subject_customer_id: p.customer_id.as_deref(),
                category: "instance",
                action,
                target_id: Some(target),
                outcome: "requested",
                detail,
                ip: ctx.client.ip,
            },
        )
        .await
    }

    async fn activity(&self, customer: &str, instance_id: &str) -> Result<Vec<ActivityEntry>, AppError> {
        let rows = audit::for_target(&self.db, customer, instance_id, 100).await.or_internal("reading activity")?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let outcome: Option<(String, Option<String>)> = sqlx::query_as("SELECT status, error FROM jobs WHERE audit_id = $1")
                .bind(&r.id)
                .fetch_optional(&self.db.pool)
                .await
                .or_internal("reading a job")?;
            let outcome = match outcome {
                Some((status, Some(err))) if status == "failed" => format!("failed: {err}"),
                Some((status, _)) => status,
                None => r.outcome.clone(),
            };
            let actor = match (r.actor_email, r.actor_role.as_deref()) {
                (Some(e), Some("support" | "admin")) => format!("Support ({e})"),
                (Some(e), _) => e,
                (None, _) => "Zenith".into(),
            };
            out.push(ActivityEntry { at: crate::db::rfc3339(r.at), actor, action: r.action, outcome });
        }
        Ok(out)
    }
}

#[async_trait]
impl CloudPort for Instances {
    async fn zones(&self, _p: &Principal) -> Result<Vec<Zone>, AppError> {
        let zones = self.catalog.zones().await.map_err(|e| cloud_error(&e, None))?;
        Ok(zones.iter().map(|z| Zone { id: z.id.clone(), name: z.name.clone() }).collect())
    }

    async fn offerings(&self, _p: &Principal, zone: &EntityId) -> Result<Vec<Offering>, AppError> {
        if self.catalog.zone(zone.as_str()).await.map_err(|e| cloud_error(&e, None))?.is_none() {
            return Err(AppError::invalid("zone_id", "There is no such zone."));
        }
        let offerings = self.catalog.offerings().await.map_err(|e| cloud_error(&e, None))?;
        let prices = self.prices().await?;
        let mut out: Vec<Offering> = offerings.iter().filter_map(|o| view::offering(o, self.price_of(&prices, &o.name))).collect();
        out.sort_by_key(|o| (o.tier.slug(), o.cpu, o.memory_mb));
        Ok(out)
    }

    async fn templates(&self, _p: &Principal, zone: &EntityId) -> Result<Vec<Template>, AppError> {
        if self.catalog.zone(zone.as_str()).await.map_err(|e| cloud_error(&e, None))?.is_none() {
            return Err(AppError::invalid("zone_id", "There is no such zone."));
        }
        let zone_name = self.zone_name(zone.as_str()).await;
        let templates = self.catalog.templates(zone.as_str()).await.map_err(|e| cloud_error(&e, Some(&zone_name)))?;
        Ok(templates
            .iter()
            .map(|t| Template {
                id: t.id.clone(),
                name: t.name.clone(),
                password_enabled: t.passwordenabled,
                ssh_key_enabled: t.sshkeyenabled,
            })
            .collect())
    }

    #[tracing::instrument(skip_all, fields(customer = ?p.customer_id))]
    async fn list_instances(&self, p: &Principal) -> Result<InstanceList, AppError> {
        let cloud = self.cloud_for(p).await?;
        let zones = self.catalog.zones().await.map_err(|e| cloud_error(&e, None))?;
        let offerings = self.catalog.offerings().await.map_err(|e| cloud_error(&e, None))?;
        let outcomes = across_zones(zones.to_vec(), self.zone_deadline, "listVirtualMachines", |z| {
            let client = cloud.client.clone();
            async move {
                client.list_virtual_machines(&crate::cloud::commands::VmQuery { zone_id: Some(z.id.clone()), ..Default::default() }).await
            }
        })
        .await;
        let mut instances = Vec::new();
        let mut zone_errors = Vec::new();
        for o in outcomes {
            match o.result {
                Ok(vms) => instances.extend(
                    vms.iter()
                        .filter(|vm| vm.account.as_deref().is_none_or(|a| a == cloud.account_name))
                        .map(|vm| view::instance(vm, &o.zone.name, &offerings)),
                ),
                Err(e) => zone_errors.push(ZoneError {
                    zone_id: o.zone.id.clone(),
                    zone_name: o.zone.name.clone(),
                    message: e.customer_message(Some(&o.zone.name)),
                }),
            }
        }
        instances.sort_by(|a, b| a.name.cmp(&b.name).then(a.zone_name.cmp(&b.zone_name)));
        Ok(InstanceList { instances, zone_errors })
    }

    async fn get_instance(&self, p: &Principal, id: &EntityId) -> Result<InstanceDetail, AppError> {
        let cloud = self.cloud_for(p).await?;
        let vm = self.owned_vm(&cloud, id).await?;
        let offerings = self.catalog.offerings().await.map_err(|e| cloud_error(&e, None))?;
        let prices = self.prices().await?;
        let instance = view::instance(&vm, &self.zone_name(&vm.zoneid).await, &offerings);
        let nic = vm.primary_nic().cloned().unwrap_or_default();
        let customer = p.customer()?;
        let pending_job: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM jobs WHERE customer_id = $1 AND instance_id = $2 AND status = 'pending' ORDER BY created_at DESC LIMIT 1",
        )
        .bind(customer)
        .bind(&vm.id)
        .fetch_optional(&self.db.pool)
        .await
        .or_internal("reading jobs")?;
        Ok(InstanceDetail {
            cpu: vm.cpunumber,
            memory_mb: vm.memory,
            template_id: vm.templateid.clone(),
            template_name: vm.templatename.clone(),
            password_enabled: vm.passwordenabled,
            ssh_key: vm.key_pair_name().map(str::to_string),
            ipv4_gateway: nic.gateway.clone(),
            ipv4_netmask: nic.netmask.clone(),
            ipv6_prefix: nic.ip6cidr.clone(),
            ipv6_gateway: nic.ip6gateway.as_deref().and_then(canonical_ipv6),
            security_groups: vm.securitygroup.iter().map(|g| SecurityGroupRef { id: g.id.clone(), name: g.name.clone() }).collect(),
            price_hourly: self.price_of(&prices, &vm.serviceofferingname).map(|p| p.0),
            pending_job: pending_job.map(|j| j.0),
            activity: self.activity(customer, &vm.id).await?,
            instance,
        })
    }

    async fn deploy(&self, p: &Principal, ctx: &RequestCtx, spec: DeploySpec) -> Result<DeployAccepted, AppError> {
        deploy::deploy(self, p, ctx, spec).await
    }

    async fn act(&self, p: &Principal, ctx: &RequestCtx, id: &EntityId, action: Action) -> Result<String, AppError> {
        jobs::act(self, p, ctx, id, action).await
    }

    async fn job(&self, p: &Principal, id: &EntityId) -> Result<JobView, AppError> {
        jobs::view(self, p, id).await
    }
}
