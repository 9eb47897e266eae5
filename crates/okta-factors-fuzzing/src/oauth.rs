//! Target `oauth`: the OAuth token machine (`policy::Authorize`) over a
//! service app, fed arbitrary token-endpoint answers (status, headers with a
//! `DPoP-Nonce`, body bytes) and arbitrary API answers (status, any
//! `WWW-Authenticate` values, a `DPoP-Nonce`, body bytes), through its public
//! API only (`Authorize::new`, `next_action`, `handle`). This covers the
//! token-response parser and the `WWW-Authenticate` parser (both
//! crate-internal) through the public surface.
//!
//! Checks: no panic; the interaction ends (`Done`) within a bounded number of
//! steps; every request goes to the org's origin; a request is sent at most
//! three times and causes at most 3 token requests; and no error's
//! `Display`/`Debug` shows a granted access token, a client assertion or a
//! DPoP proof.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};
use okta_factors_core::bytes::Bytes as Body;
use okta_factors_core::oauth::{Dpop, PrivateKey};
use okta_factors_core::operations::{ListFactors, VerifyFactor};
use okta_factors_core::policy::{Action, Authorize, Call, Machine};
use okta_factors_core::{ClientConfig, Credentials, Error, OrgUrl, TransportError};

use crate::input::{Bytes, Encode, HeaderList};

const ORG: &str = "https://dev-123456.okta.com";
const TOKEN_PATH: &str = "/oauth2/v1/token";
/// Actions one run may take before it must have ended.
const MAX_STEPS: usize = 400;
/// The shortest secret looked for in error messages (shorter strings can
/// occur in any message by chance).
const MIN_SECRET: usize = 12;

/// One answer, of the token endpoint or of the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Arbitrary)]
pub struct OAuthAnswer {
    /// Status (an invalid one means a transport error).
    pub status: u16,
    /// A `DPoP-Nonce` header.
    pub dpop_nonce: Option<Bytes>,
    /// A `WWW-Authenticate` header.
    pub www_authenticate: Option<Bytes>,
    /// A second `WWW-Authenticate` header.
    pub www_authenticate_2: Option<Bytes>,
    /// Other headers.
    pub headers: HeaderList,
    /// The body.
    pub body: Bytes,
    /// Milliseconds that pass before the answer comes.
    pub latency_ms: u16,
}

/// Up to 8 answers: a count byte (mod 9), then the answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OAuthAnswers(pub Vec<OAuthAnswer>);

impl<'a> Arbitrary<'a> for OAuthAnswers {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let count = u8::arbitrary(u)? % 9;
        let mut out = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            out.push(OAuthAnswer::arbitrary(u)?);
        }
        Ok(Self(out))
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, None)
    }
}

/// The inputs of one `oauth` run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Arbitrary)]
pub struct OAuthInput {
    /// DPoP: `Off`, `On`, `Auto` (modulo 3).
    pub dpop: u8,
    /// A `POST` with a query (`verify_factor`) rather than a `GET`.
    pub post: bool,
    /// The call's time limit, in milliseconds (at least 1).
    pub timeout_ms: u32,
    /// The token endpoint's answers, in order (then: transport errors).
    pub token: OAuthAnswers,
    /// The API's answers, in order (then: transport errors).
    pub api: OAuthAnswers,
}

impl Encode for OAuthAnswer {
    fn encode(&self, out: &mut Vec<u8>) {
        self.status.encode(out);
        self.dpop_nonce.encode(out);
        self.www_authenticate.encode(out);
        self.www_authenticate_2.encode(out);
        self.headers.encode(out);
        self.body.encode(out);
        self.latency_ms.encode(out);
    }
}

impl Encode for OAuthAnswers {
    fn encode(&self, out: &mut Vec<u8>) {
        let items = &self.0[..self.0.len().min(8)];
        out.push(u8::try_from(items.len()).unwrap_or(8));
        for item in items {
            item.encode(out);
        }
    }
}

impl Encode for OAuthInput {
    fn encode(&self, out: &mut Vec<u8>) {
        // Field order of the struct: `arbitrary`'s derive reads them in this order.
        self.dpop.encode(out);
        self.post.encode(out);
        self.timeout_ms.encode(out);
        self.token.encode(out);
        self.api.encode(out);
    }
}

