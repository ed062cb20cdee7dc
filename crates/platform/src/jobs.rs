//! Scheduled jobs: modules declare them, every instance runs the scheduler, and a lease in the
//! database makes sure each due job runs on one instance at a time. A job works out what is due
//! from dates, so running it twice, or late, does no harm.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use futures::future::BoxFuture;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

use crate::entity::job_run;
use crate::web::AppState;

pub type JobFn = fn(AppState, NaiveDate) -> BoxFuture<'static, anyhow::Result<String>>;

#[derive(Clone, Copy)]
pub struct Job {
    /// Stable name, e.g. `orgs.standing_clocks`.
    pub name: &'static str,
    pub every: Duration,
    /// Runs for the given day (China time) and says what it did.
    pub run: JobFn,
}

/// How long a claimed run may take before another instance may take it over.
const LEASE: chrono::Duration = chrono::Duration::minutes(30);

pub fn all(state: &AppState) -> Vec<Job> {
    state.modules.iter().flat_map(|m| m.jobs()).collect()
}

/// Claim the job if it is due and nobody holds it; true when this instance should run it.
async fn claim(state: &AppState, job: &Job, force: bool) -> anyhow::Result<bool> {
    let now = Utc::now();
    job_run::Entity::insert(job_run::ActiveModel {
        name: Set(job.name.into()),
        lease_until: Set(None),
        last_started_at: Set(None),
        last_finished_at: Set(None),
        last_outcome: Set(None),
        last_ok: Set(true),
    })
    .on_conflict_do_nothing_on([job_run::Column::Name])
    .exec(&state.db.write)
    .await?;
    let every = chrono::Duration::from_std(job.every)?;
    let mut due = Condition::all().add(
        Condition::any()
            .add(job_run::Column::LeaseUntil.is_null())
            .add(job_run::Column::LeaseUntil.lt(now)),
    );
    if !force {
        due = due.add(
            Condition::any()
                .add(job_run::Column::LastStartedAt.is_null())
                .add(job_run::Column::LastStartedAt.lte(now - every)),
        );
    }
    let claimed = job_run::Entity::update_many()
        .col_expr(job_run::Column::LeaseUntil, Expr::val(now + LEASE))
        .col_expr(job_run::Column::LastStartedAt, Expr::val(now))
        .filter(job_run::Column::Name.eq(job.name))
        .filter(due)
        .exec(&state.db.write)
        .await?;
    Ok(claimed.rows_affected == 1)
}

async fn finish(state: &AppState, job: &Job, outcome: &anyhow::Result<String>) {
    let (ok, text) = match outcome {
        Ok(s) => (true, s.clone()),
        Err(e) => (false, format!("{e:#}")),
    };
    let saved = job_run::ActiveModel {
        name: Set(job.name.into()),
        lease_until: Set(None),
        last_finished_at: Set(Some(Utc::now())),
        last_outcome: Set(Some(text.clone())),
        last_ok: Set(ok),
        ..Default::default()
    }
    .update(&state.db.write)
    .await;
    if let Err(e) = saved {
        tracing::warn!(job = job.name, error = %e, "could not record the job's run");
    }
    if ok {
        tracing::info!(job = job.name, outcome = %text, "job ran");
    } else {
        tracing::error!(job = job.name, error = %text, "job failed");
    }
}

/// Run one job now (operators and tests), whether or not it is due, unless another instance
/// holds it. Returns its outcome, or `None` when it was held elsewhere.
pub async fn run_now(
    state: &AppState,
    name: &str,
    on: NaiveDate,
) -> anyhow::Result<Option<String>> {
    let job = all(state)
        .into_iter()
        .find(|j| j.name == name)
        .ok_or_else(|| anyhow::anyhow!("no job named {name}"))?;
    if !claim(state, &job, true).await? {
        return Ok(None);
    }
    let outcome = (job.run)(state.clone(), on).await;
    finish(state, &job, &outcome).await;
    outcome.map(Some)
}

/// Run every due job once.
pub async fn run_due(state: &AppState) {
    let today = crate::clock::today();
    for job in all(state) {
        match claim(state, &job, false).await {
            Ok(true) => {
                let outcome = (job.run)(state.clone(), today).await;
                finish(state, &job, &outcome).await;
            }
            Ok(false) => {}
            Err(e) => tracing::debug!(job = job.name, error = %e, "job not claimed"),
        }
    }
}

/// Look for due jobs on a timer until the process ends.
pub fn spawn_scheduler(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let secs = state.config.job_tick_seconds;
    if secs == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(secs));
        loop {
            tick.tick().await;
            run_due(&state).await;
        }
    }))
}
