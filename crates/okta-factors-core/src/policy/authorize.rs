//! [`Authorize`]: any [`Machine`] with a service app's OAuth 2.0 access token
//! on each of its requests (feature `oauth`).

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{AUTHORIZATION, USER_AGENT, WWW_AUTHENTICATE};
use http::{HeaderValue, Method, Request, Response, StatusCode, Uri};

use super::call::copy_request;
use super::machine::{misuse, Action, Machine, WaitReason};
use crate::config::ClientConfig;
use crate::error::{
    AuthError, AuthErrorKind, Error, TimeoutLimit, TransportError, TransportErrorKind,
};
use crate::meta::ResponseMeta;
use crate::oauth::cache::{Acquire, NonceOf, Token, MINT_POLL};
use crate::oauth::challenge::parse_www_authenticate;
use crate::oauth::jwt::{base64url, client_assertion, dpop_proof};
use crate::oauth::token::{
    parse_token_response, token_request, token_url, TokenFailure, TokenType, DPOP, DPOP_NONCE,
};
use crate::oauth::{Dpop, ServiceApp};

/// Token requests one request of the inner machine may cause: the first, one
/// with a fresh DPoP nonce, one with DPoP turned on ([`Dpop::Auto`]).
const MAX_MINTS: u8 = 3;

/// Lifetime assumed for a token whose answer names none (Okta always does).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// `inner` with the OAuth 2.0 access token of the configuration's service app
/// ([`Credentials::service_app`](crate::Credentials::service_app)) on every
/// request it sends. For any other credentials it is `inner` unchanged.
///
/// * The token is minted at the org's `/oauth2/v1/token` (client credentials
///   grant with a private-key JWT client assertion) when there is none, or
///   when it is within a minute of expiring; every call sharing the
///   credentials uses it, and only one mints at a time: the others wait
///   ([`WaitReason::Token`]) and take its token, or its refusal.
/// * With DPoP, every request (the token request too) carries a fresh proof
///   signed by the app's DPoP key; a `use_dpop_nonce` answer is followed once
///   with the nonce it names, and the latest nonce is kept for the next
///   proofs. Tokens go to the org's origin only, as every request does.
/// * A `401 invalid_token` to an API call drops the token, gets a new one and
///   sends the request once more, and so does a `401 use_dpop_nonce` with the
///   nonce (once each: a request is sent at most three times); another `401`
///   is the inner machine's answer. A request causes at most three token
///   requests; a token that expires at once (`expires_in` 0) is
///   refused as [`AuthErrorKind::UnexpectedResponse`].
/// * Nothing is sent once the inner request's time limit has passed: the mint
///   and the waits come out of it.
/// * A token request that fails in the transport is the inner request's
///   transport failure (a push wait polls again, a call ends with it); one the
///   org refuses ends the interaction with an [`Error::Auth`](crate::Error::Auth).
///
/// Time comes in as `now` (since the interaction started) and `unix_start`
/// (the Unix time at `now` = 0, for `iat` and expiry); the `jti`s of
/// assertions and proofs are made from `seed`. Nothing reads a clock.
///
/// ```
/// use std::time::Duration;
/// use okta_factors::oauth::{Dpop, PrivateKey, ServiceApp};
/// use okta_factors::policy::{Action, Authorize, Call, Machine};
/// use okta_factors::{operations::ListFactors, ClientConfig, Credentials, OrgUrl};
///
/// let app = ServiceApp::new("0oa1app", PrivateKey::generate_es256()?).dpop(Dpop::Off);
/// let config = ClientConfig::new(OrgUrl::parse("https://dev-123456.okta.com")?, Credentials::service_app(app)?);
/// let op = ListFactors::new("00u1");
/// let unix_start = Duration::from_secs(1_796_119_200);
/// let mut machine = Authorize::new(Call::new(&op, &config), &config, unix_start, 42);
/// // First the token...
/// let Action::Send { request, .. } = machine.next_action(Duration::ZERO) else { unreachable!() };
/// assert_eq!(request.uri().path(), "/oauth2/v1/token");
/// let token = r#"{"token_type":"Bearer","expires_in":3600,"access_token":"eyJ.a.b","scope":"okta.users.read"}"#;
/// machine.handle(Ok(http::Response::builder().status(200).body(token.into())?), Duration::ZERO, 0);
/// // ...then the call, with it.
/// let Action::Send { request, .. } = machine.next_action(Duration::ZERO) else { unreachable!() };
/// assert_eq!(request.uri().path(), "/api/v1/users/00u1/factors");
/// assert_eq!(request.headers()["authorization"], "Bearer eyJ.a.b");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Authorize<'c, M> {
    inner: M,
    config: &'c ClientConfig,
    app: Option<&'c ServiceApp>,
    unix_start: Duration,
    seed: u64,
    issued: u32,
    /// The mint this machine holds (released if it is dropped holding it).
    holding: Option<u64>,
    state: State,
}

