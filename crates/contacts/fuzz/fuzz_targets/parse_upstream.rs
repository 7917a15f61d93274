//! Feeds arbitrary bytes to every XML and HTML parser of `council-contacts`, the
//! way the service does with an upstream body (lossy UTF-8).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    council_contacts::moderngov::fuzz_all(data);
});
