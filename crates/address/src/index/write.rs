//! Builds an index file from a [`Gazetteer`].

use std::collections::{BTreeMap, HashMap};
use std::io::{Seek, SeekFrom, Write};

use super::{
    Blob, DIR_RESERVED, Directory, FENCE_KEYS_PER_PAGE, FORMAT_VERSION, HEADER_LEN, IndexError,
    MAGIC, Meta, PAGE, PREFIX_TERM_CHARS, PropMeta, StoredProperty, TableInfo, TermsInfo, cell_key,
    cell_key_wgs84, crc32, form, postings, put_varint,
};
use crate::model::{Gazetteer, Street};
use crate::postcode::Postcode;
use crate::types::{BngPoint, Location, Wgs84Point};
use crate::view;

/// What a build wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildStats {
    /// Properties written.
    pub properties: u64,
    /// View records (both views).
    pub address_records: u64,
    /// Postcode units.
    pub postcodes: u64,
    /// Distinct terms.
    pub terms: u64,
    /// File size in bytes.
    pub bytes: u64,
}

/// Counts bytes as they are written, so sections know their offsets.
struct Out<W: Write> {
    w: W,
    pos: u64,
}

impl<W: Write> Out<W> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.w.write_all(b)?;
        self.pos += b.len() as u64;
        Ok(())
    }
    fn pad_to(&mut self, pos: u64) -> std::io::Result<()> {
        while self.pos < pos {
            let n = ((pos - self.pos) as usize).min(PAGE);
            self.write(&vec![0u8; n])?;
        }
        Ok(())
    }
}

struct Prepared {
    sp: StoredProperty,
    pc_key: u64,
    key: view::SurreyKey,
}

