//! `/instances/{id}/console`: the instance's screen and keyboard, for when SSH does not answer.
//!
//! The console session is opened while the server renders this page (one audited opening per
//! visit): its WebSocket address is the proxy the page's content security policy then allows
//! (`connect-src`, this page only), so the page is always a document of its own. Reaching it by an
//! in-app navigation (the history's back and forward) reloads it, and so does "Reconnect": a console
//! token opens one session, and a new one may come from another proxy.
//!
//! noVNC (`novnc`) draws the screen; the keys typed, the buttons and the pasted text go through the
//! instance's keyboard layout (`model::keyboard`, `keys`).

mod keys;
#[cfg(feature = "hydrate")]
mod novnc;

use crate::api::codec::{later, Call, Later};
use crate::api::instances::OpenConsole;
use crate::components::{ErrorView, Loading};
use crate::error::AppError;
use crate::model::instance::ConsoleAccess;
use crate::model::keyboard::{Layout, Stroke};
use leptos::prelude::*;
use leptos_meta::Title;

/// What the page loads: in the document the server renders, the console session (which names the
/// instance); nothing otherwise (the page then loads itself as such a document).
#[derive(Clone, Copy)]
pub struct ConsoleData {
    access: Later<Option<ConsoleAccess>>,
}

impl ConsoleData {
    pub fn start() -> ConsoleData {
        let id = crate::components::path_id();
        let own_document = own_document();
        ConsoleData { access: later(move || if own_document { Call::to(OpenConsole { id: id.get() }).some() } else { Call::none() }) }
    }
}

/// Whether this page is the document the server rendered (its first render, hydrating), not an
/// in-app navigation to it, whose document's policy does not allow the console's proxy.
fn own_document() -> bool {
    #[cfg(feature = "hydrate")]
    return Owner::current_shared_context().is_some_and(|sc| sc.during_hydration());
    #[cfg(not(feature = "hydrate"))]
    true
}

/// The response header through which this page tells the server which origin its policy must let
/// it connect to (`server/src/http/headers.rs` takes it out of the response).
pub const CONNECT_SRC_HEADER: &str = "x-zenith-connect-src";

#[cfg(feature = "ssr")]
fn allow_connecting_to(websocket_url: &str) {
    let origin = crate::model::instance::websocket_origin(websocket_url);
    if let (Some(opts), Some(origin)) = (use_context::<leptos_axum::ResponseOptions>(), origin) {
        if let Ok(v) = http::HeaderValue::from_str(&origin) {
            opts.insert_header(http::HeaderName::from_static(CONNECT_SRC_HEADER), v);
        }
    }
}

/// Loads this address as a document of its own.
fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        _ = w.location().reload();
    }
}

