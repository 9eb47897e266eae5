//! Server timestamps: the HTTP `Date` header and RFC 3339 `expiresAt` values,
//! as seconds since the Unix epoch. Pure functions, no clock.

use std::time::UNIX_EPOCH;

use http::HeaderMap;

/// The `Date` header as epoch seconds (the earliest, if repeated); `None` when
/// absent or not an HTTP date.
pub(crate) fn server_date(headers: &HeaderMap) -> Option<u64> {
    headers
        .get_all(http::header::DATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| httpdate::parse_http_date(v.trim()).ok())
        .filter_map(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .min()
}

/// Seconds to wait for a rate-limit window that resets at `reset` (epoch
/// seconds, `X-Rate-Limit-Reset`) when the server's clock says `date`: the
/// difference plus one second (both are whole seconds, so the server may be up
/// to a second further than `date` says). At least one second.
pub(crate) fn reset_wait_secs(reset: u64, date: u64) -> u64 {
    reset.saturating_sub(date).saturating_add(1)
}

/// Parses an RFC 3339 UTC timestamp such as `2015-04-01T15:57:32.000Z` (or with a
/// numeric offset) into epoch seconds. `None` for anything else.
pub(crate) fn parse_rfc3339(value: &str) -> Option<u64> {
    let b = value.trim().as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = std::str::from_utf8(b.get(range)?).ok()?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // Skip fractional seconds.
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let d = |c: u8| i64::from(c - b'0');
            let minutes = (d(*h1) * 10 + d(*h2)) * 60 + d(*m1) * 10 + d(*m2);
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    u64::try_from(secs).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_examples() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2015-04-01T15:57:32.000Z"),
            Some(1_427_903_852)
        );
        assert_eq!(
            parse_rfc3339("2015-04-01T17:57:32.5+02:00"),
            Some(1_427_903_852)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        for bad in [
            "",
            "2015-04-01",
            "2015-13-01T00:00:00Z",
            "2015-04-01T00:00:00",
            "2015-04-01T00:00:00.Z",
            "x015-04-01T00:00:00Z",
            "2015-04-01T00:00:00+0200",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn date_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(server_date(&headers), None);
        headers.append("date", "Thu, 27 Aug 2020 18:15:37 GMT".parse().unwrap());
        assert_eq!(server_date(&headers), Some(1_598_552_137));
        headers.append("date", "garbage".parse().unwrap());
        assert_eq!(server_date(&headers), Some(1_598_552_137));
    }
}
