//! # okta-factors-sim
//!
//! An in-memory simulator of Okta's [UserFactor API]: the ten operations, with
//! Okta's wire quirks, so clients can run end to end without an Okta org.
//!
//! * [`Simulator`] is sans-IO: [`Simulator::handle`] takes an
//!   `http::Request<Vec<u8>>` and returns an `http::Response<Vec<u8>>`. Time
//!   comes from an injected [`Clock`] ([`ManualClock`] in tests), randomness
//!   (IDs, OTPs, secrets, request IDs) from a seeded PRNG.
//! * A control API plays the user's phone, inbox and device: read the OTPs
//!   "sent" ([`Simulator::outbox`], [`Simulator::last_code`]), approve or reject
//!   pushes ([`Simulator::approve_push`], [`Simulator::answer_push`]), complete
//!   a push enrollment ([`Simulator::activate_push_device`]), inject faults
//!   ([`Simulator::inject`]), register OAuth 2.0 service apps
//!   ([`Simulator::register_service_app`]).
//! * [`SharedSimulator`] shares one simulator between threads;
//!   [`SimServer`] serves it over HTTP/1.1 on `127.0.0.1` (std only: one
//!   thread per connection, at most [`ServerConfig::max_connections`] of them,
//!   default 256, past which new connections get `503`; idle connections close
//!   after [`ServerConfig::idle_timeout`], default 30 s).
//! * The binary (`cargo run -p okta-factors-sim -- --help`) runs a server for
//!   manual testing, with device commands on stdin.
//!
//! ## In your tests, without a socket
//!
//! Build requests with the core's operations, hand them to `handle`, parse
//! the responses with the same operations:
//!
//! ```
//! use std::time::Duration;
//! use okta_factors_core::{Credentials, Operation, OrgUrl};
//! use okta_factors_core::model::{FactorEnrollment, TotpProvider, UserFactor, VerifyOutcome};
//! use okta_factors_core::operations::{
//!     ActivateFactor, ActivateFactorRequest, EnrollFactor, VerifyFactor, VerifyFactorRequest,
//! };
//! use okta_factors_core::totp::Totp;
//! use okta_factors_sim::{ManualClock, Simulator, SimulatorConfig};
//!
//! let clock = ManualClock::default();
//! let mut sim = Simulator::with_clock(SimulatorConfig::new("test-token"), clock.clone());
//! let user = sim.create_user("alice@example.com");
//! // Any origin works: links in responses use the origin of the request.
//! let org = OrgUrl::parse("https://sim.okta.example")?;
//! let creds = Credentials::api_token("test-token")?;
//!
//! // Enroll Okta Verify TOTP: PENDING_ACTIVATION with the shared secret.
//! let enroll = EnrollFactor::new(&user, FactorEnrollment::totp(TotpProvider::Okta));
//! let factor = enroll.parse_response(sim.handle(enroll.build_request(&org, &creds)?))?.value;
//! let totp = Totp::from_activation(&factor.totp_activation().unwrap())?;
//! let factor_id = factor.id().unwrap().to_owned();
//!
//! // Activate it with the current code (computed at the simulator's clock).
//! let code = totp.code_at(clock.unix_seconds());
//! let activate = ActivateFactor::new(&user, &factor_id)
//!     .body(ActivateFactorRequest::pass_code(code.expose()));
//! sim.handle(activate.build_request(&org, &creds)?);
//!
//! // Verify with the next code; the same code again is a replay.
//! clock.advance(Duration::from_secs(30));
//! let code = totp.code_at(clock.unix_seconds());
//! let verify = VerifyFactor::new(&user, &factor_id).body(VerifyFactorRequest::pass_code(code.expose()));
//! let outcome = verify.parse_response(sim.handle(verify.build_request(&org, &creds)?))?.value;
//! assert!(outcome.is_success());
//! let again = verify.parse_response(sim.handle(verify.build_request(&org, &creds)?))?.value;
//! assert!(matches!(again, VerifyOutcome::PasscodeReplayed(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Over HTTP
//!
//! [`SimServer::start_new`] serves a fresh simulator on a free loopback port;
//! give [`SimServer::url`] to any client as the org URL (plain `http` is
//! allowed for loopback hosts) and drive the device through
//! [`SimServer::simulator`]. The server stops on drop. To serve a simulator on
//! a [`ManualClock`], wrap it in a [`SharedSimulator`] and call
//! [`SimServer::start`].
//!
//! ## What the simulator does
//!
//! * **Auth**: `Authorization: SSWS <token>` or `Bearer <token>` with the
//!   configured token, or an access token the simulator issued to a service
//!   app (`Bearer <token>`, or `DPoP <token>` with a `DPoP` proof: see
//!   [OAuth 2.0](#oauth-20-service-apps) below), else `401 E0000011` "Invalid
//!   token provided". `GET …/factors/questions` documents API-token security
//!   only: the configured token as `Bearer` gets the same `401 E0000011`.
//! * **Headers**: every response has a unique `X-Okta-Request-Id`, `Date` (the
//!   clock, IMF-fixdate) and `X-Rate-Limit-Limit/Remaining/Reset` from a
//!   fixed-window bucket ([`SimulatorConfig::rate_limit`], default 600 per
//!   [`SimulatorConfig::rate_limit_window`], default 60 s). With
//!   [`SimulatorConfig::per_endpoint_buckets`], each endpoint has its own
//!   bucket, as Okta's "rate limits by endpoint", named by method and path
//!   template ([`rate_limit_bucket`], e.g. `POST
//!   /api/v1/users/{userId}/factors/{factorId}/verify`; limits per bucket
//!   with [`SimulatorConfig::bucket_limit`]); without it (the default) all API
//!   requests of a principal share one bucket. The token is checked first and
//!   the buckets belong to the authenticated principal: the API token has one bucket however the header
//!   spells it (`SSWS`, `ssws`, `Bearer`, extra spaces), and every
//!   unauthenticated request (no, malformed or wrong token) shares one other
//!   bucket, so bogus tokens neither grow the table nor eat into the token's
//!   limit ([`Simulator::rate_limit_buckets`]: two, plus one per service app
//!   calling the API with its access tokens, plus one for all token requests
//!   together). Beyond the limit:
//!   `429 E0000047` until the window resets.
//!   [`SimulatorConfig::concurrent_limit`] caps the requests of one principal
//!   in flight at once (over it: `429 E0000047` with `X-Rate-Limit-Limit: 0`
//!   and `X-Rate-Limit-Remaining: 0`; [`SimServer`] counts a request until
//!   its response is written, [`SimulatorConfig::service_time`] makes each
//!   take a while). [`Simulator::rate_limit_stats`] counts the `429`s served
//!   per principal and kind and the requests per bucket (over HTTP: `GET
//!   /_sim/rate-limits`). [`Simulator::seed_users`] fills the org with users
//!   whose factors follow a realistic mix. Bodies are `application/json`
//!   (QR code images: `image/png`); `204` has no body and no `Content-Type`.
//! * **`HEAD`** is answered wherever `GET` is, as `GET` (`Allow` lists it):
//!   [`Simulator::handle`] returns the `GET` response, body included, and
//!   [`SimServer`] sends its status and headers (`Content-Length` too) without
//!   the body.
//! * **Errors**: unknown user or factor `404 E0000007` `"Not found: Resource not
//!   found: <id> (User|UserFactor)"` (`(Transaction)` for transactions,
//!   `(Endpoint)` for unknown paths, `(QrCode)` for a QR code link that is not
//!   or no longer valid); wrong method `405 E0000022` with `Allow`; malformed
//!   JSON, wrong types or missing fields `400 E0000001` "Api validation failed:
//!   …" with `errorCauses`; wrong passcode or answer `403 E0000068` "Invalid
//!   Passcode/Answer" with a cause.
//! * **Enroll**: `sms`/`call` (one phone per type: a different phone gives `400
//!   E0000001` "There is an existing verified phone number." unless
//!   `updatePhone=true` and no active factor uses the phone), `email` (must be
//!   the user's address), `question` (active at once; answer ≥ 4 characters;
//!   never returned), `token:software:totp` (`OKTA`, `GOOGLE`), `push`,
//!   `token:hotp` (active), `token` (`RSA`, `SYMANTEC`; active), `token:hardware`
//!   (`YUBICO`; active), `u2f`, `webauthn`, `web` (`DUO`). `activate=true`
//!   activates sms/call/email at once; otherwise they send an OTP
//!   (`tokenLifetimeSeconds`, default 300 s). A second factor of the same type
//!   and provider is `400 E0000001` "A factor of this type is already set up.";
//!   a type or provider outside the catalog ([`Simulator::set_catalog`]) is
//!   `400 E0000001` too.
//! * **Okta FastPass** (`signed_nonce`): only [`Simulator::seed_users`]
//!   creates it (always `ACTIVE`, profile with the device and its EC public
//!   keys, `_links` `self` and `user` only). As Okta, the API lists, gets and
//!   unenrolls it but cannot enroll, activate or verify it: `400 E0000001`.
//! * **QR codes**: the `qrcode` links of a TOTP or push enrollment
//!   (`…/factors/{factorId}/qr/{token}`, API token required like every
//!   endpoint) answer a PNG (black on white, 4 pixels per module, a 4-module
//!   quiet zone) while the factor waits for activation, then `404`. A TOTP
//!   code holds its [Key URI](https://github.com/google/google-authenticator/wiki/Key-Uri-Format)
//!   `otpauth://totp/okta-factors-sim:<login>?secret=<sharedSecret>&issuer=okta-factors-sim&algorithm=SHA1&digits=6&period=30`
//!   (label and values percent-encoded); a push code holds
//!   `oktaverify://<login>/?t=<activation token>&f=<factorId>&s=<org origin>`
//!   (the simulator's own format; the link and its image change when an
//!   expired activation restarts).
//! * **OTP throttles**: one SMS (or call) per phone number per 30 s (`429
//!   E0000109`, or `E0000047` for calls), one email per address per 5 s (`429
//!   E0000118`): on enroll, resend and verify challenges.
//! * **Activate**: OTP factors check the last OTP; TOTP checks RFC 6238 codes
//!   ±1 step; a wrong code is `403 E0000068`. More than 5 attempts within 5
//!   minutes is `429 E0000047` (and blocks resend). Push answers
//!   `{expiresAt, factorResult: WAITING, _links: {poll, qrcode, send: […]}}`
//!   until [`Simulator::activate_push_device`], then the `ACTIVE` factor; after
//!   `expiresAt`, the poll link answers `TIMEOUT` and `activate` restarts.
//!   Activating an active (non-push) factor is `400 E0000001`.
//! * **Verify**: OTP factors without a `passCode` issue a `CHALLENGE`; TOTP
//!   and custom TOTP accept ±1 step and answer `PASSCODE_REPLAYED` for a code
//!   of an already used (or older) time step; push answers **`201`** `WAITING`
//!   with `poll`/`cancel` links and, with `useNumberMatchingChallenge`,
//!   `_embedded.challenge.correctAnswer` (10–99). Verifying a factor that is not
//!   `ACTIVE` is `400 E0000001` ("The factor is not active…").
//! * **Transactions**: `WAITING` until the device acts, then `SUCCESS`,
//!   `REJECTED`, or `TIMEOUT` once the clock passes `expiresAt`
//!   ([`SimulatorConfig::push_expiry`]); `DELETE` (the `cancel` link) makes a
//!   waiting push `CANCELLED` (`204`).
//! * **Unenroll**: `204`; unenrolling `push` or `signed_nonce` (Okta
//!   FastPass) also unenrolls the user's other Okta Verify factors (TOTP of
//!   provider `OKTA`, `push`, `signed_nonce`; a `GOOGLE` TOTP stays);
//!   `removeRecoveryEnrollment=true` also forgets the phone (a
//!   verified phone otherwise stays, shows in the catalog's `sms` entry under
//!   `_embedded.phones`, and blocks enrolling a different number).
//!
//! ## OAuth 2.0 service apps
//!
//! The simulator plays Okta's org authorization server for service apps
//! ("API Services" integrations), as the official SDKs use it:
//!
//! * **Registration**: [`Simulator::register_service_app`] takes a
//!   [`ServiceApp`]: client ID, public keys (JWK or JWK Set; RSA ≥ 2048 bits
//!   for `RS256`, EC P-256 for `ES256`; optional `kid`), granted scopes
//!   (default `okta.users.read okta.users.manage`) and whether DPoP is
//!   required (default not). Private or weak keys, duplicate client IDs or
//!   `kid`s are a typed [`ServiceAppError`].
//! * **`POST /oauth2/v1/token`** (form-encoded) with
//!   `grant_type=client_credentials`, `scope`,
//!   `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
//!   and `client_assertion`, a JWT whose signature is checked against the
//!   app's key named by `kid` (without `kid`, the app's only key; several
//!   keys and no `kid` is "The client_assertion JWT kid is invalid.", as
//!   Okta), `alg` `RS256` or `ES256`, `iss` = `sub` = the client ID, `aud` =
//!   the token URL (the request's origin + `/oauth2/v1/token`), `exp` in the
//!   future and at most an hour ahead (and after `iat`), `iat` and `nbf` not
//!   in the future, each within [`SimulatorConfig::oauth_clock_skew`]
//!   (default 60 s), and a `jti` never used before (the `jti` is optional,
//!   as in Okta; a used one stays used even when the request then fails).
//!   Answers: `200` `{"token_type":"Bearer"|"DPoP","expires_in":3600,
//!   "access_token":…,"scope":…}` ([`SimulatorConfig::access_token_lifetime`]),
//!   or `400`/`401` `{"error":…,"error_description":…}` with Okta's errors
//!   and, where Okta's wording is known, its descriptions: `invalid_client`
//!   ("The client_assertion signature is invalid.", "The client_assertion
//!   token is expired.", "The client_assertion token has already been
//!   used.", …), `invalid_scope`, `unsupported_grant_type`,
//!   `invalid_request`, `invalid_dpop_proof`, `use_dpop_nonce`. Token
//!   answers carry `Cache-Control: no-cache, no-store` and `Pragma: no-cache`.
//! * **DPoP** (RFC 9449), for an app that requires it (an app that does not
//!   gets a `Bearer` token, proof or not, as Okta): the `DPoP` header's
//!   proof must have `typ` `dpop+jwt`, `alg` `RS256`/`ES256`, a public `jwk`
//!   (not one of the app's client-authentication keys: "The JWK that's used
//!   for DPoP authentication is separate from the JWK used for client
//!   authentication") that verifies its signature, `htm` = the method, `htu`
//!   = the request URL (query and fragment ignored, percent-escapes
//!   decoded), `iat` within the skew, a `jti` never used by that key, and the
//!   server's nonce: a proof without it (every first request) or with a
//!   stale one is answered `400 use_dpop_nonce` with a `DPoP-Nonce` header.
//!   The token is bound to the key's RFC 7638 thumbprint (`cnf.jkt`).
//! * **API calls** with an issued token: `Bearer <token>` for an unbound
//!   token; `DPoP <token>` and a proof by the bound key with `ath` =
//!   base64url(SHA-256(token)) for a bound one. Reads (list and get
//!   factors, catalog, questions, transaction status, QR codes) need
//!   `okta.users.read` or `okta.users.manage`, everything else
//!   `okta.users.manage`. Refusals, as Okta: an unknown, expired or wrongly
//!   presented token `401 E0000011` with `WWW-Authenticate: Bearer
//!   authorization_uri="…/oauth2/v1/authorize", realm="…", scope="…",
//!   error="invalid_token", error_description="The token has expired.",
//!   resource="/api/v1/…"` (`DPoP algs="RS256 ES256", …` for DPoP tokens); a
//!   bad proof `400` with `error="invalid_dpop_proof"`; a missing scope `403
//!   E0000006` with `error="insufficient_scope"`. With
//!   [`SimulatorConfig::dpop_resource_nonce`], a proof without the API's
//!   nonce gets `401` `error="use_dpop_nonce"` and a `DPoP-Nonce` header.
//! * **Control**: [`Simulator::expire_tokens`],
//!   [`Simulator::rotate_dpop_nonce`], [`Fault::TokenRefused`] and
//!   [`Fault::TokenUnavailable`] (token requests only; the other faults hit
//!   API requests only), and [`Simulator::oauth_stats`] ([`OAuthStats`]:
//!   token requests, tokens issued per client ID, nonce challenges, API
//!   calls refused for auth reasons). Issued tokens never appear in `Debug`.
//!
//! Not simulated: cryptographic checks of U2F/WebAuthn data (any non-empty
//! values pass), RSA/Symantec/YubiKey codes (any well-formed code passes:
//! 6–10 digits, or 32–48 modhex characters), the real Okta Verify QR payload,
//! Duo's iframe flow, user lockout after failed verifications,
//! SMS templates and localization (accepted, ignored).
//!
//! [UserFactor API]: https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api;
mod clock;
mod config;
mod control;
mod limits;
mod oauth;
mod questions;
mod rng;
mod seed;
mod server;
mod shared;
mod sim;
mod state;
mod timefmt;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Fault, ResponseDelay, SimulatorConfig};
pub use control::{Channel, ControlError, FactorInfo, PendingPush, SentMessage, UserInfo};
pub use limits::{
    rate_limit_bucket, BucketStats, PrincipalRateStats, RateLimitStats, SHARED_BUCKET, TOKEN_BUCKET,
};
pub use oauth::{JwkError, OAuthStats, ServiceApp, ServiceAppError};
pub use server::{ServerConfig, SimServer};
pub use shared::{InFlightGuard, SharedSimulator};
pub use sim::{default_catalog, CatalogEntry, InFlight, Simulator};
