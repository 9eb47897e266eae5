//! Input validation and hostile input: org URLs, credentials, path IDs, header
//! parameters, query parameters.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use http::Request;
use okta_factors_core::model::FactorEnrollment;
use okta_factors_core::operations::{
    ActivateFactor, EnrollFactor, GetFactor, GetFactorTransactionStatus, ListFactors,
    ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor, UnenrollFactor,
    VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::{AuthScheme, Credentials, Error, InputError, Operation, OrgUrl};
use proptest::prelude::*;

const ORG: &str = "https://dev-123456.okta.com";

fn org() -> OrgUrl {
    OrgUrl::parse(ORG).unwrap()
}

fn creds() -> Credentials {
    Credentials::api_token("00input-test-token").unwrap()
}

// ===========================================================================
// OrgUrl: accepted forms
// ===========================================================================

#[track_caller]
fn assert_org(input: &str, origin: &str, scheme: &str, host: &str, port: Option<u16>) {
    let org = OrgUrl::parse(input).unwrap_or_else(|e| panic!("{input:?} rejected: {e}"));
    assert_eq!(org.as_str(), origin, "{input:?}");
    assert_eq!(org.to_string(), origin, "{input:?}");
    assert_eq!(org.scheme(), scheme, "{input:?}");
    assert_eq!(org.host(), host, "{input:?}");
    assert_eq!(org.port(), port, "{input:?}");
    assert_eq!(input.parse::<OrgUrl>().unwrap(), org);
    assert_eq!(OrgUrl::try_from(input).unwrap(), org);
}

#[test]
fn org_url_accepts_okta_hosts() {
    for host in [
        "dev-123456.okta.com",
        "acme.oktapreview.com",
        "acme.okta-emea.com",
        "acme.okta-gov.com",
    ] {
        let input = format!("https://{host}");
        assert_org(&input, &input, "https", host, None);
    }
}

#[test]
fn org_url_accepts_custom_domains() {
    assert_org(
        "https://login.example.com",
        "https://login.example.com",
        "https",
        "login.example.com",
        None,
    );
    // "-admin" in a custom domain is not the Admin Console.
    assert_org(
        "https://my-admin-portal.example.com",
        "https://my-admin-portal.example.com",
        "https",
        "my-admin-portal.example.com",
        None,
    );
    assert_org(
        "https://sso-admin.example.com",
        "https://sso-admin.example.com",
        "https",
        "sso-admin.example.com",
        None,
    );
}

#[test]
fn org_url_normalizes_trailing_slash_case_and_whitespace() {
    assert_org(
        "https://dev-123456.okta.com/",
        ORG,
        "https",
        "dev-123456.okta.com",
        None,
    );
    assert_org(
        "https://DEV-123456.Okta.COM",
        ORG,
        "https",
        "dev-123456.okta.com",
        None,
    );
    assert_org(
        "HTTPS://DEV-123456.OKTA.COM/",
        ORG,
        "https",
        "dev-123456.okta.com",
        None,
    );
    assert_org(
        "  https://dev-123456.okta.com\n",
        ORG,
        "https",
        "dev-123456.okta.com",
        None,
    );
}

#[test]
fn org_url_keeps_explicit_ports() {
    assert_org(
        "https://dev-123456.okta.com:8443",
        "https://dev-123456.okta.com:8443",
        "https",
        "dev-123456.okta.com",
        Some(8443),
    );
    assert_org(
        "https://dev-123456.okta.com:8443/",
        "https://dev-123456.okta.com:8443",
        "https",
        "dev-123456.okta.com",
        Some(8443),
    );
}

#[test]
fn org_url_accepts_http_only_for_loopback() {
    let cases = [
        ("http://127.0.0.1", "http://127.0.0.1", "127.0.0.1", None),
        (
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080",
            "127.0.0.1",
            Some(8080),
        ),
        ("http://127.5.6.7", "http://127.5.6.7", "127.5.6.7", None),
        (
            "http://127.255.255.254:1/",
            "http://127.255.255.254:1",
            "127.255.255.254",
            Some(1),
        ),
        ("http://[::1]", "http://[::1]", "[::1]", None),
        (
            "http://[::1]:3000",
            "http://[::1]:3000",
            "[::1]",
            Some(3000),
        ),
        ("http://localhost", "http://localhost", "localhost", None),
        (
            "http://LOCALHOST:9000/",
            "http://localhost:9000",
            "localhost",
            Some(9000),
        ),
    ];
    for (input, origin, host, port) in cases {
        assert_org(input, origin, "http", host, port);
        assert!(OrgUrl::parse(input).unwrap().is_loopback(), "{input}");
    }
    assert!(!org().is_loopback());
    // https to loopback is fine too.
    assert!(OrgUrl::parse("https://localhost:8443")
        .unwrap()
        .is_loopback());
}

// ===========================================================================
// OrgUrl: rejections, each with a message that says how to fix it
// ===========================================================================

#[track_caller]
fn assert_org_rejected(input: &str, fragments: &[&str]) {
    match OrgUrl::parse(input) {
        Err(InputError::OrgUrl { reason }) => {
            for fragment in fragments {
                assert!(
                    reason.contains(fragment),
                    "{input:?}: reason {reason:?} lacks {fragment:?}"
                );
            }
            let display = InputError::OrgUrl {
                reason: reason.clone(),
            }
            .to_string();
            assert!(display.starts_with("invalid org URL: "), "{display}");
        }
        other => panic!("{input:?}: expected InputError::OrgUrl, got {other:?}"),
    }
}

#[test]
fn org_url_rejects_placeholders_in_any_case() {
    for input in [
        "https://{yourOktaDomain}",
        "{yourOktaDomain}",
        "https://{YOUROKTADOMAIN}",
        "https://{youroktadomain}/",
        "https://{{yourOktaDomain}}",
        "{{yourOktaDomain}}",
        "https://{yourOktaDomain}.okta.com",
        "https://dev-123456.okta.com/{path}",
    ] {
        assert_org_rejected(input, &["placeholder", "https://dev-123456.okta.com"]);
    }
}

#[test]
fn org_url_rejects_admin_console_with_corrected_url() {
    let cases = [
        (
            "https://dev-123456-admin.okta.com",
            "https://dev-123456.okta.com",
        ),
        (
            "https://dev-123456-admin.okta.com/",
            "https://dev-123456.okta.com",
        ),
        (
            "https://acme-admin.oktapreview.com",
            "https://acme.oktapreview.com",
        ),
        (
            "https://acme-admin.okta-emea.com",
            "https://acme.okta-emea.com",
        ),
        ("https://ACME-ADMIN.OKTA.COM", "https://acme.okta.com"),
        ("http://acme-admin.okta.com", "https://acme.okta.com"),
    ];
    for (input, corrected) in cases {
        assert_org_rejected(input, &["Admin Console", "-admin", corrected]);
    }
}

#[test]
fn org_url_rejects_com_com() {
    assert_org_rejected("https://dev-123456.okta.com.com", &[".com.com", "remove"]);
    assert_org_rejected("https://login.example.com.com/", &[".com.com"]);
}

#[test]
fn org_url_rejects_userinfo() {
    for input in [
        "https://user:pass@dev-123456.okta.com",
        "https://00apiToken@dev-123456.okta.com",
        "https://dev-123456.okta.com@evil.example",
    ] {
        assert_org_rejected(input, &["user info", "Credentials"]);
    }
}

#[test]
fn ports_are_digits_only() {
    // `http` reads `+443` as port 443; a URL port is digits only.
    assert_org_rejected("https://dev-123456.okta.com:+443", &["port"]);
    let org = OrgUrl::parse("https://dev-123456.okta.com").unwrap();
    assert!(!org.is_same_origin("https://dev-123456.okta.com:+443/api/v1/users"));
    assert!(org.is_same_origin("https://dev-123456.okta.com:443/api/v1/users"));
    assert!(org.is_same_origin("  https://dev-123456.okta.com/api/v1/users  "));
}

#[test]
fn org_url_rejects_query_and_fragment() {
    assert_org_rejected("https://dev-123456.okta.com?x=1", &["remove the query"]);
    assert_org_rejected("https://dev-123456.okta.com/?", &["remove the query"]);
    assert_org_rejected("https://dev-123456.okta.com#top", &["remove the fragment"]);
    assert_org_rejected("https://dev-123456.okta.com/#", &["remove the fragment"]);
}

#[test]
fn org_url_rejects_paths() {
    for (input, path) in [
        ("https://dev-123456.okta.com/api/v1", "/api/v1"),
        ("https://dev-123456.okta.com/api/v1/", "/api/v1/"),
        (
            "https://dev-123456.okta.com/oauth2/default",
            "/oauth2/default",
        ),
        ("https://dev-123456.okta.com//", "//"),
        ("https://dev-123456.okta.com/admin", "/admin"),
    ] {
        assert_org_rejected(
            input,
            &[
                "remove the path",
                path,
                "https://dev-123456.okta.com",
                "/api/v1",
            ],
        );
    }
}

#[test]
fn org_url_rejects_http_to_non_loopback() {
    for (input, fix) in [
        ("http://dev-123456.okta.com", "https://dev-123456.okta.com"),
        ("http://login.example.com:8080", "https://login.example.com"),
        ("http://128.0.0.1", "https://128.0.0.1"),
        ("http://10.0.0.1", "https://10.0.0.1"),
        ("http://0.0.0.0", "https://0.0.0.0"),
        ("http://[::2]", "https://[::2]"),
        ("http://localhost.evil.com", "https://localhost.evil.com"),
        ("http://127.0.0.1.nip.io", "https://127.0.0.1.nip.io"),
    ] {
        assert_org_rejected(input, &["only allowed for loopback", fix]);
    }
}

#[test]
fn org_url_rejects_other_schemes() {
    for input in [
        "ftp://dev-123456.okta.com",
        "ws://dev-123456.okta.com",
        "wss://127.0.0.1",
        "file://localhost",
    ] {
        assert_org_rejected(input, &["not supported", "use https://"]);
    }
}

#[test]
fn org_url_rejects_empty_and_garbage() {
    assert_org_rejected("", &["empty", "https://dev-123456.okta.com"]);
    assert_org_rejected("   \n", &["empty"]);
    for input in [
        "dev-123456.okta.com",
        "not a url",
        "https://",
        "https:///api/v1",
        "https:dev-123456.okta.com",
        "javascript:alert(1)",
        "https://dev 123456.okta.com",
        "https://dev-123456.okta.com\\@evil.com",
        "\u{0}",
        "://",
    ] {
        assert_org_rejected(input, &["absolute URL", "https://dev-123456.okta.com"]);
    }
}

#[test]
fn org_url_rejects_out_of_range_port() {
    // `authority.port_u16()` is None for an unparsable port, so the origin is
    // rebuilt without it and requests would go to :443 instead.
    for input in [
        "https://dev-123456.okta.com:99999",
        "https://dev-123456.okta.com:65536",
        "http://127.0.0.1:70000",
    ] {
        assert!(
            matches!(OrgUrl::parse(input), Err(InputError::OrgUrl { .. })),
            "{input:?} => {:?}",
            OrgUrl::parse(input)
        );
    }
}

proptest! {
    #[test]
    fn org_url_parse_never_panics(input in ".{0,64}") {
        let _ = OrgUrl::parse(&input);
    }

    #[test]
    fn org_url_accepted_origins_round_trip(host in "[a-z][a-z0-9-]{0,20}\\.example\\.com", port in proptest::option::of(1u16..)) {
        let input = match port {
            Some(port) => format!("https://{host}:{port}/"),
            None => format!("https://{host}"),
        };
        let org = OrgUrl::parse(&input);
        prop_assert!(org.is_ok(), "{:?}: {:?}", input, org);
        let org = org.unwrap();
        prop_assert_eq!(org.as_str(), input.trim_end_matches('/'));
        let api = format!("{}/api/v1/users", org.as_str());
        prop_assert!(org.is_same_origin(&api), "{}", api);
        prop_assert_eq!(OrgUrl::parse(org.as_str()).unwrap(), org);
    }
}

// ===========================================================================
// OrgUrl::is_same_origin
// ===========================================================================

#[test]
fn same_origin_true_cases() {
    let org = OrgUrl::parse("https://dev-1.okta.com").unwrap();
    for url in [
        "https://dev-1.okta.com",
        "https://dev-1.okta.com/",
        "https://dev-1.okta.com/api/v1/users/00u1/factors/opf1/transactions/v2mst.x",
        "https://dev-1.okta.com/api/v1/users?x=1#frag",
        "https://dev-1.okta.com:443/api/v1/users",
        "HTTPS://DEV-1.OKTA.COM/api/v1/users",
        "  https://dev-1.okta.com/x  ",
    ] {
        assert!(org.is_same_origin(url), "{url}");
    }
    // An explicit default port in the org is the same origin as no port.
    let explicit = OrgUrl::parse("https://dev-1.okta.com:443").unwrap();
    assert!(explicit.is_same_origin("https://dev-1.okta.com/x"));
    assert!(explicit.is_same_origin("https://dev-1.okta.com:443/x"));

    let loopback = OrgUrl::parse("http://127.0.0.1:8080").unwrap();
    assert!(loopback.is_same_origin("http://127.0.0.1:8080/api/v1/users/x"));
    let localhost = OrgUrl::parse("http://localhost").unwrap();
    assert!(localhost.is_same_origin("http://localhost:80/x"));
    assert!(localhost.is_same_origin("http://localhost/x"));
}

#[test]
fn same_origin_false_cases() {
    let org = OrgUrl::parse("https://dev-1.okta.com").unwrap();
    for url in [
        // different port / scheme
        "https://dev-1.okta.com:8443/x",
        "https://dev-1.okta.com:80/x",
        "http://dev-1.okta.com/x",
        "http://dev-1.okta.com:443/x",
        "wss://dev-1.okta.com/x",
        // lookalike hosts
        "https://dev-1.okta.com.evil.com/x",
        "https://dev-1.okta.com.evil.com",
        "https://xdev-1.okta.com/x",
        "https://dev-1.okta.co/x",
        "https://dev-2.okta.com/x",
        "https://evil.com/dev-1.okta.com",
        "https://evil.com/?https://dev-1.okta.com",
        // userinfo tricks
        "https://dev-1.okta.com@evil.com",
        "https://dev-1.okta.com@evil.com/api/v1/users",
        "https://dev-1.okta.com:443@evil.com/x",
        "https://evil.com@dev-1.okta.com/x",
        "https://user:pass@dev-1.okta.com/x",
        "https://dev-1.okta.com\\@evil.com/x",
        // not absolute
        "//dev-1.okta.com/x",
        "/api/v1/users/00u1",
        "dev-1.okta.com",
        "",
        "not a url",
    ] {
        assert!(!org.is_same_origin(url), "{url}");
    }
    let explicit = OrgUrl::parse("https://dev-1.okta.com:8443").unwrap();
    assert!(!explicit.is_same_origin("https://dev-1.okta.com/x"));
    assert!(explicit.is_same_origin("https://dev-1.okta.com:8443/x"));

    let loopback = OrgUrl::parse("http://127.0.0.1:8080").unwrap();
    assert!(!loopback.is_same_origin("http://127.0.0.1/x"));
    assert!(!loopback.is_same_origin("http://localhost:8080/x"));
    assert!(!loopback.is_same_origin("https://127.0.0.1:8080/x"));
    assert!(!loopback.is_same_origin("http://127.0.0.2:8080/x"));
}

#[test]
fn same_origin_false_for_out_of_range_port() {
    // `port_u16()` is None for an unparsable port, which then falls back to the
    // scheme's default port and compares equal.
    let org = OrgUrl::parse("https://dev-1.okta.com").unwrap();
    for url in [
        "https://dev-1.okta.com:99999/x",
        "https://dev-1.okta.com:65979/x",
        "https://dev-1.okta.com:65536/x",
    ] {
        assert!(!org.is_same_origin(url), "{url}");
    }
}

proptest! {
    #[test]
    fn same_origin_never_panics_and_rejects_other_hosts(url in ".{0,80}", host in "[a-z]{1,10}") {
        let org = OrgUrl::parse("https://dev-1.okta.com").unwrap();
        let _ = org.is_same_origin(&url);
        prop_assume!(host != "dev");
        let other = format!("https://{host}-1.okta.com/x");
        prop_assert!(!org.is_same_origin(&other));
        let suffix = format!("https://dev-1.okta.com.{host}.com/x");
        prop_assert!(!org.is_same_origin(&suffix));
        let userinfo = format!("https://dev-1.okta.com@{host}.com/x");
        prop_assert!(!org.is_same_origin(&userinfo));
    }
}

// ===========================================================================
// Credentials
// ===========================================================================

#[test]
fn credentials_accept_normal_tokens() {
    let token = "00aBcD-example_Token.123~";
    let api = Credentials::api_token(token).unwrap();
    assert_eq!(api.scheme(), AuthScheme::Ssws);
    assert_eq!(api.token().unwrap().expose(), token);
    assert_eq!(
        api.authorization().unwrap(),
        format!("SSWS {token}").as_str()
    );
    assert!(api.authorization().unwrap().is_sensitive());

    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwMHUxIn0.c2lnbmF0dXJl-_";
    let access = Credentials::access_token(jwt).unwrap();
    assert_eq!(access.scheme(), AuthScheme::Bearer);
    assert_eq!(
        access.authorization().unwrap(),
        format!("Bearer {jwt}").as_str()
    );
    assert!(access.authorization().unwrap().is_sensitive());
    assert_eq!(AuthScheme::Ssws.as_str(), "SSWS");
    assert_eq!(AuthScheme::Bearer.as_str(), "Bearer");
}

#[test]
fn credentials_trim_surrounding_whitespace() {
    for input in [
        " 00trimmed\n",
        "00trimmed\r\n",
        "\t00trimmed ",
        "\n\n00trimmed\n",
    ] {
        let api = Credentials::api_token(input).unwrap();
        assert_eq!(api.token().unwrap().expose(), "00trimmed", "{input:?}");
        assert_eq!(api.authorization().unwrap(), "SSWS 00trimmed");
        let access = Credentials::access_token(input).unwrap();
        assert_eq!(access.authorization().unwrap(), "Bearer 00trimmed");
    }
}

#[track_caller]
fn assert_credentials_rejected(input: &str, fragment: &str, secret_part: &str) {
    for result in [
        Credentials::api_token(input),
        Credentials::access_token(input),
    ] {
        match result {
            Err(e @ InputError::Credentials { reason }) => {
                assert!(
                    reason.contains(fragment),
                    "{input:?}: {reason:?} lacks {fragment:?}"
                );
                let error = Error::from(e.clone());
                for text in [
                    e.to_string(),
                    format!("{e:?}"),
                    format!("{e:#?}"),
                    error.to_string(),
                    format!("{error:?}"),
                ] {
                    assert!(
                        text.starts_with("invalid credentials") || text.contains("Credentials")
                    );
                    if !secret_part.is_empty() {
                        assert!(!text.contains(secret_part), "{text:?} leaks the token");
                    }
                }
            }
            other => panic!("{input:?}: expected InputError::Credentials, got {other:?}"),
        }
    }
}

#[test]
fn credentials_reject_bad_tokens() {
    assert_credentials_rejected("", "empty", "");
    assert_credentials_rejected("   ", "empty", "");
    assert_credentials_rejected(" \r\n\t", "empty", "");
    // The message names the `{apiToken}` placeholder itself, so only check the reason.
    assert_credentials_rejected("{apiToken}", "placeholder", "");
    assert_credentials_rejected("{{apiToken}}", "placeholder", "");
    assert_credentials_rejected("00tok{x}SECRETPART1", "placeholder", "SECRETPART1");
    for input in [
        "SSWS 00SECRETPART2",
        "Bearer 00SECRETPART2",
        "ssws 00SECRETPART2",
        "BEARER 00SECRETPART2",
        "  SSWS 00SECRETPART2\n",
    ] {
        assert_credentials_rejected(input, "auth scheme", "SECRETPART2");
    }
    for input in [
        "00SECRET\r\nPART3",
        "00SECRET\nPART3",
        "00SECRET\rPART3",
        "00SECRET PART3",
        "00SECRET\tPART3",
        "00SECRET\u{0}PART3",
        "00SECRET\u{7f}PART3",
        "00SECRETPART3\u{e9}",
        "00SECRETPART3\u{a0}x",
        "\u{feff}00SECRETPART3",
        "SSWS\u{a0}00SECRETPART3",
        "00SECRETPART3\r\nX-Evil: 1",
    ] {
        assert_credentials_rejected(input, "spaces, control", "SECRETPART3");
    }
}

proptest! {
    #[test]
    fn credentials_never_panic_and_valid_ones_are_safe_headers(token in ".{0,40}") {
        if let Ok(credentials) = Credentials::api_token(token.clone()) {
            let value = credentials.authorization().unwrap();
            prop_assert!(value.is_sensitive());
            let text = value.to_str().unwrap();
            prop_assert!(text.starts_with("SSWS "));
            prop_assert!(!text["SSWS ".len()..].is_empty());
            prop_assert!(text.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
            prop_assert_eq!(text.matches(' ').count(), 1);
            prop_assert_eq!(&text["SSWS ".len()..], token.trim());
        }
    }
}

// ===========================================================================
// Path IDs
// ===========================================================================

fn hex(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => panic!("not hex: {b}"),
    }
}

/// Strict percent-decoding of one path segment (no `+` handling).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Checks the request path has the template's segments, each parameter
/// segment decoding back to its input, and nothing leaks into query/fragment.
#[track_caller]
fn assert_path(request: &Request<Vec<u8>>, template: &str, params: &[&str]) {
    let uri = request.uri();
    assert_eq!(uri.host(), Some("dev-123456.okta.com"));
    assert!(uri.query().is_none(), "{uri}: unexpected query");
    let path = uri.path();
    let got: Vec<&str> = path.split('/').skip(1).collect();
    let want: Vec<&str> = template.split('/').skip(1).collect();
    assert_eq!(got.len(), want.len(), "{path} vs {template}");
    let mut params = params.iter();
    for (segment, template_segment) in got.iter().zip(&want) {
        if template_segment.starts_with('{') {
            let param = params.next().unwrap();
            assert_eq!(percent_decode(segment), *param, "{path}");
            assert!(
                segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
                "{segment}"
            );
        } else {
            assert_eq!(segment, template_segment);
        }
    }
    assert!(params.next().is_none());
    // Re-parsing the URI string gives the same path (no normalization surprises).
    let reparsed: http::Uri = uri.to_string().parse().unwrap();
    assert_eq!(reparsed.path(), path);
}

const HOSTILE_IDS: &[&str] = &[
    "a/b",
    "../",
    "../../admin",
    "/",
    "//",
    "...",
    "./x",
    "?x=1",
    "#frag",
    "%",
    "%2e%2e",
    "%2F",
    "a b",
    " ",
    "a\r\nb",
    "\n",
    "\u{0}",
    "\u{7f}",
    "é",
    "用户",
    "😀",
    "a+b",
    "a;b",
    "a@b:c",
    "~user",
    "\\..\\",
    "v2mst.GldKV5VxTrifyeZmWSQguA",
];

#[test]
fn hostile_ids_stay_in_their_segment() {
    let org = org();
    let creds = creds();
    for &id in HOSTILE_IDS {
        let r = ListFactors::new(id).build_request(&org, &creds).unwrap();
        assert_path(&r, ListFactors::PATH_TEMPLATE, &[id]);
        let r = EnrollFactor::new(id, FactorEnrollment::push())
            .build_request(&org, &creds)
            .unwrap();
        assert_path(&r, EnrollFactor::PATH_TEMPLATE, &[id]);
        let r = GetFactor::new(id, id).build_request(&org, &creds).unwrap();
        assert_path(&r, GetFactor::PATH_TEMPLATE, &[id, id]);
        let r = UnenrollFactor::new("00u1", id)
            .build_request(&org, &creds)
            .unwrap();
        assert_path(&r, UnenrollFactor::PATH_TEMPLATE, &["00u1", id]);
        let r = ActivateFactor::new(id, "f1")
            .build_request(&org, &creds)
            .unwrap();
        assert_path(&r, ActivateFactor::PATH_TEMPLATE, &[id, "f1"]);
        let r = ResendEnrollFactor::new("00u1", id, FactorEnrollment::sms("+1"))
            .build_request(&org, &creds)
            .unwrap();
        assert_path(&r, ResendEnrollFactor::PATH_TEMPLATE, &["00u1", id]);
        let r = VerifyFactor::new(id, id)
            .build_request(&org, &creds)
            .unwrap();
        assert_path(&r, VerifyFactor::PATH_TEMPLATE, &[id, id]);
        let r = GetFactorTransactionStatus::new("00u1", "f1", id)
            .build_request(&org, &creds)
            .unwrap();
        assert_path(
            &r,
            GetFactorTransactionStatus::PATH_TEMPLATE,
            &["00u1", "f1", id],
        );
        let r = GetFactorTransactionStatus::new(id, id, id)
            .build_request(&org, &creds)
            .unwrap();
        assert_path(&r, GetFactorTransactionStatus::PATH_TEMPLATE, &[id, id, id]);
        let r = ListSupportedFactors::new(id)
            .build_request(&org, &creds)
            .unwrap();
        assert_path(&r, ListSupportedFactors::PATH_TEMPLATE, &[id]);
        let r = ListSupportedSecurityQuestions::new(id)
            .build_request(&org, &creds)
            .unwrap();
        assert_path(&r, ListSupportedSecurityQuestions::PATH_TEMPLATE, &[id]);
    }
}

#[test]
fn hostile_id_examples_are_encoded_exactly() {
    let request = GetFactor::new("../admin", "a/b?c#d e%")
        .build_request(&org(), &creds())
        .unwrap();
    assert_eq!(
        request.uri().to_string(),
        "https://dev-123456.okta.com/api/v1/users/..%2Fadmin/factors/a%2Fb%3Fc%23d%20e%25"
    );
    let request = GetFactor::new("00u1", "é\r\n")
        .build_request(&org(), &creds())
        .unwrap();
    assert_eq!(
        request.uri().path(),
        "/api/v1/users/00u1/factors/%C3%A9%0D%0A"
    );
}

#[track_caller]
fn assert_id_error<T: std::fmt::Debug>(result: Result<T, Error>, expected_field: &str) {
    match result {
        Err(Error::Input(ref e @ InputError::Id { field, .. })) => {
            assert_eq!(field, expected_field);
            assert!(e.to_string().contains(expected_field), "{e}");
        }
        other => panic!("expected InputError::Id for {expected_field}, got {other:?}"),
    }
}

#[test]
fn unusable_ids_name_the_right_field() {
    let org = org();
    let creds = creds();
    for bad in ["", ".", ".."] {
        assert_id_error(ListFactors::new(bad).build_request(&org, &creds), "userId");
        assert_id_error(
            EnrollFactor::new(bad, FactorEnrollment::push()).build_request(&org, &creds),
            "userId",
        );
        assert_id_error(
            GetFactor::new(bad, "f1").build_request(&org, &creds),
            "userId",
        );
        assert_id_error(
            GetFactor::new("u1", bad).build_request(&org, &creds),
            "factorId",
        );
        assert_id_error(
            UnenrollFactor::new("u1", bad).build_request(&org, &creds),
            "factorId",
        );
        assert_id_error(
            ActivateFactor::new("u1", bad).build_request(&org, &creds),
            "factorId",
        );
        assert_id_error(
            ActivateFactor::new(bad, "f1").build_request(&org, &creds),
            "userId",
        );
        assert_id_error(
            ResendEnrollFactor::new("u1", bad, FactorEnrollment::sms("+1"))
                .build_request(&org, &creds),
            "factorId",
        );
        assert_id_error(
            VerifyFactor::new("u1", bad)
                .body(VerifyFactorRequest::pass_code("123456"))
                .build_request(&org, &creds),
            "factorId",
        );
        assert_id_error(
            GetFactorTransactionStatus::new("u1", "f1", bad).build_request(&org, &creds),
            "transactionId",
        );
        assert_id_error(
            GetFactorTransactionStatus::new("u1", bad, "t1").build_request(&org, &creds),
            "factorId",
        );
        assert_id_error(
            ListSupportedFactors::new(bad).build_request(&org, &creds),
            "userId",
        );
        assert_id_error(
            ListSupportedSecurityQuestions::new(bad).build_request(&org, &creds),
            "userId",
        );
    }
}

fn hostile_id() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[./?#% \\r\\n\\\\a-z0-9é用😀+;@:~-]{0,12}",
        Just(String::new()),
        Just(".".to_owned()),
        Just("..".to_owned()),
    ]
}

