//! [`ServiceApp`]: an Okta API service app's OAuth 2.0 settings, and the token
//! cache every clone of its credentials shares.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::cache::TokenState;
use super::{KeyError, PrivateKey, Signer};

/// The scopes the ten UserFactor operations need: reads and writes of users.
pub const DEFAULT_SCOPES: [&str; 2] = ["okta.users.read", "okta.users.manage"];

/// Whether tokens are bound to a key with DPoP (RFC 9449).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Dpop {
    /// Never: plain `Bearer` tokens. An app that requires DPoP refuses them.
    Off,
    /// Always: every token request and API call carries a proof.
    On,
    /// Without DPoP until the org says the app requires it
    /// (`invalid_dpop_proof`), then with it, from then on (default: apps
    /// created since 2024 require it, older ones often do not).
    #[default]
    Auto,
}

/// An Okta API service app (OAuth 2.0 client credentials with
/// `private_key_jwt`): its client ID, the key that signs its client
/// assertions, the scopes to ask for and whether to use DPoP. Turn it into
/// [`Credentials`](crate::Credentials) with
/// [`Credentials::service_app`](crate::Credentials::service_app); every client
/// (and clone) made with those credentials shares one token.
///
/// ```
/// use okta_factors::oauth::{Dpop, PrivateKey, ServiceApp};
/// use okta_factors::Credentials;
///
/// // Usually PrivateKey::from_pem(&std::fs::read_to_string("key.pem")?)?
/// let key = PrivateKey::generate_es256()?.with_key_id("my-key-id");
/// let app = ServiceApp::new("0oa1service2app", key)
///     .scopes(["okta.users.read"])
///     .dpop(Dpop::On);
/// let credentials = Credentials::service_app(app)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ServiceApp {
    pub(crate) client_id: String,
    pub(crate) signer: Arc<dyn Signer>,
    pub(crate) key_id: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) dpop: Dpop,
    pub(crate) dpop_key: Option<Arc<dyn Signer>>,
    pub(crate) cache: Arc<Mutex<TokenState>>,
}

impl ServiceApp {
    /// The app `client_id` signing with `key` (its `kid`, if it has one, is
    /// sent), asking for [`DEFAULT_SCOPES`], with [`Dpop::Auto`].
    pub fn new(client_id: impl Into<String>, key: PrivateKey) -> Self {
        let key_id = key.key_id().map(str::to_owned);
        let mut app = Self::with_signer(client_id, key);
        app.key_id = key_id;
        app
    }

    /// The app `client_id` signing with `signer` (a key held elsewhere: a KMS,
    /// an HSM); set its `kid` with [`ServiceApp::key_id`].
    pub fn with_signer(client_id: impl Into<String>, signer: impl Signer + 'static) -> Self {
        Self {
            client_id: client_id.into().trim().to_owned(),
            signer: Arc::new(signer),
            key_id: None,
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            dpop: Dpop::default(),
            dpop_key: None,
            cache: Arc::default(),
        }
    }

    /// The `kid` to name in client assertions (the key's ID in the app's JWKS).
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// The scopes to ask for (instead of [`DEFAULT_SCOPES`]).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether to use DPoP (default [`Dpop::Auto`]).
    pub fn dpop(mut self, dpop: Dpop) -> Self {
        self.dpop = dpop;
        self
    }

    /// The key that signs DPoP proofs. Okta wants it apart from the client
    /// authentication key; by default a new EC P-256 key is made when the
    /// credentials are, and lives as long as they do.
    pub fn dpop_key(mut self, key: impl Signer + 'static) -> Self {
        self.dpop_key = Some(Arc::new(key));
        self
    }

    /// The client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Fills in what was left to a default (the DPoP key) and checks the settings.
    pub(crate) fn prepare(mut self) -> Result<Self, crate::InputError> {
        let invalid = |reason: &'static str| crate::InputError::Credentials { reason };
        if self.client_id.is_empty() {
            return Err(invalid("the service app's client ID is empty"));
        }
        if self.client_id.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(invalid(
                "the service app's client ID contains spaces, control or non-ASCII characters",
            ));
        }
        if self.scopes.is_empty() {
            return Err(invalid("no scopes: ask for at least okta.users.read"));
        }
        if self.scopes.iter().any(|s| {
            s.is_empty()
                || s.bytes()
                    .any(|b| !b.is_ascii_graphic() || b == b'"' || b == b'\\')
        }) {
            return Err(invalid(
                "a scope is empty or holds spaces, quotes or non-ASCII characters: pass one scope per item",
            ));
        }
        if self.dpop != Dpop::Off && self.dpop_key.is_none() {
            let key = PrivateKey::generate_es256().map_err(|_: KeyError| {
                invalid("no DPoP key could be generated (the system's random source failed)")
            })?;
            self.dpop_key = Some(Arc::new(key));
        }
        Ok(self)
    }

    pub(crate) fn dpop_signer(&self) -> &dyn Signer {
        match &self.dpop_key {
            Some(key) => key.as_ref(),
            None => self.signer.as_ref(),
        }
    }

    /// The shared token state (a poisoned lock is still usable: the state is
    /// only ever replaced whole).
    pub(crate) fn cache(&self) -> MutexGuard<'_, TokenState> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for ServiceApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceApp")
            .field("client_id", &self.client_id)
            .field("algorithm", &self.signer.algorithm())
            .field("key_thumbprint", &self.signer.public_jwk().thumbprint())
            .field("key_id", &self.key_id)
            .field("scopes", &self.scopes)
            .field("dpop", &self.dpop)
            .finish_non_exhaustive()
    }
}
