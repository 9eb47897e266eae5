//! OAuth 2.0 for Okta's management API, as the org authorization server
//! answers a service app: [`ServiceApp`] registration, the client credentials
//! grant at `/oauth2/v1/token` with a private-key JWT client assertion, DPoP
//! (RFC 9449) proofs, and the access tokens the API then accepts.

mod dpop;
mod jose;
mod resource;
mod token;

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use serde_json::Value;

pub use jose::JwkError;
pub(crate) use jose::PublicJwk;
pub(crate) use resource::{Caller, Need};
pub(crate) use token::fault_reply;

/// The token endpoint's path.
pub(crate) const TOKEN_PATH: &str = "/oauth2/v1/token";
/// `client_assertion_type` of a JWT client assertion.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The scope that lets a token read users' factors.
pub(crate) const SCOPE_READ: &str = "okta.users.read";
/// The scope that lets a token read and change users' factors.
pub(crate) const SCOPE_MANAGE: &str = "okta.users.manage";

/// A service app (an "API Services" app integration) of the simulated org:
/// its client ID, the public keys its client assertions are signed with,
/// the Okta API scopes granted to it, and whether its tokens must be
/// DPoP-bound. Register it with
/// [`Simulator::register_service_app`](crate::Simulator::register_service_app):
///
/// ```
/// use okta_factors_sim::{ServiceApp, Simulator};
///
/// let jwk = r#"{"kty":"EC","crv":"P-256","kid":"key-1",
///     "x":"-ApxuhXd4tJBGfkGieJ2hAY4IcUt-VbJifeY9mI3_Ho",
///     "y":"KQwDZpkhp35-2eqPguJd2fyEh_SUpg_ubPAI---h5xk"}"#;
/// let mut sim = Simulator::default();
/// sim.register_service_app(
///     ServiceApp::new("0oa1serviceapp")
///         .jwk(jwk)
///         .scopes(["okta.users.read"])
///         .require_dpop(true),
/// )?;
/// # Ok::<(), okta_factors_sim::ServiceAppError>(())
/// ```
///
/// Keys are public JWKs (RSA of at least 2048 bits for `RS256`, EC P-256 for
/// `ES256`), each with an optional `kid`; [`ServiceApp::jwk`] also takes a
/// JWK Set (`{"keys": [...]}`). They are checked on registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceApp {
    client_id: String,
    jwks: Vec<String>,
    scopes: Vec<String>,
    require_dpop: bool,
}

impl ServiceApp {
    /// A service app with client ID `client_id`, no keys yet, granted
    /// `okta.users.read` and `okta.users.manage` (what the ten UserFactor
    /// operations need), DPoP not required.
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            jwks: Vec::new(),
            scopes: vec![SCOPE_READ.to_owned(), SCOPE_MANAGE.to_owned()],
            require_dpop: false,
        }
    }

    /// Adds a public key: a JWK, or a JWK Set (`{"keys": [...]}`) whose keys
    /// are all added, as JSON text.
    pub fn jwk(mut self, json: impl Into<String>) -> Self {
        self.jwks.push(json.into());
        self
    }

    /// Replaces the granted scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether token requests must carry a DPoP proof (and so get
    /// DPoP-bound tokens). Okta's default for new API service apps is
    /// `true`; this builder's is `false`.
    pub fn require_dpop(mut self, required: bool) -> Self {
        self.require_dpop = required;
        self
    }

    /// The client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The granted scopes.
    pub fn granted_scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether DPoP is required.
    pub fn requires_dpop(&self) -> bool {
        self.require_dpop
    }
}

/// Why [`Simulator::register_service_app`](crate::Simulator::register_service_app)
/// refused a [`ServiceApp`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceAppError {
    /// The client ID is empty or has characters outside `[A-Za-z0-9._~-]`.
    #[error("the client ID {0:?} is empty or has characters other than letters, digits and ._~-")]
    InvalidClientId(String),
    /// Another service app has this client ID.
    #[error("a service app with client ID {0} is already registered")]
    DuplicateClientId(String),
    /// No key was given.
    #[error("service app {0} has no public key (add one with ServiceApp::jwk)")]
    NoKeys(String),
    /// A key is not a usable public JWK.
    #[error("key #{index} of service app {client_id}: {reason}")]
    InvalidJwk {
        /// The app.
        client_id: String,
        /// The key's position, counting every key of every JWK Set (from 0).
        index: usize,
        /// What is wrong with it.
        reason: JwkError,
    },
    /// Two keys have the same `kid`.
    #[error("two keys of service app {client_id} have the kid {kid:?}")]
    DuplicateKid {
        /// The app.
        client_id: String,
        /// The `kid`.
        kid: String,
    },
}

/// What the simulator's OAuth side counted, from
/// [`Simulator::oauth_stats`](crate::Simulator::oauth_stats).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthStats {
    /// Requests received at `/oauth2/v1/token`, answered or refused.
    pub token_requests: u64,
    /// Access tokens issued, per client ID.
    pub tokens_issued: BTreeMap<String, u64>,
    /// `use_dpop_nonce` challenges answered (token endpoint and API).
    pub nonce_challenges: u64,
    /// API calls refused for authentication or authorization: no, unknown,
    /// expired or wrongly presented token, invalid DPoP proof, missing scope.
    pub auth_refusals: u64,
}

