//! Link settings for the core module of a capability component (address-lookup;
//! parish-routing uses this file too).

fn main() {
    // Start with 4 MiB of linear memory instead of what wasm-ld sizes for the stack
    // and data alone (about 1.1 MiB). A query's heap (a postcode answer's, a parish
    // lookup's) then fits without `memory.grow`, each of which costs the host an
    // `mprotect` (and another when the pooled instance is reset); the pages are
    // mapped lazily, so untouched ones cost nothing.
    if std::env::var("CARGO_CFG_TARGET_FAMILY").as_deref() == Ok("wasm") {
        println!("cargo:rustc-cdylib-link-arg=--initial-memory=4194304");
    }
}
