//! Service apps (OAuth 2.0 client credentials with a private-key JWT, with and
//! without DPoP) against the simulator, which verifies every assertion and
//! proof with its own JWT implementation (jsonwebtoken): the lifecycle, one
//! token for many calls, refresh after expiry, one mint for 64 concurrent
//! calls, nonces, and the typed errors of a wrong key, scope or clock.

use std::time::{Duration, SystemTime};

use okta_factors::model::FactorEnrollment;
use okta_factors::oauth::{Dpop, PrivateKey, ServiceApp, Signer};
use okta_factors::{AuthErrorKind, Credentials, Error, OrgUrl};
use okta_factors_sim::{ManualClock, SharedSimulator, SimServer, SimulatorConfig};

use crate::harness::{builder_with, Subject, TOKEN};

const RSA_PEM: &str = include_str!("../../../okta-factors-sim/tests/keys/rsa-2048.pem");
const RSA_JWK: &str = include_str!("../../../okta-factors-sim/tests/keys/rsa-2048.jwk.json");

use crate::common::sim_server as server;

/// Registers app `id` with `key`'s public JWK and `scopes`; DPoP required or not.
fn register(sim: &SharedSimulator, id: &str, jwk: &str, scopes: &[&str], dpop: bool) {
    sim.register_service_app(
        okta_factors_sim::ServiceApp::new(id)
            .jwk(jwk)
            .scopes(scopes.iter().copied())
            .require_dpop(dpop),
    )
    .unwrap();
}

const ALL: [&str; 2] = ["okta.users.read", "okta.users.manage"];

fn client(transport: crate::harness::Transport, url: &str, app: ServiceApp) -> Subject {
    transport.build(builder_with(url, Credentials::service_app(app).unwrap()))
}

behaviour_test!(
    /// Enroll, list, get, verify and unenroll an SMS factor with a service
    /// app's tokens: RS256 without DPoP (the app does not require it), and
    /// ES256 with DPoP on and on auto (the app requires it): one token each.
    fn a_service_app_runs_the_lifecycle_with_and_without_dpop(transport) {
        let server = server(SimulatorConfig::new(TOKEN), None);
        let sim = server.simulator();
        let es256 = PrivateKey::generate_es256().unwrap();
        register(sim, "0oabearer", RSA_JWK, &ALL, false);
        register(sim, "0oadpop", &es256.public_jwk().to_json(), &ALL, true);
        let apps = [
            ("0oabearer", ServiceApp::new("0oabearer", PrivateKey::from_pem(RSA_PEM).unwrap()).dpop(Dpop::Off)),
            ("0oadpop", ServiceApp::new("0oadpop", es256.clone()).dpop(Dpop::On)),
            ("0oadpop", ServiceApp::new("0oadpop", es256.clone())),
        ];
        for (round, (id, app)) in apps.into_iter().enumerate() {
            // A user and phone per round: the org throttles a second SMS.
            let user = sim.create_user(format!("alice{round}@example.com"));
            let phone = format!("+1555415133{round}");
            let before = sim.oauth_stats().tokens_issued_to(id);
            let client = client(transport, server.url(), app);
            let sms = client.enroll_factor(&user, FactorEnrollment::sms(&phone)).unwrap();
            let sms_id = sms.id().unwrap().to_owned();
            assert!(client.list_factors(&user).unwrap().iter().any(|f| f.id() == Some(&sms_id)));
            assert_eq!(client.get_factor(&user, &sms_id).unwrap().id(), Some(sms_id.as_str()));
            client.unenroll_factor(&user, &sms_id).unwrap();
            assert!(client.list_supported_factors(&user).unwrap().iter().all(|f| f.is_ok()));
            assert_eq!(
                sim.oauth_stats().tokens_issued_to(id) - before,
                1,
                "round {round}: one token for all the calls"
            );
        }
    }
);

behaviour_test!(
    /// A token that expires between two calls (the org revokes it: `401
    /// invalid_token`) is replaced once, and the call goes through.
    fn an_expired_token_is_refreshed_once(transport) {
        let server = server(SimulatorConfig::new(TOKEN), None);
        let sim = server.simulator();
        let user = sim.create_user("bob@example.com");
        let key = PrivateKey::generate_es256().unwrap();
        register(sim, "0oaexp", &key.public_jwk().to_json(), &ALL, true);
        let client = client(transport, server.url(), ServiceApp::new("0oaexp", key));
        client.list_factors(&user).unwrap();
        assert_eq!(sim.expire_tokens(), 1);
        client.list_factors(&user).unwrap();
        assert_eq!(sim.oauth_stats().tokens_issued_to("0oaexp"), 2);
    }
);

