//! GENERATED address data for the demo and the benchmarks: the Trafford demo and
//! benchmark-scale sets, written as AddressBase Premium CSV so that they go through
//! the real importer (`council_address::import`). Not part of the address library:
//! only `council-host import demo`, the benchmarks and the tests use it.
//!
//! Everything here is GENERATED: the header record's custodian name, the metadata
//! record and the index's `generated` flag say so. Identifiers come from ranges that
//! real data does not use, so they cannot be mistaken for real ones:
//!
//! - UPRNs `999 000 000 001` upwards (12 digits beginning 999),
//! - USRNs `99 000 001` upwards (8 digits beginning 99),
//! - UDPRNs `90 000 001` upwards.
//!
//! The Trafford demo puts its addresses on the real Code-Point Open postcodes of
//! Trafford (district `E08000009`) at their real positions; everything else about the
//! addresses (numbers, street and building names, businesses) is invented from a
//! fixed seed, so every run writes the same file.

#![deny(missing_docs)]

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use council_address::import::ImportError;
use council_address::postcode::Postcode;

mod words;

use words::{BLOCK_NAMES, BUSINESS, FIRMS, HOUSE_NAMES, ROOTS, weighted_type};

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
    /// A float in `0..1`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// One element of a slice.
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A postcode unit to put addresses on.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The postcode.
    pub postcode: Postcode,
    /// Easting and northing.
    pub e: f64,
    /// Northing.
    pub n: f64,
    /// Locality written on street descriptors and DPAs.
    pub locality: Option<String>,
    /// Post town.
    pub town: String,
    /// Administrative area.
    pub admin: String,
    /// Local custodian code.
    pub custodian: u16,
}

/// What a generator wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenStats {
    /// Properties (UPRNs).
    pub properties: u64,
    /// Streets (USRNs).
    pub streets: u64,
    /// Data rows (excluding header, metadata and trailer).
    pub rows: u64,
    /// Postcodes with addresses.
    pub postcodes: u64,
}

/// Mix of a generated set.
#[derive(Debug, Clone, Copy)]
pub struct Mix {
    /// Mean properties per postcode unit.
    pub per_postcode: f64,
    /// Share of properties that are flats in named blocks.
    pub flats: f64,
    /// Share of houses with a name as well as (or instead of) a number.
    pub named: f64,
    /// Share of commercial premises.
    pub commercial: f64,
    /// Share of properties with a historical LPI as well.
    pub historical: f64,
}

impl Default for Mix {
    fn default() -> Mix {
        Mix {
            per_postcode: 14.0,
            flats: 0.16,
            named: 0.06,
            commercial: 0.07,
            historical: 0.01,
        }
    }
}

struct Writer<W: Write> {
    w: W,
    rows: u64,
    pro: u64,
}

impl<W: Write> Writer<W> {
    fn line(&mut self, s: &str) -> std::io::Result<()> {
        self.w.write_all(s.as_bytes())?;
        self.w.write_all(b"\r\n")
    }
    fn rec(&mut self, rt: u8, rest: &str) -> std::io::Result<()> {
        self.pro += 1;
        self.rows += 1;
        let s = format!("{rt},\"I\",{},{rest}", self.pro);
        self.line(&s)
    }
}

