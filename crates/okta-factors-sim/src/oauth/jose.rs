//! The JOSE pieces the simulator's OAuth side needs: public JWKs (RFC 7517)
//! with their RFC 7638 thumbprints, and compact JWS (RFC 7515) split into
//! header, claims and a signature that `jsonwebtoken` verifies.
//!
//! Only what Okta's org authorization server accepts from a service app is
//! supported: RSA (at least 2048 bits) with `RS256`, EC P-256 with `ES256`.

use data_encoding::BASE64URL_NOPAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use ring::digest::{digest, SHA256};
use serde_json::{Map, Value};

/// Why a JWK was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwkError {
    /// The text is not a JSON object.
    #[error("not a JSON object")]
    NotAnObject,
    /// A required member is missing or not a string.
    #[error("member \"{0}\" is missing or not a string")]
    Missing(&'static str),
    /// A member is not base64url (without padding) or has the wrong length.
    #[error("member \"{0}\" is not valid base64url of the right length")]
    Encoding(&'static str),
    /// A key type other than `RSA` and `EC`.
    #[error("key type \"{0}\" is not supported (RSA or EC)")]
    UnsupportedKeyType(String),
    /// An EC curve other than `P-256`.
    #[error("curve \"{0}\" is not supported (P-256)")]
    UnsupportedCurve(String),
    /// An `alg` other than `RS256` (RSA) or `ES256` (EC).
    #[error("algorithm \"{0}\" is not supported for this key (RS256 for RSA, ES256 for EC)")]
    UnsupportedAlgorithm(String),
    /// A `use` other than `sig`.
    #[error("\"use\" must be \"sig\"")]
    NotForSigning,
    /// The JWK holds private key material (`d`, `p`, `q`, …).
    #[error("the JWK holds private key material (member \"{0}\"): give the public key only")]
    PrivateKey(&'static str),
    /// An RSA modulus under 2048 bits.
    #[error("the RSA key has {bits} bits; at least 2048 are required")]
    WeakRsaKey {
        /// The modulus' size.
        bits: usize,
    },
}

/// Members that only a private (or symmetric) JWK has.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// A public signing key, parsed from a JWK.
#[derive(Clone)]
pub(crate) struct PublicJwk {
    pub(crate) kid: Option<String>,
    pub(crate) alg: Algorithm,
    key: DecodingKey,
    /// RFC 7638 thumbprint (SHA-256, base64url).
    pub(crate) thumbprint: String,
}

impl std::fmt::Debug for PublicJwk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicJwk")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("thumbprint", &self.thumbprint)
            .finish()
    }
}

fn string<'a>(jwk: &'a Map<String, Value>, member: &'static str) -> Result<&'a str, JwkError> {
    jwk.get(member)
        .and_then(Value::as_str)
        .ok_or(JwkError::Missing(member))
}

fn decode(value: &str, member: &'static str) -> Result<Vec<u8>, JwkError> {
    BASE64URL_NOPAD
        .decode(value.as_bytes())
        .map_err(|_| JwkError::Encoding(member))
}

/// `bytes` without its leading zero bytes (the unsigned big-endian integer
/// form JWKs use).
fn unsigned(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default()
}

/// The RFC 7638 thumbprint of the required members, given in lexicographic
/// order as `(name, value)` pairs.
fn thumbprint(members: &[(&str, &str)]) -> String {
    let mut canonical = Map::new();
    for (name, value) in members {
        canonical.insert((*name).to_owned(), Value::from(*value));
    }
    // serde_json's Map is ordered by key and writes no whitespace: exactly
    // RFC 7638's canonical form for these ASCII members.
    let json = Value::Object(canonical).to_string();
    BASE64URL_NOPAD.encode(digest(&SHA256, json.as_bytes()).as_ref())
}

