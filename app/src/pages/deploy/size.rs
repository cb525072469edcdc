//! Step 3: the size, with its price per hour and monthly cap.

use super::{Choices, Form};
use crate::components::{loaded, Loading};
use crate::model::Offering;
use leptos::prelude::*;

pub(super) fn memory(mb: u32) -> String {
    if mb >= 1024 {
        format!("{} GB", mb / 1024)
    } else {
        format!("{mb} MB")
    }
}

pub(super) fn price_line(o: &Offering) -> String {
    match (o.price_hourly, o.price_monthly) {
        (Some(h), Some(m)) => format!("{h}/hour, at most {m}/month"),
        _ => "price on request".to_string(),
    }
}

pub(super) fn spec_line(o: &Offering) -> String {
    format!("{} vCPU · {} RAM · {} GB disk", o.cpu, memory(o.memory_mb), o.disk_gb)
}

#[component]
pub(super) fn SizeStep(form: Form, choices: Choices) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"3. Size"</legend>
            <Transition fallback=|| view! { <Loading what="Loading sizes…"/> }>
                {move || Suspend::new(async move {
                    loaded(choices.offerings.await, |offs| {
                        if form.zone.get_untracked().is_none() || offs.is_empty() {
                            return view! { <p class="muted">"Choose a zone first."</p> }.into_any();
                        }
                        view! {
                            <div class="sizes" role="radiogroup" aria-label="Size">
                                {move || offs.iter().filter(|o| o.tier == form.tier.get()).map(|o| {
                                    let id = o.id.clone();
                                    let checked = { let id = id.clone(); move || form.offering.get().as_ref() == Some(&id) };
                                    view! {
                                        <label class="choice size">
                                            <input type="radio" name="offering" value=id.to_string() prop:checked=checked
                                                on:change=move |_| form.offering.set(Some(id.clone()))/>
                                            <span class="choice-title">{o.name.clone()}</span>
                                            <span class="choice-text">{spec_line(o)}</span>
                                            <span class="price">{price_line(o)}</span>
                                        </label>
                                    }
                                }).collect_view()}
                            </div>
                        }.into_any()
                    })
                })}
            </Transition>
        </fieldset>
    }
}
