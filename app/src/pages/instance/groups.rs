//! The instance's security groups and the rules they add up to, both families; and changing them,
//! which CloudStack allows only on a stopped instance: the panel stops it, changes the groups and
//! starts it again, in one action the customer follows.

use super::progress::Tracker;
use crate::api::codec::{load, Act};
use crate::api::firewall::{get_group, list_groups, set_groups};
use crate::components::{loaded, ErrorNote, Guard, Loading};
use crate::error::AppError;
use crate::model::instance::SecurityGroupRef;
use crate::model::{InstanceId, InstanceState, JobKind, SecurityGroupId};
use crate::pages::firewall::RulesTable;
use leptos::prelude::*;

#[component]
pub fn GroupsPanel(id: InstanceId, state: InstanceState, groups: Vec<SecurityGroupRef>, tracker: Tracker) -> impl IntoView {
    let ids: Vec<SecurityGroupId> = groups.iter().map(|g| g.id.clone()).collect();
    let details = load(
        move || ids.clone(),
        |ids| async move {
            let all = futures::future::join_all(ids.iter().map(|g| get_group(g.to_string()))).await;
            all.into_iter().collect::<Result<Vec<_>, AppError>>()
        },
    );
    let editing = RwSignal::new(false);
    view! {
        <section class="panel" aria-labelledby="groups-h">
            <h2 id="groups-h">"Firewall"</h2>
            <p class="muted">{format!("In {}. The rules of all its groups apply together:", groups.iter().map(|g| g.name.clone()).collect::<Vec<_>>().join(", "))}</p>
            <Transition fallback=|| view! { <Loading what="Loading its rules…"/> }>
                {move || Suspend::new(async move {
                    loaded(details.await, |ds| ds.into_iter().map(|g| view! {
                        <h3>{g.name.clone()}</h3>
                        <RulesTable rules=g.rules/>
                    }).collect_view())
                })}
            </Transition>
            <Guard>
                <button type="button" class="button" aria-expanded=move || editing.get().to_string() disabled=move || tracker.busy()
                    on:click=move |_| editing.update(|e| *e = !*e)>"Change security groups…"</button>
                <Show when=move || editing.get()>
                    <ChangeGroups id=id.clone() state current=groups.iter().map(|g| g.id.clone()).collect() tracker
                        done=Callback::new(move |_| editing.set(false))/>
                </Show>
            </Guard>
        </section>
    }
}

#[component]
fn ChangeGroups(
    id: InstanceId,
    state: InstanceState,
    current: Vec<SecurityGroupId>,
    tracker: Tracker,
    done: Callback<()>,
) -> impl IntoView {
    let all = load(|| (), |_| list_groups());
    let chosen = RwSignal::new(current);
    let change = Act::<()>::local();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let id = StoredValue::new(id);
    let running = state == InstanceState::Running;
    let go = move |_| {
        change.clear();
        let groups: Vec<String> = chosen.get_untracked().iter().map(|g| g.to_string()).collect();
        let id = id.get_value().to_string();
        change.perform(async move {
            let accepted = set_groups(id, groups).await?;
            done.run(());
            tracker.follow(accepted.job_id, JobKind::SetGroups);
            Ok(())
        });
    };
    view! {
        <div class="subpanel">
            <h3>"Security groups"</h3>
            {running.then(|| view! {
                <p class="alert alert-warning">"CloudStack changes an instance's groups only while it is stopped. Zenith stops it, changes the groups and starts it again: it is offline for a minute or two. If a step fails, it is left as it was."</p>
            })}
            <Transition fallback=|| view! { <Loading what="Loading your security groups…"/> }>
                {move || Suspend::new(async move {
                    loaded(all.await, |gs| view! {
                        <div class="choices" role="group" aria-label="Security groups of this instance">
                            {gs.into_iter().map(|g| {
                                let gid = g.id.clone();
                                let checked = { let gid = gid.clone(); move || chosen.get().contains(&gid) };
                                view! {
                                    <label class="choice">
                                        <input type="checkbox" prop:checked=checked on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| { c.retain(|x| x != &gid); if on { c.push(gid.clone()); } });
                                        }/>
                                        <span class="choice-title">{g.name.clone()}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    })
                })}
            </Transition>
            <ErrorNote error/>
            <button type="button" class="button primary" disabled=move || chosen.get().is_empty() || tracker.busy() on:click=go>
                {if running { "Stop, change and start again" } else { "Change groups" }}
            </button>
        </div>
    }
}
