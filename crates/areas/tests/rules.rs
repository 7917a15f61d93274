//! Routing rules: every branch of the shipped speeding rules, and each validation
//! error reported at the right line.

use std::path::PathBuf;

use council_areas::rules::{Answer, RouteRequest, RuleBook};
use council_areas::{Area, AreaType, BodyTier, RouteError};

fn rules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/rules")
}

fn book() -> RuleBook {
    RuleBook::load_dir(rules_dir()).expect("the shipped rules load")
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

/// Partington, in Trafford (as `areas_at` answers for M31 4AN).
fn partington() -> Vec<Area> {
    vec![
        area("E04000011", "Partington", AreaType::Cpc, Some("E08000009")),
        area(
            "E05015254",
            "Bucklow-St Martins",
            AreaType::Mtw,
            Some("E08000009"),
        ),
        area("E08000009", "Trafford", AreaType::Mtd, None),
    ]
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
fn partington_with_speedwatch_at_particular_times_goes_to_the_parish() {
    let d = book()
        .route(&speeding(["yes", "yes", "particular-times"], partington()))
        .unwrap();
    assert_eq!(d.tier, BodyTier::Parish);
    assert_eq!(d.area.unwrap().code, "E04000011");
    assert_eq!(d.rule_id, "parish-speedwatch");
    assert!(
        d.reason.starts_with("Partington has a parish council"),
        "{}",
        d.reason
    );
    assert!(!d.reason.contains('{'), "{}", d.reason);
}

#[test]
fn every_speeding_branch_routes_as_documented() {
    let cases: [([&str; 3], bool, &str, BodyTier); 9] = [
        (
            ["yes", "yes", "particular-times"],
            true,
            "parish-speedwatch",
            BodyTier::Parish,
        ),
        (
            ["yes", "yes", "particular-times"],
            false,
            "unparished",
            BodyTier::District,
        ),
        (
            ["no", "yes", "particular-times"],
            false,
            "unparished",
            BodyTier::District,
        ),
        (
            ["no", "yes", "particular-times"],
            true,
            "faster-road",
            BodyTier::District,
        ),
        (
            ["dont-know", "yes", "particular-times"],
            true,
            "speed-limit-not-known",
            BodyTier::District,
        ),
        (
            ["yes", "no", "particular-times"],
            true,
            "no-speedwatch",
            BodyTier::District,
        ),
        (
            ["yes", "dont-know", "particular-times"],
            true,
            "no-speedwatch",
            BodyTier::District,
        ),
        (
            ["yes", "yes", "persistent"],
            true,
            "persistent",
            BodyTier::District,
        ),
        (
            ["no", "no", "persistent"],
            true,
            "faster-road",
            BodyTier::District,
        ),
    ];
    let book = book();
    for (answers, parished, rule, tier) in cases {
        let areas = if parished { partington() } else { unparished() };
        let d = book.route(&speeding(answers, areas)).unwrap();
        assert_eq!(
            (d.rule_id.as_str(), d.tier),
            (rule, tier),
            "{answers:?} parished={parished}"
        );
        let a = d.area.unwrap();
        match tier {
            BodyTier::Parish => assert_eq!(a.code, "E04000011"),
            _ => assert_eq!(a.code, "E08000009", "the district of {answers:?}"),
        }
        assert!(
            !d.reason.contains('{') && d.reason.ends_with('.'),
            "{}",
            d.reason
        );
        if tier == BodyTier::District {
            assert!(d.reason.contains("Trafford"), "{}", d.reason);
        }
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
fn route_errors_follow_the_wit() {
    let book = book();
    let mut r = speeding(["yes", "yes", "particular-times"], partington());
    r.category = "potholes".into();
    assert!(matches!(book.route(&r), Err(RouteError::UnknownCategory(c)) if c == "potholes"));

    let mut r = speeding(["yes", "yes", "particular-times"], partington());
    r.answers.pop();
    assert!(matches!(book.route(&r), Err(RouteError::InvalidAnswers(m)) if m.contains("pattern")));

    let r = speeding(["maybe", "yes", "particular-times"], partington());
    assert!(matches!(book.route(&r), Err(RouteError::InvalidAnswers(m)) if m.contains("maybe")));

    let mut r = speeding(["yes", "yes", "particular-times"], partington());
    r.answers.push(Answer {
        question_id: "colour".into(),
        value: "red".into(),
    });
    assert!(matches!(book.route(&r), Err(RouteError::InvalidAnswers(m)) if m.contains("colour")));

    let mut r = speeding(["yes", "yes", "particular-times"], partington());
    r.answers.push(r.answers[0].clone());
    assert!(
        matches!(book.route(&r), Err(RouteError::InvalidAnswers(m)) if m.contains("more than once"))
    );

    // No district given: the district rules cannot name one.
    let r = speeding(
        ["no", "yes", "particular-times"],
        vec![partington()[0].clone()],
    );
    assert!(matches!(book.route(&r), Err(RouteError::MissingArea(_))));
}

#[test]
fn two_tier_targets_resolve_to_dis_and_cty() {
    let text = r#"
category = "tiers"
title = "Tiers"
[[rule]]
id = "county"
when = { has-area = ["CTY"] }
target = "county"
reason = "{area} is the county; {district} the district."
[[rule]]
id = "nobody"
target = "not-council"
reason = "Call the police."
"#;
    let book = RuleBook::from_toml("tiers.toml", text).unwrap();
    let areas = vec![
        area("E04000001", "Aston", AreaType::Cpc, Some("E07000001")),
        area("E07000001", "Dale", AreaType::Dis, Some("E10000001")),
        area("E10000001", "Shire", AreaType::Cty, None),
    ];
    let req = RouteRequest {
        category: "tiers".into(),
        answers: vec![],
        areas,
    };
    let d = book.route(&req).unwrap();
    assert_eq!(d.tier, BodyTier::County);
    assert_eq!(d.reason, "Shire is the county; Dale the district.");
    let d = book
        .route(&RouteRequest {
            areas: vec![],
            ..req
        })
        .unwrap();
    assert_eq!(
        (d.tier, d.area, d.reason.as_str()),
        (BodyTier::NotCouncil, None, "Call the police.")
    );
}

/// A valid file to break one line at a time. Line numbers matter: keep it as is.
const BASE: &str = r#"category = "test"
title = "Test"

[[question]]
id = "q1"
text = "Question one?"
options = [
  { value = "yes", label = "Yes" },
  { value = "no", label = "No" },
]

[[rule]]
id = "first"
when = { parished = true, answers = { q1 = "yes" } }
target = "parish"
reason = "{parish} handles it."

[[rule]]
id = "last"
target = "district"
reason = "{district} handles it."
"#;

/// Replaces line `line` (1-based) of BASE with `with` and returns the error.
fn error_with(line: usize, with: &str) -> council_areas::RuleError {
    let text: Vec<&str> = BASE.lines().collect();
    let mut t = text.clone();
    t[line - 1] = with;
    let src = t.join("\n");
    RuleBook::from_toml("test.toml", &src).expect_err(&format!("should fail:\n{src}"))
}

#[test]
fn the_base_file_is_valid() {
    RuleBook::from_toml("test.toml", BASE).unwrap();
}

#[test]
fn invalid_files_report_file_line_and_reason() {
    let cases: &[(usize, &str, usize, &str)] = &[
        // TOML syntax.
        (6, "text = \"Question one?", 6, ""),
        // Unknown key.
        (6, "txet = \"Question one?\"", 6, "unknown key \"txet\""),
        // Unknown question id in a condition.
        (
            14,
            "when = { parished = true, answers = { q2 = \"yes\" } }",
            14,
            "unknown question \"q2\"",
        ),
        // Unknown answer value.
        (
            14,
            "when = { parished = true, answers = { q1 = \"maybe\" } }",
            14,
            "\"maybe\" is not an answer",
        ),
        // Unknown target.
        (
            15,
            "target = \"parliament\"",
            15,
            "unknown target \"parliament\"",
        ),
        // Unknown placeholder.
        (
            16,
            "reason = \"{mayor} handles it.\"",
            16,
            "unknown placeholder {mayor}",
        ),
        // {parish} in a rule that can match an unparished place.
        (
            21,
            "reason = \"{parish} handles it.\"",
            21,
            "add `parished = true`",
        ),
        // Duplicate rule id.
        (19, "id = \"first\"", 19, "duplicate rule id \"first\""),
        // Duplicate option value.
        (
            9,
            "  { value = \"yes\", label = \"No\" },",
            9,
            "duplicate option value \"yes\"",
        ),
        // Wrong type.
        (
            14,
            "when = { parished = \"yes\" }",
            14,
            "\"parished\" must be true or false",
        ),
        // Unknown area type.
        (
            14,
            "when = { has-area = [\"XYZ\"] }",
            14,
            "unknown area type \"XYZ\"",
        ),
    ];
    for (line, with, want_line, want) in cases {
        let e = error_with(*line, with);
        assert_eq!(e.file, "test.toml");
        assert_eq!(e.line, *want_line, "{e}");
        assert!(e.column >= 1, "{e}");
        assert!(e.reason.contains(want), "{e}: wanted {want:?}");
        assert!(
            e.to_string()
                .starts_with(&format!("test.toml:{want_line}:")),
            "{e}"
        );
    }
}

#[test]
fn a_file_without_a_final_catch_all_is_rejected() {
    // The last rule has conditions.
    let text = BASE.replace(
        "id = \"last\"\ntarget",
        "id = \"last\"\nwhen = { parished = false }\ntarget",
    );
    let e = RuleBook::from_toml("t.toml", &text).unwrap_err();
    assert_eq!(e.line, 19, "{e}");
    assert!(e.reason.contains("catch-all"), "{e}");
    // A catch-all before the end.
    let text = BASE.replace(
        "when = { parished = true, answers = { q1 = \"yes\" } }\n",
        "",
    );
    let e = RuleBook::from_toml("t.toml", &text).unwrap_err();
    assert_eq!(e.line, 13, "{e}");
    assert!(e.reason.contains("always matches"), "{e}");
    // No rules at all.
    let text = &BASE[..BASE.find("[[rule]]").unwrap()];
    let e = RuleBook::from_toml("t.toml", text).unwrap_err();
    assert!(e.reason.contains("catch-all"), "{e}");
}

#[test]
fn missing_keys_and_duplicate_categories_are_reported() {
    let e = RuleBook::from_toml("t.toml", &BASE.replace("title = \"Test\"\n", "")).unwrap_err();
    assert!(e.reason.contains("\"title\""), "{e}");
    let e = error_with(5, "");
    assert!(e.reason.contains("no \"id\""), "{e}");
    assert_eq!(e.line, 4, "points at the [[question]]: {e}");

    let mut book = RuleBook::from_toml("a.toml", BASE).unwrap();
    let e = book.add_toml("b.toml", BASE).unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("b.toml", 1), "{e}");
    assert!(e.reason.contains("already defined in a.toml"), "{e}");
}

#[test]
fn load_dir_fails_on_an_empty_or_missing_directory() {
    let dir = std::env::temp_dir().join(format!("council-areas-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let e = RuleBook::load_dir(&dir).unwrap_err();
    assert!(e.reason.contains("no rule files"), "{e}");
    std::fs::write(dir.join("bad.toml"), "category = \"x\"\ntitle = \n").unwrap();
    let e = RuleBook::load_dir(&dir).unwrap_err();
    assert!(e.file.ends_with("bad.toml") && e.line == 2, "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(RuleBook::load_dir(&dir).is_err());
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
