//! `Proxy::intercepts` (the one no-proxy matcher of both clients) against a
//! second implementation of curl's `NO_PROXY` rules: hyper-util's proxy
//! `Matcher` (feature `client-proxy`, which the `tokio` transport enables
//! for its `CONNECT` tunnel). Lists and hosts are drawn from the syntax both
//! accept: comma-separated names (with or without a leading dot), IP
//! addresses, IP networks and `*` (where the two differ, for `*` and an IP
//! host, curl's documented rule decides).

#![allow(clippy::unwrap_used)]

use hyper_util::client::proxy::matcher::Matcher;
use okta_factors::http::Uri;
use okta_factors::Proxy;
use proptest::prelude::*;

fn label() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["okta", "com", "corp", "example", "a", "dev-1", "OKTA"])
        .prop_map(str::to_owned)
}

fn domain() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 1..4).prop_map(|labels| labels.join("."))
}

fn ipv4() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![10u8, 127, 192]),
        0u8..3,
        0u8..3,
        0u8..3,
    )
        .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}"))
}

fn ipv6() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["fd00", "fe80", "2001:db8"]),
        0u8..3,
    )
        .prop_map(|(prefix, last)| format!("{prefix}::{last}"))
}

fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        domain(),
        domain().prop_map(|d| format!(".{d}")),
        ipv4(),
        (ipv4(), prop::sample::select(vec![8u8, 16, 24, 32]))
            .prop_map(|(ip, n)| format!("{ip}/{n}")),
        ipv6(),
        (ipv6(), prop::sample::select(vec![16u8, 64, 128])).prop_map(|(ip, n)| format!("{ip}/{n}")),
        Just("*".to_owned()),
    ]
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![domain(), ipv4(), ipv6().prop_map(|ip| format!("[{ip}]"))]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn no_proxy_lists_match_as_hyper_utils_matcher_does(
        entries in prop::collection::vec(entry(), 0..5),
        host in host(),
        https in any::<bool>(),
    ) {
        let list = entries.join(", ");
        let scheme = if https { "https" } else { "http" };
        let uri: Uri = format!("{scheme}://{host}:8443/api/v1/users").parse().unwrap();
        let ours = Proxy::new("http://proxy.example:3128").unwrap().no_proxy(&list).intercepts(&uri);
        let oracle = Matcher::builder()
            .all("http://proxy.example:3128")
            .no(list.as_str())
            .build()
            .intercept(&uri)
            .is_some();
        if entries.iter().any(|e| e == "*") {
            // curl: "a single * character, which matches all hosts"
            // (CURLOPT_NOPROXY); hyper-util's matcher applies `*` to names
            // only, not to IP addresses.
            prop_assert!(!ours, "NO_PROXY={:?} host {}", list, host);
        } else {
            prop_assert_eq!(ours, oracle, "NO_PROXY={:?} host {}", list, host);
        }
    }
}
