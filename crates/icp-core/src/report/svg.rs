//! SVG charts for the report: bar charts, histograms, line charts, stacked bars and scatter
//! plots, plus the nice-tick (1-2-5) axis logic they share. Charts are viewBox-based so they
//! scale, use the Okabe–Ito colour-blind-safe palette, escape all text, carry `<title>` tooltips
//! on marks, and never emit a non-finite number: unusable points are skipped and a chart with
//! nothing to draw says "No data".

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Svg;
use super::format::{self, escape};
use super::w;

/// Okabe–Ito colours (colour-blind safe), in the order series and groups use them.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
];

const W: f64 = 560.0;
const H: f64 = 320.0;
/// Estimated width of one character at the 12px chart font.
const CH: f64 = 6.6;
const INK: &str = "#1f2933";
const MUTED: &str = "#5f6b7a";
const GRID: &str = "#e6e9ed";
const AXIS: &str = "#9aa5b1";
const FONT: &str = "system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif";
/// Above this many points a scatter draws one path per group instead of one circle per point.
const SCATTER_CIRCLES_MAX: usize = 400;
/// Above this many points a line series gets no per-point markers.
const LINE_MARKERS_MAX: usize = 60;

/// A vertical (or horizontal) bar per label.
#[derive(Debug, Clone, Default)]
pub struct BarChart {
    pub title: String,
    pub labels: Vec<String>,
    pub values: Vec<f64>,
    /// What the values are (e.g. "Accounts"); names the value axis and tooltips.
    pub value_label: String,
    /// Bars run left to right with labels on the left (better for long or many labels).
    pub horizontal: bool,
}

/// Binned counts: `counts[i]` falls between `edges[i]` and `edges[i + 1]`.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    pub title: String,
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    pub x_label: String,
    /// Edges are already on log10 scale; tick labels show 10^x as 10, 100, 1k, 10k.
    pub log_x: bool,
}

/// One named line of `(x, y)` points.
#[derive(Debug, Clone, Default)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Lines over a shared x axis.
#[derive(Debug, Clone, Default)]
pub struct LineChart {
    pub title: String,
    pub series: Vec<Series>,
    pub x_label: String,
    pub y_label: String,
    /// x = days since 1970-01-01; ticks show "Jan 2025".
    pub x_is_date: bool,
}

/// Stacked bars, e.g. won/lost/open deals per month.
#[derive(Debug, Clone, Default)]
pub struct StackedBars {
    pub title: String,
    pub labels: Vec<String>,
    pub series_names: Vec<String>,
    /// `values[label][series]`; negative and non-finite values count as 0.
    pub values: Vec<Vec<f64>>,
}

/// Points coloured by group, e.g. the segments map.
#[derive(Debug, Clone, Default)]
pub struct Scatter {
    pub title: String,
    /// `(x, y, group)`.
    pub points: Vec<(f64, f64, usize)>,
    pub group_names: Vec<String>,
    pub x_label: String,
    pub y_label: String,
}

/// Nice axis ticks covering `[min, max]` in 1-2-5 steps (…, 0.1, 0.2, 0.5, 1, 2, 5, 10, …):
/// the first tick is at or below `min`, the last at or above `max`, at most 8 ticks. Equal
/// bounds are widened; non-finite bounds give no ticks.
pub fn nice_ticks(min: f64, max: f64) -> Vec<f64> {
    const MAX_TICKS: f64 = 8.0;
    if !min.is_finite() || !max.is_finite() {
        return Vec::new();
    }
    let (mut lo, mut hi) = if min <= max { (min, max) } else { (max, min) };
    if hi - lo <= f64::EPSILON * lo.abs().max(hi.abs()) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        if lo == 0.0 {
            hi = 1.0;
        } else {
            lo -= pad;
            hi += pad;
        }
    }
    let range = hi - lo;
    if !range.is_finite() || range <= 0.0 {
        return vec![lo, hi];
    }
    let raw = range / 5.0;
    let mut mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let mut mult = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    for _ in 0..12 {
        let step = mult * mag;
        let first = (lo / step).floor();
        let last = (hi / step).ceil();
        let count = last - first + 1.0;
        if count.is_finite() && count <= MAX_TICKS {
            let mut ticks: Vec<f64> = Vec::with_capacity(count as usize);
            for i in 0..(count as usize) {
                let t = (first + i as f64) * step;
                let t = if t.abs() < step * 1e-9 { 0.0 } else { t };
                if t.is_finite() && ticks.last().is_none_or(|&p| t > p) {
                    ticks.push(t);
                }
            }
            return ticks;
        }
        // Next 1-2-5 step.
        mult = match mult {
            m if m < 1.5 => 2.0,
            m if m < 3.0 => 5.0,
            _ => {
                mag *= 10.0;
                1.0
            }
        };
    }
    vec![lo, hi]
}

/// A coordinate or size for an SVG attribute: one decimal, no trailing `.0`, never NaN/inf.
fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let s = format!("{:.1}", v.clamp(-1e7, 1e7));
    let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
    if s == "-0" { "0".to_string() } else { s }
}

