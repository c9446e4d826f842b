//! Records passed across the [`super::Store`] seam.

use serde::{Deserialize, Serialize};

use super::{AccountStatus, AddOn, BillingStatus, OrderStatus, Role, StepKind};
use crate::domain::{
    Contact, Currency, NewMailbox, OrderId, OwnerId, PasswordHash, SealedPassword,
};

#[derive(Debug, Clone)]
pub struct ApiUser {
    pub id: i64,
    pub franchise_id: i64,
    pub role: Role,
    pub password_hash: PasswordHash,
}

#[derive(Debug, Clone)]
pub struct AccountRecord {
    pub id: i64,
    pub number: String,
    pub franchise_id: i64,
    pub status: AccountStatus,
    pub currency: String,
    pub created_ms: i64,
}

pub struct NewAccount<'a> {
    pub franchise_id: i64,
    pub number: &'a str,
    pub currency: Currency,
    pub status: AccountStatus,
}

/// An Exchange domain to add: its catalog plan (which prices further mailboxes) and the number
/// of mailboxes included with it.
pub struct NewExchange<'a> {
    pub account_id: i64,
    pub domain: &'a str,
    pub version: &'a str,
    pub plan: &'a str,
    pub free_mailboxes: i64,
    pub quota_mb: i64,
}

pub struct NewApiUser<'a> {
    pub franchise_id: i64,
    pub login: &'a str,
    pub password_hash: &'a PasswordHash,
    /// `None`: a franchise agent; `Some`: a user of that account only.
    pub account_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ExchangeRecord {
    pub id: i64,
    pub domain: String,
    pub version: String,
    /// The catalog plan that prices mailboxes beyond the included ones.
    pub plan: String,
    pub updated_ms: i64,
    pub account_id: i64,
    pub account_number: String,
    pub account_status: AccountStatus,
    pub franchise_id: i64,
    pub franchise_name: String,
    pub sandbox: bool,
    pub free_mailboxes: i64,
    pub quota_mb: i64,
}

/// A mailbox to order. With a free slot left in the plan it becomes a submitted order of its
/// own; otherwise a paid line of the caller's open order (the one `owner_id` owns, or a new one
/// with `order_id`).
pub struct NewMailboxOrder<'a> {
    pub order_id: &'a OrderId,
    pub owner_id: OwnerId,
    pub exchange: &'a ExchangeRecord,
    pub mailbox: &'a NewMailbox,
    pub password_hash: &'a PasswordHash,
    /// Only for mailboxes provisioned through the `http` agent.
    pub password_sealed: Option<&'a SealedPassword>,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    /// A free mailbox: written and queued.
    Created,
    /// A paid mailbox: a line of this open order, which waits for its submit.
    Quoted(OrderId),
    /// The username exists in the domain or is reserved by a pending order.
    Duplicate,
    /// The `OwnerId` already owns an open order of another account.
    OwnerBusy,
    /// The account is not `open` (checked in the ordering transaction).
    AccountNotOpen(AccountStatus),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MailboxRecord {
    pub id: i64,
    pub username: String,
    pub billing_status: BillingStatus,
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

/// A mailbox as a login: who it is and what it may do.
#[derive(Debug, Clone)]
pub struct MailboxLogin {
    pub mailbox_id: i64,
    pub exchange_id: i64,
    pub franchise_id: i64,
    pub admin: bool,
    pub billing_status: BillingStatus,
    pub password_hash: PasswordHash,
}

/// The new state of a mailbox after a `PUT`, written together with its mail directory entry.
#[derive(Debug, Clone)]
pub struct MailboxUpdate<'a> {
    pub mailbox_id: i64,
    pub username: &'a str,
    pub exchange_id: i64,
    /// Optimistic concurrency: the write only happens if the row is still at this version.
    pub expected_updated_ms: i64,
    pub admin: bool,
    pub notes: &'a str,
    pub recipient_limit: i64,
    pub contact: &'a Contact,
    pub forward_to: Option<&'a str>,
    pub deliver_redirect: Option<&'a str>,
    pub password_hash: Option<&'a PasswordHash>,
    /// The address and its alias expansions for the mail directory.
    pub address: &'a str,
    pub destinations: Vec<&'a str>,
    /// For a mailbox on the `http` agent: the new password, sealed, held until the step runs.
    pub password_sealed: Option<&'a SealedPassword>,
    /// For a mailbox on the `http` agent: the step that carries the change to it, queued in
    /// the same transaction.
    pub agent_step: Option<AgentStep<'a>>,
    pub now_ms: i64,
}

