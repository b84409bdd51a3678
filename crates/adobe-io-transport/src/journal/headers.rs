//! Parsing of the journal's `Link` and `Retry-After` response headers, and of `since`.

use std::time::Duration;

use url::Url;

/// The `since` query parameter of a URL.
pub(super) fn since_of(url: &Url) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == "since")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

/// The target of the first link with relation `next` in `Link` header values
/// (`<target>; rel="next", <other>; rel="validate"`).
pub(super) fn next_link_target<'a>(values: impl Iterator<Item = &'a str>) -> Option<String> {
    for value in values {
        let mut rest = value;
        while let Some(start) = rest.find('<') {
            let Some(len) = rest[start + 1..].find('>') else {
                break;
            };
            let target = &rest[start + 1..start + 1 + len];
            let after = &rest[start + 2 + len..];
            let params_end = after.find('<').unwrap_or(after.len());
            let is_next = after[..params_end].split(';').any(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("rel")
                        && v.trim()
                            .trim_end_matches(',')
                            .trim()
                            .trim_matches('"')
                            .split_ascii_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("next"))
                })
            });
            if is_next {
                return Some(target.trim().to_owned());
            }
            rest = &after[params_end..];
        }
    }
    None
}

/// `Retry-After` (RFC 9110): delay-seconds, or an HTTP-date (IMF-fixdate, e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`) turned into the time left from `now` (zero if past).
pub(super) fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = http_date_to_unix(value)?;
    let now = now.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64;
    Some(Duration::from_secs(at.saturating_sub(now).max(0) as u64))
}

fn http_date_to_unix(s: &str) -> Option<i64> {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let rest = s.split_once(", ")?.1;
    let mut parts = rest.split(' ');
    let day: i64 = parts.next()?.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| Some(*m) == parts.clone().next())? as i64
        + 1;
    parts.next();
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|x| x.parse::<i64>().ok());
    let (h, mi, se) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + se)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn link_headers() {
        let v = [r#"</a?since=1>; rel="next", </a/validate?since=1>; rel="validate""#];
        assert_eq!(
            next_link_target(v.into_iter()).as_deref(),
            Some("/a?since=1")
        );
        let v = [r#"</v>; rel="validate""#, r#"</n>;rel=next"#];
        assert_eq!(next_link_target(v.into_iter()).as_deref(), Some("/n"));
        let v = [r#"</x>; rel="prev next""#];
        assert_eq!(next_link_target(v.into_iter()).as_deref(), Some("/x"));
        let v = [r#"</x>; rel="validate""#, "<broken", "garbage", ""];
        assert_eq!(next_link_target(v.into_iter()), None);
    }

    #[test]
    fn seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            http_date_to_unix("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
    }
}
