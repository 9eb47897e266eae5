//! Target `build_request`: every operation's `build_request` from arbitrary
//! IDs, query parameters, header values and bodies.

use arbitrary::Arbitrary;
use http::header::{ACCEPT, ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderName, Request};
use okta_factors_core::model::FactorEnrollment;
use okta_factors_core::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, GetFactor, GetFactorTransactionStatus,
    ListFactors, ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor,
    UnenrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::{Credentials, Error, InputError, Operation, OrgUrl};

use crate::input::{Encode, Text};

/// The `User-Agent` of the core's requests: its name and version (the
/// workspace's crates share one version).
const CRATE_USER_AGENT: &str = concat!("okta-factors-rust/", env!("CARGO_PKG_VERSION"));

/// Carries the core's identity when `User-Agent` is the end user's.
const X_OKTA_USER_AGENT_EXTENDED: HeaderName =
    HeaderName::from_static("x-okta-user-agent-extended");

/// Orgs picked by [`BuildInput::org_choice`] when [`BuildInput::org`] is unset
/// or not a valid org URL.
pub const ORGS: &[&str] = &[
    "https://dev-123456.okta.com",
    "https://example.oktapreview.com:8443",
    "http://127.0.0.1:8080",
    "http://[::1]:3000",
    "https://EXAMPLE.okta-emea.com.",
];

/// The API token used when [`BuildInput::token`] is unset or invalid.
pub const DEFAULT_TOKEN: &str = "00aBcD-fuzz-token";

/// The inputs of one request-building run: every operation is built from them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Arbitrary)]
pub struct BuildInput {
    /// Index into [`ORGS`] (modulo its length).
    pub org_choice: u8,
    /// An org URL to try first.
    pub org: Option<Text>,
    /// An API token (or access token, see `bearer`) to try first.
    pub token: Option<Text>,
    /// Use an OAuth access token (`Bearer`) instead of an API token (`SSWS`).
    pub bearer: bool,
    /// `userId`.
    pub user_id: Text,
    /// `factorId`.
    pub factor_id: Text,
    /// `transactionId`.
    pub transaction_id: Text,
    /// `templateId` (enroll, resend, verify).
    pub template_id: Option<Text>,
    /// `tokenLifetimeSeconds` (enroll, verify).
    pub token_lifetime_seconds: Option<u32>,
    /// `updatePhone` (enroll).
    pub update_phone: Option<bool>,
    /// `activate` (enroll).
    pub activate: Option<bool>,
    /// `removeRecoveryEnrollment` (unenroll).
    pub remove_recovery_enrollment: Option<bool>,
    /// `X-Forwarded-For` (verify).
    pub forwarded_for: Option<Text>,
    /// `User-Agent` (verify).
    pub user_agent: Option<Text>,
    /// `Accept-Language` (enroll, resend, verify).
    pub accept_language: Option<Text>,
    /// The phone number of the enroll and resend bodies.
    pub phone_number: Text,
    /// A passcode for the verify and activate bodies (no body when unset).
    pub pass_code: Option<Text>,
}

impl Encode for BuildInput {
    fn encode(&self, out: &mut Vec<u8>) {
        // Field order of the struct: `arbitrary`'s derive reads them in this order.
        self.org_choice.encode(out);
        self.org.encode(out);
        self.token.encode(out);
        self.bearer.encode(out);
        self.user_id.encode(out);
        self.factor_id.encode(out);
        self.transaction_id.encode(out);
        self.template_id.encode(out);
        self.token_lifetime_seconds.encode(out);
        self.update_phone.encode(out);
        self.activate.encode(out);
        self.remove_recovery_enrollment.encode(out);
        self.forwarded_for.encode(out);
        self.user_agent.encode(out);
        self.accept_language.encode(out);
        self.phone_number.encode(out);
        self.pass_code.encode(out);
    }
}

fn text(t: &Option<Text>) -> Option<&str> {
    t.as_ref().map(Text::as_str)
}