/// An inner request on its way.
struct Pending {
    request: Request<Vec<u8>>,
    /// When its time limit ends, in `now`'s terms.
    deadline: Duration,
    /// A `401 invalid_token` was answered with a new token already.
    token_retried: bool,
    /// A `use_dpop_nonce` of the API was answered already.
    nonce_retried: bool,
    /// Token requests made for it.
    mints: u8,
}

enum State {
    /// Ask the inner machine.
    Idle,
    /// The inner request needs a token; `waited_for`: the mint in flight it
    /// waits for; `holding`: it holds a mint and sends its token request.
    NeedsToken {
        pending: Pending,
        waited_for: Option<u64>,
        holding: Option<u64>,
    },
    /// The token request of mint `id` is out.
    Minting {
        id: u64,
        pending: Pending,
        dpop: bool,
    },
    /// The inner request is out with the token of mint `generation`, and a
    /// copy to send again if a retry is still possible.
    Sent {
        copy: Option<Pending>,
        generation: u64,
        dpop: bool,
    },
    /// The interaction failed before the inner machine could finish it.
    Failed(Error),
    /// Over.
    Over,
}

impl<'c, M: Machine> Authorize<'c, M> {
    /// `inner`, authorized with `config`'s credentials; `unix_start` is the
    /// Unix time now (when `now` is zero) and `seed` a random number (for
    /// the `jti`s).
    pub fn new(inner: M, config: &'c ClientConfig, unix_start: Duration, seed: u64) -> Self {
        Self {
            inner,
            config,
            app: config.credentials.as_service_app(),
            unix_start,
            seed,
            issued: 0,
            holding: None,
            state: State::Idle,
        }
    }

    /// A `jti` not used before: the seed, the start time and a counter.
    fn jti(&mut self) -> String {
        self.issued = self.issued.wrapping_add(1);
        let mut bytes = [0u8; 20];
        bytes[..8].copy_from_slice(&self.seed.to_be_bytes());
        bytes[8..16].copy_from_slice(&(self.unix_start.as_nanos() as u64).to_be_bytes());
        bytes[16..].copy_from_slice(&self.issued.to_be_bytes());
        base64url(&bytes)
    }

    fn unix_secs(&self, now: Duration) -> u64 {
        (self.unix_start + now).as_secs()
    }

    /// Sends the token request of mint `id` for `pending`.
    fn mint(
        &mut self,
        app: &'c ServiceApp,
        id: u64,
        mut pending: Pending,
        now: Duration,
        left: Duration,
    ) -> Action<M::Output> {
        self.holding = Some(id);
        let iat = self.unix_secs(now);
        let url = token_url(&self.config.org);
        let (dpop, nonce) = {
            let cache = app.cache();
            let dpop = match app.dpop {
                Dpop::On => true,
                Dpop::Auto => cache.dpop_learned(),
                _ => false,
            };
            (dpop, cache.nonce(NonceOf::TokenEndpoint).map(str::to_owned))
        };
        let (assertion_jti, proof_jti) = (self.jti(), self.jti());
        let signed = client_assertion(
            app.signer.as_ref(),
            app.key_id.as_deref(),
            &app.client_id,
            &url,
            iat,
            &assertion_jti,
        )
        .and_then(|assertion| {
            let proof = match (dpop, url.parse::<Uri>()) {
                (true, Ok(uri)) => Some(dpop_proof(
                    app.dpop_signer(),
                    &Method::POST,
                    &uri,
                    iat,
                    &proof_jti,
                    nonce.as_deref(),
                    None,
                )?),
                _ => None,
            };
            Ok((assertion, proof))
        });
        let (assertion, proof) = match signed {
            Ok(signed) => signed,
            Err(error) => {
                return self.fail_mint(
                    app,
                    id,
                    AuthError::new(AuthErrorKind::Signing, error.to_string()),
                )
            }
        };
        let mut request = token_request(&self.config.org, &app.scopes, &assertion, proof.as_ref());
        if self.config.has_user_agent_extra() {
            if let Ok(value) = HeaderValue::from_str(&self.config.user_agent()) {
                request.headers_mut().insert(USER_AGENT, value);
            }
        }
        pending.mints += 1;
        self.state = State::Minting { id, pending, dpop };
        Action::Send {
            request,
            timeout: left,
        }
    }

