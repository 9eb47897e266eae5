//! The ten operations over a real loopback connection: what the server
//! received (method, exact target, headers, exact body, framing) and what the
//! client returned; `execute` with every option; typed API errors; no
//! redirect followed.

use okta_factors::model::{
    ActivateOutcome, FactorEnrollment, FactorType, UserFactor, VerifyOutcome,
};
use okta_factors::operations::{
    ActivateFactorRequest, EnrollFactor, UnenrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors::{Credentials, Error, Operation, OrgUrl};
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};
use serde_json::json;

use crate::common::{assert_common_headers, empty, SMS_FACTOR};
use crate::harness::{builder, TOKEN};

const USER: &str = "00u15s1KDETTQMQYABRL";

const ACTIVE_TOTP: &str = r#"{"id":"ostf1","factorType":"token:software:totp",
  "provider":"OKTA","status":"ACTIVE","profile":{"credentialId":"dade.murphy@example.com"}}"#;

const SMS_BODY: &str =
    r#"{"factorType":"sms","provider":"OKTA","profile":{"phoneNumber":"+15554151337"}}"#;

/// Answers each of the ten operations on `sms1` (the activation of `ostf1`
/// answers a TOTP factor), anything else `404`; every answer has request ID
/// `req-ok`.
fn route(req: &RecordedRequest) -> Reply {
    let path = req.path();
    match (req.method.as_str(), path) {
        ("GET", p) if p.ends_with("/factors/catalog") => Reply::json(
            200,
            r#"[{"factorType":"sms","provider":"OKTA","vendorName":"OKTA",
              "status":"NOT_SETUP","enrollment":"OPTIONAL"}]"#,
        ),
        ("GET", p) if p.ends_with("/factors/questions") => Reply::json(
            200,
            r#"[{"question":"disliked_food","questionText":"What is the food you least liked as a child?"}]"#,
        ),
        ("GET", p) if p.ends_with("/a%20b%2Fc/factors") => Reply::json(200, "[]"),
        ("GET", p) if p.ends_with("/factors") => Reply::json(200, format!("[{SMS_FACTOR}]")),
        ("POST", p) if p.ends_with("/factors") => Reply::json(200, SMS_FACTOR),
        ("GET", p) if p.contains("/transactions/") => {
            Reply::json(200, r#"{"factorResult":"REJECTED"}"#)
        }
        ("GET", p) if p.ends_with("/factors/sms1") => Reply::json(200, SMS_FACTOR),
        ("DELETE", p) if p.ends_with("/factors/sms1") => empty(204),
        ("POST", p) if p.ends_with("/ostf1/lifecycle/activate") => Reply::json(200, ACTIVE_TOTP),
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
            r#"{"errorCode":"E0000007","errorSummary":"Not found","errorCauses":[]}"#,
        ),
    }
    .header("x-okta-request-id", "req-ok")
}

/// Method, exact target, the common headers, no retry header, no chunking,
/// and a content type and body exactly when there is a body (the exact bytes,
/// and the JSON they hold).
fn check(
    req: &RecordedRequest,
    method: &str,
    target: &str,
    body: Option<(&str, serde_json::Value)>,
) {
    assert_eq!(req.method, method, "{req:?}");
    assert_eq!(req.target, target, "{req:?}");
    assert_common_headers(req);
    assert!(req.header("x-okta-retry-count").is_none(), "{req:?}");
    assert!(req.header("x-okta-retry-for").is_none(), "{req:?}");
    assert!(req.header("transfer-encoding").is_none(), "{req:?}");
    match body {
        Some((bytes, json)) => {
            assert_eq!(
                req.header_all("content-type"),
                ["application/json"],
                "{req:?}"
            );
            assert_eq!(String::from_utf8_lossy(&req.body), bytes, "{req:?}");
            let sent: serde_json::Value = serde_json::from_slice(&req.body).expect("JSON body");
            assert_eq!(sent, json, "{req:?}");
            assert_eq!(
                req.header_all("content-length"),
                [req.body.len().to_string()],
                "{req:?}"
            );
        }
        None => {
            assert!(req.header("content-type").is_none(), "{req:?}");
            assert!(req.body.is_empty(), "{req:?}");
            assert!(
                matches!(req.header("content-length"), None | Some("0")),
                "{req:?}"
            );
        }
    }
}

