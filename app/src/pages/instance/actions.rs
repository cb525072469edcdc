//! The actions row. Disruptive actions (stop, force stop, reboot, password reset) ask first and say
//! what will happen; reinstall, resize and destroy open their own panels.

use super::progress::Tracker;
use crate::api::codec::Act;
use crate::api::instances::run_action;
use crate::components::{ConfirmButton, ErrorNote, Guard};
use crate::model::{Action, InstanceDetail, InstanceState, JobKind};
use leptos::prelude::*;

/// Which of the three panels is open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Panel {
    None,
    Reinstall,
    Resize,
    Destroy,
}

#[component]
pub fn ActionsPanel(d: InstanceDetail, tracker: Tracker) -> impl IntoView {
    let state = d.instance.state;
    let id = StoredValue::new(d.instance.id.clone());
    let act = Act::<()>::local();
    let error = Signal::derive(move || act.value().get().and_then(Result::err));
    let run = Callback::new(move |action: Action| {
        act.clear();
        let kind = action.kind();
        let id = id.get_value();
        act.perform(async move {
            let accepted = run_action(&id, &action).await?;
            tracker.follow(accepted.job_id, kind);
            Ok(())
        });
    });
    let not_allowed = move |a: JobKind| !state.allows(a) || tracker.busy();
    let panel = RwSignal::new(Panel::None);
    let toggle = move |p: Panel| panel.update(|open| *open = if *open == p { Panel::None } else { p });
    let stopped_only = state != InstanceState::Stopped;
    let password_enabled = d.password_enabled;
    let (zone, name) = (d.instance.zone_id.clone(), d.instance.name.clone());
    let d = StoredValue::new(d);
    view! {
        <section class="panel" aria-labelledby="act-h">
            <h2 id="act-h">"Actions"</h2>
            <Guard>
            <ErrorNote error/>
            <div class="action-row">
                <button type="button" class="button" disabled=move || not_allowed(JobKind::Start) on:click=move |_| run.run(Action::Start)>"Start"</button>
                <ConfirmButton label="Stop" confirm="Stop now" disabled=Signal::derive(move || not_allowed(JobKind::Stop))
                    warning="The instance shuts down cleanly. A stopped instance is still billed: it keeps its disk and addresses."
                    on_confirm=Callback::new(move |_| run.run(Action::Stop))/>
                <ConfirmButton label="Force stop" confirm="Force stop now" danger=true disabled=Signal::derive(move || not_allowed(JobKind::ForceStop))
                    warning="Cuts the power at once, like pulling the plug: anything not yet saved to disk is lost."
                    on_confirm=Callback::new(move |_| run.run(Action::ForceStop))/>
                <ConfirmButton label="Reboot" confirm="Reboot now" disabled=Signal::derive(move || not_allowed(JobKind::Reboot))
                    warning="The instance restarts and is unreachable for a minute or two."
                    on_confirm=Callback::new(move |_| run.run(Action::Reboot))/>
                {password_enabled.then(|| view! {
                    <ConfirmButton label="Reset password" confirm="Reset the password" disabled=Signal::derive(move || not_allowed(JobKind::ResetPassword))
                        warning="A new root password is generated and shown here once; the old one stops working."
                        on_confirm=Callback::new(move |_| run.run(Action::ResetPassword))/>
                })}
                <button type="button" class="button" disabled=move || not_allowed(JobKind::Reinstall)
                    aria-expanded=move || (panel.get() == Panel::Reinstall).to_string() on:click=move |_| toggle(Panel::Reinstall)>"Reinstall…"</button>
                <button type="button" class="button" disabled=move || not_allowed(JobKind::Resize)
                    aria-expanded=move || (panel.get() == Panel::Resize).to_string() on:click=move |_| toggle(Panel::Resize)>"Resize…"</button>
                <button type="button" class="button danger" disabled=move || not_allowed(JobKind::Destroy)
                    aria-expanded=move || (panel.get() == Panel::Destroy).to_string() on:click=move |_| toggle(Panel::Destroy)>"Destroy…"</button>
            </div>
            {stopped_only.then(|| view! {
                <p class="hint">{if password_enabled { "Reset password and resize need the instance to be stopped first." } else { "Resize needs the instance to be stopped first." }}</p>
            })}
            <Show when=move || panel.get() == Panel::Reinstall>
                <super::reinstall::ReinstallPanel zone=zone.clone() busy=Signal::derive(move || tracker.busy())
                    run=Callback::new(move |a| { panel.set(Panel::None); run.run(a); })/>
            </Show>
            <Show when=move || panel.get() == Panel::Resize>
                <super::resize::ResizePanel d=d.get_value() busy=Signal::derive(move || tracker.busy())
                    run=Callback::new(move |a| { panel.set(Panel::None); run.run(a); })/>
            </Show>
            <Show when=move || panel.get() == Panel::Destroy>
                <super::destroy::DestroyPanel name=name.clone() busy=Signal::derive(move || tracker.busy())
                    run=Callback::new(move |a| { panel.set(Panel::None); run.run(a); })/>
            </Show>
            </Guard>
        </section>
    }
}