/// One key for every run (generating one per input would dominate the
/// fuzzer's time; the key does not change what the machine does).
fn key() -> PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate_es256().expect("a key"))
        .clone()
}

fn response(answer: &OAuthAnswer) -> Result<Response<Body>, TransportError> {
    let Ok(status) = StatusCode::from_u16(answer.status) else {
        return Err(TransportError::new(
            okta_factors_core::TransportErrorKind::Connect,
            "connection reset",
        ));
    };
    let mut response = Response::new(Body::from(answer.body.0.clone()));
    *response.status_mut() = status;
    *response.headers_mut() = answer.headers.to_header_map();
    let headers = response.headers_mut();
    if let Some(value) = answer
        .dpop_nonce
        .as_ref()
        .and_then(|n| HeaderValue::from_bytes(&n.0).ok())
    {
        headers.append("dpop-nonce", value);
    }
    for value in [&answer.www_authenticate, &answer.www_authenticate_2]
        .into_iter()
        .flatten()
        .filter_map(|v| HeaderValue::from_bytes(&v.0).ok())
    {
        headers.append(WWW_AUTHENTICATE, value);
    }
    Ok(response)
}

/// The access token a token answer grants, if it is one the secrets check
/// can look for: a `200` JSON object's string `access_token`, long enough,
/// found nowhere else in the answers (a string the fuzzer also put in an
/// error description is legitimately shown).
fn granted_token(answer: &OAuthAnswer, input: &OAuthInput) -> Option<String> {
    if answer.status != 200 {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&answer.body.0).ok()?;
    let token = json.get("access_token")?.as_str()?.to_owned();
    let occurrences = |bytes: &[u8]| {
        bytes
            .windows(token.len().max(1))
            .filter(|w| *w == token.as_bytes())
            .count()
    };
    let elsewhere: usize = input
        .token
        .0
        .iter()
        .chain(&input.api.0)
        .map(|a| {
            let mut n = occurrences(&a.body.0);
            for header in [&a.dpop_nonce, &a.www_authenticate, &a.www_authenticate_2]
                .into_iter()
                .flatten()
            {
                n += occurrences(&header.0);
            }
            for (key, value) in &a.headers.0 {
                n += occurrences(key.name()) + occurrences(&value.0);
            }
            n
        })
        .sum();
    (token.len() >= MIN_SECRET && token.is_ascii() && elsewhere == 1).then_some(token)
}

/// Runs one interaction of [`OAuthInput`] (see the module's checks).
pub fn oauth(input: OAuthInput) {
    let org = OrgUrl::parse(ORG).expect("org");
    let dpop = match input.dpop % 3 {
        0 => Dpop::Off,
        1 => Dpop::On,
        _ => Dpop::Auto,
    };
    let app = okta_factors_core::oauth::ServiceApp::new("0oa1service2app", key()).dpop(dpop);
    let mut config = ClientConfig::new(org, Credentials::service_app(app).expect("credentials"));
    config.request_timeout = Duration::from_millis(u64::from(input.timeout_ms.max(1)));
    let list = ListFactors::new("00u1abcd");
    let verify = VerifyFactor::new("00u1abcd", "opf1push").template_id("cstm 1");
    let inner_sends = Rc::new(Cell::new(0));
    if input.post {
        let inner = Counted {
            inner: Call::new(&verify, &config),
            sends: inner_sends.clone(),
        };
        drive(
            Authorize::new(inner, &config, START, 42),
            &input,
            &inner_sends,
        );
    } else {
        let inner = Counted {
            inner: Call::new(&list, &config),
            sends: inner_sends.clone(),
        };
        drive(
            Authorize::new(inner, &config, START, 42),
            &input,
            &inner_sends,
        );
    }
}

/// `inner`, counting the requests it makes.
struct Counted<M> {
    inner: M,
    sends: Rc<Cell<u32>>,
}

impl<M: Machine> Machine for Counted<M> {
    type Output = M::Output;

