//! libFuzzer target: see `leian_fuzz::case_number`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leian_fuzz::case_number(data));
