//! The one clock. `now()` is the instant as stored (UTC, microseconds, which both backends keep
//! exactly); `today()` is the date in China (UTC+8), whatever the server's time zone. A test moves
//! the clock for the work it runs with [`shifted`], without touching other tests running beside it.

use std::future::Future;

use chrono::{DateTime, NaiveDate, SubsecRound, TimeDelta, Utc};

tokio::task_local! {
    static SHIFT: TimeDelta;
}

/// The current instant (shifted inside [`shifted`]).
pub fn now() -> DateTime<Utc> {
    (Utc::now() + SHIFT.try_with(|s| *s).unwrap_or_default()).trunc_subsecs(6)
}

/// Today's date in China.
pub fn today() -> NaiveDate {
    (now() + TimeDelta::hours(8)).date_naive()
}

/// Run `work` with the clock moved by `by` (requests served in the same task see it too).
pub async fn shifted<F: Future>(by: TimeDelta, work: F) -> F::Output {
    SHIFT.scope(by, work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_shift_moves_today_for_the_work_it_wraps_only() {
        let before = today();
        let later = shifted(TimeDelta::days(3), async { today() }).await;
        assert_eq!(later, before + TimeDelta::days(3));
        assert_eq!(today(), before);
        assert_eq!(now().timestamp_subsec_nanos() % 1000, 0);
    }
}
