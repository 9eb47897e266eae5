//! The quickstarts' command line (`--auth` modes, `--check-config`), the
//! simulator's service app, and its first token exchange shown as it goes on
//! the wire.

use std::collections::hash_map::RandomState;
use std::error::Error;
use std::hash::{BuildHasher, Hasher};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use data_encoding::BASE64URL_NOPAD;
use okta_factors::bytes::Bytes;
use okta_factors::http::{header, HeaderMap, Request, Response};
use okta_factors::oauth::{Dpop, PrivateKey, ServiceApp, DEFAULT_SCOPES};
use okta_factors::operations::ListFactors;
use okta_factors::policy::{Action, Authorize, Call, Machine};
use okta_factors::{ClientConfig, Credentials};
use okta_factors_sim::SharedSimulator;
use serde_json::Value;

use crate::Transcript;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// How the quickstart authenticates (`--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Auth {
    /// `api-token` (the default): an Okta API token, `Authorization: SSWS …`.
    #[default]
    ApiToken,
    /// `private-key-jwt` (DPoP on) or `private-key-jwt-bearer` (DPoP off): a
    /// service app that mints its own access tokens with a private-key JWT.
    PrivateKeyJwt {
        /// Whether its tokens are DPoP-bound (`Authorization: DPoP …`) or
        /// plain `Bearer` ones.
        dpop: bool,
    },
}

/// The command line's options.
pub const USAGE: &str =
    "[--auth api-token | private-key-jwt | private-key-jwt-bearer] [--check-config]";

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Args {
    /// `--auth`, if given (the default is [`Auth::ApiToken`]).
    pub auth: Option<Auth>,
    /// `--check-config`: print what the settings say, and where each value
    /// came from, then exit.
    pub check_config: bool,
}

impl Args {
    /// What this process's command line asks for. When it asks for help, or
    /// is wrong (a usage error, exit code 2), the usage is printed and the
    /// exit code comes back instead.
    pub fn from_command_line() -> std::result::Result<Self, ExitCode> {
        let mut args = std::env::args();
        let program = args
            .next()
            .as_deref()
            .and_then(|p| {
                std::path::Path::new(p)
                    .file_name()?
                    .to_str()
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "quickstart".to_owned());
        match parse_args(args) {
            Ok(Some(args)) => Ok(args),
            Ok(None) => {
                println!("usage: {program} {USAGE}");
                Err(ExitCode::SUCCESS)
            }
            Err(error) => {
                eprintln!("{program}: {error}\nusage: {program} {USAGE}");
                Err(ExitCode::from(2))
            }
        }
    }

    /// The mode: `--auth`'s, else an API token.
    pub fn auth(&self) -> Auth {
        self.auth.unwrap_or_default()
    }
}

impl Auth {
    /// The mode called `name` on the command line.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "api-token" => Some(Self::ApiToken),
            "private-key-jwt" => Some(Self::PrivateKeyJwt { dpop: true }),
            "private-key-jwt-bearer" => Some(Self::PrivateKeyJwt { dpop: false }),
            _ => None,
        }
    }

    /// The name of this mode on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::ApiToken => "api-token",
            Self::PrivateKeyJwt { dpop: true } => "private-key-jwt",
            Self::PrivateKeyJwt { dpop: false } => "private-key-jwt-bearer",
        }
    }

    /// How the transcript names this mode.
    pub fn describe(self) -> &'static str {
        match self {
            Self::ApiToken => "API token (SSWS)",
            Self::PrivateKeyJwt { dpop: true } => "service app, private_key_jwt, DPoP",
            Self::PrivateKeyJwt { dpop: false } => "service app, private_key_jwt, Bearer",
        }
    }

    /// How a request is authorized in this mode.
    pub fn describe_wire(self) -> &'static str {
        match self {
            Self::ApiToken => "SSWS",
            Self::PrivateKeyJwt { dpop: true } => "private_key_jwt, DPoP",
            Self::PrivateKeyJwt { dpop: false } => "private_key_jwt, Bearer",
        }
    }
}

