//! [`ClientConfig`]: everything a transport adapter needs to know, in one place,
//! so that adapters share the same options and defaults.

use std::time::Duration;

use crate::credentials::Credentials;
use crate::error::InputError;
use crate::org_url::OrgUrl;
use crate::policy::{PollPolicy, RetryPolicy};
use crate::request::CRATE_USER_AGENT;

/// The configuration of a client: where, who, and the limits of a call.
///
/// ```
/// use std::time::Duration;
/// use okta_factors_core::{ClientConfig, Credentials, OrgUrl};
/// let config = ClientConfig::new(
///     OrgUrl::parse("https://dev-123456.okta.com").unwrap(),
///     Credentials::api_token("00token").unwrap(),
/// )
/// .request_timeout(Duration::from_secs(20))
/// .user_agent_extra("my-app/1.2")
/// .unwrap();
/// assert!(config.user_agent().ends_with(" my-app/1.2"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The org.
    pub org: OrgUrl,
    /// The credentials.
    pub credentials: Credentials,
    /// Time limit to establish a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Time limit of a whole call, retries and their waits included (default 60 s).
    pub request_timeout: Duration,
    /// Largest response body accepted (default 4 MiB); larger bodies are an error.
    pub max_response_bytes: usize,
    /// Retrying rate-limit `429`s (business throttles such as `E0000109` are never retried).
    pub retry: RetryPolicy,
    /// Polling pushes (verifications and activations).
    pub poll: PollPolicy,
    user_agent_extra: Option<String>,
}

impl ClientConfig {
    /// Default limits for `org` and `credentials`.
    pub fn new(org: OrgUrl, credentials: Credentials) -> Self {
        Self {
            org,
            credentials,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_response_bytes: 4 * 1024 * 1024,
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            user_agent_extra: None,
        }
    }

    /// Sets [`ClientConfig::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`ClientConfig::request_timeout`].
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets [`ClientConfig::max_response_bytes`].
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sets [`ClientConfig::retry`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets [`ClientConfig::poll`].
    pub fn poll(mut self, policy: PollPolicy) -> Self {
        self.poll = policy;
        self
    }

    /// Appends `extra` (e.g. `my-app/1.2`) to the crate's user agent.
    pub fn user_agent_extra(mut self, extra: impl Into<String>) -> Result<Self, InputError> {
        let extra = extra.into();
        if extra.bytes().any(|b| !(b == b' ' || b.is_ascii_graphic())) {
            return Err(InputError::Header {
                name: "User-Agent",
                reason: "it contains CR, LF, control or non-ASCII characters",
            });
        }
        let extra = extra.trim();
        self.user_agent_extra = (!extra.is_empty()).then(|| extra.to_owned());
        Ok(self)
    }

    /// Whether [`ClientConfig::user_agent_extra`] was set.
    pub fn has_user_agent_extra(&self) -> bool {
        self.user_agent_extra.is_some()
    }

    /// The user agent this client identifies as.
    pub fn user_agent(&self) -> String {
        match &self.user_agent_extra {
            Some(extra) => format!("{CRATE_USER_AGENT} {extra}"),
            None => CRATE_USER_AGENT.to_owned(),
        }
    }
}
