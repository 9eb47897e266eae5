//! # okta-factors
//!
//! An Okta [UserFactor API] client: enroll, activate, verify and manage a
//! user's MFA factors. Everything is here: the sans-IO core (operations,
//! models, errors, the call machines of [`policy`]), the blocking and async
//! clients written once over a transport trait, and, behind features, the
//! transports:
//!
//! | feature | module | client |
//! |---|---|---|
//! | `ureq` | [`okta_factors::ureq`](crate::ureq) | `okta_factors::ureq::Client`: blocking, over ureq 3 |
//! | `hyper` | [`okta_factors::hyper`](crate::hyper) | `okta_factors::hyper::Client`: async, over hyper 1 on tokio |
//! | (none) | | [`BlockingClient`] / [`AsyncClient`] over your own [`SyncTransport`] / [`AsyncTransport`] |
//!
//! Other features: `hyper-custom-connector` (the hyper transport over your own
//! hyper-util client and runtime; that module follows hyper-util's versions),
//! `totp` (default: RFC 6238 codes from a TOTP enrollment),
//! `webpki-roots` (default: trust the Mozilla roots) or `native-roots` (the
//! platform's), `tracing` (one span per call), `config` ([`Settings`]: the
//! configuration from `okta.yaml` and `OKTA_CLIENT_*` variables, as the Okta
//! SDKs read them).
//!
//! Both clients have the same constructors, builder, options and methods:
//!
//! ```no_run
//! # #[cfg(feature = "ureq")] {
//! use std::time::Duration;
//! use okta_factors::model::FactorEnrollment;
//! use okta_factors::{Credentials, OrgUrl};
//!
//! let client = okta_factors::ureq::Client::builder(
//!     OrgUrl::parse("https://dev-123456.okta.com")?,
//!     Credentials::api_token("00aBcD-example-token")?,
//! )
//! .request_timeout(Duration::from_secs(20))
//! .build()?;
//! let sms = client.enroll_factor("00u15s1KDETTQMQYABRL", FactorEnrollment::sms("+15554151337"))?;
//! println!("enrolled {:?}", sms.id());
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With no transport feature, bring your own: any
//! `Fn(Request<Vec<u8>>, Limits) -> Result<Response<B>, TransportError>` whose
//! body `B` converts into [`bytes::Bytes`] (`Vec<u8>` does, without a copy) is
//! a [`SyncTransport`], and gets the whole client (the ten methods, retries,
//! `verify_push`):
//!
//! ```
//! use okta_factors::http::{Request, Response};
//! use okta_factors::{BlockingClient, ClientConfig, Credentials, Limits, OrgUrl, TransportError};
//!
//! fn send(request: Request<Vec<u8>>, limits: Limits) -> Result<Response<Vec<u8>>, TransportError> {
//!     // your HTTP stack here
//!     # let _ = (request, limits);
//!     # Ok(Response::builder().status(200).body(b"[]".to_vec()).unwrap())
//! }
//! let config = ClientConfig::new(OrgUrl::parse("https://dev-123456.okta.com")?, Credentials::api_token("00token")?);
//! let client = BlockingClient::with_transport(send, config);
//! assert!(client.list_factors("00u15s1KDETTQMQYABRL")?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With `totp` (default), codes for a `token:software:totp` factor, e.g. a
//! service account's (RFC 6238's test vector here):
//!
//! ```
//! # #[cfg(feature = "totp")] {
//! use okta_factors::totp::Totp;
//! let totp = Totp::new(b"12345678901234567890".to_vec(), 30, 8)?;
//! assert_eq!(totp.code_at(59).expose(), "94287082");
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [UserFactor API]: https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use okta_factors_client::{
    AsyncClient, AsyncTransport, BlockingClient, BuildTransport, ClientBuilder, Limits, Proxy,
    ProxyError, RootCertificateError, RootCertificates, SyncTransport, TransportConfig,
};
#[cfg(feature = "config")]
pub use okta_factors_client::{Settings, SettingsError, SettingsReport};
pub use okta_factors_core::*;

/// The blocking client over ureq (feature `ureq`).
///
/// ```no_run
/// use okta_factors::{Credentials, OrgUrl};
/// let client = okta_factors::ureq::Client::new(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )?;
/// for factor in client.list_factors("00u15s1KDETTQMQYABRL")? {
///     println!("{:?}", factor.factor_type());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "ureq")]
pub mod ureq {
    pub use okta_factors_ureq::{Client, Transport};
}

/// The async client over hyper on tokio (feature `hyper`; with
/// `hyper-custom-connector`, also over a hyper-util client of your own:
/// `okta_factors::hyper::custom_connector`).
///
/// ```no_run
/// # #[cfg(feature = "hyper")] mod x {
/// use okta_factors::{Credentials, OrgUrl};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = okta_factors::hyper::Client::new(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )?;
/// for factor in client.list_factors("00u15s1KDETTQMQYABRL").await? {
///     println!("{:?}", factor.factor_type());
/// }
/// # Ok(())
/// # }
/// # }
/// ```
#[cfg(any(feature = "hyper", feature = "hyper-custom-connector"))]
pub mod hyper {
    #[cfg(feature = "hyper-custom-connector")]
    pub use okta_factors_hyper::custom_connector;
    pub use okta_factors_hyper::{Client, Transport};
}

/// The README's examples, compiled and run as doctests (with the features
/// they need: `cargo test -p okta-factors --all-features --doc`).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
