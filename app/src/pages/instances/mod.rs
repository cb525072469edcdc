//! `/`: every instance from every zone in one list, with filters, search and paging. A zone that
//! could not answer is named with the reason; the rest of the list stays. While a job runs on any
//! instance the list shows what is happening and refreshes by itself until it ends.

mod table;

use crate::api::codec::{later, Call};
use crate::api::instances::ListInstances;
use crate::components::{loaded, Loading};
use crate::model::{Backoff, InstanceList};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

pub use table::matches_query;

#[component]
pub fn InstancesPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    // The server renders the first page only (its rows travel inside the page, so a thousand
    // instances do not make a 600 KB page); once the page runs, the whole list follows for search,
    // filters and paging. Effects run only in the browser.
    let from_server = cfg!(feature = "ssr") || Owner::current_shared_context().is_some_and(|c| c.during_hydration());
    let whole = RwSignal::new(!from_server);
    Effect::new(move |_| whole.set(true));
    let list = later(move || {
        let first = (!whole.get()).then_some(table::PAGE as u32);
        Call::to(ListInstances { first }).version(refresh.get())
    });
    // Follow running jobs: refetch with the jobs' backoff while anything is busy.
    let polls = StoredValue::new(0u32);
    Effect::new(move |_| {
        let busy = list.get().and_then(Result::ok).is_some_and(|l: InstanceList| l.instances.iter().any(|i| i.busy.is_some()));
        if busy {
            let attempt = polls.get_value();
            polls.set_value(attempt + 1);
            crate::components::after(Backoff::JOBS.delay(attempt + 2).as_millis() as u64, move || refresh.update(|n| *n += 1));
        } else {
            polls.set_value(0);
        }
    });
    view! {
        <Title text="Instances"/>
        <div class="page-head">
            <h1>"Instances"</h1>
            <div class="actions">
                <button type="button" class="button subtle" on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
                <A href="/instances/new" attr:class="button primary">"Deploy an instance"</A>
            </div>
        </div>
        <Transition fallback=|| view! { <Loading what="Loading your instances from every zone…"/> }>
            {move || Suspend::new(async move { loaded(list.await, |l| view! { <table::InstanceTable list=l/> }) })}
        </Transition>
    }
}
