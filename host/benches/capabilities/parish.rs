//! Parish routing: points of the national boundary set, answered natively and by the
//! parish-routing component, per request and warm, with reads per request.

use std::fs::File;
use std::path::Path;

use anyhow::{Result, bail};
use council_areas::AreaIndex;
use council_areas_testdata::national;
use council_host::serve::runtime::HostState;
use council_test_support::percentile;
use wasmtime::Store;
use wasmtime::component::Instance;

use super::component::{AreasAt, Export, Host, wit_areas};
use super::measure::{CountingReader, Pair, header, timed_async, us};
use super::{CHUNK, WARM_PASSES, mode_enabled, side_enabled};

fn native_areas(index: &AreaIndex<File>, p: [f64; 2]) -> Result<Vec<String>> {
    Ok(index
        .areas_at(p[0], p[1], &[])?
        .into_iter()
        .map(|a| a.code)
        .collect())
}

async fn component_areas(
    store: &mut Store<HostState>,
    instance: &Instance,
    areas_at: &AreasAt,
    p: [f64; 2],
) -> Result<Vec<String>> {
    let at = wit_areas::Point::Wgs84(wit_areas::Wgs84Point {
        longitude: p[0],
        latitude: p[1],
    });
    match areas_at
        .get(store, instance)
        .call_async(&mut *store, (at, Vec::new()))
        .await?
        .0
    {
        Ok(areas) => Ok(areas.into_iter().map(|a| a.code).collect()),
        Err(e) => bail!("component: {e:?}"),
    }
}

pub(super) async fn bench_parish(
    root: &Path,
    host: &Host,
    index_path: &Path,
    cfg: &national::Config,
    requests: usize,
) -> Result<()> {
    let guest_path = "/data/areas.idx";
    let open = || -> Result<AreaIndex<File>> {
        Ok(AreaIndex::open_named(File::open(index_path)?, guest_path)?)
    };
    let points = national::points(cfg, requests * 10, 42);
    let first = open()?;
    println!(
        "\nparish: {} areas ({:?}), {:.0} MB",
        first.area_count(),
        first.area_types(),
        std::fs::metadata(index_path)?.len() as f64 / 1e6
    );
    drop(first);
    let pre = host.instance_pre(root, "parish_routing.wasm")?;
    let areas_at: AreasAt =
        Export::new(host, &pre, "council:parish/areas@0.1.0", "areas-at").await?;

    if mode_enabled("per-request") {
        header(
            "parish routing, per request (native: open + areas_at; component: new store + instantiate + call)",
        );
        let list = &points[..requests];
        for p in list.iter().take(50) {
            native_areas(&open()?, *p)?;
            let mut store = host.store("parish-routing")?;
            let instance = pre.instantiate_async(&mut store).await?;
            component_areas(&mut store, &instance, &areas_at, *p).await?;
        }
        let mut pair = Pair::default();
        for chunk in list.chunks(CHUNK) {
            pair.per_request_chunk(
                "areas-at",
                chunk,
                |p| {
                    let index = open()?;
                    Ok((native_areas(&index, *p)?, index))
                },
                async |p| {
                    let mut store = host.store("parish-routing")?;
                    let instance = pre.instantiate_async(&mut store).await?;
                    let answer = component_areas(&mut store, &instance, &areas_at, *p).await?;
                    Ok((answer, store))
                },
            )
            .await?;
        }
        pair.row("parish", "areas-at (all types)", "per request");
        let count = std::rc::Rc::new(std::cell::Cell::new((0, 0)));
        for p in list.iter().filter(|_| side_enabled("native")) {
            let file = File::open(index_path)?;
            let index = AreaIndex::open_named(
                CountingReader {
                    file,
                    count: count.clone(),
                },
                guest_path,
            )?;
            index.areas_at(p[0], p[1], &[])?;
        }
        let (reads, bytes) = count.get();
        println!(
            "\n- {:.1} positioned reads ({:.1} KiB) per request, open included",
            reads as f64 / list.len() as f64,
            bytes as f64 / 1024.0 / list.len() as f64
        );
        let mut floor = Vec::new();
        for _ in 0..requests {
            let (r, d) = timed_async(async || -> Result<_> {
                let mut store = host.store("parish-routing")?;
                let instance = pre.instantiate_async(&mut store).await?;
                Ok((store, instance))
            })
            .await;
            floor.push(d);
            drop(r?);
        }
        floor.sort();

        println!(
            "\n- parish component floor (new store + instantiate, no call): p50 {:.2} µs, p99 {:.2} µs",
            us(percentile(&floor, 0.5)),
            us(percentile(&floor, 0.99))
        );
    }
    if !mode_enabled("warm") {
        return Ok(());
    }
    header(
        "parish routing, warm (native: one open index, default 64 MiB page cache; component: one instance)",
    );
    let index = open()?;
    let mut store = host.store("parish-routing")?;
    let instance = pre.instantiate_async(&mut store).await?;
    let mut pair = Pair::default();
    for pass in 0..WARM_PASSES {
        if pass == 1 {
            pair.native_faults = 0;
            pair.component_faults = 0;
        }
        for chunk in points.chunks(CHUNK) {
            pair.warm_chunk(
                "areas-at",
                chunk,
                pass > 0,
                |p| native_areas(&index, *p),
                async |p| component_areas(&mut store, &instance, &areas_at, *p).await,
            )
            .await?;
        }
    }
    pair.row("parish", "areas-at (all types)", "warm");
    Ok(())
}
