//! [`Settings`] (feature `config`): a client's configuration from Okta's
//! conventions, `okta.yaml` files and `OKTA_CLIENT_*` environment variables.

use std::fmt::{self, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use okta_factors_core::{AuthScheme, Credentials, OrgUrl, Secret};
use serde_yaml_ng::Value;

use crate::builder::ClientBuilder;
use crate::proxy::Proxy;

/// The settings this client uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    OrgUrl,
    Token,
    AuthorizationMode,
    ClientId,
    Scopes,
    PrivateKey,
    PrivateKeyId,
    ProxyHost,
    ProxyPort,
    ProxyUsername,
    ProxyPassword,
    ConnectionTimeout,
    RequestTimeout,
    MaxRetries,
    UserAgent,
}

/// A key that sets a [`Field`]: its full path, and whether its value is secret.
struct Key {
    path: &'static str,
    field: Field,
    secret: bool,
}

const fn key(path: &'static str, field: Field, secret: bool) -> Key {
    Key {
        path,
        field,
        secret,
    }
}

/// Every key this client reads; the first key of a field names it.
const KEYS: &[Key] = &[
    key("okta.client.orgUrl", Field::OrgUrl, false),
    key("okta.client.token", Field::Token, true),
    key(
        "okta.client.authorizationMode",
        Field::AuthorizationMode,
        false,
    ),
    key("okta.client.clientId", Field::ClientId, false),
    key("okta.client.scopes", Field::Scopes, false),
    key("okta.client.privateKey", Field::PrivateKey, true),
    key("okta.client.privateKeyId", Field::PrivateKeyId, false),
    key("okta.client.kid", Field::PrivateKeyId, false),
    key("okta.client.keyId", Field::PrivateKeyId, false),
    key("okta.client.proxy.host", Field::ProxyHost, false),
    key("okta.client.proxy.port", Field::ProxyPort, false),
    key("okta.client.proxy.username", Field::ProxyUsername, false),
    key("okta.client.proxy.password", Field::ProxyPassword, true),
    key(
        "okta.client.connectionTimeout",
        Field::ConnectionTimeout,
        false,
    ),
    key("okta.client.requestTimeout", Field::RequestTimeout, false),
    key("okta.client.rateLimit.maxRetries", Field::MaxRetries, false),
    key("okta.client.userAgent", Field::UserAgent, false),
];

const INSECURE_HTTP: &str = "plain http only from code: OrgUrl::parse_allowing_insecure_http";

/// Keys other Okta SDKs read that this client does not use: the key (a
/// whole subtree when `subtree`), and why.
const UNUSED: &[(&str, bool, &str)] = &[
    (
        "okta.client.cache",
        true,
        "the other SDKs' response cache; this client caches no responses",
    ),
    (
        "okta.client.rateLimit.maxBackoff",
        false,
        "retries wait as Okta's rate-limit headers say, within max_total_wait (set in code)",
    ),
    (
        "okta.client.rateLimit.enable",
        false,
        "rate-limit retries are on; rateLimit.maxRetries: 0 turns them off",
    ),
    (
        "okta.client.clientSecret",
        false,
        "a client secret: Okta API service apps authenticate with privateKey",
    ),
    (
        "okta.client.clientAssertion",
        false,
        "a ready-made client assertion: this client signs its own with privateKey",
    ),
    (
        "okta.client.jwk",
        false,
        "put the private JWK in privateKey",
    ),
    (
        "okta.client.encryptionType",
        false,
        "the key type is read from privateKey itself",
    ),
    (
        "okta.client.oauth2",
        true,
        "for an access token, use token with authorizationMode: Bearer",
    ),
    (
        "okta.client.oauthTokenRenewalOffset",
        false,
        "access tokens are renewed a minute before they expire",
    ),
    (
        "okta.client.authenticationScheme",
        false,
        "use authorizationMode",
    ),
    ("okta.testing.disableHttpsCheck", false, INSECURE_HTTP),
    (
        "okta.testing.testingDisableHttpsCheck",
        false,
        INSECURE_HTTP,
    ),
];

/// The sections that hold settings (must be mappings when present).
const SECTIONS: &[&str] = &[
    "okta",
    "okta.client",
    "okta.client.proxy",
    "okta.client.rateLimit",
    "okta.testing",
];

/// Where a value came from.
#[derive(Clone, Debug)]
enum Origin {
    /// A YAML file (as given to [`Settings::yaml`]) and the key as written.
    File { file: String, key: String },
    /// An environment variable.
    Env { var: String },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, key } => write!(f, "{key} in {file}"),
            Origin::Env { var } => f.write_str(var),
        }
    }
}

impl Origin {
    /// The file or variable alone.
    fn source(&self) -> &str {
        match self {
            Origin::File { file, .. } => file,
            Origin::Env { var } => var,
        }
    }
}

/// A value as read.
#[derive(Clone)]
enum Raw {
    Text(String),
    Secret(Secret),
    List(Vec<String>),
}

impl Raw {
    /// The text to use (a list joined with spaces).
    fn text(&self) -> String {
        match self {
            Raw::Text(text) => text.clone(),
            Raw::Secret(secret) => secret.expose().to_owned(),
            Raw::List(items) => items.join(" "),
        }
    }

    fn same_as(&self, other: &Raw) -> bool {
        self.text() == other.text()
    }
}

/// One value of one layer.
#[derive(Clone)]
struct Entry {
    field: Field,
    origin: Origin,
    raw: Raw,
}

