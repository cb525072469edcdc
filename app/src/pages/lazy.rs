//! The pages whose code the browser loads on demand (the site is built with `cargo leptos build
//! --split`). Each is a route in two halves: `data` starts the page's loads the moment it is
//! navigated to, and `view`, in its own WebAssembly chunk, renders them once that chunk has arrived
//! — so the data and the code travel together, neither waiting for the other. The instance list
//! and signing in are not here: a visit starts there, and they stay in the main module.
//!
//! The server renders every page in full either way; only the browser's download is split.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{account, billing, deploy, firewall, instance, keys, support};

pub struct Deploy(deploy::DeployData);

#[lazy_route]
impl LazyRoute for Deploy {
    fn data() -> Self {
        Deploy(deploy::DeployData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <deploy::DeployPage data=this.0/> }.into_any()
    }
}

pub struct Instance(instance::InstanceData);

#[lazy_route]
impl LazyRoute for Instance {
    fn data() -> Self {
        Instance(instance::InstanceData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <instance::InstancePage data=this.0/> }.into_any()
    }
}

pub struct Firewall(firewall::FirewallData);

#[lazy_route]
impl LazyRoute for Firewall {
    fn data() -> Self {
        Firewall(firewall::FirewallData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <firewall::FirewallPage data=this.0/> }.into_any()
    }
}

pub struct Group(firewall::GroupData);

#[lazy_route]
impl LazyRoute for Group {
    fn data() -> Self {
        Group(firewall::GroupData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <firewall::GroupPage data=this.0/> }.into_any()
    }
}

pub struct Keys(keys::KeysData);

#[lazy_route]
impl LazyRoute for Keys {
    fn data() -> Self {
        Keys(keys::KeysData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <keys::KeysPage data=this.0/> }.into_any()
    }
}

pub struct Billing(billing::BillingData);

#[lazy_route]
impl LazyRoute for Billing {
    fn data() -> Self {
        Billing(billing::BillingData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <billing::BillingPage data=this.0/> }.into_any()
    }
}

pub struct Account(account::AccountData);

#[lazy_route]
impl LazyRoute for Account {
    fn data() -> Self {
        Account(account::AccountData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <account::AccountPage data=this.0/> }.into_any()
    }
}

pub struct Support(support::SupportData);

#[lazy_route]
impl LazyRoute for Support {
    fn data() -> Self {
        Support(support::SupportData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <support::SupportPage data=this.0/> }.into_any()
    }
}

pub struct Customer(support::CustomerData);

#[lazy_route]
impl LazyRoute for Customer {
    fn data() -> Self {
        Customer(support::CustomerData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <support::CustomerPage data=this.0/> }.into_any()
    }
}

pub struct Audit(support::AuditData);

#[lazy_route]
impl LazyRoute for Audit {
    fn data() -> Self {
        Audit(support::AuditData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <support::AuditPage data=this.0/> }.into_any()
    }
}

/// Fetches every on-demand page's code while the browser is idle, once the first page works, so a
/// click does not wait for it. Skipped when the visitor asked to save data.
#[cfg(feature = "hydrate")]
pub fn prefetch() {
    use leptos::task::spawn_local;
    let save_data = js_sys::Reflect::get(&window().navigator(), &"connection".into())
        .ok()
        .filter(|c| !c.is_undefined())
        .and_then(|c| js_sys::Reflect::get(&c, &"saveData".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if save_data {
        return;
    }
    // One after the other, in the order the navigation offers them: the first page's own requests
    // have already been answered, and these never compete with a click for the connection.
    spawn_local(async {
        Deploy::preload().await;
        Instance::preload().await;
        Firewall::preload().await;
        Keys::preload().await;
        Billing::preload().await;
        Account::preload().await;
        Group::preload().await;
        Support::preload().await;
        Customer::preload().await;
        Audit::preload().await;
    });
}
