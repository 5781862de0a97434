//! What each kind of write records: the action and the changed fields. Each function takes the
//! states before and after, so the record says exactly what the write changed.

use super::{Action, Change, Changes, Event, Surface, Target, TargetKind};
use crate::domain::{Authorization, KeyId, OrgId, Party, Profile, Status, User, UserId};
use crate::store::Organization;

fn user_target(user: &UserId) -> Target {
    Target {
        kind: TargetKind::User,
        id: user.to_string(),
        user: None,
        party: None,
    }
}

/// Every recorded field of a user, old against new. Destructures the whole user, so a field
/// added to `User` must be decided on here (recorded, secret, or bookkeeping) to compile.
fn user_fields(old: &User, new: &User) -> Changes {
    let User {
        id: _,
        org: _,
        external_id,
        username,
        name,
        emails,
        phone,
        language,
        business_partner_id,
        role,
        status,
        valid_until,
        flags,
        registration,
        attributes,
        // A compatible surface's copy of what it was sent (SCIM): the mapped fields above are
        // what changed; this is rendering data, not recorded.
        surface_data: _,
        password_hash,
        // Bookkeeping, not changes of the user: the record's own time and actor say these.
        created_at: _,
        updated_at: _,
        deleted_at: _,
        created_by: _,
        updated_by: _,
        created_via: _,
        updated_via: _,
        version: _,
    } = new;
    let mut c = Changes::default();
    c.field("username", &old.username, username);
    c.field("name", &old.name, name);
    c.field("emails", &old.emails, emails);
    c.field("phone", &old.phone, phone);
    c.field("language", &old.language, language);
    c.field("externalId", &old.external_id, external_id);
    c.field(
        "businessPartnerId",
        &old.business_partner_id,
        business_partner_id,
    );
    c.field("role", &old.role, role);
    c.field("status", &old.status, status);
    c.field("validUntil", &old.valid_until, valid_until);
    c.field("flags", &old.flags, flags);
    c.field(
        "registrationState",
        &old.registration.state,
        &registration.state,
    );
    c.field("attributes", &old.attributes, attributes);
    // The hash is a secret: only the fact that the password was set, changed or removed.
    c.secret("password", &old.password_hash != password_hash);
    c
}

/// A user was created: its initial fields as changes from nothing.
pub fn user_created(user: &User) -> Event {
    let mut blank = user.clone();
    blank.external_id = None;
    blank.emails = Default::default();
    blank.phone = None;
    blank.business_partner_id = None;
    blank.valid_until = None;
    blank.flags = Vec::new();
    blank.attributes = Default::default();
    blank.password_hash = None;
    let mut changes = user_fields(&blank, user).0;
    // Always-present fields, shown as set from nothing.
    let initial = [
        Change {
            field: "username".into(),
            old: Some(serde_json::Value::Null),
            new: Some(super::Recordable::recorded(&user.username)),
            redacted: false,
        },
        Change {
            field: "name".into(),
            old: Some(serde_json::Value::Null),
            new: Some(super::Recordable::recorded(&user.name)),
            redacted: false,
        },
        Change {
            field: "role".into(),
            old: Some(serde_json::Value::Null),
            new: Some(super::Recordable::recorded(&user.role)),
            redacted: false,
        },
        Change {
            field: "status".into(),
            old: Some(serde_json::Value::Null),
            new: Some(super::Recordable::recorded(&user.status)),
            redacted: false,
        },
    ];
    changes.splice(0..0, initial);
    Event {
        action: Action::UserCreated,
        target: user_target(&user.id),
        changes,
    }
}

/// A user changed: the most telling action (status transitions first, then role, password,
/// username; `user.updated` otherwise), with every changed field.
pub fn user_change(old: &User, new: &User, surface: Surface) -> Event {
    let changes = user_fields(old, new);
    let action = match (old.status, new.status) {
        (Status::Deleted, Status::Deleted) => Action::UserUpdated,
        (_, Status::Deleted) => Action::UserDeleted,
        (Status::Deleted, _) => Action::UserRestored,
        (Status::Active, Status::Inactive) if surface == Surface::Sweep => Action::UserExpired,
        (Status::Active, Status::Inactive) => Action::UserDeactivated,
        (Status::Inactive, Status::Active) => Action::UserActivated,
        _ if changes.has("role") => Action::UserRoleChanged,
        _ if changes.has("password") && old.password_hash.is_none() => Action::UserPasswordSet,
        _ if changes.has("password") => Action::UserPasswordChanged,
        _ if changes.has("username") => Action::UserRenamed,
        _ => Action::UserUpdated,
    };
    Event {
        action,
        target: user_target(&new.id),
        changes: changes.0,
    }
}