    /// Mint `id` was refused: every call waiting for it hears `error`, and so
    /// does this one.
    fn fail_mint(&mut self, app: &ServiceApp, id: u64, error: AuthError) -> Action<M::Output> {
        app.cache().failed(id, error.clone());
        self.holding = None;
        self.state = State::Over;
        Action::Done(Err(error.into()))
    }

    /// Sends `pending` with `token` (and a proof, for a DPoP token).
    fn send_with(
        &mut self,
        app: &ServiceApp,
        pending: Pending,
        token: Token,
        now: Duration,
        left: Duration,
    ) -> Action<M::Output> {
        let retry_possible = !pending.token_retried || (token.dpop && !pending.nonce_retried);
        let copy = retry_possible.then(|| Pending {
            request: copy_request(&pending.request),
            ..pending
        });
        let mut request = pending.request;
        let scheme = if token.dpop { "DPoP" } else { "Bearer" };
        let Ok(mut authorization) =
            HeaderValue::from_str(&format!("{scheme} {}", token.value.expose()))
        else {
            self.state = State::Over;
            return Action::Done(Err(AuthError::new(
                AuthErrorKind::UnexpectedResponse,
                "the token endpoint gave a token that is not a valid header value",
            )
            .into()));
        };
        authorization.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, authorization);
        if token.dpop {
            let nonce = app.cache().nonce(NonceOf::Api).map(str::to_owned);
            let jti = self.jti();
            let proof = dpop_proof(
                app.dpop_signer(),
                request.method(),
                request.uri(),
                self.unix_secs(now),
                &jti,
                nonce.as_deref(),
                Some(token.value.expose()),
            );
            let proof = match proof {
                Ok(proof) => proof,
                Err(error) => {
                    self.state = State::Over;
                    return Action::Done(Err(AuthError::new(
                        AuthErrorKind::Signing,
                        error.to_string(),
                    )
                    .into()));
                }
            };
            if let Ok(mut value) = HeaderValue::from_str(proof.expose()) {
                value.set_sensitive(true);
                request.headers_mut().insert(DPOP, value);
            }
        }
        self.state = State::Sent {
            copy,
            generation: token.generation,
            dpop: token.dpop,
        };
        Action::Send {
            request,
            timeout: left,
        }
    }

    /// What the token endpoint answered to mint `id`.
    fn minted(
        &mut self,
        app: &ServiceApp,
        id: u64,
        pending: Pending,
        dpop: bool,
        response: &Response<Bytes>,
        now: Duration,
    ) {
        let grant = parse_token_response(response);
        let mut cache = app.cache();
        // A nonce the token endpoint hands out with any answer is its latest.
        if let Some(nonce) = response
            .headers()
            .get(DPOP_NONCE)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            cache.set_nonce(NonceOf::TokenEndpoint, nonce);
        }
        let failure = match grant {
            Ok(grant) => {
                let dpop_token = match grant.token_type {
                    TokenType::Bearer => false,
                    TokenType::DPoP => true,
                    TokenType::Other(other) => {
                        drop(cache);
                        let error = AuthError::new(
                            AuthErrorKind::UnexpectedResponse,
                            format!("the token endpoint gave a token of type {other:?}, not Bearer or DPoP"),
                        );
                        let _ = self.fail_mint(app, id, error.clone());
                        self.state = State::Failed(error.into());
                        return;
                    }
                };
                let lifetime = grant
                    .expires_in
                    .map_or(DEFAULT_LIFETIME, Duration::from_secs);
                if lifetime.is_zero() {
                    // Expired when granted: sending it is pointless, and
                    // minting again would only get another such token.
                    drop(cache);
                    let error = AuthError::new(
                        AuthErrorKind::UnexpectedResponse,
                        "the token endpoint gave a token that expires at once (expires_in 0)",
                    );
                    let _ = self.fail_mint(app, id, error.clone());
                    self.state = State::Failed(error.into());
                    return;
                }
                cache.minted(
                    id,
                    grant.access_token,
                    dpop_token,
                    lifetime,
                    self.unix_start + now,
                );
                self.holding = None;
                self.state = State::NeedsToken {
                    pending,
                    waited_for: None,
                    holding: None,
                };
                return;
            }
            Err(failure) => failure,
        };
        let code = failure.error.as_deref().unwrap_or_default();
        let again = pending.mints < MAX_MINTS;
        // Asked for a nonce (and one was named: kept above), or for DPoP on an
        // app set to Auto: the same mint tries once more.
        let nonce_named = failure.dpop_nonce.is_some();
        let follow = if dpop {
            code == "use_dpop_nonce" && nonce_named
        } else {
            let learn = app.dpop == Dpop::Auto && code == "invalid_dpop_proof";
            if again && learn {
                cache.learn_dpop();
            }
            learn
        };
        if again && follow {
            self.state = State::NeedsToken {
                pending,
                waited_for: None,
                holding: Some(id),
            };
            return;
        }
        drop(cache);
        let error = auth_error(failure, response);
        let _ = self.fail_mint(app, id, error.clone());
        self.state = State::Failed(error.into());
    }
}

