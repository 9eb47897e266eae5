//! Loading private keys (feature `oauth`): every supported format loads and
//! signs, every unsupported one is refused with its own typed error, and no
//! error or `Debug` output ever holds key material. The fixtures are test-only
//! keys made with `openssl` (tests/keys/README.md); the JWKs and the expected
//! public keys come from Python's `cryptography`, a second implementation.

#![cfg(feature = "oauth")]
// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;

use okta_factors_core::oauth::{Algorithm, KeyError, PrivateKey, PublicJwk, SignError, Signer};
use serde_json::Value;

macro_rules! key {
    ($name:literal) => {
        include_str!(concat!("keys/", $name))
    };
}

const RSA_PKCS1: &str = key!("rsa2048_pkcs1.pem");
const RSA_PKCS8: &str = key!("rsa2048_pkcs8.pem");
const RSA_3072: &str = key!("rsa3072_pkcs8.pem");
const RSA_PUBLIC: &str = key!("rsa2048_public.pem");
const RSA_JWK: &str = key!("rsa2048.jwk.json");
const RSA_1024_PKCS1: &str = key!("rsa1024_pkcs1.pem");
const RSA_1024_PKCS8: &str = key!("rsa1024_pkcs8.pem");
const EC_PKCS8: &str = key!("ec_p256_pkcs8.pem");
const EC_SEC1: &str = key!("ec_p256_sec1.pem");
const EC_JWK: &str = key!("ec_p256.jwk.json");
const EC_ENCRYPTED: &str = key!("ec_p256_encrypted.pem");
const EC_CERT: &str = key!("ec_p256_cert.pem");
const P384_PKCS8: &str = key!("ec_p384_pkcs8.pem");
const P384_SEC1: &str = key!("ec_p384_sec1.pem");
const SECP256K1: &str = key!("ec_secp256k1_pkcs8.pem");
const ED25519: &str = key!("ed25519_pkcs8.pem");

/// Thumbprints of the fixtures' public keys, computed by Python's hashlib
/// over the RFC 7638 members of the JWKs `to_jwk.py` wrote.
const RSA_THUMBPRINT: &str = "G0bFk8Rps_m_TlfLNBQeFTIJ1e9wRw1Cfqgwazn0YAM";
const EC_THUMBPRINT: &str = "aNM2mjDYiEAsgmo91b2k4DWmHdgj9SiyNbik5gWwLIw";