proptest! {
    #[test]
    fn any_id_is_one_segment_or_an_id_error(user in hostile_id(), factor in hostile_id(), tx in hostile_id()) {
        let result = GetFactorTransactionStatus::new(user.as_str(), factor.as_str(), tx.as_str())
            .build_request(&org(), &creds());
        let bad = |s: &str| matches!(s, "" | "." | "..");
        let expected_field = if bad(&user) {
            Some("userId")
        } else if bad(&factor) {
            Some("factorId")
        } else if bad(&tx) {
            Some("transactionId")
        } else {
            None
        };
        match (result, expected_field) {
            (Ok(request), None) => assert_path(
                &request,
                GetFactorTransactionStatus::PATH_TEMPLATE,
                &[&user, &factor, &tx],
            ),
            (Err(Error::Input(InputError::Id { field, .. })), Some(expected)) => {
                prop_assert_eq!(field, expected)
            }
            (other, expected) => prop_assert!(false, "{:?} / expected {:?}", other, expected),
        }
    }
}

// ===========================================================================
// Header parameters
// ===========================================================================

const HOSTILE_HEADER_VALUES: &[&str] = &[
    "a\rb",
    "a\nb",
    "a\r\nb",
    "fr\r\nX-Evil: 1",
    "fr\nSet-Cookie: x=1",
    "\r\n\r\nGET / HTTP/1.1",
    "a\u{0}b",
    "\u{0}",
    "\u{1}",
    "\u{8}",
    "\u{b}",
    "\u{c}",
    "\u{1b}[31m",
    "\u{1f}",
    "\u{7f}",
];

