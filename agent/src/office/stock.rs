//! Blank-card stock: the arithmetic of the office's stock level, usage rate and run-out alert.
//!
//! Contract: pure functions over day counts (no clock, no store); the store gathers the counts
//! ([`crate::store::Store::card_stock`]) and the agent adds the office's policy from `[cards]`.
//!
//! The rule, stated once:
//! - a blank is *consumed* when a card is printed on it or it is spoiled; days are calendar days
//!   at the console's UTC offset (`[console] utc_offset_minutes`);
//! - the *daily rate* is the blanks consumed over the last `rate_window_days` complete days
//!   before today, divided by the number of those days, counting only days since the office
//!   received its first batch (a new office is not averaged over days it had no stock); with no
//!   complete day yet the rate is 0 and there is no estimate;
//! - *days left* is the blanks in stock divided by the daily rate;
//! - the *alert* is on when days left is at most `alert_days` (the stock runs out within that
//!   many days at the recent rate), and always when no blank is left. At 50 a day and 7 alert
//!   days it comes on as soon as the stock is at or below 350.

use serde::Serialize;

use crate::service::{Agent, ServiceError};
use crate::store::cards::CardBatch;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// The office's stock policy (`[cards]`, and the console's UTC offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StockPolicy {
    /// Alert when the stock runs out within this many days.
    pub alert_days: u32,
    /// Cards the office aims to print a day.
    pub daily_target: u32,
    /// Complete days the usage rate is averaged over.
    pub rate_window_days: u32,
    /// The office's offset from UTC, in minutes (calendar days are counted there).
    pub utc_offset_minutes: i32,
}

impl Default for StockPolicy {
    fn default() -> Self {
        StockPolicy {
            alert_days: 7,
            daily_target: 50,
            rate_window_days: 7,
            utc_offset_minutes: 0,
        }
    }
}

/// The stock as the office sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StockLevel {
    /// Blanks received and not yet consumed.
    pub in_stock: u64,
    /// Cards printed today (still counted as printed).
    pub printed_today: u64,
    /// Blanks spoiled today.
    pub spoiled_today: u64,
    /// Blanks consumed per day over the rate window.
    pub daily_rate: f64,
    /// Days until the stock runs out at that rate (none without a rate).
    pub days_left: Option<f64>,
    /// The stock runs out within the alert days (or is empty).
    pub alert: bool,
    /// Cards the office aims to print a day.
    pub daily_target: u32,
    /// The alert window, in days.
    pub alert_days: u32,
}

/// What was consumed on the complete days of the window, and today so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Blanks consumed on each complete day of the window, oldest first (at most
    /// `rate_window_days` entries, none before the first batch was received).
    pub past_days: Vec<u64>,
    /// Cards printed today.
    pub printed_today: u64,
    /// Blanks spoiled today.
    pub spoiled_today: u64,
}

/// The calendar day (days since 1970-01-01 at the offset) of an instant.
pub fn day_of(at_ms: i64, utc_offset_minutes: i32) -> i64 {
    (at_ms + i64::from(utc_offset_minutes) * 60_000).div_euclid(DAY_MS)
}

/// The first instant (Unix ms) of calendar `day` at the offset.
pub fn start_of_day(day: i64, utc_offset_minutes: i32) -> i64 {
    day * DAY_MS - i64::from(utc_offset_minutes) * 60_000
}

/// The stock level from the blanks in stock and the usage (see the module's rule).
pub fn level(policy: &StockPolicy, in_stock: u64, usage: &Usage) -> StockLevel {
    let days = usage.past_days.len();
    let daily_rate = if days == 0 {
        0.0
    } else {
        usage.past_days.iter().sum::<u64>() as f64 / days as f64
    };
    let days_left = (daily_rate > 0.0).then(|| in_stock as f64 / daily_rate);
    // Compared in whole blanks (stock <= rate x days) so 350 at 50 a day is exactly 7 days.
    let alert = in_stock == 0
        || (daily_rate > 0.0 && in_stock as f64 <= daily_rate * f64::from(policy.alert_days));
    StockLevel {
        in_stock,
        printed_today: usage.printed_today,
        spoiled_today: usage.spoiled_today,
        daily_rate,
        days_left,
        alert,
        daily_target: policy.daily_target,
        alert_days: policy.alert_days,
    }
}

