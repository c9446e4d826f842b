//! The store's administration (CLI and demo seed); all idempotent "put" operations.

use super::*;

impl Store {
    pub async fn put_franchise(&self, name: &str, sandbox: bool, now_ms: i64) -> StoreResult<i64> {
        sql(
            "INSERT INTO franchises (name, sandbox, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET sandbox = excluded.sandbox RETURNING id",
        )
        .bind(name)
        .bind(sandbox)
        .bind(now_ms)
        .fetch_one(&self.db)
        .await?
        .int("id")
    }

    /// Every (franchise, plan) pair some Exchange domain is on.
    pub async fn plans_in_use(&self) -> StoreResult<Vec<(String, String)>> {
        sql(
            "SELECT DISTINCT f.name, e.plan FROM exchanges e JOIN accounts a ON a.id = e.account_id
             JOIN franchises f ON f.id = a.franchise_id ORDER BY f.name, e.plan",
        )
        .fetch_all(&self.db)
        .await?
        .iter()
        .map(|r| Ok((r.text("name")?, r.text("plan")?)))
        .collect()
    }

    pub async fn franchise_id(&self, name: &str) -> StoreResult<Option<i64>> {
        sql("SELECT id FROM franchises WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.db)
            .await?
            .map(|r| r.int("id"))
            .transpose()
    }

    pub async fn put_account(&self, a: &NewAccount<'_>, now_ms: i64) -> StoreResult<i64> {
        let row = sql("INSERT INTO accounts (franchise_id, number, status, currency, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (number) DO UPDATE SET status = excluded.status, currency = excluded.currency
             WHERE accounts.franchise_id = excluded.franchise_id
             RETURNING id")
        .bind(a.franchise_id)
        .bind(a.number)
        .bind(a.status.as_str())
        .bind(a.currency.as_str())
        .bind(now_ms)
        .fetch_optional(&self.db)
        .await?;
        match row {
            Some(row) => row.int("id"),
            None => Err(anyhow::anyhow!(
                "account {} already belongs to another franchise",
                a.number
            )
            .into()),
        }
    }

    pub async fn account_id(&self, franchise_id: i64, number: &str) -> StoreResult<Option<i64>> {
        sql("SELECT id FROM accounts WHERE franchise_id = $1 AND number = $2")
            .bind(franchise_id)
            .bind(number)
            .fetch_optional(&self.db)
            .await?
            .map(|r| r.int("id"))
            .transpose()
    }

    pub async fn put_exchange(&self, e: &NewExchange<'_>, now_ms: i64) -> StoreResult<i64> {
        let mut tx = self.write_tx().await?;
        let row = sql(
            "INSERT INTO exchanges (account_id, domain, version, plan, free_mailboxes, quota_mb,
                                    created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (domain) DO UPDATE SET version = excluded.version, plan = excluded.plan,
                 free_mailboxes = excluded.free_mailboxes, quota_mb = excluded.quota_mb,
                 updated_at = excluded.updated_at
             WHERE exchanges.account_id = excluded.account_id
             RETURNING id",
        )
        .bind(e.account_id)
        .bind(e.domain)
        .bind(e.version)
        .bind(e.plan)
        .bind(e.free_mailboxes)
        .bind(e.quota_mb)
        .bind(now_ms)
        .fetch_optional(&mut tx)
        .await?;
        let Some(row) = row else {
            return Err(anyhow::anyhow!("{} is already on another account", e.domain).into());
        };
        sql("INSERT INTO mail_domains (domain) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(e.domain)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        row.int("id")
    }

    pub async fn put_api_user(&self, u: &NewApiUser<'_>, now_ms: i64) -> StoreResult<()> {
        sql("INSERT INTO api_users (franchise_id, login, password_hash, role, account_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (franchise_id, login) DO UPDATE SET password_hash = excluded.password_hash,
                 role = excluded.role, account_id = excluded.account_id")
        .bind(u.franchise_id)
        .bind(u.login)
        .bind(u.password_hash.as_str())
        .bind(if u.account_id.is_some() { "account" } else { "agent" })
        .bind(u.account_id)
        .bind(now_ms)
        .execute(&self.db)
        .await?;
        Ok(())
    }
}

impl Store {
    /// The logins of an account's users, by login.
    pub async fn account_users(&self, account_id: i64) -> StoreResult<Vec<String>> {
        sql("SELECT login FROM api_users WHERE account_id = $1 AND role = 'account' ORDER BY login")
            .bind(account_id)
            .fetch_all(&self.db)
            .await?
            .iter()
            .map(|r| r.text("login"))
            .collect()
    }

    /// Whether `login` is a user of the account.
    pub async fn account_user_exists(&self, account_id: i64, login: &str) -> StoreResult<bool> {
        Ok(sql("SELECT 1 AS found FROM api_users WHERE account_id = $1 AND role = 'account' AND login = $2")
            .bind(account_id)
            .bind(login)
            .fetch_optional(&self.db)
            .await?
            .is_some())
    }

    /// Adds a user to the account; its login must be free in the franchise.
    pub async fn create_account_user(
        &self,
        u: &NewApiUser<'_>,
        now_ms: i64,
    ) -> StoreResult<NewUserOutcome> {
        let inserted = sql("INSERT INTO api_users (franchise_id, login, password_hash, role, account_id, created_at)
             VALUES ($1, $2, $3, 'account', $4, $5)")
        .bind(u.franchise_id)
        .bind(u.login)
        .bind(u.password_hash.as_str())
        .bind(u.account_id)
        .bind(now_ms)
        .execute(&self.db)
        .await;
        match inserted {
            Err(e) if super::is_unique_violation(&e) => Ok(NewUserOutcome::Taken),
            other => other
                .map(|_| NewUserOutcome::Created)
                .map_err(StoreError::from),
        }
    }

    /// Sets an account user's password; `false` if it is not a user of the account.
    pub async fn set_account_user_password(
        &self,
        account_id: i64,
        login: &str,
        hash: &crate::domain::PasswordHash,
    ) -> StoreResult<bool> {
        let changed = sql("UPDATE api_users SET password_hash = $1
             WHERE account_id = $2 AND role = 'account' AND login = $3")
        .bind(hash.as_str())
        .bind(account_id)
        .bind(login)
        .execute(&self.db)
        .await?;
        Ok(changed == 1)
    }
}

impl Store {
    /// The account's contacts that are set: (kind, contact).
    pub async fn account_contacts(
        &self,
        account_id: i64,
    ) -> StoreResult<Vec<(String, crate::domain::AccountContact)>> {
        sql("SELECT kind, contact FROM account_contacts WHERE account_id = $1")
            .bind(account_id)
            .fetch_all(&self.db)
            .await?
            .iter()
            .map(|r| {
                let contact = serde_json::from_str(&r.text("contact")?)
                    .map_err(|e| anyhow::anyhow!("stored account contact: {e}"))?;
                Ok((r.text("kind")?, contact))
            })
            .collect()
    }

    /// Sets (or, with `None`, clears) contacts of the account, in one transaction.
    pub async fn put_account_contacts(
        &self,
        account_id: i64,
        changes: &[(&str, Option<crate::domain::AccountContact>)],
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for (kind, contact) in changes {
            sql("DELETE FROM account_contacts WHERE account_id = $1 AND kind = $2")
                .bind(account_id)
                .bind(*kind)
                .execute(&mut tx)
                .await?;
            if let Some(c) = contact {
                let json = serde_json::to_string(c)
                    .map_err(|e| anyhow::anyhow!("cannot encode a contact: {e}"))?;
                sql(
                    "INSERT INTO account_contacts (account_id, kind, contact, updated_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(account_id)
                .bind(*kind)
                .bind(json)
                .bind(now_ms)
                .execute(&mut tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
