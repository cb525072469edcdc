//! Who did what to the instance, and how it ended.

use crate::components::when;
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
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Activity">
                        <table class="activity stack">
                            <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Who"</th><th scope="col">"Outcome"</th></tr></thead>
                            <tbody>
                                {entries.iter().map(|a| view! {
                                    <tr>
                                        <td data-label="When">{when(&a.at)}</td>
                                        <td data-label="What">{a.action.label()}</td>
                                        <td data-label="Who">{a.actor.clone()}</td>
                                        <td data-label="Outcome">{a.outcome.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
