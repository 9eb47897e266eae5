//! Feature `tracing`: one span per call and debug events per retry and poll.
//! Recorded: operation name, method, path template, status, request ID, retry
//! and poll counts, delays, elapsed time. Never a header value (other than the
//! request ID), a token, a query, a URL or a body. Without the feature every
//! method here is a no-op.

#[cfg(feature = "tracing")]
pub(crate) use enabled::Trace;

#[cfg(not(feature = "tracing"))]
pub(crate) use disabled::Trace;

#[cfg(feature = "tracing")]
mod enabled {
    use std::future::Future;
    use std::time::Duration;

    use okta_factors_core::http::{HeaderMap, StatusCode};
    use okta_factors_core::policy::{PollStep, RetryReason};
    use okta_factors_core::Error;
    use tracing::field::Empty;
    use tracing::Instrument;

    /// Okta's request ID header, recorded on the span.
    const X_OKTA_REQUEST_ID: &str = "x-okta-request-id";

    /// The span of one call (or of one push verification).
    pub(crate) struct Trace {
        span: tracing::Span,
    }

    fn millis(d: Duration) -> u64 {
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
    }

    fn error_kind(error: &Error) -> String {
        match error {
            Error::Input(_) => "input".into(),
            Error::Api(_) => "api".into(),
            Error::UnexpectedResponse(_) => "unexpected_response".into(),
            Error::Decode(_) => "decode".into(),
            Error::Transport(t) => format!("transport: {}", t.kind),
            _ => "other".into(),
        }
    }

    impl Trace {
        pub(crate) fn call(operation: &'static str, method: &str, path_template: &str) -> Self {
            let span = tracing::info_span!(
                "okta_factors.call",
                operation,
                method,
                path_template,
                status = Empty,
                request_id = Empty,
                retries = 0u32,
                elapsed_ms = Empty,
            );
            Self { span }
        }

        pub(crate) fn push(operation: &'static str) -> Self {
            let span = tracing::info_span!(
                "okta_factors.push_poll",
                operation,
                status = Empty,
                request_id = Empty,
                polls = 0u32,
                elapsed_ms = Empty,
            );
            Self { span }
        }

        pub(crate) fn instrument<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
            future.instrument(self.span.clone())
        }

        pub(crate) fn response(&self, status: StatusCode, headers: &HeaderMap) {
            self.span.record("status", status.as_u16());
            if let Some(id) = headers.get(X_OKTA_REQUEST_ID).and_then(|v| v.to_str().ok()) {
                self.span.record("request_id", id);
            }
        }

        pub(crate) fn retry(&self, retry: u32, delay: Duration, reason: RetryReason) {
            self.span.record("retries", retry);
            tracing::debug!(
                parent: &self.span,
                retry,
                delay_ms = millis(delay),
                reason = ?reason,
                "rate limited (429): retrying"
            );
        }

        pub(crate) fn poll<T>(&self, polls: u32, elapsed: Duration, step: &PollStep<T>) {
            self.span.record("polls", polls);
            let (state, delay_ms, failures) = match step {
                PollStep::Wait {
                    delay, failures, ..
                } => ("waiting", millis(*delay), *failures),
                PollStep::Done(_) => ("done", 0, 0),
            };
            tracing::debug!(
                parent: &self.span,
                poll = polls,
                elapsed_ms = millis(elapsed),
                state,
                delay_ms,
                failures,
                "push poll"
            );
        }

        pub(crate) fn finish<T>(&self, elapsed: Duration, result: &Result<T, Error>) {
            self.span.record("elapsed_ms", millis(elapsed));
            if let Err(error) = result {
                if let Some(status) = error.status() {
                    self.span.record("status", status.as_u16());
                }
                if let Some(id) = error.meta().and_then(|m| m.request_id.as_deref()) {
                    self.span.record("request_id", id);
                }
                tracing::debug!(parent: &self.span, error = %error_kind(error), "call failed");
            }
        }
    }
}

#[cfg(not(feature = "tracing"))]
mod disabled {
    use std::future::Future;
    use std::time::Duration;

    use okta_factors_core::http::{HeaderMap, StatusCode};
    use okta_factors_core::policy::{PollStep, RetryReason};
    use okta_factors_core::Error;

    /// No-op stand-in for the tracing span.
    pub(crate) struct Trace;

    impl Trace {
        pub(crate) fn call(_: &'static str, _: &str, _: &str) -> Self {
            Self
        }

        pub(crate) fn push(_: &'static str) -> Self {
            Self
        }

        pub(crate) fn instrument<F: Future>(&self, future: F) -> F {
            future
        }

        pub(crate) fn response(&self, _: StatusCode, _: &HeaderMap) {}

        pub(crate) fn retry(&self, _: u32, _: Duration, _: RetryReason) {}

        pub(crate) fn poll<T>(&self, _: u32, _: Duration, _: &PollStep<T>) {}

        pub(crate) fn finish<T>(&self, _: Duration, _: &Result<T, Error>) {}
    }
}
