//! The SQL of the mailbox list and the `WHERE` of the order and account lists. Every condition
//! of the mailbox list keeps to the
//! `(exchange_id, username, billing_status, …)` index: exact names and prefixes become ranges.
//! Totals without a username filter come from `mailbox_counts` (kept by triggers), and a page
//! past the middle is read from the other end, so no query walks more than half the list.

use super::{ListQuery, Page, TextFilter};

/// A value to bind, in placeholder order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Bind {
    Int(i64),
    Text(String),
}

/// The smallest string above every string starting with `prefix`, when one is easy to name.
fn prefix_upper(prefix: &str) -> Option<String> {
    let last = prefix.chars().last()?;
    (last.is_ascii() && last < '\u{7f}').then(|| {
        let mut upper = prefix[..prefix.len() - 1].to_owned();
        upper.push((last as u8 + 1) as char);
        upper
    })
}

pub(super) fn like_escape(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len() + 1);
    for c in literal.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

struct Builder {
    sql: String,
    binds: Vec<Bind>,
}

impl Builder {
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    fn and(&mut self, condition: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(condition);
    }

    fn prefix(&mut self, column: &str, prefix: &str) {
        if prefix.is_empty() {
            return;
        }
        match prefix_upper(prefix) {
            Some(upper) => {
                let lo = self.bind(Bind::Text(prefix.to_owned()));
                let hi = self.bind(Bind::Text(upper));
                self.and(&format!("{column} >= {lo} AND {column} < {hi}"));
            }
            None => {
                let p = self.bind(Bind::Text(format!("{}%", like_escape(prefix))));
                self.and(&format!("{column} LIKE {p} ESCAPE '\\'"));
            }
        }
    }

    fn filter(&mut self, column: &str, filter: &TextFilter) {
        match filter {
            TextFilter::Exact(v) => {
                let p = self.bind(Bind::Text(v.clone()));
                self.and(&format!("{column} = {p}"));
            }
            TextFilter::Prefix(prefix) => self.prefix(column, prefix),
            TextFilter::Like { prefix, pattern } => {
                self.prefix(column, prefix);
                let p = self.bind(Bind::Text(pattern.clone()));
                self.and(&format!("{column} LIKE {p} ESCAPE '\\'"));
            }
        }
    }
}

/// `FROM … WHERE …` for the mailboxes of `exchange_id` matching the query's filters. Without a
/// billing status filter the list shows mailboxes being provisioned or provisioned (not those
/// sitting in unsubmitted orders, `new`). Filters ignore ASCII case.
fn from_where(table: &str, exchange_id: i64, query: &ListQuery) -> Builder {
    let mut b = Builder {
        sql: format!(" FROM {table} WHERE exchange_id = "),
        binds: Vec::new(),
    };
    let p = b.bind(Bind::Int(exchange_id));
    b.sql.push_str(&p);
    let mut status_filtered = false;
    for (field, filter) in &query.filters {
        // Both columns hold lower-case ASCII only, so a lower-cased filter ignores case the
        // same way on both back ends (SQLite's LIKE ignores ASCII case, PostgreSQL's does not).
        let lower = match filter {
            TextFilter::Exact(v) => TextFilter::Exact(v.to_ascii_lowercase()),
            TextFilter::Prefix(v) => TextFilter::Prefix(v.to_ascii_lowercase()),
            TextFilter::Like { prefix, pattern } => TextFilter::Like {
                prefix: prefix.to_ascii_lowercase(),
                pattern: pattern.to_ascii_lowercase(),
            },
        };
        match field.as_str() {
            "username" => b.filter("username", &lower),
            "billingStatus" => {
                // Matched against the statuses here, as the order and account lists do: the
                // column's collation then plays no part.
                status_filtered = true;
                let names = filter.matching(super::BillingStatus::NAMES);
                b.and(&in_list("billing_status", &names));
            }
            _ => {}
        }
    }
    if !status_filtered {
        b.and("billing_status <> 'new'");
    }
    b
}

/// The number of matching mailboxes: from the counters unless usernames are filtered.
pub(super) fn count(exchange_id: i64, q: &ListQuery) -> (String, Vec<Bind>) {
    if q.filters.iter().any(|(field, _)| field == "username") {
        let b = from_where("mailboxes", exchange_id, q);
        (format!("SELECT count(*) AS n{}", b.sql), b.binds)
    } else {
        let b = from_where("mailbox_counts", exchange_id, q);
        (
            format!("SELECT CAST(coalesce(sum(n), 0) AS BIGINT) AS n{}", b.sql),
            b.binds,
        )
    }
}

