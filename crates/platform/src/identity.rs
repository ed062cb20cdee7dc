//! Accounts, passwords (argon2id, off the async threads), sessions, API tokens and role
//! assignments. Handlers call these; each state change is one transaction with its audit entry.

use crate::versioned::{self, Stamp};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use gongzhi_kernel::authz::{Actor, ResourceScope, Role, RolePlacement, Scope, TerritoryLevel};
use gongzhi_kernel::{FieldError, PhoneNumber, ValidationErrors};
use rand::RngCore;
use sea_orm::QueryTrait as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditActor, Change};
use crate::authz::{USER_MANAGE, load_actor};
use crate::entity::{api_token, role_assignment, session, territory, user};
use crate::throttle;
use crate::web::{AppError, AppResult, AppState};

pub const MIN_PASSWORD_LEN: usize = 8;

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Hash on a blocking thread: argon2id is deliberately slow.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hash: {e}"))
    })
    .await?
}

/// Verify on a blocking thread. With no stored hash (unknown user) verify against a dummy so
/// the response takes as long as for a real account.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let dummy;
        let hash = match &stored {
            Some(h) => h.as_str(),
            None => {
                dummy = dummy_hash();
                dummy.as_str()
            }
        };
        let ok = PasswordHash::new(hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && stored.is_some()
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::encode_b64(b"gongzhi-dummy-salt").expect("salt");
            Argon2::default()
                .hash_password(b"not-a-password", &salt)
                .expect("hash")
                .to_string()
        })
        .clone()
}

/// Password rules: long enough, letters and digits.
pub fn check_password(field: &str, pw: &str, errors: &mut ValidationErrors) {
    if pw.chars().count() < MIN_PASSWORD_LEN {
        errors.push(FieldError::new(field, "password.too_short").arg("min", MIN_PASSWORD_LEN));
    } else if !(pw.chars().any(|c| c.is_alphabetic()) && pw.chars().any(|c| c.is_ascii_digit())) {
        errors.push(FieldError::new(field, "password.weak"));
    }
}

pub fn check_username(field: &str, u: &str, errors: &mut ValidationErrors) {
    let ok_chars = u
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.');
    let len = u.chars().count();
    if !(3..=40).contains(&len) || !ok_chars {
        errors.push(FieldError::new(field, "user.username_invalid"));
    }
}

// ---------------------------------------------------------------------------------------------
// Authentication of requests

pub async fn actor_from_token(
    state: &AppState,
    token: &str,
) -> AppResult<Option<(Actor, uuid::Uuid, bool)>> {
    let hash = sha256_hex(token);
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash))
        .one(&state.db.read)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    let Some(u) = active_user(state, t.user_id).await? else {
        return Ok(None);
    };
    Ok(Some((
        load_actor(&state.db.read, u.id, &u.username).await?,
        t.id,
        u.must_change_password,
    )))
}

pub async fn actor_from_session(
    state: &AppState,
    cookie: &str,
) -> AppResult<Option<(Actor, String, String, bool)>> {
    let id_hash = sha256_hex(cookie);
    let Some(s) = session::Entity::find_by_id(id_hash.clone())
        .one(&state.db.read)
        .await?
    else {
        return Ok(None);
    };
    if s.revoked_at.is_some() || s.expires_at <= Utc::now() {
        return Ok(None);
    }
    let Some(u) = active_user(state, s.user_id).await? else {
        return Ok(None);
    };
    let actor = load_actor(&state.db.read, u.id, &u.username).await?;
    Ok(Some((actor, id_hash, s.csrf_token, u.must_change_password)))
}

async fn active_user(state: &AppState, id: uuid::Uuid) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .filter(|u| u.status == "active"))
}

