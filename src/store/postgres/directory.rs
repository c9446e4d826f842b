//! [`DirectoryStore`] on PostgreSQL: the mail directory that Dovecot and Postfix read.

use async_trait::async_trait;

use super::*;

#[async_trait]
impl DirectoryStore for PgStore {
    async fn directory_put(&self, d: &DirectoryEntry<'_>, now_ms: i64) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO mail_users (address, domain, password_hash, home, quota_mb, active, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (address) DO UPDATE SET password_hash = excluded.password_hash,
                 home = excluded.home, quota_mb = excluded.quota_mb, active = excluded.active,
                 updated_at = excluded.updated_at",
        )
        .bind(d.address)
        .bind(d.domain)
        .bind(d.password_hash.as_str())
        .bind(d.home)
        .bind(d.quota_mb)
        .bind(i64::from(d.active))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM mail_aliases WHERE source = $1")
            .bind(d.address)
            .execute(&mut *tx)
            .await?;
        for destination in &d.destinations {
            sqlx::query("INSERT INTO mail_aliases (source, destination) VALUES ($1, $2) ON CONFLICT DO NOTHING")
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
            "DELETE FROM mail_aliases WHERE source = $1",
            "DELETE FROM mail_users WHERE address = $1",
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
        // The account's domains first, in id order: the lock every mailbox change takes first.
        sqlx::query(
            "UPDATE exchanges SET updated_at = greatest($1, (updated_at / 1000 + 1) * 1000)
             WHERE id IN (SELECT id FROM exchanges WHERE account_id = $2 ORDER BY id FOR UPDATE)",
        )
        .bind(now_ms)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        let unsettled: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM mailboxes WHERE exchange_id IN (SELECT id FROM exchanges WHERE account_id = $1)
             AND billing_status IN {UNSETTLED_MAILBOX_STATUSES}"
        ))
        .bind(account_id)
        .fetch_one(&mut *tx)
        .await?;
        if unsettled > 0 {
            return Ok(AccountStatusOutcome::Busy);
        }
        let (from, to, active) = status.mailbox_move();
        sqlx::query("UPDATE accounts SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE mail_users SET active = $1, updated_at = $2 WHERE address IN
                 (SELECT m.username || '@' || e.domain FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id
                  WHERE e.account_id = $3 AND m.billing_status = $4)",
        )
        .bind(i64::from(active))
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
                "SELECT exchange_id, username FROM mailboxes WHERE billing_status = $1 AND exchange_id IN ({})",
                ids.join(", ")
            ))
            .bind(from)
            .fetch_all(&mut *tx)
            .await?
        };
        sqlx::query(
            "UPDATE mailboxes SET billing_status = $1, updated_at = greatest($2, (updated_at / 1000 + 1) * 1000)
             WHERE billing_status = $3 AND exchange_id IN (SELECT id FROM exchanges WHERE account_id = $4)",
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
             WHERE exchange_id = (SELECT id FROM exchanges WHERE domain = $1) AND username = $2 AND password_sealed = $3",
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