fn jwk(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn b64(value: &Value, member: &str) -> Vec<u8> {
    data_encoding::BASE64URL_NOPAD
        .decode(value[member].as_str().unwrap().as_bytes())
        .unwrap()
}

/// The fixture's public key, from the independent JWK.
fn expected_public(jwk_text: &str) -> PublicJwk {
    let jwk = jwk(jwk_text);
    match jwk["kty"].as_str().unwrap() {
        "RSA" => PublicJwk::rsa(&b64(&jwk, "n"), &b64(&jwk, "e")),
        _ => PublicJwk::ec_p256(
            b64(&jwk, "x").try_into().unwrap(),
            b64(&jwk, "y").try_into().unwrap(),
        ),
    }
}

/// Verifies `signature` over `message` with `public` by jsonwebtoken (ring
/// underneath, but its own JWK and JWS handling).
fn verifies(public: &PublicJwk, algorithm: Algorithm, message: &str, signature: &[u8]) -> bool {
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(&public.to_json()).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
    let algorithm = match algorithm {
        Algorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
        _ => jsonwebtoken::Algorithm::ES256,
    };
    let signature = data_encoding::BASE64URL_NOPAD.encode(signature);
    jsonwebtoken::crypto::verify(&signature, message.as_bytes(), &key, algorithm).unwrap()
}

#[test]
fn every_supported_format_loads_and_signs() {
    let cases: [(&str, PrivateKey, Algorithm, PublicJwk, &str); 6] = [
        (
            "RSA PKCS#1",
            PrivateKey::from_pem(RSA_PKCS1).unwrap(),
            Algorithm::Rs256,
            expected_public(RSA_JWK),
            RSA_THUMBPRINT,
        ),
        (
            "RSA PKCS#8",
            PrivateKey::from_pem(RSA_PKCS8).unwrap(),
            Algorithm::Rs256,
            expected_public(RSA_JWK),
            RSA_THUMBPRINT,
        ),
        (
            "RSA JWK",
            PrivateKey::from_jwk(RSA_JWK).unwrap(),
            Algorithm::Rs256,
            expected_public(RSA_JWK),
            RSA_THUMBPRINT,
        ),
        (
            "EC PKCS#8",
            PrivateKey::from_pem(EC_PKCS8).unwrap(),
            Algorithm::Es256,
            expected_public(EC_JWK),
            EC_THUMBPRINT,
        ),
        (
            "EC SEC1",
            PrivateKey::from_pem(EC_SEC1).unwrap(),
            Algorithm::Es256,
            expected_public(EC_JWK),
            EC_THUMBPRINT,
        ),
        (
            "EC JWK",
            PrivateKey::from_jwk(EC_JWK).unwrap(),
            Algorithm::Es256,
            expected_public(EC_JWK),
            EC_THUMBPRINT,
        ),
    ];
    for (name, key, algorithm, public, thumbprint) in cases {
        assert_eq!(key.algorithm(), algorithm, "{name}");
        assert_eq!(key.public_jwk(), public, "{name}");
        assert_eq!(key.public_jwk().thumbprint(), thumbprint, "{name}");
        let message = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0";
        let signature = key.sign(message.as_bytes()).unwrap();
        let expected_len = if algorithm == Algorithm::Rs256 {
            256
        } else {
            64
        };
        assert_eq!(signature.len(), expected_len, "{name}");
        assert!(verifies(&public, algorithm, message, &signature), "{name}");
        assert!(
            !verifies(&public, algorithm, "another message", &signature),
            "{name}"
        );
    }
    // The JWKs' kid is kept; PEM has none.
    assert_eq!(
        PrivateKey::from_jwk(RSA_JWK).unwrap().key_id(),
        Some("test-rsa-1")
    );
    assert_eq!(
        PrivateKey::from_jwk(EC_JWK).unwrap().key_id(),
        Some("test-ec-1")
    );
    assert_eq!(PrivateKey::from_pem(EC_SEC1).unwrap().key_id(), None);
    // 3072 bits are fine too.
    let rsa3072 = PrivateKey::from_pem(RSA_3072).unwrap();
    assert_eq!(rsa3072.sign(b"x").unwrap().len(), 384);
}

#[test]
fn generated_keys_sign_and_differ() {
    let a = PrivateKey::generate_es256().unwrap();
    let b = PrivateKey::generate_es256().unwrap();
    assert_eq!(a.algorithm(), Algorithm::Es256);
    assert_ne!(a.public_jwk(), b.public_jwk());
    let signature = a.sign(b"a.b").unwrap();
    assert!(verifies(
        &a.public_jwk(),
        Algorithm::Es256,
        "a.b",
        &signature
    ));
    assert!(!verifies(
        &b.public_jwk(),
        Algorithm::Es256,
        "a.b",
        &signature
    ));
}

#[test]
fn key_ids_and_clones() {
    let key = PrivateKey::from_pem(EC_PKCS8).unwrap().with_key_id("kid-1");
    assert_eq!(key.key_id(), Some("kid-1"));
    let clone = key.clone().with_key_id(String::from("kid-2"));
    assert_eq!(clone.key_id(), Some("kid-2"));
    assert_eq!(key.key_id(), Some("kid-1"));
    assert_eq!(clone.public_jwk(), key.public_jwk());
    // A signer is shareable across threads.
    fn send_sync<T: Send + Sync + 'static>(_: &T) {}
    send_sync(&key);
    let signer: std::sync::Arc<dyn Signer> = std::sync::Arc::new(key);
    let handle = std::thread::spawn(move || signer.sign(b"x").map(|s| s.len()));
    assert_eq!(handle.join().unwrap().unwrap(), 64);
}

#[test]
fn rfc_7638_thumbprint() {
    // RFC 7638 §3.1: the RSA key of RFC 7517's example and its thumbprint.
    let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    let n = data_encoding::BASE64URL_NOPAD.decode(n.as_bytes()).unwrap();
    let jwk = PublicJwk::rsa(&n, &[1, 0, 1]);
    assert_eq!(
        jwk.thumbprint(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
    assert!(jwk
        .to_json()
        .starts_with(r#"{"e":"AQAB","kty":"RSA","n":"0vx7agoe"#));
    // Leading zeros of the big-endian integers change nothing.
    let mut padded = vec![0, 0];
    padded.extend_from_slice(&n);
    assert_eq!(PublicJwk::rsa(&padded, &[0, 1, 0, 1]), jwk);
    // An EC key: the members in RFC 7638 order.
    let ec = PublicJwk::ec_p256([0; 32], [255; 32]);
    assert_eq!(
        ec.to_json(),
        format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            "A".repeat(43),
            "_".repeat(42) + "8"
        )
    );
    // Debug is public data only: the type and the thumbprint.
    assert_eq!(
        format!("{jwk:?}"),
        r#"PublicJwk { kty: "RSA", thumbprint: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" }"#
    );
}

fn remove(jwk_text: &str, members: &[&str]) -> String {
    let mut jwk = jwk(jwk_text);
    for member in members {
        jwk.as_object_mut().unwrap().remove(*member);
    }
    jwk.to_string()
}

fn set(jwk_text: &str, member: &str, value: Value) -> String {
    let mut jwk = jwk(jwk_text);
    jwk[member] = value;
    jwk.to_string()
}

/// Every refusal: (what, the result, whether the error is the expected one).
fn refusals() -> Vec<(&'static str, KeyError, bool)> {
    let mut out = Vec::new();
    let mut add =
        |name: &'static str, result: Result<PrivateKey, KeyError>, ok: fn(&KeyError) -> bool| {
            let error = result.err().unwrap_or_else(|| panic!("{name}: loaded"));
            let matched = ok(&error);
            out.push((name, error, matched));
        };
    add("public key PEM", PrivateKey::from_pem(RSA_PUBLIC), |e| {
        matches!(
            e,
            KeyError::NotAPrivateKey {
                found: "a public key"
            }
        )
    });
    add("certificate PEM", PrivateKey::from_pem(EC_CERT), |e| {
        matches!(
            e,
            KeyError::NotAPrivateKey {
                found: "a certificate"
            }
        )
    });
    add(
        "encrypted PKCS#8",
        PrivateKey::from_pem(EC_ENCRYPTED),
        |e| matches!(e, KeyError::Encrypted),
    );
    add(
        "RSA 1024 PKCS#1",
        PrivateKey::from_pem(RSA_1024_PKCS1),
        |e| matches!(e, KeyError::WeakRsaKey { bits: Some(1024) }),
    );
    add(
        "RSA 1024 PKCS#8",
        PrivateKey::from_pem(RSA_1024_PKCS8),
        |e| matches!(e, KeyError::WeakRsaKey { bits: Some(1024) }),
    );
    add(
        "EC P-384 PKCS#8",
        PrivateKey::from_pem(P384_PKCS8),
        |e| matches!(e, KeyError::UnsupportedCurve { curve } if curve == "P-384"),
    );
    add(
        "EC P-384 SEC1",
        PrivateKey::from_pem(P384_SEC1),
        |e| matches!(e, KeyError::UnsupportedCurve { curve } if curve == "P-384"),
    );
    add(
        "EC secp256k1",
        PrivateKey::from_pem(SECP256K1),
        |e| matches!(e, KeyError::UnsupportedCurve { curve } if curve == "secp256k1"),
    );
    add(
        "Ed25519 PKCS#8",
        PrivateKey::from_pem(ED25519),
        |e| matches!(e, KeyError::UnsupportedKeyType { key_type } if key_type == "Ed25519"),
    );
    add("garbage", PrivateKey::from_pem("not a key at all"), |e| {
        matches!(e, KeyError::UnrecognizedFormat { .. })
    });
    add(
        "garbage JWK",
        PrivateKey::from_jwk("not a key at all"),
        |e| matches!(e, KeyError::UnrecognizedFormat { .. }),
    );
    add(
        "JWK given as PEM",
        PrivateKey::from_pem(EC_JWK),
        |e| matches!(e, KeyError::UnrecognizedFormat { reason } if reason.contains("from_jwk")),
    );
    add(
        "PEM given as JWK",
        PrivateKey::from_jwk(EC_PKCS8),
        |e| matches!(e, KeyError::UnrecognizedFormat { reason } if reason.contains("from_pem")),
    );
    add(
        "broken JSON",
        PrivateKey::from_jwk(&EC_JWK[..EC_JWK.len() / 2]),
        |e| matches!(e, KeyError::Malformed { .. }),
    );
    add(
        "damaged PEM base64",
        PrivateKey::from_pem(&EC_PKCS8.replace("M", "*")),
        |e| matches!(e, KeyError::Malformed { .. }),
    );
    add(
        "truncated PEM body",
        PrivateKey::from_pem(&{
            let lines: Vec<&str> = RSA_PKCS8.lines().collect();
            let mut text = lines[..3].join("\n");
            text.push('\n');
            text.push_str(lines[lines.len() - 1]);
            text
        }),
        |e| matches!(e, KeyError::Malformed { .. }),
    );
    add(
        "OpenSSH key",
        PrivateKey::from_pem("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"),
        |e| matches!(e, KeyError::UnsupportedPemLabel { label } if label == "OPENSSH PRIVATE KEY"),
    );
    add(
        "two private keys",
        PrivateKey::from_pem(&format!("{EC_PKCS8}{RSA_PKCS1}")),
        |e| matches!(e, KeyError::Malformed { .. }),
    );
    add(
        "EC JWK without d",
        PrivateKey::from_jwk(&remove(EC_JWK, &["d"])),
        |e| matches!(e, KeyError::MissingMember { member: "d" }),
    );
    add(
        "RSA JWK without d",
        PrivateKey::from_jwk(&remove(RSA_JWK, &["d"])),
        |e| matches!(e, KeyError::MissingMember { member: "d" }),
    );
    add(
        "RSA JWK without CRT",
        PrivateKey::from_jwk(&remove(RSA_JWK, &["p", "q", "dp", "dq", "qi"])),
        |e| matches!(e, KeyError::RsaJwkWithoutCrt),
    );
    add(
        "RSA JWK without qi",
        PrivateKey::from_jwk(&remove(RSA_JWK, &["qi"])),
        |e| matches!(e, KeyError::MissingMember { member: "qi" }),
    );
    add(
        "JWK without kty",
        PrivateKey::from_jwk(&remove(EC_JWK, &["kty"])),
        |e| matches!(e, KeyError::MissingMember { member: "kty" }),
    );
    add(
        "JWK on P-384",
        PrivateKey::from_jwk(&set(EC_JWK, "crv", "P-384".into())),
        |e| matches!(e, KeyError::UnsupportedCurve { curve } if curve == "P-384"),
    );
    add(
        "OKP JWK",
        PrivateKey::from_jwk(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}"#,
        ),
        |e| matches!(e, KeyError::UnsupportedKeyType { key_type } if key_type == "OKP (Ed25519)"),
    );
    add(
        "oct JWK",
        PrivateKey::from_jwk(r#"{"kty":"oct","k":"c2VjcmV0"}"#),
        |e| matches!(e, KeyError::UnsupportedKeyType { .. }),
    );
    add(
        "JWK with a number for x",
        PrivateKey::from_jwk(&set(EC_JWK, "x", 5.into())),
        |e| matches!(e, KeyError::InvalidMember { member: "x", .. }),
    );
    add(
        "JWK with non-base64url d",
        PrivateKey::from_jwk(&set(EC_JWK, "d", "%%%".into())),
        |e| matches!(e, KeyError::InvalidMember { member: "d", .. }),
    );
    add(
        "EC JWK whose d is another key's",
        PrivateKey::from_jwk(&set(EC_JWK, "d", "AQ".into())),
        |e| matches!(e, KeyError::Malformed { .. }),
    );
    add(
        "JWK Set",
        PrivateKey::from_jwk(&format!(r#"{{"keys":[{EC_JWK}]}}"#)),
        |e| matches!(e, KeyError::Malformed { .. }),
    );
    add(
        "RSA JWK with a 17-bit modulus",
        PrivateKey::from_jwk(&set(RSA_JWK, "n", "AQAB".into())),
        |e| matches!(e, KeyError::WeakRsaKey { bits: Some(17) }),
    );
    add("empty", PrivateKey::from_pem(""), |e| {
        matches!(e, KeyError::UnrecognizedFormat { .. })
    });
    out
}

#[test]
fn unsupported_keys_get_their_typed_errors() {
    for (name, error, matched) in refusals() {
        assert!(matched, "{name}: {error:?}");
        // Each message says something useful, in a sentence or two.
        let message = error.to_string();
        assert!(
            message.len() > 20 && message.len() < 400,
            "{name}: {message}"
        );
    }
}

#[test]
fn messages_name_what_to_do() {
    let message = |text: &str| PrivateKey::from_pem(text).unwrap_err().to_string();
    assert!(message(RSA_1024_PKCS1).contains("has 1024 bits: at least 2048 bits are needed"));
    assert!(message(P384_PKCS8).contains("unsupported elliptic curve P-384: use P-256"));
    assert!(message(EC_ENCRYPTED).contains("decrypt it first"));
    assert!(message(ED25519).contains("unsupported key type Ed25519"));
    assert!(message("/etc/okta/key.pem").contains("not its path"));
    let jwk = PrivateKey::from_jwk(&remove(EC_JWK, &["d"]))
        .unwrap_err()
        .to_string();
    assert!(
        jwk.contains("no \"d\" member") && jwk.contains("public key"),
        "{jwk}"
    );
}

/// Every piece of key material the fixtures hold that an error could echo:
/// the PEM base64 lines (and 16-character windows of them), and the JWK's
/// private members.
fn key_material() -> Vec<String> {
    let mut out = Vec::new();
    for pem in [
        RSA_PKCS1,
        RSA_PKCS8,
        RSA_1024_PKCS1,
        RSA_1024_PKCS8,
        EC_PKCS8,
        EC_SEC1,
        EC_ENCRYPTED,
        P384_PKCS8,
        P384_SEC1,
        SECP256K1,
        ED25519,
    ] {
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            out.push(line.to_owned());
            let chars: Vec<char> = line.chars().collect();
            for window in chars.chunks(16).filter(|w| w.len() == 16) {
                out.push(window.iter().collect());
            }
        }
    }
    for (text, members) in [
        (RSA_JWK, &["d", "p", "q", "dp", "dq", "qi"][..]),
        (EC_JWK, &["d"][..]),
    ] {
        let jwk = jwk(text);
        for member in members {
            let value = jwk[*member].as_str().unwrap();
            out.push(value.to_owned());
            out.push(value[..16].to_owned());
        }
    }
    out
}

#[test]
fn no_error_or_debug_output_holds_key_material() {
    let material = key_material();
    assert!(material.len() > 100);
    let mut outputs = Vec::new();
    for (name, error, _) in refusals() {
        let mut text = String::new();
        write!(text, "{error} {error:?} {error:#?}").unwrap();
        outputs.push((name.to_owned(), text));
    }
    for (name, key) in [
        ("RSA PKCS#1", PrivateKey::from_pem(RSA_PKCS1).unwrap()),
        ("RSA JWK", PrivateKey::from_jwk(RSA_JWK).unwrap()),
        ("EC SEC1", PrivateKey::from_pem(EC_SEC1).unwrap()),
        ("EC JWK", PrivateKey::from_jwk(EC_JWK).unwrap()),
    ] {
        let debug = format!("{key:?} {key:#?}");
        // It does show what identifies the key.
        assert!(debug.contains(&key.public_jwk().thumbprint()), "{debug}");
        outputs.push((name.to_owned(), debug));
    }
    let sign_error = SignError::new("the HSM refused");
    outputs.push((
        "SignError".to_owned(),
        format!("{sign_error} {sign_error:?}"),
    ));
    for (name, text) in outputs {
        for secret in &material {
            assert!(
                !text.contains(secret.as_str()),
                "{name} shows key material: {text}"
            );
        }
    }
}

#[test]
fn private_key_debug_is_algorithm_kid_and_thumbprint() {
    let key = PrivateKey::from_jwk(EC_JWK).unwrap();
    assert_eq!(
        format!("{key:?}"),
        format!(
            r#"PrivateKey {{ algorithm: Es256, key_id: Some("test-ec-1"), thumbprint: "{EC_THUMBPRINT}" }}"#
        )
    );
}

#[test]
fn pem_as_found_in_configuration_loads() {
    // Indented (YAML), with CRLF, with `\n` written out (an environment
    // variable), next to a certificate and EC PARAMETERS.
    let indented: String = EC_SEC1.lines().map(|l| format!("    {l}\r\n")).collect();
    let escaped = EC_PKCS8.trim_end().replace('\n', "\\n");
    let params = format!(
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{EC_SEC1}"
    );
    let bundle = format!("{EC_CERT}{EC_PKCS8}");
    for text in [indented, escaped, params, bundle] {
        let key = PrivateKey::from_pem(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(key.public_jwk().thumbprint(), EC_THUMBPRINT);
    }
    // A JWK with padding, a BOM and whitespace around it.
    let padded = format!(
        "\u{feff}\n  {}  \n",
        set(
            EC_JWK,
            "d",
            format!("{}=", jwk(EC_JWK)["d"].as_str().unwrap()).into()
        )
    );
    assert_eq!(
        PrivateKey::from_jwk(&padded)
            .unwrap()
            .public_jwk()
            .thumbprint(),
        EC_THUMBPRINT
    );
}
