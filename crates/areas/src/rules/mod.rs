//! Routing rules as data: TOML files that decide whether a report goes to the parish,
//! the district, the county or nobody at the council (`docs/routing-rules.md`).
//!
//! The records mirror `council:parish/routing` (`wit/parish/routing.wit`). This module
//! holds them, the rule book and routing; `file.rs` reads and checks a rule file.
//!
//! ```
//! use council_areas::rules::{Answer, RouteRequest, RuleBook};
//! use council_areas::{Area, AreaType, BodyTier};
//!
//! let book = RuleBook::from_toml("bins.toml", r#"
//! category = "overflowing-bin"
//! title = "Report an overflowing litter bin"
//!
//! [[question]]
//! id = "where"
//! text = "Where is the bin?"
//! options = [
//!   { value = "park", label = "In a park or on a village green" },
//!   { value = "street", label = "On a street" },
//! ]
//!
//! [[rule]]
//! id = "parish-green"
//! when = { parished = true, answers = { where = "park" } }
//! target = "parish"
//! reason = "{parish} has a parish council, which looks after its greens."
//!
//! [[rule]]
//! id = "otherwise"
//! target = "district"
//! reason = "The council for {district} empties street bins."
//! "#)?;
//!
//! let area = |code: &str, name: &str, t| Area {
//!     code: code.into(), name: name.into(), area_type: t,
//!     parent_code: None, country: "E".into(),
//! };
//! let decision = book.route(&RouteRequest {
//!     category: "overflowing-bin".into(),
//!     answers: vec![Answer { question_id: "where".into(), value: "park".into() }],
//!     areas: vec![area("E04000011", "Partington", AreaType::Cpc),
//!                 area("E08000009", "Trafford", AreaType::Mtd)],
//! })?;
//! assert_eq!(decision.tier, BodyTier::Parish);
//! assert_eq!(decision.rule_id, "parish-green");
//! assert_eq!(decision.reason, "Partington has a parish council, which looks after its greens.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod file;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::types::{Area, AreaType};

/// One allowed answer to a question (WIT `answer-option`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerOption {
    /// The value sent back in an [`Answer`] (`yes`, `dont-know`).
    pub value: String,
    /// The text shown to the reporter (`Yes`, `I don't know`).
    pub label: String,
    /// Optional help text shown under the label.
    pub hint: Option<String>,
}

/// A question asked of the reporter (WIT `question`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Stable identifier used in [`Answer::question_id`] (`speed-limit`).
    pub id: String,
    /// The question as shown to the reporter.
    pub text: String,
    /// Optional help text shown under the question.
    pub hint: Option<String>,
    /// The answers the reporter can choose from, in display order.
    pub options: Vec<AnswerOption>,
}

/// A report category and the questions that route it (WIT `question-set`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionSet {
    /// The category's identifier (`speeding-traffic`).
    pub category: String,
    /// The category's title (`Report speeding traffic`).
    pub title: String,
    /// The questions, in the order to ask them.
    pub questions: Vec<Question>,
}

/// A reporter's answer to one question (WIT `answer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The question's `id`.
    pub question_id: String,
    /// One of the question's option `value`s.
    pub value: String,
}

/// What to route (WIT `route-request`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRequest {
    /// The report's category.
    pub category: String,
    /// The reporter's answers; every question of the category must be answered.
    pub answers: Vec<Answer>,
    /// The areas the report's location lies in, as `areas_at` returned them.
    pub areas: Vec<Area>,
}

/// The tier of the body responsible (WIT `body-tier`). In rule files it is a rule's
/// `target`, spelt as in the WIT (`parish`, `not-council`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyTier {
    /// The parish, town or community council of the `CPC` area.
    Parish,
    /// The district council: a `DIS` area, or the metropolitan district, London
    /// borough or unitary authority where there is no separate district.
    District,
    /// The county council: a `CTY` area, or the unitary authority or metropolitan
    /// district where there is no county.
    County,
    /// Not a matter for any council.
    NotCouncil,
}

impl BodyTier {
    /// The word used for it in rule files (`parish`, `not-council`).
    pub fn as_str(self) -> &'static str {
        match self {
            BodyTier::Parish => "parish",
            BodyTier::District => "district",
            BodyTier::County => "county",
            BodyTier::NotCouncil => "not-council",
        }
    }

    /// The area types that stand for this tier, in order of preference.
    pub fn area_types(self) -> &'static [AreaType] {
        use AreaType::*;
        match self {
            BodyTier::Parish => &[Cpc],
            BodyTier::District => &[Dis, Mtd, Lbo, Uta, Coi, Lgd],
            BodyTier::County => &[Cty, Uta, Mtd, Lbo, Coi, Lgd],
            BodyTier::NotCouncil => &[],
        }
    }
}

/// A routing decision (WIT `decision`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The tier that is responsible.
    pub tier: BodyTier,
    /// The area whose council is responsible; `None` for `not-council`.
    pub area: Option<Area>,
    /// The identifier of the rule that decided.
    pub rule_id: String,
    /// Why, in words for the reporter and for staff.
    pub reason: String,
}

