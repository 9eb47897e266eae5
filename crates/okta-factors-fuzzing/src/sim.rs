//! Target `simulator_handle`: arbitrary requests into a fresh simulator.
//!
//! Input format: up to [`MAX_STEPS`] steps separated by NUL bytes. A step is a
//! request, HTTP-like:
//!
//! ```text
//! POST /api/v1/users/{userId}/factors?activate=true\n
//! content-type: application/json\n
//! \n
//! {"factorType":"sms","provider":"OKTA","profile":{"phoneNumber":"+15555550100"}}
//! ```
//!
//! (method and path on the first line, header lines up to an empty line, then
//! the body), or a device/clock command on a line starting with `!`:
//! `!advance SECONDS`, `!approve`, `!reject`, `!answer NUMBER`,
//! `!activate-device`. Before a request is decoded, `{userId}` (the one user
//! of the simulator), `{factorId}` and `{transactionId}` (the last ones a
//! response named), `{token}` (the simulator's API token) and `{code}` (the
//! last OTP sent for `{factorId}`, or its current TOTP code) are substituted.
//! A request without an `Authorization` header gets `SSWS {token}`.

use std::time::Duration;

use http::header::{AUTHORIZATION, CONTENT_TYPE, DATE};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use okta_factors_core::model::FactorEnrollment;
use okta_factors_core::operations::{
    ActivateFactor, EnrollFactor, GetFactor, GetFactorTransactionStatus, ListFactors,
    ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor, UnenrollFactor,
    VerifyFactor,
};
use okta_factors_core::{Error, Operation};
use okta_factors_sim::{ManualClock, Simulator, SimulatorConfig};
use serde_json::Value;

use crate::build::percent_decode;

/// Steps after the first [`MAX_STEPS`] are ignored.
pub const MAX_STEPS: usize = 12;
/// The simulator's API token.
pub const SIM_TOKEN: &str = "fuzz-token";
/// The simulator clock's start (Unix seconds).
pub const START: u64 = 1_700_000_000;

struct State {
    sim: Simulator,
    clock: ManualClock,
    user: String,
    factor: String,
    transaction: String,
}

impl State {
    fn code(&self) -> String {
        self.sim
            .last_code(&self.user, &self.factor)
            .or_else(|| self.sim.totp_code(&self.user, &self.factor))
            .unwrap_or_else(|| "000000".to_owned())
    }

    fn substitute(&self, step: &[u8]) -> Vec<u8> {
        if !step.contains(&b'{') {
            return step.to_vec();
        }
        let code = self.code();
        let pairs: [(&[u8], &str); 5] = [
            (b"{userId}", &self.user),
            (b"{factorId}", &self.factor),
            (b"{transactionId}", &self.transaction),
            (b"{token}", SIM_TOKEN),
            (b"{code}", &code),
        ];
        let mut out = Vec::with_capacity(step.len() + 32);
        let mut i = 0;
        'outer: while i < step.len() {
            for (pattern, value) in pairs {
                if step[i..].starts_with(pattern) {
                    out.extend_from_slice(value.as_bytes());
                    i += pattern.len();
                    continue 'outer;
                }
            }
            out.push(step[i]);
            i += 1;
        }
        out
    }

    fn command(&mut self, line: &[u8]) {
        let line = String::from_utf8_lossy(line);
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or_default();
        let arg = words
            .next()
            .and_then(|w| w.parse::<u64>().ok())
            .unwrap_or(0);
        // Control-API refusals (unknown transaction, wrong state) are expected.
        match command {
            "!advance" => self
                .clock
                .advance(Duration::from_secs(arg.min(30 * 86_400))),
            "!approve" => drop(self.sim.approve_push(&self.transaction)),
            "!reject" => drop(self.sim.reject_push(&self.transaction)),
            "!answer" => drop(
                self.sim
                    .answer_push(&self.transaction, u32::try_from(arg).unwrap_or(u32::MAX)),
            ),
            "!activate-device" => drop(self.sim.activate_push_device(&self.factor)),
            _ => {}
        }
    }

    /// Remembers the factor and transaction a response names.
    fn learn(&mut self, body: &[u8]) {
        let Ok(json) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let object = match &json {
            Value::Array(items) => items.last(),
            other => Some(other),
        };
        if let Some(id) = object.and_then(|o| o.get("id")).and_then(Value::as_str) {
            self.factor = id.to_owned();
        }
        let poll = json
            .pointer("/_links/poll/href")
            .and_then(Value::as_str)
            .and_then(|href| href.split_once("/transactions/"))
            .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or_default());
        if let Some(tx) = poll.filter(|t| !t.is_empty()) {
            self.transaction = tx.to_owned();
        }
    }
}

