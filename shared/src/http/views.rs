//! The native JSON view of a user, shared by every function that returns one.

use serde::Serialize;

use crate::domain::{RegistrationState, Role, Status, User};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationView {
    pub state: RegistrationState,
    pub time: Option<i64>,
}

/// A user as the native API shows it: never the password or its hash.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    pub external_id: Option<String>,
    pub username: String,
    pub name: String,
    pub emails: Vec<String>,
    pub phone: Option<String>,
    pub language: String,
    pub business_partner_id: Option<String>,
    pub role: Role,
    pub status: Status,
    pub valid_until: Option<String>,
    pub flags: Vec<String>,
    pub registration: RegistrationView,
    pub attributes: std::collections::BTreeMap<String, String>,
    pub has_password: bool,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    /// Who created the user and who made its last change (absent: the operator or the system).
    pub created_by: Option<String>,
    pub updated_by: Option<String>,
    /// The user whose key made the creation / last change when it acted for `createdBy` /
    /// `updatedBy` (seed 003); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_via: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_via: Option<String>,
    pub version: u64,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.to_string(),
            external_id: u.external_id.as_ref().map(ToString::to_string),
            username: u.username.to_string(),
            name: u.name.to_string(),
            emails: u.emails.iter().map(ToString::to_string).collect(),
            phone: u.phone.as_ref().map(ToString::to_string),
            language: u.language.to_string(),
            business_partner_id: u.business_partner_id.as_ref().map(ToString::to_string),
            role: u.role,
            status: u.status,
            valid_until: u.valid_until.as_ref().map(|v| v.as_str().to_string()),
            flags: u.flags.iter().map(ToString::to_string).collect(),
            registration: RegistrationView {
                state: u.registration.state,
                time: u.registration.time,
            },
            attributes: u.attributes.as_map().clone(),
            has_password: u.password_hash.is_some(),
            created_at: u.created_at.clone(),
            updated_at: u.updated_at.clone(),
            deleted_at: u.deleted_at.clone(),
            created_by: u.created_by.as_ref().map(ToString::to_string),
            updated_by: u.updated_by.as_ref().map(ToString::to_string),
            created_via: u.created_via.as_ref().map(ToString::to_string),
            updated_via: u.updated_via.as_ref().map(ToString::to_string),
            version: u.version,
        }
    }
}

/// The native JSON of a user.
pub fn user_json(user: &User) -> serde_json::Value {
    serde_json::to_value(UserView::from(user)).unwrap_or_default()
}
