//! [`Governor`]: paces requests ahead of Okta's rate limits instead of
//! reacting to `429`s, and [`Governed`], the machine wrapper that asks it
//! before every request. Sans-IO: time comes in as arguments.
//!
//! Okta counts requests per endpoint bucket and per org, in windows
//! (`X-Rate-Limit-Limit`, `-Remaining`, `-Reset`), and limits requests in
//! flight at once (a `429` whose `Limit` and `Remaining` are both `0`). The
//! governor learns each bucket from the responses and:
//!
//! * never has more requests in flight than a bucket's remaining budget
//!   allows, keeping [`GovernorConfig::share_percent`] of the limit for
//!   itself (the rest is left to the org's other integrations);
//! * spreads what is left evenly until the window resets, rather than
//!   spending it in a burst;
//! * sends one request at a time to a bucket it knows nothing about yet (the
//!   first, and the first after a reset), which learns the window: at most one
//!   `429` per bucket while learning;
//! * halves the requests it lets in flight at a concurrent-limit `429` and
//!   grows them back by one per round of answers (AIMD), never above
//!   [`GovernorConfig::max_concurrency`];
//! * places the reset on the local clock through the server's `Date`, so a
//!   client whose clock is off by hours paces as well as one that is not.
//!
//! A bucket whose answers carry no usable rate-limit headers (missing,
//! garbage, a reset in the past or more than two minutes ahead) is not paced:
//! nothing is ever held back by headers it cannot read.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};

use super::machine::{Action, Machine, WaitReason};
use super::time::server_date;
use crate::error::{TransportError, TransportErrorKind};
use crate::meta::RateLimit;

/// How a [`Governor`] paces.
///
/// ```
/// use okta_factors::policy::GovernorConfig;
/// let config = GovernorConfig::default().share_percent(50).max_concurrency(16);
/// assert_eq!((config.share_percent, config.max_concurrency), (50, 16));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GovernorConfig {
    /// The share of each bucket's limit this client uses, in percent
    /// (1-100, default 80): the rest is left to the org's other
    /// integrations.
    pub share_percent: u8,
    /// The most requests in flight at once (default 64); a concurrent-limit
    /// `429` lowers the number for a while.
    pub max_concurrency: u32,
}

impl Default for GovernorConfig {
    fn default() -> Self {
        Self {
            share_percent: 80,
            max_concurrency: 64,
        }
    }
}

impl GovernorConfig {
    /// Sets [`GovernorConfig::share_percent`] (clamped to 1-100).
    pub fn share_percent(mut self, percent: u8) -> Self {
        self.share_percent = percent.clamp(1, 100);
        self
    }

    /// Sets [`GovernorConfig::max_concurrency`] (at least 1).
    pub fn max_concurrency(mut self, max: u32) -> Self {
        self.max_concurrency = max.max(1);
        self
    }
}

/// Paces requests ahead of Okta's rate limits (see the [module](self)
/// docs): one per org, shared by every clone of a client, and by every client
/// given the same governor (`ClientBuilder::governor`). Cheap to clone.
///
/// ```
/// use okta_factors::policy::{Governor, GovernorConfig};
/// let governor = Governor::new(GovernorConfig::default().share_percent(80));
/// let shared = governor.clone(); // the same budget
/// assert_eq!(shared.config().share_percent, 80);
/// ```
#[derive(Clone)]
pub struct Governor {
    config: GovernorConfig,
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for Governor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Governor")
            .field("config", &self.config)
            .field("buckets", &state.buckets.len())
            .field("in_flight", &state.in_flight)
            .field("concurrency", &state.window)
            .finish()
    }
}

impl PartialEq for Governor {
    /// The same governor (shared state), not an equal configuration.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }
}

/// The governor's knowledge, behind its lock. Times are local Unix seconds.
#[derive(Debug)]
struct State {
    buckets: HashMap<String, Bucket>,
    in_flight: u32,
    /// The requests allowed in flight (AIMD), at most `max_concurrency`.
    window: f64,
    last_cut: Option<f64>,
    /// `server time − local time`, known within `[lo, hi]` from the `Date`
    /// headers seen (a `Date` of `d` read at `t` puts it in `[d − t, d + 1 − t)`).
    offset: Option<(f64, f64)>,
}

#[derive(Debug, Default)]
struct Bucket {
    in_flight: u32,
    window: Window,
    /// The earliest time of the next admission (pacing).
    next_slot: f64,
}

#[derive(Debug, Default, Clone, Copy)]
enum Window {
    /// Nothing learned yet, or the window reset: one request at a time.
    #[default]
    Learning,
    /// The answers carry no usable headers: not paced.
    Unpaced,
    /// The current window: `remaining` of `limit` until `reset` (local).
    Known {
        limit: u64,
        remaining: u64,
        reset: f64,
        /// The server's reset, to tell answers of this window from the next's.
        server_reset: u64,
    },
}

