//! Shared helpers of the data-driven tests (`spec_examples.rs`, `vectors.rs`):
//! fixture loading, an independent percent decoder, response building and a
//! failure collector that names the fixture that failed.
//!
//! Every helper returns `Result<_, String>` instead of panicking, so one broken
//! fixture is reported with its name and the others still run.

// Each test binary uses only part of this module.
#![allow(dead_code)]

use std::fmt::Debug;
use std::path::PathBuf;

use okta_factors_core::model::{
    ActivateOutcome, LinkSet, Links, Malformed, SecurityQuestion, SupportedFactor, UserFactor,
    VerifyOutcome,
};
use okta_factors_core::operations::{ListSupportedFactors, ListSupportedSecurityQuestions};
use okta_factors_core::{Credentials, Error, Operation, OrgUrl, ResponseMeta};
use serde_json::Value;

/// An operation's output as the JSON it stands for, and back: serde for the
/// model types; for the lists of `Result`s (the catalog, the questions), each
/// element as JSON (an `Err` is the element as sent), read back through the
/// operation's own parser.
pub(crate) trait WireOutput: Sized + PartialEq + Debug {
    /// The JSON the value serializes to.
    fn to_wire(&self) -> Result<Value, String>;
    /// The value read back from `value`.
    fn from_wire(value: Value) -> Result<Self, String>;
}

macro_rules! serde_wire {
    ($($ty:ty),*) => {$(
        impl WireOutput for $ty {
            fn to_wire(&self) -> Result<Value, String> {
                serde_json::to_value(self).map_err(|e| format!("serializing: {e}"))
            }
            fn from_wire(value: Value) -> Result<Self, String> {
                serde_json::from_value(value).map_err(|e| format!("parsing: {e}"))
            }
        }
    )*};
}

serde_wire!(
    (),
    UserFactor,
    Vec<UserFactor>,
    ActivateOutcome,
    VerifyOutcome
);