/// Writes `gaz` as an index to `out` (a file opened for writing), with `built` as
/// the build date (`YYYY-MM-DD`) and `generated` marking generated data.
pub fn write_index<W: Write + Seek>(
    gaz: &Gazetteer,
    out: W,
    built: &str,
    generated: bool,
) -> Result<BuildStats, IndexError> {
    // 1. Stored records with what queries need ready-made.
    let mut prepared: Vec<Prepared> = gaz
        .properties
        .values()
        .map(|p| {
            let postcode = p.postcode();
            let lpi_streets = p.lpis.iter().map(|l| gaz.lpi_street_names(l)).collect();
            let location = property_location(gaz, p, postcode.as_ref());
            let sp = StoredProperty {
                property: p.clone(),
                lpi_streets,
                location,
                postcode: postcode.as_ref().map(|p| p.to_string()),
            };
            let key = view::surrey_key(&sp);
            Prepared {
                pc_key: postcode.map_or(u64::MAX, |p| p.key()),
                sp,
                key,
            }
        })
        .collect();
    // 2. Storage order: postcode, then Surrey's order.
    prepared.sort_by(|a, b| a.pc_key.cmp(&b.pc_key).then_with(|| a.key.cmp(&b.key)));
    let n = prepared.len();
    let mut rank = vec![0u32; n];
    let mut by_key: Vec<usize> = (0..n).collect();
    by_key.sort_by(|&a, &b| prepared[a].key.cmp(&prepared[b].key));
    for (r, &i) in by_key.iter().enumerate() {
        rank[i] = r as u32;
    }
    let mut uprn_rank = vec![0u32; n];
    let mut by_uprn: Vec<usize> = (0..n).collect();
    by_uprn.sort_by_key(|&i| prepared[i].sp.property.uprn);
    for (r, &i) in by_uprn.iter().enumerate() {
        uprn_rank[i] = r as u32;
    }
    // Classification codes.
    let mut class_codes: Vec<String> = prepared
        .iter()
        .filter_map(|p| p.sp.property.classification_code().map(str::to_string))
        .collect();
    class_codes.sort();
    class_codes.dedup();
    let class_id: HashMap<&str, u16> = class_codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), (i + 1).min(u16::MAX as usize) as u16))
        .collect();
    let metas: Vec<PropMeta> = prepared
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (dpa_cur, dpa_hist, lpi_cur, lpi_hist) = view::view_counts(&p.sp.property);
            // The counts are stored in a byte each; more than 255 reads as 255.
            let saturate = |x: usize| x.min(255) as u8;
            PropMeta {
                rank: rank[i],
                uprn_rank: uprn_rank[i],
                class: p
                    .sp
                    .property
                    .classification_code()
                    .and_then(|c| class_id.get(c).copied())
                    .unwrap_or(0),
                dpa_cur: saturate(dpa_cur),
                dpa_hist: saturate(dpa_hist),
                lpi_cur: saturate(lpi_cur),
                lpi_hist: saturate(lpi_hist),
                flags: u8::from(p.sp.property.is_historical()),
            }
        })
        .collect();

    let mut out = Out { w: out, pos: 0 };
    out.write(&[0u8; HEADER_LEN])?;
    out.pad_to(DIR_RESERVED)?;
    let mut dir = Directory::default();

    // 3. Records.
    let rec_start = out.pos;
    let mut rec_pos: Vec<(u64, u32)> = Vec::with_capacity(n);
    let mut address_records = 0u64;
    for p in &prepared {
        let bytes = postcard::to_allocvec(&p.sp).map_err(|e| IndexError::Corrupt {
            name: "writer".into(),
            what: format!("encoding UPRN {}: {e}", p.sp.property.uprn),
        })?;
        rec_pos.push((out.pos, bytes.len() as u32));
        out.write(&bytes)?;
        let (dpa_cur, dpa_hist, lpi_cur, lpi_hist) = view::view_counts(&p.sp.property);
        address_records += (dpa_cur + dpa_hist + lpi_cur + lpi_hist) as u64;
    }
    dir.records = Blob {
        offset: rec_start,
        len: out.pos - rec_start,
    };

    // 3b. Search forms, in ordinal order (so a street's candidates are near).
    let search_start = out.pos;
    let mut form_pos: Vec<(u64, u32)> = Vec::with_capacity(n);
    let mut buf = Vec::with_capacity(64 * 1024);
    for p in &prepared {
        let bytes = form::encode(&p.sp).map_err(|e| IndexError::Corrupt {
            name: "writer".into(),
            what: format!(
                "encoding the search form of UPRN {}: {e}",
                p.sp.property.uprn
            ),
        })?;
        form_pos.push((out.pos + buf.len() as u64, bytes.len() as u32));
        buf.extend_from_slice(&bytes);
        if buf.len() >= 64 * 1024 {
            out.write(&buf)?;
            buf.clear();
        }
    }
    out.write(&buf)?;
    dir.search = Blob {
        offset: search_start,
        len: out.pos - search_start,
    };

    // 4. PROPS: record offset u64, record length u32, form length u32, form offset
    // u64, meta 16.
    let props_start = out.pos;
    let mut buf = Vec::with_capacity(40 * 1024);
    for (i, m) in metas.iter().enumerate() {
        buf.extend_from_slice(&rec_pos[i].0.to_le_bytes());
        buf.extend_from_slice(&rec_pos[i].1.to_le_bytes());
        buf.extend_from_slice(&form_pos[i].1.to_le_bytes());
        buf.extend_from_slice(&form_pos[i].0.to_le_bytes());
        m.put(&mut buf);
        if buf.len() >= 40 * 1024 {
            out.write(&buf)?;
            buf.clear();
        }
    }
    out.write(&buf)?;
    dir.props = Blob {
        offset: props_start,
        len: out.pos - props_start,
    };

    // 5. Postcodes: units with addresses and Code-Point-only units.
    let mut pc_entries: BTreeMap<u64, PcAcc> = BTreeMap::new();
    for (i, p) in prepared.iter().enumerate() {
        if p.pc_key == u64::MAX {
            continue;
        }
        let e = pc_entries.entry(p.pc_key).or_insert(PcAcc {
            first: i as u32,
            count: 0,
            addr: 0,
        });
        e.count += 1;
        let (dc, _, lc, _) = view::view_counts(&p.sp.property);
        if !p.sp.property.is_historical() {
            e.addr += (dc + lc) as u32;
        }
    }
    for k in gaz.postcodes.keys() {
        pc_entries.entry(*k).or_insert(PcAcc {
            first: 0,
            count: 0,
            addr: 0,
        });
    }
    let pc_rows: Vec<(u64, Vec<u8>)> = pc_entries
        .iter()
        .map(|(k, acc)| (*k, encode_postcode_value(acc, gaz.postcodes.get(k))))
        .collect();
    dir.postcodes = write_table(&mut out, &pc_rows, POSTCODE_VALUE)?;

    // 6. UPRNs.
    let mut uprn_rows: Vec<(u64, Vec<u8>)> = prepared
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut v = Vec::with_capacity(16);
            v.extend_from_slice(&(i as u32).to_le_bytes());
            v.extend_from_slice(&rec_pos[i].1.to_le_bytes());
            v.extend_from_slice(&rec_pos[i].0.to_le_bytes());
            (p.sp.property.uprn, v)
        })
        .collect();
    uprn_rows.sort_by_key(|r| r.0);
    dir.uprns = write_table(&mut out, &uprn_rows, 16)?;
    drop(uprn_rows);

    // 7. USRNs: every street an LPI of the property is on, in Surrey order.
    let mut usrn_rows: Vec<(u64, u32, Vec<u8>)> = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        let mut usrns: Vec<u64> = p.sp.property.lpis.iter().filter_map(|l| l.usrn).collect();
        usrns.sort_unstable();
        usrns.dedup();
        for u in usrns {
            let mut v = Vec::with_capacity(20);
            v.extend_from_slice(&(i as u32).to_le_bytes());
            metas[i].put(&mut v);
            usrn_rows.push((u, metas[i].rank, v));
        }
    }
    usrn_rows.sort_by_key(|r| (r.0, r.1));
    let usrn_rows: Vec<(u64, Vec<u8>)> = usrn_rows.into_iter().map(|(k, _, v)| (k, v)).collect();
    dir.usrns = write_table(&mut out, &usrn_rows, 20)?;
    drop(usrn_rows);

    // 8. Spatial grid.
    // Positions on the British National Grid in one table; positions with only a
    // latitude/longitude (outside the OSTN15 grid) in another, by WGS84 cell.
    let mut sp_rows: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut ll_rows: Vec<(u64, Vec<u8>)> = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        let Some(loc) = p.sp.location.filter(|l| l.rpc != 0) else {
            continue;
        };
        let mut v = Vec::with_capacity(28);
        v.extend_from_slice(&(i as u32).to_le_bytes());
        match loc.bng {
            Some(bng) => {
                v.extend_from_slice(&to_dm(bng.easting).to_le_bytes());
                v.extend_from_slice(&to_dm(bng.northing).to_le_bytes());
                metas[i].put(&mut v);
                sp_rows.push((cell_key(bng.easting, bng.northing), v));
            }
            None => {
                let ll = loc.wgs84;
                v.extend_from_slice(&to_e7(ll.longitude).to_le_bytes());
                v.extend_from_slice(&to_e7(ll.latitude).to_le_bytes());
                metas[i].put(&mut v);
                ll_rows.push((cell_key_wgs84(ll.longitude, ll.latitude), v));
            }
        }
    }
    sp_rows.sort_by_key(|a| a.0);
    dir.spatial = write_table(&mut out, &sp_rows, 28)?;
    drop(sp_rows);
    ll_rows.sort_by_key(|a| a.0);
    dir.spatial_wgs84 = write_table(&mut out, &ll_rows, 28)?;
    drop(ll_rows);

    // 9. Terms, and the type-ahead prefixes of words (`C*`, `CH*`, `CHU*`): the
    // union of the postings of every word they begin, so a short last word of a
    // type-ahead query is one list rather than a union of many at query time.
    let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
    let mut prefixes: Vec<String> = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        prefixes.clear();
        for t in view::index_terms(&p.sp) {
            if t.starts_with(|c: char| c.is_alphabetic()) {
                let mut end = 0;
                for c in t.chars().take(PREFIX_TERM_CHARS) {
                    end += c.len_utf8();
                    prefixes.push(format!("{}*", &t[..end]));
                }
            }
            postings.entry(t).or_default().push(i as u32);
        }
        prefixes.sort_unstable();
        prefixes.dedup();
        for t in prefixes.drain(..) {
            postings.entry(t).or_default().push(i as u32);
        }
    }
    let mut terms: Vec<(String, Vec<u32>)> = postings.into_iter().collect();
    terms.sort_by(|a, b| a.0.cmp(&b.0));
    dir.terms = write_terms(&mut out, &terms)?;
    let n_terms = terms.len() as u64;
    drop(terms);

    // 10. Streets.
    let streets: Vec<&Street> = gaz.streets.values().collect();
    let sbytes = postcard::to_allocvec(&streets).map_err(|e| IndexError::Corrupt {
        name: "writer".into(),
        what: format!("encoding streets: {e}"),
    })?;
    let s_start = out.pos;
    out.write(&sbytes)?;
    dir.streets = Blob {
        offset: s_start,
        len: sbytes.len() as u64,
    };

    dir.meta = Meta {
        epoch: gaz.epoch.clone(),
        built: built.to_string(),
        sources: gaz.sources.clone(),
        address_count: address_records,
        postcode_count: pc_entries.len() as u64,
        property_count: n as u64,
        street_count: gaz.streets.len() as u64,
        class_codes,
        supply: gaz.supply.clone(),
        generated,
    };
    let dbytes = postcard::to_allocvec(&dir).map_err(|e| IndexError::Corrupt {
        name: "writer".into(),
        what: format!("encoding directory: {e}"),
    })?;
    let (dir_offset, end) = if (dbytes.len() as u64) <= DIR_RESERVED - HEADER_LEN as u64 {
        (HEADER_LEN as u64, out.pos)
    } else {
        let off = out.pos;
        out.write(&dbytes)?;
        (off, out.pos)
    };
    let mut w = out.w;
    if dir_offset == HEADER_LEN as u64 {
        w.seek(SeekFrom::Start(HEADER_LEN as u64))?;
        w.write_all(&dbytes)?;
    }
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    header.extend_from_slice(&end.to_le_bytes());
    header.extend_from_slice(&dir_offset.to_le_bytes());
    header.extend_from_slice(&(dbytes.len() as u32).to_le_bytes());
    header.extend_from_slice(&crc32(&dbytes).to_le_bytes());
    header.resize(HEADER_LEN, 0);
    w.seek(SeekFrom::Start(0))?;
    w.write_all(&header)?;
    w.seek(SeekFrom::Start(end))?;
    w.flush()?;
    Ok(BuildStats {
        properties: n as u64,
        address_records,
        postcodes: pc_entries.len() as u64,
        terms: n_terms,
        bytes: end,
    })
}

