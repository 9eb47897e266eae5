//! The rate-limit governor (`ClientBuilder::governor`) against the
//! simulator's Okta-like limits: per-endpoint buckets of 40 requests a
//! 1-second window, at most 6 requests in flight, 20 ms a request. Many
//! concurrent calls are paced within the share of the window (so the
//! simulator serves no window `429`) and settle under the concurrent limit
//! after at most a few concurrent-limit `429`s; none fails.

use std::time::{Duration, Instant};

use okta_factors::policy::{Governor, GovernorConfig};
use okta_factors_sim::{RateLimitStats, SimulatorConfig};

use crate::common::sim_server;
use crate::harness::{builder, TOKEN};

behaviour_test!([ureq, hyper]
    fn concurrent_calls_are_paced_within_the_limits(transport) {
        let config = SimulatorConfig::new(TOKEN)
            .rate_limit(40)
            .rate_limit_window(Duration::from_secs(1))
            .per_endpoint_buckets(true)
            .concurrent_limit(Some(6))
            .service_time(Duration::from_millis(20));
        let server = sim_server(config, None);
        let sim = server.simulator();
        let users = sim.seed_users(40, 7);
        // The factors to get, listed without a governor (and the counters
        // zeroed afterwards).
        let plain = transport.client(server.url());
        let mut pairs = Vec::new();
        for user in &users {
            for factor in plain.list_factors(user).unwrap() {
                pairs.push((user.clone(), factor.id().unwrap().to_owned()));
            }
            if pairs.len() >= 20 {
                break;
            }
        }
        let calls: Vec<(String, String)> = pairs.iter().cycle().take(96).cloned().collect();
        // A new window for the measured calls.
        std::thread::sleep(Duration::from_millis(1100));
        sim.reset_rate_limit_stats();

        let governor = Governor::new(GovernorConfig::default().share_percent(80));
        let client = transport.build(builder(server.url()).governor(governor));
        let started = Instant::now();
        let results = client.get_factors_concurrently(&calls);
        let elapsed = started.elapsed();
        for result in &results {
            assert!(result.is_ok(), "{result:?}");
        }
        let stats = sim.rate_limit_stats();
        let api = stats.principal(RateLimitStats::API_TOKEN);
        // 96 calls at 32 a window (80 % of 40): three windows and a part.
        assert!(
            elapsed >= Duration::from_millis(2000),
            "{elapsed:?}: not paced (the budget is 32 a second)"
        );
        assert!(elapsed <= Duration::from_secs(10), "{elapsed:?}: too slow");
        assert!(api.window_429s <= 1, "window 429s: {stats:?}");
        assert!(api.concurrent_429s <= 4, "concurrent 429s: {stats:?}");
        assert!(api.peak_in_flight <= 6);
    }
);
