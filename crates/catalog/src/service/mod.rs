//! Use cases of the catalog: read a version, propose and decide adjustments, publish the next
//! version, edit categories; the scope check the purchase module calls. Each write is one
//! transaction: authorize → validate → change → audit.

pub mod desk;
pub mod licences;
pub mod qualify;

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use chrono::NaiveDate;
use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::{FieldError, ValidationErrors};
use gongzhi_platform::audit::{self, AuditActor, Change as AuditChange};
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use gongzhi_platform::workflow::{self, Target};
use serde_json::json;

use crate::domain::{
    self, CATALOG_CHANGE, Change, ItemDef, ItemInput, NegativeDef, Snapshot, Validity,
};
use crate::store::entity::{catalog_version, category, change, item, negative};
use crate::{CATALOG_MANAGE, CATALOG_PROPOSE};
use crate::domain::ChangeState;

pub use gongzhi_platform::clock::today;

pub use gongzhi_platform::territory::{active as node, district_node};

/// The district a node lies in: catalogs are keyed by its short code (`440308`), the one
/// organizations' `scope_district` holds.
pub fn district_of(n: &territory::Model) -> String {
    n.district_code.clone()
}

pub async fn categories(
    conn: &impl ConnectionTrait,
    district: &str,
) -> AppResult<Vec<category::Model>> {
    Ok(category::Entity::find()
        .filter(category::Column::District.eq(district))
        .order_by_asc(category::Column::Sort)
        .order_by_asc(category::Column::Code)
        .all(conn)
        .await?)
}

/// Published versions, oldest first.
pub async fn versions(
    conn: &impl ConnectionTrait,
    district: &str,
) -> AppResult<Vec<catalog_version::Model>> {
    Ok(catalog_version::Entity::find()
        .filter(catalog_version::Column::District.eq(district))
        .order_by_asc(catalog_version::Column::Number)
        .all(conn)
        .await?)
}

/// When `v` is in force, given all versions of its district.
pub fn validity(all: &[catalog_version::Model], v: &catalog_version::Model) -> Validity {
    Validity {
        number: v.number,
        effective_from: v.effective_from,
        until: all
            .iter()
            .filter(|o| o.effective_from > v.effective_from)
            .map(|o| o.effective_from)
            .min(),
    }
}

/// The version in force on `on`.
pub fn in_force(all: &[catalog_version::Model], on: NaiveDate) -> Option<&catalog_version::Model> {
    all.iter()
        .filter(|v| v.effective_from <= on)
        .max_by_key(|v| v.effective_from)
}

pub fn item_def(r: &item::Model) -> ItemDef {
    ItemDef {
        code: r.code.clone(),
        category: r.category_code.clone(),
        name: r.name.clone(),
        description: r.description.clone(),
        tier: r.tier.clone(),
        purchasable: r.purchasable,
        service_standard: r.service_standard.clone(),
        unit: r.unit.clone(),
        price_min_fen: r.price_min_fen,
        price_max_fen: r.price_max_fen,
        indicators: serde_json::from_str(&r.indicators).unwrap_or_default(),
        criteria: serde_json::from_str(&r.criteria).unwrap_or_default(),
    }
}

pub fn negative_def(r: &negative::Model) -> NegativeDef {
    NegativeDef {
        code: r.code.clone(),
        category: r.category.clone(),
        title: r.title.clone(),
        description: r.description.clone(),
        terms: serde_json::from_str(&r.terms).unwrap_or_default(),
        basis: r.basis.clone(),
    }
}

/// The content of a published version.
pub async fn snapshot(conn: &impl ConnectionTrait, version_id: uuid::Uuid) -> AppResult<Snapshot> {
    let items = item::Entity::find()
        .filter(item::Column::VersionId.eq(version_id))
        .all(conn)
        .await?;
    let negatives = negative::Entity::find()
        .filter(negative::Column::VersionId.eq(version_id))
        .all(conn)
        .await?;
    Ok(Snapshot {
        items: items
            .iter()
            .map(|r| (r.code.clone(), item_def(r)))
            .collect(),
        negatives: negatives
            .iter()
            .map(|r| (r.code.clone(), negative_def(r)))
            .collect(),
    })
}

