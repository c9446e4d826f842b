//! The Exchange directory objects as the API shows them (docs §2.8–2.9).

use serde::Serialize;
use utoipa::ToSchema;

use super::Link;
use crate::domain::{BillingStatus, PersonName, Phones, PostalAddress};

/// An e-mail alias: another address of a mailbox of the domain (a list item and `GET`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailAlias {
    /// The alias's name (its address's local part).
    #[schema(example = "sales")]
    pub email_alias: String,
    /// The mailbox it delivers to.
    #[schema(example = "john2@myexchangedomain.com")]
    pub email_forward: String,
    /// `self`, and the target mailbox as `related`.
    pub links: Vec<Link>,
}

/// A global contact in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct GlobalContactListItem {
    /// The contact's id (40 hex digits).
    #[schema(example = "00000136a13b95a2f4f587fd000ae6fa2cb8a7d8")]
    pub id: String,
    #[schema(example = "abcdef@ghijklm.com")]
    pub target: String,
    /// The contact's name (`name.name`).
    #[schema(example = "John Jello")]
    pub name: String,
    /// The contact's URL.
    pub details: String,
}

/// A global contact: an outside address in the domain's address book (docs §2.9).
#[derive(Debug, Serialize, ToSchema)]
pub struct GlobalContactDocument {
    #[schema(example = "abcdef@ghijklm.com")]
    pub target: String,
    pub name: PersonName,
    pub address: PostalAddress,
    pub phones: Phones,
    pub notes: String,
    pub links: Vec<Link>,
}

/// A mailing list in the list (docs §2.10).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailingListItem {
    pub billing_status: BillingStatus,
    #[schema(example = "test_list1")]
    pub name: String,
    /// The list's URL.
    pub details: String,
}

/// A mailing list (docs §2.10; `billingstatus` in lower case, as the docs write it here).
#[derive(Debug, Serialize, ToSchema)]
pub struct MailingListDocument {
    #[schema(example = "test_list2")]
    pub name: String,
    /// The username of the mailbox that owns it.
    #[schema(example = "dinh.anh")]
    pub owner: String,
    pub billingstatus: BillingStatus,
    #[schema(example = "test_list2")]
    pub description: String,
    /// The URL of its members.
    pub members: String,
    pub links: Vec<Link>,
}

/// A list's member, or a candidate (`nonMembers`) (docs §2.11).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListMember {
    /// A mailbox's username, or a global contact's id.
    #[schema(example = "test_mail3")]
    pub username: String,
    /// `mailbox` or `globalContact`.
    #[serde(rename = "type")]
    #[schema(example = "mailbox")]
    pub kind: String,
    /// The mailbox's or the contact's name.
    #[schema(example = "Test Exchange2010 Mailbox 3")]
    pub name: String,
    /// `self` (a member's URL in the list) and the mailbox or contact as `related`.
    pub links: Vec<Link>,
}

/// A mailbox add-on (docs §2.7): `GET …/mailboxes/{username}/archiving/` or `/blackberry/`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"billingStatus": "open", "links": [{"rel": "self", "href": "http://127.0.0.1:8092/accounts/acct999999/exchange/myexchangedomain.com/mailboxes/john2/archiving"}]}))]
pub struct AddOnDocument {
    /// `new` while in an order not yet submitted, `pending` while it is provisioned, `open`
    /// once the mailbox has it, `purge_pending` while an order removes it.
    pub billing_status: BillingStatus,
    /// `self`, and the mailbox as `related`.
    pub links: Vec<Link>,
}
