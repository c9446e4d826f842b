//! The store's part for mailbox add-ons (archiving, BlackBerry): ordering and removing them,
//! reading one, and what a finished add-on step does to the add-on and its mailbox's flag.

use super::*;

/// The mailbox's column that shows the add-on (0/1).
fn flag_column(add_on: AddOn) -> &'static str {
    match add_on {
        AddOn::Archiving => "archiving",
        AddOn::Blackberry => "blackberry",
    }
}

/// The `billing_status` of a mailbox, or (with `add_on`) of its add-on, read with its row
/// locked in the transaction (after the domain's row).
async fn locked_status(
    tx: &mut Tx,
    dialect: Dialect,
    (exchange_id, username): (i64, &str),
    add_on: Option<AddOn>,
) -> StoreResult<Option<BillingStatus>> {
    let (table, also) = match add_on {
        Some(_) => ("mailbox_addons", " AND addon = $3"),
        None => ("mailboxes", ""),
    };
    let mut stmt = sql(format!(
        "SELECT billing_status FROM {table} WHERE exchange_id = $1 AND username = $2{also}{}",
        dialect.row_lock()
    ))
    .bind(exchange_id)
    .bind(username);
    if let Some(a) = add_on {
        stmt = stmt.bind(a.as_str());
    }
    stmt.fetch_optional(tx)
        .await?
        .map(|row| rows::status(&row, "billing_status", BillingStatus::parse))
        .transpose()
}

