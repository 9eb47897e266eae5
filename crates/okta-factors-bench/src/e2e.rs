//! End to end over loopback: `get_factor` through each adapter, and the bare
//! transports sending the identical request (same method, URI, headers) and
//! reading the body, against the same [`Server`]. A third side, "bare + core",
//! is the smallest hand-written adapter: the core builds the request and
//! parses the response, the bare transport moves the bytes (no retry loop, no
//! time limits, no body limit). It splits the adapter's overhead into the
//! core's share (build and parse) and the adapter's own machinery.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use okta_factors_client::{BuildTransport, TransportConfig};
use okta_factors_core::http::{HeaderMap, Method, Request, Response, Uri};
use okta_factors_core::model::UserFactor;
use okta_factors_core::operations::GetFactor;
use okta_factors_core::policy::{Action, Call, Governor, Machine};
use okta_factors_core::{
    ClientConfig, Error, Operation, OrgUrl, TransportError, TransportErrorKind,
};

use crate::fixtures::{credentials, http1_response_with, FACTOR_ID, RESPONSE_HEADERS, USER_ID};
use crate::payloads::GET_FACTOR;
use crate::server::Server;

/// Any error of the bare transports.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A loopback server answering the `get-factor` payload, and the client
/// configuration pointing at it.
#[derive(Debug)]
pub struct Setup {
    /// The server (stopped on drop).
    pub server: Server,
    /// The clients' configuration (default limits).
    pub config: ClientConfig,
    /// The transports' configuration (default connect timeout, bundled roots).
    pub transport: TransportConfig,
}

impl Setup {
    /// Starts the server.
    pub fn start() -> Result<Self, BoxError> {
        let server = Server::start(GET_FACTOR.status, GET_FACTOR.bytes)?;
        let config = ClientConfig::new(OrgUrl::parse(&server.url())?, credentials()?);
        Ok(Self {
            server,
            config,
            transport: TransportConfig::default(),
        })
    }

    /// Starts a server whose answers leave a rate-limit governor plenty of
    /// budget: [`crate::fixtures::RESPONSE_HEADERS`] with a limit of 10⁹
    /// requests a window (and 10⁹ − 1 remaining), so that a governed client
    /// is never held back and only the governor's own work (its lock, the
    /// bucket's name, reading the answer's rate-limit headers) differs.
    pub fn start_with_plenty_of_budget() -> Result<Self, BoxError> {
        let headers: Vec<(&str, &str)> = RESPONSE_HEADERS
            .iter()
            .map(|&(name, value)| match name {
                "x-rate-limit-limit" => (name, "1000000000"),
                "x-rate-limit-remaining" => (name, "999999999"),
                _ => (name, value),
            })
            .collect();
        let server = Server::start_raw(http1_response_with(
            GET_FACTOR.status,
            &headers,
            GET_FACTOR.bytes,
        ))?;
        let config = ClientConfig::new(OrgUrl::parse(&server.url())?, credentials()?);
        Ok(Self {
            server,
            config,
            transport: TransportConfig::default(),
        })
    }

    /// The same setup with `governor` pacing the clients it builds.
    pub fn governed(mut self, governor: Governor) -> Self {
        self.config.governor = Some(governor);
        self
    }

    /// The request the clients send for `get_factor`: the first request of
    /// the core's `Call`, which both clients drive.
    pub fn request(&self) -> Result<Request<Vec<u8>>, Error> {
        let op = GetFactor::new(USER_ID, FACTOR_ID);
        match Call::new(&op, &self.config).next_action(Duration::ZERO) {
            Action::Send { request, .. } => Ok(request),
            Action::Done(Err(error)) => Err(error),
            _ => Err(TransportError::new(
                TransportErrorKind::Other,
                "the call did not start with a request",
            )
            .into()),
        }
    }

    /// The ureq client (`okta_factors::ureq::Client`).
    pub fn ureq_client(&self) -> Result<okta_factors_ureq::Client, Error> {
        let transport = okta_factors_ureq::Transport::build(&self.transport)?;
        Ok(okta_factors_ureq::Client::with_transport(
            transport,
            self.config.clone(),
        ))
    }

    /// The hyper client (`okta_factors::hyper::Client`; plain `http` on loopback).
    pub fn hyper_client(&self) -> Result<okta_factors_hyper::Client, Error> {
        let transport = okta_factors_hyper::Transport::build(&self.transport)?;
        Ok(okta_factors_hyper::Client::with_transport(
            transport,
            self.config.clone(),
        ))
    }
}

/// `get_factor` through the ureq client.
pub fn ureq_adapter(client: &okta_factors_ureq::Client) -> Result<UserFactor, Error> {
    client.get_factor(USER_ID, FACTOR_ID)
}

