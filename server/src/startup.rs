//! Building and running the panel: data directory, database, master key, cloud (real or the embedded
//! simulator), services, router, background work. `main` and the integration tests both go through
//! `build`.

use crate::auth::{password::Hasher, AuthConfig, AuthService};
use crate::catalog::CatalogService;
use crate::cloud::{catalog::Catalog, client, ClientConfig, CloudStack, Credentials};
use crate::config::ServeArgs;
use crate::crypto::MasterKey;
use crate::db::{self, Db};
use crate::http::{self, serve, AppState, HttpSettings};
use crate::instances::Instances;
use crate::jobs::Jobs;
use crate::sim::{self, RunningSim, Simulator};
use crate::support::Support;
use crate::tenancy::Tenancy;
use anyhow::Context as _;
use app::model::Currency;
use app::ports::Ports;
use leptos::config::LeptosOptions;
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub struct Application {
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: serve::Limits,
    pub addr: SocketAddr,
    pub db: Db,
    /// The embedded simulator, when no cloud is configured.
    pub sim: Option<RunningSim>,
    pub catalog: CatalogService,
    pub instances: Instances,
    pub jobs: Jobs,
    pub auth: AuthService,
    pub directory: Arc<crate::directory::Directory>,
    directory_sweep: Duration,
    pub billing: Arc<crate::billing::Billing>,
    usage_ingest: Duration,
    /// Reverse DNS records, and the embedded DNS server answering for them (when it runs).
    pub ptrs: crate::dns::records::Records,
    dns_server: Option<crate::dns::authority::Running>,
    pub dns_addr: Option<SocketAddr>,
    dns_reconcile: Duration,
    sampler: crate::metrics::sampler::Sampler,
    metrics_sample: Duration,
    /// Where mail goes (tests read the `.eml` files or point it at their SMTP server).
    pub mail: Arc<crate::mail::MailSettings>,
    pub open_connections: serve::OpenConnections,
    pub draining: serve::Draining,
    shutdown: tokio::sync::watch::Sender<bool>,
}

/// Site files as cargo-leptos lays them out (`LEPTOS_SITE_ROOT` and `LEPTOS_SITE_PKG_DIR` override,
/// as at run time). The output name is always `zenith` (see `.cargo/config.toml`).
pub fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let var = |k: &str, default: &str| std::env::var(k).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string());
    LeptosOptions::builder()
        .output_name("zenith")
        .site_root(var("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(addr)
        .build()
}

/// The files every page references must exist, or no page would ever come alive in a browser: the
/// panel's bundle and stylesheet, and the sign-in pages' bundle (see `app::bundle`).
pub fn check_site(site: &LeptosOptions) -> anyhow::Result<()> {
    let pkg = Path::new(site.site_root.as_ref()).join(site.site_pkg_dir.as_ref());
    let panel = &*site.output_name;
    let missing: Vec<String> = [(panel, "js"), (panel, "wasm"), (panel, "css"), (app::bundle::PUBLIC, "js"), (app::bundle::PUBLIC, "wasm")]
        .iter()
        .map(|(name, ext)| pkg.join(format!("{name}.{ext}")))
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "the site files are missing ({}): the pages would load but never come alive. Build the site with \
         `bash .ci/build` (cargo leptos build --release) and start target/release/zenith from the project's root, \
         or point LEPTOS_SITE_ROOT at the built site",
        missing.join(", ")
    );
    Ok(())
}

