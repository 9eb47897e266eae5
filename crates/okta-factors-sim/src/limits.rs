//! Rate limits: the bucket an endpoint counts against
//! ([`rate_limit_bucket`]) and what the buckets counted
//! ([`RateLimitStats`]).

use http::Method;

use crate::api::Route;
use crate::oauth;

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