/// Degrees in units of 1e-7 (the precision of AddressBase's LATITUDE/LONGITUDE).
fn to_e7(deg: f64) -> i32 {
    (deg * 1e7).round().clamp(i32::MIN as f64, i32::MAX as f64) as i32
}

fn to_dm(m: f64) -> u32 {
    (m * 10.0).round().clamp(0.0, u32::MAX as f64) as u32
}

/// Where a property is shown: its BLPU position (RPC as given), on the British
/// National Grid where it has one, else in WGS84 alone; else its postcode's
/// Code-Point Open position (RPC 9); else nowhere.
fn property_location(
    gaz: &Gazetteer,
    p: &crate::model::Property,
    postcode: Option<&Postcode>,
) -> Option<Location> {
    if let Some(b) = &p.blpu
        && let (None, None, Some(lat), Some(lon)) = (b.x, b.y, b.latitude, b.longitude)
    {
        return Some(Location {
            bng: None,
            wgs84: Wgs84Point {
                longitude: lon,
                latitude: lat,
            },
            rpc: b.rpc.unwrap_or(1).max(1),
        });
    }
    if let Some(b) = &p.blpu
        && let (Some(x), Some(y)) = (b.x, b.y)
    {
        return Some(Location {
            bng: Some(BngPoint {
                easting: x,
                northing: y,
            }),
            wgs84: match (b.longitude, b.latitude) {
                (Some(lon), Some(lat)) => Wgs84Point {
                    longitude: lon,
                    latitude: lat,
                },
                _ => Wgs84Point::default(),
            },
            rpc: b.rpc.unwrap_or(1).max(1),
        });
    }
    let unit = gaz.postcodes.get(&postcode?.key())?;
    let (e, n) = unit.position?;
    let (lon, lat) = unit.lonlat.unwrap_or((0.0, 0.0));
    Some(Location {
        bng: Some(BngPoint {
            easting: e,
            northing: n,
        }),
        wgs84: Wgs84Point {
            longitude: lon,
            latitude: lat,
        },
        rpc: 9,
    })
}

