//! # okta-factors-hyper
//!
//! An async client for Okta's UserFactor API over hyper 1. It is a thin
//! transport: requests, rate-limit retry decisions, push-polling decisions,
//! parsing and error decoding all come from the sans-IO [`okta_factors_core`];
//! this crate moves the bytes, sleeps, and enforces the time limits.
//!
//! ```no_run
//! use okta_factors_core::model::{FactorEnrollment, VerifyOutcome};
//! use okta_factors_core::operations::{VerifyFactor, VerifyFactorRequest};
//! use okta_factors_core::{Credentials, OrgUrl};
//! use okta_factors_hyper::Client;
//!
//! # async fn run() -> Result<(), okta_factors_core::Error> {
//! let client = Client::new(
//!     OrgUrl::parse("https://dev-123456.okta.com")?,
//!     Credentials::api_token("00aBcD-example-token")?,
//! )?;
//!
//! // The ten operations are methods…
//! for factor in client.list_factors("00u15s1KDETTQMQYABRL").await? {
//!     println!("{:?} {:?}", factor.factor_type(), factor.id());
//! }
//! let sms = client
//!     .enroll_factor("00u15s1KDETTQMQYABRL", FactorEnrollment::sms("+15554151337"))
//!     .await?;
//! # let _ = sms;
//!
//! // …any operation with all its options goes through `execute`…
//! let verify = VerifyFactor::new("00u15s1KDETTQMQYABRL", "opf3hkfocI4JTLAju0g4")
//!     .body(VerifyFactorRequest::number_matching());
//!
//! // …and a push is sent and polled until the user answers.
//! let outcome = client
//!     .verify_push(&verify, |number| println!("Pick {number} in Okta Verify"))
//!     .await?;
//! assert!(matches!(outcome, VerifyOutcome::Success(_)));
//! # Ok(())
//! # }
//! ```
//!
//! ## Runtime requirements
//!
//! | piece | needs |
//! |---|---|
//! | [`Client::new`], [`Client::from_config`], [`Client::builder`] (feature `tokio`, default) | nothing to construct; every call must run inside a tokio runtime with the IO and time drivers (`#[tokio::main]`, `Builder::enable_all`), multi- or current-thread |
//! | its connector (`HttpConnector` + hyper-rustls, ring, webpki or native roots) | tokio IO; enforces `connect_timeout` |
//! | its executor (`TokioExecutor`) and pool timer (`TokioTimer`) | tokio runtime (spawns one task per connection) |
//! | [`TokioSleep`] (retry waits, poll waits, time limits) | tokio time driver |
//! | [`Client::with_connector`] / [`Client::from_hyper_client`] (any features) | your connector, your hyper executor and your [`Sleep`]; nothing from tokio at run time (hyper-util's pool compiles against tokio's `sync` types, which need no runtime) |
//!
//! ## Rate limits and throttles
//!
//! A `429` that is a rate limit (`E0000047`, or no Okta error body) is retried
//! as the core's `RetryPolicy` says, after the wait the server's rate-limit
//! headers ask for. A `429` that is a business throttle (`E0000109`: an SMS
//! was sent recently; `E0000118`: an email was; any other code) is returned at
//! once as [`Error::Api`] and nothing is resent, so a user never gets a second
//! SMS behind the caller's back; [`Error::retry_after`] says how long Okta asks
//! to wait:
//!
//! ```no_run
//! # use okta_factors_core::model::FactorEnrollment;
//! # async fn run(client: okta_factors_hyper::Client, factor_id: &str) -> Result<(), okta_factors_core::Error> {
//! let body = FactorEnrollment::sms("+15554151337");
//! match client.resend_enroll_factor("00u15s1KDETTQMQYABRL", factor_id, body).await {
//!     Ok(_) => println!("a new code is on its way"),
//!     Err(err) if err.error_code() == Some("E0000109") => {
//!         println!("an SMS was just sent; try again in {:?}", err.retry_after());
//!     }
//!     Err(err) => return Err(err),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Time limits
//!
//! * `request_timeout` bounds a whole call, `429` retries and their waits
//!   included: every call races a [`Sleep`] timer. A `429` whose retry delay
//!   would pass it is returned as the `429` error (with its rate-limit
//!   metadata) instead of being waited for.
//! * `connect_timeout` is enforced by the connector (the default one does;
//!   with your own connector, configure it there).
//! * Push polling stops at Okta's `expiresAt` or `PollPolicy::max_wait`, with
//!   a `TIMEOUT` outcome (not an error).
//!
//! Redirects are never followed (hyper-util's client does not follow them), so
//! credentials only go to the org.
//!
//! ## Features
//!
//! * `tokio` (default): the constructors above, [`TokioSleep`], [`ClientBuilder`].
//! * `webpki-roots` (default): trust the Mozilla roots bundled by webpki-roots.
//! * `native-roots`: trust the platform's roots instead (wins over `webpki-roots`).
//! * `tracing`: one span per call and debug events per retry and poll.
//!
//! No feature pulls in aws-lc-rs; TLS uses rustls with the ring provider.

