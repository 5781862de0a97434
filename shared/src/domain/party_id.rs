//! Peppol participant identifiers, `ICD:identifier` (e.g. `0106:12345678`).

/// The state of an ICD in the OpenPeppol code list "Participant identifier schemes".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IcdState {
    Active,
    /// Still usable until the removal date (`None`: none announced yet).
    Deprecated {
        removal: Option<&'static str>,
    },
    /// Gone from the network since the date.
    Removed {
        since: &'static str,
    },
}

use IcdState::{Active, Deprecated, Removed};

/// Every ICD of the OpenPeppol code list "Participant identifier schemes" **v9.7** (105 entries;
/// OpenPEPPOL/edec-codelists, `publication/v9.7/Peppol Code Lists - Participant identifier
/// schemes v9.7.json`), with its state. Removed codes stay listed so that parties registered
/// before their removal remain readable and deletable; new ids refuse them.
const ICDS: &[(&str, IcdState)] = &[
    ("0002", Active),
    ("0007", Active),
    ("0009", Active),
    (
        "0037",
        Removed {
            since: "2024-12-31",
        },
    ),
    ("0060", Active),
    ("0088", Active),
    ("0096", Active),
    ("0097", Active),
    ("0106", Active),
    ("0130", Active),
    ("0135", Active),
    ("0142", Active),
    ("0151", Active),
    ("0158", Active),
    ("0183", Active),
    ("0184", Active),
    ("0188", Active),
    ("0190", Active),
    ("0191", Active),
    ("0192", Active),
    (
        "0193",
        Deprecated {
            removal: Some("2026-07-07"),
        },
    ),
    ("0195", Active),
    ("0196", Active),
    ("0198", Active),
    ("0199", Active),
    ("0200", Active),
    ("0201", Active),
    ("0204", Active),
    ("0205", Active),
    ("0208", Active),
    ("0209", Active),
    ("0210", Active),
    ("0211", Active),
    (
        "0212",
        Removed {
            since: "2024-12-31",
        },
    ),
    (
        "0213",
        Removed {
            since: "2024-12-31",
        },
    ),
    (
        "0215",
        Removed {
            since: "2024-12-31",
        },
    ),
    ("0216", Active),
    ("0218", Active),
    ("0221", Active),
    ("0225", Active),
    ("0230", Active),
    ("0235", Active),
    ("0240", Active),
    ("0242", Active),
    ("0244", Active),
    ("0245", Active),
    ("0246", Active),
    ("0248", Active),
    (
        "9901",
        Removed {
            since: "2023-11-30",
        },
    ),
    (
        "9902",
        Removed {
            since: "2023-11-30",
        },
    ),
    (
        "9904",
        Removed {
            since: "2023-11-30",
        },
    ),
    (
        "9905",
        Removed {
            since: "2023-11-30",
        },
    ),
    (
        "9906",
        Removed {
            since: "2023-05-24",
        },
    ),
    (
        "9907",
        Removed {
            since: "2023-05-24",
        },
    ),
    (
        "9908",
        Removed {
            since: "2023-05-24",
        },
    ),
    ("9909", Deprecated { removal: None }),
    ("9910", Active),
    ("9912", Deprecated { removal: None }),
    ("9913", Active),
    ("9914", Active),
    ("9915", Active),
    ("9916", Deprecated { removal: None }),
    ("9917", Deprecated { removal: None }),
    ("9918", Active),
    ("9919", Active),
    ("9920", Active),
    (
        "9921",
        Removed {
            since: "2023-11-30",
        },
    ),
    ("9922", Active),
    ("9923", Active),
    ("9924", Active),
    ("9925", Active),
    ("9926", Active),
    ("9927", Active),
    ("9928", Active),
    ("9929", Active),
    ("9930", Active),
    ("9931", Active),
    ("9932", Active),
    ("9933", Active),
    ("9934", Active),
    ("9935", Active),
    ("9936", Active),
    ("9937", Active),
    ("9938", Active),
    ("9939", Active),
    ("9940", Active),
    ("9941", Active),
    ("9942", Active),
    ("9943", Active),
    ("9944", Active),
    ("9945", Active),
    ("9946", Active),
    ("9947", Active),
    ("9948", Active),
    ("9949", Active),
    ("9950", Active),
    ("9951", Active),
    ("9952", Active),
    ("9953", Active),
    (
        "9954",
        Removed {
            since: "2026-03-31",
        },
    ),
    (
        "9955",
        Removed {
            since: "2023-07-31",
        },
    ),
    (
        "9956",
        Removed {
            since: "2023-12-31",
        },
    ),
    ("9957", Active),
    (
        "9958",
        Removed {
            since: "2023-07-31",
        },
    ),
    ("9959", Active),
];

