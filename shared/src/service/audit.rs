//! Reading the audit trail: `GET /v1/audit`, managers only, the caller's organization only.

use super::{ListPage, Paging, Roster};
use crate::audit::AuditRecord;
use crate::auth::Principal;
use crate::store::AuditFilter;
use crate::Error;

impl Roster {
    /// One page of the caller's organization's records, newest first, with the exact count of
    /// records matching `filter` (none when `until` is not after `since`).
    pub async fn list_audit(
        &self,
        caller: &Principal,
        filter: AuditFilter,
        paging: &Paging,
    ) -> Result<ListPage<AuditRecord>, Error> {
        caller.require_manager()?;
        let (request, current) = paging.resolve(&caller.org)?;
        let (page, total) = tokio::try_join!(
            self.store.list_audit(&caller.org, &filter, &request),
            self.store.count_audit(&caller.org, &filter)
        )?;
        Ok(paging.finish(&caller.org, page, current, total))
    }
}
