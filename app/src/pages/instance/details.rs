//! The addresses and the details panels.

use crate::components::Copyable;
use crate::model::InstanceDetail;
use leptos::prelude::*;

#[component]
pub fn AddressPanels(d: InstanceDetail) -> impl IntoView {
    let i = d.instance.clone();
    view! {
        <div class="grid">
            <section class="panel" aria-labelledby="addr-h">
                <h2 id="addr-h">"Addresses"</h2>
                <dl>
                    <dt>"IPv4"</dt>
                    <dd>{i.ipv4.clone().map(|a| view! { <Copyable text=a label="IPv4 address"/> })}</dd>
                    <dt>"IPv4 gateway"</dt><dd>{d.ipv4_gateway.clone()} {d.ipv4_netmask.clone().map(|m| format!(" (netmask {m})"))}</dd>
                    <dt>"IPv6"</dt>
                    <dd>{i.ipv6.clone().map(|a| view! { <Copyable text=a label="IPv6 address"/> })}</dd>
                    <dt>"IPv6 prefix"</dt><dd>{d.ipv6_prefix.clone()}</dd>
                    <dt>"IPv6 gateway"</dt><dd>{d.ipv6_gateway.clone()}</dd>
                </dl>
                <super::reverse_dns::ReverseDns id=i.id.clone()/>
            </section>
            <section class="panel" aria-labelledby="det-h">
                <h2 id="det-h">"Details"</h2>
                <dl>
                    <dt>"Size"</dt><dd>{format!("{} — {} vCPU, {} MB RAM", i.offering_name, d.cpu, d.memory_mb)}</dd>
                    <dt>"Storage"</dt><dd>{i.tier.map(|t| t.summary())}</dd>
                    <dt>"Image"</dt><dd>{d.template_name.clone()}</dd>
                    <dt>"SSH key"</dt><dd>{d.ssh_key.clone().unwrap_or_else(|| "none".into())}</dd>
                    <dt>"Price"</dt><dd>{d.price_hourly.map(|p| format!("{p} per hour")).unwrap_or_else(|| "not priced".into())}</dd>
                    <dt>"Created"</dt><dd>{i.created.shown()}</dd>
                </dl>
            </section>
        </div>
    }
}
