//! JSON comparison modulo the generator's documented normalisations. Copied into the scratch
//! crate of `tests/corpus.rs`, and included by `adobe-io-events-tests` with `#[path]`.

use serde_json::Value;

/// Whether two JSON values are equal modulo the documented normalisations: numbers compare
/// by value (`1` equals `1.0`), RFC 3339 times compare as instants (`+00:00` equals `Z`), and
/// `null` members equal absent ones.
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => x == y || same_instant(x, y),
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(xm), Value::Object(ym)) => {
            let keys: std::collections::BTreeSet<&String> = xm.keys().chain(ym.keys()).collect();
            keys.into_iter().all(|k| match (xm.get(k), ym.get(k)) {
                (Some(x), Some(y)) => same_json(x, y),
                (Some(Value::Null), None) | (None, Some(Value::Null)) => true,
                _ => false,
            })
        }
        _ => a == b,
    }
}

fn same_instant(a: &str, b: &str) -> bool {
    let parse = |s: &str| chrono_like(s);
    matches!((parse(a), parse(b)), (Some(x), Some(y)) if x == y)
}

/// Seconds and nanoseconds since the epoch of an RFC 3339 time, without a date library.
fn chrono_like(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't')
        || b[13] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let mut rest = &s[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
        rest = &frac[digits.len()..];
        let padded = format!("{digits:0<9}");
        nanos = padded.get(..9)?.parse().ok()?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        o if o.len() == 6 => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o[1..3].parse::<i64>().ok()? * 3600 + o[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from civil (proleptic Gregorian).
    let (y2, m2) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + se - offset, nanos))
}

#[cfg(test)]
mod tests {
    use super::same_json;
    use serde_json::json;

    #[test]
    fn normalisations() {
        assert!(same_json(&json!({"a": 1, "b": null}), &json!({"a": 1.0})));
        assert!(same_json(
            &json!("2024-05-01T12:00:00Z"),
            &json!("2024-05-01T14:00:00+02:00")
        ));
        assert!(same_json(
            &json!("2024-05-01T12:00:00.120Z"),
            &json!("2024-05-01T12:00:00.12Z")
        ));
        assert!(!same_json(
            &json!("2024-05-01T12:00:00Z"),
            &json!("2024-05-01T12:00:01Z")
        ));
        assert!(!same_json(&json!({"a": 1}), &json!({"a": 2})));
        assert!(!same_json(&json!({"a": 1}), &json!({"b": 1})));
    }
}
