//! Hostway's list conventions: `page`/`pageSize` (together or not at all), `sortField` /
//! `sortOrder`, `filter<Field>` with `*` wildcards, the `303` redirects, and the `self` /
//! `first` / `previous` / `next` / `last` links.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::types::{FilterField, Link, ListBody, ListOptions};
use crate::error::{ApiError, ApiResult, Details};
use crate::store::{ListQuery, Page, TextFilter};

/// Without paging parameters, lists longer than this redirect to page 1 of this size.
pub const DEFAULT_PAGE_SIZE: u64 = 100;
pub const MAX_PAGE_SIZE: u64 = 400;
/// The largest `page` or `pageSize` taken: the largest integer every JSON reader keeps exactly
/// (a client's generated code may hold these in a double).
pub const MAX_INDEX: u64 = (1 << 53) - 1;

/// What a list resource allows.
pub struct ListSpec {
    pub sort_fields: &'static [&'static str],
    /// Filterable fields with their allowed values (empty: any value).
    pub filter_fields: &'static [(&'static str, &'static [&'static str])],
}

impl ListSpec {
    /// The answer to `OPTIONS` on a list that also takes `POST`: the body, with `Allow`.
    pub fn answer_options(&self) -> Response {
        let mut response = axum::Json(self.options()).into_response();
        response.headers_mut().insert(
            header::ALLOW,
            axum::http::HeaderValue::from_static("GET,POST,OPTIONS"),
        );
        response
    }

    /// The body of `OPTIONS` on the list, in the docs' shape.
    pub fn options(&self) -> ListOptions {
        ListOptions {
            sort_fields: self.sort_fields,
            sort_orders: ["asc", "desc"],
            filter_fields: self
                .filter_fields
                .iter()
                .map(|&(field, values)| FilterField { field, values })
                .collect(),
        }
    }
}

/// What a list request gets: the page to show, or a `303` to the URL it should ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagePlan {
    Page(Page),
    Redirect(String),
}

/// A parsed list request: the storage query plus what the links need.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub query: ListQuery,
    /// `(page, pageSize)` as requested.
    pub paging: Option<(u64, u64)>,
    /// The query string's pairs, in order, to rebuild links and redirects.
    pairs: Vec<(String, String)>,
    /// Other parameters the resource understands (e.g. `includeAddOns`).
    pub extra: Vec<(String, String)>,
}

fn bad(field: &str, problem: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        message: "Invalid list parameters".into(),
        details: Details::field(field, problem),
    }
}

fn positive(field: &str, raw: &str) -> ApiResult<u64> {
    raw.parse::<u64>()
        .ok()
        .filter(|n| (1..=MAX_INDEX).contains(n))
        .ok_or_else(|| bad(field, format!("must be an integer from 1 to {MAX_INDEX}")))
}

/// `filterFoo` → `foo`.
fn filter_field(key: &str) -> Option<String> {
    let rest = key.strip_prefix("filter")?;
    let mut chars = rest.chars();
    let first = chars.next()?;
    Some(first.to_ascii_lowercase().to_string() + chars.as_str())
}

impl TextFilter {
    /// `abc` (exact), `abc*` (prefix), anything else with `*` (pattern; SQL `LIKE`, escaped).
    pub fn parse(raw: &str) -> TextFilter {
        match raw.find('*') {
            None => TextFilter::Exact(raw.to_owned()),
            Some(i) if i == raw.len() - 1 => TextFilter::Prefix(raw[..i].to_owned()),
            Some(i) => {
                let mut like = String::with_capacity(raw.len() + 4);
                for c in raw.chars() {
                    match c {
                        '*' => like.push('%'),
                        '%' | '_' | '\\' => {
                            like.push('\\');
                            like.push(c);
                        }
                        c => like.push(c),
                    }
                }
                TextFilter::Like {
                    prefix: raw[..i].to_owned(),
                    pattern: like,
                }
            }
        }
    }
}

