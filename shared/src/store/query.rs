//! Paged queries: read until a page is full (filters may drop items), and remember the key of
//! the last item returned, so the next page starts exactly after it.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, Select};

use super::{av, errors, keys, Item, Store};
use crate::Error;

/// Which page to read: `skip` items are passed over first (the `page=` form), or reading starts
/// after `start` (the cursor form).
#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    pub limit: usize,
    pub skip: usize,
    pub start: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Sort-key attributes of the last item, when more items follow.
    pub next: Option<BTreeMap<String, String>>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

impl Page<Item> {
    /// The page's items decoded as `T` (named `what` in errors), the cursor kept.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        self,
        what: &str,
    ) -> Result<Page<T>, Error> {
        Ok(Page {
            items: self
                .items
                .into_iter()
                .map(|item| super::decode(item, what))
                .collect::<Result<_, _>>()?,
            next: self.next,
        })
    }
}

/// One query shape: its partition, the sort-key attributes a cursor keeps, and the filter.
pub(crate) struct QuerySpec {
    pub index: Option<&'static str>,
    /// `(attribute, value)` of the partition key.
    pub partition: (&'static str, String),
    /// Extra partition attributes needed to rebuild a start key (the base-table PK on a GSI).
    pub fixed: Vec<(&'static str, String)>,
    /// Sort-key attributes carried in cursors.
    pub cursor_attrs: &'static [&'static str],
    /// Key condition on the sort key, using `:sk` (and `#sk`).
    pub sort_condition: Option<(&'static str, String)>,
    pub filter: Option<String>,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
    /// Each cursor attribute must start with this (e.g. `USER#`), or the cursor is refused.
    pub cursor_prefix: Option<(&'static str, String)>,
}

impl QuerySpec {
    /// The items of base-table partition `pk` whose sort key starts with `prefix`, in sort-key
    /// order, unfiltered; a cursor must stay inside the prefix.
    pub fn prefix(pk: String, prefix: &str) -> Self {
        Self {
            index: None,
            partition: (keys::PK, pk),
            fixed: vec![],
            cursor_attrs: &[keys::SK],
            sort_condition: Some((keys::SK, "begins_with(#sk, :sk)".into())),
            filter: None,
            names: HashMap::new(),
            values: HashMap::from([(":sk".to_string(), av::s(prefix))]),
            cursor_prefix: Some((keys::SK, prefix.into())),
        }
    }

    fn request(
        &self,
        store: &Store,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.request_in_order(store, true)
    }

    fn request_in_order(
        &self,
        store: &Store,
        forward: bool,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let mut condition = "#pk = :pk".to_string();
        let mut names = self.names.clone();
        let mut values = self.values.clone();
        names.insert("#pk".into(), self.partition.0.into());
        values.insert(":pk".into(), av::s(self.partition.1.clone()));
        if let Some((attr, cond)) = &self.sort_condition {
            condition.push_str(" AND ");
            condition.push_str(cond);
            names.insert("#sk".into(), (*attr).into());
        }
        store
            .client
            .query()
            .table_name(&store.table)
            .set_index_name(self.index.map(str::to_string))
            .key_condition_expression(condition)
            .set_filter_expression(self.filter.clone())
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(forward)
    }

    fn start_key(&self, start: &BTreeMap<String, String>) -> Result<Item, Error> {
        let mut key = Item::new();
        for attr in self.cursor_attrs {
            let value = start.get(*attr).ok_or(Error::InvalidCursor)?;
            key.insert((*attr).to_string(), av::s(value.clone()));
        }
        if start.len() != self.cursor_attrs.len() {
            return Err(Error::InvalidCursor);
        }
        if let Some((attr, prefix)) = &self.cursor_prefix {
            if !start
                .get(*attr)
                .is_some_and(|v| v.starts_with(prefix.as_str()))
            {
                return Err(Error::InvalidCursor);
            }
        }
        key.insert(
            self.partition.0.to_string(),
            av::s(self.partition.1.clone()),
        );
        for (attr, value) in &self.fixed {
            key.insert((*attr).to_string(), av::s(value.clone()));
        }
        Ok(key)
    }

    fn cursor_of(&self, item: &Item) -> BTreeMap<String, String> {
        self.cursor_attrs
            .iter()
            .filter_map(|a| av::get_s(item, a).map(|v| ((*a).to_string(), v.to_string())))
            .collect()
    }
}

/// Most items one filtered query evaluates (DynamoDB stops at 1 MB anyway).
const READ_AHEAD_MAX: usize = 1000;

impl Store {
    /// Reads one page of `spec`. A start key DynamoDB rejects is the caller's `InvalidCursor`.
    pub(crate) async fn query_page(
        &self,
        spec: &QuerySpec,
        page: &PageRequest,
    ) -> Result<Page<Item>, Error> {
        self.query_page_in_order(spec, page, true).await
    }

    /// [`Self::query_page`] in ascending (`forward`) or descending sort-key order.
    pub(crate) async fn query_page_in_order(
        &self,
        spec: &QuerySpec,
        page: &PageRequest,
        forward: bool,
    ) -> Result<Page<Item>, Error> {
        let mut exclusive_start = match &page.start {
            Some(start) => Some(spec.start_key(start)?),
            None => None,
        };
        let wanted = page.skip + page.limit + 1; // one extra tells whether more follow
        let mut collected: Vec<Item> = Vec::with_capacity(wanted.min(128));
        // A filter drops items after `Limit` is applied: a sparse one (`status=DELETED`) would
        // crawl the partition `wanted` items at a time. So with a filter, read ahead: each
        // query evaluates 8× more than the previous one, up to READ_AHEAD_MAX.
        let mut evaluate = wanted;
        loop {
            let remaining = wanted - collected.len();
            let limit = if spec.filter.is_some() {
                let limit = evaluate.max(remaining);
                evaluate = evaluate.saturating_mul(8).min(READ_AHEAD_MAX);
                limit
            } else {
                remaining
            };
            let out = spec
                .request_in_order(self, forward)
                .limit(i32::try_from(limit.max(1)).unwrap_or(i32::MAX))
                .set_exclusive_start_key(exclusive_start.clone())
                .send()
                .await;
            let out = match out {
                Ok(out) => out,
                Err(e) if page.start.is_some() && errors::is_bad_start_key(&e) => {
                    return Err(Error::InvalidCursor)
                }
                Err(e) => return Err(errors::storage("Query", e)),
            };
            collected.extend(out.items.unwrap_or_default());
            exclusive_start = out.last_evaluated_key;
            if collected.len() >= wanted || exclusive_start.is_none() {
                break;
            }
        }
        let more = collected.len() > page.skip + page.limit;
        let mut items: Vec<Item> = collected
            .into_iter()
            .skip(page.skip)
            .take(page.limit)
            .collect();
        let next = if more {
            items.last().map(|last| spec.cursor_of(last))
        } else {
            None
        };
        items.truncate(page.limit);
        Ok(Page { items, next })
    }

    /// The page `page` (read from the start: `skip` and `limit`) of `spec` and the exact number
    /// of items matching `spec`, in **one** pass over the matching range: every item is read
    /// once, as a `Select=COUNT` query would read it anyway (DynamoDB bills the bytes a query
    /// reads, counted or returned), so the page costs no read of its own. For listings no
    /// counter answers (`updatedSince`) on a request that carries no total (a page number).
    pub(crate) async fn query_page_and_count(
        &self,
        spec: &QuerySpec,
        page: &PageRequest,
    ) -> Result<(Page<Item>, u64), Error> {
        let end = page.skip + page.limit;
        let mut items: Vec<Item> = Vec::with_capacity(page.limit.min(128));
        let mut total = 0usize;
        let mut start: Option<Item> = None;
        loop {
            let out = spec
                .request(self)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| errors::storage("Query(page and count)", e))?;
            for item in out.items.unwrap_or_default() {
                if (page.skip..end).contains(&total) {
                    items.push(item);
                }
                total += 1;
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        let next = if total > end {
            items.last().map(|last| spec.cursor_of(last))
        } else {
            None
        };
        Ok((Page { items, next }, total as u64))
    }

    /// Counts every item matching `spec` (paging through the whole result).
    pub(crate) async fn query_count(&self, spec: &QuerySpec) -> Result<u64, Error> {
        let mut total = 0u64;
        let mut start: Option<Item> = None;
        loop {
            let out = spec
                .request(self)
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| errors::storage("Query(count)", e))?;
            total += u64::try_from(out.count).unwrap_or(0);
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(total);
            }
        }
    }
}