/// A step queued for the `http` agent by a change that is otherwise immediate.
#[derive(Debug, Clone, Copy)]
pub struct AgentStep<'a> {
    pub order_id: &'a OrderId,
    pub owner_id: OwnerId,
    pub account_id: i64,
    pub kind: StepKind,
}

/// `PUT /accounts/{acct}` for the store.
pub struct AccountStatusChange<'a> {
    pub account_id: i64,
    pub status: AccountStatus,
    /// The account's domains whose mailboxes are on the `http` agent: each mailbox whose
    /// status changes gets an `account_status` step.
    pub agent_exchanges: &'a [i64],
    pub now_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatusOutcome {
    Changed,
    /// One of its mailboxes has an order open or a step in progress.
    Busy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    Updated,
    /// The mailbox changed (or changed state) since it was read.
    Stale,
}

/// An order for a step on an existing mailbox (close, restore, purge).
pub struct MailboxActionOrder<'a> {
    pub order_id: &'a OrderId,
    pub owner_id: OwnerId,
    pub account_id: i64,
    pub exchange_id: i64,
    pub username: &'a str,
    /// A step that starts on an existing mailbox ([`StepKind::may_start_from`]).
    pub kind: StepKind,
    /// Only if the mailbox is still in this status (maintenance purges only what is still
    /// closed); `None`: whatever status allows the step.
    pub only_from: Option<BillingStatus>,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionOutcome {
    Created,
    NotFound,
    /// The mailbox is in this billing status, which does not allow the step.
    WrongState(BillingStatus),
    /// A restore on an account that is not `open` (checked in the step's transaction).
    AccountNotOpen(AccountStatus),
    /// A close or purge while an add-on of the mailbox is in an order or being provisioned.
    AddOnBusy,
}

/// What creating an account user came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewUserOutcome {
    Created,
    /// The login is taken in the franchise (by any user, agent or account).
    Taken,
}

/// An order that adds an add-on to a mailbox, or removes it.
pub struct AddOnOrder<'a> {
    /// The id a new order gets.
    pub order_id: &'a OrderId,
    pub owner_id: OwnerId,
    pub exchange: &'a ExchangeRecord,
    pub username: &'a str,
    pub add_on: AddOn,
    /// The catalog says it costs nothing: the order is submitted at once. Otherwise the add-on
    /// becomes a line of the owner's open order (or of a new one), which waits for `submit`.
    pub free: bool,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddOnOutcome {
    /// Submitted at once (free, or a removal): the order's id.
    Submitted,
    /// A line of this open order, waiting for `submit`.
    InOpenOrder(OrderId),
    /// No such mailbox (or, for a removal, no such add-on).
    NotFound,
    /// The mailbox is in this status; add-ons change only on `open` mailboxes.
    MailboxNotOpen(BillingStatus),
    /// The add-on is there already (or in an order): its status.
    Present(BillingStatus),
    /// A removal of an add-on in this status (being added, or removed already).
    WrongState(BillingStatus),
    /// The owner's open order is another account's.
    OwnerBusy,
    AccountNotOpen(AccountStatus),
}

