//! Target `policies`: the retry and push-polling policies on arbitrary header
//! values, bodies, attempt counts, random numbers and limits.

use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue, Response, StatusCode, Uri};
use okta_factors_core::model::{ActivateOutcome, FactorResult, VerifyOutcome};
use okta_factors_core::operations::{GetFactor, VerifyFactor};
use okta_factors_core::policy::{
    delay_for, is_rate_limit, Exchange, PollPolicy, PollStep, PushPoll, RetryDecision, RetryPolicy,
    RetryState, Step, MAX_CONSECUTIVE_POLL_FAILURES, MIN_POLL_INTERVAL, X_OKTA_RETRY_COUNT,
};
use okta_factors_core::{
    ClientConfig, Credentials, Error, InputError, OrgUrl, ResponseMeta, TransportError,
    TransportErrorKind,
};

use crate::build::ORGS;
use crate::input::{Bytes, Encode, HeaderList, Text};
use crate::known;

/// One response of a retry sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Arbitrary)]
pub struct PolicyResponse {
    /// Status (an invalid one means 429).
    pub status: u16,
    /// Headers.
    pub headers: HeaderList,
    /// Body (an Okta error body decides whether a `429` is a rate limit).
    pub body: Bytes,
    /// The random number passed with it.
    pub random: u64,
}

/// Up to 8 responses: a count byte (mod 9), then the responses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Responses(pub Vec<PolicyResponse>);

impl<'a> Arbitrary<'a> for Responses {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let count = u8::arbitrary(u)? % 9;
        let mut out = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            out.push(PolicyResponse::arbitrary(u)?);
        }
        Ok(Self(out))
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, None)
    }
}

/// The inputs of one policies run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Arbitrary)]
pub struct PolicyInput {
    /// `RetryPolicy::max_retries`.
    pub max_retries: u8,
    /// `RetryPolicy::max_delay`, in milliseconds.
    pub max_delay_ms: u64,
    /// `RetryPolicy::max_total_wait`, in milliseconds.
    pub max_total_wait_ms: u64,
    /// `RetryPolicy::fallback_delay`, in milliseconds.
    pub fallback_ms: u64,
    /// `RetryPolicy::concurrent_delay`, in milliseconds.
    pub concurrent_ms: u64,
    /// Retries so far, for `delay_for`.
    pub retries: u32,
    /// Random number for `delay_for`.
    pub random: u64,
    /// Response headers for `delay_for`.
    pub headers: HeaderList,
    /// A sequence of responses for `RetryState` and `Exchange`.
    pub responses: Responses,
    /// Time left for `Exchange::on_response`, in milliseconds.
    pub time_left_ms: Option<u64>,
    /// Index into [`ORGS`] (modulo its length).
    pub org_choice: u8,
    /// An org URL to try first.
    pub org: Option<Text>,
    /// The `href` of the WAITING response's poll link (only its transaction
    /// ID is used: polls are built from the org and the IDs).
    pub poll_href: Text,
    /// Its `hints.allow` method (ignored by the poll machine).
    pub poll_allow: Option<Text>,
    /// `expiresAt` of the WAITING response.
    pub expires_at: Option<Text>,
    /// The `Date` header of the WAITING response.
    pub date: Option<Bytes>,
    /// `PollPolicy::interval`, in milliseconds.
    pub poll_interval_ms: u64,
    /// `PollPolicy::max_wait`, in milliseconds.
    pub poll_max_wait_ms: u64,
    /// The poll response's status (an invalid one means 200).
    pub poll_status: u16,
    /// The poll response's headers.
    pub poll_headers: HeaderList,
    /// The poll response's body.
    pub poll_body: Bytes,
    /// Time since polling started, in milliseconds.
    pub elapsed_ms: u64,
    /// Any string, for `OrgUrl::is_same_origin`.
    pub probe: Text,
    /// Random number for the poll.
    pub poll_random: u64,
}

