//! Number, percent, date and text formatting for the report: thousands separators (`12,500`),
//! percents (`4.2%`), compact magnitudes (`1.2M`), month labels (`Jan 2025`), axis tick labels
//! and XML/HTML escaping. Every function is total: non-finite input renders as an em dash (or an
//! empty label), never as `NaN`/`inf`.

/// Shown in place of a value that is missing or not finite.
pub const MISSING: &str = "—";

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Escapes text for HTML/XML text content and attribute values (`& < > " '`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab/newline are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Inserts `,` every three digits of an unsigned digit string.
fn group_digits(digits: &str) -> String {
    let n = digits.len();
    let first = match n % 3 {
        0 => 3.min(n),
        r => r,
    };
    let mut out = String::with_capacity(n + n / 3);
    out.push_str(&digits[..first]);
    let mut rest = &digits[first..];
    while rest.len() >= 3 {
        out.push(',');
        out.push_str(&rest[..3]);
        rest = &rest[3..];
    }
    out
}

/// A ROC-AUC with its 95% confidence interval when there is one: `0.566 (0.45–0.68)`.
pub fn auc(v: f64, ci95: Option<[f64; 2]>) -> String {
    match ci95 {
        Some([lo, hi]) => format!("{} ({}–{})", fixed(v, 3), fixed(lo, 2), fixed(hi, 2)),
        None => fixed(v, 3),
    }
}

/// `v` with exactly `decimals` decimals and thousands separators: `fixed(12500.0, 0)` = `12,500`.
pub fn fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return MISSING.to_string();
    }
    let s = format!("{:.*}", decimals.min(12), v.abs());
    let (int_part, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let is_zero = s.bytes().all(|b| b == b'0' || b == b'.');
    let mut out = String::new();
    if v < 0.0 && !is_zero {
        out.push('-');
    }
    out.push_str(&group_digits(int_part));
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An integer with thousands separators: `12,500`.
pub fn int(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let grouped = group_digits(&digits);
    if v < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// A number for a table cell: whole numbers without decimals (`12,500`), others with a
/// precision that suits their size (`1,234`, `56.7`, `3.14`, `0.0123`).
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return MISSING.to_string();
    }
    let a = v.abs();
    if (v.fract() == 0.0 && a < 1e15) || a >= 1000.0 {
        fixed(v, 0)
    } else if a >= 100.0 {
        fixed(v, 1)
    } else if a >= 1.0 {
        fixed(v, 2)
    } else {
        // Three significant digits for small values.
        let decimals = (2.0 - a.log10().floor()).clamp(0.0, 8.0) as usize;
        fixed(v, decimals)
    }
}

/// A fraction (0..1) as a percent with one decimal: `0.042` → `4.2%`.
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return MISSING.to_string();
    }
    format!("{}%", fixed(fraction * 100.0, 1))
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

const UNITS: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")];

/// A compact magnitude: `950`, `12.5k`, `1.2M`, `3.4B`.
pub fn compact(v: f64) -> String {
    if !v.is_finite() {
        return MISSING.to_string();
    }
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    for (i, &(unit, suffix)) in UNITS.iter().enumerate() {
        if a >= unit * 0.99995 {
            let scaled = a / unit;
            let decimals = if scaled < 100.0 { 1 } else { 0 };
            let text = trim_zeros(format!("{scaled:.decimals$}"));
            // 999.96k rounds to "1000k": show it as 1M instead.
            if text.len() > 3 && !text.contains('.') && i > 0 {
                let (_, bigger) = UNITS[i - 1];
                return format!("{sign}1{bigger}");
            }
            return format!("{sign}{text}{suffix}");
        }
    }
    if a >= 100.0 || v.fract() == 0.0 {
        fixed(v, 0)
    } else {
        trim_zeros(number(v))
    }
}

/// A short value label for charts: plain below 10,000 (`9,950`, `4.25`), compact above (`12.5k`).
pub fn short(v: f64) -> String {
    if v.is_finite() && v.abs() >= 10_000.0 {
        compact(v)
    } else if v.is_finite() && v.fract() != 0.0 {
        trim_zeros(number(v))
    } else {
        number(v)
    }
}

