//! Step 4: the operating system.

use super::{Choices, Form};
use crate::components::{loaded, Loading};
use crate::model::TemplateId;
use leptos::prelude::*;

#[component]
pub(super) fn ImageStep(form: Form, choices: Choices) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"4. Image"</legend>
            {move || form.snapshot.get().map(|(_, name)| view! {
                <p class="alert alert-info" role="status">
                    "Starting from the snapshot " <strong>{name}</strong>
                    ": the new instance gets a copy of its disk, in the snapshot's zone. "
                    <button type="button" class="button subtle" on:click=move |_| form.snapshot.set(None)>"Use an image instead"</button>
                </p>
            })}
            <div hidden=move || form.snapshot.get().is_some()>
            <Transition fallback=|| view! { <Loading what="Loading images…"/> }>
                {move || Suspend::new(async move {
                    loaded(choices.templates.await, |ts| {
                        if ts.is_empty() {
                            return view! { <p class="muted">"Choose a zone first."</p> }.into_any();
                        }
                        view! {
                            <label for="template">"Operating system"</label>
                            <select id="template" on:change=move |ev| form.template.set(TemplateId::parse(&event_target_value(&ev)).ok())>
                                <option value="" selected=move || form.template.get().is_none()>"Choose an image"</option>
                                {ts.into_iter().map(|t| {
                                    let id = t.id.clone();
                                    let sel = { let id = id.clone(); move || form.template.get().as_ref() == Some(&id) };
                                    view! { <option value=id.to_string() selected=sel>{t.name}</option> }
                                }).collect_view()}
                            </select>
                        }.into_any()
                    })
                })}
            </Transition>
            </div>
        </fieldset>
    }
}
