//! The security guarantees of SECURITY.md, one test each, through both
//! clients (blocking ureq and async hyper) against servers on 127.0.0.1:
//!
//! * secrets never appear in `Debug`/`Display` of clients, configs,
//!   builders, operations and errors, nor in tracing output (or the `log`
//!   records of the transports);
//! * credentials only go to the configured origin: redirects are not
//!   followed, polls are built from the org whatever origin a poll link names;
//! * TLS certificates are verified; plain `http` only for loopback orgs;
//! * hostile IDs and header values cannot change the request's path, query
//!   or headers;
//! * response size and time are bounded;
//! * `#![forbid(unsafe_code)]` in every crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../crates/okta-factors-core/tests/common/public_types.rs"]
mod public_types;

use std::fmt::{self, Write as _};
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use okta_factors::model::{FactorEnrollment, FactorProvider, TotpProvider, VerifyOutcome};
use okta_factors::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, GetFactor, ResendEnrollFactor,
    VerifyFactor, VerifyFactorRequest,
};
use okta_factors::policy::PollPolicy;
use okta_factors::{
    ClientBuilder, Credentials, Error, InputError, Operation, OrgUrl, Proxy, RootCertificates,
    Secret, TimeoutLimit, TransportErrorKind,
};
use okta_factors_testserver::{ConnectProxy, RecordedRequest, Reply, TestCa, TestServer};

type UreqClient = okta_factors::ureq::Client;
type HyperClient = okta_factors::hyper::Client;

const API_TOKEN: &str = "00S3CR3T-API-TOKEN-70101";
const ACCESS_TOKEN: &str = "eyJS3CR3T.ACCESS-TOKEN.70202";
const PASS: &str = "S3CR3T-PASSCODE-70303";
const NEXT_PASS: &str = "S3CR3T-NEXTCODE-70404";
const ANSWER: &str = "S3CR3T-ANSWER-70505";
const SHARED: &str = "S3CR3TSHAREDSECRET70606";
const PROXY_PASSWORD: &str = "S3CR3T-PROXY-PASSWORD-70707";
/// Every secret of this file, and the marker they all share.
const SECRETS: &[&str] = &[
    API_TOKEN,
    ACCESS_TOKEN,
    PASS,
    NEXT_PASS,
    ANSWER,
    SHARED,
    PROXY_PASSWORD,
    "S3CR3T",
];

// ---------------------------------------------------------------------------
// Helpers

/// `text` shows no secret: not as text, nor as the byte list a `Vec<u8>`
/// body prints (`[83, 51, …]`, `{:x?}`: `[53, 33, …]`; whitespace ignored).
#[track_caller]
fn assert_clean(text: &str, what: &str) {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for secret in SECRETS {
        let bytes = secret.as_bytes();
        let decimal: Vec<String> = bytes.iter().map(u8::to_string).collect();
        let hex: Vec<String> = bytes.iter().map(|b| format!("{b:x}")).collect();
        assert!(
            !text.contains(secret)
                && !squeezed.contains(&decimal.join(","))
                && !squeezed.contains(&hex.join(",")),
            "{what} leaks {secret:?}:\n{text}"
        );
    }
}

/// `{:?}`, `{:#?}`, `{:x?}` of `value` contain no secret.
#[track_caller]
fn assert_debug_clean<T: fmt::Debug + ?Sized>(value: &T, what: &str) {
    assert_clean(&format!("{value:?}"), what);
    assert_clean(&format!("{value:#?}"), what);
    assert_clean(&format!("{value:x?}"), what);
}

/// `Display`, `Debug` and the whole `source()` chain of `err` contain no secret.
#[track_caller]
fn assert_error_clean(err: &Error, what: &str) {
    assert_debug_clean(err, what);
    assert_clean(&err.to_string(), what);
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        assert_clean(&inner.to_string(), what);
        assert_clean(&format!("{inner:?}"), what);
        source = inner.source();
    }
}

fn api_token() -> Credentials {
    Credentials::api_token(API_TOKEN).unwrap()
}

fn access_token() -> Credentials {
    Credentials::access_token(ACCESS_TOKEN).unwrap()
}

fn org(url: &str) -> OrgUrl {
    OrgUrl::parse(url).unwrap()
}

/// The tests' limits, for either client (`UreqClient` or `HyperClient`).
fn builder<C>(url: &str, credentials: Credentials) -> ClientBuilder<C> {
    ClientBuilder::new(org(url), credentials)
        .request_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .poll_policy(PollPolicy::default().interval(Duration::from_millis(10)))
}

fn ureq_client(url: &str) -> UreqClient {
    builder::<UreqClient>(url, api_token()).build().unwrap()
}

/// Built inside a runtime (calls need one anyway).
fn hyper_client(url: &str) -> HyperClient {
    builder::<HyperClient>(url, api_token()).build().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn transport_kind(err: &Error) -> Option<TransportErrorKind> {
    err.transport().map(|t| t.kind)
}

/// `http://<host header>`: the origin the client used.
fn base_of(req: &RecordedRequest) -> String {
    format!("http://{}", req.header("host").unwrap_or("127.0.0.1"))
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// The pairs of an `application/x-www-form-urlencoded` query, decoded.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| String::from_utf8(percent_decode(&s.replace('+', " "))).unwrap();
            (decode(k), decode(v))
        })
        .collect()
}

// Okta-like bodies.

const TOTP_ENROLLED: &str = r#"{"id":"ostf1","factorType":"token:software:totp","provider":"OKTA",
  "status":"PENDING_ACTIVATION","profile":{"credentialId":"alice@example.com"},
  "_embedded":{"activation":{"timeStep":30,"sharedSecret":"S3CR3TSHAREDSECRET70606","encoding":"base32","keyLength":6}}}"#;
/// An unknown factor type whose unknown members carry secrets.
const UNKNOWN_WITH_SECRETS: &str = r#"{"id":"x1","factorType":"future:factor","provider":"OKTA",
  "status":"ACTIVE","passCode":"S3CR3T-PASSCODE-70303","profile":{"answer":"S3CR3T-ANSWER-70505",
  "sharedSecret":"S3CR3TSHAREDSECRET70606","nested":[{"nextPassCode":"S3CR3T-NEXTCODE-70404"}]}}"#;
/// A TOTP enrollment whose shared secret has the wrong type: a decode error.
const BAD_SECRET_SHAPE: &str = r#"{"id":"ostf1","factorType":"token:software:totp","provider":"OKTA",
  "status":"PENDING_ACTIVATION","_embedded":{"activation":{"sharedSecret":{"v":"S3CR3TSHAREDSECRET70606"}}}}"#;
const TOKEN_ACTIVE: &str = r#"{"id":"rsa1","factorType":"token","provider":"SYMANTEC","status":"ACTIVE","profile":{"credentialId":"VSMT1"}}"#;
const SMS_FACTOR: &str = r#"{"id":"mbl1","factorType":"sms","provider":"OKTA","status":"ACTIVE","profile":{"phoneNumber":"+15554151337"}}"#;
const SUCCESS: &str = r#"{"factorResult":"SUCCESS"}"#;
const INVALID_PASSCODE: &str = r#"{"errorCode":"E0000068","errorSummary":"Invalid Passcode/Answer","errorLink":"E0000068","errorId":"oae1","errorCauses":[{"errorSummary":"Your passcode doesn't match our records. Please try again."}]}"#;
const INVALID_TOKEN: &str = r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oae2","errorCauses":[]}"#;
const ACCESS_DENIED: &str = r#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"oae3","errorCauses":[]}"#;
const SERVER_ERROR: &str = r#"{"errorCode":"E0000009","errorSummary":"Internal Server Error","errorLink":"E0000009","errorId":"oae4","errorCauses":[]}"#;
const RATE_LIMITED: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oae5","errorCauses":[]}"#;

fn waiting(poll_href: &str) -> Reply {
    Reply::json(
        201,
        format!(
            r#"{{"factorResult":"WAITING","expiresAt":"2099-01-01T00:00:00.000Z",
              "_embedded":{{"challenge":{{"correctAnswer":42}}}},
              "_links":{{"poll":{{"href":"{poll_href}","hints":{{"allow":["GET"]}}}}}}}}"#
        ),
    )
}

