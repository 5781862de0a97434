//! Page requests (`limit` with `page` or `cursor`) and the page answer with exact totals.

use crate::domain::OrgId;
use crate::store::{Cursor, Page, PageRequest};
use crate::Error;

/// How far a page number may reach: `(page - 1) × limit` items skipped at most. Beyond it the
/// caller follows cursors (which read from where the last page ended, not from the start).
pub const MAX_PAGE_OFFSET: u64 = 10_000;

#[derive(Clone, Debug)]
pub struct Paging {
    pub limit: usize,
    pub page: Option<u32>,
    pub cursor: Option<String>,
    /// The surface's names of the page-number and cursor parameters, for its error messages
    /// (`page` / `cursor` natively, `page[number]` / `page[cursor]` on seed 002).
    pub page_param: &'static str,
    pub cursor_param: &'static str,
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            limit: 10,
            page: None,
            cursor: None,
            page_param: "page",
            cursor_param: "cursor",
        }
    }
}

/// The items `page` (1-based) skips at `limit` a page, if at most [`MAX_PAGE_OFFSET`].
fn page_offset(page: u32, limit: usize) -> Option<usize> {
    let skip = u64::from(page.max(1) - 1).checked_mul(u64::try_from(limit).ok()?)?;
    if skip > MAX_PAGE_OFFSET {
        return None;
    }
    usize::try_from(skip).ok()
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
                let skip = page_offset(page, self.limit).ok_or_else(|| {
                    Error::field(
                        self.page_param,
                        format!(
                            "reaches past the first {MAX_PAGE_OFFSET} items ({} × {} skipped): \
                             to read further, follow {} from the previous page's next link",
                            page - 1,
                            self.limit,
                            self.cursor_param
                        ),
                    )
                })?;
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
            // No cursor leads to page u32::MAX (decode refuses one): the page after it could not
            // be numbered. So a listing ends there, 4 billion pages deep.
            next_cursor: page.next.and_then(|key| {
                let page = current_page.checked_add(1).filter(|p| *p < u32::MAX)?;
                Some(
                    Cursor {
                        key,
                        page,
                        total: Some(total_items),
                    }
                    .encode(org),
                )
            }),
            items: page.items,
            total_items,
            items_per_page: self.limit,
            current_page,
            total_pages: total_items.div_ceil(per_page),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_reach_ten_thousand_items_and_no_further() {
        assert_eq!(page_offset(1, 10), Some(0));
        assert_eq!(page_offset(0, 10), Some(0), "page 0 reads as page 1");
        assert_eq!(page_offset(101, 100), Some(10_000));
        assert_eq!(page_offset(102, 100), None);
        assert_eq!(page_offset(1_001, 10), Some(10_000));
        assert_eq!(page_offset(1_002, 10), None);
        assert_eq!(page_offset(u32::MAX, 100), None, "no overflow");
        assert_eq!(page_offset(4_000_000_000, 1), None);
        assert_eq!(page_offset(u32::MAX, usize::MAX), None);
    }

    #[test]
    fn a_page_too_deep_is_400_naming_the_surface_s_cursor() {
        let org = OrgId::parse("acme").unwrap_or_else(|e| panic!("{e}"));
        let paging = Paging {
            page: Some(4_000_000_000),
            page_param: "page[number]",
            cursor_param: "page[cursor]",
            ..Paging::default()
        };
        match paging.resolve(&org) {
            Err(Error::Validation(errors)) => {
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].field, "page[number]");
                assert!(errors[0].message.contains("page[cursor]"), "{errors:?}");
            }
            other => panic!("{other:?}"),
        }
        let ok = Paging {
            page: Some(1_001),
            ..Paging::default()
        };
        assert!(matches!(ok.resolve(&org), Ok((ref r, 1_001)) if r.skip == 10_000));
    }
}
