//! `/api/instances/ptr*`: reverse DNS, the name each of an instance's addresses answers `dig -x` with.
//! Reading is for anyone who sees the instance (support too); changing takes the write capability.

use super::codec::Json;
use crate::error::AppError;
use crate::model::ptr::{InstancePtrs, Ptr};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use port::DnsPort;

#[cfg(feature = "ssr")]
mod port {
    use crate::error::AppError;
    use crate::model::ptr::{Family, InstancePtrs, Ptr, PtrName};
    use crate::model::InstanceId;
    use crate::ports::{Principal, Writer};

    #[async_trait::async_trait]
    pub trait DnsPort: Send + Sync {
        /// Both addresses' PTRs as DNS answers them now.
        async fn ptrs(&self, p: &Principal, id: &InstanceId) -> Result<InstancePtrs, AppError>;
        /// Sets a forward-confirmed name; answers the address's PTR as it now is.
        async fn set(&self, w: &Writer<'_>, id: &InstanceId, family: Family, name: PtrName) -> Result<Ptr, AppError>;
        /// Gives the address the provider's default name again.
        async fn reset(&self, w: &Writer<'_>, id: &InstanceId, family: Family) -> Result<Ptr, AppError>;
    }
}

/// A name as a customer typed it, internationalised names in their ASCII (`xn--`) form: the `url`
/// crate converts as the browser's URL parser does (WHATWG, UTS #46), then the one rule applies.
#[cfg(feature = "ssr")]
fn ptr_name(raw: &str) -> Result<crate::model::ptr::PtrName, String> {
    use crate::model::ptr::PtrName;
    let trimmed = raw.trim();
    if trimmed.is_ascii() || trimmed.chars().any(char::is_whitespace) || trimmed.len() > 1024 {
        return PtrName::parse(trimmed);
    }
    match url::Host::parse(trimmed.trim_end_matches('.')) {
        Ok(url::Host::Domain(ascii)) => PtrName::parse(&ascii),
        _ => Err("That is not a host name this DNS can hold; check the spelling.".into()),
    }
}

/// `{id}` → `{ipv4: {address, name, default}, ipv6: …}`, read from DNS.
#[server(prefix = "/api", endpoint = "instances/ptr", input = Json, output = Json)]
pub async fn get_ptrs(id: String) -> Result<InstancePtrs, AppError> {
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    ports.dns.ptrs(&p, &super::instances::known(crate::model::InstanceId::parse(&id))?).await
}

/// `{id, family: "ipv4"|"ipv6", name}`: the name must already resolve to the address (A or AAAA).
#[server(prefix = "/api", endpoint = "instances/ptr/set", input = Json, output = Json)]
pub async fn set_ptr(id: String, family: String, name: String) -> Result<Ptr, AppError> {
    use crate::model::audit::AuditEvent;
    use crate::model::ptr::Family;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let w = super::ssr::writer(&ports, &p, AuditEvent::PtrChanged, Some(super::ssr::Target::Instance(&id))).await?;
    let family = super::field("family", Family::parse(&family))?;
    let name = super::field("name", ptr_name(&name))?;
    ports.dns.set(&w, &super::instances::known(crate::model::InstanceId::parse(&id))?, family, name).await
}

/// `{id, family}`: back to the provider's default name.
#[server(prefix = "/api", endpoint = "instances/ptr/reset", input = Json, output = Json)]
pub async fn reset_ptr(id: String, family: String) -> Result<Ptr, AppError> {
    use crate::model::audit::AuditEvent;
    use crate::model::ptr::Family;
    let (ports, _ctx, p) = super::ssr::signed_in().await?;
    let w = super::ssr::writer(&ports, &p, AuditEvent::PtrChanged, Some(super::ssr::Target::Instance(&id))).await?;
    let family = super::field("family", Family::parse(&family))?;
    ports.dns.reset(&w, &super::instances::known(crate::model::InstanceId::parse(&id))?, family).await
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::ptr_name;

    #[test]
    fn internationalised_names_arrive_in_their_ascii_form() {
        assert_eq!(ptr_name("Bücher.example").unwrap().to_string(), "xn--bcher-kva.example");
        assert_eq!(ptr_name("mail.bücher.example.").unwrap().to_string(), "mail.xn--bcher-kva.example");
        assert!(ptr_name("bad name.example").unwrap_err().contains("no spaces"));
        assert_eq!(ptr_name("MAIL.example.com").unwrap().to_string(), "mail.example.com");
    }
}
