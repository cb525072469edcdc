//! The console's keyboard controls: the instance's layout (kept in this browser), the keys a
//! browser keeps for itself, and a text typed as keystrokes.

use super::Screen;
use crate::components::{sleep, ConfirmButton};
use crate::model::keyboard::{self, chord, Layout, Stroke, ALT, CTRL, MAX_PASTE_CHARS};
use leptos::prelude::*;

const STORED_LAYOUT: &str = "zenith.console.layout";

/// Takes the layout this browser chose last time.
#[cfg(feature = "hydrate")]
pub fn restore_layout(layout: RwSignal<Layout>) {
    let stored = web_sys::window().and_then(|w| w.local_storage().ok().flatten()).and_then(|s| s.get_item(STORED_LAYOUT).ok().flatten());
    if let Some(l) = stored.as_deref().and_then(Layout::parse) {
        layout.set(l);
    }
}

fn store_layout(layout: Layout) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        _ = s.set_item(STORED_LAYOUT, layout.as_str());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (layout, STORED_LAYOUT);
}

#[component]
pub fn LayoutChoice(screen: Screen) -> impl IntoView {
    view! {
        <label class="console-layout">
            "Instance keyboard "
            <select prop:value=move || screen.layout.get().as_str().to_string() on:change=move |ev| {
                if let Some(l) = Layout::parse(&event_target_value(&ev)) {
                    screen.layout.set(l);
                    store_layout(l);
                }
            }>
                {Layout::ALL.into_iter().map(|l| view! { <option value=l.as_str()>{l.label()}</option> }).collect_view()}
            </select>
        </label>
    }
}

#[component]
pub fn KeyButtons(screen: Screen) -> impl IntoView {
    let disabled = Signal::derive(move || !screen.connected());
    let tap = move |strokes: Vec<Stroke>| {
        screen.send(&strokes);
        screen.focus();
    };
    let f_keys: Vec<(String, String, u32)> = (1..=12u32).map(|n| (format!("F{n}"), format!("F{n}"), keyboard::XK_F1 + n - 1)).collect();
    view! {
        <div class="console-keys" role="group" aria-label="Keys the browser keeps for itself">
            <ConfirmButton label="Ctrl-Alt-Del" confirm="Send Ctrl-Alt-Del" disabled
                warning="Most systems restart at once when they get Ctrl-Alt-Del."
                on_confirm=Callback::new(move |_| tap(chord(&[CTRL, ALT], (keyboard::XK_DELETE, "Delete"))))/>
            <button type="button" class="button" disabled=disabled aria-label="Send Ctrl-C"
                on:click=move |_| tap(chord(&[CTRL], ('c' as u32, "KeyC")))>"Ctrl-C"</button>
            <button type="button" class="button" disabled=disabled aria-label="Send Tab"
                on:click=move |_| tap(chord(&[], (keyboard::XK_TAB, "Tab")))>"Tab"</button>
            <button type="button" class="button" disabled=disabled aria-label="Send Esc"
                on:click=move |_| tap(chord(&[], (keyboard::XK_ESCAPE, "Escape")))>"Esc"</button>
            <details class="console-fkeys">
                <summary class="button">"F1–F12"</summary>
                <span class="console-fkey-row">
                    {f_keys.into_iter().map(|(label, code, keysym)| {
                        let code = StoredValue::new(code);
                        view! {
                            <button type="button" class="button" disabled=disabled aria-label=format!("Send {label}")
                                on:click=move |_| tap(chord(&[], (keysym, code.get_value().as_str())))>{label.clone()}</button>
                        }
                    }).collect_view()}
                </span>
            </details>
        </div>
    }
}

/// How many characters are typed between two pauses, and the pause: a hypervisor reads keys at
/// typing speed and drops what overflows its queue.
const BURST: usize = 2;
const PAUSE_MS: u64 = 10;

/// Types a text: every character checked first, then typed with progress, stoppable.
#[component]
pub fn Paste(screen: Screen) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let progress = RwSignal::new(None::<(usize, usize)>);
    let stop = RwSignal::new(false);
    let typing = move || progress.get().is_some_and(|(done, all)| done < all);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if typing() || !screen.connected_untracked() {
            return;
        }
        let groups = match keyboard::plan(screen.layout.get_untracked(), &text.get_untracked()) {
            Ok(g) if g.is_empty() => return error.set(Some("Type or paste the text to send first.".into())),
            Ok(g) => g,
            Err(e) => return error.set(Some(e.to_string())),
        };
        error.set(None);
        stop.set(false);
        let all = groups.len();
        progress.set(Some((0, all)));
        // Local work (keys to the open session), not a call to the server.
        leptos::task::spawn_local(async move {
            // `try_`: the page may be left while it types, and then typing stops.
            for (i, g) in groups.iter().enumerate() {
                if stop.try_get_untracked() != Some(false) || !screen.connected_untracked() {
                    progress.try_set(Some((i, i)));
                    return;
                }
                screen.send(g);
                if (i + 1) % BURST == 0 || i + 1 == all {
                    progress.try_set(Some((i + 1, all)));
                    sleep(PAUSE_MS).await;
                }
            }
            screen.focus();
        });
    };
    let status = move || {
        progress.get().map(|(done, all)| {
            if done < all {
                format!("Typing {all} characters…")
            } else if stop.get() {
                format!("Stopped after {done} characters.")
            } else {
                format!("Typed {all} characters.")
            }
        })
    };
    view! {
        <section class="panel" aria-labelledby="paste-h">
            <h2 id="paste-h">"Paste as keystrokes"</h2>
            <form class="stack" novalidate on:submit=submit>
                <label for="paste-text">"Text to type on the instance"</label>
                <textarea id="paste-text" rows="4" maxlength=MAX_PASTE_CHARS.to_string() spellcheck="false" autocomplete="off"
                    aria-describedby="paste-hint" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <p class="hint" id="paste-hint">
                    {format!("Typed as keys on the instance's keyboard layout, up to {MAX_PASTE_CHARS} characters; a line break is Enter. Use it for a password or a command the clipboard cannot reach.")}
                </p>
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <div class="action-row">
                    <button type="submit" class="button primary" disabled=move || typing() || !screen.connected()>"Type it"</button>
                    <Show when=typing>
                        <button type="button" class="button" on:click=move |_| stop.set(true)>"Stop"</button>
                    </Show>
                </div>
                {move || progress.get().map(|(done, all)| view! {
                    <progress max=all.to_string() value=done.to_string() aria-label="Typing progress"></progress>
                })}
                <p class="hint" role="status" aria-live="polite">{status}</p>
            </form>
        </section>
    }
}
