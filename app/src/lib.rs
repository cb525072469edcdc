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
use leptos_router::{path, Lazy, SsrMode};
use pages::lazy;

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
                    // Every other page's code loads on demand (see `pages::lazy`).
                    <Route path=path!("instances/new") view={Lazy::<lazy::Deploy>::new()}/>
                    <Route path=path!("instances/:id") view={Lazy::<lazy::Instance>::new()}/>
                    <Route path=path!("firewall") view={Lazy::<lazy::Firewall>::new()}/>
                    <Route path=path!("firewall/:id") view={Lazy::<lazy::Group>::new()}/>
                    <Route path=path!("keys") view={Lazy::<lazy::Keys>::new()}/>
                    <Route path=path!("billing") view={Lazy::<lazy::Billing>::new()}/>
                    <Route path=path!("account") view={Lazy::<lazy::Account>::new()}/>
                    <Route path=path!("support") view={Lazy::<lazy::Support>::new()}/>
                    <Route path=path!("support/customers/:id") view={Lazy::<lazy::Customer>::new()}/>
                    <Route path=path!("support/audit") view={Lazy::<lazy::Audit>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Takes over the server-rendered page: waits for the current page's code (it may be a chunk of
/// its own), hydrates, then marks the document (`<html data-hydrated>`: tests and the first-load
/// benchmark wait for it) and starts fetching the other pages' code.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), App).await.forget();
        if let Some(html) = document().document_element() {
            _ = html.set_attribute("data-hydrated", "");
        }
        pages::lazy::prefetch();
    });
}
