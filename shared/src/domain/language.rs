//! Languages: ISO 639-1 codes from a fixed list (`GET /v1/languages`).

/// `(code, English name, native name)`.
pub const LANGUAGES: &[(&str, &str, &str)] = &[
    ("ar", "Arabic", "العربية"),
    ("bg", "Bulgarian", "български"),
    ("ca", "Catalan", "català"),
    ("cs", "Czech", "čeština"),
    ("cy", "Welsh", "Cymraeg"),
    ("da", "Danish", "dansk"),
    ("de", "German", "Deutsch"),
    ("el", "Greek", "ελληνικά"),
    ("en", "English", "English"),
    ("es", "Spanish", "español"),
    ("et", "Estonian", "eesti"),
    ("eu", "Basque", "euskara"),
    ("fi", "Finnish", "suomi"),
    ("fo", "Faroese", "føroyskt"),
    ("fr", "French", "français"),
    ("ga", "Irish", "Gaeilge"),
    ("gl", "Galician", "galego"),
    ("he", "Hebrew", "עברית"),
    ("hi", "Hindi", "हिन्दी"),
    ("hr", "Croatian", "hrvatski"),
    ("hu", "Hungarian", "magyar"),
    ("is", "Icelandic", "íslenska"),
    ("it", "Italian", "italiano"),
    ("ja", "Japanese", "日本語"),
    ("kl", "Kalaallisut", "kalaallisut"),
    ("ko", "Korean", "한국어"),
    ("lb", "Luxembourgish", "Lëtzebuergesch"),
    ("lt", "Lithuanian", "lietuvių"),
    ("lv", "Latvian", "latviešu"),
    ("mt", "Maltese", "Malti"),
    ("nb", "Norwegian Bokmål", "norsk bokmål"),
    ("nl", "Dutch", "Nederlands"),
    ("nn", "Norwegian Nynorsk", "norsk nynorsk"),
    ("no", "Norwegian", "norsk"),
    ("pl", "Polish", "polski"),
    ("pt", "Portuguese", "português"),
    ("ro", "Romanian", "română"),
    ("ru", "Russian", "русский"),
    ("se", "Northern Sami", "davvisámegiella"),
    ("sk", "Slovak", "slovenčina"),
    ("sl", "Slovenian", "slovenščina"),
    ("sq", "Albanian", "shqip"),
    ("sr", "Serbian", "српски"),
    ("sv", "Swedish", "svenska"),
    ("tr", "Turkish", "Türkçe"),
    ("uk", "Ukrainian", "українська"),
    ("zh", "Chinese", "中文"),
];

string_newtype!(
    /// A known ISO 639-1 code, stored lower-case.
    Language
);

impl Language {
    pub fn parse(value: &str) -> Result<Self, String> {
        let code = value.to_ascii_lowercase();
        if LANGUAGES.iter().any(|(c, _, _)| *c == code) {
            Ok(Self(code))
        } else {
            Err("must be a known ISO 639-1 language code (see GET /v1/languages)".into())
        }
    }

    /// The language every organization defaults to unless configured otherwise.
    pub fn default_language() -> Self {
        Self("en".into())
    }

    /// English name of the language.
    pub fn name(&self) -> &'static str {
        LANGUAGES
            .iter()
            .find(|(c, _, _)| *c == self.0)
            .map_or("", |(_, name, _)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_parse_case_insensitively() {
        assert_eq!(
            Language::parse("DA").map(|l| l.to_string()),
            Ok("da".into())
        );
        assert_eq!(Language::parse("nl").map(|l| l.name()), Ok("Dutch"));
    }

    #[test]
    fn unknown_codes_are_rejected() {
        for bad in ["", "xx", "eng", "en-GB"] {
            assert!(Language::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_list_is_sorted_and_unique() {
        assert!(LANGUAGES.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
