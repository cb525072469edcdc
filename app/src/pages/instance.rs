//! `/instances/{id}`: state, addresses (IPv4, IPv6 with prefix and gateway), details, actions with
//! progress, the once-only password, and who did what to it.

use crate::api::catalog::{offerings, templates};
use crate::api::instances::{get_instance, get_job, instance_action};
use crate::components::{sleep, Copyable, StateBadge, TierBadge};
use crate::error::AppError;
use crate::model::{Action, InstanceDetail, InstanceState, JobStatus, JobView};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Polls a job until it ends (250 ms, ×1.5, at most 2 s between polls), reporting every answer.
async fn follow(job_id: String, on_update: impl Fn(&JobView)) -> Result<JobView, AppError> {
    let mut interval = 250u64;
    loop {
        let j = get_job(job_id.clone()).await?;
        on_update(&j);
        if j.status != JobStatus::Pending {
            return Ok(j);
        }
        sleep(interval).await;
        interval = (interval * 3 / 2).min(2000);
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Progress {
    Idle,
    Running { what: String },
    Failed(String),
}

#[component]
pub fn InstancePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let version = RwSignal::new(0u32);
    let detail = Resource::new(move || (id.get(), version.get()), |(id, _)| get_instance(id));
    let progress = RwSignal::new(Progress::Idle);
    let password = RwSignal::new(None::<String>);

    let track = move |job_id: String, what: String| {
        progress.set(Progress::Running { what });
        spawn_local(async move {
            let outcome = follow(job_id, |_| {}).await;
            match outcome {
                Ok(j) if j.status == JobStatus::Succeeded => {
                    if let Some(pw) = j.result.and_then(|r| r.password) {
                        password.set(Some(pw));
                    }
                    progress.set(Progress::Idle);
                }
                Ok(j) => progress.set(Progress::Failed(j.error.unwrap_or_else(|| "The action failed.".into()))),
                Err(e) => progress.set(Progress::Failed(e.to_string())),
            }
            version.update(|v| *v += 1);
        });
    };
    // Arriving from a deploy, or reloading while a job runs: follow it.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        if let Some(job) = query.read().get("job") {
            track(job, "Deploying".into());
            return true;
        }
        false
    });

    view! {
        <Transition fallback=|| view! { <p class="loading" aria-live="polite">"Loading the instance…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Detail d progress password track/> }.into_any(),
                    Err(AppError::NotFound) => view! {
                        <Title text="Not found"/>
                        <h1>"Instance not found"</h1>
                        <p>"It does not exist, or it was destroyed. " <a href="/">"Back to your instances"</a></p>
                    }.into_any(),
                    Err(e) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(
    d: InstanceDetail,
    progress: RwSignal<Progress>,
    password: RwSignal<Option<String>>,
    track: impl Fn(String, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i = d.instance.clone();
    let state = i.state;
    let id = StoredValue::new(i.id.clone());
    let name = StoredValue::new(i.name.clone());
    let zone_id = i.zone_id.clone();
    let tier = i.tier;
    if let Some(job) = d.pending_job.clone() {
        if progress.get_untracked() == Progress::Idle {
            track(job, "Working".into());
        }
    }
    let action_error = RwSignal::new(None::<AppError>);
    let busy = move || matches!(progress.get(), Progress::Running { .. });
    let run = move |action: Action| {
        let label = action.label().to_string();
        let (a, template_id, offering_id) = match &action {
            Action::Reinstall { template_id } => (action.name(), Some(template_id.clone()), None),
            Action::Resize { offering_id } => (action.name(), None, Some(offering_id.clone())),
            other => (other.name(), None, None),
        };
        let a = a.to_string();
        action_error.set(None);
        spawn_local(async move {
            match instance_action(id.get_value(), a, template_id, offering_id).await {
                Ok(acc) => track(acc.job_id, format!("{label} in progress")),
                Err(e) => action_error.set(Some(e)),
            }
        });
    };

    view! {
        <Title text=i.name.clone()/>
        <div class="page-head">
            <div>
                <h1>{i.name.clone()}</h1>
                <p class="subtitle">
                    <span role="status" aria-label="Instance state"><StateBadge state=Signal::derive(move || state)/></span> " " {i.zone_name.clone()} " · " {i.offering_name.clone()} " " <TierBadge tier=i.tier/>
                </p>
            </div>
        </div>
        {move || match progress.get() {
            Progress::Running { what } => Some(view! {
                <div class="progress" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>{what}"…"</div>
            }.into_any()),
            Progress::Failed(msg) => Some(view! { <p class="alert alert-error" role="alert">{msg}</p> }.into_any()),
            Progress::Idle => None,
        }}
        {move || password.get().map(|pw| view! {
            <div class="alert alert-secret" role="alert">
                <p><strong>"Root password: "</strong><Copyable text=pw label="root password"/></p>
                <p>"Copy it now: it is shown only once and Zenith does not keep it."</p>
                <button type="button" class="button subtle" on:click=move |_| password.set(None)>"I have saved it"</button>
            </div>
        })}
        <crate::components::ErrorNote error=action_error/>

        <div class="grid">
            <section class="panel" aria-labelledby="addr-h">
                <h2 id="addr-h">"Addresses"</h2>
                <dl>
                    <dt>"IPv4"</dt>
                    <dd>{i.ipv4.clone().map(|a| view! { <Copyable text=a label="IPv4 address"/> })}</dd>
                    <dt>"IPv4 gateway"</dt><dd>{d.ipv4_gateway.clone()} {d.ipv4_netmask.clone().map(|m| format!(" (netmask {m})"))}</dd>
                    <dt>"IPv6"</dt>
                    <dd>{i.ipv6.clone().map(|a| view! { <Copyable text=a label="IPv6 address"/> })}</dd>
                    <dt>"IPv6 prefix"</dt><dd>{d.ipv6_prefix.clone()}</dd>
                    <dt>"IPv6 gateway"</dt><dd>{d.ipv6_gateway.clone()}</dd>
                </dl>
            </section>
            <section class="panel" aria-labelledby="det-h">
                <h2 id="det-h">"Details"</h2>
                <dl>
                    <dt>"Size"</dt><dd>{format!("{} — {} vCPU, {} MB RAM", i.offering_name, d.cpu, d.memory_mb)}</dd>
                    <dt>"Storage"</dt><dd>{tier.map(|t| t.summary())}</dd>
                    <dt>"Image"</dt><dd>{d.template_name.clone()}</dd>
                    <dt>"SSH key"</dt><dd>{d.ssh_key.clone().unwrap_or_else(|| "none".into())}</dd>
                    <dt>"Price"</dt><dd>{d.price_hourly.map(|p| format!("{p} per hour")).unwrap_or_else(|| "not priced".into())}</dd>
                    <dt>"Created"</dt><dd>{crate::components::when(&i.created)}</dd>
                    <dt>"Security groups"</dt>
                    <dd>{d.security_groups.iter().map(|g| g.name.clone()).collect::<Vec<_>>().join(", ")}</dd>
                </dl>
            </section>
        </div>

        <ActionsPanel
            state
            name=name.get_value()
            zone_id=zone_id
            tier
            password_enabled=d.password_enabled
            current_offering=i.offering_id.clone()
            current_hourly=d.price_hourly
            busy=Signal::derive(busy)
            run=Callback::new(run)
        />
        <Activity entries=d.activity.clone()/>
    }
}

#[allow(clippy::too_many_arguments)]
#[component]
fn ActionsPanel(
    state: InstanceState,
    name: String,
    zone_id: String,
    tier: Option<crate::model::Tier>,
    password_enabled: bool,
    current_offering: String,
    current_hourly: Option<crate::model::Money>,
    #[prop(into)] busy: Signal<bool>,
    run: Callback<Action>,
) -> impl IntoView {
    let name = StoredValue::new(name);
    let current_offering = StoredValue::new(current_offering);
    let allowed = move |a: &Action| state.allows(a) && !busy.get();
    let run = move |a: Action| run.run(a);
    let busy = move || busy.get();
    // Reinstall and resize choices load only when asked for.
    let reinstall_open = RwSignal::new(false);
    let resize_open = RwSignal::new(false);
    let destroy_open = RwSignal::new(false);
    let reinstall_template = RwSignal::new(String::new());
    let reinstall_confirm = RwSignal::new(false);
    let resize_to = RwSignal::new(String::new());
    let destroy_typed = RwSignal::new(String::new());
    let zone_for_templates = zone_id.clone();
    let template_list = Resource::new(
        move || reinstall_open.get(),
        move |open| {
            let z = zone_for_templates.clone();
            async move {
                if open {
                    templates(z).await
                } else {
                    Ok(vec![])
                }
            }
        },
    );
    let size_list = Resource::new(
        move || resize_open.get(),
        move |open| {
            let z = zone_id.clone();
            async move {
                if open {
                    offerings(z).await
                } else {
                    Ok(vec![])
                }
            }
        },
    );
    view! {
        <section class="panel" aria-labelledby="act-h">
            <h2 id="act-h">"Actions"</h2>
            <div class="action-row">
                <button type="button" class="button" disabled=move || !allowed(&Action::Start) on:click=move |_| run(Action::Start)>"Start"</button>
                <button type="button" class="button" disabled=move || !allowed(&Action::Stop) on:click=move |_| run(Action::Stop)>"Stop"</button>
                <button type="button" class="button" disabled=move || !allowed(&Action::ForceStop) on:click=move |_| run(Action::ForceStop)
                    title="Cuts power: unsaved data may be lost">"Force stop"</button>
                <button type="button" class="button" disabled=move || !allowed(&Action::Reboot) on:click=move |_| run(Action::Reboot)>"Reboot"</button>
                <button type="button" class="button" disabled=move || !allowed(&Action::ResetPassword) || !password_enabled
                    title="Needs a stopped instance" on:click=move |_| run(Action::ResetPassword)>"Reset password"</button>
                <button type="button" class="button" disabled=move || !allowed(&Action::Reinstall { template_id: String::new() })
                    aria-expanded=move || reinstall_open.get().to_string() on:click=move |_| reinstall_open.update(|o| *o = !*o)>"Reinstall…"</button>
                <button type="button" class="button" disabled=move || !allowed(&Action::Resize { offering_id: String::new() })
                    title="Needs a stopped instance" aria-expanded=move || resize_open.get().to_string() on:click=move |_| resize_open.update(|o| *o = !*o)>"Resize…"</button>
                <button type="button" class="button danger" disabled=move || !allowed(&Action::Destroy)
                    aria-expanded=move || destroy_open.get().to_string() on:click=move |_| destroy_open.update(|o| *o = !*o)>"Destroy…"</button>
            </div>
            <Show when=move || !state.allows(&Action::ResetPassword) && state == InstanceState::Running>
                <p class="hint">"Reset password and resize need the instance to be stopped first."</p>
            </Show>

            <Show when=move || reinstall_open.get()>
                <div class="subpanel">
                    <h3>"Reinstall"</h3>
                    <p>"The disk is wiped and the chosen image installed. Addresses stay the same."</p>
                    <label for="reinstall-template">"Image"</label>
                    <Transition fallback=|| view! { <p class="loading">"Loading images…"</p> }>
                        {move || Suspend::new(async move {
                            let ts = template_list.await.unwrap_or_default();
                            view! {
                                <select id="reinstall-template" on:change=move |ev| reinstall_template.set(event_target_value(&ev))>
                                    <option value="">"Choose an image"</option>
                                    {ts.into_iter().map(|t| view! { <option value=t.id>{t.name}</option> }).collect_view()}
                                </select>
                            }
                        })}
                    </Transition>
                    <label class="check"><input type="checkbox" prop:checked=move || reinstall_confirm.get() on:change=move |ev| reinstall_confirm.set(event_target_checked(&ev))/>
                        "I understand that everything on the disk will be erased"</label>
                    <button type="button" class="button danger" disabled=move || reinstall_template.get().is_empty() || !reinstall_confirm.get() || busy()
                        on:click=move |_| { reinstall_open.set(false); run(Action::Reinstall { template_id: reinstall_template.get_untracked() }); }>"Reinstall now"</button>
                </div>
            </Show>

            <Show when=move || resize_open.get()>
                <div class="subpanel">
                    <h3>"Resize"</h3>
                    <p>"Within the same family only: Agile and Stamina keep disks in different places."</p>
                    <Transition fallback=|| view! { <p class="loading">"Loading sizes…"</p> }>
                        {move || {
                            let current_offering = current_offering.get_value();
                            Suspend::new(async move {
                                let offs = size_list.await.unwrap_or_default();
                                view! {
                                    <label for="resize-to">"New size"</label>
                                    <select id="resize-to" on:change=move |ev| resize_to.set(event_target_value(&ev))>
                                        <option value="">"Choose a size"</option>
                                        {offs.into_iter().filter(|o| Some(o.tier) == tier && o.id != current_offering).map(|o| {
                                            let diff = match (o.price_hourly, current_hourly) {
                                                (Some(new), Some(cur)) => new.checked_sub(cur).map(|d| format!(" ({}{} per hour)", if d.minor >= 0 { "+" } else { "" }, d)).unwrap_or_default(),
                                                _ => String::new(),
                                            };
                                            view! { <option value=o.id.clone()>{format!("{} — {} vCPU, {} MB{}", o.name, o.cpu, o.memory_mb, diff)}</option> }
                                        }).collect_view()}
                                    </select>
                                }
                            })
                        }}
                    </Transition>
                    <button type="button" class="button primary" disabled=move || resize_to.get().is_empty() || busy()
                        on:click=move |_| { resize_open.set(false); run(Action::Resize { offering_id: resize_to.get_untracked() }); }>"Resize"</button>
                </div>
            </Show>

            <Show when=move || destroy_open.get()>
                <div class="subpanel danger-zone">
                    <h3>"Destroy"</h3>
                    <p>"The instance and its disk are deleted for good; its addresses go back to the pool."</p>
                    <label for="destroy-confirm">{move || format!("Type {} to confirm", name.get_value())}</label>
                    <input id="destroy-confirm" type="text" autocomplete="off" bind:value=destroy_typed/>
                    <button type="button" class="button danger" disabled=move || destroy_typed.get() != name.get_value() || busy()
                        on:click=move |_| { destroy_open.set(false); run(Action::Destroy); }>"Destroy this instance"</button>
                </div>
            </Show>
        </section>

    }
}

#[component]
fn Activity(entries: Vec<crate::model::instance::ActivityEntry>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="log-h">
            <h2 id="log-h">"Activity"</h2>
            {if entries.is_empty() {
                view! { <p class="muted">"Nothing yet."</p> }.into_any()
            } else {
                view! {
                    <table class="activity">
                        <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Who"</th><th scope="col">"Outcome"</th></tr></thead>
                        <tbody>
                            {entries.iter().map(|a| view! {
                                <tr><td>{crate::components::when(&a.at)}</td><td>{a.action.replace('_', " ")}</td><td>{a.actor.clone()}</td><td>{a.outcome.clone()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
