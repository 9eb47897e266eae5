#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| okta_factors_fuzzing::parse_response(data));