/// An Okta-like server: the user ID (or factor ID) in the path picks the answer.
fn okta_like(req: &RecordedRequest) -> Reply {
    let segments: Vec<&str> = req.path().split('/').collect();
    let user = segments.get(4).copied().unwrap_or_default();
    let factor = segments.get(6).copied().unwrap_or_default();
    let body = String::from_utf8_lossy(&req.body);
    let retry = req.header("x-okta-retry-count").is_some();
    match user {
        "e401" => return Reply::json(401, INVALID_TOKEN).header("www-authenticate", "SSWS"),
        "e403" => return Reply::json(403, ACCESS_DENIED),
        "e500" => return Reply::json(500, SERVER_ERROR),
        "e502" => {
            return Reply::Response {
                status: 502,
                headers: vec![("content-type".into(), "text/html".into())],
                body: b"<html><body>502 Bad Gateway</body></html>".to_vec(),
            }
        }
        "close" => return Reply::Close,
        "reset" => {
            return Reply::ResetMidBody {
                status: 200,
                declared_len: 500,
                partial: br#"{"id":"ostf1","factorType":"token:software:totp","_embedded":{"activation":{"sharedSecret":"S3CR"#.to_vec(),
            }
        }
        "stall" => return Reply::Stall(Duration::from_secs(2)),
        "big" => return Reply::json(200, format!("[{}]", " ".repeat(64 * 1024))),
        "badshape" => return Reply::json(200, BAD_SECRET_SHAPE),
        "unknown" => return Reply::json(200, UNKNOWN_WITH_SECRETS),
        _ => {}
    }
    if req.method == "POST" && req.path().ends_with("/factors") {
        return if body.contains("token:software:totp") {
            Reply::json(200, TOTP_ENROLLED)
        } else {
            Reply::json(200, TOKEN_ACTIVE)
        };
    }
    if req.path().ends_with("/lifecycle/activate") {
        return Reply::json(403, INVALID_PASSCODE);
    }
    if req.path().ends_with("/verify") {
        return match factor {
            "limited" if !retry => Reply::json(429, RATE_LIMITED),
            "wrong" => Reply::json(403, INVALID_PASSCODE),
            "push" => waiting(&format!(
                "{}/api/v1/users/{user}/factors/push/transactions/t1",
                base_of(req)
            )),
            _ => Reply::json(200, SUCCESS),
        };
    }
    if req.path().contains("/transactions/") {
        return Reply::json(200, SUCCESS);
    }
    if segments.len() == 7 {
        return Reply::json(200, SMS_FACTOR);
    }
    Reply::json(200, "[]")
}

/// Every call of the workload, so that both clients make the same ones.
#[derive(Debug, Clone, Copy)]
enum Call {
    EnrollTotp,
    EnrollSymantec,
    EnrollQuestion,
    ResendHotp,
    ActivateWrong,
    VerifyPass,
    VerifyPassAfter429,
    VerifyAnswerWrong,
    VerifyPush,
    List(&'static str),
    Get(&'static str),
}

const WORKLOAD: &[Call] = &[
    Call::EnrollTotp,
    Call::EnrollSymantec,
    Call::EnrollQuestion,
    Call::ResendHotp,
    Call::ActivateWrong,
    Call::VerifyPass,
    Call::VerifyPassAfter429,
    Call::VerifyAnswerWrong,
    Call::VerifyPush,
    Call::List("u1"),
    Call::List("e401"),
    Call::List("e403"),
    Call::List("e500"),
    Call::List("e502"),
    Call::List("close"),
    Call::List("reset"),
    Call::List("big"),
    Call::Get("badshape"),
];

fn symantec() -> FactorEnrollment {
    FactorEnrollment::symantec_vip("VSMT1", PASS, NEXT_PASS)
}

/// Runs `call` with the blocking client: the `Debug` of the value, or the error.
fn ureq_do(client: &UreqClient, call: Call) -> Result<String, Error> {
    let user = "u1";
    Ok(match call {
        Call::EnrollTotp => format!(
            "{:?}",
            client.enroll_factor(user, FactorEnrollment::totp(TotpProvider::Okta))?
        ),
        Call::EnrollSymantec => format!("{:?}", client.enroll_factor(user, symantec())?),
        Call::EnrollQuestion => format!(
            "{:?}",
            client.enroll_factor(user, FactorEnrollment::question("disliked_food", ANSWER))?
        ),
        Call::ResendHotp => format!(
            "{:?}",
            client.execute(&ResendEnrollFactor::new(
                user,
                "hotp1",
                FactorEnrollment::custom_hotp("fpr1", SHARED)
            ))?
        ),
        Call::ActivateWrong => format!(
            "{:?}",
            client.activate_factor(user, "ostf1", Some(ActivateFactorRequest::pass_code(PASS)))?
        ),
        Call::VerifyPass => format!(
            "{:?}",
            client.verify_factor(user, "ok", Some(VerifyFactorRequest::pass_code(PASS)))?
        ),
        Call::VerifyPassAfter429 => format!(
            "{:?}",
            client.verify_factor(user, "limited", Some(VerifyFactorRequest::pass_code(PASS)))?
        ),
        Call::VerifyAnswerWrong => format!(
            "{:?}",
            client.verify_factor(user, "wrong", Some(VerifyFactorRequest::answer(ANSWER)))?
        ),
        Call::VerifyPush => {
            let verify =
                VerifyFactor::new(user, "push").body(VerifyFactorRequest::number_matching());
            format!("{:?}", client.verify_push(&verify, |_| {})?)
        }
        Call::List(user) => format!("{:?}", client.list_factors(user)?),
        Call::Get(user) => format!("{:?}", client.get_factor(user, "f1")?),
    })
}

async fn hyper_do(client: &HyperClient, call: Call) -> Result<String, Error> {
    let user = "u1";
    Ok(match call {
        Call::EnrollTotp => format!(
            "{:?}",
            client
                .enroll_factor(user, FactorEnrollment::totp(TotpProvider::Okta))
                .await?
        ),
        Call::EnrollSymantec => format!("{:?}", client.enroll_factor(user, symantec()).await?),
        Call::EnrollQuestion => format!(
            "{:?}",
            client
                .enroll_factor(user, FactorEnrollment::question("disliked_food", ANSWER))
                .await?
        ),
        Call::ResendHotp => format!(
            "{:?}",
            client
                .execute(&ResendEnrollFactor::new(
                    user,
                    "hotp1",
                    FactorEnrollment::custom_hotp("fpr1", SHARED)
                ))
                .await?
        ),
        Call::ActivateWrong => format!(
            "{:?}",
            client
                .activate_factor(user, "ostf1", Some(ActivateFactorRequest::pass_code(PASS)))
                .await?
        ),
        Call::VerifyPass => format!(
            "{:?}",
            client
                .verify_factor(user, "ok", Some(VerifyFactorRequest::pass_code(PASS)))
                .await?
        ),
        Call::VerifyPassAfter429 => format!(
            "{:?}",
            client
                .verify_factor(user, "limited", Some(VerifyFactorRequest::pass_code(PASS)))
                .await?
        ),
        Call::VerifyAnswerWrong => format!(
            "{:?}",
            client
                .verify_factor(user, "wrong", Some(VerifyFactorRequest::answer(ANSWER)))
                .await?
        ),
        Call::VerifyPush => {
            let verify =
                VerifyFactor::new(user, "push").body(VerifyFactorRequest::number_matching());
            format!("{:?}", client.verify_push(&verify, |_| {}).await?)
        }
        Call::List(user) => format!("{:?}", client.list_factors(user).await?),
        Call::Get(user) => format!("{:?}", client.get_factor(user, "f1").await?),
    })
}

/// Runs the workload through both clients; returns `(adapter, call, result)`.
fn run_workload(server: &TestServer) -> Vec<(&'static str, Call, Result<String, Error>)> {
    let mut results = Vec::new();
    let ureq = builder::<UreqClient>(server.url(), api_token())
        .max_response_bytes(16 * 1024)
        .build()
        .unwrap();
    for call in WORKLOAD {
        results.push(("ureq", *call, ureq_do(&ureq, *call)));
    }
    let bearer = builder::<UreqClient>(server.url(), access_token())
        .build()
        .unwrap();
    results.push((
        "ureq bearer",
        Call::List("e401"),
        ureq_do(&bearer, Call::List("e401")),
    ));
    let rt = runtime();
    rt.block_on(async {
        let hyper = builder::<HyperClient>(server.url(), api_token())
            .max_response_bytes(16 * 1024)
            .build()
            .unwrap();
        for call in WORKLOAD {
            results.push(("hyper", *call, hyper_do(&hyper, *call).await));
        }
        let bearer = builder::<HyperClient>(server.url(), access_token())
            .build()
            .unwrap();
        results.push((
            "hyper bearer",
            Call::List("e401"),
            hyper_do(&bearer, Call::List("e401")).await,
        ));
    });
    results
}

/// The secrets did go on the wire: a test that never held them proves nothing.
fn assert_secrets_were_sent(server: &TestServer) {
    let requests = server.requests();
    let wire: String = requests
        .iter()
        .map(|r| {
            format!(
                "{} {:?} {}\n",
                r.target,
                r.headers,
                String::from_utf8_lossy(&r.body)
            )
        })
        .collect();
    for secret in [API_TOKEN, ACCESS_TOKEN, PASS, NEXT_PASS, ANSWER, SHARED] {
        assert!(
            wire.contains(secret),
            "{secret} was never sent: the test is vacuous"
        );
    }
}

// ---------------------------------------------------------------------------
// (a) Secrets: Debug/Display

#[test]
fn secrets_are_absent_from_debug_and_display_of_clients_configs_builders_and_operations() {
    let url = "https://dev-123456.okta.com";
    for credentials in [api_token(), access_token()] {
        assert_debug_clean(&credentials, "Credentials");
        assert_debug_clean(credentials.token().unwrap(), "Credentials::token");
        let header = credentials.authorization().unwrap();
        assert!(header.is_sensitive());
        assert_debug_clean(&header, "Authorization header");

        let ureq_builder = builder::<UreqClient>(url, credentials.clone());
        assert_debug_clean(ureq_builder.config(), "ClientConfig");
        assert_debug_clean(&ureq_builder, "ureq ClientBuilder");
        let hyper_builder = HyperClient::builder(org(url), credentials.clone());
        assert_debug_clean(&hyper_builder, "hyper ClientBuilder");
        let ureq = ureq_builder.build().unwrap();
        assert_debug_clean(&ureq, "ureq Client");
        assert_debug_clean(ureq.config(), "ureq Client::config");
        let hyper = hyper_builder.build().unwrap();
        assert_debug_clean(&hyper, "hyper Client");
        assert_debug_clean(hyper.config(), "hyper Client::config");

        // Built requests: the Authorization header is sensitive, so `Debug`
        // of the request shows no token.
        let request = GetFactor::new("u1", "f1")
            .build_request(&org(url), &credentials)
            .unwrap();
        assert_debug_clean(request.headers(), "http::Request headers");
    }

    // Operations and bodies holding every kind of secret.
    let mut verify_body = VerifyFactorRequest::pass_code(PASS);
    verify_body.answer = Some(Secret::new(ANSWER));
    verify_body.next_pass_code = Some(Secret::new(NEXT_PASS));
    assert_debug_clean(&verify_body, "VerifyFactorRequest");
    let verify = VerifyFactor::new("u1", "f1")
        .body(verify_body)
        .user_agent("Mozilla/5.0");
    assert_debug_clean(&verify, "VerifyFactor");
    let activate = ActivateFactor::new("u1", "f1").body(ActivateFactorRequest::pass_code(PASS));
    assert_debug_clean(&activate, "ActivateFactor");
    for body in [
        FactorEnrollment::question("disliked_food", ANSWER),
        FactorEnrollment::custom_hotp("fpr1", SHARED),
        symantec(),
        FactorEnrollment::yubikey(PASS),
        FactorEnrollment::token(FactorProvider::Rsa, "rsa-user", PASS),
    ] {
        assert_debug_clean(&body, "FactorEnrollment");
        let enroll = EnrollFactor::new("u1", body.clone());
        assert_debug_clean(&enroll, "EnrollFactor");
        let resend = ResendEnrollFactor::new("u1", "f1", body);
        assert_debug_clean(&resend, "ResendEnrollFactor");
    }
    assert_debug_clean(&Secret::new(SHARED), "Secret");

    // Invalid credentials: the error does not echo the token.
    for bad in [
        format!("SSWS {API_TOKEN}"),
        format!("Bearer {ACCESS_TOKEN}"),
        format!("{API_TOKEN} {PASS}"),
        format!("{API_TOKEN}\u{e9}"),
        format!("{{{API_TOKEN}}}"),
    ] {
        let err = Credentials::api_token(bad.as_str()).unwrap_err();
        assert_clean(&err.to_string(), "InputError");
        assert_debug_clean(&err, "InputError");
    }
}

#[test]
fn secrets_are_absent_from_errors_and_values_of_both_clients() {
    let server = TestServer::start(okta_like);
    let results = run_workload(&server);
    let mut errors = 0;
    for (adapter, call, result) in &results {
        let what = format!("{adapter} {call:?}");
        match result {
            Ok(debug) => assert_clean(debug, &what),
            Err(err) => {
                errors += 1;
                assert_error_clean(err, &what);
            }
        }
    }
    // The workload did produce the errors it is about: API errors (401, 403,
    // 500, wrong passcode and answer), an unexpected response, a decode error
    // and transport errors, from both clients.
    for adapter in ["ureq", "hyper"] {
        let kinds: Vec<String> = results
            .iter()
            .filter(|(a, _, _)| *a == adapter)
            .filter_map(|(_, _, r)| r.as_ref().err())
            .map(|e| match e {
                Error::Api(api) => format!("api {}", api.status.as_u16()),
                Error::UnexpectedResponse(u) => format!("unexpected {}", u.status.as_u16()),
                Error::Decode(_) => "decode".to_owned(),
                Error::Transport(t) => format!("transport {:?}", t.kind),
                other => format!("{other:?}"),
            })
            .collect();
        for expected in [
            "api 401",
            "api 403",
            "api 500",
            "unexpected 502",
            "decode",
            "transport Io",
            "transport BodyTooLarge",
        ] {
            assert!(
                kinds.iter().any(|k| k.starts_with(expected)),
                "{adapter}: no {expected:?} error in {kinds:?}"
            );
        }
    }
    assert!(errors >= 20, "{errors}");

    // Transport errors without a server: refused, and a stall past the timeout.
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let ureq = ureq_client(&refused);
    let err = ureq
        .verify_factor("u1", "f1", Some(VerifyFactorRequest::pass_code(PASS)))
        .unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Connect),
        "{err:?}"
    );
    assert_error_clean(&err, "ureq connection refused");
    let short = builder::<UreqClient>(server.url(), api_token())
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = short.list_factors("stall").unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_error_clean(&err, "ureq timeout");
    runtime().block_on(async {
        let hyper = hyper_client(&refused);
        let err = hyper
            .verify_factor("u1", "f1", Some(VerifyFactorRequest::pass_code(PASS)))
            .await
            .unwrap_err();
        assert_eq!(
            transport_kind(&err),
            Some(TransportErrorKind::Connect),
            "{err:?}"
        );
        assert_error_clean(&err, "hyper connection refused");
        let short = builder::<HyperClient>(server.url(), api_token())
            .request_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let err = short.list_factors("stall").await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert_error_clean(&err, "hyper timeout");
    });