/// Maps `v` from `[d0, d1]` onto `[r0, r1]` (the middle when the domain is empty).
fn scale(v: f64, d0: f64, d1: f64, r0: f64, r1: f64) -> f64 {
    let span = d1 - d0;
    if !span.is_finite() || span == 0.0 || !v.is_finite() {
        return (r0 + r1) / 2.0;
    }
    r0 + (v - d0) / span * (r1 - r0)
}

fn truncate(text: &str, max_chars: usize) -> String {
    let max_chars = max_chars.max(2);
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max_chars - 1).collect();
        s.push('…');
        s
    }
}

fn chars(text: &str) -> f64 {
    text.chars().count() as f64
}

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Opens the `<svg>` with its title; the caller closes it with `</svg>`.
fn open(title: &str, w: f64, h: f64) -> String {
    let mut out = String::with_capacity(4096);
    w!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\" font-family=\"{FONT}\" font-size=\"12\" fill=\"{INK}\">",
        n(w),
        n(h),
        n(w),
        n(h),
        escape(title)
    );
    let shown = truncate(title, ((w - 8.0) / 7.8) as usize);
    w!(
        out,
        "<text x=\"4\" y=\"18\" font-size=\"14\" font-weight=\"600\">{}</text>",
        escape(&shown)
    );
    out
}

/// A titled chart that says "No data".
fn no_data(title: &str) -> Svg {
    let h = 140.0;
    let mut out = open(title, W, h);
    w!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"14\" fill=\"{MUTED}\">No data</text></svg>",
        n(W / 2.0),
        n(h / 2.0 + 14.0)
    );
    Svg(out)
}

/// Draws a legend row (wrapping) starting at `y`; returns the height it took.
fn legend(out: &mut String, items: &[(String, &str)], y: f64) -> f64 {
    const MAX_ITEMS: usize = 24;
    let (mut x, mut row) = (8.0, 0.0);
    let shown = items.len().min(MAX_ITEMS);
    let mut entries: Vec<(String, Option<&str>)> = items[..shown]
        .iter()
        .map(|(name, c)| (truncate(name, 28), Some(*c)))
        .collect();
    if items.len() > shown {
        entries.push((format!("+{} more", items.len() - shown), None));
    }
    for (name, c) in entries {
        let item_w = 16.0 + chars(&name) * CH + 14.0;
        if x > 8.0 && x + item_w > W - 8.0 {
            x = 8.0;
            row += 18.0;
        }
        let cy = y + row;
        if let Some(c) = c {
            w!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" rx=\"2\" fill=\"{c}\"/>",
                n(x),
                n(cy - 9.0)
            );
        }
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"{MUTED}\">{}</text>",
            n(if c.is_some() { x + 15.0 } else { x }),
            n(cy),
            escape(&name)
        );
        x += item_w;
    }
    row + 18.0
}

/// A linear axis: its ticks and the domain they span.
struct Axis {
    ticks: Vec<f64>,
    lo: f64,
    hi: f64,
    step: f64,
}

impl Axis {
    fn new(min: f64, max: f64) -> Axis {
        let ticks = nice_ticks(min, max);
        let lo = ticks.first().copied().unwrap_or(0.0);
        let hi = ticks.last().copied().unwrap_or(1.0);
        let step = if ticks.len() >= 2 {
            ticks[1] - ticks[0]
        } else {
            1.0
        };
        Axis {
            ticks,
            lo,
            hi,
            step,
        }
    }

    fn labels(&self) -> Vec<String> {
        self.ticks
            .iter()
            .map(|&t| format::tick_label(t, self.step))
            .collect()
    }
}

/// Left margin that fits the y tick labels (and the rotated y axis label if any).
fn left_margin(tick_labels: &[String], has_label: bool) -> f64 {
    let widest = tick_labels.iter().map(|l| chars(l)).fold(0.0, f64::max);
    (widest * CH + 10.0 + if has_label { 20.0 } else { 6.0 }).max(36.0)
}

/// The plot rectangle.
#[derive(Clone, Copy)]
struct Plot {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Plot {
    fn width(&self) -> f64 {
        self.right - self.left
    }
}

/// Horizontal gridlines and labels for a y axis.
fn y_grid(out: &mut String, p: Plot, axis: &Axis) {
    for (t, label) in axis.ticks.iter().zip(axis.labels()) {
        let y = scale(*t, axis.lo, axis.hi, p.bottom, p.top);
        w!(
            out,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{}\"/><text x=\"{}\" y=\"{y}\" dy=\"0.32em\" text-anchor=\"end\" fill=\"{MUTED}\">{}</text>",
            n(p.left),
            n(p.right),
            if *t == 0.0 { AXIS } else { GRID },
            n(p.left - 6.0),
            escape(&label),
            y = n(y)
        );
    }
}

/// Vertical gridlines and labels at the given x positions (in data units).
fn x_grid(out: &mut String, p: Plot, lo: f64, hi: f64, ticks: &[(f64, String)]) {
    for (t, label) in ticks {
        let x = scale(*t, lo, hi, p.left, p.right);
        w!(
            out,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"{GRID}\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"{MUTED}\">{}</text>",
            n(p.top),
            n(p.bottom),
            n(p.bottom + 16.0),
            escape(label),
            x = n(x)
        );
    }
}

fn baseline(out: &mut String, p: Plot) {
    w!(
        out,
        "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{AXIS}\"/>",
        n(p.left),
        n(p.right),
        y = n(p.bottom)
    );
}

fn x_title(out: &mut String, p: Plot, h: f64, label: &str) {
    if !label.is_empty() {
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{MUTED}\">{}</text>",
            n((p.left + p.right) / 2.0),
            n(h - 6.0),
            escape(&truncate(label, (p.width() / CH) as usize))
        );
    }
}

