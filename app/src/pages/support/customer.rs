//! `/support/customers/{id}`: what support sees before opening a customer's panel (the account,
//! instances per zone, recent activity), and the form that opens it: a reason (the customer reads
//! it), an optional ticket, the mode, and the staff member's password again.

use crate::api::codec::{later, Act, Call, Later};
use crate::api::support::{GetCustomer, StartSupport};
use crate::components::{general_error, loaded, ErrorNote, FieldError, Loading, StackTable};
use crate::model::support::{CustomerSummary, SupportAccessMode, SupportMode, SupportReason, SESSION_MINUTES};
use crate::model::{Role, Timestamp};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// What the page loads, started with the route, before the page's code has arrived.
#[derive(Clone, Copy)]
pub struct CustomerData {
    summary: Later<CustomerSummary>,
}

impl CustomerData {
    pub fn start() -> CustomerData {
        let id = crate::components::path_id();
        CustomerData { summary: later(move || Call::to(GetCustomer { id: id.get() })) }
    }
}

#[component]
pub fn CustomerPage(data: CustomerData) -> impl IntoView {
    let summary = data.summary;
    view! {
        <p><A href="/support">"← Support"</A></p>
        <Transition fallback=|| view! { <Loading what="Loading the customer…"/> }>
            {move || Suspend::new(async move {
                loaded(summary.await, |s| view! { <Summary s/> })
            })}
        </Transition>
    }
}

#[component]
fn Summary(s: CustomerSummary) -> impl IntoView {
    let access = match (s.support_access, &s.granted_until) {
        (SupportAccessMode::Always, _) => "always allowed".to_string(),
        (SupportAccessMode::Consent, Some(until)) => format!("allowed by the customer until {}", until.shown()),
        (SupportAccessMode::Consent, None) => "only when the customer allows it — not allowed now".to_string(),
    };
    view! {
        <Title text=format!("{} · Support", s.email)/>
        <h1>{s.email.to_string()}</h1>
        <section class="panel" aria-labelledby="facts-h">
            <h2 id="facts-h">"Account"</h2>
            <dl>
                <dt>"CloudStack account"</dt><dd><code>{s.account.clone()}</code></dd>
                <dt>"Signed up"</dt><dd>{s.signed_up.shown()}</dd>
                <dt>"Last sign-in"</dt><dd>{s.last_sign_in.map(Timestamp::shown).unwrap_or_else(|| "never".into())}</dd>
                <dt>"Two-factor sign-in"</dt><dd>{if s.two_factor { "on" } else { "off" }}</dd>
                <dt>"Support access"</dt><dd>{access}</dd>
            </dl>
        </section>
        <section class="panel" aria-labelledby="zones-h">
            <h2 id="zones-h">"Instances"</h2>
            {if s.zones.is_empty() { Some(view! { <p class="muted">"No instances."</p> }) } else { None }}
            {s.zones.into_iter().map(|z| view! {
                <h3>{format!("{} ({})", z.zone_name, z.instances.len())}</h3>
                {z.error.map(|e| view! { <p class="alert alert-warning">{e}</p> })}
                {(!z.instances.is_empty()).then(|| view! {
                    <StackTable headers=&["Name", "State", "IPv4", "IPv6"]>
                        {z.instances.into_iter().map(|i| view! {
                            <tr>
                                <td data-label="Name">{i.name}</td>
                                <td data-label="State"><span class=format!("state state-{}", i.state.as_str().to_ascii_lowercase())>{i.state.as_str()}</span></td>
                                <td data-label="IPv4"><code>{i.ipv4.unwrap_or_default()}</code>
                                    {i.ptr_ipv4.map(|n| view! { <br/><span class="muted">"PTR "<code>{n}</code></span> })}</td>
                                <td data-label="IPv6"><code>{i.ipv6.unwrap_or_default()}</code>
                                    {i.ptr_ipv6.map(|n| view! { <br/><span class="muted">"PTR "<code>{n}</code></span> })}</td>
                            </tr>
                        }).collect_view()}
                    </StackTable>
                })}
            }).collect_view()}
        </section>
        <OpenForm id=s.id.to_string() viewable=s.viewable/>
        <section class="panel" aria-labelledby="activity-h">
            <h2 id="activity-h">"Recent activity"</h2>
            <StackTable headers=&["When", "Who", "What", "Outcome"]>
                {s.activity.into_iter().map(|a| view! {
                    <tr>
                        <td data-label="When">{a.at.shown()}</td>
                        <td data-label="Who">{a.actor}</td>
                        <td data-label="What">{a.action.label()}{a.detail.map(|d| format!(" — {d}"))}</td>
                        <td data-label="Outcome">{a.outcome.as_str()}</td>
                    </tr>
                }).collect_view()}
            </StackTable>
            <p><A href=format!("/support/audit?customer_id={}", s.id)>"Everything in the audit log"</A></p>
        </section>
    }
}

