//! JWS compact serialization of the two JWTs a service app signs: the client
//! assertion (RFC 7523 `private_key_jwt`) and the DPoP proof (RFC 9449).

use data_encoding::BASE64URL_NOPAD;
use serde_json::{Map, Value};

use super::{Algorithm, SignError, Signer};
use crate::model::Secret;

/// How long a client assertion is valid: `exp` = `iat` + this (Okta accepts
/// at most one hour).
pub(crate) const ASSERTION_LIFETIME_SECS: u64 = 300;

/// Base64url without padding (RFC 7515 §2).
pub(crate) fn base64url(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

/// `header.claims.signature`, each part base64url, signed by `signer`.
fn sign_jws(signer: &dyn Signer, header: Value, claims: Value) -> Result<Secret, SignError> {
    let header = header.to_string();
    let claims = claims.to_string();
    let mut jws = String::with_capacity((header.len() + claims.len()) * 4 / 3 + 400);
    jws.push_str(&base64url(header.as_bytes()));
    jws.push('.');
    jws.push_str(&base64url(claims.as_bytes()));
    let signature = signer.sign(jws.as_bytes())?;
    match signer.algorithm() {
        Algorithm::Es256 if signature.len() != 64 => {
            return Err(SignError::new(format!(
                "an ES256 signature is 64 bytes (R || S), the signer returned {} bytes \
                 (a DER-encoded signature must be converted)",
                signature.len()
            )))
        }
        _ if signature.is_empty() => {
            return Err(SignError::new("the signer returned an empty signature"))
        }
        _ => {}
    }
    jws.push('.');
    jws.push_str(&base64url(&signature));
    Ok(Secret::new(jws))
}

/// RFC 7523 client assertion: header `{"alg", "typ":"JWT", "kid" if given}`;
/// claims `{"iss": client_id, "sub": client_id, "aud": token_url, "iat",
/// "exp": iat + 300, "jti"}`.
pub(crate) fn client_assertion(
    signer: &dyn Signer,
    key_id: Option<&str>,
    client_id: &str,
    token_url: &str,
    issued_at: u64,
    jti: &str,
) -> Result<Secret, SignError> {
    let mut header = Map::new();
    header.insert("alg".into(), signer.algorithm().as_str().into());
    header.insert("typ".into(), "JWT".into());
    if let Some(kid) = key_id {
        header.insert("kid".into(), kid.into());
    }
    let mut claims = Map::new();
    claims.insert("iss".into(), client_id.into());
    claims.insert("sub".into(), client_id.into());
    claims.insert("aud".into(), token_url.into());
    claims.insert("iat".into(), issued_at.into());
    claims.insert(
        "exp".into(),
        issued_at.saturating_add(ASSERTION_LIFETIME_SECS).into(),
    );
    claims.insert("jti".into(), jti.into());
    sign_jws(signer, Value::Object(header), Value::Object(claims))
}

/// RFC 9449 DPoP proof: header `{"typ":"dpop+jwt", "alg", "jwk"}` (the public
/// JWK, required members only); claims `{"jti", "htm": method, "htu": uri
/// without query and fragment, "iat", "nonce" if given, "ath" if an access
/// token is given}`.
pub(crate) fn dpop_proof(
    signer: &dyn Signer,
    method: &http::Method,
    uri: &http::Uri,
    issued_at: u64,
    jti: &str,
    nonce: Option<&str>,
    access_token: Option<&str>,
) -> Result<Secret, SignError> {
    let mut header = Map::new();
    header.insert("typ".into(), "dpop+jwt".into());
    header.insert("alg".into(), signer.algorithm().as_str().into());
    header.insert("jwk".into(), signer.public_jwk().to_value());
    let mut claims = Map::new();
    claims.insert("jti".into(), jti.into());
    claims.insert("htm".into(), method.as_str().into());
    claims.insert("htu".into(), htu(uri).into());
    claims.insert("iat".into(), issued_at.into());
    if let Some(nonce) = nonce {
        claims.insert("nonce".into(), nonce.into());
    }
    if let Some(token) = access_token {
        claims.insert("ath".into(), access_token_hash(token).into());
    }
    sign_jws(signer, Value::Object(header), Value::Object(claims))
}

/// The `htu` of a request to `uri`: scheme, host and port (lower case, no
/// user info), and path; no query, no fragment. In the path, an escape of a
/// character a path may hold as is (RFC 3986 `pchar`: letters, digits,
/// `-._~!$&'()*+,;=:@`) is written as that character: Okta compares `htu`
/// with the decoded path, so `/users/alice%40example.com/…` must be sent as
/// `/users/alice@example.com/…` (okta-sdk-python#541, okta-sdk-nodejs#521,
/// okta-sdk-java#1526). Other escapes (`%2F`, `%20`, `%25`, …) stay.
fn htu(uri: &http::Uri) -> String {
    let mut out = String::new();
    if let Some(scheme) = uri.scheme_str() {
        out.push_str(&scheme.to_ascii_lowercase());
        out.push_str("://");
    }
    if let Some(authority) = uri.authority() {
        let host_port = authority.as_str().rsplit('@').next().unwrap_or_default();
        out.push_str(&host_port.to_ascii_lowercase());
    }
    push_path(&mut out, uri.path());
    out
}

/// Appends `path`, with escapes of plain path characters decoded (see [`htu`]).
fn push_path(out: &mut String, path: &str) {
    let mut rest = path;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at + 1..at + 3);
        let plain = escape
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .map(char::from)
            .filter(|c| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(*c));
        match plain {
            Some(c) => {
                out.push(c);
                rest = &rest[at + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
}

/// The `ath` claim: base64url of the SHA-256 of the access token's ASCII.
pub(crate) fn access_token_hash(access_token: &str) -> String {
    base64url(ring::digest::digest(&ring::digest::SHA256, access_token.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::{PrivateKey, PublicJwk};
    use jsonwebtoken::{DecodingKey, Validation};

    const TOKEN_URL: &str = "https://dev-123456.okta.com/oauth2/v1/token";
    const CLIENT_ID: &str = "0oa1serviceapp\"quoted\"\\";

    struct Fixture {
        name: &'static str,
        key: PrivateKey,
        /// The independent decoding key: from the JWK `to_jwk.py` wrote
        /// with Python's `cryptography`, not from anything of ours.
        oracle: DecodingKey,
        oracle_jwk: PublicJwk,
        algorithm: jsonwebtoken::Algorithm,
    }

    fn b64(value: &Value, member: &str) -> Vec<u8> {
        BASE64URL_NOPAD
            .decode(value[member].as_str().unwrap().as_bytes())
            .unwrap()
    }

    fn fixtures() -> Vec<Fixture> {
        let rsa: Value =
            serde_json::from_str(include_str!("../../tests/keys/rsa2048.jwk.json")).unwrap();
        let ec: Value =
            serde_json::from_str(include_str!("../../tests/keys/ec_p256.jwk.json")).unwrap();
        let rsa_oracle = || {
            DecodingKey::from_rsa_components(rsa["n"].as_str().unwrap(), rsa["e"].as_str().unwrap())
                .unwrap()
        };
        let ec_oracle = || {
            DecodingKey::from_ec_components(ec["x"].as_str().unwrap(), ec["y"].as_str().unwrap())
                .unwrap()
        };
        let rsa_jwk = PublicJwk::rsa(&b64(&rsa, "n"), &b64(&rsa, "e"));
        let ec_jwk = PublicJwk::ec_p256(
            b64(&ec, "x").try_into().unwrap(),
            b64(&ec, "y").try_into().unwrap(),
        );
        let rsa_key = |name, key: PrivateKey| Fixture {
            name,
            key,
            oracle: rsa_oracle(),
            oracle_jwk: rsa_jwk.clone(),
            algorithm: jsonwebtoken::Algorithm::RS256,
        };
        let ec_key = |name, key: PrivateKey| Fixture {
            name,
            key,
            oracle: ec_oracle(),
            oracle_jwk: ec_jwk.clone(),
            algorithm: jsonwebtoken::Algorithm::ES256,
        };
        let generated = PrivateKey::generate_es256().unwrap();
        let generated_jwk = generated.public_jwk().to_value();
        vec![
            rsa_key(
                "RSA PKCS#1",
                PrivateKey::from_pem(include_str!("../../tests/keys/rsa2048_pkcs1.pem")).unwrap(),
            ),
            rsa_key(
                "RSA PKCS#8",
                PrivateKey::from_pem(include_str!("../../tests/keys/rsa2048_pkcs8.pem")).unwrap(),
            ),
            rsa_key(
                "RSA JWK",
                PrivateKey::from_jwk(include_str!("../../tests/keys/rsa2048.jwk.json")).unwrap(),
            ),
            ec_key(
                "EC PKCS#8",
                PrivateKey::from_pem(include_str!("../../tests/keys/ec_p256_pkcs8.pem")).unwrap(),
            ),
            ec_key(
                "EC SEC1",
                PrivateKey::from_pem(include_str!("../../tests/keys/ec_p256_sec1.pem")).unwrap(),
            ),
            ec_key(
                "EC JWK",
                PrivateKey::from_jwk(include_str!("../../tests/keys/ec_p256.jwk.json")).unwrap(),
            ),
            Fixture {
                name: "EC generated",
                oracle: DecodingKey::from_ec_components(
                    generated_jwk["x"].as_str().unwrap(),
                    generated_jwk["y"].as_str().unwrap(),
                )
                .unwrap(),
                oracle_jwk: generated.public_jwk(),
                key: generated,
                algorithm: jsonwebtoken::Algorithm::ES256,
            },
        ]
    }

    /// The JWS's header, decoded by hand (to see every member as sent).
    fn header_of(jws: &str) -> Value {
        let header = jws.split('.').next().unwrap();
        serde_json::from_slice(&BASE64URL_NOPAD.decode(header.as_bytes()).unwrap()).unwrap()
    }

    fn validation(algorithm: jsonwebtoken::Algorithm, audience: Option<&str>) -> Validation {
        let mut validation = Validation::new(algorithm);
        // The times are fixed test values, not now.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        match audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        validation
    }

    #[test]
    fn client_assertions_verify_with_an_independent_implementation() {
        for fixture in fixtures() {
            let name = fixture.name;
            assert_eq!(fixture.key.public_jwk(), fixture.oracle_jwk, "{name}");
            for kid in [None, Some("key-1")] {
                let jwt = client_assertion(
                    &fixture.key,
                    kid,
                    CLIENT_ID,
                    TOKEN_URL,
                    1_700_000_000,
                    "jti-0001",
                )
                .unwrap();
                let jwt = jwt.expose();
                let data = jsonwebtoken::decode::<Value>(
                    jwt,
                    &fixture.oracle,
                    &validation(fixture.algorithm, Some(TOKEN_URL)),
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(data.header.alg, fixture.algorithm, "{name}");
                assert_eq!(data.header.typ.as_deref(), Some("JWT"), "{name}");
                assert_eq!(data.header.kid.as_deref(), kid, "{name}");
                let mut expected = serde_json::json!({
                    "typ": "JWT",
                    "alg": fixture.algorithm_name(),
                });
                if let Some(kid) = kid {
                    expected["kid"] = kid.into();
                }
                assert_eq!(header_of(jwt), expected, "{name}");
                assert_eq!(
                    data.claims,
                    serde_json::json!({
                        "iss": CLIENT_ID,
                        "sub": CLIENT_ID,
                        "aud": TOKEN_URL,
                        "iat": 1_700_000_000u64,
                        "exp": 1_700_000_300u64,
                        "jti": "jti-0001",
                    }),
                    "{name}"
                );
            }
        }
    }

    impl Fixture {
        fn algorithm_name(&self) -> &'static str {
            match self.algorithm {
                jsonwebtoken::Algorithm::RS256 => "RS256",
                _ => "ES256",
            }
        }
    }

    #[test]
    fn dpop_proofs_verify_with_an_independent_implementation() {
        let uri: http::Uri = "https://Dev-123456.okta.com/api/v1/users/00u1/factors?expand=x"
            .parse()
            .unwrap();
        for fixture in fixtures() {
            let name = fixture.name;
            for (nonce, token) in [(None, None), (Some("nonce-1"), Some("access.token.1"))] {
                let proof = dpop_proof(
                    &fixture.key,
                    &http::Method::DELETE,
                    &uri,
                    1_700_000_042,
                    "jti-0002",
                    nonce,
                    token,
                )
                .unwrap();
                let proof = proof.expose();
                // Verified with the key the header carries, parsed by jsonwebtoken…
                let header = jsonwebtoken::decode_header(proof).unwrap();
                assert_eq!(header.typ.as_deref(), Some("dpop+jwt"), "{name}");
                let embedded = DecodingKey::from_jwk(header.jwk.as_ref().unwrap()).unwrap();
                let data = jsonwebtoken::decode::<Value>(
                    proof,
                    &embedded,
                    &validation(fixture.algorithm, None),
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
                // …and with the independent key.
                jsonwebtoken::decode::<Value>(
                    proof,
                    &fixture.oracle,
                    &validation(fixture.algorithm, None),
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    header_of(proof),
                    serde_json::json!({
                        "typ": "dpop+jwt",
                        "alg": fixture.algorithm_name(),
                        "jwk": fixture.oracle_jwk.to_value(),
                    }),
                    "{name}"
                );
                let mut expected = serde_json::json!({
                    "jti": "jti-0002",
                    "htm": "DELETE",
                    "htu": "https://dev-123456.okta.com/api/v1/users/00u1/factors",
                    "iat": 1_700_000_042u64,
                });
                if let Some(nonce) = nonce {
                    expected["nonce"] = nonce.into();
                }
                if let Some(token) = token {
                    expected["ath"] = access_token_hash(token).into();
                }
                assert_eq!(data.claims, expected, "{name}");
            }
        }
    }

    #[test]
    fn ath_matches_rfc_9449() {
        // RFC 9449 §7.1, Figure 12's access token and its `ath`.
        assert_eq!(
            access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn htu_decodes_escapes_of_plain_path_characters_only() {
        for (path, expected) in [
            (
                "/api/v1/users/alice%40example.com/factors",
                "/api/v1/users/alice@example.com/factors",
            ),
            ("/a%2Fb/c%20d/%25/%2f", "/a%2Fb/c%20d/%25/%2f"),
            ("/%41%7e%3A%2B", "/A~:+"),
            ("/trailing%", "/trailing%"),
            ("/short%4", "/short%4"),
            ("/not%zzhex", "/not%zzhex"),
        ] {
            let uri: http::Uri = format!("https://dev-1.okta.com{path}").parse().unwrap();
            assert_eq!(
                htu(&uri),
                format!("https://dev-1.okta.com{expected}"),
                "{path}"
            );
        }
    }

    #[test]
    fn htu_has_no_query_fragment_or_user_info() {
        for (uri, expected) in [
            (
                "https://dev-1.okta.com/oauth2/v1/token",
                "https://dev-1.okta.com/oauth2/v1/token",
            ),
            ("https://dev-1.okta.com/a?b=c", "https://dev-1.okta.com/a"),
            (
                "HTTPS://DEV-1.okta.com:8443/A/b?x",
                "https://dev-1.okta.com:8443/A/b",
            ),
            ("http://user:pw@127.0.0.1:9000/p", "http://127.0.0.1:9000/p"),
            ("https://dev-1.okta.com", "https://dev-1.okta.com/"),
            ("http://[::1]:80/x", "http://[::1]:80/x"),
        ] {
            let uri: http::Uri = uri.parse().unwrap();
            assert_eq!(htu(&uri), expected, "{uri}");
        }
        // http::Uri refuses fragments, so a proof can never carry one.
        assert!("https://dev-1.okta.com/a#frag"
            .parse::<http::Uri>()
            .map_or(true, |u| htu(&u) == "https://dev-1.okta.com/a"));
    }

    #[test]
    fn base64url_has_no_padding() {
        // RFC 4648 §10 vectors, in the URL-safe alphabet without padding.
        for (input, expected) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
        ] {
            assert_eq!(base64url(input.as_bytes()), expected);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    /// A signer that returns what it was given to return.
    struct Fixed(Algorithm, Vec<u8>);

    impl Signer for Fixed {
        fn algorithm(&self) -> Algorithm {
            self.0
        }
        fn public_jwk(&self) -> PublicJwk {
            PublicJwk::ec_p256([1; 32], [2; 32])
        }
        fn sign(&self, _: &[u8]) -> Result<Vec<u8>, SignError> {
            if self.1 == b"fail" {
                return Err(SignError::new("the KMS is down"));
            }
            Ok(self.1.clone())
        }
    }

    #[test]
    fn a_signers_bad_signature_or_failure_is_an_error() {
        let der_length = Fixed(Algorithm::Es256, vec![0x30; 71]);
        let error = client_assertion(&der_length, None, "c", TOKEN_URL, 0, "j").unwrap_err();
        assert!(error.to_string().contains("71 bytes"), "{error}");
        let empty = Fixed(Algorithm::Rs256, vec![]);
        assert!(client_assertion(&empty, None, "c", TOKEN_URL, 0, "j").is_err());
        let failing = Fixed(Algorithm::Rs256, b"fail".to_vec());
        let error = dpop_proof(
            &failing,
            &http::Method::GET,
            &"/".parse().unwrap(),
            0,
            "j",
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "signing failed: the KMS is down");
        // A well-formed one is assembled as is.
        let fine = Fixed(Algorithm::Es256, vec![7; 64]);
        let jws = client_assertion(&fine, None, "c", TOKEN_URL, u64::MAX, "j").unwrap();
        let parts: Vec<&str> = jws.expose().split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2], base64url(&[7; 64]));
        let claims: Value =
            serde_json::from_slice(&BASE64URL_NOPAD.decode(parts[1].as_bytes()).unwrap()).unwrap();
        // exp saturates instead of overflowing.
        assert_eq!(claims["exp"], u64::MAX);
    }
}
