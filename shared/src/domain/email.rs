//! Email addresses: unique among an organization's live users, compared case-insensitively.

string_newtype!(
    /// A pragmatic RFC 5321 address: `local@domain`, at most 254 characters.
    Email
);

impl Email {
    pub fn parse(value: &str) -> Result<Self, String> {
        const MESSAGE: &str = "must be an email address like name@example.com";
        if value.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let (local, domain) = value.rsplit_once('@').ok_or(MESSAGE)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = !domain.is_empty()
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(value.to_string()))
        } else {
            Err(MESSAGE.into())
        }
    }

    /// The form uniqueness is decided on.
    pub fn canonical(&self) -> String {
        self.0.to_lowercase()
    }
}

/// 0–5 addresses, the first primary, no duplicates (ignoring case).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Vec<Email>", into = "Vec<Email>")]
pub struct Emails(Vec<Email>);

impl Emails {
    pub const MAX: usize = 5;

    pub fn new(list: Vec<Email>) -> Result<Self, String> {
        if list.len() > Self::MAX {
            return Err(format!("must hold at most {} addresses", Self::MAX));
        }
        let mut seen = std::collections::HashSet::new();
        for email in &list {
            if !seen.insert(email.canonical()) {
                return Err(format!("lists {email} twice"));
            }
        }
        Ok(Self(list))
    }

    pub fn as_slice(&self) -> &[Email] {
        &self.0
    }

    pub fn primary(&self) -> Option<&Email> {
        self.0.first()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Email> {
        self.0.iter()
    }

    /// The list with its primary (first) address replaced by `primary`, or removed when `None`
    /// (the next address becomes primary). The other addresses are kept; one equal to the new
    /// primary (ignoring case) is dropped rather than listed twice.
    pub fn with_primary(&self, primary: Option<Email>) -> Self {
        let rest = self.0.iter().skip(1);
        match primary {
            Some(p) => {
                let mut list = vec![p.clone()];
                list.extend(rest.filter(|e| e.canonical() != p.canonical()).cloned());
                Self(list)
            }
            None => Self(rest.cloned().collect()),
        }
    }
}

impl TryFrom<Vec<Email>> for Emails {
    type Error = String;
    fn try_from(list: Vec<Email>) -> Result<Self, String> {
        Self::new(list)
    }
}

impl From<Emails> for Vec<Email> {
    fn from(value: Emails) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_addresses_from_the_seeds() {
        for ok in [
            "parrot@ferret.local",
            "user1@local",
            "a.b+tag@example.co.uk",
            "X@Y.Z",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@@b.c",
            "a b@c.d",
            ".a@b.c",
            "a..b@c.d",
            "a@-b.c",
            "a@b..c",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    /// Parses a test address; a typo in a test is a failure, never a silently dropped item.
    fn email(e: &str) -> Email {
        Email::parse(e).unwrap_or_else(|m| panic!("{e}: {m}"))
    }

    fn list(items: &[&str]) -> Emails {
        Emails::new(items.iter().map(|e| email(e)).collect())
            .unwrap_or_else(|m| panic!("{items:?}: {m}"))
    }

    #[test]
    fn replacing_the_primary_keeps_the_others() {
        let current = list(&["a@x.io", "b@x.io", "c@x.io"]);
        assert_eq!(
            current.with_primary(Some(email("n@x.io"))).as_slice(),
            [email("n@x.io"), email("b@x.io"), email("c@x.io")]
        );
        assert_eq!(
            current.with_primary(Some(email("B@X.IO"))).as_slice(),
            [email("B@X.IO"), email("c@x.io")],
            "an address is never listed twice"
        );
        assert_eq!(
            current.with_primary(None).as_slice(),
            [email("b@x.io"), email("c@x.io")]
        );
        assert_eq!(
            Emails::default()
                .with_primary(Some(email("n@x.io")))
                .as_slice(),
            [email("n@x.io")]
        );
        assert_eq!(Emails::default().with_primary(None).as_slice(), []);
    }

    #[test]
    fn lists_hold_at_most_five_distinct_addresses() {
        let mk = |n: usize| {
            (0..n)
                .map(|i| email(&format!("u{i}@x.io")))
                .collect::<Vec<_>>()
        };
        assert_eq!(Emails::new(mk(5)).map(|l| l.as_slice().len()), Ok(5));
        assert_eq!(
            Emails::new(mk(6)),
            Err("must hold at most 5 addresses".to_string())
        );
        assert_eq!(
            Emails::new(vec![email("a@x.io"), email("A@X.IO")]),
            Err("lists A@X.IO twice".to_string())
        );
    }
}
