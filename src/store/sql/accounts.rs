//! The store's account resources (docs §6.3, §6.6): attributes (and the `partner_account_id`
//! that names an account under `/partnerAccounts`), and deleting an account through an order.

use super::*;

/// The attribute whose value names the account under `/partnerAccounts/{value}`.
pub const PARTNER_ID: &str = "partner_account_id";

/// The outcome of setting an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeOutcome {
    Created,
    Changed,
    /// `partner_account_id` of another account of the franchise has that value.
    PartnerIdTaken,
}

/// The outcome of `DELETE /accounts/{account}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// An order purges it (its mailboxes, lists, then the rest).
    Ordered,
    /// Nothing to purge: purged at once.
    Closed,
    /// Something of it is being provisioned or in an open order.
    Busy,
}

impl Store {
    /// The account's attributes, by name.
    pub async fn account_attributes(&self, account_id: i64) -> StoreResult<Vec<(String, String)>> {
        sql("SELECT name, value FROM account_attributes WHERE account_id = $1 ORDER BY name")
            .bind(account_id)
            .all(&self.db, |r| Ok((r.text("name")?, r.text("value")?)))
            .await
    }

    /// Sets an attribute; `create_only`: an existing one is left (`None`).
    pub async fn put_account_attribute(
        &self,
        (account_id, franchise_id): (i64, i64),
        (name, value): (&str, &str),
        create_only: bool,
        now_ms: i64,
    ) -> StoreResult<Option<AttributeOutcome>> {
        let mut tx = self.write_tx().await?;
        if name == PARTNER_ID {
            let taken = sql("SELECT account_id FROM account_attributes
                 WHERE franchise_id = $1 AND name = $2 AND value = $3 AND account_id <> $4")
            .bind(franchise_id)
            .bind(PARTNER_ID)
            .bind(value)
            .bind(account_id)
            .fetch_optional(&mut tx)
            .await?;
            if taken.is_some() {
                return Ok(Some(AttributeOutcome::PartnerIdTaken));
            }
        }
        let exists =
            sql("SELECT 1 AS found FROM account_attributes WHERE account_id = $1 AND name = $2")
                .bind(account_id)
                .bind(name)
                .fetch_optional(&mut tx)
                .await?
                .is_some();
        if exists && create_only {
            return Ok(None);
        }
        let written = sql("INSERT INTO account_attributes (account_id, franchise_id, name, value, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
        .bind(account_id)
        .bind(franchise_id)
        .bind(name)
        .bind(value)
        .bind(now_ms)
        .execute(&mut tx)
        .await;
        match written {
            // Another account took the partner id in between (the partial unique index).
            Err(e) if is_unique_violation(&e) => return Ok(Some(AttributeOutcome::PartnerIdTaken)),
            other => other?,
        };
        tx.commit().await?;
        Ok(Some(if exists {
            AttributeOutcome::Changed
        } else {
            AttributeOutcome::Created
        }))
    }

    /// Removes an attribute; `false` if it was not there.
    pub async fn delete_account_attribute(&self, account_id: i64, name: &str) -> StoreResult<bool> {
        Ok(
            sql("DELETE FROM account_attributes WHERE account_id = $1 AND name = $2")
                .bind(account_id)
                .bind(name)
                .execute(&self.db)
                .await?
                == 1,
        )
    }

    /// The number of the franchise's account whose `partner_account_id` is `partner_id`.
    pub async fn account_by_partner_id(
        &self,
        franchise_id: i64,
        partner_id: &str,
    ) -> StoreResult<Option<String>> {
        sql(
            "SELECT a.number FROM account_attributes x JOIN accounts a ON a.id = x.account_id
             WHERE x.franchise_id = $1 AND x.name = $2 AND x.value = $3",
        )
        .bind(franchise_id)
        .bind(PARTNER_ID)
        .bind(partner_id)
        .fetch_optional(&self.db)
        .await?
        .map(|r| r.text("number"))
        .transpose()
    }

    /// Deletes an account: an order (sequential) purges each of its mailboxes and lists, then
    /// purges it (its domains, logins, attributes and payment methods go). Its mailboxes stop
    /// logging in at once. Without a domain there is nothing to purge: it is purged at once.
    pub async fn delete_account(
        &self,
        account_id: i64,
        order: (&OrderId, &OwnerId),
        number: &str,
        now_ms: i64,
    ) -> StoreResult<DeleteOutcome> {
        let mut tx = self.write_tx().await?;
        // The domains first, in id order: the lock every mailbox change takes first.
        let domains = sql(format!(
            "SELECT id FROM exchanges WHERE account_id = $1 AND status = 'open' ORDER BY id{}",
            self.dialect.row_lock()
        ))
        .bind(account_id)
        .fetch_all(&mut tx)
        .await?
        .iter()
        .map(|r| r.int("id"))
        .collect::<StoreResult<Vec<i64>>>()?;
        let busy = sql(format!(
            "SELECT (SELECT count(*) FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id
                     WHERE e.account_id = $1 AND m.billing_status IN {0})
                  + (SELECT count(*) FROM mailing_lists l JOIN exchanges e ON e.id = l.exchange_id
                     WHERE e.account_id = $1 AND l.billing_status IN {0})
                  + (SELECT count(*) FROM orders WHERE account_id = $1 AND status IN ('new', 'Processing')) AS n",
            unsettled_statuses()
        ))
        .bind(account_id)
        .fetch_one(&mut tx)
        .await?
        .int("n")?;
        if busy > 0 {
            return Ok(DeleteOutcome::Busy);
        }
        let Some(&first) = domains.first() else {
            close_account(&mut tx, account_id, now_ms).await?;
            tx.commit().await?;
            return Ok(DeleteOutcome::Closed);
        };
        let (order_id, owner_id) = order;
        sql("INSERT INTO orders (id, account_id, owner_id, status, sequential, created_at, updated_at, submitted_at)
             VALUES ($1, $2, $3, 'Processing', 1, $4, $4, $4)")
        .bind(order_id.as_str())
        .bind(account_id)
        .bind(owner_id.stored_key())
        .bind(now_ms)
        .execute(&mut tx)
        .await?;
        // Every mailbox, then every list, then the account.
        let mailboxes = sql("SELECT m.exchange_id, m.username, m.billing_status FROM mailboxes m
             JOIN exchanges e ON e.id = m.exchange_id WHERE e.account_id = $1 ORDER BY m.exchange_id, m.username")
        .bind(account_id)
        .fetch_all(&mut tx)
        .await?;
        for m in &mailboxes {
            let (exchange_id, username) = (m.int("exchange_id")?, m.text("username")?);
            insert_step(
                &mut tx,
                order_id,
                StepKind::Purge,
                (exchange_id, &username),
                Some(&m.text("billing_status")?),
            )
            .await?;
        }
        sql(
            "UPDATE mailboxes SET billing_status = 'purge_pending', updated_at = $1
             WHERE exchange_id IN (SELECT id FROM exchanges WHERE account_id = $2)",
        )
        .bind(now_ms)
        .bind(account_id)
        .execute(&mut tx)
        .await?;
        sql("UPDATE mail_users SET active = 0, updated_at = $1 WHERE address IN
                 (SELECT m.username || '@' || e.domain FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id
                  WHERE e.account_id = $2)")
        .bind(now_ms)
        .bind(account_id)
        .execute(&mut tx)
        .await?;
        let lists = sql("SELECT l.exchange_id, l.name, l.billing_status FROM mailing_lists l
             JOIN exchanges e ON e.id = l.exchange_id WHERE e.account_id = $1 ORDER BY l.exchange_id, l.name")
        .bind(account_id)
        .fetch_all(&mut tx)
        .await?;
        for l in &lists {
            let (exchange_id, name) = (l.int("exchange_id")?, l.text("name")?);
            insert_step(
                &mut tx,
                order_id,
                StepKind::DeleteList,
                (exchange_id, &name),
                Some(&l.text("billing_status")?),
            )
            .await?;
        }
        sql("UPDATE mailing_lists SET billing_status = 'purge_pending'
             WHERE exchange_id IN (SELECT id FROM exchanges WHERE account_id = $1)")
        .bind(account_id)
        .execute(&mut tx)
        .await?;
        // The account is out of service while it is deleted (no new mailbox, order or login);
        // its status before is kept with the last step, to come back to if a step fails.
        let before = sql("SELECT status FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&mut tx)
            .await?
            .text("status")?;
        let last = (first, number);
        insert_step(
            &mut tx,
            order_id,
            StepKind::CloseAccount,
            last,
            Some(&before),
        )
        .await?;
        sql("UPDATE accounts SET status = 'suspended' WHERE id = $1")
            .bind(account_id)
            .execute(&mut tx)
            .await?;
        sql("UPDATE mail_domains SET active = 0
             WHERE domain IN (SELECT domain FROM exchanges WHERE account_id = $1)")
        .bind(account_id)
        .execute(&mut tx)
        .await?;
        sql(format!(
            "INSERT INTO jobs (item_id, state, run_at, created_at, updated_at)
             SELECT id, 'queued', $1, $1, $1 FROM order_items WHERE order_id = $2 AND {}
             ORDER BY id",
            super::onboarding::FIRST_JOBS
        ))
        .bind(now_ms)
        .bind(order_id.as_str())
        .execute(&mut tx)
        .await?;
        webhooks::order_event(
            &mut tx,
            EventKind::OrderStatusChanged,
            order_id.as_str(),
            now_ms,
        )
        .await?;
        notify_work(&mut tx, self.dialect).await?;
        tx.commit().await?;
        Ok(DeleteOutcome::Ordered)
    }
}

async fn insert_step(
    tx: &mut Tx,
    order_id: &OrderId,
    kind: StepKind,
    (exchange_id, name): (i64, &str),
    from_status: Option<&str>,
) -> StoreResult<()> {
    sql(
        "INSERT INTO order_items (order_id, kind, exchange_id, username, status, from_status)
         VALUES ($1, $2, $3, $4, 'Processing', $5)",
    )
    .bind(order_id.as_str())
    .bind(kind.as_str())
    .bind(exchange_id)
    .bind(name)
    .bind(from_status)
    .execute(tx)
    .await?;
    Ok(())
}

/// An account's end: its domains are renamed out of the way (`deleted-<id>.invalid`; orders
/// still refer to their rows) with their directory rows and objects, its logins, attributes,
/// payment methods and contacts are deleted, and it is `purged` (found no more).
pub(super) async fn close_account(tx: &mut Tx, account_id: i64, now_ms: i64) -> StoreResult<()> {
    let of_account = "(SELECT id FROM exchanges WHERE account_id = $1)";
    for statement in [
        format!("DELETE FROM list_members WHERE list_id IN (SELECT id FROM mailing_lists WHERE exchange_id IN {of_account})"),
        format!("DELETE FROM mailing_lists WHERE exchange_id IN {of_account}"),
        format!("DELETE FROM email_aliases WHERE exchange_id IN {of_account}"),
        format!("DELETE FROM global_contacts WHERE exchange_id IN {of_account}"),
        format!("DELETE FROM mailbox_addons WHERE exchange_id IN {of_account}"),
        "DELETE FROM mail_aliases WHERE EXISTS (SELECT 1 FROM exchanges e WHERE e.account_id = $1
             AND substr(mail_aliases.source, length(mail_aliases.source) - length(e.domain)) = '@' || e.domain)"
            .to_owned(),
        "DELETE FROM mail_domains WHERE domain IN (SELECT domain FROM exchanges WHERE account_id = $1)".to_owned(),
        "DELETE FROM mail_users WHERE domain IN (SELECT domain FROM exchanges WHERE account_id = $1)"
            .to_owned(),
        "DELETE FROM api_users WHERE account_id = $1".to_owned(),
        "DELETE FROM account_attributes WHERE account_id = $1".to_owned(),
        "DELETE FROM payment_methods WHERE account_id = $1".to_owned(),
        "DELETE FROM account_contacts WHERE account_id = $1".to_owned(),
    ] {
        sql(statement).bind(account_id).execute(&mut *tx).await?;
    }
    sql("UPDATE exchanges SET deleted_domain = domain, domain = 'deleted-' || CAST(id AS TEXT) || '.invalid',
             status = 'deleted', updated_at = $2
         WHERE account_id = $1 AND status <> 'deleted'")
    .bind(account_id)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    let closed = sql("UPDATE accounts SET status = 'purged' WHERE id = $1 AND status <> 'purged'")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    if closed == 1 {
        webhooks::account_event(tx, EventKind::AccountStatusChanged, account_id, now_ms).await?;
    }
    Ok(())
}

/// A deletion order whose step `failed_item` failed: what it had not purged yet comes back to
/// the status it had, and so does the account (its mailboxes log in again if it is open).
pub(super) async fn undo_deletion(
    tx: &mut Tx,
    order_id: &str,
    failed_item: i64,
) -> StoreResult<()> {
    let before = sql("SELECT from_status FROM order_items
         WHERE order_id = $1 AND kind = 'close_account' AND id > $2")
    .bind(order_id)
    .bind(failed_item)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(before) = before else {
        return Ok(());
    };
    let before = before
        .opt_text("from_status")?
        .unwrap_or_else(|| "open".to_owned());
    for (table, kind, name) in [
        ("mailboxes", "purge_mailbox", "username"),
        ("mailing_lists", "delete_list", "name"),
    ] {
        let item = format!(
            "FROM order_items i WHERE i.order_id = $1 AND i.kind = '{kind}' AND i.id > $2
               AND i.exchange_id = {table}.exchange_id AND i.username = {table}.{name}"
        );
        sql(format!(
            "UPDATE {table} SET billing_status = (SELECT i.from_status {item})
             WHERE billing_status = 'purge_pending' AND EXISTS (SELECT 1 {item})"
        ))
        .bind(order_id)
        .bind(failed_item)
        .execute(&mut *tx)
        .await?;
    }
    let account = "(SELECT account_id FROM orders WHERE id = $1)";
    sql(format!(
        "UPDATE accounts SET status = $2 WHERE id = {account}"
    ))
    .bind(order_id)
    .bind(before.as_str())
    .execute(&mut *tx)
    .await?;
    let active = i64::from(before == "open");
    sql(format!(
        "UPDATE mail_domains SET active = $2
         WHERE domain IN (SELECT domain FROM exchanges WHERE account_id = {account})"
    ))
    .bind(order_id)
    .bind(active)
    .execute(&mut *tx)
    .await?;
    sql(format!(
        "UPDATE mail_users SET active = $2 WHERE address IN
             (SELECT m.username || '@' || e.domain FROM mailboxes m JOIN exchanges e ON e.id = m.exchange_id
              WHERE e.account_id = {account} AND m.billing_status = 'open')"
    ))
    .bind(order_id)
    .bind(active)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
