//! The generic clients over the smallest transports: closures and a scripted
//! async transport. (Every transport's behaviour is tested by the facade's
//! suite, `crates/okta-factors/tests/behaviour/`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use okta_factors_client::{AsyncClient, AsyncTransport, BlockingClient, Limits};
use okta_factors_core::bytes::Bytes;
use okta_factors_core::http::{Request, Response};
use okta_factors_core::model::VerifyOutcome;
use okta_factors_core::operations::{ListFactors, VerifyFactor};
use okta_factors_core::{ClientConfig, Credentials, OrgUrl, TransportError};

fn config() -> ClientConfig {
    ClientConfig::new(
        OrgUrl::parse("https://dev-123456.okta.com").unwrap(),
        Credentials::api_token("00S3CR3T-token").unwrap(),
    )
}

fn reply(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// Replies from a script, records what was sent and slept; sleeps take no time.
#[derive(Default)]
struct Scripted {
    replies: Mutex<VecDeque<Response<Vec<u8>>>>,
    sent: Mutex<Vec<(String, Limits)>>,
    slept: Mutex<Vec<Duration>>,
}

impl Scripted {
    fn new(replies: impl IntoIterator<Item = Response<Vec<u8>>>) -> Self {
        Self {
            replies: Mutex::new(replies.into_iter().collect()),
            ..Self::default()
        }
    }

    fn next(&self, request: Request<Vec<u8>>, limits: Limits) -> Response<Vec<u8>> {
        self.sent
            .lock()
            .unwrap()
            .push((request.uri().path().to_owned(), limits));
        self.replies
            .lock()
            .unwrap()
            .pop_front()
            .expect("a scripted reply")
    }
}

impl AsyncTransport for Scripted {
    fn send(
        &self,
        request: Request<Vec<u8>>,
        limits: Limits,
    ) -> impl Future<Output = Result<Response<Bytes>, TransportError>> + Send {
        std::future::ready(Ok(self.next(request, limits).map(Bytes::from)))
    }

    // Recorded when polled: the timer raced against each request is never
    // polled here, as every reply is ready at once.
    async fn sleep(&self, duration: Duration) {
        self.slept.lock().unwrap().push(duration);
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    // Every future here is ready at once: one poll with a no-op waker suffices.
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("the scripted transport never waits"),
    }
}

#[test]
fn a_closure_is_a_blocking_transport_with_the_calls_limits() {
    let seen = Mutex::new(Vec::new());
    let transport = |request: Request<Vec<u8>>, limits: Limits| {
        seen.lock()
            .unwrap()
            .push((request.uri().to_string(), limits));
        Ok(reply(200, "[]"))
    };
    let mut config = config();
    config.request_timeout = Duration::from_secs(7);
    config.max_response_bytes = 1234;
    let client = BlockingClient::with_transport(transport, config);
    assert!(client.list_factors("00u1").unwrap().is_empty());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].0,
        "https://dev-123456.okta.com/api/v1/users/00u1/factors"
    );
    assert_eq!(seen[0].1.max_response_bytes, 1234);
    assert!(seen[0].1.timeout <= Duration::from_secs(7));
    assert!(seen[0].1.timeout > Duration::from_secs(6));
}

#[test]
fn the_async_client_drives_the_same_machines() {
    // A rate-limit 429 without an Okta body is retried after the fallback wait.
    let transport = Scripted::new([reply(429, ""), reply(200, "[]")]);
    let client = AsyncClient::with_transport(transport, config());
    let listed = block_on(client.execute(&ListFactors::new("00u1"))).unwrap();
    assert!(listed.value.is_empty());
    let transport = client.transport();
    assert_eq!(transport.sent.lock().unwrap().len(), 2);
    assert_eq!(transport.slept.lock().unwrap().len(), 1);

    // A push: WAITING with a number, one poll still waiting, then SUCCESS.
    let waiting = r#"{"factorResult":"WAITING","_embedded":{"challenge":{"correctAnswer":42}},
        "_links":{"poll":{"href":"https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/transactions/v2mst.1"}}}"#;
    let transport = Scripted::new([
        reply(201, waiting),
        reply(200, waiting),
        reply(200, r#"{"factorResult":"SUCCESS"}"#),
    ]);
    let client = AsyncClient::with_transport(transport, config());
    let mut shown = Vec::new();
    let outcome =
        block_on(client.verify_push(&VerifyFactor::new("00u1", "opf1"), |n| shown.push(n)))
            .unwrap();
    assert!(matches!(outcome, VerifyOutcome::Success(_)));
    assert_eq!(shown, [42], "the number is shown once");
    let sent = client.transport().sent.lock().unwrap();
    let paths: Vec<_> = sent.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/users/00u1/factors/opf1/verify",
            "/api/v1/users/00u1/factors/opf1/transactions/v2mst.1",
            "/api/v1/users/00u1/factors/opf1/transactions/v2mst.1",
        ]
    );
    assert_eq!(
        *client.transport().slept.lock().unwrap(),
        [Duration::from_secs(4), Duration::from_secs(4)],
        "the default interval before each poll"
    );
}

/// The async client's futures can be spawned on a multi-threaded runtime.
#[test]
fn async_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = AsyncClient::with_transport(Scripted::default(), config());
    let verify = VerifyFactor::new("00u1", "opf1");
    assert_send(&client.list_factors("00u1"));
    assert_send(&client.execute(&ListFactors::new("00u1")));
    assert_send(&client.verify_push(&verify, |_| {}));
    assert_send(&client.wait_for_push_activation("00u1", "opf1"));
}

#[test]
fn debug_shows_the_configuration_but_not_the_token() {
    struct Named;
    impl std::fmt::Debug for Named {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Named")
        }
    }
    let _ = Named;
    let blocking = BlockingClient::with_transport(
        |_: Request<Vec<u8>>, _: Limits| Ok(reply(200, "[]")),
        config(),
    );
    let shown = format!("{:?}", blocking.config());
    assert!(shown.contains("dev-123456.okta.com"), "{shown}");
    assert!(!shown.contains("S3CR3T"), "{shown}");
    let builder = okta_factors_client::ClientBuilder::<BlockingClient<Named>>::new(
        OrgUrl::parse("https://dev-123456.okta.com").unwrap(),
        Credentials::api_token("00S3CR3T-token").unwrap(),
    );
    let shown = format!("{builder:?}");
    assert!(shown.contains("connect_timeout"), "{shown}");
    assert!(!shown.contains("S3CR3T"), "{shown}");
}
