//! Renders any JSON document as XML: objects become elements, array items become `<item>`.

use serde_json::Value;

/// Appends `text` to `out` as XML character data (control characters other than tab and line
/// breaks, which XML 1.0 cannot carry, are dropped).
pub fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

/// A valid XML element name for a JSON key (keys here are identifiers; anything else is mapped).
fn element_name(key: &str) -> String {
    let mut name: String = key
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        name.insert(0, '_');
    }
    name
}

fn write(name: &str, value: &Value, out: &mut String) {
    match value {
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in map {
                write(&element_name(k), v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            for v in items {
                write("item", v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => {
            out.push_str(&format!("<{name}>"));
            escape(s, out);
            out.push_str(&format!("</{name}>"));
        }
        Value::Bool(_) | Value::Number(_) => out.push_str(&format!("<{name}>{value}</{name}>")),
    }
}

/// The whole document under `root`, with an XML declaration.
pub fn render(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write(root, value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_objects_arrays_and_escapes() {
        let doc = json!({"data": [{"name": "A & <B>", "active": true}], "n": null});
        let xml = render("export", &doc);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<export><data><item><active>true</active><name>A &amp; &lt;B&gt;</name></item></data><n/></export>"
        );
    }

    #[test]
    fn output_parses_as_xml() {
        let doc = json!({"weird key": "x", "1st": ["a", {"b": "c"}]});
        let xml = render("r", &doc);
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{e}: {xml}"),
            }
        }
    }
}
