//! Optional `tracing` instrumentation (feature `tracing`): one span per call,
//! `debug` events for retries and polls. Only names, statuses, counts, delays
//! and request IDs are recorded: never header values, tokens, URL queries or
//! bodies. Without the feature everything here compiles to nothing.

#![cfg_attr(not(feature = "tracing"), allow(unused_variables))]

use std::time::Duration;

use okta_factors_core::http::{Method, Response};
use okta_factors_core::policy::WaitReason;
use okta_factors_core::{Error, TransportError};

/// The span of one interaction: `okta_factors.call` with the operation
/// (`list_factors`, …, `verify_push`, `wait_for_push_activation`), the method
/// and path template of its first request, the last status and request ID,
/// the retries and polls made, and the time taken.
pub(crate) struct Trace {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    #[cfg(feature = "tracing")]
    retries: std::sync::atomic::AtomicU32,
    #[cfg(feature = "tracing")]
    polls: std::sync::atomic::AtomicU32,
}

impl Trace {
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
                polls = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            ),
            #[cfg(feature = "tracing")]
            retries: std::sync::atomic::AtomicU32::new(0),
            #[cfg(feature = "tracing")]
            polls: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// The span, to enter around each step (sync) or to instrument a future (async).
    #[cfg(feature = "tracing")]
    pub(crate) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// What a request came back with.
    pub(crate) fn response(&self, outcome: &Result<Response<Vec<u8>>, TransportError>) {
        #[cfg(feature = "tracing")]
        match outcome {
            Ok(response) => {
                self.span.record("status", response.status().as_u16());
                let id = response
                    .headers()
                    .get("x-okta-request-id")
                    .and_then(|v| v.to_str().ok());
                if let Some(id) = id {
                    self.span.record("request_id", id);
                }
            }
            Err(error) => {
                let _guard = self.span.enter();
                tracing::debug!(kind = %error.kind, "okta_factors: request failed");
            }
        }
    }

    /// A wait: a retry of a rate-limit `429`, or between two polls.
    pub(crate) fn wait(&self, delay: Duration, reason: &WaitReason) {
        #[cfg(feature = "tracing")]
        {
            let _guard = self.span.enter();
            use std::sync::atomic::Ordering::Relaxed;
            match reason {
                WaitReason::RateLimit { retry, reason } => {
                    self.retries.store(*retry, Relaxed);
                    tracing::debug!(
                        delay_ms = millis(delay),
                        retry,
                        reason = ?reason,
                        "okta_factors: 429, retrying"
                    );
                }
                WaitReason::Poll { polls, failures } => {
                    self.polls.store(*polls, Relaxed);
                    tracing::debug!(
                        polls,
                        failures,
                        delay_ms = millis(delay),
                        "okta_factors: push waiting, polling again"
                    );
                }
                _ => tracing::debug!(delay_ms = millis(delay), "okta_factors: waiting"),
            }
        }
    }

    /// The end of the interaction.
    pub(crate) fn finish(&self, error: Option<&Error>, elapsed: Duration) {
        #[cfg(feature = "tracing")]
        {
            if let Some(status) = error.and_then(Error::status) {
                self.span.record("status", status.as_u16());
            }
            use std::sync::atomic::Ordering::Relaxed;
            self.span.record("retries", self.retries.load(Relaxed));
            self.span.record("polls", self.polls.load(Relaxed));
            self.span.record("elapsed_ms", millis(elapsed));
        }
    }
}

#[cfg(feature = "tracing")]
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
