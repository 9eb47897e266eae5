//! The ten operations over a real loopback connection: what the server received
//! (method, exact target, headers, exact body) and what the client returned.
// The tests use the tokio constructors; helpers outside #[test] functions may panic.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{assert_common_headers, client, empty, SMS_FACTOR};
use okta_factors_core::model::{
    ActivateOutcome, FactorEnrollment, FactorType, UserFactor, VerifyOutcome,
};
use okta_factors_core::operations::{
    ActivateFactorRequest, EnrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::{Credentials, Operation, OrgUrl};
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};
use serde_json::json;

fn route(req: &RecordedRequest) -> Reply {
    let path = req.path();
    match (req.method.as_str(), path) {
        ("GET", p) if p.ends_with("/factors/catalog") => Reply::json(
            200,
            r#"[{"factorType":"sms","provider":"OKTA","enrollment":"OPTIONAL"}]"#,
        ),
        ("GET", p) if p.ends_with("/factors/questions") => Reply::json(
            200,
            r#"[{"question":"disliked_food","questionText":"What is the food you least liked as a child?"}]"#,
        ),
        ("GET", p) if p.ends_with("/factors") => Reply::json(200, format!("[{SMS_FACTOR}]")),
        ("POST", p) if p.ends_with("/factors") => Reply::json(200, SMS_FACTOR),
        ("GET", p) if p.contains("/transactions/") => {
            Reply::json(200, r#"{"factorResult":"REJECTED"}"#)
        }
        ("GET", _) => Reply::json(200, SMS_FACTOR),
        ("DELETE", _) => empty(204),
        ("POST", p) if p.ends_with("/lifecycle/activate") || p.ends_with("/activate/poll") => {
            Reply::json(200, SMS_FACTOR)
        }
        ("POST", p) if p.ends_with("/resend") => Reply::json(200, SMS_FACTOR),
        ("POST", p) if p.ends_with("/verify") => {
            if req.body.is_empty() {
                Reply::json(200, r#"{"factorResult":"CHALLENGE"}"#)
            } else {
                Reply::json(200, r#"{"factorResult":"SUCCESS"}"#)
            }
        }
        _ => Reply::json(
            404,
            r#"{"errorCode":"E0000007","errorSummary":"Not found"}"#,
        ),
    }
}

/// Method, target, common headers, and content-type/body exactly as expected.
fn check(req: &RecordedRequest, method: &str, target: &str, body: Option<serde_json::Value>) {
    assert_eq!(req.method, method, "{req:?}");
    assert_eq!(req.target, target, "{req:?}");
    assert_common_headers(req);
    match body {
        Some(expected) => {
            assert_eq!(
                req.header_all("content-type"),
                vec!["application/json"],
                "{req:?}"
            );
            let sent: serde_json::Value = serde_json::from_slice(&req.body).expect("JSON body");
            assert_eq!(sent, expected, "{req:?}");
        }
        None => {
            assert!(req.header("content-type").is_none(), "{req:?}");
            assert!(req.body.is_empty(), "{req:?}");
        }
    }
    assert!(req.header("x-okta-retry-count").is_none());
}

fn is_sms(factor: &UserFactor) -> bool {
    factor.factor_type() == FactorType::Sms && factor.id() == Some("sms1")
}

#[tokio::test(flavor = "multi_thread")]
async fn all_ten_operations() {
    let server = TestServer::start(route);
    let client = client(&server);
    let u = "00u15s1KDETTQMQYABRL";
    let base = format!("/api/v1/users/{u}/factors");

    let factors = client.list_factors(u).await.expect("list_factors");
    assert!(factors.len() == 1 && is_sms(&factors[0]));

    let enrolled = client
        .enroll_factor(u, FactorEnrollment::sms("+15554151337"))
        .await
        .expect("enroll_factor");
    assert!(is_sms(&enrolled));

    let factor = client.get_factor(u, "sms1").await.expect("get_factor");
    assert!(is_sms(&factor));

    client.unenroll_factor(u, "sms1").await.expect("unenroll");

    let activated = client
        .activate_factor(u, "sms1", Some(ActivateFactorRequest::pass_code("123456")))
        .await
        .expect("activate_factor");
    assert!(matches!(activated, ActivateOutcome::Activated(f) if is_sms(&f)));

    let resent = client
        .resend_enroll_factor(u, "sms1", FactorEnrollment::sms("+15554151337"))
        .await
        .expect("resend");
    assert!(is_sms(&resent));

    let verified = client
        .verify_factor(u, "sms1", Some(VerifyFactorRequest::pass_code("654321")))
        .await
        .expect("verify with body");
    assert!(verified.is_success());

    let challenged = client
        .verify_factor(u, "sms1", None)
        .await
        .expect("verify without body");
    assert!(matches!(challenged, VerifyOutcome::Challenge(_)));

    let status = client
        .get_factor_transaction_status(u, "opf1", "v2mst.GldKV5Vx")
        .await
        .expect("transaction status");
    assert!(matches!(status, VerifyOutcome::Rejected(_)));

    let catalog = client.list_supported_factors(u).await.expect("catalog");
    assert_eq!(catalog.len(), 1);
    assert_eq!(
        catalog[0].as_ref().unwrap().factor_type,
        Some(FactorType::Sms)
    );

    let questions = client
        .list_supported_security_questions(u)
        .await
        .expect("questions");
    assert_eq!(questions.len(), 1);
    assert_eq!(
        questions[0].as_ref().unwrap().question.as_deref(),
        Some("disliked_food")
    );

    let sms = json!({"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15554151337"}});
    let reqs = server.requests();
    assert_eq!(reqs.len(), 11);
    check(&reqs[0], "GET", &base, None);
    check(&reqs[1], "POST", &base, Some(sms.clone()));
    check(&reqs[2], "GET", &format!("{base}/sms1"), None);
    check(&reqs[3], "DELETE", &format!("{base}/sms1"), None);
    check(
        &reqs[4],
        "POST",
        &format!("{base}/sms1/lifecycle/activate"),
        Some(json!({"passCode": "123456"})),
    );
    check(&reqs[5], "POST", &format!("{base}/sms1/resend"), Some(sms));
    check(
        &reqs[6],
        "POST",
        &format!("{base}/sms1/verify"),
        Some(json!({"passCode": "654321"})),
    );
    check(&reqs[7], "POST", &format!("{base}/sms1/verify"), None);
    check(
        &reqs[8],
        "GET",
        &format!("{base}/opf1/transactions/v2mst.GldKV5Vx"),
        None,
    );
    check(&reqs[9], "GET", &format!("{base}/catalog"), None);
    check(&reqs[10], "GET", &format!("{base}/questions"), None);
}

/// `execute` sends exactly the request the core builds: the encoded path, the
/// query, the body bytes.
#[tokio::test(flavor = "multi_thread")]
async fn execute_sends_the_core_request_byte_for_byte() {
    let server = TestServer::start(route);
    let client = client(&server);
    let op = EnrollFactor::new("00u 1/ü", FactorEnrollment::sms("+15554151337"))
        .update_phone(true)
        .token_lifetime_seconds(300);
    let response = client.execute(&op).await.expect("enroll");
    assert_eq!(response.status, 200);
    assert!(is_sms(&response.value));

    let built = op
        .build_request(
            &OrgUrl::parse(server.url()).unwrap(),
            &Credentials::api_token(common::TOKEN).unwrap(),
        )
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].target,
        "/api/v1/users/00u%201%2F%C3%BC/factors?updatePhone=true&tokenLifetimeSeconds=300"
    );
    assert_eq!(
        Some(reqs[0].target.as_str()),
        built.uri().path_and_query().map(|p| p.as_str())
    );
    assert_eq!(&reqs[0].body, built.body());
    assert_common_headers(&reqs[0]);

    // A verify with the end user's agent: the crate's identity moves to its own header.
    let verify = VerifyFactor::new("00u1", "sms1")
        .body(VerifyFactorRequest::pass_code("1"))
        .user_agent("Mozilla/5.0 (Macintosh)");
    client.execute(&verify).await.expect("verify");
    let req = &server.requests()[1];
    assert_eq!(
        req.header_all("user-agent"),
        vec!["Mozilla/5.0 (Macintosh)"]
    );
    assert!(req
        .header("x-okta-user-agent-extended")
        .is_some_and(|v| v.starts_with("okta-factors-rust/")));
}

