//! The built-in `directory` driver: writes the mailbox into mailorder's own mail directory
//! (`mail_users`, `mail_aliases`), the tables Dovecot and Postfix read, and removes its home
//! directory (where the mail server keeps its mail) when it is purged.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use super::{ProvisionError, Provisioner};
use crate::store::{DirectoryEntry, MailboxTask, Store, StoreError};

pub struct DirectoryDriver {
    store: Arc<Store>,
    mail_root: PathBuf,
}

/// Where mail to `address` goes: `forwardTo` keeps a copy and forwards one, `deliverRedirect`
/// sends it elsewhere instead; with both, the mail goes to both targets and is not kept.
/// Empty means plain delivery into the mailbox.
pub fn destinations<'a>(
    address: &'a str,
    redirect: Option<&'a str>,
    forward: Option<&'a str>,
) -> Vec<&'a str> {
    match (redirect, forward) {
        (None, None) => vec![],
        (None, Some(forward)) => vec![address, forward],
        (Some(redirect), None) => vec![redirect],
        (Some(redirect), Some(forward)) => vec![redirect, forward],
    }
}

fn transient(err: StoreError) -> ProvisionError {
    ProvisionError::Transient(format!("mail directory unavailable: {err}"))
}

impl DirectoryDriver {
    pub fn new(store: Arc<Store>, mail_root: PathBuf) -> Self {
        Self { store, mail_root }
    }

    /// `<mail root>/<domain>/<username>`; both parts are validated names (no `/`, no `..`).
    fn home(&self, task: &MailboxTask) -> PathBuf {
        self.mail_root.join(&task.domain).join(&task.username)
    }

    async fn put(&self, task: &MailboxTask, active: bool) -> Result<(), ProvisionError> {
        let home = self.home(task);
        let home = home.to_string_lossy();
        let entry = DirectoryEntry {
            address: &task.address,
            domain: &task.domain,
            password_hash: &task.password_hash,
            home: &home,
            quota_mb: task.quota_mb,
            active,
            destinations: if active {
                destinations(
                    &task.address,
                    task.deliver_redirect.as_deref(),
                    task.forward_to.as_deref(),
                )
            } else {
                vec![]
            },
        };
        self.store
            .directory_put(&entry, crate::now_ms())
            .await
            .map_err(transient)
    }
}

#[async_trait]
impl Provisioner for DirectoryDriver {
    fn name(&self) -> &'static str {
        "directory"
    }

    async fn create_mailbox(
        &self,
        task: &MailboxTask,
        _attempt: i64,
    ) -> Result<(), ProvisionError> {
        self.put(task, true).await
    }

    async fn disable_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.put(task, false).await
    }

    /// The directory took the change in the request's own transaction; rewriting the entry
    /// from the record is the same state again (needed only if the mailbox's driver changed).
    async fn update_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.put(task, task.billing_status.can_log_in()).await
    }

    async fn remove_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.store
            .directory_remove(&task.address)
            .await
            .map_err(transient)?;
        let home = self.home(task);
        match tokio::fs::remove_dir_all(&home).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ProvisionError::Transient(format!(
                "cannot remove {}: {e}",
                home.display()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarding_semantics() {
        let a = "a.a@d.com";
        assert!(destinations(a, None, None).is_empty());
        assert_eq!(destinations(a, None, Some("f@d.com")), [a, "f@d.com"]);
        assert_eq!(destinations(a, Some("r@d.com"), None), ["r@d.com"]);
        assert_eq!(
            destinations(a, Some("r@d.com"), Some("f@d.com")),
            ["r@d.com", "f@d.com"]
        );
    }
}
