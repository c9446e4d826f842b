//! Administration: create franchises, accounts, Exchange domains and API users (the CLI's
//! `… add` commands), and the `--demo` data set. Every operation is idempotent ("put").

use anyhow::{Context, bail};

use crate::domain::{Currency, DomainName, Password};
use crate::hashing::HashPool;
use crate::now_ms;
use crate::pricing::Catalog;
use crate::store::{AccountStatus, NewAccount, NewApiUser, NewExchange, Store};

async fn franchise(store: &Store, name: &str) -> anyhow::Result<i64> {
    store.franchise_id(name).await?.with_context(|| {
        format!("no franchise named {name:?} (add it with `mailorder franchise add {name}`)")
    })
}

async fn account(store: &Store, franchise_id: i64, number: &str) -> anyhow::Result<i64> {
    store
        .account_id(franchise_id, number)
        .await?
        .with_context(|| {
            format!("no account {number:?} in that franchise (add it with `mailorder account add`)")
        })
}

fn check_name(what: &str, raw: &str) -> anyhow::Result<()> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if !ok {
        bail!("{what} {raw:?} must be 1-64 letters, digits, '_', '-' or '.'");
    }
    Ok(())
}

pub async fn add_franchise(store: &Store, name: &str, sandbox: bool) -> anyhow::Result<i64> {
    check_name("franchise name", name)?;
    Ok(store.put_franchise(name, sandbox, now_ms()).await?)
}

pub async fn add_account(
    store: &Store,
    franchise_name: &str,
    number: &str,
    currency: &str,
    status: AccountStatus,
) -> anyhow::Result<i64> {
    check_name("account number", number)?;
    let currency = Currency::parse(currency).map_err(anyhow::Error::msg)?;
    let franchise_id = franchise(store, franchise_name).await?;
    let account = NewAccount {
        franchise_id,
        number,
        currency,
        status,
    };
    Ok(store.put_account(&account, now_ms()).await?)
}

pub struct ExchangeSpec<'a> {
    pub franchise: &'a str,
    pub account: &'a str,
    pub domain: &'a str,
    pub version: &'a str,
    /// The catalog plan pricing further mailboxes.
    pub plan: &'a str,
    /// Included mailboxes; `None` takes the plan's number.
    pub free_mailboxes: Option<i64>,
    pub quota_mb: i64,
}

/// Adds (or updates) an Exchange domain on a plan that `catalog` offers to its franchise.
pub async fn add_exchange(
    store: &Store,
    catalog: &Catalog,
    spec: &ExchangeSpec<'_>,
) -> anyhow::Result<i64> {
    let domain = DomainName::parse(spec.domain).map_err(|e| anyhow::anyhow!("domain: {e}"))?;
    let Some(plan) = catalog.plan(spec.franchise, spec.plan) else {
        bail!(
            "the catalog offers no plan {:?} to franchise {:?}",
            spec.plan,
            spec.franchise
        );
    };
    let free_mailboxes = spec.free_mailboxes.unwrap_or(plan.included_mailboxes);
    if free_mailboxes < 0 {
        bail!("the number of free mailboxes must not be negative");
    }
    if spec.quota_mb < 1 {
        bail!("the mailbox quota must be at least 1 MB");
    }
    let franchise_id = franchise(store, spec.franchise).await?;
    let account_id = account(store, franchise_id, spec.account).await?;
    let exchange = NewExchange {
        account_id,
        domain: domain.as_str(),
        version: spec.version,
        plan: spec.plan,
        free_mailboxes,
        quota_mb: spec.quota_mb,
    };
    Ok(store.put_exchange(&exchange, now_ms()).await?)
}

/// Adds (or resets the password of) an API user `login@franchise`: a franchise agent when
/// `account` is `None`, else a user of that account only.
pub async fn add_user(
    store: &Store,
    hashing: &HashPool,
    login_at_franchise: &str,
    account_number: Option<&str>,
    password: &str,
) -> anyhow::Result<()> {
    let Some((login, franchise_name)) = login_at_franchise.rsplit_once('@') else {
        bail!("the user must be given as LOGIN@FRANCHISE, e.g. qwe@partner_api_developer_us_main");
    };
    check_name("login", login)?;
    let password = Password::parse_api(password).map_err(|e| anyhow::anyhow!("password {e}"))?;
    let franchise_id = franchise(store, franchise_name).await?;
    let account_id = match account_number {
        None => None,
        Some(number) => Some(account(store, franchise_id, number).await?),
    };
    let password_hash = hashing.hash(password).await?;
    let user = NewApiUser {
        franchise_id,
        login,
        password_hash: &password_hash,
        account_id,
    };
    store.put_api_user(&user, now_ms()).await?;
    // A new password or role: running instances on PostgreSQL forget their cached logins.
    store.announce_credentials().await?;
    Ok(())
}

/// The demo data set of `serve --demo` (see the README), priced by the built-in catalog:
/// `myexchangedomain.com` on `exchange2010` (10 included mailboxes), `paid.example.com` on
/// `exchange2010-payg` (none included: every mailbox is a paid order, as in Hostway's
/// `Order-Exchange-mailbox-paid` example).
pub async fn seed_demo(store: &Store, hashing: &HashPool, catalog: &Catalog) -> anyhow::Result<()> {
    const MAIN: &str = "partner_api_developer_us_main";
    const OTHER: &str = "partner_other";
    add_franchise(store, MAIN, true).await?;
    add_franchise(store, OTHER, true).await?;
    let open = AccountStatus::Open;
    add_account(store, MAIN, "acct999999", "USD", open).await?;
    add_account(store, OTHER, "acct111111", "USD", open).await?;
    let exchange = |franchise, account, domain, plan| ExchangeSpec {
        franchise,
        account,
        domain,
        version: "2010",
        plan,
        free_mailboxes: None,
        quota_mb: 2048,
    };
    let standard = Catalog::default_plan_name();
    for spec in [
        exchange(MAIN, "acct999999", "myexchangedomain.com", standard),
        exchange(MAIN, "acct999999", "paid.example.com", "exchange2010-payg"),
        exchange(OTHER, "acct111111", "other.example.net", standard),
    ] {
        add_exchange(store, catalog, &spec).await?;
    }
    add_user(store, hashing, &format!("qwe@{MAIN}"), None, "iu34t8hf").await?;
    add_user(
        store,
        hashing,
        &format!("mallory@{OTHER}"),
        None,
        "mallory123",
    )
    .await?;
    Ok(())
}
