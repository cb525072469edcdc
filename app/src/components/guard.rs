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
#[component]
pub fn Guard(
    /// The account's own settings (SSH keys, password, …): off in every support session.
    #[prop(optional)]
    owner: bool,
    children: Children,
) -> impl IntoView {
    let why = refusal(owner);
    view! {
        <fieldset class="guard" role="presentation" disabled=move || why.get().is_some()>
            {move || why.get().map(|m| view! { <p class="guard-note">{m}</p> })}
            {children()}
        </fieldset>
    }
}
