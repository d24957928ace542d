//! libFuzzer target: see `leian_fuzz::search_body`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leian_fuzz::search_body(data));
