//! Who may do what: the rights of each kind of caller over accounts, domains and mailboxes.

use super::AccountStatus;

/// What a caller may do. Franchise visibility is checked separately (other franchises'
/// objects are invisible, i.e. 404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A franchise (partner) agent: every account of the franchise.
    Agent,
    /// A customer's user: its own account only.
    AccountUser { account_id: i64 },
    /// A mailbox owner created with `admin: 1`, logged in as `username@domain`: the mailboxes
    /// of that domain.
    MailboxAdmin { exchange_id: i64 },
    /// A mailbox owner with `admin: 0`: its own mailbox.
    MailboxUser { exchange_id: i64, mailbox_id: i64 },
}

impl Role {
    /// Account-wide rights (account resources, every domain of it).
    pub fn can_manage_account(self, account_id: i64) -> bool {
        match self {
            Role::Agent => true,
            Role::AccountUser { account_id: own } => own == account_id,
            Role::MailboxAdmin { .. } | Role::MailboxUser { .. } => false,
        }
    }

    /// Whether the caller may see anything of an account in `status`: a suspended or closed
    /// account is hidden from everyone but the franchise's agents (docs §6.2), on every route.
    pub fn sees_account(self, status: AccountStatus) -> bool {
        self == Role::Agent || matches!(status, AccountStatus::Open | AccountStatus::Pending)
    }

    /// Rights over one Exchange domain: its list, its mailboxes, ordering in it.
    pub fn can_manage_exchange(self, exchange_id: i64, account_id: i64) -> bool {
        match self {
            Role::MailboxAdmin { exchange_id: own } => own == exchange_id,
            other => other.can_manage_account(account_id),
        }
    }

    /// Rights over one mailbox: reading it and changing it (including its password).
    pub fn can_manage_mailbox(self, exchange_id: i64, account_id: i64, mailbox_id: i64) -> bool {
        match self {
            Role::MailboxUser {
                mailbox_id: own, ..
            } => own == mailbox_id,
            other => other.can_manage_exchange(exchange_id, account_id),
        }
    }
}