/// Consumption events bucketed into [`Usage`]: `events` are (when, printed?) for every blank
/// consumed, `first_stock_ms` when the first batch was received, `now_ms` the present.
pub fn usage_of(
    policy: &StockPolicy,
    events: &[(i64, bool)],
    first_stock_ms: Option<i64>,
    now_ms: i64,
) -> Usage {
    let off = policy.utc_offset_minutes;
    let today = day_of(now_ms, off);
    let window = i64::from(policy.rate_window_days);
    let first_day = first_stock_ms.map_or(today, |ms| day_of(ms, off));
    let from = (today - window).max(first_day).min(today);
    let mut past_days = vec![0u64; usize::try_from(today - from).unwrap_or(0)];
    let mut usage = Usage::default();
    for &(at_ms, printed) in events {
        let day = day_of(at_ms, off);
        if day == today {
            if printed {
                usage.printed_today += 1;
            } else {
                usage.spoiled_today += 1;
            }
        } else if day >= from
            && day < today
            && let Some(n) = usize::try_from(day - from)
                .ok()
                .and_then(|i| past_days.get_mut(i))
        {
            *n += 1;
        }
    }
    usage.past_days = past_days;
    usage
}

impl StockPolicy {
    /// The policy of `config` (`[cards]` and the console's UTC offset).
    pub fn of(config: &crate::config::Config) -> StockPolicy {
        StockPolicy {
            alert_days: config.cards.alert_days,
            daily_target: config.cards.daily_target,
            rate_window_days: config.cards.rate_window_days,
            utc_offset_minutes: config.console.utc_offset_minutes,
        }
    }
}

impl Agent {
    /// The blank-card stock now, under the configured policy.
    pub fn card_stock(&self) -> Result<StockLevel, ServiceError> {
        let policy = StockPolicy::of(&self.config);
        Ok(self.store_now().card_stock(&policy, (self.clock)())?)
    }

