//! The 区–街–社区 tree. A node's code extends its parent's code at the next level; names are
//! unique among siblings; hubs (platform sites) attach to nodes. Records are never deleted.

use crate::versioned::{self, Stamp};
use gongzhi_kernel::authz::{
    Actor, ResourceScope, TerritoryLevel, territory_parent, territory_path,
};
use gongzhi_kernel::codes::{DivisionCode, TownshipKind};
use gongzhi_kernel::{FieldError, PhoneNumber, ValidationErrors};
use sea_orm::QueryTrait as _;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::json;

use crate::audit::{self, AuditActor, Change};
use crate::authz::TERRITORY_WRITE;
use crate::entity::{hub, territory};
use crate::web::{AppError, AppResult, AppState};

pub const KINDS: [(&str, TerritoryLevel); 7] = [
    ("district", TerritoryLevel::District),
    ("street", TerritoryLevel::Street),
    ("town", TerritoryLevel::Street),
    ("township", TerritoryLevel::Street),
    ("community", TerritoryLevel::Community),
    ("village", TerritoryLevel::Community),
    ("grid", TerritoryLevel::Grid),
];

/// Hub kinds and the levels where each may stand (None: any level).
pub const HUB_KINDS: [(&str, Option<TerritoryLevel>); 5] = [
    ("innovation_center", None),
    ("cultivation_center", Some(TerritoryLevel::District)),
    ("party_service_center", None),
    ("social_work_station", Some(TerritoryLevel::Street)),
    ("social_work_room", Some(TerritoryLevel::Community)),
];

/// A node proposed for creation, checked for shape (not yet against the database).
#[derive(Debug, Clone)]
pub struct NewNode {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub level: TerritoryLevel,
    pub parent_code: Option<String>,
    pub path: String,
}

pub fn check_name(field: &str, name: &str, errors: &mut ValidationErrors) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        errors.add(field, "territory.name_required");
        None
    } else if name.chars().count() > 50 {
        errors.push(FieldError::new(field, "territory.name_too_long").arg("max", 50));
        None
    } else {
        Some(name.to_string())
    }
}

/// Shape checks for a new node. `prefix` names fields for import rows (`rows.3.`).
pub fn parse_new(
    prefix: &str,
    code: &str,
    name: &str,
    kind: &str,
    errors: &mut ValidationErrors,
) -> Option<NewNode> {
    let f = |s: &str| format!("{prefix}{s}");
    let code = code.trim();
    let name = check_name(&f("name"), name, errors);
    let located = territory_path(code);
    if located.is_none() {
        // Say which rule failed: the 12-digit shape, or a level the platform does not keep.
        match DivisionCode::parse(code) {
            Err(e) if code.len() != 15 => errors.push(e.for_field(f("code"))),
            _ => errors.add(f("code"), "territory.code_level"),
        }
    }
    let kind_level = KINDS
        .iter()
        .find(|(k, _)| *k == kind.trim())
        .map(|(_, l)| *l);
    if kind_level.is_none() {
        errors.add(f("kind"), "territory.kind_unknown");
    }
    let (level, path) = located?;
    let kind_level = kind_level?;
    if kind_level != level {
        errors.push(FieldError::new(f("kind"), "territory.kind_level").arg(
            "level",
            crate::i18n::tr(&format!("level.{}", level.as_str()), &[]),
        ));
        return None;
    }
    if level == TerritoryLevel::Street
        && let Ok(dc) = DivisionCode::parse(code)
    {
        let expected = match dc.township_kind() {
            Some(TownshipKind::Street) => Some("street"),
            Some(TownshipKind::Town) => Some("town"),
            Some(TownshipKind::Township) => Some("township"),
            None => None,
        };
        if let Some(e) = expected
            && e != kind.trim()
        {
            errors.push(
                FieldError::new(f("kind"), "territory.kind_code")
                    .arg("kind", crate::i18n::tr(&format!("kind.{e}"), &[])),
            );
            return None;
        }
    }
    Some(NewNode {
        code: code.to_string(),
        name: name?,
        kind: kind.trim().to_string(),
        level,
        parent_code: territory_parent(code),
        path,
    })
}

