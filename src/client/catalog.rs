//! `mo catalog` and `mo addons`: what the franchise sells, and a mailbox's add-ons.

use clap::Subcommand;

use super::api::Api;
use super::output;

#[derive(Debug, Subcommand)]
pub enum CatalogCmd {
    /// The plans (product specifications) the franchise may order.
    Plans,
    /// A plan's offering and what it charges (a further mailbox, each add-on).
    Prices {
        /// The plan, as `exchange2010` or `core.plan.email.exchange2010`.
        plan: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AddOnsCmd {
    /// Whether the mailbox has the add-on (`archiving` or `blackberry`), and its status.
    Get {
        account: String,
        domain: String,
        username: String,
        addon: String,
    },
    /// Order the add-on: a free one is provisioned at once; a paid one waits in an open order
    /// for `mo orders submit <id>`.
    Add {
        account: String,
        domain: String,
        username: String,
        addon: String,
    },
    /// Remove the add-on (an order).
    Remove {
        account: String,
        domain: String,
        username: String,
        addon: String,
    },
}

fn spec_id(plan: &str) -> String {
    if plan.starts_with("core.plan.email.") {
        plan.to_owned()
    } else {
        format!("core.plan.email.{plan}")
    }
}

pub async fn catalog(api: &Api, cmd: CatalogCmd, j: bool) -> anyhow::Result<()> {
    match cmd {
        CatalogCmd::Plans => {
            let list = api.get_list("/productSpecifications").await?;
            output::list(&list, &["productSpecification", "description"], j);
        }
        CatalogCmd::Prices { plan } => {
            let offerings = api
                .get_list(&format!(
                    "/productSpecifications/{}/offerings",
                    spec_id(&plan)
                ))
                .await?;
            let Some(details) = offerings["list"][0]["details"].as_str() else {
                anyhow::bail!("the plan has no offering");
            };
            let prices = api.get_list(&format!("{details}/prices")).await?;
            if j {
                output::list(&prices, &[], true);
                return Ok(());
            }
            let mut rows = prices.clone();
            if let Some(items) = rows["list"].as_array_mut() {
                for item in items {
                    item["price"] = serde_json::Value::String(output::money(&item["amount"]));
                }
            }
            output::list(
                &rows,
                &["name", "recurrence", "billingCycle", "price", "included"],
                false,
            );
        }
    }
    Ok(())
}

fn add_on_path(account: &str, domain: &str, username: &str, addon: &str) -> String {
    format!("/accounts/{account}/exchange/{domain}/mailboxes/{username}/{addon}/")
}

pub async fn addons(api: &Api, cmd: AddOnsCmd, j: bool) -> anyhow::Result<()> {
    match cmd {
        AddOnsCmd::Get {
            account,
            domain,
            username,
            addon,
        } => {
            let body = api
                .get(&add_on_path(&account, &domain, &username, &addon))
                .await?;
            output::object(&body, j);
        }
        AddOnsCmd::Add {
            account,
            domain,
            username,
            addon,
        } => {
            let path = add_on_path(&account, &domain, &username, &addon);
            let order = api.send_order("PUT", &path, None).await?;
            output::done(&order, j);
        }
        AddOnsCmd::Remove {
            account,
            domain,
            username,
            addon,
        } => {
            let path = add_on_path(&account, &domain, &username, &addon);
            let order = api.send_order("DELETE", &path, None).await?;
            output::done(&order, j);
        }
    }
    Ok(())
}
