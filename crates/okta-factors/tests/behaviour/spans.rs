//! Feature `tracing`: one `okta_factors.call` span per interaction with its
//! fields (operation, method, path template, status, request ID, retries,
//! polls, elapsed time), debug events per retry, poll and failed request,
//! and never a token, user ID, URL, query, header value or body in any
//! recorded field.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use okta_factors::model::FactorEnrollment;
use okta_factors::operations::{EnrollFactor, VerifyFactor, VerifyFactorRequest};
use okta_factors::policy::RetryPolicy;
use okta_factors_testserver::{RecordedRequest, Reply};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use crate::common::{http_date, start_with_url, SMS_FACTOR};
use crate::harness::{builder, TOKEN};

/// Records every span, span record and event of the crate's targets as one
/// line each: `span <name> f=v …`, `record f=v …`, `event f=v …`.
#[derive(Default, Clone)]
struct Recorder {
    lines: Arc<Mutex<Vec<String>>>,
    next: Arc<AtomicU64>,
}

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Recorder {
    fn push(&self, line: String) {
        self.lines.lock().unwrap().push(line);
    }

    fn all(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("okta_factors")
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut Line(&mut line));
        self.push(line);
        Id::from_u64(self.next.fetch_add(1, Ordering::SeqCst) + 1)
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

/// The current time as an HTTP date and as epoch seconds.
fn http_date_now() -> (String, u64) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (http_date(secs), secs)
}

const USER: &str = "00uSECRETUSERID";
const PHONE: &str = "+15550000000";
const PASSCODE: &str = "987654";

/// Asserts each of `expected` is in `all`, and none of the secrets.
fn assert_recorded(all: &str, expected: &[&str]) {
    for expected in expected {
        assert!(all.contains(expected), "missing {expected:?} in\n{all}");
    }
    for secret in [
        TOKEN,
        "SSWS",
        USER,
        "QUERYVALUE",
        "updatePhone",
        "templateId",
        PHONE,
        PASSCODE,
        "mbl1",
        "127.0.0.1",
        "application/json",
        "okta-factors-rust/",
    ] {
        assert!(!all.contains(secret), "{secret:?} leaked in\n{all}");
    }
}

behaviour_test!(
    /// A call retried once: the span's fields, the retry event, no secrets.
    fn a_retried_call_is_one_span_with_its_retry(transport) {
        let count = AtomicUsize::new(0);
        let server = start_with_url(move |_, _: &RecordedRequest| {
            if count.fetch_add(1, Ordering::SeqCst) == 0 {
                let (date, now) = http_date_now();
                Reply::json(429, "{}")
                    .header("x-okta-request-id", "req-429-1")
                    .header("date", &date)
                    .header("x-rate-limit-reset", &now.to_string())
            } else {
                Reply::json(200, SMS_FACTOR.replace("sms1", "mbl1"))
                    .header("x-okta-request-id", "req-ok")
            }
        });
        let client = transport.build(
            builder(server.url())
                .retry_policy(RetryPolicy::default().max_delay(Duration::from_millis(30))),
        );
        let recorder = Recorder::default();
        tracing::subscriber::with_default(recorder.clone(), || {
            client
                .execute(
                    &EnrollFactor::new(USER, FactorEnrollment::sms(PHONE))
                        .update_phone(true)
                        .template_id("QUERYVALUE"),
                )
                .unwrap();
        });
        let all = recorder.all();
        assert!(
            all.contains(
                "span okta_factors.call operation=\"enroll_factor\" method=POST path_template=\"/api/v1/users/{userId}/factors\""
            ),
            "{all}"
        );
        assert_recorded(
            &all,
            &[
                "record status=429",
                "request_id=\"req-429-1\"",
                "retry=1",
                "delay_ms=30",
                "reason=RateLimitReset",
                "record status=200",
                "request_id=\"req-ok\"",
                "record retries=1",
                "record polls=0",
                "record elapsed_ms=",
            ],
        );
        assert_eq!(all.matches("span okta_factors.call").count(), 1, "{all}");
    }
);

