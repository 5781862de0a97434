//! Bootstrapping: the operator creates an organization, its first manager and that manager's key.

use super::{IssuedKey, Roster};
use crate::audit::AuditContext;
use crate::audit::MAX_RETENTION_DAYS;
use crate::clock;
use crate::domain::{Language, OrgId, PersonName, User, Username};
use crate::store::{OrgSettings, Organization};
use crate::Error;

impl Roster {
    /// Creates `org` with a manager `username` and returns the manager and its first key.
    pub async fn bootstrap_org(
        &self,
        org: &OrgId,
        username: Username,
        language: Language,
    ) -> Result<(User, IssuedKey), Error> {
        let organization = Organization {
            id: org.clone(),
            default_language: language.clone(),
            requires_registration: false,
            ip_allow_list: vec![],
            usage_key_id: None,
            usage_key_value: None,
            audit_retention_days: None,
            created_at: clock::now(),
        };
        let audit = AuditContext::operator(org, organization.retention_days());
        self.store.create_org(&organization, &audit).await?;
        let name = PersonName::parse(&format!("{username} (manager)"))
            .map_err(|e| Error::field("manager", e))?;
        let manager = self
            .create_user_in(
                org,
                &language,
                Self::bootstrap_manager(username, name),
                &audit,
            )
            .await?;
        let key = self.issue_key_in(org, &manager.id, &audit).await?;
        Ok((manager, key))
    }

    /// The operator changes an organization's settings (404 if it does not exist), recorded
    /// as `organization.settings_changed` by `operator`. A retention outside 1–3650 days is 400.
    pub async fn operator_update_org(
        &self,
        org: &OrgId,
        settings: &OrgSettings,
    ) -> Result<(), Error> {
        if let Some(days) = settings.audit_retention_days {
            if !(1..=MAX_RETENTION_DAYS).contains(&days) {
                return Err(Error::field(
                    "days",
                    format!("must be from 1 to {MAX_RETENTION_DAYS}"),
                ));
            }
        }
        let audit = self.store.operator_context(org).await?;
        self.store.update_org_settings(org, settings, &audit).await
    }
}
