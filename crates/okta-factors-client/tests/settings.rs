//! `Settings` (feature `config`): precedence, every key and variable, the
//! shapes and errors of okta.yaml, unknown keys, and secrets kept out of
//! `Debug`, reports and errors. The expected values come from the Okta SDKs'
//! conventions (see the module docs), written out here by hand.

#![cfg(feature = "config")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use okta_factors::http::{Request, Response};
use okta_factors::{
    AuthScheme, BlockingClient, ClientBuilder, Limits, OrgUrl, Settings, SettingsError,
    TransportError,
};

type Builder = ClientBuilder<okta_factors::ureq::Client>;

const ORG: &str = "https://dev-123456.okta.com";
const TOKEN: &str = "00sEcReT-tOkEn-value";

/// Test-only key (crates/okta-factors-core/tests/keys/ec_p256_pkcs8.pem:
/// public, never registered anywhere).
const EC_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgzh67P9Ik2mPKWQpn
FZ3nkb2lbX1ep+0vCmIKFAwpA5KhRANCAASSm6QKFL3eiCFw72oByfjJsuk32oMJ
lnYfN4XEn/EOpyy/alrHxQ2Pqq4P4QaF0p9Q4Czsa+EzEb9Jd90mc4Hx
-----END PRIVATE KEY-----
";

/// The same key as a private JWK (ec_p256.jwk.json).
const EC_JWK: &str = r#"{"kty":"EC","kid":"test-ec-1","crv":"P-256","x":"kpukChS93oghcO9qAcn4ybLpN9qDCZZ2HzeFxJ_xDqc","y":"LL9qWsfFDY-qrg_hBoXSn1DgLOxr4TMRv0l33SZzgfE","d":"zh67P9Ik2mPKWQpnFZ3nkb2lbX1ep-0vCmIKFAwpA5I"}"#;

/// Parts of the key that must never show up anywhere.
const KEY_PARTS: [&str; 2] = ["zh67P9Ik2mPKWQpn", "MIGHAgEAMBMGByqGSM49"];

fn env(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    Settings::new().env(vars.iter().copied())
}

fn yaml(text: &str) -> Result<Settings, SettingsError> {
    Settings::new().yaml("/home/me/.okta/okta.yaml", text)
}

fn builder(settings: &Settings) -> Builder {
    okta_factors::ureq::Client::builder_from(settings).unwrap()
}

fn build_error(settings: &Settings) -> String {
    okta_factors::ureq::Client::builder_from(settings)
        .unwrap_err()
        .to_string()
}

/// A directory of its own under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "okta-factors-settings-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn layers_win_in_order_home_local_environment_then_code() {
    let layer = |secs: u64| format!("okta: {{client: {{requestTimeout: {secs}}}}}");
    // (home, ./.okta.yaml, ./okta.yaml, environment, code) → request timeout.
    for (home, dot_local, local, var, code, expected) in [
        (Some(11), None, None, None, None, 11),
        (Some(11), Some(12), None, None, None, 12),
        (Some(11), Some(12), Some(13), None, None, 13),
        (Some(11), None, Some(13), None, None, 13),
        (None, Some(12), Some(13), None, None, 13),
        (Some(11), Some(12), Some(13), Some(14), None, 14),
        (Some(11), None, None, Some(14), None, 14),
        (Some(11), Some(12), Some(13), Some(14), Some(15), 15),
        (None, None, None, None, Some(15), 15),
        (None, None, None, None, None, 60), // the builder's default
    ] {
        let mut settings = Settings::new()
            .env([("OKTA_CLIENT_ORGURL", ORG), ("OKTA_CLIENT_TOKEN", TOKEN)])
            .unwrap();
        for (file, secs) in [
            ("/home/me/.okta/okta.yaml", home),
            ("./.okta.yaml", dot_local),
            ("./okta.yaml", local),
        ] {
            if let Some(secs) = secs {
                settings = settings.yaml(file, &layer(secs)).unwrap();
            }
        }
        if let Some(secs) = var {
            settings = settings
                .env([("OKTA_CLIENT_REQUESTTIMEOUT", secs.to_string())])
                .unwrap();
        }
        let mut builder = builder(&settings);
        if let Some(secs) = code {
            builder = builder.request_timeout(Duration::from_secs(secs));
        }
        assert_eq!(
            builder.config().request_timeout,
            Duration::from_secs(expected),
            "{:?}",
            (home, dot_local, local, var, code)
        );
        assert_eq!(
            builder.transport_config().request_timeout,
            Duration::from_secs(expected)
        );
    }
    // A later layer replaces one value, not the whole file.
    let settings = yaml(&format!(
        "okta: {{client: {{orgUrl: {ORG}, token: {TOKEN}, connectionTimeout: 3}}}}"
    ))
    .unwrap()
    .yaml(
        "./okta.yaml",
        "okta: {client: {orgUrl: https://dev-2.okta.com}}",
    )
    .unwrap();
    let builder = builder(&settings);
    assert_eq!(builder.config().org.as_str(), "https://dev-2.okta.com");
    assert_eq!(
        builder.config().credentials.token().unwrap().expose(),
        TOKEN
    );
    assert_eq!(
        builder.transport_config().connect_timeout,
        Duration::from_secs(3)
    );
}