impl TextFilter {
    /// The `candidates` this filter matches, ignoring ASCII case as every filter does (status
    /// values mix `new` and `Processing`).
    pub fn matching<'a>(&self, candidates: &[&'a str]) -> Vec<&'a str> {
        candidates
            .iter()
            .copied()
            .filter(|c| {
                let name = c.to_ascii_lowercase();
                match self {
                    TextFilter::Exact(v) => c.eq_ignore_ascii_case(v),
                    TextFilter::Prefix(p) => name.starts_with(&p.to_ascii_lowercase()),
                    TextFilter::Like { pattern, .. } => like(&pattern.to_ascii_lowercase(), &name),
                }
            })
            .collect()
    }
}

/// SQL `LIKE` with `%` and `\` escapes (what [`TextFilter::parse`] builds), on ASCII text.
fn like(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p {
            [] => t.is_empty(),
            [b'%', rest @ ..] => (0..=t.len()).any(|i| go(rest, &t[i..])),
            [b'\\', c, rest @ ..] | [c, rest @ ..] if !t.is_empty() && t[0] == *c => {
                go(rest, &t[1..])
            }
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

impl ListRequest {
    /// Parses the query string against `spec`; `extra_keys` are passed through in `extra`.
    pub fn parse(
        raw: Option<&str>,
        spec: &ListSpec,
        extra_keys: &[&str],
    ) -> ApiResult<ListRequest> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let (mut page, mut page_size, mut sort_field, mut sort_order) = (None, None, None, None);
        let mut filters = Vec::new();
        let mut extra = Vec::new();
        for (key, value) in &pairs {
            match key.as_str() {
                "page" => page = Some(positive("page", value)?),
                "pageSize" => page_size = Some(positive("pageSize", value)?),
                "sortField" => {
                    if !spec.sort_fields.contains(&value.as_str()) {
                        return Err(bad(
                            "sortField",
                            format!(
                                "cannot sort by {value:?}; allowed: {}",
                                spec.sort_fields.join(", ")
                            ),
                        ));
                    }
                    sort_field = Some(value.clone());
                }
                "sortOrder" => {
                    sort_order = Some(match value.as_str() {
                        "asc" => false,
                        "desc" => true,
                        _ => return Err(bad("sortOrder", "must be asc or desc")),
                    })
                }
                k if extra_keys.contains(&k) => extra.push((key.clone(), value.clone())),
                k => {
                    let Some(field) = filter_field(k) else {
                        continue;
                    };
                    let Some((name, allowed)) = spec
                        .filter_fields
                        .iter()
                        .find(|(f, _)| f.eq_ignore_ascii_case(&field))
                    else {
                        return Err(bad(k, format!("cannot filter by {field:?}")));
                    };
                    if !allowed.is_empty()
                        && !value.contains('*')
                        && !allowed.iter().any(|a| a.eq_ignore_ascii_case(value))
                    {
                        return Err(bad(k, format!("must be one of {}", allowed.join(", "))));
                    }
                    filters.push(((*name).to_owned(), TextFilter::parse(value)));
                }
            }
        }
        let paging = match (page, page_size) {
            (Some(p), Some(s)) => Some((p, s)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(bad("pageSize", "page and pageSize must be given together"));
            }
            (None, Some(_)) => return Err(bad("page", "page and pageSize must be given together")),
        };
        let query = ListQuery {
            sort_desc: sort_field.is_some() && sort_order == Some(true),
            filters,
            page: Page {
                offset: 0,
                limit: 0,
            },
        };
        Ok(ListRequest {
            query,
            paging,
            pairs,
            extra,
        })
    }

    /// The filter given for `field`, if any.
    pub fn filter(&self, field: &str) -> Option<&TextFilter> {
        self.query
            .filters
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, filter)| filter)
    }

    /// Whether the request named a `sortField` (lists with a default order keep it otherwise).
    pub fn sort_given(&self) -> bool {
        self.sort_field().is_some()
    }

    /// The `sortField` asked for (one of the spec's), if any.
    pub fn sort_field(&self) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == "sortField")
            .map(|(_, v)| v.as_str())
    }

    /// The query string with `page`/`pageSize` set (added at the end if absent).
    fn query_with(&self, page: u64, page_size: u64) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        let (mut saw_page, mut saw_size) = (false, false);
        for (k, v) in &self.pairs {
            match k.as_str() {
                "page" => {
                    saw_page = true;
                    out.append_pair(k, &page.to_string());
                }
                "pageSize" => {
                    saw_size = true;
                    out.append_pair(k, &page_size.to_string());
                }
                _ => {
                    out.append_pair(k, v);
                }
            }
        }
        if !saw_page {
            out.append_pair("page", &page.to_string());
        }
        if !saw_size {
            out.append_pair("pageSize", &page_size.to_string());
        }
        out.finish()
    }

    fn self_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            out.append_pair(k, v);
        }
        out.finish()
    }

    /// Decides the page to show for `total` items (`url` is the list's absolute URL without a
    /// query): Hostway's redirects for a long list without paging, an oversized page and a page
    /// past the end.
    pub fn plan(&self, total: u64, url: &str) -> PagePlan {
        let redirect =
            |page, size| PagePlan::Redirect(format!("{url}?{}", self.query_with(page, size)));
        let (page, size) = match self.paging {
            None if total > DEFAULT_PAGE_SIZE => return redirect(1, DEFAULT_PAGE_SIZE),
            // The whole list, read up to the redirect's bound rather than to `total`: items
            // added between the count and the read (a growing log) are not cut off the end.
            None => {
                return PagePlan::Page(Page {
                    offset: 0,
                    limit: DEFAULT_PAGE_SIZE,
                });
            }
            Some((page, size)) if size > MAX_PAGE_SIZE => return redirect(page, MAX_PAGE_SIZE),
            Some(p) => p,
        };
        if page > total.div_ceil(size).max(1) {
            return redirect(1, size);
        }
        PagePlan::Page(Page {
            offset: (page - 1) * size,
            limit: size,
        })
    }

    /// Answers the list: a `303` per [`Self::plan`], or the page `fetch` returns for it (not
    /// called when the list is empty) with its links.
    pub async fn respond<T: Serialize>(
        &self,
        total: u64,
        url: &str,
        fetch: impl AsyncFnOnce(Page) -> ApiResult<Vec<T>>,
    ) -> ApiResult<Response> {
        let page = match self.plan(total, url) {
            PagePlan::Redirect(location) => {
                return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response());
            }
            PagePlan::Page(page) => page,
        };
        let list = if total == 0 {
            Vec::new()
        } else {
            fetch(page).await?
        };
        let links = self.links(total, url);
        Ok(axum::Json(ListBody { list, links }).into_response())
    }

    /// Answers a list held in memory (already filtered): `items` are (sort key, item), sorted
    /// by key (`sortOrder`) and paged like every list.
    pub async fn respond_in_memory<T: Serialize>(
        &self,
        url: &str,
        mut items: Vec<(String, T)>,
    ) -> ApiResult<Response> {
        items.sort_by(|a, b| a.0.cmp(&b.0));
        if self.query.sort_desc {
            items.reverse();
        }
        let total = items.len() as u64;
        self.respond(total, url, async |page| {
            let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
            let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
            Ok(items
                .into_iter()
                .skip(offset)
                .take(limit)
                .map(|(_, item)| item)
                .collect())
        })
        .await
    }

    /// The list's `links`: `self` always; `first`/`previous` unless on page 1, `next`/`last`
    /// unless on the last page (only when paging).
    pub fn links(&self, total: u64, url: &str) -> Vec<Link> {
        let self_query = self.self_query();
        let self_href = if self_query.is_empty() {
            url.to_owned()
        } else {
            format!("{url}?{self_query}")
        };
        let mut links = Link::own(self_href);
        if let Some((page, size)) = self.paging {
            let last = total.div_ceil(size).max(1);
            let mut link = |rel: &'static str, p: u64| {
                links.push(Link::new(
                    format!("{url}?{}", self.query_with(p, size)),
                    rel,
                ))
            };
            if page > 1 {
                link("first", 1);
                link("previous", page - 1);
            }
            if page < last {
                link("next", page + 1);
                link("last", last);
            }
        }
        links
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: ListSpec = ListSpec {
        sort_fields: &["username"],
        filter_fields: &[("username", &[]), ("billingStatus", &["new", "open"])],
    };

    fn parse(q: &str) -> ApiResult<ListRequest> {
        ListRequest::parse(Some(q), &SPEC, &["includeAddOns"])
    }

    #[test]
    fn paging_parameters_come_in_pairs() {
        assert!(parse("page=1").is_err());
        assert!(parse("pageSize=10").is_err());
        assert!(parse("page=0&pageSize=10").is_err());
        assert!(parse("page=x&pageSize=10").is_err());
        assert!(parse("page=1&pageSize=9007199254740992").is_err());
        assert!(parse("page=9007199254740991&pageSize=1").is_ok());
        assert_eq!(parse("page=2&pageSize=10").unwrap().paging, Some((2, 10)));
    }

    #[test]
    fn bad_sort_and_filter_fields_are_named() {
        let err = |q| match parse(q) {
            Err(ApiError::BadRequest {
                details: Details::Fields(fields),
                ..
            }) => fields,
            other => panic!("{other:?}"),
        };
        assert!(err("sortField=name").contains_key("sortField"));
        assert!(err("sortField=username&sortOrder=up").contains_key("sortOrder"));
        assert!(err("filterColour=red").contains_key("filterColour"));
        assert!(err("filterBillingStatus=weird").contains_key("filterBillingStatus"));
        assert!(parse("filterBillingStatus=*pending").is_ok());
        assert!(parse("unrelated=1&includeAddOns=1").is_ok());
    }

    #[test]
    fn wildcards() {
        assert_eq!(TextFilter::parse("abc"), TextFilter::Exact("abc".into()));
        assert_eq!(TextFilter::parse("ab*"), TextFilter::Prefix("ab".into()));
        assert_eq!(
            TextFilter::parse("*b_c"),
            TextFilter::Like {
                prefix: "".into(),
                pattern: "%b\\_c".into()
            }
        );
        assert_eq!(
            TextFilter::parse("a*c*"),
            TextFilter::Like {
                prefix: "a".into(),
                pattern: "a%c%".into()
            }
        );
    }

    #[test]
    fn redirects() {
        let url = "http://h/l";
        let plan = |q: &str, total| parse(q).unwrap().plan(total, url);
        let redirect = |to: &str| PagePlan::Redirect(to.into());
        let page = |offset, limit| PagePlan::Page(Page { offset, limit });
        assert_eq!(
            plan("sortField=username", 101),
            redirect("http://h/l?sortField=username&page=1&pageSize=100")
        );
        assert_eq!(plan("sortField=username", 100), page(0, 100));
        assert_eq!(
            plan("page=3&pageSize=500", 5000),
            redirect("http://h/l?page=3&pageSize=400")
        );
        assert_eq!(
            plan("page=4&pageSize=10", 30),
            redirect("http://h/l?page=1&pageSize=10")
        );
        assert_eq!(plan("page=3&pageSize=10", 30), page(20, 10));
        assert_eq!(
            plan("page=1&pageSize=10", 0),
            page(0, 10),
            "an empty list has a page 1"
        );
    }

    #[test]
    fn links_on_first_middle_and_last_pages() {
        let url = "http://h/l";
        let rels = |q: &str| -> Vec<String> {
            let r = parse(q).unwrap();
            r.links(25, url).iter().map(|l| l.rel.to_owned()).collect()
        };
        assert_eq!(rels("page=1&pageSize=10"), ["self", "next", "last"]);
        assert_eq!(
            rels("page=2&pageSize=10"),
            ["self", "first", "previous", "next", "last"]
        );
        assert_eq!(rels("page=3&pageSize=10"), ["self", "first", "previous"]);
        assert_eq!(rels(""), ["self"]);
        let r = parse("filterUsername=a*&page=2&pageSize=10").unwrap();
        let links = r.links(25, url);
        assert_eq!(
            links[0].href,
            "http://h/l?filterUsername=a*&page=2&pageSize=10"
        );
        assert_eq!(
            links[4].href,
            "http://h/l?filterUsername=a*&page=3&pageSize=10"
        );
    }
}
