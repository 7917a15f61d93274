//! The rule file format (`docs/routing-rules.md`): its TOML shape as serde types
//! (unknown keys, missing keys and wrong types are serde's errors, with the span
//! `toml` gives them), then the checks serde cannot make: names that refer to each
//! other, reason templates and the final catch-all. Every error carries the file,
//! line and column of the offending key or value.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use toml::Spanned;

use super::{
    AnswerCond, AnswerOption, BodyTier, Conditions, Piece, Placeholder, Question, QuestionSet,
    Rule, RuleError, RuleSet,
};
use crate::types::AreaType;

/// A rule file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    category: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    question: Vec<QuestionEntry>,
    /// Optional here so that its absence gets the rule-file message, not serde's.
    rule: Option<Spanned<Vec<RuleEntry>>>,
}

/// A `[[question]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionEntry {
    id: Spanned<String>,
    text: Spanned<String>,
    hint: Option<String>,
    options: Spanned<Vec<Spanned<OptionEntry>>>,
}

/// One of a question's `options`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionEntry {
    value: Spanned<String>,
    label: Spanned<String>,
    hint: Option<String>,
}

/// A `[[rule]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    id: Spanned<String>,
    when: Option<When>,
    target: Spanned<BodyTier>,
    reason: Spanned<String>,
}

/// A rule's `when` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct When {
    #[serde(default)]
    answers: BTreeMap<Spanned<String>, Spanned<OneOrMany>>,
    parished: Option<bool>,
    has_area: Option<Spanned<OneOrMany>>,
    lacks_area: Option<Spanned<OneOrMany>>,
    in_area: Option<Spanned<OneOrMany>>,
}

/// A string or a list of strings (`speedwatch = "no"`, `speedwatch = ["no",
/// "dont-know"]`).
enum OneOrMany {
    /// A lone string; its span is the enclosing `Spanned`'s.
    One(String),
    Many(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor;
        impl<'de> Visitor<'de> for OneOrManyVisitor {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(s.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany::Many(items))
            }
        }
        d.deserialize_any(OneOrManyVisitor)
    }
}

/// Parses and checks one rule file; also returns the span of its `category` value,
/// for the caller's duplicate-category error.
pub(super) fn parse(file: &str, text: &str) -> Result<(RuleSet, Range<usize>), RuleError> {
    let src = Source { file, text };
    let doc: RuleFile =
        toml::from_str(text).map_err(|e| src.err(e.span().unwrap_or(0..0), e.message().trim()))?;
    let category = src.non_empty(&doc.category, "category")?;
    if !category
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(src.err(
            doc.category.span(),
            format!("category {category:?} must be lower-case letters, digits and hyphens"),
        ));
    }
    let title = src.non_empty(&doc.title, "title")?;
    let mut questions: Vec<Question> = Vec::new();
    for q in doc.question {
        let q = src.question(q, &questions)?;
        questions.push(q);
    }

    let entries = doc.rule.ok_or_else(|| {
        src.err(
            text.len()..text.len(),
            "no [[rule]]: a rule file needs at least its final catch-all rule",
        )
    })?;
    if entries.get_ref().is_empty() {
        return Err(src.err(
            entries.span(),
            "no rules: a rule file needs at least its final catch-all rule",
        ));
    }
    let entries = entries.into_inner();
    let count = entries.len();
    let mut rules: Vec<Rule> = Vec::with_capacity(count);
    let mut ids = HashSet::new();
    for (i, r) in entries.into_iter().enumerate() {
        let id = src.non_empty(&r.id, "id")?;
        if !ids.insert(id.clone()) {
            return Err(src.err(r.id.span(), format!("duplicate rule id {id:?}")));
        }
        let when = match r.when {
            None => Conditions::default(),
            Some(w) => src.conditions(w, &questions)?,
        };
        let target = *r.target.get_ref();
        let reason = src.non_empty(&r.reason, "reason")?;
        let reason = src.template(&reason, r.reason.span(), &questions, &when, target, &id)?;
        let last = i + 1 == count;
        if when.is_empty() && !last {
            return Err(src.err(
                r.id.span(),
                format!(
                    "rule {id:?} has no conditions, so it always matches and the rules after it never run; only the last rule may be a catch-all"
                ),
            ));
        }
        if last && !when.is_empty() {
            return Err(src.err(
                r.id.span(),
                format!(
                    "the last rule ({id:?}) has conditions; a rule file must end with a catch-all rule without `when`"
                ),
            ));
        }
        rules.push(Rule {
            id,
            when,
            target,
            reason,
        });
    }
    Ok((
        RuleSet {
            file: file.to_string(),
            questions: QuestionSet {
                category,
                title,
                questions,
            },
            rules,
        },
        doc.category.span(),
    ))
}