/// Errors raised by [`RuleBook::route`]: the WIT `routing.error` cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// Occurs when no rule set has the category; the string names it.
    #[error("unknown category {0:?}")]
    UnknownCategory(String),
    /// Occurs when an answer is missing, names an unknown question, repeats a question
    /// or has a value that is not one of the question's options; the string says which.
    #[error("invalid answers: {0}")]
    InvalidAnswers(String),
    /// Occurs when the areas given lack the area the matching rule routes to, or one
    /// its reason names.
    #[error("missing area: {0}")]
    MissingArea(String),
    /// Occurs when the rule files are missing or invalid; the string names the file,
    /// line and reason.
    #[error("rules unavailable: {0}")]
    RulesUnavailable(String),
    /// Any other failure. The string is for people; it is not part of the contract.
    #[error("{0}")]
    Other(String),
}

impl From<RuleError> for RouteError {
    fn from(e: RuleError) -> Self {
        RouteError::RulesUnavailable(e.to_string())
    }
}

/// An invalid rule file: where, and why. Displayed as `file:line:column: reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {reason}")]
pub struct RuleError {
    /// The file.
    pub file: String,
    /// 1-based line (0 when the error is about the file as a whole).
    pub line: usize,
    /// 1-based column (0 when the error is about the file as a whole).
    pub column: usize,
    /// What is wrong.
    pub reason: String,
}

/// A condition on answers: the question's answer is one of `values`.
#[derive(Debug, Clone)]
struct AnswerCond {
    question: String,
    values: Vec<String>,
}

/// The conditions of a rule, all of which must hold.
#[derive(Debug, Clone, Default)]
struct Conditions {
    answers: Vec<AnswerCond>,
    parished: Option<bool>,
    has_area: Vec<AreaType>,
    lacks_area: Vec<AreaType>,
    in_area: Vec<String>,
}

impl Conditions {
    fn is_empty(&self) -> bool {
        self.answers.is_empty()
            && self.parished.is_none()
            && self.has_area.is_empty()
            && self.lacks_area.is_empty()
            && self.in_area.is_empty()
    }

    fn holds(&self, answers: &BTreeMap<&str, &str>, areas: &[Area]) -> bool {
        let has = |t: AreaType| areas.iter().any(|a| a.area_type == t);
        self.answers.iter().all(|c| {
            answers
                .get(c.question.as_str())
                .is_some_and(|v| c.values.iter().any(|x| x == v))
        }) && self.parished.is_none_or(|p| has(AreaType::Cpc) == p)
            && self.has_area.iter().all(|&t| has(t))
            && !self.lacks_area.iter().any(|&t| has(t))
            && (self.in_area.is_empty() || areas.iter().any(|a| self.in_area.contains(&a.code)))
    }
}

