//! The SCIM attributes Roster stores and round-trips, as data: used to check what an identity
//! provider sends (names, types, mutability), to refuse filters on unknown attributes, and to
//! publish the `Schemas` discovery documents. Nothing is published that Roster does not keep.

use serde_json::{json, Value};

pub use super::filter::USER_SCHEMA;

pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const SP_CONFIG_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// Longest string value kept as sent (characters); Roster's own fields have their own bounds.
pub const MAX_STRING: usize = 1_024;
/// Most elements of a multi-valued attribute kept as sent (emails: Roster's 5).
pub const MAX_VALUES: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Boolean,
    DateTime,
    Reference,
    Complex,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::DateTime => "dateTime",
            Self::Reference => "reference",
            Self::Complex => "complex",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    fn name(self) -> &'static str {
        match self {
            Self::ReadOnly => "readOnly",
            Self::ReadWrite => "readWrite",
            Self::Immutable => "immutable",
            Self::WriteOnly => "writeOnly",
        }
    }
}

/// One attribute of a schema.
#[derive(Debug)]
pub struct Attr {
    pub name: &'static str,
    pub ty: Type,
    pub multi: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    /// `always`, `default`, `never`.
    pub returned: &'static str,
    /// `none`, `server`.
    pub uniqueness: &'static str,
    pub canonical: &'static [&'static str],
    pub subs: &'static [Attr],
    pub description: &'static str,
}

const fn s(name: &'static str, description: &'static str) -> Attr {
    Attr {
        name,
        ty: Type::String,
        multi: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: "default",
        uniqueness: "none",
        canonical: &[],
        subs: &[],
        description,
    }
}

const fn typed(name: &'static str, ty: Type, description: &'static str) -> Attr {
    Attr {
        ty,
        ..s(name, description)
    }
}

const fn multi(name: &'static str, subs: &'static [Attr], description: &'static str) -> Attr {
    Attr {
        ty: Type::Complex,
        multi: true,
        subs,
        ..s(name, description)
    }
}

const TYPES: &[&str] = &["work", "home", "other"];
const PHONE_TYPES: &[&str] = &["work", "home", "mobile", "fax", "pager", "other"];

const EMAIL_SUBS: &[Attr] = &[
    s(
        "value",
        "The address; Roster's emails (unique in the organization).",
    ),
    s("display", "Kept as sent."),
    Attr {
        canonical: TYPES,
        ..s("type", "Kept as sent.")
    },
    typed(
        "primary",
        Type::Boolean,
        "The primary address is Roster's first email.",
    ),
];

const PHONE_SUBS: &[Attr] = &[
    s("value", "The number, kept as sent; the primary (or first) one is Roster's phone when it is in E.123 international notation."),
    s("display", "Kept as sent."),
    Attr {
        canonical: PHONE_TYPES,
        ..s("type", "Kept as sent.")
    },
    typed("primary", Type::Boolean, "Kept as sent."),
];

const ADDRESS_SUBS: &[Attr] = &[
    s("formatted", "Kept as sent."),
    s("streetAddress", "Kept as sent."),
    s("locality", "Kept as sent."),
    s("region", "Kept as sent."),
    s("postalCode", "Kept as sent."),
    s("country", "Kept as sent."),
    Attr {
        canonical: TYPES,
        ..s("type", "Kept as sent.")
    },
    typed("primary", Type::Boolean, "Kept as sent."),
];

const ROLE_SUBS: &[Attr] = &[
    Attr {
        case_exact: true,
        canonical: &["ApUser", "ApManager"],
        ..s(
            "value",
            "ApUser or ApManager set Roster's role; other values are kept as sent.",
        )
    },
    s("display", "Kept as sent."),
    s("type", "Kept as sent."),
    typed("primary", Type::Boolean, "Kept as sent."),
];

const NAME_SUBS: &[Attr] = &[
    s("formatted", "Roster's full name (when absent: given, middle and family name joined, else displayName, else userName)."),
    s("familyName", "Kept as sent."),
    s("givenName", "Kept as sent."),
    s("middleName", "Kept as sent."),
    s("honorificPrefix", "Kept as sent."),
    s("honorificSuffix", "Kept as sent."),
];

const MANAGER_SUBS: &[Attr] = &[
    s("value", "The id of the manager's user, kept as sent."),
    Attr {
        ty: Type::Reference,
        ..s("$ref", "Kept as sent.")
    },
    Attr {
        mutability: Mutability::ReadOnly,
        ..s("displayName", "Kept as sent.")
    },
];

