//! Rate limits: the bucket an endpoint counts against
//! ([`rate_limit_bucket`]) and what the buckets counted
//! ([`RateLimitStats`]).

use std::collections::{BTreeMap, HashMap};

use http::Method;

use crate::api::Route;
use crate::oauth;
use crate::state::Principal;

/// The bucket every API request shares when
/// [`SimulatorConfig::per_endpoint_buckets`](crate::SimulatorConfig::per_endpoint_buckets)
/// is off (the default), and the catch-all bucket of paths and methods the
/// API does not have when it is on (Okta's "all other endpoints" bucket).
pub const SHARED_BUCKET: &str = "*";

/// The bucket of `/oauth2/v1/token` (always its own, whatever the mode).
pub const TOKEN_BUCKET: &str = "POST /oauth2/v1/token";

/// The per-endpoint bucket of a request: its method and path template, IDs
/// replaced by `{userId}`, `{factorId}`, `{transactionId}`, `{qrToken}`
/// (`HEAD` counts as `GET`). A path or method the API does not have is
/// [`SHARED_BUCKET`]; any request to `/oauth2/v1/token` is [`TOKEN_BUCKET`].
/// The names are the ones [`SimulatorConfig::bucket_limit`](crate::SimulatorConfig::bucket_limit)
/// takes and [`RateLimitStats`] reports.
///
/// ```
/// use http::Method;
/// use okta_factors_sim::rate_limit_bucket;
/// assert_eq!(
///     rate_limit_bucket(&Method::POST, "/api/v1/users/00u1/factors/ost1/verify"),
///     "POST /api/v1/users/{userId}/factors/{factorId}/verify"
/// );
/// assert_eq!(
///     rate_limit_bucket(&Method::HEAD, "/api/v1/users/00u1/factors"),
///     "GET /api/v1/users/{userId}/factors"
/// );
/// assert_eq!(rate_limit_bucket(&Method::GET, "/api/v1/groups"), "*");
/// ```
pub fn rate_limit_bucket(method: &Method, path: &str) -> &'static str {
    if path == oauth::TOKEN_PATH {
        return TOKEN_BUCKET;
    }
    let Some(route) = Route::parse(path) else {
        return SHARED_BUCKET;
    };
    if !route.allows(method) {
        return SHARED_BUCKET;
    }
    let get = *method == Method::GET || *method == Method::HEAD;
    // The whole table: one line per endpoint and method.
    match route {
        Route::Factors(_) if get => "GET /api/v1/users/{userId}/factors",
        Route::Factors(_) => "POST /api/v1/users/{userId}/factors",
        Route::Catalog(_) => "GET /api/v1/users/{userId}/factors/catalog",
        Route::Questions(_) => "GET /api/v1/users/{userId}/factors/questions",
        Route::Factor(..) if get => "GET /api/v1/users/{userId}/factors/{factorId}",
        Route::Factor(..) => "DELETE /api/v1/users/{userId}/factors/{factorId}",
        Route::Activate(..) => "POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate",
        Route::ActivatePoll(..) => {
            "POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/poll"
        }
        Route::ActivateSend(_, _, crate::Channel::Email) => {
            "POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/email"
        }
        Route::ActivateSend(..) => {
            "POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/sms"
        }
        Route::Resend(..) => "POST /api/v1/users/{userId}/factors/{factorId}/resend",
        Route::Verify(..) => "POST /api/v1/users/{userId}/factors/{factorId}/verify",
        Route::Transaction(..) if get => {
            "GET /api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}"
        }
        Route::Transaction(..) => {
            "DELETE /api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}"
        }
        Route::QrCode(..) => "GET /api/v1/users/{userId}/factors/{factorId}/qr/{qrToken}",
    }
}

/// What the rate limits counted, per principal, from
/// [`Simulator::rate_limit_stats`](crate::Simulator::rate_limit_stats) (and
/// as JSON from the server's `GET /_sim/rate-limits`).
///
/// Principals are keyed [`RateLimitStats::API_TOKEN`] (the configured API
/// token, however spelled), `service-app:<client ID>`
/// ([`RateLimitStats::service_app`]), [`RateLimitStats::TOKEN_ENDPOINT`] and
/// [`RateLimitStats::UNAUTHENTICATED`]; a principal appears once it sent a
/// request. No token value ever appears.
///
/// ```
/// use okta_factors_sim::{RateLimitStats, Simulator};
/// let sim = Simulator::default();
/// let stats = sim.rate_limit_stats();
/// assert_eq!(stats.served_429s(RateLimitStats::API_TOKEN), 0);
/// assert_eq!(stats.total_429s(), 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RateLimitStats {
    /// Counters per principal key.
    pub principals: BTreeMap<String, PrincipalRateStats>,
}

