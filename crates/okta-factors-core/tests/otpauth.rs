//! TOTP enrollments shown to people: `TotpActivation::digits`, the
//! `otpauth://` Key URI of `TotpActivation::otpauth_uri`, and the clamp of
//! `Totp::verify`'s window.
//!
//! Oracles: Google's Key Uri Format (its own example URIs, its label and
//! parameter rules), RFC 3986 through an independent strict parser
//! (`fluent-uri`), the spec's Okta Verify and Google Authenticator enrollment
//! examples, and RFC 6238's test key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::mpsc;
use std::time::Duration;

use fluent_uri::pct_enc::EStr;
use fluent_uri::Uri;
use okta_factors_core::model::UserFactor;
use okta_factors_core::{InputError, Secret};
use serde_json::{json, Value};

/// A pending `token:software:totp` factor whose activation is `activation`.
fn factor(activation: Value) -> UserFactor {
    serde_json::from_value(json!({
        "id": "ostf1", "factorType": "token:software:totp", "provider": "OKTA",
        "status": "PENDING_ACTIVATION",
        "_embedded": {"activation": activation}
    }))
    .unwrap()
}

fn totp_factor(secret: &str, key_length: Option<u32>, time_step: Option<u64>) -> UserFactor {
    let mut activation = json!({"sharedSecret": secret, "encoding": "base32"});
    if let Some(k) = key_length {
        activation["keyLength"] = json!(k);
    }
    if let Some(t) = time_step {
        activation["timeStep"] = json!(t);
    }
    factor(activation)
}

fn uri_of(factor: &UserFactor, issuer: &str, account: &str) -> Result<Secret, InputError> {
    factor
        .totp_activation()
        .expect("a TOTP activation")
        .otpauth_uri(issuer, account)
}

/// An `otpauth://` URI taken apart by an RFC 3986 parser that is not this
/// crate's encoder: every component decoded.
#[derive(Debug, PartialEq)]
struct KeyUri {
    kind: String,
    label: String,
    /// Parameters in order, names and values percent-decoded.
    params: Vec<(String, String)>,
}

impl KeyUri {
    fn parse(text: &str) -> KeyUri {
        let uri = Uri::parse(text).unwrap_or_else(|e| panic!("not RFC 3986: {text:?}: {e}"));
        assert_eq!(uri.scheme().as_str(), "otpauth", "{text}");
        assert!(uri.fragment().is_none(), "{text}");
        let kind = uri.authority().expect("an authority").as_str().to_owned();
        let path = uri.path().decode().to_string().expect("a UTF-8 label");
        let label = path.strip_prefix('/').expect("an absolute path").to_owned();
        let params = uri
            .query()
            .expect("a query")
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').expect("name=value");
                let decode = |s: &EStr<_>| s.decode().to_string().unwrap().into_owned();
                (decode(name), decode(value))
            })
            .collect();
        KeyUri {
            kind,
            label,
            params,
        }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn key_uri_format_examples_are_reproduced() {
    // The Key Uri Format's example "with all optional parameters supplied",
    // byte for byte.
    let acme = totp_factor("HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ", Some(6), Some(30));
    let uri = uri_of(&acme, "ACME Co", "john.doe@email.com").unwrap();
    assert_eq!(
        uri.expose(),
        "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
    );

    // Its first example: the same label and parameters, plus the optional ones
    // at the values the format documents as defaults.
    let example = KeyUri::parse(
        "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
    );
    let ours = KeyUri::parse(
        uri_of(
            &totp_factor("JBSWY3DPEHPK3PXP", None, None),
            "Example",
            "alice@google.com",
        )
        .unwrap()
        .expose(),
    );
    assert_eq!(ours.kind, example.kind);
    assert_eq!(ours.label, example.label);
    assert_eq!(
        ours.params,
        [
            example.params.clone(),
            params(&[("algorithm", "SHA1"), ("digits", "6"), ("period", "30")])
        ]
        .concat()
    );

    // One of its label examples: `Provider1:Alice%20Smith`.
    let uri = uri_of(
        &totp_factor("JBSWY3DPEHPK3PXP", None, None),
        "Provider1",
        "Alice Smith",
    )
    .unwrap();
    assert!(
        uri.expose()
            .starts_with("otpauth://totp/Provider1:Alice%20Smith?"),
        "{}",
        uri.expose()
    );
}