/// What `args` (without the program's name) ask for; `None` for `--help`.
pub fn parse_args(
    args: impl IntoIterator<Item = String>,
) -> std::result::Result<Option<Args>, String> {
    let mut parsed = Args::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--check-config" => {
                parsed.check_config = true;
                continue;
            }
            "--auth" => args.next().ok_or("--auth needs a mode")?,
            other => match other.strip_prefix("--auth=") {
                Some(value) => value.to_owned(),
                None => return Err(format!("unexpected argument {other:?}")),
            },
        };
        parsed.auth =
            Some(Auth::parse(&value).ok_or_else(|| format!("unknown --auth mode {value:?}"))?);
    }
    Ok(Some(parsed))
}

/// A service app registered with the embedded simulator.
pub struct SimServiceApp {
    /// Its client ID.
    pub client_id: String,
    /// Its credentials (every client made with them, and their clones, share
    /// one token).
    pub credentials: Credentials,
    /// Whether the app requires DPoP (and the credentials use it).
    pub dpop: bool,
    /// The RFC 7638 thumbprint of its public key.
    pub thumbprint: String,
}

impl SimServiceApp {
    /// A new EC P-256 key, its public JWK registered with `sim` as a service
    /// app's (scopes `okta.users.read` and `okta.users.manage`, DPoP required
    /// or not), and the app's credentials (DPoP on or off to match).
    pub fn register(sim: &SharedSimulator, dpop: bool) -> Result<Self> {
        let client_id = if dpop {
            "0oaquickstartdpop"
        } else {
            "0oaquickstartbearer"
        };
        let key = PrivateKey::generate_es256()?;
        let public = okta_factors::oauth::Signer::public_jwk(&key);
        sim.register_service_app(
            okta_factors_sim::ServiceApp::new(client_id)
                .jwk(public.to_json())
                .scopes(DEFAULT_SCOPES)
                .require_dpop(dpop),
        )?;
        let app = ServiceApp::new(client_id, key).dpop(if dpop { Dpop::On } else { Dpop::Off });
        Ok(Self {
            client_id: client_id.to_owned(),
            credentials: Credentials::service_app(app)?,
            dpop,
            thumbprint: public.thumbprint(),
        })
    }
}

/// A random number (the machine's `seed` and `random`).
fn random() -> u64 {
    RandomState::new().build_hasher().finish()
}

/// A JWT as shown in the transcript: its header and claims, decoded; its
/// signature never.
struct Jwt {
    header: Value,
    claims: Value,
}

impl Jwt {
    fn decode(compact: &str) -> Option<Self> {
        let mut parts = compact.split('.');
        let (header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let json = |part: &str| -> Option<Value> {
            serde_json::from_slice(&BASE64URL_NOPAD.decode(part.as_bytes()).ok()?).ok()
        };
        Some(Self {
            header: json(header)?,
            claims: json(claims)?,
        })
    }

    fn claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name)?.as_str()
    }

    fn show(&self, t: &Transcript) {
        t.detail(format!("    header {}", self.header));
        t.detail(format!("    claims {}", self.claims));
        t.detail("    <signature>");
    }
}

/// What one request carried, as far as the checks go.
struct Sent {
    token_request: bool,
    /// The scheme of its `Authorization` header.
    scheme: Option<String>,
    assertion: Option<Jwt>,
    proof: Option<Jwt>,
}

/// What one response said, as far as the checks go.
struct Got {
    status: u16,
    error: Option<String>,
    nonce: Option<String>,
    token_type: Option<String>,
    items: Option<usize>,
}

