//! `mo`, the command-line client: talks to any mailorder (or Hostway-compatible) server.
//! Human-readable output by default, the server's JSON with `--json`; a server error is one
//! line on standard error and a non-zero exit code.

mod api;
mod catalog;
mod directory;
mod output;
mod signup;
mod webhooks;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use api::Api;

#[derive(Debug, Parser)]
#[command(
    name = "mo",
    version,
    about = "Client for mailorder and Hostway-compatible APIs"
)]
pub struct Cli {
    /// The server's base URL.
    #[arg(
        long,
        env = "MO_URL",
        default_value = "http://127.0.0.1:8092",
        global = true
    )]
    url: String,
    /// API user (`login@franchise`); the password comes from MO_PASSWORD or a prompt.
    #[arg(long, env = "MO_USER", global = true)]
    user: Option<String>,
    /// Print the server's JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Order a mailbox, confirm its price if it is paid, and follow the order to its end.
    OrderMailbox(OrderMailbox),
    /// Sign up a new customer: account, user, contacts, payment method, Exchange on a
    /// domain; validated, submitted and followed to its end, step by step.
    Signup(Box<signup::Signup>),
    /// Orders: list, get, cancel, submit.
    #[command(subcommand)]
    Orders(OrdersCmd),
    /// Mailboxes of an Exchange domain.
    #[command(subcommand)]
    Mailboxes(MailboxesCmd),
    /// Accounts the user may see.
    #[command(subcommand)]
    Accounts(AccountsCmd),
    /// E-mail aliases of an Exchange domain.
    #[command(subcommand)]
    Aliases(directory::AliasesCmd),
    /// Global contacts of an Exchange domain.
    #[command(subcommand)]
    Contacts(directory::ContactsCmd),
    /// Mailing lists of an Exchange domain and their members.
    #[command(subcommand)]
    Lists(directory::ListsCmd),
    /// A mailbox's add-ons (archiving, BlackBerry).
    #[command(subcommand)]
    Addons(catalog::AddOnsCmd),
    /// The product catalog: plans and their prices.
    #[command(subcommand)]
    Catalog(catalog::CatalogCmd),
    /// Webhook subscriptions: events posted to your URL, signed.
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCmd),
}

#[derive(Debug, Subcommand)]
enum AccountsCmd {
    List {
        /// `pending`, `open`, `suspended`, `closed` (or a `*` pattern).
        #[arg(long)]
        status: Option<String>,
    },
    Get {
        account: String,
    },
}

#[derive(Debug, Args)]
struct OrderMailbox {
    account: String,
    domain: String,
    username: String,
    /// Read the mailbox password from the first line of standard input (else MO_MAILBOX_PASSWORD,
    /// else a prompt).
    #[arg(long)]
    password_stdin: bool,
    /// Display name.
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    company: Option<String>,
    #[arg(long)]
    notes: Option<String>,
    /// Make the mailbox its domain's admin.
    #[arg(long)]
    admin: bool,
    #[arg(long)]
    forward_to: Option<String>,
    /// Submit a paid mailbox without asking.
    #[arg(long)]
    yes: bool,
    /// Return once the order is accepted, without following it.
    #[arg(long)]
    no_wait: bool,
}

