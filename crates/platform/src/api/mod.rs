//! The platform's own API (the "core" module): sign-in, accounts and roles, tokens, territory,
//! hubs and the audit log.

pub mod audit;
pub mod auth;
pub mod desk;
pub mod territories;
pub mod tokens;
pub mod users;

use gongzhi_kernel::authz::PermissionDecl;
use sea_orm_migration::MigrationTrait;
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::module::Module;
use crate::web::Routes;

/// RFC 9457 problem document, as every error is returned.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[schema(example = "/problems/validation")]
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The message key of a conflict or bad request, e.g. `error.stale_version`.
    #[schema(nullable = false)]
    pub code: Option<String>,
    /// Per-field messages (validation problems only).
    #[schema(nullable = false)]
    pub errors: Option<Vec<ProblemField>>,
}

#[derive(Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub code: String,
    pub message: String,
}

struct Security;
impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::web::auth_cookie_name(),
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Gongzhi 共治 API", version = "1", description = "JSON API of the Gongzhi community-governance platform. Errors are RFC 9457 problem documents; messages are Chinese unless `lang=en` or `Accept-Language: en`."),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    paths(
        auth::login, auth::logout, auth::me, auth::change_password,
        tokens::list, tokens::create, tokens::revoke,
        territories::list, territories::get_one, territories::create, territories::patch,
        territories::import, territories::list_hubs, territories::create_hub,
        users::list, users::get_one, users::create, users::grant, users::revoke,
        users::set_status, users::reset_password,
        audit::list, audit::export_csv, audit::checkpoints,
        desk::desk, desk::figures,
    ),
    components(schemas(Problem, ProblemField, crate::module::FigureUnit))
)]
struct CoreApi;

/// The platform itself, as the first module.
pub struct CoreModule;

impl Module for CoreModule {
    fn name(&self) -> &'static str {
        "core"
    }

    fn migrations(&self) -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(crate::migration::CoreSchema),
            Box::new(crate::migration::FilesAndJobs),
            Box::new(crate::migration::AuditKeysAndThrottle),
        ]
    }

    fn permissions(&self) -> Vec<PermissionDecl> {
        crate::authz::core_permissions()
    }

    fn routes(&self) -> Routes {
        auth::routes()
            .merge(tokens::routes())
            .merge(territories::routes())
            .merge(users::routes())
            .merge(audit::routes())
            .merge(desk::routes())
            .merge(crate::ui::routes())
            .merge(crate::ui::shell_routes())
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        CoreApi::openapi()
    }

    fn jobs(&self) -> Vec<crate::jobs::Job> {
        vec![crate::jobs::Job {
            name: "core.login_throttles",
            every: std::time::Duration::from_secs(24 * 3600),
            run: |state, _| {
                Box::pin(async move {
                    let n =
                        crate::throttle::forget_old(&state.db.write, crate::audit::now()).await?;
                    Ok(format!("forgot {n} sign-in counters"))
                })
            },
        }]
    }

    #[cfg(feature = "testing")]
    fn walk(&self) -> Vec<crate::testing::WalkStage> {
        vec![crate::testing::WalkStage {
            name: "core",
            after: &[],
            provides: &[
                "user_id",
                "assignment_id",
                "token_id",
                "district",
                "code",
                "foreign_street",
                "foreign_community",
                "foreign_new_community",
                "foreign_new_grid",
            ],
            serves: &[],
            build: |app, v| Box::pin(walk_core(app, v)),
        }]
    }

    fn nav(&self) -> Vec<crate::ui::NavEntry> {
        use crate::authz::{AUDIT_READ, TERRITORY_READ, USER_READ};
        use crate::ui::NavEntry;
        vec![
            NavEntry {
                key: "nav.home",
                href: "/",
                permission: None,
                order: 0,
            },
            NavEntry {
                key: "nav.territory",
                href: "/territory",
                permission: Some(TERRITORY_READ),
                order: 10,
            },
            NavEntry {
                key: "nav.users",
                href: "/users",
                permission: Some(USER_READ),
                order: 20,
            },
            NavEntry {
                key: "nav.audit",
                href: "/audit",
                permission: Some(AUDIT_READ),
                order: 900,
            },
        ]
    }
}

/// Street B's accounts: its admin (whose role assignment the walk names) and a community admin
/// with an API token.
#[cfg(feature = "testing")]
async fn walk_core(app: &crate::testing::TestApp, v: &mut crate::testing::WalkValues) {
    use crate::entity::{api_token, role_assignment};
    use crate::testing::{COMMUNITY_B, DISTRICT, STREET_B};
    use gongzhi_kernel::authz::Role;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let b = app
        .user_model("b.admin", &[(Role::StreetAdmin, STREET_B)])
        .await;
    let _ = app
        .user("b.other", &[(Role::CommunityAdmin, COMMUNITY_B)])
        .await;
    let db = &app.state.db.read;
    let other = crate::entity::user::Entity::find()
        .filter(crate::entity::user::Column::Username.eq("b.other"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let assignment = role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(b.id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let token = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(other.id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    v.extend([
        ("user_id", b.id.to_string()),
        ("assignment_id", assignment.id.to_string()),
        ("token_id", token.id.to_string()),
        ("district", DISTRICT.to_string()),
        ("code", COMMUNITY_B.to_string()),
        ("foreign_street", STREET_B.to_string()),
        ("foreign_community", COMMUNITY_B.to_string()),
        ("foreign_new_community", "440308002009".to_string()),
        ("foreign_new_grid", "440308002001009".to_string()),
    ]);
}
