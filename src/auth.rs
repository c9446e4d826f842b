//! HTTP Basic authentication of API users (`user@franchise`), with a short-lived in-memory cache
//! of successful argon2id verifications.
//!
//! The cache key is an HMAC-SHA256 of the login and password under a random per-process key, so
//! neither the password nor an offline-attackable hash of it is ever kept in memory. Failed
//! verifications are not cached: guessing stays as slow as argon2id makes it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::domain::{Password, PasswordHash};
use crate::error::{ApiError, ApiResult};
use crate::store::{Role, Store};

/// Who is calling: an authenticated API user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub user_id: i64,
    pub franchise_id: i64,
    pub role: Role,
}

type CacheKey = [u8; 32];
const MAX_CACHE_ENTRIES: usize = 10_000;

pub struct Authenticator {
    store: Arc<dyn Store>,
    key: [u8; 32],
    ttl: Duration,
    cache: Mutex<HashMap<CacheKey, (Caller, Instant)>>,
}

/// Splits an `Authorization: Basic …` header into login and password.
fn basic_credentials(headers: &HeaderMap) -> Option<ApiResult<(String, String)>> {
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

async fn verify(password: Password, hash: PasswordHash) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || password.verify(&hash))
        .await
        .map_err(|e| ApiError::Internal(e.into()))
}

/// A hash to verify against when the user does not exist, so that unknown and known logins take
/// the same time.
fn dummy_hash() -> &'static PasswordHash {
    static DUMMY: OnceLock<PasswordHash> = OnceLock::new();
    DUMMY.get_or_init(|| {
        Password::parse_api("not-a-real-password")
            .expect("long enough")
            .hash()
    })
}

impl Authenticator {
    pub fn new(store: Arc<dyn Store>, ttl: Duration) -> Self {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Self {
            store,
            key,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cache_key(&self, login: &str, password: &str) -> CacheKey {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length works");
        mac.update(&(login.len() as u64).to_be_bytes());
        mac.update(login.as_bytes());
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn cached(&self, key: &CacheKey) -> Option<Caller> {
        let cache = self.cache.lock().expect("auth cache poisoned");
        cache
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(c, _)| *c)
    }

    fn remember(&self, key: CacheKey, caller: Caller) {
        let mut cache = self.cache.lock().expect("auth cache poisoned");
        if cache.len() >= MAX_CACHE_ENTRIES {
            let ttl = self.ttl;
            cache.retain(|_, (_, at)| at.elapsed() < ttl);
            if cache.len() >= MAX_CACHE_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(key, (caller, Instant::now()));
    }

    /// The caller named by the `Authorization` header: `Ok(None)` without one, `401` if it is
    /// present but wrong.
    pub async fn authenticate(&self, headers: &HeaderMap) -> ApiResult<Option<Caller>> {
        let Some(credentials) = basic_credentials(headers) else {
            return Ok(None);
        };
        let (login, password) = credentials?;
        let key = self.cache_key(&login, &password);
        if let Some(caller) = self.cached(&key) {
            return Ok(Some(caller));
        }
        let Some(account) = self.lookup(&login).await? else {
            // Unknown login: verify against a dummy hash anyway, so it takes as long.
            verify(Password::presented(password), dummy_hash().clone()).await?;
            return Err(ApiError::Unauthorized("Invalid credentials"));
        };
        if !verify(Password::presented(password), account.1).await? {
            return Err(ApiError::Unauthorized("Invalid credentials"));
        }
        self.remember(key, account.0);
        Ok(Some(account.0))
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
            return Ok(mailbox.filter(|m| m.billing_status == "open").map(|m| {
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

    /// Forgets every cached verification (after a password or role change).
    pub fn forget_all(&self) {
        self.cache.lock().expect("auth cache poisoned").clear();
    }

    /// Like [`Self::authenticate`], but a missing header is a `401` too.
    pub async fn require(&self, headers: &HeaderMap) -> ApiResult<Caller> {
        self.authenticate(headers)
            .await?
            .ok_or(ApiError::Unauthorized("Authentication required"))
    }
}