impl OAuthStats {
    /// Tokens issued to `client_id`.
    pub fn tokens_issued_to(&self, client_id: &str) -> u64 {
        self.tokens_issued.get(client_id).copied().unwrap_or(0)
    }
}

/// A registered service app.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) client_id: String,
    pub(crate) keys: Vec<PublicJwk>,
    pub(crate) scopes: Vec<String>,
    pub(crate) require_dpop: bool,
}

impl App {
    fn from_config(app: ServiceApp) -> Result<Self, ServiceAppError> {
        let client_id = app.client_id;
        let valid_id = !client_id.is_empty()
            && client_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'));
        if !valid_id {
            return Err(ServiceAppError::InvalidClientId(client_id));
        }
        let mut keys: Vec<PublicJwk> = Vec::new();
        for text in &app.jwks {
            let invalid = |index: usize, reason: JwkError| ServiceAppError::InvalidJwk {
                client_id: client_id.clone(),
                index,
                reason,
            };
            let value: Value = serde_json::from_str(text)
                .map_err(|_| invalid(keys.len(), JwkError::NotAnObject))?;
            let members = match value.get("keys") {
                Some(Value::Array(set)) => set.clone(),
                Some(_) => return Err(invalid(keys.len(), JwkError::Missing("keys"))),
                None => vec![value],
            };
            for member in &members {
                let key = PublicJwk::parse(member).map_err(|reason| invalid(keys.len(), reason))?;
                if let Some(kid) = &key.kid {
                    if keys.iter().any(|k| k.kid.as_ref() == Some(kid)) {
                        return Err(ServiceAppError::DuplicateKid {
                            client_id,
                            kid: kid.clone(),
                        });
                    }
                }
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Err(ServiceAppError::NoKeys(client_id));
        }
        Ok(Self {
            client_id,
            keys,
            scopes: app.scopes,
            require_dpop: app.require_dpop,
        })
    }
}

/// An access token the token endpoint issued.
pub(crate) struct IssuedToken {
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at: SystemTime,
    /// `cnf.jkt`: the thumbprint of the DPoP key the token is bound to.
    pub(crate) jkt: Option<String>,
}

/// Everything OAuth the simulator keeps.
#[derive(Default)]
pub(crate) struct OAuthState {
    pub(crate) apps: Vec<App>,
    /// Issued access tokens by value.
    pub(crate) tokens: HashMap<String, IssuedToken>,
    /// `jti`s of client assertions, until their `exp`.
    pub(crate) assertion_jtis: HashMap<String, SystemTime>,
    /// `jti`s of DPoP proofs (with their key), until their acceptance
    /// window closes.
    pub(crate) proof_jtis: HashMap<String, SystemTime>,
    /// `proof_jtis` is pruned when it grows past this (amortized: API calls
    /// add one each).
    proof_jtis_limit: usize,
    /// The token endpoint's current DPoP nonce (made on first use).
    pub(crate) token_nonce: Option<String>,
    /// The API's current DPoP nonce (made on first use).
    pub(crate) resource_nonce: Option<String>,
    pub(crate) stats: OAuthStats,
}

impl OAuthState {
    pub(crate) fn register(&mut self, app: ServiceApp) -> Result<(), ServiceAppError> {
        if self.apps.iter().any(|a| a.client_id == app.client_id) {
            return Err(ServiceAppError::DuplicateClientId(app.client_id));
        }
        let app = App::from_config(app)?;
        self.apps.push(app);
        Ok(())
    }

    pub(crate) fn app(&self, client_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.client_id == client_id)
    }

    /// Drops remembered `jti`s and tokens that can no longer matter.
    pub(crate) fn prune(&mut self, now: SystemTime) {
        self.assertion_jtis.retain(|_, until| *until > now);
        self.proof_jtis.retain(|_, until| *until > now);
        // Expired tokens are kept a day, to answer "expired" rather than
        // "invalid" for a while.
        let day = std::time::Duration::from_secs(86_400);
        self.tokens
            .retain(|_, t| crate::state::add(t.expires_at, day) > now);
    }

    /// Verifies a DPoP `proof` as `expected` says, against the `jti`s seen
    /// (pruned first), and remembers its `jti`.
    pub(crate) fn verify_proof(
        &mut self,
        proof: &str,
        expected: &dpop::Expected<'_>,
    ) -> Result<dpop::Proof, dpop::ProofError> {
        self.prune_proofs(expected.now);
        dpop::verify(proof, expected, &mut self.proof_jtis)
    }

    /// Drops the proof `jti`s whose window closed, once they are twice as
    /// many as after the last pruning (so each call costs O(1) amortized).
    pub(crate) fn prune_proofs(&mut self, now: SystemTime) {
        if self.proof_jtis.len() >= self.proof_jtis_limit {
            self.proof_jtis.retain(|_, until| *until > now);
            self.proof_jtis_limit = self.proof_jtis.len().saturating_mul(2).max(1024);
        }
    }

    /// Makes every issued token expire now; how many were still valid.
    pub(crate) fn expire_all(&mut self, now: SystemTime) -> usize {
        let mut live = 0;
        for token in self.tokens.values_mut() {
            if token.expires_at > now {
                live += 1;
                token.expires_at = now;
            }
        }
        live
    }
}
