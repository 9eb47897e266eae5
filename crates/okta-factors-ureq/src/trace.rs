//! Optional `tracing` instrumentation (feature `tracing`): one span per call,
//! `debug` events for retries and polls. Only names, statuses, counts, delays
//! and request IDs are recorded: never header values, tokens, URL queries or
//! bodies. Without the feature everything here compiles to nothing.

#![cfg_attr(not(feature = "tracing"), allow(unused_variables))]

use std::time::{Duration, Instant};

use okta_factors_core::http::{Method, StatusCode};
use okta_factors_core::policy::{PollStep, RetryReason};
use okta_factors_core::{Error, OktaResponse};

/// The span of one call of an operation.
pub(crate) struct CallTrace {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    #[cfg(feature = "tracing")]
    started: Instant,
}

impl CallTrace {
    pub(crate) fn new(
        operation: &'static str,
        method: &Method,
        path_template: &'static str,
    ) -> Self {
        Self {
            #[cfg(feature = "tracing")]
            span: tracing::info_span!(
                "okta_factors.call",
                operation,
                method = %method,
                path_template,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                retries = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            ),
            #[cfg(feature = "tracing")]
            started: Instant::now(),
        }
    }

    pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        #[cfg(feature = "tracing")]
        return self.span.in_scope(f);
        #[cfg(not(feature = "tracing"))]
        f()
    }

    pub(crate) fn retry(&self, delay: Duration, retry: u32, reason: RetryReason) {
        #[cfg(feature = "tracing")]
        self.span.in_scope(|| {
            tracing::debug!(
                delay_ms = millis(delay),
                retry,
                reason = ?reason,
                "okta_factors: 429, retrying"
            );
        });
    }

    pub(crate) fn finish<T>(&self, result: &Result<OktaResponse<T>, Error>, retries: u32) {
        #[cfg(feature = "tracing")]
        {
            let (status, meta) = match result {
                Ok(response) => (Some(response.status), Some(&response.meta)),
                Err(error) => (error.status(), error.meta()),
            };
            if let Some(status) = status {
                self.span.record("status", status.as_u16());
            }
            if let Some(id) = meta.and_then(|m| m.request_id.as_deref()) {
                self.span.record("request_id", id);
            }
            self.span.record("retries", retries);
            self.span
                .record("elapsed_ms", millis(self.started.elapsed()));
        }
    }
}

/// The span of the polling of one push.
pub(crate) struct PollTrace {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl PollTrace {
    pub(crate) fn new(operation: &'static str) -> Self {
        Self {
            #[cfg(feature = "tracing")]
            span: tracing::info_span!(
                "okta_factors.push_poll",
                operation,
                polls = tracing::field::Empty,
                status = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            ),
        }
    }

    pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        #[cfg(feature = "tracing")]
        return self.span.in_scope(f);
        #[cfg(not(feature = "tracing"))]
        f()
    }

    /// One poll: its status (`None`: the transport failed) and what follows.
    pub(crate) fn poll<T>(&self, polls: u32, status: Option<StatusCode>, step: &PollStep<T>) {
        #[cfg(feature = "tracing")]
        {
            let (next, delay, failures) = match step {
                PollStep::Wait {
                    delay, failures, ..
                } => ("wait", Some(millis(*delay)), *failures),
                PollStep::Done(_) => ("done", None, 0),
            };
            tracing::debug!(
                polls,
                status = status.map(|s| s.as_u16()),
                next,
                delay_ms = delay,
                failures,
                "okta_factors: push polled"
            );
        }
    }

    pub(crate) fn finish<T>(&self, result: &Result<T, Error>, polls: u32, started: Instant) {
        #[cfg(feature = "tracing")]
        {
            self.span.record("polls", polls);
            if let Some(status) = result.as_ref().err().and_then(Error::status) {
                self.span.record("status", status.as_u16());
            }
            self.span.record("elapsed_ms", millis(started.elapsed()));
        }
    }
}

#[cfg(feature = "tracing")]
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
