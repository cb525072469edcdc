//! "Support access": every time support looked at this account (who, when, how long, read-only or
//! acting, why, the ticket, and each thing done), and whether support may look without asking.

use crate::api::codec::{load, Act};
use crate::api::support::{my_support_access, GrantSupportAccess, RevokeSupportAccess, SetSupportAccess};
use crate::components::{loaded, ErrorNote, Guard, Loading};
use crate::model::support::{SupportAccess, SupportAccessMode, SupportMode, GRANT_HOURS};
use leptos::prelude::*;

#[component]
pub fn SupportAccessPanel() -> impl IntoView {
    let set = Act::of::<SetSupportAccess>();
    let grant = Act::of::<GrantSupportAccess>();
    let revoke = Act::of::<RevokeSupportAccess>();
    let access = load(move || (set.version().get(), grant.version().get(), revoke.version().get()), |_| my_support_access());
    let error = Signal::derive(move || {
        set.value()
            .get()
            .and_then(Result::err)
            .or_else(|| grant.value().get().and_then(Result::err))
            .or_else(|| revoke.value().get().and_then(Result::err))
    });
    view! {
        <section class="panel" aria-labelledby="support-access-h">
            <h2 id="support-access-h">"Support access"</h2>
            <p class="muted">"When our support team looks at your account to help you, it is recorded here: who, when, why, and everything they did."</p>
            <ErrorNote error/>
            <Transition fallback=|| view! { <Loading what="Loading…"/> }>
                {move || Suspend::new(async move {
                    loaded(access.await, |a: SupportAccess| view! {
                        <Guard owner=true>
                            <fieldset class="plain">
                                <legend>"Support may view my account"</legend>
                                <div class="choices two">
                                    {SupportAccessMode::ALL.iter().copied().map(|m| view! {
                                        <label class="choice">
                                            <input type="radio" name="support-access" prop:checked=a.mode == m
                                                on:change=move |_| { set.dispatch(SetSupportAccess { mode: m.as_str().to_string() }); }/>
                                            <span class="choice-title">{m.label()}</span>
                                        </label>
                                    }).collect_view()}
                                </div>
                            </fieldset>
                            {(a.mode == SupportAccessMode::Consent).then(|| match &a.granted_until {
                                Some(until) => view! {
                                    <p role="status">{format!("Support may view your account until {}.", until.shown())}</p>
                                    <button type="button" class="button" on:click=move |_| { revoke.dispatch(RevokeSupportAccess {}); }>"Withdraw access now"</button>
                                }.into_any(),
                                None => view! {
                                    <p>"Support cannot view your account now."</p>
                                    <button type="button" class="button primary" on:click=move |_| { grant.dispatch(GrantSupportAccess {}); }>
                                        {format!("Allow support for {GRANT_HOURS} hours")}
                                    </button>
                                }.into_any(),
                            })}
                        </Guard>
                        <h3>"Support sessions"</h3>
                        {if a.sessions.is_empty() {
                            view! { <p class="muted">"Support has never viewed your account."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="support-sessions">
                                    {a.sessions.into_iter().map(|s| view! {
                                        <li>
                                            <p>
                                                <strong>{s.staff_email.to_string()}</strong>
                                                {format!(
                                                    " · {} · {} for {} min{} · {}",
                                                    s.started_at.shown(),
                                                    if s.mode == SupportMode::Acting { "acting" } else { "read-only" },
                                                    s.minutes,
                                                    if s.ended_at.is_none() { " (still open)" } else { "" },
                                                    s.ticket.as_deref().map(|t| format!("ticket {t}")).unwrap_or_else(|| "no ticket".into()),
                                                )}
                                            </p>
                                            <p>"Reason: "{s.reason.clone()}</p>
                                            {if s.actions.is_empty() {
                                                view! { <p class="muted">"Nothing was changed."</p> }.into_any()
                                            } else {
                                                view! { <ul>{s.actions.into_iter().map(|x| view! { <li>{x}</li> }).collect_view()}</ul> }.into_any()
                                            }}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    })
                })}
            </Transition>
        </section>
    }
}