#[derive(Debug, Subcommand)]
enum OrdersCmd {
    List {
        /// `new`, `Processing`, `Completed`, `Failed`, `Cancelled` (or a `*` pattern).
        #[arg(long)]
        status: Option<String>,
    },
    Get {
        id: String,
    },
    Cancel {
        id: String,
    },
    Submit {
        id: String,
        #[arg(long)]
        quote_hash: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum MailboxesCmd {
    List {
        account: String,
        domain: String,
    },
    Get {
        account: String,
        domain: String,
        username: String,
    },
    /// Change fields; a new password is read like order-mailbox's.
    Update {
        account: String,
        domain: String,
        username: String,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        forward_to: Option<String>,
        /// Reset the password (read from standard input).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Purge a mailbox (or close it, restorable, with --keep).
    Delete {
        account: String,
        domain: String,
        username: String,
        #[arg(long)]
        keep: bool,
    },
    Restore {
        account: String,
        domain: String,
        username: String,
    },
}

fn read_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn mailbox_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        return read_line();
    }
    if let Ok(p) = std::env::var("MO_MAILBOX_PASSWORD") {
        return Ok(p);
    }
    rpassword::prompt_password("Mailbox password: ").context("cannot read the password")
}

/// Asks on the terminal; without one (a script), only `--yes` submits.
fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        eprintln!("{question} No terminal to ask on: pass --yes to submit without asking.");
        return Ok(false);
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    Ok(matches!(read_line()?.trim(), "y" | "Y" | "yes"))
}

async fn order_mailbox(api: &Api, o: OrderMailbox, json_out: bool) -> anyhow::Result<ExitCode> {
    let password = mailbox_password(o.password_stdin)?;
    let mut body = json!({"owner": {"username": o.username, "password": password}, "admin": u8::from(o.admin)});
    if o.name.is_some() || o.company.is_some() {
        body["name"] = json!({"name": o.name, "company": o.company});
    }
    if let Some(n) = &o.notes {
        body["notes"] = json!(n);
    }
    if let Some(f) = &o.forward_to {
        body["forwardTo"] = json!(f);
    }
    let path = format!("/accounts/{}/exchange/{}/mailboxes", o.account, o.domain);
    let placed = api.post_order(&path, &body).await?;
    let order_url = match placed.quote {
        None => placed
            .location
            .context("the server gave no order location")?,
        Some(quote) => {
            let total = output::money(&quote["total"]);
            let deferred = output::money(&quote["deferredTotal"]);
            eprintln!("This mailbox is paid: {total} now, {deferred} deferred.");
            let action = quote["links"][1]["href"]
                .as_str()
                .context("no action link")?;
            if !o.yes && !confirm(&format!("Submit the order for {total}?"))? {
                // Not wanted: cancel it, so the name is not held until the order expires.
                api.cancel(action.trim_end_matches("/action"), &placed.cookie)
                    .await?;
                eprintln!("Not submitted; the order was cancelled.");
                return Ok(ExitCode::from(3));
            }
            let hash = quote["quotehash"].as_str().map(str::to_owned);
            api.submit(action, &placed.cookie, hash.as_deref()).await?
        }
    };
    if o.no_wait {
        println!("{order_url}");
        return Ok(ExitCode::SUCCESS);
    }
    let order = api.follow(&order_url, &placed.cookie, !json_out).await?;
    finish(&order, json_out)
}