impl Encode for PolicyResponse {
    fn encode(&self, out: &mut Vec<u8>) {
        self.status.encode(out);
        self.headers.encode(out);
        self.body.encode(out);
        self.random.encode(out);
    }
}

impl Encode for Responses {
    fn encode(&self, out: &mut Vec<u8>) {
        let items = &self.0[..self.0.len().min(8)];
        out.push(u8::try_from(items.len()).unwrap_or(8));
        for item in items {
            item.encode(out);
        }
    }
}

impl Encode for PolicyInput {
    fn encode(&self, out: &mut Vec<u8>) {
        // Field order of the struct: `arbitrary`'s derive reads them in this order.
        self.max_retries.encode(out);
        self.max_delay_ms.encode(out);
        self.max_total_wait_ms.encode(out);
        self.fallback_ms.encode(out);
        self.concurrent_ms.encode(out);
        self.retries.encode(out);
        self.random.encode(out);
        self.headers.encode(out);
        self.responses.encode(out);
        self.time_left_ms.encode(out);
        self.org_choice.encode(out);
        self.org.encode(out);
        self.poll_href.encode(out);
        self.poll_allow.encode(out);
        self.expires_at.encode(out);
        self.date.encode(out);
        self.poll_interval_ms.encode(out);
        self.poll_max_wait_ms.encode(out);
        self.poll_status.encode(out);
        self.poll_headers.encode(out);
        self.poll_body.encode(out);
        self.elapsed_ms.encode(out);
        self.probe.encode(out);
        self.poll_random.encode(out);
    }
}

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// Checks: `delay_for` never exceeds `max_delay`; `RetryState` and `Exchange`
/// retry only rate-limit `429`s (never a business throttle such as
/// `E0000109`), at most `max_retries` times, each delay within `max_delay`
/// (and below the time left), the total within `max_total_wait`; whatever the
/// poll link, `PushPoll` polls the org (the verify's user and factor, the
/// link's transaction) with the org's credentials, or refuses the link as a
/// bad link; poll waits stay within the deadline, at least the 1 s floor
/// unless cut by it, a push that expires is a `TIMEOUT` outcome, and polling
/// gives up only after four failures in a row; `OrgUrl::parse` and
/// `OrgUrl::is_same_origin` never panic, and `is_same_origin` never accepts a
/// URL of another origin.
pub fn policies(mut input: PolicyInput) {
    if known::avoid(known::BACKOFF_OVERFLOW) {
        input.fallback_ms = input.fallback_ms.min(1 << 48);
        input.concurrent_ms = input.concurrent_ms.min(1 << 48);
    }
    let policy = RetryPolicy::default()
        .max_retries(u32::from(input.max_retries))
        .max_delay(ms(input.max_delay_ms))
        .max_total_wait(ms(input.max_total_wait_ms))
        .fallback_delay(ms(input.fallback_ms))
        .concurrent_delay(ms(input.concurrent_ms));

    let headers = input.headers.to_header_map();
    let (delay, reason) = delay_for(&policy, &headers, input.retries, input.random);
    assert!(
        delay <= policy.max_delay,
        "delay_for: {delay:?} ({reason:?}) > max_delay {:?} for {headers:?}",
        policy.max_delay
    );

    retry_state(&input, &policy);

    let org = input
        .org
        .as_ref()
        .and_then(|o| OrgUrl::parse(o.as_str()).ok())
        .unwrap_or_else(|| {
            let org = ORGS[usize::from(input.org_choice) % ORGS.len()];
            OrgUrl::parse(org).unwrap_or_else(|e| unreachable!("built-in org {org}: {e}"))
        });
    let credentials = Credentials::api_token("00fuzz-token")
        .unwrap_or_else(|e| unreachable!("built-in token: {e}"));
    let config = ClientConfig::new(org.clone(), credentials)
        .retry(policy)
        .poll(
            PollPolicy::default()
                .interval(ms(input.poll_interval_ms))
                .max_wait(ms(input.poll_max_wait_ms)),
        );

    exchange(&input, &config);
    push_poll(&input, &config);
    origins(&input, &org);
}