behaviour_test!(
    /// 64 calls at once on an expired token mint exactly one new token.
    fn concurrent_calls_on_an_expired_token_mint_one(transport) {
        let server = server(SimulatorConfig::new(TOKEN), None);
        let sim = server.simulator();
        let user = sim.create_user("carol@example.com");
        let key = PrivateKey::generate_es256().unwrap();
        register(sim, "0oamany", &key.public_jwk().to_json(), &ALL, false);
        let client = client(transport, server.url(), ServiceApp::new("0oamany", key).dpop(Dpop::Off));
        let sms = client.enroll_factor(&user, FactorEnrollment::sms("+15554151337")).unwrap();
        let id = sms.id().unwrap().to_owned();
        assert_eq!(sim.oauth_stats().tokens_issued_to("0oamany"), 1);
        sim.expire_tokens();
        let calls: Vec<_> = (0..64).map(|_| (user.clone(), id.clone())).collect();
        for result in client.get_factors_concurrently(&calls) {
            assert_eq!(result.unwrap().id(), Some(id.as_str()));
        }
        assert_eq!(sim.oauth_stats().tokens_issued_to("0oamany"), 2);
    }
);

behaviour_test!(
    /// A DPoP nonce the org rotates is followed: at the token endpoint (a
    /// new token after expiry) and at the API (nonces required there too).
    fn a_rotated_nonce_is_followed(transport) {
        let server = server(SimulatorConfig::new(TOKEN).dpop_resource_nonce(true), None);
        let sim = server.simulator();
        let user = sim.create_user("dave@example.com");
        let key = PrivateKey::generate_es256().unwrap();
        register(sim, "0oanonce", &key.public_jwk().to_json(), &ALL, true);
        let client = client(transport, server.url(), ServiceApp::new("0oanonce", key).dpop(Dpop::On));
        client.list_factors(&user).unwrap();
        sim.rotate_dpop_nonce();
        client.list_factors(&user).unwrap();
        sim.rotate_dpop_nonce();
        sim.expire_tokens();
        client.list_factors(&user).unwrap();
        assert_eq!(sim.oauth_stats().tokens_issued_to("0oanonce"), 2);
    }
);

/// The typed error of the first call of `app`'s client.
fn first_error(transport: crate::harness::Transport, server: &SimServer, app: ServiceApp) -> Error {
    let user = server.simulator().create_user("erin@example.com");
    client(transport, server.url(), app)
        .list_factors(&user)
        .unwrap_err()
}

behaviour_test!(
    /// A key the app does not have, a scope it was not granted and a clock
    /// ten minutes off each give a typed error that says what to check.
    fn a_wrong_key_scope_or_clock_is_a_typed_error(transport) {
        let registered = PrivateKey::generate_es256().unwrap();
        let jwk = registered.public_jwk().to_json();
        let server_ok = server(SimulatorConfig::new(TOKEN), None);
        register(server_ok.simulator(), "0oaerr", &jwk, &["okta.users.read"], false);

        let other_key = PrivateKey::generate_es256().unwrap();
        let error = first_error(transport, &server_ok, ServiceApp::new("0oaerr", other_key).dpop(Dpop::Off));
        let auth = error.auth().unwrap_or_else(|| panic!("{error:?}"));
        assert_eq!(auth.kind, AuthErrorKind::InvalidClient, "{error}");
        assert!(error.to_string().contains("clock"), "{error}");

        let error = first_error(transport, &server_ok, ServiceApp::new("0oaerr", registered.clone()).dpop(Dpop::Off));
        assert_eq!(error.auth().map(|a| a.kind), Some(AuthErrorKind::InvalidScope), "{error}");

        for skew in [600i64, -600] {
            let now = SystemTime::now();
            let at = if skew > 0 { now + Duration::from_secs(600) } else { now - Duration::from_secs(600) };
            let server = server(SimulatorConfig::new(TOKEN), Some(ManualClock::new(at)));
            register(server.simulator(), "0oaclock", &jwk, &ALL, false);
            let app = ServiceApp::new("0oaclock", registered.clone()).dpop(Dpop::Off);
            let error = first_error(transport, &server, app);
            assert_eq!(error.auth().map(|a| a.kind), Some(AuthErrorKind::InvalidClient), "skew {skew}: {error}");
            let text = format!("{error} {error:?}");
            assert!(!text.contains("eyJ"), "no JWT in the error: {text}");
        }
    }
);

#[test]
fn service_app_credentials_need_a_client_id_and_scopes() {
    let key = PrivateKey::generate_es256().unwrap();
    assert!(Credentials::service_app(ServiceApp::new(" ", key.clone())).is_err());
    let none: [&str; 0] = [];
    assert!(Credentials::service_app(ServiceApp::new("0oa1", key.clone()).scopes(none)).is_err());
    assert!(
        Credentials::service_app(ServiceApp::new("0oa1", key.clone()).scopes(["a b"])).is_err()
    );
    let creds = Credentials::service_app(ServiceApp::new("0oa1", key)).unwrap();
    assert!(creds.token().is_none() && creds.authorization().is_none());
    let _ = OrgUrl::parse("https://dev-1.okta.com").unwrap();
}