/// A username or status filter from a list query (`*` wildcards).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextFilter {
    Exact(String),
    Prefix(String),
    /// `prefix` is the literal text before the first `*`; `pattern` is an escaped SQL `LIKE`
    /// pattern (escape character `\`).
    Like {
        prefix: String,
        pattern: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub sort_desc: bool,
    /// (field, filter): fields as the API names them (`username`, `billingStatus`).
    pub filters: Vec<(String, TextFilter)>,
    pub page: Page,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxListItem {
    pub username: String,
    pub billing_status: BillingStatus,
    pub archiving: bool,
    pub blackberry: bool,
}

/// One entry of an order's `Errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// The status of the order's account (its users do not see it while suspended or closed).
    pub account_status: AccountStatus,
    pub owner_id: String,
    pub status: OrderStatus,
    pub errors: Vec<OrderError>,
    /// Changes to the order's lines so far (a submit checks it did not move).
    pub revision: i64,
    /// The hash of the quote it was submitted with (paid orders).
    pub quote_hash: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A queue entry claimed by one worker until `lease_until`.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub item_id: i64,
    pub order_id: String,
    /// What the job's step does.
    pub kind: StepKind,
    /// Attempts so far, including this one.
    pub attempts: i64,
    pub lease_token: String,
}

/// What a mailing list's step needs: who it belongs to (the driver is chosen by franchise and
/// plan) and its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTask {
    pub address: String,
    /// Names this step of this order line; the same across retries.
    pub step_key: String,
    pub franchise: String,
    pub plan: String,
    pub franchise_id: i64,
    pub account_number: String,
}

/// Which domains' directory objects are carried to the `http` agent: those of its franchises
/// and plans (the driver selection's lists).
#[derive(Debug, Clone, Default)]
pub struct AgentScope {
    pub franchises: std::collections::BTreeSet<String>,
    pub plans: std::collections::BTreeSet<String>,
}

impl AgentScope {
    pub fn covers(&self, franchise: &str, plan: &str) -> bool {
        self.franchises.contains(franchise) || self.plans.contains(plan)
    }
}

/// An alias's or a list's address as it routes now, for a `sync_address` step.
#[derive(Debug, Clone)]
pub struct AddressTask {
    pub address: String,
    /// `alias`, `mailingList`, or `None` when the name is neither any more.
    pub kind: Option<&'static str>,
    /// Where mail to the address goes (the mail directory's rows), sorted.
    pub destinations: Vec<String>,
    pub franchise: String,
    pub plan: String,
    pub franchise_id: i64,
    pub account_number: String,
    pub step_key: String,
    /// When the step was queued (ms since the epoch): comparable with mailbox steps'
    /// revisions for the same address (a purged mailbox's name taken by an alias).
    pub revision: i64,
}

/// What a mailbox step needs to provision.
#[derive(Debug, Clone)]
pub struct MailboxTask {
    pub kind: StepKind,
    pub address: String,
    pub domain: String,
    pub username: String,
    pub password_hash: PasswordHash,
    pub quota_mb: i64,
    pub forward_to: Option<String>,
    pub deliver_redirect: Option<String>,
    pub sandbox: bool,
    /// The franchise's name and the domain's plan: they choose the driver.
    pub franchise: String,
    pub plan: String,
    /// Whose it is (for the audit log).
    pub franchise_id: i64,
    pub account_number: String,
    /// The sealed password, held for the `http` agent until the creation step succeeds.
    pub password_sealed: Option<SealedPassword>,
    /// Names this step of this order line; the same across retries (the agent's idempotency key).
    pub step_key: String,
    /// The mailbox's status and version when the step was read (sync steps send them).
    pub billing_status: BillingStatus,
    pub updated_ms: i64,
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

/// One audit-log entry: a mutating API call or a provisioning step. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at_ms: i64,
    /// The request's id (`X-Request-Id`); `None` for a worker's step.
    pub request_id: Option<String>,
    /// Who: a login (`qwe@franchise`, `user@domain`), `cookie` (an `OwnerId` cookie alone),
    /// `anonymous`, or `worker`.
    pub principal: String,
    /// The franchise whose agents may read it (`None`: nobody's, e.g. a refused login).
    pub franchise_id: Option<i64>,
    pub account: Option<String>,
    /// `POST /accounts/{account}/…` (method and route), or `step create_mailbox`.
    pub action: String,
    /// The path called, or what a step worked on (`a.a@example.com`, order id).
    pub target: String,
    /// The HTTP status, or a step's outcome (`Completed`, `Failed: …`, `retry`).
    pub result: String,
    /// The client's address (`None` for a worker's step).
    pub client: Option<String>,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub event: AuditEvent,
}