/// Decodes one request step; `None` when its method or path cannot be a request.
pub fn decode_request(step: &[u8]) -> Option<Request<Vec<u8>>> {
    let (line, mut rest) = split_line(step);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let space = line.iter().position(|&b| b == b' ')?;
    let method = Method::from_bytes(&line[..space]).ok()?;
    let target = &line[space + 1..];
    let uri = Uri::try_from(target)
        .ok()
        .or_else(|| Uri::try_from(escape(target)).ok())?;
    let mut request = Request::new(Vec::new());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let mut body: &[u8] = &[];
    while !rest.is_empty() {
        let (line, after) = split_line(rest);
        rest = after;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            body = rest;
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = line[..colon].trim_ascii();
        let value = line[colon + 1..].trim_ascii();
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            request.headers_mut().append(name, value);
        }
    }
    *request.body_mut() = body.to_vec();
    Some(request)
}

/// Percent-encodes every byte that cannot be in a request target.
fn escape(target: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(target.len() * 3);
    for &b in target {
        if b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            )
        {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}

fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// Encodes steps in the format of this module.
pub fn encode_steps(steps: &[Vec<u8>]) -> Vec<u8> {
    steps.join(&0u8)
}

/// Encodes one request step.
pub fn encode_request(
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = format!("{method} {target}\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\n").as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

/// Runs the steps against a fresh simulator (one user, a [`ManualClock`]) and
/// checks every response: no panic (a `500` from a simulator without injected
/// faults is a handler panic that `handle` caught); status 1xx–5xx;
/// `X-Okta-Request-Id` and `Date` present; a body is JSON with
/// `Content-Type: application/json` (or, from a `qrcode` link, a PNG with
/// `Content-Type: image/png`); an error status has an Okta error body
/// with a non-empty `errorCode` that the core parses as an `ApiError`, or,
/// from `/oauth2/v1/token`, an OAuth error body with a non-empty `error`
/// that the core reads as that OAuth error; and a
/// 2xx answer to one of the ten operations parses with that operation.
pub fn simulator_handle(data: &[u8]) {
    let clock = ManualClock::at_unix(START);
    let mut sim = Simulator::with_clock(SimulatorConfig::new(SIM_TOKEN), clock.clone());
    let user = sim.create_user("fuzz@example.com");
    let mut state = State {
        sim,
        clock,
        user,
        factor: "mblnone".to_owned(),
        transaction: "v2mstnone".to_owned(),
    };
    for step in data.split(|&b| b == 0).take(MAX_STEPS) {
        let step = state.substitute(step);
        if step.first() == Some(&b'!') {
            state.command(split_line(&step).0);
            continue;
        }
        let Some(mut request) = decode_request(&step) else {
            continue;
        };
        if !request.headers().contains_key(AUTHORIZATION) {
            request
                .headers_mut()
                .insert(AUTHORIZATION, HeaderValue::from_static("SSWS fuzz-token"));
        }
        let what = format!("{} {}", request.method(), request.uri());
        let path = request.uri().path().to_owned();
        let route = route_of(request.method(), &path);
        let response = state.sim.handle(request);
        let token_endpoint = path == "/oauth2/v1/token";
        check_response(&what, route, token_endpoint, &response);
        if response.status().is_success() {
            state.learn(response.body());
        }
    }
}

fn check_response(
    what: &str,
    route: Option<Route>,
    token_endpoint: bool,
    response: &Response<Vec<u8>>,
) {
    let status = response.status();
    let body = response.body();
    let text = String::from_utf8_lossy(body);
    assert!(
        (100..600).contains(&status.as_u16()),
        "{what}: status {status} is not 1xx-5xx"
    );
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{what}: 500 without an injected fault (a handler panicked): {text}"
    );
    let headers = response.headers();
    assert!(
        headers
            .get("x-okta-request-id")
            .is_some_and(|v| !v.is_empty()),
        "{what}: no X-Okta-Request-Id"
    );
    assert!(headers.contains_key(DATE), "{what}: no Date");
    let content_type = headers.get(CONTENT_TYPE).map(HeaderValue::as_bytes);
    if !body.is_empty() && content_type == Some(&b"image/png"[..]) {
        // A `qrcode` link's image.
        assert!(
            status == StatusCode::OK && body.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{what}: {status} image/png that is not a PNG"
        );
    } else if !body.is_empty() {
        assert_eq!(
            content_type,
            Some(&b"application/json"[..]),
            "{what}: body without Content-Type: application/json"
        );
        assert!(
            serde_json::from_slice::<Value>(body).is_ok(),
            "{what}: body is not JSON: {text}"
        );
    }
    let json: Value = if status.as_u16() >= 400 {
        serde_json::from_slice(body).unwrap_or_default()
    } else {
        Value::Null
    };
    let oauth_error = json.get("error").and_then(Value::as_str);
    if status.as_u16() >= 400 && token_endpoint && json.get("errorCode").is_none() {
        // The token endpoint's own refusals are OAuth errors
        // (`{"error":…,"error_description":…}`), which the core reads as
        // such; the layers it shares with the API (rate limits, methods)
        // answer Okta error bodies, checked below.
        assert!(
            oauth_error.is_some_and(|e| !e.is_empty()),
            "{what}: {status} without an OAuth error: {text}"
        );
        match ListFactors::new("u").parse_response(as_ref(response)) {
            Err(Error::UnexpectedResponse(e)) => assert_eq!(
                e.oauth.as_ref().map(|o| o.error.as_str()),
                oauth_error,
                "{what}: the core's reading of {text}"
            ),
            other => unreachable!("{what}: the core reads {status} {text} as {other:?}"),
        }
    } else if status.as_u16() >= 400 {
        assert!(
            json.get("errorCode")
                .and_then(Value::as_str)
                .is_some_and(|c| !c.is_empty()),
            "{what}: {status} without an Okta errorCode: {text}"
        );
        assert!(
            json.get("errorSummary").is_some_and(Value::is_string),
            "{what}: {status} without an errorSummary: {text}"
        );
        match ListFactors::new("u").parse_response(as_ref(response)) {
            Err(Error::Api(api)) => assert_eq!(api.status, status, "{what}: ApiError status"),
            other => unreachable!("{what}: the core reads {status} {text} as {other:?}"),
        }
    }
    if status.is_success() {
        if let Some(route) = route {
            if let Err(e) = route.parse(response) {
                unreachable!("{what}: the core cannot parse the simulator's {status} {text}: {e}");
            }
        }
    }
}

fn as_ref(response: &Response<Vec<u8>>) -> Response<&[u8]> {
    let mut copy = Response::new(response.body().as_slice());
    *copy.status_mut() = response.status();
    *copy.headers_mut() = response.headers().clone();
    copy
}

/// The operation a request is, decided the way the simulator routes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    ListFactors,
    Enroll,
    Catalog,
    Questions,
    GetFactor,
    Unenroll,
    Activate,
    Resend,
    Verify,
    Transaction,
}