impl Entry {
    /// Where the value came from: the variable, the file, or the key (when
    /// it is an alias of the setting's name) and the file.
    fn origin_text(&self) -> String {
        match &self.origin {
            Origin::File { file, key } if key == name_of(self.field) => file.clone(),
            other => other.to_string(),
        }
    }
}

/// A client's configuration read as the official Okta SDKs read theirs:
/// `okta.yaml` files and `OKTA_CLIENT_*` environment variables. Each value
/// remembers where it came from; `Debug` shows secrets as `[REDACTED]`.
///
/// # Where settings come from
///
/// [`Settings::load`] layers, lowest to highest precedence (a later value
/// replaces an earlier one; code, the `ClientBuilder`'s methods called after
/// `builder_from`, wins over all):
///
/// 1. `~/.okta/okta.yaml` (`$HOME`, else `%USERPROFILE%`): every SDK reads it
///    (okta-sdk-python `okta/constants.py` `_GLOBAL_YAML_PATH`, okta-sdk-nodejs
///    `src/config-loader.js` `globalYamlPath`, okta-sdk-golang
///    `okta/configuration.go` `readConfigFromSystem`, okta-sdk-java
///    `DefaultClientBuilder`'s `~/.okta/okta.yaml`).
/// 2. `./.okta.yaml`, in the working directory: okta-sdk-golang's
///    `readConfigFromApplication` (v2: `readConfigFromFile(".okta.yaml")`).
/// 3. `./okta.yaml`, in the working directory: okta-sdk-python
///    (`_LOCAL_YAML_PATH = os.path.join(os.getcwd(), "okta.yaml")`),
///    okta-sdk-nodejs (`path.join(process.cwd(), 'okta.yaml')`) and the .NET
///    SDK. (Java reads `okta.yaml` from the classpath instead.)
/// 4. The environment: `OKTA_CLIENT_*` (and `OKTA_TESTING_*`) variables.
///
/// Files that do not exist are skipped; one that exists must parse.
/// [`Settings::yaml`] and [`Settings::env`] are the same layering with the
/// text and the variables given (pure: no file or environment is read), for
/// tests and for settings kept elsewhere.
///
/// # Keys and variables
///
/// The YAML layout is the SDKs' (`okta: client: orgUrl: …`). A variable's
/// name is the key's path in upper case with `_` between the parts, e.g.
/// `okta.client.rateLimit.maxRetries` is `OKTA_CLIENT_RATELIMIT_MAXRETRIES`
/// (okta-sdk-python's and okta-sdk-java's READMEs). Underscores inside a
/// part are accepted too, as okta-sdk-golang's `envconfig` tags
/// (`OKTA_CLIENT_CONNECTION_TIMEOUT`, `OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES`)
/// and okta-sdk-python's `_apply_env_config` (`OKTA_CLIENT_ORG_URL`) spell
/// some; two spellings of one setting with different values in one layer
/// are an error.
///
/// | key under `okta.client` | variable | used as |
/// |---|---|---|
/// | `orgUrl` | `OKTA_CLIENT_ORGURL` | `OrgUrl::parse` (never the insecure variant) |
/// | `token` | `OKTA_CLIENT_TOKEN` | `Credentials::api_token` (SSWS), or `access_token` (Bearer) |
/// | `authorizationMode` | `OKTA_CLIENT_AUTHORIZATIONMODE` | `SSWS`, `Bearer` or `PrivateKey` (any case); default SSWS with a token, PrivateKey with only `clientId`/`privateKey` |
/// | `clientId` | `OKTA_CLIENT_CLIENTID` | the service app (`PrivateKey`, feature `oauth`) |
/// | `scopes` | `OKTA_CLIENT_SCOPES` | a YAML list, or a comma- or space-separated string (default `okta.users.read okta.users.manage`) |
/// | `privateKey` | `OKTA_CLIENT_PRIVATEKEY` | PEM text, a private JWK, or the path of a file holding either (`~/` is the home directory) |
/// | `privateKeyId` (Go), `kid` (Java), `keyId` (Node) | `OKTA_CLIENT_PRIVATEKEYID`, `…_KID`, `…_KEYID` | the key's `kid` |
/// | `proxy.host`, `proxy.port` | `OKTA_CLIENT_PROXY_HOST`, `…_PORT` | `Proxy::new("http://host:port")` (an IPv6 host in brackets) |
/// | `proxy.username`, `proxy.password` | `OKTA_CLIENT_PROXY_USERNAME`, `…_PASSWORD` | `Proxy::basic_auth` |
/// | `connectionTimeout` | `OKTA_CLIENT_CONNECTIONTIMEOUT` | `connect_timeout`, seconds (0 keeps the default: every connection is bounded) |
/// | `requestTimeout` | `OKTA_CLIENT_REQUESTTIMEOUT` | `request_timeout`, seconds (0 keeps the default: every call is bounded) |
/// | `rateLimit.maxRetries` | `OKTA_CLIENT_RATELIMIT_MAXRETRIES` | `max_retries` |
/// | `userAgent` (Python) | `OKTA_CLIENT_USERAGENT` | `user_agent_extra` |
///
/// Numbers may be YAML numbers or strings. Empty and `null` values are not
/// set (as Java's `Strings.hasText` and Python's pruning of `''` treat them).
///
/// Keys the other SDKs read that this client has no use for (`cache.*`,
/// `rateLimit.maxBackoff`, `clientSecret`, `jwk`, `oauth2.accessToken`, …),
/// unknown keys and unknown `OKTA_CLIENT_*` variables are ignored, as the
/// SDKs ignore them, and listed by [`Settings::report`] (by name only: their
/// values are never shown).
///
/// `okta.testing.disableHttpsCheck` (Java, Go) and
/// `okta.testing.testingDisableHttpsCheck` (Python) are ignored too: plain
/// `http` to a host that is not loopback is only ever allowed from code,
/// with `OrgUrl::parse_allowing_insecure_http` (then
/// [`Settings::apply_to`] a builder made with that org).
///
/// # Secrets
///
/// `token`, `privateKey` and `proxy.password` are kept as [`Secret`]s: `Debug`,
/// [`Settings::report`] and every [`SettingsError`] show `[REDACTED]` or
/// nothing in their place. A malformed file's error gives the file, line and
/// column and the YAML parser's description only when that description
/// quotes nothing of the file.
///
/// ```
/// use std::time::Duration;
/// use okta_factors::Settings;
///
/// let settings = Settings::new()
///     .yaml("okta.yaml", "
/// okta:
///   client:
///     orgUrl: https://dev-123456.okta.com
///     token: 00aBcD-from-the-file
///     requestTimeout: 20
/// ")?
///     .env([("OKTA_CLIENT_TOKEN", "00aBcD-from-the-environment")])?;
/// let client = okta_factors::ureq::Client::builder_from(&settings)?
///     .max_retries(4) // code wins over files and the environment
///     .build()?;
/// assert_eq!(client.config().request_timeout, Duration::from_secs(20));
/// assert_eq!(client.config().credentials.token().unwrap().expose(), "00aBcD-from-the-environment");
/// assert!(!format!("{settings:?}").contains("00aBcD"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct Settings {
    entries: Vec<Entry>,
    ignored: Vec<(String, String)>,
    /// What was layered or looked for, for the report: `read: ./okta.yaml`.
    layers: Vec<String>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, entry) in self.effective() {
            map.entry(&name, &Shown(entry));
        }
        map.finish()
    }
}

