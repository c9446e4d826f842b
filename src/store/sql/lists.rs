//! Mailing lists and their members (docs §2.10–2.11): lists are created and deleted through
//! orders (the worker completes them); members change at once. While a list is open its
//! `mail_aliases` rows (the list's address → every member's address) follow its members, in the
//! transaction that changes them.

use super::super::db::Row;
use super::*;

fn list_record(r: &Row) -> StoreResult<ListRecord> {
    Ok(ListRecord {
        id: r.int("id")?,
        name: r.text("name")?,
        owner: r.text("owner")?,
        description: r.text("description")?,
        billing_status: rows::status(r, "billing_status", BillingStatus::parse)?,
        updated_ms: r.int("updated_at")?,
    })
}

fn member_record(r: &Row) -> StoreResult<MemberRecord> {
    Ok(MemberRecord {
        kind: r.text("kind")?,
        member: r.text("member")?,
        name: r.text("name")?,
    })
}

const LIST_SELECT: &str =
    "SELECT id, name, owner, description, billing_status, updated_at FROM mailing_lists";
const LIST_COLUMNS: [(&str, &str); 2] = [("name", "name"), ("billingStatus", "billing_status")];
const MEMBER_COLUMNS: [(&str, &str); 3] =
    [("name", "name"), ("username", "member"), ("type", "kind")];

/// Rewrites an open list's `mail_aliases` rows from its members: each mailbox's address and
/// each contact's target. A list that is not open has none.
pub(super) async fn sync_list(tx: &mut Tx, carry: Carry<'_>, list_id: i64) -> StoreResult<()> {
    let row = sql(
        "SELECT l.name, l.exchange_id, l.billing_status, e.domain FROM mailing_lists l
         JOIN exchanges e ON e.id = l.exchange_id WHERE l.id = $1",
    )
    .bind(list_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let domain = row.text("domain")?;
    let name = row.text("name")?;
    let address = format!("{name}@{domain}");
    let open = row.text("billing_status")? == "open";
    let destinations: Vec<String> = if open {
        sql(
            "SELECT lm.member || '@' || $2 AS destination FROM list_members lm
             WHERE lm.list_id = $1 AND lm.kind = 'mailbox'
             UNION SELECT c.target FROM list_members lm JOIN global_contacts c ON c.id = lm.member
             WHERE lm.list_id = $1 AND lm.kind = 'globalContact'",
        )
        .bind(list_id)
        .bind(domain.as_str())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.text("destination"))
        .collect::<StoreResult<_>>()?
    } else {
        Vec::new()
    };
    let destinations: Vec<&str> = destinations.iter().map(String::as_str).collect();
    put_aliases(tx, &address, &destinations).await?;
    // Only an open list's routing reaches the agent: a pending one is carried once its
    // `create_list` step has run, a deleted one goes with `delete_list`.
    if open {
        carry_address(tx, carry, row.int("exchange_id")?, &name).await?;
    }
    Ok(())
}

/// Removes a mailbox (`mailbox`, by username) or a contact (`globalContact`, by id) from
/// every list of the domain, and rewrites those lists' rows (it is going away).
pub(super) async fn drop_member_everywhere(
    tx: &mut Tx,
    carry: Carry<'_>,
    exchange_id: i64,
    kind: &str,
    member: &str,
) -> StoreResult<()> {
    let lists = sql(
        "SELECT lm.list_id FROM list_members lm JOIN mailing_lists l ON l.id = lm.list_id
                     WHERE l.exchange_id = $1 AND lm.kind = $2 AND lm.member = $3",
    )
    .bind(exchange_id)
    .bind(kind)
    .bind(member)
    .fetch_all(&mut *tx)
    .await?;
    for row in &lists {
        let list_id = row.int("list_id")?;
        sql("DELETE FROM list_members WHERE list_id = $1 AND kind = $2 AND member = $3")
            .bind(list_id)
            .bind(kind)
            .bind(member)
            .execute(&mut *tx)
            .await?;
        sync_list(tx, carry, list_id).await?;
        webhooks::list_event(tx, EventKind::ListUpdated, list_id, carry.now_ms).await?;
    }
    Ok(())
}