    assert_secrets_were_sent(&server);
}

/// A factor type this version does not know keeps its profile as raw JSON;
/// secret-named members in it must be redacted in `Debug` like everywhere else.
#[test]
fn secrets_are_absent_from_debug_of_unknown_factor_types() {
    let server = TestServer::start(okta_like);
    let ureq = ureq_client(server.url());
    let factor = ureq.get_factor("unknown", "f1").unwrap();
    assert!(factor.is_unknown());
    assert_debug_clean(&factor, "ureq: an unknown factor type");
    runtime().block_on(async {
        let hyper = hyper_client(server.url());
        let factor = hyper.get_factor("unknown", "f1").await.unwrap();
        assert_debug_clean(&factor, "hyper: an unknown factor type");
    });
}

/// Every public type of the clients, the transports and the facade (`pub
/// struct`, `pub enum`, `pub type` in the `src/` of okta-factors-client,
/// okta-factors-ureq, okta-factors-hyper and okta-factors) is formatted here
/// with both kinds of token, or listed with the reason it cannot hold a
/// secret, so a new type cannot be forgotten. The core's types:
/// `crates/okta-factors-core/tests/secrets.rs`
/// (`every_public_type_is_formatted_with_secrets_or_exempt`).
#[test]
fn every_public_type_of_the_clients_is_formatted_with_secrets_or_exempt() {
    const EXEMPT: &[(&str, &str, &str)] = &[
        (
            "okta-factors-client",
            "Limits",
            "a timeout and a byte count, made per request",
        ),
        (
            "okta-factors-hyper",
            "SleepFuture",
            "a boxed future of () (feature custom-connector)",
        ),
        (
            "okta-factors",
            "ReadmeDoctests",
            "an empty marker type for the README's doctests (cfg(doctest) only)",
        ),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut declared = std::collections::BTreeSet::new();
    for krate in [
        "okta-factors",
        "okta-factors-client",
        "okta-factors-ureq",
        "okta-factors-hyper",
    ] {
        let src = root.join("crates").join(krate).join("src");
        for name in public_types::declared_public_types(&src) {
            declared.insert((krate, name));
        }
    }
    assert!(declared.len() >= 11, "{declared:?}");

    let url = "https://dev-123456.okta.com";
    let roots = RootCertificates::from_der([TestCa::new().der()]).unwrap();
    let mut formatted = std::collections::BTreeSet::new();
    let mut check = |value: &dyn fmt::Debug, krate: &'static str, name: &'static str| {
        assert_debug_clean(value, &format!("{krate}::{name}"));
        formatted.insert((krate, name));
    };
    for credentials in [api_token(), access_token()] {
        let token = credentials.token().unwrap().expose().to_owned();
        // The builder holds the credentials, the transport's configuration
        // the roots; the clients hold both configurations and the transport.
        let ureq_builder = builder::<UreqClient>(url, credentials.clone())
            .root_certificates(roots.clone())
            .user_agent_extra("app/1.0")
            .unwrap();
        assert!(ureq_builder.config().credentials.token().unwrap().expose() == token);
        check(&ureq_builder, "okta-factors-client", "ClientBuilder");
        check(
            ureq_builder.transport_config(),
            "okta-factors-client",
            "TransportConfig",
        );
        check(&roots, "okta-factors-client", "RootCertificates");
        let ureq = ureq_builder.build().unwrap();
        assert!(ureq.config().credentials.token().unwrap().expose() == token);
        check(&ureq, "okta-factors-client", "BlockingClient");
        check(&ureq, "okta-factors-ureq", "Client");
        check(ureq.transport(), "okta-factors-ureq", "Transport");

        let hyper_builder =
            builder::<HyperClient>(url, credentials.clone()).root_certificates(roots.clone());
        check(&hyper_builder, "okta-factors-client", "ClientBuilder");
        runtime().block_on(async {
            let hyper = hyper_builder.build().unwrap();
            assert!(hyper.config().credentials.token().unwrap().expose() == token);
            check(&hyper, "okta-factors-client", "AsyncClient");
            check(&hyper, "okta-factors-hyper", "Client");
            check(hyper.transport(), "okta-factors-hyper", "Transport");
        });
    }
    let proxy = Proxy::new(&format!(
        "http://svc-okta:{PROXY_PASSWORD}@proxy.example:3128"
    ))
    .unwrap()
    .no_proxy("localhost");
    assert_eq!(proxy.credentials(), Some(("svc-okta", PROXY_PASSWORD)));
    check(&proxy, "okta-factors-client", "Proxy");
    let proxied = builder::<UreqClient>(url, api_token()).proxy(proxy.clone());
    assert_debug_clean(&proxied, "a builder with a proxy");
    assert_debug_clean(&proxied.build().unwrap(), "a ureq client with a proxy");
    runtime().block_on(async {
        let hyper = builder::<HyperClient>(url, api_token())
            .proxy(proxy)
            .build()
            .unwrap();
        assert_debug_clean(&hyper, "a hyper client with a proxy");
    });
    let unusable = Proxy::new(&format!(
        "socks5://svc-okta:{PROXY_PASSWORD}@proxy.example:1080"
    ))
    .unwrap_err();
    check(&unusable, "okta-factors-client", "ProxyError");
    assert_clean(&unusable.to_string(), "ProxyError");

    let refused = RootCertificates::from_der([b"not a certificate".as_slice()]).unwrap_err();
    check(&refused, "okta-factors-client", "RootCertificateError");
    assert_clean(&refused.to_string(), "RootCertificateError");

    // Settings (feature `config`): tokens, a proxy password and a token
    // quoted by a malformed file, in the settings, their report, an error.
    let settings = okta_factors::Settings::new()
        .yaml(
            "okta.yaml",
            &format!(
                "okta:\n  client:\n    orgUrl: {url}\n    token: {API_TOKEN}\n    \
                 proxy: {{host: p.example, port: 3128, username: u, password: {ANSWER}}}\n"
            ),
        )
        .unwrap()
        .env([
            ("OKTA_CLIENT_TOKEN", ACCESS_TOKEN),
            ("OKTA_CLIENT_AUTHORIZATIONMODE", "Bearer"),
        ])
        .unwrap();
    check(&settings, "okta-factors-client", "Settings");
    let report = settings.report();
    assert_clean(&report.to_string(), "SettingsReport");
    check(&report, "okta-factors-client", "SettingsReport");
    let from_settings = UreqClient::builder_from(&settings).unwrap();
    assert!(from_settings.config().credentials.token().unwrap().expose() == ACCESS_TOKEN);
    check(&from_settings, "okta-factors-client", "ClientBuilder");
    let malformed = okta_factors::Settings::new()
        .yaml(
            "okta.yaml",
            &format!("okta:\n  client:\n    {API_TOKEN}: 1\n    {API_TOKEN}: 2\n"),
        )
        .unwrap_err();
    assert_clean(&malformed.to_string(), "SettingsError");
    check(&malformed, "okta-factors-client", "SettingsError");

    let missing: Vec<_> = declared
        .iter()
        .filter(|(krate, name)| {
            !formatted.contains(&(*krate, name.as_str()))
                && !EXEMPT.iter().any(|(k, n, _)| k == krate && n == name)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "public types neither formatted with secrets here nor exempt with a reason: {missing:?}"
    );
    for (krate, name) in &formatted {
        assert!(
            declared.contains(&(*krate, (*name).to_owned())),
            "{krate}::{name} is formatted here but not declared there: a stale entry"
        );
    }
    for (krate, name, _) in EXEMPT {
        assert!(
            declared.contains(&(*krate, (*name).to_owned())),
            "EXEMPT names {krate}::{name}, which no longer exists"
        );
    }
}

// ---------------------------------------------------------------------------
// (a) Secrets: tracing output and `log` records

/// Everything any subscriber could be told: span names and fields, records,
/// events (all targets, all levels).
#[derive(Default)]
struct Captured {
    lines: Mutex<Vec<String>>,
    next_id: AtomicU64,
}

struct FieldsOf<'a>(&'a mut String);

impl tracing::field::Visit for FieldsOf<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
    fn record_error(
        &mut self,
        field: &tracing::field::Field,
        value: &(dyn std::error::Error + 'static),
    ) {
        let _ = write!(self.0, " {}={} ({:?})", field.name(), value, value);
    }
}

struct CaptureAll(Arc<Captured>);

impl CaptureAll {
    fn push(&self, line: String) {
        self.0.lines.lock().unwrap().push(line);
    }
}

impl tracing::Subscriber for CaptureAll {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let meta = span.metadata();
        let mut line = format!("span {} {} {}", meta.target(), meta.level(), meta.name());
        span.record(&mut FieldsOf(&mut line));
        self.push(line);
        tracing::span::Id::from_u64(self.0.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = "record".to_owned();
        values.record(&mut FieldsOf(&mut line));
        self.push(line);
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let meta = event.metadata();
        let mut line = format!("event {} {}", meta.target(), meta.level());
        event.record(&mut FieldsOf(&mut line));
        self.push(line);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// The process-wide tracing subscriber of this test binary.
fn tracing_capture() -> &'static Arc<Captured> {
    static CAPTURE: OnceLock<Arc<Captured>> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let captured = Arc::new(Captured::default());
        tracing::subscriber::set_global_default(CaptureAll(captured.clone()))
            .expect("the only global subscriber of this binary");
        captured
    })
}

