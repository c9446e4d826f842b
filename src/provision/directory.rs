//! The built-in `directory` driver: writes the mailbox into mailorder's own mail directory
//! (`mail_users`, `mail_aliases`), the tables Dovecot and Postfix read.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use super::{ProvisionError, Provisioner};
use crate::store::{DirectoryEntry, MailboxTask, Store, StoreError};

pub struct DirectoryDriver {
    store: Arc<dyn Store>,
    mail_root: PathBuf,
}

impl DirectoryDriver {
    pub fn new(store: Arc<dyn Store>, mail_root: PathBuf) -> Self {
        Self { store, mail_root }
    }
}

/// Where mail to `address` goes: `forwardTo` keeps a copy and forwards one, `deliverRedirect`
/// sends it elsewhere instead; with both, the mail goes to both targets and is not kept.
/// Empty means plain delivery into the mailbox.
pub fn destinations(task: &MailboxTask) -> Vec<&str> {
    match (task.deliver_redirect.as_deref(), task.forward_to.as_deref()) {
        (None, None) => vec![],
        (None, Some(forward)) => vec![task.address.as_str(), forward],
        (Some(redirect), None) => vec![redirect],
        (Some(redirect), Some(forward)) => vec![redirect, forward],
    }
}

fn transient(err: StoreError) -> ProvisionError {
    ProvisionError::Transient(format!("mail directory unavailable: {err}"))
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
        let home = self.mail_root.join(&task.domain).join(&task.username);
        let home = home.to_string_lossy();
        let entry = DirectoryEntry {
            address: &task.address,
            domain: &task.domain,
            password_hash: &task.password_hash,
            home: &home,
            quota_mb: task.quota_mb,
            active: true,
            destinations: destinations(task),
        };
        self.store
            .directory_put(&entry, crate::now_ms())
            .await
            .map_err(transient)
    }

    async fn remove_mailbox(&self, task: &MailboxTask) -> Result<(), ProvisionError> {
        self.store
            .directory_remove(&task.address)
            .await
            .map_err(transient)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PasswordHash;

    fn task(redirect: Option<&str>, forward: Option<&str>) -> MailboxTask {
        MailboxTask {
            address: "a.a@d.com".into(),
            domain: "d.com".into(),
            username: "a.a".into(),
            password_hash: PasswordHash::from_stored("$argon2id$x".into()),
            quota_mb: 1,
            forward_to: forward.map(Into::into),
            deliver_redirect: redirect.map(Into::into),
            sandbox: false,
        }
    }

    #[test]
    fn forwarding_semantics() {
        assert!(destinations(&task(None, None)).is_empty());
        assert_eq!(
            destinations(&task(None, Some("f@d.com"))),
            ["a.a@d.com", "f@d.com"]
        );
        assert_eq!(destinations(&task(Some("r@d.com"), None)), ["r@d.com"]);
        assert_eq!(
            destinations(&task(Some("r@d.com"), Some("f@d.com"))),
            ["r@d.com", "f@d.com"]
        );
    }
}
