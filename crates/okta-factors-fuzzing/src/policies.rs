//! Target `policies`: the call machines (`Call`, `PushPoll`) and the retry
//! and push-polling policies they follow, on arbitrary header values, bodies,
//! answer counts, random numbers, times and limits, driven through
//! `okta_factors_core::policy::Machine` as a transport drives them.

use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue, Response, StatusCode, Uri};
use okta_factors_core::model::{ActivateOutcome, FactorResult, VerifyOutcome};
use okta_factors_core::operations::{GetFactor, VerifyFactor};
use okta_factors_core::policy::{
    Action, Call, Machine, PollPolicy, Polled, PushPoll, RetryPolicy, WaitReason,
    MAX_CONSECUTIVE_POLL_FAILURES, MIN_POLL_INTERVAL,
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
    /// How many `429`s with [`PolicyInput::headers`] a call without a time
    /// limit is answered (`1 + retries % 8`).
    pub retries: u32,
    /// The random number handed over with each of those `429`s.
    pub random: u64,
    /// The headers of those `429`s.
    pub headers: HeaderList,
    /// The answers of a call with the time limit [`PolicyInput::time_left_ms`].
    pub responses: Responses,
    /// The time limit of a call and of each poll
    /// (`ClientConfig::request_timeout`), in milliseconds (`None`: none).
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
    /// The time of every poll's answer, since polling started, in milliseconds.
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

/// Checks: a call retries only rate-limit `429`s (never a business throttle
/// such as `E0000109`), at most `max_retries` times, each wait within
/// `max_delay` and shorter than the time left, the total within
/// `max_total_wait`, every retry numbered in `X-Okta-Retry-Count`; it sends
/// nothing past its time limit, each request within what is left, and `Done`
/// is terminal. Whatever the poll link, `PushPoll` polls the org (the
/// verify's user and factor, the link's transaction) with the org's
/// credentials, or refuses the link as a bad link; poll waits stay within the
/// deadline, at least the 1 s floor unless cut by it, a push that expires is a
/// `TIMEOUT` outcome, and polling gives up only after four failures in a row;
/// `OrgUrl::parse` and `OrgUrl::is_same_origin` never panic, and
/// `is_same_origin` never accepts a URL of another origin.
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
    let mut config = ClientConfig::new(org.clone(), credentials);
    config.retry = policy;
    config.poll = PollPolicy::default()
        .interval(ms(input.poll_interval_ms))
        .max_wait(ms(input.poll_max_wait_ms));

    rate_limits(&input, &config);
    config.request_timeout = input.time_left_ms.map_or(Duration::MAX, ms);
    call(&input, &config);
    push_poll(&input, &config);
    origins(&input, &org);
}

fn status_or(status: u16, default: StatusCode) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(default)
}

