//! `/support/audit`: the audit log for staff, newest first, filtered by customer, staff member, time
//! range and action; the filters live in the address. Admins can download the same selection as CSV.

use crate::api::codec::{later, Call, Later};
use crate::api::support::SupportAudit;
use crate::components::{loaded, percent_encode, Loading, StackTable};
use crate::model::audit::{AuditAction, AuditEvent};
use crate::model::{JobKind, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

const FILTERS: [(&str, &str); 5] = [
    ("customer_id", "Customer id"),
    ("staff_id", "Staff member id"),
    ("from", "From (YYYY-MM-DD, UTC)"),
    ("to", "To (YYYY-MM-DD, UTC, included)"),
    ("action", "Action"),
];

/// The filters as a query string (page excluded).
fn query_string(values: &[(&str, String)]) -> String {
    values
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
}

/// What the page loads, started with the route, before the page's code has arrived.
#[derive(Clone, Copy)]
pub struct AuditData {
    filters: Memo<[(&'static str, String); 5]>,
    entries: Later<crate::model::support::AuditPage>,
}

impl AuditData {
    pub fn start() -> AuditData {
        let query = use_query_map();
        let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
        let page = Memo::new(move |_| get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1));
        let filters = Memo::new(move |_| FILTERS.map(|(k, _)| (k, get(k).unwrap_or_default())));
        let entries = later(move || {
            let f = filters.get();
            let v = |i: usize| Some(f[i].1.clone()).filter(|s| !s.is_empty());
            Call::to(SupportAudit { customer_id: v(0), staff_id: v(1), from: v(2), to: v(3), action: v(4), page: Some(page.get()) })
        });
        AuditData { filters, entries }
    }
}

#[component]
pub fn AuditPage(data: AuditData) -> impl IntoView {
    let AuditData { filters, entries } = data;
    // Who is signed in is the frame's load (admins may download the CSV).
    let me = crate::pages::layout::use_who();
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let fields: Vec<RwSignal<String>> = FILTERS.iter().map(|(k, _)| RwSignal::new(get(k).unwrap_or_default())).collect();
    let navigate = use_navigate();
    let submit = {
        let fields = fields.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let values: Vec<(&str, String)> = FILTERS.iter().zip(&fields).map(|((k, _), f)| (*k, f.get_untracked())).collect();
            navigate(&format!("/support/audit?{}", query_string(&values)), Default::default());
        }
    };
    let actions: Vec<String> =
        AuditEvent::ALL.iter().map(|e| e.as_str().to_string()).chain(JobKind::ALL.iter().map(|k| k.as_str().to_string())).collect();
    view! {
        <Title text="Audit log · Support"/>
        <p><A href="/support">"← Support"</A></p>
        <h1>"Audit log"</h1>
        <section class="panel" aria-labelledby="filters-h">
            <h2 id="filters-h">"Filters"</h2>
            <form class="filters" role="search" method="get" action="/support/audit" on:submit=submit>
                {FILTERS.iter().zip(fields.clone()).map(|((k, label), f)| {
                    let id = format!("audit-{k}");
                    if *k == "action" {
                        view! { <div class="filter">
                            <label for=id.clone()>{*label}</label>
                            <select id=id name=*k on:change=move |ev| f.set(event_target_value(&ev))>
                                <option value="" selected=move || f.get().is_empty()>"Any"</option>
                                {actions.clone().into_iter().map(|a| {
                                    let label = AuditAction::parse(&a).map(|x| x.label()).unwrap_or_else(|| a.clone());
                                    let value = a.clone();
                                    view! { <option value=a selected=move || f.get() == value>{label}</option> }
                                }).collect_view()}
                            </select>
                        </div> }.into_any()
                    } else {
                        view! { <div class="filter">
                            <label for=id.clone()>{*label}</label>
                            <input id=id name=*k type="text" autocomplete="off" spellcheck="false" bind:value=f value=move || f.get()/>
                        </div> }.into_any()
                    }
                }).collect_view()}
                <button type="submit" class="button primary">"Show"</button>
            </form>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    me.await.ok().filter(|m| m.role == Role::Admin).map(|_| {
                        let values: Vec<(&str, String)> = filters.get_untracked().to_vec();
                        view! { <p><a class="button" href=format!("/support/audit.csv?{}", query_string(&values)) download="">"Download as CSV"</a></p> }
                    })
                })}
            </Suspense>
        </section>
        <Transition fallback=|| view! { <Loading what="Loading the audit log…"/> }>
            {move || Suspend::new(async move {
                loaded(entries.await, |p| {
                    let base = query_string(&filters.get_untracked());
                    let link = move |n: u32| format!("/support/audit?{base}{}page={n}", if base.is_empty() { "" } else { "&" });
                    view! {
                        {if p.entries.is_empty() { Some(view! { <p class="panel" role="status">"Nothing matches these filters."</p> }) } else { None }}
                        <StackTable headers=&["When", "Who", "Customer", "What", "Outcome", "From"]>
                            {p.entries.into_iter().map(|e| view! {
                                <tr>
                                    <td data-label="When">{e.at.shown()}</td>
                                    <td data-label="Who">{e.actor_email.clone().unwrap_or_else(|| "Zenith".into())}
                                        {e.impersonation_id.as_ref().map(|_| view! { <span class="badge">"support session"</span> })}</td>
                                    <td data-label="Customer">{e.customer_email.clone().unwrap_or_default()}</td>
                                    <td data-label="What">{e.action.label()}{e.target_id.clone().map(|t| format!(" · {t}"))}{e.detail.clone().map(|d| format!(" — {d}"))}</td>
                                    <td data-label="Outcome">{e.outcome.as_str()}</td>
                                    <td data-label="From">{e.ip.clone().unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </StackTable>
                        <nav class="pager" aria-label="Audit log pages">
                            {(p.page > 1).then(|| view! { <A href=link(p.page - 1)>"← Newer"</A> })}
                            <span>{format!("Page {}", p.page)}</span>
                            {p.has_more.then(|| view! { <A href=link(p.page + 1)>"Older →"</A> })}
                        </nav>
                    }
                })
            })}
        </Transition>
    }
}