/// A `log` logger that keeps every record (the transports log through `log`).
struct CaptureLog(Mutex<Vec<String>>);

impl log::Log for CaptureLog {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {} {}", record.level(), record.target(), record.args());
        self.0.lock().unwrap().push(line);
    }
    fn flush(&self) {}
}

static LOG: CaptureLog = CaptureLog(Mutex::new(Vec::new()));

fn log_capture() -> &'static CaptureLog {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        log::set_logger(&LOG).expect("the only logger of this binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
    &LOG
}

#[test]
fn secrets_are_absent_from_tracing_output() {
    let capture = tracing_capture();
    let server = TestServer::start(okta_like);
    let results = run_workload(&server);
    assert!(results.iter().any(|(_, _, r)| r.is_ok()));
    assert_secrets_were_sent(&server);

    let lines = capture.lines.lock().unwrap().clone();
    let all = lines.join("\n");
    // The capture did see the clients' spans, retries and polls: both
    // clients trace through okta-factors-client, one `okta_factors.call`
    // span per call, so the workload's one push verification per client is
    // (at least) two `verify_push` spans.
    for expected in [
        " INFO okta_factors.call operation=",
        "operation=verify_factor",
        "429, retrying",
        "push waiting, polling again",
        "status=429",
        "status=401",
    ] {
        assert!(
            all.contains(expected),
            "tracing never showed {expected:?}:\n{all}"
        );
    }
    let pushes = lines
        .iter()
        .filter(|l| {
            l.starts_with("span okta_factors_client")
                && l.contains(" okta_factors.call operation=verify_push ")
        })
        .count();
    assert!(pushes >= 2, "{pushes} verify_push spans:\n{all}");
    assert_clean(&all, "tracing output");
}

/// The `log` records of the transports (ureq, ureq-proto, rustls, hyper) at
/// `debug` and above: ureq redacts every sensitive header there.
#[test]
fn secrets_are_absent_from_debug_log_records_of_the_transports() {
    let capture = log_capture();
    let server = TestServer::start(okta_like);
    let _ = run_workload(&server);
    let lines = capture.0.lock().unwrap().clone();
    assert!(
        lines.iter().any(|l| l.starts_with("DEBUG ureq")),
        "no ureq log record"
    );
    let all: Vec<&String> = lines.iter().filter(|l| !l.starts_with("TRACE")).collect();
    assert_clean(&format!("{all:#?}"), "log records at debug and above");
}

/// The same at `trace`: ureq-proto dumps the wire bytes there, 16 per line
/// ("hex  ascii"). The ASCII columns are put back together so that a secret
/// split over lines is found too.
#[test]
#[ignore = "BUG: with a `log` logger at TRACE, ureq-proto (target ureq_proto::util) hex-dumps the request heads and response bodies of the ureq client: the Authorization header (API token, access token) and response secrets (sharedSecret) appear in the log (request bodies are not dumped)"]
fn secrets_are_absent_from_trace_log_records_of_the_transports() {
    let capture = log_capture();
    let server = TestServer::start(okta_like);
    let _ = run_workload(&server);
    let lines = capture.0.lock().unwrap().clone();
    let trace: Vec<&String> = lines.iter().filter(|l| l.starts_with("TRACE")).collect();
    assert!(!trace.is_empty(), "no trace record at all");
    let dump: String = trace
        .iter()
        .filter(|l| l.starts_with("TRACE ureq_proto::util"))
        .filter_map(|l| l.len().checked_sub(16).map(|start| &l[start..]))
        .collect();
    let leaked: Vec<&&str> = SECRETS.iter().filter(|s| dump.contains(**s)).collect();
    assert!(
        leaked.is_empty(),
        "ureq-proto's trace dump of the wire bytes holds {leaked:?}"
    );
    assert_clean(&format!("{trace:#?}"), "log records at trace");
}

