//! Account → Notifications: which optional mail the customer gets (a failed deploy or action, the
//! monthly statement) and the month-to-date totals to be told of. Security notices are listed as
//! always on: they cannot be turned off.

use crate::api::codec::{load, Act};
use crate::api::notifications::{get_notifications, SetNotifications};
use crate::components::{loaded, ErrorNote, FieldError, Guard, Loading};
use crate::model::notifications::{Notifications, MAX_SPEND_THRESHOLDS};
use crate::model::{Currency, Money};

use leptos::prelude::*;

/// The thresholds as typed ("50, 200"): amounts in `currency`, or the first one that is not.
fn typed_thresholds(raw: &str, currency: Currency) -> Result<Vec<Money>, String> {
    raw.split([';', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(|s| Money::parse_decimal(s, currency)).collect()
}

#[component]
pub fn NotificationsPanel() -> impl IntoView {
    let save = Act::of::<SetNotifications>();
    let current = load(move || save.version().get(), |_| get_notifications());
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <section class="panel" aria-labelledby="notifications-h">
            <h2 id="notifications-h">"Notifications"</h2>
            <p class="muted">
                "Security notices always come by email: a new sign-in, a password, address or two-factor change, a recovery code used, and support opening your account."
            </p>
            <Transition fallback=|| view! { <Loading what="Loading…"/> }>
                {move || Suspend::new(async move {
                    loaded(current.await, move |n: Notifications| {
                        let currency = n.currency;
                        let failed = RwSignal::new(n.action_failed);
                        let statement = RwSignal::new(n.statement_ready);
                        let shown: Vec<String> = n.spend_thresholds.iter().map(|m| m.decimal()).collect();
                        let thresholds = RwSignal::new(shown.join(" "));
                        let typed = Memo::new(move |_| typed_thresholds(&thresholds.get(), currency));
                        let submit = move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            if let Ok(list) = typed.get_untracked() {
                                save.dispatch(SetNotifications {
                                    action_failed: failed.get_untracked(),
                                    statement_ready: statement.get_untracked(),
                                    spend_thresholds: list,
                                });
                            }
                        };
                        view! {
                            <form on:submit=submit novalidate>
                                <fieldset class="plain">
                                    <legend>"Also email me when"</legend>
                                    <label class="check"><input type="checkbox" bind:checked=failed/>" a deploy or an action on an instance fails"</label>
                                    <label class="check"><input type="checkbox" bind:checked=statement/>" last month's statement is final"</label>
                                </fieldset>
                                <label for="thresholds">{format!("Tell me when this month's total passes ({}, VAT included)", currency.code())}</label>
                                <input id="thresholds" type="text" inputmode="decimal" bind:value=thresholds placeholder="e.g. 50 200"
                                    aria-describedby="thresholds-hint thresholds-error"/>
                                <p class="hint" id="thresholds-hint">
                                    {format!("Up to {MAX_SPEND_THRESHOLDS} amounts, separated by spaces; each is mailed once a month. Empty: none.")}
                                </p>
                                {move || typed.get().err().map(|m| view! { <p class="field-error" id="thresholds-error">{m}</p> })}
                                <FieldError error field="spend_thresholds" id="thresholds-server-error"/>
                                <ErrorNote error=Signal::derive(move || crate::components::general_error(error.get(), &["spend_thresholds"]))/>
                                <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                                    <p class="alert alert-ok" role="status">"Saved."</p>
                                </Show>
                                <Guard owner=true>
                                    <button type="submit" class="button primary" disabled=move || save.pending().get() || typed.get().is_err()>"Save"</button>
                                </Guard>
                            </form>
                        }
                    })
                })}
            </Transition>
        </section>
    }
}
