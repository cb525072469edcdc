//! The browser's side of the console: noVNC, loaded on this page only, through `/console.js`
//! (`assets/console.js`), a module script added when the page runs. The page's content security
//! policy trusts scripts its own scripts add (`'strict-dynamic'`), so no other source is allowed.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// One noVNC session (`console.js`'s handle).
    pub type Session;

    #[wasm_bindgen(catch, js_namespace = ZenithConsole, js_name = open)]
    fn open_js(
        target: &web_sys::HtmlElement,
        url: &str,
        view_only: bool,
        on_state: &js_sys::Function,
        on_key: &JsValue,
    ) -> Result<Session, JsValue>;

    #[wasm_bindgen(method)]
    pub fn key(this: &Session, keysym: u32, code: &str, down: bool);
    #[wasm_bindgen(method, js_name = setScaled)]
    pub fn set_scaled(this: &Session, on: bool);
    #[wasm_bindgen(method)]
    pub fn focus(this: &Session);
    #[wasm_bindgen(method)]
    pub fn close(this: &Session);
}

/// What noVNC reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Connected,
    /// `clean`: the session ended on purpose (the VM stopped, the proxy closed it), else it was lost.
    Disconnected {
        clean: bool,
    },
    Refused(String),
}

/// Adds `/console.js` once and waits until it has run (it sets `window.ZenithConsole`; a module
/// that fails to load never does, and after [`LOAD_WAIT_MS`] the page says so).
pub async fn load() -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let ready = || js_sys::Reflect::get(&window, &"ZenithConsole".into()).is_ok_and(|v| !v.is_undefined());
    if ready() {
        return Ok(());
    }
    let document = window.document().ok_or("no document")?;
    if document.query_selector("script[data-console]").ok().flatten().is_none() {
        let script = document.create_element("script").map_err(|_| "no script element")?;
        _ = script.set_attribute("type", "module");
        _ = script.set_attribute("src", "/console.js");
        _ = script.set_attribute("data-console", "");
        document.head().ok_or("no head")?.append_child(&script).map_err(|_| "the console's script could not be added")?;
    }
    for _ in 0..LOAD_WAIT_MS / 50 {
        if ready() {
            return Ok(());
        }
        crate::components::sleep(50).await;
    }
    Err("The console's code could not be loaded. Check your connection and reload the page.".into())
}

const LOAD_WAIT_MS: u64 = 20_000;

/// Opens a session in `target`. Every key the customer presses goes to `on_key` (keysym, physical
/// key, down) instead of the instance; the page sends what it decides with [`Session::key`].
pub fn open(
    target: &web_sys::HtmlElement,
    url: &str,
    view_only: bool,
    on_event: impl Fn(Event) + 'static,
    on_key: Option<Box<dyn Fn(u32, String, bool)>>,
) -> Result<Session, String> {
    let on_state = Closure::<dyn Fn(String, String)>::new(move |state: String, detail: String| {
        on_event(match state.as_str() {
            "connected" => Event::Connected,
            "disconnected" => Event::Disconnected { clean: detail == "clean" },
            _ => Event::Refused(detail),
        })
    });
    let on_key: JsValue = match on_key {
        Some(f) => Closure::<dyn Fn(u32, String, bool)>::new(f).into_js_value(),
        None => JsValue::NULL,
    };
    let session = open_js(target, url, view_only, on_state.as_ref().unchecked_ref(), &on_key)
        .map_err(|e| format!("The console could not start: {}", e.as_string().unwrap_or_else(|| "noVNC refused the address".into())))?;
    // The callbacks live as long as the page (a session reports until it is closed).
    on_state.forget();
    Ok(session)
}

/// Asks the browser to show `el` full screen.
pub fn full_screen(el: &web_sys::HtmlElement) {
    _ = el.request_fullscreen();
}
