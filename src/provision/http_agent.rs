//! The `http` driver: for platforms mailorder cannot write to directly, each provisioning step
//! is POSTed as JSON to the configured agent, signed with HMAC-SHA256 over the timestamp and
//! the body (docs/http-agent.md). `2xx` is success; `5xx`, timeouts and connection errors are
//! retried by the worker with backoff; any other answer fails the order with the agent's
//! message. The plain password travels only in the creation step, inside the signed request.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{ProvisionError, Provisioner};
use crate::domain::SealKey;
use crate::store::{AddressTask, BillingStatus, ListTask, MailboxTask, StepKind};

pub const TIMESTAMP_HEADER: &str = "X-Mailorder-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Mailorder-Signature";
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Where the agent is and the keys to talk to it.
pub struct AgentConfig {
    pub url: reqwest::Url,
    /// The HMAC key shared with the agent.
    pub secret: Vec<u8>,
    /// Seals passwords at rest until the agent has taken them.
    pub seal_key: SealKey,
    /// For one request, connection included.
    pub timeout: Duration,
}

impl fmt::Debug for AgentConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentConfig")
            .field("url", &self.url.as_str())
            .field("secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// `v1=` + hex(HMAC-SHA256(secret, "{timestamp}.{body}")).
pub fn signature(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length works");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(3 + 64);
    out.push_str("v1=");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The agent's name for the step `task` asks for. An account's status step becomes
/// `suspend_mailbox` or `restore_mailbox` by the mailbox's status when it runs; a password
/// step whose password a later step already delivered becomes a plain update.
pub fn step_name(kind: StepKind, task: &MailboxTask) -> &'static str {
    match kind {
        StepKind::Create => "create_mailbox",
        StepKind::Restore => "restore_mailbox",
        StepKind::Close => "suspend_mailbox",
        StepKind::Purge => "delete_mailbox",
        StepKind::SetPassword if task.password_sealed.is_some() => "set_password",
        StepKind::Update | StepKind::SetPassword => "update_mailbox",
        StepKind::AccountStatus if task.billing_status == BillingStatus::Suspended => {
            "suspend_mailbox"
        }
        StepKind::AccountStatus => "restore_mailbox",
        StepKind::AddAddOn(_) | StepKind::RemoveAddOn(_) => kind.as_str(),
        // Lists and addresses go through `list_step` and `address_step`, never here; an
        // order's onboarding steps are mailorder's own records.
        StepKind::CreateList | StepKind::DeleteList | StepKind::SyncAddress => "unsupported",
        StepKind::OpenAccount
        | StepKind::CreateUser
        | StepKind::SetContacts
        | StepKind::AddPayment
        | StepKind::CreateExchange
        | StepKind::CloseAccount => "unsupported",
    }
}

pub struct HttpAgent {
    config: std::sync::Arc<AgentConfig>,
    client: reqwest::Client,
}

impl HttpAgent {
    pub fn new(config: std::sync::Arc<AgentConfig>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            // The password must not follow a redirect to somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { config, client })
    }

    fn body(&self, step: &str, key: &str, task: &MailboxTask, password: Option<&str>) -> Value {
        let mut body = json!({
            "step": step,
            "idempotencyKey": key,
            "mailbox": {
                "address": task.address,
                "username": task.username,
                "domain": task.domain,
                "quotaMb": task.quota_mb,
                "forwardTo": task.forward_to,
                "deliverRedirect": task.deliver_redirect,
                // Being created or restored, or open: active; anything else is on its way out.
                "active": matches!(task.billing_status, BillingStatus::Open | BillingStatus::Pending),
            },
            "revision": task.updated_ms,
        });
        if let Some(p) = password {
            body["password"] = Value::String(p.to_owned());
        }
        if let Some(add_on) = task.kind.add_on() {
            body["addOn"] = Value::String(add_on.as_str().to_owned());
        }
        body
    }

    /// Sends `kind`'s step for `task`.
    async fn send(&self, kind: StepKind, task: &MailboxTask) -> Result<(), ProvisionError> {
        let step = step_name(kind, task);
        let password = match step {
            "create_mailbox" | "set_password" => {
                let sealed = task.password_sealed.as_ref().ok_or_else(|| ProvisionError::Permanent {
                    message: "No password is held for this mailbox (was its driver changed after the order?); order it again".into(),
                    code: 500,
                })?;
                let opened = sealed.open(&self.config.seal_key, &task.address).map_err(
                    |problem| ProvisionError::Permanent {
                        message: format!(
                            "The held password cannot be used: {problem} (was agent-key changed?)"
                        ),
                        code: 500,
                    },
                )?;
                Some(opened)
            }
            _ => None,
        };
        // The key names what was asked (the step kind for sync steps, whose agent step name
        // follows the mailbox's state), so it is the same on every retry.
        let asked = if kind.is_sync() { kind.as_str() } else { step };
        let key = format!("{}:{asked}", task.step_key);
        let body = self.body(step, &key, task, password.as_ref().map(|p| p.reveal()));
        let secret = password.as_ref().map(|p| p.reveal());
        self.post(step, &key, &body, secret).await
    }

    /// POSTs one signed step. `secret`, if the body carries one, is masked in any message
    /// the agent's answer puts into logs or the order's `Errors`.
    async fn post(
        &self,
        step: &str,
        key: &str,
        body: &Value,
        secret: Option<&str>,
    ) -> Result<(), ProvisionError> {
        let body = serde_json::to_vec(body).expect("JSON values serialise");
        let timestamp = crate::now_ms().div_euclid(1000).to_string();
        let signed = signature(&self.config.secret, &timestamp, &body);
        let sent = self
            .client
            .post(self.config.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(IDEMPOTENCY_HEADER, key)
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, signed)
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            // The error's text names the URL, never the body.
            Err(e) if e.is_timeout() => {
                return Err(ProvisionError::Transient(format!(
                    "mail platform agent did not answer within {:?}",
                    self.config.timeout
                )));
            }
            // Without the URL, which may carry credentials and ends up in the order's Errors.
            Err(e) => {
                return Err(ProvisionError::Transient(format!(
                    "mail platform agent unreachable: {}",
                    e.without_url()
                )));
            }
        };
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let mut message = agent_message(&text);
        // An agent that echoes the request must not put the password into logs or Errors.
        if let Some(p) = secret
            && message.contains(p)
        {
            message = message.replace(p, "***");
        }
        // Overload and request timeouts are worth retrying like 5xx.
        if status.is_server_error() || matches!(status.as_u16(), 408 | 425 | 429) {
            return Err(ProvisionError::Transient(format!(
                "mail platform agent answered {status}: {message}"
            )));
        }
        Err(ProvisionError::Permanent {
            message: format!("Mail platform agent refused {step} ({status}): {message}"),
            code: 502,
        })
    }
}