struct PcAcc {
    first: u32,
    count: u32,
    addr: u32,
}

/// Postcode value: first u32, count u32, address count u32, flags u8 (bit 0 a
/// Code-Point record), PQ u8, reserved u16, easting dm u32, northing dm u32,
/// longitude 1e-7° i32, latitude 1e-7° i32, then district, ward, county and country
/// GSS codes, 9 bytes each (zero-filled when absent).
pub(crate) const POSTCODE_VALUE: u32 = 72;

fn encode_postcode_value(acc: &PcAcc, unit: Option<&crate::model::PostcodeUnitRecord>) -> Vec<u8> {
    let mut v = Vec::with_capacity(POSTCODE_VALUE as usize);
    v.extend_from_slice(&acc.first.to_le_bytes());
    v.extend_from_slice(&acc.count.to_le_bytes());
    v.extend_from_slice(&acc.addr.to_le_bytes());
    let (flags, pq) = match unit {
        Some(u) => (
            1u8 | if u.position.is_some() { 2 } else { 0 },
            u.positional_quality,
        ),
        None => (0, 0),
    };
    v.push(flags);
    v.push(pq);
    v.extend_from_slice(&0u16.to_le_bytes());
    let (e, n) = unit.and_then(|u| u.position).unwrap_or((0.0, 0.0));
    v.extend_from_slice(&to_dm(e).to_le_bytes());
    v.extend_from_slice(&to_dm(n).to_le_bytes());
    let (lon, lat) = unit.and_then(|u| u.lonlat).unwrap_or((0.0, 0.0));
    v.extend_from_slice(&((lon * 1e7).round() as i32).to_le_bytes());
    v.extend_from_slice(&((lat * 1e7).round() as i32).to_le_bytes());
    for code in [
        unit.and_then(|u| u.district_code.as_deref()),
        unit.and_then(|u| u.ward_code.as_deref()),
        unit.and_then(|u| u.county_code.as_deref()),
        unit.and_then(|u| u.country_code.as_deref()),
    ] {
        let mut b = [0u8; 9];
        if let Some(c) = code {
            for (i, x) in c.bytes().take(9).enumerate() {
                b[i] = x;
            }
        }
        v.extend_from_slice(&b);
    }
    v.resize(POSTCODE_VALUE as usize, 0);
    v
}

