//! # okta-factors-ureq
//!
//! A blocking Okta [UserFactor API] client over [ureq] 3. All API logic (building
//! requests, retrying rate limits, polling pushes, parsing responses and errors) lives
//! in the sans-IO [`okta_factors_core`]; this crate only moves the bytes, sleeps,
//! and enforces the time and size limits of the [`ClientConfig`].
//!
//! ```no_run
//! use okta_factors_core::model::{FactorEnrollment, VerifyOutcome};
//! use okta_factors_core::operations::{EnrollFactor, VerifyFactor, VerifyFactorRequest};
//! use okta_factors_core::{Credentials, OrgUrl};
//! use okta_factors_ureq::Client;
//!
//! let client = Client::new(
//!     OrgUrl::parse("https://dev-123456.okta.com")?,
//!     Credentials::api_token("00aBcD-example-token")?,
//! );
//!
//! // One method per operation…
//! for factor in client.list_factors("00u15s1KDETTQMQYABRL")? {
//!     println!("{factor:?}");
//! }
//!
//! // …and `execute` for any operation, with its optional parameters.
//! let enrolled = client.execute(
//!     &EnrollFactor::new("00u15s1KDETTQMQYABRL", FactorEnrollment::sms("+15554151337"))
//!         .update_phone(true),
//! )?;
//! println!("request id: {:?}", enrolled.meta.request_id);
//!
//! // Push: sends the push, shows the number to pick, polls until answered.
//! let verify = VerifyFactor::new("00u15s1KDETTQMQYABRL", "opf1fmaMGJLMNGNLIVG")
//!     .body(VerifyFactorRequest::number_matching());
//! let outcome = client.verify_push(&verify, |number| println!("pick {number} on your phone"))?;
//! assert!(matches!(outcome, VerifyOutcome::Success(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Rate limits and throttles
//!
//! A `429` that is a rate limit (`E0000047`, or no Okta error body) is retried
//! as the [`RetryPolicy`](okta_factors_core::policy::RetryPolicy) says, after
//! the wait the server's rate-limit headers ask for. A `429` that is a business
//! throttle (`E0000109`: an SMS was sent recently; `E0000118`: an email was;
//! any other code) is returned at once as [`Error::Api`] and nothing is resent,
//! so a user never gets a second SMS behind the caller's back;
//! [`Error::retry_after`] says how long Okta asks to wait:
//!
//! ```no_run
//! # use okta_factors_core::model::FactorEnrollment;
//! # fn run(client: okta_factors_ureq::Client, factor_id: &str) -> Result<(), okta_factors_core::Error> {
//! let body = FactorEnrollment::sms("+15554151337");
//! match client.resend_enroll_factor("00u15s1KDETTQMQYABRL", factor_id, body) {
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
//! ## Limits
//!
//! * [`ClientConfig::connect_timeout`]: establishing a connection.
//! * [`ClientConfig::request_timeout`]: a whole call, `429` retries and their waits
//!   included. A retry whose wait would pass it is not made: the `429` error is
//!   returned instead (with its rate-limit headers in [`Error::meta`]).
//! * [`ClientConfig::max_response_bytes`]: bodies are never read past it
//!   ([`TransportErrorKind::BodyTooLarge`]).
//! * Redirects are never followed (credentials must not leave the org).
//!
//! ## TLS
//!
//! Certificates are always verified, against the Mozilla roots bundled by
//! webpki-roots, or against the roots the application gives
//! `Client::with_root_certificates` (feature `rustls`; for a TLS-inspecting
//! proxy's CA or a test server's self-signed certificate). There is no way to
//! turn verification off.
//!
//! ## Features
//!
//! * `rustls` (default): TLS with rustls and the webpki roots; also
//!   `RootCertificates` and `Client::with_root_certificates`.
//! * `tracing`: one span per call (`operation`, `method`, `path_template`,
//!   `status`, `request_id`, `retries`, `elapsed_ms`) and `debug` events for each
//!   retry and poll. Header values, tokens, URL queries and bodies are never
//!   recorded.
//!
//! [UserFactor API]: https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use okta_factors_core::http::{Method, Request, Response};
use okta_factors_core::model::{ActivateOutcome, VerifyOutcome};
use okta_factors_core::operations::VerifyFactor;
use okta_factors_core::policy::{Exchange, PollStep, Polled, PushPoll, Step};
use okta_factors_core::{
    ClientConfig, Credentials, Error, FromConfig, OktaResponse, Operation, OrgUrl, TimeoutLimit,
    TransportError, TransportErrorKind,
};

