//! The summary: what will be created, for how much, and the Deploy button (which says what is
//! missing while it cannot be pressed).

use super::size::{memory, price_line};
use super::{Choices, Form};
use crate::api::codec::Act;
use crate::components::{general_error, ErrorNote, Guard};
use crate::error::AppError;
use leptos::prelude::*;

#[component]
pub(super) fn Summary(
    form: Form,
    choices: Choices,
    deploy: Act<crate::model::DeployAccepted>,
    server_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let chosen = move || {
        let id = form.offering.get()?;
        choices.offerings.get().and_then(Result::ok)?.into_iter().find(|o| o.id == id)
    };
    let missing = Memo::new(move |_| form.missing());
    view! {
        <section class="summary" aria-label="Summary">
            <h2>"Summary"</h2>
            {move || match chosen() {
                Some(o) => view! {
                    <p>{format!("{} ({}) · {} vCPU · {} RAM · {} GB", o.name, o.tier.label(), o.cpu, memory(o.memory_mb), o.disk_gb)}</p>
                    <p class="price big">{price_line(&o)}</p>
                }.into_any(),
                None => view! { <p class="muted">"Pick a zone, a family and a size to see the price."</p> }.into_any(),
            }}
            <ErrorNote error=Signal::derive(move || general_error(server_error.get(), &["name", "user_data"]))/>
            <Guard>
                <button type="submit" class="button primary" aria-describedby="deploy-missing"
                    disabled=move || missing.get().is_some() || deploy.pending().get()>
                    {move || if deploy.pending().get() { "Deploying…" } else { "Deploy" }}
                </button>
            </Guard>
            <p class="hint" id="deploy-missing" aria-live="polite">{move || missing.get()}</p>
        </section>
    }
}
