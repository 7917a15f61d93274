//! The shifted-row property (issue 11): a row whose values sit one column out of
//! place, for every record type and every layout, is refused, never read.

use super::super::layout::{Col, Kind, LAYOUTS, Layout, Schema};
use super::super::{Format, Importer};

/// A valid value for a column; `n` makes neighbouring values differ.
fn sample(col: &Col, n: usize) -> String {
    match col.kind {
        Kind::Record(r) => r.to_string(),
        Kind::Int(d) => {
            let d = d.clamp(1, 12) as u32;
            (10u64.pow(d - 1) + n as u64 % 9).to_string()
        }
        Kind::Text(max) => "SAMPLE TEXT".chars().take(max as usize).collect(),
        Kind::Date => format!("20{:02}-0{}-1{}", 10 + n % 10, 1 + n % 9, n % 10),
        Kind::Time => "12:30:00".into(),
        Kind::Easting => "373000.00".into(),
        Kind::Northing => "393000.00".into(),
        Kind::Latitude => "53.4201000".into(),
        Kind::Longitude => "-2.4101000".into(),
        Kind::Postcode => "M31 4AN".into(),
        Kind::Suffix => "1A".into(),
        Kind::Code(list) => list[n % list.len()].into(),
        Kind::Decimal => "1.0".into(),
    }
}

/// A fully populated row (END dates empty, as for a live record) or one with
/// only the mandatory columns.
fn row(l: &Layout, schema: Schema, full: bool) -> Vec<String> {
    l.cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if l.record == 10 && c.name == "VERSION" {
                version(schema).to_string()
            } else if c.name == "RECORD_COUNT" {
                // A trailer framing only itself.
                "0".to_string()
            } else if c.required || (full && !c.name.ends_with("END_DATE")) {
                sample(c, i)
            } else {
                String::new()
            }
        })
        .collect()
}

fn version(schema: Schema) -> &'static str {
    match schema {
        Schema::AbpV1 => "1.0",
        Schema::AbpV2 => "2.0",
        Schema::Dtf73 => "7.3",
        Schema::Dtf81 => "8.1",
    }
}

fn header(schema: Schema) -> &'static str {
    match schema {
        Schema::AbpV1 => "10,\"TEST\",4245,2024-01-15,0,2024-01-15,12:00:00,1.0,F",
        Schema::AbpV2 => "10,\"TEST\",4245,2024-01-15,0,2024-01-15,12:00:00,2.0,F",
        Schema::Dtf73 => "10,\"TEST\",4245,2024-01-15,0,2024-01-15,12:00:00,7.3,F",
        Schema::Dtf81 => "10,\"TEST\",4245,2024-01-15,0,2024-01-15,12:00:00,8.1,F",
    }
}

fn format_of(schema: Schema) -> Format {
    match schema {
        Schema::AbpV1 | Schema::AbpV2 => Format::AddressBasePremium,
        Schema::Dtf73 => Format::Dtf73,
        Schema::Dtf81 => Format::Dtf81,
    }
}

