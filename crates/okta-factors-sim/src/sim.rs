//! [`Simulator`]: the sans-IO heart. `handle` turns an `http::Request` into an
//! `http::Response`; the control API plays the user's phone, inbox and device.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, SystemTime};

use http::header::{HeaderName, HeaderValue, ALLOW, CONTENT_TYPE, DATE, HOST};
use http::{Method, Request, Response};
use okta_factors_core::model::{
    EnrollmentRequirement, FactorProvider, FactorResult, FactorStatus, FactorType,
};
use okta_factors_core::{AuthScheme, ErrorCause, OktaError};

use crate::api::{Ctx, Fail, Outcome, Query, Reply, Route, JSON};
use crate::clock::{Clock, SystemClock};
use crate::config::{Fault, ResponseDelay, SimulatorConfig};
use crate::control::{Channel, ControlError, FactorInfo, PendingPush, SentMessage, UserInfo};
use crate::limits::{rate_limit_bucket, Counters, RateLimitStats, SHARED_BUCKET, TOKEN_BUCKET};
use crate::oauth::{self, Caller, Need, OAuthState, OAuthStats, ServiceApp, ServiceAppError};
use crate::rng::{base62, Rng};
use crate::state::{add, Bucket, Kind, Principal, Transaction, TxState, User};
use crate::timefmt::{http_date, unix_secs, unix_secs_ceil};

/// One catalog entry: a factor type and provider the org offers, and whether
/// users must enroll it.
pub type CatalogEntry = (FactorType, FactorProvider, EnrollmentRequirement);

/// The rate-limit headers of one response.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateHeaders {
    limit: u32,
    remaining: u32,
    reset: u64,
}

/// What processing a request produced, before headers are added.
struct Processed {
    outcome: Outcome,
    rate: Option<RateHeaders>,
    delay: Option<Duration>,
    /// The principal the request is in flight for, under a concurrent limit.
    in_flight: Option<Principal>,
}

/// An API request the simulator counts as in flight, from
/// [`Simulator::begin_request`] until it is handed to
/// [`Simulator::end_request`] (see [`SimulatorConfig::concurrent_limit`]).
/// Dropping it without `end_request` leaves the request in flight for good;
/// [`SharedSimulator::begin_request`](crate::SharedSimulator::begin_request)
/// returns a guard that ends it on drop.
#[derive(Debug)]
#[must_use = "hand it to Simulator::end_request once the response is written"]
pub struct InFlight(Option<Principal>);

/// An in-memory Okta org serving the ten UserFactor operations.
///
/// [`Simulator::handle`] is the whole API: no sockets, no threads, no sleeping,
/// time from the injected [`Clock`], randomness from a seeded PRNG. See the
/// [crate docs](crate) for the behaviour, and [`SharedSimulator`](crate::SharedSimulator)
/// and [`SimServer`](crate::SimServer) to use it from several threads or over HTTP.
pub struct Simulator {
    pub(crate) config: SimulatorConfig,
    pub(crate) clock: Box<dyn Clock>,
    pub(crate) rng: Rng,
    pub(crate) users: Vec<User>,
    pub(crate) transactions: Vec<Transaction>,
    /// Rate-limit buckets: at most one per [`Principal`] and bucket name
    /// (names come from a fixed table, so the map stays small).
    pub(crate) buckets: HashMap<(Principal, &'static str), Bucket>,
    /// Last OTP sent per (channel, normalized address).
    pub(crate) throttles: HashMap<(Channel, String), SystemTime>,
    pub(crate) faults: VecDeque<Fault>,
    /// Faults for token requests.
    pub(crate) token_faults: VecDeque<Fault>,
    /// Service apps, issued tokens, DPoP state.
    pub(crate) oauth: OAuthState,
    pub(crate) catalog: Vec<CatalogEntry>,
    /// What the rate limits counted.
    pub(crate) rate_counters: Counters,
    /// API requests in flight per principal (under a concurrent limit).
    in_flight: HashMap<Principal, u32>,
    request_counter: u64,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.config.base_url)
            .field("users", &self.users.len())
            .field("transactions", &self.transactions.len())
            .field("faults", &self.faults)
            .field("token_faults", &self.token_faults)
            .field("service_apps", &self.oauth.apps)
            .field("access_tokens", &self.oauth.tokens.len())
            .finish_non_exhaustive()
    }
}

