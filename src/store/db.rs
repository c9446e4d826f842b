//! The database handle under the one SQL implementation: sqlx's typed pool of the back end in
//! use, behind one enum, and statements that run on either. A statement is its SQL (written
//! once, `$1`-style placeholders, which both back ends read) and its arguments; its rows are the
//! back end's own, read by column name without copying and without panicking.
//!
//! sqlx's `Any` driver would do the same job, but it copies every argument and every column
//! value into its own representation: 1.18–1.29 × the typed driver's time per read under
//! concurrency on PostgreSQL (`cargo bench --bench sql_drivers`, BENCHMARKS.md).

use std::borrow::Cow;

use anyhow::Context;
use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Database, Decode, Postgres, Sqlite, Type};

use super::{StoreError, StoreResult};

/// A connection pool of one back end.
#[derive(Clone)]
pub(super) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction; dropped without [`Tx::commit`], it rolls back.
pub(super) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Db {
    /// Begins a transaction with `begin` (the dialect's statement for a write transaction).
    pub async fn begin(&self, begin: &'static str) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with(begin).await?),
            Db::Postgres(p) => Tx::Postgres(p.begin_with(begin).await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

/// Where a statement runs: on a pooled connection, or inside a transaction.
pub(super) enum On<'c> {
    Db(&'c Db),
    Tx(&'c mut Tx),
}

impl<'c> From<&'c Db> for On<'c> {
    fn from(db: &'c Db) -> Self {
        On::Db(db)
    }
}

impl<'c> From<&'c mut Tx> for On<'c> {
    fn from(tx: &'c mut Tx) -> Self {
        On::Tx(tx)
    }
}

/// A statement argument: an integer or a text, either of which may be `NULL`. Flags are stored
/// as 0/1 integers on both back ends.
#[derive(Debug, Clone)]
pub(super) enum Arg<'a> {
    Int(Option<i64>),
    Text(Option<Cow<'a, str>>),
}

impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Int(Some(i64::from(v)))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::Text(v.map(Cow::Borrowed))
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Some(Cow::Borrowed(v)))
    }
}

impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Text(Some(Cow::Owned(v)))
    }
}

/// A statement with its arguments, run with [`Stmt::execute`] or one of the `fetch` methods.
#[must_use]
pub(super) struct Stmt<'a> {
    sql: Cow<'a, str>,
    args: Vec<Arg<'a>>,
}

/// Starts a statement.
pub(super) fn sql<'a>(sql: impl Into<Cow<'a, str>>) -> Stmt<'a> {
    Stmt {
        sql: sql.into(),
        args: Vec::with_capacity(8),
    }
}

/// The statement with its arguments bound, as the back end's own query.
fn bound<'q, DB: Database>(
    sql: &'q str,
    args: Vec<Arg<'q>>,
) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>>
where
    Option<i64>: sqlx::Encode<'q, DB> + Type<DB>,
    Option<Cow<'q, str>>: sqlx::Encode<'q, DB> + Type<DB>,
{
    args.into_iter().fold(sqlx::query(sql), |q, arg| match arg {
        Arg::Int(v) => q.bind(v),
        Arg::Text(v) => q.bind(v),
    })
}

impl<'a> Stmt<'a> {
    pub fn bind(mut self, arg: impl Into<Arg<'a>>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Runs the statement; the number of rows it changed.
    pub async fn execute<'c>(self, on: impl Into<On<'c>>) -> Result<u64, sqlx::Error> {
        let Stmt { sql, args } = self;
        Ok(match on.into() {
            On::Db(Db::Sqlite(p)) => bound(&sql, args).execute(p).await?.rows_affected(),
            On::Db(Db::Postgres(p)) => bound(&sql, args).execute(p).await?.rows_affected(),
            On::Tx(Tx::Sqlite(t)) => bound(&sql, args).execute(&mut **t).await?.rows_affected(),
            On::Tx(Tx::Postgres(t)) => bound(&sql, args).execute(&mut **t).await?.rows_affected(),
        })
    }

    pub async fn fetch_all<'c>(self, on: impl Into<On<'c>>) -> Result<Vec<Row>, sqlx::Error> {
        let Stmt { sql, args } = self;
        let sqlite = |rows: Vec<SqliteRow>| rows.into_iter().map(Row::Sqlite).collect();
        let postgres = |rows: Vec<PgRow>| rows.into_iter().map(Row::Postgres).collect();
        Ok(match on.into() {
            On::Db(Db::Sqlite(p)) => sqlite(bound(&sql, args).fetch_all(p).await?),
            On::Db(Db::Postgres(p)) => postgres(bound(&sql, args).fetch_all(p).await?),
            On::Tx(Tx::Sqlite(t)) => sqlite(bound(&sql, args).fetch_all(&mut **t).await?),
            On::Tx(Tx::Postgres(t)) => postgres(bound(&sql, args).fetch_all(&mut **t).await?),
        })
    }

    /// The first row, if any (the store's single-row statements return one at most).
    pub async fn fetch_optional<'c>(
        self,
        on: impl Into<On<'c>>,
    ) -> Result<Option<Row>, sqlx::Error> {
        Ok(self.fetch_all(on).await?.into_iter().next())
    }

    pub async fn fetch_one<'c>(self, on: impl Into<On<'c>>) -> Result<Row, sqlx::Error> {
        self.fetch_optional(on)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    /// The row, decoded, if there is one.
    pub async fn optional<'c, T>(
        self,
        on: impl Into<On<'c>>,
        decode: impl Fn(&Row) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        self.fetch_optional(on)
            .await?
            .as_ref()
            .map(decode)
            .transpose()
    }

    /// Every row, decoded.
    pub async fn all<'c, T>(
        self,
        on: impl Into<On<'c>>,
        decode: impl Fn(&Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        self.fetch_all(on).await?.iter().map(decode).collect()
    }
}

/// A row of either back end, read by column name. A column that is missing or of another type
/// is an error (logged, answered `500`), never a panic.
pub(super) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

/// Reads one column of a back end's row.
fn column<'r, T, R>(row: &'r R, col: &str) -> StoreResult<T>
where
    R: sqlx::Row,
    T: Decode<'r, R::Database> + Type<R::Database>,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
{
    row.try_get(col)
        .with_context(|| format!("column {col:?} does not decode"))
        .map_err(StoreError::Other)
}

impl Row {
    fn get<'r, T>(&'r self, col: &str) -> StoreResult<T>
    where
        T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>,
    {
        match self {
            Row::Sqlite(r) => column(r, col),
            Row::Postgres(r) => column(r, col),
        }
    }

    pub fn int(&self, col: &str) -> StoreResult<i64> {
        self.get(col)
    }

    pub fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        self.get(col)
    }

    pub fn text(&self, col: &str) -> StoreResult<String> {
        self.get(col)
    }

    pub fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        self.get(col)
    }

    /// A 0/1 integer column.
    pub fn flag(&self, col: &str) -> StoreResult<bool> {
        Ok(self.int(col)? != 0)
    }
}