/// The user agent carries `user_agent_extra`; API errors come back typed.
#[tokio::test(flavor = "multi_thread")]
async fn user_agent_extra_and_api_errors() {
    let server = TestServer::start(|_| {
        Reply::json(
            403,
            r#"{"errorCode":"E0000068","errorSummary":"Invalid Passcode/Answer","errorCauses":[]}"#,
        )
        .header("x-okta-request-id", "req-403")
    });
    let client = common::builder(server.url())
        .user_agent_extra("my-app/1.2")
        .unwrap()
        .build()
        .unwrap();
    let err = client
        .verify_factor(
            "00u1",
            "sms1",
            Some(VerifyFactorRequest::pass_code("000000")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), Some("E0000068"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(
        err.meta().and_then(|m| m.request_id.as_deref()),
        Some("req-403")
    );
    let ua = server.requests()[0]
        .header("user-agent")
        .unwrap()
        .to_owned();
    assert!(
        ua.starts_with("okta-factors-rust/") && ua.ends_with(" my-app/1.2"),
        "{ua}"
    );
    assert!(common::builder(server.url())
        .user_agent_extra("bad\r\nheader")
        .is_err());
}

/// The client and every future it returns are `Send` (usable with
/// `tokio::spawn`); the client is `Sync` and `Clone`.
#[test]
fn futures_are_send() {
    fn send<T: Send>(_: &T) {}
    fn client_traits<T: Send + Sync + Clone + 'static>() {}
    client_traits::<okta_factors_hyper::Client>();

    let client = okta_factors_hyper::Client::new(
        OrgUrl::parse("http://127.0.0.1:9").unwrap(),
        Credentials::api_token("t").unwrap(),
    )
    .unwrap();
    let body = || FactorEnrollment::sms("+1");
    send(&client.list_factors("u"));
    send(&client.enroll_factor("u", body()));
    send(&client.get_factor("u", "f"));
    send(&client.unenroll_factor("u", "f"));
    send(&client.activate_factor("u", "f", None));
    send(&client.resend_enroll_factor("u", "f", body()));
    send(&client.verify_factor("u", "f", None));
    send(&client.get_factor_transaction_status("u", "f", "t"));
    send(&client.list_supported_factors("u"));
    send(&client.list_supported_security_questions("u"));
    let verify = VerifyFactor::new("u", "f");
    send(&client.execute(&verify));
    send(&client.verify_push(&verify, |_| {}));
    send(&client.wait_for_push_activation("u", "f"));
}

/// The runtime-agnostic constructor: any connector, executor and [`Sleep`]; the
/// client sleeps (retry waits, call timers) only through the given `Sleep`.
#[tokio::test(flavor = "multi_thread")]
async fn bring_your_own_connector_executor_and_timer() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;
    use okta_factors_core::policy::RetryPolicy;
    use okta_factors_core::ClientConfig;
    use okta_factors_hyper::{Client, Sleep, SleepFuture, TokioSleep};

    #[derive(Clone, Default)]
    struct CountingSleep(Arc<AtomicUsize>);
    impl Sleep for CountingSleep {
        fn sleep(&self, duration: Duration) -> SleepFuture {
            self.0.fetch_add(1, Ordering::SeqCst);
            TokioSleep.sleep(duration)
        }
    }

    let count = Arc::new(AtomicUsize::new(0));
    let calls = count.clone();
    let server = TestServer::start(move |_| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(429, "{}")
        } else {
            Reply::json(200, "[]")
        }
    });
    let config = ClientConfig::new(
        OrgUrl::parse(server.url()).unwrap(),
        Credentials::api_token(common::TOKEN).unwrap(),
    )
    .retry(RetryPolicy::default().fallback_delay(Duration::from_millis(10)));
    let sleeper = CountingSleep::default();
    let client: Client<HttpConnector> = Client::with_connector(
        HttpConnector::new(),
        TokioExecutor::new(),
        sleeper.clone(),
        config,
    );
    assert!(client.list_factors("00u1").await.unwrap().is_empty());
    assert_eq!(server.requests().len(), 2);
    // One call timer and one retry wait.
    assert_eq!(sleeper.0.load(Ordering::SeqCst), 2);
    assert_eq!(client.config().request_timeout, Duration::from_secs(60));
}

/// A body-less `POST` carries exactly one `Content-Length: 0` on the wire (some
/// proxies answer `411 Length Required` without it), as in every transport; a
/// `GET` carries no framing header at all.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_less_post_is_framed_with_content_length_zero() {
    let server = TestServer::start(route);
    let client = client(&server);
    let u = "00u15s1KDETTQMQYABRL";
    client.activate_factor(u, "sms1", None).await.unwrap();
    client.verify_factor(u, "sms1", None).await.unwrap();
    client.wait_for_push_activation(u, "sms1").await.unwrap();
    client.list_factors(u).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for req in &requests[..3] {
        assert_eq!(req.method, "POST");
        assert_eq!(req.header_all("content-length"), vec!["0"], "{req:?}");
        assert!(req.header("transfer-encoding").is_none(), "{req:?}");
        assert!(req.body.is_empty());
    }
    assert_eq!(
        requests[2].target,
        format!("/api/v1/users/{u}/factors/sms1/lifecycle/activate/poll")
    );
    assert!(requests[3].header("content-length").is_none());
}