/// Builds all ten operations from `input` and checks: no panic; a failure is
/// `Error::Input`, and happens exactly when an input is invalid (an ID that is
/// empty, `.` or `..`; a `tokenLifetimeSeconds` outside 1..=86400; a header
/// value with bytes other than visible ASCII, space and tab); a built request
/// goes to the org's origin with the operation's method, its path has exactly
/// the template's segments, each ID segment percent-decodes to its input, the
/// query holds exactly the parameters that were set, and every header value is
/// valid and what was asked for.
pub fn build_request(input: BuildInput) {
    let org = text(&input.org)
        .and_then(|o| OrgUrl::parse(o).ok())
        .unwrap_or_else(|| org_choice(input.org_choice));
    let credentials = credentials(&input);
    let ctx = Ctx {
        input: &input,
        org: &org,
        credentials: &credentials,
    };
    let user = input.user_id.as_str();
    let factor = input.factor_id.as_str();
    let enrollment = FactorEnrollment::sms(input.phone_number.as_str());

    ctx.check(&ListFactors::new(user), &[], &[]);
    ctx.check(&ListSupportedFactors::new(user), &[], &[]);
    ctx.check(&ListSupportedSecurityQuestions::new(user), &[], &[]);
    ctx.check(&GetFactor::new(user, factor), &[], &[]);

    let mut op = UnenrollFactor::new(user, factor);
    if let Some(remove) = input.remove_recovery_enrollment {
        op = op.remove_recovery_enrollment(remove);
    }
    ctx.check(&op, &[Param::RemoveRecovery], &[]);

    ctx.check(
        &GetFactorTransactionStatus::new(user, factor, input.transaction_id.as_str()),
        &[],
        &[],
    );

    let mut op = EnrollFactor::new(user, enrollment.clone());
    if let Some(t) = &input.template_id {
        op = op.template_id(t.as_str());
    }
    if let Some(s) = input.token_lifetime_seconds {
        op = op.token_lifetime_seconds(s);
    }
    if let Some(u) = input.update_phone {
        op = op.update_phone(u);
    }
    if let Some(a) = input.activate {
        op = op.activate(a);
    }
    if let Some(l) = &input.accept_language {
        op = op.accept_language(l.as_str());
    }
    let params = [
        Param::UpdatePhone,
        Param::TemplateId,
        Param::TokenLifetime,
        Param::Activate,
    ];
    if let Some(request) = ctx.check(&op, &params, &[Header::AcceptLanguage]) {
        check_enrollment_body(&request, &enrollment);
    }

    let mut op = ResendEnrollFactor::new(user, factor, enrollment.clone());
    if let Some(t) = &input.template_id {
        op = op.template_id(t.as_str());
    }
    if let Some(l) = &input.accept_language {
        op = op.accept_language(l.as_str());
    }
    if let Some(request) = ctx.check(&op, &[Param::TemplateId], &[Header::AcceptLanguage]) {
        check_enrollment_body(&request, &enrollment);
    }

    let mut op = ActivateFactor::new(user, factor);
    if let Some(code) = &input.pass_code {
        op = op.body(ActivateFactorRequest::pass_code(code.as_str()));
    }
    if let Some(request) = ctx.check(&op, &[], &[]) {
        check_pass_code_body(&request, text(&input.pass_code));
    }

    let mut op = VerifyFactor::new(user, factor);
    if let Some(code) = &input.pass_code {
        op = op.body(VerifyFactorRequest::pass_code(code.as_str()));
    }
    if let Some(t) = &input.template_id {
        op = op.template_id(t.as_str());
    }
    if let Some(s) = input.token_lifetime_seconds {
        op = op.token_lifetime_seconds(s);
    }
    if let Some(f) = &input.forwarded_for {
        op = op.forwarded_for(f.as_str());
    }
    if let Some(u) = &input.user_agent {
        op = op.user_agent(u.as_str());
    }
    if let Some(l) = &input.accept_language {
        op = op.accept_language(l.as_str());
    }
    let headers = [
        Header::ForwardedFor,
        Header::UserAgent,
        Header::AcceptLanguage,
    ];
    let params = [Param::TemplateId, Param::TokenLifetime];
    if let Some(request) = ctx.check(&op, &params, &headers) {
        check_pass_code_body(&request, text(&input.pass_code));
    }
}