pub fn profile_change(old: &Profile, new: &Profile) -> Event {
    let mut c = Changes::default();
    c.field("name", &old.name, &new.name);
    c.field("timezone", &old.timezone, &new.timezone);
    c.field("preferences", &old.preferences, &new.preferences);
    Event {
        action: Action::ProfileUpdated,
        target: Target {
            kind: TargetKind::Profile,
            id: new.user_id.to_string(),
            user: None,
            party: None,
        },
        changes: c.0,
    }
}

/// A key was issued or revoked: its id and prefix only (the secret and its hash never).
pub fn key_event(action: Action, key: &KeyId, prefix: &str, user: &UserId) -> Event {
    let prefix = prefix.to_string();
    let changes = match action {
        Action::ApiKeyIssued => vec![Change::of("prefix", &None, &Some(prefix))],
        _ => vec![Change::of("prefix", &Some(prefix), &None)],
    };
    Event {
        action,
        target: Target {
            kind: TargetKind::ApiKey,
            id: key.to_string(),
            user: Some(user.clone()),
            party: None,
        },
        changes,
    }
}

/// A party registered (`old` none), changed, or deleted (`new` none).
pub fn party_event(old: Option<&Party>, new: Option<&Party>) -> Option<Event> {
    let (action, party) = match (old, new) {
        (None, Some(p)) => (Action::PartyRegistered, p),
        (Some(_), Some(p)) => (Action::PartyChanged, p),
        (Some(p), None) => (Action::PartyDeleted, p),
        (None, None) => return None,
    };
    let field = |p: Option<&Party>, f: fn(&Party) -> Option<String>| p.and_then(f);
    let mut c = Changes::default();
    c.field(
        "name",
        &old.map(|p| p.name.clone()),
        &new.map(|p| p.name.clone()),
    );
    c.field(
        "tin",
        &field(old, |p| p.tin.clone()),
        &field(new, |p| p.tin.clone()),
    );
    c.field(
        "contactName",
        &field(old, |p| p.contact_name.clone()),
        &field(new, |p| p.contact_name.clone()),
    );
    c.field(
        "commercialName",
        &field(old, |p| p.commercial_name.clone()),
        &field(new, |p| p.commercial_name.clone()),
    );
    c.field(
        "externalId",
        &field(old, |p| p.external_id.clone()),
        &field(new, |p| p.external_id.clone()),
    );
    Some(Event {
        action,
        target: Target {
            kind: TargetKind::Party,
            id: party.id.to_string(),
            user: None,
            party: None,
        },
        changes: c.0,
    })
}

/// An authorization granted (`old` none), changed, or revoked (`new` none): the permissions
/// before and after.
pub fn authorization_change(
    old: Option<&Authorization>,
    new: Option<&Authorization>,
) -> Option<Event> {
    let (action, auth) = match (old, new) {
        (None, Some(a)) => (Action::AuthorizationGranted, a),
        (Some(_), Some(a)) => (Action::AuthorizationChanged, a),
        (Some(a), None) => (Action::AuthorizationRevoked, a),
        (None, None) => return None,
    };
    let mut c = Changes::default();
    c.field(
        "name",
        &old.map(|a| a.name.clone()),
        &new.map(|a| a.name.clone()),
    );
    let (before, after) = (old.map(|a| a.permissions), new.map(|a| a.permissions));
    // The permissions are always shown, before and after, even when only the name changed.
    c.0.push(Change::of("permissions", &before, &after));
    Some(Event {
        action,
        target: Target {
            kind: TargetKind::Authorization,
            id: auth.user_id.to_string(),
            user: None,
            party: Some(auth.party_id.clone()),
        },
        changes: c.0,
    })
}

fn org_target(org: &OrgId) -> Target {
    Target {
        kind: TargetKind::Organization,
        id: org.to_string(),
        user: None,
        party: None,
    }
}

fn org_fields(old: &Organization, new: &Organization) -> Changes {
    let Organization {
        id: _,
        default_language,
        requires_registration,
        ip_allow_list,
        usage_key_id,
        usage_key_value,
        audit_retention_days,
        created_at: _,
    } = new;
    let mut c = Changes::default();
    c.field("defaultLanguage", &old.default_language, default_language);
    c.field(
        "requiresRegistration",
        &old.requires_registration,
        requires_registration,
    );
    c.field("ipAllowList", &old.ip_allow_list, ip_allow_list);
    c.field("usageKeyId", &old.usage_key_id, usage_key_id);
    // The usage key's value lets anyone meter against the organization's plan: a secret.
    c.secret("usageKeyValue", &old.usage_key_value != usage_key_value);
    c.field(
        "auditRetentionDays",
        &old.audit_retention_days,
        audit_retention_days,
    );
    c
}