/// The code list's version, as cited in the README.
pub const PEPPOL_CODE_LIST_VERSION: &str = "9.7";

fn icd_state(icd: &str) -> Option<IcdState> {
    ICDS.iter().find(|(code, _)| *code == icd).map(|(_, s)| *s)
}

/// Why `icd` may not be used for a new id on `today` (`YYYY-MM-DD`), or `None` if it may.
fn refuse_icd(icd: &str, today: &str) -> Option<String> {
    match icd_state(icd) {
        None => Some(format!(
            "uses ICD {icd}, which is not in the Peppol code list (v{PEPPOL_CODE_LIST_VERSION})"
        )),
        Some(Removed { since }) => Some(format!(
            "uses ICD {icd}, which was removed from the Peppol code list on {since}"
        )),
        // ISO dates compare as strings; the removal date itself is the first day refused.
        Some(Deprecated {
            removal: Some(removal),
        }) if today >= removal => Some(format!(
            "uses ICD {icd}, which was deprecated and removed from the Peppol code list on {removal}"
        )),
        Some(Active | Deprecated { .. }) => None,
    }
}

/// A validated participant id, stored lower-case without the `iso6523-actorid-upis::` scheme
/// prefix, so that comparisons ignore case.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct PartyId(String);

impl PartyId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PartyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PartyId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<PartyId> for String {
    fn from(value: PartyId) -> String {
        value.0
    }
}

/// Stored ids (and ids of existing parties) may use a code removed since they were registered.
impl TryFrom<String> for PartyId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse_existing(&value)
    }
}

impl std::str::FromStr for PartyId {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        Self::parse(value)
    }
}

impl PartyId {
    /// A new id (registering a party, granting an authorization, naming a business partner):
    /// its ICD must be usable today.
    pub fn parse(value: &str) -> Result<Self, String> {
        Self::parse_at(value, &crate::clock::format_date(crate::clock::today()))
    }

    /// A new id as of `today` (`YYYY-MM-DD`).
    pub fn parse_at(value: &str, today: &str) -> Result<Self, String> {
        Self::parse_with(value, |icd| refuse_icd(icd, today))
    }

    /// An id that names an existing party (a path to read, change or delete it, stored data):
    /// any ICD the code list has, removed ones included.
    pub fn parse_existing(value: &str) -> Result<Self, String> {
        Self::parse_with(value, |icd| {
            icd_state(icd).is_none().then(|| {
                format!("uses ICD {icd}, which is not in the Peppol code list (v{PEPPOL_CODE_LIST_VERSION})")
            })
        })
    }

