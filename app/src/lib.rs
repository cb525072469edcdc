#![recursion_limit = "256"]
//! Zenith's user interface and the typed contract between browser and server.
//!
//! `model` is plain data shared by both sides; `api` holds the server functions (the JSON HTTP API);
//! `ports` (server side only) is how those functions reach the backend; `pages` and `components`
//! are the UI. This crate compiles to WebAssembly for the browser (`hydrate`) and into the server
//! (`ssr`), and never depends on the server crate.

pub mod api;
pub mod bundle;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
#[cfg(not(feature = "public"))]
use leptos_router::components::ParentRoute;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};
#[cfg(not(feature = "public"))]
use {leptos_router::Lazy, pages::lazy};

/// The HTML document around the app (server side). It names the bundle that takes the page over
/// (see [`bundle`]).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let options = for_this_page(options);
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

/// `options` naming the bundle for the page being rendered.
#[cfg_attr(not(feature = "ssr"), allow(unused_mut))]
fn for_this_page(mut options: LeptosOptions) -> LeptosOptions {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        let name = bundle::output_name(parts.uri.path(), &options.output_name);
        if name != &*options.output_name {
            options.output_name = name.into();
        }
    }
    options
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
            {routes()}
        </Router>
    }
}

// The sign-in pages in this build: the pages themselves, or, in the panel's bundle, a load from the
// server, which gives them to the public bundle.
#[cfg(all(feature = "hydrate", not(feature = "public")))]
use bundle::{Elsewhere as LoginPage, Elsewhere as SignupPage, Elsewhere as ForgotPage, Elsewhere as ResetPage, Elsewhere as VerifyPage};
#[cfg(not(all(feature = "hydrate", not(feature = "public"))))]
use pages::auth::{ForgotPage, LoginPage, ResetPage, SignupPage, VerifyPage};

/// Every page (the server, and the panel's bundle).
#[cfg(not(feature = "public"))]
fn routes() -> impl IntoView {
    view! {
        <Routes fallback=pages::NotFound>
            // Rendered whole before answering, so the forms work before (or without) the app's script.
            <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
            <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async/>
            <Route path=path!("/forgot") view=ForgotPage ssr=SsrMode::Async/>
            <Route path=path!("/reset") view=ResetPage ssr=SsrMode::Async/>
            <Route path=path!("/verify") view=VerifyPage ssr=SsrMode::Async/>
            // Rendered whole before answering, so a signed-out visitor gets a real redirect.
            <ParentRoute path=path!("") view=pages::layout::SignedIn ssr=SsrMode::Async>
                <Route path=path!("") view=pages::instances::InstancesPage/>
                // Every other page's code loads on demand (see `pages::lazy`).
                <Route path=path!("instances/new") view={Lazy::<lazy::Deploy>::new()}/>
                <Route path=path!("instances/:id") view={Lazy::<lazy::Instance>::new()}/>
                <Route path=path!("instances/:id/console") view={Lazy::<lazy::Console>::new()}/>
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
    }
}

/// The public bundle's pages; any other address is the panel's.
#[cfg(feature = "public")]
fn routes() -> impl IntoView {
    view! {
        <Routes fallback=bundle::Elsewhere>
            <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
            <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async/>
            <Route path=path!("/forgot") view=ForgotPage ssr=SsrMode::Async/>
            <Route path=path!("/reset") view=ResetPage ssr=SsrMode::Async/>
            <Route path=path!("/verify") view=VerifyPage ssr=SsrMode::Async/>
        </Routes>
    }
}

/// Takes over the server-rendered page: waits for the current page's code (in the panel, it may be
/// a chunk of its own), hydrates, then marks the document (`<html data-hydrated>`: tests and the
/// first-load benchmark wait for it) and starts fetching what the next page needs.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    report_panics();
    _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), App).await.forget();
        if let Some(html) = document().document_element() {
            _ = html.set_attribute("data-hydrated", "");
        }
        bundle::prefetch();
    });
}

/// In a debug build, a panic's message and place go to the browser's console. A release build
/// keeps the browser's own report ("unreachable"): any panic hook, even one that prints only the
/// place, links all of Rust's formatting machinery into the WebAssembly, because the hook could ask
/// for the message. That is 20 KB of the panel's 250 KB first download (measured for issue 15), for
/// a page that must not panic in the first place (the browser tests fail on any console error).
#[cfg(feature = "hydrate")]
fn report_panics() {
    #[cfg(debug_assertions)]
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&info.to_string().into())));
}