#[track_caller]
fn assert_header_error<T: std::fmt::Debug>(result: Result<T, Error>, expected_name: &str) {
    match result {
        Err(Error::Input(ref e @ InputError::Header { name, .. })) => {
            assert_eq!(name, expected_name);
            assert!(e.to_string().contains(expected_name), "{e}");
        }
        other => panic!("expected InputError::Header for {expected_name}, got {other:?}"),
    }
}

#[test]
fn hostile_header_values_are_rejected() {
    let org = org();
    let creds = creds();
    for &value in HOSTILE_HEADER_VALUES {
        let verify = || VerifyFactor::new("u1", "f1").body(VerifyFactorRequest::challenge());
        assert_header_error(
            verify().forwarded_for(value).build_request(&org, &creds),
            "X-Forwarded-For",
        );
        assert_header_error(
            verify().user_agent(value).build_request(&org, &creds),
            "User-Agent",
        );
        assert_header_error(
            verify().accept_language(value).build_request(&org, &creds),
            "Accept-Language",
        );
        assert_header_error(
            EnrollFactor::new("u1", FactorEnrollment::sms("+15554151337"))
                .accept_language(value)
                .build_request(&org, &creds),
            "Accept-Language",
        );
        assert_header_error(
            ResendEnrollFactor::new("u1", "f1", FactorEnrollment::sms("+15554151337"))
                .accept_language(value)
                .build_request(&org, &creds),
            "Accept-Language",
        );
    }
}

