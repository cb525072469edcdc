//! What a support session may not touch, shown where it would be touched. The server refuses it
//! anyway (the `Writer` and `Owner` capabilities); this only makes the page say so instead of
//! offering a button that can only fail.

use crate::model::support::{Impersonating, SupportMode};
use crate::pages::layout::Who;
use leptos::prelude::*;

const READ_ONLY: &str = "Read-only support session: changes are turned off.";
const OWNER_ONLY: &str = "Only the customer can change this, not support (not even in an acting session).";

/// The support session this page is shown in, if any.
pub fn use_impersonating() -> Signal<Option<Impersonating>> {
    let who = use_context::<Who>();
    Signal::derive(move || who.and_then(|w| w.0.get()).and_then(Result::ok).and_then(|me| me.impersonating))
}

/// Why this page may not change the customer's resources (`owner`: or the account itself), if it may not.
pub fn refusal(owner: bool) -> Signal<Option<&'static str>> {
    let support = use_impersonating();
    Signal::derive(move || match support.get() {
        Some(_) if owner => Some(OWNER_ONLY),
        Some(s) if s.mode == SupportMode::ReadOnly => Some(READ_ONLY),
        _ => None,
    })
}

/// Controls that change something. In a support session that may not, they are disabled (a
/// disabled fieldset disables every control in it, whatever it is) and a note says why.
///
/// The guard is its own `Suspense`: who is signed in is a load, and a load read outside a
/// `Suspense` is rendered by the server before it arrives (no note, controls enabled) but by the
/// hydrating browser with its answer (a note), which is a different tree, and hydration fails. Inside
/// one, the server waits for the answer, so both render the same. A page may put a guard anywhere.
#[component]
pub fn Guard(
    /// The account's own settings (SSH keys, password, …): off in every support session.
    #[prop(optional)]
    owner: bool,
    children: Children,
) -> impl IntoView {
    let why = refusal(owner);
    view! {
        <Suspense fallback=|| ()>
            <fieldset class="guard" role="presentation" disabled=move || why.get().is_some()>
                {move || why.get().map(|m| view! { <p class="guard-note">{m}</p> })}
                {children()}
            </fieldset>
        </Suspense>
    }
}
