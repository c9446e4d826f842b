//! The bodies of the API as OpenAPI schemas (documentation types: the handlers parse bodies
//! into the domain types, and these describe the same JSON, field for field).
#![allow(non_snake_case, dead_code)]

use std::collections::BTreeMap;

use serde_json::Value;
use utoipa::ToSchema;

/// A hypermedia link.
#[derive(ToSchema)]
pub struct Link {
    #[schema(example = "http://127.0.0.1:8092/orders/00000145ff9ba7e58e7c2c51007f000000010001/")]
    href: String,
    #[schema(example = "self")]
    rel: String,
}

/// One error, under its type's name.
#[derive(ToSchema)]
pub struct ErrorDetail {
    #[schema(example = "POST data error")]
    message: String,
    #[schema(example = 400)]
    code: u16,
    /// `""`, a text, or (validation) an object mapping each field to its problem.
    details: Value,
    /// The request's id (`X-Request-Id`), under which the error was logged.
    guid: String,
}

/// Hostway's error body: one key, the error type (`badRequest`, `unauthorized`, `forbidden`,
/// `itemNotFound`, `methodNotAllowed`, `conflict`, `unsupportedMediaType`, `serviceUnavailable`,
/// `serverError`).
#[derive(ToSchema)]
#[schema(example = json!({"badRequest": {"message": "POST data error", "code": 400, "details": {"owner.username": "Required"}, "guid": "5b0c9a7e-4a0e-4a53-9f0a-2f4ad3f0c6a1"}}))]
pub struct ErrorBody(BTreeMap<String, ErrorDetail>);

#[derive(ToSchema)]
pub struct Owner {
    /// Lowercase letters, digits, `_`, `-`, single inner dots; 1-25 characters.
    #[schema(example = "a.a")]
    username: String,
    /// 8-20 characters, letters and at least one digit, not all lowercase letters.
    #[schema(example = "tester1234")]
    password: String,
}

#[derive(ToSchema)]
pub struct PersonName {
    name: Option<String>,
    company: Option<String>,
    department: Option<String>,
    title: Option<String>,
}

#[derive(ToSchema)]
pub struct PostalAddress {
    address: Option<String>,
    city: Option<String>,
    state: Option<String>,
    zip: Option<String>,
    country: Option<String>,
}

#[derive(ToSchema)]
pub struct Phones {
    businessPhone: Option<String>,
    homePhone: Option<String>,
    fax: Option<String>,
    mobile: Option<String>,
}

/// `POST …/mailboxes`.
#[derive(ToSchema)]
pub struct MailboxCreate {
    owner: Owner,
    /// 0 or 1: the mailbox may manage its domain's mailboxes.
    admin: Option<u8>,
    notes: Option<String>,
    /// 1-100 (default 100).
    recipientLimit: Option<u16>,
    /// Redirect without keeping a copy: an address, or a local part of this domain.
    deliverRedirect: Option<String>,
    /// Forward a copy: an address, or a local part of this domain.
    forwardTo: Option<String>,
    name: Option<PersonName>,
    address: Option<PostalAddress>,
    phones: Option<Phones>,
}

/// `PUT /accounts/{account}` (agents only).
#[derive(ToSchema)]
pub struct AccountStatusChange {
    /// `open`, `suspended` or `closed`.
    status: String,
}

/// `PUT …/mailboxes/{username}`: fields left out stay as they are.
#[derive(ToSchema)]
pub struct MailboxUpdate {
    /// Only with `?passwordReset=1`.
    password: Option<String>,
    admin: Option<u8>,
    notes: Option<String>,
    recipientLimit: Option<u16>,
    deliverRedirect: Option<String>,
    forwardTo: Option<String>,
    name: Option<PersonName>,
    address: Option<PostalAddress>,
    phones: Option<Phones>,
}

#[derive(ToSchema)]
pub struct Mailbox {
    username: String,
    admin: u8,
    notes: String,
    /// MB, from the plan.
    quota: i64,
    recipientLimit: i64,
    archiving: u8,
    blackberry: u8,
    /// `new`, `placed`, `pending`, `open`, `suspended`, `close_pending`, `closed`, `purge_pending`.
    billingStatus: String,
    name: PersonName,
    address: PostalAddress,
    phones: Phones,
    forwardTo: Option<String>,
    deliverRedirect: Option<String>,
    links: Vec<Link>,
}

#[derive(ToSchema)]
pub struct MailboxListItem {
    username: String,
    billingStatus: String,
    /// The mailbox's URL.
    details: String,
    /// With `includeAddOns=1`.
    archiving: Option<u8>,
    blackberry: Option<u8>,
}

#[derive(ToSchema)]
pub struct MailboxList {
    list: Vec<MailboxListItem>,
    links: Vec<Link>,
}

/// `OPTIONS` on a list.
#[derive(ToSchema)]
pub struct ListOptions {
    sortFields: Vec<String>,
    sortOrders: Vec<String>,
    filterFields: Vec<Value>,
}

/// `{"action": "restore"}`.
#[derive(ToSchema)]
pub struct MailboxAction {
    #[schema(example = "restore")]
    action: String,
}

#[derive(ToSchema)]
pub struct ExchangeListItem {
    domain: String,
    version: String,
    links: Vec<Link>,
}

#[derive(ToSchema)]
pub struct ExchangeList {
    list: Vec<ExchangeListItem>,
    links: Vec<Link>,
}

