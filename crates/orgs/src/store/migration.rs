//! The registry's tables, and the default category code lists.

use gongzhi_platform::migration::cols::*;
use gongzhi_platform::migration::path_col;
use gongzhi_platform::sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

pub struct OrgsSchema;

impl MigrationName for OrgsSchema {
    fn name(&self) -> &str {
        "0001_orgs"
    }
}

/// (code, scheme, 中文, English)
pub const DEFAULT_CATEGORIES: [(&str, &str, &str, &str); 10] = [
    (
        "191.service",
        "mca_191",
        "为民服务",
        "Services for residents",
    ),
    (
        "191.charity",
        "mca_191",
        "公益慈善",
        "Public welfare and charity",
    ),
    (
        "191.mutual_aid",
        "mca_191",
        "邻里互助",
        "Neighbourly mutual aid",
    ),
    (
        "191.culture_sports",
        "mca_191",
        "文体娱乐",
        "Culture, sports and recreation",
    ),
    (
        "191.rural_tech",
        "mca_191",
        "农村生产技术服务",
        "Rural production technology services",
    ),
    (
        "gz.charity",
        "guangzhou",
        "公益慈善类",
        "Public welfare and charity",
    ),
    (
        "gz.culture",
        "guangzhou",
        "文娱类",
        "Culture and recreation",
    ),
    (
        "gz.community_service",
        "guangzhou",
        "社区服务类",
        "Community services",
    ),
    (
        "gz.social_affairs",
        "guangzhou",
        "社会事务类",
        "Social affairs",
    ),
    (
        "gz.deliberation",
        "guangzhou",
        "议事协调类",
        "Deliberation and coordination",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for OrgsSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table(t("org_categories"))
                .col(text("code").primary_key())
                .col(text("scheme"))
                .col(text("name_zh"))
                .col(text("name_en"))
                .col(ColumnDef::new(t("sort")).integer().not_null().default(0))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("orgs"))
                .col(ColumnDef::new(t("id")).uuid().not_null().primary_key())
                .col(text("name"))
                .col(opt_text("uscc"))
                .col(text("legal_form"))
                .col(text("tier"))
                .col(text("state"))
                .col(text("territory_code"))
                .col(path_col(b, t("path")))
                .col(text("scope_district"))
                .col(opt_text("scope_street"))
                .col(opt_text("scope_community"))
                .col(ColumnDef::new(t("founded_on")).date().null())
                .col(ColumnDef::new(t("registered_on")).date().null())
                .col(ColumnDef::new(t("service_areas")).text().not_null())
                .col(ColumnDef::new(t("target_groups")).text().not_null())
                .col(text("supervising_unit"))
                .col(text("person_in_charge"))
                .col(opt_text("person_in_charge_id"))
                .col(opt_text("contact_phone"))
                .col(
                    ColumnDef::new(t("staff_count"))
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(t("social_worker_count"))
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(text("party_org"))
                .col(ColumnDef::new(t("created_by")).uuid().null())
                .col(
                    ColumnDef::new(t("created_at"))
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(t("updated_at"))
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(t("version")).integer().not_null().default(1))
                .to_owned(),
        )
        .await?;
        for (name, cols, unique) in [
            ("ux_orgs_uscc", vec!["uscc"], true),
            ("ix_orgs_name", vec!["name", "id"], false),
            ("ix_orgs_path", vec!["path"], false),
            ("ix_orgs_state", vec!["state", "name"], false),
        ] {
            let mut i = Index::create();
            i.name(name).table(t("orgs"));
            for c in cols {
                i.col(t(c));
            }
            if unique {
                i.unique();
            }
            m.create_index(i.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table(t("org_category_links"))
                .col(ColumnDef::new(t("org_id")).uuid().not_null())
                .col(text("category_code"))
                .primary_key(Index::create().col(t("org_id")).col(t("category_code")))
                .foreign_key(
                    ForeignKey::create()
                        .from(t("org_category_links"), t("org_id"))
                        .to(t("orgs"), t("id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(t("org_category_links"), t("category_code"))
                        .to(t("org_categories"), t("code")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_org_category_links_code")
                .table(t("org_category_links"))
                .col(t("category_code"))
                .col(t("org_id"))
                .to_owned(),
        )
        .await?;
        let conn = m.get_connection();
        for (i, (code, scheme, zh, en)) in DEFAULT_CATEGORIES.iter().enumerate() {
            let sql = match b {
                DbBackend::Postgres => {
                    "INSERT INTO org_categories (code, scheme, name_zh, name_en, sort) VALUES ($1, $2, $3, $4, $5)"
                }
                _ => {
                    "INSERT INTO org_categories (code, scheme, name_zh, name_en, sort) VALUES (?, ?, ?, ?, ?)"
                }
            };
            conn.execute_raw(Statement::from_sql_and_values(
                b,
                sql,
                [
                    (*code).into(),
                    (*scheme).into(),
                    (*zh).into(),
                    (*en).into(),
                    (i as i32).into(),
                ],
            ))
            .await?;
        }
        Ok(())
    }
}

/// Standing (grades, annual reports, the credit lists and their events) and documents.
pub struct StandingSchema;

impl MigrationName for StandingSchema {
    fn name(&self) -> &str {
        "0002_standing"
    }
}

fn org_fk(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(t(table), t("org_id"))
        .to(t("orgs"), t("id"))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for StandingSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(t("org_grades"))
                .col(uuid("id").primary_key())
                .col(uuid("org_id"))
                .col(ColumnDef::new(t("grade")).integer().not_null())
                .col(ColumnDef::new(t("score")).integer().null())
                .col(date("awarded_on"))
                .col(date("expires_on"))
                .col(text("status"))
                .col(text("note"))
                .col(ColumnDef::new(t("created_by")).uuid().null())
                .col(ts("created_at"))
                .col(version())
                .foreign_key(&mut org_fk("org_grades"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "org_grades",
            "ix_org_grades_org",
            &["org_id", "awarded_on"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("org_annual_reports"))
                .col(uuid("id").primary_key())
                .col(uuid("org_id"))
                .col(ColumnDef::new(t("year")).integer().not_null())
                .col(date("submitted_on"))
                .col(text("inspection"))
                .col(opt_date("inspected_on"))
                .col(text("note"))
                .col(version())
                .foreign_key(&mut org_fk("org_annual_reports"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "org_annual_reports",
            "ux_org_annual_reports",
            &["org_id", "year"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("org_list_entries"))
                .col(uuid("id").primary_key())
                .col(uuid("org_id"))
                .col(text("list"))
                .col(text("triggers"))
                .col(date("entered_on"))
                .col(date("clock_from"))
                .col(text("rectification"))
                .col(opt_date("rectified_on"))
                .col(opt_date("removal_requested_on"))
                .col(opt_date("removed_on"))
                .col(opt_text("removal_reason"))
                .col(version())
                .foreign_key(&mut org_fk("org_list_entries"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "org_list_entries",
            "ix_org_list_entries_org",
            &["org_id", "list"],
            false,
        ))
        .await?;
        // One open stay per organization and list, even under concurrent recording.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_org_list_entries_open ON org_list_entries (org_id, list) WHERE removed_on IS NULL",
            )
            .await?;
        m.create_table(
            Table::create()
                .table(t("org_standing_events"))
                .col(uuid("id").primary_key())
                .col(uuid("org_id"))
                .col(text("kind"))
                .col(date("occurred_on"))
                .col(ColumnDef::new(t("amount_fen")).big_integer().null())
                .col(text("note"))
                .col(opt_text("ref_key"))
                .col(ColumnDef::new(t("recorded_by")).uuid().null())
                .col(ts("recorded_at"))
                .foreign_key(&mut org_fk("org_standing_events"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "org_standing_events",
            "ix_org_standing_events_org",
            &["org_id", "occurred_on"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("org_documents"))
                .col(uuid("id").primary_key())
                .col(uuid("org_id"))
                .col(text("kind"))
                .col(uuid("file_id"))
                .col(text("title"))
                .col(ColumnDef::new(t("uploaded_by")).uuid().null())
                .col(ts("uploaded_at"))
                .foreign_key(&mut org_fk("org_documents"))
                .foreign_key(
                    ForeignKey::create()
                        .from(t("org_documents"), t("file_id"))
                        .to(t("stored_files"), t("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "org_documents",
            "ix_org_documents_org",
            &["org_id", "uploaded_at"],
            false,
        ))
        .await?;
        Ok(())
    }
}

/// Key-fact change requests.
pub struct ChangesSchema;

impl MigrationName for ChangesSchema {
    fn name(&self) -> &str {
        "0003_changes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ChangesSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(t("org_changes"))
                .col(uuid("id").primary_key())
                .col(uuid("org_id"))
                .col(ColumnDef::new(t("proposed")).text().not_null())
                .col(ColumnDef::new(t("reason")).text().not_null())
                .col(text("state"))
                .col(ColumnDef::new(t("created_by")).uuid().null())
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut org_fk("org_changes"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "org_changes",
            "ix_org_changes_org",
            &["org_id", "created_at"],
            false,
        ))
        .await?;
        m.create_index(index(
            "org_changes",
            "ix_org_changes_state",
            &["state", "created_at"],
            false,
        ))
        .await?;
        Ok(())
    }
}

/// Hub organizations and federations (a recognition on the record) and their memberships.
pub struct NetworksSchema;

impl MigrationName for NetworksSchema {
    fn name(&self) -> &str {
        "0004_networks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for NetworksSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for col in [
            opt_text("hub_kind"),
            opt_date("hub_since"),
            opt_text("hub_reach"),
            opt_text("hub_path"),
        ] {
            m.alter_table(Table::alter().table(t("orgs")).add_column(col).to_owned())
                .await?;
        }
        m.create_table(
            Table::create()
                .table(t("org_memberships"))
                .col(uuid("id").primary_key())
                .col(uuid("hub_id"))
                .col(uuid("member_id"))
                .col(date("joined_on"))
                .col(opt_date("left_on"))
                .col(opt_text("left_cause"))
                .col(text("left_reason"))
                .col(ColumnDef::new(t("created_by")).uuid().null())
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(
                    ForeignKey::create()
                        .from(t("org_memberships"), t("hub_id"))
                        .to(t("orgs"), t("id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(t("org_memberships"), t("member_id"))
                        .to(t("orgs"), t("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "org_memberships",
            "ix_org_memberships_member",
            &["member_id", "joined_on"],
            false,
        ))
        .await?;
        // One current membership per pair, even when two people add the same member at once.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_org_memberships_current ON org_memberships (hub_id, member_id) WHERE left_on IS NULL",
            )
            .await?;
        m.create_index(index(
            "org_memberships",
            "ix_org_memberships_hub",
            &["hub_id", "joined_on"],
            false,
        ))
        .await?;
        m.create_index(index(
            "orgs",
            "ix_orgs_hub_kind",
            &["hub_kind", "name"],
            false,
        ))
        .await?;
        Ok(())
    }
}

/// The directory at scale: names by tier of scope (so "by name within my street" walks an
/// index instead of sorting), and the name-piece index for searches.
pub struct DirectorySchema;

impl MigrationName for DirectorySchema {
    fn name(&self) -> &str {
        "0005_directory"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for DirectorySchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, tier) in [
            ("ix_orgs_district_name", "scope_district"),
            ("ix_orgs_street_name", "scope_street"),
            ("ix_orgs_community_name", "scope_community"),
        ] {
            m.create_index(index("orgs", name, &[tier, "name", "id"], false))
                .await?;
        }
        m.create_table(
            Table::create()
                .table(t("org_name_grams"))
                .col(text("gram"))
                .col(uuid("org_id"))
                .primary_key(Index::create().col(t("gram")).col(t("org_id")))
                .foreign_key(&mut org_fk("org_name_grams"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "org_name_grams",
            "ix_org_name_grams_org",
            &["org_id"],
            false,
        ))
        .await?;
        // Existing names.
        let conn = m.get_connection();
        let b = m.get_database_backend();
        let rows = conn
            .query_all_raw(Statement::from_string(b, "SELECT id, name FROM orgs"))
            .await?;
        for row in rows {
            let id: uuid::Uuid = row.try_get("", "id")?;
            let name: String = row.try_get("", "name")?;
            crate::service::index_name(conn, id, &name)
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        Ok(())
    }
}

/// The dashboards count a territory's organizations by state (and registration date): without
/// these, a street's count reads every organization of that state in the district.
pub struct FiguresIndexes;

impl MigrationName for FiguresIndexes {
    fn name(&self) -> &str {
        "0006_orgs_figures"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for FiguresIndexes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, tier) in [
            ("ix_orgs_district_state", "scope_district"),
            ("ix_orgs_street_state", "scope_street"),
            ("ix_orgs_community_state", "scope_community"),
        ] {
            m.create_index(index("orgs", name, &[tier, "state", "registered_on"], false))
                .await?;
        }
        Ok(())
    }
}