/// What one key or variable must change on the builder.
type Check = fn(&Builder);

fn every_setting() -> Vec<(&'static str, &'static str, &'static str, Check)> {
    // (variable, key under okta.client, value, check). Each is layered over
    // an org URL and a token (unless it is one of them).
    vec![
        (
            "OKTA_CLIENT_ORGURL",
            "orgUrl",
            "https://acme.okta.com/",
            |b| assert_eq!(b.config().org.as_str(), "https://acme.okta.com"),
        ),
        ("OKTA_CLIENT_TOKEN", "token", "00other-token", |b| {
            let credentials = &b.config().credentials;
            assert_eq!(credentials.scheme(), AuthScheme::Ssws);
            assert_eq!(credentials.token().unwrap().expose(), "00other-token");
        }),
        (
            "OKTA_CLIENT_AUTHORIZATIONMODE",
            "authorizationMode",
            "Bearer",
            |b| {
                let credentials = &b.config().credentials;
                assert_eq!(credentials.scheme(), AuthScheme::Bearer);
                assert_eq!(credentials.token().unwrap().expose(), TOKEN);
            },
        ),
        (
            "OKTA_CLIENT_CONNECTIONTIMEOUT",
            "connectionTimeout",
            "7",
            |b| assert_eq!(b.transport_config().connect_timeout, Duration::from_secs(7)),
        ),
        ("OKTA_CLIENT_REQUESTTIMEOUT", "requestTimeout", "45", |b| {
            assert_eq!(b.config().request_timeout, Duration::from_secs(45))
        }),
        (
            "OKTA_CLIENT_RATELIMIT_MAXRETRIES",
            "rateLimit.maxRetries",
            "5",
            |b| assert_eq!(b.config().retry.max_retries, 5),
        ),
        ("OKTA_CLIENT_USERAGENT", "userAgent", "my-app/1.2", |b| {
            assert!(b.config().user_agent().ends_with(" my-app/1.2"))
        }),
        (
            "OKTA_CLIENT_PROXY_HOST",
            "proxy.host",
            "proxy.corp.example",
            |b| {
                // With the port of the base settings (below).
                let proxy = b.transport_config().proxy.as_ref().unwrap();
                assert_eq!(proxy.url(), "http://proxy.corp.example:3128");
                assert_eq!(proxy.credentials(), None);
            },
        ),
        ("OKTA_CLIENT_PROXY_PORT", "proxy.port", "8080", |b| {
            let proxy = b.transport_config().proxy.as_ref().unwrap();
            assert_eq!(proxy.url(), "http://base.proxy.example:8080");
        }),
        (
            "OKTA_CLIENT_PROXY_USERNAME",
            "proxy.username",
            "svc-okta",
            |b| {
                let proxy = b.transport_config().proxy.as_ref().unwrap();
                assert_eq!(proxy.credentials(), Some(("svc-okta", "")));
            },
        ),
    ]
}

#[test]
fn every_variable_and_every_key_sets_what_the_sdks_say() {
    for (var, key, value, check) in every_setting() {
        let base_proxy = if key.starts_with("proxy.") {
            vec![
                ("OKTA_CLIENT_PROXY_HOST", "base.proxy.example"),
                ("OKTA_CLIENT_PROXY_PORT", "3128"),
            ]
        } else {
            Vec::new()
        };
        let base = || {
            Settings::new()
                .env(
                    [("OKTA_CLIENT_ORGURL", ORG), ("OKTA_CLIENT_TOKEN", TOKEN)]
                        .into_iter()
                        .chain(base_proxy.iter().copied()),
                )
                .unwrap()
        };
        // As a variable.
        let settings = base().env([(var, value)]).unwrap();
        check(&builder(&settings));
        // As a key, nested as its path says.
        let mut text = String::from("okta:\n  client:\n");
        match key.split_once('.') {
            Some((section, leaf)) => {
                text.push_str(&format!("    {section}:\n      {leaf}: {value}\n"))
            }
            None => text.push_str(&format!("    {key}: {value}\n")),
        }
        let settings = base().yaml("./okta.yaml", &text).unwrap();
        check(&builder(&settings));
        // The report names the key and where it came from.
        let report = settings.report().to_string();
        assert!(
            report.contains(&format!("okta.client.{key} = ")),
            "{key}: {report}"
        );
    }
    // The proxy password, with a username.
    let settings = env(&[
        ("OKTA_CLIENT_ORGURL", ORG),
        ("OKTA_CLIENT_TOKEN", TOKEN),
        ("OKTA_CLIENT_PROXY_HOST", "proxy.corp.example"),
        ("OKTA_CLIENT_PROXY_PORT", "3128"),
        ("OKTA_CLIENT_PROXY_USERNAME", "svc-okta"),
        ("OKTA_CLIENT_PROXY_PASSWORD", "pr0xy-pa55word"),
    ])
    .unwrap();
    let builder = builder(&settings);
    let proxy = builder.transport_config().proxy.as_ref().unwrap();
    assert_eq!(proxy.credentials(), Some(("svc-okta", "pr0xy-pa55word")));
    assert!(!format!("{builder:?}{settings:?}{}", settings.report()).contains("pr0xy-pa55word"));
}

