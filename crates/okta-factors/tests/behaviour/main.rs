//! The behaviour suite: every behaviour of the client (operations on the
//! wire, `429` retries, transport faults, push polling, timeouts, size
//! limits, concurrency, tracing, and the login-safety points of issue #10
//! against the simulator), written once and run over each transport:
//!
//! * `ureq`: `okta_factors::ureq::Client` (feature `ureq`);
//! * `hyper`: `okta_factors::hyper::Client` (feature `hyper`), driven from a
//!   tokio runtime;
//! * `std_net`: `BlockingClient<StdNet>`, the transport written by hand over
//!   `std::net` in `tests/support/std_net.rs`.
//!
//! `behaviour_test!(fn name(transport) { … })` makes module `name` with one
//! `#[test]` per transport (`name::ureq`, `name::hyper`, `name::std_net`);
//! the body builds its client with `transport.client(url)` or
//! `transport.build(builder(url).…)` and calls it through the [`Subject`]
//! harness, whose calls look the same for all three. A test that only some
//! transports can run lists them: `behaviour_test!([ureq, hyper] fn …)`.
//!
//! The servers: `okta-factors-testserver` (scripted answers, recorded
//! requests), raw TCP listeners for what it cannot send, and the simulator.
//!
//! The facade's dev-dependency on itself turns on `ureq`, `hyper` and
//! `tracing`, so `cargo test -p okta-factors --test behaviour` runs it all
//! (about 50 s on 2 cores: the tests mostly wait, for polls at the 1 s floor
//! and retries; scenarios of one behaviour run at once to keep it short).
//!
//! [`Subject`]: harness::Subject

// Test code: unwrapping is asserting.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Expands one test body into one `#[test]` per transport (the attributes,
/// docs included, go on each).
macro_rules! behaviour_test {
    ($(#[$attr:meta])* fn $name:ident($transport:ident) $body:block) => {
        behaviour_test!([ureq, hyper, std_net] $(#[$attr])* fn $name($transport) $body);
    };
    ([$($which:ident),+] $(#[$attr:meta])* fn $name:ident($transport:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            // Unused when none of the test's transports is built.
            #[allow(dead_code)]
            fn run($transport: $crate::harness::Transport) $body

            behaviour_test!(@tests [$($which),+] [$(#[$attr])*]);
        }
    };
    (@tests [$($which:ident),+] $attrs:tt) => {
        $(behaviour_test!(@test $which $attrs);)+
    };
    (@test ureq [$(#[$attr:meta])*]) => {
        #[cfg(feature = "ureq")]
        #[test]
        $(#[$attr])*
        fn ureq() {
            run($crate::harness::Transport::Ureq);
        }
    };
    (@test hyper [$(#[$attr:meta])*]) => {
        #[cfg(feature = "hyper")]
        #[test]
        $(#[$attr])*
        fn hyper() {
            run($crate::harness::Transport::Hyper);
        }
    };
    (@test std_net [$(#[$attr:meta])*]) => {
        #[test]
        $(#[$attr])*
        fn std_net() {
            run($crate::harness::Transport::StdNet);
        }
    };
}

#[path = "../support/std_net.rs"]
mod std_net;

mod common;
mod harness;

mod concurrency;
mod faults;
mod governor;
mod limits;
mod login_safety;
#[cfg(feature = "oauth")]
mod oauth;
mod operations;
mod proxy;
mod push;
mod retry;
#[cfg(feature = "tracing")]
mod spans;
mod timeouts;