/// `get_factor` through the hyper client.
pub async fn hyper_adapter(client: &okta_factors_hyper::Client) -> Result<UserFactor, Error> {
    client.get_factor(USER_ID, FACTOR_ID).await
}

/// Plain ureq: an `Agent` configured as the adapter configures its own, sending
/// the adapter's request (same URI and headers) and reading the body.
#[derive(Debug)]
pub struct BareUreq {
    agent: ureq::Agent,
    uri: Uri,
    headers: HeaderMap,
    config: ClientConfig,
}

impl BareUreq {
    /// For the request of `setup`.
    pub fn new(setup: &Setup) -> Result<Self, BoxError> {
        let request = setup.request()?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(setup.transport.connect_timeout))
            // The request carries its own User-Agent and Accept.
            .user_agent(ureq::config::AutoHeaderValue::None)
            .accept(ureq::config::AutoHeaderValue::None)
            .build()
            .new_agent();
        Ok(Self {
            agent,
            uri: request.uri().clone(),
            headers: request.headers().clone(),
            config: setup.config.clone(),
        })
    }

    /// Sends the request and reads the body.
    pub fn get(&self) -> Result<Vec<u8>, BoxError> {
        let mut request = self.agent.get(&self.uri);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let mut response = request.call()?;
        Ok(response.body_mut().read_to_vec()?)
    }

    /// Bare + core: the core makes the operation, builds the request and
    /// parses the response, as a hand-written adapter's `get_factor` would.
    pub fn get_with_core(&self) -> Result<UserFactor, BoxError> {
        let op = GetFactor::new(USER_ID, FACTOR_ID);
        let request = op.build_request(&self.config.org, &self.config.credentials)?;
        let (parts, _) = request.into_parts();
        let mut response = self.agent.run(Request::from_parts(parts, ()))?;
        let body = response.body_mut().read_to_vec()?;
        let (parts, _) = response.into_parts();
        Ok(op.parse_response(Response::from_parts(parts, body))?.value)
    }
}

/// Plain hyper: hyper-util's pooled client over `HttpConnector` (tokio),
/// sending the adapter's request and collecting the body.
#[derive(Debug)]
pub struct BareHyper {
    client: hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>,
    uri: Uri,
    headers: HeaderMap,
    config: ClientConfig,
}

impl BareHyper {
    /// For the request of `setup`. Needs a tokio runtime when used.
    pub fn new(setup: &Setup) -> Result<Self, BoxError> {
        let request = setup.request()?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(connector);
        Ok(Self {
            client,
            uri: request.uri().clone(),
            headers: request.headers().clone(),
            config: setup.config.clone(),
        })
    }

    /// Sends the request and collects the body.
    pub async fn get(&self) -> Result<Bytes, BoxError> {
        let mut request = Request::new(Full::new(Bytes::new()));
        *request.method_mut() = Method::GET;
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        let response = self.client.request(request).await?;
        Ok(response.into_body().collect().await?.to_bytes())
    }

    /// Bare + core: the core makes the operation, builds the request and
    /// parses the response, as a hand-written adapter's `get_factor` would.
    pub async fn get_with_core(&self) -> Result<UserFactor, BoxError> {
        let op = GetFactor::new(USER_ID, FACTOR_ID);
        let request = op
            .build_request(&self.config.org, &self.config.credentials)?
            .map(|body| Full::new(Bytes::from(body)));
        let response = self.client.request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(op.parse_response(Response::from_parts(parts, body))?.value)
    }
}

