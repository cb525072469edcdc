//! Signed-in sessions: end one, or (with the password) all the others.

use crate::api::account::{RevokeSessions, Sessions as ListSessions};
use crate::api::codec::{later, Act, Call, Later};
use crate::components::{loaded, ErrorNote, FieldError, Loading, StackTable};
use crate::model::account::SessionView;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct SessionsData {
    list: Later<Vec<SessionView>>,
}

impl SessionsData {
    pub fn start(version: RwSignal<u32>) -> SessionsData {
        SessionsData { list: later(move || Call::to(ListSessions {}).version(version.get())) }
    }
}

#[component]
pub fn Sessions(data: SessionsData) -> impl IntoView {
    let SessionsData { list } = data;
    let revoke = Act::of::<RevokeSessions>();
    list.reload_on(move || revoke.version().get());
    let error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    let password = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(revoke.value().get(), Some(Ok(_))) {
            password.set(String::new());
        }
    });
    view! {
        <section class="panel" aria-labelledby="sess-h">
            <h2 id="sess-h">"Signed-in sessions"</h2>
            <ErrorNote error=Signal::derive(move || error.get().filter(|e| e.field() != Some("password")))/>
            <Transition fallback=|| view! { <Loading what="Loading…"/> }>
                {move || Suspend::new(async move {
                    loaded(list.await, |ss| view! {
                        <StackTable headers=&["Browser", "Address", "Signed in", "Last seen"] hidden="Actions">
                            {ss.into_iter().map(|s| {
                                let id = s.id.to_string();
                                let browser = s.user_agent.clone().unwrap_or_else(|| "unknown browser".into());
                                let end_label = format!("End the session of {browser}");
                                view! {
                                    <tr>
                                        <td data-label="Browser" class="ua">{browser.clone()}</td>
                                        <td data-label="Address">{s.ip.clone().unwrap_or_default()}</td>
                                        <td data-label="Signed in">{s.created.shown()}</td>
                                        <td data-label="Last seen">{s.last_seen.shown()}</td>
                                        <td>{if s.current {
                                            view! { <span class="badge">"This session"</span> }.into_any()
                                        } else {
                                            view! { <button type="button" class="button subtle" aria-label=end_label
                                                on:click=move |_| { revoke.dispatch(RevokeSessions { id: Some(id.clone()), all_others: None, password: None }); }>"End session"</button> }.into_any()
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </StackTable>
                    })
                })}
            </Transition>
            <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); revoke.dispatch(RevokeSessions { id: None, all_others: Some(true), password: Some(password.get_untracked()) }); } novalidate>
                <label for="others-password">"Your password"</label>
                <input id="others-password" type="password" autocomplete="current-password" bind:value=password/>
                <FieldError error field="password" id="others-password-error"/>
                <button type="submit" class="button">"End all other sessions"</button>
            </form>
        </section>
    }
}
