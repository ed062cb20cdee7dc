//! The platform's own tables.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use super::cols::*;
use super::path_col;

pub struct CoreSchema;

impl MigrationName for CoreSchema {
    fn name(&self) -> &str {
        "0001_core"
    }
}

fn path(b: DbBackend, name: &'static str) -> ColumnDef {
    path_col(b, Alias::new(name))
}

#[async_trait::async_trait]
impl MigrationTrait for CoreSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();

        m.create_table(
            Table::create()
                .table(t("territories"))
                .col(text("code").primary_key())
                .col(text("name"))
                .col(text("kind"))
                .col(text("level"))
                .col(opt_text("parent_code"))
                .col(path(b, "path"))
                .col(text("district_code"))
                .col(text("status"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(int("version"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("territories", "ix_territories_path", &["path"], true))
            .await?;
        m.create_index(index(
            "territories",
            "ix_territories_parent_name",
            &["parent_code", "name"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(t("hubs"))
                .col(uuid("id").primary_key())
                .col(text("territory_code"))
                .col(path(b, "path"))
                .col(text("kind"))
                .col(text("name"))
                .col(opt_text("address"))
                .col(opt_text("phone"))
                .col(text("status"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(int("version"))
                .foreign_key(
                    ForeignKey::create()
                        .from(t("hubs"), t("territory_code"))
                        .to(t("territories"), t("code")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("hubs", "ix_hubs_path", &["path"], false))
            .await?;
        m.create_index(index(
            "hubs",
            "ix_hubs_territory_name",
            &["territory_code", "name"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(t("users"))
                .col(uuid("id").primary_key())
                .col(text("username"))
                .col(opt_text("phone"))
                .col(text("display_name"))
                .col(text("password_hash"))
                .col(text("status"))
                .col(int("failed_logins"))
                .col(opt_ts("locked_until"))
                .col(
                    ColumnDef::new(t("must_change_password"))
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(text("home_code"))
                .col(path(b, "home_path"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(int("version"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("users", "ux_users_username", &["username"], true))
            .await?;
        m.create_index(index("users", "ux_users_phone", &["phone"], true))
            .await?;
        m.create_index(index(
            "users",
            "ix_users_home_path",
            &["home_path", "username"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(t("role_assignments"))
                .col(uuid("id").primary_key())
                .col(uuid("user_id"))
                .col(text("role"))
                .col(text("scope_kind"))
                .col(text("scope_ref"))
                .col(path(b, "scope_path"))
                .col(ColumnDef::new(t("granted_by")).uuid().null())
                .col(ts("granted_at"))
                .col(opt_ts("revoked_at"))
                .col(ColumnDef::new(t("revoked_by")).uuid().null())
                .foreign_key(
                    ForeignKey::create()
                        .from(t("role_assignments"), t("user_id"))
                        .to(t("users"), t("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "role_assignments",
            "ix_roles_user",
            &["user_id"],
            false,
        ))
        .await?;
        // One live grant of a role per user and scope, also under concurrent grants.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_roles_live ON role_assignments (user_id, role, scope_ref) WHERE revoked_at IS NULL",
            )
            .await?;
        m.create_index(index(
            "role_assignments",
            "ix_roles_scope_path",
            &["scope_path"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(t("sessions"))
                .col(text("id_hash").primary_key())
                .col(uuid("user_id"))
                .col(text("csrf_token"))
                .col(ts("created_at"))
                .col(ts("expires_at"))
                .col(opt_text("ip"))
                .col(opt_text("user_agent"))
                .col(opt_ts("revoked_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from(t("sessions"), t("user_id"))
                        .to(t("users"), t("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", "ix_sessions_user", &["user_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(t("api_tokens"))
                .col(uuid("id").primary_key())
                .col(uuid("user_id"))
                .col(text("name"))
                .col(text("token_hash"))
                .col(text("prefix"))
                .col(ts("created_at"))
                .col(opt_ts("last_used_at"))
                .col(opt_ts("expires_at"))
                .col(opt_ts("revoked_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from(t("api_tokens"), t("user_id"))
                        .to(t("users"), t("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "api_tokens",
            "ux_api_tokens_hash",
            &["token_hash"],
            true,
        ))
        .await?;
        m.create_index(index(
            "api_tokens",
            "ix_api_tokens_user",
            &["user_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(t("audit_entries"))
                .col(uuid("id").primary_key())
                .col(ts("at"))
                .col(ColumnDef::new(t("actor_id")).uuid().null())
                .col(text("actor_name"))
                .col(text("action"))
                .col(text("entity_type"))
                .col(text("entity_id"))
                .col(path(b, "scope_path"))
                .col(text("scope_district"))
                .col(opt_text("scope_street"))
                .col(opt_text("scope_community"))
                .col(ColumnDef::new(t("summary")).text().not_null())
                .col(opt_text("ip"))
                .col(ColumnDef::new(t("chain_index")).big_integer().null())
                .col(opt_text("entry_hash"))
                .to_owned(),
        )
        .await?;
        // Newest-first lists per tier walk these without sorting (see authz::level_condition).
        for (name, col) in [
            ("ix_audit_district", "scope_district"),
            ("ix_audit_street", "scope_street"),
            ("ix_audit_community", "scope_community"),
        ] {
            m.create_index(index("audit_entries", name, &[col, "at", "id"], false))
                .await?;
        }
        m.create_index(index(
            "audit_entries",
            "ux_audit_chain",
            &["chain_index"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(t("audit_seals"))
                .col(big("seal_no").primary_key())
                .col(big("first_index"))
                .col(big("last_index"))
                .col(text("last_hash"))
                .col(ts("sealed_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(t("notifications"))
                .col(uuid("id").primary_key())
                .col(uuid("user_id"))
                .col(text("key"))
                .col(ColumnDef::new(t("args")).text().not_null())
                .col(opt_text("link"))
                .col(ts("created_at"))
                .col(opt_ts("read_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "notifications",
            "ix_notifications_user",
            &["user_id", "read_at", "created_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(t("form_submissions"))
                .col(text("token").primary_key())
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(t("workflow_events"))
                .col(uuid("id").primary_key())
                .col(text("workflow"))
                .col(text("entity_id"))
                .col(text("transition"))
                .col(text("from_state"))
                .col(text("to_state"))
                .col(ColumnDef::new(t("actor_id")).uuid().null())
                .col(opt_text("reason"))
                .col(path(b, "scope_path"))
                .col(ts("at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "workflow_events",
            "ix_wf_entity",
            &["workflow", "entity_id", "at"],
            false,
        ))
        .await?;
        Ok(())
    }
}

/// Uploaded files and scheduled-job leases.
pub struct FilesAndJobs;

impl MigrationName for FilesAndJobs {
    fn name(&self) -> &str {
        "0002_files_jobs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for FilesAndJobs {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(t("stored_files"))
                .col(uuid("id").primary_key())
                .col(text("sha256"))
                .col(big("size"))
                .col(text("content_type"))
                .col(text("name"))
                .col(ColumnDef::new(t("uploaded_by")).uuid().null())
                .col(ts("uploaded_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("job_runs"))
                .col(text("name").primary_key())
                .col(opt_ts("lease_until"))
                .col(opt_ts("last_started_at"))
                .col(opt_ts("last_finished_at"))
                .col(ColumnDef::new(t("last_outcome")).text().null())
                .col(
                    ColumnDef::new(t("last_ok"))
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

/// Signed audit seals with authenticated entries; sign-in throttling per account and source,
/// and the sources each account signed in from.
pub struct AuditKeysAndThrottle;

impl MigrationName for AuditKeysAndThrottle {
    fn name(&self) -> &str {
        "0003_audit_keys_throttle"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AuditKeysAndThrottle {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for (table, col) in [
            ("audit_entries", "entry_mac"),
            ("audit_seals", "key_id"),
            ("audit_seals", "signature"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(t(table))
                    .add_column(opt_text(col))
                    .to_owned(),
            )
            .await?;
        }
        // Accounts are no longer locked (the throttle counts failures instead).
        for col in ["failed_logins", "locked_until"] {
            m.alter_table(
                Table::alter()
                    .table(t("users"))
                    .drop_column(t(col))
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(t("login_throttles"))
                .col(text("key").primary_key())
                .col(int("failures"))
                .col(opt_ts("blocked_until"))
                .col(ts("last_failure_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("login_sources"))
                .col(text("key").primary_key())
                .col(ts("last_ok_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