impl Default for Simulator {
    /// [`SimulatorConfig::default`] and the system clock.
    fn default() -> Self {
        Self::new(SimulatorConfig::default())
    }
}

/// The default catalog: every factor type and provider the simulator
/// implements, all `OPTIONAL`.
pub fn default_catalog() -> Vec<CatalogEntry> {
    use FactorProvider as P;
    use FactorType as T;
    let optional = |t: T, p: P| (t, p, EnrollmentRequirement::Optional);
    vec![
        optional(T::Question, P::Okta),
        optional(T::Sms, P::Okta),
        optional(T::Call, P::Okta),
        optional(T::Email, P::Okta),
        optional(T::TokenSoftwareTotp, P::Okta),
        optional(T::TokenSoftwareTotp, P::Google),
        optional(T::Push, P::Okta),
        optional(T::WebAuthn, P::Fido),
        optional(T::U2f, P::Fido),
        optional(T::Token, P::Rsa),
        optional(T::Token, P::Symantec),
        optional(T::TokenHardware, P::Yubico),
        optional(T::TokenHotp, P::Custom),
        optional(T::Web, P::Duo),
    ]
}

impl Simulator {
    /// A simulator on the system clock.
    pub fn new(config: SimulatorConfig) -> Self {
        Self::with_clock(config, SystemClock)
    }

    /// A simulator on `clock` (e.g. a [`ManualClock`](crate::ManualClock)).
    pub fn with_clock(config: SimulatorConfig, clock: impl Clock + 'static) -> Self {
        Self {
            rng: Rng::new(config.seed),
            config,
            clock: Box::new(clock),
            users: Vec::new(),
            transactions: Vec::new(),
            buckets: HashMap::new(),
            throttles: HashMap::new(),
            faults: VecDeque::new(),
            token_faults: VecDeque::new(),
            oauth: OAuthState::default(),
            catalog: default_catalog(),
            rate_counters: Counters::default(),
            in_flight: HashMap::new(),
            request_counter: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SimulatorConfig {
        &self.config
    }

    /// The simulator's current time.
    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// Handles one API request. Never panics and never blocks.
    ///
    /// Every response carries `X-Okta-Request-Id` (unique), `Date` (from the
    /// clock), `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and
    /// `X-Rate-Limit-Reset`; every response with a body has
    /// `Content-Type: application/json`, but for the QR code images
    /// (`image/png`). A [`Fault::Slow`] and [`SimulatorConfig::service_time`]
    /// add a [`ResponseDelay`] extension (the server sleeps, `handle` does
    /// not). Under [`SimulatorConfig::concurrent_limit`], the request is in
    /// flight only during the call (see [`Simulator::begin_request`]).
    ///
    /// A `HEAD` request is answered as the `GET` it names, body included: a
    /// server must send the headers only ([`SimServer`](crate::SimServer)
    /// does), as HTTP servers do for a handler's response to `HEAD`.
    pub fn handle(&mut self, request: Request<Vec<u8>>) -> Response<Vec<u8>> {
        let (response, in_flight) = self.begin_request(request);
        self.end_request(in_flight);
        response
    }

    /// [`Simulator::handle`], leaving the request in flight until
    /// [`Simulator::end_request`]: what a server calls to enforce
    /// [`SimulatorConfig::concurrent_limit`] (call `end_request` once the
    /// response is written, after any [`ResponseDelay`]). Without a
    /// concurrent limit, nothing is counted.
    pub fn begin_request(&mut self, request: Request<Vec<u8>>) -> (Response<Vec<u8>>, InFlight) {
        let now = self.clock.now();
        self.request_counter = self.request_counter.wrapping_add(1);
        let request_id = format!("{}{}", self.rng.alnum(20), base62(self.request_counter, 7));
        let mut processed = catch_unwind(AssertUnwindSafe(|| self.process(&request, now)))
            .unwrap_or_else(|_| Processed {
                outcome: Err(Fail::internal()),
                rate: None,
                delay: None,
                in_flight: None,
            });
        let in_flight = processed.in_flight.take();
        if let Some(principal) = &in_flight {
            let count = self.in_flight.entry(principal.clone()).or_insert(0);
            *count = count.saturating_add(1);
            let count = *count;
            let counters = self.rate_counters.of(principal);
            counters.peak_in_flight = counters.peak_in_flight.max(count);
        }
        (
            self.finish(processed, now, &request_id),
            InFlight(in_flight),
        )
    }

    /// Ends a request [`Simulator::begin_request`] began.
    pub fn end_request(&mut self, in_flight: InFlight) {
        let Some(principal) = in_flight.0 else {
            return;
        };
        if let Some(count) = self.in_flight.get_mut(&principal) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.in_flight.remove(&principal);
            }
        }
    }

