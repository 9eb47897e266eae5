//! Helpers shared by the adapter tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use okta_factors_core::policy::PollPolicy;
use okta_factors_core::{Credentials, OrgUrl};
use okta_factors_testserver::TestServer;
use okta_factors_ureq::{Client, ClientBuilder};

pub const TOKEN: &str = "00test-token";

pub const SMS_FACTOR: &str = r#"{"id":"mbl1nz9JHJGHWRKMTLHP","factorType":"sms","provider":"OKTA",
  "status":"PENDING_ACTIVATION","profile":{"phoneNumber":"+15554151337"},
  "_links":{"resend":[{"name":"sms","href":"https://dev-123456.okta.com/r"}]}}"#;

pub fn builder(server: &TestServer) -> ClientBuilder {
    Client::builder(
        OrgUrl::parse(server.url()).unwrap(),
        Credentials::api_token(TOKEN).unwrap(),
    )
    .poll_policy(PollPolicy::default().interval(Duration::from_millis(20)))
}

pub fn client(server: &TestServer) -> Client {
    builder(server).build().unwrap()
}

/// The current time as an HTTP date and as epoch seconds.
pub fn http_date_now() -> (String, u64) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    (http_date(secs), secs)
}

/// `secs` (epoch seconds) as an IMF-fixdate, e.g. `Thu, 27 Aug 2020 18:15:37 GMT`.
pub fn http_date(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        h,
        m,
        s
    )
}
