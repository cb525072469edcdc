//! `/support`: find a customer (by email, account, instance name or id, or an address in any
//! notation); `/support/customers/{id}`: their summary and the audited way into their panel;
//! `/support/audit`: the audit log. Staff only, and the server checks that on every call.

mod audit;
mod banner;
mod customer;

pub use audit::{AuditData, AuditPage};
pub use banner::SupportBanner;
pub use customer::{CustomerData, CustomerPage};

use crate::api::codec::{later, Call, Later};
use crate::api::support::SupportReady;
use crate::api::support::{CheckSupportAccess, SearchCustomers, QUERY_MAX_CHARS};
use crate::components::{loaded, percent_encode, ErrorView, Loading};
use crate::model::support::CustomerHit;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

/// What the page loads, started with the route, before the page's code has arrived.
#[derive(Clone, Copy)]
pub struct SupportData {
    access: Later<SupportReady>,
    q: Memo<String>,
    hits: Later<Option<Vec<CustomerHit>>>,
}

impl SupportData {
    pub fn start() -> SupportData {
        let query = use_query_map();
        let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
        let hits = later(move || {
            let query = q.get();
            if query.trim().is_empty() {
                Call::none()
            } else {
                Call::to(SearchCustomers { query }).some()
            }
        });
        SupportData { access: later(|| Call::to(CheckSupportAccess {})), q, hits }
    }
}

#[component]
pub fn SupportPage(data: SupportData) -> impl IntoView {
    let SupportData { access, q, hits } = data;
    view! {
        <Title text="Support"/>
        <h1>"Support"</h1>
        <Suspense fallback=|| view! { <Loading what="Loading…"/> }>
            {move || Suspend::new(async move {
                match access.await {
                    Ok(_) => view! { <Search q hits/> }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The search lives in the address (`?q=`), so a result can be linked and Back returns to it.
#[component]
fn Search(q: Memo<String>, hits: Later<Option<Vec<CustomerHit>>>) -> impl IntoView {
    let typed = RwSignal::new(q.get_untracked());
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = typed.get_untracked();
        let encoded = percent_encode(text.trim());
        navigate(&format!("/support?q={encoded}"), Default::default());
    };
    view! {
        <section class="panel" aria-labelledby="search-h">
            <h2 id="search-h">"Find a customer"</h2>
            <form role="search" method="get" action="/support" on:submit=submit>
                <label for="support-q">"Email, account, instance name or id, or an IPv4 or IPv6 address"</label>
                <div class="search-row">
                    <input id="support-q" name="q" type="search" autocomplete="off" spellcheck="false" maxlength=QUERY_MAX_CHARS.to_string()
                        bind:value=typed value=move || typed.get()/>
                    <button type="submit" class="button primary">"Search"</button>
                </div>
            </form>
            <p><A href="/support/audit">"Audit log"</A></p>
        </section>
        <Transition fallback=|| view! { <Loading what="Searching…"/> }>
            {move || Suspend::new(async move {
                loaded(hits.await, |found| match found {
                    None => ().into_any(),
                    Some(list) if list.is_empty() => view! {
                        <p class="panel" role="status">"No customer matches. An address is matched whole; an email or name can be a part."</p>
                    }.into_any(),
                    Some(list) => view! {
                        <section class="panel" aria-labelledby="hits-h">
                            <h2 id="hits-h" role="status">{match list.len() { 1 => "1 customer".to_string(), n => format!("{n} customers") }}</h2>
                            <ul class="hits">
                                {list.into_iter().map(|h| view! {
                                    <li>
                                        <A href=format!("/support/customers/{}", h.id)>{h.email.to_string()}</A>
                                        <span class="muted">{format!(" · {} · matched: {}", h.account, h.matched)}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                })
            })}
        </Transition>
    }
}
