#![no_main]
// See mailorder::http::fuzzing::mailbox_update.
libfuzzer_sys::fuzz_target!(|data: &[u8]| mailorder::http::fuzzing::mailbox_update(data));