/// The typed error of a refused token request.
fn auth_error(failure: TokenFailure, response: &Response<Bytes>) -> AuthError {
    let kind = match failure.error.as_deref() {
        Some("invalid_client") => AuthErrorKind::InvalidClient,
        Some("invalid_scope") => AuthErrorKind::InvalidScope,
        Some("invalid_grant" | "unauthorized_client" | "unsupported_grant_type") => {
            AuthErrorKind::UnauthorizedClient
        }
        Some("invalid_dpop_proof" | "use_dpop_nonce") => AuthErrorKind::InvalidDpopProof,
        Some(_) => AuthErrorKind::Refused,
        None => AuthErrorKind::UnexpectedResponse,
    };
    let description = match (failure.description, failure.error.is_some()) {
        (Some(description), _) => Some(description),
        (None, false) if !failure.excerpt.is_empty() => Some(failure.excerpt),
        _ => None,
    };
    let mut error = AuthError::new(kind, String::new());
    error.error = failure.error;
    error.description = description;
    error.status = Some(failure.status);
    error.meta = Some(ResponseMeta::from_headers(response.headers()));
    error
}

/// A transport error for a request whose time ran out before it was sent.
fn out_of_time() -> TransportError {
    TransportError::new(
        TransportErrorKind::Timeout(TimeoutLimit::Request),
        "the request timeout passed while getting an access token",
    )
}

/// Whether a challenge of `response`'s `WWW-Authenticate` (of `scheme`, if
/// given) names the OAuth `error`.
fn challenge_error(response: &Response<Bytes>, scheme: Option<&str>, error: &str) -> bool {
    response
        .headers()
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(parse_www_authenticate)
        .any(|challenge| {
            scheme.is_none_or(|scheme| challenge.scheme_is(scheme))
                && challenge.param("error") == Some(error)
        })
}

impl<'c, M: Machine> Machine for Authorize<'c, M> {
    type Output = M::Output;

    fn next_action(&mut self, now: Duration) -> Action<M::Output> {
        let Some(app) = self.app else {
            return self.inner.next_action(now);
        };
        loop {
            match std::mem::replace(&mut self.state, State::Over) {
                State::Idle => match self.inner.next_action(now) {
                    Action::Send { request, timeout } => {
                        self.state = State::NeedsToken {
                            pending: Pending {
                                request,
                                deadline: now + timeout,
                                token_retried: false,
                                nonce_retried: false,
                                mints: 0,
                            },
                            waited_for: None,
                            holding: None,
                        };
                    }
                    other => {
                        self.state = State::Idle;
                        return other;
                    }
                },
                State::NeedsToken {
                    pending,
                    waited_for,
                    holding,
                } => {
                    let Some(left) = pending.deadline.checked_sub(now).filter(|t| !t.is_zero())
                    else {
                        if let Some(id) = holding {
                            app.cache().release(id);
                            self.holding = None;
                        }
                        // The inner machine hears that its request timed out.
                        self.inner.handle(Err(out_of_time()), now, 0);
                        self.state = State::Idle;
                        continue;
                    };
                    if let Some(id) = holding {
                        return self.mint(app, id, pending, now, left);
                    }
                    let unix_now = self.unix_start + now;
                    let acquired =
                        app.cache()
                            .acquire(unix_now, waited_for, self.config.request_timeout);
                    return match acquired {
                        (Acquire::Use(token), _) => self.send_with(app, pending, token, now, left),
                        // Its tokens were all replaced or refused already:
                        // no endless minting for one request.
                        (Acquire::Mint(id), _) if pending.mints >= MAX_MINTS => {
                            app.cache().release(id);
                            Action::Done(Err(AuthError::new(
                                AuthErrorKind::UnexpectedResponse,
                                "no usable access token after 3 token requests",
                            )
                            .into()))
                        }
                        (Acquire::Mint(id), _) => self.mint(app, id, pending, now, left),
                        (Acquire::Wait, seen) => {
                            self.state = State::NeedsToken {
                                pending,
                                waited_for: seen,
                                holding: None,
                            };
                            Action::Wait {
                                delay: MINT_POLL.min(left),
                                reason: WaitReason::Token,
                            }
                        }
                        (Acquire::Failed(error), _) => Action::Done(Err(error.into())),
                    };
                }
                State::Failed(error) => return Action::Done(Err(error)),
                State::Minting { .. } | State::Sent { .. } | State::Over => {
                    return Action::Done(Err(misuse(
                        "the interaction is over or waits for its response",
                    )))
                }
            }
        }
    }

