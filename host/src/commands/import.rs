//! `council-host import ...`: builds the files the components read from council data.
//!
//! - `grid`: OS's OSTN15 data file → the binary grid (`data/ostn15.grid`) the
//!   components read with positioned reads for BNG ↔ WGS84.
//! - `addresses`: AddressBase Premium / LLPG DTF / AddressBase Plus / OS Open UPRN /
//!   Code-Point Open / plain CSV → the address index; with `--update`, change-only
//!   update files applied to an existing index.
//! - `boundaries`: GeoJSON layers → the boundary index.
//! - `demo`: all of the above for the bundled Trafford data.
//!
//! Every rejected row or feature is printed with its file, line (or feature number)
//! and reason, counted, and written to `<out>.rejected.txt`; nothing is dropped
//! silently. `--strict` turns any rejection into a failure.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use council_address::import::{
    Format, ImportError, ImportOptions, Ostn15, build_index, update_index,
};
use council_areas::{AreaType, BoundaryImporter, Crs, LayerOptions};

/// Where the OSTN15 data file is bundled.
const DEFAULT_OSTN15: &str = "data/sources/ostn15/OSTN15_OSGM15_DataFile.txt.xz";

/// Import subcommands.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Build the OSTN15 grid file the components use for BNG ↔ WGS84.
    Grid {
        /// OS's OSTN15_OSGM15_DataFile.txt (optionally .xz).
        #[arg(long, default_value = DEFAULT_OSTN15)]
        ostn15: PathBuf,
        /// The grid file to write.
        #[arg(long, default_value = "data/ostn15.grid")]
        out: PathBuf,
    },
    /// Build (or update) the address index.
    Addresses(AddressArgs),
    /// Build the boundary index from GeoJSON layers.
    Boundaries(BoundaryArgs),
    /// Build everything the demo needs from data/sources: the grid, the generated
    /// Trafford gazetteer and its index, and the Trafford boundary index. Outputs
    /// newer than their sources and than this program are kept.
    Demo {
        /// The data directory (sources are read from <data>/sources).
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Rebuild everything even if it is up to date.
        #[arg(long)]
        force: bool,
    },
}