/// Writes a fixed-entry table (rows sorted by key) with its fence.
fn write_table<W: Write>(
    out: &mut Out<W>,
    rows: &[(u64, Vec<u8>)],
    value_size: u32,
) -> Result<TableInfo, IndexError> {
    let entry = 8 + value_size as usize;
    let page_entries = (PAGE / entry).max(1);
    let offset = out.pos;
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut fence: Vec<u64> = Vec::new();
    for (i, (k, v)) in rows.iter().enumerate() {
        debug_assert_eq!(v.len(), value_size as usize);
        if i % page_entries == 0 {
            fence.push(*k);
        }
        buf.extend_from_slice(&k.to_le_bytes());
        buf.extend_from_slice(v);
        if buf.len() >= 64 * 1024 {
            out.write(&buf)?;
            buf.clear();
        }
    }
    out.write(&buf)?;
    let fence_offset = out.pos;
    let mut fb = Vec::with_capacity(fence.len() * 8);
    for k in &fence {
        fb.extend_from_slice(&k.to_le_bytes());
    }
    out.write(&fb)?;
    let top = fence.iter().step_by(FENCE_KEYS_PER_PAGE).copied().collect();
    Ok(TableInfo {
        offset,
        count: rows.len() as u64,
        value_size,
        page_entries: page_entries as u32,
        fence_offset,
        pages: fence.len() as u64,
        top,
    })
}

