#![recursion_limit = "256"]
//! Zenith's user interface and the typed contract between browser and server.
//!
//! `model` is plain data shared by both sides; `api` holds the server functions (the JSON HTTP API);
//! `ports` (server side only) is how those functions reach the backend; `pages` and `components`
//! are the UI. This crate compiles to WebAssembly for the browser (`hydrate`) and into the server
//! (`ssr`), and never depends on the server crate.

pub mod api;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="zenith" href="/pkg/zenith.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="color-scheme" content="light dark"/>
        <Title formatter=|page: String| if page.is_empty() { "Zenith".to_string() } else { format!("{page} · Zenith") }/>
        <Router>
            <Routes fallback=pages::NotFound>
                // Rendered whole before answering, so the forms work before (or without) the app's script.
                <Route path=path!("/login") view=pages::auth::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=pages::auth::SignupPage ssr=SsrMode::Async/>
                // Rendered whole before answering, so a signed-out visitor gets a real redirect.
                <ParentRoute path=path!("") view=pages::layout::SignedIn ssr=SsrMode::Async>
                    <Route path=path!("") view=pages::instances::InstancesPage/>
                    <Route path=path!("instances/new") view=pages::deploy::DeployPage/>
                    <Route path=path!("instances/:id") view=pages::instance::InstancePage/>
                    <Route path=path!("firewall") view=pages::firewall::FirewallPage/>
                    <Route path=path!("firewall/:id") view=pages::firewall::GroupPage/>
                    <Route path=path!("keys") view=pages::keys::KeysPage/>
                    <Route path=path!("billing") view=pages::billing::BillingPage/>
                    <Route path=path!("account") view=pages::account::AccountPage/>
                    <Route path=path!("support") view=pages::support::SupportPage/>
                    <Route path=path!("support/customers/:id") view=pages::support::CustomerPage/>
                    <Route path=path!("support/audit") view=pages::support::AuditPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
