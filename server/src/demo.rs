//! `--demo`: a customer with a few instances and a support user, with fresh passwords printed at
//! start. Everything goes through the same services as real traffic (sign-up, provisioning, deploy).

use crate::auth::{password::Hasher, AuthService};
use crate::startup::Application;
use app::model::{Email, EntityId, Hostname, IdempotencyKey, NewPassword, Role, Tier};
use app::ports::{CloudPort, DeploySpec, Principal, RequestCtx};
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

pub async fn seed(app: &Application) -> anyhow::Result<()> {
    let db = &app.db;
    let hasher = Hasher::new(1);
    let customer_pw = passphrase();
    let support_pw = passphrase();
    let hash = hasher.hash(&customer_pw).await?;
    let customer_id = match crate::auth::users::by_email(db, CUSTOMER).await? {
        Some(u) => {
            crate::auth::users::set_password(db, &u.id, &hash).await?;
            u.id
        }
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            let mut tx = db.pool.begin().await?;
            sqlx::query("INSERT INTO users (id, email, password_hash, role, created_at, password_changed_at) VALUES ($1, $2, $3, 'customer', $4, $4)")
                .bind(&id)
                .bind(CUSTOMER)
                .bind(&hash)
                .bind(crate::db::now_ms())
                .execute(&mut *tx)
                .await?;
            crate::tenancy::register(&mut tx, &id).await?;
            tx.commit().await?;
            id
        }
    };
    let support_email = Email::parse(SUPPORT).map_err(anyhow::Error::msg)?;
    AuthService::upsert_staff(db, &hasher, &support_email, Role::Support, &NewPassword::parse(&support_pw).map_err(anyhow::Error::msg)?)
        .await?;

    let principal = Principal {
        user_id: customer_id.clone(),
        email: Email::parse(CUSTOMER).map_err(anyhow::Error::msg)?,
        role: Role::Customer,
        session_id: String::new(),
        customer_id: Some(customer_id.clone()),
        read_only: false,
        two_factor: false,
    };
    match app.instances.list_instances(&principal).await {
        Ok(list) if list.instances.is_empty() => {
            if let Err(e) = deploy_examples(app, &principal).await {
                tracing::warn!(error = %e, "demo instances could not be created");
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
    let zones = app.instances.zones(p).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    // The session layer is not involved here; a detached session satisfies the port's signature.
    let ctx = RequestCtx {
        session: tower_sessions::Session::new(None, std::sync::Arc::new(tower_sessions::MemoryStore::default()), None),
        client: Default::default(),
    };
    for (name, city, tier) in
        [("web-ams", "Amsterdam", Tier::Agile), ("db-tokyo", "Tokyo", Tier::Stamina), ("cache-miami", "Miami", Tier::Agile)]
    {
        let Some(zone) = zones.iter().find(|z| z.name == city) else {
            continue;
        };
        let zone_id = EntityId::parse(&zone.id).map_err(anyhow::Error::msg)?;
        let offering = app.instances.offerings(p, &zone_id).await.map_err(|e| anyhow::anyhow!("{e}"))?.into_iter().find(|o| o.tier == tier);
        let template = app.instances.templates(p, &zone_id).await.map_err(|e| anyhow::anyhow!("{e}"))?.into_iter().next();
        let (Some(o), Some(t)) = (offering, template) else {
            continue;
        };
        let spec = DeploySpec {
            zone_id,
            offering_id: EntityId::parse(&o.id).map_err(anyhow::Error::msg)?,
            template_id: EntityId::parse(&t.id).map_err(anyhow::Error::msg)?,
            name: Hostname::parse(name).map_err(anyhow::Error::msg)?,
            ssh_key_name: None,
            security_group_ids: vec![],
            user_data: None,
            idempotency_key: IdempotencyKey::parse(&format!("demo-{name}")).map_err(anyhow::Error::msg)?,
        };
        app.instances.deploy(p, &ctx, spec).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}
