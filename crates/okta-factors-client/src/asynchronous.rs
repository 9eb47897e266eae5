//! [`AsyncClient`]: the async client, over any [`AsyncTransport`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use okta_factors_core::http::Request;
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

    /// Runs `machine` to its end, with a service app's access tokens when
    /// the credentials are one's.
    async fn drive<M: Machine>(
        &self,
        machine: &mut M,
        trace: Trace,
        on_number: &mut (dyn FnMut(u32) + Send),
    ) -> Result<M::Output, Error> {
        #[cfg(feature = "oauth")]
        if self.inner.config.credentials.scheme() == okta_factors_core::AuthScheme::PrivateKey {
            // Boxed: the other calls' futures stay as small as without OAuth
            // (a token's signatures cost far more than one allocation).
            return Box::pin(async move {
                let mut authorized = okta_factors_core::policy::Authorize::new(
                    machine,
                    &self.inner.config,
                    crate::unix_now(),
                    crate::random(),
                );
                self.govern(&mut authorized, trace, on_number).await
            })
            .await;
        }
        self.govern(machine, trace, on_number).await
    }

    /// Runs `machine`, paced by the configuration's governor if there is one.
    async fn govern<M: Machine>(
        &self,
        machine: &mut M,
        trace: Trace,
        on_number: &mut (dyn FnMut(u32) + Send),
    ) -> Result<M::Output, Error> {
        match &self.inner.config.governor {
            Some(governor) => {
                let mut governed = okta_factors_core::policy::Governed::new(
                    machine,
                    Some(governor),
                    crate::unix_now(),
                );
                self.run(&mut governed, trace, on_number).await
            }
            None => self.run(machine, trace, on_number).await,
        }
    }

    /// Runs `machine` to its end: sends (each request raced against its
    /// timeout), sleeps, shows numbers.
    async fn run<M: Machine>(
        &self,
        machine: &mut M,
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
                // What to await next; the action itself (as large as the
                // call's result) is not kept across the await.
                let step = match machine.next_action(now) {
                    Action::Send { request, timeout } => Step::Send(request, timeout),
                    Action::Wait { delay, reason } => {
                        trace.wait(delay, &reason);
                        Step::Sleep(delay)
                    }
                    Action::ShowNumber(number) => {
                        on_number(number);
                        continue;
                    }
                    Action::Done(result) => break result,
                };
                match step {
                    Step::Send(request, timeout) => {
                        let limits = Limits::new(timeout, max_response_bytes);
                        let outcome = Race::new(
                            transport.send(request, limits),
                            transport.sleep(limits.timeout),
                        )
                        .await
                        .unwrap_or_else(|| Err(timed_out(limits.timeout)));
                        trace.response(&outcome);
                        now = started.elapsed();
                        machine.handle(outcome, now, crate::random());
                    }
                    Step::Sleep(delay) => {
                        transport.sleep(delay).await;
                        now = started.elapsed();
                    }
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

/// What the drive loop awaits next.
// Short-lived (one step, moved out at once); boxing the request would cost
// an allocation per request.
#[allow(clippy::large_enum_variant)]
enum Step {
    /// The request, raced against its time limit.
    Send(Request<Vec<u8>>, Duration),
    /// A wait.
    Sleep(Duration),
}

fn timed_out(after: Duration) -> TransportError {
    TransportError::new(
        TransportErrorKind::Timeout(TimeoutLimit::Request),
        format!("request timeout of {} ms reached", after.as_millis()),
    )
}

pin_project_lite::pin_project! {
    /// `future` raced against `timer`: `Some(output)` if the future completes
    /// first, `None` if the timer fires first. Dropping the race drops both
    /// (which cancels the request). A struct rather than an `async fn`: it
    /// holds each future once (an `async fn` keeps its arguments and its
    /// pinned locals apart, twice the size, and moves them).
    struct Race<F, T> {
        #[pin]
        future: F,
        #[pin]
        timer: T,
    }
}

impl<F, T> Race<F, T> {
    fn new(future: F, timer: T) -> Self {
        Self { future, timer }
    }
}

impl<F: Future, T: Future<Output = ()>> Future for Race<F, T> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Some(output));
        }
        if this.timer.poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}
