#![no_main]
use okta_factors_fuzzing::PolicyInput;
libfuzzer_sys::fuzz_target!(|input: PolicyInput| okta_factors_fuzzing::policies(input));