/// `import addresses`.
#[derive(Args, Debug)]
pub struct AddressArgs {
    /// AddressBase Premium: CSV files (one file per volume, or split by record type
    /// with header rows), `.zip` or `.gz` files as OS delivers them, or directories
    /// of those (read in name order). The other sources accept the same.
    #[arg(long = "abp")]
    abp: Vec<PathBuf>,
    /// LLPG extracts in DTF 7.3 or 8.1 (the version is read from the header record).
    #[arg(long = "dtf")]
    dtf: Vec<PathBuf>,
    /// AddressBase Plus CSV files.
    #[arg(long = "abplus")]
    abplus: Vec<PathBuf>,
    /// OS Open UPRN CSV files (coordinates for UPRNs of the other sources).
    #[arg(long = "open-uprn")]
    open_uprn: Vec<PathBuf>,
    /// Code-Point Open CSV files (postcode positions; postcode-level fallback).
    #[arg(long = "codepoint")]
    codepoint: Vec<PathBuf>,
    /// Plain CSV files (uprn, address lines, postcode, easting/northing or lat/lon).
    #[arg(long = "csv")]
    csv: Vec<PathBuf>,
    /// Apply the files as change-only updates to this existing index.
    #[arg(long)]
    update: Option<PathBuf>,
    /// The index to write.
    #[arg(long, default_value = "data/address.idx")]
    out: PathBuf,
    /// OS's OSTN15 data file, for coordinate conversion.
    #[arg(long, default_value = DEFAULT_OSTN15)]
    ostn15: PathBuf,
    /// The data release to report in responses (`AB Premium epoch 112`).
    #[arg(long)]
    epoch: Option<String>,
    /// Label the index as generated (demo) data.
    #[arg(long)]
    generated: bool,
    /// Fail if any row is rejected (the same as `--max-bad-rows 0`, checked after
    /// the index is written).
    #[arg(long)]
    strict: bool,
    /// Refuse the import, writing no index, when more rows than this are refused.
    /// Default: 0 when an AddressBase Premium, DTF, AddressBase Plus or Open UPRN
    /// source is given (an exact supply imports exactly or not at all), otherwise
    /// no limit (Code-Point Open, plain CSV: refused rows are reported).
    #[arg(long)]
    max_bad_rows: Option<u64>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// `import boundaries`.
#[derive(Args, Debug)]
pub struct BoundaryArgs {
    /// A GeoJSON layer, optionally with settings:
    /// `FILE[,code=PROP][,name=PROP][,parent=PROP][,type=CPC][,crs=27700][,generation=TEXT]`.
    /// Without them, ONS property names (`PAR23CD`/`PAR23NM`, `LAD23CD`, ...) and the
    /// `crs` member are used, and the type follows the GSS code prefix.
    #[arg(long = "layer", required = true)]
    layers: Vec<String>,
    /// A district's non-parished area code: `DISTRICT=NCP` (`E08000009=E43000163`).
    #[arg(long = "unparished")]
    unparished: Vec<String>,
    /// Reject invalid features (reported) instead of failing.
    #[arg(long)]
    skip_invalid: bool,
    /// The index to write.
    #[arg(long, default_value = "data/areas.idx")]
    out: PathBuf,
    /// OS's OSTN15 data file, for EPSG:27700 layers.
    #[arg(long, default_value = DEFAULT_OSTN15)]
    ostn15: PathBuf,
}

/// Runs an import subcommand.
pub fn run(command: ImportCommand) -> Result<()> {
    match command {
        ImportCommand::Grid { ostn15, out } => grid(&ostn15, &out),
        ImportCommand::Addresses(args) => addresses(&args),
        ImportCommand::Boundaries(args) => boundaries(&args),
        ImportCommand::Demo { data, force } => demo(&data, force),
    }
}

fn grid(ostn15: &Path, out: &Path) -> Result<()> {
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let summary = council_bng::write_grid_from_xz(ostn15, out)
        .with_context(|| format!("building the OSTN15 grid from {}", ostn15.display()))?;
    eprintln!("wrote {} ({summary:?})", out.display());
    Ok(())
}

fn addresses(args: &AddressArgs) -> Result<()> {
    let mut sources: Vec<(PathBuf, Format)> = Vec::new();
    let groups = [
        (&args.abp, Format::AddressBasePremium),
        (&args.dtf, Format::Dtf),
        (&args.abplus, Format::AddressBasePlus),
        (&args.open_uprn, Format::OpenUprn),
        (&args.codepoint, Format::CodePointOpen),
        (&args.csv, Format::PlainCsv),
    ];
    for (files, format) in groups {
        sources.extend(files.iter().map(|f| (f.clone(), format)));
    }
    if sources.is_empty() {
        bail!(
            "give at least one source: --abp, --dtf, --abplus, --open-uprn, --codepoint or --csv"
        );
    }
    let transform = Ostn15::from_xz(&args.ostn15)
        .with_context(|| format!("loading OSTN15 from {}", args.ostn15.display()))?;
    let options = ImportOptions {
        progress: !args.quiet,
        transform: Some(&transform),
        epoch: args.epoch.clone(),
        built: None,
        generated: args.generated,
        max_bad_rows: args.max_bad_rows.or_else(|| {
            let exact = !(args.abp.is_empty()
                && args.dtf.is_empty()
                && args.abplus.is_empty()
                && args.open_uprn.is_empty());
            exact.then_some(0)
        }),
    };
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let started = std::time::Instant::now();
    let result = match &args.update {
        Some(index) => update_index(index, &sources, &args.out, &options),
        None => build_index(&sources, &args.out, &options),
    };
    let report = match result {
        Ok(report) => report,
        Err(ImportError::TooManyBadRows { max, refused }) => {
            let rejected: Vec<String> = refused.iter().map(ToString::to_string).collect();
            report_rejections(&args.out, &rejected, "row")?;
            bail!(
                "{} row(s) refused, more than the {max} allowed by --max-bad-rows; no index was written (every refused row is in {}.rejected.txt)",
                rejected.len(),
                args.out.display()
            );
        }
        Err(e) => return Err(e.into()),
    };
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "read {} rows in {seconds:.1} s ({:.0} rows/s): {}",
        report.rows_read,
        report.rows_read as f64 / seconds.max(1e-9),
        report
            .rows_by_type
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if report.wgs84_only > 0 || report.unpositioned > 0 || report.orphans > 0 {
        eprintln!(
            "positions: {} kept in WGS84 only (outside the OSTN15 grid), {} without a position of their own, {} without a BLPU",
            report.wgs84_only, report.unpositioned, report.orphans
        );
    }
    if args.update.is_some() {
        eprintln!(
            "changes: {} inserted, {} updated, {} deleted",
            report.changes.inserted, report.changes.updated, report.changes.deleted
        );
    }
    for warning in report.warnings.iter().take(20) {
        eprintln!("warning: {warning}");
    }
    if report.warnings.len() > 20 {
        eprintln!("... and {} more warnings", report.warnings.len() - 20);
    }
    let rejected: Vec<String> = report.rejected.iter().map(ToString::to_string).collect();
    report_rejections(&args.out, &rejected, "row")?;
    if let Some(build) = &report.build {
        eprintln!(
            "wrote {}: {} properties, {} address records, {} postcodes, {} terms, {} bytes",
            args.out.display(),
            build.properties,
            build.address_records,
            build.postcodes,
            build.terms,
            build.bytes
        );
    }
    if args.strict && !rejected.is_empty() {
        bail!("{} row(s) rejected and --strict was given", rejected.len());
    }
    Ok(())
}

/// Prints rejections and writes them all beside the output.
fn report_rejections(out: &Path, rejected: &[String], what: &str) -> Result<()> {
    let path = PathBuf::from(format!("{}.rejected.txt", out.display()));
    if rejected.is_empty() {
        let _ = std::fs::remove_file(&path);
        return Ok(());
    }
    for line in rejected.iter().take(50) {
        eprintln!("rejected: {line}");
    }
    if rejected.len() > 50 {
        eprintln!("... and {} more", rejected.len() - 50);
    }
    std::fs::write(&path, rejected.join("\n") + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "{} {what}(s) rejected; all listed in {}",
        rejected.len(),
        path.display()
    );
    Ok(())
}

fn parse_layer(spec: &str) -> Result<(PathBuf, LayerOptions)> {
    let mut parts = spec.split(',');
    let file = PathBuf::from(parts.next().unwrap_or_default());
    let mut options = LayerOptions::default();
    for part in parts {
        let Some((key, value)) = part.split_once('=') else {
            bail!(
                "layer setting `{part}` must be key=value (code, name, parent, type, crs, generation)"
            );
        };
        match key {
            "code" => options.code_property = Some(value.to_string()),
            "name" => options.name_property = Some(value.to_string()),
            "parent" => options.parent_property = Some(value.to_string()),
            "type" => {
                options.area_type = Some(
                    value
                        .parse::<AreaType>()
                        .map_err(|e| anyhow::anyhow!("layer {}: {e}", file.display()))?,
                );
            }
            "crs" => {
                options.crs = Some(Crs::from_name(value).with_context(|| {
                    format!(
                        "layer {}: crs `{value}` is not 4326/CRS84 or 27700",
                        file.display()
                    )
                })?);
            }
            "generation" => options.generation = value.to_string(),
            other => bail!(
                "layer setting `{other}` is not one of code, name, parent, type, crs, generation"
            ),
        }
    }
    Ok((file, options))
}

fn boundaries(args: &BoundaryArgs) -> Result<()> {
    let mut importer = BoundaryImporter::new();
    if args.ostn15.exists() {
        let grid = council_bng::MemoryGrid::from_ostn15_xz(&args.ostn15)
            .with_context(|| format!("loading OSTN15 from {}", args.ostn15.display()))?;
        importer = importer.with_bng_grid(grid);
    }
    for pair in &args.unparished {
        let Some((district, ncp)) = pair.split_once('=') else {
            bail!("--unparished `{pair}` must be DISTRICT=NCP, e.g. E08000009=E43000163");
        };
        importer.unparished(district, ncp);
    }
    for spec in &args.layers {
        let (file, mut options) = parse_layer(spec)?;
        options.skip_invalid = args.skip_invalid;
        let layer = importer
            .add_geojson(&file, &options)
            .with_context(|| format!("importing {}", file.display()))?;
        eprintln!(
            "{}: {} features, {} imported, {} rejected ({}; code {}, name {})",
            layer.file,
            layer.features,
            layer.imported,
            layer.rejected,
            layer.crs,
            layer.code_property,
            layer.name_property
        );
    }
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let temp = args.out.with_extension("idx.tmp");
    let file =
        std::fs::File::create(&temp).with_context(|| format!("creating {}", temp.display()))?;
    let report = importer
        .write_index(std::io::BufWriter::new(file))
        .with_context(|| format!("writing {}", args.out.display()))?;
    std::fs::rename(&temp, &args.out)?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    let rejected: Vec<String> = report.rejected.iter().map(ToString::to_string).collect();
    report_rejections(&args.out, &rejected, "feature")?;
    eprintln!(
        "wrote {}: {} polygons, {} vertices, {} bytes; areas by type: {}",
        args.out.display(),
        report.stats.polygons,
        report.stats.vertices,
        report.stats.bytes,
        report
            .stats
            .areas_by_type
            .iter()
            .map(|(t, n)| format!("{} {n}", t.code()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// Whether `output` exists and is newer than every input and than this executable
/// (a newer importer may write differently).
fn up_to_date(output: &Path, inputs: &[&Path]) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(built) = modified(output) else {
        return false;
    };
    let program = std::env::current_exe().ok().and_then(|p| modified(&p));
    inputs
        .iter()
        .map(|p| modified(p))
        .chain(std::iter::once(program))
        .all(|input| input.is_some_and(|t| t <= built))
}

fn demo(data: &Path, force: bool) -> Result<()> {
    let sources = data.join("sources");
    let ostn15 = sources.join("ostn15/OSTN15_OSGM15_DataFile.txt.xz");
    let codepoint = [
        sources.join("codepoint-open-2014/m.csv"),
        sources.join("codepoint-open-2014/wa.csv"),
    ];
    let generated = data.join("generated");
    std::fs::create_dir_all(&generated)?;

    let grid_file = data.join("ostn15.grid");
    if force || !up_to_date(&grid_file, &[&ostn15]) {
        eprintln!("== OSTN15 grid");
        grid(&ostn15, &grid_file)?;
    }

    let gazetteer = generated.join("trafford-addressbase.csv");
    let codepoint_refs: Vec<&Path> = codepoint.iter().map(PathBuf::as_path).collect();
    if force || !up_to_date(&gazetteer, &codepoint_refs) {
        eprintln!("== generated Trafford gazetteer (synthetic addresses on real postcodes)");
        let stats = council_address_generate::trafford_demo(&codepoint_refs, &gazetteer, 20_231)
            .context("generating the demo gazetteer")?;
        eprintln!("wrote {} ({stats:?})", gazetteer.display());
    }

    let address_index = data.join("address.idx");
    let mut address_inputs = codepoint_refs.clone();
    address_inputs.push(&gazetteer);
    address_inputs.push(&ostn15);
    if force || !up_to_date(&address_index, &address_inputs) {
        eprintln!("== address index");
        addresses(&AddressArgs {
            abp: vec![gazetteer.clone()],
            dtf: Vec::new(),
            abplus: Vec::new(),
            open_uprn: Vec::new(),
            codepoint: codepoint.to_vec(),
            csv: Vec::new(),
            update: None,
            out: data.join("address.idx"),
            ostn15: ostn15.clone(),
            epoch: Some("Trafford demo (generated addresses on Code-Point Open 2014.3)".into()),
            generated: true,
            strict: true,
            max_bad_rows: Some(0),
            quiet: true,
        })?;
    }

    let boundaries_dir = sources.join("boundaries/trafford-2023");
    let layer_files = [
        "local_authority_district.geojson",
        "electoral_ward.geojson",
        "parish.geojson",
    ]
    .map(|f| boundaries_dir.join(f));
    let areas_index = data.join("areas.idx");
    let mut area_inputs: Vec<&Path> = layer_files.iter().map(PathBuf::as_path).collect();
    area_inputs.push(&ostn15);
    if !force && up_to_date(&areas_index, &area_inputs) {
        eprintln!("demo data up to date in {}", data.display());
        return Ok(());
    }
    eprintln!("== boundary index");
    let layer = |file: &str, generation: &str| {
        format!(
            "{},code=area_code,name=area_name,generation={generation}",
            boundaries_dir.join(file).display()
        )
    };
    boundaries(&BoundaryArgs {
        layers: vec![
            layer(
                "local_authority_district.geojson",
                "ONS Local Authority Districts May 2023",
            ),
            layer("electoral_ward.geojson", "ONS Wards May 2023"),
            layer("parish.geojson", "ONS Parishes May 2023"),
        ],
        unparished: vec!["E08000009=E43000163".into()],
        skip_invalid: false,
        out: data.join("areas.idx"),
        ostn15,
    })?;
    eprintln!("demo data ready in {}", data.display());
    Ok(())
}
