//! HTTP Basic authentication of API users (`user@franchise`), with a short-lived in-memory cache
//! of argon2id verifications.
//!
//! The cache key is an HMAC-SHA256 of the login and password under a random per-process key, so
//! neither the password nor an offline-attackable hash of it is ever kept in memory. Failures are
//! cached like successes, so a repeated wrong password costs no more than a repeated right one;
//! every new guess still costs a verification. Concurrent requests with the same credentials
//! share one verification. Verifications run on the bounded [`HashPool`], which caps one login's
//! verifications in flight from one client address (`429`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::backoff::LoginBackoff;
use crate::domain::{Password, PasswordHash};
use crate::error::{ApiError, ApiResult};
use crate::hashing::{FloodKey, HashPool};
use crate::limits::RateLimits;
use crate::store::{Role, Store};

tokio::task_local! {
    /// The address of the client whose request is being answered (set by the HTTP layer).
    pub static CLIENT_ADDR: IpAddr;
}

/// Who is calling: an authenticated API user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub user_id: i64,
    pub franchise_id: i64,
    pub role: Role,
}

type CacheKey = [u8; 32];
const MAX_CACHE_ENTRIES: usize = 10_000;

type Verdicts = HashMap<CacheKey, (Verdict, Instant)>;

/// The outcome of checking one login and password.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    Allowed(Caller),
    Denied,
}

pub struct Authenticator {
    store: Arc<Store>,
    pool: Arc<HashPool>,
    key: [u8; 32],
    ttl: Duration,
    /// Verdicts, and the generation they belong to (moved on by [`Self::forget_all`]).
    cache: Mutex<(Verdicts, u64)>,
    /// Verifications under way, shared by concurrent requests with the same credentials.
    checking: Mutex<HashMap<CacheKey, Arc<tokio::sync::OnceCell<Verdict>>>>,
    /// Wrong passwords per login and client address, backed off progressively.
    backoff: LoginBackoff,
    /// Requests per login (checked once the login is known to be right).
    limits: Arc<RateLimits>,
}

/// Splits an `Authorization: Basic …` header into login and password.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<ApiResult<(String, String)>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let bad = || ApiError::Unauthorized("Malformed Authorization header");
    Some((|| {
        let value = value.to_str().map_err(|_| bad())?;
        let (scheme, token) = value.trim().split_once(' ').ok_or_else(bad)?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(ApiError::Unauthorized(
                "Only Basic authentication is supported",
            ));
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(token.trim())
            .map_err(|_| bad())?;
        let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
        let (login, password) = decoded.split_once(':').ok_or_else(bad)?;
        Ok((login.to_owned(), password.to_owned()))
    })())
}

/// A hash to verify against when the user does not exist, so that unknown and known logins take
/// the same time: the parameters of every hash we make, a fixed salt and an all-zero hash that no
/// password produces.
fn dummy_hash() -> &'static PasswordHash {
    static DUMMY: OnceLock<PasswordHash> = OnceLock::new();
    DUMMY.get_or_init(|| {
        PasswordHash::from_stored(
            "$argon2id$v=19$m=19456,t=2,p=1$bm90LWEtcmVhbC1zYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                .to_owned(),
        )
    })
}

impl Authenticator {
    pub fn new(
        store: Arc<Store>,
        pool: Arc<HashPool>,
        ttl: Duration,
        limits: Arc<RateLimits>,
        backoff_after: u32,
    ) -> Self {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Self {
            store,
            pool,
            key,
            ttl,
            cache: Mutex::new((HashMap::new(), 0)),
            checking: Mutex::new(HashMap::new()),
            backoff: LoginBackoff::new(backoff_after),
            limits,
        }
    }

    fn cache_key(&self, login: &str, password: &str) -> CacheKey {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length works");
        mac.update(&(login.len() as u64).to_be_bytes());
        mac.update(login.as_bytes());
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn cached(&self, key: &CacheKey) -> Option<Verdict> {
        let cache = self.cache.lock().expect("auth cache poisoned");
        cache
            .0
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| *v)
    }

    fn generation(&self) -> u64 {
        self.cache.lock().expect("auth cache poisoned").1
    }

