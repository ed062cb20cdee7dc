//! What the purchase use cases share: the purchaser's node, the district's settings, project
//! numbers, and moving a record on the workflow engine.

pub mod award;
pub mod bids;
pub mod budget;
pub mod contracts;
pub mod desk;
pub mod needs;
pub mod notices;
pub mod ocds;
pub mod panel;
pub mod performance;
pub mod projects;
pub mod queue;
pub mod records;
pub mod reminders;
pub mod results;

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use gongzhi_kernel::Money;
use gongzhi_kernel::authz::{Actor, Permission, ResourceScope};
use gongzhi_kernel::workflow::WorkflowDef;
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use gongzhi_platform::workflow::{self, Target};
use serde_json::json;

use crate::PURCHASE_CONFIGURE;
use crate::store::entity::settings;

pub use gongzhi_platform::clock::today;

/// Guangdong's open-tender threshold for services (¥4,000,000), until the district sets its own.
pub const DEFAULT_THRESHOLD_FEN: i64 = 400_000_000;
/// Weight of service users' satisfaction in a performance evaluation, until the district sets
/// its own.
pub const DEFAULT_SATISFACTION_PCT: i32 = 40;

pub use gongzhi_platform::territory::active as node;

/// A record at `path` the actor may read; one they may not is "not found", so its existence
/// stays private.
pub fn readable(state: &AppState, actor: &Actor, path: &str) -> AppResult<()> {
    state
        .authorize(actor, crate::PURCHASE_READ, &ResourceScope::territory(path))
        .map_err(|_| AppError::NotFound)
}

/// The subtree a list is narrowed to (`node=`), which the actor must be able to read.
pub async fn subtree(
    state: &AppState,
    actor: &Actor,
    node_code: Option<&str>,
) -> AppResult<Option<String>> {
    match node_code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(code) => {
            let n = node(&state.db.read, code)
                .await
                .map_err(|_| AppError::field("node", "territory.not_found"))?;
            state.authorize(
                actor,
                crate::PURCHASE_READ,
                &ResourceScope::territory(&n.path),
            )?;
            Ok(Some(n.path))
        }
    }
}

/// The node of a purchaser: a street office or the district, which the actor may act for.
/// A community committee is not a state organ and cannot purchase.
pub async fn purchaser(
    state: &AppState,
    actor: &Actor,
    code: &str,
    permission: Permission,
) -> AppResult<territory::Model> {
    let n = node(&state.db.read, code)
        .await
        .map_err(|_| AppError::field("node", "territory.not_found"))?;
    state.authorize(actor, permission, &ResourceScope::territory(&n.path))?;
    if n.level != "street" && n.level != "district" {
        return Err(AppError::field("node", "procurement.purchaser_not_organ"));
    }
    Ok(n)
}

#[derive(Debug, Clone, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Settings {
    #[schema(value_type = i64)]
    pub open_tender_threshold_fen: Money,
    pub satisfaction_pct: i32,
    pub credit_model: crate::domain::rating::CreditModel,
    /// 0 while the defaults apply.
    pub version: i32,
}

pub async fn settings(conn: &impl ConnectionTrait, district: &str) -> AppResult<Settings> {
    Ok(
        match settings::Entity::find_by_id(district.to_string())
            .one(conn)
            .await?
        {
            Some(s) => Settings {
                open_tender_threshold_fen: Money::from_fen(s.open_tender_threshold_fen),
                satisfaction_pct: s.satisfaction_pct,
                credit_model: s
                    .credit_model
                    .as_deref()
                    .and_then(|m| serde_json::from_str(m).ok())
                    .unwrap_or_default(),
                version: s.version,
            },
            None => Settings {
                open_tender_threshold_fen: Money::from_fen(DEFAULT_THRESHOLD_FEN),
                satisfaction_pct: DEFAULT_SATISFACTION_PCT,
                credit_model: Default::default(),
                version: 0,
            },
        },
    )
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct SettingsInput {
    /// Open-tender threshold in fen, as the province set it.
    pub open_tender_threshold_fen: i64,
    /// Weight of service users' satisfaction in evaluations, 0–100.
    pub satisfaction_pct: i32,
    /// The credit rating model; the default one when absent.
    #[serde(default)]
    pub credit_model: Option<crate::domain::rating::CreditModel>,
    /// The version you last read (0 while the defaults apply).
    pub version: i32,
}

/// The district sets its province's threshold and the satisfaction weight.
pub async fn put_settings(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    district_code: &str,
    input: &SettingsInput,
) -> AppResult<Settings> {
    let d = gongzhi_platform::territory::district_node(&state.db.read, district_code).await?;
    state.authorize(
        actor,
        PURCHASE_CONFIGURE,
        &ResourceScope::territory(&d.path),
    )?;
    let mut errors = gongzhi_kernel::ValidationErrors::new();
    purchase_amount(
        state,
        &mut errors,
        "open_tender_threshold_fen",
        input.open_tender_threshold_fen,
    );
    if !(0..=100).contains(&input.satisfaction_pct) {
        errors.push(gongzhi_kernel::FieldError::new(
            "satisfaction_pct",
            "procurement.percent_range",
        ));
    }
    if let Some(Err(e)) = input.credit_model.as_ref().map(|m| m.check()) {
        errors.push(e);
    }
    if !errors.0.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let model = input
        .credit_model
        .as_ref()
        .map(|m| serde_json::to_string(m).expect("plain data"));
    let district = d.district_code.clone();
    let txn = state.db.write.begin().await?;
    let now = audit::now();
    if input.version == 0 {
        settings::ActiveModel {
            district: Set(district.clone()),
            open_tender_threshold_fen: Set(input.open_tender_threshold_fen),
            satisfaction_pct: Set(input.satisfaction_pct),
            credit_model: Set(model.clone()),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
    } else {
        versioned::bump(
            &txn,
            settings::Entity::update_many()
                .col_expr(
                settings::Column::OpenTenderThresholdFen,
                Expr::value(input.open_tender_threshold_fen),
            )
                .col_expr(
                settings::Column::SatisfactionPct,
                Expr::value(input.satisfaction_pct),
            )
                .col_expr(settings::Column::CreditModel, Expr::value(model))
                .filter(settings::Column::District.eq(&district))
                .into_query(),
            input.version,
            Stamp::UpdatedAt,
        )
        .await?;
    }
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.settings_set",
            entity_type: "purchase_settings",
            entity_id: &district,
            scope_path: &d.path,
            summary: json!({
                "open_tender_threshold_fen": input.open_tender_threshold_fen,
                "satisfaction_pct": input.satisfaction_pct,
            }),
        },
    )
    .await?;
    let out = settings(&txn, &district).await?;
    txn.commit().await?;
    Ok(out)
}

