//! Rate limits as Okta's: per-endpoint buckets with short windows, the
//! concurrent-request limit, the counters of `429`s, and seeded users.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{code_of, header, H};
use http::Method;
use okta_factors_sim::{rate_limit_bucket, SimulatorConfig, SHARED_BUCKET, TOKEN_BUCKET};

const START: u64 = okta_factors_sim::ManualClock::DEFAULT_START_UNIX;
const LIST: &str = "GET /api/v1/users/{userId}/factors";
const VERIFY: &str = "POST /api/v1/users/{userId}/factors/{factorId}/verify";

fn per_endpoint(limit: u32, window_secs: u64) -> H {
    H::with_config(
        SimulatorConfig::new(common::TOKEN)
            .per_endpoint_buckets(true)
            .rate_limit(limit)
            .rate_limit_window(Duration::from_secs(window_secs)),
    )
}

/// Status, limit, remaining and reset of a response.
fn rate(r: &http::Response<Vec<u8>>) -> (u16, String, String, String) {
    (
        r.status().as_u16(),
        header(r, "x-rate-limit-limit").to_owned(),
        header(r, "x-rate-limit-remaining").to_owned(),
        header(r, "x-rate-limit-reset").to_owned(),
    )
}

fn expect(status: u16, limit: u32, remaining: u32, reset: u64) -> (u16, String, String, String) {
    (
        status,
        limit.to_string(),
        remaining.to_string(),
        reset.to_string(),
    )
}

#[test]
fn bucket_names_are_method_and_path_template() {
    let cases = [
        (Method::GET, "/api/v1/users/00u1/factors", LIST),
        (Method::HEAD, "/api/v1/users/00u1/factors/", LIST),
        (
            Method::POST,
            "/api/v1/users/00u1/factors",
            "POST /api/v1/users/{userId}/factors",
        ),
        (
            Method::GET,
            "/api/v1/users/00u1/factors/catalog",
            "GET /api/v1/users/{userId}/factors/catalog",
        ),
        (
            Method::GET,
            "/api/v1/users/00u1/factors/questions",
            "GET /api/v1/users/{userId}/factors/questions",
        ),
        (
            Method::GET,
            "/api/v1/users/00u1/factors/ost1",
            "GET /api/v1/users/{userId}/factors/{factorId}",
        ),
        (
            Method::DELETE,
            "/api/v1/users/00u1/factors/ost1",
            "DELETE /api/v1/users/{userId}/factors/{factorId}",
        ),
        (
            Method::POST,
            "/api/v1/users/00u1/factors/ost1/lifecycle/activate",
            "POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate",
        ),
        (
            Method::POST,
            "/api/v1/users/00u1/factors/opf1/lifecycle/activate/poll",
            "POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/poll",
        ),
        (
            Method::POST,
            "/api/v1/users/00u1/factors/opf1/lifecycle/activate/sms",
            "POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/sms",
        ),
        (
            Method::POST,
            "/api/v1/users/00u1/factors/opf1/lifecycle/activate/email",
            "POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/email",
        ),
        (
            Method::POST,
            "/api/v1/users/00u1/factors/mbl1/resend",
            "POST /api/v1/users/{userId}/factors/{factorId}/resend",
        ),
        (
            Method::POST,
            "/api/v1/users/00u1/factors/ost1/verify",
            VERIFY,
        ),
        (
            Method::GET,
            "/api/v1/users/00u1/factors/opf1/transactions/v2mst1",
            "GET /api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}",
        ),
        (
            Method::DELETE,
            "/api/v1/users/00u1/factors/opf1/transactions/v2mst1",
            "DELETE /api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}",
        ),
        (
            Method::GET,
            "/api/v1/users/00u1/factors/ost1/qr/20abc",
            "GET /api/v1/users/{userId}/factors/{factorId}/qr/{qrToken}",
        ),
        (Method::POST, "/oauth2/v1/token", TOKEN_BUCKET),
        // Paths and methods the API does not have share the catch-all.
        (Method::GET, "/api/v1/groups", SHARED_BUCKET),
        (Method::PUT, "/api/v1/users/00u1/factors", SHARED_BUCKET),
        (
            Method::from_bytes(b"BREW").unwrap(),
            "/api/v1/users/00u1/factors/ost1/verify",
            SHARED_BUCKET,
        ),
    ];
    for (method, path, bucket) in cases {
        assert_eq!(rate_limit_bucket(&method, path), bucket, "{method} {path}");
    }
}