/// An axis tick label for tick value `v` on an axis whose ticks are `step` apart: just enough
/// decimals to tell neighbours apart, compact units (`250k`, `1.2M`) for steps of 1,000 or more.
pub fn tick_label(v: f64, step: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let step = if step.is_finite() && step > 0.0 {
        step
    } else {
        1.0
    };
    if v.abs() < step * 1e-9 {
        return "0".to_string();
    }
    if step >= 1000.0 {
        let a = v.abs();
        let sign = if v < 0.0 { "-" } else { "" };
        for &(unit, suffix) in &UNITS {
            if a >= unit * 0.99995 {
                let decimals = (-(step / unit).log10().floor()).clamp(0.0, 6.0) as usize;
                let text = trim_zeros(format!("{:.*}", decimals, a / unit));
                return format!("{sign}{text}{suffix}");
            }
        }
        return fixed(v, 0);
    }
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()).clamp(0.0, 12.0) as usize
    };
    // 0.25-style steps need one more decimal than their magnitude suggests.
    let scaled = step * 10f64.powi(decimals as i32);
    let decimals = if (scaled - scaled.round()).abs() > 1e-6 {
        decimals + 1
    } else {
        decimals
    };
    fixed(v, decimals)
}

/// Civil date (year, month 1..=12, day 1..=31) of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.clamp(-100_000_000, 100_000_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Day count since 1970-01-01 of a civil date (month 1..=12).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year.clamp(-250_000, 250_000);
    let month = i64::from(month.clamp(1, 12));
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day.clamp(1, 31)) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn whole_days(days: f64) -> Option<i64> {
    days.is_finite()
        .then(|| days.floor().clamp(-1e8, 1e8) as i64)
}

/// `Jan 2025` for a day count since 1970-01-01.
pub fn month_year(days: f64) -> String {
    match whole_days(days) {
        Some(d) => {
            let (y, m, _) = civil_from_days(d);
            format!("{} {y}", MONTHS[(m as usize - 1) % 12])
        }
        None => MISSING.to_string(),
    }
}

/// `12 Jan 2025` for a day count since 1970-01-01.
pub fn date(days: f64) -> String {
    match whole_days(days) {
        Some(d) => {
            let (y, m, day) = civil_from_days(d);
            format!("{day} {} {y}", MONTHS[(m as usize - 1) % 12])
        }
        None => MISSING.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(int(12_500), "12,500");
        assert_eq!(int(-1_234_567), "-1,234,567");
        assert_eq!(int(i64::MIN), "-9,223,372,036,854,775,808");
        assert_eq!(number(12_500.0), "12,500");
        assert_eq!(number(56.78), "56.78");
        assert_eq!(number(0.012345), "0.0123");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(f64::NAN), MISSING);
        assert_eq!(percent(0.042), "4.2%");
        assert_eq!(percent(f64::INFINITY), MISSING);
        assert_eq!(compact(1_234_567.0), "1.2M");
        assert_eq!(compact(12_500.0), "12.5k");
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(999_960.0), "1M");
        assert_eq!(compact(-3.4e9), "-3.4B");
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(short(0.31), "0.31");
        assert_eq!(short(1200.0), "1,200");
        assert_eq!(short(12_500.0), "12.5k");
    }

    #[test]
    fn tick_labels() {
        assert_eq!(tick_label(200_000.0, 200_000.0), "200k");
        assert_eq!(tick_label(1_200_000.0, 200_000.0), "1.2M");
        assert_eq!(tick_label(1_000_000.0, 200_000.0), "1M");
        assert_eq!(tick_label(1500.0, 500.0), "1,500");
        assert_eq!(tick_label(0.004, 0.002), "0.004");
        assert_eq!(tick_label(0.75, 0.25), "0.75");
        assert_eq!(tick_label(1e-18, 0.2), "0");
    }

    #[test]
    fn dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2025, 1, 1), 20_089);
        assert_eq!(civil_from_days(20_089), (2025, 1, 1));
        assert_eq!(month_year(20_089.0), "Jan 2025");
        assert_eq!(date(20_089.5), "1 Jan 2025");
        assert_eq!(date(f64::NAN), MISSING);
        for d in [-800_000, -1, 0, 59, 60, 11_016, 19_782, 2_000_000] {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, day), d);
        }
        // Extremes clamp instead of overflowing.
        let _ = month_year(f64::MAX);
        let _ = civil_from_days(i64::MAX);
        let _ = days_from_civil(i64::MIN, 0, 0);
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("<b>&\"x\"'"), "&lt;b&gt;&amp;&quot;x&quot;&#39;");
        assert_eq!(escape("a\u{1}b"), "ab");
    }
}
