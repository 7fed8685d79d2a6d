//! Parsing of single cell values into the contract's types: dates and date-times (ISO 8601,
//! RFC 3339 and the common CRM export formats), numbers (with a configured thousands
//! separator, never a guessed one), booleans and lists. Each parser returns the value or a
//! short statement of what was expected; callers turn that into a quarantine record.

use crate::config::{DateOrder, ParseOptions};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Micros = i64;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses a date or date-time. Understood forms:
/// `2025-03-04`, `2025-03-04T10:22:31Z`, `2025-03-04 10:22:31.5+02:00`, `2025/03/04 10:22`,
/// `03/04/2025` and `3-4-25 4:05 PM` (order by `date_order`), `04.03.2025`,
/// `4 Mar 2025`, `04-Mar-2025`, `Mar 4, 2025`, `March 4 2025 10:00`.
/// A value without offset is taken as UTC.
pub fn parse_timestamp(s: &str, order: DateOrder) -> Result<Micros, String> {
    let s = s.trim();
    parse_timestamp_inner(s, order).ok_or_else(|| {
        let example = match order {
            DateOrder::Mdy => "MM/DD/YYYY",
            DateOrder::Dmy => "DD/MM/YYYY",
        };
        format!("a date such as 2025-03-04, 2025-03-04T10:22:31Z, {example} or 4 Mar 2025")
    })
}