impl Application {
    pub async fn build(args: ServeArgs, site: LeptosOptions) -> anyhow::Result<Application> {
        if !args.no_site_check {
            check_site(&site)?;
        }
        crate::data_dir::prepare(&args.db.data_dir)?;
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
        let currency = Currency::parse(&args.currency).map_err(anyhow::Error::msg)?;
        let catalog = CatalogService::new(db.clone(), Arc::new(Catalog::new(admin.clone(), Duration::from_secs(60))), currency);
        let tenancy = Arc::new(Tenancy::new(db.clone(), admin, catalog.catalog.clone(), key.clone(), args.cloud.cloudstack_domain.clone()));
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let threads = if args.hash_concurrency == 0 { (cores / 2).max(1) } else { args.hash_concurrency };
        let hasher = Hasher::with_reserve(threads, args.hash_queue, args.hash_reserved);
        let listener = tokio::net::TcpListener::bind(args.addr).await.with_context(|| format!("binding {}", args.addr))?;
        let addr = listener.local_addr()?;
        let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
        let mail = Arc::new(crate::mail::MailSettings {
            from: args.mail.mail_from.parse().map_err(|e| anyhow::anyhow!("ZENITH_MAIL_FROM is not an address: {e}"))?,
            transport: crate::mail::Transport::new(args.mail.smtp_url.as_deref(), &args.db.data_dir)?,
            provider: args.mail.provider_name.clone(),
            public_url: public_url.trim_end_matches('/').to_string(),
            announce_links: args.demo,
        });
        tracing::info!(transport = ?mail.transport, "mail");
        let auth = AuthService::new(
            db.clone(),
            hasher,
            key,
            AuthConfig {
                idle: Duration::from_secs(args.session_idle_minutes * 60),
                absolute: Duration::from_secs(args.session_max_hours * 3600),
                staff_require_2fa: args.staff_require_2fa,
                signups_per_address_per_hour: args.signup_per_address_per_hour,
                signups_per_hour: args.signup_per_hour,
                email_verification_required: args.mail.verification_required(),
            },
            tenancy.clone(),
            mail.clone(),
        );
        let pattern = crate::dns::reverse::DefaultPattern::parse(&args.dns.ptr_default).map_err(anyhow::Error::msg)?;
        let pdns = match args.dns.pdns_url.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(url) => {
                let key = args.dns.pdns_api_key.clone().context("ZENITH_PDNS_API_KEY is required with ZENITH_PDNS_URL")?;
                Some(crate::dns::pdns::PowerDns::new(url, &SecretString::from(key), &args.dns.pdns_server_id)?)
            }
            None => None,
        };
        let ptrs = crate::dns::records::Records::new(db.clone(), catalog.clone(), pdns, &args.dns.dns_nameservers, pattern);
        let jobs = Jobs::new(db.clone(), tenancy.clone(), catalog.clone(), mail.clone(), ptrs.clone());
        let snapshots = crate::snapshots::Snapshots::new(db.clone(), tenancy.clone(), catalog.clone());
        let history = crate::metrics::HistorySupport::default();
        let sampler = crate::metrics::sampler::Sampler::new(db.clone(), tenancy.admin().clone(), catalog.clone(), history.clone());
        let instances = Instances::new(
            db.clone(),
            tenancy.clone(),
            catalog.clone(),
            jobs.clone(),
            snapshots.clone(),
            Duration::from_millis(args.cloud.zone_deadline_ms),
            {
                // The relay is the panel's own address, as a WebSocket.
                let base = public_url.trim_end_matches('/');
                let ws =
                    base.strip_prefix("https://").map(|r| format!("wss://{r}")).unwrap_or_else(|| base.replacen("http://", "ws://", 1));
                format!("{ws}/console/relay")
            },
        );
        let directory = Arc::new(crate::directory::Directory::new(db.clone(), tenancy.admin().clone(), catalog.catalog.clone()));
        let support = Arc::new(Support::new(db.clone(), auth.clone(), instances.clone(), directory.clone()));
        let vat = crate::billing::VatRate::parse(&args.vat_percent).map_err(anyhow::Error::msg)?;
        let billing =
            Arc::new(crate::billing::Billing::new(db.clone(), tenancy.clone(), catalog.catalog.clone(), currency, vat, mail.clone()));
        let firewall = crate::firewall::Firewall::new(db.clone(), tenancy.clone());
        let reverse_dns =
            crate::dns::ReverseDns::new(ptrs.clone(), instances.clone(), crate::dns::forward::Forward::new(args.dns.dns_resolver)?);
        let dns_server = match args.dns.embedded_addr()? {
            None => None,
            Some(at) => {
                let authority = crate::dns::authority::Authority::new(db.clone(), &args.dns.dns_nameservers)?;
                match crate::dns::authority::listen(authority, at).await {
                    Ok(running) => {
                        tracing::info!(addr = %running.addr, "embedded DNS server answering for the reverse zones");
                        Some(running)
                    }
                    // Another server on this host answers already (two panels behind one balancer):
                    // the records are the same, so this one serves the panel without it.
                    Err(e) => {
                        tracing::warn!(error = %e, addr = %at, "the embedded DNS server could not listen; set ZENITH_DNS_ADDR (or ZENITH_PDNS_URL)");
                        None
                    }
                }
            }
        };
        let keys = crate::keys::Keys::new(db.clone(), tenancy.clone());
        let ports = Ports {
            auth: Arc::new(auth.clone()),
            account: Arc::new(auth.clone()),
            catalog: Arc::new(catalog.clone()),
            instances: Arc::new(instances.clone()),
            firewall: Arc::new(firewall),
            keys: Arc::new(keys),
            support: support.clone(),
            billing: billing.clone(),
            notifications: Arc::new(crate::notifications::NotificationsService::new(db.clone(), currency)),
            dns: Arc::new(reverse_dns),
            snapshots: Arc::new(snapshots),
            metrics: Arc::new(crate::metrics::Metrics::new(db.clone(), tenancy.clone(), history.clone(), args.metrics_sample_secs)),
        };