fn y_title(out: &mut String, p: Plot, label: &str) {
    if !label.is_empty() {
        w!(
            out,
            "<text transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\" fill=\"{MUTED}\">{}</text>",
            n((p.top + p.bottom) / 2.0),
            escape(&truncate(label, ((p.bottom - p.top) / CH) as usize))
        );
    }
}

/// How category labels under vertical bars are laid out.
struct BandLabels {
    rotate: bool,
    max_chars: usize,
    stride: usize,
    height: f64,
}

fn band_labels(labels: &[&str], band: f64) -> BandLabels {
    let widest = labels.iter().map(|l| chars(l)).fold(0.0, f64::max);
    if widest * CH <= band - 4.0 {
        BandLabels {
            rotate: false,
            max_chars: usize::MAX,
            stride: 1,
            height: 22.0,
        }
    } else {
        let max_chars = 18usize;
        let shown = widest.min(max_chars as f64);
        BandLabels {
            rotate: true,
            max_chars,
            stride: (14.0 / band.max(0.1)).ceil().clamp(1.0, 1e6) as usize,
            height: 16.0 + shown * CH * 0.64,
        }
    }
}

fn draw_band_labels(out: &mut String, p: Plot, labels: &[&str], band: f64, lay: &BandLabels) {
    for (i, label) in labels.iter().enumerate() {
        if i % lay.stride != 0 {
            continue;
        }
        let x = p.left + band * (i as f64 + 0.5);
        let text = escape(&truncate(label, lay.max_chars));
        if lay.rotate {
            w!(
                out,
                "<text transform=\"translate({} {}) rotate(-40)\" text-anchor=\"end\" fill=\"{MUTED}\">{text}</text>",
                n(x + 3.0),
                n(p.bottom + 12.0)
            );
        } else {
            w!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{MUTED}\">{text}</text>",
                n(x),
                n(p.bottom + 16.0)
            );
        }
    }
}

/// A bar per label; non-finite values are skipped.
pub fn bar_chart(c: &BarChart) -> Svg {
    let items: Vec<(&str, f64)> = c
        .labels
        .iter()
        .zip(&c.values)
        .filter(|(_, v)| v.is_finite())
        .map(|(l, v)| (l.as_str(), *v))
        .collect();
    if items.is_empty() {
        return no_data(&c.title);
    }
    let vmin = items.iter().map(|i| i.1).fold(0.0, f64::min);
    let vmax = items.iter().map(|i| i.1).fold(0.0, f64::max);
    let axis = Axis::new(vmin, vmax);
    let tip = |label: &str, v: f64| {
        let what = if c.value_label.is_empty() {
            String::new()
        } else {
            format!("{}: ", c.value_label)
        };
        escape(&format!("{label} — {what}{}", format::number(v)))
    };
    if c.horizontal {
        let row = 24.0;
        let widest = items.iter().map(|i| chars(i.0)).fold(0.0, f64::max);
        let label_chars = widest.min(28.0);
        let top = 34.0;
        let h = top
            + row * items.len() as f64
            + 28.0
            + if c.value_label.is_empty() { 0.0 } else { 18.0 };
        let p = Plot {
            // Category labels are drawn bold: wider than CH per character.
            left: (label_chars * CH * 1.15 + 14.0).max(48.0),
            top,
            right: W - 56.0,
            bottom: h - 28.0 - if c.value_label.is_empty() { 0.0 } else { 18.0 },
        };
        let mut out = open(&c.title, W, h);
        let ticks: Vec<(f64, String)> = axis.ticks.iter().copied().zip(axis.labels()).collect();
        x_grid(&mut out, p, axis.lo, axis.hi, &ticks);
        let x0 = scale(0.0, axis.lo, axis.hi, p.left, p.right);
        for (i, (label, v)) in items.iter().enumerate() {
            let y = p.top + row * i as f64;
            let x1 = scale(*v, axis.lo, axis.hi, p.left, p.right);
            w!(
                out,
                "<text x=\"{}\" y=\"{}\" dy=\"0.32em\" text-anchor=\"end\">{}</text>",
                n(p.left - 8.0),
                n(y + row / 2.0),
                escape(&truncate(label, 28))
            );
            w!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"{}\"><title>{}</title></rect>",
                n(x0.min(x1)),
                n(y + row * 0.16),
                n((x1 - x0).abs()),
                n(row * 0.68),
                colour(0),
                tip(label, *v)
            );
            let (tx, anchor) = if *v < 0.0 {
                (x1 - 4.0, "end")
            } else {
                (x1 + 4.0, "start")
            };
            w!(
                out,
                "<text x=\"{}\" y=\"{}\" dy=\"0.32em\" text-anchor=\"{anchor}\" font-size=\"11\">{}</text>",
                n(tx),
                n(y + row / 2.0),
                escape(&format::short(*v))
            );
        }
        w!(
            out,
            "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"{AXIS}\"/>",
            n(p.top),
            n(p.bottom),
            x = n(x0)
        );
        x_title(&mut out, p, h, &c.value_label);
        out.push_str("</svg>");
        return Svg(out);
    }

    let labels: Vec<&str> = items.iter().map(|i| i.0).collect();
    let tick_labels = axis.labels();
    let left = left_margin(&tick_labels, !c.value_label.is_empty());
    let band = (W - 12.0 - left) / items.len() as f64;
    let lay = band_labels(&labels, band);
    let p = Plot {
        left,
        top: 34.0,
        right: W - 12.0,
        bottom: H - lay.height,
    };
    let mut out = open(&c.title, W, H);
    y_grid(&mut out, p, &axis);
    let y0 = scale(0.0, axis.lo, axis.hi, p.bottom, p.top);
    let bar_w = (band * 0.7).min(64.0);
    for (i, (label, v)) in items.iter().enumerate() {
        let cx = p.left + band * (i as f64 + 0.5);
        let y1 = scale(*v, axis.lo, axis.hi, p.bottom, p.top);
        w!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"{}\"><title>{}</title></rect>",
            n(cx - bar_w / 2.0),
            n(y0.min(y1)),
            n(bar_w),
            n((y1 - y0).abs()),
            colour(0),
            tip(label, *v)
        );
        let text = format::short(*v);
        if chars(&text) * CH * 0.92 <= band {
            let ty = if *v < 0.0 { y1 + 13.0 } else { y1 - 4.0 };
            w!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
                n(cx),
                n(ty),
                escape(&text)
            );
        }
    }
    draw_band_labels(&mut out, p, &labels, band, &lay);
    y_title(&mut out, p, &c.value_label);
    out.push_str("</svg>");
    Svg(out)
}