/// Prints `request` as it goes on the wire: its headers (`Authorization`
/// without its token), its form fields, and the client assertion and DPoP
/// proof decoded (without their signatures).
fn show_request(t: &mut Transcript, request: &Request<Vec<u8>>, token_url: &str) -> Sent {
    let url = request.uri().to_string();
    let token_request = url == token_url;
    t.send(format!("{} {url}", request.method()));
    let mut sent = Sent {
        token_request,
        scheme: None,
        assertion: None,
        proof: None,
    };
    for (name, value) in request.headers() {
        let text = value.to_str().unwrap_or("<not text>");
        if name == header::AUTHORIZATION {
            let scheme = text.split(' ').next().unwrap_or_default();
            t.detail(format!("{name}: {scheme} <access token, not shown>"));
            sent.scheme = Some(scheme.to_owned());
        } else if name.as_str() == "dpop" {
            t.detail(format!("{name}: <a DPoP proof: decoded below>"));
            sent.proof = Jwt::decode(text);
        } else if value.is_sensitive() {
            t.detail(format!("{name}: <not shown>"));
        } else {
            t.detail(format!("{name}: {text}"));
        }
    }
    if token_request {
        let form: Vec<(String, String)> =
            serde_urlencoded::from_bytes(request.body()).unwrap_or_default();
        for (name, value) in form {
            if name == "client_assertion" {
                t.detail("client_assertion=<the private_key_jwt, signed by the app's key>:");
                sent.assertion = Jwt::decode(&value);
                match &sent.assertion {
                    Some(jwt) => jwt.show(t),
                    None => t.detail("    <not a JWT>"),
                }
            } else {
                t.detail(format!("{name}={value}"));
            }
        }
    } else if !request.body().is_empty() {
        t.detail(format!("<a body of {} bytes>", request.body().len()));
    }
    if let Some(proof) = &sent.proof {
        t.detail("the DPoP proof, signed by the app's DPoP key:");
        proof.show(t);
    }
    sent
}

/// Prints `response`: its status, `DPoP-Nonce` and `WWW-Authenticate`, and
/// its body (tokens replaced, lists counted).
fn show_response(t: &Transcript, response: &Response<Vec<u8>>) -> Got {
    let header_text = |headers: &HeaderMap, name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut got = Got {
        status: response.status().as_u16(),
        error: None,
        nonce: header_text(response.headers(), "dpop-nonce"),
        token_type: None,
        items: None,
    };
    t.got(response.status());
    if let Some(nonce) = &got.nonce {
        t.detail(format!("DPoP-Nonce: {nonce}"));
    }
    if let Some(challenge) = header_text(response.headers(), "www-authenticate") {
        t.detail(format!("WWW-Authenticate: {challenge}"));
    }
    match serde_json::from_slice::<Value>(response.body()) {
        Ok(Value::Object(mut body)) => {
            got.error = body.get("error").and_then(Value::as_str).map(str::to_owned);
            got.token_type = body
                .get("token_type")
                .and_then(Value::as_str)
                .map(str::to_owned);
            for (name, value) in body.iter_mut() {
                if name.ends_with("_token") {
                    *value = Value::String("<not shown>".to_owned());
                }
            }
            t.detail(Value::Object(body));
        }
        Ok(Value::Array(items)) => {
            t.detail(format!("a list of {} factors", items.len()));
            got.items = Some(items.len());
        }
        Ok(other) => t.detail(other),
        Err(_) => t.detail(format!("<a body of {} bytes>", response.body().len())),
    }
    got
}