#[test]
fn each_endpoint_counts_in_its_own_bucket_with_a_short_window() {
    let mut h = per_endpoint(3, 2);
    let list = format!("/api/v1/users/{}/factors", h.user);
    let get = format!("/api/v1/users/{}/factors/ost0000000000000001", h.user);
    let reset = START + 2;
    for remaining in [2, 1, 0] {
        let r = h.raw(Method::GET, &list, None);
        assert_eq!(rate(&r), expect(200, 3, remaining, reset));
        assert_eq!(header(&r, "date"), "Mon, 01 Jan 2024 00:00:00 GMT");
    }
    let r = h.raw(Method::GET, &list, None);
    assert_eq!(rate(&r), expect(429, 3, 0, reset));
    assert_eq!(code_of(&r), "E0000047");

    // Another endpoint (a 404 counts too) has a full bucket of its own.
    let r = h.raw(Method::GET, &get, None);
    assert_eq!(rate(&r), expect(404, 3, 2, reset));
    // HEAD counts as GET.
    let r = h.raw(Method::HEAD, &list, None);
    assert_eq!(rate(&r), expect(429, 3, 0, reset));

    // The window is 2 s: one second later still limited, two seconds later
    // a fresh window that ends 2 s after its first request.
    h.advance(1);
    assert_eq!(h.raw(Method::GET, &list, None).status(), 429);
    h.advance(1);
    let r = h.raw(Method::GET, &list, None);
    assert_eq!(rate(&r), expect(200, 3, 2, START + 4));
    assert_eq!(header(&r, "date"), "Mon, 01 Jan 2024 00:00:02 GMT");
    // The other bucket's window started with its own first request (t = 0).
    let r = h.raw(Method::GET, &get, None);
    assert_eq!(rate(&r), expect(404, 3, 2, START + 4));
}

#[test]
fn a_bucket_can_have_its_own_limit() {
    let mut h = H::with_config(
        SimulatorConfig::new(common::TOKEN)
            .per_endpoint_buckets(true)
            .rate_limit(5)
            .rate_limit_window(Duration::from_secs(2))
            .bucket_limit(VERIFY, 1),
    );
    let verify = format!(
        "/api/v1/users/{}/factors/ost0000000000000001/verify",
        h.user
    );
    let r = h.raw(Method::POST, &verify, Some("{}"));
    assert_eq!(rate(&r), expect(404, 1, 0, START + 2));
    let r = h.raw(Method::POST, &verify, Some("{}"));
    assert_eq!(rate(&r), expect(429, 1, 0, START + 2));
    assert_eq!(code_of(&r), "E0000047");
    let list = format!("/api/v1/users/{}/factors", h.user);
    let r = h.raw(Method::GET, &list, None);
    assert_eq!(rate(&r), expect(200, 5, 4, START + 2));
}

#[test]
fn without_per_endpoint_buckets_all_endpoints_share_one_bucket() {
    let mut h = H::with_config(
        SimulatorConfig::new(common::TOKEN)
            .rate_limit(3)
            .rate_limit_window(Duration::from_secs(2)),
    );
    let list = format!("/api/v1/users/{}/factors", h.user);
    let catalog = format!("/api/v1/users/{}/factors/catalog", h.user);
    assert_eq!(
        rate(&h.raw(Method::GET, &list, None)),
        expect(200, 3, 2, START + 2)
    );
    assert_eq!(
        rate(&h.raw(Method::GET, &catalog, None)),
        expect(200, 3, 1, START + 2)
    );
    assert_eq!(
        rate(&h.raw(Method::GET, "/api/v1/groups", None)),
        expect(404, 3, 0, START + 2)
    );
    assert_eq!(
        rate(&h.raw(Method::GET, &catalog, None)),
        expect(429, 3, 0, START + 2)
    );
    assert_eq!(h.sim.rate_limit_buckets(), 1);
}