/// Runs `call` in `tasks` concurrent tasks, `rounds` times each, on the
/// current tokio runtime; returns the elapsed time (one round is `tasks`
/// requests in flight at once). Fails if any call failed.
pub async fn concurrent<F, Fut, T, E>(
    tasks: usize,
    rounds: u64,
    call: F,
) -> Result<Duration, BoxError>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<T, E>> + Send,
    T: Send,
    E: Send,
{
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut failures = 0u64;
                for _ in 0..rounds {
                    if std::hint::black_box(call().await).is_err() {
                        failures += 1;
                    }
                }
                failures
            })
        })
        .collect();
    let mut failures = 0;
    for handle in handles {
        failures += handle.await.unwrap_or(rounds);
    }
    let elapsed = started.elapsed();
    if failures > 0 {
        return Err(format!(
            "{failures} of {} concurrent calls failed",
            rounds * tasks as u64
        )
        .into());
    }
    Ok(elapsed)
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;

    use super::*;
    use crate::fixtures::http1_response;

    /// A server of one request per connection: sends each request head's
    /// bytes to the returned channel, answers the `get-factor` payload with
    /// `connection: close` and closes. Stops when the receiver is dropped.
    fn recording_server() -> (OrgUrl, mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let org = OrgUrl::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        let (tx, rx) = mpsc::channel();
        let response = http1_response(GET_FACTOR.status, GET_FACTOR.bytes);
        let status_line = response.iter().position(|b| *b == b'\n').unwrap() + 1;
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if stream.read_exact(&mut byte).is_err() {
                        break;
                    }
                    head.push(byte[0]);
                }
                stream.write_all(&response[..status_line]).unwrap();
                stream.write_all(b"connection: close\r\n").unwrap();
                stream.write_all(&response[status_line..]).unwrap();
                if tx
                    .send(String::from_utf8_lossy(&head).into_owned())
                    .is_err()
                {
                    return;
                }
            }
        });
        (org, rx)
    }

    /// The baselines measure the same exchange: each bare transport, and each
    /// "bare + core" side, sends byte for byte the request head its client
    /// sends.
    #[test]
    fn bare_transports_send_the_clients_request_bytes() {
        let mut setup = Setup::start().unwrap();
        let (org, heads) = recording_server();
        setup.config.org = org;
        let next = || heads.recv_timeout(Duration::from_secs(10)).unwrap();

        let ureq = setup.ureq_client().unwrap();
        assert_eq!(ureq_adapter(&ureq).unwrap().id(), Some(FACTOR_ID));
        let client = next();
        assert!(
            client.starts_with(&format!("GET /api/v1/users/{USER_ID}/factors/{FACTOR_ID} ")),
            "{client}"
        );
        let bare = BareUreq::new(&setup).unwrap();
        assert_eq!(bare.get().unwrap(), GET_FACTOR.bytes);
        assert_eq!(next(), client, "plain ureq sends the ureq client's request");
        assert_eq!(bare.get_with_core().unwrap().id(), Some(FACTOR_ID));
        assert_eq!(
            next(),
            client,
            "ureq + core sends the ureq client's request"
        );

        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let hyper = setup.hyper_client().unwrap();
        let bare = rt.block_on(async { BareHyper::new(&setup) }).unwrap();
        rt.block_on(async {
            let limit = Duration::from_secs(10);
            let factor = tokio::time::timeout(limit, hyper_adapter(&hyper)).await;
            assert_eq!(factor.unwrap().unwrap().id(), Some(FACTOR_ID));
            let client = next();
            assert!(
                client.starts_with(&format!("GET /api/v1/users/{USER_ID}/factors/{FACTOR_ID} ")),
                "{client}"
            );
            let body = tokio::time::timeout(limit, bare.get()).await;
            assert_eq!(body.unwrap().unwrap(), GET_FACTOR.bytes);
            assert_eq!(
                next(),
                client,
                "plain hyper sends the hyper client's request"
            );
            let factor = tokio::time::timeout(limit, bare.get_with_core()).await;
            assert_eq!(factor.unwrap().unwrap().id(), Some(FACTOR_ID));
            assert_eq!(
                next(),
                client,
                "hyper + core sends the hyper client's request"
            );
        });
    }

    #[test]
    fn adapters_and_bare_transports_get_the_same_body() {
        let setup = Setup::start().unwrap();
        let client = setup.ureq_client().unwrap();
        for _ in 0..3 {
            assert_eq!(ureq_adapter(&client).unwrap().id(), Some(FACTOR_ID));
        }
        assert_eq!(
            setup.server.connections(),
            1,
            "the ureq client keeps its connection"
        );
        let bare = BareUreq::new(&setup).unwrap();
        for _ in 0..3 {
            assert_eq!(bare.get().unwrap(), GET_FACTOR.bytes);
            assert_eq!(bare.get_with_core().unwrap().id(), Some(FACTOR_ID));
        }
        assert_eq!(
            setup.server.connections(),
            2,
            "plain ureq keeps its connection"
        );

        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let hyper = setup.hyper_client().unwrap();
        let bare = std::sync::Arc::new(rt.block_on(async { BareHyper::new(&setup) }).unwrap());
        rt.block_on(async {
            assert_eq!(hyper_adapter(&hyper).await.unwrap().id(), Some(FACTOR_ID));
            assert_eq!(bare.get().await.unwrap(), GET_FACTOR.bytes);
            assert_eq!(bare.get_with_core().await.unwrap().id(), Some(FACTOR_ID));
            let client = hyper.clone();
            concurrent(8, 3, move || {
                let client = client.clone();
                async move { hyper_adapter(&client).await }
            })
            .await
            .unwrap();
            concurrent(8, 3, move || {
                let bare = bare.clone();
                async move { bare.get().await }
            })
            .await
            .unwrap();
        });
    }
}
