//! Who calls the API: the configured API token (`SSWS`, or `Bearer`), or an
//! access token the token endpoint issued (`Bearer`, or `DPoP` with a
//! proof); and the `401`/`400`/`403` answers with their `WWW-Authenticate`
//! challenges, in Okta's format:
//!
//! ```text
//! WWW-Authenticate: Bearer authorization_uri="https://{org}/oauth2/v1/authorize", realm="https://{org}",
//!     scope="okta.users.read", error="insufficient_scope",
//!     error_description="The access token provided does not contain the required scopes.",
//!     resource="/api/v1/users/{userId}/factors"
//! WWW-Authenticate: DPoP algs="RS256 ES256", authorization_uri=…, realm=…, scope=…,
//!     error="invalid_dpop_proof", error_description="'htu' claim in the DPoP proof JWT is invalid.", resource=…
//! ```

use std::time::SystemTime;

use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderValue, Method, Request, StatusCode};
use okta_factors_core::AuthScheme;

use super::dpop::{Expected, ProofError};
use super::token::DPOP_NONCE;
use super::{SCOPE_MANAGE, SCOPE_READ};
use crate::api::{Fail, Route};
use crate::sim::Simulator;

/// Who made an API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// The configured API token, with the scheme it came with.
    ApiToken(AuthScheme),
    /// An issued access token.
    OAuth {
        client_id: String,
        scopes: Vec<String>,
        /// Presented as a DPoP-bound token.
        dpop: bool,
    },
}

/// The scope an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// `okta.users.read` (or `okta.users.manage`).
    Read,
    /// `okta.users.manage`.
    Manage,
}

impl Need {
    /// What `method` on `route` needs: reads need `okta.users.read`,
    /// everything that changes a factor or sends something needs
    /// `okta.users.manage`.
    pub(crate) fn of(route: &Route, method: &Method) -> Self {
        let read = method == Method::GET || method == Method::HEAD;
        match route {
            Route::Factors(_)
            | Route::Catalog(_)
            | Route::Questions(_)
            | Route::Factor(..)
            | Route::Transaction(..)
            | Route::QrCode(..)
                if read =>
            {
                Self::Read
            }
            _ => Self::Manage,
        }
    }

    fn scope(self) -> &'static str {
        match self {
            Self::Read => SCOPE_READ,
            Self::Manage => SCOPE_MANAGE,
        }
    }

    /// Whether `scopes` allow it.
    pub(crate) fn met_by(self, scopes: &[String]) -> bool {
        scopes
            .iter()
            .any(|s| s == SCOPE_MANAGE || (self == Self::Read && s == SCOPE_READ))
    }
}

/// The scheme of a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Bearer,
    DPoP,
}

/// Escapes a quoted-string's content.
fn quoted(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// What a challenge needs to know about the request.
struct Challenge<'a> {
    base: &'a str,
    scope: Option<&'static str>,
    resource: &'a str,
}

impl Challenge<'_> {
    fn header(&self, scheme: Scheme, error: &str, description: &str) -> Option<HeaderValue> {
        let mut value = match scheme {
            Scheme::Bearer => "Bearer ".to_owned(),
            Scheme::DPoP => "DPoP algs=\"RS256 ES256\", ".to_owned(),
        };
        value.push_str(&format!(
            "authorization_uri=\"{}/oauth2/v1/authorize\", realm=\"{}\", ",
            quoted(self.base),
            quoted(self.base)
        ));
        if let Some(scope) = self.scope {
            value.push_str(&format!("scope=\"{scope}\", "));
        }
        value.push_str(&format!(
            "error=\"{error}\", error_description=\"{}\", resource=\"{}\"",
            quoted(description),
            quoted(self.resource)
        ));
        HeaderValue::from_str(&value).ok()
    }

    /// `401 E0000011` with a challenge.
    fn unauthorized(&self, scheme: Scheme, error: &str, description: &str) -> Fail {
        self.fail(StatusCode::UNAUTHORIZED, scheme, error, description)
    }

    fn fail(&self, status: StatusCode, scheme: Scheme, error: &str, description: &str) -> Fail {
        let mut fail = Fail::invalid_token().with_cause(description);
        fail.status = status;
        if let Some(header) = self.header(scheme, error, description) {
            fail.headers.push((WWW_AUTHENTICATE, header));
        }
        fail
    }
}

