//! One client shared by many threads (blocking) or tasks (async): every call
//! succeeds and gets its own answer; pushes in flight at once each keep
//! their own state.

use std::collections::BTreeSet;
use std::thread;

use okta_factors::model::{UserFactor, VerifyOutcome};
use okta_factors::operations::{VerifyFactor, VerifyFactorRequest};
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

use crate::common::start_with_url;

/// Echoes the user ID (as the phone number) and the factor ID of the path.
fn echo(req: &RecordedRequest) -> Reply {
    let mut segments = req.path().split('/').skip(4);
    let user = segments.next().unwrap_or_default();
    let factor = segments.nth(1).unwrap_or_default();
    Reply::json(
        200,
        format!(
            r#"{{"id":"{factor}","factorType":"sms","provider":"OKTA","status":"ACTIVE",
              "profile":{{"phoneNumber":"{user}"}}}}"#
        ),
    )
}

behaviour_test!(
    /// 256 calls at once through one client: each answer is its own.
    fn many_concurrent_calls_share_one_client(transport) {
        let server = TestServer::start(echo);
        let client = transport.client(server.url());
        let calls: Vec<(String, String)> = (0..256)
            .map(|i| (format!("00u{:04}", i % 8), format!("f{i}")))
            .collect();
        let results = client.get_factors_concurrently(&calls);
        assert_eq!(results.len(), 256);
        for ((user, factor_id), result) in calls.iter().zip(results) {
            let factor = result.unwrap();
            let UserFactor::Sms(sms) = factor else {
                panic!("{factor:?}")
            };
            assert_eq!(sms.id.as_deref(), Some(factor_id.as_str()));
            let phone = sms.profile.as_ref().and_then(|p| p.phone_number.as_deref());
            assert_eq!(phone, Some(user.as_str()));
        }
        let reqs = server.requests();
        assert_eq!(reqs.len(), 256);
        let factors: BTreeSet<&str> = reqs
            .iter()
            .map(|r| r.path().rsplit('/').next().unwrap_or_default())
            .collect();
        assert_eq!(factors.len(), 256, "every call sent once");

        // Connections are pooled and reused, not one per request (at most
        // one new connection for 20 calls in a row); `StdNet` opens one per
        // request.
        let before = server.connections();
        assert!(before <= 256, "{before}");
        for i in 0..20 {
            client.get_factor("00u0000", &format!("g{i}")).unwrap();
        }
        let opened = server.connections() - before;
        if transport.pools_connections() {
            assert!(opened <= 1, "{opened} connections for 20 calls");
        } else {
            assert_eq!(opened, 20);
        }
    }
);

behaviour_test!(
    /// Four pushes in flight at once on one client: each shows its own
    /// number once and ends with its own result.
    fn concurrent_pushes_keep_their_own_state(transport) {
        // Factor `opfN`: number 10 + N; its poll answers SUCCESS for an even
        // N, REJECTED for an odd one.
        let server = start_with_url(|base, req: &RecordedRequest| {
            let factor = req.path().split('/').nth(6).unwrap_or_default();
            let n: u32 = factor.trim_start_matches("opf").parse().unwrap();
            if req.method == "POST" {
                let href = format!("{base}/api/v1/users/00u1/factors/{factor}/transactions/t{n}");
                return Reply::json(
                    201,
                    format!(
                        r#"{{"factorResult":"WAITING","_links":{{"poll":{{"href":"{href}"}}}},"_embedded":{{"challenge":{{"correctAnswer":{}}}}}}}"#,
                        10 + n
                    ),
                );
            }
            // The poll of this push's own transaction, or a 404.
            match (req.path().ends_with(&format!("/transactions/t{n}")), n % 2) {
                (false, _) => Reply::json(404, r#"{"errorCode":"E0000007"}"#),
                (true, 0) => Reply::json(200, r#"{"factorResult":"SUCCESS"}"#),
                (true, _) => Reply::json(200, r#"{"factorResult":"REJECTED"}"#),
            }
        });
        let client = transport.client(server.url());
        thread::scope(|scope| {
            let pushes: Vec<_> = (0..4u32)
                .map(|n| {
                    let client = &client;
                    scope.spawn(move || {
                        let verify = VerifyFactor::new("00u1", format!("opf{n}"))
                            .body(VerifyFactorRequest::number_matching());
                        let mut shown = Vec::new();
                        let outcome = client.verify_push(&verify, |number| shown.push(number)).unwrap();
                        (n, shown, outcome)
                    })
                })
                .collect();
            for push in pushes {
                let (n, shown, outcome) = push.join().unwrap();
                assert_eq!(shown, [10 + n]);
                if n % 2 == 0 {
                    assert!(matches!(outcome, VerifyOutcome::Success(_)), "{n}: {outcome:?}");
                } else {
                    assert!(matches!(outcome, VerifyOutcome::Rejected(_)), "{n}: {outcome:?}");
                }
            }
        });
        assert_eq!(server.requests().len(), 4 * 2);
    }
);
