//! Step 5: how the customer will sign in to the instance.

use super::Form;
use crate::model::instance::AccessChoice;
use leptos::prelude::*;

#[component]
pub(super) fn AccessStep(form: Form) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"5. Access"</legend>
            <div class="choices two">
                {AccessChoice::ALL.iter().copied().map(|a| view! {
                    <label class="choice">
                        <input type="radio" name="access" value=a.as_str() prop:checked=move || form.access.get() == a
                            on:change=move |_| form.access.set(a)/>
                        <span class="choice-title">{a.label()}</span>
                        <span class="choice-text">{a.explanation()}</span>
                    </label>
                }).collect_view()}
            </div>
            <Show when=move || form.access.get() == AccessChoice::SshKey>
                <label for="ssh-key">"SSH key name"</label>
                <input id="ssh-key" type="text" bind:value=form.ssh_key autocomplete="off"/>
            </Show>
        </fieldset>
    }
}
