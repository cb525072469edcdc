//! Reinstall: a fresh disk from a chosen image, after an explicit "I understand".

use crate::api::catalog::templates;
use crate::api::codec::load;
use crate::components::Loading;
use crate::model::{Action, TemplateId, ZoneId};
use leptos::prelude::*;

#[component]
pub fn ReinstallPanel(zone: ZoneId, #[prop(into)] busy: Signal<bool>, run: Callback<Action>) -> impl IntoView {
    let list = load(move || zone.clone(), |z| templates(z.to_string()));
    let chosen = RwSignal::new(None::<TemplateId>);
    let understood = RwSignal::new(false);
    view! {
        <div class="subpanel">
            <h3>"Reinstall"</h3>
            <p>"The disk is wiped and the chosen image installed. Addresses stay the same."</p>
            <label for="reinstall-template">"Image"</label>
            <Transition fallback=|| view! { <Loading what="Loading images…"/> }>
                {move || Suspend::new(async move {
                    let ts = list.await.unwrap_or_default();
                    view! {
                        <select id="reinstall-template" on:change=move |ev| chosen.set(TemplateId::parse(&event_target_value(&ev)).ok())>
                            <option value="">"Choose an image"</option>
                            {ts.into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                        </select>
                    }
                })}
            </Transition>
            <label class="check"><input type="checkbox" prop:checked=move || understood.get() on:change=move |ev| understood.set(event_target_checked(&ev))/>
                "I understand that everything on the disk will be erased"</label>
            <button type="button" class="button danger" disabled=move || chosen.get().is_none() || !understood.get() || busy.get()
                on:click=move |_| { if let Some(template_id) = chosen.get_untracked() { run.run(Action::Reinstall { template_id }) } }>"Reinstall now"</button>
        </div>
    }
}