#[test]
fn principals_and_unknown_paths_stay_in_a_bounded_set_of_buckets() {
    let mut h = per_endpoint(2, 2);
    let list = format!("/api/v1/users/{}/factors", h.user);
    // A thousand distinct unknown paths share the catch-all bucket.
    for i in 0..1000 {
        let r = h.raw(Method::GET, &format!("/api/v1/nope/{i}"), None);
        assert!(matches!(r.status().as_u16(), 404 | 429), "{i}");
    }
    assert_eq!(h.sim.rate_limit_buckets(), 1);
    // Unauthenticated calls to the list endpoint exhaust their own bucket,
    // not the token's.
    for _ in 0..3 {
        h.raw_auth(Method::GET, &list, None, "SSWS wrong");
    }
    let r = h.raw_auth(Method::GET, &list, None, "SSWS wrong");
    assert_eq!(rate(&r), expect(429, 2, 0, START + 2));
    let r = h.raw(Method::GET, &list, None);
    assert_eq!(rate(&r), expect(200, 2, 1, START + 2));
    // Catch-all and list for the token, list for the unauthenticated.
    assert_eq!(h.sim.rate_limit_buckets(), 3);
}

#[test]
fn stats_count_429s_per_principal_and_kind_and_requests_per_bucket() {
    use okta_factors_sim::{Fault, RateLimitStats};
    let mut h = per_endpoint(2, 2);
    let list = format!("/api/v1/users/{}/factors", h.user);
    let catalog = format!("/api/v1/users/{}/factors/catalog", h.user);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(h.raw(Method::GET, &list, None).status().as_u16());
    }
    statuses.push(h.raw(Method::GET, &catalog, None).status().as_u16());
    for _ in 0..3 {
        let r = h.raw_auth(Method::GET, &list, None, "SSWS nope");
        statuses.push(r.status().as_u16());
    }
    // A storm: counted as injected, after the bucket let the request through.
    h.sim.inject(Fault::RateLimitStorm { count: 1 });
    statuses.push(h.raw(Method::GET, &catalog, None).status().as_u16());
    assert_eq!(statuses, [200, 200, 429, 429, 429, 200, 401, 401, 429, 429]);

    let stats = h.sim.rate_limit_stats();
    let token = stats.principal(RateLimitStats::API_TOKEN);
    assert_eq!(token.window_429s, 3);
    assert_eq!(token.injected_429s, 1);
    assert_eq!(token.concurrent_429s, 0);
    assert_eq!(stats.allowed(RateLimitStats::API_TOKEN, LIST), 2);
    assert_eq!(
        stats.allowed(
            RateLimitStats::API_TOKEN,
            "GET /api/v1/users/{userId}/factors/catalog"
        ),
        2
    );
    assert_eq!(token.buckets[LIST].window_429s, 3);
    assert_eq!(stats.served_429s(RateLimitStats::API_TOKEN), 4);
    assert_eq!(stats.served_429s(RateLimitStats::UNAUTHENTICATED), 1);
    assert_eq!(stats.allowed(RateLimitStats::UNAUTHENTICATED, LIST), 2);
    assert_eq!(stats.served_429s(RateLimitStats::TOKEN_ENDPOINT), 0);
    assert_eq!(
        (
            stats.window_429s(),
            stats.injected_429s(),
            stats.total_429s()
        ),
        (4, 1, 5)
    );
    assert_eq!(stats.total_allowed(), 6);
    // The 429 count agrees with the statuses the caller saw.
    let seen = statuses.iter().filter(|s| **s == 429).count() as u64;
    assert_eq!(stats.total_429s(), seen);

    // No token in the stats, their JSON or their Debug.
    let json = stats.to_json();
    let debug = format!("{stats:?}");
    for text in [&json, &debug] {
        assert!(
            !text.contains(common::TOKEN) && !text.contains("nope"),
            "{text}"
        );
    }
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["principals"]["api-token"]["window429s"], 3);
    assert_eq!(
        value["principals"]["api-token"]["buckets"][LIST]["allowed"],
        2
    );

    h.sim.reset_rate_limit_stats();
    assert_eq!(h.sim.rate_limit_stats(), RateLimitStats::default());
    // The buckets themselves are untouched: the list bucket is still spent.
    assert_eq!(h.raw(Method::GET, &list, None).status(), 429);
}

fn list_request(h: &H, auth: &str) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .uri(format!("{}/api/v1/users/{}/factors", common::ORG, h.user))
        .header("authorization", auth)
        .body(Vec::new())
        .unwrap()
}

