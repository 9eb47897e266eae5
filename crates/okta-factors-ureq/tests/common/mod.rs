//! Helpers shared by the adapter tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use okta_factors_core::policy::{PollPolicy, MIN_POLL_INTERVAL};
use okta_factors_core::{Credentials, OrgUrl};
pub use okta_factors_testserver::http_date;
use okta_factors_testserver::TestServer;
use okta_factors_ureq::{Client, ClientBuilder};

pub const TOKEN: &str = "00test-token";

pub const SMS_FACTOR: &str = r#"{"id":"mbl1nz9JHJGHWRKMTLHP","factorType":"sms","provider":"OKTA",
  "status":"PENDING_ACTIVATION","profile":{"phoneNumber":"+15554151337"},
  "_links":{"resend":[{"name":"sms","href":"https://dev-123456.okta.com/r"}]}}"#;

pub fn builder(server: &TestServer) -> ClientBuilder {
    Client::builder(
        OrgUrl::parse(server.url()).unwrap(),
        Credentials::api_token(TOKEN).unwrap(),
    )
    .poll_policy(PollPolicy::default().interval(MIN_POLL_INTERVAL))
}

pub fn client(server: &TestServer) -> Client {
    builder(server).build().unwrap()
}

/// The current time as an HTTP date and as epoch seconds.
pub fn http_date_now() -> (String, u64) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (http_date(secs), secs)
}
