//! The browser's two bundles of code, and which page takes which.
//!
//! Signing in and signing up (`public`) are built into a WebAssembly bundle of their own, the panel
//! (every signed-in page) into another: a visitor who is not signed in downloads only what signing in
//! needs, and the panel can grow without making the sign-in page heavier (issue 15: the sign-in page
//! interactive within 200 KB). The panel's bundle is split further by route (`pages::lazy`).
//!
//! The server renders every page and names, in the page, the bundle that takes it over
//! ([`output_name`]). In the browser each bundle knows only its own pages; following a link to a
//! page of the other bundle loads that page from the server ([`Elsewhere`]), as does signing in
//! (the panel starts afresh) and signing out.

use leptos::prelude::*;

#[cfg(all(feature = "public", feature = "ssr"))]
compile_error!("`public` builds the browser's sign-in bundle; the server renders every page and never enables it");

/// The pages of the public bundle.
pub const PUBLIC_PAGES: [&str; 5] = ["/login", "/signup", "/forgot", "/reset", "/verify"];

/// The file name (under `/pkg/`) of the public bundle's script and WebAssembly.
pub const PUBLIC: &str = "public";

/// The bundle that takes over the page at `path`: the panel's (`zenith`, the site's output name) or
/// the public one. Exactly the paths the router gives the public pages (`/login/` or `/LOGIN` is
/// the panel's "not found" page), since a page taken over by a bundle that does not know it would
/// not come alive.
pub fn output_name<'a>(path: &str, panel: &'a str) -> &'a str {
    if PUBLIC_PAGES.contains(&path) {
        PUBLIC
    } else {
        panel
    }
}

/// A page of the other bundle: the browser loads it from the server, which renders it with the
/// bundle that takes it over. Never shown while a server-rendered page is taken over (the server
/// names the right bundle for every page), only after a link or a redirect inside the app.
#[component]
pub fn Elsewhere() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let location = leptos_router::hooks::use_location();
        let hydrating = Owner::current_shared_context().is_some_and(|sc| sc.during_hydration());
        if !hydrating {
            let href = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
            // `replace`: the router has already put this address in the history.
            _ = window().location().replace(&href);
        }
    }
    view! { <p class="loading" aria-live="polite">"Loading…"</p> }
}

/// Loads `path` from the server, afresh: a page of the other bundle (signing in lands in the
/// panel, signing out on the sign-in page), or the panel when all it shows changes (a support
/// session starts or ends). Not the router's navigation, which would show [`Elsewhere`] first.
pub fn open(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        _ = w.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Once the page works and the browser is idle, fetches what the next page will most likely need:
/// in the panel, the other pages' code (`pages::lazy`); on the sign-in pages, the panel's bundle.
/// Skipped when the visitor asked to save data.
#[cfg(feature = "hydrate")]
pub fn prefetch() {
    let save_data = js_sys::Reflect::get(&window().navigator(), &"connection".into())
        .ok()
        .filter(|c| !c.is_undefined())
        .and_then(|c| js_sys::Reflect::get(&c, &"saveData".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if save_data {
        return;
    }
    let fetch = wasm_bindgen::closure::Closure::once_into_js(|| {
        #[cfg(not(feature = "public"))]
        crate::pages::lazy::prefetch();
        #[cfg(feature = "public")]
        prefetch_panel();
    });
    // When the browser has nothing else to do: the page's own work (a first click, say) comes first.
    // Browsers without `requestIdleCallback` (Safari) get a short delay instead.
    let idle = js_sys::Reflect::get(&window(), &"requestIdleCallback".into()).ok().filter(|f| f.is_function());
    match idle {
        Some(idle) => _ = js_sys::Function::from(idle).call1(&window(), &fetch),
        None => _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(wasm_bindgen::JsCast::unchecked_ref(&fetch), 200),
    }
}

/// `<link rel="prefetch">` for the panel's script and WebAssembly: fetched at the lowest priority and
/// kept for the page that follows signing in.
#[cfg(all(feature = "hydrate", feature = "public"))]
fn prefetch_panel() {
    let Some(head) = document().head() else { return };
    for file in ["zenith.js", "zenith.wasm"] {
        if let Ok(link) = document().create_element("link") {
            _ = link.set_attribute("rel", "prefetch");
            _ = link.set_attribute("href", &format!("/pkg/{file}"));
            // As the panel's page will ask for them (`crossorigin`, see `HydrationScripts`), so the
            // browser can use what it fetched now.
            _ = link.set_attribute("crossorigin", "");
            _ = head.append_child(&link);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_in_and_up_take_the_public_bundle_and_every_other_page_the_panels_not_found_included() {
        assert_eq!(output_name("/login", "zenith"), "public");
        assert_eq!(output_name("/signup", "zenith"), "public");
        for panel in ["/", "/instances/new", "/login/", "/login/2fa", "/LOGIN", "/loginx", "/support", "/nowhere"] {
            assert_eq!(output_name(panel, "zenith"), "zenith", "{panel}");
        }
    }
}
