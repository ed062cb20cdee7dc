//! Tables of the purchase of services, first part: district settings, budget lines, needs,
//! projects (one purchase process each, with its notice), clarifications and bids.

use gongzhi_platform::migration::cols::*;
use gongzhi_platform::migration::path_col;
use sea_orm_migration::prelude::*;

pub struct ProcurementSchema;

impl MigrationName for ProcurementSchema {
    fn name(&self) -> &str {
        "0001_procurement"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ProcurementSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        m.create_table(
            Table::create()
                .table(t("proc_settings"))
                .col(text("district").primary_key())
                .col(big("open_tender_threshold_fen"))
                .col(int("satisfaction_pct"))
                .col(ts("updated_at"))
                .col(version())
                .to_owned(),
        )
        .await?;
        // One row per purchaser node: numbers its projects and serializes the numbering.
        m.create_table(
            Table::create()
                .table(t("proc_heads"))
                .col(text("node_code").primary_key())
                .col(int("seq"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_budget_lines"))
                .col(uuid("id").primary_key())
                .col(text("district"))
                .col(text("node_code"))
                .col(path_col(backend, t("path")))
                .col(int("year"))
                .col(text("source"))
                .col(text("title"))
                .col(big("amount_fen"))
                .col(big("committed_fen"))
                .col(big("spent_fen"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_budget_lines",
            "ux_proc_budget_lines_key",
            &["node_code", "year", "source"],
            true,
        ))
        .await?;
        m.create_index(index(
            "proc_budget_lines",
            "ix_proc_budget_lines_path",
            &["path", "year"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_projects"))
                .col(uuid("id").primary_key())
                .col(text("district"))
                .col(text("node_code"))
                .col(path_col(backend, t("path")))
                .col(text("number"))
                .col(int("year"))
                .col(text("title"))
                .col(text("item_code"))
                .col(text("item_name"))
                .col(int("catalog_version"))
                .col(long("scope"))
                .col(int("quantity"))
                .col(text("unit"))
                .col(date("period_start"))
                .col(date("period_end"))
                .col(big("budget_fen"))
                .col(uuid("budget_line_id"))
                .col(long("targets"))
                .col(long("pre_assessment"))
                .col(text("method"))
                .col(long("justification"))
                .col(text("approval_ref"))
                .col(long("invited"))
                .col(long("rubric"))
                .col(text("state"))
                .col(opt_uuid("predecessor_id"))
                .col(opt_ts("notice_at"))
                .col(opt_date("enquiry_until"))
                .col(opt_ts("submit_until"))
                .col(long("notice_text"))
                .col(int("bid_seq"))
                .col(opt_uuid("created_by"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk(
                    "proc_projects",
                    "budget_line_id",
                    "proc_budget_lines",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_projects",
            "ux_proc_projects_number",
            &["number"],
            true,
        ))
        .await?;
        // Work queues and scope filters: a subtree's projects in a state, newest first.
        m.create_index(index(
            "proc_projects",
            "ix_proc_projects_path_state",
            &["path", "state", "id"],
            false,
        ))
        .await?;
        // The public notice list: a district's notices by time.
        m.create_index(index(
            "proc_projects",
            "ix_proc_projects_notice",
            &["district", "notice_at", "id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "proc_projects",
            "ix_proc_projects_line",
            &["budget_line_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_needs"))
                .col(uuid("id").primary_key())
                .col(text("district"))
                .col(text("node_code"))
                .col(path_col(backend, t("path")))
                .col(text("title"))
                .col(long("description"))
                .col(long("evidence"))
                .col(int("residents"))
                .col(text("item_code"))
                .col(text("state"))
                .col(opt_uuid("project_id"))
                .col(opt_uuid("raised_by"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk("proc_needs", "project_id", "proc_projects"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_needs",
            "ix_proc_needs_path_state",
            &["path", "state", "id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "proc_needs",
            "ix_proc_needs_project",
            &["project_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_clarifications"))
                .col(uuid("id").primary_key())
                .col(uuid("project_id"))
                .col(opt_uuid("org_id"))
                .col(long("question"))
                .col(long("answer"))
                .col(opt_ts("asked_at"))
                .col(opt_ts("published_at"))
                .col(opt_uuid("asked_by"))
                .col(opt_uuid("answered_by"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk(
                    "proc_clarifications",
                    "project_id",
                    "proc_projects",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_clarifications",
            "ix_proc_clarifications_project",
            &["project_id", "created_at"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_bids"))
                .col(uuid("id").primary_key())
                .col(uuid("project_id"))
                .col(uuid("org_id"))
                .col(text("org_name"))
                .col(text("org_uscc"))
                .col(big("price_fen"))
                .col(long("proposal"))
                .col(long("eligibility"))
                .col(text("state"))
                .col(long("invalid_reason"))
                .col(int("seq"))
                .col(ts("submitted_at"))
                .col(opt_uuid("submitted_by"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk("proc_bids", "project_id", "proc_projects"))
                .foreign_key(&mut fk("proc_bids", "org_id", "orgs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_bids",
            "ux_proc_bids_org",
            &["project_id", "org_id"],
            true,
        ))
        .await?;
        // An organization's bids, newest first.
        m.create_index(index(
            "proc_bids",
            "ix_proc_bids_org",
            &["org_id", "id"],
            false,
        ))
        .await?;
        Ok(())
    }
}