#[test]
fn go_spellings_of_variables_are_accepted_and_two_spellings_must_agree() {
    for (var, check) in [
        (
            "OKTA_CLIENT_CONNECTION_TIMEOUT",
            (|b| assert_eq!(b.transport_config().connect_timeout, Duration::from_secs(9))) as Check,
        ),
        ("OKTA_CLIENT_REQUEST_TIMEOUT", |b| {
            assert_eq!(b.config().request_timeout, Duration::from_secs(9))
        }),
        ("OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES", |b| {
            assert_eq!(b.config().retry.max_retries, 9)
        }),
    ] {
        let settings = env(&[
            ("OKTA_CLIENT_ORGURL", ORG),
            ("OKTA_CLIENT_TOKEN", TOKEN),
            (var, "9"),
        ])
        .unwrap();
        check(&builder(&settings));
    }
    // Python's code reads OKTA_CLIENT_ORG_URL (its README says ORGURL).
    let settings = env(&[("OKTA_CLIENT_ORG_URL", ORG), ("OKTA_CLIENT_TOKEN", TOKEN)]).unwrap();
    assert_eq!(builder(&settings).config().org.as_str(), ORG);
    // The same value twice is fine; two values are refused, naming both.
    env(&[
        ("OKTA_CLIENT_CONNECTIONTIMEOUT", "5"),
        ("OKTA_CLIENT_CONNECTION_TIMEOUT", "5"),
    ])
    .unwrap();
    let err = env(&[
        ("OKTA_CLIENT_CONNECTIONTIMEOUT", "5"),
        ("OKTA_CLIENT_CONNECTION_TIMEOUT", "6"),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("OKTA_CLIENT_CONNECTIONTIMEOUT")
            && err.contains("OKTA_CLIENT_CONNECTION_TIMEOUT"),
        "{err}"
    );
    // Secrets too, without their values.
    let err = env(&[
        ("OKTA_CLIENT_PRIVATEKEY", "/keys/a.pem"),
        ("OKTA_CLIENT_PRIVATE_KEY", "/keys/b.pem"),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("okta.client.privateKey ("), "{err}");
    assert!(!err.contains("/keys/"), "{err}");
    // Within one file, privateKeyId (Go), kid (Java) and keyId (Node) are one setting.
    let err = yaml("okta: {client: {privateKeyId: a, kid: b}}")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("okta.client.privateKeyId in /home/me/.okta/okta.yaml")
            && err.contains("okta.client.kid in /home/me/.okta/okta.yaml"),
        "{err}"
    );
}

#[test]
fn numbers_may_be_yaml_numbers_or_strings_and_scopes_lists_or_strings() {
    let base = format!("okta: {{client: {{orgUrl: {ORG}, token: {TOKEN}}}}}");
    for text in [
        "okta: {client: {connectionTimeout: 4, rateLimit: {maxRetries: 3}}}",
        "okta: {client: {connectionTimeout: '4', rateLimit: {maxRetries: \"3\"}}}",
        "okta:\n  client:\n    connectionTimeout: \" 4 \"\n    rateLimit:\n      maxRetries: 3\n",
    ] {
        let settings = yaml(&base).unwrap().yaml("./okta.yaml", text).unwrap();
        let b = builder(&settings);
        assert_eq!(
            b.transport_config().connect_timeout,
            Duration::from_secs(4),
            "{text}"
        );
        assert_eq!(b.config().retry.max_retries, 3, "{text}");
    }
    for (value, reason) in [
        ("2.5", "is not a whole number of seconds"),
        ("-1", "is not a whole number of seconds"),
        ("ten", "is not a whole number of seconds"),
        ("true", "is not a whole number of seconds"),
        ("86401", "more than a day"),
    ] {
        let settings = yaml(&base)
            .unwrap()
            .env([("OKTA_CLIENT_CONNECTIONTIMEOUT", value)])
            .unwrap();
        let err = build_error(&settings);
        assert!(
            err.starts_with("okta.client.connectionTimeout (OKTA_CLIENT_CONNECTIONTIMEOUT): ")
                && err.contains(reason),
            "{value}: {err}"
        );
    }
    // 0 keeps the defaults: every connection and call stays bounded.
    let settings = yaml(&base)
        .unwrap()
        .yaml(
            "./okta.yaml",
            "okta: {client: {connectionTimeout: 0, requestTimeout: 0}}",
        )
        .unwrap();
    let b = builder(&settings);
    assert_eq!(
        b.transport_config().connect_timeout,
        Duration::from_secs(10)
    );
    assert_eq!(b.config().request_timeout, Duration::from_secs(60));
    // Retries: a whole number (0 turns retrying off).
    let settings = yaml(&base)
        .unwrap()
        .env([("OKTA_CLIENT_RATELIMIT_MAXRETRIES", "0")])
        .unwrap();
    assert_eq!(builder(&settings).config().retry.max_retries, 0);
    let settings = yaml(&base)
        .unwrap()
        .env([("OKTA_CLIENT_RATELIMIT_MAXRETRIES", "-2")])
        .unwrap();
    assert!(build_error(&settings).contains("is not a whole number of retries"));
}

#[test]
fn authorization_modes_are_read_in_any_case_and_default_as_the_sdks_do() {
    for (mode, expected) in [
        ("SSWS", AuthScheme::Ssws),
        ("ssws", AuthScheme::Ssws),
        ("Bearer", AuthScheme::Bearer),
        ("BEARER", AuthScheme::Bearer),
        ("bearer", AuthScheme::Bearer),
        ("PrivateKey", AuthScheme::PrivateKey),
        ("privatekey", AuthScheme::PrivateKey),
        ("PRIVATEKEY", AuthScheme::PrivateKey),
    ] {
        let settings = env(&[("OKTA_CLIENT_AUTHORIZATIONMODE", mode)]).unwrap();
        assert_eq!(settings.authorization_mode().unwrap(), expected, "{mode}");
    }
    for mode in ["SSWS2", "Basic", "private-key", "DPoP"] {
        let err = env(&[("OKTA_CLIENT_AUTHORIZATIONMODE", mode)])
            .unwrap()
            .authorization_mode()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("okta.client.authorizationMode (OKTA_CLIENT_AUTHORIZATIONMODE): ")
                && err.contains("use SSWS, Bearer or PrivateKey"),
            "{mode}: {err}"
        );
    }
    // Without a mode: SSWS with a token (the SDKs' default), PrivateKey with
    // only a service app's settings, else nothing to authorize with.
    let ssws = env(&[
        ("OKTA_CLIENT_TOKEN", TOKEN),
        ("OKTA_CLIENT_CLIENTID", "0oa1"),
    ])
    .unwrap();
    assert_eq!(ssws.authorization_mode().unwrap(), AuthScheme::Ssws);
    assert!(ssws
        .report()
        .to_string()
        .contains("okta.client.authorizationMode = SSWS (the default: a token is set)"));
    let app = env(&[("OKTA_CLIENT_CLIENTID", "0oa1")]).unwrap();
    assert_eq!(app.authorization_mode().unwrap(), AuthScheme::PrivateKey);
    let err = Settings::new()
        .authorization_mode()
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("credentials is not set: set okta.client.token"),
        "{err}"
    );
    // Bearer and SSWS need the token.
    let err = env(&[
        ("OKTA_CLIENT_ORGURL", ORG),
        ("OKTA_CLIENT_AUTHORIZATIONMODE", "Bearer"),
    ])
    .map(|s| build_error(&s))
    .unwrap();
    assert!(
        err.contains("authorizationMode Bearer needs a token"),
        "{err}"
    );
}