#[component]
pub fn ConsolePage(data: ConsoleData) -> impl IntoView {
    let id = crate::components::path_id();
    view! {
        <Transition fallback=|| view! { <Loading what="Opening the console…"/> }>
            {move || Suspend::new(async move {
                let back = format!("/instances/{}", id.get_untracked());
                match data.access.await {
                    Err(AppError::NotFound) => view! {
                        <Title text="Not found"/>
                        <h1>"Instance not found"</h1>
                        <p>"It does not exist, or it was destroyed. " <a href="/">"Back to your instances"</a></p>
                    }.into_any(),
                    Ok(Some(access)) => {
                        #[cfg(feature = "ssr")]
                        allow_connecting_to(&access.websocket_url);
                        view! { <Console access back/> }.into_any()
                    }
                    Ok(None) => {
                        reload();
                        view! { <Loading what="Opening the console…"/> }.into_any()
                    }
                    Err(error) => view! {
                        <Title text="Console"/>
                        <Head title="Console".into() back/>
                        <ErrorView error/>
                        <p><a href="" rel="external" class="button">"Try again"</a></p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Head(title: String, back: String) -> impl IntoView {
    view! {
        <div class="page-head">
            <h1>{title}</h1>
            <a href=back class="button">"Back to the instance"</a>
        </div>
    }
}

/// Where the session is, in words (the server renders the first state only).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq, Eq)]
enum Connection {
    LoadingCode,
    Connecting,
    Connected,
    Ended { clean: bool },
    Failed(String),
}

impl Connection {
    fn words(&self, name: &str, view_only: bool) -> String {
        match self {
            Connection::LoadingCode => "Loading the console…".into(),
            Connection::Connecting => format!("Connecting to the console of {name}…"),
            Connection::Connected if view_only => "Connected, view only: you see the screen; no key or click reaches the instance.".into(),
            Connection::Connected => "Connected. Click or tap the screen to type.".into(),
            Connection::Ended { clean: true } => "The console session ended. Reconnect to open a new one.".into(),
            Connection::Ended { clean: false } => "The connection to the console was lost. Reconnect to open a new session.".into(),
            Connection::Failed(why) => why.clone(),
        }
    }
}

/// The session, for the buttons and the paste (no session while rendering on the server).
#[derive(Clone, Copy)]
pub struct Screen {
    #[cfg(feature = "hydrate")]
    session: StoredValue<Option<novnc::Session>, LocalStorage>,
    connection: RwSignal<Connection>,
    pub layout: RwSignal<Layout>,
}

impl Screen {
    fn new() -> Screen {
        Screen {
            #[cfg(feature = "hydrate")]
            session: StoredValue::new_local(None),
            connection: RwSignal::new(Connection::LoadingCode),
            layout: RwSignal::new(Layout::Us),
        }
    }

    /// Keys reach the instance now (tracked).
    pub fn connected(&self) -> bool {
        self.connection.with(|c| *c == Connection::Connected)
    }

    /// The same, untracked; false once the page is gone.
    pub fn connected_untracked(&self) -> bool {
        self.connection.try_with_untracked(|c| *c == Connection::Connected).unwrap_or(false)
    }

    /// Sends keystrokes as they are.
    pub fn send(&self, strokes: &[Stroke]) {
        #[cfg(feature = "hydrate")]
        self.session.try_with_value(|s| {
            if let Some(s) = s {
                for k in strokes {
                    s.key(k.keysym, &k.code, k.down);
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = strokes;
    }

    fn set_scaled(&self, on: bool) {
        #[cfg(feature = "hydrate")]
        self.session.try_with_value(|s| s.as_ref().map(|s| s.set_scaled(on)));
        #[cfg(not(feature = "hydrate"))]
        let _ = on;
    }

    /// Gives the keyboard back to the screen (after a button took it).
    pub fn focus(&self) {
        #[cfg(feature = "hydrate")]
        self.session.try_with_value(|s| s.as_ref().map(|s| s.focus()));
    }
}

#[component]
fn Console(access: ConsoleAccess, back: String) -> impl IntoView {
    let name = access.instance_name.clone();
    let view_only = access.view_only;
    let screen = Screen::new();
    let connection = screen.connection;
    let scaled = RwSignal::new(true);
    let frame = NodeRef::<leptos::html::Div>::new();
    let target = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        keys::restore_layout(screen.layout);
        let url = access.websocket_url.clone();
        Effect::new(move |started: Option<bool>| {
            if started == Some(true) {
                return true;
            }
            let Some(el) = target.get() else { return false };
            let url = url.clone();
            leptos::task::spawn_local(connect(el.into(), url, view_only, screen));
            true
        });
        on_cleanup(move || {
            screen.session.try_with_value(|s| s.as_ref().map(|s| s.close()));
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (&access, frame, target);
    let words = {
        let name = name.clone();
        move || connection.with(|c| c.words(&name, view_only))
    };
    let ended = move || matches!(connection.get(), Connection::Ended { .. } | Connection::Failed(_));
    view! {
        <Title text=format!("Console · {name}")/>
        <Head title=format!("Console: {name}") back/>
        <p class=move || if ended() { "console-state alert alert-warning" } else { "console-state" } role="status" aria-live="polite">{words}</p>
        {view_only.then(|| view! {
            <p class="hint">"This read-only support session shows the screen only: the panel drops every key and click before it reaches the instance."</p>
        })}
        <div class="console-toolbar">
            <button type="button" class="button" aria-pressed=move || scaled.get().to_string()
                on:click=move |_| { let on = !scaled.get(); scaled.set(on); screen.set_scaled(on); }>"Fit to window"</button>
            <button type="button" class="button" on:click=move |_| {
                #[cfg(feature = "hydrate")]
                if let Some(el) = frame.get() { novnc::full_screen(&el); }
            }>"Full screen"</button>
            <a href="" rel="external" class="button" class:primary=ended>"Reconnect"</a>
            <keys::LayoutChoice screen/>
        </div>
        <div class="console-frame" node_ref=frame>
            {(!view_only).then(|| view! { <keys::KeyButtons screen/> })}
            <div class="console-screen" node_ref=target aria-label=format!("Screen of {name}") role="application"
                aria-roledescription="console"></div>
        </div>
        {(!view_only).then(|| view! { <keys::Paste screen/> })}
    }
}

#[cfg(feature = "hydrate")]
async fn connect(el: web_sys::HtmlElement, url: String, view_only: bool, screen: Screen) {
    let connection = screen.connection;
    if let Err(why) = novnc::load().await {
        connection.try_set(Connection::Failed(why));
        return;
    }
    // The page may have been left while the code loaded.
    if connection.try_set(Connection::Connecting).is_some() {
        return;
    }
    // noVNC reports after the page is gone too (closing the session on leaving ends it with a
    // "disconnect"): every signal is reached with `try_`, which does nothing once it is disposed.
    let on_event = move |e: novnc::Event| match e {
        novnc::Event::Connected => _ = connection.try_set(Connection::Connected),
        novnc::Event::Disconnected { clean } => {
            // A session that never connected was refused (an expired or used token, say).
            let Some(was) = connection.try_get_untracked() else { return };
            connection.try_set(match was {
                Connection::Connecting => Connection::Failed(
                    "The console's proxy did not open a session (its link is valid for a minute and opens once). Reconnect to get a new one.".into(),
                ),
                Connection::Failed(f) => Connection::Failed(f),
                _ => Connection::Ended { clean },
            });
        }
        novnc::Event::Refused(why) => {
            let why = if why.is_empty() { "no reason given".to_string() } else { why };
            connection.try_set(Connection::Failed(format!("The console's proxy refused the session: {why}. Reconnect to try again.")));
        }
    };
    let on_key: Option<Box<dyn Fn(u32, String, bool)>> = (!view_only).then(|| {
        let typist = std::cell::RefCell::new(crate::model::keyboard::Typist::new(screen.layout.try_get_untracked().unwrap_or(Layout::Us)));
        Box::new(move |keysym: u32, code: String, down: bool| {
            let mut t = typist.borrow_mut();
            t.layout = screen.layout.try_get_untracked().unwrap_or(t.layout);
            screen.send(&t.key(keysym, &code, down));
        }) as Box<dyn Fn(u32, String, bool)>
    });
    if screen.session.try_with_value(|_| ()).is_none() {
        return;
    }
    match novnc::open(&el, &url, view_only, on_event, on_key) {
        Ok(s) => {
            if let Some(Some(s)) = screen.session.try_update_value(|slot| slot.replace(s)) {
                s.close();
            }
        }
        Err(why) => _ = connection.try_set(Connection::Failed(why)),
    }
}