#[test]
fn ordinary_header_values_pass_through() {
    let request = VerifyFactor::new("u1", "f1")
        .forwarded_for("23.235.46.133, 10.0.0.1")
        .user_agent("Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0")
        .accept_language("fr-CA,fr;q=0.9,en;q=0.8")
        .build_request(&org(), &creds())
        .unwrap();
    let headers = request.headers();
    // Accept, Authorization, the three given, the crate's own agent header,
    // and the framing of the body-less POST.
    assert_eq!(headers.len(), 7);
    assert_eq!(headers["content-length"], "0");
    assert_eq!(headers["x-forwarded-for"], "23.235.46.133, 10.0.0.1");
    assert_eq!(
        headers["user-agent"],
        "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
    );
    assert_eq!(headers["accept-language"], "fr-CA,fr;q=0.9,en;q=0.8");
}

#[test]
fn non_ascii_header_values_are_rejected() {
    let org = org();
    let creds = creds();
    for value in ["caf\u{e9}", "Mozilla/5.0 \u{1F600}", "fr\u{85}"] {
        assert_header_error(
            VerifyFactor::new("u1", "f1")
                .user_agent(value)
                .build_request(&org, &creds),
            "User-Agent",
        );
        assert_header_error(
            EnrollFactor::new("u1", FactorEnrollment::push())
                .accept_language(value)
                .build_request(&org, &creds),
            "Accept-Language",
        );
    }
}

