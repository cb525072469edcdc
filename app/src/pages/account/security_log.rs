//! The security log: sign-ins, failures, security changes, support access.

use crate::api::account::SecurityLog;
use crate::api::codec::{later, Call, Later};
use crate::components::{loaded, Loading, StackTable};
use crate::model::account::SecurityEvent;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct LogData {
    log: Later<Vec<SecurityEvent>>,
}

impl LogData {
    pub fn start(version: RwSignal<u32>) -> LogData {
        LogData { log: later(move || Call::to(SecurityLog {}).version(version.get())) }
    }
}

#[component]
pub fn SecurityLog(data: LogData) -> impl IntoView {
    let log = data.log;
    view! {
        <section class="panel" aria-labelledby="seclog-h">
            <h2 id="seclog-h">"Security log"</h2>
            <p class="muted">"Sign-ins, failed attempts, password and two-factor changes, and any access by our support staff."</p>
            <Transition fallback=|| view! { <Loading what="Loading…"/> }>
                {move || Suspend::new(async move {
                    loaded(log.await, |events| view! {
                        <StackTable headers=&["When", "Event", "Outcome", "By", "From"]>
                            {events.into_iter().map(|e| view! {
                                <tr>
                                    <td data-label="When">{e.at.shown()}</td>
                                    <td data-label="Event">{e.action.label()}{e.detail.map(|d| format!(" — {d}"))}</td>
                                    <td data-label="Outcome">{e.outcome.as_str()}</td>
                                    <td data-label="By">{e.actor}</td>
                                    <td data-label="From">{e.ip.unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </StackTable>
                    })
                })}
            </Transition>
        </section>
    }
}