/// The rate-limit counters of one principal (see [`RateLimitStats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PrincipalRateStats {
    /// `429`s served because a bucket's window was used up.
    pub window_429s: u64,
    /// `429`s served because the principal had
    /// [`SimulatorConfig::concurrent_limit`](crate::SimulatorConfig::concurrent_limit)
    /// requests in flight (`X-Rate-Limit-Limit: 0`).
    pub concurrent_429s: u64,
    /// `429`s served by an injected [`Fault::RateLimitStorm`](crate::Fault::RateLimitStorm).
    pub injected_429s: u64,
    /// The most requests of this principal in flight at once (counted only
    /// while [`SimulatorConfig::concurrent_limit`](crate::SimulatorConfig::concurrent_limit)
    /// is set).
    pub peak_in_flight: u32,
    /// Counters per bucket name ([`rate_limit_bucket`]).
    pub buckets: BTreeMap<String, BucketStats>,
}

/// The counters of one bucket of one principal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BucketStats {
    /// Requests the bucket let through (whatever the response then was).
    pub allowed: u64,
    /// Requests it refused with `429` (its window was used up).
    pub window_429s: u64,
}

impl RateLimitStats {
    /// The key of the configured API token.
    pub const API_TOKEN: &'static str = "api-token";
    /// The key of every request to `/oauth2/v1/token` together.
    pub const TOKEN_ENDPOINT: &'static str = "token-endpoint";
    /// The key of every unauthenticated API request together.
    pub const UNAUTHENTICATED: &'static str = "unauthenticated";

    /// The key of service app `client_id`: `service-app:<client_id>`.
    pub fn service_app(client_id: &str) -> String {
        format!("service-app:{client_id}")
    }

    /// The counters of `principal` (all zero if it sent nothing).
    pub fn principal(&self, principal: &str) -> PrincipalRateStats {
        self.principals.get(principal).cloned().unwrap_or_default()
    }

    /// Every `429` served to `principal`: window, concurrent and injected.
    pub fn served_429s(&self, principal: &str) -> u64 {
        self.principals
            .get(principal)
            .map_or(0, PrincipalRateStats::total_429s)
    }

    /// Requests bucket `bucket` of `principal` let through.
    pub fn allowed(&self, principal: &str, bucket: &str) -> u64 {
        self.principals
            .get(principal)
            .and_then(|p| p.buckets.get(bucket))
            .map_or(0, |b| b.allowed)
    }

    /// Window `429`s of all principals.
    pub fn window_429s(&self) -> u64 {
        self.principals.values().map(|p| p.window_429s).sum()
    }

    /// Concurrent-limit `429`s of all principals.
    pub fn concurrent_429s(&self) -> u64 {
        self.principals.values().map(|p| p.concurrent_429s).sum()
    }

    /// Injected `429`s of all principals.
    pub fn injected_429s(&self) -> u64 {
        self.principals.values().map(|p| p.injected_429s).sum()
    }

    /// Every `429` the rate limits served.
    pub fn total_429s(&self) -> u64 {
        self.principals
            .values()
            .map(PrincipalRateStats::total_429s)
            .sum()
    }

    /// Requests let through by every bucket of every principal.
    pub fn total_allowed(&self) -> u64 {
        self.principals
            .values()
            .flat_map(|p| p.buckets.values())
            .map(|b| b.allowed)
            .sum()
    }

    /// The counters as JSON (what `GET /_sim/rate-limits` answers):
    /// `{"principals":{"api-token":{"window429s":…,"concurrent429s":…,
    /// "injected429s":…,"peakInFlight":…,"buckets":{"GET /api/v1/users/{userId}/factors":
    /// {"allowed":…,"window429s":…}}}}}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }
}

impl PrincipalRateStats {
    /// Window, concurrent and injected `429`s together.
    pub fn total_429s(&self) -> u64 {
        self.window_429s + self.concurrent_429s + self.injected_429s
    }
}

/// The simulator's running counters (bounded: a fixed set of principals and
/// bucket names).
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) principals: HashMap<Principal, PrincipalCounters>,
}

#[derive(Default)]
pub(crate) struct PrincipalCounters {
    pub(crate) window_429s: u64,
    pub(crate) concurrent_429s: u64,
    pub(crate) injected_429s: u64,
    pub(crate) peak_in_flight: u32,
    pub(crate) buckets: HashMap<&'static str, BucketStats>,
}

impl Counters {
    pub(crate) fn of(&mut self, principal: &Principal) -> &mut PrincipalCounters {
        self.principals.entry(principal.clone()).or_default()
    }

    /// A request the bucket let through (`allowed`) or refused.
    pub(crate) fn count(&mut self, principal: &Principal, bucket: &'static str, allowed: bool) {
        let counters = self.of(principal);
        let stats = counters.buckets.entry(bucket).or_default();
        if allowed {
            stats.allowed += 1;
        } else {
            stats.window_429s += 1;
            counters.window_429s += 1;
        }
    }

    pub(crate) fn snapshot(&self) -> RateLimitStats {
        RateLimitStats {
            principals: self
                .principals
                .iter()
                .map(|(principal, c)| {
                    let stats = PrincipalRateStats {
                        window_429s: c.window_429s,
                        concurrent_429s: c.concurrent_429s,
                        injected_429s: c.injected_429s,
                        peak_in_flight: c.peak_in_flight,
                        buckets: c
                            .buckets
                            .iter()
                            .map(|(name, b)| ((*name).to_owned(), *b))
                            .collect(),
                    };
                    (principal.key(), stats)
                })
                .collect(),
        }
    }
}
