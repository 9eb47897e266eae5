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
//!   ([`Simulator::inject`]).
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
//! * **Auth**: `Authorization: SSWS <token>` or `Bearer <token>` must carry the
//!   configured token, else `401 E0000011` "Invalid token provided".
//!   `GET …/factors/questions` documents API-token security only: a `Bearer`
//!   token gets the same `401 E0000011`.
//! * **Headers**: every response has a unique `X-Okta-Request-Id`, `Date` (the
//!   clock, IMF-fixdate) and `X-Rate-Limit-Limit/Remaining/Reset` from a
//!   fixed-window bucket ([`SimulatorConfig::rate_limit_per_minute`], default
//!   600 per 60 s). The token is checked first and the bucket belongs to the
//!   authenticated principal: the API token has one bucket however the header
//!   spells it (`SSWS`, `ssws`, `Bearer`, extra spaces), and every
//!   unauthenticated request (no, malformed or wrong token) shares one other
//!   bucket, so bogus tokens neither grow the table nor eat into the token's
//!   limit ([`Simulator::rate_limit_buckets`] is at most 2). Beyond the limit:
//!   `429 E0000047` until the window resets. Bodies are `application/json`
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
//! * **Unenroll**: `204`; unenrolling `push` also unenrolls the Okta Verify
//!   TOTP factor; `removeRecoveryEnrollment=true` also forgets the phone (a
//!   verified phone otherwise stays, shows in the catalog's `sms` entry under
//!   `_embedded.phones`, and blocks enrolling a different number).
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
mod oauth;
mod questions;
mod rng;
mod server;
mod shared;
mod sim;
mod state;
mod timefmt;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Fault, ResponseDelay, SimulatorConfig};
pub use control::{Channel, ControlError, FactorInfo, PendingPush, SentMessage, UserInfo};
pub use oauth::{JwkError, OAuthStats, ServiceApp, ServiceAppError};
pub use server::{ServerConfig, SimServer};
pub use shared::SharedSimulator;
pub use sim::{default_catalog, CatalogEntry, Simulator};
