//! Importer tests over fixtures written for these tests to the published schemas
//! (`tests/data/README.md`): every record type, the quirks of real files, wrong
//! formats, truncation, DTF variants, change-only updates, supplies as delivered.
//! The flat formats (AddressBase Plus, Open UPRN, Code-Point Open, plain CSV) are
//! `import_flat.rs`.
#![cfg(feature = "import")]

mod common;

use common::*;
use council_address::import::{self, Format, ImportError, ImportOptions, Importer};
use council_address::model::Date;
use council_address::*;

#[test]
fn abp_every_record_type_and_quirk() {
    let (g, r) = import(&[("abp_full.csv", Format::AddressBasePremium)]);
    for t in [
        "10", "11", "15", "21", "23", "24", "28", "29", "30", "31", "32", "99",
    ] {
        assert!(
            r.rows_by_type.get(t).copied().unwrap_or(0) > 0,
            "record type {t} read"
        );
    }
    assert_eq!(r.rows_read, 54);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.changes.inserted, 51);
    // Header and metadata.
    assert_eq!(g.supply.local_custodian_code, Some(4245));
    assert_eq!(g.supply.file_type.as_deref(), Some("F"));
    assert!(
        g.supply
            .metadata
            .iter()
            .any(|(k, v)| k == "GAZ_NAME" && v == "Test gazetteer")
    );
    // Streets with descriptors; the quoted apostrophe survives.
    assert_eq!(g.streets.len(), 5);
    assert_eq!(
        g.streets[&99000002].descriptors[0].description,
        "ST MARY'S ROAD"
    );
    assert_eq!(g.streets[&99000001].start_latlon, Some((53.4201, -2.4101)));
    // Joins: LPI + street + BLPU + DPA + classification + organisation.
    let p = &g.properties[&990000000003];
    assert_eq!(p.classification_code(), Some("CR06"));
    assert_eq!(p.organisation(), Some("THE ROYAL OAK"));
    assert_eq!(p.lpis[0].pao.start_number, Some(1));
    assert_eq!(p.lpis[0].pao.end_number, Some(3));
    assert_eq!(
        p.dpas[0].organisation_name.as_deref(),
        Some("THE ROYAL OAK")
    );
    assert_eq!(
        g.properties[&990000000001].cross_references[0].cross_reference,
        "V0000012345"
    );
    assert_eq!(
        g.properties[&990000000005].successors[0].successor,
        Some(990000000006)
    );
    // Several LPIs per UPRN, a historical one with its END_DATE.
    let p5 = &g.properties[&990000000005];
    assert_eq!(p5.lpis.len(), 3);
    let hist = p5.lpis.iter().find(|l| l.logical_status == 8).unwrap();
    assert_eq!(hist.end_date, Date::parse("2012-03-31"));
    assert!(p5.lpis.iter().any(|l| l.logical_status == 3));
    // Leading-zero northing.
    let b10 = g.properties[&990000000010].blpu.as_ref().unwrap();
    assert_eq!(b10.y, Some(93301.0));
    assert_eq!(b10.local_custodian_code, Some(2114));
    // Empty X/Y with latitude/longitude only (Islands): BNG comes from OSTN15.
    let b9 = g.properties[&990000000009].blpu.as_ref().unwrap();
    let (x, y) = (b9.x.unwrap(), b9.y.unwrap());
    assert!(
        (80_000.0..100_000.0).contains(&x) && (5_000.0..20_000.0).contains(&y),
        "{x} {y}"
    );
    // Every BLPU with X/Y got WGS84.
    let b1 = g.properties[&990000000001].blpu.as_ref().unwrap();
    assert!(b1.longitude.is_some() && b1.latitude.is_some());
    // Orphan LPI: kept and reported.
    assert_eq!(r.orphans, 1);
    assert!(g.properties[&990000000008].blpu.is_none());
    assert!(r.warnings.iter().any(|w| w.reason.contains("990000000008")));
    // Historical BLPU kept.
    assert_eq!(
        g.properties[&990000000007]
            .blpu
            .as_ref()
            .unwrap()
            .logical_status,
        8
    );
    assert!(r.files[0].1.contains("21: 22 columns"));
}

