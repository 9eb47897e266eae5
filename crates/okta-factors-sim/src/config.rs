//! [`SimulatorConfig`], [`Fault`] and [`ResponseDelay`].

use std::collections::BTreeMap;
use std::time::Duration;

/// How a [`Simulator`](crate::Simulator) behaves. Start from
/// [`SimulatorConfig::default`] (or [`SimulatorConfig::new`]) and change what
/// you need:
///
/// ```
/// use std::time::Duration;
/// use okta_factors_sim::SimulatorConfig;
/// let config = SimulatorConfig::new("my-token")
///     .seed(42)
///     .rate_limit_per_minute(100)
///     .push_expiry(Duration::from_secs(60));
/// assert_eq!(config.token, "my-token");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimulatorConfig {
    /// The API token requests must present as `Authorization: SSWS <token>`
    /// (or `Bearer <token>`). Default `sim-token`.
    pub token: String,
    /// The origin used in `_links` hrefs, e.g. `http://127.0.0.1:8080`. `None`
    /// (the default) derives it from each request: the scheme and authority of
    /// an absolute request URI (what `Operation::build_request` produces), else
    /// `http://` + the `Host` header (what a server receives), else
    /// `http://localhost`. Links therefore always point back at the origin the
    /// client used.
    pub base_url: Option<String>,
    /// Seed of the PRNG behind IDs, OTPs, secrets and request IDs: the same
    /// seed and the same requests give the same responses.
    pub seed: u64,
    /// Requests allowed per rate-limit window in every bucket that
    /// [`SimulatorConfig::bucket_limits`] does not name (default 600). The
    /// name is historical: the window is [`SimulatorConfig::rate_limit_window`].
    pub rate_limit_per_minute: u32,
    /// Length of a rate-limit window (default 60 s; e.g. 2 s in tests).
    pub rate_limit_window: Duration,
    /// Whether each endpoint has its own bucket per principal, as Okta's
    /// "rate limits by endpoint" (default `false`: all API requests of a
    /// principal share the bucket [`SHARED_BUCKET`](crate::SHARED_BUCKET), as
    /// before per-endpoint buckets existed). Bucket names:
    /// [`rate_limit_bucket`](crate::rate_limit_bucket). The token endpoint
    /// has its own bucket either way.
    pub per_endpoint_buckets: bool,
    /// Limits per window of single buckets, by bucket name (see
    /// [`rate_limit_bucket`](crate::rate_limit_bucket)); the others have
    /// [`SimulatorConfig::rate_limit_per_minute`].
    pub bucket_limits: BTreeMap<String, u32>,
    /// Most requests of one principal (the API token, one service app, or
    /// all unauthenticated requests together) in flight at once; `None` (the
    /// default) for no limit. Okta's limit is per org; here it is per
    /// principal, so that callers the test does not watch cannot eat it. A
    /// request over it is answered `429` `E0000047` with
    /// `X-Rate-Limit-Limit: 0` and `X-Rate-Limit-Remaining: 0` (Okta's
    /// concurrent-limit shape) and counts against no bucket. Requests to the
    /// token endpoint are not limited. A request is in flight from
    /// [`Simulator::begin_request`](crate::Simulator::begin_request) to
    /// [`Simulator::end_request`](crate::Simulator::end_request):
    /// [`SimServer`](crate::SimServer) counts it from its arrival until its
    /// response is written; [`Simulator::handle`](crate::Simulator::handle)
    /// begins and ends it at once.
    pub concurrent_limit: Option<u32>,
    /// How long [`SimServer`](crate::SimServer) takes to answer an API
    /// request that the rate limits let through (default zero): its response
    /// carries a [`ResponseDelay`] of this much (plus any [`Fault::Slow`]),
    /// and the request stays in flight meanwhile. `429`s and token requests
    /// are answered at once.
    pub service_time: Duration,
    /// How long a push verification waits before it times out (default 5 min).
    pub push_expiry: Duration,
    /// How long a push (or Duo) enrollment waits for the device (default 10 min).
    pub push_activation_expiry: Duration,
    /// Default lifetime of an sms/call/email OTP; `tokenLifetimeSeconds`
    /// overrides it per request (default 300 s).
    pub otp_lifetime: Duration,
    /// Minimum time between two SMS (or two voice call) OTPs to one phone
    /// number (default 30 s, as Okta).
    pub phone_resend_interval: Duration,
    /// Minimum time between two email OTPs to one address (default 5 s).
    pub email_resend_interval: Duration,
    /// Activation attempts allowed per factor within
    /// [`SimulatorConfig::activation_attempt_window`] (default 5).
    pub activation_attempts: u32,
    /// The activation rate-limit window (default 5 min).
    pub activation_attempt_window: Duration,
    /// TOTP codes accepted this many time steps before and after now (default 1).
    pub totp_window_steps: u64,
    /// Lifetime of the access tokens `/oauth2/v1/token` issues, its
    /// `expires_in` (default 3600 s).
    pub access_token_lifetime: Duration,
    /// Clock skew allowed between a client and the simulator (default 60 s):
    /// a client assertion's `iat` and `nbf` may be this far ahead, its `exp`
    /// this far behind, and a DPoP proof's `iat` this far either way.
    pub oauth_clock_skew: Duration,
    /// Whether API calls with a DPoP-bound token must carry the API's DPoP
    /// nonce (default `false`). When on, a proof without the current nonce
    /// is answered `401` with `WWW-Authenticate: DPoP error="use_dpop_nonce"`
    /// and a `DPoP-Nonce` header.
    pub dpop_resource_nonce: bool,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            token: "sim-token".to_owned(),
            base_url: None,
            seed: 0x5EED_0F0C_7A5E,
            rate_limit_per_minute: 600,
            rate_limit_window: Duration::from_secs(60),
            per_endpoint_buckets: false,
            bucket_limits: BTreeMap::new(),
            concurrent_limit: None,
            service_time: Duration::ZERO,
            push_expiry: Duration::from_secs(300),
            push_activation_expiry: Duration::from_secs(600),
            otp_lifetime: Duration::from_secs(300),
            phone_resend_interval: Duration::from_secs(30),
            email_resend_interval: Duration::from_secs(5),
            activation_attempts: 5,
            activation_attempt_window: Duration::from_secs(300),
            totp_window_steps: 1,
            access_token_lifetime: Duration::from_secs(3600),
            oauth_clock_skew: Duration::from_secs(60),
            dpop_resource_nonce: false,
        }
    }
}