/// Log-scale tick positions (integer powers of ten where the range allows).
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if hi - lo >= 2.0 {
        let first = lo.ceil();
        let span = hi.floor() - first;
        let step = (span / 7.0).ceil().max(1.0);
        let count = (span / step).floor() as usize + 1;
        (0..count.min(8)).map(|i| first + i as f64 * step).collect()
    } else {
        nice_ticks(lo, hi)
            .into_iter()
            .filter(|t| *t >= lo - 1e-9 && *t <= hi + 1e-9)
            .collect()
    }
}

/// Contiguous bars over bin edges; bins with non-finite or non-increasing edges are skipped.
pub fn histogram(h: &Histogram) -> Svg {
    let bins: Vec<(f64, f64, u64)> = h
        .edges
        .windows(2)
        .zip(&h.counts)
        .filter(|(e, _)| e[0].is_finite() && e[1].is_finite() && e[1] > e[0])
        .map(|(e, c)| (e[0], e[1], *c))
        .collect();
    if bins.is_empty() {
        return no_data(&h.title);
    }
    let lo = bins.iter().map(|b| b.0).fold(f64::INFINITY, f64::min);
    let hi = bins.iter().map(|b| b.1).fold(f64::NEG_INFINITY, f64::max);
    let max_count = bins.iter().map(|b| b.2).max().unwrap_or(0);
    let axis = Axis::new(0.0, max_count as f64);
    let tick_labels = axis.labels();
    let left = left_margin(&tick_labels, true);
    let bottom_pad = 24.0 + if h.x_label.is_empty() { 0.0 } else { 18.0 };
    let p = Plot {
        left,
        top: 34.0,
        right: W - 16.0,
        bottom: H - bottom_pad,
    };
    let edge_text = |e: f64| {
        if h.log_x {
            format::compact(10f64.powf(e))
        } else {
            format::short(e)
        }
    };
    let mut out = open(&h.title, W, H);
    y_grid(&mut out, p, &axis);
    let x_ticks: Vec<(f64, String)> = if h.log_x {
        log_ticks(lo, hi)
            .into_iter()
            .map(|t| (t, format::compact(10f64.powf(t))))
            .collect()
    } else {
        let all = Axis::new(lo, hi);
        all.ticks
            .iter()
            .filter(|t| **t >= lo - all.step * 1e-6 && **t <= hi + all.step * 1e-6)
            .map(|&t| (t, format::tick_label(t, all.step)))
            .collect()
    };
    for (t, label) in &x_ticks {
        let x = scale(*t, lo, hi, p.left, p.right);
        w!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{MUTED}\">{}</text>",
            n(x),
            n(p.bottom + 16.0),
            escape(label)
        );
    }
    for (a, b, count) in &bins {
        let x0 = scale(*a, lo, hi, p.left, p.right);
        let x1 = scale(*b, lo, hi, p.left, p.right);
        let y1 = scale(*count as f64, axis.lo, axis.hi, p.bottom, p.top);
        let gap = if x1 - x0 > 3.0 { 0.5 } else { 0.0 };
        w!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{} – {}: {}</title></rect>",
            n(x0 + gap),
            n(y1),
            n((x1 - x0 - 2.0 * gap).max(0.0)),
            n(p.bottom - y1),
            colour(0),
            escape(&edge_text(*a)),
            escape(&edge_text(*b)),
            format::int(i64::try_from(*count).unwrap_or(i64::MAX))
        );
        let text = format::short(*count as f64);
        if *count > 0 && chars(&text) * CH * 0.92 + 2.0 <= x1 - x0 {
            w!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
                n((x0 + x1) / 2.0),
                n(y1 - 4.0),
                escape(&text)
            );
        }
    }
    baseline(&mut out, p);
    x_title(&mut out, p, H, &h.x_label);
    y_title(&mut out, p, "Count");
    out.push_str("</svg>");
    Svg(out)
}