async fn insert_node(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    node: &NewNode,
    district_code: &str,
) -> AppResult<territory::Model> {
    let now = audit::now();
    let model = territory::ActiveModel {
        code: Set(node.code.clone()),
        name: Set(node.name.clone()),
        kind: Set(node.kind.clone()),
        level: Set(node.level.as_str().into()),
        parent_code: Set(node.parent_code.clone()),
        path: Set(node.path.clone()),
        district_code: Set(district_code.to_string()),
        status: Set("active".into()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        who,
        Change {
            action: "territory.create",
            entity_type: "territory",
            entity_id: &model.code,
            scope_path: &model.path,
            summary: json!({"name": model.name, "kind": model.kind}),
        },
    )
    .await?;
    Ok(model)
}

pub async fn get(conn: &impl ConnectionTrait, code: &str) -> AppResult<Option<territory::Model>> {
    Ok(territory::Entity::find_by_id(code.to_string())
        .one(conn)
        .await?)
}

/// An active node by its code; 404 for an unknown or closed one.
pub async fn active(conn: &impl ConnectionTrait, code: &str) -> AppResult<territory::Model> {
    get(conn, code.trim())
        .await?
        .filter(|n| n.status == "active")
        .ok_or(AppError::NotFound)
}

/// An active district node, by its code (`440308000000`) or its short code (`440308`, the one
/// records' `scope_district` holds).
pub async fn district_node(conn: &impl ConnectionTrait, code: &str) -> AppResult<territory::Model> {
    let code = code.trim();
    let n = if code.len() == 12 {
        active(conn, code).await?
    } else {
        territory::Entity::find()
            .filter(territory::Column::DistrictCode.eq(code))
            .filter(territory::Column::Level.eq("district"))
            .filter(territory::Column::Status.eq("active"))
            .one(conn)
            .await?
            .ok_or(AppError::NotFound)?
    };
    if n.level != "district" {
        return Err(AppError::NotFound);
    }
    Ok(n)
}

async fn sibling_named(
    conn: &impl ConnectionTrait,
    parent: &Option<String>,
    name: &str,
    except: Option<&str>,
) -> AppResult<bool> {
    let mut q = territory::Entity::find().filter(territory::Column::Name.eq(name));
    q = match parent {
        Some(p) => q.filter(territory::Column::ParentCode.eq(p.clone())),
        None => q.filter(territory::Column::ParentCode.is_null()),
    };
    if let Some(c) = except {
        q = q.filter(territory::Column::Code.ne(c));
    }
    Ok(q.one(conn).await?.is_some())
}

/// Create the deployment's root (the CLI's `init`; there is no route for it).
pub async fn create_district(
    db: &crate::Db,
    who: &AuditActor,
    code: &str,
    name: &str,
) -> AppResult<territory::Model> {
    let mut errors = ValidationErrors::new();
    let node = parse_new("", code, name, "district", &mut errors);
    errors.into_result()?;
    let node = node.ok_or_else(|| AppError::field("code", "territory.code_level"))?;
    let txn = db.write.begin().await?;
    if get(&txn, &node.code).await?.is_some() {
        return Err(AppError::field("code", "territory.code_taken"));
    }
    let district = node.code[..6].to_string();
    let m = insert_node(&txn, who, &node, &district).await?;
    txn.commit().await?;
    Ok(m)
}

/// Create a street, community or grid under an existing parent the actor may write.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    code: &str,
    name: &str,
    kind: &str,
) -> AppResult<territory::Model> {
    let mut errors = ValidationErrors::new();
    let node = parse_new("", code, name, kind, &mut errors);
    let Some(node) = node else {
        return Err(errors.into());
    };
    let Some(parent_code) = node.parent_code.clone() else {
        return Err(AppError::field("code", "territory.root_via_cli"));
    };
    let txn = state.db.write.begin().await?;
    let parent = get(&txn, &parent_code)
        .await?
        .ok_or_else(|| AppError::field("code", "territory.parent_missing"))?;
    if parent.status != "active" {
        return Err(AppError::field("code", "territory.inactive"));
    }
    state.authorize(
        actor,
        TERRITORY_WRITE,
        &ResourceScope::territory(parent.path.clone()),
    )?;
    errors.into_result()?;
    if get(&txn, &node.code).await?.is_some() {
        return Err(AppError::field("code", "territory.code_taken"));
    }
    if sibling_named(&txn, &node.parent_code, &node.name, None).await? {
        return Err(AppError::field("name", "territory.name_taken"));
    }
    let m = insert_node(&txn, who, &node, &parent.district_code).await?;
    txn.commit().await?;
    Ok(m)
}

