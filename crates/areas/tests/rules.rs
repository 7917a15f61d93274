//! Routing rules, as data: every file in `tests/rules/files/` (a rule file, or a
//! directory of them) loads or fails as its `.out` beside it says, and every request
//! in `tests/rules/routes/*.toml` is decided as its `.out` says (`BLESS=1` rewrites
//! the `.out` files; any other difference fails). Then properties of the shipped
//! speeding rules that a table cannot state.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use council_areas::rules::{Answer, RouteRequest, RuleBook};
use council_areas::{Area, AreaType, BodyTier, RouteError};
use serde::Deserialize;

fn rules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/rules")
}

fn book() -> RuleBook {
    RuleBook::load_dir(rules_dir()).expect("the shipped rules load")
}

/// `tests/rules/<part>`.
fn data(part: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rules")
        .join(part)
}

/// Compares each input's output with the `.out` file beside it (or writes it under
/// `BLESS=1`); fails with every difference, and on a `.out` whose input is gone.
fn check_outputs(dir: &Path, is_input: impl Fn(&Path) -> bool, run: impl Fn(&Path) -> String) {
    let bless = std::env::var_os("BLESS").is_some();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut failures = Vec::new();
    let mut inputs = 0;
    for input in entries.iter().filter(|p| is_input(p)) {
        inputs += 1;
        let out_path = input.with_extension("out");
        let actual = run(input);
        if bless {
            std::fs::write(&out_path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&out_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                out_path.display()
            )),
            Err(e) => failures.push(format!("{}: {e}", out_path.display())),
        }
    }
    for out in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "out"))
    {
        if !entries
            .iter()
            .any(|p| is_input(p) && p.with_extension("out") == *out)
        {
            failures.push(format!("{}: no input beside it", out.display()));
        }
    }
    assert!(inputs > 0, "no inputs in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} (rerun with BLESS=1 if the change is intended)",
        failures.join("\n")
    );
}

/// Every question of every category, one per line with its options.
fn describe(book: &RuleBook) -> String {
    let mut s = String::new();
    for qs in book.categories() {
        writeln!(s, "category {}: {}", qs.category, qs.title).unwrap();
        for q in qs.questions {
            writeln!(s, "  question {}: {}", q.id, q.text).unwrap();
            if let Some(h) = q.hint {
                writeln!(s, "    hint: {h}").unwrap();
            }
            for o in q.options {
                let hint = o.hint.map(|h| format!(" (hint: {h})")).unwrap_or_default();
                writeln!(s, "    {}: {}{hint}", o.value, o.label).unwrap();
            }
        }
    }
    s
}

#[test]
fn rule_files_load_or_fail_as_expected() {
    let dir = data("files");
    let relative = |s: String| s.replace(&format!("{}/", dir.display()), "");
    check_outputs(
        &dir,
        |p| p.is_dir() || p.extension().is_some_and(|e| e == "toml"),
        |p| {
            let loaded = if p.is_dir() {
                RuleBook::load_dir(p)
            } else {
                let name = p.file_name().unwrap().to_string_lossy();
                RuleBook::from_toml(&name, &std::fs::read_to_string(p).unwrap())
            };
            match loaded {
                Ok(book) => describe(&book),
                Err(e) => {
                    // Whole-file errors are at 0:0; anything else is at a real place.
                    assert_eq!(e.line == 0, e.column == 0, "{e}");
                    relative(format!("error: {e}\n"))
                }
            }
        },
    );
}

