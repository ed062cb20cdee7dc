//! Reminders of purchase deadlines, sent each day to the official who drew the project up:
//! challenges whose answer is due within two working days, awards whose contract must be signed
//! within three days, notices whose bids wait to be opened. A reminder still unread is not sent
//! again, so a job run twice or late does no harm.

use chrono::NaiveDate;
use futures::future::BoxFuture;
use gongzhi_platform::entity::notification;
use gongzhi_platform::sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use gongzhi_platform::web::AppState;
use serde_json::json;

use crate::store::entity::{challenge, project};
use crate::domain::{ChallengeState, ProjectState};

pub const JOB: &str = "procurement.reminders";

pub fn job() -> gongzhi_platform::jobs::Job {
    gongzhi_platform::jobs::Job {
        name: JOB,
        every: std::time::Duration::from_secs(6 * 3600),
        run,
    }
}

fn run(state: AppState, on: NaiveDate) -> BoxFuture<'static, anyhow::Result<String>> {
    Box::pin(async move { remind(&state, on).await })
}

/// Send what is due on `on`; says how many reminders went out.
pub async fn remind(state: &AppState, on: NaiveDate) -> anyhow::Result<String> {
    let conn = &state.db.write;
    let mut sent = 0;
    let soon = state.calendar.add_working_days(on, 2);
    let open = challenge::Entity::find()
        .filter(challenge::Column::State.eq(ChallengeState::OPEN))
        .filter(challenge::Column::AnswerDue.lte(soon))
        .all(conn)
        .await?;
    let projects: std::collections::HashMap<uuid::Uuid, project::Model> = project::Entity::find()
        .filter(project::Column::Id.is_in(open.iter().map(|c| c.project_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    for c in &open {
        if let Some(p) = projects.get(&c.project_id) {
            let args = json!({"project": p.title, "due": c.answer_due.to_string()});
            let link = format!("/purchase/projects/{}#challenges", p.id);
            sent += once(conn, p, "procurement.remind.challenge", args, link).await? as u32;
        }
    }
    let to_sign = project::Entity::find()
        .filter(project::Column::State.eq(ProjectState::AWARDED))
        .filter(project::Column::SignBy.lte(on + chrono::Duration::days(3)))
        .all(conn)
        .await?;
    for p in &to_sign {
        let args = json!({"project": p.title, "due": p.sign_by.map(|d| d.to_string()).unwrap_or_default()});
        let link = format!("/purchase/projects/{}", p.id);
        sent += once(conn, p, "procurement.remind.sign", args, link).await? as u32;
    }
    let to_open = project::Entity::find()
        .filter(project::Column::State.eq(ProjectState::TENDERING))
        .filter(project::Column::SubmitUntil.lte(gongzhi_platform::clock::now()))
        .all(conn)
        .await?;
    for p in &to_open {
        let args = json!({"project": p.title});
        let link = format!("/purchase/projects/{}", p.id);
        sent += once(conn, p, "procurement.remind.open", args, link).await? as u32;
    }
    Ok(format!("{sent} reminders"))
}

/// Remind the project's author unless the same reminder waits unread; true when sent.
async fn once(
    conn: &impl ConnectionTrait,
    p: &project::Model,
    key: &str,
    args: serde_json::Value,
    link: String,
) -> anyhow::Result<bool> {
    let Some(user) = p.created_by else {
        return Ok(false);
    };
    let waiting = notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::Key.eq(key))
        .filter(notification::Column::Link.eq(link.as_str()))
        .filter(notification::Column::ReadAt.is_null())
        .one(conn)
        .await?;
    if waiting.is_some() {
        return Ok(false);
    }
    gongzhi_platform::notify::send(conn, user, key, args, Some(link)).await?;
    Ok(true)
}