pub struct NodePatch {
    pub name: Option<String>,
    pub status: Option<String>,
    pub version: i32,
}

/// Rename or (de)activate a node, with the optimistic version check.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    code: &str,
    patch: NodePatch,
) -> AppResult<territory::Model> {
    let txn = state.db.write.begin().await?;
    let node = get(&txn, code).await?.ok_or(AppError::NotFound)?;
    state.authorize(
        actor,
        TERRITORY_WRITE,
        &ResourceScope::territory(node.path.clone()),
    )?;
    let mut errors = ValidationErrors::new();
    let name = patch
        .name
        .as_deref()
        .and_then(|n| check_name("name", n, &mut errors));
    if let Some(s) = &patch.status
        && s != "active"
        && s != "inactive"
    {
        errors.add("status", "territory.status_invalid");
    }
    errors.into_result()?;
    if node.version != patch.version {
        return Err(AppError::Conflict("error.stale_version"));
    }
    if let Some(n) = &name
        && sibling_named(&txn, &node.parent_code, n, Some(code)).await?
    {
        return Err(AppError::field("name", "territory.name_taken"));
    }
    let mut am: territory::ActiveModel = node.clone().into();
    if let Some(n) = &name {
        am.name = Set(n.clone());
    }
    if let Some(s) = &patch.status {
        am.status = Set(s.clone());
    }
    // The version in the WHERE clause makes a concurrent writer's update affect no row.
    versioned::bump(
        &txn,
        territory::Entity::update_many()
            .set(am)
            .filter(territory::Column::Code.eq(code))
            .into_query(),
        node.version,
        Stamp::UpdatedAt,
    )
    .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "territory.update",
            entity_type: "territory",
            entity_id: code,
            scope_path: &node.path,
            summary: json!({"from": {"name": node.name, "status": node.status},
                            "to": {"name": name, "status": patch.status}}),
        },
    )
    .await?;
    let updated = get(&txn, code).await?.ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(updated)
}

/// One row of a bulk import: (row number as the user counts it, code, name, kind).
pub type ImportRow = (usize, String, String, String);

/// Read CSV (UTF-8, optional BOM) or XLSX rows with header `code,name,kind` (or 代码,名称,类型).
pub fn read_rows(bytes: &[u8], xlsx: bool) -> AppResult<Vec<ImportRow>> {
    let table = crate::tabular::read_table(bytes, xlsx)?;
    let header = &table[0];
    let col = |names: &[&str]| crate::tabular::column(header, names);
    let (Some(c), Some(n), Some(k)) = (
        col(&["code", "代码", "区划代码"]),
        col(&["name", "名称"]),
        col(&["kind", "类型"]),
    ) else {
        return Err(AppError::field("file", "import.header"));
    };
    let get = |r: &Vec<String>, i: usize| r.get(i).cloned().unwrap_or_default();
    Ok(crate::tabular::data_rows(&table, 5_000)?
        .into_iter()
        .map(|(i, r)| (i, get(r, c), get(r, n), get(r, k)))
        .collect())
}

/// Import all rows or none. Parents may be existing nodes or earlier rows of the same file.
/// Errors are reported per row as `rows.<n>.<field>`.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    rows: Vec<ImportRow>,
) -> AppResult<Vec<territory::Model>> {
    let mut errors = ValidationErrors::new();
    let txn = state.db.write.begin().await?;
    let mut planned: Vec<(NewNode, String)> = Vec::new();
    for (row, code, name, kind) in rows {
        let prefix = format!("rows.{row}.");
        let Some(node) = parse_new(&prefix, &code, &name, &kind, &mut errors) else {
            continue;
        };
        let Some(parent_code) = node.parent_code.clone() else {
            errors.add(format!("{prefix}code"), "territory.root_via_cli");
            continue;
        };
        let parent_district =
            if let Some((p, d)) = planned.iter().find(|(p, _)| p.code == parent_code) {
                Some((p.path.clone(), d.clone()))
            } else {
                get(&txn, &parent_code)
                    .await?
                    .filter(|p| p.status == "active")
                    .map(|p| (p.path, p.district_code))
            };
        let Some((parent_path, district)) = parent_district else {
            errors.add(format!("{prefix}code"), "territory.parent_missing");
            continue;
        };
        if state
            .policy
            .authorize(
                actor,
                TERRITORY_WRITE,
                &ResourceScope::territory(parent_path),
            )
            .is_err()
        {
            return Err(AppError::Forbidden);
        }
        if planned.iter().any(|(p, _)| p.code == node.code)
            || get(&txn, &node.code).await?.is_some()
        {
            errors.add(format!("{prefix}code"), "territory.code_taken");
            continue;
        }
        if planned
            .iter()
            .any(|(p, _)| p.parent_code == node.parent_code && p.name == node.name)
            || sibling_named(&txn, &node.parent_code, &node.name, None).await?
        {
            errors.add(format!("{prefix}name"), "territory.name_taken");
            continue;
        }
        planned.push((node, district));
    }
    errors.into_result()?;
    let mut out = Vec::with_capacity(planned.len());
    for (node, district) in &planned {
        out.push(insert_node(&txn, who, node, district).await?);
    }
    txn.commit().await?;
    Ok(out)
}