fn org_choice(choice: u8) -> OrgUrl {
    let org = ORGS[usize::from(choice) % ORGS.len()];
    match OrgUrl::parse(org) {
        Ok(org) => org,
        Err(e) => unreachable!("built-in org {org} rejected: {e}"),
    }
}

fn credentials(input: &BuildInput) -> Credentials {
    let make = |token: &str| {
        if input.bearer {
            Credentials::access_token(token)
        } else {
            Credentials::api_token(token)
        }
    };
    if let Some(token) = text(&input.token) {
        match make(token) {
            Ok(credentials) => {
                let auth = credentials
                    .authorization()
                    .expect("a token's credentials carry their header");
                let auth = auth.as_bytes();
                assert!(
                    auth.iter().all(|&b| b == b' ' || b.is_ascii_graphic()),
                    "the Authorization value of an accepted token has invalid bytes: {auth:?}"
                );
                return credentials;
            }
            Err(InputError::Credentials { .. }) => {}
            Err(other) => unreachable!("a token was rejected with {other:?}"),
        }
    }
    match make(DEFAULT_TOKEN) {
        Ok(credentials) => credentials,
        Err(e) => unreachable!("the default token was rejected: {e}"),
    }
}

/// Query parameters an operation may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    TemplateId,
    TokenLifetime,
    UpdatePhone,
    Activate,
    RemoveRecovery,
}

/// Header parameters an operation may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Header {
    ForwardedFor,
    UserAgent,
    AcceptLanguage,
}

struct Ctx<'a> {
    input: &'a BuildInput,
    org: &'a OrgUrl,
    credentials: &'a Credentials,
}

