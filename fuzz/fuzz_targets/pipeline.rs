//! The whole pipeline: reader, every lint, the analysis, every output format.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fwlint_fuzz::pipeline(data);
});
