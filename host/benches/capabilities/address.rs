//! Address lookup: queries drawn from the index, answered natively and by the
//! address-lookup component, per request and warm.

use std::fs::File;
use std::path::Path;

use anyhow::{Result, ensure};
use council_address::{AddressIndex, AddressView, Dataset, QueryOptions};
use council_address_generate::Rng;
use council_host::serve::runtime::HostState;
use council_test_support::percentile;
use wasmtime::Store;
use wasmtime::component::Instance;

use super::component::{AddressExports, Host, wit_address};
use super::measure::{Pair, header, timed, timed_async, us};
use super::{CHUNK, WARM_PASSES, kind_enabled, mode_enabled};

struct AddressQueries {
    postcodes: Vec<String>,
    finds: Vec<String>,
    suggests: Vec<String>,
}

/// Queries drawn from random properties of the index, with the same recipes as
/// `council-address`' bench: postcodes in three spellings; free text with a number and
/// street plus postcode or town, a building name, a typo, abbreviations; type-ahead
/// prefixes of "number street".
fn address_queries(index: &AddressIndex<File>, count: usize) -> Result<AddressQueries> {
    let properties = index.directory().meta.property_count;
    let mut rng = Rng::new(99);
    let mut q = AddressQueries {
        postcodes: Vec::new(),
        finds: Vec::new(),
        suggests: Vec::new(),
    };
    let mut attempts = 0;
    while q.postcodes.len() < count {
        attempts += 1;
        ensure!(
            attempts < count * 20,
            "too few postal addresses in the index"
        );
        let uprn = 999_000_000_001 + rng.below(properties);
        let list = index.by_uprn(uprn, &QueryOptions::default())?;
        let Some(AddressView::Postal(d)) = list.first().map(|a| &a.view) else {
            continue;
        };
        let Some(pc) = list[0].postcode.clone() else {
            continue;
        };
        q.postcodes.push(match rng.below(3) {
            0 => pc.to_lowercase(),
            1 => pc.replace(' ', ""),
            _ => pc.clone(),
        });
        let street = d.thoroughfare.clone().unwrap_or_default();
        let num = d.building_number.map(|n| n.to_string()).unwrap_or_default();
        let town = d.post_town.clone().unwrap_or_default();
        let find = match rng.below(5) {
            0 => format!("{num} {street} {pc}"),
            1 => format!("{num} {street} {town}"),
            2 => format!(
                "{} {}",
                d.sub_building_name.clone().unwrap_or_default(),
                d.building_name.clone().unwrap_or(street.clone())
            ),
            3 => {
                let mut s: Vec<char> = street.chars().collect();
                if s.len() > 4 {
                    s.swap(1, 2);
                }
                format!("{num} {}", s.into_iter().collect::<String>())
            }
            _ => format!(
                "{} {town}",
                street.replace("ROAD", "RD").replace("STREET", "ST")
            ),
        };
        q.finds.push(find.to_lowercase());
        let full = format!("{num} {street}").to_lowercase();
        let mut cut =
            (full.len() / 2 + rng.below((full.len() / 2).max(1) as u64) as usize).min(full.len());
        while !full.is_char_boundary(cut) {
            cut -= 1;
        }
        q.suggests.push(full[..cut].to_string());
    }
    Ok(q)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum AddressKind {
    Postcode,
    Find,
    Suggest,
}

impl AddressKind {
    pub(super) fn name(self) -> &'static str {
        match self {
            AddressKind::Postcode => "postcode (DPA + LPI)",
            AddressKind::Find => "find",
            AddressKind::Suggest => "suggest (best 10)",
        }
    }
}

/// A query's answer reduced to what both sides must agree on.
fn native_address(index: &AddressIndex<File>, kind: AddressKind, q: &str) -> Result<(u32, u64)> {
    let both = QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        ..Default::default()
    };
    Ok(match kind {
        AddressKind::Postcode => {
            let p = index.by_postcode(q, &both)?;
            (p.total, p.results.first().map_or(0, |m| m.address.uprn))
        }
        AddressKind::Find => {
            let p = index.find(q, 0.0, &QueryOptions::default())?;
            (p.total, p.results.first().map_or(0, |m| m.address.uprn))
        }
        AddressKind::Suggest => {
            let l = index.suggest(q, 10, &QueryOptions::default())?;
            (l.len() as u32, l.first().map_or(0, |m| m.address.uprn))
        }
    })
}

fn wit_options(both: bool) -> wit_address::QueryOptions {
    wit_address::QueryOptions {
        datasets: if both {
            vec![wit_address::Dataset::Dpa, wit_address::Dataset::Lpi]
        } else {
            Vec::new()
        },
        classification: Vec::new(),
        include_historical: false,
        offset: 0,
        max_results: 0,
        sort: wit_address::SortOrder::AddressOrder,
    }
}

