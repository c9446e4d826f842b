//! Records passed across the [`super::Store`] seam.

use serde::{Deserialize, Serialize};

use crate::domain::{Contact, Currency, Money, NewMailbox, OrderId, OwnerId, PasswordHash};

/// What an API user may do. Franchise visibility is checked separately (other franchises'
/// objects are invisible, i.e. 404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A franchise (partner) agent: every account of the franchise.
    Agent,
    /// A customer's user: its own account only.
    AccountUser { account_id: i64 },
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::AccountUser { .. } => "account",
        }
    }

    pub fn can_manage_account(self, account_id: i64) -> bool {
        match self {
            Role::Agent => true,
            Role::AccountUser { account_id: own } => own == account_id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiUser {
    pub id: i64,
    pub franchise_id: i64,
    pub role: Role,
    pub password_hash: PasswordHash,
}

pub struct NewAccount<'a> {
    pub franchise_id: i64,
    pub number: &'a str,
    pub currency: Currency,
    pub status: &'a str,
}

/// The Exchange plan of one domain: how many mailboxes are included and what one more costs.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub free_mailboxes: i64,
    pub mailbox_price: Money,
    pub currency: Currency,
    pub quota_mb: i64,
}

pub struct NewExchange<'a> {
    pub account_id: i64,
    pub domain: &'a str,
    pub version: &'a str,
    pub plan: Plan,
}

pub struct NewApiUser<'a> {
    pub franchise_id: i64,
    pub login: &'a str,
    pub password_hash: &'a PasswordHash,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct ExchangeRecord {
    pub id: i64,
    pub domain: String,
    pub version: String,
    pub account_id: i64,
    pub account_number: String,
    pub account_status: String,
    pub franchise_id: i64,
    pub sandbox: bool,
    pub free_mailboxes: i64,
    pub quota_mb: i64,
}

pub struct NewMailboxOrder<'a> {
    pub order_id: &'a OrderId,
    pub owner_id: OwnerId,
    pub exchange: &'a ExchangeRecord,
    pub mailbox: &'a NewMailbox,
    pub password_hash: &'a PasswordHash,
    pub now_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateOutcome {
    /// Written and queued.
    Created,
    /// The username exists in the domain or is reserved by a pending order.
    Duplicate,
    /// The plan has no free mailbox left (a paid order is needed).
    NoFreeSlot,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MailboxRecord {
    pub username: String,
    pub billing_status: String,
    pub admin: bool,
    pub notes: String,
    pub quota_mb: i64,
    pub recipient_limit: i64,
    pub archiving: bool,
    pub blackberry: bool,
    pub contact: Contact,
    pub forward_to: Option<String>,
    pub deliver_redirect: Option<String>,
    pub updated_ms: i64,
}

/// An order's status, spelled exactly as the API shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    New,
    Processing,
    Completed,
    Failed,
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Processing => "Processing",
            Self::Completed => "Completed",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::New,
            Self::Processing,
            Self::Completed,
            Self::Failed,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// One entry of an order's `Errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderError {
    pub message: String,
    pub code: u16,
}

#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub id: OrderId,
    pub account_id: i64,
    pub account_number: String,
    pub franchise_id: i64,
    pub owner_id: String,
    pub status: OrderStatus,
    pub errors: Vec<OrderError>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A queue entry claimed by one worker until `lease_until`.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub item_id: i64,
    pub order_id: String,
    /// Attempts so far, including this one.
    pub attempts: i64,
    pub lease_token: String,
}

/// What a mailbox step needs to provision.
#[derive(Debug, Clone)]
pub struct MailboxTask {
    pub address: String,
    pub domain: String,
    pub username: String,
    pub password_hash: PasswordHash,
    pub quota_mb: i64,
    pub forward_to: Option<String>,
    pub deliver_redirect: Option<String>,
    pub sandbox: bool,
}

#[derive(Debug, Clone)]
pub enum JobOutcome {
    Done,
    Retry { at_ms: i64, error: String },
    Failed(OrderError),
}

/// One mailbox as the mail server sees it: login, hash, home, quota, and where its mail goes.
#[derive(Debug, Clone)]
pub struct DirectoryEntry<'a> {
    pub address: &'a str,
    pub domain: &'a str,
    pub password_hash: &'a PasswordHash,
    pub home: &'a str,
    pub quota_mb: i64,
    pub active: bool,
    /// Alias expansions of `address`; empty means plain delivery to the mailbox.
    pub destinations: Vec<&'a str>,
}