/// A value for `Debug` and the report: secrets redacted, a key file's path shown.
struct Shown<'a>(&'a Entry);

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.raw {
            Raw::Text(text) => fmt::Debug::fmt(text, f),
            Raw::List(items) => fmt::Debug::fmt(items, f),
            Raw::Secret(_) => fmt::Display::fmt(self, f),
        }
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.raw {
            Raw::Text(text) => f.write_str(text),
            Raw::List(items) => write!(f, "[{}]", items.join(", ")),
            Raw::Secret(secret) => match (self.0.field, KeyText::of(secret.expose())) {
                (Field::PrivateKey, KeyText::Path(path)) => {
                    write!(f, "[REDACTED] (the key file {path})")
                }
                _ => f.write_str("[REDACTED]"),
            },
        }
    }
}

impl Settings {
    /// No settings: every value unset.
    pub fn new() -> Self {
        Self::default()
    }

    /// The standard files that exist, lowest precedence first
    /// (`~/.okta/okta.yaml`, `./.okta.yaml`, `./okta.yaml`), then the
    /// `OKTA_CLIENT_*` and `OKTA_TESTING_*` variables of this process.
    ///
    /// A file that exists but cannot be read or parsed, a value of the wrong
    /// shape, or an `OKTA_*` variable that is not UTF-8 is an error naming
    /// it. Values are checked when they are used (`builder_from`): a bad
    /// value that a later layer replaces does no harm.
    pub fn load() -> Result<Self, SettingsError> {
        let mut settings = Self::new();
        for path in standard_files() {
            let label = path.display().to_string();
            match std::fs::read_to_string(&path) {
                Ok(text) => settings = settings.yaml(&label, &text)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    settings.layers.push(format!("not found: {label}"));
                }
                Err(e) => {
                    return Err(SettingsError::File {
                        file: label,
                        line: None,
                        reason: format!("cannot be read ({e}); fix its permissions or remove it"),
                    })
                }
            }
        }
        let mut vars = Vec::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str().filter(|n| n.starts_with("OKTA_")) else {
                continue;
            };
            let value = value.into_string().map_err(|_| SettingsError::Invalid {
                setting: name.to_owned(),
                origin: "the environment".to_owned(),
                reason: "is not UTF-8 text".to_owned(),
            })?;
            vars.push((name.to_owned(), value));
        }
        settings.env(vars)
    }

    /// Layers one `okta.yaml` over the settings so far: `source` names it in
    /// messages and the report (its path), `text` is its contents. An empty
    /// file sets nothing.
    ///
    /// Errors name `source`: with the line and column when the text is not
    /// YAML, with the key when a section or value has the wrong shape (a
    /// list where a value is expected, `okta.client` that is not a
    /// mapping).
    pub fn yaml(mut self, source: &str, text: &str) -> Result<Self, SettingsError> {
        let file_error = |line, reason: String| SettingsError::File {
            file: source.to_owned(),
            line,
            reason,
        };
        let mut document: Value = serde_yaml_ng::from_str(text).map_err(|e| {
            let location = e.location();
            file_error(
                location.as_ref().map(|l| l.line()),
                yaml_problem(&e.to_string(), location.map(|l| l.column())),
            )
        })?;
        document
            .apply_merge()
            .map_err(|e| file_error(None, yaml_problem(&e.to_string(), None)))?;
        let mut layer = Vec::new();
        let mut walk = Walk {
            file: source,
            layer: &mut layer,
            ignored: &mut self.ignored,
        };
        match document {
            Value::Null => {}
            Value::Mapping(map) => walk.mapping("", &map)?,
            _ => {
                return Err(file_error(
                    None,
                    "is not a mapping: an okta.yaml starts with `okta:` (okta: client: orgUrl: …)"
                        .to_owned(),
                ))
            }
        }
        self.push_layer(format!("read: {source}"), layer)
    }

    /// Layers the `OKTA_CLIENT_*` and `OKTA_TESTING_*` variables among
    /// `vars` (name, value) over the settings so far; other names are not
    /// looked at. An empty value is not set (and is reported). A variable
    /// that names no setting is ignored (and reported).
    ///
    /// Two variables for one setting (`OKTA_CLIENT_CONNECTIONTIMEOUT` and
    /// `OKTA_CLIENT_CONNECTION_TIMEOUT`) with different values are an error.
    pub fn env<I, K, V>(mut self, vars: I) -> Result<Self, SettingsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut layer = Vec::new();
        let mut vars: Vec<(String, String)> = vars
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
            .filter(|(k, _)| k.starts_with("OKTA_CLIENT_") || k.starts_with("OKTA_TESTING_"))
            .collect();
        vars.sort();
        for (name, value) in vars {
            let normal = normalize(&name);
            let origin = Origin::Env { var: name.clone() };
            if let Some(key) = KEYS.iter().find(|k| normalize(k.path) == normal) {
                let value = value.trim();
                if value.is_empty() {
                    self.ignored.push((name, "empty: not set".to_owned()));
                    continue;
                }
                let raw = if key.secret {
                    Raw::Secret(Secret::new(value))
                } else {
                    Raw::Text(value.to_owned())
                };
                layer.push(Entry {
                    field: key.field,
                    origin,
                    raw,
                });
            } else if let Some((_, _, why)) = UNUSED.iter().find(|(path, subtree, _)| {
                let path = normalize(path);
                normal == path || (*subtree && normal.starts_with(&path))
            }) {
                self.ignored
                    .push((name, format!("read by other Okta SDKs, not here: {why}")));
            } else {
                self.ignored
                    .push((name, "names no setting of this client".to_owned()));
            }
        }
        let label = if layer.is_empty() {
            "no OKTA_CLIENT_* variable sets a value"
        } else {
            "read: the environment (OKTA_CLIENT_* variables)"
        };
        self.push_layer(label.to_owned(), layer)
    }

    /// Adds one layer's entries, refusing two different values for one
    /// setting within it.
    fn push_layer(mut self, label: String, layer: Vec<Entry>) -> Result<Self, SettingsError> {
        for (i, entry) in layer.iter().enumerate() {
            if let Some(other) = layer[..i]
                .iter()
                .find(|e| e.field == entry.field && !e.raw.same_as(&entry.raw))
            {
                return Err(SettingsError::Invalid {
                    setting: name_of(entry.field).to_owned(),
                    origin: format!("{} and {}", other.origin, entry.origin),
                    reason: "both are set, to different values: keep one".to_owned(),
                });
            }
        }
        self.layers.push(label);
        self.entries.extend(layer);
        Ok(self)
    }

    /// The value in effect for `field`: the last one layered.
    fn get(&self, field: Field) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.field == field)
    }

    /// The value in effect for each field that has one, by the field's name.
    fn effective(&self) -> Vec<(&'static str, &Entry)> {
        let mut fields: Vec<Field> = Vec::new();
        for key in KEYS {
            if !fields.contains(&key.field) {
                fields.push(key.field);
            }
        }
        fields
            .into_iter()
            .filter_map(|field| Some((name_of(field), self.get(field)?)))
            .collect()
    }

    /// Whether some layer sets `okta.client.orgUrl`.
    pub fn names_org(&self) -> bool {
        self.get(Field::OrgUrl).is_some()
    }

    /// The files and variables that set a value, in the order they were
    /// layered (each once): where these settings came from.
    pub fn sources(&self) -> Vec<&str> {
        let mut sources: Vec<&str> = Vec::new();
        for entry in &self.entries {
            let source = entry.origin.source();
            if !sources.contains(&source) {
                sources.push(source);
            }
        }
        sources
    }

    /// The org: `okta.client.orgUrl` through [`OrgUrl::parse`] (plain `http`
    /// only for loopback hosts).
    pub fn org_url(&self) -> Result<OrgUrl, SettingsError> {
        let entry = self
            .get(Field::OrgUrl)
            .ok_or_else(|| SettingsError::Missing {
                what: "okta.client.orgUrl (the org URL)".to_owned(),
                fix: "set it in ~/.okta/okta.yaml or ./okta.yaml (okta: client: orgUrl: \
                  https://dev-123456.okta.com), or as OKTA_CLIENT_ORGURL"
                    .to_owned(),
            })?;
        OrgUrl::parse(&entry.raw.text()).map_err(|e| invalid(entry, e.to_string()))
    }

    /// How requests are authorized: `authorizationMode` (`SSWS`, `Bearer` or
    /// `PrivateKey`, in any case); without it, SSWS when a token is set,
    /// else PrivateKey when `clientId` or `privateKey` is (the SDKs default
    /// to SSWS).
    pub fn authorization_mode(&self) -> Result<AuthScheme, SettingsError> {
        if let Some(entry) = self.get(Field::AuthorizationMode) {
            let text = entry.raw.text();
            return match text.to_ascii_lowercase().as_str() {
                "ssws" => Ok(AuthScheme::Ssws),
                "bearer" => Ok(AuthScheme::Bearer),
                "privatekey" => Ok(AuthScheme::PrivateKey),
                _ => Err(invalid(
                    entry,
                    format!("{text:?} is not a mode: use SSWS, Bearer or PrivateKey"),
                )),
            };
        }
        if self.get(Field::Token).is_some() {
            Ok(AuthScheme::Ssws)
        } else if self.get(Field::ClientId).is_some() || self.get(Field::PrivateKey).is_some() {
            Ok(AuthScheme::PrivateKey)
        } else {
            Err(SettingsError::Missing {
                what: "credentials".to_owned(),
                fix: "set okta.client.token (an API token; OKTA_CLIENT_TOKEN), or \
                      authorizationMode: PrivateKey with clientId and privateKey (a service app)"
                    .to_owned(),
            })
        }
    }

    /// The credentials the settings describe: an API token (SSWS), an
    /// access token (Bearer), or a service app (PrivateKey: see
    /// `Settings::service_app`; needs feature `oauth`).
    pub fn credentials(&self) -> Result<Credentials, SettingsError> {
        let mode = self.authorization_mode()?;
        if mode == AuthScheme::PrivateKey {
            return self.service_app_credentials();
        }
        let bearer = mode == AuthScheme::Bearer;
        let entry = self
            .get(Field::Token)
            .ok_or_else(|| SettingsError::Missing {
                what: "okta.client.token".to_owned(),
                fix: format!(
                "authorizationMode {} needs a token: set okta.client.token or OKTA_CLIENT_TOKEN",
                if bearer { "Bearer" } else { "SSWS" }
            ),
            })?;
        let token = entry.raw.text();
        let credentials = if bearer {
            Credentials::access_token(token)
        } else {
            Credentials::api_token(token)
        };
        // InputError::Credentials never repeats the token.
        credentials.map_err(|e| invalid(entry, e.to_string()))
    }

    #[cfg(feature = "oauth")]
    fn service_app_credentials(&self) -> Result<Credentials, SettingsError> {
        let app = self.service_app()?;
        Credentials::service_app(app).map_err(|e| {
            let message = e.to_string();
            let field = if message.contains("scope") {
                Field::Scopes
            } else {
                Field::ClientId
            };
            match self.get(field) {
                Some(entry) => invalid(entry, message),
                None => SettingsError::Invalid {
                    setting: name_of(field).to_owned(),
                    origin: "the default".to_owned(),
                    reason: message,
                },
            }
        })
    }

    #[cfg(not(feature = "oauth"))]
    fn service_app_credentials(&self) -> Result<Credentials, SettingsError> {
        Err(SettingsError::Invalid {
            setting: name_of(Field::AuthorizationMode).to_owned(),
            origin: self
                .get(Field::AuthorizationMode)
                .map_or_else(|| "inferred".to_owned(), |e| e.origin.to_string()),
            reason: "PrivateKey (a service app) needs the `oauth` feature of okta-factors \
                     (on by default)"
                .to_owned(),
        })
    }

    /// The service app (feature `oauth`): `clientId`, the key of
    /// `privateKey` (PEM text, a JWK, or a file holding either, read now)
    /// with `privateKeyId` as its `kid`, and `scopes`; DPoP is
    /// `Dpop::Auto`. Change what you need before
    /// `Credentials::service_app(app)`.
    #[cfg(feature = "oauth")]
    pub fn service_app(&self) -> Result<okta_factors_core::oauth::ServiceApp, SettingsError> {
        let client_id = self
            .get(Field::ClientId)
            .ok_or_else(|| SettingsError::Missing {
                what: "okta.client.clientId".to_owned(),
                fix: "a service app (authorizationMode PrivateKey) needs its client ID: set \
                  okta.client.clientId or OKTA_CLIENT_CLIENTID"
                    .to_owned(),
            })?;
        let key_entry = self
            .get(Field::PrivateKey)
            .ok_or_else(|| SettingsError::Missing {
                what: "okta.client.privateKey".to_owned(),
                fix: "a service app (authorizationMode PrivateKey) needs its private key: set \
                  okta.client.privateKey or OKTA_CLIENT_PRIVATEKEY to the PEM text, a JWK, or \
                  the path of a file holding either"
                    .to_owned(),
            })?;
        let mut key = load_key(key_entry)?;
        if let Some(kid) = self.get(Field::PrivateKeyId) {
            key = key.with_key_id(kid.raw.text());
        }
        let mut app = okta_factors_core::oauth::ServiceApp::new(client_id.raw.text(), key);
        if let Some(entry) = self.get(Field::Scopes) {
            let scopes: Vec<String> = match &entry.raw {
                Raw::List(items) => items.clone(),
                other => other
                    .text()
                    .split([',', ' ', '\t', '\n'])
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            };
            if scopes.is_empty() {
                return Err(invalid(
                    entry,
                    "names no scope: list at least okta.users.read".to_owned(),
                ));
            }
            app = app.scopes(scopes);
        }
        Ok(app)
    }

    /// The proxy of `proxy.host` and `proxy.port` (with `proxy.username`
    /// and `proxy.password`), if the settings name one.
    pub fn proxy(&self) -> Result<Option<Proxy>, SettingsError> {
        let host = self.get(Field::ProxyHost);
        let port = self.get(Field::ProxyPort);
        let username = self.get(Field::ProxyUsername);
        let password = self.get(Field::ProxyPassword);
        let Some(host) = host else {
            return match port.or(username).or(password) {
                Some(entry) => Err(invalid(
                    entry,
                    "is set but okta.client.proxy.host is not: set the proxy's host too".to_owned(),
                )),
                None => Ok(None),
            };
        };
        let host_text = host.raw.text();
        if host_text.contains("://") || host_text.contains('/') {
            return Err(invalid(
                host,
                "is a host name, not a URL: write proxy.host: proxy.example.com and \
                 proxy.port: 3128"
                    .to_owned(),
            ));
        }
        let port = port.ok_or_else(|| SettingsError::Missing {
            what: "okta.client.proxy.port".to_owned(),
            fix: format!(
                "the proxy {host_text} ({}) needs its port: set okta.client.proxy.port or \
                 OKTA_CLIENT_PROXY_PORT",
                host.origin
            ),
        })?;
        let port_number = port
            .raw
            .text()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                invalid(
                    port,
                    format!("{:?} is not a port (1-65535)", port.raw.text()),
                )
            })?;
        let bare = host_text.trim_start_matches('[').trim_end_matches(']');
        let authority = if bare.parse::<std::net::Ipv6Addr>().is_ok() {
            format!("[{bare}]:{port_number}")
        } else {
            format!("{host_text}:{port_number}")
        };
        let mut proxy =
            Proxy::new(&format!("http://{authority}")).map_err(|e| invalid(host, e.to_string()))?;
        match (username, password) {
            (Some(username), password) => {
                let password = password.map(|p| p.raw.text()).unwrap_or_default();
                proxy = proxy.basic_auth(username.raw.text(), password);
            }
            (None, Some(password)) => {
                return Err(invalid(
                    password,
                    "is set but okta.client.proxy.username is not: set both".to_owned(),
                ))
            }
            (None, None) => {}
        }
        Ok(Some(proxy))
    }

    /// Applies the transport and call settings (`proxy.*`,
    /// `connectionTimeout`, `requestTimeout`, `rateLimit.maxRetries`,
    /// `userAgent`) to `builder`, e.g. one made in code for an org the
    /// settings may not name (`OrgUrl::parse_allowing_insecure_http`).
    pub fn apply_to<C>(
        &self,
        builder: ClientBuilder<C>,
    ) -> Result<ClientBuilder<C>, SettingsError> {
        let mut builder = builder;
        if let Some(timeout) = self.seconds(Field::ConnectionTimeout)? {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(timeout) = self.seconds(Field::RequestTimeout)? {
            builder = builder.request_timeout(timeout);
        }
        if let Some(entry) = self.get(Field::MaxRetries) {
            let retries = entry.raw.text().parse::<u32>().map_err(|_| {
                invalid(
                    entry,
                    format!("{:?} is not a whole number of retries", entry.raw.text()),
                )
            })?;
            builder = builder.max_retries(retries);
        }
        if let Some(entry) = self.get(Field::UserAgent) {
            builder = builder
                .user_agent_extra(&entry.raw.text())
                .map_err(|e| invalid(entry, e.to_string()))?;
        }
        if let Some(proxy) = self.proxy()? {
            builder = builder.proxy(proxy);
        }
        Ok(builder)
    }

    /// A builder for the org and credentials of the settings, with their
    /// transport and call settings applied (`Client::builder_from`).
    pub(crate) fn builder<C>(&self) -> Result<ClientBuilder<C>, SettingsError> {
        self.apply_to(ClientBuilder::new(self.org_url()?, self.credentials()?))
    }

    /// A number of seconds; 0 is `None` (the default stays: every wait is bounded).
    fn seconds(&self, field: Field) -> Result<Option<Duration>, SettingsError> {
        const MAX: u64 = 24 * 60 * 60;
        let Some(entry) = self.get(field) else {
            return Ok(None);
        };
        let text = entry.raw.text();
        match text.parse::<u64>() {
            Ok(0) => Ok(None),
            Ok(secs) if secs <= MAX => Ok(Some(Duration::from_secs(secs))),
            Ok(_) => Err(invalid(
                entry,
                format!("{text} seconds is more than a day: use at most {MAX}"),
            )),
            Err(_) => Err(invalid(
                entry,
                format!("{text:?} is not a whole number of seconds"),
            )),
        }
    }

    /// What was read from where, for a `--check` of the configuration:
    /// the files looked for, every value with its origin (secrets as
    /// `[REDACTED]`) and the values it replaced, the authorization mode in
    /// effect, and the keys and variables that were ignored (by name).
    ///
    /// ```
    /// use okta_factors::Settings;
    /// let settings = Settings::new()
    ///     .yaml("/home/me/.okta/okta.yaml", "okta: {client: {orgUrl: https://dev-1.okta.com, token: 00-secret, cache: {enabled: true}}}")?
    ///     .env([("OKTA_CLIENT_ORGURL", "https://dev-2.okta.com"), ("OKTA_CLIENT_TOKNE", "00-typo")])?;
    /// let report = settings.report().to_string();
    /// assert!(report.contains("okta.client.orgUrl = https://dev-2.okta.com (OKTA_CLIENT_ORGURL; replaces okta.client.orgUrl in /home/me/.okta/okta.yaml)"));
    /// assert!(report.contains("okta.client.token = [REDACTED]"));
    /// assert!(report.contains("OKTA_CLIENT_TOKNE: ignored"));
    /// assert!(report.contains("okta.client.cache in /home/me/.okta/okta.yaml: ignored"));
    /// assert!(!report.contains("secret") && !report.contains("typo"));
    /// # Ok::<(), okta_factors::SettingsError>(())
    /// ```
    pub fn report(&self) -> SettingsReport {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "okta-factors settings (lowest precedence first; values set in code win over all):"
        );
        for layer in &self.layers {
            let _ = writeln!(text, "  {layer}");
        }
        if self.entries.is_empty() {
            let _ = writeln!(text, "values: none");
        } else {
            let _ = writeln!(text, "values:");
        }
        for (name, entry) in self.effective() {
            let replaced: Vec<String> = self
                .entries
                .iter()
                .filter(|e| e.field == entry.field && !std::ptr::eq(*e, entry))
                .map(|e| e.origin.to_string())
                .collect();
            let _ = write!(text, "  {name} = {} ({}", Shown(entry), entry.origin_text());
            if !replaced.is_empty() {
                let _ = write!(text, "; replaces {}", replaced.join(", "));
            }
            let _ = writeln!(text, ")");
        }
        if self.get(Field::AuthorizationMode).is_none() {
            if let Ok(mode) = self.authorization_mode() {
                let why = if mode == AuthScheme::Ssws {
                    "a token is set"
                } else {
                    "clientId or privateKey is set, no token"
                };
                let _ = writeln!(
                    text,
                    "  okta.client.authorizationMode = {} (the default: {why})",
                    mode.as_str()
                );
            }
        }
        if !self.ignored.is_empty() {
            let _ = writeln!(text, "ignored (values not shown):");
            for (what, why) in &self.ignored {
                let _ = writeln!(text, "  {what}: ignored, {why}");
            }
        }
        SettingsReport { text }
    }
}

