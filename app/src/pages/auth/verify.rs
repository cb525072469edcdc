//! `/verify?token=…`: the link mailed to confirm an address (at sign-up, or a new one). Confirming
//! takes a press of the button, not the visit alone: mail scanners open links too. Works as a plain
//! form before the app loads (`POST /verify`).

use super::recover::address_token;
use super::{form_state, AuthFrame};
use crate::api::auth::{EmailVerified, VerifyEmail};
use crate::api::codec::{Act, Call};
use crate::components::ErrorNote;
use leptos::prelude::*;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let token = address_token("/verify");
    let verify = Act::<EmailVerified>::new();
    let posted = form_state();
    let posted_state = move || posted.get().and_then(Result::ok).unwrap_or_default();
    // The confirmed address: from the app's call, or from the form posted without it.
    let confirmed = move || match verify.value().get() {
        Some(Ok(v)) => Some(v.email.to_string()),
        Some(Err(_)) => None,
        None => posted_state().done.then(|| posted_state().email.unwrap_or_default()),
    };
    let error = Signal::derive(move || match verify.value().get() {
        Some(r) => r.err(),
        None => posted_state().error,
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        verify.run(Call::to(VerifyEmail { token: token.get_value() }));
    };
    view! {
        <AuthFrame title="Confirm your address" posted>
            {move || match confirmed() {
                Some(email) => view! {
                    <h1>"Address confirmed"</h1>
                    <p role="status" class="notice">{format!("{email} is now your account's confirmed address.")}</p>
                    <a class="button primary" href="/">"Go to your panel"</a>
                }.into_any(),
                None => view! {
                    <h1>"Confirm your address"</h1>
                    <form method="post" action="/verify" on:submit=submit>
                        <input type="hidden" name="token" value=token.get_value()/>
                        <ErrorNote error=error/>
                        <button type="submit" class="button primary" disabled=move || verify.pending().get()>
                            {move || if verify.pending().get() { "Confirming…" } else { "Confirm my address" }}
                        </button>
                    </form>
                }.into_any(),
            }}
        </AuthFrame>
    }
}
