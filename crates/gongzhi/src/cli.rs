//! Command line: `init`, `serve`, `user add`, `token create`, `audit verify`, `migrate`, `backup`.
//! Every command honours `--data-dir` and `DATABASE_URL`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gongzhi_kernel::authz::Role;
use gongzhi_platform::audit::{self, AuditActor, VerifyOutcome};
use gongzhi_platform::entity::user;
use gongzhi_platform::sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use gongzhi_platform::{AppState, Config, Db, identity, territory};

#[derive(Parser)]
#[command(
    name = "gongzhi",
    version,
    about = "共治 Gongzhi — community governance platform"
)]
struct Cli {
    /// Directory for the SQLite database, configuration (gongzhi.toml) and files.
    #[arg(long, global = true, env = "GONGZHI_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the district root and its first administrator.
    Init {
        #[arg(long)]
        district_code: String,
        #[arg(long)]
        district_name: String,
        #[arg(long)]
        admin: String,
        /// Generated and printed when omitted.
        #[arg(long)]
        password: Option<String>,
    },
    /// Run the web server (migrates first).
    Serve {
        /// Seed the demo district into an empty database and print its accounts.
        #[arg(long)]
        demo: bool,
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply pending migrations.
    Migrate,
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Scheduled jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Generate synthetic data for benchmarks (docs/benchmarks.md): audit history (then sealed)
    /// or organizations for the directory.
    #[command(hide = true)]
    BenchData {
        #[arg(long)]
        audit: Option<u64>,
        #[arg(long)]
        orgs: Option<u64>,
        /// Purchase projects (with eleven bids each and this year's OCDS releases).
        #[arg(long)]
        projects: Option<u64>,
    },
    /// A consistent online copy of the SQLite database.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account holding one role over a territory node.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
        /// e.g. street_admin, community_admin, supervisor
        #[arg(long)]
        role: String,
        /// Territory code (12 digits) where the role is held.
        #[arg(long)]
        scope: String,
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new API bearer token for a user.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// The jobs and when each last ran.
    List,
    /// Run one job now (the scheduler runs them on their own otherwise).
    Run {
        name: String,
        /// The day to run it for (YYYY-MM-DD); today in China by default.
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Exit 0 when the chain, its signed seals and the checkpoint log hold; otherwise exit 2
    /// naming the first bad entry or seal.
    Verify {
        /// A checkpoint file kept elsewhere (downloaded from /api/v1/audit/checkpoints): the
        /// database must still match every checkpoint in it.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
    /// Seal pending entries into the chain now.
    Seal,
    /// Add a new signing key to the key ring (stop the servers first; see the README).
    RotateKey,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let outcome = rt.block_on(run(cli));
    // Whatever a library left running must not keep a finished command alive.
    rt.shutdown_timeout(std::time::Duration::from_secs(5));
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 / error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber_filter();
    if config.log_format == "json" {
        let _ = tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .try_init();
    } else {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
    }
}

fn tracing_subscriber_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"))
}

async fn open_app(config: &Config) -> anyhow::Result<gongzhi_platform::app::App> {
    std::fs::create_dir_all(&config.data_dir)?;
    let db = Db::connect(&config.database_url()).await?;
    let modules = crate::modules();
    gongzhi_platform::migration::run(&db.write, &modules).await?;
    audit::ensure_ring(config, &db).await?;
    gongzhi_platform::app::build(config.clone(), db, modules)
}

async fn open(config: &Config) -> anyhow::Result<AppState> {
    Ok(open_app(config).await?.state)
}

/// Render a platform error for the terminal (Chinese first).
fn explain(e: gongzhi_platform::AppError) -> anyhow::Error {
    let doc = e.problem();
    let mut msg = doc["detail"].as_str().unwrap_or("").to_string();
    if let Some(errors) = doc["errors"].as_array() {
        for f in errors {
            msg.push_str(&format!(
                "\n  {}: {}",
                f["field"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            ));
        }
    }
    if let gongzhi_platform::AppError::Internal(inner) = e {
        msg.push_str(&format!("\n  {inner:#}"));
    }
    anyhow::anyhow!(msg)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.data_dir.as_deref())?;
    init_logging(&config);
    if let Command::Serve { demo, bind } = cli.command {
        if let Some(b) = bind {
            config.bind = b;
        }
        if demo {
            // The demo runs on plain HTTP; production keeps Secure cookies behind HTTPS.
            config.cookie_secure = false;
        }
        serve(config, demo).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let state = open(&config).await?;
    let outcome = command(&state, cli.command).await;
    // Close the pools before the runtime ends, so no pool task outlives the command.
    state.db.clone().close().await;
    outcome
}

/// Every command but `serve`, on an open application.
async fn command(state: &AppState, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Migrate => {
            println!("migrations up to date ({})", state.db.backend_name());
        }
        Command::Init {
            district_code,
            district_name,
            admin,
            password,
        } => {
            let who = AuditActor::system("init");
            let district =
                territory::create_district(&state.db, &who, &district_code, &district_name)
                    .await
                    .map_err(explain)?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(|| identity::random_token(12));
            add_user(
                state,
                &admin,
                &password,
                Role::DistrictAdmin,
                &district.code,
                "区级管理员",
            )
            .await?;
            println!(
                "已创建 {} ({}) 及管理员 {admin}",
                district.name, district.code
            );
            if generated {
                println!("初始密码 / initial password: {password}");
            }
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    password,
                    role,
                    scope,
                    display_name,
                },
        } => {
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("未知角色 / unknown role: {role}"))?;
            let display = display_name.unwrap_or_else(|| username.clone());
            add_user(state, &username, &password, role, &scope, &display).await?;
            println!("已创建账号 {username}（{} @ {scope}）", role.as_str());
        }
        Command::Token {
            command: TokenCommand::Create { username, name },
        } => {
            let u = user::Entity::find()
                .filter(user::Column::Username.eq(username.clone()))
                .one(&state.db.read)
                .await?
                .ok_or_else(|| anyhow::anyhow!("找不到账号 / no such user: {username}"))?;
            let who = AuditActor::system("cli");
            let (_, secret) = identity::create_token(state, &who, u.id, &u.home_path, &name, None)
                .await
                .map_err(explain)?;
            println!("{secret}");
        }
        Command::Audit { command } => {
            let outcome = match command {
                AuditCommand::Seal => {
                    let n = state.audit.seal_all(&state.db).await?;
                    println!("sealed {n} entries");
                    Ok(ExitCode::SUCCESS)
                }
                AuditCommand::Verify { checkpoints } => {
                    match state
                        .audit
                        .verify(&state.db, checkpoints.as_deref())
                        .await?
                    {
                        VerifyOutcome::Intact {
                            sealed,
                            pending,
                            seals,
                            checkpoints,
                        } => {
                            println!(
                                "审计链完整 / audit chain intact: {sealed} sealed in {seals} signed seals, {pending} pending, {checkpoints} checkpoints matched"
                            );
                            Ok(ExitCode::SUCCESS)
                        }
                        VerifyOutcome::Broken(breach) => {
                            eprintln!("审计链被篡改 / audit chain broken: {}", breach.describe());
                            Ok(ExitCode::from(2))
                        }
                    }
                }
                AuditCommand::RotateKey => {
                    // Seal what the old key authenticated; it is retired after that seal.
                    state.audit.seal_all(&state.db).await?;
                    use gongzhi_platform::sea_orm::{EntityTrait, QueryOrder};
                    let last_seal = gongzhi_platform::entity::audit_seal::Entity::find()
                        .order_by_desc(gongzhi_platform::entity::audit_seal::Column::SealNo)
                        .one(&state.db.read)
                        .await?
                        .map_or(0, |s| s.seal_no);
                    let mut ring = (*state.audit.keys).clone();
                    let id = ring.rotate(last_seal).id.clone();
                    ring.save()?;
                    println!(
                        "新签名密钥 / new signing key {id} added to {}",
                        ring.path.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
            };
            return outcome;
        }
        Command::Jobs { command } => match command {
            JobsCommand::List => {
                use gongzhi_platform::sea_orm::EntityTrait;
                let runs = gongzhi_platform::entity::job_run::Entity::find()
                    .all(&state.db.read)
                    .await?;
                for job in gongzhi_platform::jobs::all(state) {
                    let last = runs.iter().find(|r| r.name == job.name);
                    println!(
                        "{}\tevery {}s\tlast {}\t{}",
                        job.name,
                        job.every.as_secs(),
                        last.and_then(|r| r.last_started_at)
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_else(|| "never".into()),
                        last.and_then(|r| r.last_outcome.clone())
                            .unwrap_or_default()
                    );
                }
            }
            JobsCommand::Run { name, on } => {
                let on = on.unwrap_or_else(gongzhi_platform::clock::today);
                match gongzhi_platform::jobs::run_now(state, &name, on).await? {
                    Some(outcome) => println!("{name}: {outcome}"),
                    None => {
                        eprintln!("{name}: 另一实例正在运行 / running on another instance");
                        return Ok(ExitCode::from(3));
                    }
                }
            }
        },
        Command::Backup { to } => {
            if state.db.backend() != gongzhi_platform::sea_orm::DbBackend::Sqlite {
                anyhow::bail!(
                    "backup copies the embedded SQLite database; for PostgreSQL use pg_dump"
                );
            }
            if to.exists() {
                anyhow::bail!("目标文件已存在 / target exists: {}", to.display());
            }
            let target = to.to_string_lossy().replace('\'', "''");
            // VACUUM INTO takes a consistent snapshot while the server keeps running.
            state
                .db
                .read
                .execute_unprepared(&format!("VACUUM INTO '{target}'"))
                .await?;
            println!("已备份到 / backed up to {}", to.display());
        }
        Command::BenchData {
            audit,
            orgs,
            projects,
        } => {
            anyhow::ensure!(
                audit.is_some() || orgs.is_some() || projects.is_some(),
                "--audit <N>、--orgs <N> 或 / or --projects <N>"
            );
            if let Some(n) = audit {
                crate::demo::bench_audit(state, n).await?;
            }
            // Each generator comes from the module that brings it, in module order.
            let asked = [("orgs", orgs), ("projects", projects)];
            for b in state.modules.iter().flat_map(|m| m.bench_data()) {
                if let Some((_, Some(n))) = asked.iter().find(|(what, _)| *what == b.what) {
                    (b.run)(state, *n).await?;
                }
            }
        }
        Command::Serve { .. } => unreachable!("serve runs on its own"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn add_user(
    state: &AppState,
    username: &str,
    password: &str,
    role: Role,
    scope: &str,
    display: &str,
) -> anyhow::Result<()> {
    let home = territory::get(&state.db.read, scope)
        .await
        .map_err(explain)?
        .ok_or_else(|| anyhow::anyhow!("找不到区划节点 / no such territory: {scope}"))?;
    let resolved = identity::resolve_territory_scope(&state.db.read, role, scope)
        .await
        .map_err(explain)?;
    let who = AuditActor::system("cli");
    let u = identity::create_user(
        &state.db.write,
        &who,
        identity::NewUser {
            username: username.into(),
            password: password.into(),
            display_name: display.into(),
            phone: None,
            home_code: home.code.clone(),
        },
        &home,
    )
    .await
    .map_err(explain)?;
    identity::grant_role_unchecked(&state.db, &who, &u, role, resolved)
        .await
        .map_err(explain)?;
    Ok(())
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let app = open_app(&config).await?;
    let state = app.state.clone();
    if demo {
        if crate::demo::is_empty(&state).await? {
            crate::demo::seed(&state).await?;
            println!("已载入演示数据 / demo district seeded: 盐田区 440308");
        }
        crate::demo::print_accounts(&state.modules, crate::demo::DEMO_PASSWORD);
    }
    let db = state.db.clone();
    let sealer = gongzhi_platform::app::spawn_audit_sealer(state.clone());
    let scheduler = gongzhi_platform::jobs::spawn_scheduler(state.clone());
    let listener = tokio::net::TcpListener::bind(&config.bind).await?;
    println!(
        "Gongzhi 共治 listening on http://{} ({})",
        listener.local_addr()?,
        db.backend_name()
    );
    axum::serve(
        listener,
        app.router
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // Stop the timers first, so the last seal does not race the sealer's own tick.
    sealer.abort();
    let _ = sealer.await;
    if let Some(s) = scheduler {
        s.abort();
        let _ = s.await;
    }
    let sealed = state.audit.seal_all(&db).await?;
    db.close().await;
    tracing::info!(sealed, "shut down");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
