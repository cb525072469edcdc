//! Reverse DNS in the Addresses panel: the name each address answers `dig -x` with (read from DNS),
//! changed to the customer's own forward-confirmed name or reset to the provider's default.
//!
//! A name is checked here with the server's rule (`PtrName::parse`) before it is sent; a name with
//! letters outside ASCII is sent as typed and converted by the server (see `model::ptr`).

use crate::api::codec::{load, Act};
use crate::api::dns::{get_ptrs, reset_ptr, set_ptr};
use crate::components::{loaded, Guard, Loading};
use crate::error::AppError;
use crate::model::ptr::{Family, Ptr, PtrName};
use crate::model::InstanceId;
use leptos::prelude::*;

#[component]
pub fn ReverseDns(id: InstanceId) -> impl IntoView {
    let id = StoredValue::new(id);
    let ptrs = load(move || id.get_value().to_string(), get_ptrs);
    view! {
        <h3 id="ptr-h" class="ptr-heading">"Reverse DNS"</h3>
        <Transition fallback=|| view! { <Loading what="Asking DNS for its names…"/> }>
            {move || Suspend::new(async move {
                loaded(ptrs.await, |p| {
                    let rows = [(Family::Ipv4, p.ipv4), (Family::Ipv6, p.ipv6)];
                    view! {
                        <ul class="ptrs" aria-labelledby="ptr-h">
                            {rows.into_iter().filter_map(|(family, ptr)| ptr.map(|ptr| view! {
                                <PtrLine id=id.get_value() family ptr/>
                            })).collect_view()}
                        </ul>
                        <p class="muted">"A mail server needs its own name here, and that name's "
                            <abbr title="address record">"A"</abbr>" or "<abbr title="IPv6 address record">"AAAA"</abbr>
                            " record must point back at the address first."</p>
                    }
                })
            })}
        </Transition>
    }
}

#[component]
fn PtrLine(id: InstanceId, family: Family, ptr: Ptr) -> impl IntoView {
    let id = StoredValue::new(id);
    let shown = RwSignal::new(ptr);
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let change = Act::<Ptr>::local();
    let announced = RwSignal::new(String::new());
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let label = family.label();
    let input_id = format!("ptr-{}", family.as_str());
    let error_id = format!("ptr-{}-error", family.as_str());
    let run = move |work: std::pin::Pin<Box<dyn std::future::Future<Output = Result<Ptr, AppError>>>>, what: &'static str| {
        change.clear();
        change.perform(async move {
            let ptr = work.await?;
            announced.set(format!(
                "Reverse DNS of the {label} address is now {}{}.",
                ptr.name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
                what
            ));
            shown.set(ptr.clone());
            editing.set(false);
            Ok(ptr)
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let raw = draft.get_untracked();
        // ASCII names are checked here with the server's rule; others are converted there.
        if raw.trim().is_ascii() {
            if let Err(message) = PtrName::parse(&raw) {
                change.clear();
                change.perform(async move { Err(AppError::invalid("name", message)) });
                return;
            }
        }
        let id = id.get_value().to_string();
        run(Box::pin(set_ptr(id, family.as_str().to_string(), raw)), "");
    };
    let reset = move |_| {
        let id = id.get_value().to_string();
        run(Box::pin(reset_ptr(id, family.as_str().to_string())), " (the default)");
    };
    let field_error = move || error.get().filter(|e| e.field() == Some("name")).map(|e| e.to_string());
    let other_error = move || error.get().filter(|e| e.field() != Some("name"));
    view! {
        <li class="ptr">
            <div class="ptr-line">
                <span class="ptr-family">{label}</span>
                <code class="ptr-address">{move || shown.get().address}</code>
                <span aria-hidden="true">" → "</span>
                <span class="ptr-name">
                    {move || match shown.get().name {
                        Some(n) => view! { <code>{n.to_string()}</code> }.into_any(),
                        None => view! { <em>"no PTR record answers"</em> }.into_any(),
                    }}
                    {move || shown.get().default.then(|| view! { <span class="badge">"default"</span> })}
                </span>
            </div>
            <Guard>
                <div class="ptr-actions">
                    <button type="button" class="button" aria-expanded=move || editing.get().to_string()
                        aria-label=format!("Edit the reverse DNS of the {label} address")
                        on:click=move |_| {
                            change.clear();
                            draft.set(shown.get_untracked().name.filter(|_| !shown.get_untracked().default).map(|n| n.to_string()).unwrap_or_default());
                            editing.update(|e| *e = !*e);
                        }>"Edit"</button>
                    {move || (!shown.get().default).then(|| view! {
                        <button type="button" class="button" disabled=move || change.pending().get() on:click=reset
                            aria-label=format!("Reset the reverse DNS of the {label} address to the default")>"Reset to default"</button>
                    })}
                </div>
                <Show when=move || editing.get()>
                    <form class="ptr-form" on:submit=save novalidate>
                        <label for=input_id.clone()>{format!("Reverse DNS name for {}", shown.get_untracked().address)}</label>
                        <input id=input_id.clone() type="text" inputmode="url" autocomplete="off" spellcheck="false" maxlength="1024"
                            placeholder="mail.example.com" prop:value=move || draft.get()
                            on:input=move |ev| draft.set(event_target_value(&ev))
                            aria-invalid=move || field_error().is_some().to_string()
                            aria-describedby=error_id.clone()/>
                        <p class="field-error" id=error_id.clone() role="alert">{field_error}</p>
                        <div class="actions">
                            <button type="submit" class="button primary" disabled=move || change.pending().get()>
                                {move || if change.pending().get() { "Checking…" } else { "Save name" }}</button>
                            <button type="button" class="button" on:click=move |_| { change.clear(); editing.set(false) }>"Cancel"</button>
                        </div>
                    </form>
                </Show>
            </Guard>
            {move || other_error().map(|error| view! { <crate::components::ErrorView error/> })}
            <p class="sr-only" role="status">{move || announced.get()}</p>
        </li>
    }
}
