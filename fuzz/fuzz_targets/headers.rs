#![no_main]
// See mailorder::http::fuzzing::headers.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailorder::http::fuzzing::headers(data));