impl Simulator {
    /// Authenticates an API request: the configured token (`SSWS` or
    /// `Bearer` in any case, surrounding spaces ignored), or an issued
    /// access token with its DPoP proof when bound.
    pub(crate) fn authenticate(
        &mut self,
        request: &Request<Vec<u8>>,
        now: SystemTime,
    ) -> Result<Caller, Fail> {
        let presented = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
            .ok_or_else(Fail::invalid_token)?;
        let (scheme, token) = presented
            .trim()
            .split_once(' ')
            .ok_or_else(Fail::invalid_token)?;
        let token = token.trim();
        let configured = constant_time_eq(token.as_bytes(), self.config.token.as_bytes());
        if scheme.eq_ignore_ascii_case("SSWS") {
            return if configured {
                Ok(Caller::ApiToken(AuthScheme::Ssws))
            } else {
                Err(Fail::invalid_token())
            };
        }
        let dpop = if scheme.eq_ignore_ascii_case("Bearer") {
            if configured {
                return Ok(Caller::ApiToken(AuthScheme::Bearer));
            }
            false
        } else if scheme.eq_ignore_ascii_case("DPoP") {
            true
        } else {
            return Err(Fail::invalid_token());
        };

        let base = self.link_base(request);
        let path = request.uri().path().to_owned();
        let scope = Route::parse(&path).map(|route| Need::of(&route, request.method()).scope());
        let challenge = Challenge {
            base: &base,
            scope,
            resource: &path,
        };
        let presented_as = if dpop { Scheme::DPoP } else { Scheme::Bearer };
        let Some(issued) = self.oauth.tokens.get(token) else {
            return Err(challenge.unauthorized(
                presented_as,
                "invalid_token",
                "The access token is invalid.",
            ));
        };
        if issued.expires_at <= now {
            return Err(challenge.unauthorized(
                presented_as,
                "invalid_token",
                "The token has expired.",
            ));
        }
        let caller = Caller::OAuth {
            client_id: issued.client_id.clone(),
            scopes: issued.scopes.clone(),
            dpop,
        };
        let bound_to = issued.jkt.clone();
        match (dpop, bound_to) {
            (false, None) => Ok(caller),
            (false, Some(_)) => Err(challenge.unauthorized(
                Scheme::DPoP,
                "invalid_token",
                "The access token is DPoP-bound: present it as 'Authorization: DPoP <token>' \
                 with a DPoP proof.",
            )),
            (true, None) => Err(challenge.unauthorized(
                Scheme::Bearer,
                "invalid_token",
                "The access token is not DPoP-bound: present it as 'Authorization: Bearer <token>'.",
            )),
            (true, Some(jkt)) => {
                let client_id = match &caller {
                    Caller::OAuth { client_id, .. } => client_id.clone(),
                    Caller::ApiToken(_) => String::new(),
                };
                self.resource_proof(request, token, &client_id, &jkt, &challenge, now)?;
                Ok(caller)
            }
        }
    }

    /// Verifies the DPoP proof of an API request made with a token bound to
    /// `jkt`.
    fn resource_proof(
        &mut self,
        request: &Request<Vec<u8>>,
        token: &str,
        client_id: &str,
        jkt: &str,
        challenge: &Challenge<'_>,
        now: SystemTime,
    ) -> Result<(), Fail> {
        let invalid = |description: &str| {
            challenge.fail(
                StatusCode::BAD_REQUEST,
                Scheme::DPoP,
                "invalid_dpop_proof",
                description,
            )
        };
        let mut proofs = request.headers().get_all("dpop").iter();
        let proof = match (proofs.next(), proofs.next()) {
            (None, _) => return Err(invalid("The DPoP proof JWT header is missing.")),
            (Some(_), Some(_)) => {
                return Err(invalid("Only one DPoP proof JWT header is allowed."))
            }
            (Some(proof), None) => proof
                .to_str()
                .map_err(|_| invalid("DPoP proof JWT cannot be parsed."))?,
        };
        let nonce = if self.config.dpop_resource_nonce {
            Some(self.resource_nonce())
        } else {
            None
        };
        let forbidden: Vec<String> = self
            .oauth
            .app(client_id)
            .map(|a| a.keys.iter().map(|k| k.thumbprint.clone()).collect())
            .unwrap_or_default();
        let url = format!("{}{}", challenge.base, challenge.resource);
        let expected = Expected {
            method: request.method().as_str(),
            url: &url,
            access_token: Some(token),
            nonce: nonce.as_deref(),
            forbidden_keys: &forbidden,
            now,
            skew: self.config.oauth_clock_skew,
        };
        let verified = self.oauth.verify_proof(proof, &expected);
        match verified {
            Ok(proof) if proof.jkt == jkt => Ok(()),
            Ok(_) => Err(challenge.unauthorized(
                Scheme::DPoP,
                "invalid_token",
                "The DPoP proof is not signed with the key the access token is bound to.",
            )),
            Err(ProofError::Invalid(description)) => Err(invalid(description)),
            Err(ProofError::UseNonce) => {
                self.oauth.stats.nonce_challenges += 1;
                let mut fail = challenge.unauthorized(
                    Scheme::DPoP,
                    "use_dpop_nonce",
                    "Resource server requires nonce in DPoP proof.",
                );
                if let Some(nonce) = nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
                    fail.headers.push((DPOP_NONCE, nonce));
                }
                Err(fail)
            }
        }
    }

    /// `403 E0000006` for a token without the scope `need`.
    pub(crate) fn insufficient_scope(
        &self,
        request: &Request<Vec<u8>>,
        need: Need,
        dpop: bool,
    ) -> Fail {
        let base = self.link_base(request);
        let challenge = Challenge {
            base: &base,
            scope: Some(need.scope()),
            resource: request.uri().path(),
        };
        let mut fail = Fail::forbidden();
        let description = "The access token provided does not contain the required scopes.";
        let scheme = if dpop { Scheme::DPoP } else { Scheme::Bearer };
        if let Some(header) = challenge.header(scheme, "insufficient_scope", description) {
            fail.headers.push((WWW_AUTHENTICATE, header));
        }
        fail
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
