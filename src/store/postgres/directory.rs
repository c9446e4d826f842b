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
}
