//! What the instance has cost this month at its current size, and when its monthly cap takes over.

use crate::api::billing::get_instance_cost;
use crate::api::codec::load;
use crate::components::Loading;
use crate::model::InstanceId;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn CostPanel(id: InstanceId) -> impl IntoView {
    let cost = load(move || id.to_string(), get_instance_cost);
    view! {
        <section class="panel" aria-labelledby="cost-h">
            <h2 id="cost-h">"Cost this month"</h2>
            <Transition fallback=|| view! { <Loading what="Loading its cost…"/> }>
                {move || Suspend::new(async move {
                    match cost.await {
                        Ok(c) => {
                            let cap_line = match (&c.cap_reached_on, c.cap_in_days) {
                                (Some(day), _) => format!("Monthly cap reached on {day}: the rest of {} is free at this size.", c.month.label()),
                                (None, Some(0)) => "The monthly cap is reached today at this rate.".to_string(),
                                (None, Some(1)) => "At this rate the monthly cap is reached in 1 day.".to_string(),
                                (None, Some(n)) => format!("At this rate the monthly cap is reached in {n} days."),
                                (None, None) => "At this rate the monthly cap is not reached this month.".to_string(),
                            };
                            view! {
                                <dl>
                                    <dt>"So far"</dt><dd class="big">{c.amount.to_string()}</dd>
                                    <dt>"Hours billed"</dt><dd>{format!("{} at {}", c.hours, c.offering)}</dd>
                                    <dt>"Rate"</dt><dd>{format!("{} per hour", c.rate)}</dd>
                                    <dt>"Monthly cap"</dt><dd>{c.cap.to_string()}</dd>
                                    {c.snapshots.map(|m| view! { <dt>"Snapshots"</dt><dd>{format!("{m} this month (storage, billed apart)")}</dd> })}
                                </dl>
                                <p>{cap_line}</p>
                                <p class="muted">
                                    {c.counted_until.map(|t| format!("Usage counted until {}. ", t.shown()))}
                                    "Stopped instances are billed too. " <A href="/billing">"All costs"</A>
                                </p>
                            }.into_any()
                        }
                        Err(crate::error::AppError::NotFound) => view! { <p class="muted">"This size has no price in the price list."</p> }.into_any(),
                        Err(error) => view! { <crate::components::ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
