//! Group commit of a batch's creates: the users of one batch are packed into as few
//! `TransactWriteItems` as DynamoDB's limits allow (100 actions, 4 MB per request), instead of
//! one transaction per user. DynamoDB Local commits one transaction at a time, and DynamoDB
//! charges a round trip per transaction: fewer, larger transactions are both faster and fewer
//! requests.
//!
//! A group is still all-or-nothing in DynamoDB, but each user keeps its own outcome: when a
//! group is cancelled, its `CancellationReasons` name every action whose condition failed
//! (DynamoDB and DynamoDB Local both report every one, not only the first; a test pins this);
//! each failing action maps back to the user (or, for a shared party check, the users) it
//! belongs to, which get their own error, the one a single create gives. The others are
//! submitted again as a new group. A group cancelled for no reason that names one of its users
//! is split in halves, down to single users, whose error is then a single create's. Conflicts
//! with concurrent writers are retried within the group, as a single write's are.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use super::tx::{Cancelled, Tx};
use super::users::{counter_name, UserWrite};
use super::Store;
use crate::audit::AuditContext;
use crate::domain::{OrgId, PartyId};
use crate::Error;

/// DynamoDB's limit of actions in one `TransactWriteItems`.
pub const MAX_ACTIONS: usize = 100;

/// The most (estimated) bytes a group's request may carry: a quarter of DynamoDB's 4 MB limit,
/// so a rough estimate is safe.
pub const MAX_GROUP_BYTES: usize = 1024 * 1024;

/// Estimated size of the actions a group adds besides its users' own (a party check, the
/// counter update).
const SHARED_ACTION_BYTES: usize = 600;

/// Groups of one call committed at once. On DynamoDB they meet only on a counter shard (picked
/// at random per group); DynamoDB Local commits one at a time, so more in flight would only
/// queue there.
const GROUPS_IN_FLIGHT: usize = 2;

/// Time a group needs, at most, once submitted (its transaction and conflict retries): a group
/// is not submitted when less than this remains before the deadline's margin.
pub const GROUP_TIME: Duration = Duration::from_millis(1000);

/// What one user brings to a group: its own actions (user, profile, markers, audit record),
/// their estimated size, and the party it needs registered (one check per distinct party in a
/// group).
#[derive(Clone, Debug)]
pub(crate) struct Member<'a> {
    pub actions: usize,
    pub bytes: usize,
    pub party: Option<&'a str>,
}

/// Packs `members` (in their order) into consecutive groups, each as large as the limits
/// allow: its members' actions, one check per distinct party and one counter update at most
/// [`MAX_ACTIONS`], and at most [`MAX_GROUP_BYTES`]. A member too large for any group goes
/// alone (its transaction then fails as a single create's would). Answers indices into
/// `members`.
pub(crate) fn pack(members: &[Member<'_>]) -> Vec<Vec<usize>> {
    struct Open<'a> {
        members: Vec<usize>,
        parties: HashSet<&'a str>,
        actions: usize,
        bytes: usize,
    }
    let empty = || Open {
        members: Vec::new(),
        parties: HashSet::new(),
        // The counter update every group carries.
        actions: 1,
        bytes: SHARED_ACTION_BYTES,
    };
    // What `member` adds to `group`: its actions and bytes, and a check of a party new to it.
    let cost = |group: &Open<'_>, member: &Member<'_>| {
        let new_party = member.party.is_some_and(|p| !group.parties.contains(p));
        (
            member.actions + usize::from(new_party),
            member.bytes + if new_party { SHARED_ACTION_BYTES } else { 0 },
        )
    };
    let mut groups = Vec::new();
    let mut open = empty();
    for (index, member) in members.iter().enumerate() {
        let (actions, bytes) = cost(&open, member);
        let fits = open.actions + actions <= MAX_ACTIONS && open.bytes + bytes <= MAX_GROUP_BYTES;
        if !fits && !open.members.is_empty() {
            groups.push(std::mem::replace(&mut open, empty()).members);
        }
        let (actions, bytes) = cost(&open, member);
        open.actions += actions;
        open.bytes += bytes;
        open.members.push(index);
        if let Some(party) = member.party {
            open.parties.insert(party);
        }
    }
    if !open.members.is_empty() {
        groups.push(open.members);
    }
    groups
}

