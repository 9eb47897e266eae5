//! [`AsyncClient`]: the async client, over any [`AsyncTransport`].

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use okta_factors_core::http::{Request, Response};
use okta_factors_core::policy::{Action, Machine};
use okta_factors_core::{Error, TimeoutLimit, TransportError, TransportErrorKind};

use crate::trace::Trace;
use crate::transport::{AsyncTransport, Limits};

/// The async Okta UserFactor API client, over any [`AsyncTransport`]:
/// `okta_factors::hyper::Client` is `AsyncClient<okta_factors::hyper::Transport>`,
/// and a transport of your own gets the same client with
/// [`AsyncClient::with_transport`]. The same methods, arguments and results
/// as [`BlockingClient`](crate::BlockingClient), as `async fn`s.
///
/// Cheap to clone (an `Arc` inside); its futures are `Send` when the
/// transport is `Sync`, so one client serves any number of concurrent tasks.
///
/// ```no_run
/// use okta_factors::model::{FactorEnrollment, VerifyOutcome};
/// use okta_factors::operations::{VerifyFactor, VerifyFactorRequest};
/// use okta_factors::{Credentials, OrgUrl};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = okta_factors::hyper::Client::new(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )?;
/// for factor in client.list_factors("00u15s1KDETTQMQYABRL").await? {
///     println!("{:?} {:?}", factor.factor_type(), factor.id());
/// }
/// let verify = VerifyFactor::new("00u15s1KDETTQMQYABRL", "opf1fmaMGJLMNGNLIVG")
///     .body(VerifyFactorRequest::number_matching());
/// let outcome = client
///     .verify_push(&verify, |number| println!("pick {number} on your phone"))
///     .await?;
/// assert!(matches!(outcome, VerifyOutcome::Success(_)));
/// # Ok(())
/// # }
/// ```
pub struct AsyncClient<T> {
    inner: Arc<crate::Shared<T>>,
}

client_common!(AsyncClient, AsyncTransport);

impl<T: AsyncTransport + Sync> AsyncClient<T> {
    operation_methods!(async);

    /// Runs `machine` to its end: sends (each request raced against its
    /// timeout), sleeps, shows numbers.
    async fn drive<M: Machine>(
        &self,
        mut machine: M,
        trace: Trace,
        on_number: &mut (dyn FnMut(u32) + Send),
    ) -> Result<M::Output, Error> {
        let started = Instant::now();
        // The machines' time: read after each request and each wait (not
        // again for the step that follows at once).
        let mut now = Duration::ZERO;
        let max_response_bytes = self.inner.config.max_response_bytes;
        let transport = &self.inner.transport;
        let run = async {
            loop {
                match machine.next_action(now) {
                    Action::Send { request, timeout } => {
                        let limits = Limits::new(timeout, max_response_bytes);
                        let outcome = send(transport, request, limits).await;
                        trace.response(&outcome);
                        now = started.elapsed();
                        machine.handle(outcome, now, crate::random());
                    }
                    Action::Wait { delay, reason } => {
                        trace.wait(delay, &reason);
                        transport.sleep(delay).await;
                        now = started.elapsed();
                    }
                    Action::ShowNumber(number) => on_number(number),
                    Action::Done(result) => break result,
                }
            }
        };
        #[cfg(feature = "tracing")]
        let result = tracing::Instrument::instrument(run, trace.span().clone()).await;
        #[cfg(not(feature = "tracing"))]
        let result = run.await;
        trace.finish(result.as_ref().err(), started);
        result
    }
}

/// `transport.send` raced against `transport.sleep(limits.timeout)`: the time
/// limit holds even for a transport that does not enforce it.
async fn send<T: AsyncTransport>(
    transport: &T,
    request: Request<Vec<u8>>,
    limits: Limits,
) -> Result<Response<Vec<u8>>, TransportError> {
    race(
        transport.send(request, limits),
        transport.sleep(limits.timeout),
    )
    .await
    .unwrap_or_else(|| Err(timed_out(limits.timeout)))
}

fn timed_out(after: Duration) -> TransportError {
    TransportError::new(
        TransportErrorKind::Timeout(TimeoutLimit::Request),
        format!("request timeout of {} ms reached", after.as_millis()),
    )
}

/// Runs `future` until it completes (`Some`) or `timer` fires first (`None`).
/// Dropping the losing future cancels it.
async fn race<F: Future>(future: F, timer: impl Future<Output = ()>) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut timer = pin!(timer);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}
