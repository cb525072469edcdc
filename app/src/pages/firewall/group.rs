//! `/firewall/{id}`: one group's rules, both families in one table, the instances it protects, and
//! the form that adds rules (with presets for both families).

use super::rule_form::RuleForm;
use super::RulesTable;
use crate::api::codec::{later, Act, Call, Later};
use crate::api::firewall::{remove_rule, GetGroup};
use crate::components::{ErrorNote, ErrorView, Guard, Loading};
use crate::error::AppError;
use crate::model::firewall::GroupDetail;
use crate::model::{RuleId, SecurityGroupId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// What the page loads, started with the route, before the page's code has arrived.
#[derive(Clone, Copy)]
pub struct GroupData {
    id: Memo<String>,
    version: RwSignal<u32>,
    group: Later<GroupDetail>,
}

impl GroupData {
    pub fn start() -> GroupData {
        let id = crate::components::path_id();
        let version = RwSignal::new(0u32);
        let group = later(move || Call::to(GetGroup { id: id.get() }).version(version.get()));
        GroupData { id, version, group }
    }
}

#[component]
pub fn GroupPage(data: GroupData) -> impl IntoView {
    let GroupData { id, version, group } = data;
    let removing = Act::<()>::local();
    let error = Signal::derive(move || removing.value().get().and_then(Result::err));
    let remove = Callback::new(move |ids: Vec<RuleId>| {
        removing.clear();
        let group_id = id.get_untracked();
        removing.perform(async move {
            let mut removed = Ok(());
            for rule in ids {
                removed = remove_rule(group_id.clone(), rule.to_string()).await;
                if removed.is_err() {
                    break;
                }
            }
            // What was removed before a failure is gone too: show the group as it is now.
            version.update(|v| *v += 1);
            removed
        });
    });
    // Adding or removing a rule refetches the group: only the parts that show it are rendered again,
    // so the form keeps its focus, its input and its last answer.
    let loaded_ok = move || !matches!(group.get(), Some(Err(_)));
    let group_id = Memo::new(move |_| SecurityGroupId::parse(&id.get()).ok());
    let account_groups = Signal::derive(move || group.get().and_then(Result::ok).map(|g| g.account_groups).unwrap_or_default());
    view! {
        <p><A href="/firewall">"← All security groups"</A></p>
        <Transition fallback=|| view! { <Loading what="Loading the group…"/> }>
            {move || Suspend::new(async move {
                match group.await {
                    Ok(g) => view! {
                        <Title text=format!("{} · Firewall", g.name)/>
                        <h1>{g.name.clone()}</h1>
                        {(!g.description.is_empty()).then(|| view! { <p class="subtitle">{g.description.clone()}</p> })}
                        <section class="panel" aria-labelledby="rules-h">
                            <h2 id="rules-h">"Rules"</h2>
                            <ErrorNote error/>
                            <Guard><RulesTable rules=g.rules.clone() remove/></Guard>
                        </section>
                    }.into_any(),
                    Err(AppError::NotFound) => view! {
                        <Title text="Not found"/>
                        <h1>"Security group not found"</h1>
                        <p>"It does not exist, or it was deleted."</p>
                    }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Transition>
        // Inside a Suspense, so the server waits for the group as the hydrating browser does.
        <Suspense fallback=|| ()>
            <Show when=loaded_ok>
                <Guard>
                    {move || group_id.get().map(|g| view! {
                        <RuleForm group=g groups=account_groups on_added=Callback::new(move |_| version.update(|v| *v += 1))/>
                    })}
                </Guard>
            </Show>
        </Suspense>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                group.await.ok().map(|g| view! {
                    <section class="panel" aria-labelledby="members-h">
                        <h2 id="members-h">"Instances in this group"</h2>
                        {if g.instances.is_empty() {
                            view! { <p class="muted">"None yet. Choose this group when you deploy, or change an instance's groups on its page."</p> }.into_any()
                        } else {
                            view! { <ul>{g.instances.into_iter().map(|i| view! { <li><A href=format!("/instances/{}", i.id)>{i.name}</A></li> }).collect_view()}</ul> }.into_any()
                        }}
                    </section>
                })
            })}
        </Transition>
    }
}