    /// API requests in flight now, all principals together (see
    /// [`SimulatorConfig::concurrent_limit`]; always 0 without one).
    pub fn requests_in_flight(&self) -> u32 {
        self.in_flight.values().sum()
    }

    fn process(&mut self, request: &Request<Vec<u8>>, now: SystemTime) -> Processed {
        if request.uri().path() == oauth::TOKEN_PATH {
            return self.process_token_request(request, now);
        }
        // Authenticate first: the bucket belongs to whoever the token proves
        // the caller is, never to the raw header (which a caller can respell
        // at will, or vary to make the table grow).
        let auth = self.authenticate(request, now);
        let principal = match &auth {
            Ok(Caller::ApiToken(_)) => Principal::ApiToken,
            Ok(Caller::OAuth { client_id, .. }) => Principal::ServiceApp(client_id.clone()),
            Err(_) => Principal::Unauthenticated,
        };
        let bucket = if self.config.per_endpoint_buckets {
            rate_limit_bucket(request.method(), request.uri().path())
        } else {
            SHARED_BUCKET
        };
        let mut in_flight = None;
        if let Some(limit) = self.config.concurrent_limit {
            let current = self.in_flight.get(&principal).copied().unwrap_or(0);
            if current >= limit {
                self.rate_counters.of(&principal).concurrent_429s += 1;
                return Processed {
                    outcome: Err(Fail::rate_limited()),
                    rate: Some(RateHeaders {
                        limit: 0,
                        remaining: 0,
                        reset: unix_secs_ceil(add(now, Duration::from_secs(1))),
                    }),
                    delay: None,
                    in_flight: None,
                };
            }
            in_flight = Some(principal.clone());
        }
        let (allowed, rate) = self.take_rate(principal.clone(), bucket, now);
        let mut processed = Processed {
            outcome: Err(Fail::rate_limited()),
            rate: Some(rate),
            delay: None,
            in_flight,
        };
        if !allowed {
            return processed;
        }
        let service_time = self.config.service_time;
        if let Some(fault) = Self::next_fault(&mut self.faults) {
            match fault {
                Fault::RateLimitStorm { .. } => {
                    self.rate_counters.of(&principal).injected_429s += 1;
                    processed.rate = Some(RateHeaders {
                        remaining: 0,
                        ..rate
                    });
                    return processed;
                }
                Fault::ServerError { .. } => {
                    processed.outcome = Err(Fail::internal());
                    return processed;
                }
                Fault::Slow { delay, .. } => {
                    processed.delay = Some(delay.saturating_add(service_time));
                }
                Fault::TokenRefused { .. } | Fault::TokenUnavailable { .. } => {}
            }
        }
        if processed.delay.is_none() && !service_time.is_zero() {
            processed.delay = Some(service_time);
        }
        processed.outcome = auth.and_then(|caller| self.route(request, &caller, now));
        if matches!(&processed.outcome, Err(fail) if fail.auth) {
            self.oauth.stats.auth_refusals += 1;
        }
        processed
    }

    /// A request to `/oauth2/v1/token`: its own rate-limit bucket and fault
    /// queue.
    fn process_token_request(&mut self, request: &Request<Vec<u8>>, now: SystemTime) -> Processed {
        self.oauth.stats.token_requests += 1;
        let (allowed, rate) = self.take_rate(Principal::TokenEndpoint, TOKEN_BUCKET, now);
        let mut processed = Processed {
            outcome: Err(Fail::rate_limited()),
            rate: Some(rate),
            delay: None,
            in_flight: None,
        };
        if !allowed {
            return processed;
        }
        if let Some(fault) = Self::next_fault(&mut self.token_faults) {
            processed.outcome = Ok(oauth::fault_reply(fault));
            return processed;
        }
        processed.outcome = self.token_request(request, now);
        processed
    }