/// A routing case: the rules, named lists of areas, and the requests.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteCase {
    /// A rule file or a rules directory, relative to the case file.
    rules: String,
    #[serde(default)]
    areas: BTreeMap<String, Vec<CaseArea>>,
    request: Vec<CaseRequest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseArea {
    code: String,
    name: String,
    #[serde(rename = "type")]
    area_type: String,
    parent: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseRequest {
    category: String,
    /// `question=value`, in the order sent.
    #[serde(default)]
    answers: Vec<String>,
    /// A name from `areas`; none given: no areas.
    areas: Option<String>,
}

/// The WIT `routing.error` case name and its message.
fn describe_error(e: &RouteError) -> String {
    let (case, message) = match e {
        RouteError::UnknownCategory(m) => ("unknown-category", m),
        RouteError::InvalidAnswers(m) => ("invalid-answers", m),
        RouteError::MissingArea(m) => ("missing-area", m),
        RouteError::RulesUnavailable(m) => ("rules-unavailable", m),
        RouteError::Other(m) => ("other", m),
    };
    format!("{case}: {message}")
}

fn route_case(path: &Path) -> String {
    let case: RouteCase = toml::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rules = path.parent().unwrap().join(&case.rules);
    let book = if rules.is_dir() {
        RuleBook::load_dir(&rules)
    } else {
        RuleBook::from_toml(&case.rules, &std::fs::read_to_string(&rules).unwrap())
    }
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = String::new();
    for r in case.request {
        let areas: Vec<Area> = match &r.areas {
            None => Vec::new(),
            Some(name) => case.areas[name]
                .iter()
                .map(|a| Area {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    area_type: a.area_type.parse().unwrap(),
                    parent_code: a.parent.clone(),
                    country: "E".into(),
                })
                .collect(),
        };
        let answers = r
            .answers
            .iter()
            .map(|a| {
                let (q, v) = a.split_once('=').expect("question=value");
                Answer {
                    question_id: q.into(),
                    value: v.into(),
                }
            })
            .collect();
        let decided = book.route(&RouteRequest {
            category: r.category.clone(),
            answers,
            areas,
        });
        let place = r.areas.as_deref().unwrap_or("no areas");
        writeln!(out, "{} [{}] in {place}", r.category, r.answers.join(" ")).unwrap();
        match decided {
            Ok(d) => {
                // The area is one that stands for the tier, and only not-council has none.
                match &d.area {
                    Some(a) => assert!(d.tier.area_types().contains(&a.area_type), "{d:?}"),
                    None => assert_eq!(d.tier, BodyTier::NotCouncil, "{d:?}"),
                }
                let area = d
                    .area
                    .map_or("no area".into(), |a| format!("{} {}", a.code, a.name));
                writeln!(out, "  -> {} {area}, rule {}", d.tier, d.rule_id).unwrap();
                writeln!(out, "     {}", d.reason).unwrap();
            }
            Err(e) => writeln!(out, "  -> error {}", describe_error(&e)).unwrap(),
        }
    }
    out
}

#[test]
fn requests_route_as_expected() {
    check_outputs(
        &data("routes"),
        |p| p.extension().is_some_and(|e| e == "toml"),
        route_case,
    );
}

fn area(code: &str, name: &str, t: AreaType, parent: Option<&str>) -> Area {
    Area {
        code: code.into(),
        name: name.into(),
        area_type: t,
        parent_code: parent.map(Into::into),
        country: "E".into(),
    }
}

/// Old Trafford, unparished (as `areas_at` answers for M15 4AB... roughly).
fn unparished() -> Vec<Area> {
    vec![
        area(
            "E43000163",
            "Trafford, unparished area",
            AreaType::Ncp,
            Some("E08000009"),
        ),
        area("E08000009", "Trafford", AreaType::Mtd, None),
    ]
}

fn speeding(answers: [&str; 3], areas: Vec<Area>) -> RouteRequest {
    let ids = ["speed-limit", "speedwatch", "pattern"];
    RouteRequest {
        category: "speeding-traffic".into(),
        answers: ids
            .iter()
            .zip(answers)
            .map(|(q, v)| Answer {
                question_id: (*q).into(),
                value: v.into(),
            })
            .collect(),
        areas,
    }
}

#[test]
fn unparished_areas_always_go_to_the_district() {
    let book = book();
    let qs = book.questions("speeding-traffic").unwrap();
    // Every combination of answers.
    let all: Vec<Vec<&str>> = qs
        .questions
        .iter()
        .map(|q| q.options.iter().map(|o| o.value.as_str()).collect())
        .collect();
    for a in &all[0] {
        for b in &all[1] {
            for c in &all[2] {
                let d = book.route(&speeding([a, b, c], unparished())).unwrap();
                assert_eq!(d.tier, BodyTier::District);
                assert_eq!(d.rule_id, "unparished");
            }
        }
    }
}

#[test]
fn questions_are_served_with_text_and_options() {
    let book = book();
    let cats = book.categories();
    assert!(cats.iter().any(|c| c.category == "speeding-traffic"));
    let qs = book.questions("speeding-traffic").unwrap();
    assert_eq!(qs.title, "Report speeding traffic");
    let ids: Vec<&str> = qs.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids, ["speed-limit", "speedwatch", "pattern"]);
    let values: Vec<&str> = qs.questions[0]
        .options
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(values, ["yes", "no", "dont-know"]);
    assert_eq!(qs.questions[0].options[2].label, "I don't know");
    assert!(qs.questions[2].options[0].hint.is_some());
    assert!(book.questions("no-such-category").is_none());
}

#[test]
fn the_documented_error_example_is_what_the_loader_says() {
    // docs/routing-rules.md shows this message for a mistyped answer value.
    let path = rules_dir().join("speeding-traffic.toml");
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "answers = { speed-limit = \"no\" }",
        "answers = { speed-limit = \"maybe\" }",
        1,
    );
    let e = RuleBook::from_toml("data/rules/speeding-traffic.toml", &text).unwrap_err();
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/routing-rules.md"),
    )
    .unwrap();
    assert!(
        doc.contains(&e.to_string()),
        "docs/routing-rules.md should show: {e}"
    );
}

#[test]
fn load_dir_fails_on_a_missing_directory() {
    let missing = data("files/no-such-directory");
    let e = RuleBook::load_dir(&missing).unwrap_err();
    assert!(e.reason.contains("cannot read the rules directory"), "{e}");
}
