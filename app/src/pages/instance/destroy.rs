//! Destroy: deleted for good, after typing the instance's name.

use crate::model::Action;
use leptos::prelude::*;

#[component]
pub fn DestroyPanel(name: String, #[prop(into)] busy: Signal<bool>, run: Callback<Action>) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let label = format!("Type {name} to confirm");
    view! {
        <div class="subpanel danger-zone">
            <h3>"Destroy"</h3>
            <p>"The instance and its disk are deleted for good; its addresses go back to the pool."</p>
            <label for="destroy-confirm">{label}</label>
            <input id="destroy-confirm" type="text" autocomplete="off" bind:value=typed/>
            <button type="button" class="button danger" disabled=move || typed.get() != name || busy.get()
                on:click=move |_| run.run(Action::Destroy)>"Destroy this instance"</button>
        </div>
    }
}