fn status_or(status: u16, default: StatusCode) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(default)
}

fn retry_state(input: &PolicyInput, policy: &RetryPolicy) {
    let mut state = RetryState::new(*policy);
    let mut total = Duration::ZERO;
    let mut retries = 0u32;
    for response in &input.responses.0 {
        let status = status_or(response.status, StatusCode::TOO_MANY_REQUESTS);
        let headers = response.headers.to_header_map();
        let body = &response.body.0;
        match state.on_response(status, &headers, body, response.random) {
            RetryDecision::Retry {
                delay,
                retry,
                reason,
            } => {
                retries += 1;
                total += delay;
                assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "retried a {status}");
                assert!(
                    !names_another_code(body),
                    "retried a business throttle {:?}",
                    String::from_utf8_lossy(body)
                );
                assert!(
                    delay <= policy.max_delay,
                    "RetryState: {delay:?} ({reason:?}) > max_delay {:?}",
                    policy.max_delay
                );
                assert_eq!(retry, retries, "retry count");
                assert!(retries <= policy.max_retries, "more than max_retries");
                assert!(
                    total <= policy.max_total_wait,
                    "RetryState: total wait {total:?} > max_total_wait {:?}",
                    policy.max_total_wait
                );
            }
            RetryDecision::Stop => {}
            other => unreachable!("unknown decision {other:?}"),
        }
        assert_eq!(state.retries(), retries, "RetryState::retries");
        assert_eq!(state.total_wait(), total, "RetryState::total_wait");
        let mut next = HeaderMap::new();
        state.apply_headers(&mut next);
        let count = next
            .get(X_OKTA_RETRY_COUNT)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u32>().ok());
        assert_eq!(
            count,
            (retries > 0).then_some(retries),
            "X-Okta-Retry-Count"
        );
    }
}

fn exchange(input: &PolicyInput, config: &ClientConfig) {
    let op = GetFactor::new("00u1", "mbl1");
    let mut exchange = match Exchange::new(&op, config) {
        Ok(exchange) => exchange,
        Err(e) => unreachable!("Exchange::new refused a valid operation: {e}"),
    };
    let policy = config.retry;
    let time_left = input.time_left_ms.map(ms);
    let mut total = Duration::ZERO;
    for response in &input.responses.0 {
        let request = exchange.request();
        assert!(
            request.headers().contains_key(AUTHORIZATION),
            "no Authorization"
        );
        let mut http = Response::new(response.body.0.clone());
        *http.status_mut() = status_or(response.status, StatusCode::TOO_MANY_REQUESTS);
        *http.headers_mut() = response.headers.to_header_map();
        let status = http.status();
        match exchange.on_response(http, response.random, time_left) {
            Step::Retry { delay, retry, .. } => {
                total += delay;
                assert!(
                    is_rate_limit(status, &response.body.0),
                    "Exchange retried what is not a rate limit"
                );
                assert!(
                    !names_another_code(&response.body.0),
                    "Exchange retried a business throttle"
                );
                assert!(delay <= policy.max_delay, "Exchange: {delay:?} > max_delay");
                assert!(retry <= policy.max_retries, "Exchange: too many retries");
                assert!(
                    total <= policy.max_total_wait,
                    "Exchange: total > max_total_wait"
                );
                if let Some(left) = time_left {
                    assert!(delay < left, "Exchange: waits {delay:?} with {left:?} left");
                }
            }
            Step::Done(_) => break,
        }
    }
}

