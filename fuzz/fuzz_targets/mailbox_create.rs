#![no_main]
// See mailorder::http::fuzzing::mailbox_create.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailorder::http::fuzzing::mailbox_create(data));