behaviour_test!(
    /// `verify_push` is one span (`operation="verify_push"`) over the
    /// verify and its polls, with a poll event per wait and the polls made.
    fn a_push_is_one_span_with_its_polls(transport) {
        let server = start_with_url(|base, req: &RecordedRequest| {
            if req.path().ends_with("/verify") {
                let href =
                    format!("{base}/api/v1/users/{USER}/factors/opf1/transactions/t1?x=QUERYVALUE");
                return Reply::json(
                    201,
                    format!(r#"{{"factorResult":"WAITING","_links":{{"poll":{{"href":"{href}"}}}}}}"#),
                )
                .header("x-okta-request-id", "req-verify");
            }
            Reply::json(200, r#"{"factorResult":"SUCCESS"}"#).header("x-okta-request-id", "req-poll")
        });
        let client = transport.client(server.url());
        let recorder = Recorder::default();
        tracing::subscriber::with_default(recorder.clone(), || {
            let verify =
                VerifyFactor::new(USER, "opf1").body(VerifyFactorRequest::pass_code(PASSCODE));
            assert!(client.verify_push(&verify, |_| {}).unwrap().is_success());
        });
        let all = recorder.all();
        assert!(
            all.contains(
                "span okta_factors.call operation=\"verify_push\" method=POST path_template=\"/api/v1/users/{userId}/factors/{factorId}/verify\""
            ),
            "{all}"
        );
        assert_recorded(
            &all,
            &[
                "record status=201",
                "request_id=\"req-verify\"",
                "push waiting, polling again",
                "polls=0",
                "record status=200",
                "request_id=\"req-poll\"",
                "record retries=0",
                "record polls=",
                "record elapsed_ms=",
            ],
        );
        assert_eq!(all.matches("span okta_factors.call").count(), 1, "{all}");
    }
);

behaviour_test!(
    /// The span's `polls` is the number of polls made: one for a push
    /// answered at its first poll, one for an activation answered at once.
    fn the_span_records_the_polls_made(transport) {
        let server = start_with_url(|base, req: &RecordedRequest| {
            if req.path().ends_with("/verify") {
                let href = format!("{base}/api/v1/users/{USER}/factors/opf1/transactions/t1");
                return Reply::json(
                    201,
                    format!(r#"{{"factorResult":"WAITING","_links":{{"poll":{{"href":"{href}"}}}}}}"#),
                );
            }
            if req.path().ends_with("/activate/poll") {
                return Reply::json(200, r#"{"factorResult":"TIMEOUT"}"#);
            }
            Reply::json(200, r#"{"factorResult":"SUCCESS"}"#)
        });
        let client = transport.client(server.url());
        for activation in [false, true] {
            let recorder = Recorder::default();
            tracing::subscriber::with_default(recorder.clone(), || {
                if activation {
                    client.wait_for_push_activation(USER, "opf1").unwrap();
                } else {
                    client
                        .verify_push(&VerifyFactor::new(USER, "opf1"), |_| {})
                        .unwrap();
                }
            });
            let all = recorder.all();
            assert!(all.contains("record polls=1"), "{all}");
        }
        assert_eq!(server.requests().len(), 3);
    }
);

behaviour_test!(
    /// Failures are recorded too: an API error's status, a transport
    /// failure's kind (never its address), and the activation wait's span.
    fn failures_and_the_activation_wait_are_recorded(transport) {
        let server = start_with_url(|_, req: &RecordedRequest| {
            if req.path().ends_with("/activate/poll") {
                Reply::json(200, r#"{"factorResult":"TIMEOUT"}"#)
            } else {
                Reply::json(404, r#"{"errorCode":"E0000007","errorSummary":"Not found"}"#)
                    .header("x-okta-request-id", "req-404")
            }
        });
        let client = transport.client(server.url());
        let refused = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            drop(listener);
            transport.client(&format!("http://127.0.0.1:{port}"))
        };
        let recorder = Recorder::default();
        tracing::subscriber::with_default(recorder.clone(), || {
            assert!(client.get_factor(USER, "mbl1").is_err());
            assert!(refused.list_factors(USER).is_err());
            client.wait_for_push_activation(USER, "opf1").unwrap();
        });
        let all = recorder.all();
        assert_recorded(
            &all,
            &[
                "span okta_factors.call operation=\"get_factor\" method=GET path_template=\"/api/v1/users/{userId}/factors/{factorId}\"",
                "record status=404",
                "request_id=\"req-404\"",
                "span okta_factors.call operation=\"list_factors\"",
                "kind=could not connect",
                "request failed",
                "span okta_factors.call operation=\"wait_for_push_activation\" method=POST path_template=\"/api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/poll\"",
                "record status=200",
            ],
        );
        assert_eq!(all.matches("span okta_factors.call").count(), 3, "{all}");
    }
);
