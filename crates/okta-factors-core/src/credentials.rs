//! [`Credentials`]: an API token or an OAuth 2.0 access token.

use http::HeaderValue;

use crate::error::InputError;
use crate::model::Secret;

/// How the token is presented in `Authorization`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Authorization: SSWS <api token>`.
    Ssws,
    /// `Authorization: Bearer <access token>`.
    Bearer,
}

impl AuthScheme {
    /// The scheme word, `SSWS` or `Bearer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ssws => "SSWS",
            Self::Bearer => "Bearer",
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
    scheme: AuthScheme,
    token: Secret,
    /// `Authorization`, built once (sensitive: `Debug` shows `Sensitive`).
    header: HeaderValue,
}

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
            scheme,
            token: Secret::new(token),
            header,
        })
    }

    /// `SSWS` or `Bearer`.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// The token (put it on the wire only).
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// The `Authorization` header value, marked sensitive.
    pub fn authorization(&self) -> HeaderValue {
        self.header.clone()
    }
}