#[cfg(feature = "totp")]
#[test]
fn the_uri_carries_the_key_the_format_example_names() {
    use okta_factors_core::totp::Totp;
    // The Key Uri Format: "JBSWY3DPEHPK3PXP" is the key "Hello!" 0xDE 0xAD 0xBE 0xEF.
    let key = b"Hello!\xDE\xAD\xBE\xEF".to_vec();
    let expected = Totp::new(key, 30, 6).unwrap();
    // Lower case, spaces and padding in Okta's value do not reach the URI.
    let uri = uri_of(
        &totp_factor("jbsw y3dp ehpk 3pxp======", None, None),
        "Example",
        "alice@google.com",
    )
    .unwrap();
    let parsed = KeyUri::parse(uri.expose());
    let secret = parsed.param("secret").unwrap();
    assert_eq!(secret, "JBSWY3DPEHPK3PXP");
    let from_uri = Totp::from_base32(&Secret::new(secret), 30, 6).unwrap();
    for t in [0, 59, 1_111_111_109, 2_000_000_000] {
        assert_eq!(from_uri.code_at(t), expected.code_at(t), "t={t}");
    }
}

#[test]
fn labels_and_issuers_are_percent_encoded_per_rfc_3986() {
    let issuers = [
        "ACME & Sons, 100% #1 ?/+=",
        "Ünïcødé 日本",
        "a;b$c'd(e)f*g!h[i]j",
        "",
    ];
    let accounts = [
        "José Müller+tag@example.com",
        "dade.murphy@example.com",
        "a b%20c&d=e#f?g/h\\i\"j",
        "~user-1_2.3",
    ];
    for issuer in issuers {
        for account in accounts {
            let factor = totp_factor("JBTWGV22G4ZGKV3N", Some(6), Some(30));
            let uri = uri_of(&factor, issuer, account).unwrap();
            let text = uri.expose();
            // The strict parser accepts it, and decoding gives back the input.
            let parsed = KeyUri::parse(text);
            assert_eq!(parsed.kind, "totp");
            let expected_label = if issuer.is_empty() {
                account.to_owned()
            } else {
                format!("{issuer}:{account}")
            };
            assert_eq!(parsed.label, expected_label, "{text}");
            let mut expected = params(&[("secret", "JBTWGV22G4ZGKV3N")]);
            if !issuer.is_empty() {
                expected.push(("issuer".into(), issuer.into()));
            }
            expected.extend(params(&[
                ("algorithm", "SHA1"),
                ("digits", "6"),
                ("period", "30"),
            ]));
            assert_eq!(parsed.params, expected, "{text}");
            // Only unreserved characters stay as they are (and `@` in the
            // label): nothing a form decoder would read differently (`+`), and
            // exactly one `:` (the label's separator) and `?`.
            let (label, query) = text["otpauth://totp/".len()..].split_once('?').unwrap();
            let unreserved = |c: char| c.is_ascii_alphanumeric() || "-._~%".contains(c);
            assert!(
                label.chars().all(|c| unreserved(c) || c == '@' || c == ':'),
                "{label}"
            );
            assert_eq!(
                label.matches(':').count(),
                usize::from(!issuer.is_empty()),
                "{label}"
            );
            assert!(
                query.chars().all(|c| unreserved(c) || c == '=' || c == '&'),
                "{query}"
            );
        }
    }
}

#[test]
fn spec_totp_enrollments_give_their_otpauth_uri() {
    // The spec's Okta Verify (keyLength 6) and Google Authenticator (keyLength
    // 16, the secret's length) enrollment examples: both are 6-digit codes.
    let fixtures = common::fixtures::load_json_dir("spec").unwrap();
    let mut seen = 0;
    for (name, fixture) in fixtures {
        let key_length = match name.as_str() {
            "enroll_factor--response--200--token-software-totp" => 6,
            "enroll_factor--response--200--google" => 16,
            _ => continue,
        };
        seen += 1;
        let factor: UserFactor = serde_json::from_value(fixture["wire_body"].clone()).unwrap();
        let activation = factor.totp_activation().unwrap();
        assert_eq!(activation.key_length, Some(key_length), "{name}");
        assert_eq!(activation.digits(), 6, "{name}");
        let account = fixture["wire_body"]["profile"]["credentialId"]
            .as_str()
            .unwrap();
        let uri = activation.otpauth_uri("Okta", account).unwrap();
        let parsed = KeyUri::parse(uri.expose());
        assert_eq!(
            parsed,
            KeyUri {
                kind: "totp".into(),
                label: "Okta:dade.murphy@example.com".into(),
                params: params(&[
                    ("secret", "JBTWGV22G4ZGKV3N"),
                    ("issuer", "Okta"),
                    ("algorithm", "SHA1"),
                    ("digits", "6"),
                    ("period", "30"),
                ]),
            },
            "{name}"
        );
    }
    assert_eq!(seen, 2, "both TOTP enrollment examples were checked");
}