proptest! {
    #[test]
    fn header_params_never_panic_nor_add_headers(
        xff in any::<String>(), ua in any::<String>(), lang in any::<String>()
    ) {
        let result = VerifyFactor::new("u1", "f1")
            .forwarded_for(xff.as_str())
            .user_agent(ua.as_str())
            .accept_language(lang.as_str())
            .build_request(&org(), &creds());
        let control = |s: &str| s.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f);
        match result {
            Ok(request) => {
                prop_assert!(!control(&xff) && !control(&ua) && !control(&lang));
                let headers = request.headers();
                // A body-less POST: framed with `Content-Length: 0`.
                prop_assert_eq!(headers.len(), 7);
                let mut names: Vec<&str> = headers.keys().map(|k| k.as_str()).collect();
                names.sort_unstable();
                prop_assert_eq!(names, vec![
                    "accept", "accept-language", "authorization", "content-length",
                    "user-agent", "x-forwarded-for", "x-okta-user-agent-extended",
                ]);
                prop_assert_eq!(headers["content-length"].as_bytes(), b"0");
                prop_assert_eq!(headers["x-forwarded-for"].as_bytes(), xff.as_bytes());
                prop_assert_eq!(headers["user-agent"].as_bytes(), ua.as_bytes());
                prop_assert_eq!(headers["accept-language"].as_bytes(), lang.as_bytes());
            }
            Err(Error::Input(InputError::Header { name, .. })) => {
                let offending = match name {
                    "X-Forwarded-For" => &xff,
                    "User-Agent" => &ua,
                    "Accept-Language" => &lang,
                    other => return Err(TestCaseError::fail(format!("unexpected name {other}"))),
                };
                prop_assert!(!offending.is_ascii() || control(offending), "{:?}", offending);
            }
            Err(other) => prop_assert!(false, "unexpected error {:?}", other),
        }
    }

    #[test]
    fn controls_in_header_params_are_always_rejected(
        prefix in "[a-zA-Z0-9 ]{0,8}",
        control in prop_oneof![0u8..0x09, 0x0au8..0x20, Just(0x7fu8)],
        suffix in "[a-zA-Z0-9 :]{0,8}",
    ) {
        let value = format!("{prefix}{}{suffix}", control as char);
        let result = EnrollFactor::new("u1", FactorEnrollment::push())
            .accept_language(value.as_str())
            .build_request(&org(), &creds());
        prop_assert!(
            matches!(result, Err(Error::Input(InputError::Header { name: "Accept-Language", .. }))),
            "{:?}", result.map(|r| r.headers().clone())
        );
    }
}