// ---------------------------------------------------------------------------
// (b) Credentials only go to the configured origin

#[test]
fn redirects_are_not_followed_by_either_client() {
    let elsewhere = TestServer::start(|_| Reply::json(200, "[]"));
    let target = format!("{}/api/v1/users/u1/factors", elsewhere.url());
    let redirecting = TestServer::start(move |req| {
        let status = req
            .path()
            .split('/')
            .nth(4)
            .and_then(|u| u.parse().ok())
            .unwrap_or(302);
        Reply::json(status, "{}").header("location", &target)
    });
    let statuses = [301_u16, 302, 303, 307, 308];
    let check = |adapter: &str, status: u16, result: Result<String, Error>| {
        let err = result.expect_err("a redirect is an error, never followed");
        assert_eq!(
            err.status().map(|s| s.as_u16()),
            Some(status),
            "{adapter}: {err:?}"
        );
        assert!(
            matches!(err, Error::UnexpectedResponse(_)),
            "{adapter}: {err:?}"
        );
        assert_error_clean(&err, adapter);
    };
    let ureq = ureq_client(redirecting.url());
    for status in statuses {
        let user = status.to_string();
        check(
            "ureq",
            status,
            ureq.list_factors(&user).map(|v| format!("{v:?}")),
        );
        let verify = ureq
            .execute(&VerifyFactor::new(&user, "f1").body(VerifyFactorRequest::pass_code(PASS)))
            .map(|v| format!("{v:?}"));
        check("ureq", status, verify);
    }
    runtime().block_on(async {
        let hyper = hyper_client(redirecting.url());
        for status in statuses {
            let user = status.to_string();
            check(
                "hyper",
                status,
                hyper.list_factors(&user).await.map(|v| format!("{v:?}")),
            );
            let verify = hyper
                .execute(&VerifyFactor::new(&user, "f1").body(VerifyFactorRequest::pass_code(PASS)))
                .await
                .map(|v| format!("{v:?}"));
            check("hyper", status, verify);
        }
    });
    assert_eq!(redirecting.requests().len(), 4 * statuses.len());
    assert!(
        elsewhere.requests().is_empty() && elsewhere.connections() == 0,
        "the redirect target received {:?}",
        elsewhere.requests()
    );
}

#[test]
fn poll_links_to_other_origins_are_polled_on_the_org_by_both_clients() {
    let elsewhere = TestServer::start(|_| Reply::json(200, SUCCESS));
    let b = elsewhere.port();
    let path = "/api/v1/users/u1/factors/push/transactions/t1";
    // The factor ID picks the poll link; "same" is the org itself (control).
    // Every poll is built from the org and the transaction ID (an org behind a
    // custom domain names the okta.com host in its links): whatever origin the
    // link names, the poll goes to the org and nothing goes anywhere else.
    let org_server = TestServer::start(move |req| {
        let base = base_of(req);
        let a = base.rsplit(':').next().unwrap_or_default().to_owned();
        if req.path().contains("/transactions/") {
            return Reply::json(200, SUCCESS);
        }
        let factor = req.path().split('/').nth(6).unwrap_or_default();
        let href = match factor {
            "same" => format!("{base}{path}"),
            "port" => format!("http://127.0.0.1:{b}{path}"),
            "scheme" => format!("https://127.0.0.1:{a}{path}"),
            "userinfo" => format!("http://127.0.0.1:{a}@127.0.0.1:{b}{path}"),
            "alias" => format!("http://localhost:{a}{path}"),
            "relative" => format!("//127.0.0.1:{b}{path}"),
            "suffix" => format!("http://127.0.0.1.nip.io:{b}{path}"),
            _ => format!("http://127.0.0.1:{b}{path}"),
        };
        waiting(&href)
    });
    let hostile = ["port", "scheme", "userinfo", "alias", "relative", "suffix"];
    let check = |adapter: &str, factor: &str, result: Result<VerifyOutcome, Error>| {
        let outcome = result.unwrap_or_else(|e| panic!("{adapter} {factor}: {e:?}"));
        assert!(outcome.is_success(), "{adapter} {factor}: {outcome:?}");
    };
    let verify =
        |factor: &str| VerifyFactor::new("u1", factor).body(VerifyFactorRequest::pass_code(PASS));
    let ureq = ureq_client(org_server.url());
    assert!(ureq
        .verify_push(&verify("same"), |_| {})
        .unwrap()
        .is_success());
    for factor in hostile {
        check("ureq", factor, ureq.verify_push(&verify(factor), |_| {}));
    }
    runtime().block_on(async {
        let hyper = hyper_client(org_server.url());
        let control = hyper.verify_push(&verify("same"), |_| {}).await.unwrap();
        assert!(control.is_success());
        for factor in hostile {
            check(
                "hyper",
                factor,
                hyper.verify_push(&verify(factor), |_| {}).await,
            );
        }
    });
    // The org saw every poll (2 control + 6 hostile per client), each on the
    // transaction's path with the org's credentials; the other origin nothing.
    let polls: Vec<_> = org_server
        .requests()
        .into_iter()
        .filter(|r| r.path().contains("/transactions/"))
        .collect();
    assert_eq!(polls.len(), 2 + 2 * hostile.len());
    for poll in &polls {
        assert!(poll.path().ends_with("/transactions/t1"), "{}", poll.path());
        assert_eq!(
            poll.header("authorization"),
            Some(format!("SSWS {API_TOKEN}").as_str())
        );
    }
    assert!(
        elsewhere.requests().is_empty() && elsewhere.connections() == 0,
        "another origin received {:?}",
        elsewhere.requests()
    );
}

// ---------------------------------------------------------------------------
// (c) TLS verification

/// A loopback HTTPS server answering `200 []` to anything; its certificate
/// (for `127.0.0.1` and `localhost`) is signed by a test CA made for it.
fn tls_server() -> TestServer {
    TestServer::start_tls(|_| Reply::json(200, "[]"))
}

/// Exactly `server`'s CA.
fn roots_of(server: &TestServer) -> RootCertificates {
    RootCertificates::from_der([server.ca().der()]).unwrap()
}

#[test]
fn tls_certificates_are_verified_by_both_clients() {
    let server = tls_server();
    let ureq = ureq_client(server.url());
    let err = ureq.list_factors("u1").unwrap_err();
    assert!(err.transport().is_some(), "ureq: {err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "ureq: {err}"
    );
    assert_error_clean(&err, "ureq TLS error");
    runtime().block_on(async {
        let hyper = hyper_client(server.url());
        let err = hyper.list_factors("u1").await.unwrap_err();
        assert_eq!(
            transport_kind(&err),
            Some(TransportErrorKind::Tls),
            "hyper: {err:?}"
        );
        assert_error_clean(&err, "hyper TLS error");
    });
    // Both handshakes were attempted and failed; no request (no token) got through.
    assert!(server.handshakes_failed() >= 2);
    assert_eq!(server.requests().len(), 0);
}

/// The kind of a refused certificate is `Tls`, so callers can tell it from a
/// server speaking bad HTTP.
#[test]
fn a_refused_certificate_is_a_tls_error_in_the_ureq_client() {
    let server = tls_server();
    let err = ureq_client(server.url()).list_factors("u1").unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Tls),
        "ureq: {err:?}"
    );
    assert_eq!(server.requests().len(), 0);
}

/// Each client trusts exactly the roots it is given
/// (`ClientBuilder::root_certificates`, here the CA of the server's
/// certificate, in DER): that server is accepted, over one kept-alive
/// connection; another server, whose certificate another CA signed, is still
/// refused (verification stays on), and so is this server for a client
/// without the root.
#[test]
fn an_explicitly_configured_root_is_accepted_by_the_ureq_client() {
    let server = tls_server();
    let roots = roots_of(&server);
    let client = builder::<UreqClient>(server.url(), api_token())
        .root_certificates(roots.clone())
        .build()
        .unwrap();
    assert!(client.list_factors("u1").unwrap().is_empty());
    assert!(client.list_factors("u1").unwrap().is_empty());
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.handshakes_failed(), 0);
    assert_eq!(server.connections(), 1, "the connection is kept alive");

    let other = tls_server();
    let err = builder::<UreqClient>(other.url(), api_token())
        .root_certificates(roots)
        .build()
        .unwrap()
        .list_factors("u1")
        .unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Tls),
        "ureq: {err:?}"
    );
    assert_error_clean(&err, "ureq TLS error with a configured root");
    assert_eq!(other.requests().len(), 0);

    let err = ureq_client(server.url()).list_factors("u1").unwrap_err();
    assert_eq!(transport_kind(&err), Some(TransportErrorKind::Tls));
    assert_eq!(server.requests().len(), 2);
}

