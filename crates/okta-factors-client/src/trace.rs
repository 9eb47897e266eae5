//! Optional `tracing` instrumentation (feature `tracing`): one span per call,
//! `debug` events for retries and polls. Only names, statuses, counts, delays
//! and request IDs are recorded: never header values, tokens, URL queries or
//! bodies. Without the feature everything here compiles to nothing.

#![cfg_attr(not(feature = "tracing"), allow(unused_variables))]

use std::time::Duration;

use okta_factors_core::http::{Method, Response};
use okta_factors_core::policy::WaitReason;
use okta_factors_core::{Error, TransportError};

/// What an interaction sends: which of its requests are polls.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// One operation and its retries: no polls.
    Call,
    /// A verify (and its retries), then polls.
    Push,
    /// Polls only.
    Activation,
}

/// The span of one interaction: `okta_factors.call` with the operation
/// (`list_factors`, …, `verify_push`, `wait_for_push_activation`), the method
/// and path template of its first request, the last status and request ID,
/// the retries and polls made, and the time taken.
pub(crate) struct Trace {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    #[cfg(feature = "tracing")]
    kind: Kind,
    /// Retries of the operation's rate-limit `429`s.
    #[cfg(feature = "tracing")]
    retries: std::sync::atomic::AtomicU32,
    /// Requests sent (the operation, its retries, polls).
    #[cfg(feature = "tracing")]
    sent: std::sync::atomic::AtomicU32,
}

impl Trace {
    pub(crate) fn new(
        kind: Kind,
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
            kind,
            #[cfg(feature = "tracing")]
            retries: std::sync::atomic::AtomicU32::new(0),
            #[cfg(feature = "tracing")]
            sent: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// The span, to enter around each step (sync) or to instrument a future (async).
    #[cfg(feature = "tracing")]
    pub(crate) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// What a request came back with.
    pub(crate) fn response(
        &self,
        outcome: &Result<Response<okta_factors_core::bytes::Bytes>, TransportError>,
    ) {
        #[cfg(feature = "tracing")]
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
    pub(crate) fn finish(&self, error: Option<&Error>, started: std::time::Instant) {
        #[cfg(feature = "tracing")]
        {
            if let Some(status) = error.and_then(Error::status) {
                self.span.record("status", status.as_u16());
            }
            use std::sync::atomic::Ordering::Relaxed;
            let retries = self.retries.load(Relaxed);
            let sent = self.sent.load(Relaxed);
            let polls = match self.kind {
                Kind::Call => 0,
                // The verify and its retries came first.
                Kind::Push => sent.saturating_sub(1 + retries),
                Kind::Activation => sent,
            };
            self.span.record("retries", retries);
            self.span.record("polls", polls);
            self.span.record("elapsed_ms", millis(started.elapsed()));
        }
    }
}

#[cfg(feature = "tracing")]
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
