#![no_main]
// See mailorder::http::fuzzing::order_action.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailorder::http::fuzzing::order_action(data));