fn is_sms(factor: &UserFactor) -> bool {
    factor.factor_type() == FactorType::Sms
        && factor.id() == Some("sms1")
        && matches!(factor, UserFactor::Sms(_))
}

behaviour_test!(
    fn all_ten_operations(transport) {
        let server = TestServer::start(route);
        let client = transport.client(server.url());
        let u = USER;
        let base = format!("/api/v1/users/{u}/factors");

        let factors = client.list_factors(u).unwrap();
        assert!(factors.len() == 1 && is_sms(&factors[0]), "{factors:?}");

        let enrolled = client
            .enroll_factor(u, FactorEnrollment::sms("+15554151337"))
            .unwrap();
        assert!(is_sms(&enrolled));

        assert!(is_sms(&client.get_factor(u, "sms1").unwrap()));

        client.unenroll_factor(u, "sms1").unwrap();

        let activated = client
            .activate_factor(u, "ostf1", Some(ActivateFactorRequest::pass_code("123456")))
            .unwrap();
        assert!(
            matches!(
                &activated,
                ActivateOutcome::Activated(f) if matches!(**f, UserFactor::TokenSoftwareTotp(_))
            ),
            "{activated:?}"
        );

        let resent = client
            .resend_enroll_factor(u, "sms1", FactorEnrollment::sms("+15554151337"))
            .unwrap();
        assert!(is_sms(&resent));

        let verified = client
            .verify_factor(u, "sms1", Some(VerifyFactorRequest::pass_code("654321")))
            .unwrap();
        assert!(matches!(verified, VerifyOutcome::Success(_)), "{verified:?}");

        let challenged = client.verify_factor(u, "sms1", None).unwrap();
        assert!(matches!(challenged, VerifyOutcome::Challenge(_)), "{challenged:?}");

        let status = client
            .get_factor_transaction_status(u, "opf1", "v2mst.GldKV5Vx")
            .unwrap();
        assert!(matches!(status, VerifyOutcome::Rejected(_)), "{status:?}");

        let catalog = client.list_supported_factors(u).unwrap();
        assert_eq!(catalog.len(), 1);
        let entry = catalog[0].as_ref().unwrap();
        assert_eq!(entry.vendor_name.as_deref(), Some("OKTA"));
        assert_eq!(entry.factor_type, Some(FactorType::Sms));

        let questions = client.list_supported_security_questions(u).unwrap();
        assert_eq!(questions.len(), 1);
        assert_eq!(
            questions[0].as_ref().unwrap().question.as_deref(),
            Some("disliked_food")
        );

        // A body-less activation.
        client.activate_factor(u, "sms1", None).unwrap();

        let sms = || {
            (
                SMS_BODY,
                json!({"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15554151337"}}),
            )
        };
        let reqs = server.requests();
        assert_eq!(reqs.len(), 12);
        check(&reqs[0], "GET", &base, None);
        check(&reqs[1], "POST", &base, Some(sms()));
        check(&reqs[2], "GET", &format!("{base}/sms1"), None);
        check(&reqs[3], "DELETE", &format!("{base}/sms1"), None);
        check(
            &reqs[4],
            "POST",
            &format!("{base}/ostf1/lifecycle/activate"),
            Some((r#"{"passCode":"123456"}"#, json!({"passCode": "123456"}))),
        );
        check(&reqs[5], "POST", &format!("{base}/sms1/resend"), Some(sms()));
        check(
            &reqs[6],
            "POST",
            &format!("{base}/sms1/verify"),
            Some((r#"{"passCode":"654321"}"#, json!({"passCode": "654321"}))),
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
        check(&reqs[11], "POST", &format!("{base}/sms1/lifecycle/activate"), None);
    }
);

behaviour_test!(
    /// `execute` takes every optional parameter: queries, the end user's
    /// headers, IDs encoded as one path segment each.
    fn optional_parameters_through_execute(transport) {
        let server = TestServer::start(route);
        let client = transport.client(server.url());

        let response = client
            .execute(
                &EnrollFactor::new("u1", FactorEnrollment::sms("+15554151337"))
                    .update_phone(true)
                    .activate(true),
            )
            .unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.meta.request_id.as_deref(), Some("req-ok"));
        assert!(is_sms(&response.value));

        client
            .execute(&UnenrollFactor::new("u1", "sms1").remove_recovery_enrollment(true))
            .unwrap();

        let verify = VerifyFactor::new("u1", "sms1")
            .body(VerifyFactorRequest::pass_code("1"))
            .user_agent("Mozilla/5.0 (end user)")
            .forwarded_for("23.235.46.133")
            .accept_language("fr");
        client.execute(&verify).unwrap();

        // IDs are one encoded path segment each.
        assert!(client.list_factors("a b/c").unwrap().is_empty());

        let requests = server.requests();
        let targets: Vec<&str> = requests.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(
            targets,
            [
                "/api/v1/users/u1/factors?updatePhone=true&activate=true",
                "/api/v1/users/u1/factors/sms1?removeRecoveryEnrollment=true",
                "/api/v1/users/u1/factors/sms1/verify",
                "/api/v1/users/a%20b%2Fc/factors",
            ]
        );
        // The end user's agent is the User-Agent; the crate's identity moves
        // to its own header.
        let verify_req = &requests[2];
        assert_eq!(
            verify_req.header_all("user-agent"),
            ["Mozilla/5.0 (end user)"]
        );
        assert!(verify_req
            .header("x-okta-user-agent-extended")
            .is_some_and(|v| v.starts_with("okta-factors-rust/")));
        assert_eq!(verify_req.header("x-forwarded-for"), Some("23.235.46.133"));
        assert_eq!(verify_req.header("accept-language"), Some("fr"));
    }
);

behaviour_test!(
    /// `execute` sends exactly the request the core builds: the encoded path,
    /// the query, the body bytes.
    fn execute_sends_the_core_request_byte_for_byte(transport) {
        let server = TestServer::start(route);
        let client = transport.client(server.url());
        let op = EnrollFactor::new("00u 1/ü", FactorEnrollment::sms("+15554151337"))
            .update_phone(true)
            .token_lifetime_seconds(300);
        let response = client.execute(&op).unwrap();
        assert_eq!(response.status, 200);
        assert!(is_sms(&response.value));

        let built = op
            .build_request(
                &OrgUrl::parse(server.url()).unwrap(),
                &Credentials::api_token(TOKEN).unwrap(),
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
    }
);

behaviour_test!(
    /// API errors come back typed with their request ID; the user agent
    /// carries `user_agent_extra`; invalid input never reaches the server.
    fn api_errors_are_typed_and_user_agent_extra_is_sent(transport) {
        let server = TestServer::start(|req| {
            if req.path().ends_with("/verify") {
                Reply::json(
                    403,
                    r#"{"errorCode":"E0000068","errorSummary":"Invalid Passcode/Answer","errorCauses":[]}"#,
                )
                .header("x-okta-request-id", "req-403")
            } else {
                route(req)
            }
        });
        let client = transport.build(builder(server.url()).user_agent_extra("my-app/1.2").unwrap());

        let err = client.get_factor("u1", "missing").unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
        assert_eq!(err.error_code(), Some("E0000007"));
        assert_eq!(
            err.meta().and_then(|m| m.request_id.as_deref()),
            Some("req-ok")
        );

        let err = client
            .verify_factor("00u1", "sms1", Some(VerifyFactorRequest::pass_code("000000")))
            .unwrap_err();
        assert_eq!(err.error_code(), Some("E0000068"));
        assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
        assert!(err.api().is_some_and(|api| api.is_invalid_passcode()));
        assert_eq!(
            err.meta().and_then(|m| m.request_id.as_deref()),
            Some("req-403")
        );

        for req in server.requests() {
            let ua = req.header_all("user-agent");
            assert_eq!(ua.len(), 1);
            assert!(
                ua[0].starts_with("okta-factors-rust/") && ua[0].ends_with(" my-app/1.2"),
                "{ua:?}"
            );
        }
        // Invalid input never reaches the server.
        assert!(matches!(client.list_factors(""), Err(Error::Input(_))));
        assert!(builder(server.url()).user_agent_extra("bad\r\nx").is_err());
        assert_eq!(server.requests().len(), 2);
    }
);

behaviour_test!(
    /// A `3xx` is returned as is: credentials never follow a redirect.
    fn redirects_are_not_followed(transport) {
        let server = TestServer::start(|req| {
            if req.path().contains("/users/elsewhere/") {
                Reply::json(200, "[]")
            } else {
                Reply::Response {
                    status: 302,
                    headers: vec![("location".into(), "/api/v1/users/elsewhere/factors".into())],
                    body: vec![],
                }
            }
        });
        let err = transport.client(server.url()).list_factors("u1").unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
        assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
        assert_eq!(server.requests().len(), 1);
    }
);

behaviour_test!(
    /// A body-less `POST` carries exactly one `Content-Length: 0` on the wire
    /// (some proxies answer `411 Length Required` without it), as in every
    /// transport; a `GET` carries no framing header at all.
    fn a_body_less_post_is_framed_with_content_length_zero(transport) {
        let server = TestServer::start(route);
        let client = transport.client(server.url());
        let u = USER;
        client.activate_factor(u, "sms1", None).unwrap();
        client.verify_factor(u, "sms1", None).unwrap();
        client.wait_for_push_activation(u, "sms1").unwrap();
        client.list_factors(u).unwrap();
        let requests = server.requests();
        assert_eq!(requests.len(), 4);
        for req in &requests[..3] {
            assert_eq!(req.method, "POST");
            assert_eq!(req.header_all("content-length"), ["0"], "{req:?}");
            assert!(req.header("transfer-encoding").is_none(), "{req:?}");
            assert!(req.body.is_empty());
        }
        assert_eq!(
            requests[2].target,
            format!("/api/v1/users/{u}/factors/sms1/lifecycle/activate/poll")
        );
        assert!(requests[3].header("content-length").is_none());
        assert!(requests[3].header("transfer-encoding").is_none());
    }
);

behaviour_test!(
    /// Clones share the configuration (and work); `Debug` never shows the token.
    fn the_client_is_cheap_to_clone_and_shares_config(transport) {
        let server = TestServer::start(route);
        let a = transport.client(server.url());
        let b = a.clone();
        assert_eq!(a.config(), b.config());
        assert!(b.list_factors("a b/c").unwrap().is_empty());
        let debug = format!("{a:?}");
        assert!(debug.contains("127.0.0.1"), "{debug}");
        assert!(!debug.contains(TOKEN), "{debug}");
    }
);

/// Every client is `Send + Sync + Clone + 'static`: one client serves many threads.
#[test]
fn clients_are_send_sync_and_clone() {
    fn client_traits<T: Send + Sync + Clone + 'static>() {}
    #[cfg(feature = "ureq")]
    client_traits::<okta_factors::ureq::Client>();
    #[cfg(feature = "hyper")]
    client_traits::<okta_factors::hyper::Client>();
    client_traits::<okta_factors::BlockingClient<crate::std_net::StdNet>>();
}

/// Every future of the async client is `Send` (usable with `tokio::spawn`).
#[cfg(feature = "hyper")]
#[test]
fn hyper_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _entered = rt.enter();
    let client = okta_factors::hyper::Client::new(
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
