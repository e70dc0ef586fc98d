//! Read-only views for the console's office pages: the day's figures, the outbox listed without
//! packet bytes, and the audit log filtered and paged.
//!
//! Contract: nothing here writes. A "day" is a window of Unix milliseconds that the caller
//! computes in the workstation's time zone ([`day_window`]); counts come from the audit log
//! (sessions started, enrollments finalized), the outbox's delivery times, and the registry's
//! signed rejection times. Listing the outbox never reads a packet's sealed bytes.

use rusqlite::params;
use time::{Duration, OffsetDateTime, UtcOffset};

use rekam_protocol::rejection::SignedRejection;

use super::{Store, StoreError};

/// Western Indonesia Time (WIB, UTC+7), the default time zone of the day's figures.
pub const WIB_OFFSET_MINUTES: i32 = 7 * 60;

/// A span of time, `[start_ms, end_ms)` in Unix milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First millisecond in the window.
    pub start_ms: i64,
    /// First millisecond after it.
    pub end_ms: i64,
}

/// The calendar day holding `now_ms` in the zone `offset_minutes` east of UTC, and that day's
/// date as `YYYY-MM-DD`.
pub fn day_window(now_ms: i64, offset_minutes: i32) -> (Window, String) {
    let offset =
        UtcOffset::from_whole_seconds(offset_minutes.clamp(-18 * 60 + 1, 18 * 60 - 1) * 60)
            .unwrap_or(UtcOffset::UTC);
    let now = OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    let midnight = now.replace_time(time::Time::MIDNIGHT);
    let start_ms = (midnight.unix_timestamp_nanos() / 1_000_000) as i64;
    let end_ms = ((midnight + Duration::days(1)).unix_timestamp_nanos() / 1_000_000) as i64;
    let d = now.date();
    (
        Window { start_ms, end_ms },
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
    )
}

/// The local calendar day `date` (`YYYY-MM-DD`) as a window, or `None` when it is not a date.
pub fn date_window(date: &str, offset_minutes: i32) -> Option<Window> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(date.trim(), &format).ok()?;
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).ok()?;
    let start = d.midnight().assume_offset(offset);
    Some(Window {
        start_ms: (start.unix_timestamp_nanos() / 1_000_000) as i64,
        end_ms: ((start + Duration::days(1)).unix_timestamp_nanos() / 1_000_000) as i64,
    })
}

/// The desk's figures for one day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Sessions started in the window.
    pub started: u64,
    /// Enrollments finalized (sealed into the outbox) in the window.
    pub finalized: u64,
    /// Packets the registry receipted in the window.
    pub delivered: u64,
    /// Packets the registry rejected in the window (by its signed rejection's time).
    pub rejected: u64,
    /// Packets rejected and not requeued, whenever that was: they wait for a supervisor.
    pub rejected_open: u64,
    /// Packets waiting to be delivered now, whenever they were made.
    pub pending: u64,
}

/// One outbox row without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    /// The packet.
    pub packet_id: String,
    /// Its enrollment.
    pub enrollment_id: String,
    /// `pending`, `delivered` or `rejected`.
    pub state: String,
    /// Send attempts so far.
    pub attempts: u32,
    /// When it entered the outbox.
    pub created_ms: i64,
    /// When it is next due (pending).
    pub next_attempt_ms: i64,
    /// The last failure, or the registry's reason for a rejection.
    pub last_error: Option<String>,
    /// The registry's signed receipt (delivered).
    pub receipt: Option<Vec<u8>>,
    /// The registry's signed rejection (rejected).
    pub rejection: Option<Vec<u8>>,
    /// When it was delivered.
    pub delivered_ms: Option<i64>,
}

/// Which audit entries to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only entries in this window.
    pub window: Option<Window>,
}

/// One audit entry as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    /// Sequence number.
    pub seq: i64,
    /// When (Unix ms).
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// To what.
    pub subject: String,
    /// Details, JSON text.
    pub detail: String,
}