/// Target size of a term block.
pub(crate) const TERM_BLOCK: usize = 4096;

/// Writes postings (containers, `postings.rs`, in term order), front-coded term blocks
/// (`u64` postings offset of the block's first term, `u16` count, then per term:
/// shared prefix length u8, suffix length u8, suffix, df varint, postings length
/// varint) and the block fence (per block: offset u64, length u32, first-term length
/// u8, first term).
fn write_terms<W: Write>(
    out: &mut Out<W>,
    terms: &[(String, Vec<u32>)],
) -> Result<TermsInfo, IndexError> {
    let p_start = out.pos;
    let mut plens = Vec::with_capacity(terms.len());
    let mut buf = Vec::with_capacity(64 * 1024);
    for (_, ords) in terms {
        let before = buf.len();
        postings::encode(ords, &mut buf);
        plens.push((buf.len() - before) as u64);
        if buf.len() >= 64 * 1024 {
            out.write(&buf)?;
            buf.clear();
        }
    }
    out.write(&buf)?;
    let postings = Blob {
        offset: p_start,
        len: out.pos - p_start,
    };

    let b_start = out.pos;
    let mut fence = Vec::new();
    let mut n_blocks = 0u64;
    let mut block: Vec<u8> = Vec::new();
    let mut count = 0u16;
    let mut prev_term: &str = "";
    let mut p_off = 0u64;
    let mut block_first: Option<(usize, u64)> = None;
    let flush = |out: &mut Out<W>,
                 block: &mut Vec<u8>,
                 count: &mut u16,
                 fence: &mut Vec<u8>,
                 first: &str,
                 n_blocks: &mut u64|
     -> std::io::Result<()> {
        if *count == 0 {
            return Ok(());
        }
        block[8..10].copy_from_slice(&count.to_le_bytes());
        fence.extend_from_slice(&(out.pos - b_start).to_le_bytes());
        fence.extend_from_slice(&(block.len() as u32).to_le_bytes());
        fence.push(first.len() as u8);
        fence.extend_from_slice(first.as_bytes());
        out.write(block)?;
        block.clear();
        *count = 0;
        *n_blocks += 1;
        Ok(())
    };
    for (i, (t, ords)) in terms.iter().enumerate() {
        if block.len() >= TERM_BLOCK - 64 || count == u16::MAX {
            let first = &terms[block_first.map_or(0, |b| b.0)].0;
            flush(
                out,
                &mut block,
                &mut count,
                &mut fence,
                first,
                &mut n_blocks,
            )?;
        }
        if count == 0 {
            block_first = Some((i, p_off));
            block.extend_from_slice(&p_off.to_le_bytes());
            block.extend_from_slice(&0u16.to_le_bytes());
            prev_term = "";
        }
        let shared = t
            .bytes()
            .zip(prev_term.bytes())
            .take_while(|(a, b)| a == b)
            .count()
            .min(255);
        let suffix = &t.as_bytes()[shared..];
        block.push(shared as u8);
        block.push(suffix.len() as u8);
        block.extend_from_slice(suffix);
        put_varint(&mut block, ords.len() as u64);
        put_varint(&mut block, plens[i]);
        p_off += plens[i];
        count += 1;
        prev_term = t;
    }
    if count > 0 {
        let first = &terms[block_first.map_or(0, |b| b.0)].0;
        flush(
            out,
            &mut block,
            &mut count,
            &mut fence,
            first,
            &mut n_blocks,
        )?;
    }
    let blocks = Blob {
        offset: b_start,
        len: out.pos - b_start,
    };
    let f_start = out.pos;
    out.write(&fence)?;
    Ok(TermsInfo {
        blocks,
        fence: Blob {
            offset: f_start,
            len: fence.len() as u64,
        },
        postings,
        n_terms: terms.len() as u64,
        n_blocks,
    })
}
