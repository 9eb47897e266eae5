//! [`Machine`]: the one shape of every interaction with Okta (an operation call
//! with its retries, a push verification with its polling, a push activation),
//! so that one driver loop per kind of transport runs them all.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};

use super::retry::RetryReason;
use crate::error::{Error, TransportError, TransportErrorKind};

/// What the driver of a [`Machine`] does next.
///
/// Exhaustive on purpose: a driver must handle every action, so a new one is a
/// breaking change.
///
/// Its `Debug` shows a request's method, path, header names, body length and
/// time limit, never its body (passcodes, answers, shared secrets), query or
/// header values (`Authorization`), unlike `http::Request`'s own.
// A `Send` is larger than the other actions; an action is made, matched and
// consumed at once, so boxing its request would cost an allocation per request
// for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Action<T> {
    /// Send `request`; it must be over (response head and body read) within
    /// `timeout`. Hand the response, or the transport's failure, to
    /// [`Machine::handle`].
    Send {
        /// The request, exactly as it must go on the wire.
        request: Request<Vec<u8>>,
        /// How long this request may take: what is left of the call's time limit.
        timeout: Duration,
    },
    /// Wait `delay`, then ask for the next action.
    Wait {
        /// How long.
        delay: Duration,
        /// Why (for logs and traces).
        reason: WaitReason,
    },
    /// Show the user this number (a number-matching push: the number to pick on
    /// the phone), then ask for the next action at once. Given as soon as the
    /// number is known, and again only when Okta's answers change it.
    ShowNumber(u32),
    /// The interaction is over. Asking for another action afterwards is a
    /// driver bug, answered with `Done(Err(_))`.
    Done(Result<T, Error>),
}

impl<T: fmt::Debug> fmt::Debug for Action<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Send { request, timeout } => f
                .debug_struct("Send")
                .field("method", request.method())
                .field("path", &request.uri().path())
                .field(
                    "headers",
                    &request
                        .headers()
                        .keys()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>(),
                )
                .field("body_len", &request.body().len())
                .field("timeout", timeout)
                .finish(),
            Self::Wait { delay, reason } => f
                .debug_struct("Wait")
                .field("delay", delay)
                .field("reason", reason)
                .finish(),
            Self::ShowNumber(number) => f.debug_tuple("ShowNumber").field(number).finish(),
            Self::Done(result) => f.debug_tuple("Done").field(result).finish(),
        }
    }
}

/// Why a [`Machine`] waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitReason {
    /// A rate-limit `429` is retried after the wait.
    RateLimit {
        /// Which retry the next request is (1, 2, …).
        retry: u32,
        /// How the delay was chosen.
        reason: RetryReason,
    },
    /// Between two polls of a push.
    Poll {
        /// Polls sent so far.
        polls: u32,
        /// Polls that failed in a row just before this wait (0 after a good one).
        failures: u32,
    },
    /// Another call sharing the credentials is getting the service app's
    /// access token; look again after the wait (feature `oauth`).
    Token,
    /// The rate-limit [`Governor`](super::Governor) holds the request back
    /// to stay within the org's limits; look again after the wait.
    Pace,
}

/// One interaction with Okta as a sans-IO state machine, in the quinn-proto /
/// rustls style: it says what to do next ([`Machine::next_action`]) and is told
/// what happened ([`Machine::handle`]). Time comes in as `now` (any monotonic
/// clock's time since the interaction started) and randomness as `random`, so
/// the machine never reads a clock or sleeps, and the same machine runs under
/// a blocking and an async transport.
///
/// A complete driver:
///
/// ```
/// use std::time::Instant;
/// use okta_factors::policy::{Action, Call, Machine};
/// use okta_factors::{operations::ListFactors, ClientConfig, Credentials, OrgUrl};
///
/// # use okta_factors::bytes::Bytes;
/// # fn send(_: http::Request<Vec<u8>>) -> Result<http::Response<Bytes>, okta_factors::TransportError> {
/// #     Ok(http::Response::builder().status(200).body(Bytes::from_static(b"[]")).unwrap())
/// # }
/// let config = ClientConfig::new(OrgUrl::parse("https://dev-123456.okta.com")?, Credentials::api_token("00token")?);
/// let op = ListFactors::new("00u15s1KDETTQMQYABRL");
/// let mut machine = Call::new(&op, &config);
/// let started = Instant::now();
/// let factors = loop {
///     match machine.next_action(started.elapsed()) {
///         Action::Send { request, timeout: _ } => {
///             let response = send(request); // your transport, within the timeout
///             machine.handle(response, started.elapsed(), rand_u64());
///         }
///         Action::Wait { delay, .. } => std::thread::sleep(delay),
///         Action::ShowNumber(number) => println!("pick {number} on your phone"),
///         Action::Done(result) => break result?,
///     }
/// };
/// assert!(factors.value.is_empty());
/// # fn rand_u64() -> u64 { 4 }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Machine {
    /// The interaction's result.
    type Output;

    /// What to do now; `now` is the time since the interaction started.
    fn next_action(&mut self, now: Duration) -> Action<Self::Output>;

    /// What happened to the request of the last [`Action::Send`]: its whole
    /// response (the body as [`Bytes`]: a `Vec<u8>` converts without a copy,
    /// and so does the body hyper read), or the transport's failure. `random` is any random number
    /// (the jitter of retry delays).
    fn handle(
        &mut self,
        outcome: Result<Response<Bytes>, TransportError>,
        now: Duration,
        random: u64,
    );
}

/// A machine driven through a reference (e.g. wrapped in
/// [`Authorize`](super::Authorize) by a driver that does not own it).
impl<M: Machine + ?Sized> Machine for &mut M {
    type Output = M::Output;

    fn next_action(&mut self, now: Duration) -> Action<Self::Output> {
        (**self).next_action(now)
    }

    fn handle(
        &mut self,
        outcome: Result<Response<Bytes>, TransportError>,
        now: Duration,
        random: u64,
    ) {
        (**self).handle(outcome, now, random);
    }
}

/// The answer to a driver that asks for an action after `Done`, or that hands
/// over a response nobody asked for.
pub(crate) fn misuse(what: &'static str) -> Error {
    TransportError::new(TransportErrorKind::Other, what).into()
}