/// The page's rows, and whether they come in reverse (read from the far end) and must be
/// flipped. `total` is the count of matching mailboxes.
pub(super) fn page(exchange_id: i64, q: &ListQuery, total: u64) -> (String, Vec<Bind>, bool) {
    let Page { offset, limit } = q.page;
    let reversed = offset + limit / 2 > total / 2;
    let (desc, offset, limit) = if reversed {
        (
            !q.sort_desc,
            total.saturating_sub(offset + limit),
            limit.min(total.saturating_sub(offset)),
        )
    } else {
        (q.sort_desc, offset, limit)
    };
    let mut b = from_where("mailboxes", exchange_id, q);
    let limit = b.bind(Bind::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
    let offset = b.bind(Bind::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
    let order = if desc { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT username, billing_status, archiving, blackberry{} ORDER BY username {order} LIMIT {limit} OFFSET {offset}",
        b.sql
    );
    (sql, b.binds, reversed)
}

/// ` AND lower(column) LIKE $n …` for each filter of `filters` whose field `columns` maps to a
/// column (field as the API names it, column): a case-insensitive `LIKE` on the lower-cased
/// column, as every list's filters ignore ASCII case. Placeholders start after `bound` others.
/// For the small lists (audit, aliases, contacts), where a scan of one owner's rows is cheap.
pub(super) fn like_filters(
    filters: &[(String, TextFilter)],
    columns: &[(&str, &str)],
    bound: usize,
) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    for (field, filter) in filters {
        let Some((_, column)) = columns.iter().find(|(f, _)| f == field) else {
            continue;
        };
        let pattern = match filter {
            TextFilter::Exact(v) => like_escape(v),
            TextFilter::Prefix(p) => format!("{}%", like_escape(p)),
            TextFilter::Like { pattern, .. } => pattern.clone(),
        };
        binds.push(pattern.to_ascii_lowercase());
        sql.push_str(&format!(
            " AND lower({column}) LIKE ${} ESCAPE '\\'",
            bound + binds.len()
        ));
    }
    (sql, binds)
}

/// `column IN ('a', 'b')` of statuses (the enums' own spellings, so literals), or a condition
/// that matches nothing.
fn in_list(column: &str, statuses: &[&str]) -> String {
    if statuses.is_empty() {
        return "1 = 0".to_owned();
    }
    let quoted: Vec<String> = statuses.iter().map(|s| format!("'{s}'")).collect();
    format!("{column} IN ({})", quoted.join(", "))
}

/// The `WHERE` of the order and account lists: the scope (one bound id, `$1`) and the statuses,
/// which are the enums' own spellings and go in as literals.
pub(super) fn scope_where(
    scope: super::OrderScope,
    account_col: &str,
    status_col: &str,
    statuses: Option<Vec<&str>>,
) -> (String, i64) {
    let (column, id) = match scope {
        super::OrderScope::Franchise(id) => ("a.franchise_id", id),
        super::OrderScope::Account(id) => (account_col, id),
    };
    let statuses = match statuses.as_deref() {
        None => String::new(),
        Some(list) => format!(" AND {}", in_list(status_col, list)),
    };
    (format!("WHERE {column} = $1{statuses}"), id)
}

/// [`scope_where`] for accounts: drafts (`new`, only their orders show them) and deleted
/// accounts (`purged`) are never listed.
pub(super) fn account_scope_where(
    scope: super::OrderScope,
    statuses: Option<Vec<&str>>,
) -> (String, i64) {
    let (filter, id) = scope_where(scope, "a.id", "a.status", statuses);
    (
        format!("{filter} AND a.status NOT IN ('new', 'purged')"),
        id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(filters: Vec<(&str, TextFilter)>) -> ListQuery {
        ListQuery {
            sort_desc: true,
            filters: filters
                .into_iter()
                .map(|(f, t)| (f.to_owned(), t))
                .collect(),
            page: Page {
                offset: 200,
                limit: 100,
            },
        }
    }

    #[test]
    fn prefixes_become_index_ranges() {
        let (sql, binds, reversed) = page(
            7,
            &q(vec![("username", TextFilter::Prefix("Ab".into()))]),
            1000,
        );
        assert!(!reversed);
        assert_eq!(
            sql,
            "SELECT username, billing_status, archiving, blackberry FROM mailboxes WHERE exchange_id = $1 \
             AND username >= $2 AND username < $3 AND billing_status <> 'new' ORDER BY username DESC LIMIT $4 OFFSET $5"
        );
        assert_eq!(
            binds,
            [
                Bind::Int(7),
                Bind::Text("ab".into()),
                Bind::Text("ac".into()),
                Bind::Int(100),
                Bind::Int(200)
            ]
        );
    }

    #[test]
    fn status_filter_replaces_the_default_and_counts_come_from_the_counters() {
        let (sql, binds) = count(
            1,
            &q(vec![("billingStatus", TextFilter::parse("*pending"))]),
        );
        assert_eq!(
            sql,
            "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) AS n FROM mailbox_counts WHERE exchange_id = $1 AND billing_status IN ('pending', 'close_pending', 'purge_pending')"
        );
        assert_eq!(binds.len(), 1);
        let (sql, _) = count(1, &q(vec![("billingStatus", TextFilter::parse("x*"))]));
        assert!(sql.ends_with("AND 1 = 0"), "{sql}");
        let (sql, _) = count(1, &q(vec![("username", TextFilter::parse("a*"))]));
        assert!(sql.starts_with("SELECT count(*) AS n FROM mailboxes"));
    }

    #[test]
    fn pages_past_the_middle_are_read_from_the_far_end() {
        let at = |offset, limit, total| {
            let mut query = q(vec![]);
            query.sort_desc = false;
            query.page = Page { offset, limit };
            let (sql, binds, reversed) = page(1, &query, total);
            (sql.contains("DESC"), binds[1..].to_vec(), reversed)
        };
        assert_eq!(
            at(0, 100, 250),
            (false, vec![Bind::Int(100), Bind::Int(0)], false)
        );
        // Middle page of 250: rows 100..200 are rows 50..150 counted from the end.
        assert_eq!(
            at(100, 100, 250),
            (true, vec![Bind::Int(100), Bind::Int(50)], true)
        );
        // Last, partial page: the last 50 rows.
        assert_eq!(
            at(200, 100, 250),
            (true, vec![Bind::Int(50), Bind::Int(0)], true)
        );
    }

    #[test]
    fn upper_bounds() {
        assert_eq!(prefix_upper("a"), Some("b".into()));
        assert_eq!(prefix_upper("a.z"), Some("a.{".into()));
        assert_eq!(prefix_upper(""), None);
        assert_eq!(prefix_upper("é"), None);
    }
}