/// Month-start ticks (every 1, 2, 3, 6, 12, … months) within `[lo, hi]` days since 1970-01-01.
fn date_ticks(lo: f64, hi: f64) -> Vec<(f64, String)> {
    let lo_day = lo.ceil().clamp(-1e8, 1e8) as i64;
    let hi_day = hi.floor().clamp(-1e8, 1e8) as i64;
    let (y0, m0, d0) = format::civil_from_days(lo_day);
    let (y1, m1, _) = format::civil_from_days(hi_day);
    let first = y0 * 12 + i64::from(m0) - 1 + i64::from(d0 > 1);
    let last = y1 * 12 + i64::from(m1) - 1;
    if last < first {
        return vec![(lo, format::date(lo)), (hi, format::date(hi))];
    }
    let span = last - first;
    let step = [1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200]
        .into_iter()
        .find(|s| span / s < 7)
        .unwrap_or(span / 6 + 1);
    let start = first + (step - first.rem_euclid(step)) % step;
    let mut ticks = Vec::new();
    let mut idx = start;
    while idx <= last && ticks.len() < 8 {
        let day = format::days_from_civil(idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u32, 1);
        ticks.push((day as f64, format::month_year(day as f64)));
        idx += step;
    }
    ticks
}

/// Lines over a shared x axis; non-finite points are skipped, points are drawn in x order.
pub fn line_chart(c: &LineChart) -> Svg {
    let series: Vec<(&str, Vec<(f64, f64)>)> = c
        .series
        .iter()
        .map(|s| {
            let mut pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (s.name.as_str(), pts)
        })
        .collect();
    let all = series.iter().flat_map(|s| s.1.iter());
    let (mut xmin, mut xmax, mut ymin, mut ymax) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &(x, y) in all {
        xmin = xmin.min(x);
        xmax = xmax.max(x);
        ymin = ymin.min(y);
        ymax = ymax.max(y);
    }
    if !xmin.is_finite() {
        return no_data(&c.title);
    }
    let y_axis = Axis::new(ymin, ymax);
    let (x_lo, x_hi, x_ticks) = if c.x_is_date {
        let (lo, hi) = if xmax - xmin < 1.0 {
            (xmin - 15.0, xmax + 15.0)
        } else {
            (xmin, xmax)
        };
        (lo, hi, date_ticks(lo, hi))
    } else {
        let a = Axis::new(xmin, xmax);
        let labels = a.labels();
        (a.lo, a.hi, a.ticks.iter().copied().zip(labels).collect())
    };
    let mut out = open(&c.title, W, H);
    let mut top = 34.0;
    if series.len() > 1 {
        let items: Vec<(String, &str)> = series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.0.to_string(), colour(i)))
            .collect();
        top += legend(&mut out, &items, 38.0);
    }
    let left = left_margin(&y_axis.labels(), !c.y_label.is_empty());
    let p = Plot {
        left,
        top,
        right: W - 24.0,
        bottom: H - 24.0 - if c.x_label.is_empty() { 0.0 } else { 18.0 },
    };
    y_grid(&mut out, p, &y_axis);
    x_grid(&mut out, p, x_lo, x_hi, &x_ticks);
    baseline(&mut out, p);
    let x_text = |x: f64| {
        if c.x_is_date {
            format::date(x)
        } else {
            format::number(x)
        }
    };
    for (i, (name, pts)) in series.iter().enumerate() {
        let col = colour(i);
        let xy = |&(x, y): &(f64, f64)| {
            (
                scale(x, x_lo, x_hi, p.left, p.right),
                scale(y, y_axis.lo, y_axis.hi, p.bottom, p.top),
            )
        };
        if pts.len() > 1 {
            let mut points = String::new();
            for pt in pts {
                let (x, y) = xy(pt);
                w!(points, "{},{} ", n(x), n(y));
            }
            w!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{col}\" stroke-width=\"2\" stroke-linejoin=\"round\"><title>{}</title></polyline>",
                points.trim_end(),
                escape(name)
            );
        }
        if pts.len() <= LINE_MARKERS_MAX {
            let r = if pts.len() == 1 { 4.0 } else { 2.8 };
            for pt in pts {
                let (x, y) = xy(pt);
                w!(
                    out,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{col}\"><title>{}</title></circle>",
                    n(x),
                    n(y),
                    n(r),
                    escape(&format!(
                        "{name} — {}: {}",
                        x_text(pt.0),
                        format::number(pt.1)
                    ))
                );
            }
        }
    }
    x_title(&mut out, p, H, &c.x_label);
    y_title(&mut out, p, &c.y_label);
    out.push_str("</svg>");
    Svg(out)
}

