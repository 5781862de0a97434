//! The expiry index (GSI3, one partition per day) and the sweep's watermark.

use super::{av, errors, keys, Item, Store};
use crate::domain::{OrgId, UserId};
use crate::Error;

/// A user found in the expiry index.
#[derive(Clone, Debug)]
pub struct ExpiredUser {
    pub org: OrgId,
    pub user_id: UserId,
}

impl Store {
    /// The expiry-index partitions the sweep of `today` reads: the legacy single `EXPIRY`
    /// partition (items written before the index was sharded; it drains as they are swept or
    /// rewritten), then each day from the watermark to `today`.
    pub async fn expiry_shards(&self, today: &str) -> Result<Vec<String>, Error> {
        let watermark = self
            .get_item(keys::sweep_pk(), keys::sweep_sk(), "sweep watermark")
            .await?;
        let from = watermark
            .as_ref()
            .and_then(|i| av::get_s(i, "day"))
            .and_then(crate::clock::parse_date)
            .unwrap_or(FIRST_EXPIRY_DAY);
        let Some(today_date) = crate::clock::parse_date(today) else {
            return Err(Error::internal(format!("sweep day {today} unreadable")));
        };
        let mut shards = vec!["EXPIRY".to_string()];
        let mut day = from;
        while day <= today_date {
            shards.push(keys::expiry_gsi_pk(&crate::clock::format_date(day)));
            match day.next_day() {
                Some(next) => day = next,
                None => break,
            }
        }
        Ok(shards)
    }

    /// Records that every expiry shard before `day` has been swept empty.
    pub async fn set_sweep_watermark(&self, day: &str) -> Result<(), Error> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(keys::PK, av::s(keys::sweep_pk()))
            .item(keys::SK, av::s(keys::sweep_sk()))
            .item(keys::ENTITY, av::s("SWEEP"))
            .item("day", av::s(day))
            .send()
            .await
            .map_err(|e| errors::storage("PutItem(sweep watermark)", e))?;
        Ok(())
    }

    /// Users of one expiry shard whose `validUntil` is before `today` (`YYYY-MM-DD`) and who
    /// are still active, one page at a time.
    pub async fn expired_users(
        &self,
        shard: &str,
        today: &str,
        start: Option<Item>,
        limit: i32,
    ) -> Result<(Vec<ExpiredUser>, Option<Item>), Error> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI3)
            .key_condition_expression("#pk = :pk AND #sk < :today")
            .expression_attribute_names("#pk", keys::GSI3PK)
            .expression_attribute_names("#sk", keys::GSI3SK)
            .expression_attribute_values(":pk", av::s(shard))
            .expression_attribute_values(":today", av::s(today))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| errors::storage("Query(expiry index)", e))?;
        let users = out
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(|item| {
                let org = av::get_s(item, keys::PK)?.strip_prefix("ORG#")?;
                let user = av::get_s(item, keys::SK)?.strip_prefix(keys::USER_PREFIX)?;
                Some(ExpiredUser {
                    org: OrgId::parse(org).ok()?,
                    user_id: UserId::parse(user).ok()?,
                })
            })
            .collect();
        Ok((users, out.last_evaluated_key))
    }
}

/// No expiry shard is older than the day the index was sharded (writes never go to a day
/// before their own): where a sweep without a watermark starts.
const FIRST_EXPIRY_DAY: time::Date = time::macros::date!(2026 - 12 - 01);
