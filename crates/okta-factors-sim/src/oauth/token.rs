//! `POST /oauth2/v1/token`: the client credentials grant with a private-key
//! JWT client assertion (and a DPoP proof when the app requires one), as
//! Okta's org authorization server answers it.
//!
//! Error descriptions are Okta's where Okta's are known (support articles,
//! SDK issues: "The client_assertion signature is invalid.", "The
//! client_assertion JWT kid is invalid.", "The client_assertion token has
//! already been used.", "Authorization server requires nonce in DPoP
//! proof.", …) and the simulator's own, in the same style, elsewhere.

use std::time::{Duration, SystemTime};

use http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use serde_json::json;

use super::dpop::{Expected, ProofError};
use super::jose::Jws;
use super::{App, IssuedToken, JWT_BEARER, TOKEN_PATH};
use crate::api::{decode_component, Fail, Outcome, Reply, JSON};
use crate::config::Fault;
use crate::sim::Simulator;
use crate::state::add;
use crate::timefmt::unix_secs;

/// The longest a client assertion may live (Okta: "a maximum of only an
/// hour in the future").
const MAX_ASSERTION_LIFETIME: i64 = 3600;

/// The `DPoP-Nonce` header.
pub(crate) const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");

/// An OAuth error response (RFC 6749 §5.2).
pub(crate) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    nonce: Option<String>,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            nonce: None,
        }
    }

    /// `400 invalid_request`.
    fn request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// `401 invalid_client`.
    fn client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    /// `400 invalid_dpop_proof`.
    fn dpop(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_dpop_proof", description)
    }

    fn into_reply(self) -> Reply {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut reply = oauth_reply(self.status, &body);
        if let Some(nonce) = self.nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
            reply.headers.push((DPOP_NONCE, nonce));
        }
        reply
    }
}

/// A JSON reply with the headers every token endpoint answer has.
fn oauth_reply(status: StatusCode, body: &serde_json::Value) -> Reply {
    Reply {
        status,
        body: Some(body.to_string().into_bytes()),
        content_type: JSON,
        headers: vec![
            (
                CACHE_CONTROL,
                HeaderValue::from_static("no-cache, no-store"),
            ),
            (PRAGMA, HeaderValue::from_static("no-cache")),
        ],
    }
}

/// The answer to a token request that an injected fault refuses.
pub(crate) fn fault_reply(fault: Fault) -> Reply {
    match fault {
        Fault::TokenUnavailable { .. } => OAuthError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "The authorization server is temporarily unavailable.",
        ),
        _ => OAuthError::client("Client authentication failed."),
    }
    .into_reply()
}