    /// Takes the next unit of the front fault of `queue`.
    fn next_fault(queue: &mut VecDeque<Fault>) -> Option<Fault> {
        let front = queue.front_mut()?;
        let fault = *front;
        let count = front.count_mut();
        *count = count.saturating_sub(1);
        if *count == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    /// Counts a request against bucket `name` of `principal`.
    fn take_rate(
        &mut self,
        principal: Principal,
        name: &'static str,
        now: SystemTime,
    ) -> (bool, RateHeaders) {
        let limit = self.config.limit_of(name);
        let window = self.config.rate_limit_window;
        let bucket = self
            .buckets
            .entry((principal.clone(), name))
            .or_insert(Bucket {
                start: whole_second(now),
                used: 0,
            });
        let expired = now
            .duration_since(bucket.start)
            .map(|elapsed| elapsed >= window)
            .unwrap_or(true);
        if expired {
            // As Okta's, windows begin on a whole second, so that
            // `X-Rate-Limit-Reset` (whole seconds) is their exact end.
            bucket.start = whole_second(now);
            bucket.used = 0;
        }
        let reset = unix_secs_ceil(add(bucket.start, window));
        let allowed = bucket.used < limit;
        if allowed {
            bucket.used += 1;
        }
        let remaining = limit.saturating_sub(bucket.used);
        self.rate_counters.count(&principal, name, allowed);
        (
            allowed,
            RateHeaders {
                limit,
                remaining,
                reset,
            },
        )
    }

    /// What the rate limits counted so far: per principal, the `429`s
    /// served (window, concurrent, injected) and the requests each bucket
    /// let through or refused.
    pub fn rate_limit_stats(&self) -> RateLimitStats {
        self.rate_counters.snapshot()
    }

    /// Zeroes the counters of [`Simulator::rate_limit_stats`] (the buckets
    /// themselves and requests in flight are untouched).
    pub fn reset_rate_limit_stats(&mut self) {
        self.rate_counters = Counters::default();
    }

    /// How many rate-limit buckets the simulator holds: for the API token
    /// (however its `Authorization` header is spelled), for each service app
    /// that called the API with an issued token, and for every
    /// unauthenticated request together, one bucket each (or, with
    /// [`SimulatorConfig::per_endpoint_buckets`], one per endpoint each
    /// called); plus one for the token endpoint. Distinct bogus tokens or
    /// paths cost no memory.
    pub fn rate_limit_buckets(&self) -> usize {
        self.buckets.len()
    }

    /// The origin for `_links`: configured, else from the request.
    pub(crate) fn link_base(&self, request: &Request<Vec<u8>>) -> String {
        if let Some(base) = &self.config.base_url {
            return base.trim_end_matches('/').to_owned();
        }
        let uri = request.uri();
        if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
            return format!("{scheme}://{authority}");
        }
        let host = request
            .headers()
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::trim)
            .filter(|h| {
                !h.is_empty()
                    && h.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                    })
            });
        match host {
            Some(host) => format!("http://{host}"),
            None => "http://localhost".to_owned(),
        }
    }

    fn route(&mut self, request: &Request<Vec<u8>>, caller: &Caller, now: SystemTime) -> Outcome {
        let path = request.uri().path();
        let route = Route::parse(path)
            .ok_or_else(|| Fail::not_found(&format!("{} {path}", request.method()), "Endpoint"))?;
        let method = request.method();
        if !route.allows(method) {
            return Err(Fail::method_not_allowed(route.allow()));
        }
        // `HEAD` is answered as `GET`; the server sends the headers only.
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        match caller {
            Caller::ApiToken(AuthScheme::Bearer) if matches!(route, Route::Questions(_)) => {
                // The endpoint documents API-token (SSWS) security only.
                return Err(Fail::invalid_token());
            }
            Caller::OAuth { scopes, dpop, .. } => {
                let need = Need::of(&route, method);
                if !need.met_by(scopes) {
                    return Err(self.insufficient_scope(request, need, *dpop));
                }
            }
            Caller::ApiToken(_) => {}
        }
        let ctx = Ctx {
            now,
            base: self.link_base(request),
            query: Query::parse(request.uri().query()),
            body: request.body(),
        };
        match route {
            Route::Factors(u) if method == Method::GET => self.list_factors(&ctx, &u),
            Route::Factors(u) => self.enroll(&ctx, &u),
            Route::Catalog(u) => self.catalog(&ctx, &u),
            Route::Questions(u) => self.questions(&u),
            Route::Factor(u, f) if method == Method::GET => self.get_factor(&ctx, &u, &f),
            Route::Factor(u, f) => self.unenroll(&ctx, &u, &f),
            Route::Activate(u, f) => self.activate(&ctx, &u, &f, false),
            Route::ActivatePoll(u, f) => self.activate(&ctx, &u, &f, true),
            Route::ActivateSend(u, f, channel) => self.send_activation(&ctx, &u, &f, channel),
            Route::Resend(u, f) => self.resend(&ctx, &u, &f),
            Route::Verify(u, f) => self.verify(&ctx, &u, &f),
            Route::Transaction(u, f, t) if method == Method::GET => {
                self.transaction(&ctx, &u, &f, &t)
            }
            Route::Transaction(u, f, t) => self.cancel_transaction(&ctx, &u, &f, &t),
            Route::QrCode(u, f, t) => self.qr_code(&ctx, &u, &f, &t),
        }
    }

    fn finish(
        &mut self,
        processed: Processed,
        now: SystemTime,
        request_id: &str,
    ) -> Response<Vec<u8>> {
        let mut allow = None;
        let extra_headers;
        let (status, body, content_type) = match processed.outcome {
            Ok(Reply {
                status,
                body,
                content_type,
                headers,
            }) => {
                extra_headers = headers;
                (status, body, content_type)
            }
            Err(fail) => {
                allow = fail.allow;
                extra_headers = fail.headers;
                let mut error = OktaError::default();
                error.error_code = Some(fail.code.to_owned());
                error.error_summary = Some(fail.summary);
                error.error_link = Some(fail.code.to_owned());
                error.error_id = Some(format!("oae{}", self.rng.base64url(22)));
                error.error_causes = fail
                    .causes
                    .into_iter()
                    .map(|summary| {
                        let mut cause = ErrorCause::default();
                        cause.error_summary = Some(summary);
                        cause
                    })
                    .collect();
                (fail.status, serde_json::to_vec(&error).ok(), JSON)
            }
        };
        let rate = processed.rate.unwrap_or(RateHeaders {
            limit: self.config.rate_limit_per_minute,
            remaining: self.config.rate_limit_per_minute,
            reset: unix_secs_ceil(add(now, self.config.rate_limit_window)),
        });
        let has_body = body.is_some();
        let mut response = Response::new(body.unwrap_or_default());
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if has_body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        let mut put = |name: HeaderName, value: String| {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        };
        put(
            HeaderName::from_static("x-okta-request-id"),
            request_id.to_owned(),
        );
        put(DATE, http_date(now));
        put(
            HeaderName::from_static("x-rate-limit-limit"),
            rate.limit.to_string(),
        );
        put(
            HeaderName::from_static("x-rate-limit-remaining"),
            rate.remaining.to_string(),
        );
        put(
            HeaderName::from_static("x-rate-limit-reset"),
            rate.reset.to_string(),
        );
        if let Some(allow) = allow {
            put(ALLOW, allow.to_owned());
        }
        for (name, value) in extra_headers {
            headers.append(name, value);
        }
        if let Some(delay) = processed.delay {
            response.extensions_mut().insert(ResponseDelay(delay));
        }
        response
    }

    // ----- helpers shared by the handlers -----

    pub(crate) fn user_ref(&self, user_id: &str) -> Result<&User, Fail> {
        self.users
            .iter()
            .find(|u| u.id == user_id)
            .ok_or_else(|| Fail::not_found(user_id, "User"))
    }

    pub(crate) fn user_index(&self, user_id: &str) -> Result<usize, Fail> {
        self.users
            .iter()
            .position(|u| u.id == user_id)
            .ok_or_else(|| Fail::not_found(user_id, "User"))
    }

    /// `(user index, factor index)`, or the 404 for whichever is missing.
    pub(crate) fn locate(&self, user_id: &str, factor_id: &str) -> Result<(usize, usize), Fail> {
        let u = self.user_index(user_id)?;
        let f = self
            .users
            .get(u)
            .and_then(|user| user.factor_index(factor_id))
            .ok_or_else(|| Fail::not_found(factor_id, "UserFactor"))?;
        Ok((u, f))
    }

    /// A new ID: `prefix` + random characters, 20 characters in all.
    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        let rest = 20usize.saturating_sub(prefix.len());
        format!("{prefix}{}", self.rng.alnum(rest))
    }

    // ----- control API -----

    /// Creates a user with `login` and returns its ID (`00u…`, 20 characters).
    /// Its primary email is the login when it contains `@`, else
    /// `<login>@example.com` (email factors must use it).
    pub fn create_user(&mut self, login: impl Into<String>) -> String {
        let login = login.into();
        let id = self.new_id("00u");
        let email = if login.contains('@') {
            login.clone()
        } else {
            format!("{login}@example.com")
        };
        self.users.push(User {
            id: id.clone(),
            login,
            email,
            factors: Vec::new(),
            outbox: Vec::new(),
            phones: Vec::new(),
        });
        id
    }

    /// Every user, in creation order.
    pub fn users(&self) -> Vec<UserInfo> {
        self.users
            .iter()
            .map(|u| UserInfo {
                id: u.id.clone(),
                login: u.login.clone(),
                email: u.email.clone(),
            })
            .collect()
    }

    /// The factors of `user_id` in enrollment order (empty for an unknown user).
    pub fn factors(&self, user_id: &str) -> Vec<FactorInfo> {
        self.user_ref(user_id)
            .map(|user| {
                user.factors
                    .iter()
                    .map(|f| FactorInfo {
                        id: f.id.clone(),
                        factor_type: f.factor_type(),
                        provider: f.provider.clone(),
                        status: f.status.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every message "sent" to `user_id`, oldest first (empty for an unknown user).
    pub fn outbox(&self, user_id: &str) -> Vec<SentMessage> {
        self.user_ref(user_id)
            .map(|u| u.outbox.clone())
            .unwrap_or_default()
    }

    /// The last OTP sent for an sms, call or email factor (by enrollment,
    /// resend or a verify challenge), whether or not it is still valid.
    pub fn last_code(&self, user_id: &str, factor_id: &str) -> Option<String> {
        self.user_ref(user_id)
            .ok()?
            .outbox
            .iter()
            .rev()
            .find(|m| m.factor_id == factor_id)
            .map(|m| m.code.clone())
    }

    /// The current code of a `token:software:totp` or `token:hotp` factor at
    /// the simulator's clock (what the authenticator app would show).
    pub fn totp_code(&self, user_id: &str, factor_id: &str) -> Option<String> {
        let (u, f) = self.locate(user_id, factor_id).ok()?;
        let factor = self.users.get(u)?.factors.get(f)?;
        let totp = factor.totp()?;
        Some(
            totp.code_at(unix_secs(self.clock.now()))
                .expose()
                .to_owned(),
        )
    }

    /// The push verifications of `user_id` still waiting for the device,
    /// oldest first.
    pub fn pending_pushes(&self, user_id: &str) -> Vec<PendingPush> {
        let now = self.clock.now();
        self.transactions
            .iter()
            .filter(|t| t.user_id == user_id && t.state == TxState::Waiting && !t.is_expired(now))
            .map(|t| PendingPush {
                transaction_id: t.id.clone(),
                factor_id: t.factor_id.clone(),
                correct_answer: t.correct_answer,
            })
            .collect()
    }

    fn waiting_transaction(
        &mut self,
        transaction_id: &str,
    ) -> Result<&mut Transaction, ControlError> {
        let now = self.clock.now();
        let tx = self
            .transactions
            .iter_mut()
            .find(|t| t.id == transaction_id)
            .ok_or_else(|| ControlError::UnknownTransaction(transaction_id.to_owned()))?;
        match tx.state {
            TxState::Waiting if tx.is_expired(now) => Err(ControlError::Expired),
            TxState::Waiting => Ok(tx),
            TxState::Success => Err(ControlError::AlreadyCompleted(FactorResult::Success)),
            TxState::Rejected => Err(ControlError::AlreadyCompleted(FactorResult::Rejected)),
            TxState::Cancelled => Err(ControlError::AlreadyCompleted(FactorResult::Cancelled)),
        }
    }

    /// The device approves push `transaction_id` (for a number-matching push,
    /// this picks the right number). Returns the new result.
    pub fn approve_push(&mut self, transaction_id: &str) -> Result<FactorResult, ControlError> {
        let tx = self.waiting_transaction(transaction_id)?;
        tx.state = TxState::Success;
        Ok(FactorResult::Success)
    }

    /// The device rejects push `transaction_id`.
    pub fn reject_push(&mut self, transaction_id: &str) -> Result<FactorResult, ControlError> {
        let tx = self.waiting_transaction(transaction_id)?;
        tx.state = TxState::Rejected;
        Ok(FactorResult::Rejected)
    }

    /// The user picks `number` on the device: the right number approves the
    /// push (`SUCCESS`), a wrong one rejects it (`REJECTED`). On a push without
    /// number matching, any number approves it.
    pub fn answer_push(
        &mut self,
        transaction_id: &str,
        number: u32,
    ) -> Result<FactorResult, ControlError> {
        let tx = self.waiting_transaction(transaction_id)?;
        let right = tx.correct_answer.is_none_or(|answer| answer == number);
        tx.state = if right {
            TxState::Success
        } else {
            TxState::Rejected
        };
        Ok(if right {
            FactorResult::Success
        } else {
            FactorResult::Rejected
        })
    }

    /// Completes a push (or Duo `web`) enrollment as if the phone scanned the
    /// QR code: the factor becomes `ACTIVE` with a simulated device profile, and
    /// the next activation poll returns it.
    pub fn activate_push_device(&mut self, factor_id: &str) -> Result<(), ControlError> {
        let now = self.clock.now();
        let factor = self
            .users
            .iter_mut()
            .flat_map(|u| u.factors.iter_mut())
            .find(|f| f.id == factor_id)
            .ok_or_else(|| ControlError::UnknownFactor(factor_id.to_owned()))?;
        if factor.status == FactorStatus::Active {
            return Err(ControlError::InvalidState("the factor is already active"));
        }
        match &mut factor.kind {
            Kind::Push {
                activation,
                activated,
            } => {
                if now >= activation.expires_at {
                    return Err(ControlError::Expired);
                }
                *activated = true;
            }
            Kind::Web { activation } => {
                if now >= activation.expires_at {
                    return Err(ControlError::Expired);
                }
            }
            _ => {
                return Err(ControlError::InvalidState(
                    "only push and web (Duo) factors are activated by a device",
                ))
            }
        }
        factor.status = FactorStatus::Active;
        factor.last_updated = now;
        Ok(())
    }

    /// Replaces the catalog (`GET …/factors/catalog`). Enrollment of a type and
    /// provider not in the catalog fails with `400 E0000001`.
    pub fn set_catalog(&mut self, catalog: Vec<CatalogEntry>) {
        self.catalog = catalog;
    }

    /// Queues a fault for the next requests (see [`Fault`]: API faults and
    /// token faults queue apart). A fault with a count of 0 is ignored.
    pub fn inject(&mut self, mut fault: Fault) {
        if *fault.count_mut() > 0 {
            if fault.for_token_endpoint() {
                self.token_faults.push_back(fault);
            } else {
                self.faults.push_back(fault);
            }
        }
    }

    /// Drops every queued fault.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
        self.token_faults.clear();
    }

    // ----- OAuth 2.0 service apps -----

    /// Registers a service app: from now on `/oauth2/v1/token` issues it
    /// access tokens for its granted scopes (see [`ServiceApp`]).
    pub fn register_service_app(&mut self, app: ServiceApp) -> Result<(), ServiceAppError> {
        self.oauth.register(app)
    }

    /// Makes every access token issued so far expire now (API calls with
    /// them answer `401` `invalid_token` "The token has expired."); how
    /// many were still valid.
    pub fn expire_tokens(&mut self) -> usize {
        let now = self.clock.now();
        self.oauth.expire_all(now)
    }

    /// Replaces the DPoP nonces of the token endpoint and of the API: proofs
    /// with the old ones are answered `use_dpop_nonce` with the new one.
    pub fn rotate_dpop_nonce(&mut self) {
        if self.oauth.token_nonce.is_some() {
            self.oauth.token_nonce = Some(self.rng.base64url(32));
        }
        if self.oauth.resource_nonce.is_some() {
            self.oauth.resource_nonce = Some(self.rng.base64url(32));
        }
    }

    /// What the OAuth side counted: token requests, tokens issued per client
    /// ID, `use_dpop_nonce` challenges, API calls refused for auth reasons.
    pub fn oauth_stats(&self) -> OAuthStats {
        self.oauth.stats.clone()
    }
}

/// `time` without its fraction of a second.
fn whole_second(time: SystemTime) -> SystemTime {
    std::time::UNIX_EPOCH + Duration::from_secs(unix_secs(time))
}
