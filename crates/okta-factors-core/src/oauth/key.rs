//! [`PrivateKey`]: the built-in [`Signer`], loaded from PEM or a private JWK.
//!
//! ring signs and checks the keys; it reads PKCS#1 and PKCS#8 RSA keys and
//! P-256 key pairs, but neither SEC1 nor the algorithm of a PKCS#8 key it
//! rejects, so RustCrypto's DER parsers (`pkcs8`, `sec1`, `pkcs1`) read the
//! structure first: what kind of key it is, which curve, how many bits. That
//! is what lets every refusal say what was wrong.

use std::fmt;
use std::sync::Arc;

use pkcs8::der::Decode;
use pkcs8::ObjectIdentifier;
use ring::rand::SystemRandom;
use ring::rsa::{KeyPairComponents, PublicKeyComponents};
use ring::signature::{
    EcdsaKeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256,
};
use rustls_pki_types::pem::{PemObject, SectionKind};
use serde_json::{Map, Value};

use super::{Algorithm, PublicJwk, SignError, Signer};

/// Why a key could not be loaded. Never contains key material: no bytes, no
/// base64, no JWK member values (only names, and the `kty` or curve named).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is neither what was expected (PEM, or a JWK) nor the other.
    #[error("{reason}")]
    UnrecognizedFormat {
        /// What the text was taken for, and what to pass instead.
        reason: &'static str,
    },
    /// A PEM section that holds no private key this crate reads.
    #[error(
        "unsupported PEM section \"{label}\": pass a private key, \"PRIVATE KEY\" (PKCS#8), \
         \"RSA PRIVATE KEY\" (PKCS#1) or \"EC PRIVATE KEY\" (SEC1)"
    )]
    UnsupportedPemLabel {
        /// The section's label, e.g. `OPENSSH PRIVATE KEY`.
        label: String,
    },
    /// A public key or a certificate where the private key is needed.
    #[error(
        "this is {found}, not a private key: pass the private key of the service app's key pair \
         (its public key is derived from it)"
    )]
    NotAPrivateKey {
        /// `a public key` or `a certificate`.
        found: &'static str,
    },
    /// An encrypted PKCS#8 key (`ENCRYPTED PRIVATE KEY`).
    #[error(
        "the private key is encrypted (\"ENCRYPTED PRIVATE KEY\"): decrypt it first, e.g. with \
         `openssl pkcs8 -in encrypted.pem -out key.pem`, and keep the result as safe"
    )]
    Encrypted,
    /// A key of another type than RSA or EC (Ed25519, DSA, an `oct` JWK, …).
    #[error(
        "unsupported key type {key_type}: use an RSA key (2048 to 4096 bits) or an EC P-256 key"
    )]
    UnsupportedKeyType {
        /// The type: a JWK `kty`, or the name (else the OID) of a PKCS#8 algorithm.
        key_type: String,
    },
    /// An EC key on another curve than P-256.
    #[error(
        "unsupported elliptic curve {curve}: use P-256 (also named prime256v1 or secp256r1), \
         the curve of ES256"
    )]
    UnsupportedCurve {
        /// The curve, e.g. `P-384`, `secp256k1`, or its OID.
        curve: String,
    },
    /// An RSA key shorter than 2048 bits.
    #[error("{}", weak_message(*bits))]
    WeakRsaKey {
        /// The modulus' size, when it could be read.
        bits: Option<usize>,
    },
    /// An RSA key of a size the signer does not support (above 4096 bits, or
    /// whose primes are not a multiple of 512 bits).
    #[error(
        "the RSA key has {bits} bits: supported are 2048, 3072 and 4096 bits; generate one with \
         `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`"
    )]
    UnsupportedRsaSize {
        /// The modulus' size.
        bits: usize,
    },
    /// The key's structure is broken or inconsistent.
    #[error("malformed key: {reason}")]
    Malformed {
        /// What is wrong (never any of the key's bytes).
        reason: &'static str,
    },
    /// A private JWK without a member it needs.
    #[error("{}", missing_message(member))]
    MissingMember {
        /// The member, e.g. `d`.
        member: &'static str,
    },
    /// A JWK member of the wrong type or encoding.
    #[error("the JWK member \"{member}\" {reason}")]
    InvalidMember {
        /// The member, e.g. `x`.
        member: &'static str,
        /// What is wrong with it (never its value).
        reason: &'static str,
    },
    /// An RSA JWK with `d` but without the CRT members the signer needs.
    #[error(
        "the RSA JWK has no CRT members (p, q, dp, dq, qi): export the private key with them \
         (Okta's Admin Console and JWK tools do), or as PEM"
    )]
    RsaJwkWithoutCrt,
    /// The operating system's random number generator failed.
    #[error("could not generate a key: the operating system's random number generator failed")]
    RandomFailed,
}