mod resolve;
#[cfg(feature = "rustls")]
mod roots;
mod trace;

#[cfg(feature = "rustls")]
pub use roots::{RootCertificateError, RootCertificates};
use trace::{CallTrace, PollTrace};

/// A blocking Okta UserFactor API client.
///
/// Cheap to clone (an `Arc` inside) and safe to share between threads: clones
/// share the configuration and the connection pool; every call keeps its own
/// state.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    agent: ureq::Agent,
    /// `None`: the webpki roots.
    #[cfg(feature = "rustls")]
    roots: Option<RootCertificates>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Client");
        d.field("config", &self.inner.config);
        #[cfg(feature = "rustls")]
        match &self.inner.roots {
            Some(roots) => d.field("roots", roots),
            None => d.field("roots", &format_args!("webpki")),
        };
        d.finish_non_exhaustive()
    }
}

/// Builds a [`Client`] with other limits than the defaults of [`ClientConfig`].
///
/// ```
/// use std::time::Duration;
/// use okta_factors_core::{Credentials, OrgUrl};
/// use okta_factors_ureq::Client;
///
/// let client = Client::builder(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )
/// .request_timeout(Duration::from_secs(20))
/// .max_retries(4)
/// .user_agent_extra("my-app/1.2")?
/// .build()?;
/// assert_eq!(client.config().request_timeout, Duration::from_secs(20));
/// assert_eq!(client.config().retry.max_retries, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type ClientBuilder = okta_factors_core::ClientBuilder<Client>;

impl FromConfig for Client {
    fn from_config(config: ClientConfig) -> Result<Self, Error> {
        Ok(Client::from_config(config))
    }
}

impl Client {
    /// A client for `org` with the default limits.
    pub fn new(org: OrgUrl, credentials: Credentials) -> Self {
        Self::from_config(ClientConfig::new(org, credentials))
    }

    /// A client with the given configuration.
    pub fn from_config(config: ClientConfig) -> Self {
        Self::with_agent_config(
            config,
            #[cfg(feature = "rustls")]
            None,
        )
    }

    /// A client with the given configuration whose `https` connections trust
    /// exactly `roots`, **instead of** the Mozilla roots bundled by
    /// webpki-roots (feature `rustls`).
    ///
    /// Certificates are still verified (chain and host name): a server whose
    /// certificate does not chain to one of `roots` is refused during the
    /// handshake, before any request or credential is sent. Everything else is
    /// as with [`Client::from_config`]: timeouts, body limit, no redirects, the
    /// core's `User-Agent`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use okta_factors_core::{ClientConfig, Credentials, OrgUrl};
    /// use okta_factors_ureq::{Client, RootCertificates};
    ///
    /// # const CORP_ROOT_CA: &str = "-----BEGIN CERTIFICATE-----
    /// # MIIBbDCCARGgAwIBAgIUeFBkevaw+PMaoWNrIgVBY6H19oowCgYIKoZIzj0EAwIw
    /// # ITEfMB0GA1UEAwwWcmNnZW4gc2VsZiBzaWduZWQgY2VydDAgFw03NTAxMDEwMDAw
    /// # MDBaGA80MDk2MDEwMTAwMDAwMFowITEfMB0GA1UEAwwWcmNnZW4gc2VsZiBzaWdu
    /// # ZWQgY2VydDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIFvzPd7cT6dcA43kcXQ
    /// # Ot7gk+YxdtHAAeQmQjX/0jZuq2x0GbtSilFgt77funS8ypF/wSNzGZqAKN3my/YO
    /// # IRKjJTAjMCEGA1UdEQQaMBiCFm9rdGEtZmFjdG9ycy11cmVxLnRlc3QwCgYIKoZI
    /// # zj0EAwIDSQAwRgIhAJFAmX8Lg2G8c+EXc5IbMKsssBwEtSFIVJSkSWn1QMDWAiEA
    /// # lRI4jyTNnmV/N4IjVKKScjffrP/30o9L3cxrpnPst2E=
    /// # -----END CERTIFICATE-----";
    /// // The CA of a TLS-inspecting proxy, in PEM (e.g. read from a file).
    /// let roots = RootCertificates::from_pem(CORP_ROOT_CA.as_bytes())?;
    /// let config = ClientConfig::new(
    ///     OrgUrl::parse("https://dev-123456.okta.com")?,
    ///     Credentials::api_token("00aBcD-example-token")?,
    /// )
    /// .request_timeout(Duration::from_secs(20));
    /// let client = Client::with_root_certificates(config, roots);
    /// assert_eq!(client.config().request_timeout, Duration::from_secs(20));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// With a [`ClientBuilder`], pass `builder.config().clone()`.
    #[cfg(feature = "rustls")]
    pub fn with_root_certificates(config: ClientConfig, roots: RootCertificates) -> Self {
        Self::with_agent_config(config, Some(roots))
    }