/// Audit a change to an account, in the account's scope.
async fn audit_user(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    action: &str,
    u: &user::Model,
    summary: serde_json::Value,
) -> Result<(), sea_orm::DbErr> {
    audit::record(
        conn,
        who,
        Change {
            action,
            entity_type: "user",
            entity_id: &u.id.to_string(),
            scope_path: &u.home_path,
            summary,
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Login

pub struct LoginOk {
    pub user: user::Model,
    pub cookie_value: String,
    pub csrf_token: String,
}

pub async fn find_login(
    conn: &impl ConnectionTrait,
    login: &str,
) -> AppResult<Option<user::Model>> {
    let login = login.trim();
    let by_name = user::Entity::find()
        .filter(user::Column::Username.eq(login))
        .one(conn)
        .await?;
    if by_name.is_some() {
        return Ok(by_name);
    }
    match PhoneNumber::parse(login) {
        Ok(p) => Ok(user::Entity::find()
            .filter(user::Column::Phone.eq(p.as_str()))
            .one(conn)
            .await?),
        Err(_) => Ok(None),
    }
}

/// Sign in: refuse while a throttle counter says wait, check the password (against a dummy
/// when the name is unknown), count a failure on the name's counters or clear them, and open a
/// fresh session (a new id on every login, so a planted cookie is useless). Known and unknown
/// names get the same answers; the owner of a known account is told when its counters start to
/// make attempts wait.
pub async fn login(
    state: &AppState,
    login: &str,
    password: &str,
    ip: Option<String>,
    user_agent: Option<String>,
) -> AppResult<LoginOk> {
    if !state.login_limiter.allow(
        ip.as_deref().unwrap_or("unknown"),
        state.config.login_rate_per_minute,
    ) {
        return Err(AppError::RateLimited { seconds: 60 });
    }
    let found = find_login(&state.db.read, login).await?;
    let keys = throttle::Keys::new(found.as_ref(), login, ip.as_deref());
    let now = audit::now();
    if let Some(seconds) = throttle::wait(&state.db.read, &keys, now).await? {
        return Err(AppError::RateLimited { seconds });
    }
    let ok = verify_password(
        password.to_string(),
        found.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let txn = state.db.write.begin().await?;
    // A parallel attempt may have started a wait meanwhile: it holds for this one too.
    if let Some(seconds) = throttle::wait(&txn, &keys, now).await? {
        return Err(AppError::RateLimited { seconds });
    }
    let u = match found {
        Some(u) if ok && u.status == "active" => u,
        found => {
            let started = throttle::fail(&txn, &keys, now, &state.config).await?;
            let summary = json!({"throttled": started.is_some()});
            match found {
                Some(u) => {
                    let who = AuditActor {
                        user_id: Some(u.id),
                        name: u.username.clone(),
                        ip: ip.clone(),
                    };
                    if let Some(failures) = started {
                        crate::notify::send(
                            &txn,
                            u.id,
                            "notice.login_throttled",
                            json!({"failures": failures, "ip": ip.as_deref().unwrap_or("?")}),
                            Some("/account/password".into()),
                        )
                        .await?;
                    }
                    audit_user(&txn, &who, "auth.login_failed", &u, summary).await?;
                }
                None => {
                    // A name no account has is recorded too (supervisors see the guessing), at
                    // the installation's root, under its counter's key rather than the name.
                    let root = territory::Entity::find()
                        .filter(territory::Column::ParentCode.is_null())
                        .one(&txn)
                        .await?
                        .map(|t| t.path)
                        .unwrap_or_default();
                    audit::record(
                        &txn,
                        &AuditActor {
                            user_id: None,
                            name: "unknown".into(),
                            ip: ip.clone(),
                        },
                        Change {
                            action: "auth.login_failed",
                            entity_type: "login",
                            entity_id: &keys.account,
                            scope_path: &root,
                            summary,
                        },
                    )
                    .await?;
                }
            }
            txn.commit().await?;
            return Err(AppError::field("password", "auth.bad_credentials"));
        }
    };
    let who = AuditActor {
        user_id: Some(u.id),
        name: u.username.clone(),
        ip: ip.clone(),
    };
    throttle::succeed(&txn, &keys, now).await?;
    let cookie_value = random_token(32);
    let csrf_token = random_token(24);
    session::ActiveModel {
        id_hash: Set(sha256_hex(&cookie_value)),
        user_id: Set(u.id),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(audit::now()),
        expires_at: Set(audit::now() + Duration::hours(state.config.session_hours)),
        ip: Set(ip),
        user_agent: Set(user_agent.map(|s| s.chars().take(200).collect())),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit_user(&txn, &who, "auth.login", &u, json!({})).await?;
    txn.commit().await?;
    Ok(LoginOk {
        user: u,
        cookie_value,
        csrf_token,
    })
}

pub async fn logout(state: &AppState, who: &AuditActor, id_hash: &str) -> AppResult<()> {
    let txn = state.db.write.begin().await?;
    let home_path = match who.user_id {
        Some(id) => user::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .map(|u| u.home_path)
            .unwrap_or_default(),
        None => String::new(),
    };
    let home_path = home_path.as_str();
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(audit::now()))
        .filter(session::Column::IdHash.eq(id_hash))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "auth.logout",
            entity_type: "user",
            entity_id: &who.user_id.map(|u| u.to_string()).unwrap_or_default(),
            scope_path: home_path,
            summary: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Revoke every session of a user except `keep` (after a password change or disabling).
pub async fn revoke_sessions(
    conn: &impl ConnectionTrait,
    user_id: uuid::Uuid,
    keep: Option<&str>,
) -> AppResult<()> {
    let mut q = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(audit::now()))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(k) = keep {
        q = q.filter(session::Column::IdHash.ne(k));
    }
    q.exec(conn).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Users and roles

pub struct NewUser {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub home_code: String,
}

/// Create an account at a territory node. Validation first, then uniqueness, then one
/// transaction with the audit entry.
pub async fn create_user(
    conn: &sea_orm::DatabaseConnection,
    who: &AuditActor,
    new: NewUser,
    home: &territory::Model,
) -> AppResult<user::Model> {
    let mut errors = ValidationErrors::new();
    check_username("username", new.username.trim(), &mut errors);
    check_password("password", &new.password, &mut errors);
    let display = new.display_name.trim().to_string();
    if display.is_empty() || display.chars().count() > 50 {
        errors.add("display_name", "user.display_name_invalid");
    }
    let phone = match new
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => errors
            .check("phone", PhoneNumber::parse(p))
            .map(|p| p.as_str().to_string()),
        None => None,
    };
    if home.status != "active" {
        errors.add("home", "territory.inactive");
    }
    errors.into_result()?;
    let hash = hash_password(new.password.clone()).await?;
    let txn = conn.begin().await?;
    let username = new.username.trim().to_string();
    let taken = user::Entity::find()
        .filter(user::Column::Username.eq(username.clone()))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(AppError::field("username", "user.username_taken"));
    }
    if let Some(p) = &phone
        && user::Entity::find()
            .filter(user::Column::Phone.eq(p.clone()))
            .one(&txn)
            .await?
            .is_some()
    {
        return Err(AppError::field("phone", "user.phone_taken"));
    }
    let now = audit::now();
    let model = user::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        username: Set(username),
        phone: Set(phone),
        display_name: Set(display),
        password_hash: Set(hash),
        status: Set("active".into()),
        must_change_password: Set(false),
        home_code: Set(home.code.clone()),
        home_path: Set(home.path.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    audit_user(
        &txn,
        who,
        "user.create",
        &model,
        json!({"username": model.username, "home": model.home_code}),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Where a role would be held, resolved and checked against the role's placement.
pub struct ResolvedScope {
    pub scope: Scope,
    pub kind: &'static str,
    pub reference: String,
    pub path: String,
}

pub async fn resolve_territory_scope(
    conn: &impl ConnectionTrait,
    role: Role,
    code: &str,
) -> AppResult<ResolvedScope> {
    let node = territory::Entity::find_by_id(code.to_string())
        .one(conn)
        .await?
        .ok_or_else(|| AppError::field("scope", "territory.not_found"))?;
    if node.status != "active" {
        return Err(AppError::field("scope", "territory.inactive"));
    }
    match role.placement() {
        RolePlacement::Org => return Err(AppError::field("scope", "role.needs_org_scope")),
        RolePlacement::TerritoryLevel(level) => {
            if TerritoryLevel::parse(&node.level) != Some(level) {
                return Err(AppError::Validation(
                    FieldError::new("scope", "role.wrong_level")
                        .arg(
                            "level",
                            crate::i18n::tr(&format!("level.{}", level.as_str()), &[]),
                        )
                        .into(),
                ));
            }
        }
        RolePlacement::AnyTerritory => {}
    }
    Ok(ResolvedScope {
        scope: Scope::Territory {
            code: node.code.clone(),
            path: node.path.clone(),
        },
        kind: "territory",
        reference: node.code,
        path: node.path,
    })
}

/// Grant a role without an acting admin (the CLI, run by the operator on the server).
pub async fn grant_role_unchecked(
    db: &crate::Db,
    who: &AuditActor,
    target: &user::Model,
    role: Role,
    scope: ResolvedScope,
) -> AppResult<role_assignment::Model> {
    let txn = db.write.begin().await?;
    let m = insert_grant(&txn, who, target, role, &scope).await?;
    txn.commit().await?;
    Ok(m)
}

async fn insert_grant(
    txn: &impl ConnectionTrait,
    who: &AuditActor,
    target: &user::Model,
    role: Role,
    scope: &ResolvedScope,
) -> AppResult<role_assignment::Model> {
    let existing = role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(target.id))
        .filter(role_assignment::Column::Role.eq(role.as_str()))
        .filter(role_assignment::Column::ScopeRef.eq(scope.reference.clone()))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .one(txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::Conflict("role.already_held"));
    }
    let model = role_assignment::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(target.id),
        role: Set(role.as_str().into()),
        scope_kind: Set(scope.kind.into()),
        scope_ref: Set(scope.reference.clone()),
        scope_path: Set(scope.path.clone()),
        granted_by: Set(who.user_id),
        granted_at: Set(audit::now()),
        revoked_at: Set(None),
        revoked_by: Set(None),
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        who,
        Change {
            action: "role.grant",
            entity_type: "user",
            entity_id: &target.id.to_string(),
            scope_path: &scope.path,
            summary: json!({"role": role.as_str(), "scope": scope.reference, "assignment": model.id}),
        },
    )
    .await?;
    crate::notify::send(
        txn,
        target.id,
        "notice.role_granted",
        json!({"role": format!("@role.name.{}", role.as_str()), "scope": scope.reference}),
        Some("/".into()),
    )
    .await?;
    Ok(model)
}

/// Grant `role` over `scope` to `target`, if the actor may: an admin grants only within their
/// own scope and never above their own role.
pub async fn grant_role(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    target: &user::Model,
    role: Role,
    scope: ResolvedScope,
) -> AppResult<role_assignment::Model> {
    if target.id == actor.user_id.0 {
        return Err(AppError::field("role", "user.not_self"));
    }
    state
        .policy
        .may_grant(actor, USER_MANAGE, role, &scope.scope, &scope.path)
        .map_err(|_| AppError::Forbidden)?;
    let txn = state.db.write.begin().await?;
    let m = insert_grant(&txn, who, target, role, &scope).await?;
    txn.commit().await?;
    Ok(m)
}

/// Create an API token. The secret is returned once and only its hash is stored.
pub async fn create_token(
    state: &AppState,
    who: &AuditActor,
    user_id: uuid::Uuid,
    home_path: &str,
    name: &str,
    expires_in_days: Option<i64>,
) -> AppResult<(api_token::Model, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AppError::field("name", "token.name_invalid"));
    }
    if let Some(d) = expires_in_days
        && !(1..=3650).contains(&d)
    {
        return Err(AppError::field("expires_in_days", "token.expiry_invalid"));
    }
    let secret = format!("gz_{}", random_token(30));
    let txn = state.db.write.begin().await?;
    let now = audit::now();
    let model = api_token::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(user_id),
        name: Set(name.to_string()),
        token_hash: Set(sha256_hex(&secret)),
        prefix: Set(secret.chars().take(10).collect()),
        created_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set(expires_in_days.map(|d| now + Duration::days(d))),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "token.create",
            entity_type: "api_token",
            entity_id: &model.id.to_string(),
            scope_path: home_path,
            summary: json!({"name": model.name, "prefix": model.prefix}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((model, secret))
}

// ---------------------------------------------------------------------------------------------
// Managing accounts (shared by the API and the pages)

/// Save changes to an account read as `read`: bumps the version, and refuses (409) when someone
/// else changed it since, so no concurrent change is overwritten.
async fn save_user(
    conn: &impl ConnectionTrait,
    read: &user::Model,
    am: user::ActiveModel,
) -> AppResult<()> {
    versioned::bump(
        conn,
        user::Entity::update_many()
            .set(am)
            .filter(user::Column::Id.eq(read.id))
            .into_query(),
        read.version,
        Stamp::UpdatedAt,
    )
    .await?;
    Ok(())
}

/// The account's mobile number, masked (personal information is masked by default).
pub fn masked_phone(u: &user::Model) -> Option<String> {
    u.phone
        .as_deref()
        .and_then(|p| PhoneNumber::parse(p).ok())
        .map(|p| p.masked())
}

/// Load a user the actor may see with `permission`; another scope's user is 403, a missing one 404.
pub async fn load_user_in_scope(
    state: &AppState,
    actor: &Actor,
    id: &str,
    permission: gongzhi_kernel::authz::Permission,
) -> AppResult<user::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let u = user::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    state.authorize(
        actor,
        permission,
        &ResourceScope::territory(u.home_path.clone()),
    )?;
    Ok(u)
}

/// Live role assignments of a user, oldest first.
pub async fn assignments_of(
    conn: &impl ConnectionTrait,
    user_id: uuid::Uuid,
) -> AppResult<Vec<role_assignment::Model>> {
    use sea_orm::QueryOrder;
    Ok(role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(user_id))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .order_by_asc(role_assignment::Column::GrantedAt)
        .all(conn)
        .await?)
}

