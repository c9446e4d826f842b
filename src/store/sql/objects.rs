//! The directory objects' SQL: e-mail aliases (with their `mail_aliases` rows, in the same
//! transaction) and global contacts; the domain's one namespace, checked after the domain's
//! row is touched, so creations in one domain take turns.

use super::super::db::Row;
use super::*;
use crate::domain::{Contact, EmailAddress, GlobalContact, NewAlias};

/// Whether `name` is a mailbox's, an alias's or a list's in the domain (checked inside the
/// transaction that touched the domain's row).
pub(super) async fn name_taken(tx: &mut Tx, exchange_id: i64, name: &str) -> StoreResult<bool> {
    let row = sql("SELECT (SELECT count(*) FROM mailboxes WHERE exchange_id = $1 AND username = $2)
                   + (SELECT count(*) FROM email_aliases WHERE exchange_id = $1 AND username = $2)
                   + (SELECT count(*) FROM mailing_lists WHERE exchange_id = $1 AND name = $2) AS n")
    .bind(exchange_id)
    .bind(name)
    .fetch_one(tx)
    .await?;
    Ok(row.int("n")? > 0)
}

/// Removes the aliases of a mailbox of the domain, with their directory rows (the mailbox is
/// being purged).
pub(super) async fn drop_aliases_of(
    tx: &mut Tx,
    carry: Carry<'_>,
    exchange_id: i64,
    domain: &str,
    mailbox: &str,
) -> StoreResult<()> {
    let names = sql("SELECT username FROM email_aliases WHERE exchange_id = $1 AND target = $2")
        .bind(exchange_id)
        .bind(mailbox)
        .fetch_all(&mut *tx)
        .await?;
    sql("DELETE FROM email_aliases WHERE exchange_id = $1 AND target = $2")
        .bind(exchange_id)
        .bind(mailbox)
        .execute(&mut *tx)
        .await?;
    for row in &names {
        let name = row.text("username")?;
        sql("DELETE FROM mail_aliases WHERE source = $1")
            .bind(format!("{name}@{domain}"))
            .execute(&mut *tx)
            .await?;
        carry_address(tx, carry, exchange_id, &name).await?;
        let tail = format!("emailAliases/{name}");
        webhooks::exchange_event(
            tx,
            EventKind::AliasDeleted,
            exchange_id,
            &tail,
            carry.now_ms,
        )
        .await?;
    }
    Ok(())
}

fn alias_record(r: &Row) -> StoreResult<AliasRecord> {
    Ok(AliasRecord {
        name: r.text("username")?,
        target: r.text("target")?,
        updated_ms: r.int("updated_at")?,
    })
}

fn contact_record(r: &Row) -> StoreResult<ContactRecord> {
    let target = r.text("target")?;
    let contact: Contact = serde_json::from_str(&r.text("contact")?)
        .map_err(|e| anyhow::anyhow!("stored contact of {target}: {e}"))?;
    Ok(ContactRecord {
        id: r.text("id")?,
        contact: GlobalContact {
            target: EmailAddress::parse(&target)
                .map_err(|p| anyhow::anyhow!("stored contact target {target:?}: {p}"))?,
            contact,
            notes: crate::domain::BoundedText::parse(&r.text("notes")?)
                .map_err(|p| anyhow::anyhow!("stored contact notes: {p}"))?,
        },
        updated_ms: r.int("updated_at")?,
    })
}

const ALIAS_COLUMNS: [(&str, &str); 2] = [("emailAlias", "username"), ("emailForward", "target")];
const CONTACT_COLUMNS: [(&str, &str); 2] = [("target", "target"), ("name", "name")];

impl Store {
    /// Creates an alias of a mailbox of the domain and its `mail_aliases` row, in one
    /// transaction that first touches the domain's row.
    pub async fn create_alias(
        &self,
        exchange_id: i64,
        domain: &str,
        alias: &NewAlias,
        now_ms: i64,
    ) -> StoreResult<CreateObjectOutcome> {
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, exchange_id, now_ms).await?;
        if let Some(status) = account_not_open(&mut tx, exchange_id).await? {
            return Ok(CreateObjectOutcome::AccountNotOpen(status));
        }
        if name_taken(&mut tx, exchange_id, alias.name.as_str()).await? {
            return Ok(CreateObjectOutcome::Taken);
        }
        // A mailbox that exists or is being provisioned (not a line of an open order, nor one
        // on its way out).
        let target = sql(
            "SELECT count(*) AS n FROM mailboxes WHERE exchange_id = $1 AND username = $2
             AND billing_status NOT IN ('new', 'placed', 'purge_pending')",
        )
        .bind(exchange_id)
        .bind(alias.target.as_str())
        .fetch_one(&mut tx)
        .await?
        .int("n")?;
        if target == 0 {
            return Ok(CreateObjectOutcome::NoTarget);
        }
        sql(
            "INSERT INTO email_aliases (exchange_id, username, target, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(exchange_id)
        .bind(alias.name.as_str())
        .bind(alias.target.as_str())
        .bind(now_ms)
        .execute(&mut tx)
        .await?;
        let source = format!("{}@{domain}", alias.name);
        let destination = format!("{}@{domain}", alias.target);
        put_aliases(&mut tx, &source, &[destination.as_str()]).await?;
        carry_address(
            &mut tx,
            self.carry(now_ms),
            exchange_id,
            alias.name.as_str(),
        )
        .await?;
        let tail = format!("emailAliases/{}", alias.name);
        webhooks::exchange_event(&mut tx, EventKind::AliasCreated, exchange_id, &tail, now_ms)
            .await?;
        tx.commit().await?;
        Ok(CreateObjectOutcome::Created)
    }

    pub async fn alias(&self, exchange_id: i64, name: &str) -> StoreResult<Option<AliasRecord>> {
        sql("SELECT username, target, updated_at FROM email_aliases WHERE exchange_id = $1 AND username = $2")
            .bind(exchange_id)
            .bind(name)
            .optional(&self.db, alias_record)
            .await
    }

    /// Deletes an alias and its directory row; `Gone` if there was none.
    pub async fn delete_alias(
        &self,
        exchange_id: i64,
        domain: &str,
        name: &str,
        now_ms: i64,
    ) -> StoreResult<ChangeObjectOutcome> {
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, exchange_id, now_ms).await?;
        let gone = sql("DELETE FROM email_aliases WHERE exchange_id = $1 AND username = $2")
            .bind(exchange_id)
            .bind(name)
            .execute(&mut tx)
            .await?;
        if gone == 0 {
            return Ok(ChangeObjectOutcome::Gone);
        }
        sql("DELETE FROM mail_aliases WHERE source = $1")
            .bind(format!("{name}@{domain}"))
            .execute(&mut tx)
            .await?;
        carry_address(&mut tx, self.carry(now_ms), exchange_id, name).await?;
        let tail = format!("emailAliases/{name}");
        webhooks::exchange_event(&mut tx, EventKind::AliasDeleted, exchange_id, &tail, now_ms)
            .await?;
        tx.commit().await?;
        Ok(ChangeObjectOutcome::Done)
    }

    pub async fn count_aliases(&self, exchange_id: i64, q: &ListQuery) -> StoreResult<u64> {
        let from = "FROM email_aliases WHERE exchange_id = $1";
        self.count_filtered(from, exchange_id, &ALIAS_COLUMNS, &q.filters)
            .await
    }

    pub async fn list_aliases(
        &self,
        exchange_id: i64,
        q: &ListQuery,
    ) -> StoreResult<Vec<AliasRecord>> {
        let select =
            "SELECT username, target, updated_at FROM email_aliases WHERE exchange_id = $1";
        let order = if q.sort_desc {
            "username DESC"
        } else {
            "username ASC"
        };
        self.page_filtered(
            (select, exchange_id),
            &ALIAS_COLUMNS,
            &q.filters,
            (order, q.page),
            alias_record,
        )
        .await
    }

    /// Adds a global contact; `Taken` if the domain has one with that target.
    pub async fn create_contact(
        &self,
        exchange_id: i64,
        id: &str,
        c: &GlobalContact,
        now_ms: i64,
    ) -> StoreResult<CreateObjectOutcome> {
        let contact = serde_json::to_string(&c.contact).context("cannot encode contact")?;
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, exchange_id, now_ms).await?;
        if let Some(status) = account_not_open(&mut tx, exchange_id).await? {
            return Ok(CreateObjectOutcome::AccountNotOpen(status));
        }
        let inserted = sql(
            "INSERT INTO global_contacts (id, exchange_id, target, name, contact, notes, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(id)
        .bind(exchange_id)
        .bind(c.target.as_str())
        .bind(c.contact.name.name.as_str())
        .bind(contact)
        .bind(c.notes.as_str())
        .bind(now_ms)
        .execute(&mut tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => return Ok(CreateObjectOutcome::Taken),
            other => other?,
        };
        let tail = format!("globalContacts/{id}");
        webhooks::exchange_event(
            &mut tx,
            EventKind::ContactCreated,
            exchange_id,
            &tail,
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(CreateObjectOutcome::Created)
    }

    pub async fn contact(&self, exchange_id: i64, id: &str) -> StoreResult<Option<ContactRecord>> {
        sql("SELECT id, target, contact, notes, updated_at FROM global_contacts WHERE exchange_id = $1 AND id = $2")
            .bind(exchange_id)
            .bind(id)
            .optional(&self.db, contact_record)
            .await
    }

    /// Writes a contact's new fields if it has not changed since `read_ms`.
    pub async fn update_contact(
        &self,
        exchange_id: i64,
        id: &str,
        c: &GlobalContact,
        read_ms: i64,
        now_ms: i64,
    ) -> StoreResult<ChangeObjectOutcome> {
        let contact = serde_json::to_string(&c.contact).context("cannot encode contact")?;
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, exchange_id, now_ms).await?;
        let updated = sql(concat!(
            "UPDATE global_contacts SET target = $2, contact = $3, notes = $4, name = $8, ",
            bump_updated_at!(),
            " WHERE exchange_id = $5 AND id = $6 AND updated_at = $7"
        ))
        .bind(now_ms)
        .bind(c.target.as_str())
        .bind(contact)
        .bind(c.notes.as_str())
        .bind(exchange_id)
        .bind(id)
        .bind(read_ms)
        .bind(c.contact.name.name.as_str())
        .execute(&mut tx)
        .await;
        match updated {
            Err(e) if is_unique_violation(&e) => return Ok(ChangeObjectOutcome::Taken),
            Ok(1) => {}
            Ok(_) => return Ok(ChangeObjectOutcome::Stale),
            Err(e) => return Err(e.into()),
        }
        // The lists it is in deliver to its new target.
        lists::sync_lists_of(&mut tx, self.carry(now_ms), "globalContact", id).await?;
        let tail = format!("globalContacts/{id}");
        webhooks::exchange_event(
            &mut tx,
            EventKind::ContactUpdated,
            exchange_id,
            &tail,
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(ChangeObjectOutcome::Done)
    }

    pub async fn delete_contact(
        &self,
        exchange_id: i64,
        id: &str,
        now_ms: i64,
    ) -> StoreResult<ChangeObjectOutcome> {
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, exchange_id, now_ms).await?;
        // Out of every list first, so they stop delivering to it.
        let carry = self.carry(now_ms);
        lists::drop_member_everywhere(&mut tx, carry, exchange_id, "globalContact", id).await?;
        let gone = sql("DELETE FROM global_contacts WHERE exchange_id = $1 AND id = $2")
            .bind(exchange_id)
            .bind(id)
            .execute(&mut tx)
            .await?;
        if gone == 1 {
            let tail = format!("globalContacts/{id}");
            webhooks::exchange_event(
                &mut tx,
                EventKind::ContactDeleted,
                exchange_id,
                &tail,
                now_ms,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(if gone == 0 {
            ChangeObjectOutcome::Gone
        } else {
            ChangeObjectOutcome::Done
        })
    }

    pub async fn count_contacts(&self, exchange_id: i64, q: &ListQuery) -> StoreResult<u64> {
        let from = "FROM global_contacts WHERE exchange_id = $1";
        self.count_filtered(from, exchange_id, &CONTACT_COLUMNS, &q.filters)
            .await
    }

    pub async fn list_contacts(
        &self,
        exchange_id: i64,
        q: &ListQuery,
    ) -> StoreResult<Vec<ContactRecord>> {
        let select = "SELECT id, target, contact, notes, updated_at FROM global_contacts
                      WHERE exchange_id = $1";
        let order = if q.sort_desc {
            "target DESC, id"
        } else {
            "target ASC, id"
        };
        self.page_filtered(
            (select, exchange_id),
            &CONTACT_COLUMNS,
            &q.filters,
            (order, q.page),
            contact_record,
        )
        .await
    }
}
