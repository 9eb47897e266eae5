//! [`BlockingClient`]: the blocking client, over any [`SyncTransport`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use okta_factors_core::policy::{Action, Governed, Machine};
use okta_factors_core::Error;

use crate::trace::Trace;
use crate::transport::{Limits, SyncTransport};

/// The blocking Okta UserFactor API client, over any [`SyncTransport`]:
/// `okta_factors::ureq::Client` is `BlockingClient<okta_factors::ureq::Transport>`,
/// and a transport of your own gets the same client with
/// [`BlockingClient::with_transport`].
///
/// Cheap to clone (an `Arc` inside) and safe to share between threads when the
/// transport is: clones share the configuration and the transport; every call
/// keeps its own state. The ten operations are methods; `execute` runs any
/// operation with all its options; `verify_push` sends a push and waits for
/// the answer; `wait_for_push_activation` waits for a push enrollment.
///
/// ```no_run
/// use okta_factors::model::{FactorEnrollment, VerifyOutcome};
/// use okta_factors::operations::{EnrollFactor, VerifyFactor, VerifyFactorRequest};
/// use okta_factors::{Credentials, OrgUrl};
///
/// let client = okta_factors::ureq::Client::new(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )?;
/// for factor in client.list_factors("00u15s1KDETTQMQYABRL")? {
///     println!("{:?} {:?}", factor.factor_type(), factor.id());
/// }
/// let enrolled = client.execute(
///     &EnrollFactor::new("00u15s1KDETTQMQYABRL", FactorEnrollment::sms("+15554151337"))
///         .update_phone(true),
/// )?;
/// println!("request id: {:?}", enrolled.meta.request_id);
///
/// let verify = VerifyFactor::new("00u15s1KDETTQMQYABRL", "opf1fmaMGJLMNGNLIVG")
///     .body(VerifyFactorRequest::number_matching());
/// match client.verify_push(&verify, |number| println!("pick {number} on your phone"))? {
///     VerifyOutcome::Success(_) => println!("verified"),
///     VerifyOutcome::Rejected(_) => println!("the user said no"),
///     VerifyOutcome::Timeout(_) => println!("nobody answered in time"),
///     other => println!("ended as {:?}", other.factor_result()),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BlockingClient<T> {
    inner: Arc<crate::Shared<T>>,
}

client_common!(BlockingClient, SyncTransport);

impl<T: SyncTransport> BlockingClient<T> {
    operation_methods!();

    /// Runs `machine` to its end: sends, sleeps, shows numbers.
    fn drive<M: Machine>(
        &self,
        machine: &mut M,
        trace: Trace,
        on_number: &mut dyn FnMut(u32),
    ) -> Result<M::Output, Error> {
        #[cfg(feature = "oauth")]
        if self.inner.config.credentials.scheme() == okta_factors_core::AuthScheme::PrivateKey {
            let mut authorized = okta_factors_core::policy::Authorize::new(
                machine,
                &self.inner.config,
                crate::unix_now(),
                crate::random(),
            );
            return self.govern(&mut authorized, trace, on_number);
        }
        self.govern(machine, trace, on_number)
    }

    /// Runs `machine`, paced by the configuration's governor if there is one.
    fn govern<M: Machine>(
        &self,
        machine: &mut M,
        trace: Trace,
        on_number: &mut dyn FnMut(u32),
    ) -> Result<M::Output, Error> {
        match &self.inner.config.governor {
            Some(governor) => {
                let mut governed = Governed::new(machine, Some(governor), crate::unix_now());
                self.run(&mut governed, trace, on_number)
            }
            None => self.run(machine, trace, on_number),
        }
    }

    /// Runs `machine` to its end: sends, sleeps, shows numbers.
    fn run<M: Machine>(
        &self,
        machine: &mut M,
        trace: Trace,
        on_number: &mut dyn FnMut(u32),
    ) -> Result<M::Output, Error> {
        #[cfg(feature = "tracing")]
        let _entered = trace.span().enter();
        let started = Instant::now();
        // The machines' time: read after each request and each wait (not
        // again for the step that follows at once).
        let mut now = Duration::ZERO;
        let max_response_bytes = self.inner.config.max_response_bytes;
        let result = loop {
            match machine.next_action(now) {
                Action::Send { request, timeout } => {
                    let outcome = self
                        .inner
                        .transport
                        .send(request, Limits::new(timeout, max_response_bytes));
                    trace.response(&outcome);
                    now = started.elapsed();
                    machine.handle(outcome, now, crate::random());
                }
                Action::Wait { delay, reason } => {
                    trace.wait(delay, &reason);
                    self.inner.transport.sleep(delay);
                    now = started.elapsed();
                }
                Action::ShowNumber(number) => on_number(number),
                Action::Done(result) => break result,
            }
        };
        trace.finish(result.as_ref().err(), started);
        result
    }
}
