//! Adding rules: one click for the common ones (both families), or any traffic from any mix of IPv4
//! and IPv6 ranges, each range checked as it is typed with the same parser the server uses.

use crate::api::firewall::add_rules;
use crate::components::{ErrorNote, FieldError};
use crate::error::AppError;
use crate::model::firewall::{AddRulesOutcome, Cidr, Direction, IcmpMatch, NewRules, PortRange, Preset, Protocol, Traffic};
use crate::model::SecurityGroupId;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Sends one rule set; the server answers what was added and what failed, per range.
async fn send(group: &SecurityGroupId, r: &NewRules) -> Result<AddRulesOutcome, AppError> {
    add_rules(group.to_string(), r.direction.as_str().to_string(), (&r.traffic).into(), r.cidrs.iter().map(|c| c.to_string()).collect())
        .await
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
pub fn RuleForm(group: SecurityGroupId, on_added: Callback<()>) -> impl IntoView {
    let group = StoredValue::new(group);
    let direction = RwSignal::new(Direction::Ingress);
    let protocol = RwSignal::new(Protocol::Tcp);
    let ports = RwSignal::new(String::new());
    let icmp_type = RwSignal::new(String::from("8"));
    let icmp_code = RwSignal::new(String::from("0"));
    let anywhere = RwSignal::new(true);
    let sources = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let done = RwSignal::new(None::<String>);

    let run = move |sets: Vec<NewRules>| {
        busy.set(true);
        error.set(None);
        done.set(None);
        spawn_local(async move {
            let mut outcome = AddRulesOutcome::default();
            for set in &sets {
                match send(&group.get_value(), set).await {
                    Ok(o) => {
                        outcome.added.extend(o.added);
                        outcome.failed.extend(o.failed);
                    }
                    Err(e) => {
                        error.set(Some(e));
                        break;
                    }
                }
            }
            if !outcome.added.is_empty() || !outcome.failed.is_empty() {
                done.set(Some(summary(&outcome)));
            }
            busy.set(false);
            if !outcome.added.is_empty() {
                on_added.run(());
            }
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
        let cidrs: Vec<Cidr> = if anywhere.get() {
            vec![crate::model::firewall::Family::V4.anywhere(), crate::model::firewall::Family::V6.anywhere()]
        } else {
            let parsed: Result<Vec<Cidr>, _> = checked.get().into_iter().map(|(_, c)| c).collect();
            parsed.ok().filter(|c| !c.is_empty())?
        };
        Some(vec![NewRules { direction: direction.get(), traffic, cidrs }])
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
                    <label class="check"><input type="checkbox" prop:checked=move || anywhere.get() on:change=move |ev| anywhere.set(event_target_checked(&ev))/>
                        {move || if direction.get() == Direction::Ingress { "From anywhere (0.0.0.0/0 and ::/0)" } else { "To anywhere (0.0.0.0/0 and ::/0)" }}</label>
                    <Show when=move || !anywhere.get()>
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
            <ErrorNote error=Signal::derive(move || error.get().filter(|e| e.field() != Some("cidrs")))/>
            {move || done.get().map(|m| view! { <p class="alert alert-ok" role="status">{m}</p> })}
        </section>
    }
}
