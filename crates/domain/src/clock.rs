//! Time as a parameter. Production uses [`SystemClock`]; tests use [`ManualClock`] to move
//! time forward (session expiry, lockout windows, TOTP steps) without sleeping.
//!
//! Invariant: every instant handed out is UTC and truncated to whole microseconds, the
//! precision PostgreSQL keeps, so a value written and read back compares equal on both
//! databases (the audit hash chain depends on that).

use std::sync::Mutex;
use time::OffsetDateTime;

/// Source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current instant (UTC, microsecond precision).
    fn now(&self) -> OffsetDateTime;
}

/// Truncates an instant to whole microseconds in UTC.
pub fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    let micros = t.microsecond();
    t.replace_microsecond(micros).unwrap_or(t)
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place allowed to read the system clock
    fn now(&self) -> OffsetDateTime {
        truncate(OffsetDateTime::now_utc())
    }
}

/// A clock that tests set and advance by hand.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    /// A clock stopped at `t`.
    pub fn new(t: OffsetDateTime) -> Self {
        Self(Mutex::new(truncate(t)))
    }
    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: time::Duration) {
        if let Ok(mut g) = self.0.lock() {
            *g += d;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        self.0
            .lock()
            .map(|g| *g)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_drops_nanoseconds_and_keeps_utc() {
        let t = time::macros::datetime!(2026-01-02 03:04:05.123456789 +02:00);
        let u = truncate(t);
        assert_eq!(u.offset(), time::UtcOffset::UTC);
        assert_eq!(u.nanosecond(), 123_456_000);
        assert_eq!(u.hour(), 1);
    }

    #[test]
    fn manual_clock_advances() {
        let c = ManualClock::new(time::macros::datetime!(2026-01-01 00:00 UTC));
        c.advance(time::Duration::minutes(16));
        assert_eq!(c.now().minute(), 16);
    }
}
