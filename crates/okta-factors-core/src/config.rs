//! [`ClientConfig`]: what the call machines need to know about a client, in
//! one place, so that every transport shares the same options and defaults.

use std::time::Duration;

use crate::credentials::Credentials;
use crate::error::InputError;
use crate::org_url::OrgUrl;
use crate::policy::{Governor, PollPolicy, RetryPolicy};
use crate::request::CRATE_USER_AGENT;

/// The configuration of a client's calls: where, who, and the limits of a call.
/// The clients' `ClientBuilder` sets it (`okta_factors::ureq::Client::builder`);
/// a driver of the [`policy`](crate::policy) machines reads it.
///
/// ```
/// use std::time::Duration;
/// use okta_factors::{ClientConfig, Credentials, OrgUrl};
/// let mut config = ClientConfig::new(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00token")?,
/// );
/// assert_eq!(config.request_timeout, Duration::from_secs(60));
/// config.set_user_agent_extra("my-app/1.2")?;
/// assert!(config.user_agent().ends_with(" my-app/1.2"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The org.
    pub org: OrgUrl,
    /// The credentials.
    pub credentials: Credentials,
    /// Time limit of a whole call, retries and their waits included, and of
    /// each poll of a push (default 60 s).
    pub request_timeout: Duration,
    /// Largest response body accepted (default 4 MiB); larger bodies are an error.
    pub max_response_bytes: usize,
    /// Retrying rate-limit `429`s (business throttles such as `E0000109` are never retried).
    pub retry: RetryPolicy,
    /// Polling pushes (verifications and activations).
    pub poll: PollPolicy,
    /// Pacing ahead of the org's rate limits (`None`, the default: only
    /// `429`s are retried).
    pub governor: Option<Governor>,
    user_agent_extra: Option<String>,
}

impl ClientConfig {
    /// Default limits for `org` and `credentials`.
    pub fn new(org: OrgUrl, credentials: Credentials) -> Self {
        Self {
            org,
            credentials,
            request_timeout: Duration::from_secs(60),
            max_response_bytes: 4 * 1024 * 1024,
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            governor: None,
            user_agent_extra: None,
        }
    }

    /// Appends `extra` (e.g. `my-app/1.2`) to the crate's user agent; an
    /// empty `extra` removes it. Refused when it holds CR, LF, control or
    /// non-ASCII characters.
    pub fn set_user_agent_extra(&mut self, extra: &str) -> Result<(), InputError> {
        if extra.bytes().any(|b| !(b == b' ' || b.is_ascii_graphic())) {
            return Err(InputError::Header {
                name: "User-Agent",
                reason: "it contains CR, LF, control or non-ASCII characters",
            });
        }
        let extra = extra.trim();
        self.user_agent_extra = (!extra.is_empty()).then(|| extra.to_owned());
        Ok(())
    }

    /// The user agent this client identifies as.
    pub fn user_agent(&self) -> String {
        match &self.user_agent_extra {
            Some(extra) => format!("{CRATE_USER_AGENT} {extra}"),
            None => CRATE_USER_AGENT.to_owned(),
        }
    }

    /// Whether an application's suffix was set.
    pub(crate) fn has_user_agent_extra(&self) -> bool {
        self.user_agent_extra.is_some()
    }
}