/// Waits while a request cannot be admitted: short, so a slot that frees up
/// is seen soon; the deadline of the call bounds the total.
const RECHECK: f64 = 0.005;
/// A reset further ahead than this is garbage (Okta's windows are a minute).
const MAX_HORIZON: f64 = 120.0;
/// After a reset, wait this much longer before learning the next window: the
/// server's clock and ours agree only to a few milliseconds.
const RESET_MARGIN: f64 = 0.02;
/// At most one cut of the concurrency per this many seconds: the `429`s of
/// one burst are one congestion event.
const CUT_INTERVAL: f64 = 0.25;

/// What [`Governor::admit`] decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Admission {
    /// Send now; hand the permit back with the outcome.
    Send(Permit),
    /// Ask again after this long.
    Wait(Duration),
}

/// A request in flight, counted against its bucket until it is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Permit {
    bucket: String,
}

impl Governor {
    /// A governor with `config` and nothing learned.
    pub fn new(config: GovernorConfig) -> Self {
        Self {
            config,
            state: Arc::new(Mutex::new(State {
                buckets: HashMap::new(),
                in_flight: 0,
                window: f64::from(config.max_concurrency.max(1)),
                last_cut: None,
                offset: None,
            })),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &GovernorConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent counters (every
        // update is a few plain assignments): carry on with them.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// May a request to `bucket` be sent at `now` (local Unix seconds)?
    pub(crate) fn admit(&self, bucket: &str, now: f64) -> Admission {
        let mut state = self.lock();
        let state = &mut *state;
        if f64::from(state.in_flight) >= state.window.floor().max(1.0) {
            return Admission::Wait(secs(RECHECK));
        }
        let share = f64::from(self.config.share_percent.clamp(1, 100)) / 100.0;
        let entry = state.buckets.entry(bucket.to_owned()).or_default();
        if let Window::Known { reset, .. } = entry.window {
            if now >= reset {
                entry.window = Window::Learning;
            }
        }
        match entry.window {
            Window::Unpaced => {}
            Window::Learning => {
                if entry.in_flight > 0 {
                    return Admission::Wait(secs(RECHECK));
                }
            }
            Window::Known {
                limit,
                remaining,
                reset,
                ..
            } => {
                // What others may still use of this window: the part of the
                // limit not ours.
                let reserve = (limit as f64 * (1.0 - share)).ceil();
                let available = remaining as f64 - reserve - f64::from(entry.in_flight);
                if available < 1.0 {
                    return Admission::Wait(secs(reset - now + RESET_MARGIN));
                }
                if now < entry.next_slot {
                    return Admission::Wait(secs(entry.next_slot - now));
                }
                let interval = (reset - now).max(0.0) / available;
                entry.next_slot = entry.next_slot.max(now) + interval;
            }
        }
        entry.in_flight += 1;
        state.in_flight += 1;
        Admission::Send(Permit {
            bucket: bucket.to_owned(),
        })
    }

    /// The request of `permit` was answered with `response` (or failed:
    /// `None`) at `now` (local Unix seconds): learn from it.
    pub(crate) fn record(&self, permit: Permit, response: Option<&Response<Bytes>>, now: f64) {
        let mut state = self.lock();
        let state = &mut *state;
        state.in_flight = state.in_flight.saturating_sub(1);
        let max = f64::from(self.config.max_concurrency.max(1));
        let Some(response) = response else {
            if let Some(bucket) = state.buckets.get_mut(&permit.bucket) {
                bucket.in_flight = bucket.in_flight.saturating_sub(1);
            }
            return;
        };
        let headers = response.headers();
        if let Some(date) = server_date(headers) {
            let (lo, hi) = (date as f64 - now, date as f64 + 1.0 - now);
            state.offset = match state.offset {
                Some((old_lo, old_hi)) if lo.max(old_lo) <= hi.min(old_hi) => {
                    Some((lo.max(old_lo), hi.min(old_hi)))
                }
                // First, or a clock stepped: start over from this answer.
                _ => Some((lo, hi)),
            };
        }
        let rate = RateLimit::from_headers(headers);
        let concurrent = response.status() == StatusCode::TOO_MANY_REQUESTS
            && rate.limit == Some(0)
            && rate.remaining == Some(0);
        if concurrent {
            if state.last_cut.is_none_or(|cut| now - cut >= CUT_INTERVAL) {
                state.window = (state.window / 2.0).max(1.0);
                state.last_cut = Some(now);
            }
        } else {
            state.window = (state.window + 1.0 / state.window).min(max);
        }
        // Where the server's reset falls on our clock: late rather than early
        // (the offset's low end).
        let offset = state.offset.map_or(0.0, |(lo, _)| lo);
        let Some(bucket) = state.buckets.get_mut(&permit.bucket) else {
            return;
        };
        bucket.in_flight = bucket.in_flight.saturating_sub(1);
        if concurrent {
            return;
        }
        let (Some(limit), Some(remaining), Some(server_reset)) =
            (rate.limit, rate.remaining, rate.reset)
        else {
            bucket.window = Window::Unpaced;
            return;
        };
        let reset = server_reset as f64 - offset;
        if limit == 0 || reset <= now || reset - now > MAX_HORIZON {
            bucket.window = Window::Unpaced;
            return;
        }
        let exhausted = response.status() == StatusCode::TOO_MANY_REQUESTS;
        let remaining = if exhausted { 0 } else { remaining.min(limit) };
        bucket.window = match bucket.window {
            // An answer of the window already known: the lowest remaining
            // wins (answers arrive out of order).
            Window::Known {
                remaining: known,
                server_reset: known_reset,
                reset: known_local,
                ..
            } if known_reset == server_reset => Window::Known {
                limit,
                remaining: remaining.min(known),
                reset: known_local,
                server_reset,
            },
            // A late answer of the previous window: nothing to learn.
            Window::Known {
                server_reset: known_reset,
                ..
            } if known_reset > server_reset => bucket.window,
            _ => Window::Known {
                limit,
                remaining,
                reset,
                server_reset,
            },
        };
    }
}

fn secs(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds.max(0.001)).unwrap_or(Duration::from_secs(1))
}

/// The bucket of a request: its method and path with the IDs replaced, as
/// Okta's rate limits group endpoints (`GET /api/v1/users/{id}/factors`).
pub(crate) fn bucket_of(method: &Method, path: &str) -> String {
    /// Collections whose next segment is an ID, unless it is one of `NAMED`.
    const COLLECTIONS: [&str; 3] = ["users", "factors", "transactions"];
    const NAMED: [&str; 2] = ["catalog", "questions"];
    let mut bucket = String::with_capacity(path.len() + 8);
    bucket.push_str(method.as_str());
    bucket.push(' ');
    let mut previous = "";
    for segment in path.split('/').skip(1) {
        bucket.push('/');
        if COLLECTIONS.contains(&previous) && !NAMED.contains(&segment) {
            bucket.push_str("{id}");
        } else {
            bucket.push_str(segment);
        }
        previous = segment;
    }
    bucket
}

/// A [`Machine`] that asks a [`Governor`] before each request of the machine
/// it wraps, waiting while the governor says so (within the request's time
/// limit), and tells it every answer. Without a governor it is the wrapped
/// machine unchanged. The clients wrap every call in one when
/// `ClientBuilder::governor` is set; a driver of your own can too.
///
/// `unix_start` is the Unix time at which the driver's `now` is zero (the
/// governor is shared by machines that start at different times).
pub struct Governed<'g, M> {
    inner: M,
    governor: Option<&'g Governor>,
    unix_start: Duration,
    /// A request the governor has not admitted yet, and its deadline.
    pending: Option<(Request<Vec<u8>>, Duration)>,
    permit: Option<Permit>,
}

impl<M: fmt::Debug> fmt::Debug for Governed<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Governed")
            .field("inner", &self.inner)
            .field("governed", &self.governor.is_some())
            .field("pending", &self.pending.is_some())
            .finish_non_exhaustive()
    }
}

