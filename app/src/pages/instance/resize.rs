//! Resize: another size of the same family, with the difference in price.

use crate::api::catalog::offerings;
use crate::api::codec::load;
use crate::components::Loading;
use crate::model::{Action, InstanceDetail, Offering, OfferingId};
use leptos::prelude::*;

fn option_label(o: &Offering, current: Option<crate::model::Money>) -> String {
    let diff = match (o.price_hourly, current) {
        (Some(new), Some(cur)) => {
            new.checked_sub(cur).map(|d| format!(" ({}{} per hour)", if d.minor >= 0 { "+" } else { "" }, d)).unwrap_or_default()
        }
        _ => String::new(),
    };
    format!("{} — {} vCPU, {} MB{}", o.name, o.cpu, o.memory_mb, diff)
}

#[component]
pub fn ResizePanel(d: InstanceDetail, #[prop(into)] busy: Signal<bool>, run: Callback<Action>) -> impl IntoView {
    let zone = d.instance.zone_id.clone();
    let list = load(move || zone.clone(), |z| offerings(z.to_string()));
    let chosen = RwSignal::new(None::<OfferingId>);
    let (tier, current, current_hourly) = (d.instance.tier, d.instance.offering_id.clone(), d.price_hourly);
    view! {
        <div class="subpanel">
            <h3>"Resize"</h3>
            <p>"Within the same family only: Agile and Stamina keep disks in different places."</p>
            <Transition fallback=|| view! { <Loading what="Loading sizes…"/> }>
                {move || {
                    let current = current.clone();
                    Suspend::new(async move {
                        let offs = list.await.unwrap_or_default();
                        view! {
                            <label for="resize-to">"New size"</label>
                            <select id="resize-to" on:change=move |ev| chosen.set(OfferingId::parse(&event_target_value(&ev)).ok())>
                                <option value="">"Choose a size"</option>
                                {offs.iter().filter(|o| Some(o.tier) == tier && o.id != current).map(|o| {
                                    view! { <option value=o.id.to_string()>{option_label(o, current_hourly)}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })
                }}
            </Transition>
            <button type="button" class="button primary" disabled=move || chosen.get().is_none() || busy.get()
                on:click=move |_| { if let Some(offering_id) = chosen.get_untracked() { run.run(Action::Resize { offering_id }) } }>"Resize"</button>
        </div>
    }
}
