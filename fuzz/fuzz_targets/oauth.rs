#![no_main]
use okta_factors_fuzzing::OAuthInput;
libfuzzer_sys::fuzz_target!(|input: OAuthInput| okta_factors_fuzzing::oauth(input));