/// What a finished add-on step does: an added one is `open` and its mailbox's flag 1; a failed
/// addition or a done removal deletes it (flag 0); a failed removal leaves it `open`.
pub(super) async fn finish_add_on_step(
    tx: &mut Tx,
    kind: StepKind,
    done: bool,
    (exchange_id, username): (i64, &str),
    order_id: &str,
    now_ms: i64,
) -> StoreResult<()> {
    let Some(add_on) = kind.add_on() else {
        return Ok(());
    };
    let adding = matches!(kind, StepKind::AddAddOn(_));
    // Only this order's row: a step of an order that no longer holds the add-on changes
    // nothing (and then leaves the mailbox's flag alone).
    let mine = "exchange_id = $1 AND username = $2 AND addon = $3 AND order_id = $4";
    let kept = adding == done;
    let statement = if kept {
        format!("UPDATE mailbox_addons SET billing_status = 'open', updated_at = $5 WHERE {mine}")
    } else {
        format!("DELETE FROM mailbox_addons WHERE {mine}")
    };
    let mut stmt = sql(statement)
        .bind(exchange_id)
        .bind(username)
        .bind(add_on.as_str())
        .bind(order_id);
    if kept {
        stmt = stmt.bind(now_ms);
    }
    let changed = stmt.execute(&mut *tx).await?;
    if changed != 1 {
        return Ok(());
    }
    sql(format!(
        "UPDATE mailboxes SET {} = $2, {} WHERE exchange_id = $3 AND username = $4",
        flag_column(add_on),
        bump_updated_at!()
    ))
    .bind(now_ms)
    .bind(kept)
    .bind(exchange_id)
    .bind(username)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Whether the mailbox has an add-on that is not settled (`new`, `pending`, `purge_pending`).
pub(super) async fn unsettled(tx: &mut Tx, exchange_id: i64, username: &str) -> StoreResult<bool> {
    let n = sql("SELECT count(*) AS n FROM mailbox_addons
         WHERE exchange_id = $1 AND username = $2 AND billing_status <> 'open'")
    .bind(exchange_id)
    .bind(username)
    .fetch_one(tx)
    .await?
    .int("n")?;
    Ok(n > 0)
}

/// A purged mailbox's add-ons go with it.
pub(super) async fn drop_add_ons_of(
    tx: &mut Tx,
    exchange_id: i64,
    username: &str,
) -> StoreResult<()> {
    sql("DELETE FROM mailbox_addons WHERE exchange_id = $1 AND username = $2")
        .bind(exchange_id)
        .bind(username)
        .execute(tx)
        .await?;
    Ok(())
}

impl Store {
    /// The add-on's status on the mailbox, if it has it (in any status, `new` included).
    pub async fn add_on(
        &self,
        exchange_id: i64,
        username: &str,
        add_on: AddOn,
    ) -> StoreResult<Option<BillingStatus>> {
        sql("SELECT billing_status FROM mailbox_addons WHERE exchange_id = $1 AND username = $2 AND addon = $3")
            .bind(exchange_id)
            .bind(username)
            .bind(add_on.as_str())
            .fetch_optional(&self.db)
            .await?
            .map(|row| rows::status(&row, "billing_status", BillingStatus::parse))
            .transpose()
    }

    /// Puts the add-on into an order, in one transaction with its row: a free one in an order
    /// submitted at once, a paid one as a line of the owner's open order.
    pub async fn add_on_order(&self, o: &AddOnOrder<'_>) -> StoreResult<AddOnOutcome> {
        let mut tx = self.write_tx().await?;
        let exchange_id = o.exchange.id;
        touch_exchange(&mut tx, exchange_id, o.now_ms).await?;
        if let Some(status) = account_not_open(&mut tx, exchange_id).await? {
            return Ok(AddOnOutcome::AccountNotOpen(status));
        }
        // Lock order: the domain (above), then the owner's open order, then the mailbox.
        let open = if o.free {
            None
        } else {
            let owner = (&o.owner_id, o.exchange.account_id);
            match orders::open_order_for(&mut tx, self.dialect, owner, o.order_id, o.now_ms).await?
            {
                Some(open) => Some(open),
                None => return Ok(AddOnOutcome::OwnerBusy),
            }
        };
        match locked_status(&mut tx, self.dialect, (exchange_id, o.username), None).await? {
            None => return Ok(AddOnOutcome::NotFound),
            Some(BillingStatus::Open) => {}
            Some(other) => return Ok(AddOnOutcome::MailboxNotOpen(other)),
        }
        let target = (exchange_id, o.username);
        if let Some(status) = locked_status(&mut tx, self.dialect, target, Some(o.add_on)).await? {
            return Ok(AddOnOutcome::Present(status));
        }
        let kind = StepKind::AddAddOn(o.add_on);
        let (order_id, status, outcome) = match open {
            None => {
                let rows = OrderRows {
                    order_id: o.order_id.as_str(),
                    account_id: o.exchange.account_id,
                    owner_id: o.owner_id.stored_key(),
                    kind,
                    exchange_id,
                    username: o.username,
                    from_status: None,
                    now_ms: o.now_ms,
                };
                insert_order(&mut tx, self.dialect, &rows).await?;
                let submitted = AddOnOutcome::Submitted;
                (o.order_id.clone(), BillingStatus::Pending, submitted)
            }
            Some(open) => {
                orders::insert_open_line(&mut tx, &open, kind, target, o.add_on.as_str()).await?;
                let waiting = AddOnOutcome::InOpenOrder(open.clone());
                (open, BillingStatus::New, waiting)
            }
        };
        sql(
            "INSERT INTO mailbox_addons (exchange_id, username, addon, billing_status, order_id,
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(exchange_id)
        .bind(o.username)
        .bind(o.add_on.as_str())
        .bind(status.as_str())
        .bind(order_id.as_str())
        .bind(o.now_ms)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        if let AddOnOutcome::InOpenOrder(open) = &outcome {
            self.order_changed(open.as_str()).await;
        }
        Ok(outcome)
    }

    /// Moves an `open` add-on to `purge_pending` and queues the order that removes it.
    pub async fn remove_add_on_order(&self, o: &AddOnOrder<'_>) -> StoreResult<AddOnOutcome> {
        let mut tx = self.write_tx().await?;
        let exchange_id = o.exchange.id;
        touch_exchange(&mut tx, exchange_id, o.now_ms).await?;
        match locked_status(&mut tx, self.dialect, (exchange_id, o.username), None).await? {
            None => return Ok(AddOnOutcome::NotFound),
            Some(BillingStatus::Open | BillingStatus::Suspended) => {}
            Some(other) => return Ok(AddOnOutcome::MailboxNotOpen(other)),
        }
        let target = (exchange_id, o.username);
        match locked_status(&mut tx, self.dialect, target, Some(o.add_on)).await? {
            None => return Ok(AddOnOutcome::NotFound),
            Some(BillingStatus::Open) => {}
            Some(other) => return Ok(AddOnOutcome::WrongState(other)),
        }
        sql("UPDATE mailbox_addons SET billing_status = 'purge_pending', order_id = $1, updated_at = $2
             WHERE exchange_id = $3 AND username = $4 AND addon = $5")
        .bind(o.order_id.as_str())
        .bind(o.now_ms)
        .bind(exchange_id)
        .bind(o.username)
        .bind(o.add_on.as_str())
        .execute(&mut tx)
        .await?;
        let rows = OrderRows {
            order_id: o.order_id.as_str(),
            account_id: o.exchange.account_id,
            owner_id: o.owner_id.stored_key(),
            kind: StepKind::RemoveAddOn(o.add_on),
            exchange_id,
            username: o.username,
            from_status: Some(BillingStatus::Open),
            now_ms: o.now_ms,
        };
        insert_order(&mut tx, self.dialect, &rows).await?;
        tx.commit().await?;
        Ok(AddOnOutcome::Submitted)
    }
}