fn weak_message(bits: Option<usize>) -> String {
    let size = match bits {
        Some(bits) => format!("has {bits} bits"),
        None => "is shorter than 2048 bits".to_owned(),
    };
    format!(
        "the RSA key {size}: at least 2048 bits are needed; generate a new key with \
         `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` and register its public \
         key with the app"
    )
}

fn missing_message(member: &str) -> String {
    let hint = match member {
        "d" => ": without it the JWK is a public key; pass the private JWK",
        "kty" => ": it says the key type (\"RSA\" or \"EC\")",
        "crv" => ": an EC key names its curve (\"P-256\")",
        _ => "",
    };
    format!("the JWK has no \"{member}\" member{hint}")
}

fn malformed(reason: &'static str) -> KeyError {
    KeyError::Malformed { reason }
}

/// Caller text shown in an error: at most 40 characters, visible ASCII.
fn shown(text: &str) -> String {
    text.chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}

const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";

/// The name of a PKCS#8 algorithm OID, else the OID.
fn algorithm_name(oid: &str) -> String {
    match oid {
        "1.3.101.112" => "Ed25519".to_owned(),
        "1.3.101.113" => "Ed448".to_owned(),
        "1.3.101.110" => "X25519".to_owned(),
        "1.3.101.111" => "X448".to_owned(),
        "1.2.840.113549.1.1.10" => "RSASSA-PSS".to_owned(),
        "1.2.840.10040.4.1" => "DSA".to_owned(),
        "1.2.840.113549.1.3.1" => "DH".to_owned(),
        "1.2.643.7.1.1.1.1" | "1.2.643.7.1.1.1.2" => "GOST R 34.10-2012".to_owned(),
        "1.2.156.10197.1.301" => "SM2".to_owned(),
        other => format!("with algorithm OID {other}"),
    }
}

/// The name of a named-curve OID, else the OID.
fn curve_name(oid: &str) -> String {
    match oid {
        "1.3.132.0.34" => "P-384".to_owned(),
        "1.3.132.0.35" => "P-521".to_owned(),
        "1.3.132.0.10" => "secp256k1".to_owned(),
        "1.3.132.0.33" => "P-224".to_owned(),
        "1.2.840.10045.3.1.1" => "P-192".to_owned(),
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1".to_owned(),
        "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1".to_owned(),
        "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1".to_owned(),
        "1.2.156.10197.1.301" => "SM2".to_owned(),
        other => format!("with OID {other}"),
    }
}

