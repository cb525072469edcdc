use super::{form_state, Brand};
use crate::api::auth::{Login, LoginTwoFactor};
use crate::api::codec::{Act, Call};
use crate::components::{general_error, ErrorNote, FieldError};
use crate::model::account::LoginStep;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::de::IgnoredAny;

#[component]
pub fn LoginPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let login = Act::<LoginStep>::new();
    let second = Act::<IgnoredAny>::new();
    let posted = form_state();
    let posted_state = move || posted.get().and_then(Result::ok).unwrap_or_default();
    // A form posted before the app loaded may have asked for the code already.
    let needs_code = Memo::new(move |_| {
        matches!(login.value().get(), Some(Ok(ref o)) if o.two_factor_required)
            || (login.value().get().is_none() && posted_state().code_step)
    });
    Effect::new(move |_| {
        let done = matches!(login.value().get(), Some(Ok(ref o)) if !o.two_factor_required) || matches!(second.value().get(), Some(Ok(_)));
        if done {
            crate::bundle::open("/");
        }
    });
    let error = Signal::derive(move || {
        let answered =
            if needs_code.get() { second.value().get().map(|r| r.map(|_| ())) } else { login.value().get().map(|r| r.map(|_| ())) };
        match answered {
            Some(r) => r.err(),
            None => posted_state().error,
        }
    });
    let submit_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        login.run(Call::to(Login { email: email.get_untracked(), password: password.get_untracked() }).reading());
    };
    let submit_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        second.run(Call::to(LoginTwoFactor { code: code.get_untracked() }).reading());
    };
    view! {
        <Title text="Sign in"/>
        <main class="auth-page">
            <section class="auth-card">
                <Brand/>
                <Transition fallback=|| ()>
                    {move || {
                        // Filled while rendering, so a page rendered for a browser without JavaScript has it too.
                        if let Some(e) = posted_state().email.filter(|_| email.get_untracked().is_empty()) {
                            email.set(e);
                        }
                        view! {
                            <Show
                                when=move || needs_code.get()
                                fallback=move || view! {
                                    <h1>"Sign in"</h1>
                                    <form method="post" action="/login" on:submit=submit_password novalidate>
                                        <label for="email">"Email"</label>
                                        <input id="email" name="email" type="email" autocomplete="username" required bind:value=email
                                            // The attribute too: a page rendered for a browser without JavaScript shows it.
                                            value=move || email.get()/>
                                        <label for="password">"Password"</label>
                                        <input id="password" name="password" type="password" autocomplete="current-password" required bind:value=password/>
                                        <ErrorNote error=error/>
                                        <button type="submit" class="button primary" disabled=move || login.pending().get()>
                                            {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                                        </button>
                                    </form>
                                    <p class="muted"><a href="/forgot">"Forgot your password?"</a></p>
                                    <p class="muted">"New here? " <a href="/signup">"Create an account"</a></p>
                                }
                            >
                                <h1>"Two-factor sign-in"</h1>
                                <p>"Enter the 6-digit code from your authenticator app, or one of your recovery codes."</p>
                                <form method="post" action="/login/2fa" on:submit=submit_code novalidate>
                                    <label for="code">"Code"</label>
                                    <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required bind:value=code aria-describedby="code-error"/>
                                    <FieldError error=error field="code" id="code-error"/>
                                    <ErrorNote error=Signal::derive(move || general_error(error.get(), &["code"]))/>
                                    <button type="submit" class="button primary" disabled=move || second.pending().get()>"Verify"</button>
                                </form>
                            </Show>
                        }
                    }}
                </Transition>
            </section>
        </main>
    }
}