// Without the `tokio` feature, links to its items render as plain text.
#![cfg_attr(not(feature = "tokio"), allow(rustdoc::broken_intra_doc_links))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "tokio")]
mod builder;
mod error_map;
mod rt;
mod trace;

use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::Connect;
use okta_factors_core::http::{Request, Response};
use okta_factors_core::model::{ActivateOutcome, VerifyOutcome};
use okta_factors_core::operations::VerifyFactor;
use okta_factors_core::policy::{Exchange, PollStep, Polled, PushPoll, Step};
use okta_factors_core::TimeoutLimit;

#[cfg(feature = "tokio")]
pub use builder::ClientBuilder;
pub use okta_factors_core::{ClientConfig, Credentials, Error, OktaResponse, Operation, OrgUrl};
#[cfg(feature = "tokio")]
pub use rt::TokioSleep;
pub use rt::{Sleep, SleepFuture};

use crate::error_map::{request_error, timeout};
use crate::rt::race;
use crate::trace::Trace;

/// The body type of the requests the client sends.
pub type RequestBody = Full<Bytes>;

/// The hyper-util client the [`Client`] drives.
pub type HyperClient<C> = hyper_util::client::legacy::Client<C, RequestBody>;

/// The connector of [`Client::new`] (feature `tokio`): hyper-util's
/// `HttpConnector` under hyper-rustls (ring), `https` and loopback `http`.
#[cfg(feature = "tokio")]
pub type DefaultConnector =
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>;

macro_rules! client_struct {
    ($($default:tt)*) => {
        /// An async Okta UserFactor API client.
        ///
        /// Cheap to clone (the configuration, connection pool and timer are
        /// shared); `Send + Sync`; holds no per-request state, so one client can
        /// serve any number of concurrent calls. `C` is the hyper-util connector
        /// ([`DefaultConnector`] with the `tokio` feature).
        pub struct Client<C $($default)*> {
            config: Arc<ClientConfig>,
            http: HyperClient<C>,
            sleeper: Arc<dyn Sleep>,
        }
    };
}

#[cfg(feature = "tokio")]
client_struct!(= DefaultConnector);
#[cfg(not(feature = "tokio"))]
client_struct!();

impl<C: Clone> Clone for Client<C> {
    fn clone(&self) -> Self {
        Self {
            config: Arc::clone(&self.config),
            http: self.http.clone(),
            sleeper: Arc::clone(&self.sleeper),
        }
    }
}

impl<C> fmt::Debug for Client<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A random number for retry jitter, without a random-number dependency.
fn random() -> u64 {
    RandomState::new().build_hasher().finish()
}

