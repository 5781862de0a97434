//! Organizations: settings, and the sharded counters that keep `totalItems` exact without a
//! hot item (see `add_counters`).

use crate::error::{Conflict, Resource};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::reads::SortKeys;
use super::tx::{Condition, OnFail, Tx};
use super::{av, decode, encode, keys, Store};
use crate::audit::{self, AuditContext};
use crate::domain::{Cidr, Language, OrgId};
use crate::Error;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: OrgId,
    pub default_language: Language,
    /// When set, keys of users whose registration state is UNREGISTERED are refused (seed 002).
    #[serde(default)]
    pub requires_registration: bool,
    /// Source addresses allowed to call; empty means any address.
    #[serde(default)]
    pub ip_allow_list: Vec<Cidr>,
    /// The API Gateway API key (id and value) that meters this organization's requests in the
    /// usage plan; returned by the authorizer as `usageIdentifierKey`. Set by the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_key_value: Option<String>,
    /// How many days audit records are kept (none: the default, 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_retention_days: Option<u32>,
    pub created_at: String,
}

/// Exact counts of the organization's users by status, and of its deleted history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrgCounters {
    pub active: u64,
    pub inactive: u64,
    pub deleted: u64,
    pub deleted_history: u64,
    pub parties: u64,
}

/// The counter attributes, on the org item (legacy base) and on each counter shard.
pub(crate) const COUNTERS: [&str; 5] = [
    "usersACTIVE",
    "usersINACTIVE",
    "usersDELETED",
    "deletedHistory",
    "parties",
];

impl OrgCounters {
    /// Adds one item's counter attributes (shards may be negative: only the sum is exact).
    pub(crate) fn add(&mut self, item: &super::Item) {
        let fields = [
            &mut self.active,
            &mut self.inactive,
            &mut self.deleted,
            &mut self.deleted_history,
            &mut self.parties,
        ];
        for (field, name) in fields.into_iter().zip(COUNTERS) {
            *field = field.wrapping_add_signed(av::get_n(item, name));
        }
    }
}

impl Store {
    /// Creates the organization (409 `ORGANIZATION_EXISTS` if it does), recording it.
    pub async fn create_org(&self, org: &Organization, audit: &AuditContext) -> Result<(), Error> {
        let mut item = encode(org, "organization")?;
        item.insert(keys::PK.into(), av::s(keys::org_pk(&org.id)));
        item.insert(keys::SK.into(), av::s(keys::org_sk()));
        item.insert(keys::ENTITY.into(), av::s("ORG"));
        let registry = HashMap::from([
            (keys::PK.to_string(), av::s(keys::org_registry_pk())),
            (keys::SK.to_string(), av::s(keys::org_pk(&org.id))),
            (keys::ENTITY.to_string(), av::s("ORG_REGISTRY")),
            ("orgId".to_string(), av::s(org.id.as_str())),
        ]);
        let exists = || {
            OnFail::Conflict(
                Conflict::OrganizationExists,
                format!("organization {} exists", org.id),
            )
        };
        let mut tx = Tx::new();
        tx.put(&self.table, item, Some(Condition::absent()), exists())?;
        tx.put(&self.table, registry, Some(Condition::absent()), exists())?;
        self.add_audit(&mut tx, audit, audit::org_created(org))?;
        self.commit(tx).await
    }

    /// The organization and its exact counters, in one `Query` (the org item and its counter
    /// shards share the sort-key prefix `ORG`). Counters the org item itself still carries
    /// (written before the counters were sharded) are the base the shards add to.
    pub async fn get_org(&self, org: &OrgId) -> Result<Option<(Organization, OrgCounters)>, Error> {
        let prefix = SortKeys::Prefix(keys::org_and_counters_prefix());
        let items = self.query_all(keys::org_pk(org), prefix, "org").await?;
        let mut counters = OrgCounters::default();
        let mut org_item = None;
        for item in items {
            counters.add(&item);
            if av::get_s(&item, keys::SK) == Some(keys::org_sk().as_str()) {
                org_item = Some(item);
            }
        }
        let Some(item) = org_item else {
            return Ok(None);
        };
        Ok(Some((decode(item, "organization")?, counters)))
    }

