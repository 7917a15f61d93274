//! The core module's link settings, shared by the capability components
//! (crates/capability/src/link.rs says what they are and why a build script sets them).

fn main() {
    council_capability::link::configure();
}