impl<C> Client<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    /// A client over your own connector, executor and timer: the runtime-agnostic
    /// constructor (available without the `tokio` feature).
    ///
    /// * `connector`: any hyper-util connector (a `tower::Service<Uri>` whose
    ///   connection implements hyper's `Read`/`Write`), with TLS for `https`
    ///   orgs. It must enforce [`ClientConfig::connect_timeout`] itself.
    /// * `executor`: spawns hyper's connection tasks.
    /// * `sleeper`: sleeps for retries and polls, and times calls out.
    ///
    /// The pool has no idle-connection timer; use [`Client::from_hyper_client`]
    /// to configure the hyper-util client fully.
    pub fn with_connector<E>(
        connector: C,
        executor: E,
        sleeper: impl Sleep,
        config: ClientConfig,
    ) -> Self
    where
        E: hyper::rt::Executor<Pin<Box<dyn Future<Output = ()> + Send>>>
            + Send
            + Sync
            + Clone
            + 'static,
    {
        let http = hyper_util::client::legacy::Client::builder(executor).build(connector);
        Self::from_hyper_client(http, sleeper, config)
    }

    /// A client over a hyper-util client you configured (pool, timer, HTTP
    /// versions, connector). Do not enable redirect following in front of it:
    /// credentials must only go to the org.
    pub fn from_hyper_client(
        http: HyperClient<C>,
        sleeper: impl Sleep,
        config: ClientConfig,
    ) -> Self {
        Self {
            config: Arc::new(config),
            http,
            sleeper: Arc::new(sleeper),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Runs any operation: sends it, retries rate-limit `429`s (not business
    /// throttles such as `E0000109`) as the core's policy says,
    /// and parses the response. Bounded by [`ClientConfig::request_timeout`].
    ///
    /// ```no_run
    /// # async fn run(client: okta_factors_hyper::Client) -> Result<(), okta_factors_core::Error> {
    /// use okta_factors_core::model::FactorEnrollment;
    /// use okta_factors_core::operations::EnrollFactor;
    /// let op = EnrollFactor::new("00u15s1KDETTQMQYABRL", FactorEnrollment::sms("+15554151337"))
    ///     .update_phone(true);
    /// let response = client.execute(&op).await?;
    /// println!("request id {:?}", response.meta.request_id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute<O: Operation + Sync>(
        &self,
        op: &O,
    ) -> Result<OktaResponse<O::Output>, Error> {
        let trace = Trace::call(O::NAME, O::METHOD.as_str(), O::PATH_TEMPLATE);
        let started = Instant::now();
        let limit = self.config.request_timeout;
        let call = async {
            let deadline = started.checked_add(limit);
            race(
                self.exchange(op, deadline, &trace),
                self.sleeper.sleep(limit),
            )
            .await
            .unwrap_or_else(|| Err(timeout(TimeoutLimit::Request, limit)))
        };
        let result = trace.instrument(call).await;
        trace.finish(started.elapsed(), &result);
        result
    }

    /// One call with its retries (the caller bounds it by `request_timeout`).
    async fn exchange<O: Operation + Sync>(
        &self,
        op: &O,
        deadline: Option<Instant>,
        trace: &Trace,
    ) -> Result<OktaResponse<O::Output>, Error> {
        let mut exchange = Exchange::new(op, &self.config)?;
        loop {
            let response = self.send(exchange.request()).await?;
            trace.response(response.status(), response.headers());
            let time_left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            match exchange.on_response(response, random(), time_left) {
                Step::Done(result) => return result,
                Step::Retry {
                    delay,
                    retry,
                    reason,
                } => {
                    trace.retry(retry, delay, reason);
                    self.sleeper.sleep(delay).await;
                }
            }
        }
    }

    /// Sends one request and reads the whole response, at most
    /// `max_response_bytes` of body.
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Bytes>, Error> {
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let response = self.http.request(request).await.map_err(request_error)?;
        let (parts, body) = response.into_parts();
        let limit = self.config.max_response_bytes;
        let body = Limited::new(body, limit)
            .collect()
            .await
            .map_err(|e| error_map::body_error(e, limit))?
            .to_bytes();
        Ok(Response::from_parts(parts, body))
    }

    /// Verifies a push factor and polls it until the user answers.
    ///
    /// Sends `verify`; if the result is not `WAITING`, returns it. Otherwise
    /// polls the transaction every `PollPolicy::interval` until the push is
    /// over, and returns how it ended. `on_challenge` receives the
    /// number-matching answer once per distinct value, as soon as it is known.
    ///
    /// * Polls go to the org (the user and factor of `verify`, the transaction
    ///   ID of the `WAITING` answer), whatever origin the poll link names:
    ///   credentials never leave the org, and an org reached through a custom
    ///   domain polls on that domain.
    /// * A poll that fails transiently (a `5xx`, a `429`, a reset connection, a
    ///   timeout) is waited out and sent again; polling gives up with the error
    ///   after `MAX_CONSECUTIVE_POLL_FAILURES` in a row. Other errors (`401`,
    ///   `403`, `404`, …) end it at once.
    /// * **Nobody answering is an outcome, not an error**:
    ///   `Ok(VerifyOutcome::Timeout(_))` whether Okta answered `TIMEOUT`, its
    ///   `expiresAt` passed, or `PollPolicy::max_wait` did (then the response
    ///   is the last `WAITING` one, `factorResult` set to `TIMEOUT`).
    ///   [`Error::is_timeout`] is only for a request that timed out.
    ///
    /// Each request (the verify and every poll) is bounded by `request_timeout`.
    ///
    /// ```no_run
    /// use okta_factors_core::model::VerifyOutcome;
    /// use okta_factors_core::operations::{VerifyFactor, VerifyFactorRequest};
    /// # async fn run(client: okta_factors_hyper::Client) -> Result<(), okta_factors_core::Error> {
    /// let verify = VerifyFactor::new("00u15s1KDETTQMQYABRL", "opf1fmaMGJLMNGNLIVG")
    ///     .body(VerifyFactorRequest::number_matching());
    /// match client.verify_push(&verify, |number| println!("pick {number}")).await? {
    ///     VerifyOutcome::Success(_) => println!("verified"),
    ///     VerifyOutcome::Rejected(_) => println!("the user said no"),
    ///     VerifyOutcome::Timeout(_) => println!("nobody answered in time"),
    ///     other => println!("ended as {:?}", other.factor_result()),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn verify_push(
        &self,
        verify: &VerifyFactor,
        mut on_challenge: impl FnMut(u32) + Send,
    ) -> Result<VerifyOutcome, Error> {
        let response = self.execute(verify).await?;
        let VerifyOutcome::Waiting(waiting) = &response.value else {
            return Ok(response.value);
        };
        let poll = PushPoll::for_verify(verify, waiting, &response.meta, &self.config)?;
        self.poll(poll, "verify_push", &mut on_challenge).await
    }

    /// Waits until the device activates a push enrollment: polls `POST
    /// /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/poll` on
    /// the org with the `PollPolicy` (first poll at once, then every interval,
    /// transient failures waited out as in [`Client::verify_push`]).
    ///
    /// `Ok(ActivateOutcome::Activated(factor))` once the device scanned the QR
    /// code (or if the factor was already active), `Ok(ActivateOutcome::Ended(_))`
    /// when the activation ended without it: `Ended(VerifyOutcome::Timeout(_))`
    /// when it expired (Okta's `expiresAt` or `max_wait`; activate the factor
    /// again for a new QR code).
    ///
    /// ```no_run
    /// use okta_factors_core::model::{ActivateOutcome, FactorEnrollment, VerifyOutcome};
    /// # async fn run(client: okta_factors_hyper::Client) -> Result<(), okta_factors_core::Error> {
    /// let push = client.enroll_factor("00u15s1KDETTQMQYABRL", FactorEnrollment::push()).await?;
    /// let factor_id = push.id().unwrap_or_default().to_owned();
    /// // … show the QR code of the enrollment, then:
    /// match client.wait_for_push_activation("00u15s1KDETTQMQYABRL", &factor_id).await? {
    ///     ActivateOutcome::Activated(factor) => println!("{:?} is active", factor.id()),
    ///     ActivateOutcome::Ended(VerifyOutcome::Timeout(_)) => println!("expired: activate again"),
    ///     other => println!("not activated: {other:?}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_for_push_activation(
        &self,
        user_id: &str,
        factor_id: &str,
    ) -> Result<ActivateOutcome, Error> {
        let poll = PushPoll::for_activation(user_id, factor_id, &self.config)?;
        self.poll(poll, "wait_for_push_activation", &mut |_| {})
            .await
    }

    /// Drives a [`PushPoll`] to its end: sleeps, sends (each poll bounded by
    /// `request_timeout`), and hands every response (or failure) to the machine.
    async fn poll<O>(
        &self,
        mut poll: PushPoll<O>,
        operation: &'static str,
        on_challenge: &mut (dyn FnMut(u32) + Send),
    ) -> Result<O::Output, Error>
    where
        O: Polled + Send + Sync,
        O::Output: Send,
    {
        let trace = Trace::push(operation);
        let started = Instant::now();
        let limit = self.config.request_timeout;
        let result = trace
            .instrument(async {
                let mut step = poll.first_step();
                loop {
                    match step {
                        PollStep::Wait { delay, show, .. } => {
                            if let Some(answer) = show {
                                on_challenge(answer);
                            }
                            self.sleeper.sleep(delay).await;
                            let sent = race(self.send(poll.request()), self.sleeper.sleep(limit))
                                .await
                                .unwrap_or_else(|| Err(timeout(TimeoutLimit::Request, limit)));
                            let elapsed = started.elapsed();
                            step = match sent {
                                Ok(response) => {
                                    trace.response(response.status(), response.headers());
                                    poll.on_response(response, elapsed, random())?
                                }
                                Err(error) => poll.on_transport_error(error, elapsed)?,
                            };
                            trace.poll(poll.polls(), elapsed, &step);
                        }
                        PollStep::Done(outcome) => return Ok(outcome),
                    }
                }
            })
            .await;
        trace.finish(started.elapsed(), &result);
        result
    }

    okta_factors_core::operation_methods!(async);
}