/// The size in bits of a big-endian unsigned integer.
fn bit_len(be: &[u8]) -> usize {
    let be = strip_zeros(be);
    match be.first() {
        Some(first) => (be.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

/// A big-endian integer without its leading zero bytes.
fn strip_zeros(be: &[u8]) -> &[u8] {
    let start = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    be.get(start..).unwrap_or_default()
}

/// Sizes ring signs with: 2048 to 4096 bits.
fn check_rsa_bits(bits: usize) -> Result<(), KeyError> {
    if bits < 2048 {
        return Err(KeyError::WeakRsaKey { bits: Some(bits) });
    }
    if bits > 4096 {
        return Err(KeyError::UnsupportedRsaSize { bits });
    }
    Ok(())
}

/// ring's refusal of an RSA key of `bits` bits.
fn rsa_rejected(error: ring::error::KeyRejected, bits: usize) -> KeyError {
    match error.to_string().as_str() {
        "TooSmall" if bits < 2048 => KeyError::WeakRsaKey { bits: Some(bits) },
        "TooSmall" => malformed("the RSA public exponent is below 65537, which is not supported"),
        "TooLarge" if bits > 4096 => KeyError::UnsupportedRsaSize { bits },
        "TooLarge" => malformed("the RSA public exponent is too large"),
        "PrivateModulusLenNotMultipleOf512Bits" => KeyError::UnsupportedRsaSize { bits },
        "VersionNotSupported" => KeyError::UnsupportedKeyType {
            key_type: "multi-prime RSA".to_owned(),
        },
        other => rejected(other),
    }
}

fn rejected(description: &str) -> KeyError {
    malformed(match description {
        "InconsistentComponents" => {
            "its components do not belong together (a public key of another private key?)"
        }
        "InvalidComponent" => "one of its components is out of range",
        "InvalidEncoding" => "its DER encoding is invalid",
        "PublicKeyIsMissing" => "the EC private key does not include its public key",
        "VersionNotSupported" => "its version is not supported",
        "WrongAlgorithm" => "it is not a key for this algorithm",
        _ => "the signer refused it",
    })
}

enum Pair {
    Rsa(RsaKeyPair),
    Es256(EcdsaKeyPair),
}

struct Inner {
    pair: Pair,
    public: PublicJwk,
    thumbprint: String,
    rng: SystemRandom,
}

/// A private key loaded from PEM or a private JWK, or generated: the built-in
/// [`Signer`] (RS256 for RSA keys of 2048 to 4096 bits, ES256 for EC P-256).
///
/// Cheap to clone (shared). `Debug` shows only the algorithm, the key ID and
/// the public key's thumbprint. Signing draws randomness (RSA blinding, ECDSA
/// nonces) from the operating system through ring's `SystemRandom`.
///
/// ```
/// use okta_factors::oauth::{KeyError, PrivateKey, Signer};
///
/// // An application reads its key: PrivateKey::from_pem(&std::fs::read_to_string(path)?)?
/// // (or from_jwk, from a secret store). Here, a new one:
/// let key = PrivateKey::generate_es256()?.with_key_id("key-2025");
/// assert_eq!(key.algorithm().as_str(), "ES256");
/// assert_eq!(key.sign(b"header.claims")?.len(), 64);
///
/// let public = "-----BEGIN PUBLIC KEY-----
/// MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkpukChS93oghcO9qAcn4ybLpN9qD
/// CZZ2HzeFxJ/xDqcsv2pax8UNj6quD+EGhdKfUOAs7GvhMxG/SXfdJnOB8Q==
/// -----END PUBLIC KEY-----";
/// let error = PrivateKey::from_pem(public).unwrap_err();
/// assert!(matches!(error, KeyError::NotAPrivateKey { .. }));
/// assert!(error.to_string().starts_with("this is a public key, not a private key"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PrivateKey {
    inner: Arc<Inner>,
    key_id: Option<Arc<str>>,
}

impl PrivateKey {
    /// A key from PEM text: RSA PKCS#1 (`RSA PRIVATE KEY`), PKCS#8
    /// (`PRIVATE KEY`, RSA or EC P-256) or SEC1 (`EC PRIVATE KEY`, P-256).
    ///
    /// Other sections (a certificate next to the key, `EC PARAMETERS`) are
    /// skipped; the text must hold exactly one private key. Indented lines
    /// and `\n` written out as two characters (a key kept in an environment
    /// variable) are accepted.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let text = normalize_pem(pem);
        if !text.contains("-----BEGIN ") {
            return Err(KeyError::UnrecognizedFormat {
                reason: if text.starts_with('{') {
                    "this is JSON, not PEM: load a JWK with PrivateKey::from_jwk"
                } else {
                    "this is not PEM text (-----BEGIN PRIVATE KEY----- …): pass the key file's \
                     contents, not its path"
                },
            });
        }
        let mut private = Vec::new();
        let mut others = Vec::new();
        for section in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(text.as_bytes()) {
            let (kind, der) = section.map_err(|_| {
                malformed("the PEM text is damaged (a BEGIN or END line, or the base64 between)")
            })?;
            match kind {
                SectionKind::RsaPrivateKey
                | SectionKind::PrivateKey
                | SectionKind::EcPrivateKey => private.push((kind, der)),
                other => others.push(other),
            }
        }
        let labels: Vec<&str> = text
            .lines()
            .filter_map(|line| line.strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
            .collect();
        let (kind, der) = match private.len() {
            1 => private.remove(0),
            0 if labels.contains(&"ENCRYPTED PRIVATE KEY") => return Err(KeyError::Encrypted),
            0 if others.contains(&SectionKind::PublicKey)
                || labels.contains(&"RSA PUBLIC KEY")
                || labels.contains(&"EC PUBLIC KEY") =>
            {
                return Err(KeyError::NotAPrivateKey {
                    found: "a public key",
                })
            }
            0 if others.contains(&SectionKind::Certificate)
                || labels.contains(&"TRUSTED CERTIFICATE") =>
            {
                return Err(KeyError::NotAPrivateKey {
                    found: "a certificate",
                })
            }
            0 => {
                return Err(match labels.first() {
                    Some(label) => KeyError::UnsupportedPemLabel {
                        label: shown(label),
                    },
                    None => malformed("the PEM text has no complete BEGIN line"),
                })
            }
            _ => {
                return Err(malformed(
                    "the PEM text holds more than one private key: pass one",
                ))
            }
        };
        match kind {
            SectionKind::RsaPrivateKey => rsa_from_pkcs1(&der),
            SectionKind::EcPrivateKey => ec_from_sec1(&der, None),
            _ => from_pkcs8(&der),
        }
    }

    /// A key from a private JWK (JSON): RSA with `n`, `e`, `d`, `p`, `q`,
    /// `dp`, `dq`, `qi`; EC P-256 with `crv`, `x`, `y`, `d`. Its `kid` is
    /// kept ([`PrivateKey::key_id`]); `alg`, `use` and other members are
    /// ignored.
    pub fn from_jwk(json: &str) -> Result<Self, KeyError> {
        let text = json.trim_start_matches('\u{feff}').trim();
        if !text.starts_with('{') {
            return Err(KeyError::UnrecognizedFormat {
                reason: if text.contains("-----BEGIN ") {
                    "this is PEM text, not a JWK: load it with PrivateKey::from_pem"
                } else {
                    "this is not a JSON Web Key (a JSON object like {\"kty\":\"EC\",…}): pass the \
                     key's contents, not its path"
                },
            });
        }
        // serde_json's messages may quote the input: never shown.
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
            return Err(malformed("the JWK is not a valid JSON object"));
        };
        if map.contains_key("keys") && !map.contains_key("kty") {
            return Err(malformed(
                "this is a JWK Set ({\"keys\": […]}): pass the one key to sign with",
            ));
        }
        let kid = match map.get("kid") {
            None | Some(Value::Null) => None,
            Some(Value::String(kid)) => Some(kid.clone()),
            Some(_) => {
                return Err(KeyError::InvalidMember {
                    member: "kid",
                    reason: "is not a string",
                })
            }
        };
        let key = match string_member(&map, "kty")? {
            "RSA" => rsa_from_jwk(&map)?,
            "EC" => ec_from_jwk(&map)?,
            "OKP" => {
                let curve = map.get("crv").and_then(Value::as_str).unwrap_or("?");
                return Err(KeyError::UnsupportedKeyType {
                    key_type: format!("OKP ({})", shown(curve)),
                });
            }
            "oct" => {
                return Err(KeyError::UnsupportedKeyType {
                    key_type: "oct (a shared secret, not a key pair)".to_owned(),
                })
            }
            other => {
                return Err(KeyError::UnsupportedKeyType {
                    key_type: shown(other),
                })
            }
        };
        Ok(match kid {
            Some(kid) => key.with_key_id(kid),
            None => key,
        })
    }

    /// A new random EC P-256 key (from the operating system's random number
    /// generator, through ring): for demos and tests, or a DPoP key of its own.
    pub fn generate_es256() -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let document = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| KeyError::RandomFailed)?;
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, document.as_ref(), &rng)
                .map_err(|e| rejected(&e.to_string()))?;
        Self::new(Pair::Es256(pair), rng)
    }

    /// The key ID (`kid`): the JWK's, or the one set with
    /// [`PrivateKey::with_key_id`].
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The same key with the key ID `kid` (as registered with the app), which
    /// client assertions name in their header.
    pub fn with_key_id(self, kid: impl Into<String>) -> Self {
        Self {
            key_id: Some(Arc::from(kid.into())),
            ..self
        }
    }

    fn new(pair: Pair, rng: SystemRandom) -> Result<Self, KeyError> {
        let public = match &pair {
            Pair::Rsa(pair) => {
                let components = PublicKeyComponents::<Vec<u8>>::from(pair.public());
                PublicJwk::rsa(&components.n, &components.e)
            }
            Pair::Es256(pair) => {
                let point = pair.public_key().as_ref();
                let (Some(x), Some(y)) = (coordinate(point, 1), coordinate(point, 33)) else {
                    return Err(malformed("the EC public key is not an uncompressed point"));
                };
                PublicJwk::ec_p256(x, y)
            }
        };
        let thumbprint = public.thumbprint();
        Ok(Self {
            inner: Arc::new(Inner {
                pair,
                public,
                thumbprint,
                rng,
            }),
            key_id: None,
        })
    }
}

