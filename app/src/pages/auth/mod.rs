//! Sign-in (with the two-factor step), sign-up, a forgotten password and the address's confirmation.
//!
//! Both forms post to real handlers (`POST /login`, `/login/2fa`, `/signup`), so a submit before the
//! app has loaded (a slow phone, blocked scripts) signs in the same way and never puts the password in
//! the URL. Once hydrated, the app submits them itself and stays on the page. A form post's outcome
//! (an error, or "now the code") comes back through [`form_state`], read once on the next render.

mod login;
mod recover;
mod signup;
mod verify;

pub use login::LoginPage;
pub use recover::{ForgotPage, ResetPage};
pub use signup::SignupPage;
pub use verify::VerifyPage;

use crate::api::auth::FormState;
use crate::api::codec::{load, Load};
use leptos::prelude::*;

#[component]
fn Brand() -> impl IntoView {
    view! {
        <a href="/" class="brand" aria-label="Zenith home">
            <img src="/logo.svg" alt="" width="28" height="28"/>
            <span>"Zenith"</span>
        </a>
    }
}

/// The frame of the recovery pages: the title, the brand, and the page's content, rendered once the
/// outcome of a form posted without JavaScript (`posted`) is known, so a page rendered for a browser
/// without JavaScript shows it too.
#[component]
fn AuthFrame(title: &'static str, posted: Load<FormState>, children: ChildrenFn) -> impl IntoView {
    view! {
        <leptos_meta::Title text=title/>
        <main class="auth-page">
            <section class="auth-card">
                <Brand/>
                <Transition fallback=|| ()>
                    {move || {
                        let _ = posted.get();
                        children()
                    }}
                </Transition>
            </section>
        </main>
    }
}

/// The outcome of a form posted without JavaScript, if the last request was one.
fn form_state() -> Load<FormState> {
    load(|| (), |_| crate::api::auth::posted_form())
}
