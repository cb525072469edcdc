//! SSH keys: listed from the cloud (which keeps them), with what the panel remembers about those added
//! through it; added by pasting a public key (parsed and checked first: a private key is refused and
//! goes nowhere), generated (ed25519, here: the private half is handed out once and never kept, and
//! the cloud only ever sees the public half), deleted. All of it is the account owner's alone.

mod repo;

use crate::audit::{self, Actor};
use crate::cloud::types::SshKeyPair;
use crate::cloud::{CloudFailure, InZone};
use crate::db::Db;
use crate::sshkey::{self, KeyError};
use crate::tenancy::{CustomerCloud, Tenancy, TenancyError};
use app::api::keys::KeysPort;
use app::error::AppError;
use app::model::audit::{AuditCategory, AuditEvent, AuditOutcome};
use app::model::keys::{GeneratedKey, KeyKind, KeyView};
use app::model::{CustomerId, SshKeyName};
use app::ports::{Owner, Principal};
use std::sync::Arc;

crate::feature_error! {
    pub enum KeysError {
        #[error("Not found.")]
        NotFound,
        #[error("You already have a key named {name}; choose another name or delete that one first.")]
        NameTaken { name: SshKeyName },
    }
    causes { BadKey(KeyError), Denied(app::ports::Denied), Cloud(CloudFailure), Tenancy(TenancyError) }
}

impl From<KeysError> for AppError {
    fn from(e: KeysError) -> AppError {
        match e {
            KeysError::NotFound => AppError::NotFound,
            KeysError::NameTaken { .. } => AppError::Conflict(e.to_string()),
            KeysError::BadKey(k) => AppError::invalid("public_key", k.to_string()),
            KeysError::Denied(d) => d.into(),
            KeysError::Cloud(f) => f.into(),
            KeysError::Tenancy(t) => t.into(),
            KeysError::Unexpected(e) => crate::error::unexpected(&e),
        }
    }
}

#[derive(Clone)]
pub struct Keys {
    db: Db,
    tenancy: Arc<Tenancy>,
}

fn view(k: &SshKeyPair, known: Option<&repo::KeyRow>) -> Option<KeyView> {
    let name = SshKeyName::parse(&k.name).ok()?;
    let known = known.filter(|r| r.fingerprint_md5 == k.fingerprint);
    Some(KeyView {
        name,
        kind: known.map(|r| r.kind).unwrap_or(KeyKind::Unknown),
        fingerprint: known.map(|r| r.fingerprint_sha256.clone()),
        fingerprint_md5: k.fingerprint.clone(),
        added: known.map(|r| app::model::Timestamp::from_unix_ms(r.added_at)),
    })
}

impl Keys {
    pub fn new(db: Db, tenancy: Arc<Tenancy>) -> Keys {
        Keys { db, tenancy }
    }

    async fn cloud(&self, customer: &CustomerId) -> Result<CustomerCloud, KeysError> {
        Ok(self.tenancy.ensure(customer).await?)
    }

    async fn audit(&self, o: &Owner<'_>, action: AuditEvent, name: &SshKeyName, detail: &str) {
        let p = o.principal();
        let actor = Actor::from_principal(p);
        audit::record_or_log(
            &self.db,
            audit::Entry {
                actor: Some(&actor),
                subject: Some(&p.user_id),
                category: AuditCategory::Keys,
                action: action.into(),
                target_id: Some(name.as_str()),
                outcome: AuditOutcome::Succeeded,
                detail: Some(detail),
                ip: p.client.ip,
            },
        )
        .await;
    }

    async fn list(&self, p: &Principal) -> Result<Vec<KeyView>, KeysError> {
        let customer = p.customer()?;
        let cloud = self.cloud(customer).await?;
        let keys = cloud.client.list_ssh_key_pairs(None).await.in_zone(None)?;
        let known = repo::all(&mut *self.db.pool.acquire().await?, customer).await?;
        Ok(keys
            .iter()
            .filter(|k| cloud.owns(k.account.as_deref()))
            .filter_map(|k| view(k, known.iter().find(|r| r.name == k.name)))
            .collect())
    }

    /// Registers `public` in the cloud under `name` and remembers its details.
    async fn register(&self, o: &Owner<'_>, name: SshKeyName, key: &sshkey::ParsedKey) -> Result<KeyView, KeysError> {
        let customer = o.principal().customer()?;
        let cloud = self.cloud(customer).await?;
        if !cloud.client.list_ssh_key_pairs(Some(&name)).await.in_zone(None)?.is_empty() {
            return Err(KeysError::NameTaken { name });
        }
        let line = key.key.to_openssh().map_err(anyhow::Error::from)?;
        let registered = cloud.client.register_ssh_key_pair(&name, &line).await.in_zone(None)?;
        let sha256 = sshkey::sha256_fingerprint(&key.key);
        repo::put(&mut *self.db.pool.acquire().await?, customer, &name, &registered.fingerprint, key.kind, &sha256).await?;
        let detail = format!("{} {sha256}", key.kind);
        Ok(KeyView {
            name,
            kind: key.kind,
            fingerprint: Some(sha256),
            fingerprint_md5: registered.fingerprint,
            added: Some(app::model::Timestamp::from_unix_ms(crate::db::now_ms())),
        })
        .inspect(|_| tracing::info!(%detail, "SSH key registered"))
    }

    async fn add(&self, o: &Owner<'_>, name: SshKeyName, public_key: &str) -> Result<KeyView, KeysError> {
        // Checked before anything else sees it: a private key never reaches a log, the database or the cloud.
        let key = sshkey::parse(public_key)?;
        let view = self.register(o, name.clone(), &key).await?;
        self.audit(o, AuditEvent::KeyAdded, &name, &view.kind.to_string()).await;
        Ok(view)
    }

    async fn generate(&self, o: &Owner<'_>, name: SshKeyName) -> Result<GeneratedKey, KeysError> {
        let (key, private_key) = sshkey::generate(&format!("{name}@zenith"))?;
        let view = self.register(o, name.clone(), &key).await?;
        self.audit(o, AuditEvent::KeyGenerated, &name, &view.kind.to_string()).await;
        Ok(GeneratedKey { key: view, private_key })
    }

    async fn delete(&self, o: &Owner<'_>, name: &SshKeyName) -> Result<(), KeysError> {
        let customer = o.principal().customer()?;
        let cloud = self.cloud(customer).await?;
        if cloud.client.list_ssh_key_pairs(Some(name)).await.in_zone(None)?.iter().all(|k| k.name != name.as_str()) {
            return Err(KeysError::NotFound);
        }
        cloud.client.delete_ssh_key_pair(name).await.in_zone(None)?;
        repo::remove(&mut *self.db.pool.acquire().await?, customer, name).await?;
        self.audit(o, AuditEvent::KeyDeleted, name, name.as_str()).await;
        Ok(())
    }
}

#[async_trait::async_trait]
impl KeysPort for Keys {
    async fn list(&self, p: &Principal) -> Result<Vec<KeyView>, AppError> {
        Ok(Keys::list(self, p).await?)
    }

    async fn add(&self, o: &Owner<'_>, name: SshKeyName, public_key: &str) -> Result<KeyView, AppError> {
        Ok(Keys::add(self, o, name, public_key).await?)
    }

    async fn generate(&self, o: &Owner<'_>, name: SshKeyName) -> Result<GeneratedKey, AppError> {
        Ok(Keys::generate(self, o, name).await?)
    }

    async fn delete(&self, o: &Owner<'_>, name: &SshKeyName) -> Result<(), AppError> {
        Ok(Keys::delete(self, o, name).await?)
    }
}