/// Stacked vertical bars with a legend and totals on top where they fit.
pub fn stacked_bars(c: &StackedBars) -> Svg {
    let k = c
        .series_names
        .len()
        .max(c.values.iter().map(Vec::len).max().unwrap_or(0));
    let value = |i: usize, j: usize| -> f64 {
        c.values
            .get(i)
            .and_then(|r| r.get(j))
            .copied()
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
            .max(0.0)
    };
    let any_finite = c
        .values
        .iter()
        .take(c.labels.len())
        .flatten()
        .any(|v| v.is_finite());
    if c.labels.is_empty() || k == 0 || !any_finite {
        return no_data(&c.title);
    }
    let names: Vec<String> = (0..k)
        .map(|j| {
            c.series_names
                .get(j)
                .cloned()
                .unwrap_or_else(|| format!("Series {}", j + 1))
        })
        .collect();
    let totals: Vec<f64> = (0..c.labels.len())
        .map(|i| (0..k).map(|j| value(i, j)).sum())
        .collect();
    let axis = Axis::new(0.0, totals.iter().copied().fold(0.0, f64::max));
    let mut out = open(&c.title, W, H);
    let mut top = 34.0;
    if k > 1 {
        let items: Vec<(String, &str)> = names
            .iter()
            .enumerate()
            .map(|(j, s)| (s.clone(), colour(j)))
            .collect();
        top += legend(&mut out, &items, 38.0);
    }
    let labels: Vec<&str> = c.labels.iter().map(String::as_str).collect();
    let left = left_margin(&axis.labels(), false);
    let band = (W - 12.0 - left) / labels.len() as f64;
    let lay = band_labels(&labels, band);
    let p = Plot {
        left,
        top,
        right: W - 12.0,
        bottom: H - lay.height,
    };
    y_grid(&mut out, p, &axis);
    let bar_w = (band * 0.72).min(64.0);
    for (i, label) in labels.iter().enumerate() {
        let cx = p.left + band * (i as f64 + 0.5);
        let mut acc = 0.0;
        for (j, name) in names.iter().enumerate() {
            let v = value(i, j);
            if v <= 0.0 {
                continue;
            }
            let y0 = scale(acc, axis.lo, axis.hi, p.bottom, p.top);
            acc += v;
            let y1 = scale(acc, axis.lo, axis.hi, p.bottom, p.top);
            w!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                n(cx - bar_w / 2.0),
                n(y1),
                n(bar_w),
                n(y0 - y1),
                colour(j),
                escape(&format!("{label} — {name}: {}", format::number(v)))
            );
        }
        let text = format::short(totals[i]);
        if totals[i] > 0.0 && chars(&text) * CH * 0.92 <= band {
            let y = scale(totals[i], axis.lo, axis.hi, p.bottom, p.top);
            w!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
                n(cx),
                n(y - 4.0),
                escape(&text)
            );
        }
    }
    baseline(&mut out, p);
    draw_band_labels(&mut out, p, &labels, band, &lay);
    out.push_str("</svg>");
    Svg(out)
}

