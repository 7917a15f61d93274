//! A tolerant HTML tree built from `html5gum`'s WHATWG tokenizer: enough tree
//! construction (void elements, implied `</p>`, `</li>`, `</td>`, `</tr>`, stray end
//! tags ignored) to find ModernGov's `mg*` blocks inside any council's template. It
//! is not the full WHATWG tree builder, which the pages do not need.

use html5gum::{DefaultEmitter, Token, Tokenizer};

/// Elements may nest this deep; deeper start tags are attached as siblings, which
/// bounds the recursive walks on hostile input.
pub const MAX_DEPTH: usize = 256;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements whose boundaries separate lines of text.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// One node: an element (`tag` non-empty) or a text node (`tag` empty).
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// Lower-case tag name; empty for text.
    pub tag: String,
    /// Attributes, names lower case, values with character references decoded.
    pub attrs: Vec<(String, String)>,
    /// Text content of a text node.
    pub text: String,
    /// Child node indices.
    pub children: Vec<usize>,
}

/// A parsed document: node 0 is a synthetic root.
#[derive(Debug, Clone)]
pub struct Document {
    /// All nodes; children refer to indices here.
    pub nodes: Vec<Node>,
}

impl Document {
    /// Parses an HTML string, never failing: the tokenizer recovers from every error.
    pub fn parse(src: &str) -> Document {
        let mut emitter = DefaultEmitter::default();
        // Treat <script>, <style>, <title> and <textarea> contents as text, so the
        // `document.write('<script ...></' + 'script>')` seen in SharePoint error pages
        // does not open elements.
        emitter.naively_switch_states(true);
        let mut nodes = vec![Node {
            tag: "#root".into(),
            ..Node::default()
        }];
        let mut stack: Vec<usize> = vec![0];
        for token in Tokenizer::new_with_emitter(src, emitter) {
            let Ok(token) = token;
            match token {
                Token::StartTag(tag) => {
                    let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                    close_implied(&nodes, &mut stack, &name);
                    let attrs = tag
                        .attributes
                        .iter()
                        .map(|(k, v)| {
                            (
                                String::from_utf8_lossy(k).to_ascii_lowercase(),
                                String::from_utf8_lossy(v).into_owned(),
                            )
                        })
                        .collect();
                    let idx = nodes.len();
                    nodes.push(Node {
                        tag: name.clone(),
                        attrs,
                        ..Node::default()
                    });
                    let parent = *stack.last().unwrap_or(&0);
                    nodes[parent].children.push(idx);
                    if !VOID.contains(&name.as_str())
                        && !tag.self_closing
                        && stack.len() < MAX_DEPTH
                    {
                        stack.push(idx);
                    }
                }
                Token::EndTag(tag) => {
                    let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                    if let Some(pos) = stack.iter().rposition(|&i| i != 0 && nodes[i].tag == name) {
                        stack.truncate(pos);
                    }
                }
                Token::String(s) => {
                    let text = String::from_utf8_lossy(&s).into_owned();
                    let parent = *stack.last().unwrap_or(&0);
                    // Merge with a preceding text node.
                    if let Some(&last) = nodes[parent].children.last()
                        && nodes[last].tag.is_empty()
                    {
                        nodes[last].text.push_str(&text);
                        continue;
                    }
                    let idx = nodes.len();
                    nodes.push(Node {
                        text,
                        ..Node::default()
                    });
                    nodes[parent].children.push(idx);
                }
                Token::Comment(_) | Token::Doctype(_) | Token::Error(_) => {}
            }
        }
        Document { nodes }
    }

