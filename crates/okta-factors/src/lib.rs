//! # okta-factors
//!
//! An Okta [UserFactor API] client. This facade re-exports the sans-IO core
//! ([`okta_factors_core`]: operations, models, errors, policies) and, behind
//! features, the transports:
//!
//! | feature | module | client |
//! |---|---|---|
//! | `ureq` | `okta_factors::ureq` | blocking, over ureq 3 |
//! | `hyper` | `okta_factors::hyper` | async, over hyper 1 + rustls (tokio constructors) |
//!
//! With no feature, use the core with a transport of your own: build the
//! request with [`Operation::build_request`], send it, and hand the response to
//! [`Operation::parse_response`].
//!
//! The core never depends on a transport, so a new major version of ureq or
//! hyper never forces a new major version of the core.
//!
//! [UserFactor API]: https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use okta_factors_core::*;

/// The blocking client over ureq (feature `ureq`).
#[cfg(feature = "ureq")]
pub mod ureq {
    pub use okta_factors_ureq::*;
}

/// The async client over hyper (feature `hyper`).
#[cfg(feature = "hyper")]
pub mod hyper {
    pub use okta_factors_hyper::*;
}