impl PublicJwk {
    /// Parses a public JWK object.
    pub(crate) fn parse(jwk: &Value) -> Result<Self, JwkError> {
        let jwk = jwk.as_object().ok_or(JwkError::NotAnObject)?;
        if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| jwk.contains_key(**m)) {
            return Err(JwkError::PrivateKey(member));
        }
        if let Some(usage) = jwk.get("use") {
            if usage.as_str() != Some("sig") {
                return Err(JwkError::NotForSigning);
            }
        }
        let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_owned);
        let declared_alg = jwk.get("alg").and_then(Value::as_str);
        let kty = string(jwk, "kty")?;
        let (alg, key, thumbprint) = match kty {
            "RSA" => {
                let n = decode(string(jwk, "n")?, "n")?;
                let e = decode(string(jwk, "e")?, "e")?;
                let (n, e) = (unsigned(&n), unsigned(&e));
                let Some(first) = n.first() else {
                    return Err(JwkError::Encoding("n"));
                };
                if e.is_empty() {
                    return Err(JwkError::Encoding("e"));
                }
                let bits = (n.len() * 8).saturating_sub(first.leading_zeros() as usize);
                if bits < 2048 {
                    return Err(JwkError::WeakRsaKey { bits });
                }
                let (n64, e64) = (BASE64URL_NOPAD.encode(n), BASE64URL_NOPAD.encode(e));
                let thumbprint = thumbprint(&[("e", &e64), ("kty", "RSA"), ("n", &n64)]);
                (
                    Algorithm::RS256,
                    DecodingKey::from_rsa_raw_components(n, e),
                    thumbprint,
                )
            }
            "EC" => {
                let crv = string(jwk, "crv")?;
                if crv != "P-256" {
                    return Err(JwkError::UnsupportedCurve(crv.to_owned()));
                }
                let (x64, y64) = (string(jwk, "x")?, string(jwk, "y")?);
                let x = decode(x64, "x")?;
                let y = decode(y64, "y")?;
                if x.len() != 32 {
                    return Err(JwkError::Encoding("x"));
                }
                if y.len() != 32 {
                    return Err(JwkError::Encoding("y"));
                }
                let key = DecodingKey::from_ec_components(x64, y64)
                    .map_err(|_| JwkError::Encoding("x"))?;
                let thumbprint =
                    thumbprint(&[("crv", "P-256"), ("kty", "EC"), ("x", x64), ("y", y64)]);
                (Algorithm::ES256, key, thumbprint)
            }
            other => return Err(JwkError::UnsupportedKeyType(other.to_owned())),
        };
        if let Some(declared) = declared_alg {
            let expected = if alg == Algorithm::RS256 {
                "RS256"
            } else {
                "ES256"
            };
            if declared != expected {
                return Err(JwkError::UnsupportedAlgorithm(declared.to_owned()));
            }
        }
        Ok(Self {
            kid,
            alg,
            key,
            thumbprint,
        })
    }

    /// Whether `jws`'s signature was made with this key. `jws.alg` must be
    /// this key's algorithm (checked here: `jsonwebtoken` does not, and would
    /// panic for an RSA key given an EC algorithm).
    pub(crate) fn verifies(&self, jws: &Jws<'_>) -> bool {
        jws.alg == Some(self.alg)
            && jsonwebtoken::crypto::verify(jws.signature, jws.signing_input, &self.key, self.alg)
                .unwrap_or(false)
    }
}

/// A compact JWS, split and decoded but not verified.
pub(crate) struct Jws<'a> {
    /// The protected header.
    pub(crate) header: Map<String, Value>,
    /// The claims.
    pub(crate) claims: Map<String, Value>,
    /// `RS256` or `ES256`; `None` for any other `alg`.
    pub(crate) alg: Option<Algorithm>,
    signing_input: &'a [u8],
    signature: &'a str,
}

