//! Shared by the quickstarts: where to run (simulator or a real org), and a
//! transcript that prints each step and counts the ones that misbehaved.

#![forbid(unsafe_code)]

use std::fmt::Display;
use std::time::Duration;

use okta_factors::policy::{PollPolicy, MIN_POLL_INTERVAL};
use okta_factors::{ClientConfig, Credentials, OrgUrl};
use okta_factors_sim::{SimServer, SimulatorConfig};

mod service_app;

pub use service_app::{
    check_one_token, parse_args, service_app_from_env, show_token_exchange, Auth, SimServiceApp,
    USAGE,
};

/// The API token of the embedded simulator.
pub const SIM_TOKEN: &str = "quickstart-token";

/// Where the quickstart runs.
pub enum Target {
    /// The embedded simulator on 127.0.0.1 (the default).
    Simulator {
        /// The running simulator (stopped on drop).
        server: SimServer,
        /// The demo user.
        user_id: String,
        /// With `--auth private-key-jwt[-bearer]`: the service app registered
        /// with it, whose credentials the client uses.
        app: Option<SimServiceApp>,
    },
    /// A real org: read-only steps. With `--auth api-token`: `OKTA_ORG_URL`,
    /// `OKTA_API_TOKEN`, `OKTA_USER_ID`; with a service app:
    /// `OKTA_CLIENT_ORGURL`, `OKTA_CLIENT_CLIENTID`, `OKTA_CLIENT_PRIVATEKEY`
    /// (optionally `OKTA_CLIENT_PRIVATEKEYID`, `OKTA_CLIENT_SCOPES`),
    /// `OKTA_USER_ID`.
    RealOrg {
        /// The org.
        org: OrgUrl,
        /// Who (its API token, or the service app).
        credentials: Credentials,
        /// The user whose factors are read.
        user_id: String,
        /// Who, for the transcript.
        who: String,
    },
}

impl Target {
    /// For `auth`: the real org its environment variables name, if set, else
    /// the simulator (with a service app registered, for a service app).
    pub fn from_env(auth: Auth) -> Result<Self, Box<dyn std::error::Error>> {
        let user_id = || {
            std::env::var("OKTA_USER_ID")
                .map_err(|_| "OKTA_USER_ID must name the user whose factors to read")
        };
        match auth {
            Auth::ApiToken => {
                if let (Ok(org), Ok(token)) = (
                    std::env::var("OKTA_ORG_URL"),
                    std::env::var("OKTA_API_TOKEN"),
                ) {
                    return Ok(Target::RealOrg {
                        org: OrgUrl::parse(&org)?,
                        credentials: Credentials::api_token(token)?,
                        user_id: user_id()?,
                        who: auth.describe().to_owned(),
                    });
                }
            }
            Auth::PrivateKeyJwt { dpop } => {
                if let Some((org, credentials, client_id)) = service_app_from_env(dpop)? {
                    return Ok(Target::RealOrg {
                        org,
                        credentials,
                        user_id: user_id()?,
                        who: format!("service app {client_id}, {}", auth.describe_wire()),
                    });
                }
            }
        }
        // Short OTP resend intervals keep the demo fast; everything else is
        // Okta's behaviour (the 30 s SMS throttle is shown with a 2 s one).
        let config = SimulatorConfig::new(SIM_TOKEN)
            .resend_intervals(Duration::from_secs(2), Duration::from_secs(1));
        let server = SimServer::start_new(config)?;
        let user_id = server
            .simulator()
            .create_user("quickstart.user@example.com");
        let app = match auth {
            Auth::ApiToken => None,
            Auth::PrivateKeyJwt { dpop } => {
                Some(SimServiceApp::register(server.simulator(), dpop)?)
            }
        };
        Ok(Target::Simulator {
            server,
            user_id,
            app,
        })
    }

    /// The org and credentials of this target: what a client is built for
    /// (`Client::builder(org, credentials)`).
    pub fn org_and_credentials(&self) -> Result<(OrgUrl, Credentials), Box<dyn std::error::Error>> {
        Ok(match self {
            Target::Simulator { server, app, .. } => (
                OrgUrl::parse(server.url())?,
                match app {
                    Some(app) => app.credentials.clone(),
                    None => Credentials::api_token(SIM_TOKEN)?,
                },
            ),
            Target::RealOrg {
                org, credentials, ..
            } => (org.clone(), credentials.clone()),
        })
    }

    /// How pushes are polled on this target: the shortest interval (1 s) on
    /// the simulator, Okta's default on a real org.
    pub fn poll_policy(&self) -> PollPolicy {
        match self {
            Target::Simulator { .. } => PollPolicy::default().interval(MIN_POLL_INTERVAL),
            Target::RealOrg { .. } => PollPolicy::default(),
        }
    }

    /// On the simulator with a service app: shows its first token exchange on
    /// the wire ([`show_token_exchange`]) for a client configured with
    /// `config` (the app's credentials). Otherwise nothing.
    pub fn show_token_exchange(
        &self,
        t: &mut Transcript,
        config: &ClientConfig,
    ) -> Result<(), Box<dyn std::error::Error>> {
        match self {
            Target::Simulator {
                server,
                user_id,
                app: Some(app),
            } => show_token_exchange(t, server.simulator(), app, config, user_id),
            _ => Ok(()),
        }
    }