pub fn org_created(org: &Organization) -> Event {
    let mut blank = org.clone();
    blank.requires_registration = false;
    blank.ip_allow_list = Vec::new();
    blank.usage_key_id = None;
    blank.usage_key_value = None;
    blank.audit_retention_days = None;
    let mut changes = org_fields(&blank, org).0;
    changes.insert(
        0,
        Change::of(
            "defaultLanguage",
            &None,
            &Some(org.default_language.clone()),
        ),
    );
    Event {
        action: Action::OrganizationCreated,
        target: org_target(&org.id),
        changes,
    }
}

pub fn org_settings_change(old: &Organization, new: &Organization) -> Event {
    Event {
        action: Action::OrganizationSettingsChanged,
        target: org_target(&new.id),
        changes: org_fields(old, new).0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Language, PersonName, Role, Username};

    fn user() -> User {
        User {
            id: UserId::generate(),
            org: OrgId::parse("acme").unwrap_or_else(|e| panic!("{e}")),
            external_id: None,
            username: Username::parse("anna").unwrap_or_else(|e| panic!("{e}")),
            name: PersonName::parse("Anna").unwrap_or_else(|e| panic!("{e}")),
            emails: Default::default(),
            phone: None,
            language: Language::parse("en").unwrap_or_else(|e| panic!("{e}")),
            business_partner_id: None,
            role: Role::ApUser,
            status: Status::Active,
            valid_until: None,
            flags: vec![],
            registration: Default::default(),
            attributes: Default::default(),
            surface_data: Default::default(),
            password_hash: None,
            created_at: "2024-01-01T00:00:00.000Z".into(),
            updated_at: "2024-01-01T00:00:00.000Z".into(),
            deleted_at: None,
            created_by: None,
            updated_by: None,
            created_via: None,
            updated_via: None,
            version: 1,
        }
    }

    fn action(old: &User, new: &User, surface: Surface) -> Action {
        user_change(old, new, surface).action
    }

    #[test]
    fn each_kind_of_user_change_names_itself() {
        let old = user();
        let with = |f: &dyn Fn(&mut User)| {
            let mut u = old.clone();
            f(&mut u);
            u
        };
        let inactive = with(&|u| u.status = Status::Inactive);
        let deleted = with(&|u| u.status = Status::Deleted);
        let manager = with(&|u| u.role = Role::ApManager);
        let renamed =
            with(&|u| u.username = Username::parse("anna2").unwrap_or_else(|e| panic!("{e}")));
        let hashed = with(&|u| u.password_hash = Some("$argon2id$v=19$secret".into()));
        let named =
            with(&|u| u.name = PersonName::parse("Anna B").unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(
            action(&old, &inactive, Surface::Native),
            Action::UserDeactivated
        );
        assert_eq!(action(&old, &inactive, Surface::Sweep), Action::UserExpired);
        assert_eq!(
            action(&inactive, &old, Surface::Seed003),
            Action::UserActivated
        );
        assert_eq!(action(&old, &deleted, Surface::Native), Action::UserDeleted);
        assert_eq!(
            action(&deleted, &old, Surface::Native),
            Action::UserRestored
        );
        assert_eq!(
            action(&old, &manager, Surface::Native),
            Action::UserRoleChanged
        );
        assert_eq!(action(&old, &renamed, Surface::Native), Action::UserRenamed);
        assert_eq!(
            action(&old, &hashed, Surface::Native),
            Action::UserPasswordSet
        );
        assert_eq!(
            action(
                &hashed,
                &with(&|u| u.password_hash = Some("$argon2id$other".into())),
                Surface::Native
            ),
            Action::UserPasswordChanged
        );
        assert_eq!(action(&old, &named, Surface::Native), Action::UserUpdated);
    }

    #[test]
    fn a_password_change_records_the_fact_and_never_the_hash() {
        let old = user();
        let mut new = old.clone();
        new.password_hash = Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
        new.name = PersonName::parse("Anna B").unwrap_or_else(|e| panic!("{e}"));
        let event = user_change(&old, &new, Surface::Native);
        let text = serde_json::to_string(&event.changes).unwrap_or_default();
        assert!(!text.contains("argon2"), "{text}");
        assert!(event
            .changes
            .iter()
            .any(|c| c.field == "password" && c.redacted && c.old.is_none() && c.new.is_none()));
        let created = user_created(&new);
        let text = serde_json::to_string(&created.changes).unwrap_or_default();
        assert!(
            !text.contains("argon2") && text.contains("\"password\""),
            "{text}"
        );
    }

    #[test]
    fn a_user_change_lists_old_and_new_values() {
        let old = user();
        let mut new = old.clone();
        new.name = PersonName::parse("Anna B").unwrap_or_else(|e| panic!("{e}"));
        let event = user_change(&old, &new, Surface::Native);
        assert_eq!(
            event.changes,
            vec![Change {
                field: "name".into(),
                old: Some("Anna".into()),
                new: Some("Anna B".into()),
                redacted: false
            }]
        );
    }
}
