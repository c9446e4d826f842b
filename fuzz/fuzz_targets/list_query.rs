#![no_main]
// See mailorder::http::fuzzing::list_query.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailorder::http::fuzzing::list_query(data));