/// Managing an account (status, password) needs an admin grant ranking at least as high as
/// every role the account holds, so nobody takes over an account above their own.
pub async fn check_outranks(
    state: &AppState,
    actor: &Actor,
    target: &user::Model,
) -> AppResult<()> {
    if target.id == actor.user_id.0 {
        return Err(AppError::field("user", "user.not_self"));
    }
    let assignments = assignments_of(&state.db.read, target.id).await?;
    let top = assignments
        .iter()
        .filter_map(|r| Role::parse(&r.role))
        .map(Role::rank)
        .max()
        .unwrap_or(0);
    let resource = ResourceScope::territory(target.home_path.clone());
    let home_ok = actor.grants.iter().any(|g| {
        g.role.is_admin()
            && g.role.rank() >= top
            && state.policy.role_has(g.role, USER_MANAGE)
            && g.scope.covers(&resource)
    });
    // Wherever the account holds a role, the actor must be able to grant that role there too:
    // otherwise an admin of the account's home could take over a role held elsewhere.
    let roles_ok = assignments.iter().all(|a| {
        match (Role::parse(&a.role), crate::authz::grant_of(a.clone())) {
            (Some(role), Some(grant)) => state
                .policy
                .may_grant(actor, USER_MANAGE, role, &grant.scope, &a.scope_path)
                .is_ok(),
            _ => false,
        }
    });
    if home_ok && roles_ok {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn revoke_role(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    target: &user::Model,
    assignment_id: &str,
) -> AppResult<()> {
    let aid: uuid::Uuid = assignment_id.parse().map_err(|_| AppError::NotFound)?;
    if target.id == actor.user_id.0 {
        return Err(AppError::field("role", "user.not_self"));
    }
    let txn = state.db.write.begin().await?;
    let r = role_assignment::Entity::find_by_id(aid)
        .one(&txn)
        .await?
        .filter(|r| r.user_id == target.id)
        .ok_or(AppError::NotFound)?;
    if r.revoked_at.is_some() {
        return Err(AppError::Conflict("role.already_revoked"));
    }
    let role = Role::parse(&r.role).ok_or(AppError::NotFound)?;
    let grant = crate::authz::grant_of(r.clone()).ok_or(AppError::NotFound)?;
    state
        .policy
        .may_grant(actor, USER_MANAGE, role, &grant.scope, &r.scope_path)
        .map_err(|_| AppError::Forbidden)?;
    let res = role_assignment::Entity::update_many()
        .col_expr(
            role_assignment::Column::RevokedAt,
            Expr::value(audit::now()),
        )
        .col_expr(
            role_assignment::Column::RevokedBy,
            Expr::value(actor.user_id.0),
        )
        .filter(role_assignment::Column::Id.eq(aid))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(AppError::Conflict("role.already_revoked"));
    }
    audit::record(
        &txn,
        who,
        Change {
            action: "role.revoke",
            entity_type: "user",
            entity_id: &target.id.to_string(),
            scope_path: &r.scope_path,
            summary: json!({"role": r.role, "scope": r.scope_ref, "assignment": r.id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Enable or disable an account; disabling ends its sessions.
pub async fn set_status(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    target: &user::Model,
    status: &str,
) -> AppResult<user::Model> {
    check_outranks(state, actor, target).await?;
    if status != "active" && status != "disabled" {
        return Err(AppError::field("status", "user.status_invalid"));
    }
    if target.id == actor.user_id.0 {
        return Err(AppError::field("status", "user.not_self"));
    }
    let txn = state.db.write.begin().await?;
    let mut am: user::ActiveModel = target.clone().into();
    am.status = Set(status.to_string());
    save_user(&txn, target, am).await?;
    if status == "disabled" {
        revoke_sessions(&txn, target.id, None).await?;
    }
    audit_user(
        &txn,
        who,
        "user.status",
        target,
        json!({"from": target.status, "to": status}),
    )
    .await?;
    let updated = user::Entity::find_by_id(target.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(updated)
}

/// Set a new password for someone who forgot theirs; they must change it at next sign-in.
pub async fn reset_password(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    target: &user::Model,
    new_password: &str,
) -> AppResult<()> {
    check_outranks(state, actor, target).await?;
    let mut errors = ValidationErrors::new();
    check_password("new_password", new_password, &mut errors);
    errors.into_result()?;
    let hash = hash_password(new_password.to_string()).await?;
    let txn = state.db.write.begin().await?;
    let mut am: user::ActiveModel = target.clone().into();
    am.password_hash = Set(hash);
    am.must_change_password = Set(true);
    save_user(&txn, target, am).await?;
    revoke_sessions(&txn, target.id, None).await?;
    audit_user(&txn, who, "user.password_reset", target, json!({})).await?;
    crate::notify::send(
        &txn,
        target.id,
        "notice.password_reset",
        json!({"by": who.name}),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Change one's own password; every other session is signed out (`keep` is the current one).
pub async fn change_own_password(
    state: &AppState,
    who: &AuditActor,
    user_id: uuid::Uuid,
    keep: Option<&str>,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let u = user::Entity::find_by_id(user_id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let mut errors = ValidationErrors::new();
    check_password("new_password", new, &mut errors);
    if new == current {
        errors.add("new_password", "password.same_as_old");
    }
    if !verify_password(current.to_string(), Some(u.password_hash.clone())).await {
        errors.add("current_password", "password.current_wrong");
    }
    errors.into_result()?;
    let hash = hash_password(new.to_string()).await?;
    let txn = state.db.write.begin().await?;
    let mut am: user::ActiveModel = u.clone().into();
    am.password_hash = Set(hash);
    am.must_change_password = Set(false);
    save_user(&txn, &u, am).await?;
    revoke_sessions(&txn, u.id, keep).await?;
    audit_user(&txn, who, "user.password_change", &u, json!({})).await?;
    txn.commit().await?;
    Ok(())
}

/// Revoke one of the caller's own tokens; someone else's token is "not found".
pub async fn revoke_own_token(
    state: &AppState,
    who: &AuditActor,
    user_id: uuid::Uuid,
    token_id: &str,
) -> AppResult<api_token::Model> {
    let id: uuid::Uuid = token_id.parse().map_err(|_| AppError::NotFound)?;
    let txn = state.db.write.begin().await?;
    let t = api_token::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|t| t.user_id == user_id)
        .ok_or(AppError::NotFound)?;
    if t.revoked_at.is_some() {
        return Err(AppError::Conflict("token.already_revoked"));
    }
    let u = user::Entity::find_by_id(t.user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(audit::now()))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "token.revoke",
            entity_type: "api_token",
            entity_id: &id.to_string(),
            scope_path: &u.home_path,
            summary: json!({"name": t.name}),
        },
    )
    .await?;
    let updated = api_token::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(updated)
}
