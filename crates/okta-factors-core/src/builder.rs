//! [`ClientBuilder`]: the one builder every adapter's client uses.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use crate::config::ClientConfig;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::org_url::OrgUrl;
use crate::policy::{PollPolicy, RetryPolicy};

/// A client that can be built from a [`ClientConfig`] (implemented by the
/// adapters' clients).
pub trait FromConfig: Sized {
    /// Builds the client.
    fn from_config(config: ClientConfig) -> Result<Self, Error>;
}

/// Builds a client `C` with every option of [`ClientConfig`]. The adapters
/// expose it as `Client::builder(org, credentials)`.
///
/// ```
/// use std::time::Duration;
/// use okta_factors_core::{ClientBuilder, ClientConfig, Credentials, Error, FromConfig, OrgUrl};
///
/// struct MyClient(ClientConfig);
/// impl FromConfig for MyClient {
///     fn from_config(config: ClientConfig) -> Result<Self, Error> { Ok(MyClient(config)) }
/// }
///
/// let client: MyClient = ClientBuilder::new(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00token")?,
/// )
/// .request_timeout(Duration::from_secs(30))
/// .max_retries(4)
/// .build()?;
/// assert_eq!(client.0.retry.max_retries, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct ClientBuilder<C> {
    config: ClientConfig,
    client: PhantomData<fn() -> C>,
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        Self::from_config(self.config.clone())
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .finish()
    }
}

impl<C> ClientBuilder<C> {
    /// Default limits for `org` and `credentials`.
    pub fn new(org: OrgUrl, credentials: Credentials) -> Self {
        Self::from_config(ClientConfig::new(org, credentials))
    }

    /// Starts from an existing configuration.
    pub fn from_config(config: ClientConfig) -> Self {
        Self {
            config,
            client: PhantomData,
        }
    }

    /// Time limit to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config = self.config.connect_timeout(timeout);
        self
    }

    /// Time limit of a whole call, `429` retries and their waits included
    /// (default 60 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config = self.config.request_timeout(timeout);
        self
    }

    /// Retries of a rate-limit `429` (default 2; 0 disables retrying).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.config.retry = self.config.retry.max_retries(retries);
        self
    }

    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config = self.config.retry(policy);
        self
    }

    /// Longest total waiting across the retries of one call (default 120 s).
    pub fn max_total_wait(mut self, wait: Duration) -> Self {
        self.config.retry = self.config.retry.max_total_wait(wait);
        self
    }

    /// Largest response body accepted (default 4 MiB).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.config = self.config.max_response_bytes(bytes);
        self
    }

    /// Text appended to the User-Agent, e.g. `my-app/1.2`.
    pub fn user_agent_extra(mut self, extra: impl Into<String>) -> Result<Self, Error> {
        self.config = self.config.user_agent_extra(extra)?;
        Ok(self)
    }

    /// How pushes (verifications and activations) are polled; the interval is at least 1 s.
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.config = self.config.poll(policy);
        self
    }

    /// The configuration so far.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }
}

impl<C: FromConfig> ClientBuilder<C> {
    /// Builds the client.
    pub fn build(self) -> Result<C, Error> {
        C::from_config(self.config)
    }
}