/// What [`Settings::report`] lists, for people: print it (`Display`).
#[derive(Clone, PartialEq, Eq)]
pub struct SettingsReport {
    text: String,
}

impl fmt::Display for SettingsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for SettingsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why settings could not be read or used. Names the file (and line, or
/// key) or the variable, and says what to change; never holds the value of
/// a token, a private key or a proxy password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A configuration file could not be read, is not YAML, or has the wrong
    /// shape.
    #[error("{file}{}: {reason}", line_suffix(*.line))]
    File {
        /// The file, as given to `Settings::yaml` (its path).
        file: String,
        /// The line (from 1), when the YAML does not parse.
        line: Option<usize>,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A value is unusable.
    #[error("{setting} ({origin}): {reason}")]
    Invalid {
        /// The setting, e.g. `okta.client.proxy.port`.
        setting: String,
        /// Where the value came from: the key and file, or the variable.
        origin: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A setting the client needs is not set.
    #[error("{what} is not set: {fix}")]
    Missing {
        /// The setting, e.g. `okta.client.orgUrl`.
        what: String,
        /// Where to set it.
        fix: String,
    },
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|l| format!(", line {l}")).unwrap_or_default()
}

/// An [`SettingsError::Invalid`] of `entry`.
fn invalid(entry: &Entry, reason: String) -> SettingsError {
    SettingsError::Invalid {
        setting: name_of(entry.field).to_owned(),
        origin: entry.origin_text(),
        reason,
    }
}

/// A field's name: its first key's path.
fn name_of(field: Field) -> &'static str {
    KEYS.iter()
        .find(|k| k.field == field)
        .map_or("okta.client", |k| k.path)
}