/// The next project number of a purchaser for a year, `<node>-<year>-<seq>`. The counter row is
/// updated in the caller's transaction, so concurrent creations never share a number.
pub async fn next_number(
    conn: &impl ConnectionTrait,
    node_code: &str,
    year: i32,
) -> AppResult<String> {
    let key = format!("{node_code}-{year}");
    let insert = Query::insert()
        .into_table(Alias::new("proc_heads"))
        .columns([Alias::new("node_code"), Alias::new("seq")])
        .values_panic([key.clone().into(), 0.into()])
        .on_conflict(
            OnConflict::column(Alias::new("node_code"))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    conn.execute(&insert).await?;
    let bump = Query::update()
        .table(Alias::new("proc_heads"))
        .value(Alias::new("seq"), Expr::col(Alias::new("seq")).add(1))
        .and_where(Expr::col(Alias::new("node_code")).eq(key.clone()))
        .to_owned();
    conn.execute(&bump).await?;
    let read = Query::select()
        .column(Alias::new("seq"))
        .from(Alias::new("proc_heads"))
        .and_where(Expr::col(Alias::new("node_code")).eq(key.clone()))
        .to_owned();
    let row = conn.query_one(&read).await?.ok_or(AppError::NotFound)?;
    let seq: i32 = row.try_get("", "seq")?;
    Ok(format!("{key}-{seq:04}"))
}

/// A record moved on the workflow engine, in the caller's transaction.
pub struct Move<'a> {
    pub table: &'a str,
    pub id: uuid::Uuid,
    pub state: &'a str,
    pub version: i32,
    pub path: &'a str,
    /// The organization the record also belongs to (a bidder's challenge), so that its people
    /// may move it where the workflow lets them.
    pub org: Option<uuid::Uuid>,
}

#[allow(clippy::too_many_arguments)]
pub async fn step(
    conn: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    def: &WorkflowDef<()>,
    m: Move<'_>,
    transition: &str,
    reason: Option<&str>,
) -> AppResult<()> {
    workflow::perform(
        conn,
        state,
        actor,
        who,
        def,
        Target {
            table: m.table,
            id: m.id.into(),
            entity_id: &m.id.to_string(),
            state: m.state,
            version: m.version,
            scope: ResourceScope {
                path: m.path.to_string(),
                org_id: m.org.map(gongzhi_kernel::id::OrgId),
            },
        },
        transition,
        reason,
        &(),
    )
    .await
    .map(|_| ())
}

/// An amount of one purchase (a budget, a price, a share, a payment, a top-up, the threshold):
/// more than zero and within the configured ceiling, or a message on `field`.
pub fn purchase_amount(
    state: &AppState,
    errors: &mut gongzhi_kernel::ValidationErrors,
    field: impl Into<String>,
    fen: i64,
) -> Option<gongzhi_kernel::Money> {
    errors.check(
        field,
        state
            .config
            .money_limits
            .positive(gongzhi_kernel::AmountKind::Purchase, fen),
    )
}

/// Text that must be given, trimmed, at most `max` characters.
pub fn required_text(
    errors: &mut gongzhi_kernel::ValidationErrors,
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> String {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        errors.push(
            gongzhi_kernel::FieldError::new(field, "procurement.text_too_short").arg("min", min),
        );
    } else if n > max {
        errors.push(
            gongzhi_kernel::FieldError::new(field, "procurement.text_too_long").arg("max", max),
        );
    }
    v.to_string()
}

pub fn fail_if(errors: gongzhi_kernel::ValidationErrors) -> AppResult<()> {
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}
