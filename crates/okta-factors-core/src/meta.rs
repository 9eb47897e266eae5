//! [`ResponseMeta`]: what every Okta response says in its headers.

use http::header::{HeaderName, DATE};
use http::{HeaderMap, HeaderValue};

/// `X-Okta-Request-Id`: quote it to Okta support.
pub(crate) const X_OKTA_REQUEST_ID: &str = "x-okta-request-id";
/// What Okta's rate-limit headers' names begin with: `X-Rate-Limit-Limit`
/// (requests allowed in the current window), `-Remaining` (requests left in
/// it) and `-Reset` (when it resets, in epoch seconds).
const RATE_LIMIT_PREFIX: &str = "x-rate-limit-";

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
        // One pass over the headers rather than three lookups (each hashes
        // its name): this runs for every response, twice with a governor.
        let mut limits = Self::default();
        for (name, value) in headers {
            limits.read(name, value);
        }
        limits
    }

    /// Takes in `value` if `name` is a rate-limit header; whether it is.
    pub(crate) fn read(&mut self, name: &HeaderName, value: &HeaderValue) -> bool {
        // By length first: most names are rejected without a comparison.
        let name = name.as_str().as_bytes();
        let slot = match (name.len(), name.split_at_checked(RATE_LIMIT_PREFIX.len())) {
            (18 | 22, Some((prefix, which))) if prefix == RATE_LIMIT_PREFIX.as_bytes() => {
                match which {
                    b"limit" => &mut self.limit,
                    b"remaining" => &mut self.remaining,
                    b"reset" => &mut self.reset,
                    _ => return false,
                }
            }
            _ => return false,
        };
        if let Some(number) = smallest_number(value) {
            *slot = Some(slot.map_or(number, |old| old.min(number)));
        }
        true
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

/// The number in a rate-limit header's value, the smallest if a proxy folded
/// repeated headers into one comma-separated value; `None` if none is usable.
fn smallest_number(value: &HeaderValue) -> Option<u64> {
    // The usual case: digits only, too few to overflow.
    let digits = value.as_bytes();
    if (1..=19).contains(&digits.len()) {
        let mut number = 0;
        for digit in digits {
            let digit = digit.wrapping_sub(b'0');
            if digit > 9 {
                number = u64::MAX;
                break;
            }
            number = number * 10 + u64::from(digit);
        }
        // 19 digits are below `u64::MAX`: it marks a non-digit.
        if number != u64::MAX {
            return Some(number);
        }
    }
    value
        .to_str()
        .ok()?
        .split(',')
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
        // One pass, as `RateLimit::from_headers`; of a repeated `Date` or
        // request ID, the first.
        let mut rate_limit = RateLimit::default();
        let (mut request_id, mut date) = (None, None);
        for (name, value) in headers {
            if rate_limit.read(name, value) {
                continue;
            }
            if name == DATE {
                date.get_or_insert(value);
            } else if name.as_str() == X_OKTA_REQUEST_ID {
                request_id.get_or_insert(value);
            }
        }
        let text = |value: Option<&HeaderValue>| {
            value
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Self {
            request_id: text(request_id),
            rate_limit,
            date: text(date),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The straightforward reading (a lookup per header, the first value of
    /// a text header, the smallest number of the rate-limit ones, folded
    /// lists split): the oracle for the one-pass reader.
    fn by_lookup(headers: &HeaderMap) -> ResponseMeta {
        let number = |name: &str| {
            headers
                .get_all(name)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .filter_map(|value| value.trim().parse::<u64>().ok())
                .min()
        };
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        ResponseMeta {
            request_id: text("x-okta-request-id"),
            rate_limit: RateLimit {
                limit: number("x-rate-limit-limit"),
                remaining: number("x-rate-limit-remaining"),
                reset: number("x-rate-limit-reset"),
            },
            date: text("date"),
        }
    }

    fn name() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "x-rate-limit-limit",
            "x-rate-limit-remaining",
            "x-rate-limit-reset",
            "X-Rate-Limit-Reset",
            "x-rate-limit-",
            "x-rate-limit-resets",
            "x-rate-limit",
            "x-okta-request-id",
            "date",
            "content-type",
        ])
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0u64..=u64::MAX).prop_map(|n| n.to_string().into_bytes()),
            (0u64..2000).prop_map(|n| n.to_string().into_bytes()),
            Just(b"18446744073709551616".to_vec()),
            Just(b"99999999999999999999999".to_vec()),
            (0u64..100, 0u64..100).prop_map(|(a, b)| format!("{a}, {b}").into_bytes()),
            (0u64..100).prop_map(|n| format!(" {n} ").into_bytes()),
            (0u64..100).prop_map(|n| format!("+{n}").into_bytes()),
            Just(b"".to_vec()),
            Just(b"garbage".to_vec()),
            Just(b"Thu, 27 Aug 2020 18:15:37 GMT".to_vec()),
            Just(b"12\xe934".to_vec()),
            prop::collection::vec(
                prop::sample::select(b"0123456789 ,+-x\t\x80".to_vec()),
                0..12
            ),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The one-pass reader reads what a lookup per header reads, for any
        /// headers: repeated, folded, garbage, overflowing, not text.
        #[test]
        fn one_pass_reads_what_lookups_read(
            pairs in prop::collection::vec((name(), value()), 0..12)
        ) {
            let mut headers = HeaderMap::new();
            for (name, value) in &pairs {
                let Ok(value) = HeaderValue::from_bytes(value) else { continue };
                headers.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), value);
            }
            let expected = by_lookup(&headers);
            prop_assert_eq!(RateLimit::from_headers(&headers), expected.rate_limit);
            prop_assert_eq!(ResponseMeta::from_headers(&headers), expected);
        }
    }
}
