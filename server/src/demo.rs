//! `--demo`: a customer with a few instances and a support user, with fresh passwords printed at
//! start. Everything goes through the same services as real traffic (accounts, provisioning, deploy).

use crate::auth::{repo, AuthService};
use crate::startup::Application;
use app::api::catalog::CatalogPort;
use app::api::instances::{DeploySpec, InstancesPort};
use app::model::{CustomerId, Email, Hostname, IdempotencyKey, NewPassword, Role, Tier};
use app::ports::{ClientInfo, Principal};
use rand::seq::SliceRandom;

pub const CUSTOMER: &str = "demo@zenith.test";
pub const SUPPORT: &str = "support@zenith.test";

/// Four random words and a number: strong, and easy to type from a terminal.
fn passphrase() -> String {
    const WORDS: &[&str] = &[
        "amber", "basalt", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper", "kelp", "lagoon", "meadow",
        "nimbus", "orchid", "pebble", "quartz", "raven", "saffron", "tundra", "umber", "violet", "willow", "zephyr", "canyon", "glacier",
        "lantern", "marble",
    ];
    let mut rng = rand::thread_rng();
    let words: Vec<&str> = WORDS.choose_multiple(&mut rng, 4).copied().collect();
    format!("{}-{}", words.join("-"), rand::Rng::gen_range(&mut rng, 10..100))
}

fn msg(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

pub async fn seed(app: &Application) -> anyhow::Result<()> {
    let db = &app.db;
    let hasher = app.auth.hasher();
    let customer_pw = passphrase();
    let support_pw = passphrase();
    let email = Email::parse(CUSTOMER).map_err(msg)?;
    let hash = hasher.hash(&customer_pw).await?;
    let mut conn = db.pool.acquire().await?;
    let customer = match repo::user_by_email(&mut conn, &email).await? {
        Some(u) => {
            repo::set_password(&mut conn, &u.id, &hash, None).await?;
            u.id
        }
        None => AuthService::create_customer(db, &email, &hash).await?.ok_or_else(|| msg("the demo customer appeared meanwhile"))?,
    };
    // The demo's address cannot receive mail: it is taken as confirmed.
    repo::confirm_email(&mut conn, &customer, &email, crate::db::now_ms()).await?;
    drop(conn);
    let support_email = Email::parse(SUPPORT).map_err(msg)?;
    AuthService::upsert_staff(db, hasher, &support_email, Role::Support, &NewPassword::parse(&support_pw).map_err(msg)?).await?;

    // The demo customer, as any request of theirs would resolve (no session needed to seed).
    let principal = Principal {
        user_id: customer.clone(),
        email,
        role: Role::Customer,
        session_id: app::model::SessionId::new_random(),
        two_factor: false,
        email_verified: true,
        customer_id: Some(CustomerId::of_user(&customer)),
        support: None,
        client: ClientInfo::default(),
        staff_two_factor_required: true,
        email_verification_required: false,
    };
    match InstancesPort::list(&app.instances, &principal).await {
        Ok(list) if list.instances.is_empty() => {
            if let Err(e) = deploy_examples(app, &principal).await {
                tracing::warn!(error = %format!("{e:#}"), "demo instances could not be created");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "demo customer's instances are unavailable"),
    }
    println!("\nDemo accounts (passwords are new on every start):");
    println!("  customer  {CUSTOMER}  {customer_pw}");
    println!("  support   {SUPPORT}  {support_pw}   (turn on two-factor sign-in under Account to use Support)\n");
    Ok(())
}

async fn deploy_examples(app: &Application, p: &Principal) -> anyhow::Result<()> {
    let writer = p.writer().map_err(msg)?;
    let zones = app.catalog.zones(p).await.map_err(msg)?;
    for (name, city, tier) in
        [("web-ams", "Amsterdam", Tier::Agile), ("db-tokyo", "Tokyo", Tier::Stamina), ("cache-miami", "Miami", Tier::Agile)]
    {
        let Some(zone) = zones.iter().find(|z| z.name == city) else {
            continue;
        };
        let offering = app.catalog.offerings(p, &zone.id).await.map_err(msg)?.into_iter().find(|o| o.tier == tier);
        let template = app.catalog.templates(p, &zone.id).await.map_err(msg)?.into_iter().next();
        let (Some(o), Some(t)) = (offering, template) else {
            continue;
        };
        let spec = DeploySpec {
            zone_id: zone.id.clone(),
            offering_id: o.id,
            image: app::api::instances::Image::Template(t.id),
            name: Hostname::parse(name).map_err(msg)?,
            ssh_key_name: None,
            security_group_ids: vec![],
            user_data: None,
            idempotency_key: IdempotencyKey::parse(&format!("demo-{name}")).map_err(msg)?,
        };
        app.instances.deploy(&writer.creator().map_err(msg)?, spec).await.map_err(msg)?;
    }
    Ok(())
}