fn push_poll(input: &PolicyInput, config: &ClientConfig) {
    let href = input.poll_href.as_str();
    let mut link = serde_json::json!({ "href": href });
    if let Some(allow) = &input.poll_allow {
        link["hints"] = serde_json::json!({ "allow": [allow.as_str()] });
    }
    let mut json = serde_json::json!({
        "factorResult": "WAITING",
        "_links": { "poll": link },
    });
    if let Some(expires) = &input.expires_at {
        json["expiresAt"] = serde_json::Value::String(expires.0.clone());
    }
    let outcome: VerifyOutcome = serde_json::from_value(json)
        .unwrap_or_else(|e| unreachable!("a WAITING response does not parse: {e}"));
    let Some(waiting) = outcome.as_waiting() else {
        unreachable!("factorResult WAITING is not Waiting: {outcome:?}");
    };
    let mut meta_headers = HeaderMap::new();
    if let Some(date) = input
        .date
        .as_ref()
        .and_then(|d| HeaderValue::from_bytes(&d.0).ok())
    {
        meta_headers.insert(http::header::DATE, date);
    }
    let meta = ResponseMeta::from_headers(&meta_headers);

    let org = &config.org;
    let verify = VerifyFactor::new("00u1", "opf1");
    let poll = match PushPoll::for_verify(&verify, waiting, &meta, config) {
        Ok(poll) => poll,
        Err(Error::Input(InputError::Link { .. })) => {
            assert!(
                !href
                    .split(['?', '#'])
                    .next()
                    .unwrap_or_default()
                    .contains("/transactions/v2mst"),
                "PushPoll refused the poll link {href:?} that names a transaction"
            );
            return;
        }
        Err(other) => unreachable!("PushPoll::for_verify failed with {other:?}"),
    };
    let request = poll.request();
    let uri = request.uri();
    assert!(
        uri_on_org(org, uri),
        "PushPoll polls {uri} (link {href:?}), not the org {org}"
    );
    assert!(
        uri.path()
            .strip_prefix("/api/v1/users/00u1/factors/opf1/transactions/")
            .is_some_and(|id| !id.is_empty() && !id.contains('/')),
        "PushPoll polls {uri} (link {href:?}), not a transaction of the verify"
    );
    assert_eq!(
        request.headers().get(AUTHORIZATION),
        Some(&config.credentials.authorization()),
        "poll Authorization"
    );
    drive(input, config, poll, true);

    // The same machine on a push activation (no WAITING answer yet).
    match PushPoll::for_activation("00u1", "opf1", config) {
        Ok(poll) => {
            let request = poll.request();
            assert!(
                uri_on_org(org, request.uri()),
                "activation poll off the org"
            );
            drive(input, config, poll, false);
        }
        Err(e) => unreachable!("PushPoll::for_activation failed with {e}"),
    }
}

