//! The generic order flow (docs §3.1-3.2): orders made by `POST /orders`, the account they set
//! up (a draft account, `new`, until submit), its user, contacts and payment method, products
//! and services; the onboarding steps the worker runs; the accounts' payment methods.

use super::super::db::Row;
use super::*;
use crate::domain::PaymentMethod;

/// A fresh account number: `acct` and ten digits.
fn account_number() -> String {
    let n = u128::from_be_bytes(*uuid::Uuid::new_v4().as_bytes()) % 10_000_000_000;
    format!("acct{n:010}")
}

/// A draft account (`new`) in the franchise; its id.
async fn insert_draft(
    tx: &mut Tx,
    franchise_id: i64,
    (currency, language): (&str, &str),
    now_ms: i64,
) -> StoreResult<i64> {
    for _ in 0..8 {
        let row = sql(
            "INSERT INTO accounts (franchise_id, number, status, currency, language, created_at)
             VALUES ($1, $2, 'new', $3, $4, $5) ON CONFLICT (number) DO NOTHING RETURNING id",
        )
        .bind(franchise_id)
        .bind(account_number())
        .bind(currency)
        .bind(language)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            return row.int("id");
        }
    }
    Err(anyhow::anyhow!("no free account number after 8 tries").into())
}

/// Moves the open order's revision (its price may have changed); the order's status if it
/// is not open, `None` if it is.
async fn touch_open(tx: &mut Tx, order_id: &str, now_ms: i64) -> StoreResult<Option<OrderChange>> {
    let moved = sql(
        "UPDATE orders SET revision = revision + 1, updated_at = $1 WHERE id = $2 AND status = 'new'",
    )
    .bind(now_ms)
    .bind(order_id)
    .execute(&mut *tx)
    .await?;
    if moved == 1 {
        return Ok(None);
    }
    let row = sql("SELECT status FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(Some(match row {
        Some(r) => OrderChange::NotOpen(rows::status(&r, "status", OrderStatus::parse)?),
        None => OrderChange::NotFound,
    }))
}

fn order_account(r: &Row) -> StoreResult<OrderAccount> {
    Ok(OrderAccount {
        account_id: r.int("account_id")?,
        number: r.text("number")?,
        status: rows::status(r, "status", AccountStatus::parse)?,
        currency: r.text("currency")?,
        language: r.text("language")?,
        user_name: r.opt_text("user_name")?,
        contacts: r.opt_text("contacts")?,
        payment: r.opt_text("payment")?,
    })
}

pub(super) fn payment(raw: &str) -> StoreResult<PaymentMethod> {
    serde_json::from_str(raw).map_err(|e| anyhow::anyhow!("stored payment method: {e}").into())
}

