//! Idempotency keys' SQL: claim a key for a request, record its response, release it, sweep
//! expired ones. Every statement stands alone (the claim's races are settled by the primary
//! key and by conditional updates), so instances on one PostgreSQL database agree.

use super::*;

/// What a key says about a request that brings it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// Unused, expired or abandoned: this request runs and records its response.
    Fresh,
    /// Another request with this key is running (its lease has not run out).
    Running,
    /// The key was first used for another method, path or body.
    Mismatch,
    /// The first request's response, sealed as it was recorded.
    Done(String),
}

/// The times of a claim: now, the running request's lease, the key's expiry.
#[derive(Debug, Clone, Copy)]
pub struct ClaimTimes {
    pub now_ms: i64,
    pub lease_until: i64,
    pub expires_at: i64,
}

impl Store {
    /// Claims key `id` for a request hashed `request_hash`.
    pub async fn claim_idempotency(
        &self,
        id: &str,
        request_hash: &str,
        t: ClaimTimes,
    ) -> StoreResult<IdempotencyClaim> {
        let inserted = sql(
            "INSERT INTO idempotency_keys (id, request_hash, state, lease_until, expires_at)
             VALUES ($1, $2, 'running', $3, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(request_hash)
        .bind(t.lease_until)
        .bind(t.expires_at)
        .execute(&self.db)
        .await?;
        if inserted == 1 {
            return Ok(IdempotencyClaim::Fresh);
        }
        // An expired key (not swept yet) starts over, for whichever request takes it first.
        let renewed = sql(
            "UPDATE idempotency_keys SET request_hash = $2, state = 'running', response = NULL,
                 lease_until = $3, expires_at = $4 WHERE id = $1 AND expires_at <= $5",
        )
        .bind(id)
        .bind(request_hash)
        .bind(t.lease_until)
        .bind(t.expires_at)
        .bind(t.now_ms)
        .execute(&self.db)
        .await?;
        if renewed == 1 {
            return Ok(IdempotencyClaim::Fresh);
        }
        let Some(row) = sql(
            "SELECT request_hash, state, response, lease_until FROM idempotency_keys WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.db)
        .await?
        else {
            // Released (or swept) in between: the next retry claims it.
            return Ok(IdempotencyClaim::Running);
        };
        if row.text("request_hash")? != request_hash {
            return Ok(IdempotencyClaim::Mismatch);
        }
        if row.text("state")? == "done" {
            let sealed = row
                .opt_text("response")?
                .context("a done idempotency key without its response")?;
            return Ok(IdempotencyClaim::Done(sealed));
        }
        let lease = row.int("lease_until")?;
        if lease > t.now_ms {
            return Ok(IdempotencyClaim::Running);
        }
        // Its request's process went away: this one takes over (one taker wins the lease).
        let taken = sql("UPDATE idempotency_keys SET lease_until = $2 WHERE id = $1 AND state = 'running' AND lease_until = $3")
            .bind(id)
            .bind(t.lease_until)
            .bind(lease)
            .execute(&self.db)
            .await?;
        Ok(if taken == 1 {
            IdempotencyClaim::Fresh
        } else {
            IdempotencyClaim::Running
        })
    }

    /// Records the sealed response of the request that claimed key `id`.
    pub async fn finish_idempotency(&self, id: &str, sealed: &str) -> StoreResult<()> {
        sql("UPDATE idempotency_keys SET state = 'done', response = $2 WHERE id = $1 AND state = 'running'")
            .bind(id)
            .bind(sealed)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Frees key `id` after a response not worth keeping (the work was not done): a retry runs.
    pub async fn release_idempotency(&self, id: &str) -> StoreResult<()> {
        sql("DELETE FROM idempotency_keys WHERE id = $1 AND state = 'running'")
            .bind(id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes at most `limit` keys expired by `now_ms`; returns how many went.
    pub async fn sweep_idempotency(&self, now_ms: i64, limit: i64) -> StoreResult<u64> {
        let gone = sql("DELETE FROM idempotency_keys WHERE id IN
                 (SELECT id FROM idempotency_keys WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)")
        .bind(now_ms)
        .bind(limit)
        .execute(&self.db)
        .await?;
        Ok(gone)
    }
}