/// Rewrites the lists a contact is in (its target changed).
pub(super) async fn sync_lists_of(
    tx: &mut Tx,
    carry: Carry<'_>,
    kind: &str,
    member: &str,
) -> StoreResult<()> {
    let lists = sql("SELECT list_id FROM list_members WHERE kind = $1 AND member = $2")
        .bind(kind)
        .bind(member)
        .fetch_all(&mut *tx)
        .await?;
    for row in &lists {
        sync_list(tx, carry, row.int("list_id")?).await?;
    }
    Ok(())
}

/// What a finished list step does to its list: created → open (and delivering); deleted →
/// gone with its members and rows; a failed creation frees the name; a failed deletion
/// returns the list to `from`.
pub(super) async fn finish_list_step(
    tx: &mut Tx,
    kind: StepKind,
    done: bool,
    from: Option<BillingStatus>,
    (exchange_id, name): (i64, &str),
    carry: Carry<'_>,
) -> StoreResult<()> {
    let now_ms = carry.now_ms;
    let list = sql("SELECT id FROM mailing_lists WHERE exchange_id = $1 AND name = $2")
        .bind(exchange_id)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(list) = list else {
        return Ok(());
    };
    let id = list.int("id")?;
    let set = |status: BillingStatus| {
        sql(concat!(
            "UPDATE mailing_lists SET billing_status = $2, ",
            bump_updated_at!(),
            " WHERE id = $3"
        ))
        .bind(now_ms)
        .bind(status.as_str())
        .bind(id)
    };
    match (kind, done) {
        (StepKind::CreateList, true) => {
            set(BillingStatus::Open).execute(&mut *tx).await?;
            sync_list(tx, carry, id).await?;
        }
        (StepKind::DeleteList, true) | (StepKind::CreateList, false) => {
            sql("UPDATE mailing_lists SET billing_status = 'purge_pending' WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sync_list(tx, carry, id).await?;
            sql("DELETE FROM list_members WHERE list_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sql("DELETE FROM mailing_lists WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        (_, false) => {
            set(from.unwrap_or(BillingStatus::Open))
                .execute(&mut *tx)
                .await?;
            sync_list(tx, carry, id).await?;
        }
        _ => {}
    }
    Ok(())
}

impl Store {
    /// What a list step's worker needs: the list's address and whose it is.
    pub async fn list_task(&self, job: &ClaimedJob) -> StoreResult<Option<ListTask>> {
        sql(
            "SELECT i.id AS item_id, i.order_id, i.username, e.domain, e.plan, f.name AS franchise,
                    a.franchise_id, a.number AS account_number
             FROM order_items i JOIN exchanges e ON e.id = i.exchange_id
             JOIN accounts a ON a.id = e.account_id JOIN franchises f ON f.id = a.franchise_id
             JOIN mailing_lists l ON l.exchange_id = i.exchange_id AND l.name = i.username
             WHERE i.id = $1",
        )
        .bind(job.item_id)
        .optional(&self.db, |r| {
            Ok(ListTask {
                address: format!("{}@{}", r.text("username")?, r.text("domain")?),
                step_key: format!("{}.{}", r.text("order_id")?, r.int("item_id")?),
                franchise: r.text("franchise")?,
                plan: r.text("plan")?,
                franchise_id: r.int("franchise_id")?,
                account_number: r.text("account_number")?,
            })
        })
        .await
    }

    /// What a `sync_address` step sends: the address's rows in the mail directory now, and
    /// whether its name is an alias's or a list's.
    pub async fn address_task(&self, job: &ClaimedJob) -> StoreResult<Option<AddressTask>> {
        let found = sql(
            "SELECT i.id AS item_id, i.order_id, i.username, e.domain, e.plan, f.name AS franchise,
                    a.franchise_id, a.number AS account_number, o.created_at,
                    (SELECT count(*) FROM email_aliases x WHERE x.exchange_id = i.exchange_id
                        AND x.username = i.username) AS aliases,
                    (SELECT count(*) FROM mailing_lists l WHERE l.exchange_id = i.exchange_id
                        AND l.name = i.username) AS lists
             FROM order_items i JOIN orders o ON o.id = i.order_id
             JOIN exchanges e ON e.id = i.exchange_id
             JOIN accounts a ON a.id = e.account_id JOIN franchises f ON f.id = a.franchise_id
             WHERE i.id = $1",
        )
        .bind(job.item_id)
        .fetch_optional(&self.db)
        .await?;
        let Some(r) = found else {
            return Ok(None);
        };
        let address = format!("{}@{}", r.text("username")?, r.text("domain")?);
        // Sorted here, by bytes: the back ends' collations differ.
        let mut destinations = sql("SELECT destination FROM mail_aliases WHERE source = $1")
            .bind(address.as_str())
            .fetch_all(&self.db)
            .await?
            .iter()
            .map(|row| row.text("destination"))
            .collect::<StoreResult<Vec<_>>>()?;
        destinations.sort_unstable();
        let kind = if r.int("aliases")? > 0 {
            Some("alias")
        } else if r.int("lists")? > 0 {
            Some("mailingList")
        } else {
            None
        };
        Ok(Some(AddressTask {
            address,
            kind,
            destinations,
            franchise: r.text("franchise")?,
            plan: r.text("plan")?,
            franchise_id: r.int("franchise_id")?,
            account_number: r.text("account_number")?,
            step_key: format!("{}.{}", r.text("order_id")?, r.int("item_id")?),
            revision: r.int("created_at")?,
        }))
    }

    /// Reserves the list's name (`pending`) and queues the order that creates it.
    pub async fn create_list_order(&self, o: &NewListOrder<'_>) -> StoreResult<ListOrderOutcome> {
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, o.exchange_id, o.now_ms).await?;
        if let Some(status) = account_not_open(&mut tx, o.exchange_id).await? {
            return Ok(ListOrderOutcome::AccountNotOpen(status));
        }
        if objects::name_taken(&mut tx, o.exchange_id, o.name).await? {
            return Ok(ListOrderOutcome::Taken);
        }
        let owner = sql(
            "SELECT count(*) AS n FROM mailboxes WHERE exchange_id = $1 AND username = $2
                         AND billing_status IN ('open', 'pending')",
        )
        .bind(o.exchange_id)
        .bind(o.owner)
        .fetch_one(&mut tx)
        .await?
        .int("n")?;
        if owner == 0 {
            return Ok(ListOrderOutcome::NoOwner);
        }
        sql(
            "INSERT INTO mailing_lists (exchange_id, name, owner, description, billing_status,
                 order_id, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $6)",
        )
        .bind(o.exchange_id)
        .bind(o.name)
        .bind(o.owner)
        .bind(o.description)
        .bind(o.order_id.as_str())
        .bind(o.now_ms)
        .execute(&mut tx)
        .await?;
        let rows = OrderRows {
            order_id: o.order_id.as_str(),
            account_id: o.account_id,
            owner_id: o.owner_id.stored_key(),
            kind: StepKind::CreateList,
            exchange_id: o.exchange_id,
            username: o.name,
            from_status: None,
            now_ms: o.now_ms,
        };
        insert_order(&mut tx, self.dialect, &rows).await?;
        tx.commit().await?;
        Ok(ListOrderOutcome::Created)
    }

    /// Moves an open list to `purge_pending` (its address stops delivering) and queues the
    /// order that deletes it.
    pub async fn delete_list_order(&self, o: &NewListOrder<'_>) -> StoreResult<ListOrderOutcome> {
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, o.exchange_id, o.now_ms).await?;
        let list = sql(format!(
            "SELECT id, billing_status FROM mailing_lists WHERE exchange_id = $1 AND name = $2{}",
            self.dialect.row_lock()
        ))
        .bind(o.exchange_id)
        .bind(o.name)
        .fetch_optional(&mut tx)
        .await?;
        let Some(list) = list else {
            return Ok(ListOrderOutcome::Gone);
        };
        if list.text("billing_status")? != "open" {
            return Ok(ListOrderOutcome::Busy);
        }
        let id = list.int("id")?;
        sql("UPDATE mailing_lists SET billing_status = 'purge_pending' WHERE id = $1")
            .bind(id)
            .execute(&mut tx)
            .await?;
        sync_list(&mut tx, self.carry(o.now_ms), id).await?;
        let rows = OrderRows {
            order_id: o.order_id.as_str(),
            account_id: o.account_id,
            owner_id: o.owner_id.stored_key(),
            kind: StepKind::DeleteList,
            exchange_id: o.exchange_id,
            username: o.name,
            from_status: Some(BillingStatus::Open),
            now_ms: o.now_ms,
        };
        insert_order(&mut tx, self.dialect, &rows).await?;
        tx.commit().await?;
        Ok(ListOrderOutcome::Created)
    }

    pub async fn mailing_list(
        &self,
        exchange_id: i64,
        name: &str,
    ) -> StoreResult<Option<ListRecord>> {
        sql(format!(
            "{LIST_SELECT} WHERE exchange_id = $1 AND name = $2"
        ))
        .bind(exchange_id)
        .bind(name)
        .optional(&self.db, list_record)
        .await
    }

    /// Sets a list's description if the list has not changed since `read_ms`; `false` if it
    /// has (or is gone).
    pub async fn describe_list(
        &self,
        list_id: i64,
        description: &str,
        read_ms: i64,
        now_ms: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let changed = sql(concat!(
            "UPDATE mailing_lists SET description = $2, ",
            bump_updated_at!(),
            " WHERE id = $3 AND updated_at = $4"
        ))
        .bind(now_ms)
        .bind(description)
        .bind(list_id)
        .bind(read_ms)
        .execute(&mut tx)
        .await?;
        if changed == 1 {
            webhooks::list_event(&mut tx, EventKind::ListUpdated, list_id, now_ms).await?;
        }
        tx.commit().await?;
        Ok(changed == 1)
    }

    /// The domain's lists (not those being deleted) matching `q`.
    pub async fn count_lists(&self, exchange_id: i64, q: &ListQuery) -> StoreResult<u64> {
        let from =
            "FROM mailing_lists WHERE exchange_id = $1 AND billing_status <> 'purge_pending'";
        self.count_filtered(from, exchange_id, &LIST_COLUMNS, &q.filters)
            .await
    }

    pub async fn list_lists(
        &self,
        exchange_id: i64,
        q: &ListQuery,
    ) -> StoreResult<Vec<ListRecord>> {
        let select =
            format!("{LIST_SELECT} WHERE exchange_id = $1 AND billing_status <> 'purge_pending'");
        let order = if q.sort_desc { "name DESC" } else { "name ASC" };
        self.page_filtered(
            (&select, exchange_id),
            &LIST_COLUMNS,
            &q.filters,
            (order, q.page),
            list_record,
        )
        .await
    }

    /// Adds a mailbox (by username) or a contact (by id) of the domain to a list.
    pub async fn add_member(
        &self,
        exchange_id: i64,
        list_id: i64,
        member: &str,
        now_ms: i64,
    ) -> StoreResult<AddMemberOutcome> {
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, exchange_id, now_ms).await?;
        let kind = sql("SELECT
                (SELECT count(*) FROM mailboxes WHERE exchange_id = $1 AND username = $2
                 AND billing_status IN ('open', 'pending', 'suspended', 'closed')) AS mailboxes,
                (SELECT count(*) FROM global_contacts WHERE exchange_id = $1 AND id = $2) AS contacts")
        .bind(exchange_id)
        .bind(member)
        .fetch_one(&mut tx)
        .await?;
        let kind = if kind.int("mailboxes")? > 0 {
            "mailbox"
        } else if kind.int("contacts")? > 0 {
            "globalContact"
        } else {
            return Ok(AddMemberOutcome::Unknown);
        };
        let inserted = sql(
            "INSERT INTO list_members (list_id, kind, member, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(list_id)
        .bind(kind)
        .bind(member)
        .bind(now_ms)
        .execute(&mut tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => return Ok(AddMemberOutcome::Already),
            other => other?,
        };
        sync_list(&mut tx, self.carry(now_ms), list_id).await?;
        webhooks::list_event(&mut tx, EventKind::ListUpdated, list_id, now_ms).await?;
        tx.commit().await?;
        Ok(AddMemberOutcome::Added)
    }

    /// Removes a member; `false` if it was not one.
    pub async fn remove_member(
        &self,
        exchange_id: i64,
        list_id: i64,
        member: &str,
        now_ms: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        touch_exchange(&mut tx, exchange_id, now_ms).await?;
        let gone = sql("DELETE FROM list_members WHERE list_id = $1 AND member = $2")
            .bind(list_id)
            .bind(member)
            .execute(&mut tx)
            .await?;
        if gone == 0 {
            return Ok(false);
        }
        sync_list(&mut tx, self.carry(now_ms), list_id).await?;
        webhooks::list_event(&mut tx, EventKind::ListUpdated, list_id, now_ms).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The members of a list (`members`) or the domain's mailboxes and contacts that are not
    /// (`!members`), as one union: kind, member, name.
    fn members_source(&self, members: bool) -> String {
        let name = self.dialect.mailbox_display_name();
        if members {
            format!(
                "SELECT 'mailbox' AS kind, m.username AS member, {name} AS name
                 FROM list_members lm JOIN mailboxes m ON m.exchange_id = $2 AND m.username = lm.member
                 WHERE lm.list_id = $1 AND lm.kind = 'mailbox'
                 UNION ALL
                 SELECT 'globalContact' AS kind, c.id AS member, c.name AS name
                 FROM list_members lm JOIN global_contacts c ON c.id = lm.member
                 WHERE lm.list_id = $1 AND lm.kind = 'globalContact'"
            )
        } else {
            format!(
                "SELECT 'mailbox' AS kind, m.username AS member, {name} AS name FROM mailboxes m
                 WHERE m.exchange_id = $2 AND m.billing_status IN ('open', 'pending', 'suspended', 'closed')
                 AND NOT EXISTS (SELECT 1 FROM list_members lm WHERE lm.list_id = $1
                                 AND lm.kind = 'mailbox' AND lm.member = m.username)
                 UNION ALL
                 SELECT 'globalContact' AS kind, c.id AS member, c.name AS name FROM global_contacts c
                 WHERE c.exchange_id = $2 AND NOT EXISTS (SELECT 1 FROM list_members lm
                       WHERE lm.list_id = $1 AND lm.kind = 'globalContact' AND lm.member = c.id)"
            )
        }
    }

    pub async fn count_members(
        &self,
        list: (i64, i64),
        members: bool,
        q: &ListQuery,
    ) -> StoreResult<u64> {
        let (filters, binds) = list_sql::like_filters(&q.filters, &MEMBER_COLUMNS, 2);
        let mut stmt = sql(format!(
            "SELECT count(*) AS n FROM ({}) x WHERE 1 = 1{filters}",
            self.members_source(members)
        ))
        .bind(list.0)
        .bind(list.1);
        for b in binds {
            stmt = stmt.bind(b);
        }
        Ok(u64::try_from(stmt.fetch_one(&self.db).await?.int("n")?).unwrap_or(0))
    }

    /// A page of members (or non-members) of the list `(list id, exchange id)`, sorted by
    /// `sort` (`name`, `username` or `type`; by username without one).
    pub async fn list_members(
        &self,
        list: (i64, i64),
        members: bool,
        q: &ListQuery,
        sort: Option<&str>,
    ) -> StoreResult<Vec<MemberRecord>> {
        let (filters, binds) = list_sql::like_filters(&q.filters, &MEMBER_COLUMNS, 2);
        let column = match sort {
            Some("name") => "name",
            Some("type") => "kind",
            _ => "member",
        };
        let order = if q.sort_desc { "DESC" } else { "ASC" };
        let n = binds.len();
        let mut stmt = sql(format!(
            "SELECT kind, member, name FROM ({}) x WHERE 1 = 1{filters}
             ORDER BY {column} {order}, kind, member LIMIT ${} OFFSET ${}",
            self.members_source(members),
            n + 3,
            n + 4
        ))
        .bind(list.0)
        .bind(list.1);
        for b in binds {
            stmt = stmt.bind(b);
        }
        stmt.bind(i64::try_from(q.page.limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(q.page.offset).unwrap_or(i64::MAX))
            .all(&self.db, member_record)
            .await
    }
}