    fn parse_with(value: &str, refuse: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let lower = value.trim().to_ascii_lowercase();
        let bare = lower
            .strip_prefix("iso6523-actorid-upis::")
            .unwrap_or(&lower);
        let (icd, identifier) = bare
            .split_once(':')
            .ok_or("must be a Peppol participant id ICD:identifier, like 0106:12345678")?;
        if icd.len() != 4 || !icd.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must start with a 4-digit ICD scheme code, like 0106:".into());
        }
        if let Some(why) = refuse(icd) {
            return Err(why);
        }
        if identifier.is_empty() || identifier.len() > 130 {
            return Err("must have an identifier of 1-130 characters after the ICD".into());
        }
        if !identifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
        {
            return Err("identifier may contain only letters, digits, '-', '.' and '_'".into());
        }
        let digits =
            |n: usize| identifier.len() == n && identifier.bytes().all(|b| b.is_ascii_digit());
        let scheme_ok = match icd {
            "0106" => digits(8).then_some(()).ok_or("0106 (KVK) identifiers are 8 digits"),
            "0190" => digits(20).then_some(()).ok_or("0190 (OIN) identifiers are 20 digits"),
            "0088" => digits(13).then_some(()).ok_or("0088 (GLN) identifiers are 13 digits"),
            "0208" => (digits(10) && (identifier.starts_with('0') || identifier.starts_with('1')))
                .then_some(())
                .ok_or("0208 (Belgian enterprise number) identifiers are 10 digits starting with 0 or 1"),
            "9925" => (identifier.len() == 12
                && identifier.starts_with("be")
                && identifier[2..].bytes().all(|b| b.is_ascii_digit()))
            .then_some(())
            .ok_or("9925 (Belgian VAT) identifiers are BE followed by 10 digits"),
            _ => Ok(()),
        };
        scheme_ok.map_err(str::to_string)?;
        Ok(Self(format!("{icd}:{identifier}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ids_are_normalised() {
        let cases = [
            ("0106:12345678", "0106:12345678"),
            ("0088:5790000435975", "0088:5790000435975"),
            (
                "iso6523-actorid-upis::9925:BE0123456789",
                "9925:be0123456789",
            ),
            ("0208:0123456789", "0208:0123456789"),
            ("0192:991825827", "0192:991825827"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                PartyId::parse(input).map(|p| p.to_string()),
                Ok(expected.to_string()),
                "{input}"
            );
        }
    }

    #[test]
    fn invalid_ids_say_why() {
        let cases = [
            ("12345678", "ICD:identifier"),
            ("106:12345678", "4-digit"),
            ("1234:abc", "not in the Peppol code list"),
            ("0147:abc", "not in the Peppol code list"),
            ("0217:abc", "not in the Peppol code list"),
            (
                "9901:abc",
                "removed from the Peppol code list on 2023-11-30",
            ),
            ("0037:1234567800001", "removed"),
            ("0106:1234567", "8 digits"),
            ("0088:579000043597", "13 digits"),
            ("0208:2123456789", "starting with 0 or 1"),
            ("9925:NL0123456789", "BE followed"),
            ("0192:", "1-130"),
            ("0192:a b", "only letters"),
        ];
        for (input, expected) in cases {
            let err = PartyId::parse(input).err().unwrap_or_default();
            assert!(err.contains(expected), "{input}: {err}");
        }
    }

    #[test]
    fn new_codes_of_the_list_are_accepted() {
        for id in [
            "0242:123456",
            "0245:2021234567",
            "0246:de123456789",
            "0248:om1100003554",
            "0158:12345678",
        ] {
            assert!(PartyId::parse_at(id, "2026-12-01").is_ok(), "{id}");
        }
    }

    #[test]
    fn removed_codes_are_refused_for_new_ids_but_name_existing_parties() {
        for (id, since) in [
            ("9954:abc", "2026-03-31"),
            ("0212:abc", "2024-12-31"),
            ("9906:abc", "2023-05-24"),
        ] {
            let err = PartyId::parse_at(id, "2026-01-01")
                .err()
                .unwrap_or_default();
            assert!(
                err.contains(&format!("removed from the Peppol code list on {since}")),
                "{id}: {err}"
            );
            assert_eq!(
                PartyId::parse_existing(id).map(|p| p.to_string()),
                Ok(id.to_string())
            );
        }
        // Stored data decodes with the lenient rule.
        let stored: Result<PartyId, _> = serde_json::from_str("\"9954:abc\"");
        assert!(stored.is_ok());
        assert!(PartyId::parse_existing("1234:abc").is_err());
    }

    #[test]
    fn deprecated_codes_are_accepted_until_their_removal_date() {
        assert!(PartyId::parse_at("0193:abcd1234", "2026-07-06").is_ok());
        let err = PartyId::parse_at("0193:abcd1234", "2026-07-07")
            .err()
            .unwrap_or_default();
        assert!(
            err.contains("deprecated and removed from the Peppol code list on 2026-07-07"),
            "{err}"
        );
        // Deprecated without a removal date: still accepted.
        for id in [
            "9909:no990399123mva",
            "9912:abc",
            "9916:abc",
            "9917:1234567890",
        ] {
            assert!(PartyId::parse_at(id, "2030-01-01").is_ok(), "{id}");
        }
    }

    #[test]
    fn the_list_is_v9_7_with_its_105_entries_in_order() {
        assert_eq!(ICDS.len(), 105);
        assert!(ICDS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