/// The same with the async client.
#[test]
fn an_explicitly_configured_root_is_accepted_by_the_hyper_client() {
    let server = tls_server();
    let other = tls_server();
    let roots = roots_of(&server);
    runtime().block_on(async {
        let client = builder::<HyperClient>(server.url(), api_token())
            .root_certificates(roots.clone())
            .build()
            .unwrap();
        assert!(client.list_factors("u1").await.unwrap().is_empty());
        assert!(client.list_factors("u1").await.unwrap().is_empty());
        assert_eq!(server.requests().len(), 2);
        assert_eq!(server.handshakes_failed(), 0);
        // Kept alive: the second request went over the first connection.
        // Not `connections() == 1`: hyper-util's pool takes a connection back
        // on a task of its own once the response is read, and a request that
        // finds no idle connection yet both waits for one and starts a new
        // one; the first connection wins, the new one completes in the
        // background and stays idle in the pool, unused (a second accepted
        // connection in some runs).
        let on: Vec<_> = server.requests().iter().map(|r| r.connection).collect();
        assert_eq!(on, [0, 0], "the connection is kept alive");

        let err = builder::<HyperClient>(other.url(), api_token())
            .root_certificates(roots)
            .build()
            .unwrap()
            .list_factors("u1")
            .await
            .unwrap_err();
        assert_eq!(
            transport_kind(&err),
            Some(TransportErrorKind::Tls),
            "hyper: {err:?}"
        );
        assert_error_clean(&err, "hyper TLS error with a configured root");

        let err = hyper_client(server.url())
            .list_factors("u1")
            .await
            .unwrap_err();
        assert_eq!(transport_kind(&err), Some(TransportErrorKind::Tls));
    });
    assert_eq!(other.requests().len(), 0);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn plain_http_is_refused_for_non_loopback_orgs() {
    for url in [
        "http://dev-123456.okta.com",
        "http://example.com:8080",
        "http://10.0.0.1",
        "http://192.168.1.10:8080",
        "http://127.0.0.1.nip.io",
        "http://localhost.example.com",
        "http://[::ffff:10.0.0.1]",
        "ftp://dev-123456.okta.com",
        "ws://127.0.0.1:8080",
    ] {
        let err = OrgUrl::parse(url).unwrap_err();
        assert!(matches!(err, InputError::OrgUrl { .. }), "{url}: {err:?}");
    }
    for url in [
        "http://127.0.0.1:8080",
        "http://127.1.2.3",
        "http://localhost:8080",
        "http://[::1]:8080",
        "https://dev-123456.okta.com",
    ] {
        assert!(OrgUrl::parse(url).is_ok(), "{url}");
    }
}

/// `OrgUrl::parse_allowing_insecure_http` is the only way to a plain-http
/// org that is not loopback (here `0.0.0.0`, which Linux routes to this
/// host): it works, and the first client made for such an org in the
/// process logs one warning, however many clients follow.
#[test]
fn an_insecure_http_org_is_only_reached_from_code_and_warned_about_once() {
    let capture = log_capture();
    let server = TestServer::start(|_| Reply::json(200, "[]"));
    let url = format!("http://0.0.0.0:{}", server.port());
    let err = OrgUrl::parse(&url).unwrap_err();
    assert!(
        err.to_string().contains("parse_allowing_insecure_http"),
        "{err}"
    );
    let org = OrgUrl::parse_allowing_insecure_http(&url).unwrap();
    assert!(org.is_insecure_http());
    let warnings = || {
        capture
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("WARN okta_factors INSECURE"))
            .cloned()
            .collect::<Vec<_>>()
    };
    let before = warnings().len();
    let ureq = UreqClient::new(org.clone(), api_token()).unwrap();
    assert!(ureq.list_factors("u1").unwrap().is_empty());
    let _second = UreqClient::new(org.clone(), api_token()).unwrap();
    runtime().block_on(async {
        let hyper = HyperClient::new(org.clone(), api_token()).unwrap();
        assert!(hyper.list_factors("u1").await.unwrap().is_empty());
    });
    assert_eq!(server.requests().len(), 2);
    let warned = warnings();
    assert_eq!(warned.len() - before, 1, "{warned:?}");
    assert!(warned.iter().any(|w| w.contains(&url)), "{warned:?}");
    assert_clean(&format!("{warned:?}"), "the insecure-http warning");
}

/// Through a proxy with basic credentials, and through one that refuses
/// them: the proxy password and the API token appear in no error, `Debug`,
/// tracing output or `log` record at `debug` and above, of either client.
#[test]
fn proxy_credentials_are_absent_from_errors_tracing_and_logs() {
    let tracing = tracing_capture();
    let log = log_capture();
    let server = TestServer::start_tls(okta_like);
    let roots = RootCertificates::from_der([server.ca().der()]).unwrap();
    let accepting = ConnectProxy::start().require_basic("svc-okta", PROXY_PASSWORD);
    let refusing = ConnectProxy::start().require_basic("svc-okta", "another-password");
    let make = |proxy: &ConnectProxy| {
        Proxy::new(proxy.url())
            .unwrap()
            .basic_auth("svc-okta", PROXY_PASSWORD)
    };
    let ureq = |proxy: &ConnectProxy| {
        builder::<UreqClient>(server.url(), api_token())
            .root_certificates(roots.clone())
            .proxy(make(proxy))
            .build()
            .unwrap()
    };
    ureq(&accepting).list_factors("u1").unwrap();
    let err = ureq(&refusing).list_factors("u1").unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Proxy { status: Some(407) })
    );
    assert_error_clean(&err, "ureq proxy refusal");
    runtime().block_on(async {
        let hyper = |proxy: &ConnectProxy| {
            builder::<HyperClient>(server.url(), api_token())
                .root_certificates(roots.clone())
                .proxy(make(proxy))
                .build()
                .unwrap()
        };
        hyper(&accepting).list_factors("u1").await.unwrap();
        let err = hyper(&refusing).list_factors("u1").await.unwrap_err();
        assert_eq!(
            transport_kind(&err),
            Some(TransportErrorKind::Proxy { status: Some(407) })
        );
        assert_error_clean(&err, "hyper proxy refusal");
    });
    assert_eq!(accepting.connects().len(), 2);
    assert_eq!(
        server.requests().len(),
        2,
        "the refused tunnels reached nothing"
    );
    let traced = tracing.lines.lock().unwrap().join("\n");
    assert_clean(&traced, "tracing output with a proxy");
    let logged: Vec<String> = log
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|l| !l.starts_with("TRACE"))
        .cloned()
        .collect();
    assert_clean(&format!("{logged:#?}"), "log records with a proxy");
}

// ---------------------------------------------------------------------------
// (d) Hostile IDs and header values

const HOSTILE_IDS: &[&str] = &[
    "../../admin",
    "..",
    ".",
    "",
    "a/b",
    "/",
    "x?y=1&z=2",
    "?",
    "x#frag",
    "#",
    "x%2Fy",
    "%2e%2e",
    "%",
    "x\r\nX-Injected: 1",
    "\r\n\r\nGET /evil HTTP/1.1\r\nHost: evil",
    "sp ace",
    "\u{fc}/\u{df}",
    "x;y=z",
    "x\u{0}y",
    "\t",
    "x\\y",
    "x@y:z",
];

/// What a call with `ids` must have done: refused (`.`, `..`, empty: nothing
/// sent), or one request whose path has exactly `template`'s segments, each
/// ID decoding back to itself, no query, no extra header.
#[track_caller]
fn check_ids(
    adapter: &str,
    template: &str,
    ids: &[&str],
    result: &Result<(), Error>,
    new: &[RecordedRequest],
) {
    let what = format!("{adapter} {ids:?}");
    if ids.iter().any(|id| matches!(*id, "" | "." | "..")) {
        assert!(
            matches!(result, Err(Error::Input(InputError::Id { .. }))),
            "{what}: {result:?}"
        );
        assert!(new.is_empty(), "{what}: sent {new:?}");
        return;
    }
    assert!(result.is_ok(), "{what}: {result:?}");
    assert_eq!(new.len(), 1, "{what}: {new:?}");
    let req = &new[0];
    assert!(
        !req.target.contains(['?', '#', ' ', '\r', '\n']),
        "{what}: target {:?}",
        req.target
    );
    let got: Vec<&str> = req.target.split('/').collect();
    let want: Vec<&str> = template.split('/').collect();
    assert_eq!(got.len(), want.len(), "{what}: target {:?}", req.target);
    let mut ids = ids.iter();
    for (got, want) in got.iter().zip(&want) {
        if want.starts_with('{') {
            let id = ids.next().unwrap();
            assert_eq!(
                percent_decode(got),
                id.as_bytes(),
                "{what}: segment {got:?}"
            );
        } else {
            assert_eq!(got, want, "{what}: target {:?}", req.target);
        }
    }
    assert_eq!(
        req.header_all("authorization"),
        [format!("SSWS {API_TOKEN}")],
        "{what}"
    );
    assert!(
        req.header("x-injected").is_none() && req.header("host").is_some(),
        "{what}"
    );
    let names: Vec<&str> = req.headers.iter().map(|(n, _)| n.as_str()).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        names.len(),
        "{what}: repeated headers {names:?}"
    );
}

fn echo_factor(_: &RecordedRequest) -> Reply {
    Reply::json(200, SMS_FACTOR)
}

