//! `mo aliases`, `mo contacts` and `mo lists`: the Exchange directory objects of a domain.

use clap::Subcommand;
use serde_json::json;

use super::api::Api;
use super::output;

#[derive(Debug, Subcommand)]
pub enum AliasesCmd {
    List {
        account: String,
        domain: String,
    },
    /// Add an alias that delivers to a mailbox of the domain.
    Add {
        account: String,
        domain: String,
        alias: String,
        /// The mailbox (its username, or its address in the domain).
        #[arg(long)]
        to: String,
    },
    Delete {
        account: String,
        domain: String,
        alias: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContactsCmd {
    List {
        account: String,
        domain: String,
    },
    /// Add an outside address to the domain's address book.
    Add {
        account: String,
        domain: String,
        target: String,
        #[arg(long)]
        name: Option<String>,
    },
    Get {
        account: String,
        domain: String,
        id: String,
    },
    Delete {
        account: String,
        domain: String,
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListsCmd {
    List {
        account: String,
        domain: String,
    },
    /// Order a mailing list (an order: its URL is printed).
    Create {
        account: String,
        domain: String,
        list: String,
        /// The mailbox that owns it.
        #[arg(long)]
        owner: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    Get {
        account: String,
        domain: String,
        list: String,
    },
    /// Delete a mailing list (an order).
    Delete {
        account: String,
        domain: String,
        list: String,
    },
    /// The list's members.
    Members {
        account: String,
        domain: String,
        list: String,
    },
    /// Add a member: a mailbox's username or a global contact's id.
    AddMember {
        account: String,
        domain: String,
        list: String,
        member: String,
    },
    RemoveMember {
        account: String,
        domain: String,
        list: String,
        member: String,
    },
}

fn exchange(account: &str, domain: &str) -> String {
    format!("/accounts/{account}/exchange/{domain}")
}

pub async fn aliases(api: &Api, cmd: AliasesCmd, j: bool) -> anyhow::Result<()> {
    match cmd {
        AliasesCmd::List { account, domain } => {
            let list = api
                .get_list(&format!("{}/emailAliases", exchange(&account, &domain)))
                .await?;
            output::list(&list, &["emailAlias", "emailForward"], j);
        }
        AliasesCmd::Add {
            account,
            domain,
            alias,
            to,
        } => {
            let body = json!({"emailalias": {"username": alias, "emailForward": to}});
            let path = format!("{}/emailAliases", exchange(&account, &domain));
            api.send("POST", &path, Some(&body)).await?;
            output::done("added", j);
        }
        AliasesCmd::Delete {
            account,
            domain,
            alias,
        } => {
            let path = format!("{}/emailAliases/{alias}", exchange(&account, &domain));
            api.send("DELETE", &path, None).await?;
            output::done("deleted", j);
        }
    }
    Ok(())
}

pub async fn contacts(api: &Api, cmd: ContactsCmd, j: bool) -> anyhow::Result<()> {
    match cmd {
        ContactsCmd::List { account, domain } => {
            let list = api
                .get_list(&format!("{}/globalContacts", exchange(&account, &domain)))
                .await?;
            output::list(&list, &["id", "target", "name"], j);
        }
        ContactsCmd::Add {
            account,
            domain,
            target,
            name,
        } => {
            let mut body = json!({"target": target});
            if let Some(n) = name {
                body["name"] = json!({"name": n});
            }
            let path = format!("{}/globalContacts", exchange(&account, &domain));
            api.send("POST", &path, Some(&body)).await?;
            output::done("added", j);
        }
        ContactsCmd::Get {
            account,
            domain,
            id,
        } => {
            let c = api
                .get(&format!(
                    "{}/globalContacts/{id}",
                    exchange(&account, &domain)
                ))
                .await?;
            output::object(&c, j);
        }
        ContactsCmd::Delete {
            account,
            domain,
            id,
        } => {
            let path = format!("{}/globalContacts/{id}", exchange(&account, &domain));
            api.send("DELETE", &path, None).await?;
            output::done("deleted", j);
        }
    }
    Ok(())
}

pub async fn lists(api: &Api, cmd: ListsCmd, j: bool) -> anyhow::Result<()> {
    let lists = |a: &str, d: &str| format!("{}/mailingLists", exchange(a, d));
    match cmd {
        ListsCmd::List { account, domain } => {
            let list = api.get_list(&lists(&account, &domain)).await?;
            output::list(&list, &["name", "billingStatus"], j);
        }
        ListsCmd::Create {
            account,
            domain,
            list,
            owner,
            description,
        } => {
            let body = json!({"name": list, "owner": owner, "description": description});
            let order = api
                .send_order("POST", &lists(&account, &domain), Some(&body))
                .await?;
            output::done(&order, j);
        }
        ListsCmd::Get {
            account,
            domain,
            list,
        } => {
            let l = api
                .get(&format!("{}/{list}", lists(&account, &domain)))
                .await?;
            output::object(&l, j);
        }
        ListsCmd::Delete {
            account,
            domain,
            list,
        } => {
            let path = format!("{}/{list}", lists(&account, &domain));
            let order = api.send_order("DELETE", &path, None).await?;
            output::done(&order, j);
        }
        ListsCmd::Members {
            account,
            domain,
            list,
        } => {
            let members = api
                .get_list(&format!("{}/{list}/members", lists(&account, &domain)))
                .await?;
            output::list(&members, &["username", "type", "name"], j);
        }
        ListsCmd::AddMember {
            account,
            domain,
            list,
            member,
        } => {
            let path = format!("{}/{list}/members", lists(&account, &domain));
            api.send("POST", &path, Some(&json!({"username": member})))
                .await?;
            output::done("added", j);
        }
        ListsCmd::RemoveMember {
            account,
            domain,
            list,
            member,
        } => {
            let path = format!("{}/{list}/members/{member}", lists(&account, &domain));
            api.send("DELETE", &path, None).await?;
            output::done("removed", j);
        }
    }
    Ok(())
}
