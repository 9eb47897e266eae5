//! Property tests (proptest) for the call machines of
//! `okta_factors_core::policy`, driven through the [`Machine`] trait exactly
//! as a transport drives them (`next_action(now)`, `handle(outcome, now,
//! random)`): a [`Call`] with its rate-limit retries, a [`PushPoll`] (push
//! verification and activation), and a [`PushVerification`] (a verify and its
//! polling). Time is whatever the test says it is, so deadlines and time
//! limits are exercised without sleeping.
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
//! code under test: a retry's wait is checked against the documented rule
//! ([`documented_wait`]: the reset by the server's clock, or a jittered
//! backoff within known bounds, exact for the random number 0). The policies'
//! internals (`delay_for` on any retry count, the retry state after a refused
//! retry, the RFC 3339 and `Date` parsers) have unit tests in `src/policy/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, DATE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use okta_factors_core::bytes::Bytes;
use okta_factors_core::model::{FactorResult, VerifyOutcome};
use okta_factors_core::operations::{VerifyFactor, VerifyFactorRequest};
use okta_factors_core::policy::{
    Action, Call, Machine, PollPolicy, PushPoll, PushVerification, RetryPolicy, RetryReason,
    WaitReason, MAX_CONSECUTIVE_POLL_FAILURES,
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
const X_OKTA_RETRY_COUNT: HeaderName = HeaderName::from_static("x-okta-retry-count");
const X_OKTA_RETRY_FOR: HeaderName = HeaderName::from_static("x-okta-retry-for");

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

// ---------------------------------------------------------------------------
// Driving a machine
// ---------------------------------------------------------------------------

/// A config for the org of `org()` with the given retry policy and time limit
/// of a call.
fn call_config(retry: RetryPolicy, request_timeout: Duration) -> ClientConfig {
    let mut config = ClientConfig::new(org_at(0), creds());
    config.retry = retry;
    config.request_timeout = request_timeout;
    config
}

/// What a driver does after a `Send`: hands the machine what happened, then
/// asks for the next action.
fn step<M: Machine>(
    machine: &mut M,
    outcome: Result<Response<Bytes>, TransportError>,
    now: Duration,
    random: u64,
) -> Action<M::Output> {
    machine.handle(outcome, now, random);
    machine.next_action(now)
}

/// The request and time limit of `action`, which must be a `Send`.
fn sent<T: std::fmt::Debug>(
    action: Action<T>,
) -> Result<(Request<Vec<u8>>, Duration), TestCaseError> {
    match action {
        Action::Send { request, timeout } => Ok((request, timeout)),
        other => Err(TestCaseError::fail(format!(
            "expected a Send, got {other:?}"
        ))),
    }
}

/// `Done` is terminal: a machine that said `Done` answers `Done(Err(_))` to
/// any further question, at any time, also after a response nobody asked
/// for; never a `Send`, a `Wait` or a number, and never a panic.
fn check_terminal<M: Machine>(machine: &mut M, now: Duration) -> Result<(), TestCaseError>
where
    M::Output: std::fmt::Debug,
{
    for at in [now, Duration::ZERO, Duration::MAX] {
        let action = machine.next_action(at);
        prop_assert!(
            matches!(action, Action::Done(Err(_))),
            "after Done, at {:?}: {:?}",
            at,
            action
        );
    }
    let late = response(
        200,
        HeaderMap::new(),
        Some("application/json"),
        br#"{"factorResult":"SUCCESS"}"#,
    );
    let action = step(machine, Ok(late), now, 0);
    prop_assert!(
        matches!(action, Action::Done(Err(_))),
        "after Done and a response: {:?}",
        action
    );
    let reset = TransportError::new(TransportErrorKind::Io, "reset");
    let action = step(machine, Err(reset), now, 0);
    prop_assert!(
        matches!(action, Action::Done(Err(_))),
        "after Done and a failure: {:?}",
        action
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// The wait of a rate-limit retry
// ---------------------------------------------------------------------------

/// A `429` with `headers` and `body`.
fn too_many(headers: HeaderMap, body: &[u8]) -> Response<Bytes> {
    response(429, headers, None, body)
}

/// The documented wait of a rate-limit retry after a `429` with `head`, when
/// `retries` retries were made before: its bounds and its reason. A
/// concurrent-limit `429` (limit and remaining both 0, repeated headers by
/// their minimum) backs off from `concurrent_delay`; otherwise a usable
/// `X-Rate-Limit-Reset` and `Date` give exactly `Reset − Date + 1 s` (1 s when
/// the reset has passed); otherwise it backs off from `fallback_delay`. A
/// backoff is `base · 2^retries` plus at most half again (exactly `base ·
/// 2^retries` for the random number 0). Every wait is at most `max_delay`.
fn documented_wait(
    policy: &RetryPolicy,
    head: &Head,
    retries: u32,
    random: u64,
) -> (Duration, Duration, RetryReason) {
    let (low, high, reason) = if head.is_concurrent_limit() {
        let (low, high) = backoff_bounds(policy.concurrent_delay, retries, policy.max_delay);
        (low, high, RetryReason::ConcurrentLimit)
    } else if let Some(reset) = head.reset_delay(policy) {
        (reset, reset, RetryReason::RateLimitReset)
    } else {
        let (low, high) = backoff_bounds(policy.fallback_delay, retries, policy.max_delay);
        (low, high, RetryReason::Fallback)
    };
    if random == 0 {
        (low, low, reason)
    } else {
        (low, high, reason)
    }
}

/// What a call of `policy` without a time limit does after its first answer,
/// a `429` with `headers` and `body`, handed over with `random`.
fn after_one_429(
    policy: RetryPolicy,
    headers: HeaderMap,
    body: &[u8],
    random: u64,
) -> Result<Action<okta_factors_core::OktaResponse<VerifyOutcome>>, TestCaseError> {
    let op = verify();
    let config = call_config(policy, Duration::MAX);
    let mut call = Call::new(&op, &config);
    sent(call.next_action(Duration::ZERO))?;
    Ok(step(
        &mut call,
        Ok(too_many(headers, body)),
        Duration::ZERO,
        random,
    ))
}

#[test]
fn header_oracles_agree_with_known_values() {
    // The garbage generators really produce garbage for the crate's parsers:
    // with a usable reset but a garbage `Date`, or a garbage reset and a
    // usable `Date`, a call backs off (1 s for the default policy and the
    // random number 0) instead of waiting for the reset.
    let fallback = |map: HeaderMap| {
        let action = after_one_429(RetryPolicy::default(), map, b"", 0).unwrap();
        matches!(
            action,
            Action::Wait {
                delay,
                reason: WaitReason::RateLimit { retry: 1, reason: RetryReason::Fallback },
            } if delay == Duration::from_secs(1)
        )
    };
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..2_000 {
        let date = garbage_date().new_tree(&mut runner).unwrap().current();
        let mut map = HeaderMap::new();
        append(&mut map, &DATE, &date.bytes);
        append(&mut map, &X_RATE_LIMIT_RESET, b"1600000060");
        assert!(fallback(map), "{:?}", String::from_utf8_lossy(&date.bytes));
        let number = garbage_number().new_tree(&mut runner).unwrap().current();
        let mut map = HeaderMap::new();
        append(&mut map, &X_RATE_LIMIT_RESET, &number.bytes);
        assert_eq!(RateLimit::from_headers(&map).reset, None, "{number:?}");
        append(&mut map, &DATE, imf_fixdate(1_600_000_000).as_bytes());
        assert!(fallback(map), "{number:?}");
    }
    // And the usable pair is read: 30 s to the reset, plus one.
    let mut map = HeaderMap::new();
    append(&mut map, &DATE, imf_fixdate(1_600_000_000).as_bytes());
    append(&mut map, &X_RATE_LIMIT_RESET, b"1600000030");
    assert!(matches!(
        after_one_429(RetryPolicy::default(), map, b"", 0).unwrap(),
        Action::Wait {
            delay,
            reason: WaitReason::RateLimit { retry: 1, reason: RetryReason::RateLimitReset },
        } if delay == Duration::from_secs(31)
    ));
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

    /// A call's wait before retry `prior + 1` reads the headers of the `429`
    /// as documented ([`documented_wait`]): the reset by the server's clock,
    /// the concurrent-limit backoff or the fallback backoff, with the
    /// exponent of the retries made before (the `prior` quick retries), and
    /// its reason says which. Every wait is within `max_delay`, and headers
    /// the rule does not name (`Retry-After` and friends) change nothing. A
    /// wait is refused only when it cannot be made at all (it would take the
    /// total past `Duration::MAX`, or last as long as all the time there is).
    #[test]
    fn rate_limit_waits_follow_the_documented_headers(
        policy in policy(),
        head in head(),
        prior in 0u32..=20,
        random in random(),
    ) {
        let policy = policy.max_retries(prior + 1).max_total_wait(Duration::MAX);
        let op = verify();
        let config = call_config(policy, Duration::MAX);
        // `prior` rate limits whose window resets at once: 1 s each.
        let quick = || {
            let mut map = HeaderMap::new();
            append(&mut map, &DATE, imf_fixdate(1_600_000_000).as_bytes());
            append(&mut map, &X_RATE_LIMIT_RESET, b"1600000000");
            map
        };
        let quick_wait = Duration::from_secs(1).min(policy.max_delay);
        let run = |headers: HeaderMap| -> Result<Option<(Duration, RetryReason)>, TestCaseError> {
            let mut call = Call::new(&op, &config);
            for n in 0..prior {
                sent(call.next_action(Duration::ZERO))?;
                let action = step(&mut call, Ok(too_many(quick(), b"")), Duration::ZERO, random);
                let Action::Wait {
                    delay,
                    reason: WaitReason::RateLimit { retry, reason: RetryReason::RateLimitReset },
                } = action else {
                    return Err(TestCaseError::fail(format!("quick retry {}: {action:?}", n + 1)));
                };
                prop_assert_eq!((delay, retry), (quick_wait, n + 1));
            }
            sent(call.next_action(Duration::ZERO))?;
            match step(&mut call, Ok(too_many(headers, b"")), Duration::ZERO, random) {
                Action::Wait { delay, reason: WaitReason::RateLimit { retry, reason } } => {
                    prop_assert_eq!(retry, prior + 1);
                    Ok(Some((delay, reason)))
                }
                Action::Done(Err(error)) => {
                    prop_assert!(error.is_rate_limited(), "{:?}", error);
                    Ok(None)
                }
                other => Err(TestCaseError::fail(format!("{other:?}"))),
            }
        };
        let (low, high, documented) = documented_wait(&policy, &head, prior, random);
        let waited = run(head.to_map(false))?;
        match waited {
            Some((delay, reason)) => {
                prop_assert!(
                    delay <= policy.max_delay,
                    "{delay:?} ({reason:?}) > max_delay {:?}", policy.max_delay
                );
                prop_assert_eq!(reason, documented);
                prop_assert!(
                    low <= delay && delay <= high,
                    "{:?} delay {:?} outside [{:?}, {:?}] for retry {}: reset {:?} date {:?}",
                    reason, delay, low, high, prior + 1, head.reset(), head.date()
                );
            }
            None => {
                let before = quick_wait * prior;
                prop_assert!(
                    high.checked_add(before).is_none() || high == Duration::MAX,
                    "a wait of at most {high:?} after {before:?} was refused"
                );
            }
        }
        let noisy = head.to_map(true);
        prop_assert_eq!(run(noisy.clone())?, waited, "undocumented headers changed the wait: {:?}", noisy);
    }

    /// On any header names and bytes at all, a call's wait after a `429`
    /// stays within `max_delay`, and its reason agrees with the crate's own
    /// reading of the rate-limit headers (`RateLimit::from_headers`): the
    /// concurrent limit first, and no wait until a reset it cannot read.
    #[test]
    fn rate_limit_waits_are_bounded_on_any_headers(
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
        random in random(),
    ) {
        let policy = policy.max_retries(policy.max_retries.max(1));
        let mut map = HeaderMap::new();
        for (name, value) in &headers {
            append(&mut map, &HeaderName::from_bytes(name.as_bytes()).unwrap(), value);
        }
        let limits = RateLimit::from_headers(&map);
        match after_one_429(policy, map.clone(), b"", random)? {
            Action::Wait { delay, reason: WaitReason::RateLimit { retry: 1, reason } } => {
                prop_assert!(delay <= policy.max_delay, "{delay:?} > {:?}", policy.max_delay);
                if limits.is_concurrent_limit() {
                    prop_assert_eq!(reason, RetryReason::ConcurrentLimit, "{:?}", map);
                } else if limits.reset.is_none() {
                    prop_assert_eq!(reason, RetryReason::Fallback, "{:?}", map);
                } else {
                    prop_assert_ne!(reason, RetryReason::ConcurrentLimit, "{:?}", map);
                }
            }
            Action::Done(Err(error)) => {
                prop_assert!(error.is_rate_limited(), "{:?}", error);
                // Refused: the wait, at most max_delay, would break max_total_wait
                // or take all the time there is.
                prop_assert!(
                    policy.max_delay > policy.max_total_wait || policy.max_delay == Duration::MAX,
                    "refused within {policy:?}"
                );
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}

// ---------------------------------------------------------------------------
// Retries of one call
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

fn values(map: &HeaderMap, name: &HeaderName) -> Vec<HeaderValue> {
    map.get_all(name).iter().cloned().collect()
}

/// A response with `status`, `head` and `body`, typed JSON when it is Okta's.
fn response_of(status: StatusCode, head: &Head, body: &Body) -> Response<Bytes> {
    let content_type =
        matches!(body, Body::RateLimited | Body::Throttle(_)).then_some("application/json");
    response(
        status.as_u16(),
        head.to_map(true),
        content_type,
        &body.bytes(),
    )
}

/// The retry headers of attempt `retries` (from 0): none on the first one;
/// then `X-Okta-Retry-Count: retries`, once, and `X-Okta-Retry-For` quoting
/// `retry_for` (the request ID of the first retried `429` that had one).
fn check_retry_headers(
    request: &Request<Vec<u8>>,
    retries: u32,
    retry_for: Option<&HeaderValue>,
) -> Result<(), TestCaseError> {
    if retries == 0 {
        prop_assert!(
            !request.headers().contains_key(X_OKTA_RETRY_COUNT),
            "retry count on the first attempt"
        );
        prop_assert!(
            !request.headers().contains_key(X_OKTA_RETRY_FOR),
            "retry-for on the first attempt"
        );
    } else {
        prop_assert_eq!(
            values(request.headers(), &X_OKTA_RETRY_COUNT),
            vec![HeaderValue::from(retries)],
            "attempt {}",
            retries
        );
        prop_assert_eq!(
            values(request.headers(), &X_OKTA_RETRY_FOR),
            retry_for.into_iter().cloned().collect::<Vec<_>>(),
            "attempt {}",
            retries
        );
    }
    Ok(())
}

/// What a call without a time limit did over `responses`: its waits (delay
/// and reason) and the total waited.
fn waits_of_a_call(
    policy: RetryPolicy,
    responses: &[(StatusCode, Head, Body, u64)],
) -> Result<(Vec<(Duration, WaitReason)>, Duration), TestCaseError> {
    let op = verify();
    let config = call_config(policy, Duration::MAX);
    let mut call = Call::new(&op, &config);
    let mut waits = Vec::new();
    let mut total = Duration::ZERO;
    for (status, head, body, random) in responses {
        sent(call.next_action(Duration::ZERO))?;
        match step(
            &mut call,
            Ok(response_of(*status, head, body)),
            Duration::ZERO,
            *random,
        ) {
            Action::Wait { delay, reason } => {
                waits.push((delay, reason));
                total = total
                    .checked_add(delay)
                    .ok_or_else(|| TestCaseError::fail("the waits overflow"))?;
            }
            Action::Done(_) => break,
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        }
    }
    Ok((waits, total))
}

proptest! {
    #![proptest_config(config(512))]

    /// A call over any sequence of responses, with no time limit: only
    /// rate-limit `429`s are retried (a 5xx is final like any other status,
    /// and so is a `429` whose Okta body names another code than `E0000047`:
    /// `E0000109`, `E0000118`, …); retry `n` is numbered `n` and waits what
    /// the headers say ([`documented_wait`] for `n − 1` retries so far,
    /// within `max_delay`); retries never exceed `max_retries` and their total
    /// never exceeds `max_total_wait`; a rate-limit `429` ends the call only
    /// when one of those limits would be broken, with the `429` error (and a
    /// throttle with its code). Attempt `n` carries `X-Okta-Retry-Count: n`
    /// (once) and `X-Okta-Retry-For` with the request ID of the first retried
    /// `429` that had one, and the first attempt neither.
    #[test]
    fn call_retries_only_rate_limits_within_the_policy(
        policy in policy(),
        responses in vec((status(), head(), body(), random()), 1..12),
    ) {
        let op = verify();
        let config = call_config(policy, Duration::MAX);
        let mut call = Call::new(&op, &config);
        let mut retries = 0u32;
        let mut total = Duration::ZERO;
        let mut retry_for: Option<HeaderValue> = None;
        for (status, head, body, random) in &responses {
            let (request, timeout) = sent(call.next_action(Duration::ZERO))?;
            prop_assert_eq!(timeout, Duration::MAX);
            check_retry_headers(&request, retries, retry_for.as_ref())?;
            let rate_limit = *status == StatusCode::TOO_MANY_REQUESTS && body.is_rate_limit();
            let (low, high, documented) = documented_wait(&policy, head, retries, *random);
            match step(&mut call, Ok(response_of(*status, head, body)), Duration::ZERO, *random) {
                Action::Wait { delay, reason: WaitReason::RateLimit { retry, reason } } => {
                    prop_assert!(rate_limit, "retried a {} with {:?}", status, body);
                    prop_assert!(retries < policy.max_retries, "more than {} retries", policy.max_retries);
                    prop_assert_eq!(reason, documented);
                    prop_assert!(
                        low <= delay && delay <= high,
                        "{reason:?} wait {delay:?} outside [{low:?}, {high:?}]"
                    );
                    prop_assert!(delay <= policy.max_delay);
                    retries += 1;
                    prop_assert_eq!(retry, retries, "retry number");
                    total = total.checked_add(delay).unwrap_or(Duration::MAX);
                    prop_assert!(
                        total <= policy.max_total_wait,
                        "total wait {total:?} > max_total_wait {:?}", policy.max_total_wait
                    );
                    if retry_for.is_none() {
                        retry_for = head.request_id();
                    }
                }
                Action::Done(result) => {
                    if rate_limit {
                        prop_assert!(
                            retries >= policy.max_retries
                                || total.checked_add(high).is_none_or(|t| t > policy.max_total_wait)
                                || high == Duration::MAX,
                            "a 429 within every limit was not retried: {retries} retries, \
                             {total:?} + at most {high:?} waited, policy {policy:?}"
                        );
                    }
                    if *status == StatusCode::TOO_MANY_REQUESTS {
                        let error = result.err().unwrap();
                        prop_assert!(error.is_rate_limited(), "{:?}", error);
                        if let Body::Throttle(code) = body {
                            prop_assert_eq!(error.error_code(), Some(*code));
                        }
                    }
                    prop_assert_eq!(call.retries(), retries);
                    check_terminal(&mut call, Duration::ZERO)?;
                    return Ok(());
                }
                other => prop_assert!(false, "{:?}", other),
            }
            prop_assert_eq!(call.retries(), retries);
        }
    }

    /// `max_total_wait` is an inclusive bound: the same responses under a limit
    /// of exactly the total waited get exactly the same waits, and under
    /// one nanosecond less (when anything was waited) some retry is refused.
    #[test]
    fn max_total_wait_is_an_inclusive_bound(
        policy in policy(),
        responses in vec((status(), head(), body(), random()), 1..12),
    ) {
        let (waits, total) = waits_of_a_call(policy, &responses)?;
        prop_assert_eq!(waits_of_a_call(policy.max_total_wait(total), &responses)?, (waits.clone(), total));
        if let Some(less) = total.checked_sub(Duration::from_nanos(1)) {
            let (fewer, less_total) = waits_of_a_call(policy.max_total_wait(less), &responses)?;
            prop_assert_ne!(&fewer, &waits, "a limit below the total {:?} refused nothing", total);
            prop_assert!(less_total <= less);
        }
    }

    /// With retrying disabled a call sends once, without retry headers, and
    /// its first answer, whatever it is, is the result.
    #[test]
    fn disabled_policy_never_retries(
        policy in policy(),
        (status, head, body, random) in (status(), head(), body(), random()),
        disabled in any::<bool>(),
    ) {
        let policy = if disabled { RetryPolicy::disabled() } else { policy.max_retries(0) };
        let op = verify();
        let config = call_config(policy, Duration::MAX);
        let mut call = Call::new(&op, &config);
        let (request, _) = sent(call.next_action(Duration::ZERO))?;
        check_retry_headers(&request, 0, None)?;
        let action = step(&mut call, Ok(response_of(status, &head, &body)), Duration::ZERO, random);
        prop_assert!(matches!(action, Action::Done(_)), "{:?}", action);
        prop_assert_eq!(call.retries(), 0);
        check_terminal(&mut call, Duration::ZERO)?;
    }
}

// ---------------------------------------------------------------------------
// A call over time
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
) -> Response<Bytes> {
    let mut response = Response::new(Bytes::copy_from_slice(body));
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

    fn response(&self) -> Response<Bytes> {
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
/// A call's time limit (`ClientConfig::request_timeout`): none to speak of,
/// a few seconds or minutes, or nothing at all.
fn time_limit() -> BoxedStrategy<Duration> {
    prop_oneof![
        2 => Just(Duration::MAX),
        3 => (0u64..=130_000).prop_map(Duration::from_millis),
        1 => (0u64..=3_000).prop_map(Duration::from_millis),
        1 => Just(Duration::ZERO),
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

    /// One call over any sequence of responses, with a time limit and time
    /// passing (each request takes a while, and a driver may oversleep a
    /// wait): attempt `n` (from 0) is the first request exactly (method, URI,
    /// body, `Authorization` and every other header) plus, from the first
    /// retry on, `X-Okta-Retry-Count: n` and `X-Okta-Retry-For` quoting the
    /// first retried `429`'s request ID. Nothing is sent once the time limit
    /// has passed (the call is then a request timeout), and each `Send` may
    /// take exactly what is left of it. A wait is what the headers say
    /// ([`documented_wait`]), never for a business throttle (`E0000109`, …),
    /// and always shorter than the time left; otherwise the call is `Done`,
    /// within `max_retries + 1` responses, with the last response parsed: the
    /// verify result for a valid `200`, the `429` error (with its rate-limit
    /// headers and, for a throttle, its code) when retrying stops or is not
    /// allowed, the status's error for anything else. `Done` is terminal.
    #[test]
    fn call_resends_the_same_request_until_done(
        policy in policy(),
        replies in vec((reply(), random(), extra_time(), extra_time()), 1..10),
        limit in time_limit(),
        flags in any::<(bool, bool, bool)>(),
    ) {
        let op = verify_op(flags);
        let config = call_config(policy, limit);
        let mut call = Call::new(&op, &config);
        let mut now = Duration::ZERO;
        let mut first: Option<Request<Vec<u8>>> = None;
        let mut total = Duration::ZERO;
        let mut retry_for: Option<HeaderValue> = None;
        for (n, (reply, random, took, overslept)) in replies.iter().enumerate() {
            let n = u32::try_from(n).unwrap();
            prop_assert_eq!(call.retries(), n);
            let request = match call.next_action(now) {
                Action::Send { request, timeout } => {
                    prop_assert!(now < limit, "sent at {:?}, past the time limit {:?}", now, limit);
                    prop_assert_eq!(timeout, limit - now, "the time left at {:?}", now);
                    request
                }
                Action::Done(Err(error)) => {
                    prop_assert!(now >= limit, "{:?} at {:?} of {:?}", error, now, limit);
                    prop_assert_eq!(
                        error.transport().map(|t| t.kind),
                        Some(TransportErrorKind::Timeout(TimeoutLimit::Request))
                    );
                    check_terminal(&mut call, now)?;
                    return Ok(());
                }
                other => return Err(TestCaseError::fail(format!("attempt {n}: {other:?}"))),
            };
            check_retry_headers(&request, n, retry_for.as_ref())?;
            let first = first.get_or_insert_with(|| {
                let mut copy = Request::new(request.body().clone());
                *copy.version_mut() = request.version();
                *copy.method_mut() = request.method().clone();
                *copy.uri_mut() = request.uri().clone();
                *copy.headers_mut() = request.headers().clone();
                copy
            });
            same_request_apart_from_retry_headers(first, &request)?;
            let authorization = config.credentials.authorization();
            prop_assert_eq!(request.headers().get(AUTHORIZATION), authorization.as_ref());

            now = now.saturating_add(*took);
            let left = limit.saturating_sub(now);
            let rate_limit = matches!(reply, Reply::TooMany { body, .. } if body.is_rate_limit());
            let documented = match reply {
                Reply::TooMany { head, .. } => Some(documented_wait(&policy, head, n, *random)),
                _ => None,
            };
            match step(&mut call, Ok(reply.response()), now, *random) {
                Action::Wait { delay, reason: WaitReason::RateLimit { retry, reason } } => {
                    if let Reply::TooMany { body: body @ Body::Throttle(_), .. } = reply {
                        prop_assert!(false, "retried a business throttle {:?}", body);
                    }
                    prop_assert!(rate_limit, "retried {:?}", reply);
                    let (low, high, expected) = documented.unwrap();
                    prop_assert_eq!(reason, expected);
                    prop_assert!(low <= delay && delay <= high, "waits {delay:?}, not in [{low:?}, {high:?}]");
                    prop_assert!(n < policy.max_retries);
                    prop_assert_eq!(retry, n + 1);
                    prop_assert!(delay < left, "waits {delay:?} with {left:?} left");
                    total = total.saturating_add(delay);
                    prop_assert!(total <= policy.max_total_wait);
                    if retry_for.is_none() {
                        if let Reply::TooMany { head, .. } = reply {
                            retry_for = head.request_id();
                        }
                    }
                    now = now.saturating_add(delay).saturating_add(*overslept);
                }
                Action::Done(result) => {
                    if rate_limit && n < policy.max_retries {
                        let (_, high, _) = documented.unwrap();
                        prop_assert!(
                            high >= left || total.checked_add(high).is_none_or(|t| t > policy.max_total_wait),
                            "a wait of at most {high:?} with {left:?} left, {total:?} waited, was refused"
                        );
                    }
                    prop_assert!(n <= policy.max_retries);
                    check_done(reply, &reply.headers(), result)?;
                    check_terminal(&mut call, now)?;
                    return Ok(());
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
        prop_assert!(
            replies.len() <= usize::try_from(policy.max_retries).unwrap_or(usize::MAX),
            "{} responses retried with max_retries {}", replies.len(), policy.max_retries
        );
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

/// The first poll request of `push`, after the number to show and the first
/// wait.
fn first_poll<M: Machine>(push: &mut M) -> Result<Request<Vec<u8>>, TestCaseError>
where
    M::Output: std::fmt::Debug,
{
    let mut now = Duration::ZERO;
    for _ in 0..3 {
        match push.next_action(now) {
            Action::Send { request, .. } => return Ok(request),
            Action::Wait { delay, .. } => now = now.saturating_add(delay),
            Action::ShowNumber(_) => {}
            Action::Done(result) => {
                return Err(TestCaseError::fail(format!(
                    "ended before polling: {result:?}"
                )))
            }
        }
    }
    Err(TestCaseError::fail("no poll after three actions"))
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
    let authorization = config.credentials.authorization();
    prop_assert_eq!(request.headers().get(AUTHORIZATION), authorization.as_ref());
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
            Ok(mut poll) => {
                let request = first_poll(&mut poll)?;
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
            Ok(mut poll) => {
                let request = first_poll(&mut poll)?;
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
    /// date); garbage in either is ignored. Before the first poll the machine
    /// shows the number-matching answer if there is one, then waits one
    /// interval (at least 1 s), cut to the deadline (no wait at all when that
    /// is 0), then polls, with the client's time limit for the request.
    #[test]
    fn poll_deadline_is_max_wait_or_the_earlier_expiry(
        (expires, date) in (MARGIN..MAX_HTTP_DATE - MARGIN)
            .prop_flat_map(|d| (expires_at(d), date_header(d))),
        poll in poll_policy(),
        answer in prop::option::of(any::<u32>()),
    ) {
        let org = org_at(0);
        let mut config = poll_config(&org);
        config.poll = poll;
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
        if let Some(answer) = answer {
            let action = push.next_action(Duration::ZERO);
            prop_assert!(matches!(action, Action::ShowNumber(n) if n == answer), "{:?}", action);
        }
        let delay = interval_of(&poll).min(deadline);
        if !delay.is_zero() {
            let action = push.next_action(Duration::ZERO);
            prop_assert!(
                matches!(action, Action::Wait { delay: d, reason: WaitReason::Poll { polls: 0, failures: 0 } } if d == delay),
                "{:?} instead of a wait of {:?}", action, delay
            );
        }
        let (request, timeout) = sent(push.next_action(delay))?;
        prop_assert_eq!(timeout, config.request_timeout);
        check_poll_request(&request, &org, &config)?;
    }
}

/// The deadline of a push whose `WAITING` answer says `expires_at` and came
/// with the server's `Date` `date`, under a `max_wait` that never comes first.
fn deadline_of(expires_at: &str, date: u64) -> Duration {
    let org = org_at(0);
    let mut config = poll_config(&org);
    config.poll = PollPolicy::default().max_wait(Duration::MAX);
    let href = format!("{org}{POLL_PATH}");
    let waiting = waiting(Some(&href), None, json!({ "expiresAt": expires_at }));
    let stamp = Stamp {
        text: imf_fixdate(date),
        secs: Some(date),
    };
    poll_for(&waiting, &meta_with_date(Some(&stamp)), &config)
        .unwrap()
        .deadline()
}

#[test]
fn deadline_oracle_agrees_with_the_push_machine() {
    // The garbage timestamps really are garbage for the machine, and the
    // usable ones say what the generator meant.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let date = 1_600_000_000u64;
    for _ in 0..2_000 {
        let text = garbage_rfc3339().new_tree(&mut runner).unwrap().current();
        assert_eq!(deadline_of(&text, date), Duration::MAX, "{text:?}");
        let stamp = expires_at(date).new_tree(&mut runner).unwrap().current();
        if let Some(Stamp {
            text,
            secs: Some(secs),
        }) = stamp
        {
            assert_eq!(
                deadline_of(&text, date),
                Duration::from_secs(secs.saturating_sub(date)),
                "{text:?}"
            );
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

    fn response(&self) -> Response<Bytes> {
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

impl PollReply {
    /// What the transport hands the machine for this reply.
    fn outcome(&self) -> Result<Response<Bytes>, TransportError> {
        match self {
            Self::Transport(kind) => Err(TransportError::new(*kind, "failed")),
            reply => Ok(reply.response()),
        }
    }
}

/// What a push machine does up to its next poll.
#[allow(clippy::large_enum_variant)] // A test's value, matched at once.
enum Next<T> {
    /// A number to show, a wait (`None` when its delay is zero), then the poll
    /// and its time limit.
    Poll {
        show: Option<u32>,
        wait: Option<(Duration, WaitReason)>,
        request: Request<Vec<u8>>,
        timeout: Duration,
    },
    /// The end.
    Done(Result<T, Error>),
}

/// Asks `machine` for actions from `now` on, sleeping through its wait,
/// until it polls or ends. Before a poll come at most one number and one
/// wait, in this order; nothing comes before the end.
fn until_poll<M: Machine>(machine: &mut M, now: Duration) -> Result<Next<M::Output>, TestCaseError>
where
    M::Output: std::fmt::Debug,
{
    let mut show = None;
    let mut wait = None;
    let mut now = now;
    loop {
        match machine.next_action(now) {
            Action::ShowNumber(number) => {
                prop_assert!(
                    show.is_none() && wait.is_none(),
                    "the number {} after {:?} and {:?}",
                    number,
                    show,
                    wait
                );
                show = Some(number);
            }
            Action::Wait { delay, reason } => {
                prop_assert!(
                    wait.is_none(),
                    "two waits in a row: {:?}, then {:?}",
                    wait,
                    (delay, reason)
                );
                wait = Some((delay, reason));
                now = now.saturating_add(delay);
            }
            Action::Send { request, timeout } => {
                return Ok(Next::Poll {
                    show,
                    wait,
                    request,
                    timeout,
                });
            }
            Action::Done(result) => {
                prop_assert!(
                    show.is_none() && wait.is_none(),
                    "ended after {:?} and {:?}: {:?}",
                    show,
                    wait,
                    result
                );
                return Ok(Next::Done(result));
            }
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Polling a push over any sequence of poll responses and transport
    /// failures, at increasing times (each poll at least its wait after the
    /// previous one):
    ///
    /// * the poll request never changes (a later response's poll link is
    ///   ignored): on the org, with its credentials, each within the client's
    ///   time limit;
    /// * every wait fits in what is left of the deadline; after `WAITING` it
    ///   is one interval (at least 1 s, cut to the deadline); a `WAITING` that
    ///   says when it expires (`expiresAt − Date`) brings the deadline closer,
    ///   never further;
    /// * a transient failure (`429`, `5xx`, a broken or refused connection, a
    ///   timeout) is waited out: at least an interval (after a `429`, at least
    ///   until the reset; at most `max(interval, max_delay)`), cut to the
    ///   deadline, and counts in `failures`; the 4th in a row is the error
    ///   itself; a good poll starts the count again;
    /// * the push expiring is `Done(Timeout)`, never an error: a `WAITING` or
    ///   a transient failure with no time left ends with the last `WAITING`
    ///   response, every member kept, `factorResult` set to `TIMEOUT`;
    /// * a final result is `Done` with that result as sent (Okta's `TIMEOUT`
    ///   included); other error statuses, bodies that are not a verify result
    ///   and other transport failures are errors with their status or kind;
    /// * `Done` is terminal.
    ///
    /// The number-matching answer is the latest one sent, and a number is
    /// shown before a wait exactly when it differs from the one shown last —
    /// so each answer is shown once, the first time it is known, unless it
    /// changes and later changes back.
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
        let mut config = poll_config(&org);
        config.poll = poll;
        config.retry = retry;
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

        let mut answer = first_answer;
        let mut shown = None;
        let mut failures = 0u32;
        let mut elapsed = start;
        let mut first_headers: Option<HeaderMap> = None;
        let mut next = until_poll(&mut push, elapsed)?;
        for (i, (reply, later, random)) in replies.iter().enumerate() {
            let polls = u32::try_from(i).unwrap();
            // What came before this poll: the number, the wait, the poll.
            let Next::Poll { show, wait, request, timeout } = next else {
                return Err(TestCaseError::fail(format!("poll {polls} after the end")));
            };
            let delay = wait.map_or(Duration::ZERO, |(delay, _)| delay);
            if let Some((_, reason)) = wait {
                prop_assert_eq!(reason, WaitReason::Poll { polls, failures });
            }
            prop_assert!(delay <= deadline, "wait {delay:?} > deadline {deadline:?}");
            prop_assert_eq!(push.correct_answer(), answer);
            let expected_show = answer.filter(|a| shown != Some(*a));
            prop_assert_eq!(show, expected_show, "answer {:?}, shown last {:?}", answer, shown);
            if show.is_some() {
                shown = show;
            }
            elapsed = elapsed.saturating_add(delay).saturating_add(*later);

            prop_assert_eq!(timeout, config.request_timeout);
            check_poll_request(&request, &org, &config)?;
            prop_assert_eq!(request.uri().to_string(), href.clone());
            let first_headers = first_headers.get_or_insert_with(|| request.headers().clone());
            prop_assert_eq!(request.headers(), &*first_headers);

            push.handle(reply.outcome(), elapsed, *random);
            prop_assert_eq!(push.polls(), polls + 1);
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
            next = until_poll(&mut push, elapsed)?;
            match (reply, &next) {
                (_, Next::Poll { wait, .. }) => {
                    let Some((delay, _)) = *wait else {
                        return Err(TestCaseError::fail(format!("polls again at once after {reply:?}")));
                    };
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
                        other => prop_assert!(false, "{:?} led to a wait", other),
                    }
                    continue;
                }
                (_, Next::Done(Ok(outcome)))
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
                }
                (PollReply::Final(sent), Next::Done(Ok(outcome))) => {
                    prop_assert!(outcome.is_terminal());
                    let value = serde_json::to_value(outcome).unwrap();
                    prop_assert_eq!(value.get("factorResult").and_then(Value::as_str), *sent);
                }
                (_, Next::Done(Err(error))) if transient => {
                    prop_assert_eq!(failures, MAX_CONSECUTIVE_POLL_FAILURES, "gave up early: {:?}", error);
                    match reply {
                        PollReply::Transport(kind) => {
                            prop_assert_eq!(error.transport().map(|t| t.kind), Some(*kind));
                        }
                        PollReply::TooMany(_) => prop_assert!(error.is_rate_limited()),
                        PollReply::Failed { status, .. } => {
                            prop_assert_eq!(error.status(), Some(StatusCode::from_u16(*status).unwrap()));
                        }
                        other => prop_assert!(false, "{:?}", other),
                    }
                }
                (PollReply::Failed { status, .. } | PollReply::Garbage { status, .. }, Next::Done(Err(error))) => {
                    prop_assert_eq!(error.status(), Some(StatusCode::from_u16(*status).unwrap()), "{:?}", error);
                }
                (PollReply::Transport(kind), Next::Done(Err(error))) => {
                    prop_assert_eq!(error.transport().map(|t| t.kind), Some(*kind));
                }
                (reply, Next::Done(result)) => {
                    prop_assert!(false, "{:?} with {:?} left gave {:?}", reply, remaining, result);
                }
            }
            check_terminal(&mut push, elapsed)?;
            break;
        }
    }
}

/// A number is shown as the answer changes: each new answer once, and an
/// answer that changes back again (it is the number the user must now pick),
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
    let show = |next: Next<VerifyOutcome>| match next {
        Next::Poll { show, .. } => show,
        Next::Done(result) => panic!("{result:?}"),
    };
    assert_eq!(
        show(until_poll(&mut push, Duration::ZERO).unwrap()),
        Some(1)
    );
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
        push.handle(reply.outcome(), elapsed, 0);
        let next = until_poll(&mut push, elapsed).unwrap();
        assert_eq!(show(next), expected, "after {answer:?}");
    }
}

// ---------------------------------------------------------------------------
// PushVerification: a verify, then its polling
// ---------------------------------------------------------------------------

/// What the verify request of a push gets back.
#[derive(Debug, Clone)]
enum VerifyReply {
    /// An answer of the verify call: a `429`, a final result, an error status,
    /// or garbage.
    Call(Reply),
    /// `WAITING` (`201`): the push was sent. Its poll link names a transaction
    /// (or there is none), and it may carry the number to pick.
    Waiting { link: bool, answer: Option<u32> },
    /// No response: the transport failed.
    Transport(TransportErrorKind),
}

fn verify_reply() -> BoxedStrategy<VerifyReply> {
    prop_oneof![
        4 => reply().prop_map(VerifyReply::Call),
        4 => (prop_oneof![6 => Just(true), 1 => Just(false)], answer())
            .prop_map(|(link, answer)| VerifyReply::Waiting { link, answer }),
        1 => transport_kind().prop_map(VerifyReply::Transport),
    ]
    .boxed()
}

impl VerifyReply {
    /// What the transport hands the machine for this reply.
    fn outcome(&self) -> Result<Response<Bytes>, TransportError> {
        match self {
            Self::Call(reply) => Ok(reply.response()),
            Self::Waiting { link, answer } => {
                let mut body = json!({ "factorResult": "WAITING", "_links": {} });
                if *link {
                    body["_links"] =
                        json!({ "poll": { "href": format!("{}{POLL_PATH}", org_at(0)) } });
                }
                if let Some(answer) = answer {
                    body["_embedded"] = json!({ "challenge": { "correctAnswer": answer } });
                }
                Ok(response(
                    201,
                    HeaderMap::new(),
                    Some("application/json"),
                    body.to_string().as_bytes(),
                ))
            }
            Self::Transport(kind) => Err(TransportError::new(*kind, "failed")),
        }
    }
}

/// A push verify of the user and factor of `POLL_PATH`.
fn push_verify() -> VerifyFactor {
    verify().body(VerifyFactorRequest::number_matching())
}

proptest! {
    #![proptest_config(config(256))]

    /// A push verification over any answers to its verify and its polls, with
    /// time passing: it sends the verify (again only to retry a rate limit,
    /// each within what is left of the call's time limit), and polls only
    /// after a `WAITING` answer that names a transaction: every poll on the
    /// org, within the client's time limit. Rate-limit waits come only before
    /// that answer, poll waits and numbers only after it, and the number shown
    /// is the latest one Okta sent. It ends with the verify's own result (a
    /// final result, its error, a link error for a `WAITING` without a
    /// transaction), or what polling ends with; never `WAITING`. It takes at
    /// most three actions per request, and `Done` is terminal.
    #[test]
    fn push_verification_polls_only_after_a_waiting_answer(
        retry in policy(),
        poll in poll_policy(),
        limit in time_limit(),
        verify_replies in vec((verify_reply(), random(), extra_time()), 1..6),
        poll_replies in vec((poll_reply(), random(), extra_time()), 0..8),
    ) {
        let org = org_at(0);
        let mut config = poll_config(&org);
        config.retry = retry;
        config.poll = poll;
        config.request_timeout = limit;
        let verify = push_verify();
        let mut push = PushVerification::new(&verify, &config);
        let verify_url = format!("{org}/api/v1/users/00u1/factors/opf1/verify");
        let mut now = Duration::ZERO;
        let mut verifies = verify_replies.iter();
        let mut polls = poll_replies.iter();
        let mut waiting = false;
        let mut answer = None;
        let mut last_verify: Option<&VerifyReply> = None;
        let mut last_poll: Option<&PollReply> = None;
        let bound = 3 * (verify_replies.len() + poll_replies.len() + 1) + 1;
        for _ in 0..bound {
            match push.next_action(now) {
                Action::Send { request, timeout } if !waiting => {
                    prop_assert_eq!(request.method(), Method::POST);
                    prop_assert_eq!(request.uri().to_string(), verify_url.clone());
                    prop_assert!(now < limit, "verify sent at {:?}, past the time limit {:?}", now, limit);
                    prop_assert_eq!(timeout, limit - now);
                    let Some((reply, random, took)) = verifies.next() else {
                        return Ok(());
                    };
                    now = now.saturating_add(*took);
                    push.handle(reply.outcome(), now, *random);
                    last_verify = Some(reply);
                    if let VerifyReply::Waiting { link: true, answer: first } = reply {
                        waiting = true;
                        answer = *first;
                    }
                }
                Action::Send { request, timeout } => {
                    check_poll_request(&request, &org, &config)?;
                    prop_assert_eq!(request.uri().path(), POLL_PATH);
                    prop_assert_eq!(timeout, config.request_timeout);
                    let Some((reply, random, took)) = polls.next() else {
                        return Ok(());
                    };
                    now = now.saturating_add(*took);
                    push.handle(reply.outcome(), now, *random);
                    last_poll = Some(reply);
                    if let PollReply::Waiting { answer: Some(a), .. } = reply {
                        answer = Some(*a);
                    }
                }
                Action::Wait { delay, reason } => {
                    match reason {
                        WaitReason::RateLimit { .. } => {
                            prop_assert!(!waiting, "a rate-limit wait while polling");
                        }
                        WaitReason::Poll { .. } => {
                            prop_assert!(waiting, "a poll wait before any WAITING answer");
                        }
                        other => prop_assert!(false, "{:?}", other),
                    }
                    now = now.saturating_add(delay);
                }
                Action::ShowNumber(number) => {
                    prop_assert!(waiting, "the number {} before any WAITING answer", number);
                    prop_assert_eq!(Some(number), answer);
                }
                Action::Done(result) => {
                    if let Ok(outcome) = &result {
                        prop_assert!(!matches!(outcome, VerifyOutcome::Waiting(_)), "ended waiting: {:?}", outcome);
                    }
                    if waiting {
                        prop_assert!(last_poll.is_some(), "ended before the first poll: {:?}", result);
                    } else {
                        match (last_verify, &result) {
                            (None, Err(error)) => {
                                prop_assert!(limit.is_zero() && error.is_timeout(), "{:?}", error);
                            }
                            (Some(VerifyReply::Call(Reply::Verified { result: sent, .. })), Ok(outcome)) => {
                                let value = serde_json::to_value(outcome).unwrap();
                                prop_assert_eq!(value.get("factorResult").and_then(Value::as_str), Some(*sent));
                            }
                            (Some(VerifyReply::Call(Reply::TooMany { .. } | Reply::Failed { .. } | Reply::Garbage { .. })), Err(_)) => {}
                            (Some(VerifyReply::Waiting { link: false, .. }), Err(Error::Input(InputError::Link { .. }))) => {}
                            (Some(VerifyReply::Transport(kind)), Err(error)) => {
                                prop_assert_eq!(error.transport().map(|t| t.kind), Some(*kind));
                            }
                            (last, result) => prop_assert!(false, "{:?} ended as {:?}", last, result),
                        }
                    }
                    check_terminal(&mut push, now)?;
                    return Ok(());
                }
            }
        }
        prop_assert!(false, "no end after {} actions", bound);
    }
}

// ---------------------------------------------------------------------------
// Every machine, however driven: no panic, an end, and `Done` for good
// ---------------------------------------------------------------------------

/// What a driver may do to a machine, in any order: ask for an action at
/// any time, or hand over a response or a failure (asked for or not).
#[derive(Debug, Clone)]
enum Event {
    Next(Duration),
    Handle(Handed, Duration, u64),
}

/// A response or failure handed to a machine.
#[derive(Debug, Clone)]
enum Handed {
    Verify(VerifyReply),
    Poll(PollReply),
}

impl Handed {
    fn outcome(&self) -> Result<Response<Bytes>, TransportError> {
        match self {
            Self::Verify(reply) => reply.outcome(),
            Self::Poll(reply) => reply.outcome(),
        }
    }
}

fn event() -> BoxedStrategy<Event> {
    let handed = prop_oneof![
        verify_reply().prop_map(Handed::Verify),
        poll_reply().prop_map(Handed::Poll),
    ];
    prop_oneof![
        3 => duration().prop_map(Event::Next),
        2 => (handed, duration(), random()).prop_map(|(h, now, random)| Event::Handle(h, now, random)),
    ]
    .boxed()
}

/// Runs `events` on `machine`: no panic; once `Done`, only `Done(Err(_))`.
/// Then, asked again without answers, the machine ends within four actions
/// (a number, a wait, a request nobody answers), and stays ended.
fn drive_anyhow<M: Machine>(mut machine: M, events: &[Event]) -> Result<(), TestCaseError>
where
    M::Output: std::fmt::Debug,
{
    let mut done = false;
    let mut now = Duration::ZERO;
    for event in events {
        match event {
            Event::Next(at) => {
                now = *at;
                let action = machine.next_action(now);
                if done {
                    prop_assert!(
                        matches!(action, Action::Done(Err(_))),
                        "after Done: {:?}",
                        action
                    );
                }
                done |= matches!(action, Action::Done(_));
            }
            Event::Handle(handed, at, random) => {
                now = *at;
                machine.handle(handed.outcome(), now, *random);
            }
        }
    }
    for _ in 0..4 {
        if done {
            break;
        }
        done = matches!(machine.next_action(now), Action::Done(_));
    }
    prop_assert!(done, "no end after four unanswered actions");
    check_terminal(&mut machine, now)
}

/// Retry policies of at most 20 retries.
fn bounded_policy() -> BoxedStrategy<RetryPolicy> {
    policy()
        .prop_map(|policy| {
            let retries = policy.max_retries.min(20);
            policy.max_retries(retries)
        })
        .boxed()
}

/// Poll policies that give up within two minutes.
fn bounded_poll_policy() -> BoxedStrategy<PollPolicy> {
    (poll_policy(), 0u64..=120_000)
        .prop_map(|(policy, ms)| {
            let max_wait = policy.max_wait.min(Duration::from_millis(ms));
            policy.max_wait(max_wait)
        })
        .boxed()
}

/// What a driver gets for a request: the outcome, how long the request took,
/// and the random number it hands over.
type Answer = (Result<Response<Bytes>, TransportError>, Duration, u64);

/// Drives `machine` as an honest driver does (sleeping through every wait,
/// each request taking its time), answering its requests with `answers` over
/// and over: it must end by itself within `max_sends` requests and three
/// actions per request. Returns the requests sent.
fn drive_to_the_end<M: Machine>(
    machine: &mut M,
    answers: &mut dyn FnMut(&Request<Vec<u8>>) -> Answer,
    max_sends: u64,
) -> Result<u64, TestCaseError>
where
    M::Output: std::fmt::Debug,
{
    let mut now = Duration::ZERO;
    let mut sends = 0u64;
    let mut actions = 0u64;
    loop {
        actions += 1;
        prop_assert!(
            actions <= 3 * (max_sends + 1),
            "{} actions for at most {} requests",
            actions,
            max_sends
        );
        match machine.next_action(now) {
            Action::Send { request, .. } => {
                sends += 1;
                prop_assert!(sends <= max_sends, "more than {} requests", max_sends);
                let (outcome, took, random) = answers(&request);
                now = now.saturating_add(took);
                machine.handle(outcome, now, random);
            }
            Action::Wait { delay, .. } => now = now.saturating_add(delay),
            Action::ShowNumber(_) => {}
            Action::Done(_) => {
                check_terminal(machine, now)?;
                return Ok(sends);
            }
        }
    }
}

/// Cycles through `replies` forever.
fn cycle<T: Clone>(replies: &[T]) -> impl FnMut() -> T + '_ {
    let mut i = 0;
    move || {
        let reply = replies[i % replies.len()].clone();
        i += 1;
        reply
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// No sequence of questions, responses, failures and times, in any order
    /// (responses nobody asked for, times going backwards, `Duration::MAX`),
    /// makes a machine panic; once it said `Done`, it only says `Done(Err(_))`;
    /// and left without answers it ends within four actions.
    #[test]
    fn no_driver_makes_a_machine_panic_and_done_is_terminal(
        retry in policy(),
        poll in poll_policy(),
        limit in time_limit(),
        events in vec(event(), 0..40),
    ) {
        let org = org_at(0);
        let mut config = poll_config(&org);
        config.retry = retry;
        config.poll = poll;
        config.request_timeout = limit;
        let verify = push_verify();
        drive_anyhow(Call::new(&verify, &config), &events)?;
        drive_anyhow(PushVerification::new(&verify, &config), &events)?;
        let waiting = waiting(Some(&format!("{org}{POLL_PATH}")), None, json!({ "_embedded": { "challenge": { "correctAnswer": 5 } } }));
        drive_anyhow(poll_for(&waiting, &ResponseMeta::default(), &config).unwrap(), &events)?;
        drive_anyhow(PushPoll::for_activation("00u1", "opf1", &config).unwrap(), &events)?;
    }

    /// Answered over and over with the same few responses, by a driver that
    /// sleeps through every wait, every machine ends by itself: a call within
    /// `max_retries + 1` requests; polling within one poll per second of its
    /// deadline (plus the first and the one that finds it passed); a push
    /// verification within both. No machine loops without bound.
    #[test]
    fn machines_end_by_themselves(
        retry in bounded_policy(),
        poll in bounded_poll_policy(),
        limit in time_limit(),
        verify_replies in vec((verify_reply(), extra_time(), random()), 1..4),
        poll_replies in vec((poll_reply(), extra_time(), random()), 1..4),
    ) {
        let org = org_at(0);
        let mut config = poll_config(&org);
        config.retry = retry;
        config.poll = poll;
        config.request_timeout = limit;
        let verify = push_verify();
        let max_call = u64::from(retry.max_retries) + 1;
        let max_polls = poll.max_wait.as_secs() + 3;

        let mut next_verify = cycle(&verify_replies);
        let mut answer_verify = |_: &Request<Vec<u8>>| {
            let (reply, took, random) = next_verify();
            (reply.outcome(), took, random)
        };
        drive_to_the_end(&mut Call::new(&verify, &config), &mut answer_verify, max_call)?;

        let mut next_poll = cycle(&poll_replies);
        let mut answer_poll = |_: &Request<Vec<u8>>| {
            let (reply, took, random) = next_poll();
            (reply.outcome(), took, random)
        };
        let waiting = waiting(Some(&format!("{org}{POLL_PATH}")), None, json!({}));
        let mut push = poll_for(&waiting, &ResponseMeta::default(), &config).unwrap();
        let polls = drive_to_the_end(&mut push, &mut answer_poll, max_polls)?;
        prop_assert_eq!(u64::from(push.polls()), polls);
        let mut activation = PushPoll::for_activation("00u1", "opf1", &config).unwrap();
        let polls = drive_to_the_end(&mut activation, &mut answer_poll, max_polls)?;
        prop_assert_eq!(u64::from(activation.polls()), polls);

        let mut next_verify = cycle(&verify_replies);
        let mut next_poll = cycle(&poll_replies);
        let verify_url = format!("{org}/api/v1/users/00u1/factors/opf1/verify");
        let mut answer_both = |request: &Request<Vec<u8>>| {
            if request.uri().to_string() == verify_url {
                let (reply, took, random) = next_verify();
                (reply.outcome(), took, random)
            } else {
                let (reply, took, random) = next_poll();
                (reply.outcome(), took, random)
            }
        };
        drive_to_the_end(&mut PushVerification::new(&verify, &config), &mut answer_both, max_call + max_polls)?;
    }
}