/// Opens the customer's panel. On success the whole app reloads, as the customer's.
#[component]
fn OpenForm(id: String, viewable: bool) -> impl IntoView {
    let me = crate::pages::layout::use_who();
    let start = Act::of::<StartSupport>();
    let reason = RwSignal::new(String::new());
    let ticket = RwSignal::new(String::new());
    let mode = RwSignal::new(SupportMode::ReadOnly);
    let password = RwSignal::new(String::new());
    let problem = Memo::new(move |_| (!reason.get().is_empty()).then(|| SupportReason::parse(&reason.get()).err()).flatten());
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if matches!(start.value().get(), Some(Ok(_))) {
            crate::bundle::open("/");
        }
    });
    let id = StoredValue::new(id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        start.dispatch(StartSupport {
            customer_id: id.get_value(),
            reason: reason.get_untracked(),
            ticket: Some(ticket.get_untracked()).filter(|t| !t.trim().is_empty()),
            mode: mode.get_untracked().as_str().to_string(),
            password: password.get_untracked(),
        });
    };
    view! {
        <section class="panel" aria-labelledby="open-h">
            <h2 id="open-h">"Open the customer's panel"</h2>
            <p class="muted">{format!(
                "You will see exactly what the customer sees, for at most {SESSION_MINUTES} minutes. The customer can read who looked, when, why and what was done."
            )}</p>
            {(!viewable).then(|| view! {
                <p class="alert alert-warning">"Access not granted: this customer allows support only after they press \"Allow support for 24 hours\" on their Account page."</p>
            })}
            <form method="post" on:submit=submit novalidate>
                <label for="open-reason">"Reason (the customer reads this)"</label>
                <input id="open-reason" type="text" maxlength="500" required bind:value=reason aria-describedby="open-reason-error"
                    aria-invalid=move || problem.get().is_some().to_string()/>
                {move || problem.get().map(|m| view! { <p class="field-error" id="open-reason-error" role="alert">{m}</p> })}
                <FieldError error field="reason" id="open-reason-server-error"/>
                <label for="open-ticket">"Ticket (optional)"</label>
                <input id="open-ticket" type="text" maxlength="64" autocomplete="off" bind:value=ticket/>
                <FieldError error field="ticket" id="open-ticket-error"/>
                <div class="choices two" role="radiogroup" aria-label="Mode">
                    <label class="choice">
                        <input type="radio" name="mode" prop:checked=move || mode.get() == SupportMode::ReadOnly on:change=move |_| mode.set(SupportMode::ReadOnly)/>
                        <span class="choice-title">"Read-only"</span>
                        <span class="choice-text">"Look at everything; change nothing."</span>
                    </label>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            me.await.ok().filter(|m| m.role == Role::Admin).map(|_| view! {
                                <label class="choice">
                                    <input type="radio" name="mode" prop:checked=move || mode.get() == SupportMode::Acting on:change=move |_| mode.set(SupportMode::Acting)/>
                                    <span class="choice-title">"Acting (admins)"</span>
                                    <span class="choice-text">"Instance actions and firewall changes; never the account's password, two-factor sign-in, email or SSH keys."</span>
                                </label>
                            })
                        })}
                    </Suspense>
                </div>
                <label for="open-password">"Your password"</label>
                <input id="open-password" type="password" autocomplete="current-password" required bind:value=password/>
                <ErrorNote error=Signal::derive(move || general_error(error.get(), &["reason", "ticket"]))/>
                <button type="submit" class="button primary"
                    disabled=move || !viewable || start.pending().get() || problem.get().is_some() || reason.get().trim().is_empty() || password.get().is_empty()>
                    {move || if mode.get() == SupportMode::Acting { "Open an acting view" } else { "Open a read-only view" }}
                </button>
            </form>
        </section>
    }
}
