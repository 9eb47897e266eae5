//! Property tests (proptest) for the pure policies of `okta_factors_core::policy`:
//! the `429` retry policy ([`delay_for`], [`RetryState`]), the [`Exchange`]
//! state machine that drives it for one call, and push polling ([`PushPoll`]).
//!
//! Each suite runs a modest number of cases by default so that the whole file
//! takes a few seconds in a debug build. Run more with the standard variable:
//!
//! ```text
//! PROPTEST_CASES=20000 cargo test -p okta-factors-core --test policy_properties
//! ```
//!
//! (`PROPTEST_CASES`, when set, replaces every suite's default case count; see
//! [`config`].) Failing cases are persisted to
//! `crates/okta-factors-core/proptest-regressions/policy_properties.txt` (see
//! [`REGRESSIONS`]); commit that file so the failure is replayed first from then on.
//!
//! Only the public API is used. Expected values are derived from how an input
//! was generated (a header built from known numbers, a date formatted from
//! known epoch seconds, a link built from the org's parts), not by calling the
//! code under test. `delay_for` serves as the reference only where a property
//! is about composition (a `RetryState`, `Exchange` or `PushPoll` decision
//! follows the retry policy); `delay_for` itself is checked against the headers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, DATE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use okta_factors_core::model::{FactorResult, VerifyOutcome};
use okta_factors_core::operations::{VerifyFactor, VerifyFactorRequest};
use okta_factors_core::policy::time::{parse_rfc3339, server_date};
use okta_factors_core::policy::{
    delay_for, Exchange, PollPolicy, PollStep, PushPoll, RetryDecision, RetryPolicy, RetryReason,
    RetryState, Step, MAX_CONSECUTIVE_POLL_FAILURES, X_OKTA_RETRY_COUNT, X_OKTA_RETRY_FOR,
};
use okta_factors_core::{
    ClientConfig, Credentials, Error, InputError, OrgUrl, RateLimit, ResponseMeta, TimeoutLimit,
    TransportError, TransportErrorKind,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::strategy::Union;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

/// Where failing cases are saved (see `common::proptest_config`).
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/proptest-regressions/policy_properties.txt"
);

/// `default_cases` cases, unless `PROPTEST_CASES` says otherwise.
fn config(default_cases: u32) -> ProptestConfig {
    common::proptest_config::config(REGRESSIONS, default_cases)
}

const X_OKTA_REQUEST_ID: HeaderName = HeaderName::from_static("x-okta-request-id");
const X_RATE_LIMIT_LIMIT: HeaderName = HeaderName::from_static("x-rate-limit-limit");
const X_RATE_LIMIT_REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const X_RATE_LIMIT_RESET: HeaderName = HeaderName::from_static("x-rate-limit-reset");

fn creds() -> Credentials {
    Credentials::api_token("00abcDEF-token").unwrap()
}

// ---------------------------------------------------------------------------
// Dates: formatted from epoch seconds, so the expected value is known
// ---------------------------------------------------------------------------

/// 9999-12-31T23:59:59Z, the last second an HTTP date can name.
const MAX_HTTP_DATE: u64 = 253_402_300_799;
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

struct Civil {
    year: i64,
    month: usize,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    weekday: usize,
}

/// Calendar fields of epoch seconds (Howard Hinnant's `civil_from_days`).
fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    Civil {
        year: yoe + era * 400 + i64::from(month <= 2),
        month: month as usize,
        day,
        hour: rem / 3600,
        minute: rem / 60 % 60,
        second: rem % 60,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as usize,
    }
}

/// `Thu, 27 Aug 2020 18:15:37 GMT`.
fn imf_fixdate(secs: u64) -> String {
    let c = civil(secs as i64);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[c.weekday],
        c.day,
        MONTHS[c.month - 1],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// C's `asctime` form, which HTTP recipients must accept: `Sun Nov  6 08:49:37 1994`.
fn asctime(secs: u64) -> String {
    let c = civil(secs as i64);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {:04}",
        WEEKDAYS[c.weekday],
        MONTHS[c.month - 1],
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.year
    )
}

/// How an RFC 3339 timestamp is written.
#[derive(Debug, Clone)]
struct Rfc3339Style {
    /// Minutes east of UTC the local time is written in.
    offset_minutes: i64,
    /// Fractional seconds, e.g. `.000` (or empty).
    fraction: String,
    /// `T`, `t` or a space between date and time.
    separator: char,
    /// `Z` or `z` for UTC; `None` writes `+00:00`.
    zulu: Option<char>,
    /// Write the second before as `:60` (a leap second) when the second is 0.
    leap: bool,
}