#[derive(ToSchema)]
pub struct Exchange {
    domain: String,
    version: String,
    links: Vec<Link>,
    mailboxes: Vec<Link>,
    globalContacts: Vec<Link>,
    mailingLists: Vec<Link>,
    emailAliases: Vec<Link>,
    freeMailboxes: i64,
    usedMailboxes: i64,
    /// The catalog plan.
    plan: String,
    /// `[amount, currency]`, `[]` for zero, `null` if the catalog lacks the plan.
    mailboxPrice: Option<Vec<String>>,
    nextMailboxPrice: Option<Vec<String>>,
}

#[derive(ToSchema)]
pub struct OrderError {
    message: String,
    code: u16,
}

#[derive(ToSchema)]
pub struct OrderItem {
    /// `create_mailbox`, `close_mailbox`, `restore_mailbox`, `purge_mailbox`.
    Type: String,
    Mailbox: String,
    /// The catalog plan of a paid line; `null` for an included mailbox.
    Plan: Option<String>,
    Status: String,
    Error: Option<OrderError>,
}

#[derive(ToSchema)]
pub struct OrderFields {
    /// `new`, `Processing`, `Completed`, `Failed`, `Cancelled`.
    #[schema(example = "Processing")]
    Status: String,
    #[schema(example = "http://127.0.0.1:8092/accounts/acct999999")]
    Account: String,
    /// Failed orders only.
    Errors: Option<Vec<OrderError>>,
    Items: Vec<OrderItem>,
    /// RFC 3339, UTC.
    Created: String,
    Updated: String,
}

#[derive(ToSchema)]
pub struct Order {
    order: OrderFields,
    links: Vec<Link>,
}

#[derive(ToSchema)]
pub struct OrderListItem {
    orderId: String,
    Status: String,
    Account: String,
    Created: String,
    Updated: String,
    details: String,
}

#[derive(ToSchema)]
pub struct OrderList {
    list: Vec<OrderListItem>,
    links: Vec<Link>,
}

/// `POST /orders/{id}/action`.
#[derive(ToSchema)]
pub struct OrderAction {
    /// `validate` or `submit`.
    #[schema(example = "submit")]
    action: String,
    actionData: Option<Value>,
    /// The `quotehash` / `Hash` of a quote obtained earlier; a changed price is `409`.
    quoteHash: Option<String>,
}

/// The paid mailbox's `202` body. Money is `[amount, currency]`; `[]` means zero.
#[derive(ToSchema)]
#[schema(example = json!({"total": ["5.18", "USD"], "subtotal": ["5.18", "USD"], "deferredTotal": [], "deferredSubtotal": [], "quotehash": "0dd6b20d1ce3ae0e44882f3db11124d03f60ba53", "links": [{"href": "http://127.0.0.1:8092/accounts/acct999999/exchange/paid.example.com/mailboxes/", "rel": "self"}, {"href": "http://127.0.0.1:8092/orders/00000145ff82ec6bf27d6421007f000000010001/action", "rel": "related"}]}))]
pub struct CompactQuote {
    total: Vec<String>,
    subtotal: Vec<String>,
    deferredTotal: Vec<String>,
    deferredSubtotal: Vec<String>,
    quotehash: String,
    links: Vec<Link>,
}

/// A fee; every value is a string, as in the docs.
#[derive(ToSchema)]
pub struct Fee {
    /// `setup_fee` or `recurring`.
    Type: String,
    Description: String,
    Currency: String,
    Amount: String,
    BaseAmount: String,
    UnitAmount: String,
    ProratedUnitAmount: String,
    Quantity: String,
    MonthlyCycle: String,
    NumCharges: String,
    NumCharged: String,
    Prorated: String,
    ProrationAllowed: String,
    Deferred: String,
    StartDate: String,
    EndDate: String,
}

#[derive(ToSchema)]
pub struct Product {
    PlanNumber: String,
    PromotionCode: String,
    PromotionName: String,
    Description: String,
    Services: Vec<Value>,
    ChildProduct: Vec<Value>,
    Fees: Vec<Fee>,
}

#[derive(ToSchema)]
pub struct QuoteFields {
    Hash: String,
    Currency: String,
    Products: Vec<Product>,
    Total: String,
    SubTotal: String,
    OneTimeFeeAmount: String,
    TaxTotal: String,
    DeferredTotal: String,
}

#[derive(ToSchema)]
pub struct FullQuote {
    quote: QuoteFields,
    links: Vec<Link>,
}

#[derive(ToSchema)]
pub struct Charge {
    id: i64,
    /// `setup_fee` or `recurring`.
    r#type: String,
    description: String,
    amount: Vec<String>,
    deferred: u8,
    periodStart: String,
    periodEnd: String,
    recorded: String,
    quoteHash: String,
    order: String,
}

#[derive(ToSchema)]
pub struct ChargeList {
    list: Vec<Charge>,
    links: Vec<Link>,
}

#[derive(ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    status: String,
    version: String,
}

#[derive(ToSchema)]
pub struct Readiness {
    /// `ready` or `not ready`.
    status: String,
    version: String,
    checks: BTreeMap<String, String>,
}

#[derive(ToSchema)]
pub struct AccountListItem {
    #[schema(example = "acct999999")]
    accountNumber: String,
    /// `pending`, `open`, `suspended`, `closed`.
    status: String,
    /// `Y-m-d`.
    createdDate: String,
    currency: String,
    links: Vec<Link>,
}

#[derive(ToSchema)]
pub struct AccountList {
    list: Vec<AccountListItem>,
    links: Vec<Link>,
}

#[derive(ToSchema)]
pub struct Account {
    accountNumber: String,
    createdDate: String,
    currency: String,
    status: String,
    exchange: Vec<Link>,
    /// The ledger (an extension).
    charges: Vec<Link>,
    links: Vec<Link>,
}
