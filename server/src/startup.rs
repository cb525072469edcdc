//! Building and running the panel: database, master key, cloud (real or the embedded simulator),
//! services, router, background work. `main` and the integration tests both go through `build`.

use crate::auth::{password::Hasher, AuthConfig, AuthService};
use crate::cloud::{catalog::Catalog, client, ClientConfig, CloudStack, Credentials};
use crate::config::ServeArgs;
use crate::crypto::MasterKey;
use crate::db::{self, Db};
use crate::http::{self, AppState, HttpSettings};
use crate::instances::Instances;
use crate::sim::{self, RunningSim, Simulator};
use crate::tenancy::Tenancy;
use anyhow::Context as _;
use app::model::Currency;
use app::ports::Ports;
use leptos::config::LeptosOptions;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub struct Application {
    listener: tokio::net::TcpListener,
    router: axum::Router,
    pub addr: SocketAddr,
    pub db: Db,
    /// The embedded simulator, when no cloud is configured.
    pub sim: Option<RunningSim>,
    pub instances: Instances,
    pub auth: AuthService,
    shutdown: tokio::sync::watch::Sender<bool>,
}

/// Site files as cargo-leptos lays them out (`LEPTOS_*` variables override, as at run time).
pub fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let fallback = || LeptosOptions::builder().output_name("zenith").site_root("target/site").site_pkg_dir("pkg").build();
    // A binary built by plain cargo (tests, benches) has no output name baked in, and asking leptos for
    // its configuration then prints a misleading warning; ours is always `zenith`.
    let from_cargo_leptos = option_env!("LEPTOS_OUTPUT_NAME").is_some() || std::env::var_os("LEPTOS_OUTPUT_NAME").is_some();
    let mut opts = if from_cargo_leptos {
        leptos::config::get_configuration(None).map(|c| c.leptos_options).unwrap_or_else(|_| fallback())
    } else {
        fallback()
    };
    if opts.output_name.is_empty() {
        opts.output_name = "zenith".into();
    }
    opts.site_addr = addr;
    opts
}

impl Application {
    pub async fn build(args: ServeArgs, site: LeptosOptions) -> anyhow::Result<Application> {
        let db = db::connect(&args.db.url()).await?;
        db.migrate().await?;
        let key = MasterKey::load_or_create(args.secret_key.as_deref(), &args.db.data_dir)?;

        let cfg = Arc::new(ClientConfig {
            connect_timeout: Duration::from_secs(args.cloud.connect_timeout_secs),
            request_timeout: Duration::from_secs(args.cloud.request_timeout_secs),
            ..ClientConfig::default()
        });
        let http_client = client::http_client(&cfg);
        let (endpoint, creds, sim) = match &args.cloud.cloudstack_url {
            Some(url) => {
                let key =
                    args.cloud.cloudstack_api_key.clone().context("ZENITH_CLOUDSTACK_API_KEY is required with ZENITH_CLOUDSTACK_URL")?;
                let secret = args
                    .cloud
                    .cloudstack_secret_key
                    .clone()
                    .context("ZENITH_CLOUDSTACK_SECRET_KEY is required with ZENITH_CLOUDSTACK_URL")?;
                (url.clone(), Credentials { api_key: key, secret_key: SecretString::from(secret) }, None)
            }
            None => {
                let simulator = Simulator::open(args.sim.sim_config(&args.db.data_dir))?;
                let bind = args.sim_addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
                let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("binding the simulator to {bind}"))?;
                let running = sim::spawn(simulator, listener).await?;
                tracing::info!(endpoint = %running.endpoint(), "embedded CloudStack simulator listening (admin keys in the data dir's cloudstack-sim.json)");
                let (k, s) = running.sim.admin_credentials();
                (running.endpoint(), Credentials { api_key: k, secret_key: SecretString::from(s) }, Some(running))
            }
        };
        let admin = CloudStack::new(http_client, &endpoint, creds, cfg);
        let catalog = Arc::new(Catalog::new(admin.clone(), Duration::from_secs(60)));
        let tenancy = Arc::new(Tenancy::new(db.clone(), admin, key.clone(), args.cloud.cloudstack_domain.clone()));
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let hasher = Hasher::new(if args.hash_concurrency == 0 { (cores / 2).max(1) } else { args.hash_concurrency });
        let auth = AuthService::new(
            db.clone(),
            hasher,
            key,
            AuthConfig {
                idle: Duration::from_secs(args.session_idle_minutes * 60),
                absolute: Duration::from_secs(args.session_max_hours * 3600),
                staff_require_2fa: args.staff_require_2fa,
            },
            tenancy.clone(),
        );
        let currency = Currency::parse(&args.currency).map_err(anyhow::Error::msg)?;
        let instances = Instances::new(db.clone(), tenancy, catalog, Duration::from_millis(args.cloud.zone_deadline_ms), currency);
        let ports = Ports { auth: Arc::new(auth.clone()), account: Arc::new(auth.clone()), cloud: Arc::new(instances.clone()) };

        let listener = tokio::net::TcpListener::bind(args.addr).await.with_context(|| format!("binding {}", args.addr))?;
        let addr = listener.local_addr()?;
        let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
        let settings = Arc::new(HttpSettings {
            public_origin: origin_of(&public_url)?,
            secure_cookies: public_url.starts_with("https://"),
            session_idle: Duration::from_secs(args.session_idle_minutes * 60),
            trusted_proxies: args.trusted_proxies.clone(),
        });
        let mut site = site;
        site.site_addr = addr;
        let router = http::router(AppState { leptos_options: site, db: db.clone(), ports }, settings);
        let (shutdown, _) = tokio::sync::watch::channel(false);
        Ok(Application { listener, router, addr, db, sim, instances, auth, shutdown })
    }

    /// Serves until SIGINT/SIGTERM (or the future passed completes), then stops cleanly.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_with_shutdown(shutdown_signal()).await
    }

    pub async fn run_with_shutdown(self, stop: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Application { listener, router, db, sim, instances, shutdown, .. } = self;
        let workers = crate::worker::spawn(db, instances, &shutdown);
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(stop).await?;
        let _ = shutdown.send(true);
        for w in workers {
            let _ = w.await;
        }
        if let Some(s) = sim {
            s.sim.save().context("saving the simulator's state")?;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

fn origin_of(url: &str) -> anyhow::Result<String> {
    let (scheme, rest) = url.split_once("://").context("ZENITH_PUBLIC_URL must start with http:// or https://")?;
    anyhow::ensure!(scheme == "http" || scheme == "https", "ZENITH_PUBLIC_URL must start with http:// or https://");
    let host = rest.split('/').next().unwrap_or("");
    anyhow::ensure!(!host.is_empty(), "ZENITH_PUBLIC_URL has no host");
    Ok(format!("{scheme}://{host}"))
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_reduces_to_its_origin() {
        assert_eq!(origin_of("https://panel.example.com/some/path").unwrap(), "https://panel.example.com");
        assert_eq!(origin_of("http://127.0.0.1:3000").unwrap(), "http://127.0.0.1:3000");
        assert!(origin_of("panel.example.com").is_err());
    }
}
