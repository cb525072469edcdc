//! Step 5: how the customer will sign in to the instance: a generated password, or one of their SSH
//! keys, which they can add or generate right here without losing the rest of the form.

use super::Form;
use crate::api::codec::load;
use crate::api::keys::list_keys;
use crate::components::{loaded, Guard, Loading};
use crate::model::instance::AccessChoice;
use crate::model::SshKeyName;
use crate::pages::keys::{AddKeyForm, GenerateKeyForm};
use leptos::prelude::*;

/// Which inline form is open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Inline {
    None,
    Add,
    Generate,
}

#[component]
pub(super) fn AccessStep(form: Form) -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let keys = load(
        move || (form.access.get() == AccessChoice::SshKey, changed.get()),
        |(wanted, _)| async move {
            if wanted {
                list_keys().await
            } else {
                Ok(vec![])
            }
        },
    );
    let inline = RwSignal::new(Inline::None);
    let added = Callback::new(move |name: SshKeyName| {
        form.ssh_key.set(name.to_string());
        changed.update(|v| *v += 1);
    });
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
                <Transition fallback=|| view! { <Loading what="Loading your keys…"/> }>
                    {move || Suspend::new(async move {
                        loaded(keys.await, |ks| {
                            if ks.is_empty() {
                                return view! { <p class="muted">"You have no SSH key yet: add yours or generate one below."</p> }.into_any();
                            }
                            if form.ssh_key.get_untracked().is_empty() {
                                form.ssh_key.set(ks[0].name.to_string());
                            }
                            view! {
                                <label for="ssh-key">"SSH key"</label>
                                <select id="ssh-key" on:change=move |ev| form.ssh_key.set(event_target_value(&ev))>
                                    {ks.into_iter().map(|k| {
                                        let name = k.name.to_string();
                                        let selected = { let n = name.clone(); move || form.ssh_key.get() == n };
                                        let label = format!("{name} ({})", k.kind);
                                        view! { <option value=name selected=selected>{label}</option> }
                                    }).collect_view()}
                                </select>
                            }.into_any()
                        })
                    })}
                </Transition>
                <Guard owner=true>
                <div class="action-row">
                    <button type="button" class="button subtle" aria-expanded=move || (inline.get() == Inline::Add).to_string()
                        on:click=move |_| inline.update(|i| *i = if *i == Inline::Add { Inline::None } else { Inline::Add })>"Add a key"</button>
                    <button type="button" class="button subtle" aria-expanded=move || (inline.get() == Inline::Generate).to_string()
                        on:click=move |_| inline.update(|i| *i = if *i == Inline::Generate { Inline::None } else { Inline::Generate })>"Generate a key"</button>
                </div>
                <Show when=move || inline.get() == Inline::Add><AddKeyForm inline=true on_added=added/></Show>
                <Show when=move || inline.get() == Inline::Generate><GenerateKeyForm inline=true on_added=added/></Show>
                </Guard>
            </Show>
        </fieldset>
    }
}
