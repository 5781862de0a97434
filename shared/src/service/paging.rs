//! Page requests (`limit` with `page` or `cursor`) and the page answer with exact totals.

use crate::domain::OrgId;
use crate::store::{Cursor, Page, PageRequest};
use crate::Error;

#[derive(Clone, Debug)]
pub struct Paging {
    pub limit: usize,
    pub page: Option<u32>,
    pub cursor: Option<String>,
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            limit: 10,
            page: None,
            cursor: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub total_items: u64,
    pub items_per_page: usize,
    pub current_page: u32,
    pub total_pages: u64,
    pub next_cursor: Option<String>,
}

impl<T> ListPage<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> ListPage<U> {
        ListPage {
            items: self.items.into_iter().map(f).collect(),
            total_items: self.total_items,
            items_per_page: self.items_per_page,
            current_page: self.current_page,
            total_pages: self.total_pages,
            next_cursor: self.next_cursor,
        }
    }
}

impl Paging {
    /// The store request and the number of the page it reads.
    pub(crate) fn resolve(&self, org: &OrgId) -> Result<(PageRequest, u32), Error> {
        match &self.cursor {
            Some(text) => {
                let cursor = Cursor::decode(text, org)?;
                Ok((
                    PageRequest {
                        limit: self.limit,
                        skip: 0,
                        start: Some(cursor.key),
                    },
                    cursor.page,
                ))
            }
            None => {
                let page = self.page.unwrap_or(1).max(1);
                let skip = (page as usize - 1).saturating_mul(self.limit);
                Ok((
                    PageRequest {
                        limit: self.limit,
                        skip,
                        start: None,
                    },
                    page,
                ))
            }
        }
    }

    /// The total carried by the cursor of this request, if any (see [`Cursor::total`]).
    pub(crate) fn carried_total(&self, org: &OrgId) -> Option<u64> {
        let text = self.cursor.as_ref()?;
        Cursor::decode(text, org).ok()?.total
    }

    pub(crate) fn finish<T>(
        &self,
        org: &OrgId,
        page: Page<T>,
        current_page: u32,
        total_items: u64,
    ) -> ListPage<T> {
        let per_page = self.limit.max(1) as u64;
        ListPage {
            next_cursor: page.next.map(|key| {
                Cursor {
                    key,
                    page: current_page + 1,
                    total: Some(total_items),
                }
                .encode(org)
            }),
            items: page.items,
            total_items,
            items_per_page: self.limit,
            current_page,
            total_pages: total_items.div_ceil(per_page),
        }
    }
}
