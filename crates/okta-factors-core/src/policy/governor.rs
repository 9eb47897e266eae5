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
//! * starts with a few requests in flight and doubles them each round of
//!   answers; at a concurrent-limit `429` halves them, then grows them back
//!   by one per round of answers (AIMD, as TCP), never above
//!   [`GovernorConfig::max_concurrency`];
//! * places the reset on the local clock through the server's `Date`, so a
//!   client whose clock is off by hours paces as well as one that is not.
//!
//! A bucket whose answers carry no usable rate-limit headers (missing,
//! garbage, a reset in the past or more than two minutes ahead) is not paced:
//! nothing is ever held back by headers it cannot read.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};

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

/// Paces requests ahead of Okta's rate limits, through [`Governed`]: one per
/// org, shared by every clone of a client, and by every client given the
/// same governor (`ClientBuilder::governor`). Cheap to clone.
///
/// Okta counts requests per endpoint bucket and per org, in windows
/// (`X-Rate-Limit-Limit`, `-Remaining`, `-Reset`), and limits requests in
/// flight at once (a `429` whose `Limit` and `Remaining` are both `0`). The
/// governor learns each bucket from the responses and:
///
/// * never has more requests in flight than a bucket's remaining budget
///   allows, keeping [`GovernorConfig::share_percent`] of the limit for
///   itself (the rest is left to the org's other integrations);
/// * spreads what is left evenly until the window resets, rather than
///   spending it in a burst;
/// * sends one request at a time to a bucket it knows nothing about yet (the
///   first, and the first after a reset), which learns the window: at most one
///   `429` per bucket while learning;
/// * starts with a few requests in flight and doubles them each round of
///   answers; at a concurrent-limit `429` halves them, then grows them back
///   by one per round of answers (AIMD, as TCP), never above
///   [`GovernorConfig::max_concurrency`];
/// * places the reset on the local clock through the server's `Date`, so a
///   client whose clock is off by hours paces as well as one that is not.
///
/// A bucket whose answers carry no usable rate-limit headers (missing,
/// garbage, a reset in the past or more than two minutes ahead) is not paced:
/// nothing is ever held back by headers it cannot read.
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
    /// By [`bucket_key`].
    buckets: HashMap<u64, Bucket, BuildHasherDefault<KeyHasher>>,
    /// The last `Date` value seen and its time, to skip parsing it again
    /// (answers within a second carry the same one).
    last_date: Option<(HeaderValue, u64)>,
    /// The last ticket handed out.
    tickets: u64,
    in_flight: u32,
    /// The requests allowed in flight, at most `max_concurrency`: from
    /// [`INITIAL_CONCURRENCY`], +1 an answer up to `threshold` (slow start),
    /// then +1 a round of answers; halved at a concurrent-limit `429`.
    window: f64,
    threshold: f64,
    /// Counts the cuts: a `429` of a request sent before the last cut is
    /// part of the congestion that cut already answered.
    epoch: u64,
    /// `server time − local time`, known within `[lo, hi]` from the `Date`
    /// headers seen (a `Date` of `d` read at `t` puts it in `[d − t, d + 1 − t)`).
    offset: Option<(f64, f64)>,
}

#[derive(Debug, Default)]
struct Bucket {
    in_flight: u32,
    /// The tickets of the requests waiting for this bucket: admitted in
    /// this order (the oldest first), so no request loses every race.
    waiting: BTreeSet<u64>,
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
/// The requests in flight at first: grown quickly (slow start) so that a
/// concurrent limit is met by a few requests, not by a burst of them.
const INITIAL_CONCURRENCY: f64 = 4.0;

/// What [`Governor::admit`] decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Admission {
    /// Send now; hand the permit back with the outcome.
    Send(Permit),
    /// Ask again after this long, with this ticket (the request's place in
    /// the bucket's queue).
    Wait(Duration, u64),
}

/// A request in flight, counted against its bucket until it is answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Permit {
    bucket: u64,
    epoch: u64,
    /// When it was admitted (local Unix seconds).
    sent: f64,
}