pub struct NewHub {
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
}

pub async fn create_hub(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    code: &str,
    new: NewHub,
) -> AppResult<hub::Model> {
    let txn = state.db.write.begin().await?;
    let node = get(&txn, code).await?.ok_or(AppError::NotFound)?;
    if node.status != "active" {
        return Err(AppError::field("name", "territory.inactive"));
    }
    state.authorize(
        actor,
        TERRITORY_WRITE,
        &ResourceScope::territory(node.path.clone()),
    )?;
    let mut errors = ValidationErrors::new();
    let name = check_name("name", &new.name, &mut errors);
    match HUB_KINDS.iter().find(|(k, _)| *k == new.kind) {
        None => errors.add("kind", "hub.kind_unknown"),
        Some((_, Some(level))) if level.as_str() != node.level => {
            errors.push(FieldError::new("kind", "hub.kind_level").arg(
                "level",
                crate::i18n::tr(&format!("level.{}", level.as_str()), &[]),
            ))
        }
        _ => {}
    }
    let phone = new
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .and_then(|p| errors.check("phone", PhoneNumber::parse(p)))
        .map(|p| p.as_str().to_string());
    errors.into_result()?;
    let name = name.unwrap_or_default();
    let dup = hub::Entity::find()
        .filter(hub::Column::TerritoryCode.eq(code))
        .filter(hub::Column::Name.eq(name.clone()))
        .one(&txn)
        .await?;
    if dup.is_some() {
        return Err(AppError::field("name", "hub.name_taken"));
    }
    let address = new
        .address
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    let m = insert_hub(&txn, who, &node, &new.kind, &name, address, phone).await?;
    txn.commit().await?;
    Ok(m)
}

/// Create a hub without an actor (demo seed, CLI).
pub async fn seed_hub(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    node: &territory::Model,
    kind: &str,
    name: &str,
) -> AppResult<hub::Model> {
    insert_hub(conn, who, node, kind, name, None, None).await
}

async fn insert_hub(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    node: &territory::Model,
    kind: &str,
    name: &str,
    address: Option<String>,
    phone: Option<String>,
) -> AppResult<hub::Model> {
    let now = audit::now();
    let m = hub::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        territory_code: Set(node.code.clone()),
        path: Set(node.path.clone()),
        kind: Set(kind.into()),
        name: Set(name.into()),
        address: Set(address),
        phone: Set(phone),
        status: Set("active".into()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        who,
        Change {
            action: "hub.create",
            entity_type: "hub",
            entity_id: &m.id.to_string(),
            scope_path: &m.path,
            summary: json!({"name": m.name, "kind": m.kind, "territory": node.code}),
        },
    )
    .await?;
    Ok(m)
}

/// Insert a node without an actor (demo seed): same checks as `create`, minus authorization.
pub async fn seed_node(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    code: &str,
    name: &str,
    kind: &str,
) -> AppResult<territory::Model> {
    let mut errors = ValidationErrors::new();
    let node = parse_new("", code, name, kind, &mut errors);
    errors.into_result()?;
    let node = node.ok_or_else(|| AppError::field("code", "territory.code_level"))?;
    let district = node.code[..6].to_string();
    insert_node(conn, who, &node, &district).await
}