    fn next_action(&mut self, now: Duration) -> Action<M::Output> {
        let action = self.inner.next_action(now);
        if matches!(action, Action::Send { .. }) {
            self.sends.set(self.sends.get() + 1);
        }
        action
    }

    fn handle(
        &mut self,
        outcome: Result<Response<Body>, TransportError>,
        now: Duration,
        random: u64,
    ) {
        self.inner.handle(outcome, now, random);
    }
}

/// Unix time at the start.
const START: Duration = Duration::from_secs(1_796_119_200);

fn drive<M: Machine>(mut machine: M, input: &OAuthInput, inner_sends: &Cell<u32>) {
    let mut now = Duration::ZERO;
    let (mut token_i, mut api_i) = (0, 0);
    let mut secrets: Vec<String> = Vec::new();
    // For the inner machine's latest request: its sends and token requests.
    let (mut seen, mut sends, mut mints) = (0, 0u32, 0u32);
    for _ in 0..MAX_STEPS {
        let action = machine.next_action(now);
        if inner_sends.get() != seen {
            seen = inner_sends.get();
            (sends, mints) = (0, 0);
        }
        match action {
            Action::Send { request, timeout } => {
                assert!(!timeout.is_zero(), "a send with no time left");
                let uri = request.uri();
                assert_eq!(
                    format!(
                        "{}://{}",
                        uri.scheme_str().unwrap_or_default(),
                        uri.authority().map(|a| a.as_str()).unwrap_or_default()
                    ),
                    ORG,
                    "a request to another origin"
                );
                if let Some(proof) = request.headers().get("dpop") {
                    secrets.push(String::from_utf8_lossy(proof.as_bytes()).into_owned());
                }
                let answer = if uri.path() == TOKEN_PATH {
                    let form: Vec<(String, String)> =
                        serde_urlencoded::from_bytes(request.body()).unwrap_or_default();
                    secrets.extend(
                        form.into_iter()
                            .filter(|(name, _)| name == "client_assertion")
                            .map(|(_, value)| value),
                    );
                    mints += 1;
                    assert!(mints <= 3, "more than 3 token requests for one request");
                    let answer = input.token.0.get(token_i);
                    token_i += 1;
                    if let Some(token) = answer.and_then(|a| granted_token(a, input)) {
                        secrets.push(token);
                    }
                    answer
                } else {
                    let authorizations = request.headers().get_all(AUTHORIZATION).iter().count();
                    assert_eq!(authorizations, 1, "Authorization headers");
                    sends += 1;
                    // Once more after a use_dpop_nonce, once more after an
                    // invalid_token.
                    assert!(sends <= 3, "a request sent a fourth time");
                    let answer = input.api.0.get(api_i);
                    api_i += 1;
                    answer
                };
                let outcome = match answer {
                    Some(answer) => {
                        now += Duration::from_millis(u64::from(answer.latency_ms)).min(timeout);
                        response(answer)
                    }
                    None => Err(TransportError::new(
                        okta_factors_core::TransportErrorKind::Connect,
                        "no more answers",
                    )),
                };
                machine.handle(outcome, now, 5);
            }
            Action::Wait { delay, .. } => {
                assert!(!delay.is_zero(), "a zero wait");
                now += delay;
            }
            Action::ShowNumber(_) => panic!("no number to show"),
            Action::Done(result) => {
                if let Err(error) = result {
                    check_secrets(&error, &secrets);
                }
                return;
            }
        }
    }
    panic!("the interaction did not end within {MAX_STEPS} actions");
}

fn check_secrets(error: &Error, secrets: &[String]) {
    let texts = [
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ];
    for secret in secrets.iter().filter(|s| s.len() >= MIN_SECRET) {
        for text in &texts {
            assert!(
                !text.contains(secret.as_str()),
                "a secret in an error: {text}"
            );
        }
    }
}

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> OAuthAnswer {
    let mut out = OAuthAnswer {
        status,
        body: Bytes(body.as_bytes().to_vec()),
        latency_ms: 40,
        ..OAuthAnswer::default()
    };
    let mut rest = Vec::new();
    for (name, value) in headers {
        let value = Some(Bytes(value.as_bytes().to_vec()));
        match *name {
            "dpop-nonce" => out.dpop_nonce = value,
            "www-authenticate" if out.www_authenticate.is_none() => out.www_authenticate = value,
            "www-authenticate" => out.www_authenticate_2 = value,
            _ => rest.push((*name, headers_value(headers, name))),
        }
    }
    out.headers = HeaderList::from_pairs(rest);
    out
}

