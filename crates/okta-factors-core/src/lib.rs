//! # okta-factors-core
//!
//! The sans-IO core of an Okta [UserFactor API] client: every operation is a
//! value that builds a pure [`http::Request`] and parses any
//! [`http::Response`] into typed Rust values. This crate opens no sockets,
//! spawns nothing, never sleeps and never reads the clock, so the same logic
//! runs under any HTTP stack, sync or async. Every interaction (a call with
//! its rate-limit retries, a push and its polling) is a [`policy::Machine`]
//! that says what to send and how long to wait; the clients of
//! `okta-factors-client` (blocking and async, over the ureq and hyper
//! transports or your own) only send and sleep.
//!
//! ```text
//! operation (e.g. VerifyFactor) ──build_request(&OrgUrl, &Credentials)──▶ http::Request<Vec<u8>>
//!                                                                            │ any transport
//! Result<OktaResponse<VerifyOutcome>, Error> ◀──parse_response──── http::Response<impl AsRef<[u8]>>
//! ```
//!
//! ## Usage
//!
//! ```
//! use okta_factors::{Credentials, Operation, OrgUrl};
//! use okta_factors::model::VerifyOutcome;
//! use okta_factors::operations::{VerifyFactor, VerifyFactorRequest};
//!
//! let org = OrgUrl::parse("https://dev-123456.okta.com")?;
//! let credentials = Credentials::api_token("00aBcD-example-token")?;
//!
//! // 1. Build the request: pure data, nothing is sent.
//! let verify = VerifyFactor::new("00u15s1KDETTQMQYABRL", "ostf1fmaMGJLMNGNLIVG")
//!     .body(VerifyFactorRequest::pass_code("123456"));
//! let request = verify.build_request(&org, &credentials)?;
//! assert_eq!(request.method(), "POST");
//! assert_eq!(
//!     request.uri(),
//!     "https://dev-123456.okta.com/api/v1/users/00u15s1KDETTQMQYABRL/factors/ostf1fmaMGJLMNGNLIVG/verify"
//! );
//! assert_eq!(request.body(), br#"{"passCode":"123456"}"#);
//!
//! // 2. Send it with any HTTP client; here, a canned response.
//! let response = http::Response::builder()
//!     .status(200)
//!     .header("content-type", "application/json")
//!     .header("x-okta-request-id", "X0f4RnNPapvRLvhscmTkBgAABqk")
//!     .body(r#"{"factorResult":"SUCCESS"}"#)?;
//!
//! // 3. Parse it.
//! let parsed = verify.parse_response(response)?;
//! assert!(matches!(parsed.value, VerifyOutcome::Success(_)));
//! assert_eq!(parsed.meta.request_id.as_deref(), Some("X0f4RnNPapvRLvhscmTkBgAABqk"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## What is where
//!
//! * [`operations`]: one file per API call (parameters, request body, output).
//! * [`model`]: factors, verify outcomes, links, catalog, request bodies.
//! * [`Operation`]: the one generic mechanism that builds and parses.
//! * [`OrgUrl`], [`Credentials`]: validated inputs.
//! * [`policy`]: every interaction as a pure state machine ([`policy::Machine`],
//!   driven through [`policy::Action`]s): an operation call with its
//!   rate-limit retries ([`policy::Call`]; never a business throttle such as
//!   `E0000109`), a push verification with its polling
//!   ([`policy::PushVerification`]), a push activation
//!   ([`policy::PushPoll::for_activation`]), and the policies they follow
//!   ([`policy::RetryPolicy`], [`policy::PollPolicy`]).
//! * [`ClientConfig`]: the options of a client's calls.
//! * `totp` (feature `totp`, default): RFC 6238 codes from a TOTP enrollment.
//! * `oauth` (feature `oauth`): OAuth 2.0 service apps: private keys (PEM,
//!   JWK), the `Signer` trait, client assertions and DPoP proofs.
//! * [`Error`]: every failure, typed; none carries a secret.
//!
//! [UserFactor API]: https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[macro_use]
mod macros;

mod config;
mod credentials;
mod error;
mod meta;
pub mod model;
#[cfg(feature = "oauth")]
pub mod oauth;
mod operation;
pub mod operations;
mod org_url;
pub mod policy;
mod request;
mod response;
#[cfg(feature = "totp")]
pub mod totp;

pub use config::ClientConfig;
pub use credentials::{AuthScheme, Credentials};
pub use error::{
    codes, ApiError, AuthError, AuthErrorKind, DecodeError, Error, ErrorCause, InputError,
    OAuthError, OktaError, TimeoutLimit, TransportError, TransportErrorKind, UnexpectedResponse,
};
pub use meta::{RateLimit, ResponseMeta};
pub use model::Secret;
pub use operation::{BodyError, OktaResponse, Operation, RequestParts};
pub use org_url::OrgUrl;
pub(crate) use response::decode_json;

/// Re-export of the `bytes` crate: responses reach the machines as
/// `http::Response<bytes::Bytes>`, so a transport can hand over the body it
/// read without copying it (`Bytes::from(vec)` takes a `Vec<u8>` as is).
pub use bytes;
/// Re-export of the `http` crate, whose types this crate's API is expressed in.
pub use http;