/// Approved changes not yet in a version, in the order they were approved.
pub async fn approved(
    conn: &impl ConnectionTrait,
    district: &str,
) -> AppResult<Vec<change::Model>> {
    Ok(change::Entity::find()
        .filter(change::Column::District.eq(district))
        .filter(change::Column::State.eq(ChangeState::APPROVED))
        .order_by_asc(change::Column::UpdatedAt)
        .order_by_asc(change::Column::Id)
        .all(conn)
        .await?)
}

fn stored(c: &change::Model) -> AppResult<Change> {
    Change::stored(&c.kind, &c.code, &c.payload)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unreadable catalog change {}", c.id)))
}

/// What the next version would hold: the latest published version with every approved change.
pub async fn next_snapshot(
    conn: &impl ConnectionTrait,
    district: &str,
) -> AppResult<(Snapshot, Vec<change::Model>)> {
    let (_, next, changes) = latest_and_next(conn, district).await?;
    Ok((next, changes))
}

/// The latest published version's content, what the next version would hold, and the approved
/// changes between them.
pub async fn latest_and_next(
    conn: &impl ConnectionTrait,
    district: &str,
) -> AppResult<(Snapshot, Snapshot, Vec<change::Model>)> {
    let all = versions(conn, district).await?;
    let latest = match all.last() {
        Some(v) => snapshot(conn, v.id).await?,
        None => Snapshot::default(),
    };
    let mut next = latest.clone();
    let changes = approved(conn, district).await?;
    for c in &changes {
        next.apply(&stored(c)?)
            .map_err(|e| AppError::Validation(e.into()))?;
    }
    Ok((latest, next, changes))
}

/// Take the district's catalog lock for this transaction (approvals and publications queue).
async fn lock(conn: &impl ConnectionTrait, district: &str) -> AppResult<()> {
    let heads = Alias::new("catalog_heads");
    let insert = Query::insert()
        .into_table(heads.clone())
        .columns([Alias::new("district"), Alias::new("seq")])
        .values_panic([district.into(), 0.into()])
        .on_conflict(
            OnConflict::column(Alias::new("district"))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    conn.execute(&insert).await?;
    let bump = Query::update()
        .table(heads)
        .value(Alias::new("seq"), Expr::col(Alias::new("seq")).add(1))
        .and_where(Expr::col(Alias::new("district")).eq(district))
        .to_owned();
    conn.execute(&bump).await?;
    Ok(())
}

/// An adjustment as proposed.
#[derive(Debug, Clone, Default, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct ChangeInput {
    /// The proposing street or district (territory code); defaults to the proposer's own.
    pub node: Option<String>,
    /// add_item / modify_item / retire_item / add_negative / remove_negative
    pub kind: String,
    /// For retire_item and remove_negative: the code.
    pub code: Option<String>,
    /// For add_item and modify_item.
    pub item: Option<ItemInput>,
    /// For add_negative.
    pub entry: Option<NegativeDef>,
    /// Why (required).
    #[serde(default)]
    pub reason: String,
}

/// The proposer's node: the one named, or the first where they may propose.
async fn proposer_node(
    state: &AppState,
    actor: &Actor,
    named: Option<&str>,
) -> AppResult<territory::Model> {
    let code = match named.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => actor
            .grants
            .iter()
            .filter(|g| state.policy.role_has(g.role, CATALOG_PROPOSE))
            .find_map(|g| match &g.scope {
                gongzhi_kernel::authz::Scope::Territory { code, .. } => Some(code.clone()),
                _ => None,
            })
            .ok_or(AppError::Forbidden)?,
    };
    let n = node(&state.db.read, &code)
        .await
        .map_err(|_| AppError::field("node", "territory.not_found"))?;
    state.authorize(actor, CATALOG_PROPOSE, &ResourceScope::territory(&n.path))?;
    Ok(n)
}