#[test]
fn the_concurrent_limit_counts_requests_between_begin_and_end() {
    use okta_factors_sim::{RateLimitStats, ResponseDelay};
    let mut h = H::with_config(
        SimulatorConfig::new(common::TOKEN)
            .per_endpoint_buckets(true)
            .rate_limit(10)
            .concurrent_limit(Some(2))
            .service_time(Duration::from_millis(300)),
    );
    let auth = format!("SSWS {}", common::TOKEN);
    let (first, a) = h.sim.begin_request(list_request(&h, &auth));
    let (second, b) = h.sim.begin_request(list_request(&h, &auth));
    assert_eq!(h.sim.requests_in_flight(), 2);
    for r in [&first, &second] {
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.extensions().get::<ResponseDelay>(),
            Some(&ResponseDelay(Duration::from_millis(300)))
        );
    }
    assert_eq!(header(&second, "x-rate-limit-remaining"), "8");

    // A third while two are in flight: Okta's concurrent-limit shape.
    let (third, c) = h.sim.begin_request(list_request(&h, &auth));
    assert_eq!(rate(&third), expect(429, 0, 0, START + 1));
    assert_eq!(code_of(&third), "E0000047");
    assert!(third.extensions().get::<ResponseDelay>().is_none());
    h.sim.end_request(c);
    // handle() is a request in flight too, so it is refused as well.
    assert_eq!(h.sim.handle(list_request(&h, &auth)).status(), 429);
    // Another principal has its own count.
    let other = h.sim.handle(list_request(&h, "SSWS bogus"));
    assert_eq!(other.status(), 401);

    h.sim.end_request(a);
    assert_eq!(h.sim.requests_in_flight(), 1);
    // The refused requests did not touch the window bucket: 10 - 3.
    let r = h.sim.handle(list_request(&h, &auth));
    assert_eq!(rate(&r), expect(200, 10, 7, START + 60));
    h.sim.end_request(b);
    assert_eq!(h.sim.requests_in_flight(), 0);

    let stats = h.sim.rate_limit_stats();
    let token = stats.principal(RateLimitStats::API_TOKEN);
    assert_eq!(
        (
            token.concurrent_429s,
            token.window_429s,
            token.peak_in_flight
        ),
        (2, 0, 2)
    );
    assert_eq!(stats.allowed(RateLimitStats::API_TOKEN, LIST), 3);
    assert_eq!(stats.concurrent_429s(), 2);
}

#[test]
fn without_a_concurrent_limit_nothing_is_in_flight_and_no_delay_is_added() {
    let mut h = H::new();
    let auth = format!("SSWS {}", common::TOKEN);
    let (r, in_flight) = h.sim.begin_request(list_request(&h, &auth));
    assert_eq!(h.sim.requests_in_flight(), 0);
    assert!(r
        .extensions()
        .get::<okta_factors_sim::ResponseDelay>()
        .is_none());
    h.sim.end_request(in_flight);
    let stats = h.sim.rate_limit_stats();
    assert_eq!(
        stats
            .principal(okta_factors_sim::RateLimitStats::API_TOKEN)
            .peak_in_flight,
        0
    );
}

