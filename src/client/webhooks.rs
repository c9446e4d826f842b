//! `mo webhooks`: subscribe a URL to events, list, change, test and delete subscriptions, and
//! see their deliveries.

use clap::Subcommand;
use serde_json::{Value, json};

use super::api::Api;
use super::output;

#[derive(Debug, Subcommand)]
pub enum WebhooksCmd {
    /// The subscriptions you have (an agent: the franchise's).
    List,
    /// Subscribe a URL to events; prints the signing secret, which is shown only now.
    Add {
        /// Where events are posted (`https://…`).
        #[arg(value_name = "URL")]
        target: String,
        /// Event types, comma separated (`order.status_changed,mailbox.created`, …).
        #[arg(long, value_delimiter = ',', required = true)]
        events: Vec<String>,
        /// Your own signing secret (16 to 200 printable characters) instead of a generated one.
        #[arg(long)]
        secret: Option<String>,
    },
    /// A subscription.
    Get {
        id: String,
    },
    /// Turn a subscription on (again, forgetting its failures) or off.
    Enable {
        id: String,
    },
    Disable {
        id: String,
    },
    /// Send a test event and show how its delivery went.
    Test {
        id: String,
    },
    /// A subscription's deliveries, newest first.
    Deliveries {
        id: String,
    },
    /// Delete a subscription.
    Delete {
        id: String,
    },
}

async fn set_active(api: &Api, id: &str, active: i64, j: bool) -> anyhow::Result<()> {
    let body = json!({"active": active});
    let (_, hook) = api
        .exchange("PUT", &format!("/webhooks/{id}"), Some(&body))
        .await?;
    output::object(&hook, j);
    Ok(())
}

pub async fn webhooks(api: &Api, cmd: WebhooksCmd, j: bool) -> anyhow::Result<()> {
    match cmd {
        WebhooksCmd::List => {
            let list = api.get_list("/webhooks").await?;
            output::list(&list, &["id", "status", "url", "events"], j);
        }
        WebhooksCmd::Add {
            target,
            events,
            secret,
        } => {
            let mut body = json!({"url": target, "events": events});
            if let Some(secret) = secret {
                body["secret"] = Value::String(secret);
            }
            let (_, hook) = api.exchange("POST", "/webhooks", Some(&body)).await?;
            output::object(&hook, j);
            if !j {
                eprintln!(
                    "Keep the secret: it is not shown again. Verify deliveries with it (docs/webhooks.md)."
                );
            }
        }
        WebhooksCmd::Get { id } => output::object(&api.get(&format!("/webhooks/{id}")).await?, j),
        WebhooksCmd::Enable { id } => set_active(api, &id, 1, j).await?,
        WebhooksCmd::Disable { id } => set_active(api, &id, 0, j).await?,
        WebhooksCmd::Test { id } => {
            let (location, _) = api
                .exchange("POST", &format!("/webhooks/{id}/test"), None)
                .await?;
            let location = location.ok_or_else(|| anyhow::anyhow!("no delivery location"))?;
            // The first attempt is made at once; show it once it has an outcome.
            let mut delivery = api.get(&location).await?;
            for _ in 0..50 {
                let tried = delivery["status"] != "pending" || delivery["lastError"] != Value::Null;
                if tried {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                delivery = api.get(&location).await?;
            }
            output::object(&delivery, j);
        }
        WebhooksCmd::Deliveries { id } => {
            let list = api
                .get_list(&format!("/webhooks/{id}/deliveries?sortOrder=desc"))
                .await?;
            output::list(
                &list,
                &[
                    "id",
                    "type",
                    "status",
                    "attempts",
                    "lastStatus",
                    "nextAttempt",
                ],
                j,
            );
        }
        WebhooksCmd::Delete { id } => {
            api.send("DELETE", &format!("/webhooks/{id}"), None).await?;
            output::done("deleted", j);
        }
    }
    Ok(())
}
