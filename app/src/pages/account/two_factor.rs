//! Two-factor sign-in: enrolment (password, then QR code, then a code), recovery codes, removal.

use crate::api::account::{TwoFactorBegin, TwoFactorConfirm, TwoFactorDisable};
use crate::api::codec::Act;
use crate::components::{general_error, ErrorNote, FieldError};
use leptos::prelude::*;

#[component]
pub fn TwoFactor(enabled: bool, version: RwSignal<u32>) -> impl IntoView {
    let on = RwSignal::new(enabled);
    let begin = Act::of::<TwoFactorBegin>();
    let confirm = Act::of::<TwoFactorConfirm>();
    let disable = Act::of::<TwoFactorDisable>();
    let begin_password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let off_password = RwSignal::new(String::new());
    let off_code = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(confirm.value().get(), Some(Ok(_))) {
            on.set(true);
            version.update(|v| *v += 1);
        }
    });
    Effect::new(move |_| {
        if matches!(disable.value().get(), Some(Ok(()))) {
            on.set(false);
            begin.clear();
            confirm.clear();
            version.update(|v| *v += 1);
        }
    });
    let begin_error = Signal::derive(move || begin.value().get().and_then(Result::err));
    let confirm_error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    let disable_error = Signal::derive(move || disable.value().get().and_then(Result::err));
    view! {
        <section class="panel" aria-labelledby="tfa-h">
            <h2 id="tfa-h">"Two-factor sign-in"</h2>
            {move || match confirm.value().get() {
                Some(Ok(codes)) => view! {
                    <div class="alert alert-secret" role="status">
                        <p><strong>"Two-factor sign-in is on."</strong>" Save these recovery codes somewhere safe. Each works once, if you lose your phone. They are not shown again."</p>
                        <ul class="codes" aria-label="Recovery codes">{codes.recovery_codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
                    </div>
                }.into_any(),
                _ => ().into_any(),
            }}
            <Show
                when=move || on.get()
                fallback=move || view! {
                    <p>"Protect your account with a code from an authenticator app, in addition to your password."</p>
                    {move || match begin.value().get() {
                        Some(Ok(setup)) => view! {
                            <ol class="steps">
                                <li>"Scan this code with your authenticator app:"
                                    <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=setup.qr_svg.clone()></div>
                                    <p>"Or enter this key by hand: " <code data-testid="totp-secret" aria-label="Secret key">{setup.secret.clone()}</code></p>
                                </li>
                                <li>
                                    <form on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); confirm.dispatch(TwoFactorConfirm { code: code.get_untracked() }); } novalidate>
                                        <label for="tfa-code">"Enter the 6-digit code it shows"</label>
                                        <input id="tfa-code" type="text" inputmode="numeric" autocomplete="one-time-code" bind:value=code/>
                                        <FieldError error=confirm_error field="code" id="tfa-code-error"/>
                                        <ErrorNote error=Signal::derive(move || general_error(confirm_error.get(), &["code"]))/>
                                        <button type="submit" class="button primary" disabled=move || confirm.pending().get()>"Turn on two-factor sign-in"</button>
                                    </form>
                                </li>
                            </ol>
                        }.into_any(),
                        _ => view! {
                            <form on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); begin.dispatch(TwoFactorBegin { password: begin_password.get_untracked() }); } novalidate>
                                <label for="tfa-password">"Your password"</label>
                                <input id="tfa-password" type="password" autocomplete="current-password" bind:value=begin_password aria-describedby="tfa-password-hint"/>
                                <p class="hint" id="tfa-password-hint">"Security changes ask for your password again."</p>
                                <FieldError error=begin_error field="password" id="tfa-password-error"/>
                                <ErrorNote error=Signal::derive(move || general_error(begin_error.get(), &["password"]))/>
                                <button type="submit" class="button primary" disabled=move || begin.pending().get()>"Set up two-factor sign-in"</button>
                            </form>
                        }.into_any(),
                    }}
                }
            >
                <p>"Two-factor sign-in is on. To turn it off, confirm with your password and a current code (or a recovery code)."</p>
                <form on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); disable.dispatch(TwoFactorDisable { password: off_password.get_untracked(), code: off_code.get_untracked() }); } novalidate>
                    <label for="off-password">"Password"</label>
                    <input id="off-password" type="password" autocomplete="current-password" bind:value=off_password/>
                    <label for="off-code">"Code"</label>
                    <input id="off-code" type="text" autocomplete="one-time-code" bind:value=off_code/>
                    <ErrorNote error=disable_error/>
                    <button type="submit" class="button danger" disabled=move || disable.pending().get()>"Turn off two-factor sign-in"</button>
                </form>
            </Show>
        </section>
    }
}
