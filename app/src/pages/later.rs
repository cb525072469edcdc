//! Areas whose features arrive in the next releases. Each page says plainly what exists today.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn Later(title: &'static str, now: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <section class="panel">
            <p>{now}</p>
            <p class="muted">"This area is being built and is not available yet."</p>
        </section>
    }
}

#[component]
pub fn FirewallPage() -> impl IntoView {
    view! { <Later title="Firewall" now="Your instances use your default security group: all inbound traffic is blocked, all outbound traffic allowed."/> }
}

#[component]
pub fn KeysPage() -> impl IntoView {
    view! { <Later title="SSH keys" now="Instances can be deployed with a generated root password, shown once after deploy."/> }
}

#[component]
pub fn BillingPage() -> impl IntoView {
    view! { <Later title="Billing" now="Each size's hourly price and monthly cap are shown when you deploy and on each instance's page."/> }
}

#[component]
pub fn SupportPage() -> impl IntoView {
    let access = Resource::new(|| (), |_| crate::api::support::support_access());
    view! {
        <Title text="Support"/>
        <h1>"Support"</h1>
        <Suspense fallback=|| view! { <crate::components::Loading what="Loading…"/> }>
            {move || Suspend::new(async move {
                match access.await {
                    Ok(_) => view! {
                        <section class="panel">
                            <p>"Customer search and the audited customer view are coming to this area."</p>
                            <p class="muted">"This area is being built and is not available yet."</p>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <crate::components::ErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