/// The `X-Okta-Retry-Count` of a request, if it has a number.
fn retry_count(request: &http::Request<Vec<u8>>) -> Option<u32> {
    request
        .headers()
        .get("x-okta-retry-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok())
}

/// A call without a time limit, answered `1 + retries % 8` times with a
/// `429` (no body: a rate limit) with the fuzzed headers: each wait is a
/// rate-limit retry, numbered in order, within `max_delay`, the total within
/// `max_total_wait`; it ends with the `429` after at most `max_retries`
/// retries, or asks for more answers.
fn rate_limits(input: &PolicyInput, config: &ClientConfig) {
    let mut config = config.clone();
    config.request_timeout = Duration::MAX;
    let policy = config.retry;
    let op = GetFactor::new("00u1", "mbl1");
    let mut call = Call::new(&op, &config);
    let answers = 1 + input.retries % 8;
    let headers = input.headers.to_header_map();
    let (mut sent, mut retries, mut total) = (0u32, 0u32, Duration::ZERO);
    for _ in 0..3 * answers + 3 {
        match call.next_action(Duration::ZERO) {
            Action::Send { request, .. } => {
                assert_eq!(
                    retry_count(&request),
                    (retries > 0).then_some(retries),
                    "X-Okta-Retry-Count"
                );
                if sent == answers {
                    return;
                }
                sent += 1;
                let mut response = Response::new(Vec::new());
                *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
                *response.headers_mut() = headers.clone();
                call.handle(Ok(response.map(Into::into)), Duration::ZERO, input.random);
            }
            Action::Wait {
                delay,
                reason: WaitReason::RateLimit { retry, reason },
            } => {
                retries += 1;
                total = total.saturating_add(delay);
                assert_eq!(retry, retries, "retry number");
                assert!(retries <= policy.max_retries, "more than max_retries");
                assert!(
                    delay <= policy.max_delay,
                    "rate-limit wait {delay:?} ({reason:?}) > max_delay {:?} for {headers:?}",
                    policy.max_delay
                );
                assert!(
                    total <= policy.max_total_wait,
                    "total wait {total:?} > max_total_wait {:?}",
                    policy.max_total_wait
                );
            }
            Action::Done(result) => {
                assert!(
                    result.as_ref().err().is_some_and(|e| e.is_rate_limited()),
                    "a call answered 429 ended with {result:?}"
                );
                return;
            }
            other => unreachable!("a call did {other:?}"),
        }
    }
    unreachable!("a call answered {answers} times did not end");
}

/// A call with the fuzzed time limit over the fuzzed answers, time passing
/// only by its waits.
fn call(input: &PolicyInput, config: &ClientConfig) {
    let op = GetFactor::new("00u1", "mbl1");
    let mut call = Call::new(&op, config);
    let policy = config.retry;
    let limit = config.request_timeout;
    let mut now = Duration::ZERO;
    let mut total = Duration::ZERO;
    let mut retries = 0u32;
    let mut last: Option<(StatusCode, &[u8])> = None;
    let mut answers = input.responses.0.iter();
    for _ in 0..3 * input.responses.0.len() + 3 {
        match call.next_action(now) {
            Action::Send { request, timeout } => {
                assert!(
                    request.headers().contains_key(AUTHORIZATION),
                    "no Authorization"
                );
                assert!(
                    now < limit,
                    "Call sent at {now:?}, past its limit {limit:?}"
                );
                assert_eq!(timeout, limit - now, "Call: the time left");
                assert_eq!(
                    retry_count(&request),
                    (retries > 0).then_some(retries),
                    "X-Okta-Retry-Count"
                );
                let Some(response) = answers.next() else {
                    return;
                };
                let mut http = Response::new(response.body.0.clone());
                *http.status_mut() = status_or(response.status, StatusCode::TOO_MANY_REQUESTS);
                *http.headers_mut() = response.headers.to_header_map();
                last = Some((http.status(), &response.body.0));
                call.handle(Ok(http.map(Into::into)), now, response.random);
            }
            Action::Wait {
                delay,
                reason: WaitReason::RateLimit { retry, .. },
            } => {
                let Some((status, body)) = last else {
                    unreachable!("Call waited before any answer");
                };
                retries += 1;
                total = total.saturating_add(delay);
                assert!(
                    status == StatusCode::TOO_MANY_REQUESTS && !names_another_code(body),
                    "Call retried what is not a rate limit: {status} {:?}",
                    String::from_utf8_lossy(body)
                );
                assert_eq!(retry, retries, "Call: retry number");
                assert!(delay <= policy.max_delay, "Call: {delay:?} > max_delay");
                assert!(retry <= policy.max_retries, "Call: too many retries");
                assert!(
                    total <= policy.max_total_wait,
                    "Call: total > max_total_wait"
                );
                let left = limit.saturating_sub(now);
                assert!(delay < left, "Call: waits {delay:?} with {left:?} left");
                now = now.saturating_add(delay);
            }
            Action::Done(_) => {
                assert_terminal(&mut call, now);
                return;
            }
            other => unreachable!("a call did {other:?}"),
        }
    }
    unreachable!("a call did not end");
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

    let verify = VerifyFactor::new("00u1", "opf1");
    let poll = match PushPoll::for_verify(&verify, waiting, &meta, config) {
        Ok(poll) => poll,
        Err(Error::Input(InputError::Link { .. })) => {
            // The transaction is the path segment right after the first
            // `/transactions/` (a link such as `…/transactions//…` names none).
            let path = href.split(['?', '#']).next().unwrap_or_default();
            let names_one = path
                .split_once("/transactions/")
                .and_then(|(_, rest)| rest.split('/').next())
                .is_some_and(|segment| segment.starts_with("v2mst"));
            assert!(
                !names_one,
                "PushPoll refused the poll link {href:?} that names a transaction"
            );
            return;
        }
        Err(other) => unreachable!("PushPoll::for_verify failed with {other:?}"),
    };
    drive(input, config, poll, Some(href));

    // The same machine on a push activation (no WAITING answer yet).
    match PushPoll::for_activation("00u1", "opf1", config) {
        Ok(poll) => drive(input, config, poll, None),
        Err(e) => unreachable!("PushPoll::for_activation failed with {e}"),
    }
}

/// Checks a poll request: on the org, with its credentials, within the
/// client's time limit, at a transaction of the verify (`href`: its poll link)
/// or at the activation's poll.
fn check_poll(config: &ClientConfig, action: Action<impl std::fmt::Debug>, href: Option<&str>) {
    let Action::Send { request, timeout } = action else {
        unreachable!("expected a poll, got {action:?}");
    };
    let org = &config.org;
    let uri = request.uri();
    assert!(
        uri_on_org(org, uri),
        "PushPoll polls {uri} (link {href:?}), not the org {org}"
    );
    if href.is_some() {
        assert!(
            uri.path()
                .strip_prefix("/api/v1/users/00u1/factors/opf1/transactions/")
                .is_some_and(|id| !id.is_empty() && !id.contains('/')),
            "PushPoll polls {uri} (link {href:?}), not a transaction of the verify"
        );
    }
    assert_eq!(
        request.headers().get(AUTHORIZATION),
        config.credentials.authorization().as_ref(),
        "poll Authorization"
    );
    assert_eq!(timeout, config.request_timeout, "poll time limit");
}

/// The first poll, then the fuzzed response (or a transport failure, or the
/// same response again until the failures add up), all answered at the
/// fuzzed time. `href`: the verify's poll link (`None`: an activation).
fn drive<O>(input: &PolicyInput, config: &ClientConfig, mut poll: PushPoll<O>, href: Option<&str>)
where
    O: Polled,
    O::Output: Expired + std::fmt::Debug,
{
    let waited = href.is_some();
    let deadline = poll.deadline();
    assert!(
        deadline <= config.poll.max_wait,
        "deadline {deadline:?} > max_wait {:?}",
        config.poll.max_wait
    );
    let interval = config.poll.interval.max(MIN_POLL_INTERVAL);
    // One interval before the first poll after a WAITING answer (cut to the
    // deadline; no wait when that is 0); none for an activation.
    let first_wait = if waited {
        interval.min(deadline)
    } else {
        Duration::ZERO
    };
    let mut action = poll.next_action(Duration::ZERO);
    if !first_wait.is_zero() {
        match action {
            Action::Wait { delay, .. } => assert_eq!(delay, first_wait, "first wait"),
            other => unreachable!("first action {other:?}, not a wait of {first_wait:?}"),
        }
        action = poll.next_action(first_wait);
    }

    let elapsed = ms(input.elapsed_ms);
    let mut in_a_row = 0;
    for attempt in 0..=MAX_CONSECUTIVE_POLL_FAILURES {
        check_poll(config, action, href);
        // The fuzzed response, then a reset connection, in turns.
        let transport = attempt % 2 == 1;
        if transport {
            let error = TransportError::new(TransportErrorKind::Io, "connection reset");
            poll.handle(Err(error), elapsed, input.poll_random);
            in_a_row += 1;
        } else {
            let mut response = Response::new(input.poll_body.0.clone());
            *response.status_mut() = status_or(input.poll_status, StatusCode::OK);
            *response.headers_mut() = input.poll_headers.to_header_map();
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                in_a_row += 1;
            }
            poll.handle(Ok(response.map(Into::into)), elapsed, input.poll_random);
        }
        // The deadline only comes closer (a WAITING may say when it expires).
        let deadline = poll.deadline();
        assert!(
            deadline <= config.poll.max_wait,
            "deadline moved past max_wait"
        );
        let remaining = deadline.saturating_sub(elapsed);
        action = poll.next_action(elapsed);
        if matches!(action, Action::ShowNumber(_)) {
            action = poll.next_action(elapsed);
        }
        match action {
            Action::Wait {
                delay,
                reason: WaitReason::Poll { failures, .. },
            } => {
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
                action = poll.next_action(elapsed.saturating_add(delay));
            }
            Action::Done(Ok(done)) => {
                // A failed poll ends a push only when it expired.
                assert!(
                    in_a_row == 0 || done.is_timeout(),
                    "a failed poll ended the push"
                );
                assert_terminal(&mut poll, elapsed);
                break;
            }
            Action::Done(Err(_)) => {
                // A transient failure ends polling only as the last of four
                // in a row, or when an activation never seen waiting expired.
                assert!(
                    in_a_row == 0
                        || in_a_row >= MAX_CONSECUTIVE_POLL_FAILURES
                        || (!waited && remaining.is_zero()),
                    "gave up after {in_a_row} failures with {remaining:?} left"
                );
                assert_terminal(&mut poll, elapsed);
                break;
            }
            other => unreachable!("after a poll: {other:?}"),
        }
    }
}

/// `Done` is terminal: asked again, at any time, a machine says `Done(Err(_))`.
fn assert_terminal<M: Machine>(machine: &mut M, now: Duration)
where
    M::Output: std::fmt::Debug,
{
    for at in [now, Duration::ZERO, Duration::MAX] {
        let action = machine.next_action(at);
        assert!(
            matches!(action, Action::Done(Err(_))),
            "after Done: {action:?}"
        );
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
