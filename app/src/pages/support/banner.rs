//! The banner on every page of a support session: who is viewing whom, read-only or acting, the time
//! left (a warning five minutes before the end), and Stop. The page title says it too, so a tab left
//! open is never mistaken for the staff member's own view.

use crate::api::codec::{send, Act, Call};
use crate::api::support::StopSupport;
use crate::components::ErrorNote;
use crate::error::AppError;
use crate::model::support::{Impersonating, SupportMode, WARNING_MINUTES};
use leptos::prelude::*;
use leptos_meta::Title;

/// Now, in UTC milliseconds, wherever this runs.
fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

#[component]
pub fn SupportBanner(session: Impersonating) -> impl IntoView {
    let expires = session.expires_at.unix_ms();
    let now = RwSignal::new(now_ms());
    #[cfg(feature = "hydrate")]
    {
        if let Ok(h) = set_interval_with_handle(move || now.set(now_ms()), std::time::Duration::from_secs(15)) {
            on_cleanup(move || h.clear());
        }
    }
    let minutes_left = Memo::new(move |_| ((expires - now.get()).max(0) + 59_999) / 60_000);
    let back_to = format!("/support/customers/{}", session.customer_id);
    {
        let back_to = back_to.clone();
        Effect::new(move |_| {
            if minutes_left.get() == 0 {
                crate::bundle::open(&back_to);
            }
        });
    }
    let stop_view = Act::<()>::local();
    let error = Signal::derive(move || stop_view.value().get().and_then(Result::err));
    let stopping = stop_view.pending();
    let stop = move |_| {
        let back_to = back_to.clone();
        stop_view.perform(async move {
            match send(Call::to(StopSupport {})).await {
                // Already over (it expired, or the customer withdrew access): back all the same.
                Ok(()) | Err(AppError::Conflict(_)) => {
                    crate::bundle::open(&back_to);
                    Ok(())
                }
                Err(e) => Err(e),
            }
        });
    };
    let mode = session.mode;
    let customer = session.customer_email.to_string();
    let title_customer = customer.clone();
    let mode_text = match mode {
        SupportMode::ReadOnly => "read-only: you can look, nothing can be changed",
        SupportMode::Acting => "acting: instance and firewall changes are allowed, account settings are not",
    };
    view! {
        <Title formatter=move |page: String| format!("Support view ({}) of {title_customer} — {page}", mode.label())/>
        <section class="support-banner" class:acting=mode == SupportMode::Acting aria-label="Support session">
            <p>
                <strong>"Support view"</strong>
                {format!(" · {} is viewing {customer}'s panel · {mode_text} · ", session.staff_email)}
                <span>{move || match minutes_left.get() { 1 => "1 minute left".to_string(), n => format!("{n} minutes left") }}</span>
            </p>
            {move || (minutes_left.get() <= WARNING_MINUTES).then(|| view! {
                <p class="support-warning" role="alert">
                    {format!("This support session ends in {} minutes and cannot be extended.", minutes_left.get())}
                </p>
            })}
            <ErrorNote error/>
            <button type="button" class="button" disabled=move || stopping.get() on:click=stop>"Stop support view"</button>
        </section>
    }
}