    /// Receives a batch of blanks `prefix` + `first..=last` (six-digit numbers) as `operator`;
    /// refused with the reason when the range is bad, overlaps another batch or holds a serial
    /// already used.
    pub fn receive_blanks(
        &self,
        batch_id: &str,
        prefix: &str,
        first: u64,
        last: u64,
        operator: &str,
    ) -> Result<(), ServiceError> {
        let batch = CardBatch {
            batch_id: batch_id.to_string(),
            prefix: prefix.to_string(),
            first,
            last,
        };
        self.store_now()
            .receive_card_batch(&batch, operator, (self.clock)())?;
        self.emit(
            "cards.received",
            batch_id,
            serde_json::json!({ "count": batch.size() }),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_780_000_000_000;

    fn policy() -> StockPolicy {
        StockPolicy {
            utc_offset_minutes: 420,
            ..StockPolicy::default()
        }
    }

    /// An office that received 1,000 blanks and prints 50 a day: the level it sees at `now`
    /// after `printed` cards, each printed `DAY_MS / 50` apart from the first morning.
    fn office_after(printed: u64, now_ms: i64, day0: i64) -> StockLevel {
        let p = policy();
        let start = start_of_day(day0, p.utc_offset_minutes) + 8 * 3_600_000;
        let events: Vec<(i64, bool)> = (0..printed)
            .map(|i| {
                let day = i64::try_from(i / 50).unwrap_or(0);
                let slot = i64::try_from(i % 50).unwrap_or(0);
                (start + day * DAY_MS + slot * 60_000, true)
            })
            .collect();
        let usage = usage_of(&p, &events, Some(start - 3_600_000), now_ms);
        level(&p, 1000 - printed, &usage)
    }

    #[test]
    fn the_alert_comes_on_the_day_the_stock_reaches_seven_days_at_the_recent_rate() {
        let p = policy();
        let day0 = day_of(T0, p.utc_offset_minutes);
        let morning = |d: i64| start_of_day(day0 + d, p.utc_offset_minutes) + 7 * 3_600_000;
        // Day 12, morning: 400 left at 50 a day is 8 days: no alert yet.
        let d12 = office_after(600, morning(12), day0);
        assert_eq!(d12.in_stock, 400);
        assert_eq!(d12.daily_rate, 50.0);
        assert_eq!(d12.days_left, Some(8.0));
        assert!(!d12.alert, "{d12:?}");
        // Day 12, after its 49th card: 351 left, still more than 7 days.
        let late = morning(12) + 10 * 3_600_000;
        assert!(!office_after(649, late, day0).alert);
        // Day 12, after its 50th card: 350 left is exactly 7 days: the alert is on.
        let d12_end = office_after(650, late, day0);
        assert_eq!(d12_end.in_stock, 350);
        assert_eq!(d12_end.printed_today, 50);
        assert!(d12_end.alert, "{d12_end:?}");
        // And it stays on the next morning.
        assert!(office_after(650, morning(13), day0).alert);
        // No day before day 12 had it on.
        for d in 1..12 {
            let lvl = office_after(u64::try_from(d * 50).unwrap_or(0), morning(d), day0);
            assert!(!lvl.alert, "day {d}: {lvl:?}");
        }
    }

    #[test]
    fn a_new_office_is_averaged_over_the_days_it_had_stock_not_the_whole_window() {
        let p = policy();
        let day0 = day_of(T0, p.utc_offset_minutes);
        // Two complete days of 50: the rate is 50, not 100/7.
        let lvl = office_after(100, start_of_day(day0 + 2, p.utc_offset_minutes) + 1, day0);
        assert_eq!(lvl.daily_rate, 50.0);
        // On its first day there is no complete day: no rate, no estimate, no alert.
        let first = office_after(
            10,
            start_of_day(day0, p.utc_offset_minutes) + 20 * 3_600_000,
            day0,
        );
        assert_eq!(first.daily_rate, 0.0);
        assert_eq!(first.days_left, None);
        assert!(!first.alert);
        assert_eq!(first.printed_today, 10);
    }

    #[test]
    fn the_rate_forgets_days_older_than_the_window() {
        let p = policy();
        let day0 = day_of(T0, p.utc_offset_minutes);
        let events: Vec<(i64, bool)> = (0..100)
            .map(|i| (start_of_day(day0, p.utc_offset_minutes) + i * 1000, true))
            .collect();
        // Day 0 is 8 days before day 8: outside a 7-day window, so nothing was consumed lately.
        let now = start_of_day(day0 + 8, p.utc_offset_minutes) + 1;
        let usage = usage_of(&p, &events, Some(events[0].0), now);
        assert_eq!(usage.past_days, vec![0; 7]);
        let lvl = level(&p, 900, &usage);
        assert_eq!(lvl.daily_rate, 0.0);
        assert!(!lvl.alert);
    }

    #[test]
    fn an_empty_stock_always_alerts_and_spoiled_blanks_count_as_used() {
        let p = policy();
        assert!(level(&p, 0, &Usage::default()).alert);
        let now = T0;
        let usage = usage_of(
            &p,
            &[(now - 1, false), (now - 2, true)],
            Some(now - DAY_MS * 30),
            now,
        );
        assert_eq!((usage.printed_today, usage.spoiled_today), (1, 1));
    }

    #[test]
    fn days_are_counted_at_the_offices_offset() {
        // 23:30 UTC is already the next day at UTC+7.
        let at = start_of_day(20_000, 0) + 23 * 3_600_000 + 30 * 60_000;
        assert_eq!(day_of(at, 0), 20_000);
        assert_eq!(day_of(at, 420), 20_001);
        assert_eq!(day_of(start_of_day(20_001, 420), 420), 20_001);
        assert_eq!(day_of(start_of_day(20_001, 420) - 1, 420), 20_000);
    }
}
