//! OAuth 2.0 for Okta service apps (feature `oauth`): the private key that
//! signs, and the pieces a token fetch is made of.
//!
//! * [`PrivateKey`]: an RSA (2048 to 4096 bits) or EC P-256 key loaded from PEM
//!   (PKCS#1, PKCS#8, SEC1) or from a private JWK, or generated; it signs
//!   client assertions (RFC 7523, `private_key_jwt`) and DPoP proofs (RFC 9449).
//! * [`Signer`]: what the client asks of a key, to sign with a key held
//!   elsewhere (a KMS, an HSM): its [`Algorithm`], its [`PublicJwk`] and a
//!   signature over bytes.
//! * [`KeyError`], [`SignError`]: why a key could not be loaded, why a
//!   signature failed. Neither ever holds key material.
//!
//! The built-in signer draws the randomness that RSA blinding and ECDSA
//! nonces need from the operating system (ring's `SystemRandom`); everything
//! else stays sans-IO: the times (`iat`) and the `jti`s of assertions and
//! proofs come in as arguments, as everywhere in this crate.
//!
//! ```
//! use okta_factors::oauth::{PrivateKey, Signer};
//!
//! let key = PrivateKey::generate_es256()?.with_key_id("my-key");
//! assert_eq!(key.algorithm().as_str(), "ES256");
//! assert_eq!(key.key_id(), Some("my-key"));
//! // The public half, to register with the service app in Okta.
//! let jwk = key.public_jwk().to_json();
//! assert!(jwk.starts_with(r#"{"crv":"P-256","kty":"EC","x":""#));
//! // Debug never shows the private key.
//! assert!(format!("{key:?}").contains(&key.public_jwk().thumbprint()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// The crate-internal pieces (JWS assembly, the token endpoint's wire format,
// the `WWW-Authenticate` parser) are used by the token machine.
mod app;
pub(crate) mod cache;
pub(crate) mod challenge;
mod jwk;
pub(crate) mod jwt;
mod key;
pub(crate) mod token;

pub use app::{Dpop, ServiceApp, DEFAULT_SCOPES};
pub use jwk::PublicJwk;
pub use key::{KeyError, PrivateKey};

/// The JWS algorithms this crate signs with.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`RS256`), an RSA key.
    Rs256,
    /// ECDSA on P-256 with SHA-256 (`ES256`), an EC P-256 key.
    Es256,
}

impl Algorithm {
    /// The JWS `alg` name: `RS256` or `ES256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
        }
    }
}

/// A key that signs client assertions and DPoP proofs, possibly held
/// elsewhere (a KMS, an HSM). [`PrivateKey`] is the built-in one.
///
/// ```
/// use okta_factors::oauth::{Algorithm, PrivateKey, PublicJwk, SignError, Signer};
///
/// /// A signer that forwards to a key service (here: a local key).
/// struct Remote(PrivateKey);
///
/// impl Signer for Remote {
///     fn algorithm(&self) -> Algorithm {
///         Algorithm::Es256
///     }
///     fn public_jwk(&self) -> PublicJwk {
///         self.0.public_jwk()
///     }
///     fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
///         // e.g. call the KMS; its failures become SignError::new("…").
///         self.0.sign(message)
///     }
/// }
///
/// let remote = Remote(PrivateKey::generate_es256()?);
/// assert_eq!(remote.sign(b"header.claims")?.len(), 64);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Signer: Send + Sync {
    /// The algorithm of [`Signer::sign`]'s signatures.
    fn algorithm(&self) -> Algorithm;

    /// The public key, as sent in DPoP proofs and registered with the app.
    fn public_jwk(&self) -> PublicJwk;

    /// The JWS signature over `message` (for ES256 the 64-byte fixed-size
    /// `R || S`, not DER; for RS256 as many bytes as the modulus).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// A signer failed. Constructible by users, for their own [`Signer`]s.
///
/// ```
/// use okta_factors::oauth::SignError;
/// let error = SignError::new("the KMS answered 503");
/// assert_eq!(error.to_string(), "signing failed: the KMS answered 503");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("signing failed: {message}")]
pub struct SignError {
    message: String,
}

impl SignError {
    /// A signing failure, described by `message` (which must not hold secrets).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}