fn headers_value<'h>(headers: &[(&str, &'h str)], name: &str) -> &'h str {
    headers
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, v)| v)
}

const JSON: (&str, &str) = ("content-type", "application/json");
const BEARER: &str = r#"{"token_type":"Bearer","expires_in":3600,"access_token":"eyJraWQiOiJ0b2tlbiJ9.eyJ2ZXIiOjEsImp0aSI6IkFULjEifQ.c2lnbmF0dXJl","scope":"okta.users.read okta.users.manage"}"#;
const DPOP_TOKEN: &str = r#"{"token_type":"DPoP","expires_in":3600,"access_token":"eyJraWQiOiJ0b2tlbiJ9.eyJ2ZXIiOjEsImNuZiI6eyJqa3QiOiJ4In19.c2lnbmF0dXJl","scope":"okta.users.read okta.users.manage"}"#;
const USE_NONCE: &str = r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof."}"#;
const INVALID_PROOF: &str =
    r#"{"error":"invalid_dpop_proof","error_description":"The DPoP proof JWT header is missing."}"#;
const INVALID_CLIENT: &str = r#"{"error":"invalid_client","error_description":"The client_assertion signature is invalid."}"#;
const INVALID_TOKEN_BODY: &str = r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oae1","errorCauses":[]}"#;
const INVALID_TOKEN: &str = r#"Bearer authorization_uri="https://dev-123456.okta.com/oauth2/v1/authorize", realm="https://dev-123456.okta.com", scope="okta.users.read", error="invalid_token", error_description="The access token is invalid.", resource="/api/v1/users""#;
const DPOP_USE_NONCE: &str = r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#;
const INSUFFICIENT_SCOPE: &str = r#"Bearer error="insufficient_scope", error_description="The access token provided does not contain the required scopes.""#;
const FORBIDDEN_BODY: &str = r#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"oae2","errorCauses":[]}"#;

/// The seeds of the `oauth` target (Okta's real answer shapes), by name.
pub fn seed_inputs() -> Vec<(&'static str, OAuthInput)> {
    let input = |dpop: u8, post: bool, token: Vec<OAuthAnswer>, api: Vec<OAuthAnswer>| OAuthInput {
        dpop,
        post,
        timeout_ms: 30_000,
        token: OAuthAnswers(token),
        api: OAuthAnswers(api),
    };
    let ok = || answer(200, &[JSON], "[]");
    vec![
        (
            "bearer",
            input(0, false, vec![answer(200, &[JSON], BEARER)], vec![ok()]),
        ),
        (
            "dpop-nonce-dance",
            input(
                1,
                true,
                vec![
                    answer(
                        400,
                        &[JSON, ("dpop-nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v")],
                        USE_NONCE,
                    ),
                    answer(200, &[JSON], DPOP_TOKEN),
                ],
                vec![
                    answer(
                        401,
                        &[
                            JSON,
                            ("www-authenticate", DPOP_USE_NONCE),
                            ("dpop-nonce", "n-2"),
                        ],
                        INVALID_TOKEN_BODY,
                    ),
                    ok(),
                ],
            ),
        ),
        (
            "auto-learns-dpop",
            input(
                2,
                false,
                vec![
                    answer(400, &[JSON, ("dpop-nonce", "n-1")], INVALID_PROOF),
                    answer(200, &[JSON], DPOP_TOKEN),
                ],
                vec![ok()],
            ),
        ),
        (
            "invalid-client",
            input(0, false, vec![answer(401, &[JSON], INVALID_CLIENT)], vec![]),
        ),
        (
            "invalid-token-refresh",
            input(
                0,
                false,
                vec![answer(200, &[JSON], BEARER), answer(200, &[JSON], BEARER)],
                vec![
                    answer(
                        401,
                        &[JSON, ("www-authenticate", INVALID_TOKEN)],
                        INVALID_TOKEN_BODY,
                    ),
                    ok(),
                ],
            ),
        ),
        (
            "forbidden-and-rate-limit",
            input(
                0,
                true,
                vec![answer(200, &[JSON], BEARER)],
                vec![
                    answer(
                        429,
                        &[JSON, ("x-rate-limit-reset", "1796119201")],
                        r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorCauses":[]}"#,
                    ),
                    answer(
                        403,
                        &[JSON, ("www-authenticate", INSUFFICIENT_SCOPE)],
                        FORBIDDEN_BODY,
                    ),
                ],
            ),
        ),
        (
            "proxy-html-and-expired-at-once",
            input(
                2,
                false,
                vec![answer(
                    502,
                    &[("content-type", "text/html")],
                    "<html><body>Bad Gateway</body></html>",
                )],
                vec![],
            ),
        ),
        (
            "expires-in-zero",
            input(
                0,
                false,
                vec![answer(
                    200,
                    &[JSON],
                    r#"{"token_type":"Bearer","expires_in":"0","access_token":"eyJraWQiOiJ0b2tlbiJ9.zero.c2ln"}"#,
                )],
                vec![],
            ),
        ),
        (
            "odd-challenges",
            input(
                1,
                false,
                vec![
                    answer(200, &[JSON], DPOP_TOKEN),
                    answer(200, &[JSON], DPOP_TOKEN),
                ],
                vec![
                    answer(
                        401,
                        &[
                            (
                                "www-authenticate",
                                r#"Negotiate YIIB+/x==, DPoP error="invalid_token"#,
                            ),
                            ("www-authenticate", "Bearer error=\"use_dpop_nonce\\\""),
                        ],
                        "",
                    ),
                    answer(
                        401,
                        &[("www-authenticate", ",,, =x, DPoP error=use_dpop_nonce")],
                        "",
                    ),
                ],
            ),
        ),
    ]
}