/// Prints the final order; the exit code says whether it completed.
fn finish(order: &Value, json_out: bool) -> anyhow::Result<ExitCode> {
    let status = order["order"]["Status"].as_str().unwrap_or("?");
    if json_out {
        println!("{}", serde_json::to_string_pretty(order)?);
    } else {
        println!("{status}");
        for e in order["order"]["Errors"].as_array().into_iter().flatten() {
            eprintln!(
                "error: {} ({})",
                e["message"].as_str().unwrap_or(""),
                e["code"]
            );
        }
    }
    Ok(if status == "Completed" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let api = Api::new(&cli.url, cli.user.as_deref())?;
    let j = cli.json;
    match cli.command {
        Command::OrderMailbox(o) => return order_mailbox(&api, o, j).await,
        Command::Signup(s) => return signup::signup(&api, *s, j).await,
        Command::Orders(OrdersCmd::List { status }) => {
            let query = status
                .map(|s| format!("?filterStatus={s}"))
                .unwrap_or_default();
            let list = api.get_list(&format!("/orders{query}")).await?;
            output::list(&list, &["orderId", "Status", "Created", "Account"], j);
        }
        Command::Orders(OrdersCmd::Get { id }) => {
            let order = api.get(&format!("/orders/{id}")).await?;
            output::object(&order, j);
        }
        Command::Orders(OrdersCmd::Cancel { id }) => {
            api.send("DELETE", &format!("/orders/{id}"), None).await?;
            output::done("cancelled", j);
        }
        Command::Orders(OrdersCmd::Submit { id, quote_hash }) => {
            let url = api.url(&format!("/orders/{id}/action"));
            let location = api.submit(&url, "", quote_hash.as_deref()).await?;
            output::done(&location, j);
        }
        Command::Mailboxes(cmd) => mailboxes(&api, cmd, j).await?,
        Command::Aliases(cmd) => directory::aliases(&api, cmd, j).await?,
        Command::Contacts(cmd) => directory::contacts(&api, cmd, j).await?,
        Command::Lists(cmd) => directory::lists(&api, cmd, j).await?,
        Command::Addons(cmd) => catalog::addons(&api, cmd, j).await?,
        Command::Catalog(cmd) => catalog::catalog(&api, cmd, j).await?,
        Command::Webhooks(cmd) => webhooks::webhooks(&api, cmd, j).await?,
        Command::Accounts(AccountsCmd::List { status }) => {
            let query = status
                .map(|s| format!("?filterStatus={s}"))
                .unwrap_or_default();
            let list = api.get_list(&format!("/accounts{query}")).await?;
            output::list(
                &list,
                &["accountNumber", "status", "currency", "createdDate"],
                j,
            );
        }
        Command::Accounts(AccountsCmd::Get { account }) => {
            let a = api.get(&format!("/accounts/{account}")).await?;
            output::object(&a, j);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn mailboxes(api: &Api, cmd: MailboxesCmd, j: bool) -> anyhow::Result<()> {
    let base = |a: &str, d: &str| format!("/accounts/{a}/exchange/{d}/mailboxes");
    match cmd {
        MailboxesCmd::List { account, domain } => {
            let list = api.get_list(&base(&account, &domain)).await?;
            output::list(&list, &["username", "billingStatus"], j);
        }
        MailboxesCmd::Get {
            account,
            domain,
            username,
        } => {
            let m = api
                .get(&format!("{}/{username}", base(&account, &domain)))
                .await?;
            output::object(&m, j);
        }
        MailboxesCmd::Update {
            account,
            domain,
            username,
            notes,
            name,
            forward_to,
            password_stdin,
        } => {
            let mut body = json!({});
            if let Some(n) = notes {
                body["notes"] = json!(n);
            }
            if let Some(n) = name {
                body["name"] = json!({"name": n});
            }
            if let Some(f) = forward_to {
                body["forwardTo"] = json!(f);
            }
            let mut path = format!("{}/{username}", base(&account, &domain));
            if password_stdin {
                body["password"] = json!(read_line()?);
                path.push_str("?passwordReset=1");
            }
            api.send("PUT", &path, Some(&body)).await?;
            output::done("updated", j);
        }
        MailboxesCmd::Delete {
            account,
            domain,
            username,
            keep,
        } => {
            let purge = if keep { 0 } else { 1 };
            let path = format!("{}/{username}?purge={purge}", base(&account, &domain));
            let placed = api.send_order("DELETE", &path, None).await?;
            output::done(&placed, j);
        }
        MailboxesCmd::Restore {
            account,
            domain,
            username,
        } => {
            let path = format!("{}/{username}/action", base(&account, &domain));
            let placed = api
                .send_order("POST", &path, Some(&json!({"action": "restore"})))
                .await?;
            output::done(&placed, j);
        }
    }
    Ok(())
}

/// Entry point of `mo`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// How long one request of `mo` waits on the server for an order to change.
const WAIT: Duration = Duration::from_secs(30);
/// Between reads of an order from a server that does not say its version (no `ETag`).
const WAIT_FALLBACK: Duration = Duration::from_millis(250);