fn csv_line(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| {
            if f.contains(',') || f.contains('"') {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether a file of `schema` holding this row (framed by a header record and a
/// trailer) reads it: `Ok(true)` read, `Ok(false)` refused row, `Err` refused file.
fn reads(schema: Schema, record: u8, fields: &[String]) -> Result<bool, String> {
    let mut text = String::new();
    if record != 10 {
        text.push_str(header(schema));
        text.push('\n');
    }
    text.push_str(&csv_line(fields));
    text.push('\n');
    if record != 99 {
        let counted = u8::from(!matches!(record, 10 | 29));
        text.push_str(&format!("99,0,{counted},2024-01-15,12:00:00\n"));
    }
    let mut imp = Importer::new();
    imp.add_reader(text.as_bytes(), "shifted.csv", format_of(schema))
        .map_err(|e| e.to_string())?;
    Ok(imp.report().rejected.is_empty())
}

#[test]
fn sample_rows_are_read() {
    for l in LAYOUTS {
        for &schema in l.schemas {
            for full in [true, false] {
                let r = row(l, schema, full);
                assert_eq!(
                    reads(schema, l.record, &r),
                    Ok(true),
                    "{} {} ({}): {r:?}",
                    schema.label(),
                    l.record,
                    l.label
                );
            }
        }
    }
}

/// One more or one fewer column at any position: what a layout this importer
/// was not told about, or a row cut or padded, looks like.
#[test]
fn a_column_inserted_or_removed_anywhere_is_refused() {
    for l in LAYOUTS {
        for &schema in l.schemas {
            for full in [true, false] {
                let r = row(l, schema, full);
                for k in 0..=r.len() {
                    let mut wider = r.clone();
                    wider.insert(k, sample(&l.cols[k.min(r.len() - 1)], k + 3));
                    assert_ne!(
                        reads(schema, l.record, &wider),
                        Ok(true),
                        "{} {} ({}): a column inserted at {k} was read: {wider:?}",
                        schema.label(),
                        l.record,
                        l.label
                    );
                    if k < r.len() {
                        let mut narrower = r.clone();
                        narrower.remove(k);
                        assert_ne!(
                            reads(schema, l.record, &narrower),
                            Ok(true),
                            "{} {} ({}): column {k} removed was read: {narrower:?}",
                            schema.label(),
                            l.record,
                            l.label
                        );
                    }
                }
            }
        }
    }
}

/// The same number of columns with the values from column k on moved one place
/// (right, the last dropped; or left, an empty field at the end): a layout with
/// a column missing at k and one added at the end, like schema 1.0's DPA read
/// as schema 2.0's.
#[test]
fn values_moved_one_column_are_refused() {
    let mut accepted = Vec::new();
    for l in LAYOUTS {
        for &schema in l.schemas {
            let r = row(l, schema, true);
            let n = r.len();
            // Moving only the last value empties it: not a shift.
            for k in 1..n - 1 {
                let mut right = r.clone();
                right.insert(k, String::new());
                right.truncate(n);
                let mut left = r.clone();
                left.remove(k);
                left.push(String::new());
                for (how, shifted) in [("right", right), ("left", left)] {
                    if shifted != r && reads(schema, l.record, &shifted) == Ok(true) {
                        accepted.push(format!(
                            "{} {} ({}), {how} from column {} ({})",
                            schema.label(),
                            l.record,
                            l.label,
                            k + 1,
                            l.cols[k].name
                        ));
                    }
                }
            }
        }
    }
    // Values of optional columns at the end of a row that move into one another
    // cannot be told from a row with those columns empty (an LPI whose AREA_NAME
    // holds its LEVEL and whose LEVEL holds "Y"); in a real supply such a shift
    // also changes the column count, which is refused above.
    let indistinguishable = [
        "DTF 7.3 21 (DTF 7.3, BLPU_CLASS and ORGANISATION inline), right from column 21 (CUSTODIAN_ONE)",
        "DTF 7.3 21 (DTF 7.3, BLPU_CLASS and ORGANISATION inline), right from column 22 (CUSTODIAN_TWO)",
        "DTF 7.3 23 (DTF 7.3), left from column 10 (CROSS_REFERENCE)",
        "AddressBase Premium schema 1.0 24 (standard), left from column 24 (AREA_NAME)",
        "AddressBase Premium schema 1.0 24 (standard), left from column 25 (LEVEL)",
        "AddressBase Premium schema 2.0 24 (standard), left from column 24 (AREA_NAME)",
        "AddressBase Premium schema 2.0 24 (standard), left from column 25 (LEVEL)",
        "DTF 8.1 24 (standard), left from column 24 (AREA_NAME)",
        "DTF 8.1 24 (standard), left from column 25 (LEVEL)",
        "DTF 7.3 24 (DTF 7.3, postal fields inline), right from column 28 (CUSTODIAN_ONE)",
        "DTF 7.3 24 (DTF 7.3, postal fields inline), right from column 29 (CUSTODIAN_TWO)",
        "AddressBase Premium schema 1.0 29 (metadata), right from column 16 (LANGUAGE)",
        "AddressBase Premium schema 2.0 29 (metadata), right from column 16 (LANGUAGE)",
        "DTF 7.3 29 (metadata), right from column 16 (LANGUAGE)",
        "DTF 8.1 29 (metadata), right from column 16 (LANGUAGE)",
    ];
    accepted.retain(|a| !indistinguishable.contains(&a.as_str()));
    assert!(
        accepted.is_empty(),
        "read although shifted:\n{}",
        accepted.join("\n")
    );
}
