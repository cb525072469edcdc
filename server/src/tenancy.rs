//! Tenancy: every customer is a CloudStack account in the customers' domain, and every cloud call
//! made for a customer is signed with that account's own API keys, so CloudStack itself enforces
//! the tenant boundary.
//!
//! Provisioning uses the admin credential and is idempotent: the account name is derived from the
//! customer id, every step first looks for what a previous (interrupted) attempt made, and progress is
//! recorded as it goes. A customer never ends up with two accounts, and an interrupted sign-up is
//! finished by the next sign-in or cloud call.

use crate::cloud::commands::NewAccount;
use crate::cloud::{CloudError, CloudStack, Credentials};
use crate::crypto::MasterKey;
use crate::db::{now_ms, Db};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const SECRET_PURPOSE: &str = "cloudstack-secret";
const KEY_PURPOSE: &str = "cloudstack-key";

#[derive(Debug, thiserror::Error)]
pub enum TenancyError {
    #[error("cloud: {0}")]
    Cloud(#[from] CloudError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("no such customer")]
    UnknownCustomer,
    #[error("the cloud returned no user for account {0}")]
    NoUser(String),
    #[error("the cloud returned no API keys for the account's user")]
    NoKeys,
    #[error("{0}")]
    Sealed(#[from] crate::crypto::OpenError),
}

#[derive(Debug, sqlx::FromRow)]
struct CustomerRow {
    cs_account_name: String,
    cs_api_key: Option<String>,
    cs_secret_sealed: Option<String>,
    email: String,
}

/// The customer's cloud client, with the account name CloudStack shows as a VM's `account`.
#[derive(Clone, Debug)]
pub struct CustomerCloud {
    pub client: CloudStack,
    pub account_name: String,
}

pub struct Tenancy {
    db: Db,
    admin: CloudStack,
    key: MasterKey,
    domain_name: String,
    domain_id: tokio::sync::OnceCell<String>,
    clients: Mutex<HashMap<String, CustomerCloud>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// The CloudStack account name for a customer id: stable, so retries find what they made.
pub fn account_name(customer_id: &str) -> String {
    format!("zenith-{}", customer_id.replace('-', ""))
}

/// Records a new customer (inside the sign-up transaction); the cloud account comes later.
pub async fn register(tx: &mut sqlx::Transaction<'_, sqlx::Any>, customer_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO customers (user_id, cs_account_name) VALUES ($1, $2)")
        .bind(customer_id)
        .bind(account_name(customer_id))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Tenancy {
    pub fn new(db: Db, admin: CloudStack, key: MasterKey, domain_name: String) -> Tenancy {
        Tenancy {
            db,
            admin,
            key,
            domain_name,
            domain_id: tokio::sync::OnceCell::new(),
            clients: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
        }
    }

    pub fn admin(&self) -> &CloudStack {
        &self.admin
    }

    /// The customer's client, provisioning the cloud account first if needed.
    pub async fn ensure(&self, customer_id: &str) -> Result<CustomerCloud, TenancyError> {
        if let Some(c) = self.clients.lock().expect("tenancy lock").get(customer_id) {
            return Ok(c.clone());
        }
        let lock = self.locks.lock().expect("tenancy lock").entry(customer_id.to_string()).or_default().clone();
        let _guard = lock.lock().await;
        if let Some(c) = self.clients.lock().expect("tenancy lock").get(customer_id) {
            return Ok(c.clone());
        }
        let row: CustomerRow = sqlx::query_as(
            "SELECT c.cs_account_name, c.cs_api_key, c.cs_secret_sealed, u.email FROM customers c JOIN users u ON u.id = c.user_id WHERE c.user_id = $1",
        )
        .bind(customer_id)
        .fetch_optional(&self.db.pool)
        .await?
        .ok_or(TenancyError::UnknownCustomer)?;
        let (api_key, secret) = match (row.cs_api_key.as_deref(), row.cs_secret_sealed.as_deref()) {
            (Some(k), Some(s)) => (self.key.open(KEY_PURPOSE, k)?.expose_secret().to_string(), self.key.open(SECRET_PURPOSE, s)?),
            _ => self.provision(customer_id, &row).await?,
        };
        let cloud =
            CustomerCloud { client: self.admin.as_user(Credentials { api_key, secret_key: secret }), account_name: row.cs_account_name };
        self.clients.lock().expect("tenancy lock").insert(customer_id.to_string(), cloud.clone());
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
                    Err(e @ CloudError::Api { errorcode: 431, .. }) => self
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

    #[tracing::instrument(skip_all, fields(customer = %customer_id))]
    async fn provision(&self, customer_id: &str, row: &CustomerRow) -> Result<(String, SecretString), TenancyError> {
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
                    password: crate::sim::world::random_token(40),
                    email: row.email.clone(),
                    first_name: "Zenith".into(),
                    last_name: "Customer".into(),
                    domain_id: domain_id.clone(),
                };
                match self.admin.create_account(&new).await {
                    Ok(a) => a,
                    Err(CloudError::Api { errorcode: 431, .. }) => self
                        .admin
                        .list_accounts(name, &domain_id)
                        .await?
                        .into_iter()
                        .find(|a| &a.name == name)
                        .ok_or_else(|| TenancyError::NoUser(name.clone()))?,
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
                .ok_or_else(|| TenancyError::NoUser(name.clone()))?,
        };
        sqlx::query("UPDATE customers SET cs_domain_id = $1, cs_account_id = $2, cs_user_id = $3 WHERE user_id = $4")
            .bind(&domain_id)
            .bind(&account.id)
            .bind(&user_id)
            .bind(customer_id)
            .execute(&self.db.pool)
            .await?;
        let keys = self.admin.get_user_keys(&user_id).await?;
        let keys = match (keys.apikey, keys.secretkey) {
            (Some(k), Some(s)) if !k.is_empty() && !s.is_empty() => (k, s),
            _ => {
                let fresh = self.admin.register_user_keys(&user_id).await?;
                (fresh.apikey.ok_or(TenancyError::NoKeys)?, fresh.secretkey.ok_or(TenancyError::NoKeys)?)
            }
        };
        sqlx::query("UPDATE customers SET cs_api_key = $1, cs_secret_sealed = $2, provisioned_at = $3 WHERE user_id = $4")
            .bind(self.key.seal(KEY_PURPOSE, &keys.0))
            .bind(self.key.seal(SECRET_PURPOSE, &keys.1))
            .bind(now_ms())
            .bind(customer_id)
            .execute(&self.db.pool)
            .await?;
        tracing::info!(account = %name, "cloud account ready");
        Ok((keys.0, SecretString::from(keys.1)))
    }
}
