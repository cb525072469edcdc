//! Steps 6 to 8: the hostname (validated as you type), security groups, cloud-init user data.

use super::Form;
use crate::api::codec::load;
use crate::api::firewall::list_groups;
use crate::components::{loaded, FieldError, Loading};
use crate::error::AppError;
use crate::model::instance::UserData;
use crate::model::Hostname;
use leptos::prelude::*;

#[component]
pub(super) fn NameStep(form: Form, server_error: Signal<Option<AppError>>) -> impl IntoView {
    let name = form.name;
    let problem = Memo::new(move |_| (!name.get().is_empty()).then(|| Hostname::parse(&name.get()).err()).flatten());
    view! {
        <fieldset>
            <legend>"6. Name"</legend>
            <label for="name">"Hostname"</label>
            <input id="name" name="name" type="text" autocomplete="off" spellcheck="false" maxlength="63" bind:value=name
                aria-describedby="name-hint name-error" aria-invalid=move || problem.get().is_some().to_string()/>
            <p class="hint" id="name-hint">"Letters, digits and hyphens; it becomes the instance's hostname."</p>
            {move || problem.get().map(|m| view! { <p class="field-error" id="name-error" role="alert">{m}</p> })}
            <FieldError error=server_error field="name" id="name-server-error"/>
        </fieldset>
    }
}

#[component]
pub(super) fn GroupsStep(form: Form) -> impl IntoView {
    let groups = load(|| (), |_| list_groups());
    // Until the customer picks, the instance joins the default group.
    let touched = RwSignal::new(false);
    view! {
        <fieldset>
            <legend>"7. Security groups"</legend>
            <p class="muted">"The instance's firewall: inbound traffic is blocked unless one of its groups lets it in. Manage groups under Firewall."</p>
            <Transition fallback=|| view! { <Loading what="Loading your security groups…"/> }>
                {move || Suspend::new(async move {
                    loaded(groups.await, |gs| {
                        if !touched.get_untracked() && form.groups.get_untracked().is_empty() {
                            form.groups.set(gs.iter().filter(|g| g.is_default).map(|g| g.id.clone()).collect());
                        }
                        view! {
                            <div class="choices" role="group" aria-label="Security groups">
                                {gs.into_iter().map(|g| {
                                    let id = g.id.clone();
                                    let checked = { let id = id.clone(); move || form.groups.get().contains(&id) };
                                    let rules = match g.rule_count { 0 => "no rules".to_string(), 1 => "1 rule".to_string(), n => format!("{n} rules") };
                                    view! {
                                        <label class="choice">
                                            <input type="checkbox" prop:checked=checked on:change=move |ev| {
                                                touched.set(true);
                                                let on = event_target_checked(&ev);
                                                form.groups.update(|gs| { gs.retain(|x| x != &id); if on { gs.push(id.clone()); } });
                                            }/>
                                            <span class="choice-title">{g.name.clone()}</span>
                                            <span class="choice-text">{rules}</span>
                                        </label>
                                    }
                                }).collect_view()}
                            </div>
                        }
                    })
                })}
            </Transition>
        </fieldset>
    }
}

#[component]
pub(super) fn UserDataStep(form: Form, server_error: Signal<Option<AppError>>) -> impl IntoView {
    let bytes = Memo::new(move |_| form.user_data.get().len());
    view! {
        <fieldset>
            <legend>"8. Cloud-init user data (optional)"</legend>
            <label for="user-data">"User data"</label>
            <textarea id="user-data" rows="5" spellcheck="false" bind:value=form.user_data aria-describedby="user-data-size"></textarea>
            <p class="hint" id="user-data-size" class:field-error=move || { bytes.get() > UserData::MAX_BYTES }>
                {move || format!("{:.1} of {} KiB", bytes.get() as f64 / 1024.0, UserData::MAX_BYTES / 1024)}
            </p>
            <FieldError error=server_error field="user_data" id="user-data-error"/>
        </fieldset>
    }
}
