//! The ten operations against a loopback server: what the server received, and
//! what the client returned.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{client, SMS_FACTOR, TOKEN};
use okta_factors_core::model::{ActivateOutcome, FactorEnrollment, UserFactor, VerifyOutcome};
use okta_factors_core::operations::{
    ActivateFactorRequest, EnrollFactor, UnenrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

const ACTIVE_TOTP: &str = r#"{"id":"ostf1fmaMGJLMNGNLIVG","factorType":"token:software:totp",
  "provider":"OKTA","status":"ACTIVE","profile":{"credentialId":"dade.murphy@example.com"}}"#;
const CATALOG: &str = r#"[{"factorType":"sms","provider":"OKTA","vendorName":"OKTA",
  "status":"NOT_SETUP","enrollment":"OPTIONAL"}]"#;
const QUESTIONS: &str = r#"[{"question":"disliked_food",
  "questionText":"What is the food you least liked as a child?"}]"#;

fn answer(req: &RecordedRequest) -> Reply {
    match (req.method.as_str(), req.path()) {
        ("GET", "/api/v1/users/u1/factors") => Reply::json(200, format!("[{SMS_FACTOR}]")),
        ("POST", "/api/v1/users/u1/factors") => Reply::json(200, SMS_FACTOR),
        ("GET", "/api/v1/users/u1/factors/mbl1") => Reply::json(200, SMS_FACTOR),
        ("DELETE", "/api/v1/users/u1/factors/mbl1") => Reply::Response {
            status: 204,
            headers: vec![],
            body: vec![],
        },
        ("POST", "/api/v1/users/u1/factors/ostf1/lifecycle/activate") => {
            Reply::json(200, ACTIVE_TOTP)
        }
        ("POST", "/api/v1/users/u1/factors/mbl1/resend") => Reply::json(200, SMS_FACTOR),
        ("POST", "/api/v1/users/u1/factors/ostf1/verify") => {
            Reply::json(200, r#"{"factorResult":"SUCCESS"}"#)
        }
        ("GET", "/api/v1/users/u1/factors/opf1/transactions/v2mst.t1") => {
            Reply::json(200, r#"{"factorResult":"REJECTED"}"#)
        }
        ("GET", "/api/v1/users/u1/factors/catalog") => Reply::json(200, CATALOG),
        ("GET", "/api/v1/users/u1/factors/questions") => Reply::json(200, QUESTIONS),
        ("GET", "/api/v1/users/a%20b%2Fc/factors") => Reply::json(200, "[]"),
        _ => Reply::json(
            404,
            r#"{"errorCode":"E0000007","errorSummary":"Not found","errorCauses":[]}"#,
        ),
    }
    .header("x-okta-request-id", "req-ok")
}

/// Checks the headers every request carries, and that a content type is sent
/// exactly when there is a body.
fn check_common(req: &RecordedRequest, method: &str, target: &str, body: Option<&str>) {
    assert_eq!(req.method, method, "{target}");
    assert_eq!(req.target, target);
    assert_eq!(
        req.header_all("authorization"),
        [format!("SSWS {TOKEN}")],
        "{target}"
    );
    assert_eq!(req.header_all("accept"), ["application/json"], "{target}");
    let ua = req.header_all("user-agent");
    assert_eq!(ua.len(), 1, "{target}");
    assert!(ua[0].starts_with("okta-factors-rust/"), "{target}: {ua:?}");
    assert!(req.header("transfer-encoding").is_none(), "{target}");
    match body {
        Some(body) => {
            assert_eq!(
                req.header_all("content-type"),
                ["application/json"],
                "{target}"
            );
            assert_eq!(String::from_utf8_lossy(&req.body), body, "{target}");
        }
        None => {
            assert!(req.header("content-type").is_none(), "{target}");
            assert!(req.body.is_empty(), "{target}");
            assert!(
                matches!(req.header("content-length"), None | Some("0")),
                "{target}"
            );
        }
    }
}

const SMS_BODY: &str =
    r#"{"factorType":"sms","provider":"OKTA","profile":{"phoneNumber":"+15554151337"}}"#;

#[test]
fn all_ten_operations() {
    let server = TestServer::start(answer);
    let client = client(&server);

    let factors = client.list_factors("u1").unwrap();
    assert_eq!(factors.len(), 1);
    assert!(matches!(&factors[0], UserFactor::Sms(_)));

    let enrolled = client
        .enroll_factor("u1", FactorEnrollment::sms("+15554151337"))
        .unwrap();
    assert!(matches!(enrolled, UserFactor::Sms(_)));

    assert!(matches!(
        client.get_factor("u1", "mbl1").unwrap(),
        UserFactor::Sms(_)
    ));

    client.unenroll_factor("u1", "mbl1").unwrap();

    let activated = client
        .activate_factor(
            "u1",
            "ostf1",
            Some(ActivateFactorRequest::pass_code("123456")),
        )
        .unwrap();
    assert!(matches!(
        activated,
        ActivateOutcome::Activated(ref f) if matches!(**f, UserFactor::TokenSoftwareTotp(_))
    ));

    assert!(matches!(
        client
            .resend_enroll_factor("u1", "mbl1", FactorEnrollment::sms("+15554151337"))
            .unwrap(),
        UserFactor::Sms(_)
    ));

    let verified = client
        .verify_factor(
            "u1",
            "ostf1",
            Some(VerifyFactorRequest::pass_code("654321")),
        )
        .unwrap();
    assert!(matches!(verified, VerifyOutcome::Success(_)));

    let status = client
        .get_factor_transaction_status("u1", "opf1", "v2mst.t1")
        .unwrap();
    assert!(matches!(status, VerifyOutcome::Rejected(_)));

    let catalog = client.list_supported_factors("u1").unwrap();
    assert_eq!(catalog.len(), 1);
    assert_eq!(
        catalog[0].as_ref().unwrap().vendor_name.as_deref(),
        Some("OKTA")
    );

    let questions = client.list_supported_security_questions("u1").unwrap();
    assert_eq!(questions.len(), 1);
    assert_eq!(
        questions[0].as_ref().unwrap().question.as_deref(),
        Some("disliked_food")
    );

    // Body-less POSTs: activate and verify without a body.
    client.activate_factor("u1", "ostf1", None).unwrap();
    client.verify_factor("u1", "ostf1", None).unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 12);
    let expected: [(&str, &str, Option<&str>); 12] = [
        ("GET", "/api/v1/users/u1/factors", None),
        ("POST", "/api/v1/users/u1/factors", Some(SMS_BODY)),
        ("GET", "/api/v1/users/u1/factors/mbl1", None),
        ("DELETE", "/api/v1/users/u1/factors/mbl1", None),
        (
            "POST",
            "/api/v1/users/u1/factors/ostf1/lifecycle/activate",
            Some(r#"{"passCode":"123456"}"#),
        ),
        (
            "POST",
            "/api/v1/users/u1/factors/mbl1/resend",
            Some(SMS_BODY),
        ),
        (
            "POST",
            "/api/v1/users/u1/factors/ostf1/verify",
            Some(r#"{"passCode":"654321"}"#),
        ),
        (
            "GET",
            "/api/v1/users/u1/factors/opf1/transactions/v2mst.t1",
            None,
        ),
        ("GET", "/api/v1/users/u1/factors/catalog", None),
        ("GET", "/api/v1/users/u1/factors/questions", None),
        (
            "POST",
            "/api/v1/users/u1/factors/ostf1/lifecycle/activate",
            None,
        ),
        ("POST", "/api/v1/users/u1/factors/ostf1/verify", None),
    ];
    for (req, (method, target, body)) in requests.iter().zip(expected) {
        check_common(req, method, target, body);
        // No retry headers on first attempts.
        assert!(req.header("x-okta-retry-count").is_none());
    }
}

#[test]
fn optional_parameters_through_execute() {
    let server = TestServer::start(answer);
    let client = client(&server);

    let response = client
        .execute(
            &EnrollFactor::new("u1", FactorEnrollment::sms("+15554151337"))
                .update_phone(true)
                .activate(true),
        )
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.meta.request_id.as_deref(), Some("req-ok"));

    client
        .execute(&UnenrollFactor::new("u1", "mbl1").remove_recovery_enrollment(true))
        .unwrap();

    let verify = VerifyFactor::new("u1", "ostf1")
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
            "/api/v1/users/u1/factors/mbl1?removeRecoveryEnrollment=true",
            "/api/v1/users/u1/factors/ostf1/verify",
            "/api/v1/users/a%20b%2Fc/factors",
        ]
    );
    let verify_req = &requests[2];
    assert_eq!(
        verify_req.header_all("user-agent"),
        ["Mozilla/5.0 (end user)"]
    );
    assert!(verify_req
        .header("x-okta-user-agent-extended")
        .unwrap()
        .starts_with("okta-factors-rust/"));
    assert_eq!(verify_req.header("x-forwarded-for"), Some("23.235.46.133"));
    assert_eq!(verify_req.header("accept-language"), Some("fr"));
}

