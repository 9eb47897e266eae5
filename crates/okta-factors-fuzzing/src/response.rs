//! Target `parse_response`: every operation's `parse_response` on an arbitrary
//! status, headers and body.
//!
//! Input format (HTTP-like text, so corpus files are readable):
//!
//! ```text
//! 429\n
//! content-type: application/json\n
//! x-rate-limit-reset: 1609459200\n
//! \n
//! {"errorCode":"E0000047"}
//! ```
//!
//! The first line is the status (decimal; anything else means 200). Header
//! lines follow up to an empty line; a line that is not a valid header is
//! skipped. Everything after the empty line is the body, byte for byte.

use std::fmt::Debug;

use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use okta_factors_core::model::FactorEnrollment;
use okta_factors_core::operations::{
    ActivateFactor, EnrollFactor, GetFactor, GetFactorTransactionStatus, ListFactors,
    ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor, UnenrollFactor,
    VerifyFactor,
};
use okta_factors_core::{Error, Operation, UnexpectedResponse};
use serde_json::Value;

/// A decoded `parse_response` input.
#[derive(Debug, Clone, PartialEq)]
pub struct RawResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers that were valid.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Decodes the text format of this module. Never fails.
    pub fn decode(data: &[u8]) -> Self {
        let (status_line, mut rest) = split_line(data);
        let status = std::str::from_utf8(status_line)
            .ok()
            .and_then(|s| s.trim().parse::<u16>().ok())
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        let mut headers = HeaderMap::new();
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
            let name = trim(&line[..colon]);
            let value = trim(&line[colon + 1..]);
            if let (Ok(name), Ok(value)) =
                (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
            {
                headers.append(name, value);
            }
        }
        Self {
            status,
            headers,
            body: body.to_vec(),
        }
    }

    /// Encodes a response in the text format of this module.
    pub fn encode(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        let mut out = format!("{status}\n").into_bytes();
        for (name, value) in headers {
            out.extend_from_slice(format!("{name}: {value}\n").as_bytes());
        }
        out.push(b'\n');
        out.extend_from_slice(body);
        out
    }

    fn response(&self) -> Response<&[u8]> {
        let mut response = Response::new(self.body.as_slice());
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers.clone();
        response
    }
}

fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// Runs every operation's `parse_response` on the decoded response and checks:
/// no panic; a non-2xx status is always an `Err`; an `Ok` has the response's
/// 2xx status; an error carries the response's status and is never `Input` or
/// `Transport`; an `UnexpectedResponse` excerpt is at most
/// [`UnexpectedResponse::EXCERPT_LIMIT`] bytes without control characters, and
/// empty for a 2xx (a success body may hold a secret); a secret member's value
/// from a 2xx body never shows in the `Debug` of the result or the `Display` of
/// the error.
pub fn parse_response(data: &[u8]) {
    let raw = RawResponse::decode(data);
    let secrets = if raw.status.is_success() {
        secret_values(&raw)
    } else {
        Vec::new()
    };
    let check = Checker {
        raw: &raw,
        secrets: &secrets,
    };
    check.op(&ListFactors::new("00u1"));
    check.op(&EnrollFactor::new(
        "00u1",
        FactorEnrollment::sms("+15555550100"),
    ));
    check.op(&GetFactor::new("00u1", "mbl1"));
    check.op(&UnenrollFactor::new("00u1", "mbl1"));
    check.op(&ActivateFactor::new("00u1", "mbl1"));
    check.op(&ResendEnrollFactor::new(
        "00u1",
        "mbl1",
        FactorEnrollment::sms("+15555550100"),
    ));
    check.op(&VerifyFactor::new("00u1", "mbl1"));
    check.op(&GetFactorTransactionStatus::new("00u1", "opf1", "v2mst1"));
    check.op(&ListSupportedFactors::new("00u1"));
    check.op(&ListSupportedSecurityQuestions::new("00u1"));
}

struct Checker<'a> {
    raw: &'a RawResponse,
    secrets: &'a [String],
}

