//! Timers: the [`Sleep`] trait (the one runtime service the client needs besides
//! hyper's executor) and a hand-written race between a future and a timer, so
//! time limits work on any runtime.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;

/// A boxed `Send` future that completes after a delay.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A timer: the client sleeps between `429` retries and between push polls, and
/// races every call against a timer to enforce its time limits.
///
/// Implement it for your runtime when you bring your own (see
/// [`Client::with_connector`](crate::Client::with_connector)); with the `tokio`
/// feature, [`TokioSleep`] is the implementation for tokio.
///
/// ```
/// use std::time::Duration;
/// use okta_factors_hyper::{Sleep, SleepFuture};
///
/// /// Any hyper timer (e.g. the one of your runtime's hyper integration) as a `Sleep`.
/// struct HyperTimer<T>(T);
///
/// impl<T: hyper::rt::Timer + Send + Sync + 'static> Sleep for HyperTimer<T> {
///     fn sleep(&self, duration: Duration) -> SleepFuture {
///         Box::pin(self.0.sleep(duration))
///     }
/// }
/// # let _ = HyperTimer(());
/// ```
pub trait Sleep: Send + Sync + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// [`Sleep`] on the tokio timer (`tokio::time::sleep`). Must be polled inside a
/// tokio runtime with the time driver enabled (`enable_time` or `enable_all`).
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

#[cfg(feature = "tokio")]
impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Runs `future` until it completes (`Some`) or `timer` fires first (`None`).
/// Dropping the losing future cancels it.
pub(crate) async fn race<F: Future>(future: F, mut timer: SleepFuture) -> Option<F::Output> {
    let mut future = pin!(future);
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