fn route_of(method: &Method, path: &str) -> Option<Route> {
    let path = if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    let segments: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|s| percent_decode(s, false).unwrap_or_else(|| "\u{0}".to_owned()))
        .collect();
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let m = method.as_str();
    Some(match (m, s.as_slice()) {
        ("GET", ["api", "v1", "users", _, "factors"]) => Route::ListFactors,
        ("POST", ["api", "v1", "users", _, "factors"]) => Route::Enroll,
        ("GET", ["api", "v1", "users", _, "factors", "catalog"]) => Route::Catalog,
        ("GET", ["api", "v1", "users", _, "factors", "questions"]) => Route::Questions,
        (_, ["api", "v1", "users", _, "factors", "catalog" | "questions"]) => return None,
        ("GET", ["api", "v1", "users", _, "factors", _]) => Route::GetFactor,
        ("DELETE", ["api", "v1", "users", _, "factors", _]) => Route::Unenroll,
        ("POST", ["api", "v1", "users", _, "factors", _, "lifecycle", "activate"]) => {
            Route::Activate
        }
        ("POST", ["api", "v1", "users", _, "factors", _, "resend"]) => Route::Resend,
        ("POST", ["api", "v1", "users", _, "factors", _, "verify"]) => Route::Verify,
        ("GET", ["api", "v1", "users", _, "factors", _, "transactions", _]) => Route::Transaction,
        _ => return None,
    })
}

impl Route {
    fn parse(self, response: &Response<Vec<u8>>) -> Result<(), Error> {
        let r = as_ref(response);
        let body = || FactorEnrollment::sms("+15555550100");
        match self {
            Self::ListFactors => ListFactors::new("u").parse_response(r).map(drop),
            Self::Enroll => EnrollFactor::new("u", body()).parse_response(r).map(drop),
            Self::Catalog => ListSupportedFactors::new("u").parse_response(r).map(drop),
            Self::Questions => ListSupportedSecurityQuestions::new("u")
                .parse_response(r)
                .map(drop),
            Self::GetFactor => GetFactor::new("u", "f").parse_response(r).map(drop),
            Self::Unenroll => UnenrollFactor::new("u", "f").parse_response(r).map(drop),
            Self::Activate => ActivateFactor::new("u", "f").parse_response(r).map(drop),
            Self::Resend => ResendEnrollFactor::new("u", "f", body())
                .parse_response(r)
                .map(drop),
            Self::Verify => VerifyFactor::new("u", "f").parse_response(r).map(drop),
            Self::Transaction => GetFactorTransactionStatus::new("u", "f", "t")
                .parse_response(r)
                .map(drop),
        }
    }
}
