//! Sign-in throttling that reveals nothing and locks nobody out. Failures are counted per sign-in
//! name and source address, and per sign-in name across all sources, whether or not an account of
//! that name exists, so known and unknown names get the same answers at every step. After a few
//! free failures each further one makes the next attempt wait twice as long, up to a ceiling; an
//! attacker elsewhere slows only their own address down much, never locks the owner out.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{CaseStatement, Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use crate::config::Config;
use crate::entity::login_throttle::{self, Column, Entity};

/// After this many quiet hours a name's (or a source's) count starts over.
const FORGET_AFTER_HOURS: i64 = 24;

/// The two counters one attempt touches.
pub struct Keys {
    /// This name from this address.
    pub source: String,
    /// This name from anywhere.
    pub account: String,
}

impl Keys {
    pub fn new(login: &str, ip: Option<&str>) -> Keys {
        // Case and surrounding space do not make a new name to guess under.
        let name = login.trim().to_lowercase();
        Keys {
            source: format!(
                "src:{}",
                crate::identity::sha256_hex(&format!("{name}\n{}", ip.unwrap_or("-")))
            ),
            account: format!("acct:{}", crate::identity::sha256_hex(&name)),
        }
    }
}

/// The waiting rule: `free` failures cost nothing, then each one doubles the wait from two
/// seconds, never beyond `ceiling` seconds.
pub fn delay(failures: i32, free: i32, ceiling: i64) -> Option<Duration> {
    if failures < free {
        return None;
    }
    let doublings = (failures - free).min(30) as u32;
    Some(Duration::seconds((2i64 << doublings).min(ceiling.max(1))))
}

/// The counters' rules from the configuration: (free failures, ceiling in seconds).
fn rules(config: &Config) -> [(i32, i64); 2] {
    let free = config.login_free_attempts.max(1);
    let ceiling = config.login_max_delay_seconds.max(1);
    // Across sources the name gets four times the free failures and a ceiling of a minute, so
    // a distributed guesser slows down without keeping the owner out for long.
    [(free, ceiling), (free * 4, ceiling.min(60))]
}

/// Seconds to wait before this attempt may be tried, if any counter still blocks it.
pub async fn wait(
    conn: &impl ConnectionTrait,
    keys: &Keys,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    let rows = Entity::find()
        .filter(Column::Key.is_in([keys.source.as_str(), keys.account.as_str()]))
        .all(conn)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.blocked_until)
        .filter(|t| *t > now)
        .map(|t| (t - now).num_seconds() + 1)
        .max())
}

/// Count a failure on both counters (in the caller's transaction). Returns the largest failure
/// count reached on a counter that has just started to block, to tell the account's owner.
pub async fn fail(
    conn: &impl ConnectionTrait,
    keys: &Keys,
    now: DateTime<Utc>,
    config: &Config,
) -> Result<Option<i32>, DbErr> {
    use sea_orm::sea_query::ExprTrait as _;
    let cutoff = now - Duration::hours(FORGET_AFTER_HOURS);
    let mut started = None;
    for (key, (free, ceiling)) in [&keys.source, &keys.account].into_iter().zip(rules(config)) {
        let qualified = |c: Column| Expr::col((Entity, c));
        // One statement, so concurrent failures each count.
        let counted = CaseStatement::new()
            .case(qualified(Column::LastFailureAt).lt(cutoff), Expr::val(1))
            .finally(qualified(Column::Failures).add(1));
        Entity::insert(login_throttle::ActiveModel {
            key: Set(key.clone()),
            failures: Set(1),
            blocked_until: Set(None),
            last_failure_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(Column::Key)
                .value(Column::Failures, counted)
                .value(Column::LastFailureAt, Expr::val(now))
                .to_owned(),
        )
        .exec(conn)
        .await?;
        let failures = Entity::find_by_id(key.clone())
            .one(conn)
            .await?
            .map(|r| r.failures)
            .unwrap_or(1);
        if let Some(d) = delay(failures, free, ceiling) {
            Entity::update_many()
                .col_expr(Column::BlockedUntil, Expr::val(now + d))
                .filter(Column::Key.eq(key.as_str()))
                .exec(conn)
                .await?;
            if failures == free {
                started = std::cmp::max(started, Some(failures));
            }
        }
    }
    Ok(started)
}

/// A successful sign-in clears both counters.
pub async fn clear(conn: &impl ConnectionTrait, keys: &Keys) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::Key.is_in([keys.source.as_str(), keys.account.as_str()]))
        .exec(conn)
        .await?;
    Ok(())
}

/// Drop counters nobody has touched for a day (run by the platform's daily job).
pub async fn forget_old(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::LastFailureAt.lt(now - Duration::hours(FORGET_AFTER_HOURS)))
        .exec(conn)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::delay;
    use chrono::Duration;

    #[test]
    fn free_failures_then_doubling_waits_up_to_the_ceiling() {
        assert_eq!(delay(4, 5, 900), None);
        assert_eq!(delay(5, 5, 900), Some(Duration::seconds(2)));
        assert_eq!(delay(6, 5, 900), Some(Duration::seconds(4)));
        assert_eq!(delay(13, 5, 900), Some(Duration::seconds(512)));
        assert_eq!(delay(14, 5, 900), Some(Duration::seconds(900)));
        assert_eq!(delay(i32::MAX, 5, 900), Some(Duration::seconds(900)));
    }
}