/// An error for each of several users from one error of their group's request.
fn for_each_member(error: &Error) -> Error {
    match error {
        Error::Throttled(m) => Error::Throttled(m.clone()),
        Error::Unavailable(m) => Error::Unavailable(m.clone()),
        other => Error::internal(other.to_string()),
    }
}

/// One user's actions, built once and reused by every submission of its group.
struct Fragment {
    tx: Tx,
    party: Option<PartyId>,
    counter: String,
}

impl Store {
    /// Creates the users of `writes` (all of one organization, none sharing a username, email
    /// or external id with another), each with its profile, markers, count and `user.created`
    /// record, in as few transactions as DynamoDB's limits allow (see the module's notes).
    /// One result per write, in input order; a user's failure never fails another. Groups that
    /// cannot be submitted before the request's deadline answer their users as 503 items.
    pub async fn create_users(
        &self,
        writes: &[UserWrite],
        audit: &AuditContext,
    ) -> Vec<Result<(), Error>> {
        let mut results: Vec<Option<Result<(), Error>>> = Vec::with_capacity(writes.len());
        let mut fragments: Vec<Option<Fragment>> = Vec::with_capacity(writes.len());
        let org = writes.first().map(|w| w.user.org.clone());
        for write in writes {
            let built = if Some(&write.user.org) == org.as_ref() {
                self.create_actions(write, audit).map(|tx| Fragment {
                    tx,
                    party: write.user.business_partner_id.clone(),
                    counter: counter_name(write.user.status),
                })
            } else {
                Err(Error::internal("a group commit spans one organization"))
            };
            match built {
                Ok(fragment) => {
                    fragments.push(Some(fragment));
                    results.push(None);
                }
                Err(e) => {
                    fragments.push(None);
                    results.push(Some(Err(e)));
                }
            }
        }
        let ready: Vec<usize> = (0..writes.len())
            .filter(|&i| fragments[i].is_some())
            .collect();
        let groups = self.pack_fragments(&fragments, &ready);
        let fragments = &fragments;
        let org = &org;
        let done: Vec<Vec<(usize, Result<(), Error>)>> = stream::iter(groups)
            .map(|group| async move {
                match org {
                    Some(org) => self.commit_group(org, fragments, group).await,
                    None => Vec::new(),
                }
            })
            .buffer_unordered(GROUPS_IN_FLIGHT)
            .collect()
            .await;
        for (index, result) in done.into_iter().flatten() {
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(result);
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::internal("batch create left a user out"))))
            .collect()
    }

    /// The groups of `members` (indices into `fragments`), packed by [`pack`].
    fn pack_fragments(&self, fragments: &[Option<Fragment>], members: &[usize]) -> Vec<Vec<usize>> {
        let sized: Vec<(usize, Member<'_>)> = members
            .iter()
            .filter_map(|&i| {
                let f = fragments.get(i)?.as_ref()?;
                Some((
                    i,
                    Member {
                        actions: f.tx.len(),
                        bytes: f.tx.bytes(),
                        party: f.party.as_ref().map(PartyId::as_str),
                    },
                ))
            })
            .collect();
        let shapes: Vec<Member<'_>> = sized.iter().map(|(_, m)| m.clone()).collect();
        pack(&shapes)
            .into_iter()
            .map(|g| {
                g.into_iter()
                    .filter_map(|k| sized.get(k).map(|(i, _)| *i))
                    .collect()
            })
            .collect()
    }

    /// Commits one group, submitting again without the users whose conditions failed (each
    /// gets its own error) until the rest commit; see the module's notes.
    async fn commit_group(
        &self,
        org: &OrgId,
        fragments: &[Option<Fragment>],
        group: Vec<usize>,
    ) -> Vec<(usize, Result<(), Error>)> {
        let mut out = Vec::with_capacity(group.len());
        let mut pending = vec![group];
        while let Some(group) = pending.pop() {
            if group.is_empty() {
                continue;
            }
            if crate::deadline::too_late_for(GROUP_TIME) {
                out.extend(
                    group
                        .into_iter()
                        .map(|i| (i, Err(crate::deadline::not_started()))),
                );
                continue;
            }
            let (tx, owners) = match self.group_tx(org, fragments, &group) {
                Ok(built) => built,
                Err(e) => {
                    out.extend(group.into_iter().map(|i| (i, Err(for_each_member(&e)))));
                    continue;
                }
            };
            match self.commit_or_cancelled(&tx).await {
                Ok(Ok(())) => out.extend(group.into_iter().map(|i| (i, Ok(())))),
                Ok(Err(Cancelled::Conditions(failed))) => {
                    // Each failing user's first failed action (in action order, as a single
                    // create reports it).
                    let mut failing: BTreeMap<usize, Error> = BTreeMap::new();
                    for action in failed {
                        let Some(on_fail) = tx.on_fail(action) else {
                            continue;
                        };
                        for &member in owners.get(action).into_iter().flatten() {
                            failing
                                .entry(member)
                                .or_insert_with(|| on_fail.clone().into_error());
                        }
                    }
                    if failing.is_empty() {
                        // No failed action is a user's (cannot happen: the counter update has
                        // no condition): split as for an unexplained cancellation.
                        split_or_fail(&mut pending, &mut out, group, "no user's condition");
                        continue;
                    }
                    let rest: Vec<usize> = group
                        .into_iter()
                        .filter(|i| !failing.contains_key(i))
                        .collect();
                    out.extend(failing.into_iter().map(|(i, e)| (i, Err(e))));
                    pending.push(rest);
                }
                Ok(Err(Cancelled::Unexplained(reasons))) => {
                    split_or_fail(&mut pending, &mut out, group, &reasons);
                }
                Err(e) if group.len() == 1 => out.push((group[0], Err(e))),
                Err(e) => out.extend(group.into_iter().map(|i| (i, Err(for_each_member(&e))))),
            }
        }
        out
    }

    /// One transaction of `group`'s users: their own actions, one check per distinct party,
    /// one counter update with the group's summed deltas. Answers, per action, the users it
    /// belongs to.
    fn group_tx(
        &self,
        org: &OrgId,
        fragments: &[Option<Fragment>],
        group: &[usize],
    ) -> Result<(Tx, Vec<Vec<usize>>), Error> {
        let mut tx = Tx::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut parties: BTreeMap<&PartyId, Vec<usize>> = BTreeMap::new();
        let mut deltas: BTreeMap<&str, i64> = BTreeMap::new();
        for &i in group {
            let Some(Some(fragment)) = fragments.get(i) else {
                return Err(Error::internal("group member without actions"));
            };
            tx.extend(&fragment.tx);
            owners.resize(tx.len(), vec![i]);
            if let Some(party) = &fragment.party {
                parties.entry(party).or_default().push(i);
            }
            *deltas.entry(fragment.counter.as_str()).or_default() += 1;
        }
        for (party, members) in parties {
            self.check_party_registered(&mut tx, org, party)?;
            owners.resize(tx.len(), members);
        }
        let deltas: Vec<(String, i64)> = deltas
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        self.add_counters(&mut tx, org, &deltas)?;
        owners.resize(tx.len(), Vec::new());
        Ok((tx, owners))
    }
}