/// A key path or variable name without separators, in upper case:
/// `okta.client.rateLimit.maxRetries` and `OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES`
/// are both `OKTACLIENTRATELIMITMAXRETRIES`.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '.' && *c != '_')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The YAML parser's description of a problem, when it quotes nothing of
/// the input (libyaml's own messages are fixed text; others may quote a
/// key or a value, which could be a secret).
fn yaml_problem(message: &str, column: Option<usize>) -> String {
    let problem = message
        .split(" at line ")
        .next()
        .unwrap_or_default()
        .split(" at position ")
        .next()
        .unwrap_or_default();
    // libyaml quotes single punctuation characters (expected ',' or '}').
    let mut unquoted = problem.to_owned();
    for quoted in [
        ",", "]", "}", ":", "-", "?", "|", ">", "[", "{", "#", "&", "*", "!", "%", "@", "`",
    ] {
        unquoted = unquoted.replace(&format!("'{quoted}'"), "");
    }
    let problem = if problem.contains("duplicate entry") {
        "a key appears twice in one mapping"
    } else if unquoted.contains(['"', '\'', '`']) || problem.is_empty() {
        "this does not parse"
    } else {
        problem
    };
    match column {
        Some(column) => format!(
            "not valid YAML (column {column}): {problem}; check the indentation, quotes and \
             `key: value` pairs"
        ),
        None => format!("not valid YAML: {problem}"),
    }
}

