#![no_main]
// See mailorder::http::fuzzing::json_depth.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailorder::http::fuzzing::json_depth(data));
