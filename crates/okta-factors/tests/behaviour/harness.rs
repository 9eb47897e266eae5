//! The [`Subject`] harness: one client over any of the three transports,
//! with the same sync-looking calls, so each test is written once.

use std::fmt;
#[cfg(feature = "hyper")]
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use okta_factors::model::{
    ActivateOutcome, FactorEnrollment, Malformed, SecurityQuestion, SupportedFactor, UserFactor,
    VerifyOutcome,
};
use okta_factors::operations::{ActivateFactorRequest, VerifyFactor, VerifyFactorRequest};
use okta_factors::policy::{PollPolicy, RetryPolicy, MIN_POLL_INTERVAL};
use okta_factors::{
    BlockingClient, BuildTransport, ClientBuilder, ClientConfig, Credentials, Error, OktaResponse,
    Operation, OrgUrl,
};

use crate::std_net::StdNet;

/// The API token of every test.
pub(crate) const TOKEN: &str = "00test-token";

/// The transports every behaviour test runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// `okta_factors::ureq::Client` (blocking).
    #[cfg(feature = "ureq")]
    Ureq,
    /// `okta_factors::hyper::Client` (async), driven from a tokio runtime.
    #[cfg(feature = "hyper")]
    Hyper,
    /// `BlockingClient<StdNet>`: the hand-written `std::net` transport.
    StdNet,
}

/// The options of a subject: the builder both clients share, for a type that
/// only carries them ([`Transport::build`] makes the client).
pub(crate) type Builder = ClientBuilder<Subject>;

/// A builder for the org at `url` with the test token, short retry delays
/// (10 ms fallback and concurrent-limit delays, at most 50 ms) and the
/// shortest poll interval.
pub(crate) fn builder(url: &str) -> Builder {
    builder_with(url, Credentials::api_token(TOKEN).expect("token"))
}

/// As [`builder`], with `credentials` instead of the test token.
pub(crate) fn builder_with(url: &str, credentials: Credentials) -> Builder {
    Builder::new(OrgUrl::parse(url).expect("loopback org"), credentials)
        .retry_policy(
            RetryPolicy::default()
                .fallback_delay(Duration::from_millis(10))
                .concurrent_delay(Duration::from_millis(10))
                .max_delay(Duration::from_millis(50)),
        )
        .poll_policy(PollPolicy::default().interval(MIN_POLL_INTERVAL))
}

impl Transport {
    /// A client of the org at `url` with the defaults of [`builder`].
    pub(crate) fn client(self, url: &str) -> Subject {
        self.build(builder(url))
    }

    /// The client `builder` describes, over this transport (built from the
    /// builder's transport options, as `ClientBuilder::build` does).
    pub(crate) fn build(self, builder: Builder) -> Subject {
        let config = builder.config().clone();
        let transport = builder.transport_config().clone();
        let inner = match self {
            #[cfg(feature = "ureq")]
            Self::Ureq => Inner::Ureq(okta_factors::ureq::Client::with_transport(
                okta_factors::ureq::Transport::build(&transport).expect("ureq transport"),
                config,
            )),
            #[cfg(feature = "hyper")]
            Self::Hyper => {
                let rt = runtime();
                let client = {
                    let _entered = rt.enter();
                    okta_factors::hyper::Client::with_transport(
                        okta_factors::hyper::Transport::build(&transport).expect("hyper transport"),
                        config,
                    )
                };
                Inner::Hyper(rt, client)
            }
            Self::StdNet => Inner::StdNet(BlockingClient::with_transport(
                StdNet::build(&transport).expect("std_net transport"),
                config,
            )),
        };
        Subject { inner }
    }

    /// A client made by `Client::new(org, credentials)`: the default options.
    pub(crate) fn new_client(self, org: OrgUrl, credentials: Credentials) -> Subject {
        let inner = match self {
            #[cfg(feature = "ureq")]
            Self::Ureq => Inner::Ureq(okta_factors::ureq::Client::new(org, credentials).unwrap()),
            #[cfg(feature = "hyper")]
            Self::Hyper => {
                let rt = runtime();
                let client = {
                    let _entered = rt.enter();
                    okta_factors::hyper::Client::new(org, credentials).unwrap()
                };
                Inner::Hyper(rt, client)
            }
            Self::StdNet => Inner::StdNet(BlockingClient::new(org, credentials).unwrap()),
        };
        Subject { inner }
    }

    /// Whether the transport keeps connections open and reuses them (ureq
    /// and hyper pool them; `StdNet` opens one per request).
    pub(crate) fn pools_connections(self) -> bool {
        !matches!(self, Self::StdNet)
    }

    /// Whether the transport speaks TLS (`StdNet` is plain http only).
    #[allow(dead_code)]
    pub(crate) fn speaks_tls(self) -> bool {
        !matches!(self, Self::StdNet)
    }
}

#[cfg(feature = "hyper")]
fn runtime() -> Arc<tokio::runtime::Runtime> {
    Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime"),
    )
}

/// The client under test, over one of the transports. Cheap to clone (as
/// the clients are); `Send + Sync`, so threads can share it.
#[derive(Clone)]
pub(crate) struct Subject {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    #[cfg(feature = "ureq")]
    Ureq(okta_factors::ureq::Client),
    #[cfg(feature = "hyper")]
    Hyper(Arc<tokio::runtime::Runtime>, okta_factors::hyper::Client),
    StdNet(BlockingClient<StdNet>),
}

