//! libFuzzer target: see `leian_fuzz::corpus_line`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| leian_fuzz::corpus_line(data));