/// Seeds of the `simulator_handle` target at the simulator's token endpoint
/// (its answers are OAuth errors, not Okta ones), by name.
pub fn simulator_token_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let form = ("content-type", "application/x-www-form-urlencoded");
    let request = crate::sim::encode_request;
    vec![
        (
            "token-no-assertion",
            request(
                "POST",
                "/oauth2/v1/token",
                &[form],
                b"grant_type=client_credentials&scope=okta.users.read",
            ),
        ),
        (
            "token-bad-assertion",
            request(
                "POST",
                "/oauth2/v1/token",
                &[form],
                b"grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiIwb2EifQ.c2ln",
            ),
        ),
        (
            "token-json-and-get",
            crate::sim::encode_steps(&[
                request(
                    "POST",
                    "/oauth2/v1/token",
                    &[("content-type", "application/json")],
                    b"{}",
                ),
                request("GET", "/oauth2/v1/token", &[], b""),
            ]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;

    /// Every seed decodes (as libFuzzer decodes it) to the value it was
    /// written from, and runs without a broken invariant.
    #[test]
    fn seeds_decode_and_run() {
        for (name, input) in seed_inputs() {
            let bytes = input.to_bytes();
            assert_eq!(decode::<OAuthInput>(&bytes), Some(input.clone()), "{name}");
            oauth(input);
        }
    }

    /// The simulator's token endpoint answers OAuth errors, which the
    /// `simulator_handle` checks accept (and the core reads as such).
    #[test]
    fn simulator_token_seeds_pass_the_simulator_checks() {
        for (name, data) in simulator_token_seeds() {
            let caught = std::panic::catch_unwind(|| crate::simulator_handle(&data));
            assert!(caught.is_ok(), "{name}");
        }
    }

    /// The harness notices a leak: a message that quotes a secret fails.
    #[test]
    fn the_secrets_check_can_fail() {
        let error = Error::from(okta_factors_core::AuthError::new(
            okta_factors_core::AuthErrorKind::Refused,
            "token eyJraWQiOiJ0b2tlbiJ9.leak.c2ln",
        ));
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_secrets(&error, &["eyJraWQiOiJ0b2tlbiJ9.leak.c2ln".to_owned()]);
        }));
        assert!(caught.is_err());
    }
}