/// 32 bytes of `point` from `start`.
fn coordinate(point: &[u8], start: usize) -> Option<[u8; 32]> {
    point.get(start..start + 32)?.try_into().ok()
}

impl Signer for PrivateKey {
    fn algorithm(&self) -> Algorithm {
        match self.inner.pair {
            Pair::Rsa(_) => Algorithm::Rs256,
            Pair::Es256(_) => Algorithm::Es256,
        }
    }

    fn public_jwk(&self) -> PublicJwk {
        self.inner.public.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        match &self.inner.pair {
            Pair::Rsa(pair) => {
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &self.inner.rng, message, &mut signature)
                    .map_err(|_| SignError::new("RS256 signing failed"))?;
                Ok(signature)
            }
            Pair::Es256(pair) => pair
                .sign(&self.inner.rng, message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| {
                    SignError::new("ES256 signing failed (the system's random number generator?)")
                }),
        }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm())
            .field("key_id", &self.key_id())
            .field("thumbprint", &self.inner.thumbprint)
            .finish()
    }
}

/// PEM text with each line trimmed, and `\n` written as two characters (an
/// environment variable's value) turned into line breaks.
fn normalize_pem(pem: &str) -> String {
    let pem = pem.trim_start_matches('\u{feff}');
    let unescaped;
    let pem = if !pem.contains('\n') && pem.contains("\\n") {
        unescaped = pem.replace("\\r\\n", "\n").replace("\\n", "\n");
        unescaped.as_str()
    } else {
        pem
    };
    let mut out = String::with_capacity(pem.len());
    for line in pem.lines() {
        let line = line.trim();
        if !line.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A PKCS#8 `PrivateKeyInfo` (v1 or v2): RSA or EC P-256.
fn from_pkcs8(der: &[u8]) -> Result<PrivateKey, KeyError> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der)
        .map_err(|_| malformed("not a valid PKCS#8 private key"))?;
    let algorithm = info.algorithm.oid.to_string();
    match algorithm.as_str() {
        OID_RSA_ENCRYPTION => rsa_from_pkcs1(info.private_key.as_bytes()),
        OID_EC_PUBLIC_KEY => {
            let curve = info
                .algorithm
                .parameters
                .and_then(|parameters| <ObjectIdentifier>::try_from(parameters).ok())
                .ok_or_else(|| malformed("the EC key does not name its curve"))?
                .to_string();
            if curve != OID_P256 {
                return Err(KeyError::UnsupportedCurve {
                    curve: curve_name(&curve),
                });
            }
            let public = info.public_key.and_then(|bits| bits.as_bytes());
            ec_from_sec1(info.private_key.as_bytes(), public)
        }
        other => Err(KeyError::UnsupportedKeyType {
            key_type: algorithm_name(other),
        }),
    }
}

