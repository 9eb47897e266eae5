//! Test harness: a simulator on a manual clock and helpers to call it through
//! the core's operations.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use okta_factors_core::{Credentials, Error, Operation, OrgUrl};
use okta_factors_sim::{ManualClock, Simulator, SimulatorConfig};
use serde_json::Value;

pub(crate) const TOKEN: &str = "test-token";
pub(crate) const ORG: &str = "https://dev-123456.okta.com";

pub(crate) struct H {
    pub(crate) sim: Simulator,
    pub(crate) clock: ManualClock,
    pub(crate) org: OrgUrl,
    pub(crate) creds: Credentials,
    pub(crate) user: String,
}

impl H {
    pub(crate) fn new() -> Self {
        Self::with_config(SimulatorConfig::new(TOKEN))
    }

    pub(crate) fn with_config(config: SimulatorConfig) -> Self {
        let clock = ManualClock::default();
        let mut sim = Simulator::with_clock(config, clock.clone());
        let user = sim.create_user("alice@example.com");
        Self {
            sim,
            clock,
            org: OrgUrl::parse(ORG).unwrap(),
            creds: Credentials::api_token(TOKEN).unwrap(),
            user,
        }
    }

    pub(crate) fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    /// Builds `op`, sends it to the simulator, returns the raw response.
    pub(crate) fn send<O: Operation>(&mut self, op: &O) -> Response<Vec<u8>> {
        let request = op.build_request(&self.org, &self.creds).unwrap();
        self.sim.handle(request)
    }

    /// Builds, sends and parses `op`.
    pub(crate) fn call<O: Operation>(&mut self, op: &O) -> Result<O::Output, Error> {
        let response = self.send(op);
        op.parse_response(response).map(|r| r.value)
    }

    /// Builds, sends `op`; status and JSON body.
    pub(crate) fn json<O: Operation>(&mut self, op: &O) -> (StatusCode, Value) {
        let response = self.send(op);
        (response.status(), body(&response))
    }

    /// The Okta error code of calling `op` (panics on success).
    pub(crate) fn err_code<O: Operation>(&mut self, op: &O) -> (StatusCode, String) {
        match self.call(op) {
            Ok(_) => panic!("expected an error from {}", O::NAME),
            Err(e) => (
                e.status().unwrap(),
                e.error_code().unwrap_or("<none>").to_owned(),
            ),
        }
    }

    /// A raw request with the right token.
    pub(crate) fn raw(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Response<Vec<u8>> {
        self.raw_auth(method, path, body, &format!("SSWS {TOKEN}"))
    }

    pub(crate) fn raw_auth(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&str>,
        authorization: &str,
    ) -> Response<Vec<u8>> {
        let request = Request::builder()
            .method(method)
            .uri(format!("{ORG}{path}"))
            .header("authorization", authorization)
            .header("content-type", "application/json")
            .body(body.unwrap_or_default().as_bytes().to_vec())
            .unwrap();
        self.sim.handle(request)
    }
}

pub(crate) fn body(response: &Response<Vec<u8>>) -> Value {
    if response.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(response.body()).expect("JSON body")
    }
}

/// Asserts Okta's answer to an enrollment it refuses: `400 E0000001`, "Api
/// validation failed: factorEnrollRequest", with `cause` as the first cause.
pub(crate) fn assert_enroll_refused(response: &Response<Vec<u8>>, cause: &str) {
    assert_eq!(response.status(), 400);
    let b = body(response);
    assert_eq!(b["errorCode"], "E0000001", "{b}");
    assert_eq!(
        b["errorSummary"], "Api validation failed: factorEnrollRequest",
        "{b}"
    );
    assert_eq!(b["errorCauses"][0]["errorSummary"], cause, "{b}");
}

/// The `errorCode` of a raw response.
pub(crate) fn code_of(response: &Response<Vec<u8>>) -> String {
    body(response)["errorCode"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

pub(crate) fn header<'a>(response: &'a Response<Vec<u8>>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}
