//! Who did what to the instance, and how it ended.

use crate::components::StackTable;
use crate::model::instance::ActivityEntry;
use leptos::prelude::*;

#[component]
pub fn Activity(entries: Vec<ActivityEntry>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="log-h">
            <h2 id="log-h">"Activity"</h2>
            {if entries.is_empty() {
                view! { <p class="muted">"Nothing yet."</p> }.into_any()
            } else {
                view! {
                    <StackTable headers=&["When", "What", "Who", "Outcome"]>
                        {entries.iter().map(|a| view! {
                            <tr>
                                <td data-label="When">{a.at.shown()}</td>
                                <td data-label="What">{a.action.label()}</td>
                                <td data-label="Who">{a.actor.clone()}</td>
                                <td data-label="Outcome">{a.outcome.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </StackTable>
                }.into_any()
            }}
        </section>
    }
}