fn parse_timestamp_inner(s: &str, order: DateOrder) -> Option<Micros> {
    let b = s.as_bytes();
    if b.len() >= 10 && b[4] == b'-' || b.len() >= 10 && b[4] == b'/' {
        // Year first.
        let date = ymd(
            num(&b[0..4])?,
            num(&b[5..7])?,
            num(&b[8..10])?,
            b[7] == b[4],
        )?;
        return with_time(date, &s[10..]);
    }
    // Day/month numbers first: split at the first space.
    let (date_part, rest) = s.split_once([' ', 'T']).unwrap_or((s, ""));
    if let Some(date) = numeric_date(date_part, order) {
        return with_time(date, rest).or_else(|| with_time(date, &format!(" {rest}")));
    }
    month_name_date(s)
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

fn ymd(y: u32, m: u32, d: u32, separators_match: bool) -> Option<NaiveDate> {
    if !separators_match {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

fn full_year(y: u32, digits: usize) -> Option<i32> {
    match digits {
        4 => Some(y as i32),
        // POSIX strptime convention: 69–99 are 1900s, 00–68 are 2000s.
        2 => Some(if y >= 69 {
            1900 + y as i32
        } else {
            2000 + y as i32
        }),
        _ => None,
    }
}

fn numeric_date(part: &str, order: DateOrder) -> Option<NaiveDate> {
    let sep = part.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let pieces: Vec<&str> = part.split(sep).collect();
    let [a, b, y] = pieces.as_slice() else {
        return None;
    };
    let (a, b) = (num(a.as_bytes())?, num(b.as_bytes())?);
    let year = full_year(num(y.as_bytes())?, y.len())?;
    // Dots are the German/European convention: always day first.
    let (m, d) = if sep == '.' || order == DateOrder::Dmy {
        (b, a)
    } else {
        (a, b)
    };
    NaiveDate::from_ymd_opt(year, m, d)
}

fn month_number(word: &str) -> Option<u32> {
    let w = word.trim_end_matches([',', '.']).to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let i = MONTHS.iter().position(|m| w.starts_with(m))?;
    // "march" is fine, "marzipan" is not.
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ][i];
    (w.len() == 3 || full.starts_with(&w) || (w == "sept")).then_some(i as u32 + 1)
}

fn month_name_date(s: &str) -> Option<Micros> {
    // Tokens: "4 Mar 2025 10:00", "04-Mar-2025", "Mar 4, 2025", "March 4 2025 10:00:00".
    let normalized = s.replacen('-', " ", 2);
    let mut tokens = normalized.split_whitespace();
    let t1 = tokens.next()?;
    let t2 = tokens.next()?;
    let t3 = tokens.next()?;
    let rest: Vec<&str> = tokens.collect();
    let (d, m) = match (month_number(t1), month_number(t2)) {
        (Some(m), None) => (num(t2.trim_end_matches(',').as_bytes())?, m),
        (None, Some(m)) => (num(t1.as_bytes())?, m),
        _ => return None,
    };
    let y = t3.trim_end_matches(',');
    let year = full_year(num(y.as_bytes())?, y.len())?;
    let date = NaiveDate::from_ymd_opt(year, m, d)?;
    with_time(date, &format!(" {}", rest.join(" ")))
}

/// Applies an optional time of day and offset following a date: "", "T10:22", " 10:22:31",
/// "T10:22:31.123Z", " 10:22:31+02:00", " 4:05 PM".
fn with_time(date: NaiveDate, rest: &str) -> Option<Micros> {
    let rest = rest.trim_end();
    if rest.is_empty() {
        return Some(micros(date.and_time(NaiveTime::MIN)));
    }
    let rest = rest.strip_prefix(['T', ' '])?.trim_start();
    let (mut clock, mut offset_secs) = (rest, 0i64);
    // Offset: Z, +HH:MM, -HHMM, +HH, " UTC".
    if let Some(c) = clock
        .strip_suffix('Z')
        .or_else(|| clock.strip_suffix(" UTC"))
    {
        clock = c;
    } else if let Some(pos) = clock.rfind(['+', '-']) {
        let off = &clock[pos + 1..];
        let digits: String = off.chars().filter(|c| *c != ':').collect();
        if pos > 0 && (digits.len() == 4 || digits.len() == 2) {
            let h: i64 = digits[..2].parse().ok()?;
            let m: i64 = if digits.len() == 4 {
                digits[2..].parse().ok()?
            } else {
                0
            };
            if h > 23 || m > 59 {
                return None;
            }
            let sign = if &clock[pos..=pos] == "-" { -1 } else { 1 };
            offset_secs = sign * (h * 3600 + m * 60);
            clock = &clock[..pos];
        }
    }
    let clock = clock.trim();
    let (clock, pm) = match clock.rsplit_once(' ') {
        Some((c, ampm)) if ampm.eq_ignore_ascii_case("am") => (c, Some(false)),
        Some((c, ampm)) if ampm.eq_ignore_ascii_case("pm") => (c, Some(true)),
        _ => (clock, None),
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let mut h = num(parts[0].as_bytes())?;
    let m = num(parts[1].as_bytes())?;
    let sec = parts.get(2).map_or(Some(0), |p| num(p.as_bytes()))?;
    if let Some(pm) = pm {
        if !(1..=12).contains(&h) {
            return None;
        }
        h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
    }
    let micro = if frac.is_empty() {
        0
    } else {
        if frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let padded = format!("{frac:0<6}");
        padded[..6].parse::<u32>().ok()?
    };
    let time = NaiveTime::from_hms_micro_opt(h, m, sec, micro)?;
    Some(micros(date.and_time(time)) - offset_secs * 1_000_000)
}

fn micros(dt: NaiveDateTime) -> Micros {
    dt.and_utc().timestamp_micros()
}

/// Parses a real number. Currency symbols ($ € £ ¥) and surrounding spaces are ignored; the
/// thousands separator is removed only when configured. NaN and infinities are rejected.
pub fn parse_float(s: &str, opts: &ParseOptions) -> Result<f64, String> {
    let t = s.trim();
    let t = t.trim_matches(['$', '€', '£', '¥']).trim();
    let mut cleaned = String::with_capacity(t.len());
    for c in t.chars() {
        if Some(c) == opts.thousands_separator {
            continue;
        }
        if c == opts.decimal_separator {
            cleaned.push('.');
        } else if c == '.' || c == ',' || c == ' ' || c == '\'' || c == '_' {
            return Err(if opts.thousands_separator.is_none() && c != '.' {
                format!("a number; found '{c}' but no thousands_separator is configured")
            } else {
                format!(
                    "a number with decimal separator '{}'",
                    opts.decimal_separator
                )
            });
        } else {
            cleaned.push(c);
        }
    }
    let lower = cleaned.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return Err("a finite number, not NaN or infinity".into());
    }
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err("a number within ±1.8e308".into()),
        Err(_) => Err("a number".into()),
    }
}

/// Parses a whole number; "340" and "340.0" are 340, "340.5" is an error.
pub fn parse_int(s: &str, opts: &ParseOptions) -> Result<i64, String> {
    if let Ok(v) = s.trim().parse::<i64>() {
        return Ok(v);
    }
    let f = parse_float(s, opts).map_err(|_| "a whole number".to_string())?;
    float_to_int(f)
}

pub fn float_to_int(f: f64) -> Result<i64, String> {
    if f.fract() != 0.0 || f.abs() > 9.0e15 {
        return Err("a whole number".into());
    }
    Ok(f as i64)
}

pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Ok(true),
        "false" | "f" | "no" | "n" | "0" => Ok(false),
        _ => Err("true/false, yes/no, y/n or 1/0".into()),
    }
}