/// Turn an input into a checked change against the district's categories.
pub fn change_of(
    input: &ChangeInput,
    categories: &[String],
    max_price: gongzhi_kernel::Money,
) -> Result<Change, ValidationErrors> {
    let code = || -> Result<String, ValidationErrors> {
        input
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .ok_or_else(|| FieldError::new("code", "catalog.required").into())
    };
    match input.kind.as_str() {
        "add_item" | "modify_item" => {
            let Some(i) = &input.item else {
                return Err(FieldError::new("item", "catalog.required").into());
            };
            let def = domain::validate_item(i, categories, max_price)?;
            Ok(if input.kind == "add_item" {
                Change::AddItem(def)
            } else {
                Change::ModifyItem(def)
            })
        }
        "retire_item" => Ok(Change::RetireItem(code()?)),
        "remove_negative" => Ok(Change::RemoveNegative(code()?)),
        "add_negative" => {
            let Some(e) = &input.entry else {
                return Err(FieldError::new("entry", "catalog.required").into());
            };
            Ok(Change::AddNegative(domain::validate_negative(e)?))
        }
        _ => Err(FieldError::new("kind", "catalog.kind_unknown").into()),
    }
}

fn check_reason(reason: &str) -> AppResult<String> {
    let r = reason.trim();
    if r.chars().count() < 2 {
        return Err(AppError::field("reason", "catalog.reason_required"));
    }
    if r.chars().count() > 1000 {
        return Err(FieldError::new("reason", "catalog.too_long")
            .arg("max", 1000)
            .into());
    }
    Ok(r.to_string())
}

/// Apply a change to what the next version would hold; a modification must change something.
async fn check_against_next(
    conn: &impl ConnectionTrait,
    district: &str,
    c: &Change,
) -> AppResult<()> {
    let (mut next, _) = next_snapshot(conn, district).await?;
    if let Change::ModifyItem(i) = c
        && next.items.get(&i.code) == Some(i)
    {
        return Err(AppError::field("item", "catalog.nothing_changed"));
    }
    next.apply(c).map_err(|e| AppError::Validation(e.into()))
}

