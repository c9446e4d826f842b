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
        c: &AccountStatusChange<'_>,
    ) -> StoreResult<AccountStatusOutcome> {
        let (account_id, status, now_ms) = (c.account_id, c.status, c.now_ms);
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
        // The agent's mailboxes that this change moves; each gets a step.
        let movers: Vec<(i64, String)> = if c.agent_exchanges.is_empty() {
            Vec::new()
        } else {
            let ids: Vec<String> = c.agent_exchanges.iter().map(i64::to_string).collect();
            sqlx::query_as(&format!(
                "SELECT exchange_id, username FROM mailboxes WHERE billing_status = ? AND exchange_id IN ({})",
                ids.join(", ")
            ))
            .bind(from)
            .fetch_all(&mut *tx)
            .await?
        };
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
        for (exchange_id, username) in &movers {
            let order_id = crate::domain::OrderId::generate(now_ms);
            let rows = OrderRows {
                order_id: order_id.as_str(),
                account_id,
                owner_id: crate::domain::OwnerId::generate().to_string(),
                kind: StepKind::AccountStatus,
                exchange_id: *exchange_id,
                username,
                from_status: Some(to),
                now_ms,
            };
            insert_order(&mut tx, &rows).await?;
        }
        tx.commit().await?;
        Ok(AccountStatusOutcome::Changed)
    }

    async fn erase_sealed_password(
        &self,
        domain: &str,
        username: &str,
        sealed: &SealedPassword,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE mailboxes SET password_sealed = NULL
             WHERE exchange_id = (SELECT id FROM exchanges WHERE domain = ?) AND username = ? AND password_sealed = ?",
        )
        .bind(domain)
        .bind(username)
        .bind(sealed.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
