//! The steps the store runs itself on an account's own records: a generic order's setup (the
//! account opens, its user, contacts and payment method, Exchange on its domains) and an
//! account deletion's last step. Each is idempotent, so a retry after a lost lease is safe.

use super::*;
use crate::domain::AccountContact;
use crate::domain::webhook::EventKind;

/// Where an account step ran, for the audit: franchise, account number, what it named.
pub type StepTarget = (i64, String, String);

impl Store {
    /// Runs an onboarding step: each is idempotent, so a retry after a lost lease is safe.
    /// `Err((message, code))`: it cannot succeed.
    pub async fn run_onboarding_step(
        &self,
        job: &ClaimedJob,
        now_ms: i64,
    ) -> StoreResult<Result<StepTarget, (String, u16)>> {
        let mut tx = self.write_tx().await?;
        let row = sql(
            "SELECT i.kind, i.exchange_id, i.username, a.id AS account_id, a.number, a.franchise_id,
                    x.user_name, x.password_hash, x.contacts, x.payment
             FROM order_items i JOIN orders o ON o.id = i.order_id
             JOIN accounts a ON a.id = o.account_id
             LEFT JOIN order_accounts x ON x.order_id = o.id WHERE i.id = $1",
        )
        .bind(job.item_id)
        .fetch_one(&mut tx)
        .await?;
        let account_id = row.int("account_id")?;
        let target = (
            row.int("franchise_id")?,
            row.text("number")?,
            row.text("username")?,
        );
        let outcome = match job.kind {
            StepKind::OpenAccount => {
                let opened =
                    sql("UPDATE accounts SET status = 'open' WHERE id = $1 AND status = 'pending'")
                        .bind(account_id)
                        .execute(&mut tx)
                        .await?;
                if opened == 1 {
                    webhooks::account_event(
                        &mut tx,
                        EventKind::AccountStatusChanged,
                        account_id,
                        now_ms,
                    )
                    .await?;
                }
                Ok(())
            }
            StepKind::CreateUser => {
                let Some(name) = row.opt_text("user_name")? else {
                    return Ok(Err(("The order has no user".into(), 400)));
                };
                let owner =
                    sql("SELECT account_id FROM api_users WHERE franchise_id = $1 AND login = $2")
                        .bind(target.0)
                        .bind(name.as_str())
                        .fetch_optional(&mut tx)
                        .await?
                        .map(|r| r.opt_int("account_id"))
                        .transpose()?;
                // The hash is cleared when the login is made: a retry after a lost lease
                // finds the login the account's and nothing to do.
                match (owner, row.opt_text("password_hash")?) {
                    (Some(Some(owner)), None) if owner == account_id => Ok(()),
                    (None, Some(hash)) => {
                        sql("INSERT INTO api_users (franchise_id, login, password_hash, role, account_id, created_at)
                             VALUES ($1, $2, $3, 'account', $4, $5)")
                        .bind(target.0)
                        .bind(name.as_str())
                        .bind(hash.as_str())
                        .bind(account_id)
                        .bind(now_ms)
                        .execute(&mut tx)
                        .await?;
                        sql("UPDATE order_accounts SET password_hash = NULL
                             WHERE order_id = (SELECT order_id FROM order_items WHERE id = $1)")
                        .bind(job.item_id)
                        .execute(&mut tx)
                        .await?;
                        Ok(())
                    }
                    _ => Err((format!("User name {name} is taken"), 409)),
                }
            }
            StepKind::SetContacts => {
                let raw = row.opt_text("contacts")?.unwrap_or_else(|| "{}".into());
                let contacts: std::collections::BTreeMap<String, AccountContact> =
                    serde_json::from_str(&raw)
                        .map_err(|e| anyhow::anyhow!("stored order contacts: {e}"))?;
                for (kind, contact) in &contacts {
                    let json = serde_json::to_string(contact)
                        .map_err(|e| anyhow::anyhow!("cannot encode a contact: {e}"))?;
                    sql("DELETE FROM account_contacts WHERE account_id = $1 AND kind = $2")
                        .bind(account_id)
                        .bind(kind.as_str())
                        .execute(&mut tx)
                        .await?;
                    sql(
                        "INSERT INTO account_contacts (account_id, kind, contact, updated_at)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(account_id)
                    .bind(kind.as_str())
                    .bind(json)
                    .bind(now_ms)
                    .execute(&mut tx)
                    .await?;
                }
                Ok(())
            }
            StepKind::AddPayment => {
                let Some(raw) = row.opt_text("payment")? else {
                    return Ok(Err(("The order has no payment method".into(), 400)));
                };
                let m = super::onboarding::payment(&raw)?;
                let address = match &m.billing_address {
                    Some(a) => Some(serde_json::to_string(a).context("cannot encode address")?),
                    None => None,
                };
                sql("INSERT INTO payment_methods (account_id, kind, card_type, masked, expiration, holder,
                         billing_address, token, is_default, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9) ON CONFLICT (token) DO NOTHING")
                .bind(account_id)
                .bind(m.payment_info_type.as_str())
                .bind(m.credit_card_type.map(crate::domain::CardType::as_str))
                .bind(m.account_number.as_deref())
                .bind(m.expiration_date.as_deref())
                .bind(m.card_holder_name.as_deref())
                .bind(address.as_deref())
                .bind(m.token.as_str())
                .bind(now_ms)
                .execute(&mut tx)
                .await?;
                sql(
                    "UPDATE payment_methods SET is_default = CASE WHEN token = $1 THEN 1 ELSE 0 END
                     WHERE account_id = $2",
                )
                .bind(m.token.as_str())
                .bind(account_id)
                .execute(&mut tx)
                .await?;
                Ok(())
            }
            StepKind::CreateExchange => {
                let exchange_id = row.int("exchange_id")?;
                sql("UPDATE exchanges SET status = 'open', updated_at = $1 WHERE id = $2")
                    .bind(now_ms)
                    .bind(exchange_id)
                    .execute(&mut tx)
                    .await?;
                sql("INSERT INTO mail_domains (domain) VALUES ($1) ON CONFLICT DO NOTHING")
                    .bind(target.2.as_str())
                    .execute(&mut tx)
                    .await?;
                Ok(())
            }
            StepKind::CloseAccount => {
                super::accounts::close_account(&mut tx, account_id, now_ms).await?;
                Ok(())
            }
            other => {
                return Err(anyhow::anyhow!("{} is not an account step", other.as_str()).into());
            }
        };
        match outcome {
            Ok(()) => {
                tx.commit().await?;
                Ok(Ok(target))
            }
            Err(e) => Ok(Err(e)),
        }
    }
}
