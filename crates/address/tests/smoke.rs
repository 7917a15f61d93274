#![cfg(feature = "import")]
use council_address::import::{Format, Importer};
use council_address::*;
use std::io::Cursor;

#[test]
fn smoke() {
    let mut imp = Importer::new();
    imp.add_file(
        std::path::Path::new("tests/data/abp_full.csv"),
        Format::AddressBasePremium,
    )
    .unwrap();
    let (g, r) = imp.finish(None).unwrap();
    println!("{:#?}", r);
    let mut buf = Cursor::new(Vec::new());
    let st = index::write_index(&g, &mut buf, "2024-01-01", false).unwrap();
    println!("{st:?}");
    let idx = AddressIndex::open(Cursor::new(buf.into_inner())).unwrap();
    println!("{:?} {:?}", idx.info(), idx.stats());
    let o = QueryOptions {
        datasets: vec![Dataset::Dpa, Dataset::Lpi],
        ..Default::default()
    };
    let p = idx.by_postcode("m314an", &o).unwrap();
    for m in &p.results {
        println!("{} {:?}", m.address.uprn, m.address.single_line);
    }
    println!("{:?}", idx.stats());
    let f = idx.find("12 church rd partington", 0.0, &o).unwrap();
    for m in &f.results {
        println!("{} {} {:?}", m.score, m.address.uprn, m.address.single_line);
    }
    let s = idx.suggest("7 st mar", 10, &o).unwrap();
    for m in &s {
        println!(
            "S {} {} {:?}",
            m.score, m.address.uprn, m.address.single_line
        );
    }
}