/// The file being checked: its name, and its text for turning spans into lines and
/// columns.
struct Source<'a> {
    file: &'a str,
    text: &'a str,
}

/// An error in `file` at the start of `span` of its `text`, as a 1-based line and
/// column (in characters).
pub(super) fn error_at(
    file: &str,
    text: &str,
    span: Range<usize>,
    reason: impl Into<String>,
) -> RuleError {
    let mut at = span.start.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    RuleError {
        file: file.to_string(),
        line,
        column,
        reason: reason.into(),
    }
}

impl Source<'_> {
    fn err(&self, span: Range<usize>, reason: impl Into<String>) -> RuleError {
        error_at(self.file, self.text, span, reason)
    }

    /// A string that must say something (identifiers, texts, labels, reasons).
    fn non_empty(&self, s: &Spanned<String>, key: &str) -> Result<String, RuleError> {
        if s.get_ref().trim().is_empty() {
            return Err(self.err(s.span(), format!("{key:?} is empty")));
        }
        Ok(s.get_ref().clone())
    }

    /// The strings of a string-or-list, each with its span; an empty list is an error.
    fn items(
        &self,
        v: &Spanned<OneOrMany>,
        what: &str,
    ) -> Result<Vec<(String, Range<usize>)>, RuleError> {
        match v.get_ref() {
            OneOrMany::One(s) => Ok(vec![(s.clone(), v.span())]),
            OneOrMany::Many(items) if items.is_empty() => {
                Err(self.err(v.span(), format!("{what} is an empty list")))
            }
            OneOrMany::Many(items) => Ok(items
                .iter()
                .map(|s| (s.get_ref().clone(), s.span()))
                .collect()),
        }
    }

    /// Checks a question against those before it: a new id, at least two options,
    /// distinct option values.
    fn question(&self, q: QuestionEntry, before: &[Question]) -> Result<Question, RuleError> {
        let id = self.non_empty(&q.id, "id")?;
        if before.iter().any(|x| x.id == id) {
            return Err(self.err(q.id.span(), format!("duplicate question id {id:?}")));
        }
        let text = self.non_empty(&q.text, "text")?;
        if q.options.get_ref().len() < 2 {
            return Err(self.err(
                q.options.span(),
                format!("question {id:?} needs at least two options"),
            ));
        }
        let mut options: Vec<AnswerOption> = Vec::new();
        for o in q.options.into_inner() {
            let o = o.into_inner();
            let value = self.non_empty(&o.value, "value")?;
            if options.iter().any(|x| x.value == value) {
                return Err(self.err(
                    o.value.span(),
                    format!("duplicate option value {value:?} in question {id:?}"),
                ));
            }
            options.push(AnswerOption {
                value,
                label: self.non_empty(&o.label, "label")?,
                hint: o.hint,
            });
        }
        Ok(Question {
            id,
            text,
            hint: q.hint,
            options,
        })
    }

    /// A `when` table whose answers name questions and options that exist, and
    /// whose area types are MapIt's.
    fn conditions(&self, w: When, questions: &[Question]) -> Result<Conditions, RuleError> {
        let mut c = Conditions {
            parished: w.parished,
            ..Conditions::default()
        };
        // In file order, so that the first mistake in the file is the one reported.
        let mut answers: Vec<_> = w.answers.iter().collect();
        answers.sort_by_key(|(k, _)| k.span().start);
        for (k, v) in answers {
            let qid = k.get_ref();
            let q = questions.iter().find(|q| q.id == *qid).ok_or_else(|| {
                self.err(
                    k.span(),
                    format!(
                        "unknown question {qid:?} (questions: {})",
                        questions
                            .iter()
                            .map(|q| q.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let mut values = Vec::new();
            for (value, span) in self.items(v, &format!("the answer to {qid:?}"))? {
                if !q.options.iter().any(|o| o.value == value) {
                    return Err(self.err(
                        span,
                        format!(
                            "{value:?} is not an answer to {qid:?} (expected one of {})",
                            q.options
                                .iter()
                                .map(|o| o.value.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                values.push(value);
            }
            c.answers.push(AnswerCond {
                question: qid.clone(),
                values,
            });
        }
        for (key, given, list) in [
            ("has-area", &w.has_area, &mut c.has_area),
            ("lacks-area", &w.lacks_area, &mut c.lacks_area),
        ] {
            if let Some(v) = given {
                for (s, span) in self.items(v, &format!("{key:?}"))? {
                    list.push(
                        s.parse::<AreaType>()
                            .map_err(|e| self.err(span, e.to_string()))?,
                    );
                }
            }
        }
        if let Some(v) = &w.in_area {
            c.in_area = self
                .items(v, "\"in-area\"")?
                .into_iter()
                .map(|(s, _)| s)
                .collect();
        }
        Ok(c)
    }

    /// Parses a reason template: text with `{placeholder}`s; `{{` and `}}` are literal
    /// braces.
    fn template(
        &self,
        s: &str,
        span: Range<usize>,
        questions: &[Question],
        when: &Conditions,
        target: BodyTier,
        rule: &str,
    ) -> Result<Vec<Piece>, RuleError> {
        // Point errors at the placeholder when the source spells it literally.
        let raw = self.text.get(span.clone()).unwrap_or_default();
        let at = |needle: &str| {
            raw.find(needle).map_or(span.clone(), |o| {
                span.start + o..span.start + o + needle.len()
            })
        };
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = s.char_indices().peekable();
        while let Some((i, ch)) = chars.next() {
            match ch {
                '{' if chars.peek().map(|c| c.1) == Some('{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().map(|c| c.1) == Some('}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => {
                    return Err(self.err(
                        at("}"),
                        "unmatched \"}\" in reason (write \"}}\" for a brace)",
                    ));
                }
                '{' => {
                    let rest = &s[i + 1..];
                    let end = rest.find('}').ok_or_else(|| {
                        self.err(
                            at("{"),
                            "unclosed \"{\" in reason (write \"{{\" for a brace)",
                        )
                    })?;
                    let name = &rest[..end];
                    for _ in 0..=name.chars().count() {
                        chars.next();
                    }
                    let whole = format!("{{{name}}}");
                    let piece = match name {
                        "parish" => Piece::Area(Placeholder::Parish),
                        "district" => Piece::Area(Placeholder::District),
                        "county" => Piece::Area(Placeholder::County),
                        "ward" => Piece::Area(Placeholder::Ward),
                        "area" => Piece::Area(Placeholder::Target),
                        "category" => Piece::Category,
                        "title" => Piece::Title,
                        _ => match name.strip_prefix("answer.") {
                            Some(q) if questions.iter().any(|x| x.id == q) => {
                                Piece::Answer(q.to_string())
                            }
                            Some(q) => {
                                return Err(self.err(
                                    at(&whole),
                                    format!("placeholder {whole} names unknown question {q:?}"),
                                ));
                            }
                            None => {
                                return Err(self.err(
                                    at(&whole),
                                    format!(
                                        "unknown placeholder {whole} (expected {{parish}}, {{district}}, {{county}}, {{ward}}, {{area}}, {{category}}, {{title}} or {{answer.<question>}})"
                                    ),
                                ));
                            }
                        },
                    };
                    if piece == Piece::Area(Placeholder::Parish)
                        && when.parished != Some(true)
                        && target != BodyTier::Parish
                    {
                        return Err(self.err(
                            at(&whole),
                            format!(
                                "rule {rule:?} says {{parish}} but can match a place with no parish: add `parished = true` to its `when`"
                            ),
                        ));
                    }
                    if piece == Piece::Area(Placeholder::Target) && target == BodyTier::NotCouncil {
                        return Err(self.err(
                            at(&whole),
                            format!("rule {rule:?} routes to not-council, which has no {{area}}"),
                        ));
                    }
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(piece);
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(pieces)
    }
}