impl Store {
    /// The figures for `day`.
    pub fn figures(&self, day: Window) -> Result<Figures, StoreError> {
        let count_audit = |action: &str| -> Result<u64, StoreError> {
            Ok(self.conn.query_row(
                "SELECT COUNT(*) FROM audit WHERE action = ?1 AND at_ms >= ?2 AND at_ms < ?3",
                params![action, day.start_ms, day.end_ms],
                |r| r.get(0),
            )?)
        };
        let delivered: u64 = self.conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE state = 'delivered' AND delivered_ms >= ?1 AND delivered_ms < ?2",
            params![day.start_ms, day.end_ms],
            |r| r.get(0),
        )?;
        let status = self.outbox().status()?;
        // The rejection time is the registry's, inside its signed answer.
        let mut rejected = 0;
        let mut stmt = self.conn.prepare(
            "SELECT rejection FROM outbox WHERE state = 'rejected' AND rejection IS NOT NULL",
        )?;
        for doc in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))? {
            if let Ok(signed) = SignedRejection::parse(&doc?) {
                let at = signed.rejection.rejected_at.unix_ms();
                if (day.start_ms..day.end_ms).contains(&at) {
                    rejected += 1;
                }
            }
        }
        Ok(Figures {
            started: count_audit("session.start")?,
            finalized: count_audit("finalize")?,
            delivered,
            rejected,
            rejected_open: status.rejected,
            pending: status.pending,
        })
    }

    /// Outbox rows in `state`, newest first, at most `limit` (no packet bytes read).
    pub fn outbox_rows(&self, state: &str, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT packet_id, enrollment_id, state, attempts, created_ms, next_attempt_ms,
                    last_error, receipt, rejection, delivered_ms
             FROM outbox WHERE state = ?1
             ORDER BY COALESCE(delivered_ms, created_ms) DESC, packet_id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![state, limit], |r| {
                Ok(OutboxRow {
                    packet_id: r.get(0)?,
                    enrollment_id: r.get(1)?,
                    state: r.get(2)?,
                    attempts: r.get(3)?,
                    created_ms: r.get(4)?,
                    next_attempt_ms: r.get(5)?,
                    last_error: r.get(6)?,
                    receipt: r.get(7)?,
                    rejection: r.get(8)?,
                    delivered_ms: r.get(9)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Audit entries matching `filter`, newest first, `limit` from `offset`, with how many match
    /// in all.
    pub fn audit_page(
        &self,
        filter: &AuditFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<AuditRow>, u64), StoreError> {
        let actor = filter.actor.as_deref().filter(|a| !a.is_empty());
        let (from, to) = filter
            .window
            .map_or((i64::MIN, i64::MAX), |w| (w.start_ms, w.end_ms));
        let filter_sql = "(?1 IS NULL OR actor = ?1) AND at_ms >= ?2 AND at_ms < ?3";
        let total: u64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM audit WHERE {filter_sql}"),
            params![actor, from, to],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT seq, at_ms, actor, action, subject, detail FROM audit WHERE {filter_sql}
             ORDER BY seq DESC LIMIT ?4 OFFSET ?5"
        ))?;
        let rows = stmt
            .query_map(
                params![
                    actor,
                    from,
                    to,
                    limit,
                    i64::try_from(offset).unwrap_or(i64::MAX)
                ],
                |r| {
                    Ok(AuditRow {
                        seq: r.get(0)?,
                        at_ms: r.get(1)?,
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        subject: r.get(4)?,
                        detail: r.get(5)?,
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, total))
    }

    /// Every actor that appears in the audit log, in name order (for the filter's choices).
    pub fn audit_actors(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT actor FROM audit ORDER BY actor")?;
        let actors = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(actors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AuditEntry, Settlement};
    use serde_json::json;

    // 2026-12-02 10:00 WIB = 03:00 UTC.
    const NOW: i64 = 1_796_180_400_000;
    const HOUR: i64 = 3_600_000;

    #[test]
    fn a_day_runs_from_local_midnight_to_the_next() {
        let (w, date) = day_window(NOW, WIB_OFFSET_MINUTES);
        assert_eq!(date, "2026-12-02");
        assert_eq!(w.start_ms, NOW - 10 * HOUR);
        assert_eq!(w.end_ms, NOW + 14 * HOUR);
        // 02:00 UTC on the 2nd is still the 1st in UTC-3 and already the 2nd in WIB.
        let (_, utc_minus_3) = day_window(NOW - HOUR, -180);
        assert_eq!(utc_minus_3, "2026-12-01");
        assert_eq!(date_window("2026-12-02", WIB_OFFSET_MINUTES), Some(w));
        assert_eq!(date_window("2026-13-02", WIB_OFFSET_MINUTES), None);
        assert_eq!(date_window("kemarin", WIB_OFFSET_MINUTES), None);
    }

    fn audit(store: &mut Store, at: i64, actor: &str, action: &str) {
        store
            .audit(&AuditEntry::new(at, actor, action, "s", json!({})))
            .expect("audit");
    }

    #[test]
    fn figures_count_only_what_happened_within_the_day() {
        let mut store = Store::in_memory().expect("store");
        let (day, _) = day_window(NOW, WIB_OFFSET_MINUTES);
        audit(&mut store, NOW, "op1", "session.start");
        audit(&mut store, NOW + HOUR, "op1", "session.start");
        audit(&mut store, day.start_ms - 1, "op1", "session.start");
        audit(&mut store, NOW, "op1", "finalize");
        audit(&mut store, day.end_ms, "op1", "finalize");
        for (i, id) in ["a", "b", "c"].iter().enumerate() {
            store
                .queue_imported(&format!("p{id}"), &format!("e{id}"), b"x", NOW + i as i64)
                .expect("queue");
        }
        store
            .settle(&[
                (
                    "pa".into(),
                    Settlement::Delivered {
                        receipt: b"r".to_vec(),
                        at_ms: NOW,
                    },
                ),
                (
                    "pb".into(),
                    Settlement::Delivered {
                        receipt: b"r".to_vec(),
                        at_ms: day.start_ms - 5,
                    },
                ),
            ])
            .expect("settle");
        let f = store.figures(day).expect("figures");
        assert_eq!(
            f,
            Figures {
                started: 2,
                finalized: 1,
                delivered: 1,
                rejected: 0,
                rejected_open: 0,
                pending: 1,
            }
        );
    }

    fn signed_rejection(packet_id: &str, at_ms: i64) -> Vec<u8> {
        use rekam_protocol::keys::{SignatureAlgorithm, WorkstationSigningKey};
        use rekam_protocol::rejection::Rejection;
        use rekam_protocol::timefmt::Timestamp;
        use ring::rand::SystemRandom;
        let (key, _) =
            WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
                .expect("key");
        Rejection {
            packet_id: packet_id.into(),
            registry_id: "REG-T".into(),
            code: "invalid_enrollment".into(),
            reason: "the photo is not a face".into(),
            rejected_at: Timestamp::from_unix_ms(at_ms),
        }
        .sign(&key, &SystemRandom::new())
        .expect("sign")
        .to_json()
    }

    #[test]
    fn rejections_count_on_the_day_the_registry_signed_them_and_stay_open_until_requeued() {
        let mut store = Store::in_memory().expect("store");
        let (day, _) = day_window(NOW, WIB_OFFSET_MINUTES);
        let ids = ["a".repeat(64), "b".repeat(64)];
        for (i, id) in ids.iter().enumerate() {
            store
                .queue_imported(id, &format!("e{i}"), b"x", NOW)
                .expect("queue");
        }
        let settle = |id: &String, at: i64| {
            (
                id.clone(),
                Settlement::Rejected {
                    reason: "the photo is not a face".into(),
                    rejection: signed_rejection(id, at),
                },
            )
        };
        store
            .settle(&[settle(&ids[0], NOW), settle(&ids[1], day.start_ms - HOUR)])
            .expect("settle");
        let f = store.figures(day).expect("figures");
        assert_eq!((f.rejected, f.rejected_open, f.pending), (1, 2, 0));
        store
            .requeue_rejected(&ids[0], "sup1", "fixed at the registry", NOW)
            .expect("requeue");
        let f = store.figures(day).expect("figures");
        assert_eq!((f.rejected, f.rejected_open, f.pending), (0, 1, 1));
    }

    #[test]
    fn the_outbox_lists_by_state_newest_first_without_reading_bytes() {
        let mut store = Store::in_memory().expect("store");
        store
            .queue_imported("p1", "e1", b"one", NOW)
            .expect("queue");
        store
            .queue_imported("p2", "e2", b"two", NOW + 1)
            .expect("queue");
        store
            .settle(&[(
                "p1".into(),
                Settlement::Retry {
                    error: "registry unreachable".into(),
                    next_attempt_ms: NOW + HOUR,
                },
            )])
            .expect("settle");
        let rows = store.outbox_rows("pending", 10).expect("rows");
        assert_eq!(
            rows.iter()
                .map(|r| r.packet_id.as_str())
                .collect::<Vec<_>>(),
            ["p2", "p1"]
        );
        assert_eq!(rows[1].last_error.as_deref(), Some("registry unreachable"));
        assert_eq!(rows[1].attempts, 1);
        assert!(store.outbox_rows("delivered", 10).expect("rows").is_empty());
    }

    #[test]
    fn the_audit_page_filters_by_actor_and_day_newest_first() {
        let mut store = Store::in_memory().expect("store");
        for i in 0..5 {
            audit(&mut store, NOW + i, "op1", "session.start");
        }
        audit(&mut store, NOW, "op2", "finalize");
        audit(&mut store, NOW - 24 * HOUR, "op1", "finalize");
        let (day, _) = day_window(NOW, WIB_OFFSET_MINUTES);
        let only_op1_today = AuditFilter {
            actor: Some("op1".into()),
            window: Some(day),
        };
        let (rows, total) = store.audit_page(&only_op1_today, 0, 3).expect("page");
        assert_eq!(total, 5);
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [5, 4, 3]);
        let (rows, _) = store.audit_page(&only_op1_today, 3, 3).expect("page");
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 1]);
        let (_, all) = store
            .audit_page(&AuditFilter::default(), 0, 100)
            .expect("page");
        assert_eq!(all, 7);
        assert_eq!(store.audit_actors().expect("actors"), ["op1", "op2"]);
    }
}