async fn component_address(
    store: &mut Store<HostState>,
    instance: &Instance,
    exports: &AddressExports,
    kind: AddressKind,
    q: &str,
) -> Result<(u32, u64)> {
    let answer = match kind {
        AddressKind::Postcode => exports
            .by_postcode
            .get(store, instance)
            .call_async(&mut *store, (q.to_string(), wit_options(true)))
            .await?
            .0
            .map(|p| (p.total, p.results.first().map_or(0, |m| m.address.uprn))),
        AddressKind::Find => exports
            .find
            .get(store, instance)
            .call_async(&mut *store, (q.to_string(), 0.0, wit_options(false)))
            .await?
            .0
            .map(|p| (p.total, p.results.first().map_or(0, |m| m.address.uprn))),
        AddressKind::Suggest => exports
            .suggest
            .get(store, instance)
            .call_async(&mut *store, (q.to_string(), 10, wit_options(false)))
            .await?
            .0
            .map(|l| (l.len() as u32, l.first().map_or(0, |m| m.address.uprn))),
    };
    answer.map_err(|e| anyhow::anyhow!("component: {e:?}"))
}

pub(super) async fn bench_address(
    root: &Path,
    host: &Host,
    index_path: &Path,
    requests: usize,
) -> Result<()> {
    let guest_path = "/data/address.idx";
    let open = || -> Result<AddressIndex<File>> {
        Ok(AddressIndex::open_named(
            File::open(index_path)?,
            guest_path,
        )?)
    };
    let (queries, t) = timed(|| address_queries(&open()?, requests));
    let queries = queries?;
    println!(
        "address: {} properties; {requests} queries of each kind drawn in {:.1} s",
        open()?.directory().meta.property_count,
        t.as_secs_f64()
    );
    let pre = host.instance_pre(root, "address_lookup.wasm")?;
    let exports = AddressExports::new(host, &pre).await?;

    let kinds: Vec<_> = [
        (AddressKind::Postcode, &queries.postcodes),
        (AddressKind::Find, &queries.finds),
        (AddressKind::Suggest, &queries.suggests),
    ]
    .into_iter()
    .filter(|(kind, _)| kind_enabled(*kind))
    .collect();

    if mode_enabled("per-request") {
        // Per request.
        header(
            "address lookup, per request (native: open + query; component: new store + instantiate + call)",
        );
        let mut floor = Vec::new();
        let mut notes = Vec::new();
        for &(kind, list) in &kinds {
            // Warm-up: the OS page cache and the engine's first instantiations.
            for q in list.iter().take(50) {
                native_address(&open()?, kind, q)?;
                let mut store = host.store("address-lookup")?;
                let instance = pre.instantiate_async(&mut store).await?;
                component_address(&mut store, &instance, &exports, kind, q).await?;
            }
            let mut pair = Pair::default();
            let mut reads = 0u64;
            for chunk in list.chunks(CHUNK) {
                pair.per_request_chunk(
                    kind.name(),
                    chunk,
                    |q| {
                        let index = open()?;
                        let answer = native_address(&index, kind, q)?;
                        reads += index.stats().reads;
                        Ok((answer, index))
                    },
                    async |q| {
                        let mut store = host.store("address-lookup")?;
                        let instance = pre.instantiate_async(&mut store).await?;
                        let answer =
                            component_address(&mut store, &instance, &exports, kind, q).await?;
                        Ok((answer, store))
                    },
                )
                .await?;
            }
            pair.row("address", kind.name(), "per request");
            notes.push(format!(
                "{}: {:.1} positioned reads per request (native handle's count)",
                kind.name(),
                reads as f64 / list.len() as f64
            ));
            if kind == AddressKind::Postcode {
                for _ in 0..list.len() {
                    let (r, d) = timed_async(async || -> Result<_> {
                        let mut store = host.store("address-lookup")?;
                        let instance = pre.instantiate_async(&mut store).await?;
                        Ok((store, instance))
                    })
                    .await;
                    floor.push(d);
                    drop(r?);
                }
            }
        }
        floor.sort();
        println!();
        for note in notes {
            println!("- {note}");
        }
        println!(
            "- address component floor (new store + instantiate, no call): p50 {:.2} µs, p99 {:.2} µs",
            us(percentile(&floor, 0.5)),
            us(percentile(&floor, 0.99))
        );
    }

    if !mode_enabled("warm") {
        return Ok(());
    }
    // Warm.
    header("address lookup, warm (native: one open index; component: one instance)");
    let index = open()?;
    let mut store = host.store("address-lookup")?;
    let instance = pre.instantiate_async(&mut store).await?;
    for &(kind, list) in &kinds {
        let mut pair = Pair::default();
        for pass in 0..WARM_PASSES {
            if pass == 1 {
                pair.native_faults = 0;
                pair.component_faults = 0;
            }
            for chunk in list.chunks(CHUNK) {
                pair.warm_chunk(
                    kind.name(),
                    chunk,
                    pass > 0,
                    |q| native_address(&index, kind, q),
                    async |q| component_address(&mut store, &instance, &exports, kind, q).await,
                )
                .await?;
            }
        }
        pair.row("address", kind.name(), "warm");
    }
    Ok(())
}