    /// The one place the ureq agent is configured: every constructor gets the
    /// same guarantees.
    fn with_agent_config(
        config: ClientConfig,
        #[cfg(feature = "rustls")] roots: Option<RootCertificates>,
    ) -> Self {
        let builder = ureq::Agent::config_builder()
            // Okta error bodies are parsed by the core: never turn statuses into errors.
            .http_status_as_error(false)
            // Credentials must never follow a redirect: 3xx responses are returned as is.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(config.connect_timeout))
            // Every request carries the core's User-Agent and Accept.
            .user_agent(ureq::config::AutoHeaderValue::None)
            .accept(ureq::config::AutoHeaderValue::None);
        // Only the roots change; verification stays on (the default).
        #[cfg(feature = "rustls")]
        let builder = match &roots {
            Some(roots) => builder.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(roots.to_ureq())
                    .build(),
            ),
            None => builder,
        };
        // ureq's connector, and its resolver without a thread per call: none
        // for IP literals, answers reused for a minute for host names (see
        // `resolve`).
        let agent = ureq::Agent::with_parts(
            builder.build(),
            ureq::unversioned::transport::DefaultConnector::new(),
            resolve::LiteralFastResolver::default(),
        );
        Self {
            inner: Arc::new(Inner {
                config,
                agent,
                #[cfg(feature = "rustls")]
                roots,
            }),
        }
    }

    /// A builder for a client of `org`.
    pub fn builder(org: OrgUrl, credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(org, credentials)
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Runs any operation, retrying rate-limit `429`s (not business throttles
    /// such as `E0000109`) as the [`RetryPolicy`](okta_factors_core::policy::RetryPolicy) says, within
    /// [`ClientConfig::request_timeout`]. This is how optional query and header
    /// parameters are reached, e.g.
    /// `client.execute(&EnrollFactor::new(user, body).update_phone(true))`; the
    /// [`OktaResponse`] also carries the status and [`okta_factors_core::ResponseMeta`]
    /// (request ID, rate limits).
    pub fn execute<O: Operation>(&self, op: &O) -> Result<OktaResponse<O::Output>, Error> {
        let trace = CallTrace::new(O::NAME, &O::METHOD, O::PATH_TEMPLATE);
        let mut retries = 0;
        let result = trace.in_scope(|| self.execute_inner(op, &trace, &mut retries));
        trace.finish(&result, retries);
        result
    }

    fn execute_inner<O: Operation>(
        &self,
        op: &O,
        trace: &CallTrace,
        retries: &mut u32,
    ) -> Result<OktaResponse<O::Output>, Error> {
        let config = self.config();
        let deadline = Instant::now().checked_add(config.request_timeout);
        let mut exchange = Exchange::new(op, config)?;
        loop {
            let response = self.send(exchange.request(), deadline, TimeoutLimit::Request)?;
            let time_left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            match exchange.on_response(response, random(), time_left) {
                Step::Done(result) => return result,
                Step::Retry {
                    delay,
                    retry,
                    reason,
                } => {
                    trace.retry(delay, retry, reason);
                    *retries = retry;
                    thread::sleep(delay);
                }
            }
        }
    }

    fn send(
        &self,
        request: Request<Vec<u8>>,
        deadline: Option<Instant>,
        limit: TimeoutLimit,
    ) -> Result<Response<Vec<u8>>, Error> {
        let max_bytes = self.config().max_response_bytes;
        let timeout = match deadline {
            None => None,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(TransportError::new(
                        TransportErrorKind::Timeout(limit),
                        "the time limit passed before the request was sent",
                    )
                    .into());
                }
                Some(left)
            }
        };
        let (parts, body) = request.into_parts();
        let agent = &self.inner.agent;
        // HTTP framing: an empty body is sent as no body at all, except for the
        // methods that anticipate one (they get `Content-Length: 0`, not chunked).
        let expects_body = matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
        let result = if body.is_empty() && !expects_body {
            let request = agent
                .configure_request(Request::from_parts(parts, ()))
                .timeout_global(timeout)
                .build();
            agent.run(request)
        } else {
            let request = agent
                .configure_request(Request::from_parts(parts, body))
                .timeout_global(timeout)
                .build();
            agent.run(request)
        };
        let mut response = result.map_err(|e| transport_error(e, limit, max_bytes))?;
        let body = response
            .body_mut()
            .with_config()
            .limit(u64::try_from(max_bytes).unwrap_or(u64::MAX))
            .read_to_vec()
            .map_err(|e| transport_error(e, limit, max_bytes))?;
        let (parts, _) = response.into_parts();
        Ok(Response::from_parts(parts, body))
    }

    okta_factors_core::operation_methods!();

    /// Verifies with a push and waits for the user's answer.
    ///
    /// Runs `verify`; if the outcome is not [`VerifyOutcome::Waiting`], returns
    /// it. Otherwise polls the transaction as the
    /// [`PollPolicy`](okta_factors_core::policy::PollPolicy) says until the push
    /// is over, and returns how it ended. `on_challenge` is called with the
    /// number-matching answer as soon as it is known, once per distinct value.
    ///
    /// * Polls go to the org (the user and factor of `verify`, the transaction
    ///   ID of the `WAITING` answer), whatever origin the poll link names:
    ///   credentials never leave the org, and an org reached through a custom
    ///   domain polls on that domain.
    /// * A poll that fails transiently (a `5xx`, a `429`, a reset connection, a
    ///   timeout) is waited out and sent again; polling gives up with the error
    ///   after [`MAX_CONSECUTIVE_POLL_FAILURES`](okta_factors_core::policy::MAX_CONSECUTIVE_POLL_FAILURES)
    ///   in a row. Other errors (`401`, `403`, `404`, …) end it at once.
    /// * **Nobody answering is an outcome, not an error**:
    ///   `Ok(VerifyOutcome::Timeout(_))` whether Okta answered `TIMEOUT`, its
    ///   `expiresAt` passed, or [`PollPolicy::max_wait`](okta_factors_core::policy::PollPolicy::max_wait)
    ///   did (then the response is the last `WAITING` one, `factorResult`
    ///   set to `TIMEOUT`). [`Error::is_timeout`] is only for a request that
    ///   timed out.
    ///
    /// Each request is bounded by [`ClientConfig::request_timeout`], so the
    /// whole wait lasts at most the poll deadline plus one request timeout.
    ///
    /// ```no_run
    /// use okta_factors_core::model::VerifyOutcome;
    /// use okta_factors_core::operations::{VerifyFactor, VerifyFactorRequest};
    /// # fn run(client: okta_factors_ureq::Client) -> Result<(), okta_factors_core::Error> {
    /// let verify = VerifyFactor::new("00u15s1KDETTQMQYABRL", "opf1fmaMGJLMNGNLIVG")
    ///     .body(VerifyFactorRequest::number_matching());
    /// match client.verify_push(&verify, |number| println!("pick {number} on your phone"))? {
    ///     VerifyOutcome::Success(_) => println!("verified"),
    ///     VerifyOutcome::Rejected(_) => println!("the user said no"),
    ///     VerifyOutcome::Timeout(_) => println!("nobody answered in time"),
    ///     other => println!("ended as {:?}", other.factor_result()),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn verify_push(
        &self,
        verify: &VerifyFactor,
        mut on_challenge: impl FnMut(u32),
    ) -> Result<VerifyOutcome, Error> {
        let response = self.execute(verify)?;
        let VerifyOutcome::Waiting(waiting) = &response.value else {
            return Ok(response.value);
        };
        let poll = PushPoll::for_verify(verify, waiting, &response.meta, self.config())?;
        self.poll(poll, "verify_push", &mut on_challenge)
    }

    /// Waits until the device activates a push enrollment: polls `POST
    /// /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/poll` on
    /// the org with the [`PollPolicy`](okta_factors_core::policy::PollPolicy)
    /// (first poll at once, then every interval, transient failures waited
    /// out as in [`Client::verify_push`]).
    ///
    /// `Ok(ActivateOutcome::Activated(factor))` once the device scanned the QR
    /// code (or if the factor was already active), `Ok(ActivateOutcome::Ended(_))`
    /// when the activation ended without it: `Ended(VerifyOutcome::Timeout(_))`
    /// when it expired (Okta's `expiresAt` or `max_wait`; activate the factor
    /// again for a new QR code).
    ///
    /// ```no_run
    /// use okta_factors_core::model::{ActivateOutcome, FactorEnrollment, VerifyOutcome};
    /// # fn run(client: okta_factors_ureq::Client) -> Result<(), okta_factors_core::Error> {
    /// let push = client.enroll_factor("00u15s1KDETTQMQYABRL", FactorEnrollment::push())?;
    /// let factor_id = push.id().unwrap_or_default().to_owned();
    /// // … show the QR code of the enrollment, then:
    /// match client.wait_for_push_activation("00u15s1KDETTQMQYABRL", &factor_id)? {
    ///     ActivateOutcome::Activated(factor) => println!("{:?} is active", factor.id()),
    ///     ActivateOutcome::Ended(VerifyOutcome::Timeout(_)) => println!("expired: activate again"),
    ///     other => println!("not activated: {other:?}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_push_activation(
        &self,
        user_id: &str,
        factor_id: &str,
    ) -> Result<ActivateOutcome, Error> {
        let poll = PushPoll::for_activation(user_id, factor_id, self.config())?;
        self.poll(poll, "wait_for_push_activation", &mut |_| {})
    }

    /// Drives a [`PushPoll`] to its end: sleeps, sends, and hands every
    /// response (or failure) to the machine.
    fn poll<O: Polled>(
        &self,
        mut poll: PushPoll<O>,
        operation: &'static str,
        on_challenge: &mut dyn FnMut(u32),
    ) -> Result<O::Output, Error> {
        let started = Instant::now();
        let trace = PollTrace::new(operation);
        let result = trace.in_scope(|| {
            let mut step = poll.first_step();
            loop {
                match step {
                    PollStep::Wait { delay, show, .. } => {
                        if let Some(answer) = show {
                            on_challenge(answer);
                        }
                        thread::sleep(delay);
                        let deadline = Instant::now().checked_add(self.config().request_timeout);
                        let (status, next) =
                            match self.send(poll.request(), deadline, TimeoutLimit::Request) {
                                Ok(response) => (
                                    Some(response.status()),
                                    poll.on_response(response, started.elapsed(), random()),
                                ),
                                Err(error) => {
                                    (None, poll.on_transport_error(error, started.elapsed()))
                                }
                            };
                        step = next?;
                        trace.poll(poll.polls(), status, &step);
                    }
                    PollStep::Done(outcome) => return Ok(outcome),
                }
            }
        });
        trace.finish(&result, poll.polls(), started);
        result
    }
}