/// Walks one YAML document's mappings, collecting known values and noting
/// the rest.
struct Walk<'a> {
    file: &'a str,
    layer: &'a mut Vec<Entry>,
    ignored: &'a mut Vec<(String, String)>,
}

impl Walk<'_> {
    fn shape(&self, path: &str, reason: String) -> SettingsError {
        SettingsError::File {
            file: self.file.to_owned(),
            line: None,
            reason: format!("{path} {reason}"),
        }
    }

    fn ignore(&mut self, path: &str, why: String) {
        self.ignored.push((format!("{path} in {}", self.file), why));
    }

    fn mapping(&mut self, prefix: &str, map: &serde_yaml_ng::Mapping) -> Result<(), SettingsError> {
        for (key, value) in map {
            let name = match key {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => {
                    let at = if prefix.is_empty() {
                        "the top level"
                    } else {
                        prefix
                    };
                    self.ignored.push((
                        format!("a key that is not text, under {at} in {}", self.file),
                        "names no setting of this client".to_owned(),
                    ));
                    continue;
                }
            };
            let path = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}.{name}")
            };
            self.value(&path, value)?;
        }
        Ok(())
    }

    fn value(&mut self, path: &str, value: &Value) -> Result<(), SettingsError> {
        if let Some(key) = KEYS.iter().find(|k| k.path == path) {
            let raw = match value {
                Value::Null => {
                    self.ignore(path, "empty: not set".to_owned());
                    return Ok(());
                }
                Value::Sequence(items) if key.field == Field::Scopes => {
                    let mut scopes = Vec::new();
                    for item in items {
                        match scalar(item) {
                            Some(scope) if !scope.is_empty() => scopes.push(scope),
                            _ => {
                                return Err(self.shape(
                                    path,
                                    "holds an item that is not a scope name: list names, \
                                     e.g. [okta.users.read, okta.users.manage]"
                                        .to_owned(),
                                ))
                            }
                        }
                    }
                    Raw::List(scopes)
                }
                other => match scalar(other) {
                    Some(text) if text.is_empty() => {
                        self.ignore(path, "empty: not set".to_owned());
                        return Ok(());
                    }
                    Some(text) if key.secret => Raw::Secret(Secret::new(text)),
                    Some(text) => Raw::Text(text),
                    None => {
                        return Err(self.shape(
                            path,
                            format!(
                                "is {}, not a value: write `{}: <value>`",
                                kind(other),
                                path.rsplit('.').next().unwrap_or(path)
                            ),
                        ))
                    }
                },
            };
            self.layer.push(Entry {
                field: key.field,
                origin: Origin::File {
                    file: self.file.to_owned(),
                    key: path.to_owned(),
                },
                raw,
            });
            return Ok(());
        }
        if let Some((_, _, why)) = UNUSED
            .iter()
            .find(|(p, subtree, _)| *p == path || (*subtree && path.starts_with(&format!("{p}."))))
        {
            self.ignore(path, format!("read by other Okta SDKs, not here: {why}"));
            return Ok(());
        }
        if SECTIONS.contains(&path) {
            return match value {
                Value::Null => Ok(()),
                Value::Mapping(map) => self.mapping(path, map),
                other => Err(self.shape(
                    path,
                    format!(
                        "is {}, not a mapping of settings (okta: client: orgUrl: …)",
                        kind(other)
                    ),
                )),
            };
        }
        let hint = KEYS
            .iter()
            .map(|k| k.path)
            .chain(SECTIONS.iter().copied())
            .find(|known| known.eq_ignore_ascii_case(path))
            .map_or_else(String::new, |known| format!(" (did you mean {known}?)"));
        self.ignore(path, format!("names no setting of this client{hint}"));
        Ok(())
    }
}