const META_SUBS: &[Attr] = &[
    Attr {
        mutability: Mutability::ReadOnly,
        case_exact: true,
        ..s("resourceType", "Always User.")
    },
    Attr {
        mutability: Mutability::ReadOnly,
        ..typed("created", Type::DateTime, "Roster's createdAt.")
    },
    Attr {
        mutability: Mutability::ReadOnly,
        ..typed("lastModified", Type::DateTime, "Roster's updatedAt.")
    },
    Attr {
        mutability: Mutability::ReadOnly,
        case_exact: true,
        ..typed("location", Type::Reference, "The resource's URI.")
    },
    Attr {
        mutability: Mutability::ReadOnly,
        case_exact: true,
        ..s("version", "W/\"<Roster version>\"; the ETag.")
    },
];

/// The core User schema as Roster keeps it (RFC 7643 §4.1), `id`/`externalId`/`meta` included.
pub const USER_ATTRS: &[Attr] = &[
    Attr {
        mutability: Mutability::ReadOnly,
        case_exact: true,
        returned: "always",
        uniqueness: "server",
        ..s("id", "Roster's user id (usr_…).")
    },
    Attr {
        case_exact: true,
        ..s(
            "externalId",
            "Roster's externalId (unique in the organization).",
        )
    },
    Attr {
        required: true,
        uniqueness: "server",
        ..s(
            "userName",
            "Roster's username (unique in the organization, case-insensitive).",
        )
    },
    Attr {
        ty: Type::Complex,
        subs: NAME_SUBS,
        ..s("name", "The name; formatted is Roster's full name.")
    },
    s("displayName", "Kept as sent."),
    s("nickName", "Kept as sent."),
    Attr {
        ty: Type::Reference,
        ..s("profileUrl", "Kept as sent.")
    },
    s("title", "Kept as sent."),
    s("userType", "Kept as sent."),
    s(
        "preferredLanguage",
        "Kept as sent; its language subtag (en-US → en) is Roster's language when Roster knows it.",
    ),
    s("locale", "Kept as sent."),
    s("timezone", "Kept as sent."),
    // Required: a Roster user always has a status (a POST without it is accepted as active).
    Attr {
        required: true,
        ..typed(
            "active",
            Type::Boolean,
            "Roster's status: true ACTIVE, false INACTIVE (a POST without it: true).",
        )
    },
    Attr {
        mutability: Mutability::WriteOnly,
        returned: "never",
        case_exact: true,
        ..s(
            "password",
            "Roster's password (Argon2id hash); never returned.",
        )
    },
    multi(
        "emails",
        EMAIL_SUBS,
        "Roster's emails (at most 5; the primary first).",
    ),
    multi("phoneNumbers", PHONE_SUBS, "Kept as sent."),
    multi("addresses", ADDRESS_SUBS, "Kept as sent."),
    multi(
        "roles",
        ROLE_SUBS,
        "Kept as sent; a value ApUser or ApManager sets Roster's role (a manager shows ApManager).",
    ),
    Attr {
        ty: Type::Complex,
        mutability: Mutability::ReadOnly,
        subs: META_SUBS,
        ..s("meta", "Resource metadata.")
    },
];

/// The enterprise extension (RFC 7643 §4.3), every attribute kept as sent.
pub const ENTERPRISE_ATTRS: &[Attr] = &[
    s("employeeNumber", "Kept as sent."),
    s("costCenter", "Kept as sent."),
    s("organization", "Kept as sent."),
    s("division", "Kept as sent."),
    s("department", "Kept as sent."),
    Attr {
        ty: Type::Complex,
        subs: MANAGER_SUBS,
        ..s("manager", "Kept as sent.")
    },
];

/// The attribute `name` among `attrs`, case-insensitively.
pub fn find<'a>(attrs: &'a [Attr], name: &str) -> Option<&'a Attr> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// The attributes of a schema URN (core User or enterprise), case-insensitively.
pub fn schema_attrs(uri: &str) -> Option<&'static [Attr]> {
    if uri.eq_ignore_ascii_case(USER_SCHEMA) {
        Some(USER_ATTRS)
    } else if uri.eq_ignore_ascii_case(ENTERPRISE_SCHEMA) {
        Some(ENTERPRISE_ATTRS)
    } else {
        None
    }
}

