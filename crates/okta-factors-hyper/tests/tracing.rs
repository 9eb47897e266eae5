//! Feature `tracing`: a span per call with its fields, events per retry and
//! poll, and never a token, user ID, URL, query or body.
#![cfg(all(feature = "tracing", feature = "tokio"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use okta_factors_core::operations::{EnrollFactor, VerifyFactor, VerifyFactorRequest};
use okta_factors_testserver::Reply;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(Default)]
struct Capture {
    lines: Mutex<Vec<String>>,
    next_id: AtomicU64,
}

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

struct Handle(Arc<Capture>);

impl Handle {
    fn push(&self, line: String) {
        self.0.lines.lock().unwrap().push(line);
    }
}

impl Subscriber for Handle {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("okta_factors_hyper")
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut Line(&mut line));
        self.push(line);
        Id::from_u64(self.0.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut line = "record".to_owned();
        values.record(&mut Line(&mut line));
        self.push(line);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = "event".to_owned();
        event.record(&mut Line(&mut line));
        self.push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

const USER: &str = "00uSECRETUSERID";

#[tokio::test(flavor = "multi_thread")]
async fn spans_and_events_carry_no_secrets() {
    let capture = Arc::new(Capture::default());
    tracing::subscriber::set_global_default(Handle(capture.clone())).expect("first subscriber");

    let count = Arc::new(AtomicUsize::new(0));
    let server = common::start_with_url(move |base, req| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        if req.path().ends_with("/verify") {
            let href =
                format!("{base}/api/v1/users/{USER}/factors/opf1/transactions/t1?x=QUERYVALUE");
            return Reply::json(
                201,
                format!(r#"{{"factorResult":"WAITING","_links":{{"poll":{{"href":"{href}"}}}}}}"#),
            );
        }
        if req.path().contains("/transactions/") {
            return Reply::json(200, r#"{"factorResult":"SUCCESS"}"#);
        }
        if n == 0 {
            Reply::json(429, "{}").header("x-okta-request-id", "req-first")
        } else {
            Reply::json(200, common::SMS_FACTOR).header("x-okta-request-id", "req-ok")
        }
    });
    let client = common::client(&server);
    let op = EnrollFactor::new(
        USER,
        okta_factors_core::model::FactorEnrollment::sms("+15550000000"),
    )
    .template_id("QUERYVALUE");
    client.execute(&op).await.expect("enroll");
    let verify = VerifyFactor::new(USER, "opf1").body(VerifyFactorRequest::pass_code("987654"));
    client.verify_push(&verify, |_| {}).await.expect("push");

    let lines = capture.lines.lock().unwrap().clone();
    let all = lines.join("\n");
    assert!(
        all.contains("span okta_factors.call operation=\"enroll_factor\" method=\"POST\" path_template=\"/api/v1/users/{userId}/factors\""),
        "{all}"
    );
    for expected in [
        "record status=429",
        "request_id=\"req-first\"",
        "retry=1",
        "record retries=1",
        "record status=200",
        "request_id=\"req-ok\"",
        "record elapsed_ms=",
        "span okta_factors.push_poll",
        "operation=\"verify_factor\"",
        "push poll",
        "record polls=1",
    ] {
        assert!(all.contains(expected), "missing {expected:?} in\n{all}");
    }
    for secret in [
        common::TOKEN,
        USER,
        "QUERYVALUE",
        "+15550000000",
        "987654",
        "127.0.0.1",
    ] {
        assert!(!all.contains(secret), "{secret:?} leaked in\n{all}");
    }
}
