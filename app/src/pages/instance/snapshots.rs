//! Snapshots of the instance's disk: take one (followed as a job), the list with each one's state,
//! revert (after typing the instance's name: the instance is stopped, reverted and started as one
//! job), delete, a new instance from one (the deploy page, preset), and the schedule.
//!
//! Taking and the schedule are open to an acting support session; deleting and reverting throw the
//! customer's data away and are theirs alone (the server's `Discarder` capability; here an owner
//! `Guard`).

use super::progress::Tracker;
use crate::api::codec::{load, Act};
use crate::api::snapshots::{delete_snapshot, get_schedule, list_snapshots, revert_snapshot, set_schedule, take_snapshot, ScheduleInput};
use crate::components::{after, loaded, ErrorNote, FieldError, Guard, Loading, StackTable};
use crate::error::AppError;
use crate::model::snapshot::{Every, Keep, Schedule, Snapshot, SnapshotName, Weekday};
use crate::model::{InstanceId, InstanceState, JobKind, ZoneId};
use leptos::prelude::*;

/// "2.4 GiB", "512 MiB": sizes as storage is billed (binary units).
fn size_label(bytes: u64) -> String {
    const MIB: f64 = (1u64 << 20) as f64;
    const GIB: f64 = (1u64 << 30) as f64;
    let b = bytes as f64;
    if b >= GIB {
        format!("{:.1} GiB", b / GIB)
    } else {
        format!("{:.0} MiB", (b / MIB).max(1.0))
    }
}

/// The browser's own time zone (IANA), the schedule's first choice.
fn browser_time_zone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into()).ok()?.as_string()
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// The zones offered in the field's list (any IANA name may be typed): the clouds' own and UTC.
const ZONES: &[&str] =
    &["UTC", "Europe/Amsterdam", "Europe/Madrid", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo"];

#[component]
pub fn SnapshotsPanel(id: InstanceId, name: String, zone: ZoneId, state: InstanceState, tracker: Tracker) -> impl IntoView {
    let id = StoredValue::new(id);
    // Bumped to read the list again while a snapshot is still being taken or copied.
    let again = RwSignal::new(0u32);
    let list = load(move || (id.get_value().to_string(), again.get()), |(i, _)| list_snapshots(i));
    let name = StoredValue::new(name);
    let zone = StoredValue::new(zone);
    let settled = matches!(state, InstanceState::Running | InstanceState::Stopped);
    view! {
        <section class="panel" aria-labelledby="snapshots-h">
            <h2 id="snapshots-h">"Snapshots"</h2>
            <p class="muted">"A copy of the instance's disk as it is at that moment. Take one before a risky change: revert to it if the change goes wrong, or start a new instance from it. Snapshots are billed for the storage they take."</p>
            <Guard>
                <TakeForm id=id.get_value() tracker disabled=!settled/>
            </Guard>
            <Transition fallback=|| view! { <Loading what="Loading its snapshots…"/> }>
                {move || Suspend::new(async move {
                    loaded(list.await, |l| {
                        if l.snapshots.iter().any(|s| s.state.in_progress()) {
                            after(3000, move || again.update(|v| *v += 1));
                        }
                        if l.snapshots.is_empty() {
                            return view! { <p class="muted">"No snapshots yet."</p> }.into_any();
                        }
                        view! {
                            <StackTable headers=&["Name", "Taken", "Size", "State", "Taken by"] hidden="Actions">
                                {l.snapshots.into_iter().map(|s| view! {
                                    <SnapshotRow s instance=name.get_value() zone=zone.get_value() tracker/>
                                }).collect_view()}
                            </StackTable>
                        }.into_any()
                    })
                })}
            </Transition>
            <ScheduleView id=id.get_value()/>
        </section>
    }
}

#[component]
fn TakeForm(id: InstanceId, tracker: Tracker, disabled: bool) -> impl IntoView {
    let id = StoredValue::new(id);
    let typed = RwSignal::new(String::new());
    let take = Act::<()>::local();
    let error = Signal::derive(move || take.value().get().and_then(Result::err));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        take.clear();
        let name = typed.get_untracked();
        if let Err(m) = SnapshotName::parse(&name) {
            take.perform(async move { Err(AppError::invalid("name", m)) });
            return;
        }
        let instance = id.get_value().to_string();
        take.perform(async move {
            let accepted = take_snapshot(instance, name).await?;
            typed.set(String::new());
            tracker.follow(accepted.job_id, JobKind::TakeSnapshot);
            Ok(())
        });
    };
    view! {
        <form class="inline-form" aria-labelledby="take-h" novalidate on:submit=submit>
            <h3 id="take-h" class="sr-only">"Take a snapshot"</h3>
            <label for="snapshot-name">"Name of the new snapshot"</label>
            <div class="row">
                <input id="snapshot-name" type="text" maxlength="64" autocomplete="off" placeholder="before-upgrade" bind:value=typed
                    aria-invalid=move || error.get().is_some_and(|e| e.field() == Some("name")).to_string()
                    aria-describedby="snapshot-name-error"/>
                <button type="submit" class="button primary" disabled=move || disabled || tracker.busy() || take.pending().get()>"Take snapshot"</button>
            </div>
            <FieldError error field="name" id="snapshot-name-error"/>
            <ErrorNote error=Signal::derive(move || error.get().filter(|e| e.field() != Some("name")))/>
            {disabled.then(|| view! { <p class="muted">"Only a running or stopped instance can be snapshotted."</p> })}
        </form>
    }
}

