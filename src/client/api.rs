//! The HTTP side of `mo`: requests with Basic credentials and the `OwnerId` cookie, Hostway
//! error bodies turned into one line, and following an order to its end.

use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::{Method, Response, header};
use serde_json::{Value, json};

pub struct Api {
    client: reqwest::Client,
    base: String,
    auth: Option<(String, String)>,
}

/// A mailbox order's `202`: where the order is (free), or its quote (paid), and the cookie.
pub struct Placed {
    pub location: Option<String>,
    pub cookie: String,
    pub quote: Option<Value>,
}

/// A server error as one line: `409 conflict: Mailbox already exists (owner.username: …)`.
async fn server_error(r: Response) -> anyhow::Error {
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    let Some((kind, e)) = serde_json::from_str::<Value>(&text).ok().and_then(|v| {
        v.as_object()
            .and_then(|o| o.iter().next().map(|(k, v)| (k.clone(), v.clone())))
    }) else {
        return anyhow::anyhow!("{status}: {}", text.trim());
    };
    let details = match &e["details"] {
        Value::Object(fields) => fields
            .iter()
            .map(|(f, p)| format!("{f}: {}", p.as_str().unwrap_or(&p.to_string())))
            .collect::<Vec<_>>()
            .join("; "),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let message = e["message"].as_str().unwrap_or("");
    if details.is_empty() {
        anyhow::anyhow!("{} {kind}: {message}", status.as_u16())
    } else {
        anyhow::anyhow!("{} {kind}: {message} ({details})", status.as_u16())
    }
}

fn header_str(r: &Response, name: header::HeaderName) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl Api {
    pub fn new(base: &str, user: Option<&str>) -> anyhow::Result<Api> {
        let auth = match user {
            None => None,
            Some(u) => {
                let password = match std::env::var("MO_PASSWORD") {
                    Ok(p) => p,
                    Err(_) => rpassword::prompt_password(format!("Password for {u}: "))
                        .context("cannot read the password")?,
                };
                Some((u.to_owned(), password))
            }
        };
        Ok(Api {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            auth,
        })
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        cookie: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Response> {
        let url = self.url(path);
        let mut req = self.client.request(method, &url);
        if let Some((u, p)) = &self.auth {
            req = req.basic_auth(u, Some(p));
        }
        if !cookie.is_empty() {
            req = req.header(header::COOKIE, cookie);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let r = req
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        if r.status().is_success() {
            Ok(r)
        } else {
            Err(server_error(r).await)
        }
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self
            .request(Method::GET, path, "", None)
            .await?
            .json()
            .await?)
    }

    /// A whole list, page after page.
    pub async fn get_list(&self, path: &str) -> anyhow::Result<Value> {
        let mut items = Vec::new();
        let mut next = Some(self.url(path));
        while let Some(url) = next.take() {
            let page = self.get(&url).await?;
            items.extend(page["list"].as_array().cloned().unwrap_or_default());
            next = page["links"]
                .as_array()
                .and_then(|l| l.iter().find(|l| l["rel"] == "next"))
                .and_then(|l| l["href"].as_str().map(str::to_owned));
        }
        Ok(json!({"list": items}))
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<()> {
        let method = Method::from_bytes(method.as_bytes())?;
        self.request(method, path, "", body).await?;
        Ok(())
    }

    /// A request whose answer has a body (and maybe a `Location`): both.
    pub async fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(Option<String>, Value)> {
        let method = Method::from_bytes(method.as_bytes())?;
        let r = self.request(method, path, "", body).await?;
        let location = header_str(&r, header::LOCATION);
        let text = r.text().await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        };
        Ok((location, body))
    }

    /// A request to an open order (with its cookie): the answer's `Location` and body.
    pub async fn with_cookie(
        &self,
        method: &str,
        path: &str,
        cookie: &str,
        body: &Value,
    ) -> anyhow::Result<(Option<String>, Value)> {
        let method = Method::from_bytes(method.as_bytes())?;
        let r = self.request(method, path, cookie, Some(body)).await?;
        let location = header_str(&r, header::LOCATION);
        let text = r.text().await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        };
        Ok((location, body))
    }

    /// `GET` of an open order's resource (with its cookie).
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> anyhow::Result<Value> {
        Ok(self
            .request(Method::GET, path, cookie, None)
            .await?
            .json()
            .await?)
    }

    /// A request that answers `202` with an order: its URL.
    pub async fn send_order(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<String> {
        let method = Method::from_bytes(method.as_bytes())?;
        let r = self.request(method, path, "", body).await?;
        header_str(&r, header::LOCATION).context("the server gave no order location")
    }

    pub async fn post_order(&self, path: &str, body: &Value) -> anyhow::Result<Placed> {
        let r = self.request(Method::POST, path, "", Some(body)).await?;
        let cookie = header_str(&r, header::SET_COOKIE)
            .and_then(|c| c.split(';').next().map(str::to_owned))
            .unwrap_or_default();
        let location = header_str(&r, header::LOCATION);
        let text = r.text().await?;
        let quote = if text.trim().is_empty() {
            None
        } else {
            Some(serde_json::from_str(&text)?)
        };
        Ok(Placed {
            location,
            cookie,
            quote,
        })
    }

    /// Submits an order through its action URL; the order's URL.
    pub async fn submit(
        &self,
        action: &str,
        cookie: &str,
        hash: Option<&str>,
    ) -> anyhow::Result<String> {
        let mut body = json!({"action": "submit"});
        if let Some(h) = hash {
            body["quoteHash"] = json!(h);
        }
        let r = self
            .request(Method::POST, action, cookie, Some(&body))
            .await?;
        Ok(header_str(&r, header::LOCATION)
            .unwrap_or_else(|| action.trim_end_matches("/action").to_owned()))
    }

    /// Cancels an open order through its URL and cookie.
    pub async fn cancel(&self, order: &str, cookie: &str) -> anyhow::Result<()> {
        self.request(Method::DELETE, order, cookie, None).await?;
        Ok(())
    }

    /// Follows the order until `Completed` or `Failed`, with a spinner on a terminal: each
    /// request waits on the server for the next change (`Prefer: wait`, `If-None-Match`), so a
    /// long step costs one request per 30 s rather than four a second.
    pub async fn follow(&self, order: &str, cookie: &str, spinner: bool) -> anyhow::Result<Value> {
        let bar = indicatif::ProgressBar::new_spinner();
        if !spinner || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        let url = self.url(order);
        let mut etag: Option<String> = None;
        loop {
            let mut req = self
                .client
                .get(&url)
                .header("Prefer", format!("wait={}", super::WAIT.as_secs()));
            if let Some((u, p)) = &self.auth {
                req = req.basic_auth(u, Some(p));
            }
            if !cookie.is_empty() {
                req = req.header(header::COOKIE, cookie);
            }
            if let Some(tag) = &etag {
                req = req.header(header::IF_NONE_MATCH, tag);
            }
            let sent = std::time::Instant::now();
            let r = req
                .send()
                .await
                .with_context(|| format!("cannot reach {url}"))?;
            if r.status() == reqwest::StatusCode::NOT_MODIFIED {
                // Answered before the wait was over (a busy server does not hold reads): wait
                // as long as it asks before the next one.
                if sent.elapsed() < super::WAIT / 2 {
                    let secs = header_str(&r, header::RETRY_AFTER)
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(1);
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                }
                continue;
            }
            if !r.status().is_success() {
                return Err(server_error(r).await);
            }
            etag = header_str(&r, header::ETAG);
            let body: Value = r.json().await?;
            let status = body["order"]["Status"].as_str().unwrap_or("?").to_owned();
            bar.set_message(format!("order {status}"));
            match status.as_str() {
                "Completed" | "Failed" | "Cancelled" => {
                    bar.finish_and_clear();
                    return Ok(body);
                }
                "new" => bail!("the order is open: submit it first"),
                // A server without waits (or an old copy) answers at once: not a busy loop.
                _ if etag.is_none() => tokio::time::sleep(super::WAIT_FALLBACK).await,
                _ => {}
            }
        }
    }
}