macro_rules! list_wire {
    ($($ty:ty => $op:expr),*) => {$(
        impl WireOutput for Vec<Result<$ty, Malformed>> {
            fn to_wire(&self) -> Result<Value, String> {
                self.iter()
                    .map(|element| match element {
                        Ok(value) => serde_json::to_value(value).map_err(|e| format!("serializing: {e}")),
                        Err(malformed) => Ok(malformed.raw().clone()),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
            fn from_wire(value: Value) -> Result<Self, String> {
                let bytes = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
                $op.parse_success(http::StatusCode::OK, &bytes)
                    .map_err(|e| format!("parsing: {e:?}"))
            }
        }
    )*};
}

list_wire!(
    SupportedFactor => ListSupportedFactors::new("u"),
    SecurityQuestion => ListSupportedSecurityQuestions::new("u")
);

/// The elements of a list of `Result`s, all of which must have decoded.
pub(crate) fn all_decoded<T>(list: &[Result<T, Malformed>]) -> Result<Vec<&T>, String> {
    list.iter()
        .enumerate()
        .map(|(i, element)| {
            element
                .as_ref()
                .map_err(|e| format!("[{i}] did not decode: {e}"))
        })
        .collect()
}

/// The org every test request is built for.
pub(crate) const ORG: &str = "https://example.okta.com";
/// The API token every test request carries.
pub(crate) const TOKEN: &str = "test-token";

/// `tests/fixtures/<sub>` of this crate.
pub(crate) fn fixture_dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(sub)
}

/// Every `*.json` file of `tests/fixtures/<sub>`, parsed, sorted by file name.
/// The name is the file name without `.json`.
pub(crate) fn load_json_dir(sub: &str) -> Result<Vec<(String, Value)>, String> {
    let dir = fixture_dir(sub);
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        let name = name.to_owned();
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{name}: {e}"))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| format!("{name}: invalid JSON: {e}"))?;
        out.push((name, value));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The org URL of the tests.
pub(crate) fn org() -> Result<OrgUrl, String> {
    OrgUrl::parse(ORG).map_err(|e| format!("OrgUrl::parse({ORG}): {e}"))
}

/// The credentials of the tests.
pub(crate) fn credentials() -> Result<Credentials, String> {
    Credentials::api_token(TOKEN).map_err(|e| format!("Credentials::api_token: {e}"))
}

/// Percent-decodes `input` (strict: a `%` must be followed by two hex digits,
/// and the result must be UTF-8). Independent of the crate's own encoder.
pub(crate) fn percent_decode(input: &str) -> Result<String, String> {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let pair = bytes.get(i + 1).copied().and_then(hex).and_then(|hi| {
                bytes
                    .get(i + 2)
                    .copied()
                    .and_then(hex)
                    .map(|lo| hi * 16 + lo)
            });
            let Some(byte) = pair else {
                return Err(format!("bad percent escape in {input:?}"));
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("percent-decoded {input:?} is not UTF-8"))
}

/// The percent-decoded segments of a path (`/a/b%2Fc` -> `["", "a", "b/c"]`).
pub(crate) fn decoded_segments(path: &str) -> Result<Vec<String>, String> {
    path.split('/').map(percent_decode).collect()
}

/// The decoded `key=value` pairs of a query string (`+` is a space), sorted so
/// that two queries compare as sets of pairs.
pub(crate) fn query_pairs(query: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for part in query.unwrap_or_default().split('&') {
        if part.is_empty() {
            continue;
        }
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((
            percent_decode(&key.replace('+', " "))?,
            percent_decode(&value.replace('+', " "))?,
        ));
    }
    pairs.sort();
    Ok(pairs)
}

/// Builds a response; headers that `http` rejects are returned by name instead of
/// being added.
pub(crate) fn build_response(
    status: u16,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Result<(http::Response<Vec<u8>>, Vec<String>), String> {
    let mut response = http::Response::new(body);
    *response.status_mut() =
        http::StatusCode::from_u16(status).map_err(|e| format!("status {status}: {e}"))?;
    let mut rejected = Vec::new();
    for (name, value) in headers {
        match (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => rejected.push(name.clone()),
        }
    }
    Ok((response, rejected))
}

/// Fails with `message` unless `condition` holds.
pub(crate) fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(message())
    }
}

/// Fails unless `got == want`, naming `what`.
pub(crate) fn ensure_eq<T: PartialEq + Debug + ?Sized>(
    what: &str,
    got: &T,
    want: &T,
) -> Result<(), String> {
    ensure(got == want, || {
        format!("{what}: got {got:?}, expected {want:?}")
    })
}

/// A JSON value as `Option<&str>` (`None` when absent or not a string).
pub(crate) fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// Checks an `Error` against an Okta error body and status: it must be
/// `Error::Api` with the body's `errorCode`, `errorSummary`, `errorId`,
/// `errorLink` and cause summaries, and the status.
pub(crate) fn check_api_error(err: &Error, status: u16, body: &Value) -> Result<(), String> {
    let Error::Api(api) = err else {
        return Err(format!("expected Error::Api, got {err:?}"));
    };
    let want_code = str_at(body, "errorCode");
    ensure(want_code.is_some(), || {
        "fixture error body has no errorCode".to_owned()
    })?;
    ensure_eq("error_code()", &err.error_code(), &want_code)?;
    ensure_eq("api.code()", &api.code(), &want_code)?;
    ensure_eq("status()", &err.status().map(|s| s.as_u16()), &Some(status))?;
    ensure_eq(
        "errorSummary",
        &api.body.error_summary.as_deref(),
        &str_at(body, "errorSummary"),
    )?;
    ensure_eq(
        "errorId",
        &api.body.error_id.as_deref(),
        &str_at(body, "errorId"),
    )?;
    ensure_eq(
        "errorLink",
        &api.body.error_link.as_deref(),
        &str_at(body, "errorLink"),
    )?;
    let want_causes: Vec<Option<&str>> = body
        .get("errorCauses")
        .and_then(Value::as_array)
        .map(|causes| causes.iter().map(|c| str_at(c, "errorSummary")).collect())
        .unwrap_or_default();
    let got_causes: Vec<Option<&str>> = api
        .body
        .error_causes
        .iter()
        .map(|c| c.error_summary.as_deref())
        .collect();
    ensure_eq("errorCauses summaries", &got_causes, &want_causes)?;
    ensure_eq(
        "is_rate_limited()",
        &err.is_rate_limited(),
        &(status == 429),
    )?;
    ensure_eq("is_not_found()", &api.is_not_found(), &(status == 404))?;
    ensure_eq(
        "is_invalid_passcode()",
        &api.is_invalid_passcode(),
        &(want_code == Some("E0000068")),
    )?;
    Ok(())
}

/// Checks response metadata against the headers the response was built with
/// (names compared case-insensitively): request ID, rate limits and date are
/// read when present and absent otherwise.
pub(crate) fn check_meta(meta: &ResponseMeta, headers: &[(String, String)]) -> Result<(), String> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let number = |name: &str| -> Result<Option<u64>, String> {
        header(name)
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|e| format!("fixture header {name}: {v:?}: {e}"))
            })
            .transpose()
    };
    ensure_eq(
        "meta.request_id",
        &meta.request_id.as_deref(),
        &header("x-okta-request-id"),
    )?;
    ensure_eq("meta.date", &meta.date.as_deref(), &header("date"))?;
    ensure_eq(
        "meta.rate_limit.limit",
        &meta.rate_limit.limit,
        &number("x-rate-limit-limit")?,
    )?;
    ensure_eq(
        "meta.rate_limit.remaining",
        &meta.rate_limit.remaining,
        &number("x-rate-limit-remaining")?,
    )?;
    ensure_eq(
        "meta.rate_limit.reset",
        &meta.rate_limit.reset,
        &number("x-rate-limit-reset")?,
    )?;
    Ok(())
}