#[test]
fn split_by_record_type_equals_single_file() {
    let (single, _) = import(&[("abp_full.csv", Format::AddressBasePremium)]);
    let mut files: Vec<String> = std::fs::read_dir(data("abp_split"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // The trailer first: the set is checked as a whole at the end.
    files.sort_by_key(|f| !f.starts_with("ID99"));
    let mut imp = Importer::new();
    for f in &files {
        imp.add_file(&data(&format!("abp_split/{f}")), Format::AddressBasePremium)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    let (split, r) = imp.finish(Some(grid())).unwrap();
    assert!(r.files.iter().all(|f| f.1.contains("split by record type")));
    assert_eq!(split.properties, single.properties);
    assert_eq!(split.streets, single.streets);
}

#[test]
fn split_set_missing_a_file_is_truncated() {
    let mut imp = Importer::new();
    for f in [
        "ID99_Trailer_Records.csv",
        "ID21_BLPU_Records.csv",
        "ID24_LPI_Records.csv",
    ] {
        imp.add_file(&data(&format!("abp_split/{f}")), Format::AddressBasePremium)
            .unwrap();
    }
    let e = imp.finish(None).unwrap_err();
    assert!(matches!(e, ImportError::Truncated { .. }), "{e}");
    assert!(e.to_string().contains("trailer records count 51"), "{e}");
}

#[test]
fn wrong_formats_fail_clearly() {
    let mut imp = Importer::new();
    let e = imp
        .add_file(&data("abplus.csv"), Format::AddressBasePremium)
        .unwrap_err();
    assert!(matches!(e, ImportError::WrongFormat { line: 1, .. }), "{e}");
    assert!(e.to_string().contains("AddressBase Plus"), "{e}");
    assert!(e.to_string().contains("abplus.csv:1"), "{e}");

    let e = Importer::new()
        .add_file(&data("codepoint_sample.csv"), Format::AddressBasePremium)
        .unwrap_err();
    assert!(e.to_string().contains("Code-Point Open"), "{e}");

    let e = Importer::new()
        .add_file(&data("plain.csv"), Format::AddressBasePremium)
        .unwrap_err();
    assert!(e.to_string().contains("header row"), "{e}");

    let e = Importer::new()
        .add_file(&data("abp_full.csv"), Format::AddressBasePlus)
        .unwrap_err();
    assert!(matches!(e, ImportError::ColumnCount { .. }), "{e}");
    assert!(e.to_string().contains("77 columns"), "{e}");

    let e = Importer::new()
        .add_file(&data("abp_full.csv"), Format::CodePointOpen)
        .unwrap_err();
    assert!(e.to_string().contains("10 columns"), "{e}");

    // An LLPG extract with DTF-only record types is not AddressBase Premium.
    let e = Importer::new()
        .add_file(&data("dtf81.csv"), Format::AddressBasePremium)
        .unwrap_err();
    assert!(e.to_string().contains("import it as dtf"), "{e}");
}

#[test]
fn truncated_files_fail() {
    let e = Importer::new()
        .add_file(
            &data("abp_trailer_mismatch.csv"),
            Format::AddressBasePremium,
        )
        .unwrap_err();
    assert!(matches!(e, ImportError::Truncated { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("trailer says 51 records but the file has 46"),
        "{e}"
    );
    let e = Importer::new()
        .add_file(&data("abp_no_trailer.csv"), Format::AddressBasePremium)
        .unwrap_err();
    assert!(e.to_string().contains("without a trailer"), "{e}");
    assert!(e.to_string().contains("abp_no_trailer.csv:22"), "{e}");
}

#[test]
fn mixed_column_counts_fail() {
    let e = Importer::new()
        .add_file(&data("abp_mixed_columns.csv"), Format::AddressBasePremium)
        .unwrap_err();
    assert!(matches!(e, ImportError::ColumnCount { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("record type 24 has 31 columns but the standard layout of this file has 26"),
        "{e}"
    );
    assert!(e.to_string().contains("abp_mixed_columns.csv:22"), "{e}");
}

#[test]
fn bad_rows_are_reported_with_line_and_reason() {
    let (g, r) = import(&[("abp_bad_values.csv", Format::AddressBasePremium)]);
    let lines: Vec<(u64, &str)> = r
        .rejected
        .iter()
        .map(|e| (e.line, e.reason.as_str()))
        .collect();
    assert_eq!(r.rejected.len(), 4, "{lines:?}");
    assert!(
        lines.iter().any(|(l, m)| *l == 4
            && m.contains(
                "column Y_COORDINATE: '39330X.00' is not a British National Grid northing"
            )),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 5 && m.contains("column UPRN: is empty")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 6 && m.contains("column END_DATE: '2020-13-45' is not a date")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 9 && m.contains("column CHANGE_TYPE: 'X' is not one of I, U, D")),
        "{lines:?}"
    );
    assert!(
        r.rejected
            .iter()
            .all(|e| e.file.ends_with("abp_bad_values.csv"))
    );
    assert_eq!(r.rows_read, 10);
    // The good rows are in.
    assert_eq!(g.properties[&990000000103].lpis.len(), 1);
}

#[test]
fn dtf73_variant() {
    let (g, r) = import(&[("dtf73.csv", Format::Dtf)]);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert!(r.files[0].1.starts_with("dtf-7.3"), "{:?}", r.files);
    let p = &g.properties[&991000000002];
    assert_eq!(p.classification_code(), Some("CR07"));
    assert_eq!(p.organisation(), Some("STATION CAFE"));
    assert_eq!(
        p.blpu.as_ref().unwrap().ward_code.as_deref(),
        Some("E05000820")
    );
    let l = &p.lpis[0];
    assert_eq!(l.postcode.as_deref(), Some("M33 7AA"));
    assert_eq!(l.post_town.as_deref(), Some("SALE"));
    assert_eq!(p.postcode().unwrap().to_string(), "M33 7AA");
    let x = &g.properties[&991000000001].cross_references[0];
    assert_eq!(
        (x.cross_reference.as_str(), x.source.as_deref()),
        ("CT123", Some("VOACT"))
    );
    let s = &g.streets[&99100001];
    assert_eq!(s.entry_date, Date::parse("2000-01-01"));
    assert_eq!(s.last_update_date, Date::parse("2007-01-01"));
    assert_eq!(s.descriptors[0].description, "STATION ROAD");
    // The unused record type 22 is counted and reported, not dropped silently.
    assert_eq!(r.rows_by_type.get("22"), Some(&1));
    assert!(r.warnings.iter().any(|w| w.reason.contains("DTF type 22")));
    // Explicit version works the same.
    let (g2, _) = import(&[("dtf73.csv", Format::Dtf73)]);
    assert_eq!(g2.properties, g.properties);
}

#[test]
fn dtf81_variant() {
    let (g, r) = import(&[("dtf81.csv", Format::Dtf)]);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert!(r.files[0].1.contains("21: 20 columns"), "{:?}", r.files);
    assert!(r.files[0].1.starts_with("dtf-8.1"), "{:?}", r.files);
    let p = &g.properties[&992000000002];
    assert_eq!(p.blpu.as_ref().unwrap().logical_status, 6);
    assert_eq!(p.lpis[0].pao.text.as_deref(), Some("PLOT 7"));
    assert_eq!(p.classification_code(), Some("LD01"));
    // WGS84 filled in from X/Y.
    assert!(p.blpu.as_ref().unwrap().latitude.is_some());
    let (g2, _) = import(&[("dtf81.csv", Format::Dtf81)]);
    assert_eq!(g2.properties, g.properties);
}

#[test]
fn change_only_update_applied_to_an_index() {
    let dir = tmpdir("cou");
    let base = dir.join("base.idx");
    let opts = ImportOptions {
        transform: Some(grid()),
        built: Some("2024-01-20".into()),
        ..Default::default()
    };
    let r = import::build_index(
        &[(data("abp_full.csv"), Format::AddressBasePremium)],
        &base,
        &opts,
    )
    .unwrap();
    assert_eq!(r.build.as_ref().unwrap().properties, 10);
    let updated = dir.join("updated.idx");
    // The source file is not needed: only the index and the change file.
    let r = import::update_index(
        &base,
        &[(data("abp_cou.csv"), Format::AddressBasePremium)],
        &updated,
        &opts,
    )
    .unwrap();
    assert_eq!(r.changes.inserted, 5, "{:?}", r);
    assert_eq!(r.changes.updated, 2, "{:?}", r);
    assert_eq!(r.changes.deleted, 6, "{:?}", r);
    assert!(
        r.warnings.is_empty() || r.warnings.iter().all(|w| w.reason.contains("no BLPU")),
        "{:?}",
        r.warnings
    );
    let idx = AddressIndex::open(std::fs::File::open(&updated).unwrap()).unwrap();
    let all = QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        include_historical: true,
        ..Default::default()
    };
    // Inserted.
    let a = idx.by_uprn(990000000020, &all).unwrap();
    assert_eq!(a.len(), 2);
    assert!(
        a[0].single_line.contains("20, CHURCH ROAD"),
        "{}",
        a[0].single_line
    );
    // Updated.
    let b = idx.by_uprn(990000000006, &all).unwrap();
    assert!(
        b.iter()
            .any(|x| x.single_line.starts_with("THE BUNGALOW, 9 ST MARY'S ROAD")),
        "{b:?}"
    );
    assert_eq!(b[0].classification_code.as_deref(), Some("RD02"));
    // Deleted, every record.
    assert!(idx.by_uprn(990000000003, &all).unwrap().is_empty());
    // Applied in PRO_ORDER: delete (200) then insert (201) of the same LPI.
    let c = idx.by_uprn(990000000004, &all).unwrap();
    assert_eq!(c.len(), 1);
    assert!(
        c[0].single_line.starts_with("ROSE COURT HOUSE"),
        "{}",
        c[0].single_line
    );
    // Untouched records survive the round trip through the index.
    let before = AddressIndex::open(std::fs::File::open(&base).unwrap())
        .unwrap()
        .to_gazetteer()
        .unwrap();
    let after = idx.to_gazetteer().unwrap();
    assert_eq!(
        before.properties[&990000000005],
        after.properties[&990000000005]
    );
    assert_eq!(before.streets, after.streets);
    assert_eq!(before.supply.metadata, after.supply.metadata);
    assert_eq!(after.properties.len(), 10);
    std::fs::remove_dir_all(dir).ok();
}

/// A change-only update applied in the wrong state (here: twice) still applies, and
/// every change that did not find its record as GSG13 expects says so at its line.
#[test]
fn change_only_update_applied_twice_warns_per_change() {
    let dir = tmpdir("cou-twice");
    let opts = ImportOptions {
        transform: Some(grid()),
        ..Default::default()
    };
    let base = dir.join("base.idx");
    import::build_index(
        &[(data("abp_full.csv"), Format::AddressBasePremium)],
        &base,
        &opts,
    )
    .unwrap();
    let once = dir.join("once.idx");
    let cou = [(data("abp_cou.csv"), Format::AddressBasePremium)];
    import::update_index(&base, &cou, &once, &opts).unwrap();
    let twice = dir.join("twice.idx");
    let r = import::update_index(&once, &cou, &twice, &opts).unwrap();
    let said: Vec<String> = r
        .warnings
        .iter()
        .filter(|w| !w.reason.contains("no BLPU"))
        .map(|w| format!("{}: {}", w.line, w.reason))
        .collect();
    // Inserts find their records and become updates; deletes find nothing; the
    // LPI deleted (line 6) and inserted again (line 7) in PRO_ORDER does both.
    assert_eq!(
        (r.changes.inserted, r.changes.updated, r.changes.deleted),
        (1, 6, 1),
        "{:?}",
        r.changes
    );
    for expected in [
        "2: insert of BLPU UPRN 990000000020, which already exists: applied as an update",
        "3: insert of LPI 4245L000020, which already exists: applied as an update",
        "4: insert of DPA UDPRN Some(90000020) of UPRN 990000000020, which already exists: applied as an update",
        "5: insert of classification 4245C000020, which already exists: applied as an update",
        "8: delete of BLPU UPRN 990000000003, which does not exist: nothing to do",
        "9: delete of LPI 4245L000003, which does not exist: nothing to do",
        "10: delete of DPA UDPRN Some(90000003) of UPRN 990000000003, which does not exist: nothing to do",
        "11: delete of organisation 4245O000001, which does not exist: nothing to do",
        "12: delete of classification 4245C000003, which does not exist: nothing to do",
    ] {
        assert!(said.iter().any(|s| s == expected), "{expected}\n{said:#?}");
    }
    assert_eq!(said.len(), 9, "{said:#?}");

    // Updates of records that are not there become inserts, and say so.
    let mut imp = Importer::new();
    imp.add_file(&data("abp_cou.csv"), Format::AddressBasePremium)
        .unwrap();
    let w = &imp.report().warnings;
    for expected in [
        "update of LPI 4245L000006, which does not exist: applied as an insert",
        "update of classification 4245C000006, which does not exist: applied as an insert",
    ] {
        assert!(w.iter().any(|x| x.reason == expected), "{expected}\n{w:#?}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn index_round_trip_is_lossless() {
    let (g, _) = import(&[
        ("abp_full.csv", Format::AddressBasePremium),
        ("codepoint_sample.csv", Format::CodePointOpen),
    ]);
    let idx = index_of(&g);
    let back = idx.to_gazetteer().unwrap();
    assert_eq!(back.properties, g.properties);
    assert_eq!(back.streets, g.streets);
    assert_eq!(back.supply, g.supply);
    assert_eq!(back.postcodes.len(), g.postcodes.len());
    for (k, u) in &g.postcodes {
        let b = &back.postcodes[k];
        assert_eq!(b.postcode, u.postcode);
        assert_eq!(b.district_code, u.district_code);
        assert_eq!(b.position, u.position);
    }
}

/// An AddressBase Premium schema 1.0 supply (header VERSION "1.0", to Epoch 38):
/// streets without latitude/longitude (20 columns), descriptors without dates (9),
/// BLPUs with POSTAL_ADDRESS and no LATITUDE/LONGITUDE/COUNTRY (19), and DPAs with
/// PARENT_ADDRESSABLE_UPRN after UPRN and no DELIVERY_POINT_SUFFIX (29, as in 2.0).
#[test]
fn abp_schema_1_0_reads_each_record_in_its_own_layout() {
    let (g, r) = import(&[("abp_v1.csv", Format::AddressBasePremium)]);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert!(r.files[0].1.contains("schema 1.0"), "{:?}", r.files);
    let house = &g.properties[&991_000_000_001];
    let d = &house.dpas[0];
    assert_eq!(d.udprn, Some(91_000_001));
    assert_eq!(d.building_number, Some(2));
    assert_eq!(d.thoroughfare.as_deref(), Some("CROSS STREET"));
    assert_eq!(d.post_town.as_deref(), Some("SALE"));
    assert_eq!(d.postcode.as_deref(), Some("M33 7ZF"));
    assert_eq!(d.postcode_type.as_deref(), Some("S"));
    assert_eq!(d.delivery_point_suffix, None);
    assert_eq!(d.process_date, Date::parse("2014-05-01"));
    let flat = &g.properties[&991_000_000_003].dpas[0];
    assert_eq!(flat.udprn, Some(91_000_003));
    assert_eq!(flat.sub_building_name.as_deref(), Some("FLAT 1"));
    assert_eq!(flat.building_name.as_deref(), Some("ROSE COURT"));
    // POSTAL_ADDRESS S/M/C in ADDRESSBASE_POSTAL terms.
    let postal = |u: u64| {
        g.properties[&u]
            .blpu
            .as_ref()
            .unwrap()
            .addressbase_postal
            .clone()
    };
    assert_eq!(postal(991_000_000_001).as_deref(), Some("D"));
    assert_eq!(postal(991_000_000_002).as_deref(), Some("N"));
    assert_eq!(postal(991_000_000_003).as_deref(), Some("C"));
    let b = house.blpu.as_ref().unwrap();
    assert_eq!(
        (b.x, b.y, b.rpc),
        (Some(373_100.0), Some(393_020.0), Some(1))
    );
    assert_eq!(b.country, None);
    assert_eq!(
        g.streets[&99_100_001].descriptors[0].description,
        "CROSS STREET"
    );
    assert_eq!(g.streets[&99_100_001].end_xy, Some((373_500.0, 393_100.0)));
}

/// The supply of the issue: schema 1.0 rows in a file read as schema 2.0 (its header
/// edited to say 2.0) are refused, never read one column out of place.
#[test]
fn schema_1_0_records_in_a_file_that_says_2_0_are_refused() {
    let text = std::fs::read_to_string(data("abp_v1.csv")).unwrap();
    let as_v2 = text.replace(",\"1.0\",\"F\"", ",\"2.0\",\"F\"");
    let e = Importer::new()
        .add_reader(as_v2.as_bytes(), "v1-as-v2.csv", Format::AddressBasePremium)
        .unwrap_err();
    assert!(matches!(e, ImportError::ColumnCount { .. }), "{e}");
    assert!(
        e.to_string().contains("v1-as-v2.csv:2: ")
            && e.to_string()
                .contains("record type 11 has 20 columns; AddressBase Premium schema 2.0 has 24"),
        "{e}"
    );
    // The DPAs alone: the same 29 columns, so every row is checked field by field.
    let dpas_only: String = as_v2
        .lines()
        .filter(|l| l.starts_with("10,") || l.starts_with("28,"))
        .map(|l| format!("{l}\n"))
        .chain(std::iter::once("99,0,2,2014-06-07,11:52:32\n".to_string()))
        .collect();
    let mut imp = Importer::new();
    imp.add_reader(dpas_only.as_bytes(), "dpa.csv", Format::AddressBasePremium)
        .unwrap();
    let r = imp.report();
    let reasons: Vec<String> = r.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(r.rejected.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].starts_with("dpa.csv:2: column UDPRN: is empty"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].starts_with(
            "dpa.csv:3: column UDPRN: '991000000002' is not a whole number of at most 8 digits"
        ),
        "{reasons:?}"
    );
}

/// Without a header record to name the schema, a DPA's own fields decide between
/// the two 29-column layouts; a row that fits neither is refused.
#[test]
fn without_a_header_record_the_dpa_fields_decide_its_layout() {
    let v1 = std::fs::read_to_string(data("abp_v1.csv")).unwrap();
    let v1_dpa = v1.lines().find(|l| l.starts_with("28,")).unwrap();
    let v2 = std::fs::read_to_string(data("abp_full.csv")).unwrap();
    let v2_dpa = v2.lines().find(|l| l.starts_with("28,")).unwrap();
    for (row, udprn) in [(v1_dpa, 91_000_001u32), (v2_dpa, 0)] {
        let text = format!("{row}\n99,0,1,2014-06-07,11:52:32\n");
        let mut imp = Importer::new();
        imp.add_reader(text.as_bytes(), "dpa.csv", Format::AddressBasePremium)
            .unwrap();
        assert!(
            imp.report().rejected.is_empty(),
            "{:?}",
            imp.report().rejected
        );
        let (g, _) = imp.finish(None).unwrap();
        let d = &g.properties.values().next().unwrap().dpas[0];
        assert!(d.postcode.is_some(), "{d:?}");
        if udprn != 0 {
            assert_eq!(d.udprn, Some(udprn));
        }
    }
    // EXETER where the postcode belongs (the shifted row) fits neither.
    let shifted = v1_dpa.replace("\"SALE\",\"M33 7ZF\"", "\"M33 7ZF\",\"EXETER\"");
    let text = format!("{shifted}\n99,0,1,2014-06-07,11:52:32\n");
    let mut imp = Importer::new();
    imp.add_reader(text.as_bytes(), "dpa.csv", Format::AddressBasePremium)
        .unwrap();
    let r = imp.report();
    assert_eq!(r.rejected.len(), 1);
    assert!(
        r.rejected[0].reason.contains("fits none of the layouts"),
        "{:?}",
        r.rejected
    );
}

/// Issue 11, item 4: an LPI whose BLPU is not in the supply is reported at the LPI's
/// own file and line.
#[test]
fn orphan_warnings_name_the_file_and_line() {
    let (_, r) = import(&[("abp_full.csv", Format::AddressBasePremium)]);
    let orphan: Vec<String> = r
        .warnings
        .iter()
        .filter(|w| w.reason.contains("no BLPU"))
        .map(ToString::to_string)
        .collect();
    assert_eq!(orphan.len(), 1, "{orphan:?}");
    let text = std::fs::read_to_string(data("abp_full.csv")).unwrap();
    let uprn = orphan[0]
        .split("UPRN ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("24,") && l.contains(uprn))
        .unwrap()
        + 1;
    assert!(
        orphan[0].contains(&format!("abp_full.csv:{line}: ")),
        "{orphan:?} (LPI at line {line})"
    );
}

/// Issue 11, item 4: supplies as OS delivers them. A directory (read in name order,
/// `resources/` skipped) holding a `.zip` volume whose `.csv` member is the data and
/// a `.gz` volume; streaming, with errors naming the zip member.
#[test]
fn directories_zips_and_gz_files_are_read_in_order() {
    use std::io::Write;
    let dir = tmpdir("supply");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("resources")).unwrap();
    // Volume 001: a zip, with OS's header file beside the data (skipped).
    let zip_path = dir.join("AddressBasePremium_FULL_2024-01-15_001_csv.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("resources/Record_21_BLPU_Header.csv", stored)
        .unwrap();
    z.write_all(b"RECORD_IDENTIFIER,CHANGE_TYPE\n").unwrap();
    z.start_file("AddressBasePremium_FULL_2024-01-15_001.csv", stored)
        .unwrap();
    z.write_all(&std::fs::read(data("abp_full.csv")).unwrap())
        .unwrap();
    z.finish().unwrap();
    // Volume 002: gzip.
    let gz_path = dir.join("AddressBasePremium_FULL_2024-01-15_002.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz_path).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&std::fs::read(data("abp_islands.csv")).unwrap())
        .unwrap();
    gz.finish().unwrap();
    std::fs::write(
        dir.join("resources/AddressBase_products_classification_scheme.csv"),
        "x",
    )
    .unwrap();
    std::fs::write(dir.join("readme.txt"), "not data").unwrap();

    let mut imp = Importer::new();
    imp.add_path(&dir, Format::AddressBasePremium).unwrap();
    let files: Vec<String> = imp.report().files.iter().map(|f| f.0.clone()).collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files[0].ends_with("_001_csv.zip!AddressBasePremium_FULL_2024-01-15_001.csv"),
        "{files:?}"
    );
    assert!(files[1].ends_with("_002.csv.gz"), "{files:?}");
    let (g, r) = imp.finish(Some(grid())).unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert!(g.properties.contains_key(&990_000_000_001));
    assert!(g.properties.contains_key(&992_000_000_001));

    // Errors inside a zip name the member.
    let bad = dir.join("bad_csv.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&bad).unwrap());
    z.start_file("bad.csv", stored).unwrap();
    z.write_all(b"10,\"X\",4245,2024-01-15,0,2024-01-15,12:00:00,9.9,F\n")
        .unwrap();
    z.finish().unwrap();
    let e = Importer::new()
        .add_path(&bad, Format::AddressBasePremium)
        .unwrap_err();
    assert!(e.to_string().contains("bad_csv.zip!bad.csv:1: "), "{e}");
    // An empty directory says so.
    let empty = tmpdir("empty-supply");
    let e = Importer::new()
        .add_path(&empty, Format::AddressBasePremium)
        .unwrap_err();
    assert!(e.to_string().contains("holds no .csv"), "{e}");
}

/// Issue 11: past `max_bad_rows` refused rows the import fails and writes nothing.
#[test]
fn too_many_bad_rows_write_no_index() {
    let dir = tmpdir("bad-rows");
    let out = dir.join("address.idx");
    let _ = std::fs::remove_file(&out);
    let sources = [(data("abp_bad_values.csv"), Format::AddressBasePremium)];
    let opts = ImportOptions {
        max_bad_rows: Some(0),
        ..Default::default()
    };
    match import::build_index(&sources, &out, &opts) {
        Err(ImportError::TooManyBadRows { max, refused }) => {
            assert_eq!((max, refused.len()), (0, 4));
            assert!(
                refused[0]
                    .to_string()
                    .contains("abp_bad_values.csv:4: column Y_COORDINATE")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!out.exists(), "no index is written");
    let opts = ImportOptions {
        max_bad_rows: Some(4),
        ..Default::default()
    };
    let r = import::build_index(&sources, &out, &opts).unwrap();
    assert_eq!(r.rejected.len(), 4);
    assert!(out.exists());
}

/// Schema 1.0 split by record type (OS's record splitter shape), with the 1.0 header
/// names (`STREET_DESCRIPTOR`, `LOCALITY_NAME`, `POSTAL_ADDRESS`,
/// `PARENT_ADDRESSABLE_UPRN`, `RM_UDPRN`, `THOROUGHFARE_NAME`, ...): the header rows
/// name the layout, and the supply reads as the one-file supply does.
#[test]
fn schema_1_0_split_by_record_type_reads_by_its_header_names() {
    // The three columns every change record (11 to 32) opens with.
    const CHANGE_COLUMNS: &str = "RECORD_IDENTIFIER,CHANGE_TYPE,PRO_ORDER";
    let headers: [(&str, &str, String); 8] = [
        ("10", "ID10_Header_Records.csv", "RECORD_IDENTIFIER,CUSTODIAN_NAME,LOCAL_CUSTODIAN_NAME,PROCESS_DATE,VOLUME_NUMBER,ENTRY_DATE,TIME_STAMP,VERSION,FILE_TYPE".into()),
        ("11", "ID11_Street_Records.csv", format!("{CHANGE_COLUMNS},USRN,RECORD_TYPE,SWA_ORG_REF_NAMING,STATE,STATE_DATE,STREET_SURFACE,STREET_CLASSIFICATION,VERSION,STREET_START_DATE,STREET_END_DATE,LAST_UPDATE_DATE,RECORD_ENTRY_DATE,STREET_START_X,STREET_START_Y,STREET_END_X,STREET_END_Y,STREET_TOLERANCE")),
        ("15", "ID15_StreetDesc_Records.csv", format!("{CHANGE_COLUMNS},USRN,STREET_DESCRIPTOR,LOCALITY_NAME,TOWN_NAME,ADMINSTRATIVE_AREA,LANGUAGE")),
        ("21", "ID21_BLPU_Records.csv", format!("{CHANGE_COLUMNS},UPRN,LOGICAL_STATUS,BLPU_STATE,BLPU_STATE_DATE,PARENT_UPRN,X_COORDINATE,Y_COORDINATE,RPC,LOCAL_CUSTODIAN_CODE,START_DATE,END_DATE,LAST_UPDATE_DATE,ENTRY_DATE,POSTAL_ADDRESS,POSTCODE_LOCATOR,MULTI_OCC_COUNT")),
        ("23", "ID23_XREF_Records.csv", format!("{CHANGE_COLUMNS},UPRN,XREF_KEY,CROSS_REFERENCE,VERSION,SOURCE,START_DATE,END_DATE,LAST_UPDATE_DATE,ENTRY_DATE")),
        ("24", "ID24_LPI_Records.csv", format!("{CHANGE_COLUMNS},UPRN,LPI_KEY,LANGUAGE,LOGICAL_STATUS,START_DATE,END_DATE,LAST_UPDATE_DATE,ENTRY_DATE,SAO_START_NUMBER,SAO_START_SUFFIX,SAO_END_NUMBER,SAO_END_SUFFIX,SAO_TEXT,PAO_START_NUMBER,PAO_START_SUFFIX,PAO_END_NUMBER,PAO_END_SUFFIX,PAO_TEXT,USRN,USRN_MATCH_INDICATOR,AREA_NAME,LEVEL,OFFICIAL_FLAG")),
        ("28", "ID28_DPA_Records.csv", format!("{CHANGE_COLUMNS},UPRN,PARENT_ADDRESSABLE_UPRN,RM_UDPRN,ORGANISATION_NAME,DEPARTMENT_NAME,SUB_BUILDING_NAME,BUILDING_NAME,BUILDING_NUMBER,DEPENDENT_THOROUGHFARE_NAME,THOROUGHFARE_NAME,DOUBLE_DEPENDENT_LOCALITY,DEPENDENT_LOCALITY,POST_TOWN,POSTCODE,POSTCODE_TYPE,WELSH_DEPENDENT_THOROUGHFARE_NAME,WELSH_THOROUGHFARE_NAME,WELSH_DOUBLE_DEPENDENT_LOCALITY,WELSH_DEPENDENT_LOCALITY,WELSH_POST_TOWN,PO_BOX_NUMBER,PROCESS_DATE,START_DATE,END_DATE,LAST_UPDATE_DATE,ENTRY_DATE")),
        ("99", "ID99_Trailer_Records.csv", "RECORD_IDENTIFIER,NEXT_VOLUME_NUMBER,RECORD_COUNT,ENTRY_DATE,TIME_STAMP".into()),
    ];
    let text = std::fs::read_to_string(data("abp_v1.csv")).unwrap();
    let dir = tmpdir("split-v1");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (record_type, file, header) in &headers {
        let rows: String = text
            .lines()
            .filter(|l| l.starts_with(&format!("{record_type},")))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.join(file), format!("{header}\n{rows}")).unwrap();
    }
    let mut imp = Importer::new();
    imp.add_path(&dir, Format::AddressBasePremium).unwrap();
    assert_eq!(imp.report().files.len(), 8);
    let dpa_file = &imp.report().files[6].1;
    assert!(dpa_file.contains("28: schema 1.0"), "{dpa_file}");
    let (g, r) = imp.finish(Some(grid())).unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    let (whole, _) = import(&[("abp_v1.csv", Format::AddressBasePremium)]);
    for uprn in [991_000_000_001u64, 991_000_000_002, 991_000_000_003] {
        assert_eq!(g.properties[&uprn], whole.properties[&uprn], "UPRN {uprn}");
    }
    assert_eq!(g.streets, whole.streets);
}