/// Writes generated addresses on the given postcode units as an AddressBase Premium
/// CSV file (records 10, 29, 11, 15, 21, 24, 28, 31, 32, 99).
pub fn write_abp(
    units: &[Unit],
    out: &Path,
    seed: u64,
    mix: Mix,
    label: &str,
) -> Result<GenStats, ImportError> {
    let io = |source| ImportError::Io {
        file: out.display().to_string(),
        source,
    };
    if let Some(d) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).map_err(io)?;
    }
    let f = File::create(out).map_err(io)?;
    let mut w = Writer {
        w: BufWriter::with_capacity(1 << 20, f),
        rows: 0,
        pro: 0,
    };
    let mut rng = Rng::new(seed);
    let custodian = units.first().map_or(0, |u| u.custodian);
    w.line(&format!(
        // Schema 2.0 (the layouts written below); the custodian name within the
        // specification's 40 characters, the label in the metadata's GAZ_NAME.
        "10,{},{custodian},2024-01-01,0,2024-01-01,00:00:00,2.0,F",
        q("GENERATED - NOT REAL ADDRESSES")
    ))
    .map_err(io)?;
    w.line(&format!(
        "29,{},{},\"ENGLAND\",\"\",\"GENERATED\",\"\",{},,{custodian},\"British National Grid\",\"Metres\",2024-01-01,\"AddressBase Premium Classification Scheme\",2024-01-01,\"ENG\",\"UTF-8\"",
        q(&format!("GENERATED {label}")),
        q("Generated addresses on real postcodes; not a real gazetteer"),
        q("GENERATED")
    ))
    .map_err(io)?;

    let mut next_uprn = 999_000_000_001u64;
    let mut next_usrn = 99_000_001u64;
    let mut next_udprn = 90_000_001u32;
    let mut stats = GenStats::default();
    // Streets: a street runs through one to four neighbouring postcodes of a sector.
    let mut used_names: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut i = 0;
    while i < units.len() {
        let run = 1 + rng.below(4) as usize;
        let group: Vec<&Unit> = units[i..(i + run).min(units.len())]
            .iter()
            .take_while(|u| {
                u.postcode.outward() == units[i].postcode.outward()
                    && u.postcode.inward()[..1] == units[i].postcode.inward()[..1]
            })
            .collect();
        i += group.len().max(1);
        let u0 = group[0];
        let locality = u0.locality.clone().unwrap_or_default();
        let name = loop {
            let n = format!("{} {}", rng.pick(ROOTS), weighted_type(&mut rng));
            let k = used_names.entry((locality.clone(), n.clone())).or_insert(0);
            *k += 1;
            if *k == 1 || rng.chance(0.1) {
                break n;
            }
        };
        let usrn = next_usrn;
        next_usrn += 1;
        stats.streets += 1;
        let (sx, sy) = (u0.e - 60.0, u0.n - 20.0);
        let last = group[group.len() - 1];
        w.rec(
            11,
            &format!(
                "{usrn},1,{c},2,2000-01-01,1,8,0,2000-01-01,,2020-01-01,2000-01-01,{sx:.2},{sy:.2},,,{ex:.2},{ey:.2},,,10",
                c = u0.custodian,
                ex = last.e + 60.0,
                ey = last.n + 20.0
            ),
        )
        .map_err(io)?;
        w.rec(
            15,
            &format!(
                "{usrn},{},{},{},{},\"ENG\",2000-01-01,,2020-01-01,2000-01-01",
                q(&name),
                q(&locality),
                q(&u0.town),
                q(&u0.admin)
            ),
        )
        .map_err(io)?;
        let mut number = 1u32;
        let odd_even = rng.chance(0.7);
        for u in &group {
            stats.postcodes += 1;
            let n_props = {
                // Roughly exponential around the mean, at least 1.
                let x = -mix.per_postcode * (1.0 - rng.unit()).max(1e-9).ln();
                (x.round() as u64).clamp(1, (mix.per_postcode * 5.0) as u64)
            };
            let mut k = 0;
            while k < n_props {
                let r = rng.unit();
                let angle = rng.unit() * std::f64::consts::TAU;
                let dist = rng.unit() * 45.0;
                let (x, y) = (u.e + dist * angle.cos(), u.n + dist * angle.sin());
                let pc = u.postcode.to_string();
                if r < mix.flats && n_props - k >= 3 {
                    // A block: a parent shell and its flats.
                    let flats = (2 + rng.below(10)).min(n_props - k);
                    let block = format!("{} {}", rng.pick(ROOTS), rng.pick(BLOCK_NAMES));
                    let parent = next_uprn;
                    next_uprn += 1;
                    let bn = number;
                    number += if odd_even { 2 } else { 1 };
                    write_property(
                        &mut w,
                        &mut rng,
                        P {
                            uprn: parent,
                            parent: None,
                            x,
                            y,
                            pc: &pc,
                            usrn,
                            class: "PP",
                            sao: None,
                            pao_num: Some(bn),
                            pao_text: Some(&block),
                            org: None,
                            dpa: None,
                            street: &name,
                            locality: &locality,
                            town: &u.town,
                            custodian: u.custodian,
                            historical: false,
                        },
                    )
                    .map_err(io)?;
                    for f in 1..=flats {
                        let uprn = next_uprn;
                        next_uprn += 1;
                        let udprn = next_udprn;
                        next_udprn += 1;
                        let sao = format!("FLAT {f}");
                        let hist = rng.chance(mix.historical);
                        write_property(
                            &mut w,
                            &mut rng,
                            P {
                                uprn,
                                parent: Some(parent),
                                x,
                                y,
                                pc: &pc,
                                usrn,
                                class: "RD06",
                                sao: Some(&sao),
                                pao_num: Some(bn),
                                pao_text: Some(&block),
                                org: None,
                                dpa: Some(udprn),
                                street: &name,
                                locality: &locality,
                                town: &u.town,
                                custodian: u.custodian,
                                historical: hist,
                            },
                        )
                        .map_err(io)?;
                    }
                    stats.properties += flats + 1;
                    k += flats + 1;
                    continue;
                }
                let uprn = next_uprn;
                next_uprn += 1;
                let udprn = next_udprn;
                next_udprn += 1;
                let n = number;
                number += if odd_even { 2 } else { 1 };
                if r < mix.flats + mix.commercial {
                    let (class, kind) = *rng.pick(BUSINESS);
                    let org = format!("{} {}", rng.pick(FIRMS), kind);
                    write_property(
                        &mut w,
                        &mut rng,
                        P {
                            uprn,
                            parent: None,
                            x,
                            y,
                            pc: &pc,
                            usrn,
                            class,
                            sao: None,
                            pao_num: Some(n),
                            pao_text: None,
                            org: Some(&org),
                            dpa: Some(udprn),
                            street: &name,
                            locality: &locality,
                            town: &u.town,
                            custodian: u.custodian,
                            historical: false,
                        },
                    )
                    .map_err(io)?;
                } else {
                    let class = *rng.pick(&["RD02", "RD03", "RD03", "RD04", "RD04", "RD04"]);
                    let named = rng.chance(mix.named);
                    let house = named.then(|| *rng.pick(HOUSE_NAMES));
                    let num = if named && rng.chance(0.5) {
                        None
                    } else {
                        Some(n)
                    };
                    let hist = rng.chance(mix.historical);
                    write_property(
                        &mut w,
                        &mut rng,
                        P {
                            uprn,
                            parent: None,
                            x,
                            y,
                            pc: &pc,
                            usrn,
                            class,
                            sao: None,
                            pao_num: num,
                            pao_text: house,
                            org: None,
                            dpa: Some(udprn),
                            street: &name,
                            locality: &locality,
                            town: &u.town,
                            custodian: u.custodian,
                            historical: hist,
                        },
                    )
                    .map_err(io)?;
                }
                stats.properties += 1;
                k += 1;
            }
        }
    }
    stats.rows = w.rows;
    let rows = w.rows;
    w.line(&format!("99,0,{rows},2024-01-01,00:00:00"))
        .map_err(io)?;
    w.w.flush().map_err(io)?;
    Ok(stats)
}