#[test]
fn hostile_ids_cannot_change_the_path_or_query() {
    let server = TestServer::start(|req| {
        if req.path().contains("/transactions/") {
            Reply::json(200, SUCCESS)
        } else if req.path().ends_with("/factors") {
            Reply::json(200, "[]")
        } else {
            echo_factor(req)
        }
    });
    let get = "/api/v1/users/{userId}/factors/{factorId}";
    let tx = "/api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}";
    let list = "/api/v1/users/{userId}/factors";
    let seen = |from: usize| server.requests()[from..].to_vec();

    let ureq = ureq_client(server.url());
    for id in HOSTILE_IDS {
        let before = server.requests().len();
        let result = ureq.get_factor(id, "f1").map(drop);
        check_ids("ureq get", get, &[id, "f1"], &result, &seen(before));
        let before = server.requests().len();
        let result = ureq.get_factor("u1", id).map(drop);
        check_ids("ureq get", get, &["u1", id], &result, &seen(before));
        let before = server.requests().len();
        let result = ureq.get_factor_transaction_status("u1", "f1", id).map(drop);
        check_ids("ureq tx", tx, &["u1", "f1", id], &result, &seen(before));
        let before = server.requests().len();
        let result = ureq.list_factors(id).map(drop);
        check_ids("ureq list", list, &[id], &result, &seen(before));
    }
    runtime().block_on(async {
        let hyper = hyper_client(server.url());
        for id in HOSTILE_IDS {
            let before = server.requests().len();
            let result = hyper.get_factor(id, "f1").await.map(drop);
            check_ids("hyper get", get, &[id, "f1"], &result, &seen(before));
            let before = server.requests().len();
            let result = hyper.get_factor("u1", id).await.map(drop);
            check_ids("hyper get", get, &["u1", id], &result, &seen(before));
            let before = server.requests().len();
            let result = hyper
                .get_factor_transaction_status("u1", "f1", id)
                .await
                .map(drop);
            check_ids("hyper tx", tx, &["u1", "f1", id], &result, &seen(before));
            let before = server.requests().len();
            let result = hyper.list_factors(id).await.map(drop);
            check_ids("hyper list", list, &[id], &result, &seen(before));
        }
    });
}

