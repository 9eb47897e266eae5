//! [`Credentials`]: an API token, an OAuth 2.0 access token, or (feature
//! `oauth`) a service app that gets its own access tokens.

#[cfg(feature = "oauth")]
use std::sync::Arc;

use http::HeaderValue;

use crate::error::InputError;
use crate::model::Secret;

/// How the credentials authorize requests: Okta's `authorizationMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Authorization: SSWS <api token>`.
    Ssws,
    /// `Authorization: Bearer <access token>`.
    Bearer,
    /// A service app's own access tokens, minted with a private-key JWT:
    /// `Authorization: Bearer <token>`, or `DPoP <token>` with a proof.
    PrivateKey,
}

impl AuthScheme {
    /// `SSWS`, `Bearer` or `PrivateKey` (Okta's names for the modes).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ssws => "SSWS",
            Self::Bearer => "Bearer",
            Self::PrivateKey => "PrivateKey",
        }
    }
}

/// The credentials every request carries. The token never appears in `Debug`
/// output or in any error message, and the header value built from it is marked
/// sensitive.
///
/// ```
/// use okta_factors::Credentials;
/// let creds = Credentials::api_token("00abc-very-secret").unwrap();
/// assert!(!format!("{creds:?}").contains("very-secret"));
/// assert!(Credentials::api_token("{apiToken}").is_err());
/// assert!(Credentials::access_token("").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// A fixed token.
    Token {
        scheme: AuthScheme,
        token: Secret,
        /// `Authorization`, built once (sensitive: `Debug` shows `Sensitive`).
        header: HeaderValue,
    },
    /// A service app and its shared token cache.
    #[cfg(feature = "oauth")]
    ServiceApp(Arc<crate::oauth::ServiceApp>),
}

impl PartialEq for Kind {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Self::Token { scheme, token, .. },
                Self::Token {
                    scheme: other_scheme,
                    token: other_token,
                    ..
                },
            ) => scheme == other_scheme && token == other_token,
            // The same app: the same credentials (clones share one token).
            #[cfg(feature = "oauth")]
            (Self::ServiceApp(app), Self::ServiceApp(other)) => Arc::ptr_eq(app, other),
            #[cfg(feature = "oauth")]
            _ => false,
        }
    }
}

impl Eq for Kind {}

impl Credentials {
    /// An Okta API token, sent as `Authorization: SSWS <token>`.
    pub fn api_token(token: impl Into<String>) -> Result<Self, InputError> {
        Self::new(AuthScheme::Ssws, token.into())
    }

    /// An OAuth 2.0 access token, sent as `Authorization: Bearer <token>`.
    pub fn access_token(token: impl Into<String>) -> Result<Self, InputError> {
        Self::new(AuthScheme::Bearer, token.into())
    }

    fn new(scheme: AuthScheme, token: String) -> Result<Self, InputError> {
        let invalid = |reason| InputError::Credentials { reason };
        // Tokens read from files or environment variables often end in a newline.
        let token = token.trim();
        if token.is_empty() {
            return Err(invalid("the token is empty"));
        }
        if token.contains(['{', '}']) {
            return Err(invalid(
                "the token is a placeholder like {apiToken}; use a real token from Security > API > Tokens",
            ));
        }
        let lower = token.to_ascii_lowercase();
        if lower.starts_with("ssws ") || lower.starts_with("bearer ") {
            return Err(invalid(
                "the token starts with an auth scheme; pass the bare token, the scheme is added for you",
            ));
        }
        if token.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(invalid(
                "the token contains spaces, control characters or non-ASCII characters",
            ));
        }
        // Visible ASCII only (checked above), so this cannot fail.
        let mut header = HeaderValue::from_str(&format!("{} {token}", scheme.as_str()))
            .map_err(|_| invalid("the token is not a valid header value"))?;
        header.set_sensitive(true);
        Ok(Self {
            kind: Kind::Token {
                scheme,
                token: Secret::new(token),
                header,
            },
        })
    }

    /// An Okta API service app (feature `oauth`): the clients mint its access
    /// tokens at the org's `/oauth2/v1/token` with a private-key JWT, keep
    /// them until shortly before they expire, and present them as `Bearer`
    /// or, with DPoP, as `DPoP` with a proof per request. Every client and
    /// clone made with these credentials shares one token.
    ///
    /// Fails if the client ID or a scope is unusable, or no DPoP key could be
    /// made (see [`ServiceApp::dpop_key`](crate::oauth::ServiceApp::dpop_key)).
    #[cfg(feature = "oauth")]
    pub fn service_app(app: crate::oauth::ServiceApp) -> Result<Self, InputError> {
        Ok(Self {
            kind: Kind::ServiceApp(Arc::new(app.prepare()?)),
        })
    }

    /// The service app, for service-app credentials.
    #[cfg(feature = "oauth")]
    pub(crate) fn as_service_app(&self) -> Option<&crate::oauth::ServiceApp> {
        match &self.kind {
            Kind::ServiceApp(app) => Some(app),
            Kind::Token { .. } => None,
        }
    }

    /// The mode: `Ssws`, `Bearer`, or `PrivateKey` for a service app.
    pub fn scheme(&self) -> AuthScheme {
        match &self.kind {
            Kind::Token { scheme, .. } => *scheme,
            #[cfg(feature = "oauth")]
            Kind::ServiceApp(_) => AuthScheme::PrivateKey,
        }
    }

    /// The fixed token (put it on the wire only); `None` for a service app,
    /// whose tokens come and go.
    pub fn token(&self) -> Option<&Secret> {
        match &self.kind {
            Kind::Token { token, .. } => Some(token),
            #[cfg(feature = "oauth")]
            Kind::ServiceApp(_) => None,
        }
    }

    /// The `Authorization` header value of a fixed token, marked sensitive;
    /// `None` for a service app (its requests get theirs when sent).
    pub fn authorization(&self) -> Option<HeaderValue> {
        match &self.kind {
            Kind::Token { header, .. } => Some(header.clone()),
            #[cfg(feature = "oauth")]
            Kind::ServiceApp(_) => None,
        }
    }
}
