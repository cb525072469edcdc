//! `/instances/new`: zone → family → size → image → access → name → user data → summary → deploy.
//! Every choice is explained where it is made; the price is shown before anything is created. The
//! form carries an idempotency key, so a double click or a retry makes one instance.

use crate::api::catalog::{offerings, templates, zones};
use crate::api::instances::{Deploy, USER_DATA_MAX_BYTES};
use crate::components::{general_error, new_idempotency_key, ErrorNote, FieldError};
use crate::model::{Hostname, Offering, Tier};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

fn memory(mb: u32) -> String {
    if mb >= 1024 {
        format!("{} GB", mb / 1024)
    } else {
        format!("{mb} MB")
    }
}

fn price_line(o: &Offering) -> String {
    match (o.price_hourly, o.price_monthly) {
        (Some(h), Some(m)) => format!("{h}/hour, at most {m}/month"),
        _ => "price on request".to_string(),
    }
}

#[component]
pub fn DeployPage() -> impl IntoView {
    let zone = RwSignal::new(String::new());
    let tier = RwSignal::new(Tier::Agile);
    let offering = RwSignal::new(String::new());
    let template = RwSignal::new(String::new());
    let access = RwSignal::new("password".to_string());
    let ssh_key = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let user_data = RwSignal::new(String::new());
    let key = RwSignal::new(new_idempotency_key());
    // A changed form is a new intent: it gets a new idempotency key.
    Effect::new(move |prev: Option<()>| {
        let _ = (zone.get(), tier.get(), offering.get(), template.get(), access.get(), ssh_key.get(), name.get(), user_data.get());
        if prev.is_some() {
            key.set(new_idempotency_key());
        }
    });

    let zone_list = Resource::new(|| (), |_| zones());
    let zone_offerings = Resource::new(
        move || zone.get(),
        |z| async move {
            if z.is_empty() {
                Ok(vec![])
            } else {
                offerings(z).await
            }
        },
    );
    let zone_templates = Resource::new(
        move || zone.get(),
        |z| async move {
            if z.is_empty() {
                Ok(vec![])
            } else {
                templates(z).await
            }
        },
    );

    let name_problem = Memo::new(move |_| (!name.get().is_empty()).then(|| Hostname::parse(&name.get()).err()).flatten());
    let user_data_bytes = Memo::new(move |_| user_data.get().len());
    let deploy = ServerAction::<Deploy>::new();
    let server_error = Signal::derive(move || deploy.value().get().and_then(Result::err));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(a)) = deploy.value().get() {
            navigate(&format!("/instances/{}?job={}", a.instance_id, a.job_id), Default::default());
        }
    });
    let chosen = move || zone_offerings.get().and_then(|r| r.ok()).and_then(|offs| offs.into_iter().find(|o| o.id == offering.get()));
    let ready = move || {
        !zone.get().is_empty()
            && !offering.get().is_empty()
            && !template.get().is_empty()
            && Hostname::parse(&name.get()).is_ok()
            && user_data_bytes.get() <= USER_DATA_MAX_BYTES
            && (access.get() == "password" || !ssh_key.get().trim().is_empty())
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        deploy.dispatch(Deploy {
            zone_id: zone.get_untracked(),
            offering_id: offering.get_untracked(),
            template_id: template.get_untracked(),
            name: name.get_untracked(),
            ssh_key_name: (access.get_untracked() == "ssh").then(|| ssh_key.get_untracked()),
            security_group_ids: None,
            user_data: Some(user_data.get_untracked()).filter(|u| !u.trim().is_empty()),
            idempotency_key: key.get_untracked(),
        });
    };

    view! {
        <Title text="Deploy an instance"/>
        <h1>"Deploy an instance"</h1>
        <form class="deploy" on:submit=submit novalidate>
            <fieldset>
                <legend>"1. Zone"</legend>
                <Suspense fallback=|| view! { <p class="loading">"Loading zones…"</p> }>
                    {move || Suspend::new(async move {
                        match zone_list.await {
                            Ok(zs) => view! {
                                <div class="choices">
                                    {zs.into_iter().map(|z| {
                                        let id = z.id.clone();
                                        let checked = { let id = id.clone(); move || zone.get() == id };
                                        view! {
                                            <label class="choice">
                                                <input type="radio" name="zone" value=id.clone() prop:checked=checked
                                                    on:change=move |_| { zone.set(id.clone()); offering.set(String::new()); template.set(String::new()); }/>
                                                <span>{z.name}</span>
                                            </label>
                                        }
                                    }).collect_view()}
                                </div>
                            }.into_any(),
                            Err(e) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </fieldset>

            <fieldset>
                <legend>"2. Storage family"</legend>
                <div class="choices two">
                    {[Tier::Agile, Tier::Stamina].into_iter().map(|t| view! {
                        <label class="choice tier">
                            <input type="radio" name="tier" value=t.slug() prop:checked=move || tier.get() == t
                                on:change=move |_| { tier.set(t); offering.set(String::new()); }/>
                            <span class="choice-title">{t.label()}</span>
                            <span class="choice-text">{t.summary()}</span>
                        </label>
                    }).collect_view()}
                </div>
            </fieldset>

            <fieldset>
                <legend>"3. Size"</legend>
                <Transition fallback=|| view! { <p class="loading">"Loading sizes…"</p> }>
                    {move || Suspend::new(async move {
                        let offs = zone_offerings.await;
                        match offs {
                            Ok(offs) if zone.get_untracked().is_empty() || offs.is_empty() => view! { <p class="muted">"Choose a zone first."</p> }.into_any(),
                            Ok(offs) => view! {
                                <div class="sizes" role="radiogroup" aria-label="Size">
                                    {move || offs.iter().filter(|o| o.tier == tier.get()).map(|o| {
                                        let id = o.id.clone();
                                        let checked = { let id = id.clone(); move || offering.get() == id };
                                        view! {
                                            <label class="choice size">
                                                <input type="radio" name="offering" value=id.clone() prop:checked=checked on:change=move |_| offering.set(id.clone())/>
                                                <span class="choice-title">{o.name.clone()}</span>
                                                <span class="choice-text">{format!("{} vCPU · {} RAM · {} GB disk", o.cpu, memory(o.memory_mb), o.disk_gb)}</span>
                                                <span class="price">{price_line(o)}</span>
                                            </label>
                                        }
                                    }).collect_view()}
                                </div>
                            }.into_any(),
                            Err(e) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </fieldset>

            <fieldset>
                <legend>"4. Image"</legend>
                <Transition fallback=|| view! { <p class="loading">"Loading images…"</p> }>
                    {move || Suspend::new(async move {
                        match zone_templates.await {
                            Ok(ts) if ts.is_empty() => view! { <p class="muted">"Choose a zone first."</p> }.into_any(),
                            Ok(ts) => view! {
                                <label for="template">"Operating system"</label>
                                <select id="template" on:change=move |ev| template.set(event_target_value(&ev))>
                                    <option value="" selected=move || template.get().is_empty()>"Choose an image"</option>
                                    {ts.into_iter().map(|t| {
                                        let id = t.id.clone();
                                        let sel = { let id = id.clone(); move || template.get() == id };
                                        view! { <option value=id selected=sel>{t.name}</option> }
                                    }).collect_view()}
                                </select>
                            }.into_any(),
                            Err(e) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </fieldset>

            <fieldset>
                <legend>"5. Access"</legend>
                <div class="choices two">
                    <label class="choice">
                        <input type="radio" name="access" value="password" prop:checked=move || access.get() == "password" on:change=move |_| access.set("password".into())/>
                        <span class="choice-title">"Generated root password"</span>
                        <span class="choice-text">"Shown once, right after the instance starts."</span>
                    </label>
                    <label class="choice">
                        <input type="radio" name="access" value="ssh" prop:checked=move || access.get() == "ssh" on:change=move |_| access.set("ssh".into())/>
                        <span class="choice-title">"SSH key"</span>
                        <span class="choice-text">"A key pair registered in your account."</span>
                    </label>
                </div>
                <Show when=move || access.get() == "ssh">
                    <label for="ssh-key">"SSH key name"</label>
                    <input id="ssh-key" type="text" bind:value=ssh_key autocomplete="off"/>
                </Show>
            </fieldset>

            <fieldset>
                <legend>"6. Name"</legend>
                <label for="name">"Hostname"</label>
                <input id="name" name="name" type="text" autocomplete="off" spellcheck="false" maxlength="63" bind:value=name
                    aria-describedby="name-hint name-error" aria-invalid=move || name_problem.get().is_some().to_string()/>
                <p class="hint" id="name-hint">"Letters, digits and hyphens; it becomes the instance's hostname."</p>
                {move || name_problem.get().map(|m| view! { <p class="field-error" id="name-error" role="alert">{m}</p> })}
                <FieldError error=server_error field="name" id="name-server-error"/>
            </fieldset>

            <fieldset>
                <legend>"7. Security groups"</legend>
                <p class="muted">"The instance joins your default security group, which blocks all inbound traffic until you open ports under Firewall."</p>
            </fieldset>

            <fieldset>
                <legend>"8. Cloud-init user data (optional)"</legend>
                <label for="user-data">"User data"</label>
                <textarea id="user-data" rows="5" spellcheck="false" bind:value=user_data aria-describedby="user-data-size"></textarea>
                <p class="hint" id="user-data-size" class:field-error=move || { user_data_bytes.get() > USER_DATA_MAX_BYTES }>
                    {move || format!("{:.1} of {} KiB", user_data_bytes.get() as f64 / 1024.0, USER_DATA_MAX_BYTES / 1024)}
                </p>
                <FieldError error=server_error field="user_data" id="user-data-error"/>
            </fieldset>

            <section class="summary" aria-label="Summary">
                <h2>"Summary"</h2>
                {move || match chosen() {
                    Some(o) => view! {
                        <p>{format!("{} ({}) · {} vCPU · {} RAM · {} GB", o.name, o.tier.label(), o.cpu, memory(o.memory_mb), o.disk_gb)}</p>
                        <p class="price big">{price_line(&o)}</p>
                    }.into_any(),
                    None => view! { <p class="muted">"Pick a zone, a family and a size to see the price."</p> }.into_any(),
                }}
                <ErrorNote error=Signal::derive(move || general_error(server_error.get(), &["name", "user_data"]))/>
                <button type="submit" class="button primary" disabled=move || !ready() || deploy.pending().get()>
                    {move || if deploy.pending().get() { "Deploying…" } else { "Deploy" }}
                </button>
            </section>
        </form>
    }
}