/// A PKCS#1 `RSAPrivateKey`.
fn rsa_from_pkcs1(der: &[u8]) -> Result<PrivateKey, KeyError> {
    let parsed = pkcs1::RsaPrivateKeyRef::from_der(der)
        .map_err(|_| malformed("not a valid PKCS#1 RSA private key"))?;
    if parsed.other_prime_infos.is_some() {
        return Err(KeyError::UnsupportedKeyType {
            key_type: "multi-prime RSA".to_owned(),
        });
    }
    let bits = bit_len(parsed.modulus.as_bytes());
    check_rsa_bits(bits)?;
    let pair = RsaKeyPair::from_der(der).map_err(|e| rsa_rejected(e, bits))?;
    PrivateKey::new(Pair::Rsa(pair), SystemRandom::new())
}

/// A SEC1 `ECPrivateKey` on P-256; `public` is the public key of a PKCS#8 v2
/// envelope, used when the SEC1 structure has none.
fn ec_from_sec1(der: &[u8], public: Option<&[u8]>) -> Result<PrivateKey, KeyError> {
    let parsed = sec1::EcPrivateKey::try_from(der).map_err(|_| {
        malformed(
            "not a valid SEC1 EC private key (a named curve is needed, not explicit parameters)",
        )
    })?;
    if let Some(curve) = parsed.parameters.and_then(|p| p.named_curve()) {
        let curve = curve.to_string();
        if curve != OID_P256 {
            return Err(KeyError::UnsupportedCurve {
                curve: curve_name(&curve),
            });
        }
    }
    let Some(d) = left_pad(parsed.private_key) else {
        return Err(malformed(
            "the EC private key is longer than 32 bytes (not P-256)",
        ));
    };
    let Some(point) = parsed.public_key.or(public) else {
        return Err(malformed(
            "the EC private key does not include its public key: re-export it with \
             `openssl ec -in key.pem -out full.pem`",
        ));
    };
    ec_from_parts(&d, point)
}

