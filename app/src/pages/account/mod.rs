//! `/account`: password, email address, two-factor sign-in, signed-in sessions, support access, the security log.
//! In a support session it is the customer's account page, with every setting locked.

mod email;
mod notifications;
mod password;
mod security_log;
mod sessions;
mod support_access;
mod two_factor;

use crate::components::{Guard, Loading};
use crate::model::Role;
use leptos::prelude::*;
use leptos_meta::Title;

/// What the page loads, started with the route, before the page's code has arrived.
/// (Who is signed in is the frame's, already loading.)
#[derive(Clone, Copy)]
pub struct AccountData {
    version: RwSignal<u32>,
    sessions: sessions::SessionsData,
    log: security_log::LogData,
}

impl AccountData {
    pub fn start() -> AccountData {
        let version = RwSignal::new(0u32);
        AccountData { version, sessions: sessions::SessionsData::start(version), log: security_log::LogData::start(version) }
    }
}

#[component]
pub fn AccountPage(data: AccountData) -> impl IntoView {
    let who = super::layout::use_who();
    let AccountData { version, sessions, log } = data;
    view! {
        <Title text="Account"/>
        <h1>"Account"</h1>
        <Suspense fallback=|| view! { <Loading what="Loading…"/> }>
            {move || Suspend::new(async move {
                who.await.ok().map(|me| {
                    // The customer's own account, also when support is looking at it.
                    let (email, role, two_factor) = match &me.impersonating {
                        Some(s) => (s.customer_email.to_string(), Role::Customer, s.customer_two_factor),
                        None => (me.email.to_string(), me.role, me.two_factor_enabled),
                    };
                    view! {
                        <section class="panel" aria-labelledby="profile-h">
                            <h2 id="profile-h">"Profile"</h2>
                            <dl>
                                <dt>"Email"</dt><dd>{email}</dd>
                                <dt>"Role"</dt><dd>{role.as_str()}</dd>
                            </dl>
                        </section>
                        <Guard owner=true>
                            <password::PasswordForm version/>
                            <email::EmailForm/>
                            <two_factor::TwoFactor enabled=two_factor version/>
                        </Guard>
                        {(role == Role::Customer).then(|| view! { <notifications::NotificationsPanel/> })}
                        {(role == Role::Customer).then(|| view! { <support_access::SupportAccessPanel/> })}
                    }
                })
            })}
        </Suspense>
        <Guard owner=true>
            <sessions::Sessions data=sessions/>
        </Guard>
        <security_log::SecurityLog data=log/>
    }
}
