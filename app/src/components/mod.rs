//! Small widgets the pages share.

use crate::error::AppError;
use crate::model::{InstanceState, Tier};
use leptos::prelude::*;

/// A form-level error (role=alert, so screen readers announce it).
#[component]
pub fn ErrorNote(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let retry = match &e {
                AppError::Throttled { retry_after } => Some(format!(" (retry in {retry_after} s)")),
                _ => None,
            };
            view! { <p class="alert alert-error" role="alert">{e.to_string()}{retry}</p> }
        })
    }
}

/// A message next to one input, when the error is about that input.
#[component]
pub fn FieldError(#[prop(into)] error: Signal<Option<AppError>>, field: &'static str, id: &'static str) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field() == Some(field)).map(|e| view! { <p class="field-error" id=id role="alert">{e.to_string()}</p> })
    }
}

/// The error when it is not about any one field (those show next to their input).
pub fn general_error(e: Option<AppError>, fields: &[&str]) -> Option<AppError> {
    e.filter(|e| e.field().is_none_or(|f| !fields.contains(&f)))
}

#[component]
pub fn TierBadge(tier: Option<Tier>) -> impl IntoView {
    tier.map(|t| {
        let class = format!("badge badge-{}", t.slug());
        let title = t.summary();
        view! { <span class=class title=title>{t.label()}</span> }
    })
}

#[component]
pub fn StateBadge(#[prop(into)] state: Signal<InstanceState>) -> impl IntoView {
    view! {
        <span class=move || format!("state state-{}", state.get().as_str().to_lowercase())>
            {move || state.get().as_str()}
        </span>
    }
}

/// An address with a one-click copy button.
#[component]
pub fn Copyable(#[prop(into)] text: String, #[prop(into)] label: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let value = text.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            if let Some(w) = web_sys::window() {
                let _ = w.navigator().clipboard().write_text(&value);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &value;
        copied.set(true);
        crate::components::after(1500, move || copied.set(false));
    };
    view! {
        <span class="copyable">
            <code aria-label=label.clone()>{text.clone()}</code>
            <button type="button" class="icon-button" aria-label=format!("Copy {label}") on:click=copy>
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </span>
    }
}

/// Runs `f` after `ms` milliseconds (browser only; a no-op while rendering on the server).
pub fn after(ms: u64, f: impl FnOnce() + 'static) {
    #[cfg(feature = "hydrate")]
    set_timeout(f, std::time::Duration::from_millis(ms));
    #[cfg(not(feature = "hydrate"))]
    let _ = (ms, f);
}

/// Waits `ms` milliseconds (browser only).
pub async fn sleep(ms: u64) {
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    after(ms, move || {
        let _ = tx.send(());
    });
    let _ = rx.await;
}

/// "2026-11-26 10:49 UTC" from RFC 3339.
pub fn when(rfc3339: &str) -> String {
    let s = rfc3339.replace('T', " ");
    let s = s.trim_end_matches('Z');
    let s = s.split('+').next().unwrap_or(s);
    format!("{} UTC", s.get(..16).unwrap_or(s))
}

/// A new random key for one intent (a deploy), so a resubmission is recognised.
pub fn new_idempotency_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        let r = || (js_sys::Math::random() * 4294967296.0) as u64;
        format!("{:08x}-{:08x}-{:08x}-{:08x}", r(), r(), r(), r())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::from("server-rendered-key")
    }
}
