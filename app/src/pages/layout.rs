//! The signed-in frame: navigation, who is signed in, sign-out.
//!
//! The page itself (`<Outlet/>`) renders straight away, beside the header rather than inside its
//! `Suspense`, so a page's data is fetched once; only the parts that depend on who is signed in wait
//! for `/api/auth/me`, which pages can read too (`use_who`).

use crate::api::auth::{CurrentUser, Logout};
use crate::api::codec::{later, send, Act, Call, Later};
use crate::error::AppError;
use crate::model::Me;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

/// Who is signed in, loaded once per page view.
#[derive(Clone, Copy)]
pub struct Who(pub Later<Me>);

pub fn use_who() -> Later<Me> {
    expect_context::<Who>().0
}

#[component]
pub fn SignedIn() -> impl IntoView {
    let who = later(|| Call::to(CurrentUser {}));
    provide_context(Who(who));
    let menu_open = RwSignal::new(false);
    // One wait for who is signed in: the header's navigation and the support banner under it come
    // from the same answer. Until it is there, the header shows the brand alone.
    view! {
        <div class="frame">
            <Suspense fallback=move || view! { <TopBar me=None menu_open/> }>
                {move || Suspend::new(async move {
                    match who.await {
                        Ok(me) => {
                            let banner = me.impersonating.clone().map(|session| view! { <crate::pages::support::SupportBanner session/> });
                            let confirm = (!me.email_verified && me.impersonating.is_none())
                                .then(|| view! { <ConfirmAddress email=me.email.to_string() required=me.email_verification_required/> });
                            view! { <TopBar me=Some(me) menu_open/> {banner} {confirm} }.into_any()
                        }
                        Err(AppError::Unauthorized) => view! { <Redirect path="/login"/> }.into_any(),
                        Err(error) => view! { <TopBar me=None menu_open/> <crate::components::ErrorView error/> }.into_any(),
                    }
                })}
            </Suspense>
            <main class="content">
                <Outlet/>
            </main>
        </div>
    }
}

/// An address not confirmed yet: what it holds back, and the link sent again on request.
#[component]
fn ConfirmAddress(email: String, required: bool) -> impl IntoView {
    let resend = Act::of::<crate::api::auth::ResendVerification>();
    let sent = move || matches!(resend.value().get(), Some(Ok(())));
    let error = Signal::derive(move || resend.value().get().and_then(Result::err));
    let held = if required { " Until you follow it, you can look around but not deploy." } else { "" };
    view! {
        <aside class="confirm-banner" aria-label="Confirm your address">
            <p>{format!("Confirm your address: we sent a link to {email}.{held}")}</p>
            <Show when=sent fallback=move || view! {
                <button type="button" class="button" disabled=move || resend.pending().get()
                    on:click=move |_| { resend.dispatch(crate::api::auth::ResendVerification {}); }>"Send it again"</button>
            }>
                <p role="status">"Sent. The newest link is the one that works."</p>
            </Show>
            <crate::components::ErrorNote error/>
        </aside>
    }
}

/// The brand, the phone's menu button and (once who is signed in is known) the navigation.
#[component]
fn TopBar(me: Option<Me>, menu_open: RwSignal<bool>) -> impl IntoView {
    view! {
        <header class="topbar">
            <a href="/" class="brand" aria-label="Zenith home">
                <img src="/logo.svg" alt="" width="26" height="26"/>
                <span>"Zenith"</span>
            </a>
            <button type="button" class="icon-button menu-toggle" aria-label="Menu" aria-expanded=move || menu_open.get().to_string()
                aria-controls="main-nav" on:click=move |_| menu_open.update(|o| *o = !*o)>"☰"</button>
            {me.map(|me| view! { <Nav me menu_open/> })}
        </header>
    }
}

#[component]
fn Nav(me: Me, menu_open: RwSignal<bool>) -> impl IntoView {
    let leave = Act::<()>::local();
    let signing_out = leave.pending();
    let sign_out = move |_| {
        leave.perform(async move {
            // Signed out or not (the session may have ended already), the sign-in page is next.
            let _ = send(Call::to(Logout {})).await;
            crate::bundle::open("/login");
            Ok(())
        });
    };
    // In a support session the panel is the customer's, their navigation and their address included.
    let staff = me.role.is_staff() && me.impersonating.is_none();
    let shown_email = me.impersonating.as_ref().map(|s| s.customer_email.to_string()).unwrap_or_else(|| me.email.to_string());
    view! {
        <nav id="main-nav" aria-label="Main" class:open=move || menu_open.get() on:click=move |_| menu_open.set(false)>
            <A href="/" exact=true>"Instances"</A>
            <A href="/firewall">"Firewall"</A>
            <A href="/keys">"SSH keys"</A>
            <A href="/billing">"Billing"</A>
            <A href="/account">"Account"</A>
            {staff.then(|| view! { <A href="/support">"Support"</A> })}
        </nav>
        <div class="who">
            <span class="email" title="Signed in as">{shown_email}</span>
            <button type="button" class="button subtle" disabled=move || signing_out.get() on:click=sign_out>
                "Sign out"
            </button>
        </div>
    }
}