struct P<'a> {
    uprn: u64,
    parent: Option<u64>,
    x: f64,
    y: f64,
    pc: &'a str,
    usrn: u64,
    class: &'a str,
    sao: Option<&'a str>,
    pao_num: Option<u32>,
    pao_text: Option<&'a str>,
    org: Option<&'a str>,
    dpa: Option<u32>,
    street: &'a str,
    locality: &'a str,
    town: &'a str,
    custodian: u16,
    historical: bool,
}

fn write_property<W: Write>(w: &mut Writer<W>, rng: &mut Rng, p: P<'_>) -> std::io::Result<()> {
    let uprn = p.uprn;
    let parent = p.parent.map(|u| u.to_string()).unwrap_or_default();
    let postal = if p.dpa.is_some() { "D" } else { "N" };
    w.rec(
        21,
        &format!(
            "{uprn},1,2,2000-01-01,{parent},{:.2},{:.2},,,1,{},\"E\",2000-01-01,,2020-01-01,2000-01-01,\"{postal}\",\"{}\",0",
            p.x, p.y, p.custodian, p.pc
        ),
    )?;
    let key = |n: u32| {
        format!(
            "{}L{:09}",
            p.custodian,
            (uprn % 100_000_000) * 10 + n as u64
        )
    };
    let pao_num = p.pao_num.map(|n| n.to_string()).unwrap_or_default();
    let sao_text = p.sao.map(q).unwrap_or_default();
    let pao_text = p.pao_text.map(q).unwrap_or_default();
    w.rec(
        24,
        &format!(
            "{uprn},\"{}\",\"ENG\",1,2000-01-01,,2020-01-01,2000-01-01,,,,,{sao_text},{pao_num},,,,{pao_text},{},\"1\",,,\"Y\"",
            key(0),
            p.usrn
        ),
    )?;
    if p.historical {
        // An earlier address of the property, ended when it was renumbered or renamed.
        let old = p
            .pao_num
            .map(|n| (n + 100).to_string())
            .unwrap_or_else(|| "1".into());
        w.rec(
            24,
            &format!(
                "{uprn},\"{}\",\"ENG\",8,1990-01-01,1999-12-31,2000-01-01,1990-01-01,,,,,{sao_text},{old},,,,,{},\"1\",,,\"Y\"",
                key(1),
                p.usrn
            ),
        )?;
    }
    if let Some(udprn) = p.dpa {
        let (bnum, bname) = match (p.pao_num, p.pao_text) {
            (Some(n), t) => (n.to_string(), t.map(q).unwrap_or_default()),
            (None, t) => (String::new(), t.map(q).unwrap_or_default()),
        };
        w.rec(
            28,
            &format!(
                "{uprn},{udprn},{},\"\",{},{bname},{bnum},\"\",{},\"\",{},{},\"{}\",\"S\",\"{}\",\"\",\"\",\"\",\"\",\"\",\"\",2024-01-01,2000-01-01,,2020-01-01,2000-01-01",
                p.org.map(q).unwrap_or_else(|| "\"\"".into()),
                p.sao.map(q).unwrap_or_else(|| "\"\"".into()),
                q(p.street),
                q(p.locality),
                q(p.town),
                p.pc,
                format_args!("{}{}", 1 + rng.below(9), (b'A' + rng.below(26) as u8) as char),
            ),
        )?;
    }
    if let Some(o) = p.org {
        w.rec(
            31,
            &format!(
                "{uprn},\"{}O{:09}\",{},\"\",2000-01-01,,2020-01-01,2000-01-01",
                p.custodian,
                uprn % 1_000_000_000,
                q(o)
            ),
        )?;
    }
    w.rec(
        32,
        &format!(
            "{uprn},\"{}C{:09}\",\"{}\",\"AddressBase Premium Classification Scheme\",1.0,2000-01-01,,2020-01-01,2000-01-01",
            p.custodian,
            uprn % 1_000_000_000,
            p.class
        ),
    )?;
    Ok(())
}

