//! `/api/keys/*`: the customer's SSH keys. Every change is the account owner's (never a support
//! session's, not even an acting one).

use super::codec::Json;
use crate::error::AppError;
use crate::model::keys::{GeneratedKey, KeyView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::KeysPort;

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::keys::{GeneratedKey, KeyView};
    use crate::model::SshKeyName;
    use crate::ports::{Owner, Principal};

    #[async_trait::async_trait]
    pub trait KeysPort: Send + Sync {
        async fn list(&self, p: &Principal) -> Result<Vec<KeyView>, AppError>;
        /// `public_key` as pasted; a private key is refused and goes nowhere.
        async fn add(&self, o: &Owner<'_>, name: SshKeyName, public_key: &str) -> Result<KeyView, AppError>;
        async fn generate(&self, o: &Owner<'_>, name: SshKeyName) -> Result<GeneratedKey, AppError>;
        async fn delete(&self, o: &Owner<'_>, name: &SshKeyName) -> Result<(), AppError>;
    }
}

#[server(prefix = "/api", endpoint = "keys/list", input = Json, output = Json)]
pub async fn list_keys() -> Result<Vec<KeyView>, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.keys.list(&p).await
}

#[server(prefix = "/api", endpoint = "keys/add", input = Json, output = Json)]
pub async fn add_key(name: String, public_key: String) -> Result<KeyView, AppError> {
    use crate::model::keys::PUBLIC_KEY_MAX_BYTES;
    use crate::model::SshKeyName;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::KeyAdded).await?;
    let name = super::field("name", SshKeyName::parse(&name))?;
    if public_key.len() > PUBLIC_KEY_MAX_BYTES {
        return Err(AppError::invalid("public_key", "That is far longer than any public key; paste the one line of your .pub file."));
    }
    ports.keys.add(&o, name, &public_key).await
}

#[server(prefix = "/api", endpoint = "keys/generate", input = Json, output = Json)]
pub async fn generate_key(name: String) -> Result<GeneratedKey, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::KeyGenerated).await?;
    let name = super::field("name", crate::model::SshKeyName::parse(&name))?;
    ports.keys.generate(&o, name).await
}

#[server(prefix = "/api", endpoint = "keys/delete", input = Json, output = Json)]
pub async fn delete_key(name: String) -> Result<(), AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let o = super::ssr::owner(&ports, &p, crate::model::audit::AuditEvent::KeyDeleted).await?;
    // A name that cannot be anyone's key is not found, like any other missing name.
    let name = crate::model::SshKeyName::parse(&name).map_err(|_| AppError::NotFound)?;
    ports.keys.delete(&o, &name).await
}