    fn handle(
        &mut self,
        outcome: Result<Response<Bytes>, TransportError>,
        now: Duration,
        random: u64,
    ) {
        let Some(app) = self.app else {
            return self.inner.handle(outcome, now, random);
        };
        match std::mem::replace(&mut self.state, State::Over) {
            State::Minting { id, pending, dpop } => match outcome {
                Ok(response) => self.minted(app, id, pending, dpop, &response, now),
                Err(error) => {
                    // No answer: the next call mints again (no failure to share),
                    // and the inner machine hears its request failed in the
                    // transport (a push wait sees a transient failure and polls
                    // again; a call ends with it). The request itself was not sent.
                    app.cache().release(id);
                    self.holding = None;
                    drop(pending);
                    self.inner.handle(Err(error), now, random);
                    self.state = State::Idle;
                }
            },
            State::Sent {
                copy,
                generation,
                dpop,
            } => {
                if let Ok(response) = &outcome {
                    if let Some(nonce) = response
                        .headers()
                        .get(DPOP_NONCE)
                        .and_then(|v| v.to_str().ok())
                        .filter(|v| !v.trim().is_empty())
                    {
                        app.cache().set_nonce(NonceOf::Api, nonce.trim());
                    }
                    let refused = response.status() == StatusCode::UNAUTHORIZED
                        && challenge_error(response, None, "invalid_token");
                    if refused {
                        // Never offered again, retried or not.
                        app.cache().invalidate(generation);
                    }
                    if response.status() == StatusCode::UNAUTHORIZED {
                        if let Some(mut copy) = copy {
                            if dpop
                                && !copy.nonce_retried
                                && challenge_error(response, Some("DPoP"), "use_dpop_nonce")
                            {
                                copy.nonce_retried = true;
                                self.state = State::NeedsToken {
                                    pending: copy,
                                    waited_for: None,
                                    holding: None,
                                };
                                return;
                            }
                            if !copy.token_retried && refused {
                                copy.token_retried = true;
                                self.state = State::NeedsToken {
                                    pending: copy,
                                    waited_for: None,
                                    holding: None,
                                };
                                return;
                            }
                        }
                    }
                }
                self.inner.handle(outcome, now, random);
                self.state = State::Idle;
            }
            other => {
                self.state = match other {
                    State::Over => State::Failed(misuse("a response nobody asked for")),
                    other => other,
                };
            }
        }
    }
}

impl<M> Drop for Authorize<'_, M> {
    fn drop(&mut self) {
        // A call dropped while its token request was out (a cancelled
        // future): the next call mints at once instead of waiting it out.
        if let (Some(app), Some(id)) = (self.app, self.holding) {
            app.cache().release(id);
        }
    }
}

impl<M: fmt::Debug> fmt::Debug for Authorize<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Idle => "Idle",
            State::NeedsToken { .. } => "NeedsToken",
            State::Minting { .. } => "Minting",
            State::Sent { .. } => "Sent",
            State::Failed(_) => "Failed",
            State::Over => "Over",
        };
        f.debug_struct("Authorize")
            .field("inner", &self.inner)
            .field("service_app", &self.app.map(ServiceApp::client_id))
            .field("state", &state)
            .finish_non_exhaustive()
    }
}
