//! With feature `tracing`: the span and events carry names, statuses, counts
//! and request IDs, never secrets, queries or bodies.
#![cfg(feature = "tracing")]
// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{builder, http_date_now, TOKEN};
use okta_factors_core::model::FactorEnrollment;
use okta_factors_core::operations::EnrollFactor;
use okta_factors_testserver::{Reply, TestServer};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every span field and event field as `name=value` lines.
#[derive(Default, Clone)]
struct Recorder {
    lines: Arc<Mutex<Vec<String>>>,
    next: Arc<AtomicU64>,
}

struct Lines<'a>(&'a mut Vec<String>, &'a str);

impl Visit for Lines<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .push(format!("{}:{}={:?}", self.1, field.name(), value));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut lines = self.lines.lock().unwrap();
        lines.push(format!("span {}", span.metadata().name()));
        span.record(&mut Lines(&mut lines, "span"));
        Id::from_u64(self.next.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Lines(&mut self.lines.lock().unwrap(), "span"));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        event.record(&mut Lines(&mut self.lines.lock().unwrap(), "event"));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn spans_and_retry_events_carry_no_secrets() {
    let count = AtomicUsize::new(0);
    let server = TestServer::start(move |_| {
        if count.fetch_add(1, Ordering::SeqCst) == 0 {
            let (date, now) = http_date_now();
            Reply::json(429, "{}")
                .header("x-okta-request-id", "req-429-1")
                .header("date", &date)
                .header("x-rate-limit-reset", &now.to_string())
        } else {
            Reply::json(200, common::SMS_FACTOR).header("x-okta-request-id", "req-ok")
        }
    });
    let client = builder(&server)
        .retry_policy(
            okta_factors_core::policy::RetryPolicy::default().max_delay(Duration::from_millis(30)),
        )
        .build()
        .unwrap();
    let recorder = Recorder::default();
    tracing::subscriber::with_default(recorder.clone(), || {
        client
            .execute(
                &EnrollFactor::new("u1", FactorEnrollment::sms("+15554151337")).update_phone(true),
            )
            .unwrap();
    });
    let lines = recorder.lines.lock().unwrap().join("\n");
    for expected in [
        "span okta_factors.call",
        "span:operation=\"enroll_factor\"",
        "span:method=POST",
        "span:path_template=\"/api/v1/users/{userId}/factors\"",
        "span:status=200",
        "span:request_id=\"req-ok\"",
        "span:retries=1",
        "span:elapsed_ms=",
        "event:retry=1",
        "event:delay_ms=30",
        "event:reason=RateLimitReset",
    ] {
        assert!(lines.contains(expected), "{expected} missing in:\n{lines}");
    }
    for secret in [TOKEN, "SSWS", "updatePhone", "+15554151337", "mbl1"] {
        assert!(!lines.contains(secret), "{secret} leaked in:\n{lines}");
    }
}