/// Shows what goes on the wire when `app` gets its first token, sans-IO: a
/// [`Call`] of `GET /api/v1/users/{user}/factors` under [`Authorize`] is
/// driven by hand, each request printed and handed to the simulator
/// ([`SharedSimulator::handle`]), each answer printed and handed back.
/// `config` must hold `app`'s credentials: the token minted here is the one
/// every client made with them then uses. Records a check per step.
pub fn show_token_exchange(
    t: &mut Transcript,
    sim: &SharedSimulator,
    app: &SimServiceApp,
    config: &ClientConfig,
    user: &str,
) -> Result<()> {
    t.section(
        "A service app's first token, on the wire (sans-IO: policy::Authorize driven by hand)",
    );
    t.note(format!(
        "service app {}: a new EC P-256 key (ES256, thumbprint {}), its public JWK registered \
         with the simulator; scopes {}; {}",
        app.client_id,
        app.thumbprint,
        DEFAULT_SCOPES.join(" "),
        if app.dpop {
            "DPoP required"
        } else {
            "no DPoP (Bearer tokens)"
        }
    ));
    let token_url = format!("{}/oauth2/v1/token", config.org.as_str());
    let op = ListFactors::new(user);
    let unix_start = SystemTime::now().duration_since(UNIX_EPOCH)?;
    let mut machine = Authorize::new(Call::new(&op, config), config, unix_start, random());
    let started = Instant::now();
    let mut seen: Vec<(Sent, Got)> = Vec::new();
    let result = loop {
        match machine.next_action(started.elapsed()) {
            Action::Send { request, .. } => {
                if seen.len() >= 6 {
                    return Err("the token exchange does not end".into());
                }
                let sent = show_request(t, &request, &token_url);
                let response = sim.handle(request);
                let got = show_response(t, &response);
                seen.push((sent, got));
                machine.handle(Ok(response.map(Bytes::from)), started.elapsed(), random());
            }
            // A rate limit's wait (none is expected here).
            Action::Wait { delay, .. } => std::thread::sleep(delay),
            Action::Done(result) => break result,
            _ => return Err("an action a call does not give".into()),
        }
    };
    match &result {
        Ok(factors) => t.note(format!(
            "the call's result: {} factors",
            factors.value.len()
        )),
        Err(error) => t.note(format!("the call failed: {error}")),
    }
    check_exchange(t, app, &token_url, &seen);
    t.check(
        result.is_ok_and(|factors| factors.value.is_empty()),
        "the call gives the new user's (empty) list of factors",
    );
    Ok(())
}

/// Checks the exchange `seen` against RFC 7523 / RFC 9449 and Okta's dance.
fn check_exchange(t: &mut Transcript, app: &SimServiceApp, token_url: &str, seen: &[(Sent, Got)]) {
    for (sent, _) in seen {
        if let Some(assertion) = &sent.assertion {
            t.check(
                assertion.claim("iss") == Some(app.client_id.as_str())
                    && assertion.claim("sub") == Some(app.client_id.as_str())
                    && assertion.claim("aud") == Some(token_url)
                    && assertion.claim("jti").is_some()
                    && assertion.claims.get("exp").and_then(Value::as_u64)
                        > assertion.claims.get("iat").and_then(Value::as_u64),
                "the client assertion names the app (iss, sub), the token URL (aud), a jti and an expiry",
            );
        }
        if let Some(proof) = &sent.proof {
            t.check(
                proof.header.get("typ").and_then(Value::as_str) == Some("dpop+jwt")
                    && proof.header.get("jwk").is_some_and(Value::is_object)
                    && proof.claim("htm").is_some()
                    && proof.claim("htu").is_some()
                    && proof.claim("jti").is_some()
                    && proof.claims.get("iat").is_some_and(Value::is_u64),
                "a DPoP proof has typ dpop+jwt, the public jwk, htm, htu, iat and jti",
            );
        }
        t.check(
            sent.token_request == sent.assertion.is_some(),
            "a token request, and only a token request, carries a client assertion",
        );
        t.check(
            app.dpop == sent.proof.is_some(),
            if app.dpop {
                "with DPoP every request carries a proof"
            } else {
                "without DPoP no request carries a proof"
            },
        );
    }
    let steps: Vec<&str> = seen
        .iter()
        .map(|(sent, got)| match (sent.token_request, got.status) {
            (true, 400) if got.error.as_deref() == Some("use_dpop_nonce") => "nonce",
            (true, 200) => "token",
            (false, 200) => "call",
            _ => "other",
        })
        .collect();
    if app.dpop {
        t.check(
            steps == ["nonce", "token", "call"],
            format!("token request, use_dpop_nonce, again with the nonce, then the call (saw {steps:?})"),
        );
        if let [(_, first), (again, token), (call, _)] = seen {
            t.check(
                first.nonce.is_some()
                    && again.proof.as_ref().and_then(|p| p.claim("nonce"))
                        == first.nonce.as_deref(),
                "the retried proof carries the nonce of the use_dpop_nonce answer",
            );
            t.check(
                token.token_type.as_deref() == Some("DPoP"),
                "the token is a DPoP token (token_type DPoP)",
            );
            t.check(
                call.scheme.as_deref() == Some("DPoP")
                    && call
                        .proof
                        .as_ref()
                        .is_some_and(|p| p.claim("ath").is_some() && p.claim("htm") == Some("GET")),
                "the call sends Authorization: DPoP with a proof of GET bound to the token (ath)",
            );
        }
    } else {
        t.check(
            steps == ["token", "call"],
            format!("one token request, then the call (saw {steps:?})"),
        );
        if let [(_, token), (call, _)] = seen {
            t.check(
                token.token_type.as_deref() == Some("Bearer"),
                "the token is a Bearer token (token_type Bearer)",
            );
            t.check(
                call.scheme.as_deref() == Some("Bearer"),
                "the call sends Authorization: Bearer",
            );
        }
    }
    t.check(
        seen.last().is_some_and(|(_, got)| got.items == Some(0)),
        "the simulator answers the call with the user's factors",
    );
}