/// Trafford's localities and post towns by outward code (Royal Mail post towns; the
/// localities are the districts those outward codes cover).
fn trafford_places(outward: &str, sector: u8) -> (Option<&'static str>, &'static str) {
    match outward {
        "M31" => (
            Some(if sector == 4 {
                "PARTINGTON"
            } else {
                "CARRINGTON"
            }),
            "MANCHESTER",
        ),
        "M32" => (Some("STRETFORD"), "MANCHESTER"),
        "M33" => (None, "SALE"),
        "M41" => (Some("URMSTON"), "MANCHESTER"),
        "M16" => (Some("OLD TRAFFORD"), "MANCHESTER"),
        "M17" => (Some("TRAFFORD PARK"), "MANCHESTER"),
        "M15" => (Some("HULME"), "MANCHESTER"),
        "M21" => (Some("CHORLTON"), "MANCHESTER"),
        "M23" => (Some("WYTHENSHAWE"), "MANCHESTER"),
        "WA13" => (Some("WARBURTON"), "LYMM"),
        "WA14" => (
            Some(if sector == 4 {
                "DUNHAM MASSEY"
            } else {
                "BOWDON"
            }),
            "ALTRINCHAM",
        ),
        "WA15" => (
            Some(if sector >= 8 { "HALE" } else { "TIMPERLEY" }),
            "ALTRINCHAM",
        ),
        _ => (None, "MANCHESTER"),
    }
}

