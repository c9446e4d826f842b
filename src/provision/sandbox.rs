//! Sandbox mode (per franchise): usernames with a magic prefix make provisioning misbehave on
//! purpose, so partners can test their integration's failure paths.
//!
//! - `fail-…`: fails permanently;
//! - `flaky-…`: fails transiently on the first two attempts, then succeeds;
//! - `slow-…`: takes one second, then succeeds.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::{ProvisionError, Provisioner};
use crate::store::{AddressTask, ListTask, MailboxTask, StepKind};

pub struct Sandbox {
    inner: Arc<dyn Provisioner>,
}

impl Sandbox {
    pub fn new(inner: Arc<dyn Provisioner>) -> Self {
        Self { inner }
    }
}

#[async_trait]
impl Provisioner for Sandbox {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn driver_name(&self, task: &MailboxTask) -> &'static str {
        self.inner.driver_name(task)
    }

    async fn create_mailbox(&self, task: &MailboxTask, attempt: i64) -> Result<(), ProvisionError> {
        if task.sandbox {
            let name = task.username.as_str();
            if name.starts_with("fail-") {
                return Err(ProvisionError::Permanent {
                    message: format!(
                        "Sandbox: provisioning of {name} fails by request (fail- prefix)"
                    ),
                    code: 502,
                });
            }
            if name.starts_with("flaky-") && attempt <= 2 {
                return Err(ProvisionError::Transient(format!(
                    "Sandbox: attempt {attempt} for {name} fails by request (flaky- prefix)"
                )));
            }
            if name.starts_with("slow-") {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        self.inner.create_mailbox(task, attempt).await
    }

    async fn disable_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.inner.disable_mailbox(task).await
    }

    async fn remove_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.inner.remove_mailbox(task).await
    }

    async fn update_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.inner.update_mailbox(task).await
    }

    async fn list_step(&self, kind: StepKind, task: &ListTask) -> Result<(), ProvisionError> {
        self.inner.list_step(kind, task).await
    }

    async fn add_on_step(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.inner.add_on_step(task).await
    }

    async fn address_step(&self, task: &AddressTask) -> Result<(), ProvisionError> {
        self.inner.address_step(task).await
    }
}
