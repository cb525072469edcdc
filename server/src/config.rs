//! Configuration: one clap tree, every option also a `ZENITH_*` environment variable, all of it
//! documented by `zenith --help` (and `zenith <command> --help`).

use app::model::firewall::Cidr;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "zenith",
    version,
    about = "Zenith — a self-service control panel for Apache CloudStack clouds",
    long_about = "Zenith — a self-service control panel for Apache CloudStack clouds.\n\n\
        With no configuration it runs on embedded defaults: a SQLite database and an embedded CloudStack \
        simulator (five zones) under ./data. Set ZENITH_CLOUDSTACK_URL and the admin keys to use a real cloud, \
        and ZENITH_DATABASE_URL=postgres://… to share state between several servers.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `zenith` alone is `zenith serve`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the panel (the default).
    Serve(Box<ServeArgs>),
    /// Run the CloudStack simulator alone.
    Sim(SimArgs),
    /// Apply database migrations and exit.
    Migrate(DbArgs),
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Manage the price list.
    Prices {
        #[command(subcommand)]
        command: PricesCommand,
    },
    /// Look at the outbox: what was sent, what waits, and why.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum MailCommand {
    /// The newest messages: id, when, to, kind, state (sent, waiting with its last error, given up).
    List {
        /// How many.
        #[arg(long, default_value_t = 50)]
        last: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// One message, as it was queued (headers and the plain-text part).
    Show {
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Where mail goes.
#[derive(Args, Debug, Clone)]
pub struct MailArgs {
    /// The SMTP server, e.g. `smtp://user:pass@mail.example.net:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@mail.example.net` (implicit TLS). Unset: each message is written as an
    /// `.eml` file under DATA_DIR/mail/ (`zenith mail list` prints them).
    #[arg(long, env = "ZENITH_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of every message, e.g. `Example Cloud <noreply@example.net>`.
    #[arg(long, env = "ZENITH_MAIL_FROM", default_value = "Zenith <noreply@localhost>")]
    pub mail_from: String,
    /// The provider's name in messages.
    #[arg(long, env = "ZENITH_PROVIDER_NAME", default_value = "Zenith")]
    pub provider_name: String,
    /// Whether a customer must confirm the address by its mailed link before deploying: `required`
    /// (the default when ZENITH_SMTP_URL is set) or `optional` (the default with `.eml` files: the
    /// link is offered, deploys are not held).
    #[arg(long, env = "ZENITH_EMAIL_VERIFICATION", value_enum)]
    pub email_verification: Option<EmailVerification>,
}

/// Reverse DNS: PowerDNS when configured, else Zenith's own DNS server.
#[derive(Args, Debug, Clone)]
pub struct DnsArgs {
    /// PowerDNS Authoritative's API base URL (`http://127.0.0.1:8081`; Zenith adds `/api/v1/…`).
    /// Unset: Zenith answers for its reverse zones itself on ZENITH_DNS_ADDR.
    #[arg(long, env = "ZENITH_PDNS_URL")]
    pub pdns_url: Option<String>,
    /// PowerDNS's API key (its `api-key`).
    #[arg(long, env = "ZENITH_PDNS_API_KEY", hide_env_values = true)]
    pub pdns_api_key: Option<String>,
    /// PowerDNS's server id in API paths.
    #[arg(long, env = "ZENITH_PDNS_SERVER_ID", default_value = "localhost")]
    pub pdns_server_id: String,
    /// Where the embedded DNS server listens (UDP and TCP) when no PowerDNS is configured; `off` for none.
    #[arg(long, env = "ZENITH_DNS_ADDR", default_value = "127.0.0.1:5353")]
    pub dns_addr: String,
    /// The resolver that confirms customers' names forward (`ip:port`) [default: the system's].
    #[arg(long, env = "ZENITH_DNS_RESOLVER")]
    pub dns_resolver: Option<SocketAddr>,
    /// Seconds between reverse DNS reconciliations (one server at a time): PTRs lost or changed in
    /// PowerDNS are put back, records of addresses nobody holds removed.
    #[arg(long, env = "ZENITH_DNS_RECONCILE_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub dns_reconcile_secs: u64,
    /// Every address's default PTR: `{address}` (or `{ipv4_dashed}`/`{ipv6_dashed}`) is the address
    /// with dashes, `{zone}` the cloud zone's name as a label.
    #[arg(long, env = "ZENITH_PTR_DEFAULT", default_value = crate::dns::reverse::DefaultPattern::DEFAULT)]
    pub ptr_default: String,
    /// The reverse zones' name servers (comma-separated host names), in their NS and SOA records.
    #[arg(long, env = "ZENITH_DNS_NAMESERVERS", value_delimiter = ',', default_value = "ns1.zenith.test")]
    pub dns_nameservers: Vec<String>,
}

impl DnsArgs {
    /// The embedded server's address, unless it is `off` or PowerDNS serves the zones.
    pub fn embedded_addr(&self) -> anyhow::Result<Option<SocketAddr>> {
        if self.pdns_url.as_deref().is_some_and(|u| !u.trim().is_empty()) || self.dns_addr.trim().eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        self.dns_addr.trim().parse().map(Some).map_err(|_| anyhow::anyhow!("ZENITH_DNS_ADDR {:?} is not ip:port (or off)", self.dns_addr))
    }
}

/// `ZENITH_EMAIL_VERIFICATION`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailVerification {
    Required,
    Optional,
}

impl MailArgs {
    /// Whether deploys wait for a confirmed address: as configured, else only when mail can reach
    /// the customer (an SMTP server is set).
    pub fn verification_required(&self) -> bool {
        match self.email_verification {
            Some(v) => v == EmailVerification::Required,
            None => self.smtp_url.as_deref().is_some_and(|u| !u.trim().is_empty()),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum PricesCommand {
    /// Load prices from a CSV file (`offering,hourly_minor,monthly_cap_minor[,currency]`) or a TOML
    /// file (`[[price]]` tables with the same keys). The file is checked whole first; offerings it
    /// does not name keep their prices.
    Import {
        /// The price file (`.csv` or `.toml`).
        file: PathBuf,
        /// Currency the panel bills in; the file must match it.
        #[arg(long, env = "ZENITH_CURRENCY", default_value = "EUR")]
        currency: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum StaffCommand {
    /// Create a staff account, or reset its password and role. The password is read from stdin.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: StaffRole,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Remove a staff member: the account is disabled, its sessions and any support session it holds
    /// end at once (the audit log keeps everything it did).
    Remove {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffRole {
    /// Finds customers and opens audited support sessions.
    Support,
    /// Support, plus billing administration.
    Admin,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Directory for the embedded database, the simulator's state and the generated secret key.
    #[arg(long, env = "ZENITH_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL, `sqlite://PATH` or `postgres://…` [default: SQLite file zenith.db in the data dir].
    #[arg(long, env = "ZENITH_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DbArgs {
    pub fn url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            let path = std::path::absolute(self.data_dir.join("zenith.db")).unwrap_or_else(|_| self.data_dir.join("zenith.db"));
            format!("sqlite://{}", path.display())
        })
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "ZENITH_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// The URL customers use to reach the panel. Decides the session cookie's Secure flag and
    /// `__Host-` prefix (https) and the origin state-changing requests must come from [default: http://ADDR].
    #[arg(long, env = "ZENITH_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seed a demo customer (with instances) and a support user, and print their credentials.
    #[arg(long, env = "ZENITH_DEMO")]
    pub demo: bool,
    /// 64 hex characters: the master key that encrypts CloudStack keys and TOTP secrets at rest.
    /// Generated into DATA_DIR/secret.key on first run when unset; set it (the same on every server)
    /// when several servers share one database.
    #[arg(long, env = "ZENITH_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    #[command(flatten)]
    pub cloud: CloudArgs,
    /// Where the embedded simulator listens when no cloud is configured [default: a free loopback port].
    #[arg(long, env = "ZENITH_SIM_ADDR")]
    pub sim_addr: Option<SocketAddr>,
    #[command(flatten)]
    pub mail: MailArgs,
    #[command(flatten)]
    pub dns: DnsArgs,
    #[command(flatten)]
    pub sim: SimTuning,
    /// Proxies whose X-Forwarded-For is trusted for the client address (comma-separated IPs).
    #[arg(long, env = "ZENITH_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    /// Staff must enable two-factor sign-in before using the support area.
    #[arg(long, env = "ZENITH_STAFF_REQUIRE_2FA", default_value_t = true, action = ArgAction::Set)]
    pub staff_require_2fa: bool,
    /// Sessions end after this long without a request.
    #[arg(long, env = "ZENITH_SESSION_IDLE_MINUTES", default_value_t = 720)]
    pub session_idle_minutes: u64,
    /// Sessions end this long after sign-in, however active.
    #[arg(long, env = "ZENITH_SESSION_MAX_HOURS", default_value_t = 168)]
    pub session_max_hours: u64,
    /// How many password hashes may be computed at once (each takes ~19 MiB and a core for ~50 ms);
    /// 0 means half the cores. More threads do not verify faster when the panel is busy, they only
    /// crowd the memory the panel's requests need.
    #[arg(long, env = "ZENITH_HASH_CONCURRENCY", default_value_t = 0)]
    pub hash_concurrency: usize,
    /// How many sign-ins may wait for a hashing thread; beyond that the answer is 503 with
    /// Retry-After at once, so a flood cannot make a real sign-in wait behind it.
    #[arg(long, env = "ZENITH_HASH_QUEUE", default_value_t = 32)]
    pub hash_queue: usize,
    /// Hashing threads reserved for sign-ins from browsers that signed in to the account before
    /// (their device cookie), with a queue of their own: a flood of attempts from new browsers cannot
    /// lock returning customers out. 0 reserves none.
    #[arg(long, env = "ZENITH_HASH_RESERVED", default_value_t = 1)]
    pub hash_reserved: usize,
    /// Sign-ups allowed per client address (IPv6 per /64) per hour: an office signing up its team
    /// passes, a script making accounts does not.
    #[arg(long, env = "ZENITH_SIGNUP_PER_ADDRESS_PER_HOUR", default_value_t = 10)]
    pub signup_per_address_per_hour: u32,
    /// Sign-ups allowed in total per hour.
    #[arg(long, env = "ZENITH_SIGNUP_PER_HOUR", default_value_t = 200)]
    pub signup_per_hour: u32,
    /// Seconds between sweeps of the instance directory (support's search by instance name, id or
    /// address; one server sweeps at a time). A search for an address it does not know sweeps at once.
    #[arg(long, env = "ZENITH_DIRECTORY_SWEEP_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub directory_sweep_secs: u64,
    #[command(flatten)]
    pub limits: ConnectionLimits,
    /// Start even when the site files (wasm, JavaScript, CSS) are missing. Only for running the API
    /// without its pages, as the integration tests do: pages then never come alive.
    #[arg(long, env = "ZENITH_NO_SITE_CHECK")]
    pub no_site_check: bool,
    /// Currency of the price list.
    #[arg(long, env = "ZENITH_CURRENCY", default_value = "EUR")]
    pub currency: String,
    /// VAT added to statements, in percent (up to two decimals: 21, 20.5, 0).
    #[arg(long, env = "ZENITH_VAT_PERCENT", default_value = "21")]
    pub vat_percent: String,
    /// Seconds between usage ingestion passes (one server ingests at a time; admins can also run a
    /// pass at once from the API).
    #[arg(long, env = "ZENITH_USAGE_INGEST_SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub usage_ingest_secs: u64,
    /// Seconds between the panel's own samples of every running instance's counters, for the graphs
    /// on clouds without `listVirtualMachinesUsageHistory` (before CloudStack 4.18; one server
    /// samples at a time; kept 30 days).
    #[arg(long, env = "ZENITH_METRICS_SAMPLE_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(10..=3_600))]
    pub metrics_sample_secs: u64,
    /// Networks that may read `/metrics` (comma-separated CIDRs, as the client address is resolved:
    /// through `ZENITH_TRUSTED_PROXIES`). Everyone else gets 404.
    #[arg(long, env = "ZENITH_METRICS_ALLOW", value_delimiter = ',', default_value = "127.0.0.0/8,::1/128", value_parser = parse_cidr)]
    pub metrics_allow: Vec<Cidr>,
    /// Log format.
    #[arg(long, env = "ZENITH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

fn parse_cidr(raw: &str) -> Result<Cidr, String> {
    Cidr::parse(raw).map_err(|e| e.to_string())
}

/// Limits on connections, so slow or idle clients cannot hold the server.
#[derive(Args, Debug, Clone)]
pub struct ConnectionLimits {
    /// Connections open at once; more wait in the listen backlog.
    #[arg(long, env = "ZENITH_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "ZENITH_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds a client may take to send a request's body.
    #[arg(long, env = "ZENITH_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// Seconds a kept-alive connection may sit idle before the server closes it.
    #[arg(long, env = "ZENITH_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,
    /// Seconds a stopping server lets in-flight requests finish before it exits.
    #[arg(long, env = "ZENITH_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,
    /// Seconds a stopping server keeps accepting while `/readyz` answers 503, so a load balancer
    /// takes it out of rotation before its port closes. Set it above the balancer's health-check
    /// interval × fall count (HAProxy `inter 1s fall 2`: 3).
    #[arg(long, env = "ZENITH_SHUTDOWN_DELAY_SECS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub shutdown_delay_secs: u64,
}

#[derive(Args, Debug, Clone)]
pub struct CloudArgs {
    /// CloudStack API endpoint, e.g. https://cloud.example.com/client/api [default: the embedded simulator].
    #[arg(long, env = "ZENITH_CLOUDSTACK_URL")]
    pub cloudstack_url: Option<String>,
    /// Root admin API key (onboarding, catalogue, usage).
    #[arg(long, env = "ZENITH_CLOUDSTACK_API_KEY", hide_env_values = true)]
    pub cloudstack_api_key: Option<String>,
    /// Root admin secret key.
    #[arg(long, env = "ZENITH_CLOUDSTACK_SECRET_KEY", hide_env_values = true)]
    pub cloudstack_secret_key: Option<String>,
    /// CloudStack domain customer accounts are created in.
    #[arg(long, env = "ZENITH_CLOUDSTACK_DOMAIN", default_value = "customers")]
    pub cloudstack_domain: String,
    /// Seconds to wait for a connection to CloudStack.
    #[arg(long, env = "ZENITH_CLOUDSTACK_CONNECT_TIMEOUT", default_value_t = 5)]
    pub connect_timeout_secs: u64,
    /// Seconds to wait for any one CloudStack answer.
    #[arg(long, env = "ZENITH_CLOUDSTACK_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Milliseconds a page waits for one zone before showing it as unavailable.
    #[arg(long, env = "ZENITH_ZONE_DEADLINE_MS", default_value_t = 4000)]
    pub zone_deadline_ms: u64,
}

/// Simulator knobs, read by `zenith serve` (embedded) and `zenith sim` alike.
#[derive(Args, Debug, Clone)]
pub struct SimTuning {
    /// The simulator's root admin API key [default: generated, kept in its state].
    #[arg(long, env = "ZENITH_SIM_API_KEY", hide_env_values = true)]
    pub sim_api_key: Option<String>,
    /// The simulator's root admin secret key.
    #[arg(long, env = "ZENITH_SIM_SECRET_KEY", hide_env_values = true)]
    pub sim_secret_key: Option<String>,
    /// How long simulated async jobs take, in milliseconds.
    #[arg(long, env = "ZENITH_SIM_JOB_MS", default_value_t = 2500)]
    pub sim_job_ms: u64,
    /// Milliseconds added to every simulated API call.
    #[arg(long, env = "ZENITH_SIM_LATENCY_MS", default_value_t = 0)]
    pub sim_latency_ms: u64,
    /// Comma-separated zone names whose calls fail as an unreachable zone's would.
    #[arg(long, env = "ZENITH_SIM_DOWN_ZONES", default_value = "")]
    pub sim_down_zones: String,
    /// Comma-separated IPv4 CIDRs, one pool per zone in turn [default: the RFC 5737 documentation ranges].
    #[arg(long, env = "ZENITH_SIM_IPV4_POOLS", value_delimiter = ',')]
    pub sim_ipv4_pools: Vec<String>,
    /// The simulated cloud's `default.page.size` (largest page a list call may ask for). Below
    /// CloudStack's 500 by default, so clients are exercised against a cloud that lowered it.
    #[arg(long, env = "ZENITH_SIM_PAGE_SIZE", default_value_t = 200)]
    pub sim_page_size: usize,
}

#[derive(Args, Debug, Clone)]
pub struct SimArgs {
    /// Address the simulator listens on.
    #[arg(long, env = "ZENITH_SIM_ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory for the simulator's state.
    #[arg(long, env = "ZENITH_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub tuning: SimTuning,
    /// Log format.
    #[arg(long, env = "ZENITH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl SimTuning {
    pub fn sim_config(&self, data_dir: &std::path::Path) -> crate::sim::SimConfig {
        crate::sim::SimConfig {
            state_file: Some(data_dir.join("cloudstack-sim.json")),
            admin_key: self.sim_api_key.clone(),
            admin_secret: self.sim_secret_key.clone(),
            job_ms: self.sim_job_ms,
            latency_ms: self.sim_latency_ms,
            down_zones: crate::sim::zone_list(&self.sim_down_zones),
            page_size: self.sim_page_size,
            ipv4_pools: self.sim_ipv4_pools.iter().filter(|p| !p.trim().is_empty()).cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_consistent_and_every_option_shows_its_environment_variable() {
        Cli::command().debug_assert();
        let help = Cli::command().render_long_help().to_string();
        for var in
            ["ZENITH_ADDR", "ZENITH_DATA_DIR", "ZENITH_DATABASE_URL", "ZENITH_PUBLIC_URL", "ZENITH_CLOUDSTACK_URL", "ZENITH_SIM_JOB_MS"]
        {
            assert!(help.contains(var), "{var} missing from --help");
        }
    }

    #[test]
    fn no_subcommand_means_serve_with_the_documented_defaults() {
        let cli = Cli::try_parse_from(["zenith"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.addr.to_string(), "127.0.0.1:3000");
        assert!(cli.serve.db.url().starts_with("sqlite://") && cli.serve.db.url().ends_with("data/zenith.db"));
        let cli = Cli::try_parse_from(["zenith", "staff", "add", "--email", "a@b.c", "--role", "support"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Staff { .. })));
    }
}
