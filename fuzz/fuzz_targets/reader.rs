//! The reader alone: any bytes, read as a rule file.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fwlint_fuzz::read(data);
});
