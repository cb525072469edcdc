//! The pages whose code the browser loads on demand (the site is built with `cargo leptos build
//! --split`). Each is a route in two halves: `data` starts the page's loads the moment it is
//! navigated to, and `view`, in its own WebAssembly chunk, renders them once that chunk has arrived
//! — so the data and the code travel together, neither waiting for the other. The instance list
//! and signing in are not here: a visit starts there, and they stay in the main module.
//!
//! The server renders every page in full either way; only the browser's download is split.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{account, billing, console, deploy, firewall, instance, keys, support};

/// One lazy route per page: `Route(module::Data => Page)` makes `Route`, whose `data()` is
/// `Data::start()` and whose view is `<Page data/>`, and lists it for [`prefetch`] (in the order the
/// navigation offers the pages), so a page added here is split and prefetched alike.
macro_rules! lazy_pages {
    ($($route:ident($module:ident::$data:ident => $page:ident);)+) => {
        $(
            pub struct $route($module::$data);

            #[lazy_route]
            impl LazyRoute for $route {
                fn data() -> Self {
                    $route($module::$data::start())
                }
                fn view(this: Self) -> AnyView {
                    view! { <$module::$page data=this.0/> }.into_any()
                }
            }
        )+

        /// Every page's chunk, one after the other.
        #[cfg(feature = "hydrate")]
        async fn preload_all() {
            $(<$route as LazyRoute>::preload().await;)+
        }
    };
}

lazy_pages! {
    Deploy(deploy::DeployData => DeployPage);
    Instance(instance::InstanceData => InstancePage);
    Firewall(firewall::FirewallData => FirewallPage);
    Keys(keys::KeysData => KeysPage);
    Billing(billing::BillingData => BillingPage);
    Account(account::AccountData => AccountPage);
    Group(firewall::GroupData => GroupPage);
    Support(support::SupportData => SupportPage);
    Customer(support::CustomerData => CustomerPage);
    Audit(support::AuditData => AuditPage);
}

/// The console: on demand like the rest, but never prefetched (it is a document of its own, opened
/// by a full load, and few visits need it).
pub struct Console(console::ConsoleData);

#[lazy_route]
impl LazyRoute for Console {
    fn data() -> Self {
        Console(console::ConsoleData::start())
    }
    fn view(this: Self) -> AnyView {
        view! { <console::ConsolePage data=this.0/> }.into_any()
    }
}

/// Fetches every on-demand page's code, one after the other (see `bundle::prefetch`): the first
/// page's own requests have already been answered, and these never compete with a click for the
/// connection.
#[cfg(feature = "hydrate")]
pub fn prefetch() {
    leptos::task::spawn_local(preload_all());
}