/// The first step, then the fuzzed response (or a transport failure, or the
/// same response again until the failures add up).
fn drive<O>(input: &PolicyInput, config: &ClientConfig, mut poll: PushPoll<O>, waited: bool)
where
    O: okta_factors_core::policy::Polled,
    O::Output: Expired,
{
    let deadline = poll.deadline();
    assert!(
        deadline <= config.poll.max_wait,
        "deadline {deadline:?} > max_wait {:?}",
        config.poll.max_wait
    );
    let interval = config.poll.interval.max(MIN_POLL_INTERVAL);
    match poll.first_step() {
        PollStep::Wait { delay, .. } => {
            let expected = if waited {
                interval.min(deadline)
            } else {
                Duration::ZERO
            };
            assert_eq!(delay, expected, "first wait");
        }
        PollStep::Done(_) => unreachable!("the first step is done"),
    }

    let elapsed = ms(input.elapsed_ms);
    let mut in_a_row = 0;
    for attempt in 0..=MAX_CONSECUTIVE_POLL_FAILURES {
        // The fuzzed response, then a reset connection, in turns.
        let transport = attempt % 2 == 1;
        let step = if transport {
            let error = TransportError::new(TransportErrorKind::Io, "connection reset");
            poll.on_transport_error(error.into(), elapsed)
        } else {
            let mut response = Response::new(input.poll_body.0.clone());
            *response.status_mut() = status_or(input.poll_status, StatusCode::OK);
            *response.headers_mut() = input.poll_headers.to_header_map();
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                in_a_row += 1;
            }
            poll.on_response(response, elapsed, input.poll_random)
        };
        if transport {
            in_a_row += 1;
        }
        // The deadline only comes closer (a WAITING may say when it expires).
        let deadline = poll.deadline();
        assert!(
            deadline <= config.poll.max_wait,
            "deadline moved past max_wait"
        );
        let remaining = deadline.saturating_sub(elapsed);
        match step {
            Ok(PollStep::Wait {
                delay, failures, ..
            }) => {
                assert!(
                    !remaining.is_zero() && delay <= remaining,
                    "poll waits {delay:?} with {remaining:?} left of {deadline:?}"
                );
                assert!(
                    delay >= interval.min(remaining),
                    "poll waits {delay:?}, less than the interval {interval:?}"
                );
                assert_eq!(failures, in_a_row, "failures in a row");
                assert!(
                    in_a_row < MAX_CONSECUTIVE_POLL_FAILURES,
                    "too many failures"
                );
                if in_a_row == 0 {
                    break; // a good WAITING: the next one would be the same
                }
            }
            Ok(PollStep::Done(done)) => {
                // A failed poll ends a push only when it expired.
                assert!(
                    in_a_row == 0 || done.is_timeout(),
                    "a failed poll ended the push"
                );
                break;
            }
            Err(_) => {
                // A transient failure ends polling only as the last of four
                // in a row, or when an activation never seen waiting expired.
                assert!(
                    in_a_row == 0
                        || in_a_row >= MAX_CONSECUTIVE_POLL_FAILURES
                        || (!waited && remaining.is_zero()),
                    "gave up after {in_a_row} failures with {remaining:?} left"
                );
                break;
            }
        }
    }
}

/// What the poll machine returns for a push that expired.
trait Expired {
    fn is_timeout(&self) -> bool;
}

impl Expired for VerifyOutcome {
    fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(r) if r.factor_result == Some(FactorResult::Timeout))
    }
}

impl Expired for ActivateOutcome {
    fn is_timeout(&self) -> bool {
        matches!(self, Self::Ended(outcome) if outcome.is_timeout())
    }
}

/// Whether `body` is JSON naming an `errorCode` other than `E0000047` (a
/// business throttle when it comes with a `429`).
fn names_another_code(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("errorCode")
                .and_then(|c| c.as_str().map(str::to_owned))
        })
        .is_some_and(|code| code != "E0000047")
}

fn origins(input: &PolicyInput, org: &OrgUrl) {
    let probe = input.probe.as_str();
    let _ = OrgUrl::parse(probe).map(|o| o.is_same_origin(probe));
    if org.is_same_origin(probe) {
        assert!(
            same_origin(org, probe.trim()),
            "is_same_origin accepts {probe:?} for {org}"
        );
    }
    assert!(
        org.is_same_origin(org.as_str()),
        "{org} is not its own origin"
    );
    let path = format!("{org}/api/v1/users/00u1/factors");
    assert!(org.is_same_origin(&path), "{path} is not on {org}");
}

/// Independent oracle: `url` parses and has the org's scheme, host and port
/// (default ports made explicit), without user info.
/// Surrounding whitespace is not part of a URL.
fn same_origin(org: &OrgUrl, url: &str) -> bool {
    url.trim()
        .parse::<Uri>()
        .is_ok_and(|uri| uri_on_org(org, &uri))
}

fn uri_on_org(org: &OrgUrl, uri: &Uri) -> bool {
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return false;
    };
    let default = |scheme: &str| match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    };
    let scheme = scheme.to_ascii_lowercase();
    let host = authority.host().trim_end_matches('.').to_ascii_lowercase();
    !authority.as_str().contains('@')
        && scheme == org.scheme()
        && host == org.host()
        && authority.port_u16().or(default(&scheme)) == org.port().or(default(org.scheme()))
}
