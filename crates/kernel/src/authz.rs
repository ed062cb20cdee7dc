//! Roles, scopes and permissions: the pure half of authorization. The platform loads an actor's
//! grants from the database and asks [`Policy::authorize`]; nothing else decides access.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::{DivisionCode, DivisionLevel};
use crate::id::{OrgId, UserId};

/// A named action, e.g. `territory.write`. Modules declare theirs in their manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Permission(pub &'static str);

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The roles of the glossary. A role means nothing until it is held over a [`Scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    DistrictAdmin,
    StreetAdmin,
    CommunityAdmin,
    Supervisor,
    Reviewer,
    Evaluator,
    OrgAdmin,
    OrgMember,
    Resident,
    Volunteer,
    PartyMember,
    Merchant,
    CommunityLeader,
}

/// Where a role may be held: admin roles sit on the node of their own tier, organization roles
/// on an organization, the rest on any territory node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolePlacement {
    TerritoryLevel(TerritoryLevel),
    AnyTerritory,
    Org,
}

impl Role {
    pub const ALL: [Role; 13] = [
        Role::DistrictAdmin,
        Role::StreetAdmin,
        Role::CommunityAdmin,
        Role::Supervisor,
        Role::Reviewer,
        Role::Evaluator,
        Role::OrgAdmin,
        Role::OrgMember,
        Role::Resident,
        Role::Volunteer,
        Role::PartyMember,
        Role::Merchant,
        Role::CommunityLeader,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "district_admin",
            Role::StreetAdmin => "street_admin",
            Role::CommunityAdmin => "community_admin",
            Role::Supervisor => "supervisor",
            Role::Reviewer => "reviewer",
            Role::Evaluator => "evaluator",
            Role::OrgAdmin => "org_admin",
            Role::OrgMember => "org_member",
            Role::Resident => "resident",
            Role::Volunteer => "volunteer",
            Role::PartyMember => "party_member",
            Role::Merchant => "merchant",
            Role::CommunityLeader => "community_leader",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Rank used for "an admin never grants a role above their own": supervisors audit the
    /// district, so only the district appoints them; experts are engaged by streets and above.
    pub fn rank(self) -> u8 {
        match self {
            Role::DistrictAdmin | Role::Supervisor => 3,
            Role::StreetAdmin | Role::Reviewer | Role::Evaluator => 2,
            Role::CommunityAdmin => 1,
            _ => 0,
        }
    }

    pub fn placement(self) -> RolePlacement {
        match self {
            Role::DistrictAdmin => RolePlacement::TerritoryLevel(TerritoryLevel::District),
            Role::StreetAdmin => RolePlacement::TerritoryLevel(TerritoryLevel::Street),
            Role::CommunityAdmin => RolePlacement::TerritoryLevel(TerritoryLevel::Community),
            Role::OrgAdmin | Role::OrgMember => RolePlacement::Org,
            _ => RolePlacement::AnyTerritory,
        }
    }

    /// Roles that manage accounts and roles of others.
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            Role::DistrictAdmin | Role::StreetAdmin | Role::CommunityAdmin | Role::OrgAdmin
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tiers of the platform. A deployment's root is a district (county-level code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerritoryLevel {
    District,
    Street,
    Community,
    Grid,
}

impl TerritoryLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            TerritoryLevel::District => "district",
            TerritoryLevel::Street => "street",
            TerritoryLevel::Community => "community",
            TerritoryLevel::Grid => "grid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::District, Self::Street, Self::Community, Self::Grid]
            .into_iter()
            .find(|l| l.as_str() == s)
    }

    pub fn depth(self) -> u8 {
        match self {
            TerritoryLevel::District => 1,
            TerritoryLevel::Street => 2,
            TerritoryLevel::Community => 3,
            TerritoryLevel::Grid => 4,
        }
    }

    /// The platform tier of a 12-digit division code; province and prefecture codes are above
    /// any deployment's root.
    pub fn of_division(code: &DivisionCode) -> Option<Self> {
        match code.level() {
            DivisionLevel::County => Some(TerritoryLevel::District),
            DivisionLevel::Township => Some(TerritoryLevel::Street),
            DivisionLevel::Committee => Some(TerritoryLevel::Community),
            _ => None,
        }
    }
}

/// Grid codes extend their community's 12 digits with three more.
pub const GRID_SUFFIX_LEN: usize = 3;

/// A territory code: a 12-digit division code, or a 15-digit grid code under a community.
/// Returns the level and the materialized path (`/440308/440308003/440308003001/`).
pub fn territory_path(code: &str) -> Option<(TerritoryLevel, String)> {
    if code.len() == 12 + GRID_SUFFIX_LEN && code.bytes().all(|b| b.is_ascii_digit()) {
        let (community, grid) = code.split_at(12);
        if grid == "000" {
            return None;
        }
        let (level, parent_path) = territory_path(community)?;
        if level != TerritoryLevel::Community {
            return None;
        }
        return Some((TerritoryLevel::Grid, format!("{parent_path}{code}/")));
    }
    let division = DivisionCode::parse(code).ok()?;
    let level = TerritoryLevel::of_division(&division)?;
    let mut chain = vec![division.clone()];
    let mut cur = division;
    while let Some(parent) = cur.parent() {
        if TerritoryLevel::of_division(&parent).is_none() {
            break;
        }
        chain.push(parent.clone());
        cur = parent;
    }
    let mut path = String::from("/");
    for c in chain.iter().rev() {
        path.push_str(c.significant());
        path.push('/');
    }
    Some((level, path))
}

/// The parent territory code of a street, community or grid code (None for a district).
pub fn territory_parent(code: &str) -> Option<String> {
    if code.len() == 12 + GRID_SUFFIX_LEN && code.bytes().all(|b| b.is_ascii_digit()) {
        return Some(code[..12].to_string());
    }
    let division = DivisionCode::parse(code).ok()?;
    if TerritoryLevel::of_division(&division)? == TerritoryLevel::District {
        return None;
    }
    division.parent().map(|p| p.as_str().to_string())
}

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// A territory node and everything below it, by materialized path.
    Territory { code: String, path: String },
    /// One organization (its records may also sit in a territory node's subtree).
    Org { org_id: OrgId },
}

/// What is being accessed: the territory node a record belongs to and, for organization records,
/// the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceScope {
    pub path: String,
    pub org_id: Option<OrgId>,
}

impl ResourceScope {
    pub fn territory(path: impl Into<String>) -> Self {
        ResourceScope {
            path: path.into(),
            org_id: None,
        }
    }
}

impl Scope {
    pub fn covers(&self, resource: &ResourceScope) -> bool {
        match self {
            Scope::Territory { path, .. } => resource.path.starts_with(path.as_str()),
            Scope::Org { org_id } => resource.org_id == Some(*org_id),
        }
    }

    /// Whether this scope lies wholly within `other`.
    pub fn within(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::Territory { path: a, .. }, Scope::Territory { path: b, .. }) => {
                a.starts_with(b.as_str())
            }
            (Scope::Org { org_id: a }, Scope::Org { org_id: b }) => a == b,
            _ => false,
        }
    }
}

/// A role held over a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
    /// For organization scopes, the organization's territory path (so territory filters can
    /// include it); for territory scopes the scope's own path.
    pub home_path: String,
}

/// Who is acting. Built per request from the session or bearer token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub username: String,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("no role of the actor holds this permission")]
    NotPermitted,
    #[error("the record lies outside every scope where the actor holds this permission")]
    OutOfScope,
}

/// A module's declaration that `permission` is held by `roles`.
#[derive(Debug, Clone, Copy)]
pub struct PermissionDecl {
    pub permission: Permission,
    pub roles: &'static [Role],
}

/// The row-level filter a list query applies: records whose path starts with one of `paths`, or
/// that belong to one of `orgs`. Empty means the actor sees nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeFilter {
    pub paths: Vec<String>,
    pub orgs: Vec<OrgId>,
}

impl ScopeFilter {
    /// One subtree, for a `scope=` filter the caller has already authorized.
    pub fn subtree(path: impl Into<String>) -> Self {
        ScopeFilter {
            paths: vec![path.into()],
            orgs: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.orgs.is_empty()
    }
}

/// Which roles hold which permissions, assembled from every module's manifest.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    grants: BTreeMap<Role, BTreeSet<Permission>>,
    known: BTreeSet<Permission>,
}

impl Policy {
    pub fn new(decls: impl IntoIterator<Item = PermissionDecl>) -> Self {
        let mut policy = Policy::default();
        for d in decls {
            policy.known.insert(d.permission);
            for role in d.roles {
                policy.grants.entry(*role).or_default().insert(d.permission);
            }
        }
        policy
    }

    pub fn is_known(&self, permission: Permission) -> bool {
        self.known.contains(&permission)
    }

    pub fn role_has(&self, role: Role, permission: Permission) -> bool {
        self.grants
            .get(&role)
            .is_some_and(|set| set.contains(&permission))
    }

    pub fn permissions_of(&self, role: Role) -> impl Iterator<Item = Permission> + '_ {
        self.grants.get(&role).into_iter().flatten().copied()
    }

    /// The single decision: does some grant of the actor hold `permission` over `resource`?
    /// Deny by default.
    pub fn authorize(
        &self,
        actor: &Actor,
        permission: Permission,
        resource: &ResourceScope,
    ) -> Result<(), Denied> {
        let mut permitted_somewhere = false;
        for g in &actor.grants {
            if self.role_has(g.role, permission) {
                permitted_somewhere = true;
                if g.scope.covers(resource) {
                    return Ok(());
                }
            }
        }
        Err(if permitted_somewhere {
            Denied::OutOfScope
        } else {
            Denied::NotPermitted
        })
    }

    /// Whether the actor holds `permission` anywhere (for routes that create within a scope
    /// named in the request, and for building menus).
    pub fn holds_anywhere(&self, actor: &Actor, permission: Permission) -> bool {
        actor
            .grants
            .iter()
            .any(|g| self.role_has(g.role, permission))
    }

    /// The filter a list query applies for `permission`; nested paths are collapsed.
    pub fn scope_filter(&self, actor: &Actor, permission: Permission) -> ScopeFilter {
        let mut paths: Vec<String> = Vec::new();
        let mut orgs = Vec::new();
        for g in actor
            .grants
            .iter()
            .filter(|g| self.role_has(g.role, permission))
        {
            match &g.scope {
                Scope::Territory { path, .. } => paths.push(path.clone()),
                Scope::Org { org_id } => orgs.push(*org_id),
            }
        }
        paths.sort();
        let mut collapsed: Vec<String> = Vec::new();
        for p in paths {
            if !collapsed.iter().any(|c| p.starts_with(c.as_str())) {
                collapsed.push(p);
            }
        }
        orgs.sort();
        orgs.dedup();
        ScopeFilter {
            paths: collapsed,
            orgs,
        }
    }

    /// May `actor` grant `role` over `scope`? The actor needs `manage` over the scope through an
    /// admin grant whose role ranks at least as high as the one granted.
    pub fn may_grant(
        &self,
        actor: &Actor,
        manage: Permission,
        role: Role,
        scope: &Scope,
        scope_home_path: &str,
    ) -> Result<(), Denied> {
        let resource = match scope {
            Scope::Territory { path, .. } => ResourceScope::territory(path.clone()),
            Scope::Org { org_id } => ResourceScope {
                path: scope_home_path.to_string(),
                org_id: Some(*org_id),
            },
        };
        let mut permitted_somewhere = false;
        for g in &actor.grants {
            if g.role.is_admin() && self.role_has(g.role, manage) && g.role.rank() >= role.rank() {
                permitted_somewhere = true;
                if g.scope.covers(&resource) {
                    return Ok(());
                }
            }
        }
        Err(if permitted_somewhere {
            Denied::OutOfScope
        } else {
            Denied::NotPermitted
        })
    }
}

/// The district, street and community segments of a materialized path (`/440308/440308002/…`).
/// Large tables store these beside the path so a scope at any tier is an equality on an indexed
/// column, and lists ordered by time walk an index instead of sorting the subtree.
pub fn path_levels(path: &str) -> [Option<&str>; 3] {
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    [segs.next(), segs.next(), segs.next()]
}

/// How deep a scope path is: 1 district, 2 street, 3 community, 4 grid.
pub fn path_depth(path: &str) -> usize {
    path.split('/').filter(|s| !s.is_empty()).count()
}

/// The upper bound of a path-prefix range scan: every path under `prefix` (which ends in `/`)
/// sorts in `[prefix, upper)` under byte order, because `0` follows `/`.
pub fn path_range_upper(prefix: &str) -> String {
    let mut upper = prefix.trim_end_matches('/').to_string();
    upper.push('0');
    upper
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: Permission = Permission("territory.read");
    const WRITE: Permission = Permission("territory.write");
    const MANAGE: Permission = Permission("user.manage");

    fn policy() -> Policy {
        Policy::new([
            PermissionDecl {
                permission: READ,
                roles: &[
                    Role::DistrictAdmin,
                    Role::StreetAdmin,
                    Role::CommunityAdmin,
                    Role::Supervisor,
                ],
            },
            PermissionDecl {
                permission: WRITE,
                roles: &[Role::DistrictAdmin, Role::StreetAdmin],
            },
            PermissionDecl {
                permission: MANAGE,
                roles: &[Role::DistrictAdmin, Role::StreetAdmin, Role::CommunityAdmin],
            },
        ])
    }

    fn territory(code: &str) -> Scope {
        let (_, path) = territory_path(code).unwrap();
        Scope::Territory {
            code: code.into(),
            path,
        }
    }

    fn actor(role: Role, code: &str) -> Actor {
        let scope = territory(code);
        let home_path = territory_path(code).unwrap().1;
        Actor {
            user_id: UserId::new(),
            username: "t".into(),
            grants: vec![Grant {
                role,
                scope,
                home_path,
            }],
        }
    }

    fn res(code: &str) -> ResourceScope {
        ResourceScope::territory(territory_path(code).unwrap().1)
    }

    #[test]
    fn paths_follow_the_tiers() {
        assert_eq!(
            territory_path("440308000000").unwrap(),
            (TerritoryLevel::District, "/440308/".into())
        );
        assert_eq!(
            territory_path("440308003000").unwrap(),
            (TerritoryLevel::Street, "/440308/440308003/".into())
        );
        assert_eq!(
            territory_path("440308003001").unwrap(),
            (
                TerritoryLevel::Community,
                "/440308/440308003/440308003001/".into()
            )
        );
        assert_eq!(
            territory_path("440308003001002").unwrap().1,
            "/440308/440308003/440308003001/440308003001002/"
        );
        assert!(territory_path("440300000000").is_none());
        assert!(territory_path("440308003000001").is_none());
        assert_eq!(territory_parent("440308003001").unwrap(), "440308003000");
        assert_eq!(territory_parent("440308003000").unwrap(), "440308000000");
        assert_eq!(territory_parent("440308000000"), None);
        assert_eq!(
            territory_parent("12345678901中1"),
            None,
            "non-ASCII input must not panic"
        );
    }

    #[test]
    fn street_admin_sees_own_street_only() {
        let p = policy();
        let a = actor(Role::StreetAdmin, "440308003000");
        assert!(p.authorize(&a, WRITE, &res("440308003001")).is_ok());
        assert!(p.authorize(&a, WRITE, &res("440308003000")).is_ok());
        assert_eq!(
            p.authorize(&a, WRITE, &res("440308004001")),
            Err(Denied::OutOfScope)
        );
        assert_eq!(
            p.authorize(&a, WRITE, &res("440308000000")),
            Err(Denied::OutOfScope)
        );
    }

    #[test]
    fn deny_by_default() {
        let p = policy();
        let a = actor(Role::Supervisor, "440308000000");
        assert_eq!(
            p.authorize(&a, WRITE, &res("440308003001")),
            Err(Denied::NotPermitted)
        );
        assert!(p.authorize(&a, READ, &res("440308003001")).is_ok());
        let nobody = Actor {
            user_id: UserId::new(),
            username: "n".into(),
            grants: vec![],
        };
        assert_eq!(
            p.authorize(&nobody, READ, &res("440308003001")),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            p.authorize(&a, Permission("unknown.thing"), &res("440308003001")),
            Err(Denied::NotPermitted)
        );
    }

    #[test]
    fn sibling_codes_with_shared_prefix_are_not_covered() {
        // 440308003 must not cover 4403080031xx-style siblings: paths end in '/'.
        let p = policy();
        let a = actor(Role::CommunityAdmin, "440308003001");
        assert!(p.authorize(&a, READ, &res("440308003001001")).is_ok());
        assert!(p.authorize(&a, READ, &res("440308003010")).is_err());
    }

    #[test]
    fn granting_respects_rank_and_scope() {
        let p = policy();
        let a = actor(Role::StreetAdmin, "440308003000");
        assert!(
            p.may_grant(
                &a,
                MANAGE,
                Role::CommunityAdmin,
                &territory("440308003001"),
                ""
            )
            .is_ok()
        );
        assert!(
            p.may_grant(
                &a,
                MANAGE,
                Role::StreetAdmin,
                &territory("440308003000"),
                ""
            )
            .is_ok()
        );
        assert_eq!(
            p.may_grant(
                &a,
                MANAGE,
                Role::DistrictAdmin,
                &territory("440308003000"),
                ""
            ),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            p.may_grant(&a, MANAGE, Role::Supervisor, &territory("440308003001"), ""),
            Err(Denied::NotPermitted)
        );
        assert_eq!(
            p.may_grant(
                &a,
                MANAGE,
                Role::CommunityAdmin,
                &territory("440308004001"),
                ""
            ),
            Err(Denied::OutOfScope)
        );
    }

    #[test]
    fn scope_filter_collapses_nested_paths() {
        let p = policy();
        let mut a = actor(Role::StreetAdmin, "440308003000");
        a.grants
            .extend(actor(Role::CommunityAdmin, "440308003001").grants);
        a.grants
            .extend(actor(Role::CommunityAdmin, "440308004001").grants);
        let f = p.scope_filter(&a, READ);
        assert_eq!(
            f.paths,
            vec![
                "/440308/440308003/".to_string(),
                "/440308/440308004/440308004001/".to_string()
            ]
        );
    }

    #[test]
    fn levels_of_paths() {
        assert_eq!(path_levels("/440308/"), [Some("440308"), None, None]);
        assert_eq!(
            path_levels("/440308/440308002/440308002001/440308002001003/"),
            [Some("440308"), Some("440308002"), Some("440308002001")]
        );
        assert_eq!(path_depth("/440308/440308002/"), 2);
    }

    #[test]
    fn range_upper_bounds_subtree() {
        let prefix = "/440308/440308003/";
        let upper = path_range_upper(prefix);
        assert_eq!(upper, "/440308/4403080030");
        for inside in ["/440308/440308003/", "/440308/440308003/440308003999/"] {
            assert!(inside >= prefix && inside < upper.as_str());
        }
        for outside in ["/440308/440308004/", "/440308/4403080031/", "/440308/"] {
            assert!(!(outside >= prefix && outside < upper.as_str()));
        }
    }
}