impl SimulatorConfig {
    /// The default configuration with API token `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            ..Self::default()
        }
    }

    /// Sets [`SimulatorConfig::base_url`] (a trailing `/` is dropped).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        let url: String = base_url.into();
        self.base_url = Some(url.trim_end_matches('/').to_owned());
        self
    }

    /// Sets [`SimulatorConfig::seed`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets [`SimulatorConfig::rate_limit_per_minute`]: the limit per window
    /// of every bucket without its own [`SimulatorConfig::bucket_limit`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use okta_factors_sim::SimulatorConfig;
    /// let config = SimulatorConfig::default()
    ///     .per_endpoint_buckets(true)
    ///     .rate_limit(100)
    ///     .rate_limit_window(Duration::from_secs(2))
    ///     .bucket_limit("POST /api/v1/users/{userId}/factors/{factorId}/verify", 10);
    /// assert_eq!(config.limit_of("GET /api/v1/users/{userId}/factors"), 100);
    /// assert_eq!(config.limit_of("POST /api/v1/users/{userId}/factors/{factorId}/verify"), 10);
    /// ```
    pub fn rate_limit(mut self, limit_per_window: u32) -> Self {
        self.rate_limit_per_minute = limit_per_window;
        self
    }

    /// The same as [`SimulatorConfig::rate_limit`] (the name is older than
    /// configurable windows).
    pub fn rate_limit_per_minute(self, limit: u32) -> Self {
        self.rate_limit(limit)
    }

    /// Sets [`SimulatorConfig::rate_limit_window`] (at least 1 ms).
    pub fn rate_limit_window(mut self, window: Duration) -> Self {
        self.rate_limit_window = window.max(Duration::from_millis(1));
        self
    }

    /// Sets [`SimulatorConfig::per_endpoint_buckets`].
    pub fn per_endpoint_buckets(mut self, on: bool) -> Self {
        self.per_endpoint_buckets = on;
        self
    }

    /// Gives bucket `name` its own limit per window (see
    /// [`rate_limit_bucket`](crate::rate_limit_bucket) for the names;
    /// [`SHARED_BUCKET`](crate::SHARED_BUCKET) is the shared bucket).
    pub fn bucket_limit(mut self, name: &str, limit_per_window: u32) -> Self {
        self.bucket_limits.insert(name.to_owned(), limit_per_window);
        self
    }

    /// Sets [`SimulatorConfig::concurrent_limit`].
    pub fn concurrent_limit(mut self, limit: Option<u32>) -> Self {
        self.concurrent_limit = limit;
        self
    }

    /// Sets [`SimulatorConfig::service_time`].
    pub fn service_time(mut self, time: Duration) -> Self {
        self.service_time = time;
        self
    }

    /// The limit per window of bucket `name`.
    pub fn limit_of(&self, name: &str) -> u32 {
        self.bucket_limits
            .get(name)
            .copied()
            .unwrap_or(self.rate_limit_per_minute)
    }

    /// Sets [`SimulatorConfig::push_expiry`].
    pub fn push_expiry(mut self, expiry: Duration) -> Self {
        self.push_expiry = expiry;
        self
    }

    /// Sets [`SimulatorConfig::phone_resend_interval`] and
    /// [`SimulatorConfig::email_resend_interval`] (e.g. `Duration::ZERO` for
    /// demos that send OTPs back to back).
    pub fn resend_intervals(mut self, phone: Duration, email: Duration) -> Self {
        self.phone_resend_interval = phone;
        self.email_resend_interval = email;
        self
    }

    /// Sets [`SimulatorConfig::access_token_lifetime`].
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = lifetime;
        self
    }

    /// Sets [`SimulatorConfig::oauth_clock_skew`].
    pub fn oauth_clock_skew(mut self, skew: Duration) -> Self {
        self.oauth_clock_skew = skew;
        self
    }

    /// Sets [`SimulatorConfig::dpop_resource_nonce`].
    pub fn dpop_resource_nonce(mut self, required: bool) -> Self {
        self.dpop_resource_nonce = required;
        self
    }
}