fn rfc3339(secs: u64, style: &Rfc3339Style) -> String {
    let local = secs as i64 + style.offset_minutes * 60;
    let leap = style.leap && local.rem_euclid(60) == 0;
    let c = civil(if leap { local - 1 } else { local });
    let second = if leap { 60 } else { c.second };
    let zone = match (style.offset_minutes, style.zulu) {
        (0, Some(z)) => z.to_string(),
        (m, _) => {
            let sign = if m < 0 { '-' } else { '+' };
            format!("{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
        }
    };
    format!(
        "{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}{}{zone}",
        c.year, c.month, c.day, style.separator, c.hour, c.minute, second, style.fraction
    )
}

fn rfc3339_style() -> BoxedStrategy<Rfc3339Style> {
    (
        prop_oneof![3 => Just(0i64), 2 => -(23 * 60 + 59)..=(23 * 60 + 59i64)],
        prop_oneof![Just(String::new()), "\\.[0-9]{1,9}"],
        select(vec!['T', 't', ' ']),
        prop_oneof![Just(Some('Z')), Just(Some('z')), Just(None)],
        prop_oneof![4 => Just(false), 1 => Just(true)],
    )
        .prop_map(
            |(offset_minutes, fraction, separator, zulu, leap)| Rfc3339Style {
                offset_minutes,
                fraction,
                separator,
                zulu,
                leap,
            },
        )
        .boxed()
}

#[test]
fn date_formatters_write_known_dates() {
    assert_eq!(imf_fixdate(1_598_552_137), "Thu, 27 Aug 2020 18:15:37 GMT");
    assert_eq!(imf_fixdate(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(imf_fixdate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(imf_fixdate(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    assert_eq!(imf_fixdate(MAX_HTTP_DATE), "Fri, 31 Dec 9999 23:59:59 GMT");
    assert_eq!(asctime(784_111_777), "Sun Nov  6 08:49:37 1994");
    let style = |offset_minutes, fraction: &str, zulu, leap| Rfc3339Style {
        offset_minutes,
        fraction: fraction.to_owned(),
        separator: 'T',
        zulu,
        leap,
    };
    assert_eq!(
        rfc3339(1_427_903_852, &style(120, ".5", Some('Z'), false)),
        "2015-04-01T17:57:32.5+02:00"
    );
    assert_eq!(
        rfc3339(1_427_903_852, &style(0, ".000", Some('Z'), false)),
        "2015-04-01T15:57:32.000Z"
    );
    assert_eq!(
        rfc3339(1_427_903_880, &style(-90, "", None, true)),
        "2015-04-01T14:27:60-01:30"
    );
}

// ---------------------------------------------------------------------------
// Response headers with known meaning
// ---------------------------------------------------------------------------

/// One header value and the numbers (or epoch seconds) it stands for: empty
/// for garbage, which the policies must ignore.
#[derive(Debug, Clone)]
struct Field {
    bytes: Vec<u8>,
    values: Vec<u64>,
}

fn garbage(bytes: impl Into<Vec<u8>>) -> Field {
    Field {
        bytes: bytes.into(),
        values: Vec::new(),
    }
}

fn pad() -> BoxedStrategy<String> {
    "[ \t]{0,2}".boxed()
}

/// A list of numbers as rate-limit headers carry them: one value, or several
/// folded into one with commas (as a proxy does), each optionally `+`-signed and
/// padded with spaces or tabs.
fn number_list(values: BoxedStrategy<u64>) -> BoxedStrategy<Field> {
    vec((values, pad(), any::<bool>(), pad()), 1..4)
        .prop_map(|items| {
            let text = items
                .iter()
                .map(|(n, a, plus, b)| format!("{a}{}{n}{b}", if *plus { "+" } else { "" }))
                .collect::<Vec<_>>()
                .join(",");
            Field {
                bytes: text.into_bytes(),
                values: items.iter().map(|item| item.0).collect(),
            }
        })
        .boxed()
}

/// Values that are not a `u64`: negative, decimal, hexadecimal, too large,
/// empty, with letters, and non-ASCII ones (ignored as a whole, digits included).
fn garbage_number() -> BoxedStrategy<Field> {
    let text = prop_oneof![
        "-[0-9]{1,12}",
        "[0-9]{0,6}[.e_x:/a-zA-Z;-][0-9a-z]{0,6}",
        "0x[0-9a-f]{1,8}",
        "[1-9][0-9]{20,24}",
        Just("18446744073709551616".to_owned()),
        "[ \t]{0,3}",
        "\\+\\+[0-9]{1,4}",
        "[+-]?[0-9]{1,4}\\.[0-9]{1,3}",
        "[0-9]{1,5} [0-9]{1,5}",
        "[0-9]{1,5}(,[0-9]{1,5})?\u{e9}",
        "\u{ff11}\u{ff12}\u{ff13}",
    ]
    .prop_map(garbage);
    // Any bytes, with one that makes the value non-ASCII.
    let bytes = vec(any::<u8>(), 0..12).prop_map(|mut b| {
        b.push(0xff);
        garbage(b)
    });
    prop_oneof![6 => text, 1 => bytes].boxed()
}

fn number_field(values: BoxedStrategy<u64>) -> BoxedStrategy<Field> {
    prop_oneof![4 => number_list(values), 1 => garbage_number()].boxed()
}

/// Values that are not HTTP dates: epoch seconds, another zone, an hour out of
/// range, RFC 3339, short text, and a date followed by a non-ASCII character.
fn garbage_date() -> BoxedStrategy<Field> {
    let secs = 0..=MAX_HTTP_DATE;
    prop_oneof![
        secs.clone().prop_map(|s| garbage(s.to_string())),
        secs.clone()
            .prop_map(|s| garbage(imf_fixdate(s).replace("GMT", "UTC"))),
        (secs.clone(), 24u32..100).prop_map(|(s, h)| {
            let text = imf_fixdate(s);
            garbage(format!("{}{h:02}{}", &text[..17], &text[19..]))
        }),
        secs.clone()
            .prop_map(|s| garbage(format!("{}\u{e9}", imf_fixdate(s)))),
        (secs, rfc3339_style()).prop_map(|(s, style)| garbage(rfc3339(s, &style))),
        "[ -~]{0,20}".prop_map(garbage),
    ]
    .boxed()
}

/// A `Date` at most two minutes after `base`, or garbage.
fn date_field(base: u64) -> BoxedStrategy<Field> {
    prop_oneof![
        4 => (0u64..120, pad(), any::<bool>(), pad()).prop_map(move |(offset, a, asc, b)| {
            let secs = base.saturating_add(offset).min(MAX_HTTP_DATE);
            let text = if asc { asctime(secs) } else { imf_fixdate(secs) };
            Field { bytes: format!("{a}{text}{b}").into_bytes(), values: vec![secs] }
        }),
        1 => garbage_date(),
    ]
    .boxed()
}

/// An `X-Rate-Limit-Reset` around the server date `base`: mostly ahead of it,
/// sometimes behind, sometimes anywhere.
fn reset_value(base: u64) -> BoxedStrategy<u64> {
    prop_oneof![
        4 => (0u64..7_200).prop_map(move |o| base.saturating_add(o)),
        2 => (0u64..=120).prop_map(move |o| base.saturating_sub(o)),
        1 => Just(base),
        1 => any::<u64>(),
        1 => Just(u64::MAX),
        1 => 0u64..3,
    ]
    .boxed()
}

/// `X-Rate-Limit-Limit` / `-Remaining`: 0 (the concurrent-limit shape) often.
fn limit_value() -> BoxedStrategy<u64> {
    prop_oneof![3 => Just(0u64), 2 => 1u64..1000, 1 => any::<u64>()].boxed()
}

/// Headers a rate-limit decision must ignore: other spellings of retry hints
/// (`Retry-After` and friends), stale retry headers, other dates.
fn noise() -> BoxedStrategy<(HeaderName, Vec<u8>)> {
    let names = vec![
        "retry-after",
        "x-rate-limit-reset-after",
        "ratelimit-reset",
        "ratelimit",
        "x-ratelimit-reset",
        "x-rate-limit",
        "x-rate-limit-limits",
        "x-okta-retry-for",
        "x-okta-retry-count",
        "last-modified",
        "expires",
    ];
    let values = prop_oneof![
        "[0-9]{1,10}".prop_map(String::into_bytes),
        (0..=MAX_HTTP_DATE).prop_map(|s| imf_fixdate(s).into_bytes()),
        "[ -~]{0,20}".prop_map(String::into_bytes),
        vec(any::<u8>(), 0..16),
    ];
    (select(names).prop_map(HeaderName::from_static), values).boxed()
}

fn request_id() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        4 => "[A-Za-z0-9_-]{1,24}".prop_map(String::into_bytes),
        1 => Just(Vec::new()),
        1 => "[ -~]{1,12}".prop_map(String::into_bytes),
        1 => "[a-z]{1,6}\u{e9}".prop_map(String::into_bytes),
    ]
    .boxed()
}

/// The head of a response: `Date`, `X-Rate-Limit-*` (repeated, folded, garbage),
/// `X-Okta-Request-Id`, and noise.
#[derive(Debug, Clone)]
struct Head {
    date: Vec<Field>,
    reset: Vec<Field>,
    limit: Vec<Field>,
    remaining: Vec<Field>,
    request_id: Vec<Vec<u8>>,
    noise: Vec<(HeaderName, Vec<u8>)>,
}

fn date_base() -> BoxedStrategy<u64> {
    prop_oneof![
        4 => 1_500_000_000u64..2_000_000_000,
        1 => 0..=MAX_HTTP_DATE,
        1 => Just(0u64),
        1 => Just(MAX_HTTP_DATE),
    ]
    .boxed()
}

fn head() -> BoxedStrategy<Head> {
    date_base()
        .prop_flat_map(|base| {
            (
                vec(date_field(base), 0..3),
                vec(number_field(reset_value(base)), 0..3),
                vec(number_field(limit_value()), 0..2),
                vec(number_field(limit_value()), 0..2),
                vec(request_id(), 0..2),
                vec(noise(), 0..4),
            )
        })
        .prop_map(|(date, reset, limit, remaining, request_id, noise)| Head {
            date,
            reset,
            limit,
            remaining,
            request_id,
            noise,
        })
        .boxed()
}

fn append(map: &mut HeaderMap, name: &HeaderName, bytes: &[u8]) {
    // Bytes no header can carry (CR, LF, NUL, …) never reach a response.
    if let Ok(value) = HeaderValue::from_bytes(bytes) {
        map.append(name.clone(), value);
    }
}

/// The smallest number the fields stand for (the documented rule for
/// repeated rate-limit and `Date` headers).
fn min_of(fields: &[Field]) -> Option<u64> {
    fields
        .iter()
        .filter(|f| HeaderValue::from_bytes(&f.bytes).is_ok())
        .flat_map(|f| f.values.iter().copied())
        .min()
}

impl Head {
    fn to_map(&self, with_noise: bool) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, fields) in [
            (&DATE, &self.date),
            (&X_RATE_LIMIT_RESET, &self.reset),
            (&X_RATE_LIMIT_LIMIT, &self.limit),
            (&X_RATE_LIMIT_REMAINING, &self.remaining),
        ] {
            for field in fields {
                append(&mut map, name, &field.bytes);
            }
        }
        for id in &self.request_id {
            append(&mut map, &X_OKTA_REQUEST_ID, id);
        }
        if with_noise {
            for (name, value) in &self.noise {
                append(&mut map, name, value);
            }
        }
        map
    }

    fn date(&self) -> Option<u64> {
        min_of(&self.date)
    }

    fn reset(&self) -> Option<u64> {
        min_of(&self.reset)
    }

    fn is_concurrent_limit(&self) -> bool {
        min_of(&self.limit) == Some(0) && min_of(&self.remaining) == Some(0)
    }

    /// The request ID a retry quotes: the first one sent, as sent.
    fn request_id(&self) -> Option<HeaderValue> {
        // An empty (or blank) ID names nothing and is not quoted back.
        self.request_id
            .iter()
            .find_map(|id| HeaderValue::from_bytes(id).ok())
            .filter(|id| !id.as_bytes().trim_ascii().is_empty())
    }

    /// The documented wait until the reset: `Reset − Date + 1 s` (1 s when the
    /// reset is not ahead), at most `max_delay`; `None` when the header pair is
    /// not usable or the concurrent limit takes precedence.
    fn reset_delay(&self, policy: &RetryPolicy) -> Option<Duration> {
        if self.is_concurrent_limit() {
            return None;
        }
        let (reset, date) = (self.reset()?, self.date()?);
        let seconds = reset.saturating_sub(date).saturating_add(1);
        Some(Duration::from_secs(seconds).min(policy.max_delay))
    }
}

// ---------------------------------------------------------------------------
// Retry policies
// ---------------------------------------------------------------------------

fn duration() -> BoxedStrategy<Duration> {
    prop_oneof![
        1 => Just(Duration::ZERO),
        4 => (0u64..=120_000).prop_map(Duration::from_millis),
        2 => (0u64..=10_000).prop_map(Duration::from_millis),
        1 => (0u64..=5_000_000, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        1 => Just(Duration::MAX),
        1 => (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
    .boxed()
}

fn base_delay() -> BoxedStrategy<Duration> {
    prop_oneof![
        4 => (0u64..=2_000).prop_map(Duration::from_millis),
        1 => (0u64..=2_000_000).prop_map(Duration::from_micros),
        1 => duration(),
    ]
    .boxed()
}

fn policy() -> BoxedStrategy<RetryPolicy> {
    (
        prop_oneof![6 => 0u32..=4, 2 => 5u32..=20, 1 => Just(u32::MAX)],
        duration(),
        duration(),
        base_delay(),
        base_delay(),
    )
        .prop_map(|(retries, max_delay, max_total, fallback, concurrent)| {
            RetryPolicy::default()
                .max_retries(retries)
                .max_delay(max_delay)
                .max_total_wait(max_total)
                .fallback_delay(fallback)
                .concurrent_delay(concurrent)
        })
        .boxed()
}

fn retries_so_far() -> BoxedStrategy<u32> {
    prop_oneof![4 => 0u32..=5, 2 => 0u32..=40, 1 => any::<u32>()].boxed()
}

fn random() -> BoxedStrategy<u64> {
    prop_oneof![1 => Just(0u64), 1 => Just(u64::MAX), 4 => any::<u64>()].boxed()
}

/// The bounds of the jittered backoff for retry `retries + 1`: `base · 2^retries`
/// (the exponent stops growing at 16) plus up to half of that again, in whole
/// milliseconds; both clamped to `max_delay`.
fn backoff_bounds(base: Duration, retries: u32, max_delay: Duration) -> (Duration, Duration) {
    let max_ns = Duration::MAX.as_nanos();
    let exp = (base.as_nanos() << retries.min(16)).min(max_ns);
    let upper = (exp + exp / 1_000_000 / 2 * 1_000_000).min(max_ns);
    let dur = |ns: u128| {
        Duration::new(
            u64::try_from(ns / 1_000_000_000).unwrap(),
            u32::try_from(ns % 1_000_000_000).unwrap(),
        )
    };
    (dur(exp).min(max_delay), dur(upper).min(max_delay))
}

#[test]
fn header_oracles_agree_with_known_values() {
    // The garbage generators really produce garbage for the crate's parsers.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..2_000 {
        let date = garbage_date().new_tree(&mut runner).unwrap().current();
        let mut map = HeaderMap::new();
        append(&mut map, &DATE, &date.bytes);
        assert_eq!(
            server_date(&map),
            None,
            "{:?}",
            String::from_utf8_lossy(&date.bytes)
        );
        let number = garbage_number().new_tree(&mut runner).unwrap().current();
        let mut map = HeaderMap::new();
        append(&mut map, &X_RATE_LIMIT_RESET, &number.bytes);
        assert_eq!(RateLimit::from_headers(&map).reset, None, "{number:?}");
    }
    assert_eq!(
        backoff_bounds(Duration::from_secs(1), 1, Duration::MAX),
        (Duration::from_secs(2), Duration::from_secs(3))
    );
    assert_eq!(
        backoff_bounds(Duration::MAX, 0, Duration::from_secs(3)),
        (Duration::from_secs(3), Duration::from_secs(3))
    );
}

proptest! {
    #![proptest_config(config(512))]

    /// `delay_for` reads the headers as documented: a concurrent-limit `429`
    /// (limit and remaining both 0, repeated headers by their minimum) backs
    /// off from `concurrent_delay`; otherwise, with a usable
    /// `X-Rate-Limit-Reset` and `Date` (minimum of duplicates, garbage ignored)
    /// it waits exactly `Reset − Date + 1 s` (1 s when the reset has passed);
    /// otherwise it backs off from `fallback_delay` (`base · 2^retries` plus at
    /// most half again, exactly `base · 2^retries` for `random` 0). Every delay
    /// is clamped to `max_delay`, and headers it does not document
    /// (`Retry-After` and friends) change nothing.
    #[test]
    fn delay_for_follows_the_documented_headers(
        policy in policy(),
        head in head(),
        retries in retries_so_far(),
        random in random(),
    ) {
        let headers = head.to_map(false);
        let (delay, reason) = delay_for(&policy, &headers, retries, random);
        prop_assert!(
            delay <= policy.max_delay,
            "{delay:?} ({reason:?}) > max_delay {:?}", policy.max_delay
        );
        let backoff = |base| {
            let (low, high) = backoff_bounds(base, retries, policy.max_delay);
            prop_assert!(
                low <= delay && delay <= high,
                "{reason:?} delay {delay:?} outside [{low:?}, {high:?}] for retry {}", retries + 1
            );
            if random == 0 {
                prop_assert_eq!(delay, low, "no jitter for random 0");
            }
            Ok(())
        };
        if head.is_concurrent_limit() {
            prop_assert_eq!(reason, RetryReason::ConcurrentLimit);
            backoff(policy.concurrent_delay)?;
        } else if let Some(expected) = head.reset_delay(&policy) {
            prop_assert_eq!(reason, RetryReason::RateLimitReset);
            prop_assert_eq!(
                delay, expected,
                "reset {:?} date {:?} max_delay {:?}", head.reset(), head.date(), policy.max_delay
            );
        } else {
            prop_assert_eq!(reason, RetryReason::Fallback);
            backoff(policy.fallback_delay)?;
        }
        let noisy = head.to_map(true);
        prop_assert_eq!(
            delay_for(&policy, &noisy, retries, random), (delay, reason),
            "undocumented headers changed the delay: {:?}", noisy
        );
    }

    /// On any header names and bytes at all, `delay_for` stays within
    /// `max_delay`, and its reason agrees with the crate's own readings of the
    /// headers (`RateLimit::from_headers`, `server_date`).
    #[test]
    fn delay_for_is_bounded_on_any_headers(
        policy in policy(),
        headers in vec((
            prop_oneof![
                3 => select(vec![
                    "x-rate-limit-reset", "x-rate-limit-limit", "x-rate-limit-remaining",
                    "date", "retry-after", "x-okta-request-id",
                ]).prop_map(str::to_owned),
                1 => "[a-z][a-z0-9-]{0,15}",
            ],
            vec(any::<u8>(), 0..40),
        ), 0..10),
        retries in retries_so_far(),
        random in random(),
    ) {
        let mut map = HeaderMap::new();
        for (name, value) in &headers {
            append(&mut map, &HeaderName::from_bytes(name.as_bytes()).unwrap(), value);
        }
        let (delay, reason) = delay_for(&policy, &map, retries, random);
        prop_assert!(delay <= policy.max_delay, "{delay:?} > {:?}", policy.max_delay);
        let limits = RateLimit::from_headers(&map);
        let expected = if limits.is_concurrent_limit() {
            RetryReason::ConcurrentLimit
        } else if limits.reset.is_some() && server_date(&map).is_some() {
            RetryReason::RateLimitReset
        } else {
            RetryReason::Fallback
        };
        prop_assert_eq!(reason, expected, "{:?}", map);
    }
}

// ---------------------------------------------------------------------------
// RetryState
// ---------------------------------------------------------------------------

fn status() -> BoxedStrategy<StatusCode> {
    prop_oneof![
        6 => Just(429u16),
        2 => select(vec![200u16, 201, 204, 400, 401, 403, 404, 408, 409, 500, 502, 503, 504]),
        1 => 100u16..=999,
    ]
    .prop_map(|s| StatusCode::from_u16(s).unwrap())
    .boxed()
}

/// The body of a response, as generated: what it says about a `429`.
#[derive(Debug, Clone)]
enum Body {
    /// Okta's rate limit, `E0000047`.
    RateLimited,
    /// No body at all.
    Empty,
    /// A business throttle: an Okta error body with another code.
    Throttle(&'static str),
    /// Not an Okta error body: HTML, text, JSON without a string `errorCode`.
    Proxy(&'static str),
}

/// Bodies Okta (or a proxy in front of it) sends with a `429`.
fn body() -> BoxedStrategy<Body> {
    prop_oneof![
        3 => Just(Body::RateLimited),
        2 => Just(Body::Empty),
        3 => select(vec!["E0000109", "E0000118", "E0000001", "E0000011", "E9999999", "e0000047", "E0000047 "])
            .prop_map(Body::Throttle),
        1 => select(vec![
            "<html><body>Too Many Requests</body></html>",
            "slow down",
            r#"{"message":"Too Many Requests"}"#,
            r#"{"errorCode":null,"errorSummary":"x"}"#,
            r#"{"errorCode":47}"#,
            r#"["E0000109"]"#,
            r#"{"errorCode":"E0000109""#,
        ])
        .prop_map(Body::Proxy),
    ]
    .boxed()
}

impl Body {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::RateLimited => OKTA_429.as_bytes().to_vec(),
            Self::Empty => Vec::new(),
            Self::Throttle(code) => format!(
                r#"{{"errorCode":"{code}","errorSummary":"An SMS message was recently sent. Please wait 30 seconds before trying again.","errorLink":"{code}","errorId":"oae1","errorCauses":[]}}"#
            )
            .into_bytes(),
            Self::Proxy(text) => text.as_bytes().to_vec(),
        }
    }

    /// The documented rule: a `429` is a rate limit (retried) unless its Okta
    /// body names a code other than `E0000047` (a business throttle).
    fn is_rate_limit(&self) -> bool {
        !matches!(self, Self::Throttle(_))
    }
}

/// Replaces the retry headers of `map` as a next attempt would, starting from
/// a stale `X-Okta-Retry-Count` (sent twice) and one unrelated header.
fn next_attempt_headers(state: &RetryState) -> HeaderMap {
    let mut next = HeaderMap::new();
    next.append(X_OKTA_RETRY_COUNT, HeaderValue::from_static("9"));
    next.append(X_OKTA_RETRY_COUNT, HeaderValue::from_static("10"));
    next.append(ACCEPT, HeaderValue::from_static("application/json"));
    state.apply_headers(&mut next);
    next
}

fn values(map: &HeaderMap, name: &HeaderName) -> Vec<HeaderValue> {
    map.get_all(name).iter().cloned().collect()
}

proptest! {
    #![proptest_config(config(512))]

    /// Over any sequence of responses: only rate-limit `429`s are retried (a
    /// 5xx is final like any other status, and so is a `429` whose Okta body
    /// names another code than `E0000047`: `E0000109`, `E0000118`, …); retry
    /// `n` is numbered `n`, waits exactly what `delay_for`
    /// says for `n − 1` retries so far, within `max_delay`; retries never
    /// exceed `max_retries` and their total never exceeds `max_total_wait`; a
    /// `429` is refused only when one of those two limits would be broken, and
    /// a refusal changes nothing. The next attempt's headers carry
    /// `X-Okta-Retry-Count: n` (replacing any previous value) and
    /// `X-Okta-Retry-For` with the request ID of the first retried `429` that
    /// had one, and nothing before the first retry.
    #[test]
    fn retry_state_retries_only_429s_within_the_policy(
        policy in policy(),
        responses in vec((status(), head(), body(), random()), 1..12),
    ) {
        let mut state = RetryState::new(policy);
        let mut retries = 0u32;
        let mut total = Duration::ZERO;
        let mut retry_for: Option<HeaderValue> = None;
        for (status, head, body, random) in &responses {
            let headers = head.to_map(true);
            let before = state.clone();
            let (policy_delay, policy_reason) = delay_for(&policy, &headers, retries, *random);
            let rate_limit = *status == StatusCode::TOO_MANY_REQUESTS && body.is_rate_limit();
            match state.on_response(*status, &headers, &body.bytes(), *random) {
                RetryDecision::Retry { delay, retry, reason } => {
                    prop_assert!(rate_limit, "retried a {} with {:?}", status, body);
                    prop_assert!(retries < policy.max_retries, "more than {} retries", policy.max_retries);
                    prop_assert_eq!((delay, reason), (policy_delay, policy_reason));
                    prop_assert!(delay <= policy.max_delay);
                    retries += 1;
                    total += delay;
                    prop_assert_eq!(retry, retries, "retry number");
                    prop_assert!(
                        total <= policy.max_total_wait,
                        "total wait {total:?} > max_total_wait {:?}", policy.max_total_wait
                    );
                    if retry_for.is_none() {
                        retry_for = head.request_id();
                    }
                }
                RetryDecision::Stop => {
                    prop_assert_eq!(&state, &before, "a refusal changed the state");
                    if rate_limit {
                        prop_assert!(
                            retries >= policy.max_retries
                                || total.checked_add(policy_delay).is_none_or(|t| t > policy.max_total_wait),
                            "a 429 within every limit was not retried: {retries} retries, \
                             {total:?} + {policy_delay:?} waited, policy {policy:?}"
                        );
                    }
                }
                other => prop_assert!(false, "unknown decision {other:?}"),
            }
            prop_assert_eq!(state.retries(), retries);
            prop_assert_eq!(state.total_wait(), total);

            let next = next_attempt_headers(&state);
            prop_assert_eq!(values(&next, &ACCEPT).len(), 1, "unrelated header touched");
            if retries == 0 {
                prop_assert_eq!(values(&next, &X_OKTA_RETRY_COUNT).len(), 2, "touched before any retry");
                prop_assert!(!next.contains_key(X_OKTA_RETRY_FOR));
            } else {
                prop_assert_eq!(
                    values(&next, &X_OKTA_RETRY_COUNT),
                    vec![HeaderValue::from_str(&retries.to_string()).unwrap()]
                );
                prop_assert_eq!(values(&next, &X_OKTA_RETRY_FOR), retry_for.iter().cloned().collect::<Vec<_>>());
            }
        }
    }

    /// `max_total_wait` is an inclusive bound: the same responses under a limit
    /// of exactly the total waited get exactly the same decisions, and under
    /// one nanosecond less (when anything was waited) some retry is refused.
    #[test]
    fn max_total_wait_is_an_inclusive_bound(
        policy in policy(),
        responses in vec((status(), head(), body(), random()), 1..12),
    ) {
        let run = |policy: RetryPolicy| {
            let mut state = RetryState::new(policy);
            let decisions: Vec<RetryDecision> = responses
                .iter()
                .map(|(status, head, body, random)| {
                    state.on_response(*status, &head.to_map(true), &body.bytes(), *random)
                })
                .collect();
            (decisions, state.total_wait())
        };
        let (decisions, total) = run(policy);
        prop_assert_eq!(run(policy.max_total_wait(total)), (decisions.clone(), total));
        if let Some(less) = total.checked_sub(Duration::from_nanos(1)) {
            let (fewer, less_total) = run(policy.max_total_wait(less));
            prop_assert_ne!(&fewer, &decisions, "a limit below the total {:?} refused nothing", total);
            prop_assert!(less_total <= less);
        }
    }

    /// With retrying disabled nothing is retried, nothing is waited, and the
    /// next attempt's headers are left alone.
    #[test]
    fn disabled_policy_never_retries(
        policy in policy(),
        responses in vec((status(), head(), body(), random()), 1..8),
    ) {
        let mut state = RetryState::new(policy.max_retries(0));
        for (status, head, body, random) in &responses {
            prop_assert_eq!(state.on_response(*status, &head.to_map(true), &body.bytes(), *random), RetryDecision::Stop);
            prop_assert_eq!(state.retries(), 0);
            prop_assert_eq!(state.total_wait(), Duration::ZERO);
            let next = next_attempt_headers(&state);
            prop_assert_eq!(values(&next, &X_OKTA_RETRY_COUNT).len(), 2);
            prop_assert!(!next.contains_key(X_OKTA_RETRY_FOR));
        }
        let mut state = RetryState::new(RetryPolicy::disabled());
        let head = responses[0].1.to_map(true);
        prop_assert_eq!(state.on_response(StatusCode::TOO_MANY_REQUESTS, &head, b"", 0), RetryDecision::Stop);
    }
}

// ---------------------------------------------------------------------------
// Exchange
// ---------------------------------------------------------------------------

const OKTA_429: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oaeDtg9knyJR7agwMN-70SYgw","errorCauses":[]}"#;
const OKTA_401: &str = r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oae1","errorCauses":[]}"#;

const FINAL_RESULTS: [&str; 11] = [
    "SUCCESS",
    "REJECTED",
    "TIMEOUT",
    "CANCELLED",
    "CANCELED",
    "EXPIRED",
    "FAILED",
    "ERROR",
    "CHALLENGE",
    "PASSCODE_REPLAYED",
    "SOMETHING_NEW",
];

/// A body that is not a verify result: empty, not JSON, truncated, JSON of
/// another shape, a `factorResult` of the wrong type.
fn garbage_body() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        select(vec![
            "",
            "   ",
            "not json",
            "<html><body>Service Unavailable</body></html>",
            r#"{"factorResult":"WAITING""#,
            "[]",
            "42",
            "null",
            r#""WAITING""#,
            r#"{"factorResult":5}"#,
            r#"{"factorResult":"SUCCESS","_links":[]}"#,
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        // Never valid JSON: it starts with `x`.
        vec(any::<u8>(), 0..24).prop_map(|b| [b"x".as_slice(), &b].concat()),
    ]
    .boxed()
}

fn json_content_type() -> BoxedStrategy<Option<&'static str>> {
    select(vec![
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        Some("Application/JSON"),
        None,
    ])
    .boxed()
}

/// What a call's request gets back.
#[derive(Debug, Clone)]
enum Reply {
    /// `429` with rate-limit headers, and a body (Okta's rate limit, a
    /// business throttle, none, a proxy's).
    TooMany { head: Head, body: Body },
    /// `200` with a valid verify result.
    Verified {
        result: &'static str,
        head: Head,
        content_type: Option<&'static str>,
    },
    /// Another error status (4xx, 5xx), Okta's error body or HTML.
    Failed { status: u16, head: Head, okta: bool },
    /// A 2xx that is not a verify result (or is one under a non-JSON type).
    Garbage {
        status: u16,
        body: Vec<u8>,
        content_type: Option<&'static str>,
    },
}

fn error_status() -> BoxedStrategy<u16> {
    prop_oneof![
        select(vec![400u16, 401, 403, 404, 408, 500, 502, 503, 504]),
        (400u16..=599).prop_filter("not 429", |s| *s != 429),
    ]
    .boxed()
}

fn reply() -> BoxedStrategy<Reply> {
    prop_oneof![
        6 => (head(), body()).prop_map(|(head, body)| Reply::TooMany { head, body }),
        2 => (select(FINAL_RESULTS.to_vec()), head(), json_content_type())
            .prop_map(|(result, head, content_type)| Reply::Verified { result, head, content_type }),
        2 => (error_status(), head(), any::<bool>())
            .prop_map(|(status, head, okta)| Reply::Failed { status, head, okta }),
        1 => (select(vec![200u16, 201, 204]), garbage_body(), json_content_type())
            .prop_map(|(status, body, content_type)| Reply::Garbage { status, body, content_type }),
        1 => (select(vec![200u16, 201]), select(vec![Some("text/html"), Some("text/plain; charset=utf-8")]))
            .prop_map(|(status, content_type)| Reply::Garbage {
                status,
                body: br#"{"factorResult":"SUCCESS"}"#.to_vec(),
                content_type,
            }),
    ]
    .boxed()
}

fn response(
    status: u16,
    headers: HeaderMap,
    content_type: Option<&str>,
    body: &[u8],
) -> Response<Vec<u8>> {
    let mut response = Response::new(body.to_vec());
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    *response.headers_mut() = headers;
    if let Some(ct) = content_type {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
    }
    response
}

impl Reply {
    fn status(&self) -> StatusCode {
        StatusCode::from_u16(match self {
            Self::TooMany { .. } => 429,
            Self::Verified { .. } => 200,
            Self::Failed { status, .. } | Self::Garbage { status, .. } => *status,
        })
        .unwrap()
    }

    fn headers(&self) -> HeaderMap {
        match self {
            Self::TooMany { head, .. }
            | Self::Verified { head, .. }
            | Self::Failed { head, .. } => head.to_map(true),
            Self::Garbage { .. } => HeaderMap::new(),
        }
    }

    fn response(&self) -> Response<Vec<u8>> {
        let status = self.status().as_u16();
        let headers = self.headers();
        match self {
            Self::TooMany {
                body: body @ (Body::RateLimited | Body::Throttle(_)),
                ..
            } => response(status, headers, Some("application/json"), &body.bytes()),
            Self::TooMany { body, .. } => response(status, headers, None, &body.bytes()),
            Self::Verified {
                result,
                content_type,
                ..
            } => {
                let body = json!({ "factorResult": result }).to_string();
                response(status, headers, *content_type, body.as_bytes())
            }
            Self::Failed { okta: true, .. } => response(
                status,
                headers,
                Some("application/json"),
                OKTA_401.as_bytes(),
            ),
            Self::Failed { okta: false, .. } => {
                response(status, headers, Some("text/html"), b"<html>oops</html>")
            }
            Self::Garbage {
                body, content_type, ..
            } => response(status, headers, *content_type, body),
        }
    }
}

fn time_left() -> BoxedStrategy<Option<Duration>> {
    prop_oneof![
        2 => Just(None),
        3 => (0u64..=130_000).prop_map(|ms| Some(Duration::from_millis(ms))),
        1 => Just(Some(Duration::ZERO)),
        1 => Just(Some(Duration::MAX)),
    ]
    .boxed()
}

/// A verify call with a body, query parameters and custom headers, so that
/// "the rest of the request" has something to keep.
fn verify_op(flags: (bool, bool, bool)) -> VerifyFactor {
    let mut op = VerifyFactor::new("00u1ab2cd3", "opf3hkfocI4JTLAju0g4");
    if flags.0 {
        op = op
            .body(VerifyFactorRequest::pass_code("123456"))
            .template_id("cstk2flOtuCMDJK4b0g3");
    }
    if flags.1 {
        op = op.forwarded_for("203.0.113.7").accept_language("fr");
    }
    if flags.2 {
        op = op.user_agent("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)");
    }
    op
}

fn same_request_apart_from_retry_headers(
    first: &Request<Vec<u8>>,
    now: &Request<Vec<u8>>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(now.method(), first.method());
    prop_assert_eq!(now.uri(), first.uri());
    prop_assert_eq!(now.version(), first.version());
    prop_assert_eq!(now.body(), first.body());
    let strip = |r: &Request<Vec<u8>>| {
        let mut h = r.headers().clone();
        h.remove(X_OKTA_RETRY_COUNT);
        h.remove(X_OKTA_RETRY_FOR);
        h
    };
    prop_assert_eq!(strip(now), strip(first));
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    /// One call over any sequence of responses: attempt `n` (from 0) is the
    /// first request exactly (method, URI, body, `Authorization` and every
    /// other header) plus, from the first retry on, `X-Okta-Retry-Count: n`
    /// and `X-Okta-Retry-For` quoting the first retried `429`'s request ID.
    /// A `Retry` step is what the retry policy decides, never for a business
    /// throttle (`E0000109`, …), and with a time limit it is always shorter
    /// than the time left; otherwise the call is `Done`, within
    /// `max_retries + 1` responses, with the last response parsed: the verify
    /// result for a valid `200`, the `429` error (with its rate-limit headers
    /// and, for a throttle, its code) when retrying stops or is not allowed,
    /// the status's error for anything else.
    #[test]
    fn exchange_resends_the_same_request_until_done(
        policy in policy(),
        replies in vec((reply(), random()), 1..10),
        time_left in time_left(),
        flags in any::<(bool, bool, bool)>(),
    ) {
        let op = verify_op(flags);
        let config = ClientConfig::new(OrgUrl::parse("https://dev-123456.okta.com").unwrap(), creds()).retry(policy);
        let mut exchange = Exchange::new(&op, &config).unwrap();
        let first = exchange.request();
        prop_assert!(!first.headers().contains_key(X_OKTA_RETRY_COUNT));
        prop_assert!(!first.headers().contains_key(X_OKTA_RETRY_FOR));
        prop_assert_eq!(first.headers().get(AUTHORIZATION), Some(&config.credentials.authorization()));

        let mut shadow = RetryState::new(policy);
        let mut retry_for: Option<HeaderValue> = None;
        let mut done = false;
        for (n, (reply, random)) in replies.iter().enumerate() {
            let n = u32::try_from(n).unwrap();
            prop_assert_eq!(exchange.retries(), n);
            let request = exchange.request();
            same_request_apart_from_retry_headers(&first, &request)?;
            if n == 0 {
                prop_assert!(!request.headers().contains_key(X_OKTA_RETRY_COUNT), "retry count on the first attempt");
                prop_assert!(!request.headers().contains_key(X_OKTA_RETRY_FOR), "retry-for on the first attempt");
            } else {
                prop_assert_eq!(
                    values(request.headers(), &X_OKTA_RETRY_COUNT),
                    vec![HeaderValue::from(n)], "attempt {}", n
                );
                prop_assert_eq!(
                    values(request.headers(), &X_OKTA_RETRY_FOR),
                    retry_for.iter().cloned().collect::<Vec<_>>(), "attempt {}", n
                );
            }

            let headers = reply.headers();
            let mut candidate = shadow.clone();
            let sent = reply.response();
            let decision = candidate.on_response(sent.status(), &headers, sent.body(), *random);
            match exchange.on_response(reply.response(), *random, time_left) {
                Step::Retry { delay, retry, reason } => {
                    if let Reply::TooMany { body: body @ Body::Throttle(_), .. } = reply {
                        prop_assert!(false, "retried a business throttle {:?}", body);
                    }
                    prop_assert_eq!(decision, RetryDecision::Retry { delay, retry, reason });
                    if let Some(left) = time_left {
                        prop_assert!(delay < left, "waits {delay:?} with {left:?} left");
                    }
                    shadow = candidate;
                    if retry_for.is_none() {
                        if let Reply::TooMany { head, .. } = reply {
                            retry_for = head.request_id();
                        }
                    }
                }
                Step::Done(result) => {
                    if let RetryDecision::Retry { delay, .. } = decision {
                        prop_assert!(
                            time_left.is_some_and(|left| delay >= left),
                            "the policy retries after {delay:?} with {time_left:?} left, the exchange does not"
                        );
                    }
                    prop_assert!(n <= policy.max_retries);
                    check_done(reply, &headers, result)?;
                    done = true;
                    break;
                }
            }
        }
        if !done {
            prop_assert!(
                replies.len() <= usize::try_from(policy.max_retries).unwrap_or(usize::MAX),
                "{} responses retried with max_retries {}", replies.len(), policy.max_retries
            );
        }
    }
}

fn check_done(
    reply: &Reply,
    headers: &HeaderMap,
    result: Result<okta_factors_core::OktaResponse<VerifyOutcome>, Error>,
) -> Result<(), TestCaseError> {
    match (reply, result) {
        (Reply::Verified { result: sent, .. }, Ok(parsed)) => {
            prop_assert_eq!(parsed.status, StatusCode::OK);
            let value = serde_json::to_value(&parsed.value).unwrap();
            prop_assert_eq!(
                value.get("factorResult").and_then(Value::as_str),
                Some(*sent)
            );
        }
        (Reply::TooMany { head, body }, Err(error)) => {
            prop_assert!(error.is_rate_limited(), "{error:?}");
            if let Body::Throttle(code) = body {
                prop_assert_eq!(error.error_code(), Some(*code));
                prop_assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
            }
            let limits = error.meta().unwrap().rate_limit;
            prop_assert_eq!(limits.reset, head.reset(), "{:?}", headers);
            prop_assert_eq!(limits.limit, min_of(&head.limit));
            prop_assert_eq!(limits.remaining, min_of(&head.remaining));
        }
        (Reply::Failed { status, .. } | Reply::Garbage { status, .. }, Err(error)) => {
            prop_assert_eq!(
                error.status(),
                Some(StatusCode::from_u16(*status).unwrap()),
                "{:?}",
                error
            );
        }
        (reply, result) => {
            prop_assert!(false, "{reply:?} ended as {result:?}");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// PushPoll: poll links and origins
// ---------------------------------------------------------------------------
//
// The poll request is built from the org and the IDs (the verify's user and
// factor, the transaction ID of the poll link), never from the link's origin:
// whatever a link says, credentials go to the org only.

/// Orgs of every shape `OrgUrl` accepts: default and explicit ports, loopback
/// `http`, IPv4 and IPv6 hosts.
const ORGS: [&str; 6] = [
    "https://dev-123456.okta.com",
    "https://acme.oktapreview.com:8443",
    "https://login.example.com",
    "http://127.0.0.1:8080",
    "http://localhost",
    "http://[::1]:9000",
];

const POLL_PATH: &str = "/api/v1/users/00u1/factors/opf1/transactions/v2mst.GldKV5Vx";

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    }
}

/// Independent oracle: the URI has the org's scheme, host and effective port,
/// and no user info.
fn uri_on_org(org: &OrgUrl, uri: &Uri) -> bool {
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    let host = authority.host().trim_end_matches('.').to_ascii_lowercase();
    !authority.as_str().contains('@')
        && scheme == org.scheme()
        && host == org.host()
        && authority.port_u16().or(default_port(&scheme))
            == org.port().or(default_port(org.scheme()))
}

/// The WAITING result of a push verify with `href` as its poll link.
fn waiting(href: Option<&str>, allow: Option<&[&str]>, extra: Value) -> VerifyOutcome {
    let mut link = json!({});
    if let Some(href) = href {
        link["href"] = json!(href);
    }
    if let Some(allow) = allow {
        link["hints"] = json!({ "allow": allow });
    }
    let mut body = json!({ "factorResult": "WAITING", "_links": { "poll": link } });
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    serde_json::from_value(body).unwrap()
}

fn poll_config(org: &OrgUrl) -> ClientConfig {
    ClientConfig::new(org.clone(), creds())
}

/// The poll path, with a query, a fragment or a trailing slash that are not
/// part of the transaction ID.
fn poll_path() -> BoxedStrategy<String> {
    select(vec!["", "?x=1", "#frag", "/", "/?q"])
        .prop_map(|suffix| format!("{POLL_PATH}{suffix}"))
        .boxed()
}

fn path() -> BoxedStrategy<String> {
    prop_oneof![
        2 => Just(POLL_PATH.to_owned()),
        1 => "(/[a-zA-Z0-9._~-]{0,10}){0,4}(\\?[a-z]{1,5}=[a-zA-Z0-9]{0,5})?",
    ]
    .boxed()
}

fn other_host() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-z][a-z0-9-]{0,8}\\.(example|test|com|net|okta\\.com)",
        1 => Just("evil.example".to_owned()),
        1 => "(10|192)\\.[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}",
    ]
    .boxed()
}

/// A character by character random case.
fn random_case(text: &str, flips: &[bool]) -> String {
    text.chars()
        .zip(flips.iter().cycle())
        .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
        .collect()
}

/// Poll links on the org's origin, however spelled: any case of scheme and
/// host, a trailing dot on a DNS name, the default port written out, paths
/// from `path`.
fn same_origin_href(org: &OrgUrl, path: fn() -> BoxedStrategy<String>) -> BoxedStrategy<String> {
    let (scheme, host, port) = (org.scheme().to_owned(), org.host().to_owned(), org.port());
    let dns = host.parse::<std::net::Ipv4Addr>().is_err() && !host.starts_with('[');
    (
        vec(any::<bool>(), 1..8),
        vec(any::<bool>(), 1..8),
        any::<bool>(),
        any::<bool>(),
        path(),
    )
        .prop_map(move |(scheme_case, host_case, dot, explicit_port, path)| {
            let port = match (port, explicit_port) {
                (Some(p), _) => format!(":{p}"),
                (None, true) => format!(":{}", default_port(&scheme).unwrap()),
                (None, false) => String::new(),
            };
            let dot = if dot && dns { "." } else { "" };
            format!(
                "{}://{}{dot}{port}{path}",
                random_case(&scheme, &scheme_case),
                random_case(&host, &host_case)
            )
        })
        .boxed()
}

/// Poll links (with paths from `path`) that are not on the org's origin, or
/// are not absolute URLs:
/// another host (also one ending or starting with the org's host), another
/// scheme or port, user info (also the org as user info of another host),
/// delimiter tricks that put the org after the real host, no scheme, invalid
/// ports, look-alike and percent-encoded hosts.
fn foreign_href(org: &OrgUrl, path: fn() -> BoxedStrategy<String>) -> BoxedStrategy<String> {
    let scheme = org.scheme().to_owned();
    let host = org.host().to_owned();
    let authority = org.as_str()[scheme.len() + 3..].to_owned();
    let effective = org.port().or(default_port(&scheme)).unwrap();
    let (s, h, a) = (scheme.clone(), host.clone(), authority.clone());
    let other = other_host().prop_filter("another host", move |o| *o != h);
    let label = "[a-z0-9-]{1,6}";
    let lookalike = {
        let h = host.clone();
        let mut replaced = false;
        let look: String = h
            .chars()
            .map(|c| match c {
                'o' if !replaced => {
                    replaced = true;
                    '\u{43e}'
                }
                'e' if !replaced => {
                    replaced = true;
                    '\u{435}'
                }
                _ => c,
            })
            .collect();
        if replaced {
            look
        } else {
            format!("{h}\u{430}")
        }
    };
    let truncated = host[..host.len() - 1].to_owned();
    let variants: Vec<BoxedStrategy<String>> = vec![
        {
            let s = s.clone();
            (other.clone(), path())
                .prop_map(move |(o, p)| format!("{s}://{o}{p}"))
                .boxed()
        },
        {
            let s = s.clone();
            (other.clone(), path())
                .prop_map(move |(o, p)| format!("{s}://{o}:{effective}{p}"))
                .boxed()
        },
        {
            let (s, h) = (s.clone(), host.clone());
            (other.clone(), path())
                .prop_map(move |(o, p)| format!("{s}://{h}.{o}{p}"))
                .boxed()
        },
        {
            let (s, a) = (s.clone(), a.clone());
            (label, path())
                .prop_map(move |(l, p)| format!("{s}://{l}.{a}{p}"))
                .boxed()
        },
        {
            let (s, h) = (s.clone(), host.clone());
            (label, path())
                .prop_map(move |(l, p)| format!("{s}://{h}{l}{p}"))
                .boxed()
        },
        {
            let (s, a) = (s.clone(), a.clone());
            (
                select(vec![
                    "http", "https", "HTTP", "Https", "ftp", "ws", "wss", "file",
                ]),
                path(),
            )
                .prop_filter("another scheme", move |(o, _)| !o.eq_ignore_ascii_case(&s))
                .prop_map(move |(o, p)| format!("{o}://{a}{p}"))
                .boxed()
        },
        {
            let (s, h) = (s.clone(), host.clone());
            (0u16..=65535, path())
                .prop_filter("another port", move |(port, _)| *port != effective)
                .prop_map(move |(port, p)| format!("{s}://{h}:{port}{p}"))
                .boxed()
        },
        {
            let (s, a) = (s.clone(), a.clone());
            (other.clone(), path())
                .prop_map(move |(o, p)| format!("{s}://{a}@{o}{p}"))
                .boxed()
        },
        {
            let (s, a) = (s.clone(), a.clone());
            ("[a-z]{1,8}", prop::option::of("[a-z0-9]{0,8}"), path())
                .prop_map(move |(user, pass, p)| match pass {
                    Some(pass) => format!("{s}://{user}:{pass}@{a}{p}"),
                    None => format!("{s}://{user}@{a}{p}"),
                })
                .boxed()
        },
        {
            let (s, a) = (s.clone(), a.clone());
            (
                other.clone(),
                select(vec!["#", "?", "\\", "/", ";", "%23", "%40", " ", "\t"]),
                path(),
            )
                .prop_map(move |(o, d, p)| format!("{s}://{o}{d}@{a}{p}"))
                .boxed()
        },
        {
            let (s, a) = (s.clone(), a.clone());
            (select(vec!["//", "", ":", ":/", ":///", "/"]), path())
                .prop_map(move |(prefix, p)| match prefix {
                    "//" | "" | "/" => format!("{prefix}{a}{p}"),
                    _ => format!("{s}{prefix}{a}{p}"),
                })
                .boxed()
        },
        {
            let (s, h) = (s.clone(), host.clone());
            // `+443`: `http` reads it as port 443, but a port is digits only.
            (
                select(vec![
                    "65536", "99999", "443443", "-1", "8o", "0x1bb", "4 43", "+443",
                ]),
                path(),
            )
                .prop_map(move |(port, p)| format!("{s}://{h}:{port}{p}"))
                .boxed()
        },
        {
            let s = s.clone();
            path()
                .prop_map(move |p| format!("{s}://{lookalike}{p}"))
                .boxed()
        },
        {
            let (s, h) = (s.clone(), host.clone());
            (other, path())
                .prop_map(move |(o, p)| format!("{s}://{h}%2e{o}{p}"))
                .boxed()
        },
        {
            let s = s.clone();
            path()
                .prop_map(move |p| format!("{s}://{truncated}{p}"))
                .boxed()
        },
        path().boxed(),
    ];
    Union::new(variants).boxed()
}

/// Strings made of the pieces of URLs (the org's among them), to look for a
/// spelling that gets a foreign link accepted.
fn href_soup(org: &OrgUrl) -> BoxedStrategy<String> {
    let scheme = org.scheme().to_owned();
    let host = org.host().to_owned();
    let authority = org.as_str()[scheme.len() + 3..].to_owned();
    let port = org.port().or(default_port(&scheme)).unwrap().to_string();
    let pieces: Vec<String> = [
        scheme.as_str(),
        &scheme.to_ascii_uppercase(),
        "http",
        "https",
        "://",
        ":",
        "//",
        "/",
        "@",
        "#",
        "?",
        "\\",
        ".",
        "%2e",
        "%40",
        " ",
        "\t",
        &host,
        &host.to_ascii_uppercase(),
        &authority,
        "evil.example",
        &port,
        "443",
        "80",
        "0443",
        "+443",
        "65536",
        "user:pw",
        POLL_PATH,
        "\u{43e}",
        "\u{ff0e}",
        "[",
        "]",
        "::1",
        "127.0.0.1",
        "localhost",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let base = org.as_str().to_owned() + POLL_PATH;
    prop_oneof![
        3 => vec(select(pieces.clone()), 1..9).prop_map(|p| p.concat()),
        3 => (select(pieces), any::<Index>()).prop_map(move |(piece, at)| {
            let mut at = at.index(base.len() + 1);
            while !base.is_char_boundary(at) {
                at -= 1;
            }
            format!("{}{piece}{}", &base[..at], &base[at..])
        }),
        1 => "\\PC{0,40}",
    ]
    .boxed()
}

fn org_index() -> BoxedStrategy<usize> {
    (0..ORGS.len()).boxed()
}

fn org_at(index: usize) -> OrgUrl {
    OrgUrl::parse(ORGS[index]).unwrap()
}

fn allow() -> BoxedStrategy<Option<Vec<&'static str>>> {
    prop::option::of(vec(
        select(vec!["GET", "POST", "DELETE", "get", "PUT"]),
        0..3,
    ))
    .boxed()
}

/// The verify whose push is polled: its user and factor are those of `POLL_PATH`.
fn verify() -> VerifyFactor {
    VerifyFactor::new("00u1", "opf1")
}

fn poll_for(
    outcome: &VerifyOutcome,
    meta: &ResponseMeta,
    config: &ClientConfig,
) -> Result<PushPoll, Error> {
    PushPoll::for_verify(&verify(), outcome.as_waiting().unwrap(), meta, config)
}

/// The documented source of the transaction ID: the path segment after
/// `/transactions/` of the poll link, without its query or fragment.
fn has_transaction_id(href: &str) -> bool {
    let before_query = href.split(['?', '#']).next().unwrap_or_default();
    before_query
        .split_once("/transactions/")
        .is_some_and(|(_, rest)| !rest.split('/').next().unwrap_or_default().is_empty())
}

/// The poll request is exactly the org's transaction-status request: `GET`,
/// the org's `Authorization`, `Accept: application/json`, the client's user
/// agent, no body and no framing header.
fn check_poll_request(
    request: &Request<Vec<u8>>,
    org: &OrgUrl,
    config: &ClientConfig,
) -> Result<(), TestCaseError> {
    prop_assert!(
        uri_on_org(org, request.uri()),
        "polls {} for {org}",
        request.uri()
    );
    prop_assert_eq!(request.method(), Method::GET);
    prop_assert_eq!(
        request.headers().get(AUTHORIZATION),
        Some(&config.credentials.authorization())
    );
    prop_assert_eq!(request.headers().get(ACCEPT).unwrap(), "application/json");
    let user_agent = config.user_agent();
    prop_assert_eq!(
        request.headers().get(USER_AGENT).unwrap(),
        user_agent.as_str()
    );
    prop_assert_eq!(request.headers().len(), 3);
    prop_assert!(request.body().is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    /// Whatever origin a poll link names (the org however spelled, another
    /// host, scheme or port, user info, look-alikes, delimiter tricks, no
    /// scheme at all), a link to the poll path is polled on the org: exactly
    /// `{org}{POLL_PATH}`, with the org's credentials. It is refused
    /// (`InputError::Link`) only when no transaction ID can be read from it
    /// (a delimiter before the path makes the path a query or fragment).
    #[test]
    fn poll_links_on_any_origin_are_polled_on_the_org(
        (org, href) in org_index().prop_flat_map(|i| (
            Just(i),
            prop_oneof![foreign_href(&org_at(i), poll_path), same_origin_href(&org_at(i), poll_path)],
        )),
        allow in allow(),
    ) {
        let org = org_at(org);
        let config = poll_config(&org);
        let waiting = waiting(Some(&href), allow.as_deref(), json!({}));
        match poll_for(&waiting, &ResponseMeta::default(), &config) {
            Ok(poll) => {
                let request = poll.request();
                prop_assert_eq!(request.uri().to_string(), format!("{org}{POLL_PATH}"), "link {:?}", href);
                check_poll_request(&request, &org, &config)?;
            }
            Err(Error::Input(InputError::Link { .. })) => {
                prop_assert!(!has_transaction_id(&href), "{href:?} has a transaction ID but was refused");
            }
            Err(other) => prop_assert!(false, "{href:?}: unexpected error {other:?}"),
        }
    }

    /// Whatever the poll link (any path, any soup of URL pieces), a poll is
    /// sent only to the org — checked by an independent reading of the URI —
    /// at `/api/v1/users/00u1/factors/opf1/transactions/{one segment}`; a link
    /// without a transaction ID is refused as a bad link.
    #[test]
    fn polls_only_ever_go_to_the_org(
        (org, href) in org_index().prop_flat_map(|i| (
            Just(i),
            prop_oneof![
                2 => href_soup(&org_at(i)),
                1 => foreign_href(&org_at(i), path),
                1 => same_origin_href(&org_at(i), path),
            ],
        )),
    ) {
        let org = org_at(org);
        let config = poll_config(&org);
        let waiting = waiting(Some(&href), None, json!({}));
        match poll_for(&waiting, &ResponseMeta::default(), &config) {
            Ok(poll) => {
                let request = poll.request();
                check_poll_request(&request, &org, &config)?;
                let path = request.uri().path();
                let id = path.strip_prefix("/api/v1/users/00u1/factors/opf1/transactions/");
                prop_assert!(
                    id.is_some_and(|id| !id.is_empty() && !id.contains('/')),
                    "{href:?} polls {path}"
                );
                prop_assert!(request.uri().query().is_none());
                prop_assert!(has_transaction_id(&href));
            }
            Err(Error::Input(InputError::Link { .. })) => {
                prop_assert!(!has_transaction_id(&href), "{href:?} has a transaction ID but was refused");
            }
            Err(other) => prop_assert!(false, "{href:?}: unexpected error {other:?}"),
        }
    }
}

#[test]
fn a_waiting_push_without_a_transaction_is_refused() {
    let org = org_at(0);
    for outcome in [
        waiting(None, None, json!({})),
        waiting(
            Some(&format!("{org}/api/v1/users/00u1/factors/opf1")),
            None,
            json!({}),
        ),
        waiting(
            Some(&format!(
                "{org}/api/v1/users/00u1/factors/opf1/transactions/"
            )),
            None,
            json!({}),
        ),
        serde_json::from_value(json!({ "factorResult": "WAITING" })).unwrap(),
    ] {
        let result = poll_for(&outcome, &ResponseMeta::default(), &poll_config(&org));
        assert!(
            matches!(result, Err(Error::Input(InputError::Link { .. }))),
            "{result:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// PushPoll: deadline
// ---------------------------------------------------------------------------

/// A timestamp as text and the epoch seconds it names (`None`: not usable).
#[derive(Debug, Clone)]
struct Stamp {
    text: String,
    secs: Option<u64>,
}

/// Margin kept from both ends of the date range, so that offsets and time
/// zones stay within years 1970..=9999.
const MARGIN: u64 = 400_000;

fn garbage_rfc3339() -> BoxedStrategy<String> {
    prop_oneof![
        select(vec![
            "",
            "2015-04-01",
            "2015-13-01T00:00:00Z",
            "2015-00-01T00:00:00Z",
            "2015-04-00T00:00:00Z",
            "2015-04-01T00:00:00",
            "2015-04-01T00:00:00.Z",
            "2015-04-01T24:00:00Z",
            "2015-04-01T00:60:00Z",
            "2015-04-01T00:00:61Z",
            "2015-04-01T00:00:00+0200",
            "2015-04-01T00:00:00 Z",
            "15-04-01T00:00:00Z",
            "2015-04-01T00:00:00ZZ",
            "2015-04-01T00:00:00+02",
            "2015/04/01T00:00:00Z",
        ])
        .prop_map(str::to_owned),
        (0..=MAX_HTTP_DATE).prop_map(|s| s.to_string()),
        (0..=MAX_HTTP_DATE).prop_map(imf_fixdate),
        (MARGIN..MAX_HTTP_DATE - MARGIN, rfc3339_style())
            .prop_map(|(s, st)| format!("{}\u{e9}", rfc3339(s, &st))),
        "\\PC{0,24}",
    ]
    .boxed()
}

fn expires_at(date: u64) -> BoxedStrategy<Option<Stamp>> {
    prop_oneof![
        1 => Just(None),
        4 => (-1_000i64..=100_000, rfc3339_style(), pad()).prop_map(move |(k, style, p)| {
            let secs = date.saturating_add_signed(k);
            Some(Stamp { text: format!("{}{p}", rfc3339(secs, &style)), secs: Some(secs) })
        }),
        1 => garbage_rfc3339().prop_map(|text| Some(Stamp { text, secs: None })),
    ]
    .boxed()
}

fn date_header(date: u64) -> BoxedStrategy<Option<Stamp>> {
    prop_oneof![
        1 => Just(None),
        4 => (any::<bool>(), pad(), pad()).prop_map(move |(asc, a, b)| {
            let text = if asc { asctime(date) } else { imf_fixdate(date) };
            Some(Stamp { text: format!("{a}{text}{b}"), secs: Some(date) })
        }),
        1 => garbage_date().prop_map(|f| Some(Stamp {
            text: String::from_utf8_lossy(&f.bytes).into_owned(),
            secs: None,
        })),
    ]
    .boxed()
}

/// The metadata of the verify response that started the push.
fn meta_with_date(date: Option<&Stamp>) -> ResponseMeta {
    let mut headers = HeaderMap::new();
    if let Some(date) = date {
        append(&mut headers, &DATE, date.text.as_bytes());
    }
    ResponseMeta::from_headers(&headers)
}

fn expected_deadline(
    max_wait: Duration,
    expires: Option<&Stamp>,
    date: Option<&Stamp>,
) -> Duration {
    match (expires.and_then(|e| e.secs), date.and_then(|d| d.secs)) {
        (Some(expires), Some(date)) => {
            max_wait.min(Duration::from_secs(expires.saturating_sub(date)))
        }
        _ => max_wait,
    }
}

/// Poll policies, the interval set through the setter (which raises it to
/// the floor) or on the public field directly (which the machine must raise).
fn poll_policy() -> BoxedStrategy<PollPolicy> {
    (
        prop_oneof![1 => Just(Duration::ZERO), 4 => (0u64..=10_000).prop_map(Duration::from_millis), 1 => duration()],
        prop_oneof![1 => Just(Duration::ZERO), 4 => (0u64..=600_000).prop_map(Duration::from_millis), 1 => duration()],
        any::<bool>(),
    )
        .prop_map(|(interval, max_wait, setter)| {
            let mut policy = PollPolicy::default().max_wait(max_wait);
            if setter {
                policy = policy.interval(interval);
            } else {
                policy.interval = interval;
            }
            policy
        })
        .boxed()
}

/// The documented floor: no interval between polls is under 1 s.
fn interval_of(policy: &PollPolicy) -> Duration {
    policy.interval.max(Duration::from_secs(1))
}

proptest! {
    #![proptest_config(config(512))]

    /// The poll deadline is `max_wait`, or Okta's `expiresAt − Date` (on the
    /// server's clock, 0 if already past) when that is earlier and both parse
    /// (RFC 3339 in any time zone, with fractions and leap seconds; an HTTP
    /// date); garbage in either is ignored. The first step waits one interval
    /// (at least 1 s), cut to the deadline, and shows the number-matching
    /// answer if there is one.
    #[test]
    fn poll_deadline_is_max_wait_or_the_earlier_expiry(
        (expires, date) in (MARGIN..MAX_HTTP_DATE - MARGIN)
            .prop_flat_map(|d| (expires_at(d), date_header(d))),
        poll in poll_policy(),
        answer in prop::option::of(any::<u32>()),
    ) {
        let org = org_at(0);
        let config = poll_config(&org).poll(poll);
        let mut extra = json!({});
        if let Some(expires) = &expires {
            extra["expiresAt"] = json!(expires.text);
        }
        if let Some(answer) = answer {
            extra["_embedded"] = json!({ "challenge": { "correctAnswer": answer } });
        }
        let href = format!("{org}{POLL_PATH}");
        let waiting = waiting(Some(&href), None, extra);
        let meta = meta_with_date(date.as_ref());
        let mut push = poll_for(&waiting, &meta, &config).unwrap();
        let deadline = push.deadline();
        prop_assert!(deadline <= poll.max_wait, "deadline {deadline:?} > max_wait {:?}", poll.max_wait);
        prop_assert_eq!(deadline, expected_deadline(poll.max_wait, expires.as_ref(), date.as_ref()));
        prop_assert_eq!(push.correct_answer(), answer);
        prop_assert_eq!(push.polls(), 0);
        prop_assert_eq!(
            push.first_step(),
            PollStep::Wait { delay: interval_of(&poll).min(deadline), correct_answer: answer, show: answer, failures: 0 }
        );
    }
}

#[test]
fn deadline_oracle_agrees_with_the_time_helpers() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..2_000 {
        let text = garbage_rfc3339().new_tree(&mut runner).unwrap().current();
        assert_eq!(parse_rfc3339(&text), None, "{text:?}");
        let date = 1_600_000_000u64;
        let stamp = expires_at(date).new_tree(&mut runner).unwrap().current();
        if let Some(Stamp {
            text,
            secs: Some(secs),
        }) = stamp
        {
            assert_eq!(parse_rfc3339(&text), Some(secs), "{text:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// PushPoll: sequences of polls
// ---------------------------------------------------------------------------

/// What a poll gets back.
#[derive(Debug, Clone)]
enum PollReply {
    /// Still `WAITING` (with a number-matching answer, an empty challenge, or
    /// neither), with a poll link elsewhere that must be ignored, and
    /// sometimes Okta's expiry: `expiresAt` `k` seconds after the `Date`.
    Waiting {
        status: u16,
        answer: Option<u32>,
        empty_challenge: bool,
        evil_link: bool,
        content_type: Option<&'static str>,
        expires: Option<(u64, i64)>,
    },
    /// `429` with rate-limit headers.
    TooMany(Head),
    /// A final result (`None`: no `factorResult`).
    Final(Option<&'static str>),
    /// An error status other than `429`: a `5xx` is transient, a `4xx` final.
    Failed { status: u16, okta: bool },
    /// A 2xx that is not a verify result.
    Garbage {
        status: u16,
        body: Vec<u8>,
        content_type: Option<&'static str>,
    },
    /// No response: the transport failed.
    Transport(TransportErrorKind),
}

/// Answers from a small set, so that they repeat and change back.
fn answer() -> BoxedStrategy<Option<u32>> {
    prop_oneof![2 => Just(None), 3 => (1u32..=3).prop_map(Some), 1 => any::<u32>().prop_map(Some)]
        .boxed()
}

fn transport_kind() -> BoxedStrategy<TransportErrorKind> {
    select(vec![
        TransportErrorKind::Io,
        TransportErrorKind::Connect,
        TransportErrorKind::Dns,
        TransportErrorKind::Timeout(TimeoutLimit::Request),
        TransportErrorKind::Timeout(TimeoutLimit::Connect),
        TransportErrorKind::Tls,
        TransportErrorKind::Protocol,
        TransportErrorKind::BodyTooLarge { limit: 10 },
        TransportErrorKind::Other,
    ])
    .boxed()
}

/// The documented transient failures of a poll: no connection, a broken
/// one, a failed lookup, a request or connect timeout.
fn is_transient(kind: TransportErrorKind) -> bool {
    matches!(
        kind,
        TransportErrorKind::Io
            | TransportErrorKind::Connect
            | TransportErrorKind::Dns
            | TransportErrorKind::Timeout(TimeoutLimit::Request | TimeoutLimit::Connect)
    )
}

fn poll_reply() -> BoxedStrategy<PollReply> {
    let expires = prop::option::of((1_500_000_000u64..2_000_000_000, -50i64..=900));
    prop_oneof![
        6 => (select(vec![200u16, 200, 201, 202]), answer(), any::<bool>(), any::<bool>(), json_content_type(), expires)
            .prop_map(|(status, answer, empty_challenge, evil_link, content_type, expires)| PollReply::Waiting {
                status, answer, empty_challenge, evil_link, content_type, expires,
            }),
        2 => head().prop_map(PollReply::TooMany),
        1 => prop::option::of(select(FINAL_RESULTS.to_vec())).prop_map(PollReply::Final),
        2 => (error_status(), any::<bool>()).prop_map(|(status, okta)| PollReply::Failed { status, okta }),
        1 => (select(vec![200u16, 201, 204]), garbage_body(), json_content_type())
            .prop_map(|(status, body, content_type)| PollReply::Garbage { status, body, content_type }),
        1 => (select(vec![200u16, 202]), select(vec![Some("text/html"), Some("text/plain")]))
            .prop_map(|(status, content_type)| PollReply::Garbage {
                status,
                body: br#"{"factorResult":"WAITING"}"#.to_vec(),
                content_type,
            }),
        2 => transport_kind().prop_map(PollReply::Transport),
    ]
    .boxed()
}

impl PollReply {
    /// The body of a `WAITING` reply.
    fn waiting_body(&self) -> Option<Value> {
        let Self::Waiting {
            answer,
            empty_challenge,
            evil_link,
            expires,
            ..
        } = self
        else {
            return None;
        };
        let mut body = json!({
            "factorResult": "WAITING",
            "expiresAt": "2015-04-01T15:57:32.000Z",
            "_links": { "poll": { "href": "https://evil.example/api/v1/users/u/factors/f/transactions/t" } },
        });
        if !evil_link {
            body["_links"] = json!({});
        }
        if let Some((date, k)) = expires {
            let style = Rfc3339Style {
                offset_minutes: 0,
                fraction: ".000".into(),
                separator: 'T',
                zulu: Some('Z'),
                leap: false,
            };
            body["expiresAt"] = json!(rfc3339(date.saturating_add_signed(*k), &style));
        }
        match (answer, empty_challenge) {
            (Some(a), _) => body["_embedded"] = json!({ "challenge": { "correctAnswer": a } }),
            (None, true) => body["_embedded"] = json!({ "challenge": {} }),
            (None, false) => {}
        }
        Some(body)
    }

    /// Okta's expiry as this reply tells it (`expiresAt − Date`, 0 if past).
    fn expires_in(&self) -> Option<Duration> {
        match self {
            Self::Waiting {
                expires: Some((_, k)),
                ..
            } => Some(Duration::from_secs(u64::try_from(*k).unwrap_or(0))),
            _ => None,
        }
    }

    fn response(&self) -> Response<Vec<u8>> {
        match self {
            Self::Waiting {
                status,
                content_type,
                expires,
                ..
            } => {
                let mut headers = HeaderMap::new();
                if let Some((date, _)) = expires {
                    append(&mut headers, &DATE, imf_fixdate(*date).as_bytes());
                }
                let body = self.waiting_body().unwrap_or_default();
                response(*status, headers, *content_type, body.to_string().as_bytes())
            }
            Self::TooMany(head) => response(
                429,
                head.to_map(true),
                Some("application/json"),
                OKTA_429.as_bytes(),
            ),
            Self::Final(result) => {
                let body = match result {
                    Some(r) => json!({ "factorResult": r }),
                    None => json!({ "_links": {} }),
                };
                response(
                    200,
                    HeaderMap::new(),
                    Some("application/json"),
                    body.to_string().as_bytes(),
                )
            }
            Self::Failed { status, okta: true } => response(
                *status,
                HeaderMap::new(),
                Some("application/json"),
                OKTA_401.as_bytes(),
            ),
            Self::Failed {
                status,
                okta: false,
            } => response(
                *status,
                HeaderMap::new(),
                Some("text/html"),
                b"<html>oops</html>",
            ),
            Self::Garbage {
                status,
                body,
                content_type,
            } => response(*status, HeaderMap::new(), *content_type, body),
            Self::Transport(_) => unreachable!("no response"),
        }
    }
}

/// Time passing beyond the waits: none, a request's worth, or a long stall.
fn extra_time() -> BoxedStrategy<Duration> {
    prop_oneof![
        2 => Just(Duration::ZERO),
        4 => (0u64..=3_000).prop_map(Duration::from_millis),
        1 => (0u64..=700_000).prop_map(Duration::from_millis),
    ]
    .boxed()
}

/// `value` without its `factorResult`.
fn without_result(mut value: Value) -> Value {
    if let Value::Object(object) = &mut value {
        object.remove("factorResult");
    }
    value
}

proptest! {
    #![proptest_config(config(256))]

    /// Polling a push over any sequence of poll responses and transport
    /// failures, at increasing elapsed times (each at least the previous
    /// wait later):
    ///
    /// * the poll request never changes (a later response's poll link is
    ///   ignored);
    /// * every `Wait` fits in what is left of the deadline; after `WAITING` it
    ///   is one interval (at least 1 s, cut to the deadline); a `WAITING` that
    ///   says when it expires (`expiresAt − Date`) brings the deadline closer,
    ///   never further;
    /// * a transient failure (`429`, `5xx`, a broken or refused connection, a
    ///   timeout) waits at least an interval (after a `429`, at least until
    ///   the reset; at most `max(interval, max_delay)`), cut to the deadline,
    ///   and counts in `failures`; the 4th in a row is the error itself; a good
    ///   poll starts the count again;
    /// * the push expiring is `Done(Timeout)`, never an error: a `WAITING` or
    ///   a transient failure with no time left ends with the last `WAITING`
    ///   response, every member kept, `factorResult` set to `TIMEOUT`;
    /// * a final result is `Done` with that result as sent (Okta's `TIMEOUT`
    ///   included); other error statuses, bodies that are not a verify result
    ///   and other transport failures are errors with their status or kind.
    ///
    /// The number-matching answer is the latest one sent, and `show` carries
    /// it exactly when it differs from the one shown last — so each answer is
    /// shown once, the first time it is known, unless it changes and later
    /// changes back.
    #[test]
    fn poll_sequences_stay_within_the_deadline(
        org in org_index(),
        poll in poll_policy(),
        retry in policy(),
        expiry in prop::option::of((1_500_000_000u64..2_000_000_000, -100i64..=1_000)),
        first_answer in answer(),
        replies in vec((poll_reply(), extra_time(), random()), 1..14),
        start in extra_time(),
    ) {
        let org = org_at(org);
        let config = poll_config(&org).poll(poll).retry(retry);
        let interval = interval_of(&poll);
        let mut extra = json!({});
        if let Some(answer) = first_answer {
            extra["_embedded"] = json!({ "challenge": { "correctAnswer": answer } });
        }
        let mut meta = ResponseMeta::default();
        if let Some((date, k)) = expiry {
            let style = Rfc3339Style { offset_minutes: 0, fraction: ".000".into(), separator: 'T', zulu: Some('Z'), leap: false };
            extra["expiresAt"] = json!(rfc3339(date.saturating_add_signed(k), &style));
            meta.date = Some(imf_fixdate(date));
        }
        let href = format!("{org}{POLL_PATH}");
        let waiting = waiting(Some(&href), None, extra);
        let mut last_waiting = serde_json::to_value(&waiting).unwrap();
        let mut push = poll_for(&waiting, &meta, &config).unwrap();
        let mut deadline = push.deadline();
        prop_assert!(deadline <= poll.max_wait);
        if let Some((_, k)) = expiry {
            prop_assert_eq!(deadline, poll.max_wait.min(Duration::from_secs(u64::try_from(k).unwrap_or(0))));
        }
        let request = push.request();

        let mut answer = first_answer;
        let mut shown = None;
        let mut failures = 0u32;
        let mut step = push.first_step();
        let mut elapsed = start;
        for (i, (reply, later, random)) in replies.iter().enumerate() {
            // The step before this poll was a wait: check it.
            let PollStep::Wait { delay, correct_answer, show, failures: counted } = step else {
                return Err(TestCaseError::fail(format!("polled after {step:?}")));
            };
            prop_assert!(delay <= deadline, "wait {delay:?} > deadline {deadline:?}");
            prop_assert_eq!(counted, failures);
            prop_assert_eq!(correct_answer, answer);
            prop_assert_eq!(push.correct_answer(), answer);
            let expected_show = answer.filter(|a| shown != Some(*a));
            prop_assert_eq!(show, expected_show, "answer {:?}, shown last {:?}", answer, shown);
            if show.is_some() {
                shown = show;
            }
            elapsed = elapsed.saturating_add(delay).saturating_add(*later);

            let now = push.request();
            prop_assert_eq!(now.method(), request.method());
            prop_assert_eq!(now.uri(), request.uri());
            prop_assert_eq!(now.headers(), request.headers());
            prop_assert!(now.body().is_empty());

            let result = match reply {
                PollReply::Transport(kind) => {
                    push.on_transport_error(TransportError::new(*kind, "failed").into(), elapsed)
                }
                reply => push.on_response(reply.response(), elapsed, *random),
            };
            prop_assert_eq!(push.polls(), u32::try_from(i + 1).unwrap());
            if let PollReply::Waiting { answer: Some(a), .. } = reply {
                answer = Some(*a);
            }
            let transient = match reply {
                PollReply::TooMany(_) => true,
                PollReply::Failed { status, .. } => *status >= 500,
                PollReply::Transport(kind) => is_transient(*kind),
                _ => false,
            };
            if let PollReply::Waiting { .. } = reply {
                failures = 0;
                if let Some(expires) = reply.expires_in() {
                    deadline = deadline.min(elapsed.saturating_add(expires));
                }
                last_waiting = reply.waiting_body().unwrap();
            }
            if transient {
                failures += 1;
            }
            prop_assert_eq!(push.deadline(), deadline);
            let remaining = deadline.saturating_sub(elapsed);
            match (reply, &result) {
                (_, Ok(PollStep::Wait { delay, .. })) => {
                    let delay = *delay;
                    prop_assert!(!remaining.is_zero(), "waits {delay:?} after the deadline ({elapsed:?} of {deadline:?})");
                    prop_assert!(delay <= remaining, "waits {delay:?} with {remaining:?} left");
                    match reply {
                        PollReply::Waiting { .. } => {
                            prop_assert_eq!(delay, interval.min(remaining));
                        }
                        PollReply::TooMany(head) => {
                            prop_assert!(failures < MAX_CONSECUTIVE_POLL_FAILURES);
                            prop_assert!(delay >= interval.min(remaining), "429: {delay:?} < interval {interval:?}");
                            if let Some(reset) = head.reset_delay(&retry) {
                                prop_assert!(delay >= reset.min(remaining), "429: {delay:?} before the reset {reset:?}");
                            }
                            prop_assert!(delay <= interval.max(retry.max_delay));
                        }
                        _ if transient => {
                            prop_assert!(failures < MAX_CONSECUTIVE_POLL_FAILURES);
                            prop_assert_eq!(delay, interval.min(remaining));
                        }
                        other => prop_assert!(false, "{other:?} led to a wait"),
                    }
                }
                (_, Ok(PollStep::Done(outcome)))
                    if transient || matches!(reply, PollReply::Waiting { .. }) =>
                {
                    prop_assert!(remaining.is_zero(), "ended with {remaining:?} left: {outcome:?}");
                    prop_assert!(failures < MAX_CONSECUTIVE_POLL_FAILURES);
                    let VerifyOutcome::Timeout(response) = outcome else {
                        return Err(TestCaseError::fail(format!("expired as {outcome:?}")));
                    };
                    prop_assert_eq!(response.factor_result.as_ref(), Some(&FactorResult::Timeout));
                    let value = serde_json::to_value(response).unwrap();
                    prop_assert_eq!(without_result(value), without_result(last_waiting.clone()));
                    break;
                }
                (PollReply::Final(sent), Ok(PollStep::Done(outcome))) => {
                    prop_assert!(outcome.is_terminal());
                    let value = serde_json::to_value(outcome).unwrap();
                    prop_assert_eq!(value.get("factorResult").and_then(Value::as_str), *sent);
                    break;
                }
                (_, Err(error)) if transient => {
                    prop_assert_eq!(failures, MAX_CONSECUTIVE_POLL_FAILURES, "gave up early: {:?}", error);
                    match reply {
                        PollReply::Transport(kind) => {
                            prop_assert_eq!(error.transport().map(|t| t.kind), Some(*kind));
                        }
                        PollReply::TooMany(_) => prop_assert!(error.is_rate_limited()),
                        PollReply::Failed { status, .. } => {
                            prop_assert_eq!(error.status(), Some(StatusCode::from_u16(*status).unwrap()));
                        }
                        other => prop_assert!(false, "{other:?}"),
                    }
                    break;
                }
                (PollReply::Failed { status, .. } | PollReply::Garbage { status, .. }, Err(error)) => {
                    prop_assert_eq!(error.status(), Some(StatusCode::from_u16(*status).unwrap()), "{:?}", error);
                    break;
                }
                (PollReply::Transport(kind), Err(error)) => {
                    prop_assert_eq!(error.transport().map(|t| t.kind), Some(*kind));
                    break;
                }
                (reply, result) => {
                    prop_assert!(false, "{reply:?} with {remaining:?} left gave {result:?}");
                }
            }
            step = result.unwrap();
        }
    }
}

/// `show` follows the answer: each new answer is shown once, and an answer
/// that changes back is shown again (it is the number the user must now pick),
/// so "once per distinct answer" holds only while answers do not come back.
#[test]
fn show_announces_each_change_of_answer() {
    let org = org_at(0);
    let config = poll_config(&org);
    let href = format!("{org}{POLL_PATH}");
    let extra = json!({ "_embedded": { "challenge": { "correctAnswer": 1 } } });
    let waiting = waiting(Some(&href), None, extra);
    let mut push = poll_for(&waiting, &ResponseMeta::default(), &config).unwrap();
    let interval = config.poll.interval;
    let show = |step: PollStep| match step {
        PollStep::Wait { show, .. } => show,
        other => panic!("{other:?}"),
    };
    assert_eq!(show(push.first_step()), Some(1));
    let mut elapsed = Duration::ZERO;
    for (answer, expected) in [
        (Some(1), None),
        (None, None),
        (Some(2), Some(2)),
        (Some(2), None),
        (Some(1), Some(1)),
        (None, None),
    ] {
        elapsed += interval;
        let reply = PollReply::Waiting {
            status: 200,
            answer,
            empty_challenge: false,
            evil_link: false,
            content_type: Some("application/json"),
            expires: None,
        };
        let step = push.on_response(reply.response(), elapsed, 0).unwrap();
        assert_eq!(show(step), expected, "after {answer:?}");
    }
}
