//! Code-Point Open: postcode units (`PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC`, no header,
//! `Code-Point_Open_Column_Headers.csv`).

use std::io::Read;

use csv::StringRecord;

use super::super::{ImportError, Importer};
use super::{csv_err, csv_reader};
use crate::model::PostcodeUnitRecord;
use crate::postcode::Postcode;

pub(crate) fn read_codepoint<Rd: Read>(
    imp: &mut Importer,
    r: Rd,
    file: &str,
) -> Result<(), ImportError> {
    let mut rdr = csv_reader(r);
    let mut rec = StringRecord::new();
    let mut line = 0u64;
    let mut records = 0u64;
    let opt = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(file, e, line + 1)),
        }
        records += 1;
        // The csv crate's line numbers lag by one after the first record of a CRLF
        // file; the record count is the line number unless a field spans lines.
        line = rec.position().map_or(records, |p| p.line().max(records));
        let first = rec
            .get(0)
            .unwrap_or("")
            .trim()
            .trim_start_matches('\u{feff}');
        if line == 1 && (first.eq_ignore_ascii_case("PC") || first.eq_ignore_ascii_case("POSTCODE"))
        {
            continue;
        }
        if rec.len() != 10 {
            return Err(ImportError::ColumnCount {
                file: file.into(),
                line,
                reason: format!(
                    "Code-Point Open rows have 10 columns (PC, PQ, EA, NO, CY, RH, LH, CC, DC, WC); this one has {}",
                    rec.len()
                ),
            });
        }
        imp.report.count("codepoint");
        let pc = match Postcode::parse_lenient(first) {
            Some(p) => p,
            None => {
                if line == 1 {
                    return Err(ImportError::WrongFormat {
                        file: file.into(),
                        line,
                        reason: format!("'{first}' is not a postcode: not Code-Point Open"),
                    });
                }
                imp.report
                    .reject(file, line, format!("PC '{first}' is not a valid postcode"));
                continue;
            }
        };
        let pq: u8 = match rec.get(1).map(str::trim).unwrap_or("").parse() {
            Ok(v) => v,
            Err(_) => {
                imp.report.reject(file, line, "PQ is not a number");
                continue;
            }
        };
        let e = rec.get(2).and_then(|s| s.trim().parse::<f64>().ok());
        let n = rec.get(3).and_then(|s| s.trim().parse::<f64>().ok());
        let position = match (e, n) {
            (Some(e), Some(n)) if pq != 90 && (e != 0.0 || n != 0.0) => Some((e, n)),
            _ => None,
        };
        imp.gaz.postcodes.insert(
            pc.key(),
            PostcodeUnitRecord {
                postcode: pc,
                positional_quality: pq,
                position,
                lonlat: None,
                country_code: opt(rec.get(4)),
                nhs_region_code: opt(rec.get(5)),
                nhs_ha_code: opt(rec.get(6)),
                county_code: opt(rec.get(7)),
                district_code: opt(rec.get(8)),
                ward_code: opt(rec.get(9)),
            },
        );
    }
    imp.gaz.add_source("codepoint-open");
    imp.report
        .files
        .push((file.into(), "codepoint-open".into()));
    Ok(())
}