#[test]
fn a_service_app_is_read_from_pem_text_a_jwk_or_a_key_file() {
    let dir = TempDir::new("keys");
    let pem_file = dir.file("service-app.pem", EC_PEM);
    let jwk_file = dir.file("service-app.jwk.json", EC_JWK);
    let indented = EC_PEM.replace('\n', "\n      ");
    let cases: Vec<(String, Option<&str>)> = vec![
        // (okta.client of the YAML, kid expected in the client assertion)
        (
            format!("privateKey: {pem_file}\n    privateKeyId: kid-from-settings"),
            Some("kid-from-settings"),
        ),
        (
            format!("privateKey: |\n      {indented}\n    kid: java-kid"),
            Some("java-kid"),
        ),
        (format!("privateKey: '{EC_JWK}'"), Some("test-ec-1")), // the JWK's own kid
        (
            format!("privateKey: {jwk_file}\n    keyId: node-kid"),
            Some("node-kid"),
        ),
        (format!("privateKey: {pem_file}"), None),
    ];
    for (client, kid) in cases {
        let text = format!(
            "okta:\n  client:\n    orgUrl: {ORG}\n    authorizationMode: PrivateKey\n    \
             clientId: 0oaSettingsApp\n    scopes: [okta.users.read]\n    {client}\n"
        );
        let settings = Settings::new().yaml("okta.yaml", &text).unwrap();
        let (header, form) = first_token_request(&settings);
        assert!(header.contains(r#""alg":"ES256""#), "{header}");
        match kid {
            Some(kid) => assert!(header.contains(&format!(r#""kid":"{kid}""#)), "{header}"),
            None => assert!(!header.contains("\"kid\""), "{header}"),
        }
        assert!(
            form.contains("scope=okta.users.read&") || form.ends_with("scope=okta.users.read"),
            "{form}"
        );
        let shown = format!("{settings:?}\n{}", settings.report());
        for part in KEY_PARTS {
            assert!(!shown.contains(part), "{shown}");
        }
    }
    // Scopes as a comma- or space-separated string (the variable's form).
    for scopes in [
        "okta.users.read,okta.users.manage",
        "okta.users.read okta.users.manage",
        " okta.users.read , okta.users.manage ",
    ] {
        let settings = env(&[
            ("OKTA_CLIENT_ORGURL", ORG),
            ("OKTA_CLIENT_CLIENTID", "0oaSettingsApp"),
            ("OKTA_CLIENT_PRIVATEKEY", &pem_file),
            ("OKTA_CLIENT_SCOPES", scopes),
        ])
        .unwrap();
        let (_, form) = first_token_request(&settings);
        assert!(
            form.contains("scope=okta.users.read+okta.users.manage")
                || form.contains("scope=okta.users.read%20okta.users.manage"),
            "{scopes}: {form}"
        );
    }
    // The path of a file: shown in the report (not its contents).
    let settings = env(&[("OKTA_CLIENT_PRIVATEKEY", &pem_file)]).unwrap();
    assert!(settings.report().to_string().contains(&format!(
        "okta.client.privateKey = [REDACTED] (the key file {pem_file})"
    )));
}

/// Builds a client from `settings`, lists factors over a transport that
/// answers the token request, and returns the client assertion's JOSE header
/// (decoded) and the token request's form.
fn first_token_request(settings: &Settings) -> (String, String) {
    let seen: Mutex<Option<(String, String)>> = Mutex::new(None);
    let transport = |request: Request<Vec<u8>>,
                     _: Limits|
     -> Result<Response<Vec<u8>>, TransportError> {
        if request.uri().path() == "/oauth2/v1/token" {
            let form = String::from_utf8(request.body().clone()).unwrap();
            let assertion = form
                .split('&')
                .find_map(|pair| pair.strip_prefix("client_assertion="))
                .unwrap();
            let header = assertion.split('.').next().unwrap();
            let header = data_encoding::BASE64URL_NOPAD
                .decode(header.as_bytes())
                .unwrap();
            *seen.lock().unwrap() = Some((String::from_utf8(header).unwrap(), form));
            let body = r#"{"token_type":"Bearer","expires_in":3600,"access_token":"at-1","scope":"okta.users.read"}"#;
            return Ok(Response::builder()
                .status(200)
                .body(body.as_bytes().to_vec())
                .unwrap());
        }
        Ok(Response::builder()
            .status(200)
            .body(b"[]".to_vec())
            .unwrap())
    };
    let client = BlockingClient::builder_from(settings)
        .unwrap()
        .build_with(transport);
    assert_eq!(client.config().credentials.scheme(), AuthScheme::PrivateKey);
    assert!(client.list_factors("00u1").unwrap().is_empty());
    drop(client);
    seen.into_inner().unwrap().expect("a token request")
}

#[test]
fn a_key_file_that_does_not_exist_is_named_with_its_setting() {
    let dir = TempDir::new("missing");
    let missing = dir.0.join("no-such-key.pem").display().to_string();
    for settings in [
        env(&[
            ("OKTA_CLIENT_ORGURL", ORG),
            ("OKTA_CLIENT_CLIENTID", "0oa1"),
            ("OKTA_CLIENT_PRIVATEKEY", &missing),
        ])
        .unwrap(),
        yaml(&format!(
            "okta: {{client: {{orgUrl: {ORG}, clientId: 0oa1, privateKey: {missing}}}}}"
        ))
        .unwrap(),
    ] {
        let err = build_error(&settings);
        assert!(err.starts_with("okta.client.privateKey ("), "{err}");
        assert!(
            err.contains(&format!("the key file {missing} does not exist")),
            "{err}"
        );
    }
    let err = build_error(
        &env(&[
            ("OKTA_CLIENT_ORGURL", ORG),
            ("OKTA_CLIENT_CLIENTID", "0oa1"),
            ("OKTA_CLIENT_PRIVATEKEY", "keys/app.pem"),
        ])
        .unwrap(),
    );
    assert!(
        err.contains(
            "the key file keys/app.pem does not exist (relative to the working directory)"
        ),
        "{err}"
    );
    // A key's base64 without its PEM lines is not taken for a path, and not shown.
    let body: String = EC_PEM.lines().filter(|l| !l.starts_with("-----")).collect();
    let err = build_error(
        &env(&[
            ("OKTA_CLIENT_ORGURL", ORG),
            ("OKTA_CLIENT_CLIENTID", "0oa1"),
            ("OKTA_CLIENT_PRIVATEKEY", &body),
        ])
        .unwrap(),
    );
    assert!(err.contains("needs its BEGIN and END lines"), "{err}");
    for part in KEY_PARTS {
        assert!(!err.contains(part), "{err}");
    }
    // An unusable key: the key error, never the key.
    let public_only = EC_PEM.replace("PRIVATE KEY", "PUBLIC KEY");
    let err = build_error(
        &env(&[
            ("OKTA_CLIENT_ORGURL", ORG),
            ("OKTA_CLIENT_CLIENTID", "0oa1"),
            ("OKTA_CLIENT_PRIVATEKEY", &public_only),
        ])
        .unwrap(),
    );
    assert!(
        err.starts_with("okta.client.privateKey (OKTA_CLIENT_PRIVATEKEY): "),
        "{err}"
    );
    for part in KEY_PARTS {
        assert!(!err.contains(part), "{err}");
    }
    // A service app needs its client ID and key.
    let err = build_error(
        &env(&[
            ("OKTA_CLIENT_ORGURL", ORG),
            ("OKTA_CLIENT_PRIVATEKEY", EC_PEM),
        ])
        .unwrap(),
    );
    assert!(err.starts_with("okta.client.clientId is not set"), "{err}");
    let err = build_error(
        &env(&[
            ("OKTA_CLIENT_ORGURL", ORG),
            ("OKTA_CLIENT_AUTHORIZATIONMODE", "PrivateKey"),
            ("OKTA_CLIENT_CLIENTID", "0oa1"),
        ])
        .unwrap(),
    );
    assert!(
        err.starts_with("okta.client.privateKey is not set"),
        "{err}"
    );
}

#[test]
fn malformed_yaml_names_the_file_and_line_and_never_the_secret() {
    // (text, line of the error)
    for (text, line) in [
        // A tab where indentation is expected (line 4).
        (
            format!("okta:\n  client:\n    orgUrl: {ORG}\n\ttoken: {TOKEN}\n"),
            4,
        ),
        // A value that runs on after a quote (line 3).
        (
            format!("okta:\n  client:\n    token: \"{TOKEN}\" trailing\n"),
            3,
        ),
        // An unclosed flow mapping (the end of the text, line 3).
        (format!("okta: {{client: {{token: {TOKEN}\n\n"), 3),
        // A key at a deeper indentation than its sibling (line 4).
        (
            format!("okta:\n  client:\n    orgUrl: {ORG}\n      token: {TOKEN}\n"),
            4,
        ),
        // The token as a key, twice: the mapping that holds it twice (line 3).
        (
            format!("okta:\n  client:\n    {TOKEN}: 1\n    {TOKEN}: 2\n"),
            3,
        ),
        // An unclosed quote (from line 3 to the end).
        (
            format!("okta:\n  client:\n    token: '{TOKEN}\n    orgUrl: {ORG}\n"),
            5,
        ),
    ] {
        let err = yaml(&text).unwrap_err();
        let message = err.to_string();
        match &err {
            SettingsError::File {
                file,
                line: Some(at),
                ..
            } => {
                assert_eq!(file, "/home/me/.okta/okta.yaml");
                assert_eq!(*at, line, "{text:?}: {message}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
        assert!(
            message.starts_with(&format!(
                "/home/me/.okta/okta.yaml, line {line}: not valid YAML"
            )),
            "{message}"
        );
        assert!(
            !message.contains("sEcReT") && !format!("{err:?}").contains("sEcReT"),
            "{message}"
        );
    }
    // libyaml's own description is kept (it quotes punctuation, never input);
    // `trailing` starts at column 35: 4 spaces, `token: ` and the quoted 20 characters.
    let message = yaml(&format!("okta: {{client: {{token: {TOKEN}\n\n"))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("did not find expected ',' or '}'"),
        "{message}"
    );
    let message = yaml(&format!(
        "okta:\n  client:\n    token: \"{TOKEN}\" trailing\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("(column 35): did not find expected key"),
        "{message}"
    );
    // Shapes: the key named, the value never.
    for (text, expected) in [
        ("- okta", "/home/me/.okta/okta.yaml: is not a mapping"),
        ("okta: [client]", "okta is a list, not a mapping"),
        (
            "okta: {client: 00sEcReT}",
            "okta.client is a value, not a mapping",
        ),
        (
            "okta: {client: {proxy: 00sEcReT}}",
            "okta.client.proxy is a value, not a mapping",
        ),
        (
            "okta: {client: {token: [00sEcReT]}}",
            "okta.client.token is a list, not a value",
        ),
        (
            "okta: {client: {token: {value: 00sEcReT}}}",
            "okta.client.token is a mapping, not a value",
        ),
        (
            "okta: {client: {orgUrl: !url 00sEcReT}}",
            "okta.client.orgUrl is a tagged value (!tag), not a value",
        ),
        (
            "okta: {client: {scopes: [okta.users.read, {a: b}]}}",
            "okta.client.scopes holds an item that is not a scope name",
        ),
    ] {
        let message = yaml(text).unwrap_err().to_string();
        assert!(message.contains(expected), "{text}: {message}");
        assert!(!message.contains("sEcReT"), "{message}");
    }
    // An empty file, comments only, or empty sections set nothing.
    for text in [
        "",
        "# nothing yet\n",
        "okta:\n",
        "okta:\n  client:\n",
        "okta: {client: {token: , proxy: }}",
    ] {
        let settings = yaml(text).unwrap();
        assert!(settings.sources().is_empty(), "{text}: {settings:?}");
    }
}

#[test]
fn unknown_and_unused_keys_and_variables_are_ignored_but_reported_by_name() {
    let settings = yaml(&format!(
        "okta:
  client:
    orgUrl: {ORG}
    orgURL: https://typo.example
    token: {TOKEN}
    cache:
      enabled: true
      defaultTtl: 300
    rateLimit:
      maxRetries: 3
      maxBackoff: 30
    clientSecret: 5ecret-client-5ecret
    oauth2:
      accessToken: 5ecret-access-token
  testing:
    disableHttpsCheck: true
  idx:
    issuer: https://dev-123456.okta.com/oauth2/default
spring:
  profiles: dev
"
    ))
    .unwrap()
    .env([
        ("OKTA_CLIENT_TOKNE", "5ecret-in-a-typo"),
        ("OKTA_CLIENT_CACHE_ENABLED", "false"),
        ("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true"),
        ("OKTA_CLIENT_PROXY_PASSWORD", ""),
        ("OKTA_USER_ID", "00u1"), // not a setting: not looked at
        ("HOME", "/home/me"),
    ])
    .unwrap();
    let report = settings.report().to_string();
    for line in [
        "okta.client.orgURL in /home/me/.okta/okta.yaml: ignored, names no setting of this client (did you mean okta.client.orgUrl?)",
        "okta.client.cache in /home/me/.okta/okta.yaml: ignored, read by other Okta SDKs, not here:",
        "okta.client.rateLimit.maxBackoff in /home/me/.okta/okta.yaml: ignored, read by other Okta SDKs",
        "okta.client.clientSecret in /home/me/.okta/okta.yaml: ignored, read by other Okta SDKs",
        "okta.client.oauth2 in /home/me/.okta/okta.yaml: ignored, read by other Okta SDKs, not here: for an access token, use token with authorizationMode: Bearer",
        "okta.testing.disableHttpsCheck in /home/me/.okta/okta.yaml: ignored, read by other Okta SDKs, not here: plain http only from code: OrgUrl::parse_allowing_insecure_http",
        "okta.idx in /home/me/.okta/okta.yaml: ignored, names no setting of this client",
        "spring in /home/me/.okta/okta.yaml: ignored, names no setting of this client",
        "OKTA_CLIENT_TOKNE: ignored, names no setting of this client",
        "OKTA_CLIENT_CACHE_ENABLED: ignored, read by other Okta SDKs",
        "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK: ignored, read by other Okta SDKs, not here: plain http only from code",
        "OKTA_CLIENT_PROXY_PASSWORD: ignored, empty: not set",
        "okta.client.orgUrl = https://dev-123456.okta.com (/home/me/.okta/okta.yaml)",
        "okta.client.rateLimit.maxRetries = 3 (/home/me/.okta/okta.yaml)",
    ] {
        assert!(report.contains(line), "missing {line:?} in\n{report}");
    }
    assert!(
        !report.contains("OKTA_USER_ID") && !report.contains("HOME"),
        "{report}"
    );
    assert!(
        !report.contains("5ecret") && !report.contains("sEcReT"),
        "{report}"
    );
    // And the client is what the known keys say.
    let b = builder(&settings);
    assert_eq!(b.config().org.as_str(), ORG);
    assert_eq!(b.config().retry.max_retries, 3);
}

#[test]
fn secrets_stay_out_of_debug_reports_and_errors() {
    let settings = yaml(&format!(
        "okta:\n  client:\n    orgUrl: {ORG}\n    token: {TOKEN}\n    privateKey: |\n      {}\n    proxy: {{host: p.example, port: 1, username: u, password: pr0xy-pa55word}}\n",
        EC_PEM.replace('\n', "\n      ")
    ))
    .unwrap();
    let shown = format!(
        "{settings:?}\n{}\n{:?}",
        settings.report(),
        settings.report()
    );
    assert!(shown.contains("okta.client.token = [REDACTED]"), "{shown}");
    assert!(
        shown.contains("okta.client.privateKey = [REDACTED] (/home/me/.okta/okta.yaml)"),
        "{shown}"
    );
    assert!(
        shown.contains("okta.client.proxy.password = [REDACTED]"),
        "{shown}"
    );
    for secret in ["sEcReT", "pr0xy-pa55word"].into_iter().chain(KEY_PARTS) {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    // A token the core refuses: the reason, not the token.
    for token in ["00has a space", "{myOktaToken}", "SSWS 00abc-sEcReT"] {
        let settings = env(&[("OKTA_CLIENT_ORGURL", ORG), ("OKTA_CLIENT_TOKEN", token)]).unwrap();
        let err = build_error(&settings);
        assert!(
            err.starts_with("okta.client.token (OKTA_CLIENT_TOKEN): "),
            "{err}"
        );
        assert!(!err.contains(token) && !err.contains("sEcReT"), "{err}");
    }
}

#[test]
fn what_a_client_needs_is_an_error_only_when_it_is_built() {
    // Layering never needs an org or credentials.
    let settings = env(&[("OKTA_CLIENT_CONNECTIONTIMEOUT", "5")]).unwrap();
    assert!(!settings.names_org());
    let err = build_error(&settings);
    assert!(
        err.starts_with("okta.client.orgUrl (the org URL) is not set: set it in ~/.okta/okta.yaml"),
        "{err}"
    );
    let settings = env(&[("OKTA_CLIENT_ORGURL", ORG)]).unwrap();
    assert!(settings.names_org());
    assert!(build_error(&settings).starts_with("credentials is not set"));
    // An unusable org URL: the core's reason, with where it came from.
    for (url, reason) in [
        ("https://dev-123456-admin.okta.com", "the Admin Console URL"),
        ("https://{yourOktaDomain}", "placeholder"),
        (
            "http://okta-mock:8080",
            "plain http is only allowed for loopback hosts",
        ),
    ] {
        let settings = yaml(&format!(
            "okta: {{client: {{orgUrl: '{url}', token: {TOKEN}}}}}"
        ))
        .unwrap();
        let err = build_error(&settings);
        assert!(
            err.starts_with("okta.client.orgUrl (/home/me/.okta/okta.yaml): invalid org URL: ")
                && err.contains(reason),
            "{url}: {err}"
        );
    }
}

#[test]
fn plain_http_to_a_remote_host_comes_only_from_code() {
    let settings = Settings::new()
        .yaml(
            "okta.yaml",
            &format!("okta:\n  client:\n    orgUrl: http://okta-mock:8080\n    token: {TOKEN}\n    requestTimeout: 5\n  testing:\n    disableHttpsCheck: true\n"),
        )
        .unwrap()
        .env([("OKTA_TESTING_DISABLEHTTPSCHECK", "true")])
        .unwrap();
    assert!(build_error(&settings).contains("plain http is only allowed for loopback hosts"));
    // In code: the org parsed insecurely, the rest from the settings.
    let org = OrgUrl::parse_allowing_insecure_http("http://okta-mock:8080").unwrap();
    let b = settings
        .apply_to(okta_factors::ureq::Client::builder(
            org,
            settings.credentials().unwrap(),
        ))
        .unwrap();
    assert!(b.config().org.is_insecure_http());
    assert_eq!(b.config().request_timeout, Duration::from_secs(5));
    // Loopback http is an ordinary org (tests, the simulator).
    let settings = env(&[
        ("OKTA_CLIENT_ORGURL", "http://127.0.0.1:8080"),
        ("OKTA_CLIENT_TOKEN", TOKEN),
    ])
    .unwrap();
    assert_eq!(
        builder(&settings).config().org.as_str(),
        "http://127.0.0.1:8080"
    );
}

#[test]
fn proxies_are_host_and_port_with_optional_credentials() {
    let proxy = |vars: &[(&str, &str)]| {
        let settings = env(vars).unwrap();
        settings.proxy().map(|p| {
            p.map(|p| {
                (
                    p.url(),
                    p.credentials().map(|(u, p)| (u.to_owned(), p.to_owned())),
                )
            })
        })
    };
    assert_eq!(proxy(&[]).unwrap(), None);
    for (host, url) in [
        ("proxy.example", "http://proxy.example:3128"),
        ("Proxy.Example", "http://proxy.example:3128"),
        ("10.0.0.1", "http://10.0.0.1:3128"),
        ("::1", "http://[::1]:3128"),
        ("[fd00::1]", "http://[fd00::1]:3128"),
    ] {
        let got = proxy(&[
            ("OKTA_CLIENT_PROXY_HOST", host),
            ("OKTA_CLIENT_PROXY_PORT", "3128"),
        ])
        .unwrap();
        assert_eq!(got, Some((url.to_owned(), None)), "{host}");
    }
    let got = proxy(&[
        ("OKTA_CLIENT_PROXY_HOST", "proxy.example"),
        ("OKTA_CLIENT_PROXY_PORT", "3128"),
        ("OKTA_CLIENT_PROXY_USERNAME", "al@ice"),
        ("OKTA_CLIENT_PROXY_PASSWORD", "p:ss w%rd"),
    ])
    .unwrap();
    assert_eq!(
        got,
        Some((
            "http://proxy.example:3128".to_owned(),
            Some(("al@ice".to_owned(), "p:ss w%rd".to_owned()))
        ))
    );
    for (vars, expected) in [
        (&[("OKTA_CLIENT_PROXY_HOST", "proxy.example")][..], "okta.client.proxy.port is not set"),
        (&[("OKTA_CLIENT_PROXY_PORT", "3128")][..], "okta.client.proxy.port (OKTA_CLIENT_PROXY_PORT): is set but okta.client.proxy.host is not"),
        (&[("OKTA_CLIENT_PROXY_HOST", "http://proxy.example:3128"), ("OKTA_CLIENT_PROXY_PORT", "3128")][..], "is a host name, not a URL"),
        (&[("OKTA_CLIENT_PROXY_HOST", "proxy.example"), ("OKTA_CLIENT_PROXY_PORT", "0")][..], "\"0\" is not a port (1-65535)"),
        (&[("OKTA_CLIENT_PROXY_HOST", "proxy.example"), ("OKTA_CLIENT_PROXY_PORT", "99999")][..], "\"99999\" is not a port"),
        (&[("OKTA_CLIENT_PROXY_HOST", "proxy.example"), ("OKTA_CLIENT_PROXY_PORT", "3128"), ("OKTA_CLIENT_PROXY_PASSWORD", "pr0xy-pa55word")][..], "okta.client.proxy.password (OKTA_CLIENT_PROXY_PASSWORD): is set but okta.client.proxy.username is not"),
    ] {
        let err = proxy(vars).unwrap_err().to_string();
        assert!(err.contains(expected), "{vars:?}: {err}");
        assert!(!err.contains("pr0xy-pa55word"), "{err}");
    }
}

#[test]
fn both_clients_are_built_from_settings() {
    let settings = env(&[
        ("OKTA_CLIENT_ORGURL", ORG),
        ("OKTA_CLIENT_TOKEN", TOKEN),
        ("OKTA_CLIENT_REQUESTTIMEOUT", "21"),
    ])
    .unwrap();
    let blocking = okta_factors::ureq::Client::builder_from(&settings)
        .unwrap()
        .build()
        .unwrap();
    let async_client = okta_factors::hyper::Client::builder_from(&settings)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(blocking.config(), async_client.config());
    assert_eq!(
        async_client.config().request_timeout,
        Duration::from_secs(21)
    );
    assert_eq!(
        settings.sources(),
        [
            "OKTA_CLIENT_ORGURL",
            "OKTA_CLIENT_REQUESTTIMEOUT",
            "OKTA_CLIENT_TOKEN"
        ]
    );
}
