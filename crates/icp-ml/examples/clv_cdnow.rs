//! Fits BG/NBD and Gamma–Gamma on the CDNOW summary that `bench/clv.sh` exports from the
//! `lifetimes` package (columns frequency, recency, T, monetary_value) and prints the
//! parameters, log-likelihoods and fit times (median of 5) as one JSON object on stdout.
//!
//! Usage: `cargo run --release -p icp-ml --example clv_cdnow -- CDNOW.csv [PREDICTIONS.csv]`.
//! With a second path, also writes per-customer P(alive) and expected purchases in the next
//! 39 weeks under the paper's published parameters, for comparison with `lifetimes`.

use std::time::Instant;

use icp_ml::clv::{BgNbd, BgNbdParams, GammaGamma, GammaGammaParams, Rfm, Spend};

/// A minimal reader for a numeric CSV with a header: returns the named columns.
fn read_columns(path: &str, names: &[&str]) -> Result<Vec<Vec<f64>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or(format!("{path}: empty file"))?
        .split(',')
        .map(str::trim)
        .collect();
    let index: Vec<usize> = names
        .iter()
        .map(|n| {
            header
                .iter()
                .position(|h| h == n)
                .ok_or(format!("{path}: no column `{n}` in header {header:?}"))
        })
        .collect::<Result<_, _>>()?;
    let mut columns = vec![Vec::new(); names.len()];
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        for (c, &k) in index.iter().enumerate() {
            let v = fields
                .get(k)
                .and_then(|f| f.parse::<f64>().ok())
                .ok_or(format!(
                    "{path}: line {}: column `{}` is not a number",
                    i + 2,
                    names[c]
                ))?;
            columns[c].push(v);
        }
    }
    Ok(columns)
}

/// Runs `fit` [`REPEATS`] times; returns the last result and the median wall time in seconds.
fn median_time<T>(mut fit: impl FnMut() -> icp_ml::Result<T>) -> Result<(T, f64), icp_ml::Error> {
    let mut seconds = Vec::new();
    let mut last = None;
    for _ in 0..REPEATS {
        let start = Instant::now();
        last = Some(fit()?);
        seconds.push(start.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    Ok((last.expect("REPEATS ≥ 1"), seconds[REPEATS / 2]))
}

const REPEATS: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: clv_cdnow CDNOW.csv [PREDICTIONS.csv]")?;
    let cols = read_columns(path, &["frequency", "recency", "T", "monetary_value"])?;
    let customers: Vec<Rfm> = (0..cols[0].len())
        .map(|i| Rfm {
            frequency: cols[0][i],
            recency: cols[1][i],
            age: cols[2][i],
        })
        .collect();
    let spend: Vec<Spend> = (0..cols[0].len())
        .map(|i| Spend {
            frequency: cols[0][i],
            monetary_value: cols[3][i],
        })
        .collect();

    let (bg, bg_seconds) = median_time(|| BgNbd::fit(&BgNbdParams::default(), &customers))?;
    let (gg, gg_seconds) = median_time(|| GammaGamma::fit(&GammaGammaParams::default(), &spend))?;

    let paper = BgNbd::from_parameters(0.243, 4.414, 0.793, 2.426)?;
    let bg_report = bg.fit_report().ok_or("fitted model without a report")?;
    let gg_report = gg.fit_report().ok_or("fitted model without a report")?;
    let out = serde_json::json!({
        "n_customers": customers.len(),
        "bgnbd": {
            "r": bg.r(), "alpha": bg.alpha(), "a": bg.a(), "b": bg.b(),
            "log_likelihood": bg_report.log_likelihood,
            "evaluations": bg_report.evaluations,
            "converged": bg_report.converged,
            "seconds": bg_seconds,
            "log_likelihood_at_paper_parameters": paper.log_likelihood(&customers)?,
        },
        "gamma_gamma": {
            "p": gg.p(), "q": gg.q(), "gamma": gg.gamma(),
            "log_likelihood": gg_report.log_likelihood,
            "n_customers": gg_report.n_customers,
            "evaluations": gg_report.evaluations,
            "converged": gg_report.converged,
            "seconds": gg_seconds,
        },
    });
    println!("{out}");
    eprintln!(
        "BG/NBD r={:.4} alpha={:.4} a={:.4} b={:.4} LL={:.2} ({:.3} s); \
         Gamma-Gamma p={:.4} q={:.4} gamma={:.4} ({:.3} s)",
        bg.r(),
        bg.alpha(),
        bg.a(),
        bg.b(),
        bg_report.log_likelihood,
        bg_seconds,
        gg.p(),
        gg.q(),
        gg.gamma(),
        gg_seconds
    );

    if let Some(pred_path) = args.get(1) {
        let alive = paper.p_alive(&customers)?;
        let expected = paper.expected_purchases(39.0, &customers)?;
        let mut csv = String::from("p_alive,expected_purchases_39\n");
        for (p, e) in alive.iter().zip(&expected) {
            csv.push_str(&format!("{p:e},{e:e}\n"));
        }
        std::fs::write(pred_path, csv).map_err(|e| format!("{pred_path}: {e}"))?;
    }
    Ok(())
}