impl Checker<'_> {
    fn op<O: Operation>(&self, op: &O)
    where
        O::Output: Debug,
    {
        let status = self.raw.status;
        let result = op.parse_response(self.raw.response());
        let name = O::NAME;
        let debug = format!("{result:?}");
        match &result {
            Ok(ok) => {
                assert!(
                    status.is_success(),
                    "{name}: status {status} parsed as Ok: {debug}"
                );
                assert_eq!(ok.status, status, "{name}: Ok with another status");
            }
            Err(error) => {
                let display = error.to_string();
                assert_eq!(
                    error.status(),
                    Some(status),
                    "{name}: error without the response's status: {display}"
                );
                match error {
                    Error::Input(_) | Error::Transport(_) => {
                        unreachable!("{name}: parse_response gave {debug}")
                    }
                    Error::UnexpectedResponse(unexpected) => {
                        check_excerpt(name, status, unexpected);
                    }
                    _ => {}
                }
                for secret in self.secrets {
                    assert!(
                        !display.contains(secret.as_str()),
                        "{name}: a secret from the body shows in the error message: {display}"
                    );
                }
            }
        }
        for secret in self.secrets {
            assert!(
                !debug.contains(secret.as_str()),
                "{name}: a secret from the body shows in Debug: {debug}"
            );
        }
    }
}

fn check_excerpt(name: &str, status: StatusCode, unexpected: &UnexpectedResponse) {
    let excerpt = &unexpected.excerpt;
    assert!(
        excerpt.len() <= UnexpectedResponse::EXCERPT_LIMIT,
        "{name}: excerpt of {} bytes exceeds the {}-byte limit",
        excerpt.len(),
        UnexpectedResponse::EXCERPT_LIMIT
    );
    assert!(
        !excerpt.chars().any(char::is_control),
        "{name}: control character in excerpt {excerpt:?}"
    );
    if status.is_success() {
        assert!(
            excerpt.is_empty(),
            "{name}: a {status} body is quoted in the error: {excerpt:?}"
        );
    }
}

/// JSON members whose values are secrets, the oracle's own list: the members
/// SECURITY.md (guarantee 4) names, then the generic credential names the core
/// redacts too.
const SECRET_MEMBERS: &[&str] = &[
    "passCode",
    "nextPassCode",
    "answer",
    "sharedSecret",
    "activationToken",
    "stateToken",
    "deviceToken",
    "token",
    "password",
    "clientSecret",
];

/// Values of secret members in a JSON body that an oracle can look for without
/// false alarms: long, alphanumeric with a digit and a letter, and not also
/// found anywhere else in the body or the headers.
fn secret_values(raw: &RawResponse) -> Vec<String> {
    let Ok(json) = serde_json::from_slice::<Value>(&raw.body) else {
        return Vec::new();
    };
    let mut secret = Vec::new();
    let mut other = Vec::new();
    collect_strings(&json, false, &mut secret, &mut other);
    other.extend(
        raw.headers
            .values()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
    );
    secret.retain(|s| {
        s.len() >= 10
            && s.bytes().all(|b| b.is_ascii_alphanumeric())
            && s.bytes().any(|b| b.is_ascii_digit())
            && s.bytes().any(|b| b.is_ascii_alphabetic())
            && !other.iter().any(|o| o.contains(s.as_str()))
    });
    secret
}

fn collect_strings(
    value: &Value,
    in_secret: bool,
    secret: &mut Vec<String>,
    other: &mut Vec<String>,
) {
    match value {
        Value::String(s) if in_secret => secret.push(s.clone()),
        Value::String(s) => other.push(s.clone()),
        Value::Array(items) => {
            for item in items {
                collect_strings(item, in_secret, secret, other);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                other.push(key.clone());
                let is_secret = in_secret || SECRET_MEMBERS.contains(&key.as_str());
                collect_strings(item, is_secret, secret, other);
            }
        }
        Value::Number(n) => other.push(n.to_string()),
        Value::Bool(_) | Value::Null => {}
    }
}
