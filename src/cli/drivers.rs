//! The provisioning drivers' settings: which franchises or plans go through the `http` agent,
//! and how to reach it. Without any of them everything uses the `directory` driver.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::domain::SealKey;
use crate::provision::{AgentConfig, DriverSelection};

#[derive(Debug, Args)]
pub struct DriverArgs {
    /// Franchises (comma-separated names) whose mailboxes are provisioned through the http agent.
    #[arg(long, env = "MAILORDER_HTTP_FRANCHISES", default_value = "")]
    http_franchises: String,
    /// Exchange plans (comma-separated) whose mailboxes are provisioned through the http agent.
    #[arg(long, env = "MAILORDER_HTTP_PLANS", default_value = "")]
    http_plans: String,
    /// The http agent's URL; each step is POSTed to it (docs/http-agent.md).
    #[arg(long, env = "MAILORDER_AGENT_URL")]
    agent_url: Option<String>,
    /// The HMAC-SHA256 key shared with the agent (at least 16 characters).
    #[arg(long, env = "MAILORDER_AGENT_SECRET", hide_env_values = true)]
    agent_secret: Option<String>,
    /// 64 hex digits: the key that seals passwords at rest until the agent has taken them.
    #[arg(long, env = "MAILORDER_AGENT_KEY", hide_env_values = true)]
    agent_key: Option<String>,
    /// Seconds one request to the agent may take before it is retried.
    #[arg(long, env = "MAILORDER_AGENT_TIMEOUT_SECS", default_value_t = 10)]
    agent_timeout_secs: u64,
}

impl DriverArgs {
    pub fn selection(self) -> anyhow::Result<DriverSelection> {
        let agent = match (self.agent_url, self.agent_secret, self.agent_key) {
            (None, None, None) => None,
            (Some(url), Some(secret), Some(key)) => {
                let url = reqwest::Url::parse(&url).context("agent-url")?;
                anyhow::ensure!(
                    matches!(url.scheme(), "http" | "https"),
                    "agent-url must be an http or https URL"
                );
                anyhow::ensure!(
                    secret.len() >= 16,
                    "agent-secret must be at least 16 characters"
                );
                let seal_key =
                    SealKey::parse(&key).map_err(|e| anyhow::anyhow!("agent-key {e}"))?;
                Some(Arc::new(AgentConfig {
                    url,
                    secret: secret.into_bytes(),
                    seal_key,
                    timeout: Duration::from_secs(self.agent_timeout_secs.max(1)),
                }))
            }
            _ => {
                anyhow::bail!("the http agent needs agent-url, agent-secret and agent-key together")
            }
        };
        let selection = DriverSelection {
            http_franchises: DriverSelection::names(&self.http_franchises),
            http_plans: DriverSelection::names(&self.http_plans),
            agent,
        };
        selection.check().map_err(anyhow::Error::msg)?;
        Ok(selection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(
        url: Option<&str>,
        secret: Option<&str>,
        key: Option<&str>,
        franchises: &str,
    ) -> DriverArgs {
        DriverArgs {
            http_franchises: franchises.into(),
            http_plans: String::new(),
            agent_url: url.map(Into::into),
            agent_secret: secret.map(Into::into),
            agent_key: key.map(Into::into),
            agent_timeout_secs: 10,
        }
    }

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const SECRET: &str = "sixteen-chars-at-least";

    #[test]
    fn directory_by_default_and_the_agent_only_when_complete() {
        let none = args(None, None, None, "").selection().expect("default");
        assert!(none.agent.is_none() && none.http_franchises.is_empty());
        let full = args(
            Some("https://agent.example/steps"),
            Some(SECRET),
            Some(KEY),
            "a,b",
        )
        .selection()
        .expect("complete");
        assert_eq!(full.http_franchises.len(), 2);
        assert!(
            !format!("{full:?}").contains(SECRET),
            "the secret is not printed"
        );
        for (bad, why) in [
            (args(Some("https://a.example"), None, None, ""), "partial"),
            (
                args(Some("ftp://a.example"), Some(SECRET), Some(KEY), ""),
                "scheme",
            ),
            (
                args(Some("https://a.example"), Some("short"), Some(KEY), ""),
                "short secret",
            ),
            (
                args(Some("https://a.example"), Some(SECRET), Some("abcd"), ""),
                "bad key",
            ),
            (args(None, None, None, "a"), "franchise without agent"),
        ] {
            assert!(bad.selection().is_err(), "{why}");
        }
    }
}
