//! Tenancy: every customer is a CloudStack account in the customers' domain, and every cloud call
//! made for a customer is signed with that account's own API keys, so CloudStack itself enforces
//! the tenant boundary.
//!
//! Provisioning uses the admin credential and is idempotent: the account name is derived from the
//! customer id, every step first looks for what a previous (interrupted) attempt made, and progress is
//! recorded as it goes. A customer never ends up with two accounts, and an interrupted sign-up is
//! finished by the next sign-in or cloud call.
//!
//! Each server caches customers' clients; a cached client is used only while its key version matches
//! the one in the database, so keys rolled on one server are picked up by every other at once. The
//! locks that keep one customer's provisioning from running twice are a fixed set of stripes.

mod repo;

use crate::cloud::catalog::Catalog;
use crate::cloud::commands::NewAccount;
use crate::cloud::types::VirtualMachine;
use crate::cloud::{CloudError, CloudFailure, CloudStack, Credentials};
use crate::crypto::MasterKey;
use crate::db::Db;
use anyhow::Context as _;
use app::error::AppError;
use app::model::{CustomerId, InstanceId, ZoneId};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::hash::{Hash, Hasher as _};
use std::sync::{Arc, Mutex};

const SECRET_PURPOSE: &str = "cloudstack-secret";
const KEY_PURPOSE: &str = "cloudstack-key";
/// How many customers may be provisioned at the same moment (distinct customers rarely collide).
const LOCK_STRIPES: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum TenancyError {
    /// The cloud refused or could not be reached while the account was being set up.
    #[error("provisioning the cloud account")]
    Cloud(#[source] CloudError),
    #[error("no such customer")]
    UnknownCustomer,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<TenancyError> for AppError {
    fn from(e: TenancyError) -> AppError {
        match e {
            TenancyError::Cloud(c) => {
                tracing::warn!(error = %c, "cloud account not ready");
                AppError::Unavailable("Your cloud account is still being set up. Please try again in a minute.".into())
            }
            TenancyError::UnknownCustomer => AppError::Unauthorized,
            TenancyError::Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

impl From<CloudError> for TenancyError {
    fn from(e: CloudError) -> TenancyError {
        TenancyError::Cloud(e)
    }
}

/// The customer's cloud client, with the account name CloudStack shows as a VM's `account`.
#[derive(Clone, Debug)]
pub struct CustomerCloud {
    pub client: CloudStack,
    pub account_name: String,
}

impl CustomerCloud {
    /// Is an object the cloud lists this customer's? (The keys already scope every call; this checks
    /// again.)
    pub fn owns(&self, account: Option<&str>) -> bool {
        account.is_none_or(|a| a == self.account_name)
    }

    /// The VM if it exists and is this customer's; `None` otherwise, whichever it is. See
    /// [`Tenancy::owned_vm`], which names the zone when this fails.
    async fn owned_vm(&self, id: &InstanceId) -> Result<Option<VirtualMachine>, CloudError> {
        Ok(self.client.get_virtual_machine(id).await?.filter(|vm| self.owns(vm.account.as_deref())))
    }
}

pub struct Tenancy {
    db: Db,
    admin: CloudStack,
    catalog: Arc<Catalog>,
    key: MasterKey,
    domain_name: String,
    domain_id: tokio::sync::OnceCell<String>,
    clients: Mutex<HashMap<CustomerId, (i64, CustomerCloud)>>,
    locks: Vec<tokio::sync::Mutex<()>>,
}

/// The CloudStack account name for a customer id: stable, so retries find what they made.
pub fn account_name(customer: &CustomerId) -> String {
    format!("zenith-{}", customer.as_str().replace('-', ""))
}

impl Tenancy {
    pub fn new(db: Db, admin: CloudStack, catalog: Arc<Catalog>, key: MasterKey, domain_name: String) -> Tenancy {
        Tenancy {
            db,
            admin,
            catalog,
            key,
            domain_name,
            domain_id: tokio::sync::OnceCell::new(),
            clients: Mutex::new(HashMap::new()),
            locks: (0..LOCK_STRIPES).map(|_| tokio::sync::Mutex::new(())).collect(),
        }
    }

    pub fn admin(&self) -> &CloudStack {
        &self.admin
    }

    /// One of the customer's VMs by id; `None` if it does not exist or is someone else's. The cloud
    /// is asked by id alone, so when that fails its answer does not say where: the zone is named
    /// from what the panel knows of the instance (the directory's last sighting, or where its deploy
    /// was aimed), so the customer reads "The Miami zone is unreachable", not "The cloud".
    pub async fn owned_vm(
        &self,
        cloud: &CustomerCloud,
        customer: &CustomerId,
        id: &InstanceId,
    ) -> Result<Option<VirtualMachine>, CloudFailure> {
        match cloud.owned_vm(id).await {
            Ok(vm) => Ok(vm),
            Err(e) => {
                let zone = self.zone_name_of(customer, id).await;
                Err(CloudFailure::new(e, zone.as_deref()))
            }
        }
    }

    /// Best effort: a failure here leaves the zone unnamed, never hides the cloud's failure.
    async fn zone_name_of(&self, customer: &CustomerId, id: &InstanceId) -> Option<String> {
        let zone = repo::zone_of(&mut *self.conn().await.ok()?, customer, id).await.ok()??;
        Some(self.catalog.zone(&ZoneId::parse(&zone).ok()?).await.ok()??.name)
    }

    /// A connection for one statement: none is held across a cloud call.
    async fn conn(&self) -> anyhow::Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        self.db.pool.acquire().await.context("connecting to the database")
    }

    fn cached(&self, customer: &CustomerId, version: i64) -> Option<CustomerCloud> {
        let clients = self.clients.lock().expect("tenancy lock");
        clients.get(customer).filter(|(v, _)| *v == version).map(|(_, c)| c.clone())
    }

    fn stripe(&self, customer: &CustomerId) -> &tokio::sync::Mutex<()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        customer.hash(&mut h);
        &self.locks[(h.finish() as usize) % LOCK_STRIPES]
    }

    /// The customer's client, provisioning the cloud account first if needed.
    pub async fn ensure(&self, customer: &CustomerId) -> Result<CustomerCloud, TenancyError> {
        let row = repo::customer(&mut *self.conn().await?, customer).await?.ok_or(TenancyError::UnknownCustomer)?;
        if let Some(c) = self.cached(customer, row.key_version) {
            return Ok(c);
        }
        let _guard = self.stripe(customer).lock().await;
        let row = repo::customer(&mut *self.conn().await?, customer).await?.ok_or(TenancyError::UnknownCustomer)?;
        if let Some(c) = self.cached(customer, row.key_version) {
            return Ok(c);
        }
        let (api_key, secret, version) = match (row.cs_api_key.as_deref(), row.cs_secret_sealed.as_deref()) {
            (Some(k), Some(s)) => (
                self.key.open(KEY_PURPOSE, k).context("opening a customer's API key")?.expose_secret().to_string(),
                self.key.open(SECRET_PURPOSE, s).context("opening a customer's secret key")?,
                row.key_version,
            ),
            _ => self.provision(customer, &row).await?,
        };
        let cloud =
            CustomerCloud { client: self.admin.as_user(Credentials { api_key, secret_key: secret }), account_name: row.cs_account_name };
        self.clients.lock().expect("tenancy lock").insert(customer.clone(), (version, cloud.clone()));
        Ok(cloud)
    }

    async fn domain(&self) -> Result<String, CloudError> {
        self.domain_id
            .get_or_try_init(|| async {
                let found = self.admin.list_domains(Some(&self.domain_name)).await?;
                if let Some(d) = found.into_iter().find(|d| d.name == self.domain_name) {
                    return Ok(d.id);
                }
                match self.admin.create_domain(&self.domain_name).await {
                    Ok(d) => Ok(d.id),
                    // Another server created it a moment ago.
                    Err(e) if e.is_param_error() => self
                        .admin
                        .list_domains(Some(&self.domain_name))
                        .await?
                        .into_iter()
                        .find(|d| d.name == self.domain_name)
                        .map(|d| d.id)
                        .ok_or(e),
                    Err(e) => Err(e),
                }
            })
            .await
            .cloned()
    }

    #[tracing::instrument(skip_all, fields(customer = %customer))]
    async fn provision(&self, customer: &CustomerId, row: &repo::CustomerRow) -> Result<(String, SecretString, i64), TenancyError> {
        let domain_id = self.domain().await?;
        let name = &row.cs_account_name;
        let existing = self.admin.list_accounts(name, &domain_id).await?.into_iter().find(|a| &a.name == name);
        let account = match existing {
            Some(a) => a,
            None => {
                let new = NewAccount {
                    account: name.clone(),
                    username: name.clone(),
                    // Nobody signs in to CloudStack's own UI with this; the panel uses API keys.
                    password: crate::crypto::random_token(40),
                    email: row.email.clone(),
                    first_name: "Zenith".into(),
                    last_name: "Customer".into(),
                    domain_id: domain_id.clone(),
                };
                match self.admin.create_account(&new).await {
                    Ok(a) => a,
                    // Made by an attempt whose answer was lost: adopt it.
                    Err(e) if e.is_param_error() => self
                        .admin
                        .list_accounts(name, &domain_id)
                        .await?
                        .into_iter()
                        .find(|a| &a.name == name)
                        .ok_or(TenancyError::Cloud(e))?,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let user_id = match account.user.first() {
            Some(u) => u.id.clone(),
            None => self
                .admin
                .list_users(name, &domain_id)
                .await?
                .into_iter()
                .next()
                .map(|u| u.id)
                .with_context(|| format!("the cloud has no user in account {name}"))?,
        };
        repo::record_account(&mut *self.conn().await?, customer, &domain_id, &account.id, &user_id).await?;
        let keys = self.admin.get_user_keys(&user_id).await?;
        let keys = match (keys.apikey, keys.secretkey) {
            (Some(k), Some(s)) if !k.is_empty() && !s.is_empty() => (k, s),
            _ => {
                let fresh = self.admin.register_user_keys(&user_id).await?;
                (fresh.apikey.context("the cloud returned no API key")?, fresh.secretkey.context("the cloud returned no secret key")?)
            }
        };
        let (key, secret) = (self.key.seal(KEY_PURPOSE, &keys.0), self.key.seal(SECRET_PURPOSE, &keys.1));
        let version = repo::record_keys(&mut *self.conn().await?, customer, &key, &secret).await?;
        tracing::info!(account = %name, "cloud account ready");
        Ok((keys.0, SecretString::from(keys.1), version))
    }
}
