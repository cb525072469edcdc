//! `/keys`: the customer's SSH keys (name, type, the SHA256 fingerprint `ssh-keygen -l` prints, when
//! it was added), adding one by pasting its public half, generating a pair (the private key is shown
//! and downloadable once, never kept), deleting. The add and generate forms are also the deploy
//! page's, so a key can be made without leaving it.

use crate::api::codec::{later, Act, Call, Later};
use crate::api::keys::{AddKey, DeleteKey, GenerateKey, ListKeys};
use crate::components::{general_error, loaded, percent_encode, ConfirmButton, ErrorNote, FieldError, Guard, Loading, StackTable, SubForm};
use crate::model::keys::KeyView;
use crate::model::{SshKeyName, Timestamp};
use leptos::prelude::*;
use leptos_meta::Title;

/// What the page loads, started with the route, before the page's code has arrived.
#[derive(Clone, Copy)]
pub struct KeysData {
    changed: RwSignal<u32>,
    keys: Later<Vec<KeyView>>,
}

impl KeysData {
    pub fn start() -> KeysData {
        let changed = RwSignal::new(0u32);
        let keys = later(move || Call::to(ListKeys {}).version(changed.get()));
        KeysData { changed, keys }
    }
}

#[component]
pub fn KeysPage(data: KeysData) -> impl IntoView {
    let KeysData { changed, keys } = data;
    let delete = Act::of::<DeleteKey>();
    keys.reload_on(move || delete.version().get());
    view! {
        <Title text="SSH keys"/>
        <h1>"SSH keys"</h1>
        <p class="muted">"Instances deployed with a key let you sign in with it instead of a password. Zenith never sees or keeps your private keys."</p>
        <ErrorNote error=Signal::derive(move || delete.value().get().and_then(Result::err))/>
        <Guard owner=true>
        <Transition fallback=|| view! { <Loading what="Loading your keys…"/> }>
            {move || Suspend::new(async move {
                loaded(keys.await, |ks: Vec<KeyView>| {
                    if ks.is_empty() {
                        return view! { <p class="panel">"No keys yet. Add your public key or generate a new pair below."</p> }.into_any();
                    }
                    view! {
                        <StackTable headers=&["Name", "Type", "Fingerprint", "Added"] hidden="Actions">
                            {ks.into_iter().map(|k| {
                                let name = k.name.to_string();
                                view! {
                                    <tr>
                                        <td data-label="Name">{k.name.to_string()}</td>
                                        <td data-label="Type">{k.kind.to_string()}</td>
                                        <td data-label="Fingerprint"><code>{k.fingerprint.clone().unwrap_or_else(|| format!("MD5:{}", k.fingerprint_md5))}</code></td>
                                        <td data-label="Added">{k.added.map(Timestamp::shown).unwrap_or_else(|| "—".into())}</td>
                                        <td><ConfirmButton label="Delete" key=name.clone() confirm="Delete the key" danger=true disabled=Signal::derive(|| false)
                                            warning=format!("Instances that already have {name} keep it; new instances cannot use it.")
                                            on_confirm=Callback::new(move |_| { delete.dispatch(DeleteKey { name: name.clone() }); })/></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </StackTable>
                    }.into_any()
                })
            })}
        </Transition>
        <AddKeyForm on_added=Callback::new(move |_: SshKeyName| changed.update(|v| *v += 1))/>
        <GenerateKeyForm on_added=Callback::new(move |_: SshKeyName| changed.update(|v| *v += 1))/>
        </Guard>
    }
}

/// A pasted private key is refused here already, before anything is sent (the server's own test).
use crate::model::keys::looks_private;

/// Adding a pasted public key; `inline` when it sits inside another form (the deploy page).
#[component]
pub fn AddKeyForm(#[prop(optional)] inline: bool, on_added: Callback<SshKeyName>) -> impl IntoView {
    let add = Act::of::<AddKey>();
    let name = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let name_problem = Memo::new(move |_| (!name.get().is_empty()).then(|| SshKeyName::parse(&name.get()).err()).flatten());
    let private = Memo::new(move |_| looks_private(&key.get()));
    let error = Signal::derive(move || add.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(k)) = add.value().get() {
            name.set(String::new());
            key.set(String::new());
            on_added.run(k.name);
        }
    });
    let submit = Callback::new(move |_| {
        if !private.get_untracked() {
            add.dispatch(AddKey { name: name.get_untracked(), public_key: key.get_untracked() });
        }
    });
    view! {
        <section class="panel" aria-labelledby="add-key-h">
            <h2 id="add-key-h">"Add a public key"</h2>
            <SubForm inline labelledby="add-key-h" submit="Add key" primary=true on_submit=submit
                disabled=Signal::derive(move || private.get() || name_problem.get().is_some() || add.pending().get())>
                <label for="key-name">"Name"</label>
                <input id="key-name" type="text" autocomplete="off" bind:value=name aria-describedby="key-name-error"/>
                {move || name_problem.get().map(|m| view! { <p class="field-error" id="key-name-error" role="alert">{m}</p> })}
                <FieldError error field="name" id="key-name-server-error"/>
                <label for="public-key">"Public key (the one line of your .pub file)"</label>
                <textarea id="public-key" rows="3" spellcheck="false" placeholder="ssh-ed25519 AAAA… you@laptop" bind:value=key></textarea>
                <Show when=move || private.get()>
                    <p class="alert alert-error" role="alert">
                        "This is a private key: never paste it anywhere. Paste the public key (the .pub file) instead. Nothing was sent."
                    </p>
                </Show>
                <FieldError error field="public_key" id="public-key-error"/>
                <ErrorNote error=Signal::derive(move || general_error(error.get(), &["name", "public_key"]))/>
            </SubForm>
        </section>
    }
}

/// A download link for the private key, made in the page (the key never travels again).
fn download_href(pem: &str) -> String {
    format!("data:application/octet-stream;charset=utf-8,{}", percent_encode(pem))
}

/// Generating an ed25519 pair; `inline` when it sits inside another form (the deploy page).
#[component]
pub fn GenerateKeyForm(#[prop(optional)] inline: bool, on_added: Callback<SshKeyName>) -> impl IntoView {
    let generate = Act::of::<GenerateKey>();
    let name = RwSignal::new(String::new());
    let name_problem = Memo::new(move |_| (!name.get().is_empty()).then(|| SshKeyName::parse(&name.get()).err()).flatten());
    let error = Signal::derive(move || generate.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(k)) = generate.value().get() {
            name.set(String::new());
            on_added.run(k.key.name);
        }
    });
    let submit = Callback::new(move |_| {
        generate.dispatch(GenerateKey { name: name.get_untracked() });
    });
    view! {
        <section class="panel" aria-labelledby="gen-key-h">
            <h2 id="gen-key-h">"Generate a key pair"</h2>
            <p class="muted">"An ed25519 pair is made for you. Its private key is shown once; Zenith does not keep it."</p>
            <SubForm inline labelledby="gen-key-h" submit="Generate" on_submit=submit
                disabled=Signal::derive(move || name_problem.get().is_some() || generate.pending().get())>
                <label for="gen-key-name">"Name"</label>
                <input id="gen-key-name" type="text" autocomplete="off" bind:value=name aria-describedby="gen-key-name-problem"/>
                {move || name_problem.get().map(|m| view! { <p class="field-error" id="gen-key-name-problem" role="alert">{m}</p> })}
                <FieldError error field="name" id="gen-key-name-error"/>
                <ErrorNote error=Signal::derive(move || general_error(error.get(), &["name"]))/>
            </SubForm>
            {move || generate.value().get().and_then(Result::ok).map(|k| {
                let file = format!("id_ed25519_{}", k.key.name);
                view! {
                    <section class="alert alert-secret" aria-labelledby="gen-pk-h">
                        <p role="status" id="gen-pk-h">{format!("{} was added. Save its private key now: it is shown only once.", k.key.name)}</p>
                        <pre class="private-key" aria-label="Private key" tabindex="0">{k.private_key.clone()}</pre>
                        <a class="button primary" href=download_href(&k.private_key) download=file.clone()>{format!("Download {file}")}</a>
                        <p class="hint">"Keep it in ~/.ssh with permissions 600, then: ssh -i ~/.ssh/"{file}" root@<address>"</p>
                    </section>
                }
            })}
        </section>
    }
}
