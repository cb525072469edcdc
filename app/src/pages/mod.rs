//! One module (or folder) per page; a page's parts are its own components.

pub mod account;
pub mod auth;
pub mod billing;
pub mod console;
pub mod deploy;
pub mod firewall;
pub mod instance;
pub mod instances;
pub mod keys;
pub mod layout;
#[cfg(not(feature = "public"))]
pub mod lazy;
pub mod support;

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <main class="centered">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <a href="/" class="button">"Back to your instances"</a>
        </main>
    }
}