/// Reads Code-Point Open rows of one district (`PC,PQ,EA,NO,...,DC,WC`).
pub fn codepoint_units(
    files: &[&Path],
    district: &str,
) -> Result<Vec<(Postcode, f64, f64)>, ImportError> {
    let mut out = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let file = File::open(f).map_err(|source| ImportError::Io {
            file: name.clone(),
            source,
        })?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(std::io::BufReader::new(file));
        for rec in rdr.records() {
            let rec = rec.map_err(|e| ImportError::Csv {
                file: name.clone(),
                line: e.position().map_or(0, |p| p.line()),
                reason: e.to_string(),
            })?;
            if rec.get(8).map(str::trim) != Some(district) {
                continue;
            }
            let (Some(pc), Some(e), Some(n)) = (
                rec.get(0).and_then(Postcode::parse_lenient),
                rec.get(2).and_then(|s| s.trim().parse::<f64>().ok()),
                rec.get(3).and_then(|s| s.trim().parse::<f64>().ok()),
            ) else {
                continue;
            };
            if e > 0.0 && n > 0.0 {
                out.push((pc, e, n));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The Trafford demo: generated addresses on every real Trafford postcode (Code-Point
/// Open rows with district `E08000009` in `codepoint_files`), written to `out` as
/// AddressBase Premium CSV. Import it with the same Code-Point files, so that the other
/// M and WA postcodes answer `postcode` look-ups as a postcode-level fallback.
pub fn trafford_demo(
    codepoint_files: &[&Path],
    out: &Path,
    seed: u64,
) -> Result<GenStats, ImportError> {
    let units: Vec<Unit> = codepoint_units(codepoint_files, "E08000009")?
        .into_iter()
        .map(|(pc, e, n)| {
            let sector = pc.inward().as_bytes()[0] - b'0';
            let (loc, town) = trafford_places(pc.outward(), sector);
            Unit {
                postcode: pc,
                e,
                n,
                locality: loc.map(str::to_string),
                town: town.to_string(),
                admin: "TRAFFORD".into(),
                custodian: 4245,
            }
        })
        .collect();
    write_abp(&units, out, seed, Mix::default(), "TRAFFORD DEMO")
}

const BENCH_TOWNS: &[&str] = &[
    "ABBOTSFORD",
    "BARNWELL",
    "CASTLEFORD",
    "DENHOLME",
    "EASTLEIGH",
    "FAIRHOLT",
    "GLENBROOK",
    "HARTWELL",
    "IRONBRIDGE",
    "KINGSMEAD",
    "LANGLEY",
    "MARSHFIELD",
    "NEWBRIDGE",
    "OAKHAM",
    "PENWORTH",
    "QUEENSBURY",
    "RIVERSLEY",
    "STONEHAM",
    "THORNBURY",
    "UPWOOD",
    "VALEWOOD",
    "WESTFIELD",
    "YARDLEY",
];

/// A benchmark-scale set of about `n_properties` properties: towns laid out on the
/// grid, each with its own postcode districts, realistic shares of flats, named
/// houses and businesses. Postcodes are valid in form but invented (areas `ZZ`-style
/// names are avoided: real area letters with district numbers 70-99, which no real
/// area uses in full), positions are in BNG.
pub fn bench_set(out: &Path, n_properties: u64, seed: u64) -> Result<GenStats, ImportError> {
    let mix = Mix::default();
    // About 14.2 properties per unit come out of the mix (flats add parent shells).
    let n_units = (n_properties as f64 / (mix.per_postcode + 0.2)).ceil() as u64;
    let mut rng = Rng::new(seed ^ 0xBE9C);
    let areas = ["B", "L", "M", "S", "LS", "NE", "SK", "WA", "BL", "OL"];
    let mut units = Vec::with_capacity(n_units as usize);
    let letters = b"ABDEFGHJLNPQRSTUWXYZ";
    let mut t = 0usize;
    'outer: for (ai, area) in areas.iter().enumerate() {
        for district in 70..100u32 {
            let town = format!(
                "{} {}",
                BENCH_TOWNS[t % BENCH_TOWNS.len()],
                t / BENCH_TOWNS.len() + 1
            );
            t += 1;
            let (cx, cy) = (
                200_000.0 + (ai as f64) * 40_000.0 + rng.unit() * 20_000.0,
                200_000.0 + ((district - 70) as f64) * 20_000.0 + rng.unit() * 10_000.0,
            );
            for sector in 0..10u8 {
                for a in letters.iter() {
                    for b in letters.iter() {
                        if units.len() as u64 >= n_units {
                            break 'outer;
                        }
                        if rng.chance(0.35) {
                            continue;
                        }
                        let pc = format!("{area}{district} {sector}{}{}", *a as char, *b as char);
                        let Some(postcode) = Postcode::parse_lenient(&pc) else {
                            continue;
                        };
                        let r = 4000.0 * rng.unit().sqrt();
                        let th = rng.unit() * std::f64::consts::TAU;
                        units.push(Unit {
                            postcode,
                            e: cx + r * th.cos(),
                            n: cy + r * th.sin(),
                            locality: Some(format!(
                                "{} {}",
                                rng.pick(ROOTS),
                                ["END", "GREEN", "PARK", "VALE"][sector as usize % 4]
                            )),
                            town: town.clone(),
                            admin: format!("{} COUNCIL", town),
                            custodian: 9000 + ai as u16,
                        });
                    }
                }
            }
        }
    }
    write_abp(&units, out, seed, mix, "BENCHMARK SET")
}