/// A random number for the policies' jitter, without a random-number dependency.
fn random() -> u64 {
    RandomState::new().build_hasher().finish()
}

/// Maps a ureq error to the core's transport error. `limit` is the time limit
/// behind the request's global timeout; `max_bytes` the body limit.
fn transport_error(error: ureq::Error, limit: TimeoutLimit, max_bytes: usize) -> Error {
    let kind = match &error {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
            TransportErrorKind::Timeout(TimeoutLimit::Connect)
        }
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout(limit),
        ureq::Error::HostNotFound => TransportErrorKind::Dns,
        ureq::Error::ConnectionFailed | ureq::Error::ConnectProxyFailed(_) => {
            TransportErrorKind::Connect
        }
        ureq::Error::Io(io) => io_kind(io, limit),
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => TransportErrorKind::Tls,
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) | ureq::Error::Pem(_) => TransportErrorKind::Tls,
        ureq::Error::BodyExceedsLimit(_) => TransportErrorKind::BodyTooLarge { limit: max_bytes },
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => {
            TransportErrorKind::Protocol
        }
        _ => TransportErrorKind::Other,
    };
    let message = error.to_string();
    TransportError::new(kind, message).with_source(error).into()
}

fn io_kind(error: &std::io::Error, limit: TimeoutLimit) -> TransportErrorKind {
    use std::io::ErrorKind;
    if is_tls_error(error) {
        return TransportErrorKind::Tls;
    }
    match error.kind() {
        ErrorKind::ConnectionRefused
        | ErrorKind::HostUnreachable
        | ErrorKind::NetworkUnreachable
        | ErrorKind::NetworkDown
        | ErrorKind::AddrNotAvailable => TransportErrorKind::Connect,
        ErrorKind::TimedOut => TransportErrorKind::Timeout(limit),
        ErrorKind::InvalidData => TransportErrorKind::Protocol,
        // The standard library's resolver reports lookup failures this way.
        _ if error
            .to_string()
            .starts_with("failed to lookup address information") =>
        {
            TransportErrorKind::Dns
        }
        _ => TransportErrorKind::Io,
    }
}

/// Whether a rustls error (e.g. a refused certificate) is behind this I/O error.
fn is_tls_error(error: &std::io::Error) -> bool {
    #[cfg(feature = "rustls")]
    {
        let mut source: Option<&(dyn std::error::Error + 'static)> = error
            .get_ref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(e) = source {
            if e.is::<rustls::Error>() {
                return true;
            }
            source = e.source();
        }
    }
    #[cfg(not(feature = "rustls"))]
    let _ = error;
    false
}