/// The agent's `message` (JSON) or its text, shortened; never more than 300 characters.
fn agent_message(text: &str) -> String {
    let message = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| text.trim().to_owned());
    let mut short: String = message.chars().take(300).collect();
    if short.is_empty() {
        short.push_str("no message");
    }
    short
}

#[async_trait]
impl Provisioner for HttpAgent {
    fn name(&self) -> &'static str {
        "http"
    }

    async fn create_mailbox(
        &self,
        task: &MailboxTask,
        _attempt: i64,
    ) -> Result<(), ProvisionError> {
        // A restore brings back a closed mailbox with its old password, which the agent kept.
        self.send(task.kind, task).await
    }

    async fn disable_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.send(StepKind::Close, task).await
    }

    async fn remove_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        // Called as a clean-up after a refused creation: the agent created nothing, and a delete
        // could remove a mailbox of that name the platform already had.
        if task.kind == StepKind::Create {
            return Ok(());
        }
        self.send(StepKind::Purge, task).await
    }

    async fn update_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        // An account's status reaches only mailboxes that follow it; one being closed, purged
        // or created meanwhile is carried by its own step.
        if task.kind == StepKind::AccountStatus
            && !matches!(
                task.billing_status,
                BillingStatus::Open | BillingStatus::Suspended
            )
        {
            return Ok(());
        }
        self.send(task.kind, task).await
    }

    async fn add_on_step(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.send(task.kind, task).await
    }

    /// `create_list` / `delete_list`: the list's address; its members follow as
    /// `sync_address` steps.
    async fn list_step(&self, kind: StepKind, task: &ListTask) -> Result<(), ProvisionError> {
        let step = kind.as_str();
        let key = format!("{}:{step}", task.step_key);
        let body = json!({
            "step": step,
            "idempotencyKey": key,
            "list": {"address": task.address},
        });
        self.post(step, &key, &body, None).await
    }

    /// `sync_address`: where an alias's or a list's address delivers now (no destinations:
    /// it delivers nowhere, or is gone).
    async fn address_step(&self, task: &AddressTask) -> Result<(), ProvisionError> {
        let step = StepKind::SyncAddress.as_str();
        let key = format!("{}:{step}", task.step_key);
        let body = json!({
            "step": step,
            "idempotencyKey": key,
            "address": {
                "address": task.address,
                "kind": task.kind,
                "destinations": task.destinations,
            },
            "revision": task.revision,
        });
        self.post(step, &key, &body, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_over_timestamp_dot_body() {
        // Expected value computed independently, with Python's hmac module:
        // hmac.new(b"Jefe", b"what do ya want.for nothing?", hashlib.sha256).hexdigest()
        let s = signature(b"Jefe", "what do ya want", b"for nothing?");
        assert_eq!(
            s,
            "v1=e33f91577b90d4b3bbd73cb61803074f1965d27701b5527942dd9ea9443af37c"
        );
        assert_ne!(
            signature(b"Jefe", "1", b"{}"),
            signature(b"Jefe", "2", b"{}")
        );
    }

    #[test]
    fn agent_messages_are_short() {
        assert_eq!(
            agent_message(r#"{"message":"quota too big"}"#),
            "quota too big"
        );
        assert_eq!(agent_message(" plain "), "plain");
        assert_eq!(agent_message(""), "no message");
        assert_eq!(agent_message(&"x".repeat(1000)).len(), 300);
    }
}
