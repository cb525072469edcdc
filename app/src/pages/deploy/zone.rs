//! Steps 1 and 2: where, and which storage family.

use super::{Choices, Form};
use crate::components::{loaded, Loading};
use crate::model::Tier;
use leptos::prelude::*;

#[component]
pub(super) fn ZoneStep(form: Form, choices: Choices) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"1. Zone"</legend>
            <Suspense fallback=|| view! { <Loading what="Loading zones…"/> }>
                {move || Suspend::new(async move {
                    loaded(choices.zones.await, |zs| view! {
                        <div class="choices">
                            {zs.into_iter().map(|z| {
                                let id = z.id.clone();
                                let checked = { let id = id.clone(); move || form.zone.get().as_ref() == Some(&id) };
                                view! {
                                    <label class="choice">
                                        <input type="radio" name="zone" value=id.to_string() prop:checked=checked
                                            on:change=move |_| { form.zone.set(Some(id.clone())); form.offering.set(None); form.template.set(None); }/>
                                        <span>{z.name}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    })
                })}
            </Suspense>
        </fieldset>
    }
}

#[component]
pub(super) fn FamilyStep(form: Form) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"2. Storage family"</legend>
            <div class="choices two">
                {[Tier::Agile, Tier::Stamina].into_iter().map(|t| view! {
                    <label class="choice tier">
                        <input type="radio" name="tier" value=t.slug() prop:checked=move || form.tier.get() == t
                            on:change=move |_| { form.tier.set(t); form.offering.set(None); }/>
                        <span class="choice-title">{t.label()}</span>
                        <span class="choice-text">{t.summary()}</span>
                    </label>
                }).collect_view()}
            </div>
        </fieldset>
    }
}