impl Store {
    /// Opens a generic order with its account (a new draft, or one that exists).
    pub async fn create_generic_order(
        &self,
        o: &NewGenericOrder<'_>,
    ) -> StoreResult<GenericCreate> {
        let mut tx = self.write_tx().await?;
        let owner = o.owner_id.stored_key();
        if let Some(lock) = self.dialect.owner_lock() {
            sql(lock).bind(owner.as_str()).execute(&mut tx).await?;
        }
        let busy = sql("SELECT 1 AS busy FROM orders WHERE owner_id = $1 AND status = 'new'")
            .bind(owner.as_str())
            .fetch_optional(&mut tx)
            .await?;
        if busy.is_some() {
            return Ok(GenericCreate::OwnerBusy);
        }
        let account_id = match o.account {
            OrderAccountChoice::New { currency, language } => {
                insert_draft(&mut tx, o.franchise_id, (currency, language), o.now_ms).await?
            }
            OrderAccountChoice::Existing(id) => id,
        };
        sql("INSERT INTO orders (id, account_id, owner_id, status, client_ip, sequential, created_at, updated_at)
             VALUES ($1, $2, $3, 'new', $4, 1, $5, $5)")
        .bind(o.order_id.as_str())
        .bind(account_id)
        .bind(owner.as_str())
        .bind(o.client_ip)
        .bind(o.now_ms)
        .execute(&mut tx)
        .await?;
        sql("INSERT INTO order_accounts (order_id, updated_at) VALUES ($1, $2)")
            .bind(o.order_id.as_str())
            .bind(o.now_ms)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(GenericCreate::Created)
    }

    /// The account of a generic order with what the order sets up on it; `None` for an order
    /// of the mailbox shortcuts.
    pub async fn order_account(&self, order_id: &str) -> StoreResult<Option<OrderAccount>> {
        sql(
            "SELECT a.id AS account_id, a.number, a.status, a.currency, a.language,
                    x.user_name, x.contacts, x.payment
             FROM order_accounts x JOIN orders o ON o.id = x.order_id
             JOIN accounts a ON a.id = o.account_id WHERE x.order_id = $1",
        )
        .bind(order_id)
        .optional(&self.db, order_account)
        .await
    }

    /// Points an open generic order at a new draft account or an existing one; a draft it
    /// had is deleted (nothing else refers to a draft).
    pub async fn set_order_account(
        &self,
        order_id: &str,
        franchise_id: i64,
        choice: OrderAccountChoice<'_>,
        now_ms: i64,
    ) -> StoreResult<OrderChange> {
        let mut tx = self.write_tx().await?;
        if let Some(change) = touch_open(&mut tx, order_id, now_ms).await? {
            return Ok(change);
        }
        let current = sql(
            "SELECT a.id, a.status FROM orders o JOIN accounts a ON a.id = o.account_id WHERE o.id = $1",
        )
        .bind(order_id)
        .fetch_one(&mut tx)
        .await?;
        let (current_id, draft) = (current.int("id")?, current.text("status")? == "new");
        let next = match choice {
            OrderAccountChoice::New { currency, language } if draft => {
                sql("UPDATE accounts SET currency = $1, language = $2 WHERE id = $3")
                    .bind(currency)
                    .bind(language)
                    .bind(current_id)
                    .execute(&mut tx)
                    .await?;
                current_id
            }
            OrderAccountChoice::New { currency, language } => {
                insert_draft(&mut tx, franchise_id, (currency, language), now_ms).await?
            }
            OrderAccountChoice::Existing(id) => id,
        };
        if next != current_id {
            sql("UPDATE orders SET account_id = $1 WHERE id = $2")
                .bind(next)
                .bind(order_id)
                .execute(&mut tx)
                .await?;
            if draft {
                sql("DELETE FROM accounts WHERE id = $1 AND status = 'new'")
                    .bind(current_id)
                    .execute(&mut tx)
                    .await?;
            }
        }
        tx.commit().await?;
        self.order_changed(order_id).await;
        Ok(OrderChange::Changed)
    }

    /// Sets what the order sets up on its account: `columns` of `order_accounts` (the user's
    /// name and hash, the contacts, the payment method) and their values.
    async fn set_order_part(
        &self,
        order_id: &str,
        columns: &[(&'static str, &str)],
        now_ms: i64,
    ) -> StoreResult<OrderChange> {
        let mut tx = self.write_tx().await?;
        if let Some(change) = touch_open(&mut tx, order_id, now_ms).await? {
            return Ok(change);
        }
        let n = columns.len();
        let assignments: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (column, _))| format!("{column} = ${}", i + 1))
            .collect();
        let mut statement = sql(format!(
            "UPDATE order_accounts SET {}, updated_at = ${} WHERE order_id = ${}",
            assignments.join(", "),
            n + 1,
            n + 2
        ));
        for (_, value) in columns {
            statement = statement.bind(*value);
        }
        statement
            .bind(now_ms)
            .bind(order_id)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        self.order_changed(order_id).await;
        Ok(OrderChange::Changed)
    }

    pub async fn set_order_user(
        &self,
        order_id: &str,
        user: &OrderUser<'_>,
        now_ms: i64,
    ) -> StoreResult<OrderChange> {
        let columns = [
            ("user_name", user.name),
            ("password_hash", user.hash.as_str()),
        ];
        self.set_order_part(order_id, &columns, now_ms).await
    }

    pub async fn set_order_contacts(
        &self,
        order_id: &str,
        contacts_json: &str,
        now_ms: i64,
    ) -> StoreResult<OrderChange> {
        self.set_order_part(order_id, &[("contacts", contacts_json)], now_ms)
            .await
    }

    pub async fn set_order_payment(
        &self,
        order_id: &str,
        payment_json: &str,
        now_ms: i64,
    ) -> StoreResult<OrderChange> {
        self.set_order_part(order_id, &[("payment", payment_json)], now_ms)
            .await
    }

    /// Whether a login of the franchise has the name.
    pub async fn login_taken(&self, franchise_id: i64, login: &str) -> StoreResult<bool> {
        Ok(
            sql("SELECT 1 AS taken FROM api_users WHERE franchise_id = $1 AND login = $2")
                .bind(franchise_id)
                .bind(login)
                .fetch_optional(&self.db)
                .await?
                .is_some(),
        )
    }

    /// Whether the domain has Exchange anywhere (set up, or being set up by a submitted order).
    pub async fn domain_taken(&self, domain: &str) -> StoreResult<bool> {
        Ok(sql("SELECT 1 AS taken FROM exchanges WHERE domain = $1")
            .bind(domain)
            .fetch_optional(&self.db)
            .await?
            .is_some())
    }

    /// Adds a product (a catalog offering) to an open order: its id.
    pub async fn add_order_product(
        &self,
        order_id: &str,
        (plan, offering): (&str, &str),
        now_ms: i64,
    ) -> StoreResult<Result<i64, OrderChange>> {
        let mut tx = self.write_tx().await?;
        if let Some(change) = touch_open(&mut tx, order_id, now_ms).await? {
            return Ok(Err(change));
        }
        let id = sql(
            "INSERT INTO order_products (order_id, plan, offering, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(order_id)
        .bind(plan)
        .bind(offering)
        .bind(now_ms)
        .fetch_one(&mut tx)
        .await?
        .int("id")?;
        tx.commit().await?;
        self.order_changed(order_id).await;
        Ok(Ok(id))
    }

    pub async fn order_products(&self, order_id: &str) -> StoreResult<Vec<OrderProduct>> {
        sql("SELECT id, plan, offering FROM order_products WHERE order_id = $1 ORDER BY id")
            .bind(order_id)
            .all(&self.db, |r| {
                Ok(OrderProduct {
                    id: r.int("id")?,
                    plan: r.text("plan")?,
                    offering: r.text("offering")?,
                })
            })
            .await
    }

    /// Adds a service to a product of an open order: its id.
    pub async fn add_order_service(
        &self,
        s: &NewOrderService<'_>,
    ) -> StoreResult<Result<i64, OrderChange>> {
        let mut tx = self.write_tx().await?;
        if let Some(change) = touch_open(&mut tx, s.order_id, s.now_ms).await? {
            return Ok(Err(change));
        }
        let id = sql(
            "INSERT INTO order_services (order_id, product_id, spec, name, billing_cycle,
                     domain, related_to, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(s.order_id)
        .bind(s.product_id)
        .bind(s.spec)
        .bind(s.name)
        .bind(s.billing_cycle)
        .bind(s.domain)
        .bind(s.related_to)
        .bind(s.now_ms)
        .fetch_one(&mut tx)
        .await?
        .int("id")?;
        tx.commit().await?;
        self.order_changed(s.order_id).await;
        Ok(Ok(id))
    }

    pub async fn order_services(&self, order_id: &str) -> StoreResult<Vec<OrderService>> {
        sql(
            "SELECT id, product_id, spec, name, billing_cycle, domain, related_to
             FROM order_services WHERE order_id = $1 ORDER BY product_id, id",
        )
        .bind(order_id)
        .all(&self.db, |r| {
            Ok(OrderService {
                id: r.int("id")?,
                product_id: r.int("product_id")?,
                spec: r.text("spec")?,
                name: r.text("name")?,
                billing_cycle: r.int("billing_cycle")?,
                domain: r.opt_text("domain")?,
                related_to: r.text("related_to")?,
            })
        })
        .await
    }

    /// Changes a service's `name` and `billingCycle` (all the docs allow).
    pub async fn update_order_service(
        &self,
        order_id: &str,
        service_id: i64,
        (name, billing_cycle): (&str, i64),
        now_ms: i64,
    ) -> StoreResult<OrderChange> {
        let mut tx = self.write_tx().await?;
        if let Some(change) = touch_open(&mut tx, order_id, now_ms).await? {
            return Ok(change);
        }
        sql("UPDATE order_services SET name = $1, billing_cycle = $2 WHERE id = $3 AND order_id = $4")
            .bind(name)
            .bind(billing_cycle)
            .bind(service_id)
            .bind(order_id)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        self.order_changed(order_id).await;
        Ok(OrderChange::Changed)
    }

    /// The account's payment methods, oldest first.
    pub async fn payment_methods(&self, account_id: i64) -> StoreResult<Vec<PaymentRecord>> {
        sql("SELECT id, kind, card_type, masked, expiration, holder, billing_address, token, is_default
             FROM payment_methods WHERE account_id = $1 ORDER BY id")
        .bind(account_id)
        .all(&self.db, |r| {
            let address = match r.opt_text("billing_address")? {
                Some(raw) => Some(
                    serde_json::from_str(&raw)
                        .map_err(|e| anyhow::anyhow!("stored billing address: {e}"))?,
                ),
                None => None,
            };
            let card_type = match r.opt_text("card_type")? {
                Some(raw) => Some(
                    crate::domain::CardType::parse(&raw)
                        .map_err(|e| anyhow::anyhow!("stored card type: {e}"))?,
                ),
                None => None,
            };
            Ok(PaymentRecord {
                id: r.int("id")?,
                method: PaymentMethod {
                    payment_info_type: r.text("kind")?,
                    credit_card_type: card_type,
                    account_number: r.opt_text("masked")?,
                    expiration_date: r.opt_text("expiration")?,
                    card_holder_name: r.opt_text("holder")?,
                    billing_address: address,
                    token: r.text("token")?,
                },
                is_default: r.flag("is_default")?,
            })
        })
        .await
    }
}

/// In the submit's transaction: the account leaves `new`, the domains are taken (`pending`),
/// and the steps become the order's lines. `Err(domain)`: a domain has Exchange already.
pub(super) async fn submit_setup(
    tx: &mut Tx,
    order_id: &str,
    setup: &OrderSetup<'_>,
) -> StoreResult<Result<(), String>> {
    sql("UPDATE accounts SET status = 'pending' WHERE id = $1 AND status = 'new'")
        .bind(setup.account_id)
        .execute(&mut *tx)
        .await?;
    let mut exchange_ids = Vec::with_capacity(setup.domains.len());
    for d in setup.domains {
        let row = sql(
            "INSERT INTO exchanges (account_id, domain, version, plan, free_mailboxes, quota_mb,
                                    status, created_at, updated_at)
             VALUES ($1, $2, '2010', $3, $4, $5, 'pending', $6, $6)
             ON CONFLICT (domain) DO NOTHING RETURNING id",
        )
        .bind(setup.account_id)
        .bind(d.domain)
        .bind(d.plan)
        .bind(d.free_mailboxes)
        .bind(d.quota_mb)
        .bind(crate::now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        match row {
            Some(row) => exchange_ids.push((d.domain, row.int("id")?)),
            None => return Ok(Err(d.domain.to_owned())),
        }
    }
    let Some(&(_, first)) = exchange_ids.first() else {
        return Err(anyhow::anyhow!("a generic order without a domain reached submit").into());
    };
    for (kind, name) in setup.steps {
        let exchange_id = exchange_ids
            .iter()
            .find(|(d, _)| *kind == StepKind::CreateExchange && d == name)
            .map_or(first, |(_, id)| *id);
        sql(
            "INSERT INTO order_items (order_id, kind, exchange_id, username, status)
             VALUES ($1, $2, $3, $4, 'new')",
        )
        .bind(order_id)
        .bind(kind.as_str())
        .bind(exchange_id)
        .bind(name.as_str())
        .execute(&mut *tx)
        .await?;
    }
    Ok(Ok(()))
}

/// The `WHERE` that queues, at submit, every line of an order, or a sequential order's first.
pub(super) const FIRST_JOBS: &str = "(id = (SELECT min(id) FROM order_items WHERE order_id = $2)
     OR NOT EXISTS (SELECT 1 FROM orders WHERE id = $2 AND sequential = 1))";

/// After a step of a sequential order: done queues the next line (`true`: one was); failed
/// leaves the rest unrun (`Failed`), closes an account the order was opening and frees the
/// domains it was taking. Nothing for other orders.
pub(super) async fn after_step(
    tx: &mut Tx,
    job: &ClaimedJob,
    failed: bool,
    now_ms: i64,
) -> StoreResult<bool> {
    let order_id = job.order_id.as_str();
    let sequential = sql("SELECT sequential FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(&mut *tx)
        .await?
        .flag("sequential")?;
    if !sequential {
        return Ok(false);
    }
    if !failed {
        let queued = sql(
            "INSERT INTO jobs (item_id, state, run_at, created_at, updated_at)
             SELECT id, 'queued', $1, $1, $1 FROM order_items
             WHERE order_id = $2 AND id > $3
               AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.item_id = order_items.id)
             ORDER BY id LIMIT 1",
        )
        .bind(now_ms)
        .bind(order_id)
        .bind(job.item_id)
        .execute(&mut *tx)
        .await?;
        return Ok(queued == 1);
    }
    let unrun = OrderError {
        message: "Not run: an earlier step of the order failed".into(),
        code: 424,
    };
    sql("UPDATE order_items SET status = 'Failed', error = $1
         WHERE order_id = $2 AND id > $3 AND status = 'Processing'")
    .bind(serde_json::to_string(&unrun).context("cannot encode error")?)
    .bind(order_id)
    .bind(job.item_id)
    .execute(&mut *tx)
    .await?;
    // A new customer's order: the domains it was taking are renamed out of the way (their rows
    // stay, the order's lines refer to them), and the account it was opening is closed.
    sql("UPDATE exchanges SET deleted_domain = domain, domain = 'deleted-' || CAST(id AS TEXT) || '.invalid',
             status = 'deleted', updated_at = $2
         WHERE status = 'pending'
           AND id IN (SELECT exchange_id FROM order_items WHERE order_id = $1 AND kind = 'create_exchange')")
    .bind(order_id)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    sql(
        "UPDATE accounts SET status = 'closed' WHERE status IN ('pending', 'open')
             AND id = (SELECT account_id FROM orders WHERE id = $1)
             AND EXISTS (SELECT 1 FROM order_items WHERE order_id = $1 AND kind = 'open_account')",
    )
    .bind(order_id)
    .execute(&mut *tx)
    .await?;
    super::accounts::undo_deletion(tx, order_id, job.item_id).await?;
    Ok(false)
}
