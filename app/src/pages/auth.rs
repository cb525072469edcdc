//! Sign-in (with the two-factor step) and sign-up.

use crate::api::auth::{Login, LoginTwoFactor, Signup};
use crate::components::{general_error, ErrorNote, FieldError};
use crate::error::AppError;
use crate::model::{Email, NewPassword};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

#[component]
fn Brand() -> impl IntoView {
    view! {
        <a href="/" class="brand" aria-label="Zenith home">
            <img src="/logo.svg" alt="" width="28" height="28"/>
            <span>"Zenith"</span>
        </a>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let login = ServerAction::<Login>::new();
    let second = ServerAction::<LoginTwoFactor>::new();
    let navigate = use_navigate();
    let needs_code = Memo::new(move |_| matches!(login.value().get(), Some(Ok(ref o)) if o.two_factor_required));
    Effect::new({
        let navigate = navigate.clone();
        move |_| {
            let done =
                matches!(login.value().get(), Some(Ok(ref o)) if !o.two_factor_required) || matches!(second.value().get(), Some(Ok(_)));
            if done {
                navigate("/", Default::default());
            }
        }
    });
    let error = Signal::derive(move || {
        if needs_code.get() {
            second.value().get().and_then(Result::err)
        } else {
            login.value().get().and_then(Result::err)
        }
    });
    let submit_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        login.dispatch(Login { email: email.get_untracked(), password: password.get_untracked() });
    };
    let submit_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        second.dispatch(LoginTwoFactor { code: code.get_untracked() });
    };
    view! {
        <Title text="Sign in"/>
        <main class="auth-page">
            <section class="auth-card">
                <Brand/>
                <Show
                    when=move || needs_code.get()
                    fallback=move || view! {
                        <h1>"Sign in"</h1>
                        <form on:submit=submit_password novalidate>
                            <label for="email">"Email"</label>
                            <input id="email" name="email" type="email" autocomplete="username" required bind:value=email/>
                            <label for="password">"Password"</label>
                            <input id="password" name="password" type="password" autocomplete="current-password" required bind:value=password/>
                            <ErrorNote error=error/>
                            <button type="submit" class="button primary" disabled=move || login.pending().get()>
                                {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                            </button>
                        </form>
                        <p class="muted">"New here? " <a href="/signup">"Create an account"</a></p>
                    }
                >
                    <h1>"Two-factor sign-in"</h1>
                    <p>"Enter the 6-digit code from your authenticator app, or one of your recovery codes."</p>
                    <form on:submit=submit_code novalidate>
                        <label for="code">"Code"</label>
                        <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required bind:value=code aria-describedby="code-error"/>
                        <FieldError error=error field="code" id="code-error"/>
                        <ErrorNote error=Signal::derive(move || general_error(error.get(), &["code"]))/>
                        <button type="submit" class="button primary" disabled=move || second.pending().get()>"Verify"</button>
                    </form>
                </Show>
            </section>
        </main>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let touched_email = RwSignal::new(false);
    let signup = ServerAction::<Signup>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if matches!(signup.value().get(), Some(Ok(_))) {
            navigate("/", Default::default());
        }
    });
    // Validated as you type, with the same rules the server applies.
    let email_problem =
        Memo::new(move |_| (touched_email.get() && !email.get().is_empty()).then(|| Email::parse(&email.get()).err()).flatten());
    let password_hint = Memo::new(move |_| {
        let p = password.get();
        if p.is_empty() {
            format!("At least {} characters. A few unrelated words make a strong password.", NewPassword::MIN_CHARS)
        } else {
            match NewPassword::parse(&p) {
                Ok(_) => format!("{} characters — good length.", p.chars().count()),
                Err(e) => e,
            }
        }
    });
    let server_error = Signal::derive(move || signup.value().get().and_then(Result::err));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched_email.set(true);
        signup.dispatch(Signup { email: email.get_untracked(), password: password.get_untracked() });
    };
    view! {
        <Title text="Create an account"/>
        <main class="auth-page">
            <section class="auth-card">
                <Brand/>
                <h1>"Create your account"</h1>
                <p class="muted">"Deploy instances in Amsterdam, Barcelona, Miami, Tokyo and Los Angeles, each with public IPv4 and IPv6."</p>
                <form on:submit=submit novalidate>
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required bind:value=email
                        on:blur=move |_| touched_email.set(true) aria-describedby="email-error"/>
                    {move || email_problem.get().map(|m| view! { <p class="field-error" id="email-error">{m}</p> })}
                    <FieldError error=server_error field="email" id="email-server-error"/>
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="15" maxlength="256"
                        bind:value=password aria-describedby="password-hint"/>
                    <p class="hint" id="password-hint">{move || password_hint.get()}</p>
                    <FieldError error=server_error field="password" id="password-error"/>
                    <ErrorNote error=Signal::derive(move || general_error(server_error.get(), &["email", "password"]))/>
                    <button type="submit" class="button primary" disabled=move || signup.pending().get()>
                        {move || if signup.pending().get() { "Creating your account…" } else { "Create account" }}
                    </button>
                </form>
                <p class="muted">"Already have an account? " <a href="/login">"Sign in"</a></p>
            </section>
        </main>
    }
}

/// True when the error means "not signed in".
pub fn is_signed_out(e: &AppError) -> bool {
    matches!(e, AppError::Unauthorized)
}