impl Governor {
    /// A governor with `config` and nothing learned.
    pub fn new(config: GovernorConfig) -> Self {
        Self {
            config,
            state: Arc::new(Mutex::new(State {
                buckets: HashMap::default(),
                last_date: None,
                tickets: 0,
                in_flight: 0,
                window: INITIAL_CONCURRENCY.min(f64::from(config.max_concurrency.max(1))),
                threshold: f64::from(config.max_concurrency.max(1)),
                epoch: 0,
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

    /// The request of `ticket` no longer waits for `bucket` (its time ran
    /// out, or it was dropped).
    pub(crate) fn abandon(&self, bucket: u64, ticket: u64) {
        if let Some(entry) = self.lock().buckets.get_mut(&bucket) {
            entry.waiting.remove(&ticket);
        }
    }

    /// May a request to `bucket` be sent at `now` (local Unix seconds)? Not
    /// before the older requests waiting for the bucket: a request that
    /// waited asks again with the `ticket` its first [`Admission::Wait`]
    /// gave it (a request that is sent at once never needs one).
    pub(crate) fn admit(&self, bucket: u64, now: f64, ticket: Option<u64>) -> Admission {
        let mut state = self.lock();
        let state = &mut *state;
        let share = f64::from(self.config.share_percent.clamp(1, 100)) / 100.0;
        let concurrency = state.window.floor().max(1.0);
        let entry = state.buckets.entry(bucket).or_default();
        let delay = match ticket {
            // Behind an older request.
            Some(ticket) if entry.waiting.first() != Some(&ticket) => {
                Some(RECHECK.max(entry.next_slot - now))
            }
            None if !entry.waiting.is_empty() => Some(RECHECK.max(entry.next_slot - now)),
            _ => admission_delay(entry, state.in_flight, concurrency, share, now),
        };
        if let Some(delay) = delay {
            let ticket = ticket.unwrap_or_else(|| {
                state.tickets += 1;
                state.tickets
            });
            entry.waiting.insert(ticket);
            return Admission::Wait(secs(delay), ticket);
        }
        if let Some(ticket) = ticket {
            entry.waiting.remove(&ticket);
        }
        entry.in_flight += 1;
        state.in_flight += 1;
        Admission::Send(Permit {
            bucket,
            epoch: state.epoch,
            sent: now,
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
        // The rate-limit headers and the first `Date`, in one pass.
        let headers = response.headers();
        let mut rate = RateLimit::default();
        let mut date_value = None;
        for (name, value) in headers {
            if !rate.read(name, value) && name == http::header::DATE {
                date_value.get_or_insert(value);
            }
        }
        let date = match (date_value, &state.last_date) {
            (Some(value), Some((last, date))) if value == last => Some(*date),
            (value, _) => {
                let date = server_date(headers);
                if let (Some(value), Some(date)) = (value, date) {
                    state.last_date = Some((value.clone(), date));
                }
                date
            }
        };
        if let Some(date) = date {
            let (lo, hi) = (date as f64 - now, date as f64 + 1.0 - now);
            state.offset = match state.offset {
                Some((old_lo, old_hi)) if lo.max(old_lo) <= hi.min(old_hi) => {
                    Some((lo.max(old_lo), hi.min(old_hi)))
                }
                // First, or a clock stepped: start over from this answer.
                _ => Some((lo, hi)),
            };
        }
        let concurrent = response.status() == StatusCode::TOO_MANY_REQUESTS
            && rate.limit == Some(0)
            && rate.remaining == Some(0);
        if concurrent {
            if permit.epoch == state.epoch {
                state.threshold = (state.window / 2.0).max(1.0);
                state.window = state.threshold;
                state.epoch += 1;
            }
        } else if state.window < state.threshold {
            state.window = (state.window + 1.0).min(max);
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
        if reset <= now {
            // The window this answer was counted in has ended by our clock:
            // a late answer (sent near the end of its window, or slow) has
            // nothing to teach about the next one, and must not stop the
            // pacing. Only a reset before the request was even sent is
            // garbage (the reset is placed late, never early: see `offset`).
            if reset >= permit.sent {
                return;
            }
            bucket.window = Window::Unpaced;
            return;
        }
        if limit == 0 || reset - now > MAX_HORIZON {
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

/// How long the first request waiting for `entry` must still wait (`None`:
/// send it now, its slot taken), with `in_flight` requests in flight in all
/// and `concurrency` allowed.
fn admission_delay(
    entry: &mut Bucket,
    in_flight: u32,
    concurrency: f64,
    share: f64,
    now: f64,
) -> Option<f64> {
    if f64::from(in_flight) >= concurrency {
        return Some(RECHECK);
    }
    if let Window::Known { reset, .. } = entry.window {
        if now >= reset {
            entry.window = Window::Learning;
        }
    }
    match entry.window {
        Window::Unpaced => {}
        Window::Learning => {
            if entry.in_flight > 0 {
                return Some(RECHECK);
            }
        }
        Window::Known {
            limit,
            remaining,
            reset,
            ..
        } => {
            // What others may still use of this window: the part of the
            // limit not ours (ours is at least one request a window).
            let budget = (limit as f64 * share).floor().max(1.0);
            let reserve = limit as f64 - budget;
            let available = remaining as f64 - reserve - f64::from(entry.in_flight);
            if available < 1.0 {
                return Some(reset - now + RESET_MARGIN);
            }
            if now < entry.next_slot {
                return Some(entry.next_slot - now);
            }
            let interval = (reset - now).max(0.0) / available;
            entry.next_slot = entry.next_slot.max(now) + interval;
        }
    }
    None
}

fn secs(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds.max(0.001)).unwrap_or(Duration::from_secs(1))
}

/// The bucket of a request, as Okta's rate limits group endpoints: its
/// method and path with the IDs replaced (`GET /api/v1/users/{id}/factors`),
/// hashed (FNV-1a) as it is read, without building the text.
pub(crate) fn bucket_key(method: &Method, path: &str) -> u64 {
    fn mix(hash: u64, bytes: &[u8]) -> u64 {
        bytes.iter().fold(hash, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }
    let mut hash = mix(0xcbf2_9ce4_8422_2325, method.as_str().as_bytes());
    hash = mix(hash, b" ");
    let path = path.as_bytes();
    let Some(first) = path.iter().position(|&b| b == b'/') else {
        return hash;
    };
    let mut rest = path.get(first + 1..).unwrap_or_default();
    let mut previous: &[u8] = b"";
    // Each segment after the first slash, the last one included.
    loop {
        let end = rest.iter().position(|&b| b == b'/');
        let (segment, next) = match end {
            Some(end) => (&rest[..end], rest.get(end + 1..)),
            None => (rest, None),
        };
        hash = mix(hash, b"/");
        // After a collection (users, factors, transactions), an ID, unless
        // it is a named resource (catalog, questions).
        let id = matches!(previous, b"users" | b"factors" | b"transactions")
            && !matches!(segment, b"catalog" | b"questions");
        hash = mix(hash, if id { b"{id}" } else { segment });
        previous = segment;
        match next {
            Some(next) => rest = next,
            None => return hash,
        }
    }
}

/// The bucket's name that [`bucket_key`] hashes (for tests and docs).
#[cfg(test)]
fn bucket_of(method: &Method, path: &str) -> String {
    const COLLECTIONS: [&str; 3] = ["users", "factors", "transactions"];
    const NAMED: [&str; 2] = ["catalog", "questions"];
    let mut bucket = format!("{method} ");
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

/// The map's hasher: a [`bucket_key`] is a hash already.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 << 8) | u64::from(*byte);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
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
    /// A request the governor has not admitted yet, and its deadline (boxed:
    /// only a request that waits needs the room).
    pending: Option<Box<(Request<Vec<u8>>, Duration)>>,
    /// The bucket and ticket of the request waiting to be admitted.
    queued: Option<(u64, u64)>,
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
            queued: None,
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
            // The request to admit: the one held back, or the wrapped
            // machine's next (any other action passes through).
            let mut action = match self.pending.take() {
                Some(pending) => {
                    let (request, deadline) = *pending;
                    Action::Send {
                        request,
                        timeout: deadline.saturating_sub(now),
                    }
                }
                None => self.inner.next_action(now),
            };
            if let Action::Send { request, timeout } = &mut action {
                if timeout.is_zero() {
                    // Held back until the time ran out: the wrapped machine
                    // hears that its request timed out.
                    if let Some((bucket, ticket)) = self.queued.take() {
                        governor.abandon(bucket, ticket);
                    }
                    self.inner.handle(Err(out_of_time()), now, 0);
                    continue;
                }
                let (bucket, ticket) = match self.queued {
                    Some((bucket, ticket)) => (bucket, Some(ticket)),
                    None => (bucket_key(request.method(), request.uri().path()), None),
                };
                match governor.admit(bucket, self.local(now), ticket) {
                    Admission::Send(permit) => {
                        self.queued = None;
                        self.permit = Some(permit);
                    }
                    Admission::Wait(delay, ticket) => {
                        self.queued = Some((bucket, ticket));
                        let delay = delay.min(*timeout);
                        let request = std::mem::take(request);
                        self.pending = Some(Box::new((request, now + *timeout)));
                        action = Action::Wait {
                            delay,
                            reason: WaitReason::Pace,
                        };
                    }
                }
            }
            return action;
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

impl<M> Drop for Governed<'_, M> {
    /// A request dropped while waiting leaves the queue (older requests
    /// never wait for one that is gone).
    fn drop(&mut self) {
        if let (Some(governor), Some((bucket, ticket))) = (self.governor, self.queued.take()) {
            governor.abandon(bucket, ticket);
        }
    }
}

fn out_of_time() -> TransportError {
    TransportError::new(
        TransportErrorKind::Timeout(crate::error::TimeoutLimit::Request),
        "the time limit passed while the rate-limit governor held the request back",
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use std::collections::VecDeque;

    use proptest::prelude::*;

    use super::*;

    proptest::proptest! {
        /// The key is the FNV-1a hash of the bucket's name, for any path
        /// (the name built by splitting the path: a second implementation).
        #[test]
        fn a_key_is_the_hash_of_its_bucket_name(
            segments in proptest::collection::vec(
                proptest::sample::select(vec![
                    "", "api", "v1", "users", "factors", "transactions", "catalog",
                    "questions", "00u1", "x", "verify",
                ]),
                0..8,
            ),
            leading_slash: bool,
        ) {
            let path = segments.join("/");
            let path = if leading_slash { format!("/{path}") } else { path };
            let fnv = bucket_of(&Method::GET, &path)
                .bytes()
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
                });
            proptest::prop_assert_eq!(bucket_key(&Method::GET, &path), fnv, "{:?}", path);
        }
    }

    #[test]
    fn buckets_are_endpoints_with_the_ids_replaced() {
        for (method, path, bucket) in [
            (
                Method::GET,
                "/api/v1/users/00u1/factors",
                "GET /api/v1/users/{id}/factors",
            ),
            (
                Method::POST,
                "/api/v1/users/00u1/factors",
                "POST /api/v1/users/{id}/factors",
            ),
            (
                Method::GET,
                "/api/v1/users/00u1/factors/catalog",
                "GET /api/v1/users/{id}/factors/catalog",
            ),
            (
                Method::GET,
                "/api/v1/users/00u1/factors/questions",
                "GET /api/v1/users/{id}/factors/questions",
            ),
            (
                Method::POST,
                "/api/v1/users/00u1/factors/ufs2/verify",
                "POST /api/v1/users/{id}/factors/{id}/verify",
            ),
            (
                Method::GET,
                "/api/v1/users/00u1/factors/ufs2/transactions/v2m3",
                "GET /api/v1/users/{id}/factors/{id}/transactions/{id}",
            ),
            (
                Method::POST,
                "/api/v1/users/00u1/factors/ufs2/lifecycle/activate",
                "POST /api/v1/users/{id}/factors/{id}/lifecycle/activate",
            ),
            (Method::POST, "/oauth2/v1/token", "POST /oauth2/v1/token"),
        ] {
            assert_eq!(bucket_of(&method, path), bucket, "{path}");
            // The key is the name's hash (FNV-1a), without building the name.
            let fnv = bucket.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
            });
            assert_eq!(bucket_key(&method, path), fnv, "{path}");
        }
    }

    /// A call held back by an exhausted window waits (`WaitReason::Pace`),
    /// never past its own time limit, and then times out; the next window's
    /// call goes through.
    #[test]
    fn a_governed_call_waits_within_its_time_limit() {
        use crate::operations::ListFactors;
        use crate::policy::Call;
        use crate::{ClientConfig, Credentials, OrgUrl};

        let unix = 1_796_119_200.0;
        let governor = Governor::new(GovernorConfig::default());
        let bucket = bucket_key(&Method::GET, "/api/v1/users/00u1/factors");
        let Admission::Send(permit) = governor.admit(bucket, unix, None) else {
            panic!("the first request is admitted");
        };
        let date =
            httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(1_796_119_200));
        let exhausted = Response::builder()
            .status(200)
            .header("x-rate-limit-limit", "100")
            .header("x-rate-limit-remaining", "0")
            .header("x-rate-limit-reset", "1796119260")
            .header("date", date)
            .body(Bytes::new())
            .unwrap();
        governor.record(permit, Some(&exhausted), unix);

        let mut config = ClientConfig::new(
            OrgUrl::parse("https://dev-123456.okta.com").unwrap(),
            Credentials::api_token("00token").unwrap(),
        );
        config.request_timeout = Duration::from_secs(5);
        let op = ListFactors::new("00u1");
        let mut call = Governed::new(
            Call::new(&op, &config),
            Some(&governor),
            Duration::from_secs_f64(unix),
        );
        let Action::Wait { delay, reason } = call.next_action(Duration::ZERO) else {
            panic!("held back");
        };
        assert_eq!(reason, WaitReason::Pace);
        assert_eq!(
            delay,
            Duration::from_secs(5),
            "at most the call's time limit"
        );
        let Action::Done(Err(error)) = call.next_action(Duration::from_secs(5)) else {
            panic!("timed out");
        };
        assert!(error.is_timeout(), "{error:?}");

        // After the reset (60 s on): one request learns the new window.
        let later = Duration::from_secs_f64(unix + 61.0);
        let mut call = Governed::new(Call::new(&op, &config), Some(&governor), later);
        assert!(matches!(
            call.next_action(Duration::ZERO),
            Action::Send { .. }
        ));
        // Without a governor: the call itself.
        let mut call = Governed::new(Call::new(&op, &config), None, Duration::ZERO);
        assert!(matches!(
            call.next_action(Duration::ZERO),
            Action::Send { .. }
        ));
    }

    /// First come, first served: when a slot frees up, a request that
    /// asked later waits for the older one, whoever asks first; an
    /// abandoned request no longer holds anyone back.
    #[test]
    fn requests_are_admitted_in_the_order_they_came() {
        let governor = Governor::new(GovernorConfig::default());
        let bucket = bucket_key(&Method::GET, "/api/v1/users/00u1/factors");
        let now = 1_796_119_200.0;
        // Learning: one request at a time; those held back get tickets.
        let Admission::Send(first) = governor.admit(bucket, now, None) else {
            panic!("the first request goes");
        };
        let Admission::Wait(_, older) = governor.admit(bucket, now, None) else {
            panic!("the second waits");
        };
        let Admission::Wait(_, newer) = governor.admit(bucket, now, None) else {
            panic!("the third waits");
        };
        assert!(older < newer);
        governor.record(first, None, now);
        // A slot is free, but a request that has not waited yet queues
        // behind the waiting ones.
        let Admission::Wait(_, latecomer) = governor.admit(bucket, now, None) else {
            panic!("a newcomer does not jump the queue");
        };
        governor.abandon(bucket, latecomer);
        // The newer asks first: it waits for the older.
        assert!(matches!(
            governor.admit(bucket, now, Some(newer)),
            Admission::Wait(_, ticket) if ticket == newer
        ));
        let Admission::Send(second) = governor.admit(bucket, now, Some(older)) else {
            panic!("the older goes first");
        };
        governor.record(second, None, now);
        // A third gives up; the newer is not held back by it.
        let Admission::Send(newer_permit) = governor.admit(bucket, now, Some(newer)) else {
            panic!("the newer goes next");
        };
        let Admission::Wait(_, third) = governor.admit(bucket, now, None) else {
            panic!("learning: one at a time");
        };
        let Admission::Wait(_, fourth) = governor.admit(bucket, now, None) else {
            panic!("learning: one at a time");
        };
        governor.abandon(bucket, third);
        governor.record(newer_permit, None, now);
        assert!(matches!(
            governor.admit(bucket, now, Some(fourth)),
            Admission::Send(_)
        ));
    }

    /// How the modelled server answers.
    #[derive(Debug, Clone, Copy)]
    enum Headers {
        /// Okta's: limit, remaining, reset, date.
        Okta,
        /// None at all.
        Missing,
        /// Unparsable values.
        Garbage,
        /// A reset already past by the server's own clock.
        ResetInThePast,
    }

    /// A model of one Okta bucket: windows of `window` seconds on the
    /// server's clock (`skew` seconds ahead of ours), `limit` requests per
    /// window, at most `concurrent` in flight, answered after `latency`.
    #[derive(Debug, Clone, Copy)]
    struct Org {
        window: f64,
        limit: u64,
        concurrent: u32,
        latency: f64,
        skew: f64,
        headers: Headers,
    }

    #[derive(Debug, Default)]
    struct Outcome {
        done: u32,
        window_429s: u32,
        concurrent_429s: u32,
        /// 429s per window index.
        per_window: HashMap<u64, u32>,
        /// Requests the server counted, per window.
        counted: HashMap<u64, u64>,
        elapsed: f64,
        /// The most requests the governor had in flight at once.
        max_in_flight: u32,
        /// The longest a request waited to be admitted, in seconds.
        max_wait: f64,
    }

    /// Runs `requests` requests from `workers` workers through a governor
    /// against `org`, in virtual time (1 ms steps; the clock starts at an
    /// arbitrary Unix time).
    fn run(org: Org, config: GovernorConfig, workers: usize, requests: u32) -> Outcome {
        const START: f64 = 1_700_000_000.25;
        let governor = Governor::new(config);
        let mut out = Outcome::default();
        // Each worker: the time it acts next, and its request in flight
        // (permit, when answered, response).
        let mut next: Vec<f64> = vec![START; workers];
        let mut flying: Vec<Option<(Permit, f64, Response<Bytes>)>> = vec![None; workers];
        let mut issued = 0u32;
        let mut server_in_flight: VecDeque<f64> = VecDeque::new();
        // Each worker's request waiting to be admitted: its ticket, since when.
        // Each worker's ticket (once held back), and when it first asked.
        let mut tickets: Vec<Option<u64>> = vec![None; workers];
        let mut asked: Vec<Option<f64>> = vec![None; workers];
        let mut t = START;
        // Starved: not done long after the budget allows.
        let budget = (org.limit as f64 * f64::from(config.share_percent) / 100.0)
            .floor()
            .max(1.0);
        let limit_time = START + (f64::from(requests) / budget + 3.0) * org.window * 2.0 + 60.0;
        while out.done < requests {
            assert!(t < limit_time, "starved: {} of {requests} done", out.done);
            server_in_flight.retain(|&end| end > t);
            for w in 0..workers {
                if let Some((_, at, _)) = &flying[w] {
                    if *at <= t {
                        let (permit, _, response) = flying[w].take().unwrap();
                        governor.record(permit, Some(&response), t);
                        if response.status() == StatusCode::OK {
                            out.done += 1;
                        } else {
                            issued -= 1; // sent again
                        }
                        next[w] = t;
                    }
                    continue;
                }
                if issued >= requests {
                    // Nothing left to send: leave the queue.
                    if let Some(ticket) = tickets[w].take() {
                        governor.abandon(7, ticket);
                    }
                    continue;
                }
                if next[w] > t {
                    continue;
                }
                let since = *asked[w].get_or_insert(t);
                match governor.admit(7, t, tickets[w]) {
                    Admission::Wait(delay, ticket) => {
                        tickets[w] = Some(ticket);
                        next[w] = t + delay.as_secs_f64();
                    }
                    Admission::Send(permit) => {
                        tickets[w] = None;
                        asked[w] = None;
                        out.max_wait = out.max_wait.max(t - since);
                        issued += 1;
                        let server = t + org.skew;
                        let index = (server / org.window).floor() as u64;
                        let reset = ((index + 1) as f64 * org.window).ceil() as u64;
                        let counted = out.counted.entry(index).or_default();
                        let status;
                        let (mut limit, mut remaining) = (org.limit, 0);
                        if server_in_flight.len() as u32 >= org.concurrent {
                            status = 429;
                            limit = 0;
                            out.concurrent_429s += 1;
                        } else if *counted >= org.limit {
                            status = 429;
                            out.window_429s += 1;
                            *out.per_window.entry(index).or_default() += 1;
                        } else {
                            *counted += 1;
                            remaining = org.limit - *counted;
                            status = 200;
                        }
                        server_in_flight.push_back(t + org.latency);
                        let answered = t + org.latency;
                        let date = (answered + org.skew).floor() as u64;
                        let mut response = Response::builder().status(status);
                        let date_text = httpdate::fmt_http_date(
                            std::time::UNIX_EPOCH + Duration::from_secs(date),
                        );
                        response = match org.headers {
                            Headers::Okta => response
                                .header("x-rate-limit-limit", limit)
                                .header("x-rate-limit-remaining", remaining)
                                .header("x-rate-limit-reset", reset)
                                .header("date", date_text),
                            Headers::Missing => response,
                            Headers::Garbage => response
                                .header("x-rate-limit-limit", "lots")
                                .header("x-rate-limit-remaining", "-1")
                                .header("x-rate-limit-reset", "soon")
                                .header("date", "yesterday"),
                            Headers::ResetInThePast => response
                                .header("x-rate-limit-limit", limit)
                                .header("x-rate-limit-remaining", remaining)
                                .header("x-rate-limit-reset", date.saturating_sub(5))
                                .header("date", date_text),
                        };
                        let response = response.body(Bytes::new()).unwrap();
                        flying[w] = Some((permit, answered, response));
                        let in_flight = governor.lock().in_flight;
                        out.max_in_flight = out.max_in_flight.max(in_flight);
                    }
                }
            }
            t += 0.001;
        }
        out.elapsed = t - START;
        out
    }

    fn okta(window: f64, limit: u64, skew: f64) -> Org {
        Org {
            window,
            limit,
            concurrent: 1_000,
            latency: 0.004,
            skew,
            headers: Headers::Okta,
        }
    }

    /// The issue's benchmark shape in virtual time: 100 per 2 s, 64
    /// workers, 80 % share: never a 429, and the share's rate.
    #[test]
    fn a_sweep_uses_its_share_without_a_429() {
        let config = GovernorConfig::default().share_percent(80);
        let out = run(okta(2.0, 100, 0.0), config, 64, 800);
        assert_eq!((out.window_429s, out.concurrent_429s), (0, 0), "{out:?}");
        // 80 a window: 800 requests take 10 windows (9 and a part).
        let rate = f64::from(out.done) / out.elapsed;
        assert!(rate >= 0.95 * 40.0, "{rate} requests/s: {out:?}");
        for (window, counted) in &out.counted {
            assert!(*counted <= 100, "window {window}: {counted}");
        }
    }

    /// A concurrent limit of 25 under 64 workers: the governor halves on
    /// the first 429s and settles under the limit.
    #[test]
    fn the_concurrency_settles_under_the_concurrent_limit() {
        let org = Org {
            concurrent: 25,
            latency: 0.05,
            ..okta(2.0, 10_000, 0.0)
        };
        let out = run(org, GovernorConfig::default(), 64, 3_000);
        assert!(
            out.concurrent_429s <= 150,
            "{} concurrent 429s for 3000 requests",
            out.concurrent_429s
        );
        assert_eq!(out.window_429s, 0);
    }

    /// Found by the property below (CI, a seed of its own): an answer
    /// counted just before its window's reset and received after it used to
    /// make the bucket unpaced, and 41 requests went out at once into a
    /// window of 39 (2 `429`s). A late answer now leaves the pacing alone.
    #[test]
    fn a_late_answer_of_an_ended_window_does_not_stop_the_pacing() {
        let config = GovernorConfig::default().share_percent(72);
        let out = run(okta(1.0, 39, -2296.969203544754), config, 45, 300);
        assert_eq!(out.window_429s, 0, "{out:?}");
        assert!(out.counted.values().all(|n| *n <= 28), "{out:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever the window, limit, share, clock skew and workers: the
        /// server never counts more than the limit in a window (so no 429
        /// once learnt), at most one 429 per window at all, every request
        /// gets through (no starvation), and at a pace near the share.
        #[test]
        fn pacing_stays_within_the_budget_and_never_starves(
            window in prop::sample::select(vec![1.0f64, 2.0, 5.0]),
            limit in 5u64..200,
            share in 10u8..=100,
            skew in -7200.0f64..7200.0,
            workers in 1usize..64,
        ) {
            let config = GovernorConfig::default().share_percent(share);
            let requests = 300;
            let out = run(okta(window, limit, skew), config, workers, requests);
            prop_assert_eq!(out.done, requests);
            prop_assert!(out.per_window.values().all(|n| *n <= 1), "{:?}", out);
            let budget = (limit as f64 * f64::from(share) / 100.0).floor().max(1.0);
            for counted in out.counted.values() {
                prop_assert!(*counted <= limit);
            }
            // Not much slower than the share allows (whole windows, plus
            // one at each end).
            let windows = (f64::from(requests) / budget).ceil() + 2.0;
            prop_assert!(out.elapsed <= windows * window + 1.0, "{} s: {:?}", out.elapsed, out);
            prop_assert!(out.max_in_flight <= config.max_concurrency);
            // First come, first served: no request waits much longer than
            // the budget takes to serve every worker ahead of it.
            let fair = ((workers as f64 / budget).ceil() + 2.0) * window + 1.0;
            prop_assert!(out.max_wait <= fair, "waited {} s (at most {} s): {:?}", out.max_wait, fair, out);
        }

        /// Headers it cannot use never hold requests back.
        #[test]
        fn unusable_headers_do_not_pace(
            headers in prop::sample::select(vec![Headers::Missing, Headers::Garbage, Headers::ResetInThePast]),
            workers in 1usize..32,
        ) {
            let org = Org { headers, ..okta(2.0, 1_000_000, 0.0) };
            let out = run(org, GovernorConfig::default(), workers, 500);
            prop_assert_eq!(out.done, 500);
            // About 6 ms a request in the model's 1 ms steps, `workers` (or
            // fewer, early in the slow start) at a time.
            prop_assert!(out.elapsed <= 500.0 * 0.007 / workers as f64 + 0.1, "{:?}", out);
        }
    }
}
