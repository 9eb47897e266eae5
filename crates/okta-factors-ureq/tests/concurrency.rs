//! One client shared by many threads: every response matches its own request.

// Helpers outside #[test] functions unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::thread;

use common::client;
use okta_factors_core::model::UserFactor;
use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

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

#[test]
fn eight_threads_share_one_client() {
    let server = TestServer::start(echo);
    let client = client(&server);
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let client = client.clone();
            thread::spawn(move || {
                let user = format!("user{t}");
                for i in 0..25 {
                    let factor_id = format!("f{t}x{i}");
                    let factor = client.get_factor(&user, &factor_id).unwrap();
                    let UserFactor::Sms(sms) = factor else {
                        panic!("{factor:?}")
                    };
                    assert_eq!(sms.id.as_deref(), Some(factor_id.as_str()));
                    let phone = sms.profile.as_ref().and_then(|p| p.phone_number.as_deref());
                    assert_eq!(phone, Some(user.as_str()));
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(server.requests().len(), 200);
    // Connections are pooled and reused, not one per request.
    assert!(server.connections() < 200, "{}", server.connections());
}