    /// The organization item alone (settings, no counters): one consistent `GetItem`, what
    /// authenticating a key needs.
    pub async fn get_org_settings(&self, org: &OrgId) -> Result<Option<Organization>, Error> {
        self.get_item(keys::org_pk(org), keys::org_sk(), "org")
            .await?
            .map(|i| decode(i, "organization"))
            .transpose()
    }

    pub async fn org_counters(&self, org: &OrgId) -> Result<OrgCounters, Error> {
        Ok(self.get_org(org).await?.map(|(_, c)| c).unwrap_or_default())
    }
}

/// Operator changes to an organization's settings.
#[derive(Clone, Debug, Default)]
pub struct OrgSettings {
    pub ip_allow_list: Option<Vec<Cidr>>,
    pub requires_registration: Option<bool>,
    pub usage_key: Option<(String, String)>,
    /// Days audit records are kept (1–3650).
    pub audit_retention_days: Option<u32>,
}

impl Store {
    /// The audit context of the operator command acting on `org` (404 if it does not exist).
    pub async fn operator_context(&self, org: &OrgId) -> Result<AuditContext, Error> {
        let (organization, _) = self
            .get_org(org)
            .await?
            .ok_or(Error::NotFound(Resource::Organization))?;
        Ok(AuditContext::operator(org, organization.retention_days()))
    }

    /// Applies `settings` to an existing organization (404 otherwise), recording the change
    /// (conditional on the settings read, so the record's "before" is exact).
    pub async fn update_org_settings(
        &self,
        org: &OrgId,
        settings: &OrgSettings,
        audit: &AuditContext,
    ) -> Result<(), Error> {
        let (old, _) = self
            .get_org(org)
            .await?
            .ok_or(Error::NotFound(Resource::Organization))?;
        let mut new = old.clone();
        let mut sets = Vec::new();
        let mut update = Condition::new("");
        if let Some(list) = &settings.ip_allow_list {
            new.ip_allow_list = list.clone();
            sets.push("#allow = :allow");
            let values = list.iter().map(|c| av::s(c.to_string())).collect();
            update = update
                .name("#allow", "ipAllowList")
                .value(":allow", aws_sdk_dynamodb::types::AttributeValue::L(values));
        }
        if let Some(required) = settings.requires_registration {
            new.requires_registration = required;
            sets.push("#reg = :reg");
            update = update.name("#reg", "requiresRegistration").value(
                ":reg",
                aws_sdk_dynamodb::types::AttributeValue::Bool(required),
            );
        }
        if let Some(days) = settings.audit_retention_days {
            new.audit_retention_days = Some(days);
            sets.push("#ret = :ret");
            update = update
                .name("#ret", "auditRetentionDays")
                .value(":ret", av::n(days));
        }
        if let Some((id, value)) = &settings.usage_key {
            new.usage_key_id = Some(id.clone());
            new.usage_key_value = Some(value.clone());
            sets.push("#kid = :kid, #kval = :kval");
            update = update
                .name("#kid", "usageKeyId")
                .name("#kval", "usageKeyValue")
                .value(":kid", av::s(id.clone()))
                .value(":kval", av::s(value.clone()));
        }
        if sets.is_empty() {
            return Ok(());
        }
        update.expression = format!("SET {}", sets.join(", "));
        let mut tx = Tx::new();
        tx.update(
            &self.table,
            keys::org_pk(org),
            keys::org_sk(),
            update,
            Some(Condition::present()),
            OnFail::Missing(Resource::Organization),
        )?;
        self.add_audit(&mut tx, audit, audit::org_settings_change(&old, &new))?;
        self.commit(tx).await
    }
}

impl Organization {
    /// Days audit records are kept.
    pub fn retention_days(&self) -> u32 {
        self.audit_retention_days
            .unwrap_or(audit::DEFAULT_RETENTION_DAYS)
    }
}
