//! Feature `custom-connector`: a [`Transport`] over a hyper-util client you
//! built, for another runtime, another TLS stack, a proxy connector, or pool
//! settings of your own.
//!
//! **This module follows hyper-util's versions**: [`Transport::from_hyper_client`]
//! takes a `hyper_util::client::legacy::Client<C, http_body_util::Full<bytes::Bytes>>`,
//! so when hyper-util or http-body-util (both 0.x) bump their minor version,
//! this module changes with them, in a minor release of this crate. Nothing
//! else of this crate names their types.
//!
//! Your client must not follow redirects (hyper-util's does not): credentials
//! must only go to the org. The connector must bound connecting itself
//! (`HttpConnector::set_connect_timeout`): the [`TransportConfig`](okta_factors_client::TransportConfig)
//! of a builder is not used by this constructor.
//!
//! ```no_run
//! use std::time::Duration;
//! use okta_factors::{AsyncClient, ClientConfig, Credentials, OrgUrl};
//! use okta_factors_hyper::custom_connector::{Sleep, SleepFuture};
//! use okta_factors_hyper::Transport;
//!
//! /// Sleeps on tokio's timer (use your runtime's).
//! struct TokioSleep;
//! impl Sleep for TokioSleep {
//!     fn sleep(&self, duration: Duration) -> SleepFuture {
//!         Box::pin(tokio::time::sleep(duration))
//!     }
//! }
//!
//! let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
//! connector.set_connect_timeout(Some(Duration::from_secs(5)));
//! // … wrap it with your TLS layer for https orgs …
//! let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
//!     .pool_idle_timeout(Duration::from_secs(30))
//!     .pool_timer(hyper_util::rt::TokioTimer::new())
//!     .build(connector);
//! let transport = Transport::from_hyper_client(http, TokioSleep);
//!
//! let config = ClientConfig::new(
//!     OrgUrl::parse("http://127.0.0.1:8080")?,
//!     Credentials::api_token("00aBcD-example-token")?,
//! );
//! let client: okta_factors::hyper::Client = AsyncClient::with_transport(transport, config);
//! # let _ = client;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::Connect;

use crate::{Sleeper, Transport};

/// A boxed `Send` future that completes after a delay.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A timer: the client sleeps between `429` retries and between push polls,
/// and races every request against a sleep of its timeout. Implement it on
/// your runtime's timer.
///
/// ```
/// use std::time::Duration;
/// use okta_factors_hyper::custom_connector::{Sleep, SleepFuture};
///
/// /// Any hyper timer (e.g. your runtime's hyper integration) as a `Sleep`.
/// struct HyperTimer<T>(T);
///
/// impl<T: hyper::rt::Timer + Send + Sync + 'static> Sleep for HyperTimer<T> {
///     fn sleep(&self, duration: Duration) -> SleepFuture {
///         Box::pin(self.0.sleep(duration))
///     }
/// }
/// # let _ = HyperTimer(());
/// ```
pub trait Sleep: Send + Sync + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

impl Transport {
    /// The transport over `client` (your connector, executor, pool settings),
    /// sleeping with `sleep`. See the [module docs](self).
    pub fn from_hyper_client<C>(
        client: hyper_util::client::legacy::Client<C, Full<Bytes>>,
        sleep: impl Sleep,
    ) -> Transport
    where
        C: Connect + Clone + Send + Sync + 'static,
    {
        Transport::over(client, Sleeper::Custom(Arc::new(sleep)))
    }
}