#[test]
fn api_errors_are_typed_and_user_agent_extra_is_sent() {
    let server = TestServer::start(answer);
    let client = common::builder(&server)
        .user_agent_extra("my-app/1.2")
        .unwrap()
        .build()
        .unwrap();
    let err = client.get_factor("u1", "missing").unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.error_code(), Some("E0000007"));
    assert_eq!(
        err.meta().and_then(|m| m.request_id.as_deref()),
        Some("req-ok")
    );
    let ua = server.requests()[0]
        .header("user-agent")
        .unwrap()
        .to_owned();
    assert!(
        ua.starts_with("okta-factors-rust/") && ua.ends_with(" my-app/1.2"),
        "{ua}"
    );
    // Invalid input never reaches the server.
    assert!(matches!(
        client.list_factors(""),
        Err(okta_factors_core::Error::Input(_))
    ));
    assert!(common::builder(&server)
        .user_agent_extra("bad\r\nx")
        .is_err());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn redirects_are_not_followed() {
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
    let err = client(&server).list_factors("u1").unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
    assert!(matches!(
        err,
        okta_factors_core::Error::UnexpectedResponse(_)
    ));
    assert_eq!(server.requests().len(), 1);
}

/// A body-less `POST` carries exactly one `Content-Length: 0` on the wire (some
/// proxies answer `411 Length Required` without it), as in every transport; a
/// `GET` carries no framing header at all.
#[test]
fn a_body_less_post_is_framed_with_content_length_zero() {
    let server = TestServer::start(|req| match req.method.as_str() {
        "POST" if req.path().ends_with("/verify") => {
            Reply::json(200, r#"{"factorResult":"CHALLENGE"}"#)
        }
        "POST" => Reply::json(200, ACTIVE_TOTP),
        _ => Reply::json(200, "[]"),
    });
    let client = client(&server);
    client.activate_factor("u1", "ostf1", None).unwrap();
    client.verify_factor("u1", "mbl1", None).unwrap();
    client.wait_for_push_activation("u1", "ostf1").unwrap();
    client.list_factors("u1").unwrap();
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
        "/api/v1/users/u1/factors/ostf1/lifecycle/activate/poll"
    );
    assert!(requests[3].header("content-length").is_none());
}