#[test]
fn digits_and_period_come_from_the_activation() {
    for (key_length, digits) in [
        (None, 6),
        (Some(6), 6),
        (Some(8), 8),
        (Some(9), 9),
        (Some(5), 6),
        (Some(10), 6),
        (Some(16), 6),
        (Some(32), 6),
    ] {
        let factor = totp_factor("JBTWGV22G4ZGKV3N", key_length, Some(60));
        let activation = factor.totp_activation().unwrap();
        assert_eq!(activation.digits(), digits, "keyLength {key_length:?}");
        let uri = activation.otpauth_uri("Okta", "a@example.com").unwrap();
        let parsed = KeyUri::parse(uri.expose());
        assert_eq!(parsed.param("digits"), Some(digits.to_string().as_str()));
        assert_eq!(parsed.param("period"), Some("60"));
        #[cfg(feature = "totp")]
        {
            let totp = okta_factors_core::totp::Totp::from_activation(&activation).unwrap();
            assert_eq!((totp.digits(), totp.step()), (digits, 60));
        }
    }
}

#[test]
fn what_the_format_cannot_say_is_refused_without_the_secret() {
    let good = totp_factor("JBTWGV22G4ZGKV3N", Some(6), Some(30));
    for (issuer, account) in [("AC:ME", "a@example.com"), ("ACME", "a:b"), ("ACME", "")] {
        let err = uri_of(&good, issuer, account).unwrap_err();
        assert!(matches!(err, InputError::Parameter { .. }), "{err:?}");
    }
    let zero_step = totp_factor("JBTWGV22G4ZGKV3N", Some(6), Some(0));
    assert!(uri_of(&zero_step, "ACME", "a@example.com").is_err());
    let hex = factor(json!({"sharedSecret": "48656c6c6f", "encoding": "hex"}));
    let bad = totp_factor("JBTWGV22G4ZGKV3N1", Some(6), Some(30));
    let one = totp_factor("JBTWGV22G4ZGKV3NA", Some(6), Some(30));
    for (factor, secret) in [
        (hex, "48656c6c6f"),
        (bad, "JBTWGV22G4ZGKV3N1"),
        (one, "JBTWGV22G4ZGKV3NA"),
    ] {
        let err = uri_of(&factor, "ACME", "a@example.com").unwrap_err();
        assert!(!err.to_string().contains(secret), "{err}");
        assert!(!format!("{err:?}").contains(secret), "{err:?}");
    }
}

#[test]
fn the_uri_is_redacted_in_debug() {
    let factor = totp_factor("JBTWGV22G4ZGKV3N", Some(6), Some(30));
    let uri = uri_of(&factor, "ACME", "a@example.com").unwrap();
    assert!(uri.expose().contains("JBTWGV22G4ZGKV3N"));
    let debug = format!("{uri:?} {:?}", Some(&uri));
    assert!(!debug.contains("JBTWGV22G4ZGKV3N"), "{debug}");
    assert!(!debug.contains("otpauth"), "{debug}");
}

#[cfg(feature = "totp")]
mod window {
    use super::*;
    use okta_factors_core::totp::Totp;

    /// RFC 6238's SHA-1 test key, 30-second steps.
    fn rfc6238(digits: u32) -> Totp {
        Totp::new(b"12345678901234567890".to_vec(), 30, digits).unwrap()
    }

    /// Runs `f` on another thread and fails if it takes longer than `limit`
    /// (an unclamped window of `u64::MAX` steps never finishes).
    fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(limit)
            .unwrap_or_else(|_| panic!("Totp::verify did not finish within {limit:?}"))
    }

    #[test]
    fn a_huge_window_is_clamped_and_finishes_at_once() {
        for window in [u64::from(u32::MAX), u64::MAX] {
            // A code that no counter produces: every step of the window is tried.
            let result = within(Duration::from_secs(5), move || {
                rfc6238(9).verify("not-a-code", 1_111_111_109, window)
            });
            assert_eq!(result, None, "window {window}");
        }
    }

    #[test]
    fn the_clamp_is_max_window_steps_each_side() {
        assert_eq!(Totp::MAX_WINDOW, 10);
        let totp = rfc6238(8);
        let now = 2_000_000_000;
        let counter = totp.counter_at(now);
        for window in [10, 11, 1_000, u64::MAX] {
            for offset in [10, 11, 12] {
                let ahead = totp.code_for_counter(counter + offset);
                let behind = totp.code_for_counter(counter - offset);
                let expected = |c| (offset <= 10).then_some(c);
                let got = within(Duration::from_secs(5), {
                    let totp = totp.clone();
                    let (ahead, behind) = (ahead.clone(), behind.clone());
                    move || {
                        (
                            totp.verify(ahead.expose(), now, window),
                            totp.verify(behind.expose(), now, window),
                        )
                    }
                });
                assert_eq!(
                    got,
                    (expected(counter + offset), expected(counter - offset)),
                    "window {window}, offset {offset}"
                );
            }
        }
        // Smaller windows are honoured as given.
        let next = totp.code_for_counter(counter + 2);
        assert_eq!(totp.verify(next.expose(), now, 1), None);
        assert_eq!(totp.verify(next.expose(), now, 2), Some(counter + 2));
    }
}
