//! Notifications to one user: written in the same transaction as the change they report, shown
//! in the shell (unread count) and on the notifications page, in the reader's language.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use serde_json::Value;

use crate::entity::notification;
use crate::i18n::{Locale, tr_in};

pub async fn send(
    conn: &impl ConnectionTrait,
    user_id: uuid::Uuid,
    key: &str,
    args: Value,
    link: Option<String>,
) -> Result<(), DbErr> {
    notification::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(user_id),
        key: Set(key.to_string()),
        args: Set(args.to_string()),
        link: Set(link),
        created_at: Set(crate::audit::now()),
        read_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn unread(conn: &impl ConnectionTrait, user_id: uuid::Uuid) -> Result<u64, DbErr> {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(conn)
        .await
}

pub async fn mark_all_read(conn: &impl ConnectionTrait, user_id: uuid::Uuid) -> Result<u64, DbErr> {
    Ok(notification::Entity::update_many()
        .col_expr(
            notification::Column::ReadAt,
            Expr::value(crate::audit::now()),
        )
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}

/// The message of a notification in `locale`.
pub fn render(locale: Locale, n: &notification::Model) -> String {
    let args: Vec<(String, String)> = match serde_json::from_str::<Value>(&n.args) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| {
                let s = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                let s = match s.strip_prefix('@') {
                    Some(key) => tr_in(locale, key, &[]),
                    None => s,
                };
                (k, s)
            })
            .collect(),
        _ => Vec::new(),
    };
    let refs: Vec<(&str, String)> = args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    tr_in(locale, &n.key, &refs)
}
