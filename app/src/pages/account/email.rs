//! Changing the account's address: the new one gets a link and becomes the account's only when it is
//! followed; the current one is told at once. Asks for the password.

use crate::api::account::ChangeEmail;
use crate::api::codec::Act;
use crate::components::{general_error, ErrorNote, FieldError};
use crate::model::Email;
use leptos::prelude::*;

#[component]
pub fn EmailForm() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let sent_to = RwSignal::new(String::new());
    let change = Act::of::<ChangeEmail>();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let done = move || matches!(change.value().get(), Some(Ok(())));
    Effect::new(move |_| {
        if done() {
            password.set(String::new());
        }
    });
    let problem = Memo::new(move |_| Some(email.get()).filter(|e| !e.is_empty()).and_then(|e| Email::parse(&e).err()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sent_to.set(email.get_untracked());
        change.dispatch(ChangeEmail { email: email.get_untracked(), password: password.get_untracked() });
    };
    view! {
        <section class="panel" aria-labelledby="email-h">
            <h2 id="email-h">"Email address"</h2>
            <form on:submit=submit novalidate>
                <label for="new-email">"New address"</label>
                <input id="new-email" type="email" autocomplete="email" bind:value=email aria-describedby="new-email-error"/>
                {move || problem.get().map(|m| view! { <p class="field-error" id="new-email-error">{m}</p> })}
                <FieldError error field="email" id="new-email-server-error"/>
                <label for="email-password">"Password"</label>
                <input id="email-password" type="password" autocomplete="current-password" bind:value=password/>
                <FieldError error field="password" id="email-password-error"/>
                <ErrorNote error=Signal::derive(move || general_error(error.get(), &["email", "password"]))/>
                <Show when=done>
                    <p class="alert alert-ok" role="status">
                        {move || format!("We sent a link to {}. Your address changes when you follow it, within 24 hours; your current address has been told.", sent_to.get())}
                    </p>
                </Show>
                <button type="submit" class="button primary" disabled=move || change.pending().get()>"Change address"</button>
            </form>
        </section>
    }
}
