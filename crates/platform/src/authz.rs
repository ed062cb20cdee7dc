//! The platform's permissions and the glue between the kernel's policy and the database:
//! loading an actor's grants and turning a scope filter into SQL.

use gongzhi_kernel::authz::{
    Actor, Grant, Permission, PermissionDecl, Role, Scope, ScopeFilter, path_depth, path_levels,
    path_range_upper,
};
use gongzhi_kernel::id::{OrgId, UserId};
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::entity::role_assignment;

pub const TERRITORY_READ: Permission = Permission("territory.read");
pub const TERRITORY_WRITE: Permission = Permission("territory.write");
pub const USER_READ: Permission = Permission("user.read");
pub const USER_MANAGE: Permission = Permission("user.manage");
pub const AUDIT_READ: Permission = Permission("audit.read");

use Role::*;

pub fn core_permissions() -> Vec<PermissionDecl> {
    vec![
        PermissionDecl {
            permission: TERRITORY_READ,
            roles: &[
                DistrictAdmin,
                StreetAdmin,
                CommunityAdmin,
                Supervisor,
                Reviewer,
                Evaluator,
            ],
        },
        PermissionDecl {
            permission: TERRITORY_WRITE,
            roles: &[DistrictAdmin, StreetAdmin],
        },
        PermissionDecl {
            permission: USER_READ,
            roles: &[
                DistrictAdmin,
                StreetAdmin,
                CommunityAdmin,
                Supervisor,
                OrgAdmin,
            ],
        },
        PermissionDecl {
            permission: USER_MANAGE,
            roles: &[DistrictAdmin, StreetAdmin, CommunityAdmin, OrgAdmin],
        },
        PermissionDecl {
            permission: AUDIT_READ,
            roles: &[DistrictAdmin, Supervisor],
        },
    ]
}

/// Build the actor from their live (unrevoked) role assignments.
pub async fn load_actor(
    conn: &impl ConnectionTrait,
    user_id: uuid::Uuid,
    username: &str,
) -> Result<Actor, DbErr> {
    let rows = role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(user_id))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .all(conn)
        .await?;
    let grants = rows.into_iter().filter_map(grant_of).collect();
    Ok(Actor {
        user_id: UserId(user_id),
        username: username.to_string(),
        grants,
    })
}

pub fn grant_of(r: role_assignment::Model) -> Option<Grant> {
    let role = Role::parse(&r.role)?;
    let scope = match r.scope_kind.as_str() {
        "territory" => Scope::Territory {
            code: r.scope_ref.clone(),
            path: r.scope_path.clone(),
        },
        "org" => Scope::Org {
            org_id: OrgId(r.scope_ref.parse().ok()?),
        },
        _ => return None,
    };
    Some(Grant {
        role,
        scope,
        home_path: r.scope_path,
    })
}

/// `path` lies in one of the filter's subtrees: an indexed range scan per subtree. Organization
/// grants are added by modules whose tables carry an organization column (see
/// [`scope_condition_with_org`]). An empty filter matches nothing.
pub fn scope_condition(filter: &ScopeFilter, path_col: impl IntoColumnRef + Clone) -> Condition {
    let mut any = Condition::any();
    for p in &filter.paths {
        any = any.add(
            Condition::all()
                .add(Expr::col(path_col.clone()).gte(p.clone()))
                .add(Expr::col(path_col.clone()).lt(path_range_upper(p))),
        );
    }
    if filter.paths.is_empty() {
        any = any.add(Expr::val(1).eq(0));
    }
    any
}

pub fn scope_condition_with_org(
    filter: &ScopeFilter,
    path_col: impl IntoColumnRef + Clone,
    org_col: impl IntoColumnRef,
) -> Condition {
    let mut c = scope_condition(filter, path_col);
    if !filter.orgs.is_empty() {
        c = c.add(Expr::col(org_col).is_in(filter.orgs.iter().map(|o| o.0)));
    }
    c
}

/// The scope filter for a table that stores its path's levels (see `path_levels`): each subtree
/// becomes an equality on the column of its tier (plus the path range below community level), so
/// an index on `(level column, time)` serves "newest first in my scope" without sorting.
pub fn level_condition<C: IntoColumnRef + Clone>(
    filter: &ScopeFilter,
    levels: [C; 3],
    path_col: C,
) -> Condition {
    let mut any = Condition::any();
    for p in &filter.paths {
        let depth = path_depth(p).clamp(1, 4);
        let segs = path_levels(p);
        let tier = depth.min(3) - 1;
        let mut c =
            Condition::all().add(Expr::col(levels[tier].clone()).eq(segs[tier].unwrap_or("")));
        if depth > 3 {
            c = c
                .add(Expr::col(path_col.clone()).gte(p.clone()))
                .add(Expr::col(path_col.clone()).lt(path_range_upper(p)));
        }
        any = any.add(c);
    }
    if filter.paths.is_empty() {
        any = any.add(Expr::val(1).eq(0));
    }
    any
}

/// `column LIKE 'prefix%'` with `%`, `_` and `\\` in the prefix taken literally.
pub fn starts_with(col: impl IntoColumnRef, prefix: &str) -> sea_orm::sea_query::Expr {
    let mut escaped = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    Expr::col(col).like(sea_orm::sea_query::LikeExpr::new(escaped).escape('\\'))
}