/// Header values with CR, LF, NUL or non-ASCII are refused before anything
/// is sent; odd but valid values arrive verbatim as one header each; query
/// values cannot add parameters.
#[test]
fn hostile_header_and_query_values_cannot_add_headers_or_parameters() {
    let server = TestServer::start(|_| Reply::json(200, SUCCESS));
    let refused: Vec<VerifyFactor> = vec![
        VerifyFactor::new("u1", "f1").forwarded_for("1.2.3.4\r\nX-Injected: 1"),
        VerifyFactor::new("u1", "f1").forwarded_for("1.2.3.4\nAuthorization: SSWS evil"),
        VerifyFactor::new("u1", "f1").user_agent("UA\rX-Injected: 1"),
        VerifyFactor::new("u1", "f1").user_agent("UA\r\n\r\nGET /evil HTTP/1.1"),
        VerifyFactor::new("u1", "f1").accept_language("fr\u{0}"),
        VerifyFactor::new("u1", "f1").accept_language("fr\u{e9}"),
        VerifyFactor::new("u1", "f1").user_agent("UA\u{7f}"),
    ];
    const FORWARDED: &str = "1.2.3.4, 10.0.0.1";
    const AGENT: &str = "Mozilla/5.0 (X11; Linux) Authorization: SSWS evil; X-Injected: 1";
    const LANGUAGE: &str = "fr;q=0.9, en";
    const TEMPLATE: &str = "t1&tokenLifetimeSeconds=1&x=y#frag?z=%41+b";
    let odd = VerifyFactor::new("u1", "f1")
        .forwarded_for(FORWARDED)
        .user_agent(AGENT)
        .accept_language(LANGUAGE)
        .template_id(TEMPLATE)
        .body(VerifyFactorRequest::pass_code(PASS));

    let check_odd = |adapter: &str, req: &RecordedRequest| {
        let what = format!("{adapter}: {req:?}");
        assert_eq!(req.header_all("x-forwarded-for"), [FORWARDED], "{what}");
        assert_eq!(req.header_all("user-agent"), [AGENT], "{what}");
        assert_eq!(req.header_all("accept-language"), [LANGUAGE], "{what}");
        assert_eq!(
            req.header_all("authorization"),
            [format!("SSWS {API_TOKEN}")],
            "{what}"
        );
        assert!(req.header("x-injected").is_none(), "{what}");
        assert_eq!(req.path(), "/api/v1/users/u1/factors/f1/verify", "{what}");
        let query = query_pairs(req.query().unwrap_or_default());
        assert_eq!(
            query,
            [("templateId".to_owned(), TEMPLATE.to_owned())],
            "{what}"
        );
    };

    let ureq = ureq_client(server.url());
    for op in &refused {
        let err = ureq.execute(op).unwrap_err();
        assert!(
            matches!(err, Error::Input(InputError::Header { .. })),
            "ureq {op:?}: {err:?}"
        );
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    ureq.execute(&odd).unwrap();
    check_odd("ureq", &server.requests()[0]);

    runtime().block_on(async {
        let hyper = hyper_client(server.url());
        for op in &refused {
            let err = hyper.execute(op).await.unwrap_err();
            assert!(
                matches!(err, Error::Input(InputError::Header { .. })),
                "hyper {op:?}: {err:?}"
            );
        }
        assert_eq!(server.requests().len(), 1);
        hyper.execute(&odd).await.unwrap();
        check_odd("hyper", &server.requests()[1]);
    });

    // The client's own User-Agent text is checked too.
    for extra in ["app/1\r\nX-Injected: 1", "app/1\n", "app\u{0}"] {
        let err = UreqClient::builder(org(server.url()), api_token())
            .user_agent_extra(extra)
            .unwrap_err();
        assert!(
            matches!(err, Error::Input(InputError::Header { .. })),
            "{err:?}"
        );
        let err = HyperClient::builder(org(server.url()), api_token())
            .user_agent_extra(extra)
            .unwrap_err();
        assert!(
            matches!(err, Error::Input(InputError::Header { .. })),
            "{err:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// (e) Bounded size and time

/// A raw loopback server: reads each request head, then runs `behave` on the
/// connection (which may write forever: it stops when the client hangs up,
/// at the server's stop, or after `LIFETIME`). Counts the bytes it wrote.
struct RawServer {
    port: u16,
    written: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

const LIFETIME: Duration = Duration::from_secs(20);

type Behaviour = fn(&mut TcpStream, &AtomicBool, &AtomicU64) -> std::io::Result<()>;

impl RawServer {
    fn start(behave: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let written = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let workers = Arc::new(Mutex::new(Vec::new()));
        let accept = {
            let (written, stop, workers) = (written.clone(), stop.clone(), workers.clone());
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let (written, stop) = (written.clone(), stop.clone());
                    let worker = thread::spawn(move || {
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                        let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
                        let mut reader = BufReader::new(stream.try_clone().unwrap());
                        loop {
                            let mut line = String::new();
                            match reader.read_line(&mut line) {
                                Ok(0) | Err(_) => return,
                                Ok(_) if line == "\r\n" => break,
                                Ok(_) => {}
                            }
                        }
                        let _ = behave(&mut stream, &stop, &written);
                        let _ = stream.shutdown(Shutdown::Both);
                    });
                    workers.lock().unwrap().push(worker);
                }
            })
        };
        Self {
            port,
            written,
            stop,
            accept: Some(accept),
            workers,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops and waits for every connection thread; the bytes written.
    fn finish(mut self) -> u64 {
        self.shutdown();
        self.written.load(Ordering::SeqCst)
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        for worker in self.workers.lock().unwrap().drain(..) {
            let _ = worker.join();
        }
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Writes `chunk` until the peer hangs up (or the server stops).
fn write_forever(
    stream: &mut TcpStream,
    stop: &AtomicBool,
    written: &AtomicU64,
    chunk: &[u8],
    pause: Duration,
) -> std::io::Result<()> {
    let started = Instant::now();
    while !stop.load(Ordering::SeqCst) && started.elapsed() < LIFETIME {
        stream.write_all(chunk)?;
        written.fetch_add(chunk.len() as u64, Ordering::SeqCst);
        if !pause.is_zero() {
            thread::sleep(pause);
        }
    }
    Ok(())
}

fn endless_sized_body(s: &mut TcpStream, stop: &AtomicBool, n: &AtomicU64) -> std::io::Result<()> {
    s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000000000\r\n\r\n[")?;
    write_forever(s, stop, n, &[b' '; 8192], Duration::ZERO)
}

fn endless_chunked_body(
    s: &mut TcpStream,
    stop: &AtomicBool,
    n: &AtomicU64,
) -> std::io::Result<()> {
    s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n1\r\n[\r\n")?;
    let mut chunk = b"2000\r\n".to_vec();
    chunk.extend_from_slice(&[b' '; 0x2000]);
    chunk.extend_from_slice(b"\r\n");
    write_forever(s, stop, n, &chunk, Duration::ZERO)
}

fn endless_unframed_body(
    s: &mut TcpStream,
    stop: &AtomicBool,
    n: &AtomicU64,
) -> std::io::Result<()> {
    s.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n[",
    )?;
    write_forever(s, stop, n, &[b' '; 8192], Duration::ZERO)
}

fn endless_headers(s: &mut TcpStream, stop: &AtomicBool, n: &AtomicU64) -> std::io::Result<()> {
    s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")?;
    write_forever(
        s,
        stop,
        n,
        b"x-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        Duration::ZERO,
    )
}

fn stall(_: &mut TcpStream, stop: &AtomicBool, _: &AtomicU64) -> std::io::Result<()> {
    let started = Instant::now();
    while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(5) {
        thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn trickle_body(s: &mut TcpStream, stop: &AtomicBool, n: &AtomicU64) -> std::io::Result<()> {
    s.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n[",
    )?;
    write_forever(s, stop, n, b" ", Duration::from_millis(20))
}

fn trickle_head(s: &mut TcpStream, stop: &AtomicBool, n: &AtomicU64) -> std::io::Result<()> {
    s.write_all(b"HTTP/1.1 200 OK\r\n")?;
    write_forever(s, stop, n, b"x", Duration::from_millis(20))
}

const LIMIT: usize = 64 * 1024;

/// Runs `list_factors` against `behave` with both clients; returns, for each,
/// the error and how long the call took.
fn both_against(
    behave: Behaviour,
    timeout: Duration,
) -> (Vec<(&'static str, Error, Duration)>, u64) {
    let server = RawServer::start(behave);
    let mut results = Vec::new();
    let ureq = builder::<UreqClient>(&server.url(), api_token())
        .request_timeout(timeout)
        .max_response_bytes(LIMIT)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = ureq.list_factors("u1").unwrap_err();
    results.push(("ureq", err, started.elapsed()));
    drop(ureq);
    runtime().block_on(async {
        let hyper = builder::<HyperClient>(&server.url(), api_token())
            .request_timeout(timeout)
            .max_response_bytes(LIMIT)
            .build()
            .unwrap();
        let started = Instant::now();
        let err = hyper.list_factors("u1").await.unwrap_err();
        results.push(("hyper", err, started.elapsed()));
    });
    (results, server.finish())
}

#[test]
fn response_bodies_are_cut_at_the_size_limit() {
    for (name, behave) in [
        ("content-length: 10^12", endless_sized_body as Behaviour),
        ("endless chunks", endless_chunked_body),
        ("no framing, until close", endless_unframed_body),
    ] {
        // A long time limit: the size limit must be what ends the call.
        let (results, written) = both_against(behave, Duration::from_secs(10));
        for (adapter, err, elapsed) in results {
            assert_eq!(
                transport_kind(&err),
                Some(TransportErrorKind::BodyTooLarge { limit: LIMIT }),
                "{adapter} {name}: {err:?}"
            );
            assert!(
                elapsed < Duration::from_secs(3),
                "{adapter} {name}: {elapsed:?}"
            );
        }
        // The clients hung up: the server could not push more than the limit
        // plus what the sockets buffer.
        assert!(
            written < 32 * 1024 * 1024,
            "{name}: {written} bytes written"
        );
    }
    // Endless header lines: a typed error, not a hang or unbounded buffering.
    let (results, written) = both_against(endless_headers, Duration::from_secs(10));
    for (adapter, err, elapsed) in results {
        assert!(
            matches!(
                transport_kind(&err),
                Some(
                    TransportErrorKind::Protocol
                        | TransportErrorKind::Io
                        | TransportErrorKind::Other
                )
            ),
            "{adapter} endless headers: {err:?}"
        );
        assert!(
            elapsed < Duration::from_secs(3),
            "{adapter} endless headers: {elapsed:?}"
        );
    }
    assert!(
        written < 32 * 1024 * 1024,
        "endless headers: {written} bytes written"
    );
}

#[test]
fn stalled_and_trickling_servers_time_out_within_the_limit() {
    let timeout = Duration::from_millis(400);
    let slack = Duration::from_millis(600);
    for (name, behave) in [
        ("stall", stall as Behaviour),
        ("trickling body", trickle_body),
        ("trickling head", trickle_head),
    ] {
        let (results, _) = both_against(behave, timeout);
        for (adapter, err, elapsed) in results {
            assert_eq!(
                transport_kind(&err),
                Some(TransportErrorKind::Timeout(TimeoutLimit::Request)),
                "{adapter} {name}: {err:?}"
            );
            assert!(
                elapsed >= timeout && elapsed <= timeout + slack,
                "{adapter} {name}: {elapsed:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// (f) No unsafe code

/// The lint the compiler enforces: the workspace forbids `unsafe_code`, and
/// every member (and the root package) inherits the workspace lints.
#[test]
fn unsafe_code_is_forbidden_by_the_workspace_lints_in_every_member() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let section = |text: &str, name: &str| -> String {
        let start = text
            .find(&format!("\n[{name}]\n"))
            .unwrap_or_else(|| panic!("no [{name}]"));
        let body = &text[start + name.len() + 4..];
        body[..body.find("\n[").unwrap_or(body.len())].to_owned()
    };
    let rust_lints = section(&manifest, "workspace.lints.rust");
    assert!(
        rust_lints
            .lines()
            .any(|l| l.replace(' ', "") == "unsafe_code=\"forbid\""),
        "{rust_lints}"
    );
    let members = section(&manifest, "workspace");
    let members: Vec<&str> = members[members.find("members = [").unwrap()..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with(']'))
        .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
        .collect();
    assert!(members.len() >= 6, "{members:?}");
    assert!(section(&manifest, "lints").contains("workspace = true"));
    for member in members {
        let text = std::fs::read_to_string(root.join(member).join("Cargo.toml")).unwrap();
        assert!(
            section(&text, "lints").contains("workspace = true"),
            "{member} does not inherit the workspace lints"
        );
    }
}

/// The attribute itself, in every crate root (`lib.rs`, `main.rs`, `src/bin`).
#[test]
fn unsafe_code_is_forbidden_in_every_crate_root() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots = vec![root.join("examples/support/mod.rs")];
    let mut crates = 0;
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        crates += 1;
        for name in ["lib.rs", "main.rs"] {
            if src.join(name).is_file() {
                roots.push(src.join(name));
            }
        }
        if let Ok(bins) = std::fs::read_dir(src.join("bin")) {
            for bin in bins {
                let bin = bin.unwrap().path();
                if bin.extension().is_some_and(|e| e == "rs") {
                    roots.push(bin);
                } else if bin.join("main.rs").is_file() {
                    roots.push(bin.join("main.rs"));
                }
            }
        }
    }
    assert!(crates >= 6, "found {crates} crates under crates/");
    let missing: Vec<String> = roots
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            !text
                .lines()
                .any(|line| line.trim() == "#![forbid(unsafe_code)]")
        })
        .map(|path| path.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "#![forbid(unsafe_code)] is missing from {missing:?} (checked {} crate roots)",
        roots.len()
    );
}

/// A service app's client assertion, DPoP proofs and access token appear in
/// no tracing output of either client (feature `oauth`; what they sent is
/// read back from the server to know what to look for).
#[test]
fn service_app_secrets_are_absent_from_tracing_output() {
    use okta_factors::oauth::{Dpop, PrivateKey, ServiceApp};
    const OAUTH_TOKEN: &str = "eyJTM0NSM1QtT0FVVEgtVE9LRU4.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl";
    let capture = tracing_capture();
    let server = TestServer::start(|req: &RecordedRequest| {
        if req.path() == "/oauth2/v1/token" {
            Reply::json(
                200,
                format!(
                    r#"{{"token_type":"DPoP","expires_in":3600,"access_token":"{OAUTH_TOKEN}","scope":"okta.users.read"}}"#
                ),
            )
        } else {
            Reply::json(200, "[]")
        }
    });
    let org = || OrgUrl::parse(server.url()).unwrap();
    let credentials = || {
        let app = ServiceApp::new("0oa1tracing", PrivateKey::generate_es256().unwrap());
        Credentials::service_app(app.dpop(Dpop::On)).unwrap()
    };
    let ureq = UreqClient::new(org(), credentials()).unwrap();
    assert!(ureq.list_factors("00u1").unwrap().is_empty());
    let rt = runtime();
    rt.block_on(async {
        let hyper = HyperClient::new(org(), credentials()).unwrap();
        assert!(hyper.list_factors("00u1").await.unwrap().is_empty());
    });

    let requests = server.requests();
    let mut secrets = vec![OAUTH_TOKEN.to_owned()];
    for request in &requests {
        if request.path() == "/oauth2/v1/token" {
            let body = String::from_utf8_lossy(&request.body).into_owned();
            let assertion = body.split("client_assertion=").nth(1).unwrap();
            secrets.push(assertion.split('&').next().unwrap().to_owned());
        } else {
            assert_eq!(
                request.header("authorization"),
                Some(format!("DPoP {OAUTH_TOKEN}").as_str())
            );
        }
        secrets.push(request.header("dpop").unwrap().to_owned());
    }
    assert_eq!(requests.len(), 4, "a token and a call per client");
    let all = capture.lines.lock().unwrap().join("\n");
    assert!(all.contains("operation=list_factors"), "{all}");
    for secret in &secrets {
        // Any 24 characters of it (a JWT's parts could be printed apart).
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(24).step_by(12) {
            let part: String = window.iter().collect();
            assert!(
                !all.contains(&part),
                "tracing output shows {part:?}:\n{all}"
            );
        }
    }
}
