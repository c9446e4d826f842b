//! Provisioning drivers: what makes an accepted mailbox real on a mail platform.
//!
//! Every step must be idempotent: the worker may run it again after a crash or a lost lease.

mod directory;
pub mod http_agent;
mod sandbox;
mod select;

pub use directory::{DirectoryDriver, destinations};
pub use http_agent::{AgentConfig, HttpAgent};
pub use sandbox::Sandbox;
pub use select::{DriverKind, DriverSelection};

use std::sync::Arc;

use async_trait::async_trait;

use crate::store::{AddressTask, ListTask, MailboxTask, StepKind};

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
    /// The name of the driver that runs `task` (differs from [`Self::name`] for [`Drivers`]).
    fn driver_name(&self, _task: &MailboxTask) -> &'static str {
        self.name()
    }
    /// Creates (or re-creates identically) the mailbox. `attempt` starts at 1.
    async fn create_mailbox(&self, task: &MailboxTask, attempt: i64) -> Result<(), ProvisionError>;
    /// Closes the mailbox: login refused, mail no longer accepted, data kept.
    async fn disable_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError>;
    /// Removes the mailbox and its data; succeeds if there is nothing.
    async fn remove_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError>;
    /// Brings the platform's copy of an existing mailbox up to date with the task (forwarding,
    /// a new password, active or suspended): the sync steps.
    async fn update_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError>;
    /// A mailing list's step (`create_list`, `delete_list`). The mail directory's rows for a
    /// list are written by the store when the step completes, in the same transaction as the
    /// list's status, so a driver has nothing to do here unless its platform keeps lists.
    async fn list_step(&self, _kind: StepKind, _task: &ListTask) -> Result<(), ProvisionError> {
        Ok(())
    }
    /// An add-on step (`add_archiving`, `remove_blackberry`, …) on an existing mailbox. The
    /// add-on's status and the mailbox's flag are written by the store when the step completes;
    /// the mail directory has nothing to change (Dovecot and Postfix have no add-ons), so only
    /// a platform that keeps add-ons does something here.
    async fn add_on_step(&self, _task: &MailboxTask) -> Result<(), ProvisionError> {
        Ok(())
    }
    /// Carries an alias's or a list's address as it routes now (`sync_address`). The mail
    /// directory's rows were written with the change, so only a platform behind the agent,
    /// which does not read them, needs the step (the store queues it only for such domains).
    async fn address_step(&self, _task: &AddressTask) -> Result<(), ProvisionError> {
        Ok(())
    }
}

/// Runs each step on the driver the configuration selects for its franchise or plan.
pub struct Drivers {
    directory: Arc<dyn Provisioner>,
    agent: Option<Arc<dyn Provisioner>>,
    selection: DriverSelection,
}

impl Drivers {
    pub fn new(
        directory: Arc<dyn Provisioner>,
        agent: Option<Arc<dyn Provisioner>>,
        selection: DriverSelection,
    ) -> Self {
        Self {
            directory,
            agent,
            selection,
        }
    }

    fn pick(&self, task: &MailboxTask) -> Result<&Arc<dyn Provisioner>, ProvisionError> {
        self.pick_for(&task.franchise, &task.plan)
    }

    fn pick_for(
        &self,
        franchise: &str,
        plan: &str,
    ) -> Result<&Arc<dyn Provisioner>, ProvisionError> {
        match self.selection.driver_for(franchise, plan) {
            DriverKind::Directory => Ok(&self.directory),
            DriverKind::Http => self
                .agent
                .as_ref()
                .ok_or_else(|| ProvisionError::Permanent {
                    message: "The http driver is selected but no agent is configured".into(),
                    code: 500,
                }),
        }
    }
}

#[async_trait]
impl Provisioner for Drivers {
    fn name(&self) -> &'static str {
        "drivers"
    }

    fn driver_name(&self, task: &MailboxTask) -> &'static str {
        self.pick(task).map_or("none", |d| d.name())
    }

    async fn create_mailbox(&self, task: &MailboxTask, attempt: i64) -> Result<(), ProvisionError> {
        self.pick(task)?.create_mailbox(task, attempt).await
    }

    async fn disable_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.pick(task)?.disable_mailbox(task).await
    }

    async fn remove_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.pick(task)?.remove_mailbox(task).await
    }

    async fn update_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.pick(task)?.update_mailbox(task).await
    }

    async fn list_step(&self, kind: StepKind, task: &ListTask) -> Result<(), ProvisionError> {
        self.pick_for(&task.franchise, &task.plan)?
            .list_step(kind, task)
            .await
    }

    async fn add_on_step(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.pick(task)?.add_on_step(task).await
    }

    async fn address_step(&self, task: &AddressTask) -> Result<(), ProvisionError> {
        self.pick_for(&task.franchise, &task.plan)?
            .address_step(task)
            .await
    }
}
