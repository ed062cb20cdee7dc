//! Tables of incubation. Records are never deleted: applications, stays and their plans, check-ins,
//! assessments and alumni services stay as history.

use gongzhi_platform::migration::cols::*;
use gongzhi_platform::migration::path_col;
use sea_orm_migration::prelude::*;

pub struct IncubationSchema;

impl MigrationName for IncubationSchema {
    fn name(&self) -> &str {
        "0001_incubation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for IncubationSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        m.create_table(
            Table::create()
                .table(t("incubators"))
                .col(uuid("id").primary_key())
                .col(uuid("hub_id"))
                .col(text("name"))
                .col(text("level"))
                .col(text("territory_code"))
                .col(path_col(backend, t("path")))
                .col(int("capacity"))
                .col(int("review_days"))
                .col(opt_uuid("operator_org_id"))
                .col(long("description"))
                .col(long("plan"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk("incubators", "hub_id", "hubs"))
                .foreign_key(&mut fk("incubators", "operator_org_id", "orgs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("incubators", "ix_incubators_path", &["path"], false))
            .await?;
        m.create_index(index(
            "incubators",
            "ux_incubators_hub_name",
            &["hub_id", "name"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("incubation_cohorts"))
                .col(uuid("id").primary_key())
                .col(uuid("incubator_id"))
                .col(text("name"))
                .col(long("call_text"))
                .col(date("opens_on"))
                .col(date("closes_on"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(int("seats"))
                .col(ts("created_at"))
                .col(version())
                .foreign_key(&mut fk("incubation_cohorts", "incubator_id", "incubators"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "incubation_cohorts",
            "ux_incubation_cohorts_name",
            &["incubator_id", "name"],
            true,
        ))
        .await?;
        m.create_index(index(
            "incubation_cohorts",
            "ix_incubation_cohorts_closes",
            &["closes_on"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("incubation_applications"))
                .col(uuid("id").primary_key())
                .col(uuid("cohort_id"))
                .col(uuid("incubator_id"))
                .col(uuid("org_id"))
                .col(path_col(backend, t("path")))
                .col(long("plan"))
                .col(long("needs"))
                .col(text("state"))
                .col(date("submitted_on"))
                .col(date("review_due_on"))
                .col(opt_date("reviewed_on"))
                .col(opt_uuid("created_by"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk(
                    "incubation_applications",
                    "cohort_id",
                    "incubation_cohorts",
                ))
                .foreign_key(&mut fk(
                    "incubation_applications",
                    "incubator_id",
                    "incubators",
                ))
                .foreign_key(&mut fk("incubation_applications", "org_id", "orgs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "incubation_applications",
            "ix_incubation_applications_queue",
            &["incubator_id", "state", "review_due_on"],
            false,
        ))
        .await?;
        m.create_index(index(
            "incubation_applications",
            "ix_incubation_applications_org",
            &["org_id", "cohort_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("incubation_application_documents"))
                .col(uuid("id").primary_key())
                .col(uuid("application_id"))
                .col(uuid("file_id"))
                .col(text("title"))
                .col(opt_uuid("uploaded_by"))
                .col(ts("uploaded_at"))
                .foreign_key(&mut fk(
                    "incubation_application_documents",
                    "application_id",
                    "incubation_applications",
                ))
                .foreign_key(&mut fk(
                    "incubation_application_documents",
                    "file_id",
                    "stored_files",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "incubation_application_documents",
            "ix_incubation_application_documents_app",
            &["application_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("incubations"))
                .col(uuid("id").primary_key())
                .col(uuid("incubator_id"))
                .col(uuid("cohort_id"))
                .col(uuid("application_id"))
                .col(uuid("org_id"))
                .col(path_col(backend, t("path")))
                .col(text("stage"))
                .col(date("stage_since"))
                .col(opt_uuid("mentor_id"))
                .col(date("agreement_signed_on"))
                .col(long("agreement_terms"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(text("state"))
                .col(opt_date("ended_on"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk("incubations", "incubator_id", "incubators"))
                .foreign_key(&mut fk("incubations", "cohort_id", "incubation_cohorts"))
                .foreign_key(&mut fk(
                    "incubations",
                    "application_id",
                    "incubation_applications",
                ))
                .foreign_key(&mut fk("incubations", "org_id", "orgs"))
                .foreign_key(&mut fk("incubations", "mentor_id", "users"))
                .to_owned(),
        )
        .await?;
        // One stay per application.
        m.create_index(index(
            "incubations",
            "ux_incubations_application",
            &["application_id"],
            true,
        ))
        .await?;
        m.create_index(index(
            "incubations",
            "ix_incubations_incubator",
            &["incubator_id", "state"],
            false,
        ))
        .await?;
        m.create_index(index(
            "incubations",
            "ix_incubations_org",
            &["org_id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "incubations",
            "ix_incubations_mentor",
            &["mentor_id", "state"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("mentoring_plan_items"))
                .col(uuid("id").primary_key())
                .col(uuid("incubation_id"))
                .col(int("position"))
                .col(text("title"))
                .col(date("due_on"))
                .col(opt_date("done_on"))
                .col(long("done_note"))
                .col(opt_uuid("done_by"))
                .col(version())
                .foreign_key(&mut fk(
                    "mentoring_plan_items",
                    "incubation_id",
                    "incubations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "mentoring_plan_items",
            "ix_mentoring_plan_items_stay",
            &["incubation_id", "position"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("mentoring_checkins"))
                .col(uuid("id").primary_key())
                .col(uuid("incubation_id"))
                .col(opt_uuid("mentor_id"))
                .col(date("met_on"))
                .col(text("mode"))
                .col(int("minutes"))
                .col(long("notes"))
                .col(opt_uuid("plan_item_id"))
                .col(ts("created_at"))
                .foreign_key(&mut fk(
                    "mentoring_checkins",
                    "incubation_id",
                    "incubations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "mentoring_checkins",
            "ix_mentoring_checkins_stay",
            &["incubation_id", "met_on"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("incubation_assessments"))
                .col(uuid("id").primary_key())
                .col(uuid("incubation_id"))
                .col(text("kind"))
                .col(date("assessed_on"))
                .col(long("scores"))
                .col(int("total"))
                .col(ColumnDef::new(t("passed")).boolean().not_null())
                .col(long("notes"))
                .col(opt_uuid("assessor_id"))
                .col(ts("created_at"))
                .foreign_key(&mut fk(
                    "incubation_assessments",
                    "incubation_id",
                    "incubations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "incubation_assessments",
            "ix_incubation_assessments_stay",
            &["incubation_id", "assessed_on"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("alumni_services"))
                .col(uuid("id").primary_key())
                .col(uuid("incubation_id"))
                .col(uuid("org_id"))
                .col(text("kind"))
                .col(date("served_on"))
                .col(long("note"))
                .col(opt_uuid("recorded_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("alumni_services", "incubation_id", "incubations"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "alumni_services",
            "ix_alumni_services_stay",
            &["incubation_id", "served_on"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("cultivation_targets"))
                .col(uuid("id").primary_key())
                .col(int("year"))
                .col(text("level"))
                .col(text("territory_code"))
                .col(path_col(backend, t("path")))
                .col(int("target"))
                .col(long("note"))
                .col(ts("updated_at"))
                .col(version())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "cultivation_targets",
            "ux_cultivation_targets",
            &["territory_code", "year", "level"],
            true,
        ))
        .await?;
        Ok(())
    }
}