impl<'g, M: Machine> Governed<'g, M> {
    /// `inner`, paced by `governor` (if any).
    pub fn new(inner: M, governor: Option<&'g Governor>, unix_start: Duration) -> Self {
        Self {
            inner,
            governor,
            unix_start,
            pending: None,
            permit: None,
        }
    }

    fn local(&self, now: Duration) -> f64 {
        (self.unix_start + now).as_secs_f64()
    }
}

impl<M: Machine> Machine for Governed<'_, M> {
    type Output = M::Output;

    fn next_action(&mut self, now: Duration) -> Action<M::Output> {
        let Some(governor) = self.governor else {
            return self.inner.next_action(now);
        };
        loop {
            let (request, deadline) = match self.pending.take() {
                Some(pending) => pending,
                None => match self.inner.next_action(now) {
                    Action::Send { request, timeout } => (request, now + timeout),
                    other => return other,
                },
            };
            let Some(left) = deadline.checked_sub(now).filter(|left| !left.is_zero()) else {
                // Held back until the time ran out: the wrapped machine hears
                // that its request timed out.
                self.inner.handle(Err(out_of_time()), now, 0);
                continue;
            };
            let bucket = bucket_of(request.method(), request.uri().path());
            match governor.admit(&bucket, self.local(now)) {
                Admission::Send(permit) => {
                    self.permit = Some(permit);
                    return Action::Send {
                        request,
                        timeout: left,
                    };
                }
                Admission::Wait(delay) => {
                    self.pending = Some((request, deadline));
                    return Action::Wait {
                        delay: delay.min(left),
                        reason: WaitReason::Pace,
                    };
                }
            }
        }
    }

    fn handle(
        &mut self,
        outcome: Result<Response<Bytes>, TransportError>,
        now: Duration,
        random: u64,
    ) {
        if let (Some(governor), Some(permit)) = (self.governor, self.permit.take()) {
            governor.record(permit, outcome.as_ref().ok(), self.local(now));
        }
        self.inner.handle(outcome, now, random);
    }
}

fn out_of_time() -> TransportError {
    TransportError::new(
        TransportErrorKind::Timeout(crate::error::TimeoutLimit::Request),
        "the time limit passed while the rate-limit governor held the request back",
    )
}
