//! [`ResponseMeta`]: what every Okta response says in its headers.

use http::header::{HeaderName, DATE};
use http::HeaderMap;

/// `X-Okta-Request-Id`: quote it to Okta support.
pub(crate) const X_OKTA_REQUEST_ID: &str = "x-okta-request-id";
/// `X-Rate-Limit-Limit`: requests allowed in the current window.
const X_RATE_LIMIT_LIMIT: &str = "x-rate-limit-limit";
/// `X-Rate-Limit-Remaining`: requests left in the current window.
const X_RATE_LIMIT_REMAINING: &str = "x-rate-limit-remaining";
/// `X-Rate-Limit-Reset`: when the window resets, in epoch seconds.
const X_RATE_LIMIT_RESET: &str = "x-rate-limit-reset";

// The same names as `HeaderName`s: a lookup then skips parsing the name.
const REQUEST_ID: HeaderName = HeaderName::from_static(X_OKTA_REQUEST_ID);
const LIMIT: HeaderName = HeaderName::from_static(X_RATE_LIMIT_LIMIT);
const REMAINING: HeaderName = HeaderName::from_static(X_RATE_LIMIT_REMAINING);
const RESET: HeaderName = HeaderName::from_static(X_RATE_LIMIT_RESET);

/// Okta's rate-limit headers. Each is `None` when absent or unparsable (garbage is
/// ignored, never a panic); when a header is repeated, the smallest value wins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-Rate-Limit-Limit`.
    pub limit: Option<u64>,
    /// `X-Rate-Limit-Remaining`.
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Reset`, epoch seconds.
    pub reset: Option<u64>,
}

impl RateLimit {
    /// Reads the rate-limit headers.
    ///
    /// ```
    /// use okta_factors::RateLimit;
    /// let mut headers = http::HeaderMap::new();
    /// headers.append("x-rate-limit-reset", "1609459260".parse().unwrap());
    /// headers.append("x-rate-limit-reset", "1609459200".parse().unwrap());
    /// headers.append("x-rate-limit-limit", "garbage".parse().unwrap());
    /// let limits = RateLimit::from_headers(&headers);
    /// assert_eq!(limits.reset, Some(1609459200));
    /// assert_eq!(limits.limit, None);
    /// ```
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            limit: min_u64(headers, &LIMIT),
            remaining: min_u64(headers, &REMAINING),
            reset: min_u64(headers, &RESET),
        }
    }

    /// Whether no rate-limit header was usable.
    pub fn is_empty(&self) -> bool {
        self.limit.is_none() && self.remaining.is_none() && self.reset.is_none()
    }

    /// Whether this is Okta's concurrent-limit shape: limit and remaining both 0
    /// (the reset is then only an estimate).
    pub fn is_concurrent_limit(&self) -> bool {
        self.limit == Some(0) && self.remaining == Some(0)
    }
}

fn min_u64(headers: &HeaderMap, name: &HeaderName) -> Option<u64> {
    let values = headers.get_all(name);
    let mut iter = values.iter();
    // The usual case: one header holding one number.
    if let (Some(only), None) = (iter.next(), iter.next()) {
        let number = std::str::from_utf8(only.as_bytes())
            .ok()
            .and_then(|v| v.parse().ok());
        if number.is_some() {
            return number;
        }
    }
    values
        .iter()
        .filter_map(|value| value.to_str().ok())
        // A proxy may fold repeated headers into one comma-separated value.
        .flat_map(|value| value.split(','))
        .filter_map(|value| value.trim().parse::<u64>().ok())
        .min()
}

/// What the headers of any Okta response (success or error) tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// `X-Okta-Request-Id`.
    pub request_id: Option<String>,
    /// Rate-limit headers.
    pub rate_limit: RateLimit,
    /// The `Date` header as sent (the server's clock).
    pub date: Option<String>,
}

impl ResponseMeta {
    /// Reads the metadata from response headers.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Self {
            request_id: text(&REQUEST_ID),
            rate_limit: RateLimit::from_headers(headers),
            date: text(&DATE),
        }
    }
}
