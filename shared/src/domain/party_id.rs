//! Peppol participant identifiers, `ICD:identifier` (e.g. `0106:12345678`).

/// ICD scheme codes of the Peppol participant identifier code list.
const KNOWN_ICDS: &[&str] = &[
    "0002", "0007", "0009", "0037", "0060", "0088", "0096", "0097", "0106", "0130", "0135", "0142",
    "0147", "0151", "0170", "0183", "0184", "0188", "0190", "0191", "0192", "0193", "0194", "0195",
    "0196", "0198", "0199", "0200", "0201", "0202", "0203", "0204", "0205", "0208", "0209", "0210",
    "0211", "0212", "0213", "0215", "0216", "0217", "0218", "0221", "0225", "0230", "0235", "0240",
    "0244", "9901", "9910", "9913", "9914", "9915", "9918", "9919", "9920", "9922", "9923", "9924",
    "9925", "9926", "9927", "9928", "9929", "9930", "9931", "9932", "9933", "9934", "9935", "9936",
    "9937", "9938", "9939", "9940", "9941", "9942", "9943", "9944", "9945", "9946", "9947", "9948",
    "9949", "9950", "9951", "9952", "9953", "9957", "9959",
];

string_newtype!(
    /// A validated participant id, stored lower-case without the `iso6523-actorid-upis::` scheme
    /// prefix, so that comparisons ignore case.
    PartyId
);

impl PartyId {
    pub fn parse(value: &str) -> Result<Self, String> {
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
        if !KNOWN_ICDS.contains(&icd) {
            return Err(format!(
                "uses ICD {icd}, which is not in the Peppol code list"
            ));
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
}
