//! Every real wire vector (`tests/fixtures/vectors/*.json`), run through the
//! operation it names, in both directions.
//!
//! * Request: the operation is built from the vector (path parameters from the
//!   decoded path, query and header parameters through the builder methods, the
//!   body through the operation's body type) and the request it builds must have
//!   the vector's method, decoded path, query pairs, JSON body (or none) and
//!   header parameters, plus our `Authorization`, `Accept` and `Content-Type`.
//! * Response: the vector's status, headers and body are parsed; 2xx must give a
//!   value that serializes back to exactly the vector body, 4xx an `Error::Api`
//!   with the vector's `errorCode`; the metadata must match the headers.
//! * The vectors the README calls tricky get specific assertions.
//!
//! Failures are collected per vector and reported together, by file name.

mod common;

use std::fmt::Debug;

use common::fixtures::{
    all_decoded, assert_no_failures, build_response, check_activation_against_wire,
    check_api_error, check_factor_against_wire, check_meta, check_outcome_against_wire,
    credentials, decoded_segments, ensure, ensure_eq, load_json_dir, org, query_pairs, run_all,
    str_at, WireOutput, TOKEN,
};
use okta_factors_core::model::{
    ActivateOutcome, FactorEnrollment, FactorProvider, FactorStatus, FactorType, HttpMethod,
    SecurityQuestion, SupportedFactor, UserFactor, VerifyOutcome,
};
use okta_factors_core::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, GetFactor, GetFactorTransactionStatus,
    ListFactors, ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor,
    UnenrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::{Error, OktaResponse, Operation};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The `User-Agent` of the crate's requests: its name and version.
const CRATE_USER_AGENT: &str = concat!("okta-factors-rust/", env!("CARGO_PKG_VERSION"));
/// Carries the crate's identity when `User-Agent` is the end user's.
const X_OKTA_USER_AGENT_EXTENDED: &str = "x-okta-user-agent-extended";

/// How many vectors `tests/fixtures/vectors/` holds today.
const VECTOR_COUNT: usize = 47;

/// Vectors that fail because of a bug in the crate (see the report of each);
/// they still run, their failure is printed instead of failing the test.
const KNOWN_BUGS: &[&str] = &[];

/// The vectors (by number) whose specific assertions must have run.
const SPECIFIC: &[&str] = &[
    "01", "03", "05", "07", "11", "13", "15", "17", "23", "25", "27", "29", "31", "33", "41", "43",
    "47", "53", "63", "69", "71", "77", "79", "83", "87", "89", "91", "93",
];

/// One vector file.
#[derive(Debug, Deserialize)]
struct Vector {
    operation: String,
    request: VectorRequest,
    response: Option<VectorResponse>,
}

#[derive(Debug, Deserialize)]
struct VectorRequest {
    method: String,
    path: String,
    query: Option<Map<String, Value>>,
    headers: Map<String, Value>,
    body: Value,
}

#[derive(Debug, Deserialize)]
struct VectorResponse {
    status: u16,
    headers: Map<String, Value>,
    body: Value,
}

impl Vector {
    /// A request header of the vector (case-insensitive name).
    fn request_header(&self, name: &str) -> Option<&str> {
        self.request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
    }

    /// The query parameters as strings (`tokenLifetimeSeconds` is `"600"`).
    fn query(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .request
            .query
            .iter()
            .flatten()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect();
        pairs.sort();
        pairs
    }
}

fn headers_of(map: &Map<String, Value>) -> Result<Vec<(String, String)>, String> {
    map.iter()
        .map(|(name, value)| {
            value
                .as_str()
                .map(|v| (name.clone(), v.to_owned()))
                .ok_or_else(|| format!("header {name} is not a string"))
        })
        .collect()
}

fn load_vectors() -> Result<Vec<(String, Vector)>, String> {
    load_json_dir("vectors")?
        .into_iter()
        .map(|(name, value)| {
            serde_json::from_value(value)
                .map(|vector| (name.clone(), vector))
                .map_err(|e| format!("{name}: not a vector: {e}"))
        })
        .collect()
}

#[test]
fn every_vector_builds_and_parses() {
    let vectors = match load_vectors() {
        Ok(vectors) => vectors,
        Err(e) => {
            assert_no_failures("vectors", &[e]);
            return;
        }
    };
    assert_eq!(
        vectors.len(),
        VECTOR_COUNT,
        "number of vectors (a vector was lost or added; update the count on purpose)"
    );
    let mut specific_ran = Vec::new();
    let mut failures = run_all(&vectors, KNOWN_BUGS, |name, vector| {
        let ran = run_vector(name, vector)?;
        if ran {
            specific_ran.push(id_of(name).to_owned());
        }
        Ok(())
    });
    for id in SPECIFIC {
        // A vector that failed (or is a known bug) has already been reported.
        let reported = KNOWN_BUGS.iter().any(|bug| id_of(bug) == *id)
            || failures.iter().any(|f| id_of(f) == *id);
        if !reported && !specific_ran.iter().any(|ran| ran == id) {
            failures.push(format!("vector {id}: its specific assertions did not run"));
        }
    }
    assert_no_failures("vectors", &failures);
}

