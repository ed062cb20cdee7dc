//! The social organization registry (issue 4): organizations in three management tiers, the
//! community-organization filing flow on the workflow engine, organization-scoped roles, the
//! directory and the public directory.

pub mod api;
pub mod domain;
pub mod entity;
pub mod export;
mod migration;
pub mod seed;
pub mod service;
pub mod ui;

use gongzhi_kernel::authz::{Permission, PermissionDecl, Role::*};
use gongzhi_platform::Module;
use gongzhi_platform::web::Routes;

pub const ORG_READ: Permission = Permission("org.read");
pub const ORG_APPLY: Permission = Permission("org.apply");
pub const ORG_EDIT: Permission = Permission("org.edit");
pub const ORG_SUBMIT: Permission = Permission("org.submit");
pub const ORG_REVIEW: Permission = Permission("org.review");
pub const ORG_DECIDE: Permission = Permission("org.decide");
pub const ORG_REGISTER: Permission = Permission("org.register");

pub struct OrgsModule;

impl Module for OrgsModule {
    fn name(&self) -> &'static str {
        "orgs"
    }

    fn migrations(&self) -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        vec![Box::new(migration::OrgsSchema)]
    }

    fn permissions(&self) -> Vec<PermissionDecl> {
        vec![
            PermissionDecl {
                permission: ORG_READ,
                roles: &[
                    DistrictAdmin,
                    StreetAdmin,
                    CommunityAdmin,
                    Supervisor,
                    Reviewer,
                    Evaluator,
                    OrgAdmin,
                    OrgMember,
                ],
            },
            // Residents found community organizations; staff at every tier help them apply.
            PermissionDecl {
                permission: ORG_APPLY,
                roles: &[
                    DistrictAdmin,
                    StreetAdmin,
                    CommunityAdmin,
                    Resident,
                    Volunteer,
                    PartyMember,
                    CommunityLeader,
                ],
            },
            PermissionDecl {
                permission: ORG_EDIT,
                roles: &[DistrictAdmin, StreetAdmin, OrgAdmin],
            },
            PermissionDecl {
                permission: ORG_SUBMIT,
                roles: &[OrgAdmin],
            },
            PermissionDecl {
                permission: ORG_REVIEW,
                roles: &[CommunityAdmin],
            },
            PermissionDecl {
                permission: ORG_DECIDE,
                roles: &[DistrictAdmin, StreetAdmin],
            },
            PermissionDecl {
                permission: ORG_REGISTER,
                roles: &[DistrictAdmin, StreetAdmin],
            },
        ]
    }

    fn routes(&self) -> Routes {
        api::routes().merge(ui::routes())
    }

    fn openapi(&self) -> gongzhi_platform::utoipa::openapi::OpenApi {
        api::openapi()
    }

    fn nav(&self) -> Vec<gongzhi_platform::ui::NavEntry> {
        vec![gongzhi_platform::ui::NavEntry {
            key: "nav.orgs",
            href: "/orgs",
            permission: Some(ORG_READ),
            order: 30,
        }]
    }

    fn seed_demo<'a>(
        &'a self,
        state: &'a gongzhi_platform::AppState,
        demo: &'a mut gongzhi_platform::module::DemoAccounts,
    ) -> futures::future::BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(seed::demo(state, demo))
    }
}
