//! Secret hygiene over the whole suite: a layer on every test server records each secret the
//! tests send or receive (Basic credentials, as the header and the password; `OwnerId` cookies
//! both ways; every password, card or webhook-secret field of a JSON body, [`SECRET_KEYS`]),
//! and when a test app is dropped its database (SQLite: every file of it, WAL included;
//! PostgreSQL: every row of every table) and the log lines written while it ran are searched
//! for them. A secret found fails the test.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use base64::Engine;
use serde_json::Value;

/// The keys of JSON bodies whose values are secrets: passwords, and the card data and webhook
/// secrets the API takes or will take (card numbers and codes: `take_json`).
const SECRET_KEYS: [&str; 7] = [
    "password",
    "secret",
    "cardNumber",
    "cvv",
    "cvc",
    "securityCode",
    "verificationCode",
];

/// Shorter values are not searched for: they would be found by chance (and the API refuses
/// passwords this short anyway).
const SHORTEST: usize = 8;

/// The secrets one test app has seen.
#[derive(Clone, Default)]
pub struct Secrets(Arc<Mutex<BTreeSet<String>>>);

impl Secrets {
    fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.len() >= SHORTEST {
            self.0
                .lock()
                .expect("not poisoned")
                .insert(secret.to_owned());
        }
    }

    /// A secret of any length (one that cannot be found by chance).
    fn add_exact(&self, secret: &str) {
        self.0
            .lock()
            .expect("not poisoned")
            .insert(secret.to_owned());
    }

    pub fn all(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("not poisoned")
            .iter()
            .cloned()
            .collect()
    }

    fn take_headers(&self, headers: &HeaderMap) {
        for value in headers.get_all(header::AUTHORIZATION) {
            let Some(token) = value.to_str().ok().and_then(|v| v.strip_prefix("Basic ")) else {
                continue;
            };
            self.add(token);
            if let Some((_, password)) = base64::engine::general_purpose::STANDARD
                .decode(token.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .as_deref()
                .and_then(|d| d.split_once(':'))
            {
                self.add(password);
            }
        }
        for name in [header::COOKIE, header::SET_COOKIE] {
            for value in headers.get_all(&name) {
                let Ok(value) = value.to_str() else { continue };
                for pair in value.split(';') {
                    if let Some(("OwnerId", v)) = pair.trim().split_once('=') {
                        self.add(v);
                    }
                }
            }
        }
    }

    fn take_json(&self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        (k, Value::String(s)) if SECRET_KEYS.contains(&k) => self.add(s),
                        // A card number (an account number is letters and digits).
                        ("accountNumber", Value::String(s))
                            if s.len() >= 12 && s.bytes().all(|b| b.is_ascii_digit()) =>
                        {
                            self.add(s)
                        }
                        // A card's code is too short to search for alone: as a JSON string,
                        // and the field's name, neither of which anything may keep.
                        ("verificationNumber", Value::String(s)) => {
                            self.add_exact(&format!("\"{s}\""));
                            self.add_exact("verificationNumber");
                        }
                        _ => self.take_json(v),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.take_json(v)),
            _ => {}
        }
    }
}

/// The recording layer, for the test app's router.
pub fn layer(router: axum::Router, secrets: Secrets) -> axum::Router {
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let secrets = secrets.clone();
        async move {
            use futures_util::StreamExt;
            let (parts, body) = request.into_parts();
            secrets.take_headers(&parts.headers);
            // The body is copied as the handler reads it (waiting for all of it here would
            // change what the server sees of a slow body).
            let seen = Arc::new(Mutex::new(Vec::new()));
            let copy = Arc::clone(&seen);
            let body = Body::from_stream(body.into_data_stream().map(move |chunk| {
                if let Ok(bytes) = &chunk {
                    copy.lock().expect("not poisoned").extend_from_slice(bytes);
                }
                chunk
            }));
            let response: Response = next.run(Request::from_parts(parts, body)).await;
            let bytes = std::mem::take(&mut *seen.lock().expect("not poisoned"));
            if let Ok(json) = serde_json::from_slice::<Value>(&bytes) {
                secrets.take_json(&json);
            }
            secrets.take_headers(response.headers());
            response
        }
    }))
}

/// Every secret of `secrets` found in `haystack`.
fn found<'a>(secrets: &'a [String], haystack: &[u8]) -> Vec<&'a str> {
    secrets
        .iter()
        .filter(|s| haystack.windows(s.len()).any(|w| w == s.as_bytes()))
        .map(String::as_str)
        .collect()
}

/// Searches the test app's database and the logs written since it started; returns what it
/// found, described.
pub async fn sweep(db: &crate::helpers::TestDb, secrets: &[String], logs: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if secrets.is_empty() {
        return problems;
    }
    for s in found(secrets, logs.as_bytes()) {
        problems.push(format!("{s:?} in the logs"));
    }
    if db.is_sqlite() {
        let Ok(entries) = std::fs::read_dir(db.dir.path().join("db")) else {
            return problems;
        };
        for entry in entries.flatten() {
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            for s in found(secrets, &bytes) {
                problems.push(format!("{s:?} in {}", entry.path().display()));
            }
        }
    } else {
        use sqlx::Row;
        let pool = db.pool().await;
        let tables: Vec<String> = sqlx::query(
            "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_all(&pool)
        .await
        .map(|rows| rows.iter().map(|r| r.get("t")).collect())
        .unwrap_or_default();
        for table in tables {
            let rows = sqlx::query(&format!("SELECT CAST(x AS TEXT) AS row FROM {table} x"))
                .fetch_all(&pool)
                .await
                .unwrap_or_default();
            for row in rows {
                let text: String = row.get("row");
                for s in found(secrets, text.as_bytes()) {
                    problems.push(format!("{s:?} in table {table}"));
                }
            }
        }
        pool.close().await;
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn secrets_are_taken_take_headers_and_bodies() {
        let secrets = Secrets::default();
        let mut h = HeaderMap::new();
        // qwe@partner_api_developer_us_main:iu34t8hf
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                "Basic cXdlQHBhcnRuZXJfYXBpX2RldmVsb3Blcl91c19tYWluOml1MzR0OGhm",
            ),
        );
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("OwnerId=f9cafb10-2e85-4b1a-bd69-1b1a91437d50; Path=/"),
        );
        secrets.take_headers(&h);
        secrets.take_json(
            &serde_json::json!({"owner": {"username": "a.a", "password": "tester1234"},
            "list": [{"password": "Another99"}], "notes": "short"}),
        );
        assert_eq!(
            secrets.all(),
            [
                "Another99",
                "cXdlQHBhcnRuZXJfYXBpX2RldmVsb3Blcl91c19tYWluOml1MzR0OGhm",
                "f9cafb10-2e85-4b1a-bd69-1b1a91437d50",
                "iu34t8hf",
                "tester1234",
            ]
        );
        let all = secrets.all();
        assert_eq!(found(&all, b"xx tester1234 yy"), ["tester1234"]);
        assert!(found(&all, b"nothing here").is_empty());
    }
}
