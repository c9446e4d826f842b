//! [`DirectoryStore`] on SQLite: the mail directory that Dovecot and Postfix read.

use async_trait::async_trait;

use super::*;

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn directory_put(&self, d: &DirectoryEntry<'_>, now_ms: i64) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO mail_users (address, domain, password_hash, home, quota_mb, active, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (address) DO UPDATE SET password_hash = excluded.password_hash,
                 home = excluded.home, quota_mb = excluded.quota_mb, active = excluded.active,
                 updated_at = excluded.updated_at",
        )
        .bind(d.address)
        .bind(d.domain)
        .bind(d.password_hash.as_str())
        .bind(d.home)
        .bind(d.quota_mb)
        .bind(d.active)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM mail_aliases WHERE source = ?")
            .bind(d.address)
            .execute(&mut *tx)
            .await?;
        for destination in &d.destinations {
            sqlx::query("INSERT INTO mail_aliases (source, destination) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .bind(d.address)
                .bind(destination)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn directory_remove(&self, address: &str) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for sql in [
            "DELETE FROM mail_aliases WHERE source = ?",
            "DELETE FROM mail_users WHERE address = ?",
        ] {
            sqlx::query(sql).bind(address).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_account_status(
        &self,
        account_id: i64,
        status: AccountStatus,
        now_ms: i64,
    ) -> StoreResult<AccountStatusOutcome> {
        let mut tx = self.write_tx().await?;
        let unsettled: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM mailboxes WHERE exchange_id IN (SELECT id FROM exchanges WHERE account_id = ?)
             AND billing_status IN {UNSETTLED_MAILBOX_STATUSES}"
        ))
        .bind(account_id)
        .fetch_one(&mut *tx)
        .await?;
        if unsettled > 0 {
            return Ok(AccountStatusOutcome::Busy);
        }
        let (from, to, active) = status.mailbox_move();
        sqlx::query(
            "UPDATE exchanges SET updated_at = max(?, (updated_at / 1000 + 1) * 1000) WHERE account_id = ?",
        )
        .bind(now_ms)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE accounts SET status = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE mail_users SET active = ?, updated_at = ? WHERE address IN
                 (SELECT m.username || '@' || e.domain FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id
                  WHERE e.account_id = ? AND m.billing_status = ?)",
        )
        .bind(active)
        .bind(now_ms)
        .bind(account_id)
        .bind(from)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE mailboxes SET billing_status = ?, updated_at = max(?, (updated_at / 1000 + 1) * 1000)
             WHERE billing_status = ? AND exchange_id IN (SELECT id FROM exchanges WHERE account_id = ?)",
        )
        .bind(to)
        .bind(now_ms)
        .bind(from)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AccountStatusOutcome::Changed)
    }
}