impl<'a> Jws<'a> {
    /// Splits `token` into its three parts and decodes the header and the
    /// claims (both must be JSON objects). `None` if it is not that.
    pub(crate) fn parse(token: &'a str) -> Option<Self> {
        let token = token.trim();
        let mut parts = token.split('.');
        let (Some(header64), Some(claims64), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let object = |part: &str| -> Option<Map<String, Value>> {
            let bytes = BASE64URL_NOPAD.decode(part.as_bytes()).ok()?;
            match serde_json::from_slice(&bytes).ok()? {
                Value::Object(map) => Some(map),
                _ => None,
            }
        };
        let header = object(header64)?;
        let claims = object(claims64)?;
        if signature.is_empty() {
            return None;
        }
        let alg = match header.get("alg").and_then(Value::as_str) {
            Some("RS256") => Some(Algorithm::RS256),
            Some("ES256") => Some(Algorithm::ES256),
            _ => None,
        };
        let signing_input = token.get(..header64.len() + 1 + claims64.len())?.as_bytes();
        Some(Self {
            header,
            claims,
            alg,
            signing_input,
            signature,
        })
    }

    /// A string member of the header.
    pub(crate) fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// A string claim.
    pub(crate) fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A NumericDate claim in whole seconds: `None` when absent,
    /// `Some(Err(()))` when not a number.
    pub(crate) fn claim_time(&self, name: &str) -> Option<Result<i64, ()>> {
        let value = self.claims.get(name)?;
        Some(match value {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite() && f.abs() < 1e15)
                        .map(|f| f.floor() as i64)
                })
                .ok_or(()),
            _ => Err(()),
        })
    }
}

/// `base64url(SHA-256(token))`: the `ath` of a DPoP proof for `token`.
pub(crate) fn access_token_hash(token: &str) -> String {
    BASE64URL_NOPAD.encode(digest(&SHA256, token.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// RFC 7638 §3.1: the example RSA key and its thumbprint.
    #[test]
    fn rfc7638_example_thumbprint() {
        let jwk: Value = serde_json::from_str(
            r#"{"kty":"RSA",
            "n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
        )
        .unwrap();
        let key = PublicJwk::parse(&jwk).unwrap();
        assert_eq!(
            key.thumbprint,
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        assert_eq!(key.kid.as_deref(), Some("2011-04-29"));
        assert_eq!(key.alg, Algorithm::RS256);
    }

    /// RFC 9449 §7.1: `ath` of the example access token.
    #[test]
    fn rfc9449_example_ath() {
        assert_eq!(
            access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }

    #[test]
    fn refuses_private_weak_and_unsupported_keys() {
        let parse = |json: &str| PublicJwk::parse(&serde_json::from_str(json).unwrap());
        assert_eq!(
            parse(r#"{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}"#).unwrap_err(),
            JwkError::PrivateKey("d")
        );
        assert_eq!(
            parse(r#"{"kty":"EC","crv":"P-384","x":"a","y":"b"}"#).unwrap_err(),
            JwkError::UnsupportedCurve("P-384".into())
        );
        assert_eq!(
            parse(r#"{"kty":"OKP","crv":"Ed25519","x":"a"}"#).unwrap_err(),
            JwkError::UnsupportedKeyType("OKP".into())
        );
        // A 1024-bit modulus (0x80 followed by 127 zero bytes).
        let mut n = vec![0x80u8];
        n.extend([0u8; 127]);
        let json = format!(
            r#"{{"kty":"RSA","n":"{}","e":"AQAB"}}"#,
            BASE64URL_NOPAD.encode(&n)
        );
        assert_eq!(
            parse(&json).unwrap_err(),
            JwkError::WeakRsaKey { bits: 1024 }
        );
        assert_eq!(
            parse(r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#).unwrap_err(),
            JwkError::Encoding("x")
        );
        // A zero modulus is no key (and no panic).
        assert_eq!(
            parse(r#"{"kty":"RSA","n":"AAAA","e":"AQAB"}"#).unwrap_err(),
            JwkError::Encoding("n")
        );
        assert_eq!(
            parse(r#"{"kty":"RSA","n":"","e":"AQAB"}"#).unwrap_err(),
            JwkError::Encoding("n")
        );
    }

    #[test]
    fn malformed_jws_is_none() {
        for token in [
            "",
            "a.b",
            "a.b.c.d",
            "e30.e30.",
            "W10.e30.c2ln",
            "e30.e30.c2ln!",
        ] {
            let parsed = Jws::parse(token);
            assert!(
                parsed.is_none() || parsed.is_some_and(|j| j.alg.is_none()),
                "{token}"
            );
        }
        let jws = Jws::parse("eyJhbGciOiJFUzI1NiJ9.e30.c2ln").unwrap();
        assert_eq!(jws.alg, Some(Algorithm::ES256));
    }
}
