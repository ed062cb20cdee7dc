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

/// The evaluation panel, its scores, the award clock on the project, challenges, the records
/// the results leave on organizations, and the district's credit model.
pub struct EvaluationSchema;

impl MigrationName for EvaluationSchema {
    fn name(&self) -> &str {
        "0002_procurement_evaluation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for EvaluationSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per ALTER: SQLite adds them one at a time.
        for col in [
            opt_uuid("awarded_bid_id"),
            opt_date("award_on"),
            opt_date("challenge_until"),
            opt_date("standstill_until"),
            opt_date("sign_by"),
            int("panel_size"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(t("proc_projects"))
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        // The bidder's credit rating as it stood at the opening, so the evaluation reproduces.
        m.alter_table(
            Table::alter()
                .table(t("proc_bids"))
                .add_column(int("credit_score"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(t("proc_settings"))
                .add_column(opt_text("credit_model"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_reviewers"))
                .col(uuid("id").primary_key())
                .col(uuid("project_id"))
                .col(uuid("user_id"))
                .col(text("name"))
                .col(text("state"))
                .col(long("conflict_note"))
                .col(opt_ts("declared_at"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk("proc_reviewers", "project_id", "proc_projects"))
                .foreign_key(&mut fk("proc_reviewers", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_reviewers",
            "ux_proc_reviewers_user",
            &["project_id", "user_id"],
            true,
        ))
        .await?;
        // A reviewer's queue.
        m.create_index(index(
            "proc_reviewers",
            "ix_proc_reviewers_queue",
            &["user_id", "state"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_scores"))
                .col(uuid("id").primary_key())
                .col(uuid("project_id"))
                .col(uuid("bid_id"))
                .col(uuid("reviewer_id"))
                .col(int("technical"))
                .col(int("quality"))
                .col(long("comment"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("proc_scores", "bid_id", "proc_bids"))
                .foreign_key(&mut fk("proc_scores", "reviewer_id", "proc_reviewers"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_scores",
            "ux_proc_scores_bid",
            &["bid_id", "reviewer_id"],
            true,
        ))
        .await?;
        m.create_index(index(
            "proc_scores",
            "ix_proc_scores_project",
            &["project_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_challenges"))
                .col(uuid("id").primary_key())
                .col(uuid("project_id"))
                .col(uuid("org_id"))
                .col(long("grounds"))
                .col(date("received_on"))
                .col(date("answer_due"))
                .col(long("answer"))
                .col(opt_date("answered_on"))
                .col(text("outcome"))
                .col(opt_date("complaint_until"))
                .col(long("complaint"))
                .col(opt_date("complained_on"))
                .col(long("resolution"))
                .col(text("state"))
                .col(opt_uuid("raised_by"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk("proc_challenges", "project_id", "proc_projects"))
                .foreign_key(&mut fk("proc_challenges", "org_id", "orgs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_challenges",
            "ix_proc_challenges_project",
            &["project_id", "state"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_org_records"))
                .col(uuid("id").primary_key())
                .col(uuid("org_id"))
                .col(text("kind"))
                .col(opt_text("grade"))
                .col(opt_uuid("project_id"))
                .col(date("on_date"))
                .col(long("detail"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("proc_org_records", "org_id", "orgs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_org_records",
            "ix_proc_org_records_org",
            &["org_id", "on_date"],
            false,
        ))
        .await?;
        Ok(())
    }
}

/// Contracts, their milestones, variations, progress reports, monitoring visits, payments,
/// and the performance evaluation with its satisfaction survey.
pub struct ContractSchema;

impl MigrationName for ContractSchema {
    fn name(&self) -> &str {
        "0003_procurement_contracts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ContractSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        m.create_table(
            Table::create()
                .table(t("proc_contracts"))
                .col(uuid("id").primary_key())
                .col(uuid("project_id"))
                .col(uuid("bid_id"))
                .col(uuid("org_id"))
                .col(text("org_name"))
                .col(text("district"))
                .col(path_col(backend, t("path")))
                .col(text("number"))
                .col(long("content"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(int("quantity"))
                .col(text("unit"))
                .col(long("quality"))
                .col(big("price_fen"))
                .col(big("original_fen"))
                .col(long("settlement"))
                .col(long("rights"))
                .col(long("breach"))
                .col(flag("budget_secured"))
                .col(flag("fixed_continuous_stable"))
                .col(date("signed_on"))
                .col(text("state"))
                .col(opt_date("accepted_on"))
                .col(long("acceptance_note"))
                .col(opt_date("terminated_on"))
                .col(long("termination_reason"))
                .col(opt_uuid("evaluator_id"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk("proc_contracts", "project_id", "proc_projects"))
                .foreign_key(&mut fk("proc_contracts", "org_id", "orgs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_contracts",
            "ux_proc_contracts_project",
            &["project_id"],
            true,
        ))
        .await?;
        m.create_index(index(
            "proc_contracts",
            "ix_proc_contracts_path",
            &["path", "state", "id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "proc_contracts",
            "ix_proc_contracts_org",
            &["org_id", "id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_milestones"))
                .col(uuid("id").primary_key())
                .col(uuid("contract_id"))
                .col(int("seq"))
                .col(text("title"))
                .col(long("deliverables"))
                .col(date("due_on"))
                .col(big("share_fen"))
                .col(big("paid_fen"))
                .col(text("state"))
                .col(opt_date("accepted_on"))
                .col(long("review_note"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(version())
                .foreign_key(&mut fk("proc_milestones", "contract_id", "proc_contracts"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_milestones",
            "ix_proc_milestones_contract",
            &["contract_id", "seq"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_variations"))
                .col(uuid("id").primary_key())
                .col(uuid("contract_id"))
                .col(text("kind"))
                .col(big("amount_fen"))
                .col(long("reason"))
                .col(date("on_date"))
                .col(opt_uuid("recorded_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("proc_variations", "contract_id", "proc_contracts"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_variations",
            "ix_proc_variations_contract",
            &["contract_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_reports"))
                .col(uuid("id").primary_key())
                .col(uuid("contract_id"))
                .col(opt_uuid("milestone_id"))
                .col(long("body"))
                .col(opt_uuid("file_id"))
                .col(opt_uuid("submitted_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("proc_reports", "contract_id", "proc_contracts"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_reports",
            "ix_proc_reports_contract",
            &["contract_id", "created_at"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_visits"))
                .col(uuid("id").primary_key())
                .col(uuid("contract_id"))
                .col(date("visited_on"))
                .col(long("findings"))
                .col(text("verdict"))
                .col(long("rectification"))
                .col(opt_uuid("recorded_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("proc_visits", "contract_id", "proc_contracts"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_visits",
            "ix_proc_visits_contract",
            &["contract_id", "visited_on"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_payments"))
                .col(uuid("id").primary_key())
                .col(uuid("contract_id"))
                .col(uuid("milestone_id"))
                .col(big("amount_fen"))
                .col(date("paid_on"))
                .col(opt_uuid("paid_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("proc_payments", "milestone_id", "proc_milestones"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_payments",
            "ix_proc_payments_contract",
            &["contract_id", "paid_on"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_evaluations"))
                .col(uuid("id").primary_key())
                .col(uuid("contract_id"))
                .col(text("evaluator_kind"))
                .col(opt_uuid("evaluator_id"))
                .col(long("targets"))
                .col(int("targets_score"))
                .col(opt_big("satisfaction_score"))
                .col(int("responses"))
                .col(int("satisfaction_pct"))
                .col(int("score"))
                .col(text("grade"))
                .col(long("note"))
                .col(date("evaluated_on"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("proc_evaluations", "contract_id", "proc_contracts"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_evaluations",
            "ux_proc_evaluations_contract",
            &["contract_id"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(t("proc_survey_responses"))
                .col(uuid("id").primary_key())
                .col(uuid("contract_id"))
                .col(int("q1"))
                .col(int("q2"))
                .col(int("q3"))
                .col(int("q4"))
                .col(long("comment"))
                .col(ts("created_at"))
                .foreign_key(&mut fk(
                    "proc_survey_responses",
                    "contract_id",
                    "proc_contracts",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_survey_responses",
            "ix_proc_survey_contract",
            &["contract_id"],
            false,
        ))
        .await?;
        Ok(())
    }
}

/// OCDS releases, kept as published: one per stage of a process, never changed.
pub struct OcdsSchema;

impl MigrationName for OcdsSchema {
    fn name(&self) -> &str {
        "0004_procurement_ocds"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for OcdsSchema {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(t("proc_releases"))
                .col(text("id").primary_key())
                .col(text("ocid"))
                .col(uuid("project_id"))
                .col(text("district"))
                .col(int("year"))
                .col(text("tag"))
                .col(ts("date"))
                .col(long("payload"))
                .foreign_key(&mut fk("proc_releases", "project_id", "proc_projects"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "proc_releases",
            "ix_proc_releases_ocid",
            &["ocid", "date"],
            false,
        ))
        .await?;
        // The yearly export: a district's releases of a year in publication order.
        m.create_index(index(
            "proc_releases",
            "ix_proc_releases_year",
            &["district", "year", "date", "id"],
            false,
        ))
        .await?;
        Ok(())
    }
}

/// Indexes the work queues and the open-notice list need at 100,000 projects: a state first and
/// then the subtree, so "a street's projects in a state" is one range of the index rather than
/// the whole street's projects filtered.
pub struct QueueIndexes;

impl MigrationName for QueueIndexes {
    fn name(&self) -> &str {
        "0005_procurement_queue_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for QueueIndexes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "proc_projects",
            "ix_proc_projects_state_path",
            &["state", "path", "id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "proc_projects",
            "ix_proc_projects_open_notices",
            &["district", "state", "notice_at", "id"],
            false,
        ))
        .await?;
        Ok(())
    }
}