/// `GET /audit`: one franchise's entries matching the filters (field names as the API's).
#[derive(Debug, Clone)]
pub struct AuditQuery {
    pub franchise_id: i64,
    pub filters: Vec<(String, TextFilter)>,
    pub newest_first: bool,
    pub page: Page,
}

/// An e-mail alias as stored: its name and its target mailbox's username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasRecord {
    pub name: String,
    pub target: String,
    pub updated_ms: i64,
}

/// A global contact as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRecord {
    pub id: String,
    pub contact: crate::domain::GlobalContact,
    pub updated_ms: i64,
}

/// What creating an alias, or a contact, came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateObjectOutcome {
    Created,
    /// The name is a mailbox's, an alias's or a list's (a contact: its target is another's).
    Taken,
    /// The alias's target is not a mailbox of the domain.
    NoTarget,
    AccountNotOpen(AccountStatus),
}

/// What changing or deleting a directory object came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeObjectOutcome {
    Done,
    Gone,
    /// Another contact has the new target.
    Taken,
    /// Changed since it was read (the caller reads it again).
    Stale,
}

/// A mailing list as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRecord {
    pub id: i64,
    pub name: String,
    pub owner: String,
    pub description: String,
    pub billing_status: BillingStatus,
    pub updated_ms: i64,
}

/// A list's member, or a candidate (`nonMembers`): a mailbox (by username) or a global
/// contact (by id), with its display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    /// `mailbox` or `globalContact`.
    pub kind: String,
    pub member: String,
    pub name: String,
}

/// A new mailing list and the order that creates it.
#[derive(Debug, Clone)]
pub struct NewListOrder<'a> {
    pub order_id: &'a OrderId,
    pub owner_id: OwnerId,
    pub account_id: i64,
    pub exchange_id: i64,
    pub name: &'a str,
    pub owner: &'a str,
    pub description: &'a str,
    pub now_ms: i64,
}

/// What ordering a list (or its deletion) came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrderOutcome {
    Created,
    /// The name is a mailbox's, an alias's or a list's.
    Taken,
    /// The owner is not a mailbox of the domain.
    NoOwner,
    /// No such list.
    Gone,
    /// The list is being created or deleted.
    Busy,
    AccountNotOpen(AccountStatus),
}

/// What adding a member came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMemberOutcome {
    Added,
    Already,
    /// Neither a mailbox nor a global contact of the domain.
    Unknown,
}

/// A webhook subscription as stored (its secret sealed).
#[derive(Debug, Clone)]
pub struct WebhookRecord {
    pub id: String,
    pub franchise_id: i64,
    /// An account user's subscription: its account; an agent's: `None` (every account).
    pub account_id: Option<i64>,
    pub created_by: i64,
    pub url: String,
    /// The API base its deliveries' links start with (where it was created).
    pub base: String,
    pub events: Vec<String>,
    pub secret_sealed: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub failing_since_ms: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A new subscription's row.
pub struct NewWebhookRow<'a> {
    pub id: &'a str,
    pub franchise_id: i64,
    pub account_id: Option<i64>,
    pub created_by: i64,
    pub url: &'a str,
    pub base: &'a str,
    pub events: &'a [crate::domain::webhook::EventKind],
    pub secret_sealed: &'a str,
    pub now_ms: i64,
}

/// A subscription's change: `None` keeps a field.
pub struct WebhookChangeRow<'a> {
    pub url: Option<&'a str>,
    pub events: Option<&'a [crate::domain::webhook::EventKind]>,
    pub secret_sealed: Option<&'a str>,
    pub active: Option<bool>,
    pub now_ms: i64,
}

/// One event for one subscription.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub kind: String,
    /// The API path of what the event is about (`/orders/…`).
    pub resource: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    /// When it is (or was last) due.
    pub next_ms: i64,
    /// Until when an attempt holds it.
    pub lease_until: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// How an attempt at a delivery went.
#[derive(Debug, Clone)]
pub enum DeliveryOutcome {
    Delivered {
        status: i64,
    },
    Retry {
        status: Option<i64>,
        error: String,
        next_ms: i64,
    },
    GaveUp {
        status: Option<i64>,
        error: String,
    },
}