/// A P-256 key pair from the private scalar and the uncompressed public point.
fn ec_from_parts(d: &[u8; 32], point: &[u8]) -> Result<PrivateKey, KeyError> {
    if point.first() != Some(&4) || point.len() != 65 {
        return Err(malformed(
            "the EC public key is not an uncompressed P-256 point (04 || x || y)",
        ));
    }
    let rng = SystemRandom::new();
    let pair = EcdsaKeyPair::from_private_key_and_public_key(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        d,
        point,
        &rng,
    )
    .map_err(|e| rejected(&e.to_string()))?;
    PrivateKey::new(Pair::Es256(pair), rng)
}

/// A big-endian value of at most 32 bytes, left-padded to 32.
fn left_pad(bytes: &[u8]) -> Option<[u8; 32]> {
    let bytes = if bytes.len() > 32 {
        strip_zeros(bytes)
    } else {
        bytes
    };
    let mut out = [0; 32];
    out.get_mut(32usize.checked_sub(bytes.len())?..)?
        .copy_from_slice(bytes);
    Some(out)
}

fn string_member<'a>(
    map: &'a Map<String, Value>,
    member: &'static str,
) -> Result<&'a str, KeyError> {
    match map.get(member) {
        None | Some(Value::Null) => Err(KeyError::MissingMember { member }),
        Some(Value::String(value)) => Ok(value),
        Some(_) => Err(KeyError::InvalidMember {
            member,
            reason: "is not a string",
        }),
    }
}

