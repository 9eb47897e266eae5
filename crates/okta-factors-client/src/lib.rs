//! # okta-factors-client
//!
//! The blocking and the async Okta UserFactor API client, written once over a
//! small transport trait. Users depend on the `okta-factors` facade, which
//! re-exports everything here; this crate is what transports build on.
//!
//! ```text
//! BlockingClient<T: SyncTransport>    AsyncClient<T: AsyncTransport>
//!   ten methods, execute, verify_push, wait_for_push_activation, tracing
//!         │ drive a core policy::Machine: Send → transport.send, Wait → transport.sleep
//!         ▼
//! okta_factors_core::policy::{Call, PushVerification, PushPoll}   (sans-IO)
//! ```
//!
//! * [`SyncTransport`] / [`AsyncTransport`]: send one request within
//!   [`Limits`] and return the whole response, and sleep. A closure is a
//!   `SyncTransport`. `okta-factors-ureq` and `okta-factors-hyper` implement them;
//!   so can you (see the facade's `bring_your_own_transport` test).
//! * [`BlockingClient`] / [`AsyncClient`]: the same constructors
//!   (`new`, `builder`, `with_transport`), the same [`ClientBuilder`], the same
//!   methods.
//!
//! The core never reads the clock, sleeps or opens a socket; this crate reads
//! the clock (`Instant`, for the machines' time) and sleeps through the
//! transport, and nothing else: it opens no socket either.
//!
//! ## Features
//!
//! * `tracing`: one span per call (`okta_factors.call`: `operation`, `method`,
//!   `path_template`, `status`, `request_id`, `retries`, `polls`,
//!   `elapsed_ms`) and `debug` events for retries, polls and transport
//!   failures. Header values, tokens, URL queries and bodies are never recorded.
//! * `config`: [`Settings`], a client's configuration from `okta.yaml` files
//!   and `OKTA_CLIENT_*` variables as the Okta SDKs read them
//!   (`Client::builder_from(&Settings::load()?)`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[macro_use]
mod methods;

mod asynchronous;
mod blocking;
mod builder;
mod proxy;
mod roots;
#[cfg(feature = "config")]
mod settings;
mod trace;
mod transport;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

pub use asynchronous::AsyncClient;
pub use blocking::BlockingClient;
pub use builder::ClientBuilder;
pub use proxy::{Proxy, ProxyError};
pub use roots::{RootCertificateError, RootCertificates};
#[cfg(feature = "config")]
pub use settings::{Settings, SettingsError, SettingsReport};
pub use transport::{AsyncTransport, BuildTransport, Limits, SyncTransport, TransportConfig};

/// A client's configuration and transport, shared by its clones.
struct Shared<T> {
    config: okta_factors_core::ClientConfig,
    transport: T,
}

/// Logs a warning (through `log`, which tracing subscribers also collect)
/// the first time in this process that a client is made for an org reached
/// over plain `http` that is not loopback
/// (`OrgUrl::parse_allowing_insecure_http`).
fn warn_if_insecure(org: &okta_factors_core::OrgUrl) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    if org.is_insecure_http() {
        WARNED.call_once(|| {
            log::warn!(
                target: "okta_factors",
                "INSECURE: a client for {org} sends its credentials over plain http \
                 (OrgUrl::parse_allowing_insecure_http); use this only with a test server"
            );
        });
    }
}

/// The Unix time now, for service apps' tokens (`iat`, expiry) and the
/// rate-limit governor (which places Okta's resets on this clock).
fn unix_now() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// A random number for the policies' jitter, without a random-number
/// dependency: SplitMix64 over a per-thread state seeded once from the
/// standard library's random hasher keys (not for cryptography).
fn random() -> u64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(RandomState::new().build_hasher().finish());
    }
    STATE.with(|state| {
        let next = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        state.set(next);
        let mut z = next;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}
