#![no_main]
use okta_factors_fuzzing::BuildInput;
libfuzzer_sys::fuzz_target!(|input: BuildInput| okta_factors_fuzzing::build_request(input));