#[component]
fn SnapshotRow(s: Snapshot, instance: String, zone: ZoneId, tracker: Tracker) -> impl IntoView {
    let act = Act::<()>::local();
    let error = Signal::derive(move || act.value().get().and_then(Result::err));
    let reverting = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let sid = StoredValue::new(s.id.clone());
    let snap_name = s.name.clone();
    let ready = s.state.ready();
    let revert = move |_| {
        act.clear();
        let id = sid.get_value().to_string();
        act.perform(async move {
            let accepted = revert_snapshot(id).await?;
            reverting.set(false);
            tracker.follow(accepted.job_id, JobKind::RevertSnapshot);
            Ok(())
        });
    };
    let delete = Callback::new(move |_| {
        act.clear();
        let id = sid.get_value().to_string();
        act.perform(async move {
            let accepted = delete_snapshot(id).await?;
            tracker.follow(accepted.job_id, JobKind::DeleteSnapshot);
            Ok(())
        });
    });
    let new_from =
        format!("/instances/new?snapshot={}&zone={}&from={}", s.id.as_str(), zone.as_str(), crate::components::percent_encode(&s.name));
    let confirm_id = format!("revert-{}", s.id.as_str());
    let matches = {
        let instance = instance.clone();
        move || typed.get().trim() == instance
    };
    view! {
        <tr>
            <td data-label="Name">{s.name.clone()}</td>
            <td data-label="Taken"><time datetime=s.created.to_string()>{s.created.shown()}</time></td>
            <td data-label="Size">{size_label(s.size_bytes)}</td>
            <td data-label="State"><span class=format!("badge snapshot-{}", s.state.as_str().to_ascii_lowercase()) title=s.state.as_str()>{s.state.label()}</span></td>
            <td data-label="Taken by">{if s.scheduled { "Schedule" } else { "By hand" }}</td>
            <td data-label="Actions" class="row-actions">
                <a class="button" href=new_from aria-disabled=(!ready).to_string() class:disabled=!ready
                    aria-label=format!("New instance from {}", s.name)>"New instance"</a>
                <Guard owner=true>
                    <button type="button" class="button" aria-expanded=move || reverting.get().to_string() aria-controls=confirm_id.clone()
                        disabled=move || !ready || tracker.busy() aria-label=format!("Revert to {}", snap_name)
                        on:click=move |_| { typed.set(String::new()); reverting.update(|r| *r = !*r) }>"Revert…"</button>
                    <crate::components::ConfirmButton label="Delete" key=s.id.to_string() danger=true confirm="Delete for good"
                        warning=format!("Delete the snapshot {}? It cannot be brought back.", s.name)
                        disabled=Signal::derive(move || tracker.busy() || act.pending().get()) on_confirm=delete/>
                    <Show when=move || reverting.get()>
                        <div class="subpanel danger-zone" id=confirm_id.clone() role="group" aria-label="Confirm the revert">
                            <p>{format!("The instance's disk goes back to how it was at {}: everything written since is lost. ", s.created.shown())}
                                "The instance is stopped, reverted and started again (if it was running); if a step fails, it is started again as it was."</p>
                            <label for=format!("{}-name", confirm_id.clone())>{format!("Type {instance} to confirm")}</label>
                            <input id=format!("{}-name", confirm_id.clone()) type="text" autocomplete="off" bind:value=typed/>
                            <div class="actions">
                                <button type="button" class="button danger" disabled={let m = matches.clone(); move || !m() || act.pending().get()} on:click=revert>
                                    "Revert to this snapshot"</button>
                                <button type="button" class="button subtle" on:click=move |_| reverting.set(false)>"Cancel"</button>
                            </div>
                        </div>
                    </Show>
                </Guard>
                <ErrorNote error/>
            </td>
        </tr>
    }
}

