//! The core is enough: a third transport, written by hand over `std::net` in
//! ~40 lines, runs operations (with 429 retries and push polling) against a
//! loopback server using only `okta_factors` (no ureq, no hyper).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use okta_factors::http::{Request, Response};
use okta_factors::model::{FactorEnrollment, UserFactor, VerifyOutcome};
use okta_factors::operations::{EnrollFactor, ListFactors, VerifyFactor, VerifyFactorRequest};
use okta_factors::policy::{PollPolicy, PollStep, PushPoll, RetryPolicy, Step};
use okta_factors::{
    ClientConfig, Credentials, Error, OktaResponse, Operation, OrgUrl, TransportError,
    TransportErrorKind,
};
use okta_factors_testserver::{Reply, TestServer};

/// A minimal HTTP/1.1 client: one connection per request, read to EOF.
fn send(request: &Request<Vec<u8>>) -> std::io::Result<Response<Vec<u8>>> {
    let authority = request
        .uri()
        .authority()
        .map(|a| a.as_str())
        .unwrap_or_default();
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n",
        request.method()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!(
            "{name}: {}\r\n",
            value.to_str().unwrap_or_default()
        ));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", request.body().len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(request.body())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw.get(split + 4..).unwrap_or_default().to_vec();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut response = Response::builder().status(status);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            response = response.header(name.trim(), value.trim());
        }
    }
    Ok(response.body(body).expect("valid response"))
}

/// Runs any operation with the core's retry policy: the whole "adapter".
fn execute<O: Operation>(config: &ClientConfig, op: &O) -> Result<OktaResponse<O::Output>, Error> {
    let mut exchange = okta_factors::policy::Exchange::new(op, config)?;
    loop {
        let response = send(&exchange.request()).expect("transport");
        match exchange.on_response(response, 7, None) {
            Step::Done(result) => return result,
            Step::Retry { delay, .. } => std::thread::sleep(delay),
        }
    }
}

fn config(server: &TestServer) -> ClientConfig {
    ClientConfig::new(
        OrgUrl::parse(server.url()).unwrap(),
        Credentials::api_token("byo-token").unwrap(),
    )
    .retry(RetryPolicy::default().fallback_delay(Duration::from_millis(10)))
    .poll(PollPolicy::default().interval(Duration::from_millis(10)))
}

#[test]
fn operations_and_retries_over_a_hand_written_transport() {
    let server = TestServer::start(|req| {
        let attempts = req.header("x-okta-retry-count");
        match (req.method.as_str(), req.path(), attempts) {
            ("GET", "/api/v1/users/00u1/factors", None) => {
                Reply::json(429, r#"{"errorCode":"E0000047"}"#).header("x-okta-request-id", "rl-1")
            }
            ("GET", "/api/v1/users/00u1/factors", Some(_)) => Reply::json(
                200,
                r#"[{"id":"sms1","factorType":"sms","provider":"OKTA","status":"ACTIVE","profile":{"phoneNumber":"+15554151337"}}]"#,
            ),
            ("POST", "/api/v1/users/00u1/factors", _) => Reply::json(
                200,
                r#"{"id":"emf1","factorType":"email","status":"PENDING_ACTIVATION","profile":{"email":"a@example.com"}}"#,
            ),
            _ => Reply::json(
                404,
                r#"{"errorCode":"E0000007","errorSummary":"Not found"}"#,
            ),
        }
    });
    let config = config(&server);

    let factors = execute(&config, &ListFactors::new("00u1")).unwrap().value;
    assert!(matches!(factors.as_slice(), [UserFactor::Sms(_)]));
    let enrolled = execute(
        &config,
        &EnrollFactor::new("00u1", FactorEnrollment::email("a@example.com")).activate(true),
    );
    assert_eq!(enrolled.unwrap().value.id(), Some("emf1"));
    let missing = execute(&config, &ListFactors::new("nobody")).unwrap_err();
    assert_eq!(missing.error_code(), Some("E0000007"));

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[1].header("x-okta-retry-for"), Some("rl-1"));
    assert_eq!(requests[1].header("x-okta-retry-count"), Some("1"));
    assert_eq!(
        requests[2].target,
        "/api/v1/users/00u1/factors?activate=true"
    );
    assert_eq!(
        requests[2].body,
        br#"{"factorType":"email","provider":"OKTA","profile":{"email":"a@example.com"}}"#
    );
    assert!(requests
        .iter()
        .all(|r| r.header("authorization") == Some("SSWS byo-token")));
}

#[test]
fn push_polling_over_a_hand_written_transport() {
    let polls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = polls.clone();
    let server = TestServer::start(move |req| {
        let base = format!(
            "http://127.0.0.1:{}",
            req.header("host")
                .and_then(|h| h.rsplit(':').next())
                .unwrap_or("0")
        );
        if req.method == "POST" {
            let body = format!(
                r#"{{"factorResult":"WAITING","_links":{{"poll":{{"href":"{base}/api/v1/users/u/factors/f/transactions/v2mst.T1","hints":{{"allow":["GET"]}}}}}},"_embedded":{{"challenge":{{"correctAnswer":72}}}}}}"#
            );
            return Reply::json(201, body);
        }
        let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Reply::json(
            200,
            if n < 2 {
                r#"{"factorResult":"WAITING"}"#
            } else {
                r#"{"factorResult":"SUCCESS"}"#
            },
        )
    });
    let config = config(&server);
    let verify = VerifyFactor::new("u", "f").body(VerifyFactorRequest::number_matching());
    let sent = execute(&config, &verify).unwrap();
    let VerifyOutcome::Waiting(waiting) = &sent.value else {
        panic!("not waiting: {:?}", sent.value)
    };
    assert_eq!(waiting.transaction_id().as_deref(), Some("v2mst.T1"));

    let mut poll = PushPoll::for_verify(&verify, waiting, &sent.meta, &config).unwrap();
    assert_eq!(poll.correct_answer(), Some(72));
    let started = Instant::now();
    let mut step = poll.first_step();
    let outcome = loop {
        match step {
            PollStep::Wait { delay, .. } => std::thread::sleep(delay),
            PollStep::Done(outcome) => break outcome,
        }
        step = match send(&poll.request()) {
            Ok(response) => poll.on_response(response, started.elapsed(), 1).unwrap(),
            Err(e) => {
                let error = TransportError::new(TransportErrorKind::Io, e.to_string());
                poll.on_transport_error(error.into(), started.elapsed())
                    .unwrap()
            }
        };
    };
    assert!(outcome.is_success());
    assert_eq!(polls.load(std::sync::atomic::Ordering::SeqCst), 3);
    let requests = server.requests();
    assert_eq!(
        requests[1].target,
        "/api/v1/users/u/factors/f/transactions/v2mst.T1"
    );
    assert_eq!(requests[1].header("authorization"), Some("SSWS byo-token"));
}