/// The form parameters of a token request.
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let text = std::str::from_utf8(body)
            .map_err(|_| OAuthError::request("The request body is not UTF-8."))?;
        let mut pairs: Vec<(String, String)> = Vec::new();
        for pair in text.trim().split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode_component(name, true);
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(OAuthError::request(format!(
                    "The '{name}' parameter is repeated."
                )));
            }
            pairs.push((name, decode_component(value, true)));
        }
        Ok(Self(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

fn unix(time: SystemTime) -> i64 {
    i64::try_from(unix_secs(time)).unwrap_or(i64::MAX)
}

impl Simulator {
    /// Answers a request to `/oauth2/v1/token` (after rate limiting and
    /// faults).
    pub(crate) fn token_request(&mut self, request: &Request<Vec<u8>>, now: SystemTime) -> Outcome {
        if request.method() != Method::POST {
            return Err(Fail::method_not_allowed("POST"));
        }
        self.oauth.prune(now);
        Ok(self
            .grant(request, now)
            .unwrap_or_else(OAuthError::into_reply))
    }

    fn grant(&mut self, request: &Request<Vec<u8>>, now: SystemTime) -> Result<Reply, OAuthError> {
        let form_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase());
        if form_type.as_deref() != Some("application/x-www-form-urlencoded") {
            return Err(OAuthError::request(
                "The request must be application/x-www-form-urlencoded.",
            ));
        }
        let form = Form::parse(request.body())?;
        let base = self.link_base(request);
        let token_url = format!("{base}{TOKEN_PATH}");

        // Client authentication: private_key_jwt only.
        let assertion = form
            .get("client_assertion")
            .ok_or_else(|| OAuthError::client("No client credentials found."))?;
        if form.get("client_assertion_type") != Some(JWT_BEARER) {
            return Err(OAuthError::request(format!(
                "The client_assertion_type must be '{JWT_BEARER}'."
            )));
        }
        let app_index =
            self.authenticate_client(assertion, form.get("client_id"), &token_url, now)?;

        match form.get("grant_type") {
            Some("client_credentials") => {}
            Some(_) => {
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    "The authorization grant type is not supported by the authorization server. \
                     Configured grant types: [client_credentials].",
                ))
            }
            None => {
                return Err(OAuthError::request(
                    "The 'grant_type' parameter is required.",
                ))
            }
        }

        let app = self
            .oauth
            .apps
            .get(app_index)
            .ok_or_else(|| OAuthError::client("Invalid value for 'client_id' parameter."))?;
        let mut scopes: Vec<String> = Vec::new();
        for scope in form.get("scope").unwrap_or_default().split(' ') {
            if !scope.is_empty() && !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
        if scopes.is_empty() {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "The authorization server resource does not have any configured default scopes, \
                 'scope' must be provided.",
            ));
        }
        let refused: Vec<&str> = scopes
            .iter()
            .filter(|s| !app.scopes.contains(s))
            .map(String::as_str)
            .collect();
        if !refused.is_empty() {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                format!(
                    "The requested scope is invalid, unknown, or malformed: {} is not granted to \
                     this client.",
                    refused.join(" ")
                ),
            ));
        }

        let jkt = if app.require_dpop {
            Some(self.token_proof(request, app_index, &token_url, now)?)
        } else {
            // Okta issues a Bearer token to an app that does not require
            // DPoP, proof or not.
            None
        };
        Ok(self.issue(app_index, scopes, jkt, now))
    }

    /// Verifies the client assertion; the index of the app it authenticates.
    fn authenticate_client(
        &mut self,
        assertion: &str,
        client_id: Option<&str>,
        token_url: &str,
        now: SystemTime,
    ) -> Result<usize, OAuthError> {
        let jws = Jws::parse(assertion)
            .ok_or_else(|| OAuthError::client("The client_assertion token is malformed."))?;
        let iss = jws.claim_str("iss").unwrap_or_default();
        if client_id.is_some_and(|id| id != iss) {
            return Err(OAuthError::client(
                "The client_id parameter does not match the client_assertion 'iss' claim.",
            ));
        }
        let index = self
            .oauth
            .apps
            .iter()
            .position(|a| a.client_id == iss)
            .ok_or_else(|| OAuthError::client("Invalid value for 'client_id' parameter."))?;
        let app: &App = self
            .oauth
            .apps
            .get(index)
            .ok_or_else(|| OAuthError::client("Invalid value for 'client_id' parameter."))?;
        if jws.alg.is_none() {
            return Err(OAuthError::client(
                "The client_assertion JWT 'alg' is not supported: use RS256 or ES256.",
            ));
        }
        // A kid names the key. Without one, Okta takes the app's only key,
        // and refuses when the app has several.
        let key = match jws.header_str("kid") {
            Some(kid) => app.keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None if app.keys.len() == 1 => app.keys.first(),
            None => None,
        }
        .ok_or_else(|| OAuthError::client("The client_assertion JWT kid is invalid."))?;
        if !key.verifies(&jws) {
            return Err(OAuthError::client(
                "The client_assertion signature is invalid.",
            ));
        }
        if jws.claim_str("sub") != Some(iss) {
            return Err(OAuthError::client(
                "The client_assertion token's 'sub' claim must be the client_id, as its 'iss' claim.",
            ));
        }
        let aud_ok = match jws.claims.get("aud") {
            Some(serde_json::Value::String(aud)) => aud == token_url,
            Some(serde_json::Value::Array(auds)) => auds.iter().any(|a| a == token_url),
            _ => false,
        };
        if !aud_ok {
            return Err(OAuthError::client(
                "The audience claim for client_assertion must be the endpoint invoked for the request.",
            ));
        }
        let now_s = unix(now);
        let skew = i64::try_from(self.config.oauth_clock_skew.as_secs()).unwrap_or(i64::MAX);
        let time = |name: &str| -> Result<Option<i64>, OAuthError> {
            match jws.claim_time(name) {
                None => Ok(None),
                Some(Ok(t)) => Ok(Some(t)),
                Some(Err(())) => Err(OAuthError::client(format!(
                    "The client_assertion token's '{name}' claim is not a number."
                ))),
            }
        };
        let exp = time("exp")?.ok_or_else(|| {
            OAuthError::client("The client_assertion token must have an 'exp' claim.")
        })?;
        let iat = time("iat")?;
        let nbf = time("nbf")?;
        if iat.is_some_and(|iat| iat > now_s.saturating_add(skew)) {
            return Err(OAuthError::client(
                "The client_assertion token's 'iat' claim is in the future: it was issued after \
                 the server's current time (check the client's clock).",
            ));
        }
        if nbf.is_some_and(|nbf| nbf > now_s.saturating_add(skew)) {
            return Err(OAuthError::client(
                "The client_assertion token is not valid yet: its 'nbf' claim is in the future \
                 (check the client's clock).",
            ));
        }
        if exp.saturating_add(skew) <= now_s {
            return Err(OAuthError::client("The client_assertion token is expired."));
        }
        let too_long = exp > now_s.saturating_add(MAX_ASSERTION_LIFETIME.saturating_add(skew))
            || iat.is_some_and(|iat| exp.saturating_sub(iat) > MAX_ASSERTION_LIFETIME);
        if too_long {
            return Err(OAuthError::client(
                "The client_assertion token has an expiration too far into the future.",
            ));
        }
        // A jti makes the assertion single-use (Okta: optional; "if jti is
        // specified, the token can only be used once"). It is consumed even
        // when the request fails later (a DPoP nonce challenge, say), as Okta
        // does: every attempt needs a fresh assertion.
        if let Some(jti) = jws.claims.get("jti") {
            let jti = jti.as_str().unwrap_or_default();
            let seen_key = format!("{iss} {jti}");
            if self
                .oauth
                .assertion_jtis
                .get(&seen_key)
                .is_some_and(|until| *until > now)
            {
                return Err(OAuthError::client(
                    "The client_assertion token has already been used.",
                ));
            }
            let until = add(
                SystemTime::UNIX_EPOCH,
                Duration::from_secs(u64::try_from(exp.saturating_add(skew)).unwrap_or(0)),
            );
            self.oauth.assertion_jtis.insert(seen_key, until);
        }
        Ok(index)
    }

    /// Verifies the DPoP proof of a token request; the thumbprint of its key.
    fn token_proof(
        &mut self,
        request: &Request<Vec<u8>>,
        app_index: usize,
        token_url: &str,
        now: SystemTime,
    ) -> Result<String, OAuthError> {
        let mut proofs = request.headers().get_all("dpop").iter();
        let proof = match (proofs.next(), proofs.next()) {
            (None, _) => return Err(OAuthError::dpop("The DPoP proof JWT header is missing.")),
            (Some(_), Some(_)) => {
                return Err(OAuthError::dpop(
                    "Only one DPoP proof JWT header is allowed.",
                ))
            }
            (Some(proof), None) => proof
                .to_str()
                .map_err(|_| OAuthError::dpop("DPoP proof JWT cannot be parsed."))?,
        };
        let nonce = self.token_nonce();
        let forbidden: Vec<String> = self
            .oauth
            .apps
            .get(app_index)
            .map(|a| a.keys.iter().map(|k| k.thumbprint.clone()).collect())
            .unwrap_or_default();
        let expected = Expected {
            method: "POST",
            url: token_url,
            access_token: None,
            nonce: Some(&nonce),
            forbidden_keys: &forbidden,
            now,
            skew: self.config.oauth_clock_skew,
        };
        let verified = self.oauth.verify_proof(proof, &expected);
        match verified {
            Ok(proof) => Ok(proof.jkt),
            Err(ProofError::Invalid(description)) => Err(OAuthError::dpop(description)),
            Err(ProofError::UseNonce) => {
                self.oauth.stats.nonce_challenges += 1;
                let mut error = OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "use_dpop_nonce",
                    "Authorization server requires nonce in DPoP proof.",
                );
                error.nonce = Some(nonce);
                Err(error)
            }
        }
    }

    /// The token endpoint's current nonce.
    fn token_nonce(&mut self) -> String {
        if let Some(nonce) = &self.oauth.token_nonce {
            return nonce.clone();
        }
        let nonce = self.rng.base64url(32);
        self.oauth.token_nonce = Some(nonce.clone());
        nonce
    }

    /// The API's current nonce.
    pub(crate) fn resource_nonce(&mut self) -> String {
        if let Some(nonce) = &self.oauth.resource_nonce {
            return nonce.clone();
        }
        let nonce = self.rng.base64url(32);
        self.oauth.resource_nonce = Some(nonce.clone());
        nonce
    }

    /// Issues an access token.
    fn issue(
        &mut self,
        app_index: usize,
        scopes: Vec<String>,
        jkt: Option<String>,
        now: SystemTime,
    ) -> Reply {
        let client_id = self
            .oauth
            .apps
            .get(app_index)
            .map(|a| a.client_id.clone())
            .unwrap_or_default();
        let mut token = self.rng.base64url(48);
        while self.oauth.tokens.contains_key(&token) {
            token = self.rng.base64url(48);
        }
        let lifetime = self.config.access_token_lifetime;
        let token_type = if jkt.is_some() { "DPoP" } else { "Bearer" };
        let body = json!({
            "token_type": token_type,
            "expires_in": lifetime.as_secs(),
            "access_token": token,
            "scope": scopes.join(" "),
        });
        *self
            .oauth
            .stats
            .tokens_issued
            .entry(client_id.clone())
            .or_insert(0) += 1;
        self.oauth.tokens.insert(
            token,
            IssuedToken {
                client_id,
                scopes,
                expires_at: add(now, lifetime),
                jkt,
            },
        );
        oauth_reply(StatusCode::OK, &body)
    }
}
