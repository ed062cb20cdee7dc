//! Sign-in throttling that reveals nothing and locks nobody out. Failures are counted per
//! account and source address, and per account across all sources; an account is the one a
//! username or any spelling of a phone number names, or, for a name no account has, the name
//! itself, so known and unknown names get the same answers at every step. After a few free
//! failures each further one makes the next attempt wait twice as long, up to a ceiling. The
//! account-wide wait never holds a source the account signed in from before: a guesser
//! elsewhere slows only themselves down much, and never keeps the owner out at home.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{CaseStatement, Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use sha2::Sha256;

use crate::config::Config;
use crate::entity::login_throttle::{self, Column, Entity};
use crate::entity::{login_source, user};

/// After this many quiet hours a counter starts over.
const FORGET_AFTER_HOURS: i64 = 24;
/// A source the account signed in from within this many days is known to it.
const KNOWN_FOR_DAYS: i64 = 90;

/// The counters one attempt touches, and the pair the account-wide wait spares when known.
/// Keys are HMACs under a secret derived from the audit key ring: the table names no one, and
/// a phone number cannot be recovered from it by trying all of them.
pub struct Keys {
    /// This account from this source.
    pub source: String,
    /// This account from anywhere.
    pub account: String,
}

impl Keys {
    pub fn new(found: Option<&user::Model>, login: &str, ip: Option<&str>) -> Keys {
        let account = match found {
            Some(u) => format!("user:{}", u.id),
            None => format!("name:{}", canonical_name(login)),
        };
        let source = format!("{account}\n{}", source_of(ip));
        Keys {
            source: format!("src:{}", keyed(&source)),
            account: format!("acct:{}", keyed(&account)),
        }
    }
}

/// A sign-in name as the account lookup reads it: a phone number in its one spelling, any other
/// name trimmed and lower-cased.
fn canonical_name(login: &str) -> String {
    let login = login.trim();
    match gongzhi_kernel::PhoneNumber::parse(login) {
        Ok(p) => format!("phone:{}", p.as_str()),
        Err(_) => login.to_lowercase(),
    }
}

/// The source an attempt counts against: the address, or for IPv6 its /64 (one subscriber's
/// network, where a guesser could otherwise take a fresh address for every attempt).
fn source_of(ip: Option<&str>) -> String {
    match ip.map(str::parse::<std::net::IpAddr>) {
        Some(Ok(std::net::IpAddr::V6(v6))) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(Ok(v4)) => v4.to_string(),
        _ => "unknown".into(),
    }
}

fn keyed(text: &str) -> String {
    let secret = crate::audit::keys::installed()
        .map(|r| r.current().derived(b"gongzhi-login-throttle"))
        .unwrap_or_default();
    let mut m = Hmac::<Sha256>::new_from_slice(&secret).expect("any key length");
    m.update(text.as_bytes());
    hex::encode(m.finalize().into_bytes())
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
    // Across sources the account gets four times the free failures and a ceiling of a minute:
    // a distributed guesser slows down, and an owner at a new address waits at most a minute.
    [(free, ceiling), (free * 4, ceiling.min(60))]
}

/// Seconds to wait before this attempt may be tried, if a counter still blocks it. The
/// account-wide counter does not hold a source the account signed in from recently.
pub async fn wait(
    conn: &impl ConnectionTrait,
    keys: &Keys,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    let rows = Entity::find()
        .filter(Column::Key.is_in([keys.source.as_str(), keys.account.as_str()]))
        .all(conn)
        .await?;
    let blocked: Vec<(bool, i64)> = rows
        .iter()
        .filter_map(|r| {
            let until = r.blocked_until.filter(|t| *t > now)?;
            Some((r.key == keys.account, (until - now).num_seconds() + 1))
        })
        .collect();
    if blocked.is_empty() {
        return Ok(None);
    }
    let known = blocked.iter().any(|(account, _)| *account)
        && login_source::Entity::find_by_id(keys.source.clone())
            .one(conn)
            .await?
            .is_some_and(|s| s.last_ok_at > now - Duration::days(KNOWN_FOR_DAYS));
    Ok(blocked
        .into_iter()
        .filter(|(account, _)| !(*account && known))
        .map(|(_, s)| s)
        .max())
}

/// Count a failure on both counters (in the caller's transaction). Returns the failure count of
/// a counter that has just started to make attempts wait, to tell the account's owner.
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
        // One statement, so concurrent failures each count; it returns the count reached.
        let counted = CaseStatement::new()
            .case(qualified(Column::LastFailureAt).lt(cutoff), Expr::val(1))
            .finally(qualified(Column::Failures).add(1));
        let row = Entity::insert(login_throttle::ActiveModel {
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
        .exec_with_returning(conn)
        .await?;
        if let Some(d) = delay(row.failures, free, ceiling) {
            Entity::update_many()
                .col_expr(Column::BlockedUntil, Expr::val(now + d))
                .filter(Column::Key.eq(key.as_str()))
                .exec(conn)
                .await?;
            if row.failures == free {
                started = std::cmp::max(started, Some(row.failures));
            }
        }
    }
    Ok(started)
}

/// A successful sign-in clears its source's counter and makes the source known to the
/// account. The account-wide counter stays: the owner signing in at home must not give a
/// guesser elsewhere a fresh set of free failures.
pub async fn succeed(
    conn: &impl ConnectionTrait,
    keys: &Keys,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::delete_by_id(keys.source.clone()).exec(conn).await?;
    login_source::Entity::insert(login_source::ActiveModel {
        key: Set(keys.source.clone()),
        last_ok_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(login_source::Column::Key)
            .update_column(login_source::Column::LastOkAt)
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

/// Drop counters nobody has touched for a day and sources not seen within the window (run by
/// the platform's daily job).
pub async fn forget_old(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let counters = Entity::delete_many()
        .filter(Column::LastFailureAt.lt(now - Duration::hours(FORGET_AFTER_HOURS)))
        .exec(conn)
        .await?
        .rows_affected;
    let sources = login_source::Entity::delete_many()
        .filter(login_source::Column::LastOkAt.lt(now - Duration::days(KNOWN_FOR_DAYS)))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(counters + sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_failures_then_doubling_waits_up_to_the_ceiling() {
        assert_eq!(delay(4, 5, 900), None);
        assert_eq!(delay(5, 5, 900), Some(Duration::seconds(2)));
        assert_eq!(delay(6, 5, 900), Some(Duration::seconds(4)));
        assert_eq!(delay(13, 5, 900), Some(Duration::seconds(512)));
        assert_eq!(delay(14, 5, 900), Some(Duration::seconds(900)));
        assert_eq!(delay(i32::MAX, 5, 900), Some(Duration::seconds(900)));
    }

    #[test]
    fn one_account_one_name_whatever_the_spelling() {
        assert_eq!(
            canonical_name(" 138-0013-8000 "),
            canonical_name("+8613800138000")
        );
        assert_eq!(canonical_name("Tiandong.Admin "), "tiandong.admin");
        assert_eq!(
            source_of(Some("2001:db8:1:2:aaaa::1")),
            source_of(Some("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            source_of(Some("2001:db8:1:2::1")),
            source_of(Some("2001:db8:1:3::1"))
        );
        assert_eq!(source_of(Some("203.0.113.9")), "203.0.113.9");
        assert_eq!(source_of(None), "unknown");
    }
}
