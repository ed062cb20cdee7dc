//! Test harness: a fresh database per test on SQLite (default) or PostgreSQL (set
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`), the real router, and
//! clients that act as a given role.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use gongzhi_kernel::authz::{Role, territory_path};
use http_body_util::BodyExt;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, Set};
use serde_json::Value;
use tower::ServiceExt;

use crate::audit::AuditActor;
use crate::config::Config;
use crate::db::Db;
use crate::entity::{api_token, role_assignment, user};
use crate::module::Module;
use crate::web::AppState;

mod walk;
pub use walk::*;

pub const TEST_PASSWORD: &str = "Test12345";

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    cleanup: Cleanup,
    data_dir: std::path::PathBuf,
}

enum Cleanup {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

pub fn pg_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// Which backend this test run uses, for messages.
pub fn backend_name() -> &'static str {
    if pg_admin_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

static PG_LOCK: tokio::sync::Mutex<Option<String>> = tokio::sync::Mutex::const_new(None);

fn with_db(admin_url: &str, db: &str) -> String {
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(admin_url);
    format!("{base}/{db}")
}

/// Create (once per process) a migrated template database, then a copy of it for this test:
/// copying a template is much faster than migrating afresh.
async fn pg_database(admin_url: &str, modules: &[Arc<dyn Module>]) -> String {
    let mut tpl = PG_LOCK.lock().await;
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to PostgreSQL admin database");
    if tpl.is_none() {
        let name = format!("gz_tpl_{}", std::process::id());
        // Templates of earlier runs (test binaries run one after another).
        let old = admin
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT datname FROM pg_database WHERE datname LIKE 'gz_tpl_%' OR datname LIKE 'gz_t_%'",
            ))
            .await
            .unwrap_or_default();
        for row in old {
            if let Ok(n) = row.try_get::<String>("", "datname") {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))
                    .await;
            }
        }
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .expect("drop old template");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create template");
        let db = Db::connect(&with_db(admin_url, &name))
            .await
            .expect("connect template");
        crate::migration::run(&db.write, modules)
            .await
            .expect("migrate template");
        db.close().await;
        *tpl = Some(name);
    }
    let name = format!("gz_t_{}", uuid::Uuid::now_v7().simple());
    admin
        .execute_unprepared(&format!(
            "CREATE DATABASE {name} TEMPLATE {}",
            tpl.as_ref().expect("template")
        ))
        .await
        .expect("create test database");
    let _ = admin.close().await;
    name
}

impl TestApp {
    pub async fn new(modules: Vec<Arc<dyn Module>>) -> TestApp {
        let (url, cleanup) = match pg_admin_url() {
            Some(admin) => {
                let name = pg_database(&admin, &modules).await;
                (
                    with_db(&admin, &name),
                    Cleanup::Postgres {
                        admin_url: admin,
                        name,
                    },
                )
            }
            None => {
                let path = std::env::temp_dir().join(format!(
                    "gongzhi-test-{}.sqlite",
                    uuid::Uuid::now_v7().simple()
                ));
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Cleanup::Sqlite(path),
                )
            }
        };
        let db = Db::connect(&url).await.expect("connect test database");
        if matches!(cleanup, Cleanup::Sqlite(_)) {
            crate::migration::run(&db.write, &modules)
                .await
                .expect("migrate");
        }
        let data_dir =
            std::env::temp_dir().join(format!("gongzhi-test-{}", uuid::Uuid::now_v7().simple()));
        let config = Config {
            data_dir: data_dir.clone(),
            database_url: url,
            // Jobs are run explicitly, for a chosen day.
            job_tick_seconds: 0,
            // Keep tests fast and deterministic; throttling is tested explicitly.
            login_rate_per_minute: 1_000,
            audit_key_file: Some(test_audit_keys()),
            ..Config::default()
        };
        let app = crate::app::build(config, db, modules).expect("build app");
        TestApp {
            state: app.state,
            router: app.router,
            cleanup,
            data_dir,
        }
    }

    pub fn anon(&self) -> TestClient {
        TestClient {
            router: self.router.clone(),
            bearer: None,
            cookie: None,
            csrf: None,
            lang: None,
            ip: None,
        }
    }

    /// Insert a territory node directly (test set-up, audited as "test").
    pub async fn node(&self, code: &str, name: &str, kind: &str) {
        crate::territory::seed_node(
            &self.state.db.write,
            &AuditActor::system("test"),
            code,
            name,
            kind,
        )
        .await
        .unwrap_or_else(|e| panic!("seed node {code}: {e:?}"));
    }

    /// Create a user holding `roles` (role, territory code) with an API token, bypassing the
    /// API (the API paths for this are tested on their own).
    pub async fn user(&self, username: &str, roles: &[(Role, &str)]) -> TestClient {
        let u = self.user_model(username, roles).await;
        let who = AuditActor::system("test");
        let (_, secret) =
            crate::identity::create_token(&self.state, &who, u.id, &u.home_path, "test", None)
                .await
                .expect("token");
        TestClient {
            router: self.router.clone(),
            bearer: Some(secret),
            cookie: None,
            csrf: None,
            lang: None,
            ip: None,
        }
    }

    pub async fn user_model(&self, username: &str, roles: &[(Role, &str)]) -> user::Model {
        let home = roles.first().map(|(_, c)| *c).unwrap_or("440308000000");
        let (_, home_path) = territory_path(home).expect("home code");
        let now = crate::audit::now();
        let u = user::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            username: Set(username.to_string()),
            phone: Set(None),
            display_name: Set(username.to_string()),
            password_hash: Set(test_password_hash()),
            status: Set("active".into()),
            must_change_password: Set(false),
            home_code: Set(home.to_string()),
            home_path: Set(home_path),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&self.state.db.write)
        .await
        .expect("insert user");
        for (role, code) in roles {
            let (_, path) = territory_path(code).expect("scope code");
            role_assignment::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                user_id: Set(u.id),
                role: Set(role.as_str().into()),
                scope_kind: Set("territory".into()),
                scope_ref: Set(code.to_string()),
                scope_path: Set(path),
                granted_by: Set(None),
                granted_at: Set(now),
                revoked_at: Set(None),
                revoked_by: Set(None),
            }
            .insert(&self.state.db.write)
            .await
            .expect("insert role");
        }
        u
    }

    /// Sign in through the API with the test password; the client then uses the cookie.
    pub async fn login(&self, username: &str) -> TestClient {
        let mut c = self.anon();
        let r = c
            .post_json(
                "/api/v1/auth/login",
                serde_json::json!({"login": username, "password": TEST_PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.text());
        c.cookie = r.set_cookie("gz_session");
        c.csrf = r.json()["csrf_token"].as_str().map(str::to_string);
        c
    }

    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .state
            .db
            .read
            .query_one_raw(sea_orm::Statement::from_string(
                self.state.db.backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }

    pub async fn token_count(&self) -> usize {
        use sea_orm::EntityTrait;
        api_token::Entity::find()
            .all(&self.state.db.read)
            .await
            .expect("tokens")
            .len()
    }
}

/// One audit key ring per test process: entries are authenticated with the ring installed in
/// the process, so every test app of the process shares it.
pub fn test_audit_keys() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let path = std::env::temp_dir().join(format!(
            "gongzhi-test-audit-keys-{}",
            uuid::Uuid::now_v7().simple()
        ));
        crate::audit::keys::KeyRing::load_or_create(&path).expect("test audit keys");
        path
    })
    .clone()
}

/// Argon2 is slow in debug builds: hash the test password once per process.
pub fn test_password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(b"gongzhi-test-salt").expect("salt");
        argon2::Argon2::default()
            .hash_password(TEST_PASSWORD.as_bytes(), &salt)
            .expect("hash")
            .to_string()
    })
    .clone()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        match &self.cleanup {
            Cleanup::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("rt");
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

#[derive(Clone)]
pub struct TestClient {
    router: Router,
    pub bearer: Option<String>,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub lang: Option<&'static str>,
    /// The client's address, as the server would see it on a real connection.
    pub ip: Option<std::net::IpAddr>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .find_map(|v| {
                let s = v.to_str().ok()?;
                let (pair, _) = s.split_once(';').unwrap_or((s, ""));
                let (k, val) = pair.split_once('=')?;
                (k == name).then(|| val.to_string())
            })
    }
    /// Field names of a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestClient {
    pub fn english(mut self) -> Self {
        self.lang = Some("en");
        self
    }

    /// Send from this address.
    pub fn from_ip(mut self, ip: &str) -> Self {
        self.ip = Some(ip.parse().expect("ip address"));
        self
    }

    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> TestResponse {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = &self.bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, format!("gz_session={c}"));
        }
        if let Some(c) = &self.csrf {
            req = req.header("x-csrf-token", c);
        }
        if let Some(l) = self.lang {
            req = req.header(header::ACCEPT_LANGUAGE, l);
        }
        if let Some(ip) = self.ip {
            req = req.extension(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                ip, 40_000,
            )));
        }
        let req = match body {
            Some((ct, bytes)) => req.header(header::CONTENT_TYPE, ct).body(Body::from(bytes)),
            None => req.body(Body::empty()),
        }
        .expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(Method::GET, uri, None).await
    }

    pub async fn post_json(&self, uri: &str, body: Value) -> TestResponse {
        self.send(
            Method::POST,
            uri,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
    }

    pub async fn post_form(&self, uri: &str, body: &str) -> TestResponse {
        self.send(
            Method::POST,
            uri,
            Some((
                "application/x-www-form-urlencoded",
                body.as_bytes().to_vec(),
            )),
        )
        .await
    }

    pub async fn patch_json(&self, uri: &str, body: Value) -> TestResponse {
        self.send(
            Method::PATCH,
            uri,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
    }
}
