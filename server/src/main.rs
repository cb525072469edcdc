//! `zenith`: serve (the default), sim, migrate, staff add. See `zenith --help`.

use anyhow::Context as _;
use app::model::{Email, NewPassword, Role};
use clap::Parser;
use server::config::{Cli, Command, PricesCommand, StaffCommand, StaffRole};
use server::startup::{leptos_options, Application};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(*args).await,
        Some(Command::Sim(args)) => {
            server::telemetry::init(args.log_format);
            let sim = server::sim::Simulator::open(args.tuning.sim_config(&args.data_dir))?;
            if sim.generated_admin_keys() {
                let (k, s) = sim.admin_credentials();
                // Shown once, to the operator who started it; also kept in the state file.
                println!("Generated simulator admin credentials:\n  ZENITH_SIM_API_KEY={k}\n  ZENITH_SIM_SECRET_KEY={s}");
            }
            let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
            let running = server::sim::spawn(sim.clone(), listener).await?;
            println!("CloudStack simulator listening on {}", running.endpoint());
            server::startup::shutdown_signal().await;
            running.stop()?;
            Ok(())
        }
        Some(Command::Migrate(db)) => {
            server::telemetry::init(server::config::LogFormat::Text);
            let db = server::db::connect(&db.url()).await?;
            db.migrate().await?;
            println!("database is up to date");
            Ok(())
        }
        Some(Command::Staff { command: StaffCommand::Add { email, role, db } }) => {
            server::telemetry::init(server::config::LogFormat::Text);
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("reading the password from stdin")?;
            let password = NewPassword::parse(line.trim_end_matches(['\r', '\n'])).map_err(anyhow::Error::msg)?;
            let role = match role {
                StaffRole::Support => Role::Support,
                StaffRole::Admin => Role::Admin,
            };
            server::data_dir::prepare(&db.data_dir)?;
            let db = server::db::connect(&db.url()).await?;
            db.migrate().await?;
            let hasher = server::auth::password::Hasher::new(1, 1);
            let created = server::auth::AuthService::upsert_staff(&db, &hasher, &email, role, &password).await?;
            println!("{} {} ({})", if created { "created" } else { "updated" }, email, role.as_str());
            Ok(())
        }
        Some(Command::Prices { command: PricesCommand::Import { file, currency, db } }) => {
            server::telemetry::init(server::config::LogFormat::Text);
            let currency = app::model::Currency::parse(&currency).map_err(anyhow::Error::msg)?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let prices = server::billing::prices::parse(&file.display().to_string(), &text, currency).map_err(anyhow::Error::msg)?;
            server::data_dir::prepare(&db.data_dir)?;
            let db = server::db::connect(&db.url()).await?;
            db.migrate().await?;
            let n = server::billing::prices::import(&db, &prices).await?;
            println!("{n} prices imported");
            Ok(())
        }
        Some(Command::Staff { command: StaffCommand::Remove { email, db } }) => {
            server::telemetry::init(server::config::LogFormat::Text);
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            let db = server::db::connect(&db.url()).await?;
            db.migrate().await?;
            server::auth::AuthService::remove_staff(&db, &email).await?;
            println!("removed {email}");
            Ok(())
        }
        Some(Command::Mail { command }) => {
            server::telemetry::init(server::config::LogFormat::Text);
            server::mail::cli::run(command).await
        }
    }
}

async fn serve(args: server::config::ServeArgs) -> anyhow::Result<()> {
    server::telemetry::init(args.log_format);
    let demo = args.demo;
    let app = Application::build(args, leptos_options(([127, 0, 0, 1], 3000).into())).await?;
    if demo {
        server::demo::seed(&app).await?;
    }
    tracing::info!(addr = %app.addr, "Zenith is listening");
    println!("Zenith is running at http://{}", app.addr);
    app.run_until_stopped().await
}
