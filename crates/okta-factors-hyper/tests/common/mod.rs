//! Shared helpers of the integration tests (each test file uses a subset).
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use okta_factors_core::policy::{PollPolicy, RetryPolicy, MIN_POLL_INTERVAL};
use okta_factors_core::{Credentials, OrgUrl};
use okta_factors_hyper::{Client, ClientBuilder};
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

pub(crate) const TOKEN: &str = "test-token-00aBcD";
pub(crate) const AUTHORIZATION: &str = "SSWS test-token-00aBcD";

/// A builder for `server` with short retry delays and the shortest poll interval.
pub(crate) fn builder(url: &str) -> ClientBuilder {
    Client::builder(
        OrgUrl::parse(url).expect("loopback org"),
        Credentials::api_token(TOKEN).expect("token"),
    )
    .retry_policy(
        RetryPolicy::default()
            .fallback_delay(Duration::from_millis(10))
            .concurrent_delay(Duration::from_millis(10))
            .max_delay(Duration::from_millis(50)),
    )
    .poll_policy(PollPolicy::default().interval(MIN_POLL_INTERVAL))
}

pub(crate) fn client(server: &TestServer) -> Client {
    builder(server.url()).build().expect("client")
}

/// A server whose handler also knows the server's own URL (for links).
pub(crate) fn start_with_url(
    handler: impl Fn(&str, &RecordedRequest) -> Reply + Send + Sync + 'static,
) -> TestServer {
    let url: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let url_in_handler = url.clone();
    let server = TestServer::start(move |req| {
        let base = url_in_handler.get().map(String::as_str).unwrap_or_default();
        handler(base, req)
    });
    url.set(server.url().to_owned()).expect("set once");
    server
}

/// A response with no body.
pub(crate) fn empty(status: u16) -> Reply {
    Reply::Response {
        status,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// The common headers every request carries.
pub(crate) fn assert_common_headers(req: &RecordedRequest) {
    assert_eq!(
        req.header_all("authorization"),
        vec![AUTHORIZATION],
        "{req:?}"
    );
    assert_eq!(
        req.header_all("accept"),
        vec!["application/json"],
        "{req:?}"
    );
    let ua = req.header_all("user-agent");
    assert_eq!(ua.len(), 1, "{req:?}");
    assert!(ua[0].starts_with("okta-factors-rust/"), "{ua:?}");
    assert!(req
        .header("host")
        .is_some_and(|h| h.starts_with("127.0.0.1:")));
}

pub(crate) const SMS_FACTOR: &str = r#"{"id":"sms1","factorType":"sms","provider":"OKTA","status":"ACTIVE","profile":{"phoneNumber":"+15554151337"}}"#;