/// The client's `Debug`.
impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            #[cfg(feature = "ureq")]
            Inner::Ureq(client) => client.fmt(f),
            #[cfg(feature = "hyper")]
            Inner::Hyper(_, client) => client.fmt(f),
            Inner::StdNet(client) => client.fmt(f),
        }
    }
}

/// `$call` on the client (`|$c| …`): as is for a blocking client, awaited
/// on the subject's runtime for hyper.
macro_rules! call {
    ($subject:expr, |$c:ident| $call:expr) => {
        match &$subject.inner {
            #[cfg(feature = "ureq")]
            Inner::Ureq($c) => $call,
            #[cfg(feature = "hyper")]
            Inner::Hyper(rt, $c) => rt.block_on($call),
            Inner::StdNet($c) => $call,
        }
    };
}

impl Subject {
    /// The client's configuration.
    pub(crate) fn config(&self) -> &ClientConfig {
        match &self.inner {
            #[cfg(feature = "ureq")]
            Inner::Ureq(client) => client.config(),
            #[cfg(feature = "hyper")]
            Inner::Hyper(_, client) => client.config(),
            Inner::StdNet(client) => client.config(),
        }
    }

    pub(crate) fn execute<O: Operation + Sync>(
        &self,
        op: &O,
    ) -> Result<OktaResponse<O::Output>, Error> {
        call!(self, |c| c.execute(op))
    }

    pub(crate) fn verify_push(
        &self,
        verify: &VerifyFactor,
        on_challenge: impl FnMut(u32) + Send,
    ) -> Result<VerifyOutcome, Error> {
        call!(self, |c| c.verify_push(verify, on_challenge))
    }

    pub(crate) fn wait_for_push_activation(
        &self,
        user: &str,
        factor: &str,
    ) -> Result<ActivateOutcome, Error> {
        call!(self, |c| c.wait_for_push_activation(user, factor))
    }

    pub(crate) fn list_factors(&self, user: &str) -> Result<Vec<UserFactor>, Error> {
        call!(self, |c| c.list_factors(user))
    }

    pub(crate) fn enroll_factor(
        &self,
        user: &str,
        body: FactorEnrollment,
    ) -> Result<UserFactor, Error> {
        call!(self, |c| c.enroll_factor(user, body))
    }

    pub(crate) fn get_factor(&self, user: &str, factor: &str) -> Result<UserFactor, Error> {
        call!(self, |c| c.get_factor(user, factor))
    }

    pub(crate) fn unenroll_factor(&self, user: &str, factor: &str) -> Result<(), Error> {
        call!(self, |c| c.unenroll_factor(user, factor))
    }

    pub(crate) fn activate_factor(
        &self,
        user: &str,
        factor: &str,
        body: Option<ActivateFactorRequest>,
    ) -> Result<ActivateOutcome, Error> {
        call!(self, |c| c.activate_factor(user, factor, body))
    }

    pub(crate) fn resend_enroll_factor(
        &self,
        user: &str,
        factor: &str,
        body: FactorEnrollment,
    ) -> Result<UserFactor, Error> {
        call!(self, |c| c.resend_enroll_factor(user, factor, body))
    }

    pub(crate) fn verify_factor(
        &self,
        user: &str,
        factor: &str,
        body: Option<VerifyFactorRequest>,
    ) -> Result<VerifyOutcome, Error> {
        call!(self, |c| c.verify_factor(user, factor, body))
    }

    pub(crate) fn get_factor_transaction_status(
        &self,
        user: &str,
        factor: &str,
        transaction: &str,
    ) -> Result<VerifyOutcome, Error> {
        call!(self, |c| c.get_factor_transaction_status(
            user,
            factor,
            transaction
        ))
    }

    pub(crate) fn list_supported_factors(
        &self,
        user: &str,
    ) -> Result<Vec<Result<SupportedFactor, Malformed>>, Error> {
        call!(self, |c| c.list_supported_factors(user))
    }

    pub(crate) fn list_supported_security_questions(
        &self,
        user: &str,
    ) -> Result<Vec<Result<SecurityQuestion, Malformed>>, Error> {
        call!(self, |c| c.list_supported_security_questions(user))
    }

    /// `get_factor(user, factor)` for every pair at once, from one client:
    /// a blocking client shared by 8 threads, the async one by one task per
    /// call. The results are in the order of `calls`.
    pub(crate) fn get_factors_concurrently(
        &self,
        calls: &[(String, String)],
    ) -> Vec<Result<UserFactor, Error>> {
        #[cfg(feature = "hyper")]
        if let Inner::Hyper(rt, client) = &self.inner {
            return rt.block_on(async {
                let tasks: Vec<_> = calls
                    .iter()
                    .map(|(user, factor)| {
                        let (client, user, factor) = (client.clone(), user.clone(), factor.clone());
                        tokio::spawn(async move { client.get_factor(&user, &factor).await })
                    })
                    .collect();
                let mut results = Vec::with_capacity(tasks.len());
                for task in tasks {
                    results.push(task.await.expect("task"));
                }
                results
            });
        }
        const THREADS: usize = 8;
        let mut results: Vec<Option<Result<UserFactor, Error>>> =
            calls.iter().map(|_| None).collect();
        thread::scope(|scope| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    scope.spawn(move || {
                        calls
                            .iter()
                            .enumerate()
                            .skip(t)
                            .step_by(THREADS)
                            .map(|(i, (user, factor))| (i, self.get_factor(user, factor)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for handle in handles {
                for (i, result) in handle.join().expect("thread") {
                    results[i] = Some(result);
                }
            }
        });
        results
            .into_iter()
            .map(|r| r.expect("every call made"))
            .collect()
    }
}
