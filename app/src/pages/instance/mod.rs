//! `/instances/{id}`: state, addresses (IPv4, IPv6 with prefix and gateway, reverse DNS), details, actions with
//! progress, the once-only password, snapshots and their schedule, and who did what to it.
//!
//! An action is followed to its end here (the badge says what is happening meanwhile); a job that was
//! already running when the page opened, or the deploy the customer arrives from, is followed too.

mod actions;
mod activity;
mod cost;
mod destroy;
mod details;
mod graphs;
mod groups;
mod progress;
mod reinstall;
mod resize;
mod reverse_dns;
mod snapshots;

use crate::api::codec::{later, Call, Later};
use crate::api::instances::GetInstance;
use crate::components::{ErrorView, Loading};
use crate::error::AppError;
use crate::model::{InstanceDetail, InstanceState, JobId, JobKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use progress::{Progress, Tracker};

/// What the page loads, started with the route, before the page's code has arrived.
#[derive(Clone, Copy)]
pub struct InstanceData {
    version: RwSignal<u32>,
    detail: Later<InstanceDetail>,
}

impl InstanceData {
    pub fn start() -> InstanceData {
        let id = crate::components::path_id();
        let version = RwSignal::new(0u32);
        InstanceData { version, detail: later(move || Call::to(GetInstance { id: id.get() }).version(version.get())) }
    }
}

#[component]
pub fn InstancePage(data: InstanceData) -> impl IntoView {
    let InstanceData { version, detail } = data;
    let query = use_query_map();
    let tracker = Tracker::new(version);
    // Arriving from a deploy: follow it.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        match query.read().get("job").and_then(|j| JobId::parse(&j).ok()) {
            Some(job) => {
                tracker.follow(job, JobKind::Deploy);
                true
            }
            None => false,
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading what="Loading the instance…"/> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Detail d tracker/> }.into_any(),
                    Err(AppError::NotFound) => view! {
                        <Title text="Not found"/>
                        <h1>"Instance not found"</h1>
                        <p>"It does not exist, or it was destroyed. " <a href="/">"Back to your instances"</a></p>
                    }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(d: InstanceDetail, tracker: Tracker) -> impl IntoView {
    if let (Some(job), Some(busy)) = (d.pending_job.clone(), d.instance.busy.clone()) {
        if tracker.progress.get_untracked() == Progress::Idle {
            tracker.follow(job, busy.kind);
        }
    }
    let base = d.instance.clone();
    // While an action runs the badge names it, whatever the last load said.
    let shown = Signal::derive(move || {
        let mut i = base.clone();
        if let Progress::Running(busy) = tracker.progress.get() {
            i.busy = Some(busy);
        }
        i
    });
    let i = d.instance.clone();
    view! {
        <Title text=i.name.clone()/>
        <div class="page-head">
            <div>
                <h1>{i.name.clone()}</h1>
                <p class="subtitle">
                    <span role="status" aria-label="Instance state"><crate::components::StateBadge instance=shown/></span>
                    " " {i.zone_name.clone()} " · " {i.offering_name.clone()} " " <crate::components::TierBadge tier=i.tier/>
                </p>
            </div>
            // The console is a document of its own (its policy allows the console's proxy): a full load.
            {(i.state == InstanceState::Running).then(|| view! {
                <div class="actions">
                    <a class="button" rel="external" href=format!("/instances/{}/console", i.id.as_str())>"Console"</a>
                </div>
            })}
        </div>
        <progress::ProgressView tracker/>
        <details::AddressPanels d=d.clone()/>
        <graphs::GraphsPanel id=d.instance.id.clone() zone_name=d.instance.zone_name.clone()/>
        <cost::CostPanel id=d.instance.id.clone()/>
        <actions::ActionsPanel d=d.clone() tracker/>
        <groups::GroupsPanel id=d.instance.id.clone() state=d.instance.state groups=d.security_groups.clone() tracker/>
        <snapshots::SnapshotsPanel id=d.instance.id.clone() name=d.instance.name.clone() zone=d.instance.zone_id.clone() state=d.instance.state tracker/>
        <activity::Activity entries=d.activity.clone()/>
    }
}