    /// The value of attribute `name` on node `i`.
    pub fn attr(&self, i: usize, name: &str) -> Option<&str> {
        self.nodes[i]
            .attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// True when node `i` has the CSS class `class`.
    pub fn has_class(&self, i: usize, class: &str) -> bool {
        self.attr(i, "class").is_some_and(|c| {
            c.split_ascii_whitespace()
                .any(|c| c.eq_ignore_ascii_case(class))
        })
    }

    /// True when node `i` has a CSS class starting with `mg` (ModernGov's prefix).
    pub fn has_mg_class(&self, i: usize) -> bool {
        self.attr(i, "class")
            .is_some_and(|c| c.split_ascii_whitespace().any(|c| c.starts_with("mg")))
    }

    /// Every element below `from` (in document order) for which `pred` holds,
    /// without descending into matches.
    pub fn select(&self, from: usize, pred: &dyn Fn(&Document, usize) -> bool) -> Vec<usize> {
        let mut out = Vec::new();
        let mut todo: Vec<usize> = self.nodes[from].children.iter().rev().copied().collect();
        while let Some(i) = todo.pop() {
            if !self.nodes[i].tag.is_empty() && pred(self, i) {
                out.push(i);
            } else {
                todo.extend(self.nodes[i].children.iter().rev().copied());
            }
        }
        out
    }

    /// Every descendant of `from`, in document order (`from` excluded).
    pub fn descendants(&self, from: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut todo: Vec<usize> = self.nodes[from].children.iter().rev().copied().collect();
        while let Some(i) = todo.pop() {
            out.push(i);
            todo.extend(self.nodes[i].children.iter().rev().copied());
        }
        out
    }

    /// Visible text of node `i` as lines: block boundaries and `<br>` break lines,
    /// `<script>` and `<style>` are skipped, whitespace is folded.
    pub fn lines(&self, i: usize) -> Vec<String> {
        let mut raw = String::new();
        self.collect_text(i, &mut raw);
        raw.split('\n').filter_map(crate::text::clean).collect()
    }

    /// Visible text of node `i` on one line.
    pub fn text(&self, i: usize) -> String {
        self.lines(i).join(" ")
    }

    fn collect_text(&self, i: usize, out: &mut String) {
        // Iterative walk: (node, closing?) pairs.
        let mut todo = vec![(i, false)];
        while let Some((n, closing)) = todo.pop() {
            let node = &self.nodes[n];
            let block = BLOCK.contains(&node.tag.as_str());
            if closing {
                if block {
                    out.push('\n');
                }
                continue;
            }
            if node.tag.is_empty() {
                out.push_str(&node.text);
                continue;
            }
            if node.tag == "script" || node.tag == "style" {
                continue;
            }
            if block {
                out.push('\n');
            }
            todo.push((n, true));
            for &c in node.children.iter().rev() {
                todo.push((c, false));
            }
        }
    }

    /// All text inside `<script>` elements.
    pub fn script_text(&self) -> String {
        let mut s = String::new();
        for i in self.select(0, &|d, i| d.nodes[i].tag == "script") {
            for c in self.descendants(i) {
                s.push_str(&self.nodes[c].text);
                s.push('\n');
            }
        }
        s
    }
}

/// Closes elements whose end tag HTML lets authors omit (WHATWG §13.1.2.4).
fn close_implied(nodes: &[Node], stack: &mut Vec<usize>, opening: &str) {
    let closes: &[&str] = match opening {
        "p" | "div" | "ul" | "ol" | "table" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "dl" => {
            &["p"]
        }
        "li" => &["li", "p"],
        "dt" | "dd" => &["dt", "dd", "p"],
        "tr" => &["tr", "td", "th"],
        "td" | "th" => &["td", "th"],
        _ => &[],
    };
    if closes.is_empty() {
        return;
    }
    // Only close when the implied element is the current node or directly under
    // inline content; stop at containers that scope it.
    let scope: &[&str] = match opening {
        "li" => &["ul", "ol"],
        "dt" | "dd" => &["dl"],
        "tr" | "td" | "th" => &["table"],
        _ => &["div", "td", "th", "li", "table", "body", "html"],
    };
    for pos in (1..stack.len()).rev() {
        let tag = nodes[stack[pos]].tag.as_str();
        if closes.contains(&tag) {
            stack.truncate(pos);
            return;
        }
        if scope.contains(&tag) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_tree_from_tag_soup() {
        let d = Document::parse(
            "<div class='mgContent x'><p>One<br>two<p>three</div></span><ul><li>a<li>b</ul>",
        );
        let content = d.select(0, &|d, i| d.has_class(i, "mgContent"));
        assert_eq!(content.len(), 1);
        assert_eq!(d.lines(content[0]), vec!["One", "two", "three"]);
        let lis = d.select(0, &|d, i| d.nodes[i].tag == "li");
        assert_eq!(lis.len(), 2);
    }

    #[test]
    fn keeps_script_text_out_of_visible_text() {
        let d =
            Document::parse("<p>x<script>document.write('<b>' + '</' + 'script>');</script>y</p>");
        assert_eq!(d.text(0), "xy");
        assert!(d.script_text().contains("document.write"));
    }
}