/// A fault to inject with [`Simulator::inject`](crate::Simulator::inject).
///
/// Faults queue up in injection order, in two queues: API requests consume
/// the API faults ([`Fault::RateLimitStorm`], [`Fault::ServerError`],
/// [`Fault::Slow`]), requests to `/oauth2/v1/token` the token faults
/// ([`Fault::TokenRefused`], [`Fault::TokenUnavailable`]). Each request
/// (after the rate-limit bucket counted it) consumes one unit of the fault
/// at the front of its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The next `count` API requests answer `429` `E0000047` with
    /// `X-Rate-Limit-Remaining: 0`, touching no state.
    RateLimitStorm {
        /// How many requests.
        count: u32,
    },
    /// The next `count` API requests answer `500` `E0000009` ("Internal
    /// Server Error"), touching no state.
    ServerError {
        /// How many requests.
        count: u32,
    },
    /// The next `count` API requests are handled normally but their
    /// responses carry a [`ResponseDelay`] extension of `delay`:
    /// [`SimServer`](crate::SimServer) waits that long before writing the
    /// response. `handle` itself never sleeps.
    Slow {
        /// How long the server waits before answering.
        delay: Duration,
        /// How many requests.
        count: u32,
    },
    /// The next `count` token requests answer `401`
    /// `{"error":"invalid_client","error_description":"Client authentication failed."}`,
    /// touching no state (no `jti` is consumed, no token issued).
    TokenRefused {
        /// How many requests.
        count: u32,
    },
    /// The next `count` token requests answer `503`
    /// `{"error":"temporarily_unavailable",…}`, touching no state.
    TokenUnavailable {
        /// How many requests.
        count: u32,
    },
}

impl Fault {
    pub(crate) fn count_mut(&mut self) -> &mut u32 {
        match self {
            Self::RateLimitStorm { count }
            | Self::ServerError { count }
            | Self::Slow { count, .. }
            | Self::TokenRefused { count }
            | Self::TokenUnavailable { count } => count,
        }
    }

    /// Whether token requests (rather than API requests) consume it.
    pub(crate) fn for_token_endpoint(&self) -> bool {
        matches!(
            self,
            Self::TokenRefused { .. } | Self::TokenUnavailable { .. }
        )
    }
}

/// Response extension set by a [`Fault::Slow`]: how long a server should wait
/// before writing the response. Read it with
/// `response.extensions().get::<ResponseDelay>()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseDelay(pub Duration);
