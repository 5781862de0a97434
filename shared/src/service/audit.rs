//! Reading the audit trail: `GET /v1/audit`, managers only, the caller's organization only.

use super::{ListPage, Paging, Roster};
use crate::audit::AuditRecord;
use crate::auth::Principal;
use crate::store::AuditFilter;
use crate::Error;

impl Roster {
    /// One page of the caller's organization's records, newest first, with the exact count of
    /// records matching `filter`. 400 when `since` is after `until`.
    pub async fn list_audit(
        &self,
        caller: &Principal,
        filter: AuditFilter,
        paging: &Paging,
    ) -> Result<ListPage<AuditRecord>, Error> {
        caller.require_manager()?;
        if let (Some(since), Some(until)) = (filter.since_ms, filter.until_ms) {
            if since > until {
                return Err(Error::field("since", "must not be after until"));
            }
        }
        let (request, current) = paging.resolve(&caller.org)?;
        let (page, total) = tokio::try_join!(
            self.store.list_audit(&caller.org, &filter, &request),
            self.store.count_audit(&caller.org, &filter)
        )?;
        Ok(paging.finish(&caller.org, page, current, total))
    }
}
