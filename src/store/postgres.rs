//! The PostgreSQL back end (many stateless instances on one database).

use async_trait::async_trait;

use super::*;

pub struct PgStore;

impl PgStore {
    pub async fn open(_url: &str) -> anyhow::Result<Self> {
        anyhow::bail!("PostgreSQL storage is not built yet (issue 5); use sqlite://PATH")
    }
}

#[async_trait]
impl Store for PgStore {
    async fn put_franchise(&self, _: &str, _: bool, _: i64) -> StoreResult<i64> {
        unreachable!()
    }
    async fn franchise_id(&self, _: &str) -> StoreResult<Option<i64>> {
        unreachable!()
    }
    async fn put_account(&self, _: &NewAccount<'_>, _: i64) -> StoreResult<i64> {
        unreachable!()
    }
    async fn account_id(&self, _: i64, _: &str) -> StoreResult<Option<i64>> {
        unreachable!()
    }
    async fn put_exchange(&self, _: &NewExchange<'_>, _: i64) -> StoreResult<i64> {
        unreachable!()
    }
    async fn put_api_user(&self, _: &NewApiUser<'_>, _: i64) -> StoreResult<()> {
        unreachable!()
    }
    async fn api_user(&self, _: &str, _: &str) -> StoreResult<Option<ApiUser>> {
        unreachable!()
    }
    async fn exchange(&self, _: &str, _: &str) -> StoreResult<Option<ExchangeRecord>> {
        unreachable!()
    }
    async fn mailbox(&self, _: i64, _: &str) -> StoreResult<Option<MailboxRecord>> {
        unreachable!()
    }
    async fn order(&self, _: &str) -> StoreResult<Option<OrderRecord>> {
        unreachable!()
    }
    async fn create_mailbox_order(&self, _: &NewMailboxOrder<'_>) -> StoreResult<CreateOutcome> {
        unreachable!()
    }
    async fn claim_job(&self, _: i64, _: i64) -> StoreResult<Option<ClaimedJob>> {
        unreachable!()
    }
    async fn renew_lease(&self, _: &ClaimedJob, _: i64) -> StoreResult<bool> {
        unreachable!()
    }
    async fn mailbox_task(&self, _: &ClaimedJob) -> StoreResult<Option<MailboxTask>> {
        unreachable!()
    }
    async fn finish_job(&self, _: &ClaimedJob, _: &JobOutcome, _: i64) -> StoreResult<bool> {
        unreachable!()
    }
    async fn next_job_due(&self) -> StoreResult<Option<i64>> {
        unreachable!()
    }
    async fn directory_put(&self, _: &DirectoryEntry<'_>, _: i64) -> StoreResult<()> {
        unreachable!()
    }
    async fn directory_remove(&self, _: &str) -> StoreResult<()> {
        unreachable!()
    }
    async fn close(&self) {}
}
