//! Request rate limits: per client address (an IPv6 client is its `/64`, which one host
//! usually has whole) and per authenticated login, as token buckets (GCRA, the `governor`
//! crate). A request over either is answered `429` with `Retry-After`. The limits are per
//! instance (docs/api-decisions.md says why); a bucket idle long enough to be full again is
//! dropped, so memory follows the clients active in the last minutes.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// Requests per minute, per client address and per login; `0` turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateConfig {
    pub per_address: u32,
    pub per_login: u32,
}

impl Default for RateConfig {
    fn default() -> Self {
        Self {
            per_address: 1200,
            per_login: 600,
        }
    }
}

impl RateConfig {
    /// No limits (benchmarks, and tests that are about something else).
    pub const OFF: Self = Self {
        per_address: 0,
        per_login: 0,
    };
}

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// One limit: a bucket per key refilled at `per_minute`, holding ten seconds' worth (at least
/// one request), so a client may burst briefly and then goes at the rate.
struct Limit<K: std::hash::Hash + Eq + Clone> {
    buckets: Keyed<K>,
    checks: AtomicU64,
}

/// Buckets are swept of idle ones every this many checks.
const SWEEP_EVERY: u64 = 4096;

impl<K: std::hash::Hash + Eq + Clone> Limit<K> {
    fn new(per_minute: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new((per_minute / 6).max(1)).unwrap_or(NonZeroU32::MIN);
        Some(Self {
            buckets: RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst)),
            checks: AtomicU64::new(0),
        })
    }

    /// `Err(seconds to wait)` when `key` is over its rate.
    fn check(&self, key: &K) -> Result<(), u32> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.buckets.retain_recent();
            self.buckets.shrink_to_fit();
        }
        self.buckets.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            u32::try_from(wait.as_secs() + 1).unwrap_or(u32::MAX)
        })
    }

    fn len(&self) -> usize {
        self.buckets.len()
    }
}

/// The rate limits of one server.
pub struct RateLimits {
    by_address: Option<Limit<IpAddr>>,
    by_login: Option<Limit<String>>,
}

impl RateLimits {
    pub fn new(config: RateConfig) -> Self {
        Self {
            by_address: Limit::new(config.per_address),
            by_login: Limit::new(config.per_login),
        }
    }

    /// A request from `addr`: `Err(seconds to wait)` when its network is over the rate.
    pub fn check_address(&self, addr: IpAddr) -> Result<(), u32> {
        match &self.by_address {
            Some(limit) => limit.check(&client_network(addr)),
            None => Ok(()),
        }
    }

    /// A request of an authenticated `login` (any case): `Err(seconds to wait)` over the rate.
    pub fn check_login(&self, login: &str) -> Result<(), u32> {
        match &self.by_login {
            Some(limit) => limit.check(&login.to_ascii_lowercase()),
            None => Ok(()),
        }
    }

    /// Buckets held (addresses, logins), for `/metrics`.
    pub fn tracked(&self) -> (usize, usize) {
        (
            self.by_address.as_ref().map_or(0, Limit::len),
            self.by_login.as_ref().map_or(0, Limit::len),
        )
    }
}

/// The network a client address stands for in per-address counts: an IPv4 address itself
/// (also when written as IPv4-mapped IPv6), an IPv6 address its `/64`, since one host or
/// site usually holds a whole `/64` and could otherwise take a fresh address per request.
pub fn client_network(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_network(a), client_network(b));
        assert_ne!(client_network(a), client_network(c));
        assert_eq!(
            client_network(a),
            "2001:db8:1:2::".parse::<IpAddr>().unwrap()
        );
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
        assert_eq!(
            client_network(mapped),
            "10.1.2.3".parse::<IpAddr>().unwrap()
        );
        let v4: IpAddr = "10.1.2.3".parse().unwrap();
        assert_eq!(client_network(v4), v4);
    }

    #[test]
    fn a_burst_then_the_rate_per_key() {
        let limits = RateLimits::new(RateConfig {
            per_address: 60,
            per_login: 6,
        });
        let here: IpAddr = "10.0.0.1".parse().unwrap();
        let there: IpAddr = "10.0.0.2".parse().unwrap();
        // 60 a minute holds ten seconds' worth: 10 at once, then one a second.
        for n in 0..10 {
            assert_eq!(limits.check_address(here), Ok(()), "request {n}");
        }
        let wait = limits.check_address(here).expect_err("over the burst");
        assert!((1..=2).contains(&wait), "{wait}");
        assert_eq!(limits.check_address(there), Ok(()), "another client");
        // Logins: 6 a minute holds one; case does not make another login.
        assert_eq!(limits.check_login("Jane@acme"), Ok(()));
        let wait = limits.check_login("jane@ACME").expect_err("same login");
        assert!((10..=11).contains(&wait), "{wait}");
        assert_eq!(limits.check_login("joe@acme"), Ok(()));
        assert_eq!(limits.tracked(), (2, 2));
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let limits = RateLimits::new(RateConfig::OFF);
        for _ in 0..1000 {
            assert_eq!(limits.check_address("10.0.0.1".parse().unwrap()), Ok(()));
            assert_eq!(limits.check_login("a@b"), Ok(()));
        }
        assert_eq!(limits.tracked(), (0, 0));
    }
}
