//! `/account`: password, two-factor sign-in, signed-in sessions, the security log.

mod password;
mod security_log;
mod sessions;
mod two_factor;

use crate::components::Loading;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let who = super::layout::use_who();
    let version = RwSignal::new(0u32);
    view! {
        <Title text="Account"/>
        <h1>"Account"</h1>
        <Suspense fallback=|| view! { <Loading what="Loading…"/> }>
            {move || Suspend::new(async move {
                who.await.ok().map(|me| view! {
                    <section class="panel" aria-labelledby="profile-h">
                        <h2 id="profile-h">"Profile"</h2>
                        <dl>
                            <dt>"Email"</dt><dd>{me.email.to_string()}</dd>
                            <dt>"Role"</dt><dd>{me.role.as_str()}</dd>
                        </dl>
                    </section>
                    <password::PasswordForm version/>
                    <two_factor::TwoFactor enabled=me.two_factor_enabled version/>
                })
            })}
        </Suspense>
        <sessions::Sessions version/>
        <security_log::SecurityLog version/>
    }
}
