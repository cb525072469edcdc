//! The list itself: filters, search, paging, and one row per instance.

use crate::components::{Copyable, StateBadge, TierBadge};
use crate::model::text::lowercase;
use crate::model::{Instance, InstanceList};
use leptos::prelude::*;
use leptos_router::components::A;
use std::net::Ipv6Addr;

/// Rows per page; also what the server renders before the whole list arrives.
pub const PAGE: usize = 50;

/// Does `q` find this instance? Names and IPv4 by substring; an IPv6 address in any valid notation
/// (compressed, expanded, upper case) by value.
pub fn matches_query(i: &Instance, q: &str) -> bool {
    let q = q.trim();
    if q.is_empty() {
        return true;
    }
    if let Ok(addr) = q.parse::<Ipv6Addr>() {
        return i.ipv6.as_deref().and_then(|v| v.parse::<Ipv6Addr>().ok()) == Some(addr);
    }
    let lq = lowercase(q);
    lowercase(&i.name).contains(&lq)
        || i.ipv4.as_deref().is_some_and(|a| a.contains(&lq))
        || i.ipv6.as_deref().is_some_and(|a| a.contains(&lq))
}

#[component]
pub fn InstanceTable(list: InstanceList) -> impl IntoView {
    let InstanceList { instances, zone_errors, total } = list;
    // Only the first page is here yet (the server-rendered page): the rest is on its way.
    let partial = (instances.len() as u32) < total;
    let empty = instances.is_empty() && zone_errors.is_empty();
    let mut zones: Vec<String> =
        instances.iter().map(|i| i.zone_name.clone()).chain(zone_errors.iter().map(|z| z.zone_name.clone())).collect();
    zones.sort();
    zones.dedup();
    let all = StoredValue::new(instances);
    let zone = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    let family = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let page = RwSignal::new(0usize);
    let filtered = Memo::new(move |_| {
        let (z, s, f, q) = (zone.get(), state.get(), family.get(), query.get());
        all.with_value(|v| {
            v.iter()
                .filter(|i| z.is_empty() || i.zone_name == z)
                .filter(|i| s.is_empty() || i.state.as_str() == s)
                .filter(|i| f.is_empty() || i.tier.map(|t| t.slug()) == Some(f.as_str()))
                .filter(|i| matches_query(i, &q))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    // Any change of filter goes back to the first page.
    Effect::new(move |_| {
        let _ = (zone.get(), state.get(), family.get(), query.get());
        page.set(0);
    });
    view! {
        {zone_errors.into_iter().map(|z| view! {
            <p class="alert alert-warning" role="alert">
                <strong>{format!("{} unavailable: ", z.zone_name)}</strong>{z.message}
            </p>
        }).collect_view()}
        {if empty {
            view! {
                <div class="empty">
                    <h2>"No instances yet"</h2>
                    <p>"Deploy your first instance in any of our five zones. It gets a public IPv4 and IPv6 address right away."</p>
                    <A href="/instances/new" attr:class="button primary">"Deploy an instance"</A>
                </div>
            }.into_any()
        } else {
            view! {
                <div class="filters" role="search">
                    <label>"Search" <input type="search" placeholder="Name, IPv4 or IPv6" bind:value=query/></label>
                    <label>"Zone"
                        <select on:change=move |ev| zone.set(event_target_value(&ev))>
                            <option value="">"All zones"</option>
                            {zones.iter().map(|z| view! { <option value=z.clone()>{z.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"State"
                        <select on:change=move |ev| state.set(event_target_value(&ev))>
                            <option value="">"Any state"</option>
                            {["Running", "Stopped", "Starting", "Stopping", "Error"].into_iter().map(|s| view! { <option value=s>{s}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Family"
                        <select on:change=move |ev| family.set(event_target_value(&ev))>
                            <option value="">"Agile and Stamina"</option>
                            <option value="agile">"Agile"</option>
                            <option value="stamina">"Stamina"</option>
                        </select>
                    </label>
                </div>
                <div class="table-wrap">
                    <table class="instances">
                        <thead><tr>
                            <th scope="col">"Name"</th><th scope="col">"Zone"</th><th scope="col">"State"</th>
                            <th scope="col">"IPv4"</th><th scope="col">"IPv6"</th><th scope="col">"Size"</th><th scope="col">"Created"</th>
                        </tr></thead>
                        <tbody>
                            {move || {
                                let p = page.get();
                                filtered.with(|f| f.iter().skip(p * PAGE).take(PAGE).cloned().map(row).collect_view())
                            }}
                        </tbody>
                    </table>
                </div>
                <nav class="pager" aria-label="Pages">
                    <span>{move || {
                        let n = if partial { total as usize } else { filtered.with(Vec::len) };
                        if n == 0 { "No instance matches these filters.".to_string() }
                        else { format!("{}–{} of {}", page.get() * PAGE + 1, ((page.get() + 1) * PAGE).min(n), n) }
                    }}</span>
                    <button type="button" class="button subtle" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
                    <button type="button" class="button subtle" disabled=move || { (page.get() + 1) * PAGE >= filtered.with(Vec::len) } on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
                </nav>
            }.into_any()
        }}
    }
}

fn row(i: Instance) -> impl IntoView {
    let href = format!("/instances/{}", i.id);
    let shown = i.clone();
    view! {
        <tr>
            <td><a href=href>{i.name.clone()}</a></td>
            <td>{i.zone_name.clone()}</td>
            <td><StateBadge instance=Signal::derive(move || shown.clone())/></td>
            <td>{i.ipv4.clone().map(|a| view! { <Copyable text=a label="IPv4 address"/> })}</td>
            <td>{i.ipv6.clone().map(|a| view! { <Copyable text=a label="IPv6 address"/> })}</td>
            <td>{i.offering_name.clone()} " " <TierBadge tier=i.tier/></td>
            <td><time datetime=i.created.to_string()>{i.created.shown()}</time></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InstanceState, Tier};

    fn inst(ipv6: &str) -> Instance {
        Instance {
            id: crate::model::InstanceId::parse("i").unwrap(),
            name: "web-01".into(),
            zone_id: crate::model::ZoneId::parse("z").unwrap(),
            zone_name: "Tokyo".into(),
            state: InstanceState::Running,
            ipv4: Some("198.51.100.23".into()),
            ipv6: Some(ipv6.into()),
            offering_id: crate::model::OfferingId::parse("o").unwrap(),
            offering_name: "Agile S".into(),
            tier: Some(Tier::Agile),
            created: crate::model::Timestamp::parse("2026-11-26T10:00:00Z").unwrap(),
            busy: None,
        }
    }

    #[test]
    fn an_ipv6_address_in_any_notation_finds_the_instance() {
        let i = inst("2001:db8:400::47a:88ff:fe00:8b");
        assert!(matches_query(&i, "2001:0DB8:0400:0000:047A:88FF:FE00:008B"));
        assert!(matches_query(&i, "2001:db8:400:0:47a:88ff:fe00:8b"));
        assert!(!matches_query(&i, "2001:db8:400::1"));
    }

    #[test]
    fn names_and_ipv4_match_by_substring() {
        let i = inst("2001:db8::1");
        assert!(matches_query(&i, "WEB"));
        assert!(matches_query(&i, "198.51.100"));
        assert!(!matches_query(&i, "db-"));
        assert!(matches_query(&i, "  "));
    }
}
