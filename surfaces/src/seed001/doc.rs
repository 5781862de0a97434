//! Seed 001's documents, element for element in the documented order: JSON by default, and with
//! `Accept: application/xml` the same document as `<?xml …?><export>…</export>`, where each
//! array item is an `<item>` element and a missing value an empty element.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

use roster_shared::http::{xml, RequestInfo};

/// A document node whose object keys keep their order (the seed's field order).
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Number(u64),
    Text(String),
    Object(Vec<(&'static str, Node)>),
    List(Vec<Node>),
}

impl Node {
    /// A string, or `null` when there is none.
    pub fn text(value: Option<impl Into<String>>) -> Self {
        value.map_or(Self::Null, |v| Self::Text(v.into()))
    }

    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Self::Number(n) => out.push_str(&n.to_string()),
            Self::Text(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
            Self::Object(fields) => {
                out.push('{');
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String((*name).to_string()).to_string());
                    out.push(':');
                    value.write_json(out);
                }
                out.push('}');
            }
            Self::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
        }
    }

    /// The document as XML under `root`, with the declaration the seed shows.
    pub fn to_xml(&self, root: &str) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        self.write_xml(root, &mut out);
        out
    }

    fn write_xml(&self, name: &str, out: &mut String) {
        if let Self::Null = self {
            out.push_str(&format!("<{name}/>"));
            return;
        }
        out.push_str(&format!("<{name}>"));
        match self {
            Self::Null => {}
            Self::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Self::Number(n) => out.push_str(&n.to_string()),
            Self::Text(s) => xml::escape(s, out),
            Self::Object(fields) => {
                for (field, value) in fields {
                    value.write_xml(field, out);
                }
            }
            Self::List(items) => {
                for item in items {
                    item.write_xml("item", out);
                }
            }
        }
        out.push_str(&format!("</{name}>"));
    }
}

/// A successful seed-001 answer: the document in the negotiated format.
pub struct Export {
    pub status: StatusCode,
    pub body: Node,
}

impl Export {
    pub fn ok(body: Node) -> Self {
        Self {
            status: StatusCode::OK,
            body,
        }
    }

    pub fn created(body: Node) -> Self {
        Self {
            status: StatusCode::CREATED,
            body,
        }
    }
}

impl IntoResponse for Export {
    fn into_response(self) -> Response {
        let (content_type, text) = if RequestInfo::current().xml {
            ("application/xml", self.body.to_xml("export"))
        } else {
            ("application/json", self.body.to_json())
        };
        let mut response = (self.status, text).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Node {
        Node::Object(vec![
            (
                "data",
                Node::List(vec![Node::Object(vec![
                    ("id", Node::Text("usr_1".into())),
                    ("name", Node::Text("A & \"B\" <C>".into())),
                    ("active", Node::Bool(true)),
                    ("dateValid", Node::Null),
                ])]),
            ),
            ("total", Node::Number(3)),
        ])
    }

    #[test]
    fn json_keeps_the_documented_field_order() {
        assert_eq!(
            sample().to_json(),
            r#"{"data":[{"id":"usr_1","name":"A & \"B\" <C>","active":true,"dateValid":null}],"total":3}"#
        );
        let parsed: serde_json::Value =
            serde_json::from_str(&sample().to_json()).unwrap_or_default();
        assert_eq!(parsed["data"][0]["name"], "A & \"B\" <C>");
    }

    #[test]
    fn xml_has_items_escapes_and_empty_elements() {
        assert_eq!(
            sample().to_xml("export"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<export><data><item><id>usr_1</id><name>A &amp; &quot;B&quot; &lt;C&gt;</name><active>true</active><dateValid/></item></data><total>3</total></export>"
        );
    }
}