impl Ctx<'_> {
    /// The query pairs the input sets among `params`.
    fn expected_query(&self, params: &[Param]) -> Vec<(String, String)> {
        let i = self.input;
        params
            .iter()
            .filter_map(|p| match p {
                Param::TemplateId => text(&i.template_id).map(|t| ("templateId", t.to_owned())),
                Param::TokenLifetime => i
                    .token_lifetime_seconds
                    .map(|s| ("tokenLifetimeSeconds", s.to_string())),
                Param::UpdatePhone => i.update_phone.map(|b| ("updatePhone", b.to_string())),
                Param::Activate => i.activate.map(|b| ("activate", b.to_string())),
                Param::RemoveRecovery => i
                    .remove_recovery_enrollment
                    .map(|b| ("removeRecoveryEnrollment", b.to_string())),
            })
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    fn header_value(&self, header: Header) -> Option<&str> {
        let i = self.input;
        match header {
            Header::ForwardedFor => text(&i.forwarded_for),
            Header::UserAgent => text(&i.user_agent),
            Header::AcceptLanguage => text(&i.accept_language),
        }
    }

    /// Why the request must be refused, if it must.
    fn expected_failure<O: Operation>(
        &self,
        params: &[Param],
        headers: &[Header],
    ) -> Option<String> {
        let ids = path_param_values::<O>(self.input);
        if let Some((name, id)) = ids.iter().find(|(_, id)| matches!(*id, "" | "." | "..")) {
            return Some(format!("{name} {id:?}"));
        }
        if params.contains(&Param::TokenLifetime) {
            if let Some(s) = self.input.token_lifetime_seconds {
                if !(1..=86_400).contains(&s) {
                    return Some(format!("tokenLifetimeSeconds {s}"));
                }
            }
        }
        headers.iter().find_map(|&h| {
            let value = self.header_value(h)?;
            let bad = !value
                .bytes()
                .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic());
            bad.then(|| format!("{h:?} header {value:?}"))
        })
    }

    /// Builds `op`, checks the outcome, and returns the request if one was built.
    fn check<O: Operation>(
        &self,
        op: &O,
        params: &[Param],
        headers: &[Header],
    ) -> Option<Request<Vec<u8>>> {
        let name = O::NAME;
        let expected_failure = self.expected_failure::<O>(params, headers);
        let request = match op.build_request(self.org, self.credentials) {
            Ok(request) => request,
            Err(Error::Input(error)) => {
                let _ = error.to_string();
                assert!(
                    expected_failure.is_some(),
                    "{name}: valid input refused with {error:?} ({:?})",
                    self.input
                );
                return None;
            }
            Err(other) => unreachable!("{name}: build_request failed with {other:?}"),
        };
        if let Some(why) = expected_failure {
            unreachable!("{name}: built a request although {why} is invalid: {request:?}");
        }
        self.check_uri::<O>(&request, params);
        self.check_headers(name, &request, headers);
        Some(request)
    }

    fn check_uri<O: Operation>(&self, request: &Request<Vec<u8>>, params: &[Param]) {
        let name = O::NAME;
        assert_eq!(request.method(), O::METHOD, "{name}: method");
        let uri = request.uri();
        let text = uri.to_string();
        assert!(
            text.starts_with(&format!("{}/", self.org.as_str())),
            "{name}: {text} is not under the org {}",
            self.org
        );
        assert_eq!(
            uri.scheme_str(),
            Some(self.org.scheme()),
            "{name}: scheme of {text}"
        );
        let host = uri.host().map(|h| h.to_ascii_lowercase());
        assert_eq!(
            host.as_deref(),
            Some(self.org.host()),
            "{name}: host of {text}"
        );
        assert_eq!(uri.port_u16(), self.org.port(), "{name}: port of {text}");

        // Path: exactly the template's segments, IDs decoding to the input.
        let template: Vec<&str> = O::PATH_TEMPLATE.split('/').collect();
        let path: Vec<&str> = uri.path().split('/').collect();
        assert_eq!(
            path.len(),
            template.len(),
            "{name}: path {} does not have the segments of {}",
            uri.path(),
            O::PATH_TEMPLATE
        );
        let mut values = path_param_values::<O>(self.input).into_iter();
        for (segment, expected) in path.iter().zip(&template) {
            if expected.starts_with('{') {
                let (param, value) = values.next().unwrap_or(("?", ""));
                assert!(
                    is_canonical_segment(segment),
                    "{name}: {param} segment {segment:?} is not percent-encoded"
                );
                assert_eq!(
                    percent_decode(segment, false).as_deref(),
                    Some(value),
                    "{name}: {param} segment {segment:?} does not decode to the input"
                );
            } else {
                assert_eq!(
                    segment,
                    expected,
                    "{name}: literal segment of {}",
                    uri.path()
                );
            }
        }

        // Query: exactly the parameters that were set.
        let mut query: Vec<(String, String)> = uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let decode = |s: &str| {
                    percent_decode(s, true)
                        .unwrap_or_else(|| unreachable!("{name}: query {s:?} does not decode"))
                };
                (decode(k), decode(v))
            })
            .collect();
        let mut expected = self.expected_query(params);
        query.sort();
        expected.sort();
        assert_eq!(query, expected, "{name}: query of {text}");
    }

    fn check_headers(&self, name: &str, request: &Request<Vec<u8>>, headers: &[Header]) {
        let h = request.headers();
        for (key, value) in h {
            let bytes = value.as_bytes();
            assert!(
                bytes
                    .iter()
                    .all(|&b| b == b' ' || b == b'\t' || b.is_ascii_graphic()),
                "{name}: header {key} has an invalid value {bytes:?}"
            );
            assert_eq!(
                h.get_all(key).iter().count(),
                1,
                "{name}: header {key} is sent more than once"
            );
        }
        assert_eq!(
            h.get(AUTHORIZATION),
            self.credentials.authorization().as_ref(),
            "{name}: Authorization"
        );
        assert_eq!(
            h.get(ACCEPT).map(|v| v.as_bytes()),
            Some(&b"application/json"[..]),
            "{name}: Accept"
        );
        let get = |n: &http::HeaderName| h.get(n).and_then(|v| v.to_str().ok());
        let user_agent = headers
            .contains(&Header::UserAgent)
            .then(|| self.header_value(Header::UserAgent))
            .flatten();
        match user_agent {
            Some(ua) => {
                assert_eq!(
                    get(&USER_AGENT),
                    Some(ua),
                    "{name}: the end user's User-Agent"
                );
                assert_eq!(
                    get(&X_OKTA_USER_AGENT_EXTENDED),
                    Some(CRATE_USER_AGENT),
                    "{name}: X-Okta-User-Agent-Extended"
                );
            }
            None => {
                assert_eq!(
                    get(&USER_AGENT),
                    Some(CRATE_USER_AGENT),
                    "{name}: User-Agent"
                );
                assert_eq!(
                    get(&X_OKTA_USER_AGENT_EXTENDED),
                    None,
                    "{name}: extended UA"
                );
            }
        }
        let wanted = |header: Header| {
            headers
                .contains(&header)
                .then(|| self.header_value(header))
                .flatten()
        };
        assert_eq!(
            get(&ACCEPT_LANGUAGE),
            wanted(Header::AcceptLanguage),
            "{name}: Accept-Language"
        );
        assert_eq!(
            get(&http::HeaderName::from_static("x-forwarded-for")),
            wanted(Header::ForwardedFor),
            "{name}: X-Forwarded-For"
        );
        let has_body = !request.body().is_empty();
        assert_eq!(
            h.get(CONTENT_TYPE).map(|v| v.as_bytes()),
            has_body.then_some(&b"application/json"[..]),
            "{name}: Content-Type"
        );
        // A body-less POST (PUT, PATCH) is framed as empty, whatever the transport.
        let expects_body = matches!(
            *request.method(),
            http::Method::POST | http::Method::PUT | http::Method::PATCH
        );
        assert_eq!(
            h.get(http::header::CONTENT_LENGTH).map(|v| v.as_bytes()),
            (expects_body && !has_body).then_some(&b"0"[..]),
            "{name}: Content-Length"
        );
        let allowed = [
            "accept",
            "authorization",
            "user-agent",
            "x-okta-user-agent-extended",
            "accept-language",
            "x-forwarded-for",
            "content-type",
            "content-length",
        ];
        for key in h.keys() {
            assert!(
                allowed.contains(&key.as_str()),
                "{name}: unexpected header {key}"
            );
        }
    }
}

