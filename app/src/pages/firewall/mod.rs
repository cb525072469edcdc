//! `/firewall`: the customer's security groups, the rules in each and the instances they protect;
//! create a group; delete one (never `default`, never one in use: the panel says which instances).
//! `/firewall/{id}` is one group's rules (see `group`).

mod group;
mod rule_form;
mod rules_table;

pub use group::{GroupData, GroupPage};
pub use rules_table::RulesTable;

use crate::api::codec::{later, Act, Call, Later};
use crate::api::firewall::{CreateGroup, DeleteGroup, ListGroups};
use crate::components::{general_error, loaded, ConfirmButton, ErrorNote, FieldError, Guard, Loading, StackTable};
use crate::model::firewall::{GroupName, GroupSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// What the page loads, started with the route, before the page's code has arrived.
#[derive(Clone, Copy)]
pub struct FirewallData {
    groups: Later<Vec<GroupSummary>>,
}

impl FirewallData {
    pub fn start() -> FirewallData {
        FirewallData { groups: later(|| Call::to(ListGroups {})) }
    }
}

#[component]
pub fn FirewallPage(data: FirewallData) -> impl IntoView {
    let FirewallData { groups } = data;
    let create = Act::of::<CreateGroup>();
    let delete = Act::of::<DeleteGroup>();
    groups.reload_on(move || (create.version().get(), delete.version().get()));
    let delete_error = Signal::derive(move || delete.value().get().and_then(Result::err));
    view! {
        <Title text="Firewall"/>
        <h1>"Firewall"</h1>
        <p class="muted">
            "Every instance is on the public internet over IPv4 and IPv6. Security groups are its firewall: inbound traffic is blocked unless a rule lets it in, for each address family."
        </p>
        <ErrorNote error=delete_error/>
        <Guard>
        <Transition fallback=|| view! { <Loading what="Loading your security groups…"/> }>
            {move || Suspend::new(async move {
                loaded(groups.await, |gs| view! {
                    <StackTable headers=&["Group", "Rules", "Instances"] hidden="Actions">
                        {gs.into_iter().map(|g| {
                            let href = format!("/firewall/{}", g.id);
                            let id = g.id.to_string();
                            let instances = if g.instances.is_empty() { "none".to_string() } else { g.instances.iter().map(|i| i.name.clone()).collect::<Vec<_>>().join(", ") };
                            let in_use = !g.instances.is_empty();
                            let warning = format!("The group {} and its rules are deleted.", g.name);
                            view! {
                                <tr>
                                    <td data-label="Group"><A href=href>{g.name.clone()}</A>
                                        {(!g.description.is_empty()).then(|| view! { <span class="muted">" — "{g.description.clone()}</span> })}</td>
                                    <td data-label="Rules">{g.rule_count}</td>
                                    <td data-label="Instances">{instances}</td>
                                    <td>{(!g.is_default).then(|| view! {
                                        <ConfirmButton label="Delete" confirm="Delete the group" danger=true disabled=Signal::derive(|| false)
                                            title=if in_use { "Instances use this group: move them to other groups first" } else { "Delete this group" }
                                            key=g.id.to_string() warning=warning.clone()
                                            on_confirm=Callback::new(move |_| { delete.dispatch(DeleteGroup { id: id.clone() }); })/>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </StackTable>
                })
            })}
        </Transition>
        <CreateForm create/>
        </Guard>
    }
}

#[component]
fn CreateForm(create: Act<crate::model::firewall::GroupDetail>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let problem = Memo::new(move |_| (!name.get().is_empty()).then(|| GroupName::parse(&name.get()).err()).flatten());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            name.set(String::new());
            description.set(String::new());
        }
    });
    view! {
        <section class="panel" aria-labelledby="new-group-h">
            <h2 id="new-group-h">"New security group"</h2>
            <form on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                create.dispatch(CreateGroup { name: name.get_untracked(), description: description.get_untracked() });
            } novalidate>
                <label for="group-name">"Name"</label>
                <input id="group-name" type="text" autocomplete="off" bind:value=name aria-describedby="group-name-error"
                    aria-invalid=move || problem.get().is_some().to_string()/>
                {move || problem.get().map(|m| view! { <p class="field-error" id="group-name-error" role="alert">{m}</p> })}
                <FieldError error field="name" id="group-name-server-error"/>
                <label for="group-description">"Description (optional)"</label>
                <input id="group-description" type="text" autocomplete="off" maxlength="255" bind:value=description/>
                <ErrorNote error=Signal::derive(move || general_error(error.get(), &["name"]))/>
                <button type="submit" class="button primary" disabled=move || problem.get().is_some() || name.get().trim().is_empty() || create.pending().get()>
                    "Create group"
                </button>
            </form>
        </section>
    }
}
