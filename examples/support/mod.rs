//! Shared by the quickstarts: where to run (the embedded simulator, or the
//! org that the Okta settings name), and a transcript that prints each step
//! and counts the ones that misbehaved.

#![forbid(unsafe_code)]

use std::fmt::Display;
use std::process::ExitCode;
use std::time::Duration;

use okta_factors::policy::{PollPolicy, MIN_POLL_INTERVAL};
use okta_factors::{AuthScheme, ClientBuilder, ClientConfig, Credentials, OrgUrl, Settings};
use okta_factors_sim::{SimServer, SimulatorConfig};

mod service_app;

pub use service_app::{
    check_one_token, parse_args, show_token_exchange, Args, Auth, SimServiceApp, USAGE,
};

/// The API token of the embedded simulator.
pub const SIM_TOKEN: &str = "quickstart-token";

/// The variables the quickstarts read before the Okta SDKs' names; refused
/// with a pointer to those.
const OLD_VARIABLES: [(&str, &str); 2] = [
    ("OKTA_ORG_URL", "OKTA_CLIENT_ORGURL"),
    ("OKTA_API_TOKEN", "OKTA_CLIENT_TOKEN"),
];

/// Where the quickstart runs.
pub enum Target {
    /// The embedded simulator on 127.0.0.1 (the default: when no settings
    /// name an org).
    Simulator {
        /// The running simulator (stopped on drop).
        server: SimServer,
        /// The demo user.
        user_id: String,
        /// With `--auth private-key-jwt[-bearer]`: the service app registered
        /// with it, whose credentials the client uses.
        app: Option<SimServiceApp>,
    },
    /// The org that the settings name (`okta.yaml`, `OKTA_CLIENT_*`): the
    /// read-only steps, for the user `OKTA_USER_ID`.
    RealOrg {
        /// The org.
        org: OrgUrl,
        /// Who (the settings' token, or their service app).
        credentials: Credentials,
        /// The settings (their proxy, timeouts, retries apply too).
        settings: Box<Settings>,
        /// The user whose factors are read.
        user_id: String,
        /// Who, for the transcript.
        who: String,
    },
}

/// Refuses the variables the quickstarts used to read, naming the Okta
/// SDKs' ones that replace them.
fn refuse_old_variables() -> Result<(), Box<dyn std::error::Error>> {
    let set: Vec<String> = OLD_VARIABLES
        .iter()
        .filter(|(old, _)| std::env::var_os(old).is_some_and(|v| !v.is_empty()))
        .map(|(old, new)| format!("{old} (now {new})"))
        .collect();
    if set.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} no longer read: the quickstarts read the Okta SDKs' settings, okta.yaml files and \
         OKTA_CLIENT_* variables (README, Configuration)",
        if set.len() == 1 {
            format!("{} is", set[0])
        } else {
            format!("{} are", set.join(" and "))
        }
    )
    .into())
}

/// `--check-config`: prints what the settings say and where each value came
/// from (secrets never), and where the quickstart would run.
pub fn check_config() -> ExitCode {
    if let Err(e) = refuse_old_variables() {
        println!("{e}");
        return ExitCode::FAILURE;
    }
    match Settings::load() {
        Ok(settings) => {
            print!("{}", settings.report());
            if settings.names_org() {
                println!("→ the quickstarts would run their read-only steps against that org");
            } else {
                println!("→ no orgUrl: the quickstarts would start the embedded simulator");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("the settings cannot be read: {e}");
            ExitCode::FAILURE
        }
    }
}

impl Target {
    /// The org that the settings ([`Settings::load`]) name, if they name one,
    /// with their credentials (see [`real_org_credentials`] for `--auth`);
    /// else the simulator (with a service app registered, for a service app).
    pub fn from_settings(args: Args) -> Result<Self, Box<dyn std::error::Error>> {
        refuse_old_variables()?;
        let settings = Settings::load()?;
        if settings.names_org() {
            let org = settings.org_url()?;
            let (credentials, who) = real_org_credentials(&settings, args.auth)?;
            let user_id = std::env::var("OKTA_USER_ID")
                .ok()
                .filter(|id| !id.trim().is_empty())
                .ok_or("OKTA_USER_ID must name the user whose factors to read")?;
            let who = format!("{who}; settings from {}", settings.sources().join(", "));
            return Ok(Target::RealOrg {
                org,
                credentials,
                settings: Box::new(settings),
                user_id,
                who,
            });
        }
        let auth = args.auth();
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

    /// A builder for a client of this target: the simulator and its
    /// credentials, or the org, credentials and transport settings of the
    /// settings; pushes polled as [`Target::poll_policy`] says.
    pub fn builder<C>(&self) -> Result<ClientBuilder<C>, Box<dyn std::error::Error>> {
        let builder = match self {
            Target::Simulator { server, app, .. } => ClientBuilder::new(
                OrgUrl::parse(server.url())?,
                match app {
                    Some(app) => app.credentials.clone(),
                    None => Credentials::api_token(SIM_TOKEN)?,
                },
            ),
            Target::RealOrg {
                org,
                credentials,
                settings,
                ..
            } => settings.apply_to(ClientBuilder::new(org.clone(), credentials.clone()))?,
        };
        Ok(builder.poll_policy(self.poll_policy()))
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

/// The credentials of a real org's settings, and who they are for the
/// transcript. Without `--auth`, the settings' `authorizationMode` decides.
/// `--auth api-token` needs a token (SSWS or Bearer); `--auth
/// private-key-jwt` (`-bearer`) needs a service app (PrivateKey) and turns
/// DPoP on (off) instead of `Dpop::Auto`.
pub fn real_org_credentials(
    settings: &Settings,
    auth: Option<Auth>,
) -> Result<(Credentials, String), Box<dyn std::error::Error>> {
    use okta_factors::oauth::Dpop;
    let mode = settings.authorization_mode()?;
    let service_app =
        |dpop: Dpop, wire: &str| -> Result<(Credentials, String), Box<dyn std::error::Error>> {
            let app = settings.service_app()?.dpop(dpop);
            let who = format!("service app {}, {wire}", app.client_id());
            Ok((Credentials::service_app(app)?, who))
        };
    match (auth, mode) {
        (None | Some(Auth::ApiToken), AuthScheme::Ssws) => {
            Ok((settings.credentials()?, "API token (SSWS)".to_owned()))
        }
        (None | Some(Auth::ApiToken), AuthScheme::Bearer) => {
            Ok((settings.credentials()?, "access token (Bearer)".to_owned()))
        }
        (None, AuthScheme::PrivateKey) => {
            service_app(Dpop::Auto, "private_key_jwt, DPoP if the org asks")
        }
        (Some(Auth::PrivateKeyJwt { dpop: true }), AuthScheme::PrivateKey) => {
            service_app(Dpop::On, "private_key_jwt, DPoP")
        }
        (Some(Auth::PrivateKeyJwt { dpop: false }), AuthScheme::PrivateKey) => {
            service_app(Dpop::Off, "private_key_jwt, Bearer")
        }
        (Some(auth), mode) => Err(format!(
            "--auth {} does not fit the settings' authorizationMode {}: {}",
            auth.name(),
            mode.as_str(),
            match auth {
                Auth::ApiToken =>
                    "api-token needs a token (SSWS or Bearer); drop --auth to use the service app",
                Auth::PrivateKeyJwt { .. } =>
                    "it needs a service app (authorizationMode: PrivateKey, clientId, privateKey)",
            }
        )
        .into()),
        (None, other) => Err(format!(
            "the authorization mode {} is not supported here",
            other.as_str()
        )
        .into()),
    }
}
