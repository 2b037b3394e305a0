//! The `momentum` command line: `serve` (default), `migrate`, `schema`, `practice create`.

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret as _, SecretString};

use crate::{
    config::Config,
    db, demo,
    practices::{self, domain::NewPractice},
    startup::Application,
    telemetry,
    values::{DisplayName, Email, NewPassword},
};

/// Momentum: the GraphQL API that keeps therapy clients moving between sessions.
#[derive(Parser, Debug)]
#[command(name = "momentum", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the HTTP server (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Manage practices.
    Practice {
        #[command(subcommand)]
        command: PracticeCommand,
    },
}

#[derive(clap::Args, Debug, Default)]
struct ServeArgs {
    /// Seed a demo practice (idempotently), enable GraphiQL, print the logins.
    #[arg(long)]
    demo: bool,
    /// Allow --demo against PostgreSQL.
    #[arg(long)]
    force_demo: bool,
}

#[derive(Subcommand, Debug)]
enum PracticeCommand {
    /// Create a practice and its first admin. The password comes from
    /// MOMENTUM_ADMIN_PASSWORD or standard input, never from an argument.
    Create {
        /// The practice's name.
        #[arg(long)]
        name: String,
        /// The admin's login email.
        #[arg(long)]
        admin_email: String,
        /// The admin's display name.
        #[arg(long, default_value = "Practice admin")]
        admin_name: String,
    },
}

/// Runs the command line.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    if let Command::Schema = command {
        print!("{}", crate::schema::sdl());
        return Ok(());
    }
    let config = Config::from_env()?;
    let telemetry = telemetry::init(config.log_json)?;
    let result = command_run(command, config).await;
    // The last spans and metrics are sent before the process ends.
    tokio::task::spawn_blocking(move || telemetry.shutdown())
        .await
        .ok();
    result
}

async fn command_run(command: Command, mut config: Config) -> anyhow::Result<()> {
    match command {
        Command::Schema => Ok(()),
        Command::Migrate => {
            let db = db::connect(&config)
                .await
                .context("cannot connect to the database")?;
            db::migrate(&db).await.context("migrations failed")?;
            println!("migrations applied");
            Ok(())
        }
        Command::Practice {
            command:
                PracticeCommand::Create {
                    name,
                    admin_email,
                    admin_name,
                },
        } => {
            let new = NewPractice {
                name: DisplayName::parse(&name, "--name")?,
                admin_email: Email::parse(&admin_email, "--admin-email")?,
                admin_name: DisplayName::parse(&admin_name, "--admin-name")?,
                admin_password: NewPassword::parse(
                    read_admin_password()?.expose_secret(),
                    "MOMENTUM_ADMIN_PASSWORD",
                )?,
            };
            let db = db::connect(&config)
                .await
                .context("cannot connect to the database")?;
            if config.migrate {
                db::migrate(&db).await.context("migrations failed")?;
            }
            let (practice, admin) = practices::service::create(&db, new).await?;
            println!(
                "practice {} created; admin login {}",
                practice.id, admin.email
            );
            Ok(())
        }
        Command::Serve(args) => {
            if args.demo {
                if config.is_postgres() && !args.force_demo {
                    anyhow::bail!(
                        "--demo seeds a demo practice with a known password; it refuses to run \
                         against PostgreSQL unless --force-demo is given"
                    );
                }
                let env_set = |k: &str| std::env::var_os(k).is_some();
                if !env_set("MOMENTUM_GRAPHIQL") {
                    config.graphiql = true;
                }
                if !env_set("MOMENTUM_INTROSPECTION") {
                    config.introspection = true;
                }
            }
            let app = Application::build(config).await?;
            if args.demo {
                let seeded = demo::seed_demo(&app.state().db).await?;
                print_demo(&app, seeded);
            }
            tracing::info!(port = app.port(), "listening");
            app.run_until_stopped().await?;
            Ok(())
        }
    }
}

fn print_demo(app: &Application, seeded: bool) {
    let bind = app.state().config.bind;
    let url = format!("http://{}:{}/graphql", bind.ip(), app.port());
    println!();
    println!(
        "Momentum demo {} — GraphQL (POST) and GraphiQL (GET) at {url}",
        if seeded { "seeded" } else { "ready" }
    );
    println!("Logins (password: {}):", demo::DEMO_PASSWORD);
    for (email, what) in demo::demo_logins() {
        println!("  {email:<24} {what}");
    }
    println!();
}

fn read_admin_password() -> anyhow::Result<SecretString> {
    if let Ok(p) = std::env::var("MOMENTUM_ADMIN_PASSWORD") {
        return Ok(SecretString::from(p));
    }
    let stdin = std::io::stdin();
    let line = if stdin.is_terminal() {
        rpassword::prompt_password("Admin password: ")?
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Ok(SecretString::from(line))
}
