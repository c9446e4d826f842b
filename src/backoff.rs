//! Progressive back-off of failed logins, per login *and* client address: after a few wrong
//! passwords for one login from one address, that pair is answered `429` with `Retry-After`
//! for 5 s, doubled with each further failure (up to five minutes). The same login from
//! another address is not affected, so guessing from one place cannot lock the real user out.
//! Kept per process (see docs/api-decisions.md).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before the back-off starts, by default.
pub const FREE_FAILURES: u32 = 5;
/// The first wait; each further failure doubles it.
pub const FIRST_WAIT: Duration = Duration::from_secs(5);
/// The longest wait.
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// A pair with no failure for this long starts afresh.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Pairs tracked at most; beyond, the oldest are dropped.
const MAX_PAIRS: usize = 100_000;

type Pair = (String, Option<IpAddr>);

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last: Instant,
    blocked_until: Option<Instant>,
}

#[derive(Debug)]
pub struct LoginBackoff {
    /// Wrong passwords a pair may send before it waits (`None`: it never waits).
    free: Option<u32>,
    pairs: Mutex<HashMap<Pair, Record>>,
}

impl Default for LoginBackoff {
    fn default() -> Self {
        Self::new(FREE_FAILURES)
    }
}

impl LoginBackoff {
    /// Backs a pair off after `free` wrong passwords; `0` never does.
    pub fn new(free: u32) -> Self {
        Self {
            free: (free > 0).then_some(free),
            pairs: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(seconds to wait)` while the pair is backing off.
    pub fn wait(&self, login: &str, addr: Option<IpAddr>, now: Instant) -> Option<u32> {
        let pairs = self.pairs.lock().expect("backoff poisoned");
        if pairs.is_empty() {
            return None;
        }
        let until = pairs.get(&(login.to_owned(), addr))?.blocked_until?;
        let left = until.checked_duration_since(now)?;
        Some(u32::try_from(left.as_secs().max(1)).unwrap_or(u32::MAX))
    }

    /// Counts a wrong password; returns the wait it starts, if any.
    pub fn failed(&self, login: &str, addr: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let free = self.free?;
        let mut pairs = self.pairs.lock().expect("backoff poisoned");
        if pairs.len() >= MAX_PAIRS {
            pairs.retain(|_, r| now.duration_since(r.last) < FORGET_AFTER);
            if pairs.len() >= MAX_PAIRS {
                pairs.clear();
            }
        }
        let record = pairs.entry((login.to_owned(), addr)).or_insert(Record {
            failures: 0,
            last: now,
            blocked_until: None,
        });
        if now.duration_since(record.last) >= FORGET_AFTER {
            record.failures = 0;
        }
        record.failures = record.failures.saturating_add(1);
        record.last = now;
        let over = record.failures.checked_sub(free + 1)?;
        let wait = FIRST_WAIT.saturating_mul(1u32 << over.min(9)).min(MAX_WAIT);
        record.blocked_until = Some(now + wait);
        Some(wait)
    }

    /// A right password: the pair starts afresh.
    pub fn succeeded(&self, login: &str, addr: Option<IpAddr>) {
        let mut pairs = self.pairs.lock().expect("backoff poisoned");
        if !pairs.is_empty() {
            pairs.remove(&(login.to_owned(), addr));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_per_pair_and_reset() {
        let b = LoginBackoff::default();
        let here = Some(IpAddr::from([10, 0, 0, 1]));
        let there = Some(IpAddr::from([10, 0, 0, 2]));
        let t = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(b.failed("u", here, t), None);
        }
        assert_eq!(b.wait("u", here, t), None, "free failures cost nothing");
        assert_eq!(b.failed("u", here, t), Some(Duration::from_secs(5)));
        assert_eq!(b.failed("u", here, t), Some(Duration::from_secs(10)));
        assert_eq!(b.failed("u", here, t), Some(Duration::from_secs(20)));
        assert_eq!(b.wait("u", here, t), Some(20));
        assert_eq!(
            b.wait("u", there, t),
            None,
            "another address is not affected"
        );
        assert_eq!(b.wait("v", here, t), None, "another login is not affected");
        assert_eq!(
            b.wait("u", here, t + Duration::from_secs(21)),
            None,
            "the wait ends"
        );
        for _ in 0..30 {
            b.failed("u", here, t);
        }
        assert_eq!(b.wait("u", here, t), Some(300), "at most five minutes");
        b.succeeded("u", here);
        assert_eq!(b.wait("u", here, t), None);
        let later = t + FORGET_AFTER;
        for _ in 0..FREE_FAILURES {
            b.failed("w", here, t);
        }
        assert_eq!(
            b.failed("w", here, later),
            None,
            "old failures are forgotten"
        );
    }

    #[test]
    fn zero_never_backs_off() {
        let b = LoginBackoff::new(0);
        let here = Some(IpAddr::from([10, 0, 0, 1]));
        let t = Instant::now();
        for _ in 0..100 {
            assert_eq!(b.failed("u", here, t), None);
        }
        assert_eq!(b.wait("u", here, t), None);
    }
}
