//! The audit log's SQL: batched inserts, a franchise's filtered pages, and the retention sweep.

use super::super::db::Row;
use super::*;

/// Columns of an entry, in insert order.
const COLUMNS: &str =
    "at, request_id, principal, franchise_id, account, action, target, result, client";

/// The filterable fields of an entry (as the API names them) and their columns.
const AUDIT_COLUMNS: [(&str, &str); 6] = [
    ("principal", "principal"),
    ("account", "account"),
    ("action", "action"),
    ("target", "target"),
    ("result", "result"),
    ("requestId", "request_id"),
];

fn audit_record(r: &Row) -> StoreResult<AuditRecord> {
    Ok(AuditRecord {
        id: r.int("id")?,
        event: AuditEvent {
            at_ms: r.int("at")?,
            request_id: r.opt_text("request_id")?,
            principal: r.text("principal")?,
            franchise_id: r.opt_int("franchise_id")?,
            account: r.opt_text("account")?,
            action: r.text("action")?,
            target: r.text("target")?,
            result: r.text("result")?,
            client: r.opt_text("client")?,
        },
    })
}

impl Store {
    /// Writes `events` in one statement.
    pub async fn insert_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let rows: Vec<String> = (0..events.len())
            .map(|i| {
                let p: Vec<String> = (1..=9).map(|c| format!("${}", i * 9 + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let mut stmt = sql(format!(
            "INSERT INTO audit_events ({COLUMNS}) VALUES {}",
            rows.join(", ")
        ));
        for e in events {
            stmt = stmt
                .bind(e.at_ms)
                .bind(e.request_id.as_deref())
                .bind(e.principal.as_str())
                .bind(e.franchise_id)
                .bind(e.account.as_deref())
                .bind(e.action.as_str())
                .bind(e.target.as_str())
                .bind(e.result.as_str())
                .bind(e.client.as_deref());
        }
        stmt.execute(&self.db).await?;
        Ok(())
    }

    pub async fn count_audit(&self, q: &AuditQuery) -> StoreResult<u64> {
        let from = "FROM audit_events WHERE franchise_id = $1";
        self.count_filtered(from, q.franchise_id, &AUDIT_COLUMNS, &q.filters)
            .await
    }

    pub async fn list_audit(&self, q: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        let select = format!("SELECT id, {COLUMNS} FROM audit_events WHERE franchise_id = $1");
        let order = if q.newest_first { "id DESC" } else { "id ASC" };
        self.page_filtered(
            (&select, q.franchise_id),
            &AUDIT_COLUMNS,
            &q.filters,
            (order, q.page),
            audit_record,
        )
        .await
    }

    /// Deletes at most `limit` entries older than `before_ms`; returns how many went.
    pub async fn sweep_audit(&self, before_ms: i64, limit: i64) -> StoreResult<u64> {
        let gone = sql("DELETE FROM audit_events WHERE id IN
                 (SELECT id FROM audit_events WHERE at < $1 ORDER BY at LIMIT $2)")
        .bind(before_ms)
        .bind(limit)
        .execute(&self.db)
        .await?;
        Ok(gone)
    }
}
