//! [`PublicJwk`]: a public key as a JSON Web Key (RFC 7517, 7518), and its
//! RFC 7638 thumbprint.

use std::fmt;

use super::jwt::base64url;

/// A public key as a JWK: RSA (`n`, `e`) or EC P-256 (`x`, `y`). Only the
/// members RFC 7638 requires are kept, so [`PublicJwk::to_json`] is both what
/// a DPoP proof's header carries and what the thumbprint hashes.
///
/// ```
/// use okta_factors::oauth::PublicJwk;
/// let jwk = PublicJwk::rsa(&[0, 0xc5, 0x01], &[1, 0, 1]);
/// assert_eq!(jwk.to_json(), r#"{"e":"AQAB","kty":"RSA","n":"xQE"}"#);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PublicJwk(Kind);

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    /// Big-endian, without leading zero bytes (one byte at least).
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    EcP256 {
        x: [u8; 32],
        y: [u8; 32],
    },
}

/// A big-endian integer without its leading zero bytes, one byte at least
/// (RFC 7518 §2: Base64urlUInt).
fn unsigned(bytes: &[u8]) -> Vec<u8> {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    match bytes.get(start..) {
        Some(rest) if !rest.is_empty() => rest.to_vec(),
        _ => vec![0],
    }
}

impl PublicJwk {
    /// An RSA public key from its modulus and exponent, big-endian (leading
    /// zero bytes are dropped).
    pub fn rsa(modulus: &[u8], exponent: &[u8]) -> Self {
        Self(Kind::Rsa {
            n: unsigned(modulus),
            e: unsigned(exponent),
        })
    }

    /// An EC P-256 public key from its affine coordinates, big-endian.
    pub fn ec_p256(x: [u8; 32], y: [u8; 32]) -> Self {
        Self(Kind::EcP256 { x, y })
    }

    /// The JWK's `kty`: `RSA` or `EC`.
    fn kty(&self) -> &'static str {
        match self.0 {
            Kind::Rsa { .. } => "RSA",
            Kind::EcP256 { .. } => "EC",
        }
    }

    /// The required members (RFC 7638 §3.2), in lexicographic order, as
    /// compact JSON: `{"e":…,"kty":"RSA","n":…}` or
    /// `{"crv":"P-256","kty":"EC","x":…,"y":…}`. Base64url needs no JSON
    /// escaping, so this is the exact input of the thumbprint.
    pub fn to_json(&self) -> String {
        match &self.0 {
            Kind::Rsa { n, e } => format!(
                r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                base64url(e),
                base64url(n)
            ),
            Kind::EcP256 { x, y } => format!(
                r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
                base64url(x),
                base64url(y)
            ),
        }
    }

    /// The same members as a JSON value (for a JWS header).
    pub(crate) fn to_value(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        match &self.0 {
            Kind::Rsa { n, e } => {
                map.insert("e".into(), base64url(e).into());
                map.insert("kty".into(), "RSA".into());
                map.insert("n".into(), base64url(n).into());
            }
            Kind::EcP256 { x, y } => {
                map.insert("crv".into(), "P-256".into());
                map.insert("kty".into(), "EC".into());
                map.insert("x".into(), base64url(x).into());
                map.insert("y".into(), base64url(y).into());
            }
        }
        serde_json::Value::Object(map)
    }

    /// The JWK thumbprint (RFC 7638): base64url of the SHA-256 of
    /// [`PublicJwk::to_json`]. DPoP binds tokens to it (`cnf.jkt`).
    pub fn thumbprint(&self) -> String {
        base64url(ring::digest::digest(&ring::digest::SHA256, self.to_json().as_bytes()).as_ref())
    }
}

impl fmt::Debug for PublicJwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicJwk")
            .field("kty", &self.kty())
            .field("thumbprint", &self.thumbprint())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_zeros_are_dropped_but_zero_stays_one_byte() {
        assert_eq!(unsigned(&[0, 0, 1, 0]), vec![1, 0]);
        assert_eq!(unsigned(&[0, 0]), vec![0]);
        assert_eq!(unsigned(&[]), vec![0]);
        assert_eq!(
            PublicJwk::rsa(&[0, 1], &[1]),
            PublicJwk::rsa(&[1], &[0, 0, 1])
        );
    }

    #[test]
    fn the_value_is_the_json() {
        let jwk = PublicJwk::ec_p256([1; 32], [2; 32]);
        let parsed: serde_json::Value = serde_json::from_str(&jwk.to_json()).unwrap();
        assert_eq!(parsed, jwk.to_value());
        let jwk = PublicJwk::rsa(&[0xff; 256], &[1, 0, 1]);
        let parsed: serde_json::Value = serde_json::from_str(&jwk.to_json()).unwrap();
        assert_eq!(parsed, jwk.to_value());
    }
}