    /// On the simulator with a service app: records whether exactly one token
    /// was issued in the whole run ([`check_one_token`]). Otherwise nothing.
    pub fn check_tokens(&self, t: &mut Transcript) {
        if let Target::Simulator {
            server,
            app: Some(app),
            ..
        } = self
        {
            check_one_token(t, server.simulator(), app);
        }
    }
}

/// Prints the steps and remembers which did not behave as expected.
#[derive(Default)]
pub struct Transcript {
    step: usize,
    failures: Vec<String>,
}

impl Transcript {
    /// Starts a new section.
    pub fn section(&mut self, title: &str) {
        println!("\n== {title}");
    }

    /// One request: what was sent.
    pub fn send(&mut self, what: impl Display) {
        self.step += 1;
        println!("{:>3}. → {what}", self.step);
    }

    /// What came back.
    pub fn got(&self, what: impl Display) {
        println!("       ← {what}");
    }

    /// A detail of the step (a header, a form field, a body), indented.
    pub fn detail(&self, what: impl Display) {
        println!("         {what}");
    }

    /// A note.
    pub fn note(&self, what: impl Display) {
        println!("       · {what}");
    }

    /// Records a check; prints it when it fails.
    pub fn check(&mut self, ok: bool, what: impl Display) {
        if !ok {
            println!("       ✗ UNEXPECTED: {what}");
            self.failures.push(format!("step {}: {what}", self.step));
        }
    }

    /// Ends the run: exit code 0 when every step behaved as expected.
    pub fn finish(self) -> std::process::ExitCode {
        if self.failures.is_empty() {
            println!("\nAll {} steps behaved as expected.", self.step);
            std::process::ExitCode::SUCCESS
        } else {
            println!(
                "\n{} step(s) did not behave as expected:",
                self.failures.len()
            );
            for failure in &self.failures {
                println!("  - {failure}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// Records that `result` is Okta's invalid-passcode error (403 `E0000068`).
pub fn expect_invalid_passcode<T: std::fmt::Debug>(
    t: &mut Transcript,
    result: Result<T, okta_factors::Error>,
) {
    match result {
        Err(e) => {
            t.got(&e);
            t.check(
                e.api().is_some_and(|api| api.is_invalid_passcode()),
                "a wrong passcode is 403 E0000068",
            );
        }
        Ok(value) => {
            t.got(format!("{value:?}"));
            t.check(false, "a wrong passcode is refused");
        }
    }
}

/// A factor's status for the transcript (`-` when Okta sent none).
pub fn status(factor: &okta_factors::model::UserFactor) -> &str {
    factor.status().map_or("-", |s| s.as_str())
}

/// A verify result for the transcript (`-` when Okta sent none).
pub fn result(outcome: &okta_factors::model::VerifyOutcome) -> &str {
    outcome.factor_result().map_or("-", |r| r.as_str())
}

/// Records that `result` is the business throttle `code` (`429`, e.g.
/// `E0000109`), answered at once (`took`) with the wait Okta asks for.
pub fn expect_throttle<T: std::fmt::Debug>(
    t: &mut Transcript,
    result: Result<T, okta_factors::Error>,
    took: Duration,
    code: &str,
) {
    match result {
        Err(e) => {
            let wait = e.retry_after().map_or_else(
                || "no wait given".to_owned(),
                |w| format!("retry after {w:?}"),
            );
            t.got(format!("{e} (in {} ms; {wait})", took.as_millis()));
            t.check(
                e.error_code() == Some(code),
                format!("a resend inside the throttle window is 429 {code}"),
            );
            t.check(
                took < Duration::from_secs(2),
                "a throttle is answered at once, not retried",
            );
            t.check(
                e.retry_after().is_some(),
                "the throttle says how long to wait",
            );
        }
        Ok(value) => {
            t.got(format!("{value:?}"));
            t.check(false, "a resend inside the throttle window is refused");
        }
    }
}

/// An `otpauth://` URI for the transcript, its `secret` parameter hidden (a
/// real enrollment tool shows the whole URI, or its QR code, to the user).
pub fn otpauth_for_transcript(uri: &str) -> String {
    let Some((head, query)) = uri.split_once('?') else {
        return uri.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("secret", _)) => "secret=<hidden>".to_owned(),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}?{}", query.join("&"))
}

/// An activation result for the transcript.
pub fn activation(outcome: &okta_factors::model::ActivateOutcome) -> String {
    use okta_factors::model::ActivateOutcome;
    match outcome {
        ActivateOutcome::Activated(factor) => status(factor).to_owned(),
        ActivateOutcome::Waiting(_) => "WAITING for the device".to_owned(),
        ActivateOutcome::Ended(ended) => format!("ended: {}", result(ended)),
        _ => "an activation result this version does not know".to_owned(),
    }
}
