//! Provisioning drivers: what makes an accepted mailbox real on a mail platform.
//!
//! Every step must be idempotent: the worker may run it again after a crash or a lost lease.

mod directory;
mod sandbox;

pub use directory::{DirectoryDriver, destinations};
pub use sandbox::Sandbox;

use async_trait::async_trait;

use crate::store::MailboxTask;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvisionError {
    /// Worth retrying later (timeouts, a platform that is briefly down).
    #[error("{0}")]
    Transient(String),
    /// Retrying cannot help; the order fails with this message and code.
    #[error("{message}")]
    Permanent { message: String, code: u16 },
}

#[async_trait]
pub trait Provisioner: Send + Sync + 'static {
    /// The driver's name, for logs.
    fn name(&self) -> &'static str;
    /// Creates (or re-creates identically) the mailbox. `attempt` starts at 1.
    async fn create_mailbox(&self, task: &MailboxTask, attempt: i64) -> Result<(), ProvisionError>;
    /// Closes the mailbox: login refused, mail no longer accepted, data kept.
    async fn disable_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError>;
    /// Removes the mailbox and its data; succeeds if there is nothing.
    async fn remove_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError>;
}