// ===========================================================================
// Query parameters
// ===========================================================================

#[track_caller]
fn assert_lifetime_rejected<T: std::fmt::Debug>(result: Result<T, Error>, seconds: u32) {
    match result {
        Err(Error::Input(ref e @ InputError::Parameter { name, ref reason })) => {
            assert_eq!(name, "tokenLifetimeSeconds");
            assert!(reason.contains(&seconds.to_string()), "{reason}");
            assert!(reason.contains("86400"), "{reason}");
            assert!(e.to_string().contains("tokenLifetimeSeconds"));
        }
        other => panic!("expected tokenLifetimeSeconds error, got {other:?}"),
    }
}

#[test]
fn token_lifetime_bounds() {
    let org = org();
    let creds = creds();
    for seconds in [0, 86_401, u32::MAX] {
        assert_lifetime_rejected(
            EnrollFactor::new("u1", FactorEnrollment::sms("+15554151337"))
                .token_lifetime_seconds(seconds)
                .build_request(&org, &creds),
            seconds,
        );
        assert_lifetime_rejected(
            VerifyFactor::new("u1", "f1")
                .token_lifetime_seconds(seconds)
                .build_request(&org, &creds),
            seconds,
        );
    }
    for seconds in [1, 300, 86_400] {
        let request = EnrollFactor::new("u1", FactorEnrollment::sms("+15554151337"))
            .token_lifetime_seconds(seconds)
            .build_request(&org, &creds)
            .unwrap();
        assert_eq!(
            request.uri().query(),
            Some(format!("tokenLifetimeSeconds={seconds}").as_str())
        );
        let request = VerifyFactor::new("u1", "f1")
            .token_lifetime_seconds(seconds)
            .build_request(&org, &creds)
            .unwrap();
        assert_eq!(
            request.uri().query(),
            Some(format!("tokenLifetimeSeconds={seconds}").as_str())
        );
    }
}