/// A Base64urlUInt or other base64url member (padding tolerated).
fn bytes_member(map: &Map<String, Value>, member: &'static str) -> Result<Vec<u8>, KeyError> {
    let text = string_member(map, member)?;
    data_encoding::BASE64URL_NOPAD
        .decode(text.trim_end_matches('=').as_bytes())
        .map_err(|_| KeyError::InvalidMember {
            member,
            reason: "is not base64url",
        })
}

fn rsa_from_jwk(map: &Map<String, Value>) -> Result<PrivateKey, KeyError> {
    if map.contains_key("oth") {
        return Err(KeyError::UnsupportedKeyType {
            key_type: "multi-prime RSA (\"oth\")".to_owned(),
        });
    }
    let n = bytes_member(map, "n")?;
    let e = bytes_member(map, "e")?;
    let d = bytes_member(map, "d")?;
    const CRT: [&str; 5] = ["p", "q", "dp", "dq", "qi"];
    if CRT.iter().all(|member| !map.contains_key(*member)) {
        return Err(KeyError::RsaJwkWithoutCrt);
    }
    let p = bytes_member(map, "p")?;
    let q = bytes_member(map, "q")?;
    let dp = bytes_member(map, "dp")?;
    let dq = bytes_member(map, "dq")?;
    let qi = bytes_member(map, "qi")?;
    let bits = bit_len(&n);
    check_rsa_bits(bits)?;
    let components = KeyPairComponents {
        public_key: PublicKeyComponents {
            n: strip_zeros(&n),
            e: strip_zeros(&e),
        },
        d: strip_zeros(&d),
        p: strip_zeros(&p),
        q: strip_zeros(&q),
        dP: strip_zeros(&dp),
        dQ: strip_zeros(&dq),
        qInv: strip_zeros(&qi),
    };
    let pair = RsaKeyPair::from_components(&components).map_err(|e| rsa_rejected(e, bits))?;
    PrivateKey::new(Pair::Rsa(pair), SystemRandom::new())
}

fn ec_from_jwk(map: &Map<String, Value>) -> Result<PrivateKey, KeyError> {
    let curve = string_member(map, "crv")?;
    if curve != "P-256" {
        return Err(KeyError::UnsupportedCurve {
            curve: shown(curve),
        });
    }
    let coordinate = |member: &'static str| {
        left_pad(&bytes_member(map, member)?).ok_or(KeyError::InvalidMember {
            member,
            reason: "is longer than 32 bytes (P-256)",
        })
    };
    let x = coordinate("x")?;
    let y = coordinate("y")?;
    let d = coordinate("d")?;
    let mut point = Vec::with_capacity(65);
    point.push(4);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    ec_from_parts(&d, &point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_len(&[]), 0);
        assert_eq!(bit_len(&[0, 0]), 0);
        assert_eq!(bit_len(&[1]), 1);
        assert_eq!(bit_len(&[0, 0x80, 0]), 16);
        assert_eq!(bit_len(&[0x7f; 256]), 2047);
    }

    #[test]
    fn left_padding() {
        assert_eq!(left_pad(&[1]).map(|a| a[31]), Some(1));
        assert_eq!(left_pad(&[0; 33]), Some([0; 32]));
        assert_eq!(left_pad(&[1; 33]), None);
        let mut long = vec![0, 0];
        long.extend_from_slice(&[7; 32]);
        assert_eq!(left_pad(&long), Some([7; 32]));
    }

    #[test]
    fn pem_normalization() {
        assert_eq!(
            normalize_pem("  -----BEGIN X-----\r\n  AAAA\n\n-----END X-----  "),
            "-----BEGIN X-----\nAAAA\n-----END X-----\n"
        );
        assert_eq!(
            normalize_pem("-----BEGIN X-----\\nAAAA\\n-----END X-----\\n"),
            "-----BEGIN X-----\nAAAA\n-----END X-----\n"
        );
    }

    #[test]
    fn shown_text_is_bounded_and_printable() {
        assert_eq!(shown("P-384"), "P-384");
        assert_eq!(shown("a\nb\u{7f}é"), "a?b??");
        assert_eq!(shown(&"x".repeat(100)).len(), 40);
    }
}