/// Runs `check` for every fixture and collects the failures, prefixed with the
/// fixture name. Names in `known_bugs` are expected to fail (a documented bug in
/// the crate): their failure is printed, not collected; if one passes, that is a
/// failure too, so the list cannot go stale.
pub(crate) fn run_all<T>(
    fixtures: &[(String, T)],
    known_bugs: &[&str],
    mut check: impl FnMut(&str, &T) -> Result<(), String>,
) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, fixture) in fixtures {
        let result = check(name, fixture);
        let known = known_bugs.contains(&name.as_str());
        match (result, known) {
            (Ok(()), false) => {}
            (Err(e), false) => failures.push(format!("{name}: {e}")),
            (Err(e), true) => eprintln!("KNOWN BUG (expected failure) {name}: {e}"),
            (Ok(()), true) => failures.push(format!(
                "{name}: listed in KNOWN_BUGS but passes now; remove it from the list"
            )),
        }
    }
    for bug in known_bugs {
        if !fixtures.iter().any(|(name, _)| name == bug) {
            failures.push(format!("KNOWN_BUGS names {bug}, which is not a fixture"));
        }
    }
    failures
}

/// Asserts that no failure was collected, listing all of them.
pub(crate) fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} {what} failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// Checks `links` against the wire `_links` object: the same relations, each
/// with the same hrefs in order and the same shape (object vs array).
pub(crate) fn check_links_against_wire(
    links: Option<&Links>,
    wire: Option<&Value>,
) -> Result<(), String> {
    let empty = Links::default();
    let links = links.unwrap_or(&empty);
    let Some(wire) = wire else {
        return ensure(links.is_empty(), || {
            format!("_links absent on the wire but parsed as {links:?}")
        });
    };
    let Some(object) = wire.as_object() else {
        return Err(format!("_links is not an object on the wire: {wire}"));
    };
    ensure_eq(
        "number of link relations",
        &links.iter().count(),
        &object.len(),
    )?;
    for (rel, value) in object {
        let (want_hrefs, want_many): (Vec<Option<&str>>, bool) = match value {
            Value::Array(items) => (items.iter().map(|l| str_at(l, "href")).collect(), true),
            other => (vec![str_at(other, "href")], false),
        };
        let got_hrefs: Vec<Option<&str>> = links
            .get_all(rel)
            .iter()
            .map(|l| l.href.as_deref())
            .collect();
        ensure_eq(&format!("_links.{rel} hrefs"), &got_hrefs, &want_hrefs)?;
        let got_many = links
            .iter()
            .find(|(name, _)| name == rel)
            .is_some_and(|(_, set)| matches!(set, LinkSet::Many(_)));
        ensure_eq(&format!("_links.{rel} is an array"), &got_many, &want_many)?;
    }
    Ok(())
}

/// The factor members the model types by name; none may land in `extra`.
const FACTOR_MEMBERS: [&str; 11] = [
    "id",
    "factorType",
    "provider",
    "vendorName",
    "status",
    "created",
    "lastUpdated",
    "profile",
    "factorProfileId",
    "_links",
    "_embedded",
];