/// `application/x-www-form-urlencoded` decoding of one query component.
fn form_decode(component: &str) -> String {
    percent_decode(&component.replace('+', " "))
}

/// The query as (key, decoded value) pairs in order.
fn query_pairs(request: &Request<Vec<u8>>) -> Vec<(String, String)> {
    request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("key=value");
            assert!(!value.contains('='), "{pair}");
            (form_decode(key), form_decode(value))
        })
        .collect()
}

#[test]
fn template_ids_are_encoded_in_the_query() {
    let org = org();
    let creds = creds();
    for template in [
        "a&b=c#d",
        "x&activate=true",
        "t=1&updatePhone=false",
        "#frag",
        "a b+c%20d",
        "é/?",
        "&&==",
    ] {
        let request = EnrollFactor::new("u1", FactorEnrollment::sms("+15554151337"))
            .update_phone(true)
            .template_id(template)
            .build_request(&org, &creds)
            .unwrap();
        assert!(!request.uri().to_string().contains('#'));
        assert_eq!(
            query_pairs(&request),
            vec![
                ("updatePhone".to_owned(), "true".to_owned()),
                ("templateId".to_owned(), template.to_owned()),
            ],
            "{template:?}"
        );

        let request = VerifyFactor::new("u1", "f1")
            .template_id(template)
            .token_lifetime_seconds(60)
            .build_request(&org, &creds)
            .unwrap();
        assert_eq!(
            query_pairs(&request),
            vec![
                ("templateId".to_owned(), template.to_owned()),
                ("tokenLifetimeSeconds".to_owned(), "60".to_owned()),
            ],
            "{template:?}"
        );

        let request = ResendEnrollFactor::new("u1", "f1", FactorEnrollment::sms("+15554151337"))
            .template_id(template)
            .build_request(&org, &creds)
            .unwrap();
        assert_eq!(
            query_pairs(&request),
            vec![("templateId".to_owned(), template.to_owned())],
            "{template:?}"
        );
        assert_eq!(
            request.uri().path(),
            "/api/v1/users/u1/factors/f1/resend",
            "{template:?}"
        );
    }
}

proptest! {
    #[test]
    fn any_template_id_is_one_query_value(template in any::<String>()) {
        let request = VerifyFactor::new("u1", "f1")
            .template_id(template.as_str())
            .build_request(&org(), &creds())
            .unwrap();
        prop_assert_eq!(
            query_pairs(&request),
            vec![("templateId".to_owned(), template.clone())]
        );
        prop_assert_eq!(request.uri().path(), "/api/v1/users/u1/factors/f1/verify");
    }
}
