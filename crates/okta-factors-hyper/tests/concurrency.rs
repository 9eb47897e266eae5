//! One client, 256 concurrent calls: all succeed and each gets its own answer.
// The tests use the tokio constructors; helpers outside #[test] functions may panic.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use okta_factors_testserver::{RecordedRequest, Reply, TestServer};

/// Echoes the user ID into the factor ID.
fn echo(req: &RecordedRequest) -> Reply {
    let user = req.path().split('/').nth(4).unwrap_or_default();
    Reply::json(
        200,
        format!(r#"{{"id":"{user}-sms","factorType":"sms","provider":"OKTA","status":"ACTIVE"}}"#),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_from_one_client() {
    let server = TestServer::start(echo);
    let client = common::client(&server);
    let tasks: Vec<_> = (0..256)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let user = format!("00u{i:04}");
                let factor = client.get_factor(&user, "sms1").await;
                (user, factor)
            })
        })
        .collect();
    for task in tasks {
        let (user, factor) = task.await.expect("task");
        let factor = factor.expect("call succeeded");
        assert_eq!(factor.id(), Some(format!("{user}-sms").as_str()));
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), 256);
    let mut users: Vec<_> = reqs
        .iter()
        .map(|r| r.path().split('/').nth(4).unwrap_or_default().to_owned())
        .collect();
    users.sort();
    users.dedup();
    assert_eq!(users.len(), 256);
}
