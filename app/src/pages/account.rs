//! `/account`: password, two-factor sign-in, signed-in sessions, the security log.

use crate::api::account::{security_log, sessions, ChangePassword, RevokeSessions, TwoFactorBegin, TwoFactorConfirm, TwoFactorDisable};
use crate::components::{general_error, ErrorNote, FieldError};
use crate::model::NewPassword;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let who = super::layout::use_who();
    let version = RwSignal::new(0u32);
    view! {
        <Title text="Account"/>
        <h1>"Account"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                who.await.ok().map(|me| view! {
                    <section class="panel" aria-labelledby="profile-h">
                        <h2 id="profile-h">"Profile"</h2>
                        <dl>
                            <dt>"Email"</dt><dd>{me.email.to_string()}</dd>
                            <dt>"Role"</dt><dd>{me.role.as_str()}</dd>
                        </dl>
                    </section>
                    <PasswordForm version/>
                    <TwoFactor enabled=me.two_factor_enabled version/>
                })
            })}
        </Suspense>
        <Sessions version/>
        <SecurityLog version/>
    }
}

#[component]
fn PasswordForm(version: RwSignal<u32>) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let done = move || matches!(change.value().get(), Some(Ok(())));
    Effect::new(move |_| {
        if done() {
            current.set(String::new());
            new.set(String::new());
            version.update(|v| *v += 1);
        }
    });
    let hint = Memo::new(move |_| {
        let p = new.get();
        if p.is_empty() {
            format!("At least {} characters.", NewPassword::MIN_CHARS)
        } else {
            NewPassword::parse(&p).err().unwrap_or_else(|| "Good length.".into())
        }
    });
    view! {
        <section class="panel" aria-labelledby="pw-h">
            <h2 id="pw-h">"Password"</h2>
            <form on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); change.dispatch(ChangePassword { current_password: current.get_untracked(), new_password: new.get_untracked() }); } novalidate>
                <label for="current-password">"Current password"</label>
                <input id="current-password" type="password" autocomplete="current-password" bind:value=current/>
                <FieldError error field="current_password" id="current-password-error"/>
                <label for="new-password">"New password"</label>
                <input id="new-password" type="password" autocomplete="new-password" bind:value=new aria-describedby="new-password-hint"/>
                <p class="hint" id="new-password-hint">{move || hint.get()}</p>
                <FieldError error field="new_password" id="new-password-error"/>
                <ErrorNote error=Signal::derive(move || general_error(error.get(), &["current_password", "new_password"]))/>
                <Show when=done><p class="alert alert-ok" role="status">"Password changed. Your other sessions were signed out."</p></Show>
                <button type="submit" class="button primary" disabled=move || change.pending().get()>"Change password"</button>
            </form>
        </section>
    }
}

#[component]
fn TwoFactor(enabled: bool, version: RwSignal<u32>) -> impl IntoView {
    let on = RwSignal::new(enabled);
    let begin = ServerAction::<TwoFactorBegin>::new();
    let confirm = ServerAction::<TwoFactorConfirm>::new();
    let disable = ServerAction::<TwoFactorDisable>::new();
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
            begin.value().set(None);
            confirm.value().set(None);
            version.update(|v| *v += 1);
        }
    });
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
                        Some(Err(e)) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
                        None => view! {
                            <button type="button" class="button primary" on:click=move |_| { begin.dispatch(TwoFactorBegin {}); }>"Set up two-factor sign-in"</button>
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

#[component]
fn Sessions(version: RwSignal<u32>) -> impl IntoView {
    let revoke = ServerAction::<RevokeSessions>::new();
    let list = Resource::new(move || (version.get(), revoke.version().get()), |_| sessions());
    let error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    view! {
        <section class="panel" aria-labelledby="sess-h">
            <h2 id="sess-h">"Signed-in sessions"</h2>
            <ErrorNote error/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(ss) => view! {
                            <table>
                                <thead><tr><th scope="col">"Browser"</th><th scope="col">"Address"</th><th scope="col">"Signed in"</th><th scope="col">"Last seen"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                                <tbody>
                                    {ss.into_iter().map(|s| {
                                        let id = s.id.clone();
                                        view! {
                                            <tr>
                                                <td>{s.user_agent.clone().unwrap_or_else(|| "unknown".into())}</td>
                                                <td>{s.ip.clone().unwrap_or_default()}</td>
                                                <td>{crate::components::when(&s.created)}</td>
                                                <td>{crate::components::when(&s.last_seen)}</td>
                                                <td>{if s.current {
                                                    view! { <span class="badge">"This session"</span> }.into_any()
                                                } else {
                                                    view! { <button type="button" class="button subtle" on:click=move |_| { revoke.dispatch(RevokeSessions { id: Some(id.clone()), all_others: None }); }>"Sign out"</button> }.into_any()
                                                }}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <button type="button" class="button" on:click=move |_| { revoke.dispatch(RevokeSessions { id: None, all_others: Some(true) }); }>"Sign out all other sessions"</button>
        </section>
    }
}

#[component]
fn SecurityLog(version: RwSignal<u32>) -> impl IntoView {
    let log = Resource::new(move || version.get(), |_| security_log());
    view! {
        <section class="panel" aria-labelledby="log-h">
            <h2 id="log-h">"Security log"</h2>
            <p class="muted">"Sign-ins, failed attempts, password and two-factor changes, and any access by our support staff."</p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match log.await {
                        Ok(events) => view! {
                            <table>
                                <thead><tr><th scope="col">"When"</th><th scope="col">"Event"</th><th scope="col">"Outcome"</th><th scope="col">"By"</th><th scope="col">"From"</th></tr></thead>
                                <tbody>
                                    {events.into_iter().map(|e| view! {
                                        <tr>
                                            <td>{crate::components::when(&e.at)}</td>
                                            <td>{e.action.replace('_', " ")}{e.detail.map(|d| format!(" — {d}"))}</td>
                                            <td>{e.outcome}</td>
                                            <td>{e.actor}</td>
                                            <td>{e.ip.unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
