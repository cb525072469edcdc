//! Adding rules: one click for the common ones (both families), or any traffic from any mix of IPv4
//! and IPv6 ranges, each range checked as it is typed with the same parser the server uses.

use crate::api::codec::Act;
use crate::api::firewall::add_rules;
use crate::components::{ErrorNote, FieldError};
use crate::error::AppError;
use crate::model::firewall::{
    AddRulesOutcome, Cidr, Direction, GroupPeer, IcmpMatch, NewRules, Peer, PortRange, Preset, Protocol, Traffic,
};
use crate::model::SecurityGroupId;
use leptos::prelude::*;

/// Sends one rule set; the server answers what was added and what failed, per range or group.
async fn send(group: &SecurityGroupId, r: &NewRules) -> Result<AddRulesOutcome, AppError> {
    let cidrs = r.cidrs().map(|c| c.to_string()).collect();
    let groups = r.peers.iter().filter_map(|p| if let Peer::Group(g) = p { Some(g.name.clone()) } else { None }).collect();
    add_rules(group.to_string(), r.direction.as_str().to_string(), (&r.traffic).into(), cidrs, groups).await
}

/// Where the traffic a rule allows comes from (or goes to).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Anywhere,
    Ranges,
    Group,
}

/// The ranges typed, split on commas, spaces and new lines.
fn ranges(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// What the customer reads after adding.
fn summary(o: &AddRulesOutcome) -> String {
    let added = match o.added.len() {
        0 => "No rule was added.".to_string(),
        1 => "1 rule added.".to_string(),
        n => format!("{n} rules added."),
    };
    let failed: Vec<String> = o.failed.iter().map(|f| format!("{}: {}", f.cidr, f.message)).collect();
    if failed.is_empty() {
        added
    } else {
        format!("{added} Not added — {}", failed.join(" "))
    }
}

#[component]
pub fn RuleForm(
    group: SecurityGroupId,
    /// The account's groups, whose instances a rule may admit.
    #[prop(into)]
    groups: Signal<Vec<String>>,
    on_added: Callback<()>,
) -> impl IntoView {
    let group = StoredValue::new(group);
    let direction = RwSignal::new(Direction::Ingress);
    let protocol = RwSignal::new(Protocol::Tcp);
    let ports = RwSignal::new(String::new());
    let icmp_type = RwSignal::new(String::from("8"));
    let icmp_code = RwSignal::new(String::from("0"));
    let source = RwSignal::new(Source::Anywhere);
    let sources = RwSignal::new(String::new());
    let peer_group = RwSignal::new(String::new());
    // One run adds every set (a preset may be two); its answer is what was added and what failed.
    let adding = Act::<AddRulesOutcome>::local();
    let busy = adding.pending();
    let error = Signal::derive(move || adding.value().get().and_then(Result::err));
    let done = Signal::derive(move || {
        adding.value().get().and_then(Result::ok).filter(|o| !o.added.is_empty() || !o.failed.is_empty()).map(|o| summary(&o))
    });

    let run = move |sets: Vec<NewRules>| {
        adding.clear();
        let group = group.get_value();
        adding.perform(async move {
            let mut outcome = AddRulesOutcome::default();
            for set in &sets {
                match send(&group, set).await {
                    Ok(o) => {
                        outcome.added.extend(o.added);
                        outcome.failed.extend(o.failed);
                    }
                    // What an earlier set added stays added and is reported; the rest is not tried.
                    Err(e) if outcome.added.is_empty() => return Err(e),
                    Err(_) => break,
                }
            }
            if !outcome.added.is_empty() {
                on_added.run(());
            }
            Ok(outcome)
        });
    };

    // Each range as typed, with what is wrong with it and, for host bits, the network to use instead.
    let checked = Memo::new(move |_| ranges(&sources.get()).into_iter().map(|r| (r.clone(), Cidr::parse(&r))).collect::<Vec<_>>());
    let traffic = Memo::new(move |_| -> Result<Traffic, (&'static str, String)> {
        let num = |s: String| s.trim().parse::<i64>().ok();
        match protocol.get() {
            Protocol::Tcp => PortRange::parse_text(&ports.get()).map(Traffic::Tcp),
            Protocol::Udp => PortRange::parse_text(&ports.get()).map(Traffic::Udp),
            Protocol::Icmp => IcmpMatch::parse(num(icmp_type.get()), num(icmp_code.get())).map(Traffic::Icmp),
            Protocol::All => Ok(Traffic::All),
        }
    });
    let rule_sets = move || -> Option<Vec<NewRules>> {
        let traffic = traffic.get().ok()?;
        let peers: Vec<Peer> = match source.get() {
            Source::Anywhere => {
                vec![Peer::Cidr(crate::model::firewall::Family::V4.anywhere()), Peer::Cidr(crate::model::firewall::Family::V6.anywhere())]
            }
            Source::Ranges => {
                let parsed: Result<Vec<Cidr>, _> = checked.get().into_iter().map(|(_, c)| c).collect();
                parsed.ok().filter(|c| !c.is_empty())?.into_iter().map(Peer::Cidr).collect()
            }
            Source::Group => {
                let name = peer_group.get();
                groups.get().contains(&name).then(|| vec![Peer::Group(GroupPeer { name, account: None })])?
            }
        };
        Some(vec![NewRules { direction: direction.get(), traffic, peers }])
    };
    let field_error = Signal::derive(move || error.get());

    view! {
        <section class="panel" aria-labelledby="add-rule-h">
            <h2 id="add-rule-h">"Add rules"</h2>
            <p class="muted">"One click opens a service to everyone, over IPv4 and IPv6:"</p>
            <div class="action-row" role="group" aria-label="Presets">
                {Preset::ALL.into_iter().map(|p| view! {
                    <button type="button" class="button" disabled=move || busy.get() on:click=move |_| run(p.rule_sets())>
                        {format!("Allow {}", p.label())}
                    </button>
                }).collect_view()}
            </div>
            <form class="rule-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); if let Some(sets) = rule_sets() { run(sets) } } novalidate>
                <fieldset>
                    <legend>"Or any rule"</legend>
                    <div class="choices two" role="radiogroup" aria-label="Direction">
                        {[Direction::Ingress, Direction::Egress].into_iter().map(|d| view! {
                            <label class="choice">
                                <input type="radio" name="direction" prop:checked=move || direction.get() == d on:change=move |_| direction.set(d)/>
                                <span class="choice-title">{d.label()}</span>
                                <span class="choice-text">{if d == Direction::Ingress { "Traffic to the instance" } else { "Traffic from the instance" }}</span>
                            </label>
                        }).collect_view()}
                    </div>
                    <label for="rule-protocol">"Protocol"</label>
                    <select id="rule-protocol" on:change=move |ev| { if let Some(p) = Protocol::parse(&event_target_value(&ev)) { protocol.set(p) } }>
                        {Protocol::ALL.iter().map(|p| view! { <option value=p.as_str() selected=move || protocol.get() == *p>{p.label()}</option> }).collect_view()}
                    </select>
                    <Show when=move || matches!(protocol.get(), Protocol::Tcp | Protocol::Udp)>
                        <label for="rule-ports">"Port or range"</label>
                        <input id="rule-ports" type="text" inputmode="numeric" placeholder="22 or 8000-8080" autocomplete="off" bind:value=ports aria-describedby="rule-ports-error"/>
                        {move || (!ports.get().is_empty()).then(|| traffic.get().err()).flatten().map(|(_, m)| view! { <p class="field-error" id="rule-ports-error" role="alert">{m}</p> })}
                    </Show>
                    <Show when=move || protocol.get() == Protocol::Icmp>
                        <div class="two-inputs">
                            <label>"ICMP type" <input type="text" inputmode="numeric" bind:value=icmp_type/></label>
                            <label>"ICMP code" <input type="text" inputmode="numeric" bind:value=icmp_code/></label>
                        </div>
                        <p class="hint">"−1 means any. Echo request (ping) is type 8 for IPv4 and 128 for ICMPv6: the Ping preset adds both."</p>
                        {move || traffic.get().err().map(|(_, m)| view! { <p class="field-error" role="alert">{m}</p> })}
                    </Show>
                    <div class="choices three" role="radiogroup" aria-label=move || if direction.get() == Direction::Ingress { "From" } else { "To" }>
                        {[
                            (Source::Anywhere, "Anywhere", "0.0.0.0/0 and ::/0"),
                            (Source::Ranges, "Address ranges", "IPv4 and IPv6 networks"),
                            (Source::Group, "Instances in a group", "Their IPv4 and IPv6 addresses"),
                        ].into_iter().map(|(s, title, text)| view! {
                            <label class="choice">
                                <input type="radio" name="rule-source" prop:checked=move || source.get() == s on:change=move |_| source.set(s)/>
                                <span class="choice-title">{title}</span>
                                <span class="choice-text">{text}</span>
                            </label>
                        }).collect_view()}
                    </div>
                    <Show when=move || source.get() == Source::Group>
                        <label for="rule-group">{move || if direction.get() == Direction::Ingress { "From the instances in group" } else { "To the instances in group" }}</label>
                        <select id="rule-group" on:change=move |ev| peer_group.set(event_target_value(&ev)) aria-describedby="rule-groups-error">
                            <option value="" selected=move || peer_group.get().is_empty()>"Choose a group"</option>
                            {move || groups.get().into_iter().map(|g| {
                                let value = g.clone();
                                let chosen = g.clone();
                                view! { <option value=value selected=move || peer_group.get() == chosen>{g}</option> }
                            }).collect_view()}
                        </select>
                        <p class="hint">"Members of that group reach this one over IPv4 and IPv6, whatever their addresses become."</p>
                        <FieldError error=field_error field="groups" id="rule-groups-error"/>
                    </Show>
                    <Show when=move || source.get() == Source::Ranges>
                        <label for="rule-sources">"Address ranges (IPv4 and IPv6, one per line)"</label>
                        <textarea id="rule-sources" rows="3" spellcheck="false" placeholder="203.0.113.0/24\n2001:db8:42::/48" bind:value=sources aria-describedby="rule-sources-check"></textarea>
                        <ul class="cidr-checks" id="rule-sources-check" aria-live="polite">
                            {move || checked.get().into_iter().map(|(raw, parsed)| match parsed {
                                Ok(c) => view! { <li class="ok">{format!("{c} ({})", c.family().label())}</li> }.into_any(),
                                Err(e) => {
                                    let fix = e.suggestion.clone();
                                    let replace = raw.clone();
                                    view! {
                                        <li class="field-error">{e.message.clone()}
                                            {fix.map(|f| {
                                                let label = format!("Use {f}");
                                                view! { <button type="button" class="button subtle" on:click=move |_| sources.update(|s| *s = s.replace(&replace, &f))>{label}</button> }
                                            })}
                                        </li>
                                    }.into_any()
                                }
                            }).collect_view()}
                        </ul>
                    </Show>
                    <FieldError error=field_error field="cidrs" id="rule-cidrs-error"/>
                    <button type="submit" class="button primary" disabled=move || busy.get() || rule_sets().is_none()>"Add rule"</button>
                </fieldset>
            </form>
            <ErrorNote error=Signal::derive(move || error.get().filter(|e| !matches!(e.field(), Some("cidrs" | "groups"))))/>
            {move || done.get().map(|m| view! { <p class="alert alert-ok" role="status">{m}</p> })}
        </section>
    }
}