/// Checks a parsed factor against its wire object: known (not `Unknown`) type,
/// the variant's `factor_type()` is the wire `factorType`, the envelope members
/// are equal, the links match and no modelled member fell into `extra`.
pub(crate) fn check_factor_against_wire(factor: &UserFactor, wire: &Value) -> Result<(), String> {
    ensure(!factor.is_unknown(), || {
        format!("factor parsed as UserFactor::Unknown: {factor:?}")
    })?;
    ensure_eq(
        "factor_type()",
        &Some(factor.factor_type().as_str()),
        &str_at(wire, "factorType"),
    )?;
    ensure_eq("id()", &factor.id(), &str_at(wire, "id"))?;
    ensure_eq(
        "status()",
        &factor.status().map(|s| s.as_str()),
        &str_at(wire, "status"),
    )?;
    ensure_eq(
        "provider()",
        &factor.provider().map(|p| p.as_str()),
        &str_at(wire, "provider"),
    )?;
    ensure(factor.status().iter().all(|s| s.is_known()), || {
        format!("status {:?} not known", factor.status())
    })?;
    ensure(factor.provider().iter().all(|p| p.is_known()), || {
        format!("provider {:?} not known", factor.provider())
    })?;
    ensure_eq(
        "vendor_name()",
        &factor.vendor_name(),
        &str_at(wire, "vendorName"),
    )?;
    ensure_eq("created()", &factor.created(), &str_at(wire, "created"))?;
    ensure_eq(
        "last_updated()",
        &factor.last_updated(),
        &str_at(wire, "lastUpdated"),
    )?;
    check_links_against_wire(Some(factor.links()), wire.get("_links"))?;
    ensure_eq(
        "embedded() present",
        &factor.embedded().is_some(),
        &wire.get("_embedded").is_some(),
    )?;
    for member in FACTOR_MEMBERS {
        ensure(!factor.extra().contains_key(member), || {
            format!("modelled member {member} landed in extra")
        })?;
    }
    Ok(())
}

/// The variant of a verify outcome, as the `factorResult` it stands for.
pub(crate) fn outcome_kind(outcome: &VerifyOutcome) -> &'static str {
    match outcome {
        VerifyOutcome::Success(_) => "SUCCESS",
        VerifyOutcome::Challenge(_) => "CHALLENGE",
        VerifyOutcome::Waiting(_) => "WAITING",
        VerifyOutcome::Rejected(_) => "REJECTED",
        VerifyOutcome::Timeout(_) => "TIMEOUT",
        VerifyOutcome::PasscodeReplayed(_) => "PASSCODE_REPLAYED",
        VerifyOutcome::TimeWindowExceeded(_) => "TIME_WINDOW_EXCEEDED",
        VerifyOutcome::Expired(_) => "EXPIRED",
        VerifyOutcome::Failed(_) => "FAILED",
        VerifyOutcome::Error(_) => "ERROR",
        VerifyOutcome::Cancelled(_) => "CANCELLED",
        _ => "unknown",
    }
}

/// Checks a verify outcome against its wire object: the variant is the one of
/// the wire `factorResult`, and `expiresAt`, `profile`, links and `_embedded`
/// presence match.
pub(crate) fn check_outcome_against_wire(
    outcome: &VerifyOutcome,
    wire: &Value,
) -> Result<(), String> {
    let result = str_at(wire, "factorResult");
    ensure_eq(
        "factor_result()",
        &outcome.factor_result().map(|r| r.as_str()),
        &result,
    )?;
    ensure_eq("outcome variant", &Some(outcome_kind(outcome)), &result)?;
    ensure_eq(
        "is_terminal()",
        &outcome.is_terminal(),
        &(result != Some("WAITING")),
    )?;
    ensure_eq(
        "is_success()",
        &outcome.is_success(),
        &(result == Some("SUCCESS")),
    )?;
    let response = outcome.response();
    ensure_eq(
        "expiresAt",
        &response.expires_at.as_deref(),
        &str_at(wire, "expiresAt"),
    )?;
    ensure_eq(
        "profile",
        &response.profile.as_ref(),
        &wire.get("profile").and_then(Value::as_object),
    )?;
    check_links_against_wire(response.links.as_ref(), wire.get("_links"))?;
    ensure_eq(
        "_embedded present",
        &response.embedded.is_some(),
        &wire.get("_embedded").is_some(),
    )?;
    ensure(response.extra.is_empty(), || {
        format!("unexpected extra members {:?}", response.extra)
    })
}

/// Checks an activation outcome against its wire object: a factor (with
/// `factorType`) is `Activated`, a push activation (`factorResult`, no
/// `factorType`) is `Waiting`.
pub(crate) fn check_activation_against_wire(
    outcome: &ActivateOutcome,
    wire: &Value,
) -> Result<(), String> {
    match outcome {
        ActivateOutcome::Activated(factor) => {
            ensure(wire.get("factorType").is_some(), || {
                "Activated, but the wire object has no factorType".to_owned()
            })?;
            check_factor_against_wire(factor, wire)
        }
        ActivateOutcome::Waiting(waiting) => {
            ensure(wire.get("factorType").is_none(), || {
                "Waiting, but the wire object has a factorType".to_owned()
            })?;
            ensure_eq(
                "factorResult",
                &waiting.response.factor_result.as_ref().map(|r| r.as_str()),
                &str_at(wire, "factorResult"),
            )?;
            check_links_against_wire(waiting.response.links.as_ref(), wire.get("_links"))
        }
        other => Err(format!("unexpected ActivateOutcome {other:?}")),
    }
}
