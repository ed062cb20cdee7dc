//! Tables of the service catalog. Published versions are never changed: each holds its own rows
//! of items and negative-list entries, so any two can be shown and compared.

use gongzhi_platform::migration::cols::*;
use gongzhi_platform::migration::path_col;
use sea_orm_migration::prelude::*;

pub struct CatalogSchema;

impl MigrationName for CatalogSchema {
    fn name(&self) -> &str {
        "0001_catalog"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CatalogSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        m.create_table(
            Table::create()
                .table(t("catalog_categories"))
                .col(uuid("id").primary_key())
                .col(text("district"))
                .col(text("code"))
                .col(opt_text("parent_code"))
                .col(text("name"))
                .col(int("sort"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_categories",
            "ux_catalog_categories_code",
            &["district", "code"],
            true,
        ))
        .await?;
        // One row per district, locked by every approval and publication so that two of them
        // never check against the same catalog at once.
        m.create_table(
            Table::create()
                .table(t("catalog_heads"))
                .col(text("district").primary_key())
                .col(int("seq"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("catalog_versions"))
                .col(uuid("id").primary_key())
                .col(text("district"))
                .col(int("number"))
                .col(text("title"))
                .col(long("notes"))
                .col(date("effective_from"))
                .col(ts("published_at"))
                .col(opt_uuid("published_by"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_versions",
            "ux_catalog_versions_number",
            &["district", "number"],
            true,
        ))
        .await?;
        m.create_index(index(
            "catalog_versions",
            "ux_catalog_versions_effective",
            &["district", "effective_from"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("catalog_items"))
                .col(uuid("id").primary_key())
                .col(uuid("version_id"))
                .col(text("code"))
                .col(text("category_code"))
                .col(text("name"))
                .col(long("description"))
                .col(text("tier"))
                .col(flag("purchasable"))
                .col(long("service_standard"))
                .col(text("unit"))
                .col(opt_big("price_min_fen"))
                .col(opt_big("price_max_fen"))
                .col(long("indicators"))
                .col(long("criteria"))
                .foreign_key(&mut fk("catalog_items", "version_id", "catalog_versions"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_items",
            "ux_catalog_items_code",
            &["version_id", "code"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("catalog_negatives"))
                .col(uuid("id").primary_key())
                .col(uuid("version_id"))
                .col(text("code"))
                .col(text("category"))
                .col(text("title"))
                .col(long("description"))
                .col(long("terms"))
                .col(text("basis"))
                .foreign_key(&mut fk(
                    "catalog_negatives",
                    "version_id",
                    "catalog_versions",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_negatives",
            "ux_catalog_negatives_code",
            &["version_id", "code"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("catalog_changes"))
                .col(uuid("id").primary_key())
                .col(text("district"))
                .col(text("node_code"))
                .col(path_col(backend, t("path")))
                .col(text("kind"))
                .col(text("code"))
                .col(long("payload"))
                .col(long("reason"))
                .col(text("state"))
                .col(opt_uuid("proposed_by"))
                .col(opt_uuid("applied_in"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk("catalog_changes", "applied_in", "catalog_versions"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "catalog_changes",
            "ix_catalog_changes_state",
            &["district", "state", "created_at"],
            false,
        ))
        .await?;
        m.create_index(index(
            "catalog_changes",
            "ix_catalog_changes_path",
            &["path", "created_at"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("org_licences"))
                .col(uuid("id").primary_key())
                .col(uuid("org_id"))
                .col(text("kind"))
                .col(text("number"))
                .col(text("issued_by"))
                .col(date("valid_from"))
                .col(opt_date("valid_until"))
                .col(opt_date("revoked_on"))
                .col(opt_uuid("recorded_by"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk("org_licences", "org_id", "orgs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "org_licences",
            "ix_org_licences_org",
            &["org_id"],
            false,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "the catalog schema is not reversible".into(),
        ))
    }
}

/// Who qualifies is judged from a read of a district's filed and registered organizations; this
/// index holds every column that read needs, so it is answered from the index alone.
pub struct FactsIndex;

impl MigrationName for FactsIndex {
    fn name(&self) -> &str {
        "0002_catalog_facts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for FactsIndex {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "orgs",
            "ix_orgs_provider_facts",
            &[
                "scope_district",
                "state",
                "legal_form",
                "tier",
                "social_worker_count",
                "registered_on",
                "founded_on",
                "name",
                "id",
            ],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_orgs_provider_facts")
                .table(t("orgs"))
                .to_owned(),
        )
        .await
    }
}