/// Points coloured by group. Up to 400 points get one circle (and tooltip) each; more points
/// are drawn as one compact path per group, coordinates rounded to one decimal.
pub fn scatter(c: &Scatter) -> Svg {
    let pts: Vec<(f64, f64, usize)> = c
        .points
        .iter()
        .copied()
        .filter(|(x, y, _)| x.is_finite() && y.is_finite())
        .collect();
    if pts.is_empty() {
        return no_data(&c.title);
    }
    let fold = |f: fn(&(f64, f64, usize)) -> f64| {
        pts.iter()
            .map(f)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    };
    let (xmin, xmax) = fold(|p| p.0);
    let (ymin, ymax) = fold(|p| p.1);
    let (x_axis, y_axis) = (Axis::new(xmin, xmax), Axis::new(ymin, ymax));
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for p in &pts {
        *counts.entry(p.2).or_default() += 1;
    }
    let name = |g: usize| {
        c.group_names
            .get(g)
            .cloned()
            .unwrap_or_else(|| format!("Group {g}"))
    };
    let mut out = open(&c.title, W, H);
    let mut top = 34.0;
    if counts.len() > 1 || c.group_names.len() > 1 {
        let items: Vec<(String, &str)> = counts
            .iter()
            .map(|(&g, &k)| {
                (
                    format!("{} ({})", name(g), format::int(k as i64)),
                    colour(g),
                )
            })
            .collect();
        top += legend(&mut out, &items, 38.0);
    }
    let left = left_margin(&y_axis.labels(), !c.y_label.is_empty());
    let p = Plot {
        left,
        top,
        right: W - 24.0,
        bottom: H - 24.0 - if c.x_label.is_empty() { 0.0 } else { 18.0 },
    };
    y_grid(&mut out, p, &y_axis);
    let x_ticks: Vec<(f64, String)> = x_axis.ticks.iter().copied().zip(x_axis.labels()).collect();
    x_grid(&mut out, p, x_axis.lo, x_axis.hi, &x_ticks);
    baseline(&mut out, p);
    let xy = |x: f64, y: f64| {
        (
            scale(x, x_axis.lo, x_axis.hi, p.left, p.right),
            scale(y, y_axis.lo, y_axis.hi, p.bottom, p.top),
        )
    };
    if pts.len() <= SCATTER_CIRCLES_MAX {
        for &(x, y, g) in &pts {
            let (px, py) = xy(x, y);
            w!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\" fill-opacity=\"0.8\" stroke=\"#fff\" stroke-width=\"0.5\"><title>{}</title></circle>",
                n(px),
                n(py),
                colour(g),
                escape(&format!(
                    "{}: {}, {}",
                    name(g),
                    format::number(x),
                    format::number(y)
                ))
            );
        }
    } else {
        let mut paths: BTreeMap<usize, String> = BTreeMap::new();
        for &(x, y, g) in &pts {
            let (px, py) = xy(x, y);
            let d = paths.entry(g).or_default();
            w!(d, "M{} {}h0", n(px), n(py));
        }
        for (g, d) in &paths {
            w!(
                out,
                "<path d=\"{d}\" stroke=\"{}\" stroke-opacity=\"0.7\" stroke-width=\"4\" stroke-linecap=\"round\" fill=\"none\"><title>{}</title></path>",
                colour(*g),
                escape(&format!(
                    "{} ({} points)",
                    name(*g),
                    format::int(counts.get(g).copied().unwrap_or(0) as i64)
                ))
            );
        }
    }
    x_title(&mut out, p, H, &c.x_label);
    y_title(&mut out, p, &c.y_label);
    out.push_str("</svg>");
    Svg(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_clean(svg: &Svg) {
        let s = svg.as_str();
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"), "{s}");
        assert!(
            !s.contains("NaN") && !s.contains("inf"),
            "non-finite in {s}"
        );
    }

    fn is_no_data(svg: &Svg) -> bool {
        svg.as_str().contains(">No data</text>")
    }

    #[test]
    fn nice_ticks_use_1_2_5_steps() {
        assert_eq!(
            nice_ticks(0.0, 97.0),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        let small = nice_ticks(0.001, 0.0093);
        assert!(small.len() >= 3 && small.len() <= 8, "{small:?}");
        assert!(small[0] <= 0.001 && *small.last().unwrap() >= 0.0093);
        let labels: Vec<String> = small
            .iter()
            .map(|&t| format::tick_label(t, small[1] - small[0]))
            .collect();
        assert_eq!(labels, ["0", "0.002", "0.004", "0.006", "0.008", "0.010"]);
        assert_eq!(nice_ticks(-3.0, 3.0), vec![-4.0, -2.0, 0.0, 2.0, 4.0]);
        for (lo, hi) in [
            (0.0, 1.0),
            (0.0, 7.0),
            (1.0, 1e9),
            (-1e-12, 1e-12),
            (123_456.0, 123_457.0),
            (1e15, 1e15 + 1.0),
            (-f64::MAX, f64::MAX),
            (5.0, 5.0),
            (0.0, 0.0),
            (97.0, 0.0),
        ] {
            let t = nice_ticks(lo, hi);
            assert!(!t.is_empty() && t.len() <= 8, "({lo}, {hi}) -> {t:?}");
            assert!(t.iter().all(|v| v.is_finite()));
            assert!(t.windows(2).all(|w| w[1] > w[0]), "({lo}, {hi}) -> {t:?}");
            if lo.is_finite() && hi.is_finite() && (hi - lo).is_finite() {
                assert!(
                    t[0] <= lo.min(hi) && *t.last().unwrap() >= lo.max(hi),
                    "({lo}, {hi}) -> {t:?}"
                );
            }
        }
        assert!(nice_ticks(f64::NAN, 1.0).is_empty());
        assert!(nice_ticks(0.0, f64::INFINITY).is_empty());
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        let value_sets: Vec<Vec<f64>> = vec![
            vec![],
            vec![5.0],
            vec![3.0, 3.0, 3.0],
            vec![0.0, 0.0],
            vec![nan, inf, -inf],
            vec![1.0, nan, 2.0],
            vec![-5.0, 2.0],
            vec![f64::MAX, -f64::MAX],
        ];
        for values in &value_sets {
            let labels: Vec<String> = (0..values.len()).map(|i| format!("L{i}")).collect();
            for horizontal in [false, true] {
                let svg = bar_chart(&BarChart {
                    title: "b".into(),
                    labels: labels.clone(),
                    values: values.clone(),
                    value_label: String::new(),
                    horizontal,
                });
                assert_clean(&svg);
                assert_eq!(is_no_data(&svg), values.iter().all(|v| !v.is_finite()));
            }
            let pts: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as f64, v))
                .collect();
            for x_is_date in [false, true] {
                let svg = line_chart(&LineChart {
                    title: "l".into(),
                    series: vec![
                        Series {
                            name: "a".into(),
                            points: pts.clone(),
                        },
                        Series::default(),
                    ],
                    x_is_date,
                    ..Default::default()
                });
                assert_clean(&svg);
                assert_eq!(is_no_data(&svg), values.iter().all(|v| !v.is_finite()));
            }
            let svg = scatter(&Scatter {
                title: "s".into(),
                points: values.iter().map(|&v| (v, v, usize::MAX)).collect(),
                ..Default::default()
            });
            assert_clean(&svg);
            let svg = stacked_bars(&StackedBars {
                title: "st".into(),
                labels: labels.clone(),
                series_names: vec![],
                values: values.iter().map(|&v| vec![v, v]).collect(),
            });
            assert_clean(&svg);
            let svg = histogram(&Histogram {
                title: "h".into(),
                edges: values.clone(),
                counts: vec![u64::MAX; values.len()],
                ..Default::default()
            });
            assert_clean(&svg);
        }
        // Explicit "No data" cases.
        assert!(is_no_data(&bar_chart(&BarChart::default())));
        assert!(is_no_data(&histogram(&Histogram {
            edges: vec![1.0],
            counts: vec![3],
            ..Default::default()
        })));
        assert!(is_no_data(&histogram(&Histogram {
            edges: vec![2.0, 1.0],
            counts: vec![3],
            ..Default::default()
        })));
        assert!(is_no_data(&line_chart(&LineChart::default())));
        assert!(is_no_data(&stacked_bars(&StackedBars {
            labels: vec!["a".into()],
            ..Default::default()
        })));
        assert!(is_no_data(&scatter(&Scatter {
            points: vec![(nan, 1.0, 0)],
            ..Default::default()
        })));
        // Single points and all-zero histograms still draw.
        let one = scatter(&Scatter {
            points: vec![(1.0, 1.0, 0)],
            ..Default::default()
        });
        assert!(!is_no_data(&one) && one.as_str().contains("<circle"));
        let zeros = histogram(&Histogram {
            edges: vec![0.0, 1.0, 2.0],
            counts: vec![0, 0],
            log_x: true,
            ..Default::default()
        });
        assert!(!is_no_data(&zeros));
        assert_clean(&zeros);
        // Far-apart dates give a handful of ticks, not thousands.
        let far = line_chart(&LineChart {
            series: vec![Series {
                name: "a".into(),
                points: vec![(-1e12, 0.0), (1e12, 1.0)],
            }],
            x_is_date: true,
            ..Default::default()
        });
        assert_clean(&far);
        assert!(far.as_str().matches("<line").count() < 30);
    }

    #[test]
    fn log_histogram_labels_powers_of_ten() {
        let svg = histogram(&Histogram {
            title: "Employees".into(),
            edges: vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            counts: vec![1, 2, 3, 2, 1],
            x_label: "Employees".into(),
            log_x: true,
        });
        let s = svg.as_str();
        for label in [">1<", ">10<", ">100<", ">1k<", ">10k<", ">100k<"] {
            assert!(s.contains(label), "missing {label} in {s}");
        }
        assert!(s.contains("<title>1k – 10k: 2</title>"));
    }

    #[test]
    fn date_axis_shows_months() {
        // 2025-01-01 is day 20089; 2025-07-01 is day 20270.
        let ticks = date_ticks(20_089.0, 20_270.0);
        let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025", "Jun 2025", "Jul 2025"
            ]
        );
        let years = date_ticks(18_000.0, 20_500.0);
        assert!(
            years.len() <= 8 && years.iter().all(|t| t.1.starts_with("Jan")),
            "{years:?}"
        );
    }

    #[test]
    fn big_scatter_stays_compact() {
        let points: Vec<(f64, f64, usize)> = (0..10_000)
            .map(|i| {
                let t = i as f64 * 0.618_033_988_7;
                (t.sin() * 123.456_789, t.cos() * 0.000_123_4, i % 7)
            })
            .collect();
        let svg = scatter(&Scatter {
            title: "map".into(),
            points,
            group_names: vec!["a".into(); 7],
            ..Default::default()
        });
        let s = svg.as_str();
        assert_clean(&svg);
        assert!(s.len() < 250_000, "{} bytes", s.len());
        assert_eq!(s.matches("<path").count(), 7);
        assert!(!s.contains("<circle"));
        // Coordinates carry at most one decimal.
        let d = s.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
        for num in d
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|x| !x.is_empty())
        {
            assert!(num.split('.').nth(1).is_none_or(|f| f.len() <= 1), "{num}");
        }
    }

    #[test]
    fn legend_only_with_several_series() {
        let one = line_chart(&LineChart {
            series: vec![Series {
                name: "only".into(),
                points: vec![(0.0, 1.0), (1.0, 2.0)],
            }],
            ..Default::default()
        });
        assert!(!one.as_str().contains("rx=\"2\""));
        let two = stacked_bars(&StackedBars {
            labels: vec!["Jan".into()],
            series_names: vec!["Won".into(), "Lost".into()],
            values: vec![vec![3.0, 4.0]],
            ..Default::default()
        });
        assert!(
            two.as_str().contains(">Won</text>")
                && two.as_str().contains("<title>Jan — Lost: 4</title>")
        );
    }
}