    /// Keeps a verdict reached in `generation`, unless the cache was cleared since (the verdict
    /// may have been reached with a password that is no longer the user's).
    fn remember(&self, key: CacheKey, verdict: Verdict, generation: u64) {
        let mut cache = self.cache.lock().expect("auth cache poisoned");
        let (entries, current) = &mut *cache;
        if *current != generation {
            return;
        }
        if entries.len() >= MAX_CACHE_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= MAX_CACHE_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (verdict, Instant::now()));
    }

    /// The caller named by the `Authorization` header: `Ok(None)` without one, `401` if it is
    /// present but wrong, `429`/`503` if its verification cannot be queued.
    pub async fn authenticate(&self, headers: &HeaderMap) -> ApiResult<Option<Caller>> {
        let Some(credentials) = basic_credentials(headers) else {
            return Ok(None);
        };
        let (login, password) = credentials?;
        crate::audit::note_login(&login);
        // Counted per network: an IPv6 client is its /64 (it could take a fresh address per
        // guess otherwise).
        let addr = CLIENT_ADDR
            .try_with(|a| *a)
            .ok()
            .map(crate::limits::client_network);
        // Logins differ in case only as spellings of one login (realms are matched without
        // case): one count for all of them.
        let login_key = login.to_ascii_lowercase();
        let now = Instant::now();
        if let Some(retry_after_secs) = self.backoff.wait(&login_key, addr, now) {
            return Err(ApiError::TooManyRequests {
                reason: "Too many wrong passwords for this login from this address, retry later",
                retry_after_secs,
            });
        }
        let key = self.cache_key(&login, &password);
        let verdict = match self.cached(&key) {
            Some(verdict) => verdict,
            None => {
                let shared = Arc::clone(
                    self.checking
                        .lock()
                        .expect("auth checks poisoned")
                        .entry(key)
                        .or_default(),
                );
                // The first request verifies; the others wait for its verdict (or take over if
                // it goes away). Remembered before the shared check is dropped.
                let verdict = shared
                    .get_or_try_init(|| self.check(key, login.clone(), password))
                    .await
                    .copied();
                let mut checking = self.checking.lock().expect("auth checks poisoned");
                if checking.get(&key).is_some_and(|c| Arc::ptr_eq(c, &shared)) {
                    checking.remove(&key);
                }
                verdict?
            }
        };
        match verdict {
            Verdict::Allowed(caller) => {
                crate::audit::note_franchise(caller.franchise_id);
                self.backoff.succeeded(&login_key, addr);
                self.limits
                    .check_login(&login_key)
                    .map_err(|retry_after_secs| ApiError::TooManyRequests {
                        reason: "Too many requests for this login, retry later",
                        retry_after_secs,
                    })?;
                Ok(Some(caller))
            }
            Verdict::Denied => {
                self.backoff.failed(&login_key, addr, now);
                Err(ApiError::Unauthorized("Invalid credentials"))
            }
        }
    }

    /// Verifies a login and password on the pool and remembers the verdict.
    async fn check(&self, key: CacheKey, login: String, password: String) -> ApiResult<Verdict> {
        let generation = self.generation();
        let account = self.lookup(&login).await?;
        let flood = FloodKey {
            login: login.to_ascii_lowercase(),
            addr: CLIENT_ADDR
                .try_with(|a| *a)
                .ok()
                .map(crate::limits::client_network),
        };
        let password = Password::presented(password);
        let verdict = match account {
            Some((caller, hash)) => {
                if self.pool.verify(password, hash, flood).await? {
                    Verdict::Allowed(caller)
                } else {
                    Verdict::Denied
                }
            }
            None => {
                // Unknown login: verify against a dummy hash anyway, so it takes as long.
                self.pool
                    .verify(password, dummy_hash().clone(), flood)
                    .await?;
                Verdict::Denied
            }
        };
        self.remember(key, verdict, generation);
        Ok(verdict)
    }

    /// The caller a login names, with the hash to check: `user@franchise` is an API user,
    /// `username@domain` (the realm has a dot) the owner of an open mailbox.
    async fn lookup(&self, login: &str) -> ApiResult<Option<(Caller, PasswordHash)>> {
        let Some((user, realm)) = login.rsplit_once('@') else {
            return Ok(None);
        };
        if realm.contains('.') {
            let mailbox = self
                .store
                .mailbox_login(&realm.to_ascii_lowercase(), user)
                .await?;
            return Ok(mailbox.filter(|m| m.billing_status.can_log_in()).map(|m| {
                let role = if m.admin {
                    Role::MailboxAdmin {
                        exchange_id: m.exchange_id,
                    }
                } else {
                    Role::MailboxUser {
                        exchange_id: m.exchange_id,
                        mailbox_id: m.mailbox_id,
                    }
                };
                (
                    Caller {
                        user_id: m.mailbox_id,
                        franchise_id: m.franchise_id,
                        role,
                    },
                    m.password_hash,
                )
            }));
        }
        let user = self.store.api_user(realm, user).await?;
        Ok(user.map(|u| {
            (
                Caller {
                    user_id: u.id,
                    franchise_id: u.franchise_id,
                    role: u.role,
                },
                u.password_hash,
            )
        }))
    }

    /// Forgets every cached verification (after a password or role change). Verifications
    /// under way are not remembered when they end (the generation moved on), and requests from
    /// now on do not join them: they may have read the credentials before the change.
    pub fn forget_all(&self) {
        let mut cache = self.cache.lock().expect("auth cache poisoned");
        cache.0.clear();
        cache.1 += 1;
        drop(cache);
        self.checking.lock().expect("auth checks poisoned").clear();
    }

    /// Like [`Self::authenticate`], but a missing header is a `401` too.
    pub async fn require(&self, headers: &HeaderMap) -> ApiResult<Caller> {
        self.authenticate(headers)
            .await?
            .ok_or(ApiError::Unauthorized("Authentication required"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::Params;
    use argon2::password_hash::PasswordHash as Phc;

    /// The dummy hash costs what a real one costs (the same parameters) and matches nothing.
    #[test]
    fn dummy_hash_has_real_parameters_and_matches_nothing() {
        let phc = Phc::new(dummy_hash().as_str()).expect("parses");
        let params = Params::try_from(&phc).expect("params");
        let ours = Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (ours.m_cost(), ours.t_cost(), ours.p_cost())
        );
        let real = Password::parse_api("not-a-real-password").expect("long enough");
        assert!(!real.verify(dummy_hash()));
        assert!(!Password::presented(String::new()).verify(dummy_hash()));
    }
}