/// A piece of a reason template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// `{parish}`, `{district}`, `{county}`, `{ward}`, `{area}`: an area's name.
    Area(Placeholder),
    /// `{category}`.
    Category,
    /// `{title}`.
    Title,
    /// `{answer.<id>}`: the label of the answer given.
    Answer(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder {
    Parish,
    District,
    County,
    Ward,
    Target,
}

#[derive(Debug, Clone)]
struct Rule {
    id: String,
    when: Conditions,
    target: BodyTier,
    reason: Vec<Piece>,
}

#[derive(Debug, Clone)]
struct RuleSet {
    file: String,
    questions: QuestionSet,
    rules: Vec<Rule>,
}

/// Every rule set, by category.
#[derive(Debug, Clone, Default)]
pub struct RuleBook {
    sets: BTreeMap<String, RuleSet>,
}

impl RuleBook {
    /// Loads every `*.toml` file in a directory (in name order). Fails on the first
    /// invalid file, with its line, column and reason, and when the directory has no
    /// rule files.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<RuleBook, RuleError> {
        let dir = dir.as_ref();
        let whole = |reason: String| RuleError {
            file: dir.display().to_string(),
            line: 0,
            column: 0,
            reason,
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| whole(format!("cannot read the rules directory: {e}")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(whole("no rule files (*.toml)".into()));
        }
        let mut book = RuleBook::default();
        for f in files {
            let name = f.display().to_string();
            let text = std::fs::read_to_string(&f).map_err(|e| RuleError {
                file: name.clone(),
                line: 0,
                column: 0,
                reason: format!("cannot read: {e}"),
            })?;
            book.add_toml(&name, &text)?;
        }
        Ok(book)
    }

    /// A book of one rule file's text; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<RuleBook, RuleError> {
        let mut book = RuleBook::default();
        book.add_toml(file, text)?;
        Ok(book)
    }

    /// Adds one rule file's text; fails if it is invalid or its category is already
    /// defined.
    pub fn add_toml(&mut self, file: &str, text: &str) -> Result<(), RuleError> {
        let (set, category_span) = file::parse(file, text)?;
        if let Some(prev) = self.sets.get(&set.questions.category) {
            return Err(file::error_at(
                file,
                text,
                category_span,
                format!(
                    "category {:?} is already defined in {}",
                    set.questions.category, prev.file
                ),
            ));
        }
        self.sets.insert(set.questions.category.clone(), set);
        Ok(())
    }

    /// Every category with its questions, ordered by category.
    pub fn categories(&self) -> Vec<QuestionSet> {
        self.sets.values().map(|s| s.questions.clone()).collect()
    }

    /// The questions of one category; `None` when it is unknown.
    pub fn questions(&self, category: &str) -> Option<QuestionSet> {
        self.sets.get(category).map(|s| s.questions.clone())
    }

    /// Decides who handles a report: checks the answers, then tries the category's
    /// rules in file order; the first whose conditions all hold decides.
    ///
    /// Fails with [`RouteError::UnknownCategory`], [`RouteError::InvalidAnswers`] and
    /// [`RouteError::MissingArea`].
    pub fn route(&self, req: &RouteRequest) -> Result<Decision, RouteError> {
        let set = self
            .sets
            .get(&req.category)
            .ok_or_else(|| RouteError::UnknownCategory(req.category.clone()))?;
        let qs = &set.questions.questions;
        let mut answers: BTreeMap<&str, &str> = BTreeMap::new();
        for a in &req.answers {
            let q = qs.iter().find(|q| q.id == a.question_id).ok_or_else(|| {
                RouteError::InvalidAnswers(format!(
                    "{:?} is not a question of {:?}",
                    a.question_id, req.category
                ))
            })?;
            if !q.options.iter().any(|o| o.value == a.value) {
                return Err(RouteError::InvalidAnswers(format!(
                    "{:?} is not an answer to {:?} (expected one of {})",
                    a.value,
                    q.id,
                    q.options
                        .iter()
                        .map(|o| o.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            if answers.insert(&a.question_id, &a.value).is_some() {
                return Err(RouteError::InvalidAnswers(format!(
                    "{:?} is answered more than once",
                    q.id
                )));
            }
        }
        if let Some(q) = qs.iter().find(|q| !answers.contains_key(q.id.as_str())) {
            return Err(RouteError::InvalidAnswers(format!(
                "{:?} is not answered",
                q.id
            )));
        }
        let rule = set
            .rules
            .iter()
            .find(|r| r.when.holds(&answers, &req.areas))
            .ok_or_else(|| {
                RouteError::Other("no rule matched (the catch-all is missing)".into())
            })?;
        let area = match rule.target {
            BodyTier::NotCouncil => None,
            t => Some(
                find_area(&req.areas, t.area_types())
                    .cloned()
                    .ok_or_else(|| {
                        RouteError::MissingArea(format!(
                            "rule {:?} routes to the {} but no {} area was given",
                            rule.id,
                            t.as_str(),
                            types_list(t.area_types())
                        ))
                    })?,
            ),
        };
        let mut reason = String::new();
        for piece in &rule.reason {
            match piece {
                Piece::Text(t) => reason.push_str(t),
                Piece::Category => reason.push_str(&set.questions.category),
                Piece::Title => reason.push_str(&set.questions.title),
                Piece::Answer(q) => {
                    let value = answers.get(q.as_str()).copied().unwrap_or_default();
                    let label = qs
                        .iter()
                        .find(|x| x.id == *q)
                        .and_then(|x| x.options.iter().find(|o| o.value == value))
                        .map_or(value, |o| o.label.as_str());
                    reason.push_str(label);
                }
                Piece::Area(p) => {
                    let found = match p {
                        Placeholder::Target => area.as_ref(),
                        Placeholder::Parish => find_area(&req.areas, BodyTier::Parish.area_types()),
                        Placeholder::District => {
                            find_area(&req.areas, BodyTier::District.area_types())
                        }
                        Placeholder::County => find_area(&req.areas, BodyTier::County.area_types()),
                        Placeholder::Ward => req.areas.iter().find(|a| a.area_type.is_ward()),
                    };
                    let a = found.ok_or_else(|| {
                        RouteError::MissingArea(format!(
                            "the reason of rule {:?} names the {}, but no such area was given",
                            rule.id,
                            placeholder_name(*p)
                        ))
                    })?;
                    reason.push_str(&a.name);
                }
            }
        }
        Ok(Decision {
            tier: rule.target,
            area,
            rule_id: rule.id.clone(),
            reason,
        })
    }
}

fn find_area<'a>(areas: &'a [Area], types: &[AreaType]) -> Option<&'a Area> {
    types
        .iter()
        .find_map(|t| areas.iter().find(|a| a.area_type == *t))
}

fn types_list(t: &[AreaType]) -> String {
    t.iter().map(|t| t.code()).collect::<Vec<_>>().join("/")
}

fn placeholder_name(p: Placeholder) -> &'static str {
    match p {
        Placeholder::Parish => "parish",
        Placeholder::District => "district",
        Placeholder::County => "county",
        Placeholder::Ward => "ward",
        Placeholder::Target => "area",
    }
}

impl fmt::Display for BodyTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
