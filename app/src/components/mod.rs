//! Small widgets the pages share: one error view, field errors, badges, copyable values, a
//! confirmation step for disruptive actions, and the browser-only timing helpers.

pub mod chart;
mod guard;

pub use guard::{refusal, use_impersonating, Guard};

use crate::error::AppError;
use crate::model::{Instance, Tier};
use leptos::prelude::*;

/// The one way a failed load or action is shown. Refusals (staff without a customer, a read-only
/// support session) are notices; "signed out" shows nothing because the frame is redirecting.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthorized => ().into_any(),
        AppError::Forbidden(why) => view! { <p class="alert alert-warning" role="alert">{why}</p> }.into_any(),
        e => {
            let retry = match &e {
                AppError::Throttled { retry_after } => Some(format!(" (retry in {retry_after} s)")),
                _ => None,
            };
            // Quoted to support, it finds the request in the logs; selectable, never hidden.
            let reference = e.reference().map(|r| view! { " Reference: " <code class="reference">{r.to_string()}</code> });
            view! { <p class="alert alert-error" role="alert">{e.to_string()}{retry}{reference}</p> }.into_any()
        }
    }
}

/// [`ErrorView`] for an error that may come and go (a form's last answer).
#[component]
pub fn ErrorNote(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || error.get().map(|error| view! { <ErrorView error/> })
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

/// The `:id` of the page's address (`/instances/:id`, `/firewall/:id`, …), following navigation.
pub fn path_id() -> Memo<String> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| params.read().get("id").unwrap_or_default())
}

/// Shows `Ok` values with `ok`, errors with [`ErrorView`]: the shape of every loaded section.
pub fn loaded<T, V: IntoView + 'static>(r: Result<T, AppError>, ok: impl FnOnce(T) -> V) -> AnyView {
    match r {
        Ok(v) => ok(v).into_any(),
        Err(error) => view! { <ErrorView error/> }.into_any(),
    }
}

/// A table that becomes one labelled card per row on a phone (each cell has `data-label`). An empty
/// header is read out as `hidden` (a column of buttons).
#[component]
pub fn StackTable(headers: &'static [&'static str], #[prop(optional)] hidden: Option<&'static str>, children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="stack">
                <thead><tr>
                    {headers.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}
                    {hidden.map(|h| view! { <th scope="col"><span class="sr-only">{h}</span></th> })}
                </tr></thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! { <p class="loading" aria-live="polite">{what}</p> }
}

#[component]
pub fn TierBadge(tier: Option<Tier>) -> impl IntoView {
    tier.map(|t| {
        let class = format!("badge badge-{}", t.slug());
        let title = t.summary();
        view! { <span class=class title=title>{t.label()}</span> }
    })
}

/// The instance's state, or what is happening to it ("Rebooting") while a job runs.
#[component]
pub fn StateBadge(#[prop(into)] instance: Signal<Instance>) -> impl IntoView {
    let class = move || {
        let i = instance.get();
        let kind = if i.busy.is_some() { "busy".to_string() } else { i.state.as_str().to_ascii_lowercase() };
        format!("state state-{kind}")
    };
    view! {
        <span class=class>
            {move || instance.with(|i| if i.busy.is_some() { format!("{}…", i.state_label()) } else { i.state_label().to_string() })}
        </span>
    }
}

/// A value with a one-click copy button.
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
        after(1500, move || copied.set(false));
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

/// A button whose action needs a second, explicit yes: the first click says what will happen.
#[component]
pub fn ConfirmButton(
    /// The button's name, e.g. "Force stop".
    label: &'static str,
    /// What happens, in one or two sentences.
    #[prop(into)]
    warning: String,
    /// The confirming button's name, e.g. "Force stop now".
    confirm: &'static str,
    #[prop(into)] disabled: Signal<bool>,
    #[prop(optional)] title: Option<&'static str>,
    #[prop(optional)] danger: bool,
    /// Tells apart several buttons with the same label on one page (a row's id).
    #[prop(optional, into)]
    key: String,
    /// Other ways to confirm, shown beside the main one ("Only the IPv6 half").
    #[prop(optional)]
    alternatives: Vec<(String, Callback<()>)>,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let id = format!("confirm-{}-{key}", label.to_ascii_lowercase().replace(' ', "-"));
    let alternatives = StoredValue::new(alternatives);
    let confirm_class = if danger { "button danger" } else { "button primary" };
    view! {
        <span class="confirm">
            <button type="button" class="button" disabled=move || disabled.get() title=title aria-expanded=move || open.get().to_string()
                aria-controls=id.clone() on:click=move |_| open.update(|o| *o = !*o)>{label}</button>
            <Show when=move || open.get() && !disabled.get()>
                <span class="confirm-panel" role="group" id=id.clone() aria-label=format!("Confirm {label}")>
                    <span class="confirm-text">{warning.clone()}</span>
                    <button type="button" class=confirm_class on:click=move |_| { open.set(false); on_confirm.run(()); }>{confirm}</button>
                    {alternatives.get_value().into_iter().map(|(name, run)| view! {
                        <button type="button" class="button" on:click=move |_| { open.set(false); run.run(()); }>{name}</button>
                    }).collect_view()}
                    <button type="button" class="button subtle" on:click=move |_| open.set(false)>"Cancel"</button>
                </span>
            </Show>
        </span>
    }
}

/// A form that may also sit inside another one, as the key forms do inside the deploy form. HTML
/// forbids nested `<form>`s (and a nested submit would bubble into the outer form and deploy), so
/// `inline` renders a labelled group whose button and Enter key (in a one-line field) submit it,
/// while the outer form never sees either.
#[component]
pub fn SubForm(
    #[prop(optional)] inline: bool,
    /// The id of the heading that names the form.
    labelledby: &'static str,
    /// The submit button's name.
    submit: &'static str,
    #[prop(optional)] primary: bool,
    #[prop(into)] disabled: Signal<bool>,
    on_submit: Callback<()>,
    children: Children,
) -> impl IntoView {
    let class = if primary { "button primary" } else { "button" };
    if !inline {
        return view! {
            <form aria-labelledby=labelledby novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); on_submit.run(()) }>
                {children()}
                <button type="submit" class=class disabled=move || disabled.get()>{submit}</button>
            </form>
        }
        .into_any();
    }
    let enter = move |ev: leptos::ev::KeyboardEvent| {
        use leptos::wasm_bindgen::JsCast;
        let one_line = ev.target().is_some_and(|t| t.dyn_ref::<web_sys::HtmlInputElement>().is_some());
        if ev.key() == "Enter" && one_line {
            ev.prevent_default();
            if !disabled.get_untracked() {
                on_submit.run(());
            }
        }
    };
    view! {
        <div class="subform" role="group" aria-labelledby=labelledby on:keydown=enter>
            {children()}
            <button type="button" class=class disabled=move || disabled.get() on:click=move |_| on_submit.run(())>{submit}</button>
        </div>
    }
    .into_any()
}

/// Percent-encodes text for a URL (RFC 3986: unreserved characters stay as they are).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