pub async fn propose(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    input: &ChangeInput,
) -> AppResult<change::Model> {
    let n = proposer_node(state, actor, input.node.as_deref()).await?;
    let district = district_of(&n);
    let cats: Vec<String> = categories(&state.db.read, &district)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    let reason = check_reason(&input.reason);
    let max_price = state
        .config
        .money_limits
        .max(gongzhi_kernel::AmountKind::CatalogPrice);
    let c = change_of(input, &cats, max_price);
    // Report every problem of the form at once.
    let (c, reason) = match (c, reason) {
        (Ok(c), Ok(r)) => (c, r),
        (c, r) => {
            let mut errors = ValidationErrors::new();
            if let Err(e) = c {
                e.0.into_iter().for_each(|f| errors.push(f));
            }
            if let Err(AppError::Validation(e)) = r {
                e.0.into_iter().for_each(|f| errors.push(f));
            }
            return Err(AppError::Validation(errors));
        }
    };
    check_against_next(&state.db.read, &district, &c).await?;
    let txn = state.db.write.begin().await?;
    let row = change_row(
        &district,
        &n,
        &c,
        &reason,
        CATALOG_CHANGE.initial,
        Some(actor.user_id.0),
    )
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        AuditChange {
            action: "catalog.change_proposed",
            entity_type: "catalog_change",
            entity_id: &row.id.to_string(),
            scope_path: &row.path,
            summary: json!({"kind": row.kind, "code": row.code, "reason": reason}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A proposal's row as first written.
pub fn change_row(
    district: &str,
    node: &territory::Model,
    c: &Change,
    reason: &str,
    in_state: &str,
    proposed_by: Option<uuid::Uuid>,
) -> change::ActiveModel {
    let now = audit::now();
    change::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        district: Set(district.into()),
        node_code: Set(node.code.clone()),
        path: Set(node.path.clone()),
        kind: Set(c.kind().into()),
        code: Set(c.code().into()),
        payload: Set(c.payload().to_string()),
        reason: Set(reason.into()),
        state: Set(in_state.into()),
        proposed_by: Set(proposed_by),
        applied_in: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
}

/// A change the actor may see: in their scope, or any of their district's for the district.
pub async fn get_change(state: &AppState, actor: &Actor, id: &str) -> AppResult<change::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let c = change::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = ResourceScope::territory(&c.path);
    if state.authorize(actor, crate::CATALOG_READ, &scope).is_err() {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

/// Move a proposal on the workflow engine (state, event and audit in the caller's transaction).
#[allow(clippy::too_many_arguments)]
async fn step(
    conn: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    c: &change::Model,
    version: i32,
    transition: &str,
    reason: Option<&str>,
) -> AppResult<()> {
    workflow::perform(
        conn,
        state,
        actor,
        who,
        &CATALOG_CHANGE,
        Target {
            table: "catalog_changes",
            id: c.id.into(),
            entity_id: &c.id.to_string(),
            state: &c.state,
            version,
            scope: ResourceScope::territory(&c.path),
        },
        transition,
        reason,
        &(),
    )
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct DecisionInput {
    /// approve / reject / withdraw
    pub transition: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// The change's version you last read.
    pub version: i32,
}

pub async fn decide(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &DecisionInput,
) -> AppResult<change::Model> {
    let c = get_change(state, actor, id).await?;
    if !domain::USER_TRANSITIONS.contains(&input.transition.as_str()) {
        return Err(AppError::field("transition", "workflow.unknown_transition"));
    }
    if c.version != input.version {
        return Err(AppError::Conflict("error.stale_version"));
    }
    let txn = state.db.write.begin().await?;
    if input.transition == "approve" && c.state == ChangeState::PROPOSED {
        // Checked against the catalog as it will be, under the district's lock, so two
        // approvals that clash cannot both pass.
        lock(&txn, &c.district).await?;
        check_against_next(&txn, &c.district, &stored(&c)?).await?;
    }
    step(
        &txn,
        state,
        actor,
        who,
        &c,
        input.version,
        &input.transition,
        input.reason.as_deref(),
    )
    .await?;
    let fresh = change::Entity::find_by_id(c.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(fresh)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct PublishInput {
    /// The first day the version is in force: today or later, after the latest version.
    pub effective_from: NaiveDate,
    pub title: String,
    #[serde(default)]
    pub notes: String,
}

/// Publish the next version: the latest one with every approved change, from its effective date.
pub async fn publish(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    district: &str,
    input: &PublishInput,
) -> AppResult<catalog_version::Model> {
    let d = district_node(&state.db.read, district).await?;
    state.authorize(actor, CATALOG_MANAGE, &ResourceScope::territory(&d.path))?;
    let title = input.title.trim().to_string();
    let mut errors = ValidationErrors::new();
    let n = title.chars().count();
    if n < 2 {
        errors.push(FieldError::new("title", "catalog.required"));
    } else if n > 100 {
        errors.push(FieldError::new("title", "catalog.too_long").arg("max", 100));
    }
    if input.notes.chars().count() > 2000 {
        errors.push(FieldError::new("notes", "catalog.too_long").arg("max", 2000));
    }
    errors.into_result()?;
    let key = d.district_code.clone();
    let txn = state.db.write.begin().await?;
    lock(&txn, &key).await?;
    let all = versions(&txn, &key).await?;
    domain::check_effective(
        input.effective_from,
        today(),
        all.last().map(|v| v.effective_from),
    )
    .map_err(|e| AppError::Validation(e.into()))?;
    let (snap, changes) = next_snapshot(&txn, &key).await?;
    if !all.is_empty() && changes.is_empty() {
        return Err(AppError::field(
            "effective_from",
            "catalog.nothing_to_publish",
        ));
    }
    if snap.items.is_empty() {
        return Err(AppError::field(
            "effective_from",
            "catalog.nothing_to_publish",
        ));
    }
    let number = all.last().map_or(1, |v| v.number + 1);
    let v = catalog_version::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        district: Set(key.clone()),
        number: Set(number),
        title: Set(title),
        notes: Set(input.notes.trim().to_string()),
        effective_from: Set(input.effective_from),
        published_at: Set(audit::now()),
        published_by: Set(Some(actor.user_id.0)),
    }
    .insert(&txn)
    .await?;
    write_snapshot(&txn, v.id, &snap).await?;
    for c in &changes {
        step(&txn, state, actor, who, c, c.version, "apply", None).await?;
        change::Entity::update_many()
            .col_expr(change::Column::AppliedIn, Expr::value(v.id))
            .filter(change::Column::Id.eq(c.id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        who,
        AuditChange {
            action: "catalog.version_published",
            entity_type: "catalog_version",
            entity_id: &v.id.to_string(),
            scope_path: &d.path,
            summary: json!({
                "number": number,
                "effective_from": v.effective_from,
                "items": snap.items.len(),
                "negatives": snap.negatives.len(),
                "changes": changes.iter().map(|c| c.id).collect::<Vec<_>>(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(v)
}

/// Store a version's rows.
pub async fn write_snapshot(
    conn: &impl ConnectionTrait,
    version_id: uuid::Uuid,
    snap: &Snapshot,
) -> AppResult<()> {
    let items: Vec<item::ActiveModel> = snap
        .items
        .values()
        .map(|i| item::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            version_id: Set(version_id),
            code: Set(i.code.clone()),
            category_code: Set(i.category.clone()),
            name: Set(i.name.clone()),
            description: Set(i.description.clone()),
            tier: Set(i.tier.clone()),
            purchasable: Set(i.purchasable),
            service_standard: Set(i.service_standard.clone()),
            unit: Set(i.unit.clone()),
            price_min_fen: Set(i.price_min_fen),
            price_max_fen: Set(i.price_max_fen),
            indicators: Set(serde_json::to_string(&i.indicators).expect("json")),
            criteria: Set(serde_json::to_string(&i.criteria).expect("json")),
        })
        .collect();
    for chunk in items.chunks(500) {
        item::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    let negatives: Vec<negative::ActiveModel> = snap
        .negatives
        .values()
        .map(|e| negative::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            version_id: Set(version_id),
            code: Set(e.code.clone()),
            category: Set(e.category.clone()),
            title: Set(e.title.clone()),
            description: Set(e.description.clone()),
            terms: Set(serde_json::to_string(&e.terms).expect("json")),
            basis: Set(e.basis.clone()),
        })
        .collect();
    if !negatives.is_empty() {
        negative::Entity::insert_many(negatives).exec(conn).await?;
    }
    Ok(())
}

/// A category as created or renamed.
#[derive(Debug, Clone, Default, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct CategoryInput {
    /// e.g. `A` for a first-level category, `A01` below it.
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    #[serde(default)]
    pub sort: i32,
}

fn category_name(name: &str) -> AppResult<String> {
    let n = name.trim();
    match n.chars().count() {
        0..=1 => Err(AppError::field("name", "catalog.required")),
        41.. => Err(FieldError::new("name", "catalog.too_long")
            .arg("max", 40)
            .into()),
        _ => Ok(n.to_string()),
    }
}

pub async fn add_category(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    district: &str,
    input: &CategoryInput,
) -> AppResult<category::Model> {
    let d = district_node(&state.db.read, district).await?;
    state.authorize(actor, CATALOG_MANAGE, &ResourceScope::territory(&d.path))?;
    let code = input.code.trim().to_string();
    let mut errors = ValidationErrors::new();
    if code.is_empty()
        || code.len() > 20
        || !code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        errors.push(FieldError::new("code", "catalog.code_invalid"));
    }
    let name = category_name(&input.name);
    if let Err(AppError::Validation(e)) = &name {
        e.0.iter().for_each(|f| errors.push(f.clone()));
    }
    let existing = categories(&state.db.read, &d.district_code).await?;
    let parent = input
        .parent_code
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    if let Some(p) = &parent
        && !existing.iter().any(|c| &c.code == p)
    {
        errors.push(FieldError::new("parent_code", "catalog.category_unknown"));
    }
    if existing.iter().any(|c| c.code == code) {
        errors.push(FieldError::new("code", "catalog.code_taken"));
    }
    errors.into_result()?;
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let row = category::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        district: Set(d.district_code.clone()),
        code: Set(code),
        parent_code: Set(parent),
        name: Set(name?),
        sort: Set(input.sort),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        AuditChange {
            action: "catalog.category_added",
            entity_type: "catalog_category",
            entity_id: &row.id.to_string(),
            scope_path: &d.path,
            summary: json!({"code": row.code, "name": row.name, "parent": row.parent_code}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct CategoryPatch {
    pub name: String,
    pub sort: Option<i32>,
    pub version: i32,
}

/// Rename a category (labels only: items keep their codes, versions keep their content).
pub async fn rename_category(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &CategoryPatch,
) -> AppResult<category::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let c = category::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = district_node(&state.db.read, &c.district).await?;
    let scope = ResourceScope::territory(&d.path);
    if state.authorize(actor, crate::CATALOG_READ, &scope).is_err() {
        return Err(AppError::NotFound);
    }
    state.authorize(actor, CATALOG_MANAGE, &scope)?;
    let name = category_name(&input.name)?;
    let txn = state.db.write.begin().await?;
    versioned::bump(
        &txn,
        category::Entity::update_many()
            .col_expr(category::Column::Name, Expr::value(name.clone()))
            .col_expr(
            category::Column::Sort,
            Expr::value(input.sort.unwrap_or(c.sort)),
        )
            .filter(category::Column::Id.eq(c.id))
            .into_query(),
        input.version,
        Stamp::UpdatedAt,
    )
    .await?;
    audit::record(
        &txn,
        who,
        AuditChange {
            action: "catalog.category_renamed",
            entity_type: "catalog_category",
            entity_id: &c.id.to_string(),
            scope_path: &d.path,
            summary: json!({"code": c.code, "from": c.name, "to": name}),
        },
    )
    .await?;
    let fresh = category::Entity::find_by_id(c.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(fresh)
}

/// The catalog's answer to "may this item be bought": the version (the one in force on `on`,
/// or the pinned one) and the reasons it may not, empty when it may.
pub struct ScopeAnswer {
    pub version: Option<catalog_version::Model>,
    pub reasons: Vec<FieldError>,
}

/// What the purchase module calls: item in the catalog, not excluded by the negative list, the
/// version in force on `on`. `pinned` is the version a project was approved under.
pub async fn scope_check(
    conn: &impl ConnectionTrait,
    district: &str,
    code: &str,
    pinned: Option<i32>,
    on: NaiveDate,
) -> AppResult<ScopeAnswer> {
    let all = versions(conn, district).await?;
    let v = match pinned {
        Some(n) => all.iter().find(|v| v.number == n),
        None => in_force(&all, on),
    };
    let (validity, snap) = match v {
        Some(v) => (Some(validity(&all, v)), snapshot(conn, v.id).await?),
        None => (None, Snapshot::default()),
    };
    Ok(ScopeAnswer {
        reasons: domain::scope_check(validity.as_ref(), &snap, code.trim(), on),
        version: v.cloned(),
    })
}
