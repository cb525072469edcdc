//! Changing the password (the current one first).

use crate::api::account::ChangePassword;
use crate::api::codec::Act;
use crate::components::{general_error, ErrorNote, FieldError};
use crate::model::NewPassword;
use leptos::prelude::*;

#[component]
pub fn PasswordForm(version: RwSignal<u32>) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let change = Act::of::<ChangePassword>();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let done = move || matches!(change.value().get(), Some(Ok(())));
    Effect::new(move |_| {
        if done() {
            current.set(String::new());
            new.set(String::new());
            version.update(|v| *v += 1);
        }
    });
    let hint = Memo::new(move |_| {
        let p = new.get();
        if p.is_empty() {
            format!("At least {} characters.", NewPassword::MIN_CHARS)
        } else {
            NewPassword::parse(&p).err().unwrap_or_else(|| "Long enough. It must also not be easy to guess.".into())
        }
    });
    view! {
        <section class="panel" aria-labelledby="pw-h">
            <h2 id="pw-h">"Password"</h2>
            <form on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); change.dispatch(ChangePassword { current_password: current.get_untracked(), new_password: new.get_untracked() }); } novalidate>
                <label for="current-password">"Current password"</label>
                <input id="current-password" type="password" autocomplete="current-password" bind:value=current/>
                <FieldError error field="current_password" id="current-password-error"/>
                <label for="new-password">"New password"</label>
                <input id="new-password" type="password" autocomplete="new-password" bind:value=new aria-describedby="new-password-hint"/>
                <p class="hint" id="new-password-hint">{move || hint.get()}</p>
                <FieldError error field="new_password" id="new-password-error"/>
                <ErrorNote error=Signal::derive(move || general_error(error.get(), &["current_password", "new_password"]))/>
                <Show when=done><p class="alert alert-ok" role="status">"Password changed. Your other sessions were signed out."</p></Show>
                <button type="submit" class="button primary" disabled=move || change.pending().get()>"Change password"</button>
            </form>
        </section>
    }
}