/// The definition of a filter or patch path's attribute (and sub-attribute), if Roster keeps it.
pub fn lookup<'a>(
    uri: Option<&str>,
    name: &str,
    sub: Option<&str>,
) -> Option<(&'a Attr, Option<&'a Attr>)> {
    let attrs: &[Attr] = match uri {
        Some(u) => schema_attrs(u)?,
        None => USER_ATTRS,
    };
    // Unqualified names are core attributes only (enterprise ones need their URN).
    let attr = find(attrs, name)?;
    match sub {
        None => Some((attr, None)),
        Some(sub) => find(attr.subs, sub).map(|s| (attr, Some(s))),
    }
}

fn attr_doc(a: &Attr) -> Value {
    let mut doc = json!({
        "name": a.name,
        "type": a.ty.name(),
        "multiValued": a.multi,
        "description": a.description,
        "required": a.required,
        "mutability": a.mutability.name(),
        "returned": a.returned,
    });
    if a.ty != Type::Complex && a.ty != Type::Boolean {
        doc["caseExact"] = json!(a.case_exact);
        doc["uniqueness"] = json!(a.uniqueness);
    }
    if a.ty == Type::Reference {
        doc["referenceTypes"] = json!(["external"]);
    }
    if !a.canonical.is_empty() {
        doc["canonicalValues"] = json!(a.canonical);
    }
    if !a.subs.is_empty() {
        doc["subAttributes"] = Value::Array(a.subs.iter().map(attr_doc).collect());
    }
    doc
}

/// The `Schemas` documents (RFC 7643 §7), `location` relative to `base` (`…/scim/v2`).
pub fn schema_docs(base: &str) -> Vec<Value> {
    let doc = |id: &str, name: &str, description: &str, attrs: &[Attr]| {
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": id,
            "name": name,
            "description": description,
            // `meta` is described by RFC 7643 §3.1 as common to every resource, not per schema.
            "attributes": attrs.iter().filter(|a| a.name != "meta" && a.name != "id" && a.name != "externalId").map(attr_doc).collect::<Vec<_>>(),
            "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
        })
    };
    vec![
        doc(
            USER_SCHEMA,
            "User",
            "User Account (as Roster keeps it)",
            USER_ATTRS,
        ),
        doc(
            ENTERPRISE_SCHEMA,
            "EnterpriseUser",
            "Enterprise User (kept as sent)",
            ENTERPRISE_ATTRS,
        ),
    ]
}

/// The `ResourceTypes` documents (RFC 7643 §6).
pub fn resource_type_docs(base: &str) -> Vec<Value> {
    vec![json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": false}],
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
    })]
}

/// The `ServiceProviderConfig` (RFC 7643 §5): what Roster really supports.
pub fn service_provider_config(base: &str, max_results: usize) -> Value {
    json!({
        "schemas": [SP_CONFIG_SCHEMA],
        "documentationUri": "https://github.com/roster/roster/blob/main/docs/scim.md",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": max_results},
        "changePassword": {"supported": true},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Roster API key",
            "description": "Authorization: Bearer <Roster API key of an ApManager of the organization>",
            "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case_and_know_the_extension() {
        assert!(lookup(None, "USERNAME", None).is_some());
        assert!(lookup(None, "name", Some("GivenName")).is_some());
        assert!(lookup(Some(USER_SCHEMA), "emails", Some("value")).is_some());
        assert!(lookup(Some(ENTERPRISE_SCHEMA), "department", None).is_some());
        assert!(lookup(Some(ENTERPRISE_SCHEMA), "manager", Some("value")).is_some());
        assert!(lookup(None, "department", None).is_none());
        assert!(lookup(None, "groups", None).is_none());
        assert!(lookup(None, "name", Some("nope")).is_none());
        assert!(lookup(Some("urn:x:y"), "a", None).is_none());
    }

    #[test]
    fn published_schemas_describe_every_kept_attribute() {
        let docs = schema_docs("http://h/scim/v2");
        let user = &docs[0];
        let names: Vec<&str> = user["attributes"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
            .unwrap_or_default();
        assert!(names.contains(&"userName") && names.contains(&"roles"));
        assert!(!names.contains(&"groups"), "Roster keeps no groups");
        let password = user["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["name"] == "password"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(password["returned"], "never");
        assert_eq!(password["mutability"], "writeOnly");
    }
}
