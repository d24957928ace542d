//! libFuzzer target: see `leian_fuzz::citations`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leian_fuzz::citations(data));
