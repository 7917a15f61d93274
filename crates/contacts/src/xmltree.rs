//! A minimal element tree built with `quick-xml`, enough for the web service's
//! small, attribute-free documents. Element names are reduced to their local part
//! and lower-cased (`soap:Body` → `body`), so SOAP and bare-GET answers look alike.

use quick_xml::Reader;
use quick_xml::events::Event;

/// How deep elements may nest before a document is refused. ModernGov answers are
/// at most eight levels deep; the limit keeps hostile input from exhausting the
/// stack of the recursive walks.
pub const MAX_DEPTH: usize = 64;

/// One XML element: its local name, its own text (concatenated) and its children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name, lower case.
    pub name: String,
    /// The element's own character data, entity references resolved once (XML layer).
    pub text: String,
    /// Child elements, in document order.
    pub children: Vec<Element>,
}

/// Why a document could not be read as XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Occurs when the XML is not well formed; `line` is 1-based.
    #[error("malformed XML at line {line}: {reason}")]
    Malformed {
        /// Line of the problem.
        line: u64,
        /// What the reader said.
        reason: String,
    },
    /// Occurs when the document has no root element.
    #[error("no root element")]
    NoRoot,
    /// Occurs when elements nest deeper than [`MAX_DEPTH`].
    #[error("elements nested more than {MAX_DEPTH} deep")]
    TooDeep,
}

impl Element {
    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child called `name`, if any.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// Every descendant called `name` (not descending into matches).
    pub fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        for c in &self.children {
            if c.name == name {
                out.push(c);
            } else {
                c.find_all(name, out);
            }
        }
    }

    /// All text below this element, children included, in document order.
    pub fn deep_text(&self) -> String {
        let mut s = self.text.clone();
        for c in &self.children {
            s.push(' ');
            s.push_str(&c.deep_text());
        }
        s
    }
}

fn line_of(src: &str, pos: u64) -> u64 {
    let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(src.len());
    src.as_bytes()[..pos]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

fn local_lower(raw: &str) -> String {
    raw.rsplit(':').next().unwrap_or(raw).to_ascii_lowercase()
}

/// Parses `src` into its root element.
pub fn parse(src: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(src);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader.read_event().map_err(|e| XmlError::Malformed {
            line: line_of(src, reader.error_position()),
            reason: e.to_string(),
        })?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(XmlError::Malformed {
                        line: line_of(src, reader.buffer_position()),
                        reason: "content after the root element".into(),
                    });
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                stack.push(Element {
                    name: local_lower(start.name().as_ref()),
                    ..Element::default()
                });
            }
            Event::Empty(start) => {
                let el = Element {
                    name: local_lower(start.name().as_ref()),
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => {
                        return Err(XmlError::Malformed {
                            line: line_of(src, reader.buffer_position()),
                            reason: "content after the root element".into(),
                        });
                    }
                }
            }
            Event::End(_) => {
                // quick-xml checks that end names match their start tags.
                let el = stack.pop().ok_or_else(|| XmlError::Malformed {
                    line: line_of(src, reader.buffer_position()),
                    reason: "unmatched end tag".into(),
                })?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let name: &str = &r;
                    // Predefined XML entities and character references; an HTML name
                    // (`&nbsp;`, not valid XML but seen in the wild) is resolved from
                    // the HTML table; anything else is kept literally.
                    match crate::text::resolve_entity(name) {
                        Some(v) => top.text.push_str(&v),
                        None => {
                            top.text.push('&');
                            top.text.push_str(name);
                            top.text.push(';');
                        }
                    }
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed {
            line: line_of(src, src.len() as u64),
            reason: format!(
                "document ends inside <{}>",
                stack.last().map(|e| e.name.as_str()).unwrap_or("")
            ),
        });
    }
    root.ok_or(XmlError::NoRoot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_elements_and_references() {
        let root =
            parse("<?xml version=\"1.0\"?>\r\n<a><b>x &amp;quot;y&amp;quot; &#39;</b><c/></a>")
                .unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.child_text("b"), Some("x &quot;y&quot; '"));
        assert!(root.child("c").is_some());
    }

    #[test]
    fn names_the_line_of_malformed_xml() {
        let err = parse("<a>\n<b>\n</a>").unwrap_err();
        assert!(
            matches!(err, XmlError::Malformed { line: 3, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn refuses_deep_nesting() {
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep).unwrap_err(), XmlError::TooDeep);
    }
}
