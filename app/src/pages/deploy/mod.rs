//! `/instances/new`: zone → family → size → image → access → name → user data → summary → deploy.
//! Every choice is explained where it is made; the price is shown before anything is created, and a
//! Deploy button that cannot be pressed yet says which step is missing. The form carries an
//! idempotency key, so a double click or a retry makes one instance.

mod access;
mod details;
mod image;
mod size;
mod summary;
mod zone;

use crate::api::catalog::{Offerings, Templates, Zones};
use crate::api::codec::{later, Act, Call, Later};
use crate::api::instances::Deploy;
use crate::components::new_idempotency_key;
use crate::model::instance::{AccessChoice, UserData};
use crate::model::{Hostname, Offering, OfferingId, SecurityGroupId, SnapshotId, Template, TemplateId, Tier, Zone, ZoneId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

/// Everything the customer has chosen so far; each step reads and sets its part.
#[derive(Clone, Copy)]
pub(super) struct Form {
    pub zone: RwSignal<Option<ZoneId>>,
    pub tier: RwSignal<Tier>,
    pub offering: RwSignal<Option<OfferingId>>,
    pub template: RwSignal<Option<TemplateId>>,
    /// Starting from one of the customer's snapshots instead of an image (`?snapshot=…&from=…`,
    /// from the instance page's Snapshots panel): its id and name.
    pub snapshot: RwSignal<Option<(SnapshotId, String)>>,
    pub access: RwSignal<AccessChoice>,
    pub ssh_key: RwSignal<String>,
    pub groups: RwSignal<Vec<SecurityGroupId>>,
    pub name: RwSignal<String>,
    pub user_data: RwSignal<String>,
}

/// What the catalogue offers for the chosen zone.
#[derive(Clone, Copy)]
pub(super) struct Choices {
    pub zones: Later<Vec<Zone>>,
    pub offerings: Later<Vec<Offering>>,
    pub templates: Later<Vec<Template>>,
}

impl Form {
    fn new() -> Form {
        Form {
            zone: RwSignal::new(None),
            tier: RwSignal::new(Tier::Agile),
            offering: RwSignal::new(None),
            template: RwSignal::new(None),
            snapshot: RwSignal::new(None),
            access: RwSignal::new(AccessChoice::Password),
            ssh_key: RwSignal::new(String::new()),
            groups: RwSignal::new(Vec::new()),
            name: RwSignal::new(String::new()),
            user_data: RwSignal::new(String::new()),
        }
    }

    /// The first step still missing, in the customer's words; `None` when the form can be sent.
    fn missing(&self) -> Option<&'static str> {
        if self.zone.get().is_none() {
            return Some("Choose a zone (step 1).");
        }
        if self.offering.get().is_none() {
            return Some("Choose a size (step 3).");
        }
        if self.template.get().is_none() && self.snapshot.get().is_none() {
            return Some("Choose an image (step 4).");
        }
        if self.access.get() == AccessChoice::SshKey && self.ssh_key.get().trim().is_empty() {
            return Some("Choose an SSH key (step 5).");
        }
        if Hostname::parse(&self.name.get()).is_err() {
            return Some("Give the instance a valid name (step 6).");
        }
        if self.groups.get().is_empty() {
            return Some("Choose at least one security group (step 7).");
        }
        if UserData::parse(&self.user_data.get()).is_err() && !self.user_data.get().is_empty() {
            return Some("Shorten the user data (step 8).");
        }
        None
    }

    fn request(&self, idempotency_key: String) -> Deploy {
        let text = |s: Option<String>| s.unwrap_or_default();
        Deploy {
            zone_id: text(self.zone.get_untracked().map(|z| z.to_string())),
            offering_id: text(self.offering.get_untracked().map(|o| o.to_string())),
            template_id: self.snapshot.get_untracked().is_none().then(|| text(self.template.get_untracked().map(|t| t.to_string()))),
            snapshot_id: self.snapshot.get_untracked().map(|(s, _)| s.to_string()),
            name: self.name.get_untracked(),
            ssh_key_name: (self.access.get_untracked() == AccessChoice::SshKey).then(|| self.ssh_key.get_untracked()),
            security_group_ids: Some(self.groups.get_untracked().iter().map(|g| g.to_string()).collect()),
            user_data: Some(self.user_data.get_untracked()).filter(|u| !u.trim().is_empty()),
            idempotency_key,
        }
    }
}

/// What the page loads, started with the route, before the page's code has arrived.
#[derive(Clone, Copy)]
pub struct DeployData {
    form: Form,
    choices: Choices,
}

impl DeployData {
    pub fn start() -> DeployData {
        let form = Form::new();
        // A new instance from a snapshot: its zone and the snapshot come preset from the link.
        let query = leptos_router::hooks::use_query_map();
        query.with_untracked(|q| {
            if let Some(s) = q.get("snapshot").and_then(|s| SnapshotId::parse(&s).ok()) {
                let name = q.get("from").unwrap_or_default().chars().take(64).collect::<String>();
                form.snapshot.set(Some((s, name)));
                form.zone.set(q.get("zone").and_then(|z| ZoneId::parse(&z).ok()));
            }
        });
        // The zone's sizes and images load together, the moment a zone is chosen.
        let zone = move || form.zone.get().map(|z| z.to_string());
        let choices = Choices {
            zones: later(|| Call::to(Zones {})),
            offerings: later(move || zone().map_or(Call::empty(), |zone_id| Call::to(Offerings { zone_id }))),
            templates: later(move || zone().map_or(Call::empty(), |zone_id| Call::to(Templates { zone_id }))),
        };
        DeployData { form, choices }
    }
}

#[component]
pub fn DeployPage(data: DeployData) -> impl IntoView {
    let DeployData { form, choices } = data;
    let key = RwSignal::new(new_idempotency_key());
    // A changed form is a new intent: it gets a new idempotency key.
    Effect::new(move |prev: Option<()>| {
        let _ = (form.zone.get(), form.tier.get(), form.offering.get(), form.template.get(), form.snapshot.get(), form.access.get());
        let _ = (form.ssh_key.get(), form.groups.get(), form.name.get(), form.user_data.get());
        if prev.is_some() {
            key.set(new_idempotency_key());
        }
    });
    let deploy = Act::of::<Deploy>();
    let server_error = Signal::derive(move || deploy.value().get().and_then(Result::err));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(a)) = deploy.value().get() {
            navigate(&format!("/instances/{}?job={}", a.instance_id, a.job_id), Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.missing().is_none() {
            deploy.dispatch(form.request(key.get_untracked()));
        }
    };
    view! {
        <Title text="Deploy an instance"/>
        <h1>"Deploy an instance"</h1>
        <form class="deploy" on:submit=submit novalidate>
            <zone::ZoneStep form choices/>
            <zone::FamilyStep form/>
            <size::SizeStep form choices/>
            <image::ImageStep form choices/>
            <access::AccessStep form/>
            <details::NameStep form server_error/>
            <details::GroupsStep form/>
            <details::UserDataStep form server_error/>
            <summary::Summary form choices deploy server_error/>
        </form>
    }
}