/// A group cancelled without a reason that names a user: its halves are submitted on their
/// own; a single user gets the error a single create would (internal: the table is corrupt).
fn split_or_fail(
    pending: &mut Vec<Vec<usize>>,
    out: &mut Vec<(usize, Result<(), Error>)>,
    mut group: Vec<usize>,
    reasons: &str,
) {
    if group.len() == 1 {
        tracing::error!(
            reasons,
            "create transaction cancelled without a user's reason"
        );
        out.extend(group.into_iter().map(|i| {
            (
                i,
                Err(Error::internal(format!("transaction cancelled: {reasons}"))),
            )
        }));
        return;
    }
    tracing::warn!(
        users = group.len(),
        reasons,
        "group cancelled without a user's reason: split"
    );
    let second = group.split_off(group.len() / 2);
    pending.push(second);
    pending.push(group);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(actions: usize) -> Member<'static> {
        Member {
            actions,
            bytes: 2_000,
            party: None,
        }
    }

    /// Every group's actions as the transaction will hold them.
    fn actions_of(members: &[Member<'_>], group: &[usize]) -> usize {
        let parties: HashSet<&str> = group.iter().filter_map(|&i| members[i].party).collect();
        group.iter().map(|&i| members[i].actions).sum::<usize>() + parties.len() + 1
    }

    fn flat(groups: &[Vec<usize>]) -> Vec<usize> {
        groups.iter().flatten().copied().collect()
    }

    #[test]
    fn a_batch_of_plain_users_packs_into_as_few_groups_as_the_action_limit_allows() {
        // user, profile, username and email markers, audit record: 5 actions each.
        let members = vec![member(5); 100];
        let groups = pack(&members);
        // 19 users (95 actions) + the counter update = 96; a 20th would make 101.
        assert_eq!(groups.len(), 6);
        assert!(groups[..5].iter().all(|g| g.len() == 19));
        assert_eq!(groups[5].len(), 5);
        assert_eq!(flat(&groups), (0..100).collect::<Vec<_>>());
        for g in &groups {
            assert!(actions_of(&members, g) <= MAX_ACTIONS);
        }
    }

    #[test]
    fn the_largest_users_still_fit_the_action_limit() {
        // user, profile, username, 5 email and external-id markers, audit: 10; a party each.
        let parties: Vec<String> = (0..100).map(|i| format!("party-{i}")).collect();
        let members: Vec<Member<'_>> = parties
            .iter()
            .map(|p| Member {
                actions: 10,
                bytes: 10_000,
                party: Some(p.as_str()),
            })
            .collect();
        let groups = pack(&members);
        for g in &groups {
            assert!(actions_of(&members, g) <= MAX_ACTIONS, "{g:?}");
        }
        // 9 users × 11 actions + the counter = 100: exactly at the limit.
        assert_eq!(groups[0].len(), 9);
        assert_eq!(actions_of(&members, &groups[0]), 100);
        assert_eq!(flat(&groups), (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn one_party_shared_by_a_group_is_checked_once() {
        let members: Vec<Member<'_>> = (0..30)
            .map(|_| Member {
                actions: 5,
                bytes: 1_000,
                party: Some("acme"),
            })
            .collect();
        let groups = pack(&members);
        // 19 × 5 + one party check + the counter = 97.
        assert_eq!(groups[0].len(), 19);
        assert_eq!(actions_of(&members, &groups[0]), 97);
        assert_eq!(flat(&groups), (0..30).collect::<Vec<_>>());
    }

    #[test]
    fn groups_stay_under_the_size_limit() {
        let members = vec![
            Member {
                actions: 5,
                bytes: 300_000,
                party: None,
            };
            10
        ];
        let groups = pack(&members);
        for g in &groups {
            let bytes: usize = g.iter().map(|&i| members[i].bytes).sum();
            assert!(bytes + SHARED_ACTION_BYTES <= MAX_GROUP_BYTES, "{g:?}");
        }
        assert_eq!(groups[0].len(), 3);
        assert_eq!(flat(&groups), (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_member_too_large_for_any_group_goes_alone_and_nothing_is_lost() {
        let members = vec![member(5), member(150), member(5)];
        let groups = pack(&members);
        assert_eq!(groups, vec![vec![0], vec![1], vec![2]]);
        assert!(pack(&[]).is_empty());
    }

    #[test]
    fn an_item_size_estimate_counts_names_and_values() {
        use super::super::tx::item_bytes;
        use aws_sdk_dynamodb::types::AttributeValue;
        let small: super::super::Item =
            std::collections::HashMap::from([("a".to_string(), AttributeValue::S("x".into()))]);
        let large: super::super::Item = std::collections::HashMap::from([(
            "a".to_string(),
            AttributeValue::S("x".repeat(10_000)),
        )]);
        assert!(item_bytes(&large) >= 10_000);
        assert!(item_bytes(&small) < 100);
    }
}
