use super::{form_state, Brand};
use crate::api::auth::Signup;
use crate::api::codec::{Act, Call};
use crate::components::{general_error, ErrorNote, FieldError};
use crate::model::{Email, NewPassword};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::de::IgnoredAny;

/// What the live hint says about a password. Length is all the browser can judge: the server also
/// refuses passwords that are easy to guess, so the hint never calls one "good".
pub fn password_hint(p: &str) -> String {
    if p.is_empty() {
        return format!("At least {} characters. A few unrelated words make a strong password.", NewPassword::MIN_CHARS);
    }
    match NewPassword::parse(p) {
        Ok(_) => format!("{} characters: long enough. It must also not be easy to guess.", p.chars().count()),
        Err(e) => e,
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let touched_email = RwSignal::new(false);
    // The server's last answer stands until the customer changes what it was about.
    let answered = RwSignal::new((String::new(), String::new()));
    let signup = Act::<IgnoredAny>::new();
    let posted = form_state();
    Effect::new(move |_| {
        if matches!(signup.value().get(), Some(Ok(_))) {
            crate::bundle::open("/");
        }
    });
    // Validated as you type, with the same rules the server applies.
    let email_problem =
        Memo::new(move |_| (touched_email.get() && !email.get().is_empty()).then(|| Email::parse(&email.get()).err()).flatten());
    let hint = Memo::new(move |_| password_hint(&password.get()));
    let server_error = Signal::derive(move || {
        let e = match signup.value().get() {
            Some(r) => r.err(),
            None => posted.get().and_then(Result::ok).and_then(|s| s.error),
        }?;
        let (sent_email, sent_password) = answered.get();
        let stale = match e.field() {
            Some("email") => email.get() != sent_email,
            Some("password") => password.get() != sent_password,
            _ => false,
        };
        (!stale).then_some(e)
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched_email.set(true);
        answered.set((email.get_untracked(), password.get_untracked()));
        signup.run(Call::to(Signup { email: email.get_untracked(), password: password.get_untracked() }).reading());
    };
    view! {
        <Title text="Create an account"/>
        <main class="auth-page">
            <section class="auth-card">
                <Brand/>
                <h1>"Create your account"</h1>
                <p class="muted">"Deploy instances in Amsterdam, Barcelona, Miami, Tokyo and Los Angeles, each with public IPv4 and IPv6."</p>
                <Transition fallback=|| ()>
                {move || {
                    // Filled while rendering, so a page rendered for a browser without JavaScript has it too.
                    if let Some(e) = posted.get().and_then(Result::ok).and_then(|s| s.email).filter(|_| email.get_untracked().is_empty()) {
                        email.set(e.clone());
                        answered.set((e, String::new()));
                    }
                    view! {
                <form method="post" action="/signup" on:submit=submit novalidate>
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required bind:value=email
                        value=move || email.get() on:blur=move |_| touched_email.set(true) aria-describedby="email-error"/>
                    {move || email_problem.get().map(|m| view! { <p class="field-error" id="email-error">{m}</p> })}
                    <FieldError error=server_error field="email" id="email-server-error"/>
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="15" maxlength="256"
                        bind:value=password aria-describedby="password-hint password-error"/>
                    <p class="hint" id="password-hint">{move || hint.get()}</p>
                    <FieldError error=server_error field="password" id="password-error"/>
                    <ErrorNote error=Signal::derive(move || general_error(server_error.get(), &["email", "password"]))/>
                    <button type="submit" class="button primary" disabled=move || signup.pending().get()>
                        {move || if signup.pending().get() { "Creating your account…" } else { "Create account" }}
                    </button>
                </form>
                    }
                }}
                </Transition>
                <p class="muted">"Already have an account? " <a href="/login">"Sign in"</a></p>
            </section>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_never_promises_what_only_the_server_can_check() {
        assert!(password_hint("short").contains("5 so far"));
        let long = password_hint("passwordpassword");
        assert!(long.contains("long enough") && long.contains("not be easy to guess") && !long.contains("good"), "{long}");
    }
}
