//! The store's mail directory that Dovecot and Postfix read, and account status
//! changes, which the directory follows in the same transaction.

use super::*;

impl Store {
    pub async fn directory_put(&self, d: &DirectoryEntry<'_>, now_ms: i64) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sql("INSERT INTO mail_users (address, domain, password_hash, home, quota_mb, active, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (address) DO UPDATE SET password_hash = excluded.password_hash,
                 home = excluded.home, quota_mb = excluded.quota_mb, active = excluded.active,
                 updated_at = excluded.updated_at")
        .bind(d.address)
        .bind(d.domain)
        .bind(d.password_hash.as_str())
        .bind(d.home)
        .bind(d.quota_mb)
        .bind(d.active)
        .bind(now_ms)
        .execute(&mut tx)
        .await?;
        put_aliases(&mut tx, d.address, &d.destinations).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn directory_remove(&self, address: &str) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for text in [
            "DELETE FROM mail_aliases WHERE source = $1",
            "DELETE FROM mail_users WHERE address = $1",
        ] {
            sql(text).bind(address).execute(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets an account's status in one transaction with its mailboxes and their directory rows:
    /// suspending or closing turns its `open` mailboxes `suspended` and inactive (login refused,
    /// mail rejected, data kept); reopening turns its `suspended` mailboxes `open` and active.
    /// `Busy`, changing nothing, while one of its mailboxes is unsettled.
    /// Mailboxes of `agent_exchanges` whose status changes get an `account_status` step each.
    pub async fn set_account_status(
        &self,
        c: &AccountStatusChange<'_>,
    ) -> StoreResult<AccountStatusOutcome> {
        let (account_id, status, now_ms) = (c.account_id, c.status, c.now_ms);
        let Some((from, to, active)) = status.mailbox_move() else {
            return Err(anyhow::anyhow!("an account cannot be set to {status}").into());
        };
        let mut tx = self.write_tx().await?;
        // The account's domains first, in id order: the lock every mailbox change takes first.
        sql(format!(
            "UPDATE exchanges SET {}
             WHERE id IN (SELECT id FROM exchanges WHERE account_id = $2 ORDER BY id{})",
            bump_updated_at!(),
            self.dialect.row_lock()
        ))
        .bind(now_ms)
        .bind(account_id)
        .execute(&mut tx)
        .await?;
        let unsettled = sql(format!(
            "SELECT count(*) AS n FROM mailboxes WHERE exchange_id IN (SELECT id FROM exchanges WHERE account_id = $1)
             AND billing_status IN {}",
            unsettled_statuses()
        ))
        .bind(account_id)
        .fetch_one(&mut tx)
        .await?
        .int("n")?;
        if unsettled > 0 {
            return Ok(AccountStatusOutcome::Busy);
        }
        sql("UPDATE accounts SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(account_id)
            .execute(&mut tx)
            .await?;
        // The domains' other addresses (aliases, lists) deliver only while the account is open.
        sql("UPDATE mail_domains SET active = $1 WHERE domain IN (SELECT domain FROM exchanges WHERE account_id = $2)")
            .bind(active)
            .bind(account_id)
            .execute(&mut tx)
            .await?;
        sql("UPDATE mail_users SET active = $1, updated_at = $2 WHERE address IN
                 (SELECT m.username || '@' || e.domain FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id
                  WHERE e.account_id = $3 AND m.billing_status = $4)")
        .bind(active)
        .bind(now_ms)
        .bind(account_id)
        .bind(from.as_str())
        .execute(&mut tx)
        .await?;
        // The agent's mailboxes that this change moves; each gets a step.
        let movers = if c.agent_exchanges.is_empty() {
            Vec::new()
        } else {
            let ids: Vec<String> = c.agent_exchanges.iter().map(i64::to_string).collect();
            sql(format!(
                "SELECT exchange_id, username FROM mailboxes WHERE billing_status = $1 AND exchange_id IN ({})",
                ids.join(", ")
            ))
            .bind(from.as_str())
            .fetch_all(&mut tx)
            .await?
        };
        sql(concat!(
            "UPDATE mailboxes SET billing_status = $2, ",
            bump_updated_at!(),
            " WHERE billing_status = $3 AND exchange_id IN (SELECT id FROM exchanges WHERE account_id = $4)"
        ))
        .bind(now_ms)
        .bind(to.as_str())
        .bind(from.as_str())
        .bind(account_id)
        .execute(&mut tx)
        .await?;
        for mover in &movers {
            let order_id = crate::domain::OrderId::generate(now_ms);
            let username = mover.text("username")?;
            let rows = OrderRows {
                order_id: order_id.as_str(),
                account_id,
                owner_id: crate::domain::OwnerId::generate().stored_key(),
                kind: StepKind::AccountStatus,
                exchange_id: mover.int("exchange_id")?,
                username: &username,
                from_status: Some(to),
                now_ms,
            };
            insert_order(&mut tx, self.dialect, &rows).await?;
        }
        webhooks::account_event(
            &mut tx,
            crate::domain::webhook::EventKind::AccountStatusChanged,
            account_id,
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(AccountStatusOutcome::Changed)
    }

    /// Erases the mailbox's sealed password if it is still `sealed` (the one the agent took).
    pub async fn erase_sealed_password(
        &self,
        domain: &str,
        username: &str,
        sealed: &SealedPassword,
    ) -> StoreResult<()> {
        sql("UPDATE mailboxes SET password_sealed = NULL
             WHERE exchange_id = (SELECT id FROM exchanges WHERE domain = $1) AND username = $2 AND password_sealed = $3")
        .bind(domain)
        .bind(username)
        .bind(sealed.as_str())
        .execute(&self.db)
        .await?;
        Ok(())
    }
}
