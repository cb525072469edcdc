//! A forgotten password: `/forgot` asks for the address and always answers the same (the link, if an
//! account has the address, comes by email); `/reset?token=…` takes the link's token out of the
//! address bar at once (kept in the page, posted with the new password) and sets the new password.
//! Both work as plain forms before the app loads (`POST /forgot`, `POST /reset`).

use super::signup::password_hint;
use super::{form_state, AuthFrame};
use crate::api::auth::{CompletePasswordReset, RequestPasswordReset};
use crate::api::codec::{Act, Call};
use crate::components::{general_error, ErrorNote, FieldError};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::de::IgnoredAny;

/// What `/forgot` says once asked, whether or not an account has the address.
pub const LINK_SENT: &str =
    "If an account has this address, we have sent it a link to choose a new password. The link works once, for 30 minutes. Check your spam folder if it does not arrive within a few minutes.";

#[component]
pub fn ForgotPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let ask = Act::<IgnoredAny>::new();
    let posted = form_state();
    let posted_state = move || posted.get().and_then(Result::ok).unwrap_or_default();
    let sent = move || matches!(ask.value().get(), Some(Ok(_))) || (ask.value().get().is_none() && posted_state().done);
    let error = Signal::derive(move || match ask.value().get() {
        Some(r) => r.err(),
        None => posted_state().error,
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ask.run(Call::to(RequestPasswordReset { email: email.get_untracked() }).reading());
    };
    view! {
        <AuthFrame title="Forgot your password" posted>
            {move || {
                if let Some(e) = posted_state().email.filter(|_| email.get_untracked().is_empty()) {
                    email.set(e);
                }
                view! {
                    <h1>"Forgot your password?"</h1>
                    <Show when=sent fallback=move || view! {
                        <p class="muted">"Enter your account's email address and we will send you a link to choose a new password."</p>
                        <form method="post" action="/forgot" on:submit=submit novalidate>
                            <label for="email">"Email"</label>
                            <input id="email" name="email" type="email" autocomplete="username" required bind:value=email
                                value=move || email.get() aria-describedby="email-error"/>
                            <FieldError error=error field="email" id="email-error"/>
                            <ErrorNote error=Signal::derive(move || general_error(error.get(), &["email"]))/>
                            <button type="submit" class="button primary" disabled=move || ask.pending().get()>
                                {move || if ask.pending().get() { "Sending…" } else { "Send me a link" }}
                            </button>
                        </form>
                    }>
                        <p role="status" class="notice">{LINK_SENT}</p>
                    </Show>
                    <p class="muted"><a href="/login">"Back to sign in"</a></p>
                }
            }}
        </AuthFrame>
    }
}

/// Takes the link's token out of the address bar (and so out of the history, a shared screen and
/// the next page's referrer) once the page is live. Without JavaScript the form carries it instead.
fn forget_address_token(page: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(page));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = page;
}

/// The token in the page's address, read once.
pub(super) fn address_token(page: &'static str) -> StoredValue<String> {
    let query = use_query_map();
    let token = StoredValue::new(query.with_untracked(|q| q.get("token").unwrap_or_default()));
    Effect::new(move |_| forget_address_token(page));
    token
}

#[component]
pub fn ResetPage() -> impl IntoView {
    let token = address_token("/reset");
    let password = RwSignal::new(String::new());
    let reset = Act::<IgnoredAny>::new();
    let posted = form_state();
    let posted_state = move || posted.get().and_then(Result::ok).unwrap_or_default();
    let done = move || matches!(reset.value().get(), Some(Ok(_))) || (reset.value().get().is_none() && posted_state().done);
    let error = Signal::derive(move || match reset.value().get() {
        Some(r) => r.err(),
        None => posted_state().error,
    });
    let hint = Memo::new(move |_| password_hint(&password.get()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        reset.run(Call::to(CompletePasswordReset { token: token.get_value(), password: password.get_untracked() }).reading());
    };
    view! {
        <AuthFrame title="Choose a new password" posted>
            <Show when=done fallback=move || view! {
                <h1>"Choose a new password"</h1>
                <form method="post" action="/reset" on:submit=submit novalidate>
                    <input type="hidden" name="token" value=token.get_value()/>
                    <label for="password">"New password"</label>
                    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="15" maxlength="256"
                        bind:value=password aria-describedby="password-hint password-error"/>
                    <p class="hint" id="password-hint">{move || hint.get()}</p>
                    <FieldError error=error field="password" id="password-error"/>
                    <ErrorNote error=Signal::derive(move || general_error(error.get(), &["password"]))/>
                    <button type="submit" class="button primary" disabled=move || reset.pending().get()>
                        {move || if reset.pending().get() { "Saving…" } else { "Set the new password" }}
                    </button>
                </form>
                <p class="muted"><a href="/forgot">"Ask for a new link"</a></p>
            }>
                <h1>"Your password is changed"</h1>
                <p role="status" class="notice">
                    "Every session of your account has been signed out. Sign in with the new password; if you use two-factor sign-in, you will still need your code."
                </p>
                <a class="button primary" href="/login">"Sign in"</a>
            </Show>
        </AuthFrame>
    }
}