/// The two-digit number a vector's file name starts with.
fn id_of(name: &str) -> &str {
    name.get(..2).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Building operations from vectors
// ---------------------------------------------------------------------------

/// The path parameters of `template` in the vector's path, percent-decoded; the
/// literal segments must match too.
fn path_params<const N: usize>(template: &str, v: &Vector) -> Result<[String; N], String> {
    let want: Vec<&str> = template.split('/').collect();
    let got = decoded_segments(&v.request.path)?;
    ensure(want.len() == got.len(), || {
        format!("path {:?} does not fit {template}", v.request.path)
    })?;
    let mut params = Vec::new();
    for (t, g) in want.iter().zip(got) {
        if t.starts_with('{') {
            params.push(g);
        } else {
            ensure(*t == g, || {
                format!("path {:?} does not fit {template}", v.request.path)
            })?;
        }
    }
    params
        .try_into()
        .map_err(|p: Vec<String>| format!("{template} has {} parameters, not {N}", p.len()))
}

/// The query parameters of the vector, each checked to be one `allowed` for the
/// operation.
fn query_params(v: &Vector, allowed: &[&str]) -> Result<Vec<(String, String)>, String> {
    let pairs = v.query();
    for (key, _) in &pairs {
        ensure(allowed.contains(&key.as_str()), || {
            format!("query parameter {key} is not one of the operation's {allowed:?}")
        })?;
    }
    Ok(pairs)
}

/// The header parameters the vector sends (`Accept-Language`, `X-Forwarded-For`,
/// and for verify `User-Agent`), each checked to be one `allowed` for the
/// operation. Returned with lower-case names.
fn header_params(
    v: &Vector,
    candidates: &[&str],
    allowed: &[&str],
) -> Result<Vec<(String, String)>, String> {
    let mut params = Vec::new();
    for name in candidates {
        if let Some(value) = v.request_header(name) {
            ensure(allowed.contains(name), || {
                format!("header parameter {name} is not one of the operation's {allowed:?}")
            })?;
            params.push((name.to_string(), value.to_owned()));
        }
    }
    Ok(params)
}

/// Header parameters every operation could carry; `User-Agent` is one only for
/// verify (elsewhere it is the recording client's own agent).
const HEADER_PARAMS: &[&str] = &["accept-language", "x-forwarded-for"];
const VERIFY_HEADER_PARAMS: &[&str] = &["accept-language", "x-forwarded-for", "user-agent"];

fn parse_bool(key: &str, value: &str) -> Result<bool, String> {
    value
        .parse()
        .map_err(|_| format!("query {key}={value:?} is not a boolean"))
}

fn parse_u32(key: &str, value: &str) -> Result<u32, String> {
    value
        .parse()
        .map_err(|_| format!("query {key}={value:?} is not a number"))
}

/// The request body as `B`; `None` for a JSON `null` body.
fn body_of<B: DeserializeOwned>(v: &Vector) -> Result<Option<B>, String> {
    match &v.request.body {
        Value::Null => Ok(None),
        body => serde_json::from_value(body.clone())
            .map(Some)
            .map_err(|e| format!("request body does not deserialize: {e}")),
    }
}

/// Builds the operation the vector names and runs both checks. Returns whether
/// vector-specific assertions ran.
fn run_vector(name: &str, v: &Vector) -> Result<bool, String> {
    let id = id_of(name);
    match v.operation.as_str() {
        "list_factors" => {
            let [user] = path_params(ListFactors::PATH_TEMPLATE, v)?;
            let headers = no_params(v)?;
            check_vector(&ListFactors::new(user), v, &headers, |r| {
                list_factors_specific(id, v, r)
            })
        }
        "enroll_factor" => {
            let [user] = path_params(EnrollFactor::PATH_TEMPLATE, v)?;
            let body: FactorEnrollment = body_of(v)?.ok_or("enroll without a body")?;
            let mut op = EnrollFactor::new(user, body);
            let allowed = [
                "updatePhone",
                "templateId",
                "tokenLifetimeSeconds",
                "activate",
            ];
            for (key, value) in query_params(v, &allowed)? {
                op = match key.as_str() {
                    "updatePhone" => op.update_phone(parse_bool(&key, &value)?),
                    "templateId" => op.template_id(value),
                    "tokenLifetimeSeconds" => op.token_lifetime_seconds(parse_u32(&key, &value)?),
                    _ => op.activate(parse_bool(&key, &value)?),
                };
            }
            let headers = header_params(v, HEADER_PARAMS, &["accept-language"])?;
            for (_, value) in &headers {
                op = op.accept_language(value);
            }
            enroll_request_specific(id, &op)?;
            check_vector(&op, v, &headers, |r| enroll_factor_specific(id, v, r))
        }
        "resend_enroll_factor" => {
            let [user, factor] = path_params(ResendEnrollFactor::PATH_TEMPLATE, v)?;
            let body: FactorEnrollment = body_of(v)?.ok_or("resend without a body")?;
            let mut op = ResendEnrollFactor::new(user, factor, body);
            for (_, value) in query_params(v, &["templateId"])? {
                op = op.template_id(value);
            }
            let headers = header_params(v, HEADER_PARAMS, &["accept-language"])?;
            for (_, value) in &headers {
                op = op.accept_language(value);
            }
            check_vector(&op, v, &headers, |r| factor_specific(id, v, r))
        }
        "get_factor" => {
            let [user, factor] = path_params(GetFactor::PATH_TEMPLATE, v)?;
            let headers = no_params(v)?;
            check_vector(&GetFactor::new(user, factor), v, &headers, |r| {
                factor_specific(id, v, r)
            })
        }
        "unenroll_factor" => {
            let [user, factor] = path_params(UnenrollFactor::PATH_TEMPLATE, v)?;
            let mut op = UnenrollFactor::new(user, factor);
            for (key, value) in query_params(v, &["removeRecoveryEnrollment"])? {
                op = op.remove_recovery_enrollment(parse_bool(&key, &value)?);
            }
            let headers = header_params(v, HEADER_PARAMS, &[])?;
            check_vector(&op, v, &headers, |r| unenroll_specific(id, v, r))
        }
        "activate_factor" => {
            let [user, factor] = path_params(ActivateFactor::PATH_TEMPLATE, v)?;
            let mut op = ActivateFactor::new(user, factor);
            if let Some(body) = body_of::<ActivateFactorRequest>(v)? {
                op = op.body(body);
            }
            let headers = no_params(v)?;
            check_vector(&op, v, &headers, |r| activate_specific(id, v, r))
        }
        "verify_factor" => {
            let [user, factor] = path_params(VerifyFactor::PATH_TEMPLATE, v)?;
            let mut op = VerifyFactor::new(user, factor);
            let body = body_of::<VerifyFactorRequest>(v)?;
            if v.request.body == Value::Object(Map::new()) {
                // `{}` is the challenge body, distinct from no body.
                ensure_eq("{} body", &body, &Some(VerifyFactorRequest::challenge()))?;
            }
            if let Some(body) = body {
                op = op.body(body);
            }
            for (key, value) in query_params(v, &["templateId", "tokenLifetimeSeconds"])? {
                op = match key.as_str() {
                    "templateId" => op.template_id(value),
                    _ => op.token_lifetime_seconds(parse_u32(&key, &value)?),
                };
            }
            let headers = header_params(v, VERIFY_HEADER_PARAMS, VERIFY_HEADER_PARAMS)?;
            for (name, value) in &headers {
                op = match name.as_str() {
                    "accept-language" => op.accept_language(value),
                    "x-forwarded-for" => op.forwarded_for(value),
                    _ => op.user_agent(value),
                };
            }
            check_vector(&op, v, &headers, |r| verify_specific(id, v, r))
        }
        "get_factor_transaction_status" => {
            let [user, factor, transaction] =
                path_params(GetFactorTransactionStatus::PATH_TEMPLATE, v)?;
            let op = GetFactorTransactionStatus::new(user, factor, transaction);
            let headers = no_params(v)?;
            check_vector(&op, v, &headers, |r| transaction_specific(id, v, &op, r))
        }
        "list_supported_factors" => {
            let [user] = path_params(ListSupportedFactors::PATH_TEMPLATE, v)?;
            let headers = no_params(v)?;
            check_vector(&ListSupportedFactors::new(user), v, &headers, |r| {
                catalog_specific(id, r)
            })
        }
        "list_supported_security_questions" => {
            let [user] = path_params(ListSupportedSecurityQuestions::PATH_TEMPLATE, v)?;
            let headers = no_params(v)?;
            check_vector(
                &ListSupportedSecurityQuestions::new(user),
                v,
                &headers,
                |r| questions_specific(id, r),
            )
        }
        other => Err(format!("no dispatch for operation {other:?}")),
    }
}

/// For operations without query or header parameters: the vector has none.
fn no_params(v: &Vector) -> Result<Vec<(String, String)>, String> {
    query_params(v, &[])?;
    header_params(v, HEADER_PARAMS, &[])
}

// ---------------------------------------------------------------------------
// The generic checks
// ---------------------------------------------------------------------------

type Parsed<O> = Result<OktaResponse<<O as Operation>::Output>, Error>;

/// Request check, then (when the vector has a response) response check, then
/// `specific`, which sees the parse result (for request-only vectors `None`)
/// and returns whether it asserted anything.
fn check_vector<O>(
    op: &O,
    v: &Vector,
    header_params: &[(String, String)],
    specific: impl FnOnce(Option<&Parsed<O>>) -> Result<bool, String>,
) -> Result<bool, String>
where
    O: Operation,
    O::Output: WireOutput,
{
    check_request(op, v, header_params).map_err(|e| format!("request: {e}"))?;
    let Some(response) = &v.response else {
        return specific(None).map_err(|e| format!("specific: {e}"));
    };
    let parsed = check_response(op, response).map_err(|e| format!("response: {e}"))?;
    specific(Some(&parsed)).map_err(|e| format!("specific: {e}"))
}

fn check_request<O: Operation>(
    op: &O,
    v: &Vector,
    header_params: &[(String, String)],
) -> Result<(), String> {
    let request = op
        .build_request(&org()?, &credentials()?)
        .map_err(|e| format!("build_request: {e}"))?;
    ensure_eq(
        "method",
        request.method().as_str(),
        v.request.method.as_str(),
    )?;
    ensure_eq("method", request.method(), &O::METHOD)?;
    let uri = request.uri();
    ensure_eq("scheme", &uri.scheme_str(), &Some("https"))?;
    ensure_eq("host", &uri.host(), &Some("example.okta.com"))?;
    ensure_eq(
        "decoded path segments",
        &decoded_segments(uri.path())?,
        &decoded_segments(&v.request.path)?,
    )?;
    ensure_eq("query pairs", &query_pairs(uri.query())?, &v.query())?;

    let header = |name: &str| -> Result<Option<String>, String> {
        let mut values = request.headers().get_all(name).iter();
        let first = values
            .next()
            .map(|v| {
                v.to_str()
                    .map(str::to_owned)
                    .map_err(|_| format!("header {name} is not visible ASCII"))
            })
            .transpose()?;
        ensure(values.next().is_none(), || {
            format!("header {name} repeated")
        })?;
        Ok(first)
    };
    match &v.request.body {
        Value::Null => {
            ensure(request.body().is_empty(), || {
                format!(
                    "vector has no body, request has {:?}",
                    String::from_utf8_lossy(request.body())
                )
            })?;
            ensure_eq("content-type", &header("content-type")?, &None)?;
            // A body-less POST is framed as empty (RFC 9110 §8.6), whatever
            // the transport; other methods carry no framing header.
            let framing = (request.method() == http::Method::POST).then_some("0");
            ensure_eq(
                "content-length",
                &header("content-length")?.as_deref(),
                &framing,
            )?;
        }
        want => {
            let sent: Value = serde_json::from_slice(request.body()).map_err(|e| {
                format!(
                    "request body {:?} is not JSON: {e}",
                    String::from_utf8_lossy(request.body())
                )
            })?;
            ensure_eq("request body", &sent, want)?;
            ensure_eq(
                "content-type",
                &header("content-type")?.as_deref(),
                &Some("application/json"),
            )?;
        }
    }
    ensure_eq(
        "authorization",
        &header("authorization")?,
        &Some(format!("SSWS {TOKEN}")),
    )?;
    ensure_eq(
        "accept",
        &header("accept")?.as_deref(),
        &Some("application/json"),
    )?;
    for (name, value) in header_params {
        ensure_eq(name, &header(name)?.as_deref(), &Some(value.as_str()))?;
    }
    let end_user_agent = header_params.iter().any(|(name, _)| name == "user-agent");
    if end_user_agent {
        ensure_eq(
            "x-okta-user-agent-extended",
            &header(X_OKTA_USER_AGENT_EXTENDED)?.as_deref(),
            &Some(CRATE_USER_AGENT),
        )?;
    } else {
        ensure_eq(
            "user-agent",
            &header("user-agent")?.as_deref(),
            &Some(CRATE_USER_AGENT),
        )?;
        ensure_eq(
            "x-okta-user-agent-extended",
            &header(X_OKTA_USER_AGENT_EXTENDED)?,
            &None,
        )?;
    }
    for (name, _) in request.headers() {
        let expected = [
            "accept",
            "authorization",
            "user-agent",
            "content-type",
            "content-length",
            X_OKTA_USER_AGENT_EXTENDED,
        ]
        .contains(&name.as_str())
            || header_params.iter().any(|(n, _)| n == name.as_str());
        ensure(expected, || format!("unexpected request header {name}"))?;
    }
    Ok(())
}

fn check_response<O>(op: &O, response: &VectorResponse) -> Result<Parsed<O>, String>
where
    O: Operation,
    O::Output: WireOutput,
{
    let headers = headers_of(&response.headers)?;
    let body = match &response.body {
        Value::Null => Vec::new(),
        body => serde_json::to_vec(body).map_err(|e| e.to_string())?,
    };
    let (http_response, rejected) = build_response(response.status, &headers, body)?;
    ensure(rejected.is_empty(), || {
        format!("http rejected the vector headers {rejected:?}")
    })?;
    let parsed = op.parse_response(http_response);
    match (response.status, &parsed) {
        (200..=299, Ok(ok)) => {
            ensure_eq("parsed status", &ok.status.as_u16(), &response.status)?;
            check_meta(&ok.meta, &headers)?;
            let back = ok.value.to_wire()?;
            ensure(back == response.body, || {
                format!(
                    "round trip changed the JSON:\n    got      {back}\n    expected {}",
                    response.body
                )
            })?;
            let again = O::Output::from_wire(back)
                .map_err(|e| format!("parsing the re-serialized value: {e}"))?;
            ensure(again == ok.value, || {
                "parsing the re-serialized JSON gave a different value".to_owned()
            })?;
        }
        (200..=299, Err(err)) => return Err(format!("expected Ok, got Err({err:?})")),
        (400..=499, Err(err)) => {
            check_api_error(err, response.status, &response.body)?;
            check_meta(err.meta().ok_or("error without meta")?, &headers)?;
        }
        (400..=499, Ok(ok)) => return Err(format!("expected Err(Error::Api), got Ok({ok:?})")),
        (status, _) => return Err(format!("no expectation for status {status}")),
    }
    Ok(parsed)
}

// ---------------------------------------------------------------------------
// Vector-specific assertions
// ---------------------------------------------------------------------------

fn ok<T>(parsed: Option<&Result<OktaResponse<T>, Error>>) -> Result<&OktaResponse<T>, String> {
    match parsed {
        Some(Ok(ok)) => Ok(ok),
        Some(Err(err)) => Err(format!("expected Ok, got {err:?}")),
        None => Err("the vector has no response".to_owned()),
    }
}

fn err<T: Debug>(parsed: Option<&Result<OktaResponse<T>, Error>>) -> Result<&Error, String> {
    match parsed {
        Some(Err(err)) => Ok(err),
        Some(Ok(ok)) => Err(format!("expected Err, got {ok:?}")),
        None => Err("the vector has no response".to_owned()),
    }
}

fn response_body(v: &Vector) -> Result<&Value, String> {
    v.response
        .as_ref()
        .map(|r| &r.body)
        .ok_or_else(|| "the vector has no response".to_owned())
}

fn list_factors_specific(
    id: &str,
    v: &Vector,
    parsed: Option<&Parsed<ListFactors>>,
) -> Result<bool, String> {
    if let Some(Ok(ok)) = parsed {
        let wire = response_body(v)?;
        for (i, factor) in ok.value.iter().enumerate() {
            let item = wire.get(i).ok_or("fewer wire items than factors")?;
            check_factor_against_wire(factor, item).map_err(|e| format!("[{i}]: {e}"))?;
        }
    }
    let types = |ok: &OktaResponse<Vec<UserFactor>>| -> Vec<FactorType> {
        ok.value.iter().map(UserFactor::factor_type).collect()
    };
    match id {
        "01" => {
            let ok = ok(parsed)?;
            ensure_eq(
                "types",
                &types(ok),
                &vec![
                    FactorType::Question,
                    FactorType::TokenSoftwareTotp,
                    FactorType::Sms,
                ],
            )?;
            let totp = ok.value[1]
                .totp_activation()
                .ok_or("pending TOTP has no totp_activation()")?;
            ensure_eq("secret", totp.shared_secret.expose(), "HE64TMLL2IUZW2ZLB")?;
            ensure_eq("key length", &totp.key_length, &Some(16))?;
            ensure_eq("digits", &totp.digits(), &6)?;
            let next = ok.value[1].links().next().ok_or("no next link")?;
            ensure_eq("next name", &next.name.as_deref(), &Some("activate"))?;
            ensure_eq("vendor name", &ok.value[1].vendor_name(), &None)?;
        }
        "03" => {
            let ok = ok(parsed)?;
            ensure_eq(
                "types",
                &types(ok),
                &vec![
                    FactorType::Call,
                    FactorType::Email,
                    FactorType::Sms,
                    FactorType::TokenSoftwareTotp,
                    FactorType::Push,
                    FactorType::TokenSoftwareTotp,
                ],
            )?;
            ensure_eq("email created", &ok.value[1].created(), &None)?;
            ensure_eq(
                "totp provider",
                &ok.value[3].provider(),
                &Some(&FactorProvider::Google),
            )?;
            let UserFactor::Push(push) = &ok.value[4] else {
                return Err("[4] is not push".into());
            };
            let profile = push.profile.as_ref().ok_or("push without profile")?;
            let keys = profile.keys.as_ref().ok_or("push without keys")?;
            ensure_eq("push keys", &keys.len(), &1)?;
            ensure_eq("key kty", &str_at(&keys[0], "kty"), &Some("PKIX"))?;
            ensure_eq(
                "device name",
                &profile.name.as_deref(),
                &Some("A User\u{2019}s iPhone"),
            )?;
        }
        "05" => {
            let ok = ok(parsed)?;
            ensure(ok.value.is_empty(), || {
                format!("expected [], got {:?}", ok.value)
            })?;
            ensure_eq("rate limit", &ok.meta.rate_limit.limit, &Some(600))?;
            ensure(!ok.meta.rate_limit.is_concurrent_limit(), || {
                "not a concurrent limit".into()
            })?;
        }
        "07" => {
            let ok = ok(parsed)?;
            let UserFactor::SignedNonce(nonce) = &ok.value[0] else {
                return Err(format!("[0] is not SignedNonce: {:?}", ok.value[0]));
            };
            ensure_eq("id", &nonce.id.as_deref(), &Some("crpFAKESIGNEDNONCE0001"))?;
            let profile = nonce.profile.as_ref().ok_or("no profile")?;
            let keys = profile.keys.as_ref().ok_or("no keys")?;
            let jwk_types: Vec<Option<&str>> = keys.iter().map(|k| k.jwk_type.as_deref()).collect();
            ensure_eq(
                "jwk types",
                &jwk_types,
                &vec![
                    Some("proofOfPossession"),
                    Some("userVerification"),
                    Some("userVerificationBioOrPin"),
                ],
            )?;
            for key in keys {
                ensure_eq("crv", &key.crv.as_deref(), &Some("P-256"))?;
                ensure_eq("kty", &key.kty.as_deref(), &Some("EC"))?;
                ensure(key.extra.is_empty(), || {
                    format!("key extra {:?}", key.extra)
                })?;
            }
            ensure_eq(
                "[1] type",
                &ok.value[1].factor_type(),
                &FactorType::TokenSoftwareTotp,
            )?;
        }
        "09" => {
            let err = err(parsed)?;
            ensure_eq("status", &err.status().map(|s| s.as_u16()), &Some(404))?;
            return Ok(false);
        }
        "11" => {
            let err = err(parsed)?;
            ensure(err.is_rate_limited(), || "not rate limited".into())?;
            let meta = err.meta().ok_or("no meta")?;
            ensure(meta.rate_limit.is_concurrent_limit(), || {
                format!("not a concurrent limit: {:?}", meta.rate_limit)
            })?;
            ensure_eq("reset", &meta.rate_limit.reset, &Some(1_609_459_200))?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Assertions on the enroll operation itself (before it is built).
fn enroll_request_specific(id: &str, op: &EnrollFactor) -> Result<(), String> {
    match id {
        "13" => ensure_eq(
            "body",
            op.body(),
            &FactorEnrollment::question("disliked_food", "meatball"),
        ),
        "15" => {
            // The recorded body has no provider.
            let mut want = FactorEnrollment::sms("+12345678901");
            want.provider = None;
            ensure_eq("body", op.body(), &want)
        }
        "19" | "17" | "35" => {
            ensure_eq("body", op.body(), &FactorEnrollment::sms("+1-555-415-1337"))
        }
        "21" => ensure_eq(
            "body",
            op.body(),
            &FactorEnrollment::call_with_extension("+1-555-415-1337", "1234"),
        ),
        "27" => ensure_eq(
            "body",
            op.body(),
            &FactorEnrollment::token(FactorProvider::Rsa, "dade.murphy@example.com", "5275875498"),
        ),
        "29" => ensure_eq(
            "body",
            op.body(),
            &FactorEnrollment::yubikey("cccccceukngdfgkukfctkcvfidnetljjiknckkcjulji"),
        ),
        "33" => ensure_eq("body", op.body(), &FactorEnrollment::webauthn()),
        _ => Ok(()),
    }
}

fn enroll_factor_specific(
    id: &str,
    v: &Vector,
    parsed: Option<&Parsed<EnrollFactor>>,
) -> Result<bool, String> {
    if let Some(Ok(ok)) = parsed {
        check_factor_against_wire(&ok.value, response_body(v)?)?;
    }
    match id {
        "13" => {
            let ok = ok(parsed)?;
            let UserFactor::Question(f) = &ok.value else {
                return Err("not a question factor".into());
            };
            ensure_eq("status", &f.status, &Some(FactorStatus::Active))?;
            ensure_eq(
                "question",
                &f.profile.as_ref().and_then(|p| p.question.as_deref()),
                &Some("disliked_food"),
            )?;
        }
        "15" => {
            let ok = ok(parsed)?;
            ensure(matches!(ok.value, UserFactor::Sms(_)), || "not sms".into())?;
            let resend = ok.value.links().resend();
            ensure_eq("resend links", &resend.len(), &1)?;
            ensure_eq("resend name", &resend[0].name.as_deref(), &Some("sms"))?;
            ensure_eq(
                "request id",
                &ok.meta.request_id.as_deref(),
                &Some("X0f4RnNPapvRLvhscmTkBgAABqk"),
            )?;
            ensure_eq("remaining", &ok.meta.rate_limit.remaining, &Some(598))?;
        }
        "17" => {
            let api = err(parsed)?.api().ok_or("not Error::Api")?;
            ensure_eq("code", &api.code(), &Some("E0000001"))?;
            ensure_eq(
                "errorCauses[0]",
                &api.body
                    .error_causes
                    .first()
                    .and_then(|c| c.error_summary.as_deref()),
                &Some("There is an existing verified phone number."),
            )?;
        }
        "23" => {
            let ok = ok(parsed)?;
            let totp = ok.value.totp_activation().ok_or("no totp_activation()")?;
            ensure_eq("secret", totp.shared_secret.expose(), "JBTWGV22G4ZGKV3N")?;
            ensure_eq("time step", &totp.time_step, &30)?;
            ensure_eq("key length", &totp.key_length, &Some(6))?;
            ensure_eq("digits", &totp.digits(), &6)?;
            ensure_eq("encoding", totp.encoding, "base32")?;
            let want = response_body(v)?
                .pointer("/_embedded/_links/qrcode/href")
                .and_then(Value::as_str);
            ensure(want.is_some(), || {
                "vector has no _embedded._links.qrcode".into()
            })?;
            let qr = totp.qr_code.ok_or("no qr_code")?;
            ensure_eq("qr href", &qr.href.as_deref(), &want)?;
            ensure_eq("qr type", &qr.media_type.as_deref(), &Some("image/png"))?;
            let embedded = ok.value.embedded().ok_or("no _embedded")?;
            ensure(
                embedded.links.as_ref().and_then(|l| l.qrcode()).is_some(),
                || "qrcode not in _embedded._links".into(),
            )?;
        }
        "25" => {
            let ok = ok(parsed)?;
            let UserFactor::Push(f) = &ok.value else {
                return Err("not push".into());
            };
            ensure(f.profile.is_none(), || "unexpected profile".into())?;
            let poll = ok.value.links().poll().ok_or("no poll link")?;
            ensure(poll.href().ends_with("/lifecycle/activate/poll"), || {
                format!("poll href {:?}", poll.href)
            })?;
            let activation = ok
                .value
                .embedded()
                .and_then(|e| e.activation.as_deref())
                .ok_or("no _embedded.activation")?;
            ensure_eq(
                "activation result",
                &activation.factor_result.as_ref().map(|r| r.as_str()),
                &Some("WAITING"),
            )?;
            ensure_eq(
                "expiresAt",
                &activation.expires_at.as_deref(),
                &Some("2015-11-13T07:44:22.000Z"),
            )?;
            let links = activation.links.as_ref().ok_or("no activation _links")?;
            let send: Vec<Option<&str>> = links.send().iter().map(|l| l.name.as_deref()).collect();
            ensure_eq("send links", &send, &vec![Some("email"), Some("sms")])?;
            ensure(links.qrcode().is_some(), || "no activation qrcode".into())?;
        }
        "27" => {
            let ok = ok(parsed)?;
            ensure_eq("type", &ok.value.factor_type(), &FactorType::Token)?;
            ensure_eq(
                "provider",
                &ok.value.provider(),
                &Some(&FactorProvider::Rsa),
            )?;
            ensure_eq("status", &ok.value.status(), &Some(&FactorStatus::Active))?;
        }
        "29" => {
            let ok = ok(parsed)?;
            let UserFactor::TokenHardware(f) = &ok.value else {
                return Err("not token:hardware".into());
            };
            ensure_eq(
                "credential id",
                &f.profile.as_ref().and_then(|p| p.credential_id.as_deref()),
                &Some("000004102994"),
            )?;
            ensure_eq(
                "self href kept verbatim",
                &ok.value.links().self_link().and_then(|l| l.href.as_deref()),
                &Some("hhttps://{yourOktaDomain}/api/v1/users/00u15s1KDETTQMQYABRL/factors/ykfbty3BJeBgUi3750g4"),
            )?;
        }
        "31" => {
            let api = err(parsed)?.api().ok_or("not Error::Api")?;
            ensure(api.body.error_causes.is_empty(), || {
                "causes not empty".into()
            })?;
            ensure_eq("code", &api.code(), &Some("E0000001"))?;
        }
        "33" => {
            let ok = ok(parsed)?;
            let activation = ok
                .value
                .embedded()
                .and_then(|e| e.activation.as_deref())
                .ok_or("no _embedded.activation")?;
            ensure_eq(
                "excludeCredentials",
                &activation.exclude_credentials,
                &Some(Vec::new()),
            )?;
            ensure_eq(
                "pubKeyCredParams",
                &activation.pub_key_cred_params.as_ref().map(Vec::len),
                &Some(2),
            )?;
            ensure_eq(
                "requireResidentKey",
                &activation
                    .authenticator_selection
                    .as_ref()
                    .and_then(|s| s.get("requireResidentKey")),
                &Some(&Value::Bool(false)),
            )?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// get_factor and resend_enroll_factor.
fn factor_specific(
    id: &str,
    v: &Vector,
    parsed: Option<&Result<OktaResponse<UserFactor>, Error>>,
) -> Result<bool, String> {
    if let Some(Ok(ok)) = parsed {
        check_factor_against_wire(&ok.value, response_body(v)?)?;
    }
    match id {
        "85" => {
            let ok = ok(parsed)?;
            ensure_eq("type", &ok.value.factor_type(), &FactorType::Question)?;
            ensure_eq(
                "self allows",
                ok.value
                    .links()
                    .self_link()
                    .ok_or("no self link")?
                    .allowed_methods(),
                &[HttpMethod::Get, HttpMethod::Delete][..],
            )?;
            ensure(ok.value.links().questions().is_some(), || {
                "no questions link".into()
            })?;
        }
        "87" => {
            let err = err(parsed)?;
            ensure_eq("code", &err.error_code(), &Some("E0000007"))?;
            ensure(err.api().is_some_and(|a| a.is_not_found()), || {
                "not is_not_found()".into()
            })?;
            ensure_eq(
                "request id",
                &err.meta().and_then(|m| m.request_id.as_deref()),
                &Some("X0f4Tv2vtEO-THA4OJm7SAAABAc"),
            )?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn unenroll_specific(
    id: &str,
    v: &Vector,
    parsed: Option<&Parsed<UnenrollFactor>>,
) -> Result<bool, String> {
    match id {
        "89" => {
            let ok = ok(parsed)?;
            ensure_eq("status", &ok.status.as_u16(), &204)?;
            ensure_eq("value", &ok.value, &())?;
            let response = v.response.as_ref().ok_or("no response")?;
            ensure(
                !response
                    .headers
                    .keys()
                    .any(|k| k.eq_ignore_ascii_case("content-type")),
                || "vector 89 should have no content-type".into(),
            )?;
            ensure(response.body.is_null(), || {
                "vector 89 body not empty".into()
            })?;
            ensure_eq("remaining", &ok.meta.rate_limit.remaining, &Some(585))?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn activate_specific(
    id: &str,
    v: &Vector,
    parsed: Option<&Parsed<ActivateFactor>>,
) -> Result<bool, String> {
    if let Some(Ok(ok)) = parsed {
        check_activation_against_wire(&ok.value, response_body(v)?)?;
    }
    match id {
        "41" => {
            ensure(v.request.body.is_null(), || "vector 41 sends a body".into())?;
            let ok = ok(parsed)?;
            let ActivateOutcome::Waiting(waiting) = &ok.value else {
                return Err(format!("expected Waiting, got {:?}", ok.value));
            };
            let poll = waiting.poll_link().ok_or("no poll link")?;
            ensure_eq(
                "poll allows",
                poll.allowed_methods(),
                &[HttpMethod::Post][..],
            )?;
            ensure(poll.href().ends_with("/lifecycle/activate"), || {
                format!("poll href {:?}", poll.href)
            })?;
            // An activation poll link is not a transaction.
            ensure_eq("transaction_id()", &waiting.transaction_id(), &None)?;
            let links = waiting.response.links.as_ref().ok_or("no _links")?;
            ensure_eq("send links", &links.send().len(), &2)?;
            let qr = links.qrcode().ok_or("no qrcode")?;
            ensure_eq("qr type", &qr.media_type.as_deref(), &Some("image/png"))?;
            ensure(qr.hints.is_none(), || "qrcode has no hints".into())?;
        }
        "43" => {
            let ok = ok(parsed)?;
            let ActivateOutcome::Activated(factor) = &ok.value else {
                return Err(format!("expected Activated, got {:?}", ok.value));
            };
            let UserFactor::Push(push) = factor.as_ref() else {
                return Err(format!("expected Activated(Push), got {factor:?}"));
            };
            ensure_eq("status", &push.status, &Some(FactorStatus::Active))?;
            let profile = push.profile.as_ref().ok_or("no profile")?;
            ensure_eq(
                "device type",
                &profile.device_type.as_deref(),
                &Some("SmartPhone_IPhone"),
            )?;
            ensure_eq("platform", &profile.platform.as_deref(), &Some("IOS"))?;
        }
        "37" | "39" => {
            let ok = ok(parsed)?;
            ensure(
                matches!(&ok.value, ActivateOutcome::Activated(f) if f.status() == Some(&FactorStatus::Active)),
                || format!("expected an ACTIVE factor, got {:?}", ok.value),
            )?;
            return Ok(false);
        }
        "45" => {
            let ok = ok(parsed)?;
            let ActivateOutcome::Activated(factor) = &ok.value else {
                return Err("expected Activated".into());
            };
            ensure_eq("type", &factor.factor_type(), &FactorType::U2f)?;
            return Ok(false);
        }
        "47" => {
            let err = err(parsed)?;
            ensure(err.api().is_some_and(|a| a.is_invalid_passcode()), || {
                "not is_invalid_passcode()".into()
            })?;
            ensure_eq("status", &err.status().map(|s| s.as_u16()), &Some(403))?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn verify_specific(
    id: &str,
    v: &Vector,
    parsed: Option<&Parsed<VerifyFactor>>,
) -> Result<bool, String> {
    if let Some(Ok(ok)) = parsed {
        check_outcome_against_wire(&ok.value, response_body(v)?)?;
    }
    match id {
        "53" => {
            ensure_eq("request body", &v.request.body, &Value::Object(Map::new()))?;
            let ok = ok(parsed)?;
            ensure(matches!(ok.value, VerifyOutcome::Challenge(_)), || {
                format!("expected Challenge, got {:?}", ok.value)
            })?;
            let response = ok.value.response();
            ensure(response.link("factor").is_some(), || {
                "no factor link".into()
            })?;
            ensure(response.link("self").is_none(), || {
                "unexpected self link".into()
            })?;
            ensure_eq(
                "phone",
                &response.profile_str("phoneNumber"),
                &Some("+12532236986"),
            )?;
            // `{}` is sent as `{}`, not as no body.
            let op = VerifyFactor::new("u", "f").body(VerifyFactorRequest::challenge());
            let request = op
                .build_request(&org()?, &credentials()?)
                .map_err(|e| e.to_string())?;
            ensure_eq(
                "challenge body",
                request.body().as_slice(),
                b"{}".as_slice(),
            )?;
        }
        "63" => {
            ensure(v.request.body.is_null(), || "vector 63 sends a body".into())?;
            let ok = ok(parsed)?;
            let waiting = ok.value.as_waiting().ok_or("not Waiting")?;
            ensure_eq(
                "transaction id",
                &waiting.transaction_id().as_deref(),
                &Some("mst1eiHghhPxf0yhp0g"),
            )?;
            ensure_eq(
                "cancel href = poll href",
                &waiting.cancel_link().and_then(|l| l.href.as_deref()),
                &waiting.poll_link().and_then(|l| l.href.as_deref()),
            )?;
            ensure(!waiting.is_number_matching(), || {
                "not number matching".into()
            })?;
        }
        "69" => {
            let ok = ok(parsed)?;
            let challenge = ok
                .value
                .response()
                .embedded
                .as_deref()
                .and_then(|e| e.challenge.as_deref())
                .ok_or("no _embedded.challenge")?;
            ensure_eq(
                "nonce",
                &challenge.nonce.as_deref(),
                &Some("vQFwTt6zKzMV7HFPzjS2"),
            )?;
            ensure_eq("timeout", &challenge.timeout_seconds, &Some(20))?;
        }
        "71" => {
            let ok = ok(parsed)?;
            let challenge = ok
                .value
                .response()
                .embedded
                .as_deref()
                .and_then(|e| e.challenge.as_deref())
                .ok_or("no _embedded.challenge")?;
            ensure_eq(
                "extensions",
                &challenge.extensions,
                &Some(Value::Object(Map::new())),
            )?;
            ensure_eq(
                "authenticatorName",
                &ok.value.response().profile_str("authenticatorName"),
                &Some("MacBook Touch ID"),
            )?;
        }
        "73" | "75" => {
            let ok = ok(parsed)?;
            ensure(ok.value.is_success(), || "not SUCCESS".into())?;
            return Ok(false);
        }
        "77" => {
            let err = err(parsed)?;
            ensure_eq("code", &err.error_code(), &Some("E0000006"))?;
            ensure(err.api().is_some_and(|a| !a.is_invalid_passcode()), || {
                "E0000006 must not be an invalid passcode".into()
            })?;
        }
        "61" => {
            ensure_eq("code", &err(parsed)?.error_code(), &Some("E0000011"))?;
            return Ok(false);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn transaction_specific(
    id: &str,
    v: &Vector,
    op: &GetFactorTransactionStatus,
    parsed: Option<&Parsed<GetFactorTransactionStatus>>,
) -> Result<bool, String> {
    if let Some(Ok(ok)) = parsed {
        check_outcome_against_wire(&ok.value, response_body(v)?)?;
    }
    match id {
        "79" => {
            let ok = ok(parsed)?;
            let waiting = ok.value.as_waiting().ok_or("not Waiting")?;
            ensure_eq(
                "transaction id",
                &waiting.transaction_id().as_deref(),
                &Some("v2mst.GldKV5VxTrifyeZmWSQguA"),
            )?;
            // Polling the waiting push targets the same transaction as the vector.
            let user = "00u15s1KDETTQMQYABRL";
            let factor = "opfh52xcuft3J4uZc0g3";
            let poll = GetFactorTransactionStatus::for_waiting(user, factor, waiting)
                .ok_or("for_waiting() gave None")?;
            ensure_eq("for_waiting()", &poll, op)?;
        }
        "81" | "83" => {
            let ok = ok(parsed)?;
            ensure(matches!(ok.value, VerifyOutcome::Rejected(_)), || {
                format!("expected Rejected, got {:?}", ok.value)
            })?;
            ensure(ok.value.is_terminal(), || "not terminal".into())?;
            if id == "81" {
                return Ok(false);
            }
            ensure(ok.value.response().profile.is_none(), || {
                "vector 83 has no profile".into()
            })?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn catalog_specific(
    id: &str,
    parsed: Option<&Parsed<ListSupportedFactors>>,
) -> Result<bool, String> {
    match id {
        "91" => {
            let ok = ok(parsed)?;
            let entries: Vec<&SupportedFactor> = all_decoded(&ok.value)?;
            ensure_eq("entries", &entries.len(), &7)?;
            let with_phones: Vec<usize> = entries
                .iter()
                .enumerate()
                .filter(|(_, e)| e.embedded.as_ref().is_some_and(|x| x.phones.is_some()))
                .map(|(i, _)| i)
                .collect();
            ensure_eq("entries with phones", &with_phones, &vec![3])?;
            let sms = &entries[3];
            ensure_eq("sms type", &sms.factor_type, &Some(FactorType::Sms))?;
            let phones = sms
                .embedded
                .as_ref()
                .and_then(|e| e.phones.as_ref())
                .ok_or("no phones")?;
            ensure_eq("phones", &phones.len(), &1)?;
            ensure_eq(
                "phone",
                &phones[0]
                    .profile
                    .as_ref()
                    .and_then(|p| p.phone_number.as_deref()),
                &Some("+14081234567"),
            )?;
            let vendors: Vec<Option<&str>> =
                entries.iter().map(|e| e.vendor_name.as_deref()).collect();
            ensure_eq("vendor of entry 0", &vendors[0], &Some("OKTA"))?;
            ensure(entries.iter().all(|e| e.status.is_none()), || {
                "catalog entries have no status".into()
            })?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn questions_specific(
    id: &str,
    parsed: Option<&Parsed<ListSupportedSecurityQuestions>>,
) -> Result<bool, String> {
    match id {
        "93" => {
            let ok = ok(parsed)?;
            let questions: Vec<&SecurityQuestion> = all_decoded(&ok.value)?;
            ensure_eq("questions", &questions.len(), &19)?;
            ensure(
                !questions
                    .iter()
                    .any(|q| q.question.as_deref() == Some("first_kiss_location")),
                || "first_kiss_location is not returned".into(),
            )?;
            let desert = questions
                .iter()
                .find(|q| q.question.as_deref() == Some("grandmother_favorite_desert"))
                .ok_or("no grandmother_favorite_desert")?;
            ensure(
                desert
                    .question_text
                    .as_deref()
                    .is_some_and(|t| t.contains("grandmother's") && t.contains("dessert")),
                || format!("text {:?}", desert.question_text),
            )?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