/// A scalar's text (trimmed); `None` for lists, mappings, tagged values and null.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) | Value::Number(_) | Value::String(_) => "a value",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value (!tag)",
    }
}

/// `~/.okta/okta.yaml`, `./.okta.yaml`, `./okta.yaml`.
fn standard_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(home) = home_dir() {
        files.push(home.join(".okta").join("okta.yaml"));
    }
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    files.push(here.join(".okta.yaml"));
    files.push(here.join("okta.yaml"));
    files
}

/// `$HOME`, else `%USERPROFILE%`.
fn home_dir() -> Option<PathBuf> {
    ["HOME", "USERPROFILE"]
        .iter()
        .filter_map(std::env::var_os)
        .find(|home| !home.is_empty())
        .map(PathBuf::from)
}

/// What a `privateKey` value holds.
enum KeyText<'a> {
    Pem,
    Jwk,
    /// The path of a file.
    Path(&'a str),
    /// Neither: perhaps a key's base64 without its PEM lines (never shown).
    Opaque,
}

impl<'a> KeyText<'a> {
    fn of(value: &'a str) -> Self {
        let value = value.trim_start_matches('\u{feff}').trim();
        if value.contains("-----BEGIN") {
            Self::Pem
        } else if value.starts_with('{') {
            Self::Jwk
        } else if value.contains(['\n', '\r'])
            || (value.len() >= 64
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
        {
            Self::Opaque
        } else {
            Self::Path(value)
        }
    }
}

/// The key of a `privateKey` entry: PEM text, a JWK, or a file holding
/// either. Errors never show the value unless it is a path.
#[cfg(feature = "oauth")]
fn load_key(entry: &Entry) -> Result<okta_factors_core::oauth::PrivateKey, SettingsError> {
    use okta_factors_core::oauth::PrivateKey;
    let parse = |text: &str| {
        if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
        {
            PrivateKey::from_jwk(text)
        } else {
            PrivateKey::from_pem(text)
        }
    };
    let value = entry.raw.text();
    match KeyText::of(&value) {
        // KeyError messages never hold key material.
        KeyText::Pem | KeyText::Jwk => parse(&value).map_err(|e| invalid(entry, e.to_string())),
        KeyText::Opaque => Err(invalid(
            entry,
            "is neither PEM text (-----BEGIN PRIVATE KEY----- …), a JWK ({\"kty\": …}), nor the \
             path of a file; a key's base64 needs its BEGIN and END lines"
                .to_owned(),
        )),
        KeyText::Path(path) => {
            let file = expand_home(path);
            let text = std::fs::read_to_string(&file).map_err(|e| {
                let reason = if e.kind() == std::io::ErrorKind::NotFound {
                    let relative = if file.is_relative() {
                        " (relative to the working directory)"
                    } else {
                        ""
                    };
                    format!(
                        "the key file {} does not exist{relative}: give the path of the private \
                         key's PEM or JWK file, or the PEM text itself",
                        file.display()
                    )
                } else {
                    format!("cannot read the key file {} ({e})", file.display())
                };
                invalid(entry, reason)
            })?;
            parse(&text)
                .map_err(|e| invalid(entry, format!("the key file {}: {e}", file.display())))
        }
    }
}

/// `~/…` in the home directory; other paths as they are.
#[cfg(feature = "oauth")]
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}