/// The schedule: shown, set or removed.
#[component]
fn ScheduleView(id: InstanceId) -> impl IntoView {
    let id = StoredValue::new(id);
    let saved = Act::<Option<Schedule>>::local();
    let current = load(move || (id.get_value().to_string(), saved.value().get().and_then(Result::ok)), |(i, _)| get_schedule(i));
    view! {
        <h3 id="schedule-h">"Schedule"</h3>
        <Transition fallback=|| view! { <Loading what="Loading its schedule…"/> }>
            {move || Suspend::new(async move {
                loaded(current.await, move |c| view! {
                    <p role="status">{match &c.schedule {
                        Some(s) => format!("{}. Its snapshots are marked “Schedule”; the oldest is deleted when a new one is taken.", s.summary()),
                        None => "No schedule: snapshots are taken by hand only.".to_string(),
                    }}</p>
                    <Guard>
                        <ScheduleForm id=id.get_value() current=c.schedule saved/>
                    </Guard>
                })
            })}
        </Transition>
    }
}

#[component]
fn ScheduleForm(id: InstanceId, current: Option<Schedule>, saved: Act<Option<Schedule>>) -> impl IntoView {
    let id = StoredValue::new(id);
    let had = current.is_some();
    let every = RwSignal::new(current.as_ref().map(|s| s.every).unwrap_or(Every::Day));
    let at = RwSignal::new(current.as_ref().map(|s| s.at.to_string()).unwrap_or_else(|| "03:00".into()));
    let weekday = RwSignal::new(current.as_ref().and_then(|s| s.weekday).unwrap_or(Weekday::Sunday));
    let zone = RwSignal::new(current.as_ref().map(|s| s.time_zone.to_string()).unwrap_or_else(|| "UTC".into()));
    let keep = RwSignal::new(current.as_ref().map(|s| s.keep.get() as u32).unwrap_or(7).to_string());
    if current.is_none() {
        // The customer's own zone, once the browser can say (not while the server renders).
        Effect::new(move |_| {
            if let Some(z) = browser_time_zone() {
                zone.set(z);
            }
        });
    }
    let error = Signal::derive(move || saved.value().get().and_then(Result::err));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.clear();
        let weekly = every.get_untracked() == Every::Week;
        let keep_n = keep.get_untracked().trim().parse::<u32>().unwrap_or(0);
        let input = ScheduleInput {
            every: every.get_untracked().as_str().into(),
            at: at.get_untracked(),
            weekday: weekly.then(|| weekday.get_untracked().as_str().into()),
            time_zone: zone.get_untracked(),
            keep: keep_n,
        };
        // The server's rule, checked here first; each refusal at its field.
        if let Err((field, m)) = Schedule::parse(&input.every, &input.at, input.weekday.as_deref(), &input.time_zone, keep_n) {
            saved.perform(async move { Err(AppError::invalid(field, m)) });
            return;
        }
        let instance = id.get_value().to_string();
        saved.perform(async move { Ok(set_schedule(instance, Some(input)).await?.schedule) });
    };
    let remove = move |_| {
        saved.clear();
        let instance = id.get_value().to_string();
        saved.perform(async move { Ok(set_schedule(instance, None).await?.schedule) });
    };
    let invalid = move |f: &'static str| move || error.get().is_some_and(|e| e.field() == Some(f)).to_string();
    view! {
        <form class="schedule-form" aria-labelledby="schedule-h" novalidate on:submit=save>
            <div class="fields">
                <div>
                    <label for="schedule-every">"Every"</label>
                    <select id="schedule-every" on:change=move |ev| every.set(Every::parse(&event_target_value(&ev)).unwrap_or(Every::Day))>
                        <option value="day" selected=move || every.get() == Every::Day>"Day"</option>
                        <option value="week" selected=move || every.get() == Every::Week>"Week"</option>
                    </select>
                </div>
                <Show when=move || every.get() == Every::Week>
                    <div>
                        <label for="schedule-weekday">"On"</label>
                        <select id="schedule-weekday" on:change=move |ev| weekday.set(Weekday::parse(&event_target_value(&ev)).unwrap_or(Weekday::Sunday))>
                            {Weekday::ALL.iter().map(|w| {
                                let w = *w;
                                view! { <option value=w.as_str() selected=move || weekday.get() == w>{w.label()}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                </Show>
                <div>
                    <label for="schedule-at">"At"</label>
                    <input id="schedule-at" type="time" step="60" required bind:value=at aria-invalid=invalid("at") aria-describedby="schedule-at-error"/>
                    <FieldError error field="at" id="schedule-at-error"/>
                </div>
                <div>
                    <label for="schedule-zone">"Time zone"</label>
                    <input id="schedule-zone" type="text" list="schedule-zones" autocomplete="off" spellcheck="false" maxlength="64" bind:value=zone
                        aria-invalid=invalid("time_zone") aria-describedby="schedule-zone-error"/>
                    <datalist id="schedule-zones">{ZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}</datalist>
                    <FieldError error field="time_zone" id="schedule-zone-error"/>
                </div>
                <div>
                    <label for="schedule-keep">"Keep the newest"</label>
                    <input id="schedule-keep" type="number" min="1" max=Keep::MAX.to_string() inputmode="numeric" bind:value=keep
                        aria-invalid=invalid("keep") aria-describedby="schedule-keep-error"/>
                    <FieldError error field="keep" id="schedule-keep-error"/>
                </div>
            </div>
            <ErrorNote error=Signal::derive(move || crate::components::general_error(error.get(), &["at", "time_zone", "keep", "weekday", "every"]))/>
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || saved.pending().get()>{if had { "Save schedule" } else { "Set schedule" }}</button>
                {had.then(|| view! { <button type="button" class="button" disabled=move || saved.pending().get() on:click=remove>"Remove schedule"</button> })}
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_as_storage_is_billed() {
        assert_eq!(super::size_label(3 << 30), "3.0 GiB");
        assert_eq!(super::size_label(2_684_354_560), "2.5 GiB");
        assert_eq!(super::size_label(512 << 20), "512 MiB");
        assert_eq!(super::size_label(10), "1 MiB");
    }
}