/// Splits a list cell; items are trimmed and empty items dropped. A JSON-style list
/// (`["a","b"]`) is accepted too.
pub fn parse_list(s: &str, sep: char) -> Vec<String> {
    let t = s.trim();
    if t.starts_with('[')
        && let Ok(items) = serde_json::from_str::<Vec<String>>(t)
    {
        return items
            .into_iter()
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect();
    }
    t.split(sep)
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> String {
        let m = parse_timestamp(s, DateOrder::Mdy).unwrap();
        chrono::DateTime::from_timestamp_micros(m)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S%.6f")
            .to_string()
    }

    #[test]
    fn dates_in_many_formats() {
        assert_eq!(ts("2025-03-04"), "2025-03-04T00:00:00.000000");
        assert_eq!(ts("2025-03-04T10:22:31Z"), "2025-03-04T10:22:31.000000");
        assert_eq!(
            ts("2025-03-04 10:22:31.5+02:00"),
            "2025-03-04T08:22:31.500000"
        );
        assert_eq!(ts("2025-03-04T10:22:31-0500"), "2025-03-04T15:22:31.000000");
        assert_eq!(ts("2025/03/04 10:22"), "2025-03-04T10:22:00.000000");
        assert_eq!(ts("03/04/2025"), "2025-03-04T00:00:00.000000");
        assert_eq!(ts("3/4/25 4:05 PM"), "2025-03-04T16:05:00.000000");
        assert_eq!(ts("12/31/2024 12:00 AM"), "2024-12-31T00:00:00.000000");
        assert_eq!(ts("04.03.2025"), "2025-03-04T00:00:00.000000");
        assert_eq!(ts("4 Mar 2025"), "2025-03-04T00:00:00.000000");
        assert_eq!(ts("04-Mar-2025"), "2025-03-04T00:00:00.000000");
        assert_eq!(ts("Mar 4, 2025"), "2025-03-04T00:00:00.000000");
        assert_eq!(ts("March 4 2025 10:00"), "2025-03-04T10:00:00.000000");
        let dmy = parse_timestamp("03/04/2025", DateOrder::Dmy).unwrap();
        assert_eq!(dmy, parse_timestamp("2025-04-03", DateOrder::Mdy).unwrap());
    }

    #[test]
    fn impossible_dates_are_errors() {
        for bad in [
            "",
            "2025-02-30",
            "13/01/2025",
            "2025-03-04T25:00",
            "yesterday",
            "2025-03",
            "Marzipan 4 2025",
            "2025-03-04T10:22:31+99:00",
            "1e308",
            "NaN",
        ] {
            assert!(parse_timestamp(bad, DateOrder::Mdy).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_need_a_configured_thousands_separator() {
        let plain = ParseOptions::default();
        let us = ParseOptions {
            thousands_separator: Some(','),
            ..ParseOptions::default()
        };
        let de = ParseOptions {
            thousands_separator: Some('.'),
            decimal_separator: ',',
            ..ParseOptions::default()
        };
        assert_eq!(parse_float("12500.50", &plain), Ok(12500.5));
        assert!(
            parse_float("12,500.50", &plain)
                .unwrap_err()
                .contains("thousands_separator")
        );
        assert_eq!(parse_float("$12,500.50", &us), Ok(12500.5));
        assert_eq!(parse_float("12.500,50 €", &de), Ok(12500.5));
        assert_eq!(parse_float("1e308", &plain), Ok(1e308));
        assert!(parse_float("1e309", &plain).is_err());
        assert!(parse_float("NaN", &plain).is_err());
        assert!(parse_float("-inf", &plain).is_err());
        assert_eq!(parse_int("340.0", &plain), Ok(340));
        assert!(parse_int("340.5", &plain).is_err());
        assert_eq!(parse_int("-7", &plain), Ok(-7));
    }

    #[test]
    fn bools_and_lists() {
        assert_eq!(parse_bool(" Yes "), Ok(true));
        assert_eq!(parse_bool("0"), Ok(false));
        assert!(parse_bool("maybe").is_err());
        assert_eq!(
            parse_list("AWS; Snowflake;;", ';'),
            vec!["AWS", "Snowflake"]
        );
        assert_eq!(parse_list(r#"["AWS","dbt"]"#, ';'), vec!["AWS", "dbt"]);
    }
}