/// `(name, value)` of the operation's path parameters, in template order.
fn path_param_values<O: Operation>(input: &BuildInput) -> Vec<(&'static str, &str)> {
    O::PATH_TEMPLATE
        .split('/')
        .filter_map(|segment| match segment {
            "{userId}" => Some(("userId", input.user_id.as_str())),
            "{factorId}" => Some(("factorId", input.factor_id.as_str())),
            "{transactionId}" => Some(("transactionId", input.transaction_id.as_str())),
            _ => None,
        })
        .collect()
}

fn check_enrollment_body(request: &Request<Vec<u8>>, expected: &FactorEnrollment) {
    let body: FactorEnrollment = serde_json::from_slice(request.body())
        .unwrap_or_else(|e| unreachable!("the enrollment body does not reparse: {e}"));
    assert_eq!(
        &body, expected,
        "the enrollment body does not reparse to its input"
    );
}

fn check_pass_code_body(request: &Request<Vec<u8>>, pass_code: Option<&str>) {
    match pass_code {
        None => assert!(request.body().is_empty(), "a body was sent without one"),
        Some(code) => {
            let body: serde_json::Value = serde_json::from_slice(request.body())
                .unwrap_or_else(|e| unreachable!("the passcode body is not JSON: {e}"));
            assert_eq!(
                body,
                serde_json::json!({ "passCode": code }),
                "passcode body"
            );
        }
    }
}

/// Only RFC 3986 unreserved characters and `%XX` escapes.
fn is_canonical_segment(segment: &str) -> bool {
    let b = segment.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: Option<&u8>| c.is_some_and(u8::is_ascii_hexdigit);
                if !(hex(b.get(i + 1)) && hex(b.get(i + 2))) {
                    return false;
                }
                i += 3;
            }
            c if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') => i += 1,
            _ => return false,
        }
    }
    true
}

/// Strict percent-decoding (`%` must be followed by two hex digits, the result
/// must be UTF-8); `plus` decodes `+` as a space (form encoding).
pub(crate) fn percent_decode(input: &str, plus: bool) -> Option<String> {
    let b = input.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hi = char::from(*b.get(i + 1)?).to_digit(16)?;
                let lo = char::from(*b.get(i + 2)?).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}
