//! Account, Exchange, mailbox and ledger bodies, in the docs' shapes.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Link, MoneyPair};
use crate::domain::{PersonName, Phones, PostalAddress};
use crate::store::{AccountStatus, BillingStatus};

/// An account in `GET /accounts`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountListItem {
    #[schema(example = "acct999999")]
    pub account_number: String,
    pub status: AccountStatus,
    /// `YYYY-MM-DD`.
    pub created_date: String,
    #[schema(example = "USD")]
    pub currency: String,
    pub links: Vec<Link>,
}

/// `GET /accounts/{account}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub account_number: String,
    pub created_date: String,
    pub currency: String,
    pub status: AccountStatus,
    pub exchange: Vec<Link>,
    /// The ledger (an extension).
    pub charges: Vec<Link>,
    /// The account's contacts (docs §6.2's `contacts`).
    pub contacts: Vec<Link>,
    /// The account's API users (docs §6.2's `users`).
    pub users: Vec<Link>,
    /// Its payment methods, masked (docs §6.4).
    pub payment_info: Vec<Link>,
    /// Its products: the Exchange domains on their plans.
    pub products: Vec<Link>,
    /// Its attributes (docs §6.6).
    pub attributes: Vec<Link>,
    pub links: Vec<Link>,
}

/// A domain in `GET /accounts/{account}/exchange`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeListItem {
    pub domain: String,
    pub version: String,
    pub links: Vec<Link>,
}

/// `GET /accounts/{account}/exchange/{domain}`: the docs' shape and the plan's figures.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Exchange {
    pub domain: String,
    pub version: String,
    pub links: Vec<Link>,
    pub mailboxes: Vec<Link>,
    pub global_contacts: Vec<Link>,
    pub mailing_lists: Vec<Link>,
    pub email_aliases: Vec<Link>,
    /// Mailboxes included in the plan.
    pub free_mailboxes: i64,
    /// Mailboxes counted against the plan (every one not purged).
    pub used_mailboxes: i64,
    /// The catalog plan.
    pub plan: String,
    /// A month of a mailbox beyond the included ones; `null` if the catalog lacks the plan.
    #[schema(required = true)]
    pub mailbox_price: Option<MoneyPair>,
    /// What the next mailbox ordered costs a month: `[]` while an included one is left.
    #[schema(required = true)]
    pub next_mailbox_price: Option<MoneyPair>,
}

/// `GET …/mailboxes/{username}`: never a password or its hash.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Mailbox {
    #[schema(example = "a.a")]
    pub username: String,
    /// 1: the mailbox manages its domain's mailboxes.
    pub admin: u8,
    pub notes: String,
    /// MB, from the plan.
    pub quota: i64,
    pub recipient_limit: i64,
    pub archiving: u8,
    pub blackberry: u8,
    pub billing_status: BillingStatus,
    pub name: PersonName,
    pub address: PostalAddress,
    pub phones: Phones,
    /// A copy of the mail goes here (a full address).
    #[schema(required = true)]
    pub forward_to: Option<String>,
    /// The mail goes here instead (a full address).
    #[schema(required = true)]
    pub deliver_redirect: Option<String>,
    pub links: Vec<Link>,
}

/// A mailbox in its domain's list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailboxListItem {
    pub username: String,
    pub billing_status: BillingStatus,
    /// The mailbox's URL.
    pub details: String,
    /// With `includeAddOns=1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archiving: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blackberry: Option<u8>,
}

/// A fee in the account's ledger.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    pub id: i64,
    /// `setup_fee` or `recurring`.
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
    pub amount: MoneyPair,
    /// 1: charged for a later period.
    pub deferred: u8,
    /// `YYYY-MM-DD`.
    pub period_start: String,
    pub period_end: String,
    /// When its line was provisioned (RFC 3339).
    pub recorded: String,
    pub quote_hash: String,
    /// The order's URL.
    pub order: String,
}

/// An account's API user (docs §3.2, §6.6): `GET /accounts/{account}/user/{userName}` and the
/// items of `…/users`. The password is never shown.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountUser {
    #[schema(example = "mytestuser1")]
    pub user_name: String,
    /// `self`, and the account as `related`.
    pub links: Vec<Link>,
}

/// `GET /accounts/{account}/contacts` (docs §6.5): the four contacts, each with every field
/// (`""` where not given).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountContacts {
    pub regular: crate::domain::AccountContact,
    pub billing: crate::domain::AccountContact,
    pub administrator: crate::domain::AccountContact,
    pub technical: crate::domain::AccountContact,
}