        let settings = Arc::new(HttpSettings {
            public_origin: origin_of(&public_url)?,
            local: args.public_url.is_none() && addr.ip().is_loopback(),
            secure_cookies: public_url.starts_with("https://"),
            session_idle: Duration::from_secs(args.session_idle_minutes * 60),
            trusted_proxies: args.trusted_proxies.clone(),
            body_timeout: Duration::from_secs(args.limits.body_timeout_secs),
        });
        let limits = serve::Limits {
            max_connections: args.limits.max_connections,
            header_timeout: Duration::from_secs(args.limits.header_timeout_secs),
            idle_timeout: Duration::from_secs(args.limits.idle_timeout_secs),
            drain: Duration::from_secs(args.limits.shutdown_grace_secs),
            drain_delay: Duration::from_secs(args.limits.shutdown_delay_secs),
        };
        let mut site = site;
        site.site_addr = addr;
        let open_connections = serve::OpenConnections::default();
        let draining = serve::Draining::default();
        let scrape = crate::telemetry::metrics::Scrape {
            allow: Arc::new(args.metrics_allow.clone()),
            open_connections: open_connections.clone(),
            hash_queue: {
                let auth = auth.clone();
                Arc::new(move || auth.hasher().queue_depth())
            },
            draining: draining.clone(),
        };
        // Installed before the first request, so every series exists from the start.
        crate::telemetry::metrics::recorder();
        let router = http::router(
            AppState { leptos_options: site, db: db.clone(), ports, support, billing: billing.clone(), draining: draining.clone(), scrape },
            settings,
        );
        let (shutdown, _) = tokio::sync::watch::channel(false);
        Ok(Application {
            listener,
            router,
            limits,
            addr,
            db,
            sim,
            catalog,
            instances,
            jobs,
            auth,
            directory,
            directory_sweep: Duration::from_secs(args.directory_sweep_secs),
            billing,
            usage_ingest: Duration::from_secs(args.usage_ingest_secs),
            dns_addr: dns_server.as_ref().map(|d| d.addr),
            dns_server,
            ptrs,
            dns_reconcile: Duration::from_secs(args.dns.dns_reconcile_secs),
            sampler,
            metrics_sample: Duration::from_secs(args.metrics_sample_secs),
            mail,
            open_connections,
            draining,
            shutdown,
        })
    }

    /// Serves until SIGINT/SIGTERM (or the future passed completes), then stops cleanly.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_with_shutdown(shutdown_signal()).await
    }

    pub async fn run_with_shutdown(self, stop: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Application {
            listener,
            router,
            limits,
            db,
            sim,
            jobs,
            instances,
            directory,
            directory_sweep,
            billing,
            usage_ingest,
            mail,
            ptrs,
            dns_server,
            dns_reconcile,
            sampler,
            metrics_sample,
            shutdown,
            open_connections,
            draining,
            ..
        } = self;
        let workers = crate::worker::spawn(
            crate::worker::Work {
                db,
                jobs,
                instances,
                directory,
                directory_sweep,
                billing,
                usage_ingest,
                mail,
                ptrs,
                dns_reconcile,
                sampler,
                metrics_sample,
            },
            &shutdown,
        );
        serve::serve(listener, router, limits, open_connections, draining, stop).await?;
        let _ = shutdown.send(true);
        if let Some(dns) = dns_server {
            dns.stop().await;
        }
        for w in workers {
            if let Err(e) = w.await {
                tracing::warn!(error = %e, "a background task ended badly");
            }
        }
        if let Some(s) = sim {
            s.stop().context("saving the simulator's state")?;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

fn origin_of(url: &str) -> anyhow::Result<url::Origin> {
    let u = url::Url::parse(url).context("ZENITH_PUBLIC_URL must be a URL starting with http:// or https://")?;
    anyhow::ensure!(u.scheme() == "http" || u.scheme() == "https", "ZENITH_PUBLIC_URL must start with http:// or https://");
    anyhow::ensure!(u.host().is_some(), "ZENITH_PUBLIC_URL has no host");
    anyhow::ensure!(u.username().is_empty() && u.password().is_none(), "ZENITH_PUBLIC_URL must not carry a user or password");
    Ok(u.origin())
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
        assert_eq!(origin_of("https://panel.example.com/some/path").unwrap().ascii_serialization(), "https://panel.example.com");
        assert_eq!(origin_of("http://127.0.0.1:3000").unwrap().ascii_serialization(), "http://127.0.0.1:3000");
        assert!(origin_of("https://user@panel.example.com").is_err());
        assert!(origin_of("panel.example.com").is_err());
    }

    #[test]
    fn a_missing_site_is_refused_with_the_command_that_builds_it() {
        let dir = std::env::temp_dir().join(format!("zenith-site-{}", uuid::Uuid::new_v4().simple()));
        let site = LeptosOptions::builder().output_name("zenith").site_root(dir.display().to_string()).site_pkg_dir("pkg").build();
        let e = check_site(&site).unwrap_err().to_string();
        assert!(e.contains("zenith.wasm") && e.contains("cargo leptos build"), "{e}");
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        for ext in ["js", "wasm", "css"] {
            std::fs::write(dir.join("pkg").join(format!("zenith.{ext}")), b"x").unwrap();
        }
        let e = check_site(&site).unwrap_err().to_string();
        assert!(e.contains("public.wasm") && !e.contains("zenith.wasm"), "the sign-in pages' bundle is part of the site: {e}");
        for ext in ["js", "wasm"] {
            std::fs::write(dir.join("pkg").join(format!("public.{ext}")), b"x").unwrap();
        }
        assert!(check_site(&site).is_ok());
        std::fs::remove_dir_all(dir).ok();
    }
}
