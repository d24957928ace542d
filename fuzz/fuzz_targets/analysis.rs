//! libFuzzer target: see `leian_fuzz::analysis`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leian_fuzz::analysis(data));