/// Records whether the simulator issued `app` exactly one token in the whole
/// run (the one minted by [`show_token_exchange`], then used by the client).
pub fn check_one_token(t: &mut Transcript, sim: &SharedSimulator, app: &SimServiceApp) {
    t.section("Tokens");
    let stats = sim.oauth_stats();
    let issued = stats.tokens_issued_to(&app.client_id);
    t.note(format!(
        "the simulator issued {issued} access token(s) to {} in {} token request(s), {} use_dpop_nonce answer(s)",
        app.client_id, stats.token_requests, stats.nonce_challenges
    ));
    t.check(
        issued == 1,
        "one token for the whole run: the client used the token minted above until the end",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> std::result::Result<Option<Option<Auth>>, String> {
        parse_args(list.iter().map(|s| (*s).to_owned())).map(|a| a.map(|a| a.auth))
    }

    #[test]
    fn the_command_line_names_the_mode() {
        assert_eq!(args(&[]), Ok(Some(None)));
        assert_eq!(
            parse_args(Vec::new()).unwrap().unwrap().auth(),
            Auth::ApiToken
        );
        assert_eq!(
            args(&["--auth", "api-token"]),
            Ok(Some(Some(Auth::ApiToken)))
        );
        assert_eq!(
            args(&["--auth", "private-key-jwt"]),
            Ok(Some(Some(Auth::PrivateKeyJwt { dpop: true })))
        );
        assert_eq!(
            args(&["--auth=private-key-jwt-bearer"]),
            Ok(Some(Some(Auth::PrivateKeyJwt { dpop: false })))
        );
        for mode in ["api-token", "private-key-jwt", "private-key-jwt-bearer"] {
            assert_eq!(Auth::parse(mode).map(Auth::name), Some(mode));
        }
        let check = parse_args(["--check-config".to_owned()]).unwrap().unwrap();
        assert!(check.check_config && check.auth.is_none());
        let both = parse_args([
            "--auth=private-key-jwt".to_owned(),
            "--check-config".to_owned(),
        ]);
        assert_eq!(
            both,
            Ok(Some(Args {
                auth: Some(Auth::PrivateKeyJwt { dpop: true }),
                check_config: true
            }))
        );
        assert_eq!(args(&["--help"]), Ok(None));
        assert!(args(&["--auth"]).is_err());
        assert!(args(&["--auth", "password"]).is_err());
        assert!(args(&["--auth=PRIVATE-KEY-JWT"]).is_err());
        assert!(args(&["private-key-jwt"]).is_err());
    }

    #[test]
    fn jwts_are_decoded_and_keep_no_signature() {
        // RFC 7515 appendix A.1's JWS.
        let jws = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let jwt = Jwt::decode(jws).unwrap();
        assert_eq!(jwt.header["alg"], "HS256");
        assert_eq!(jwt.claim("iss"), Some("joe"));
        assert_eq!(jwt.claims["exp"], 1_300_819_380);
        assert!(Jwt::decode("a.b").is_none());
        assert!(Jwt::decode("not base64.!.x").is_none());
    }
}