#[test]
fn seeded_users_follow_the_mix_and_are_deterministic() {
    use okta_factors_core::model::{FactorStatus, FactorType as T};
    use okta_factors_sim::Simulator;
    let mut sim = Simulator::new(SimulatorConfig::new(common::TOKEN).seed(1));
    let users = sim.seed_users(2000, 42);
    assert_eq!(users.len(), 2000);
    let mut shapes = std::collections::BTreeMap::<&str, usize>::new();
    let (mut factors, mut pending) = (0usize, 0usize);
    // Okta Verify users whose push is active (a device), and of them those
    // with FastPass.
    let (mut devices, mut fastpass) = (0usize, 0usize);
    for user in &users {
        let list = sim.factors(user);
        factors += list.len();
        pending += list
            .iter()
            .filter(|f| f.status == FactorStatus::PendingActivation)
            .count();
        assert!(list.iter().all(|f| matches!(
            f.status,
            FactorStatus::Active | FactorStatus::PendingActivation
        )));
        let has = |t: T| list.iter().any(|f| f.factor_type == t);
        let signed_nonce = list.iter().find(|f| f.factor_type == T::SignedNonce);
        let shape = if list.is_empty() {
            "none"
        } else if has(T::Push) {
            assert!(has(T::TokenSoftwareTotp), "Okta Verify has push and TOTP");
            let push = list.iter().find(|f| f.factor_type == T::Push).unwrap();
            if push.status == FactorStatus::Active {
                devices += 1;
                fastpass += usize::from(signed_nonce.is_some());
            } else {
                assert!(signed_nonce.is_none(), "FastPass without a device");
            }
            if let Some(f) = signed_nonce {
                assert_eq!(f.status, FactorStatus::Active, "FastPass is never pending");
                assert_eq!(f.provider, okta_factors_core::model::FactorProvider::Okta);
                assert_eq!(list.len(), 3, "push, TOTP and FastPass: {list:?}");
            }
            "okta verify"
        } else if has(T::WebAuthn) {
            "webauthn"
        } else if has(T::TokenSoftwareTotp) {
            "totp"
        } else if has(T::Email) || has(T::Call) {
            "sms+email or call"
        } else {
            assert_eq!(list.len(), 1);
            "sms"
        };
        if shape != "okta verify" {
            assert!(signed_nonce.is_none(), "FastPass outside Okta Verify");
        }
        *shapes.entry(shape).or_default() += 1;
    }
    // Two thirds of the Okta Verify devices have FastPass (about 270
    // devices: σ ≈ 2.9 points), about 9 % of the users.
    let share = fastpass * 100 / devices;
    assert!(
        (58..=75).contains(&share),
        "{fastpass} of {devices} devices"
    );
    let share = fastpass * 100 / users.len();
    assert!(
        (6..=12).contains(&share),
        "FastPass: {share} % of the users"
    );
    // Expected shares ± 3 points (2,000 draws: σ ≤ 1.1 points).
    for (shape, percent) in [
        ("none", 15),
        ("sms", 20),
        ("sms+email or call", 10),
        ("totp", 30),
        ("okta verify", 15),
        ("webauthn", 10),
    ] {
        let got = shapes.get(shape).copied().unwrap_or(0) * 100 / users.len();
        assert!(
            got.abs_diff(percent) <= 3,
            "{shape}: {got} % (expected {percent} %): {shapes:?}"
        );
    }
    let pending_percent = pending * 100 / factors;
    assert!(
        (7..=13).contains(&pending_percent),
        "{pending_percent} % pending"
    );

    // Same configuration and seed: the same org; another seed: another mix.
    let mut again = Simulator::new(SimulatorConfig::new(common::TOKEN).seed(1));
    assert_eq!(again.seed_users(2000, 42), users);
    for user in &users {
        assert_eq!(again.factors(user), sim.factors(user));
    }
    let mut other = Simulator::new(SimulatorConfig::new(common::TOKEN).seed(1));
    let other_users = other.seed_users(2000, 43);
    let kinds = |sim: &Simulator, ids: &[String]| -> Vec<usize> {
        ids.iter().map(|u| sim.factors(u).len()).collect()
    };
    assert_ne!(kinds(&other, &other_users), kinds(&sim, &users));
}

#[test]
fn seeded_factors_work_through_the_api() {
    use okta_factors_core::model::{FactorStatus, FactorType};
    use okta_factors_core::operations::{ListFactors, VerifyFactor, VerifyFactorRequest};
    let mut h = H::new();
    let users = h.sim.seed_users(200, 9);
    let mut verified_totp = 0;
    for user in &users {
        let listed = h.call(&ListFactors::new(user.clone())).unwrap();
        let known = h.sim.factors(user);
        assert_eq!(listed.len(), known.len());
        for (api, info) in listed.iter().zip(&known) {
            assert_eq!(api.id(), Some(info.id.as_str()));
            assert_eq!(api.status(), Some(&info.status));
        }
        for info in known {
            if info.factor_type == FactorType::TokenSoftwareTotp
                && info.status == FactorStatus::Active
            {
                let code = h.sim.totp_code(user, &info.id).unwrap();
                let verify = VerifyFactor::new(user.clone(), info.id.clone())
                    .body(VerifyFactorRequest::pass_code(code));
                assert!(h.call(&verify).unwrap().is_success());
                verified_totp += 1;
            }
        }
    }
    assert!(verified_totp > 20, "{verified_totp}");
}
