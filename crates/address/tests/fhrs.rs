//! Free-text matching over 5,000 real, dirty business addresses from the Food Hygiene
//! Rating Scheme (`tests/data/fhrs/fhrs_addresses_sample.csv`, OGL v3, Food Standards
//! Agency): the file is imported through the plain-CSV path, then every address is
//! looked for by its street and postcode, as a person would type them. The match rate
//! is asserted and the misses are printed by category.
#![cfg(feature = "import")]

mod common;

use std::collections::BTreeMap;

use common::*;
use council_address::import::{self, Format, Importer};
use council_address::text;
use council_address::*;

/// Street-type words: the last one in an address ends its street name.
const STREET_WORDS: &[&str] = &[
    "ROAD", "STREET", "LANE", "AVENUE", "WAY", "DRIVE", "CLOSE", "HILL", "PLACE", "SQUARE",
    "GREEN", "CRESCENT", "GROVE", "COURT", "GARDENS", "TERRACE", "PARADE", "ROW", "WALK", "ESTATE",
    "QUAY", "MEWS", "RISE", "VIEW", "YARD", "GATE", "BROADWAY", "MARKET", "PARK", "CORNER", "END",
    "WHARF", "PLAIN", "PASSAGE", "CHASE", "MEADOW", "MEADOWS", "BANK", "ST", "RD", "AVE", "LN",
];

/// The street part of an address: the last street-type word with up to two words
/// before it; otherwise the last two words (often locality and town).
fn street_of(addr: &str) -> String {
    let w = text::raw_words(addr);
    if let Some(i) = w.iter().rposition(|x| STREET_WORDS.contains(&x.as_str())) {
        let start = i.saturating_sub(2);
        return w[start..=i].join(" ");
    }
    let n = w.len();
    w[n.saturating_sub(2)..].join(" ")
}

#[test]
fn fhrs_street_and_postcode_match_rate() {
    let path = repo_tests("fhrs/fhrs_addresses_sample.csv");
    let mut imp = Importer::new();
    imp.add_file(&path, Format::PlainCsv).unwrap();
    let (g, report) = imp.finish(None).unwrap();
    assert_eq!(report.rows_read, 5000);
    // Nothing dropped silently: every row is in, or rejected with a reason.
    assert_eq!(
        g.properties.len() + report.rejected.len(),
        5000 - count_repeats(&report)
    );
    let corrected = report
        .warnings
        .iter()
        .filter(|w| w.reason.contains("corrected"))
        .count();
    let idx = index_of(&g);

    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let o = QueryOptions::default();
    let (mut n, mut top1, mut top10) = (0, 0, 0);
    let mut misses: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let id: u64 = rec[0].parse().unwrap();
        let (addr, pc) = (&rec[2], &rec[3]);
        let query = format!("{} {}", street_of(addr), pc);
        n += 1;
        let page = idx.find(&query, 0.0, &o).unwrap();
        let pos = page
            .results
            .iter()
            .take(10)
            .position(|m| m.address.uprn == id);
        match pos {
            Some(0) => {
                top1 += 1;
                top10 += 1;
            }
            Some(_) => top10 += 1,
            None => {
                let cat = if postcode::Postcode::parse(pc).is_err() {
                    "postcode not valid as given"
                } else if !g.properties.contains_key(&id) {
                    "row not imported"
                } else if page.results.len() >= 10 && page.results[9].score == page.results[0].score
                {
                    "more than 10 equal matches (same street and postcode)"
                } else {
                    "ranked below 10"
                };
                misses
                    .entry(cat)
                    .or_default()
                    .push(format!("{id}: {query:?} <- {addr:?}"));
            }
        }
    }
    let rate = top10 as f64 / n as f64;
    println!(
        "FHRS: {n} queries, found in top 10: {top10} ({:.2}%), first: {top1} ({:.2}%); postcodes corrected at import: {corrected}",
        100.0 * rate,
        100.0 * top1 as f64 / n as f64
    );
    for (cat, v) in &misses {
        println!("  miss, {cat}: {}", v.len());
        for m in v.iter().take(5) {
            println!("    {m}");
        }
    }
    assert!(rate >= 0.95, "match rate {rate:.4} is below 95%");
    assert!(
        top1 as f64 / n as f64 >= 0.80,
        "first-place rate {top1}/{n} is below 80%"
    );
}

fn count_repeats(r: &import::ImportReport) -> usize {
    r.warnings
        .iter()
        .filter(|w| w.reason.contains("repeats an earlier row"))
        .count()
}
