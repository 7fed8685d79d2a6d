//! The self-contained HTML report (`out/report.html`): the page model ([`Report`], [`Section`],
//! [`Table`], [`Cell`], [`Svg`]), its rendering to one offline page (inline CSS and inline SVG, no
//! script, nothing fetched from the network) and the atomic write. Charts live in [`svg`],
//! number/date formatting and escaping in [`format`].

pub mod format;
pub mod svg;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use format::escape;

/// Appends formatted text to a `String` (writing to a `String` cannot fail).
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}
pub(crate) use w;

/// One report page: a header (title, subtitle, generated-at line), a table of contents and the
/// sections in the order they were added.
#[derive(Debug, Clone)]
pub struct Report {
    title: String,
    subtitle: Option<String>,
    generated_at: String,
    sections: Vec<Section>,
}

impl Report {
    /// A report stamped with the current UTC time.
    pub fn new(title: impl Into<String>) -> Report {
        Report {
            title: title.into(),
            subtitle: None,
            generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            sections: Vec::new(),
        }
    }

    /// Sets the line under the title (e.g. the workspace and data window).
    pub fn subtitle(&mut self, text: impl Into<String>) -> &mut Self {
        self.subtitle = Some(text.into());
        self
    }

    /// Replaces the generated-at text (for reproducible output).
    pub fn generated_at(&mut self, text: impl Into<String>) -> &mut Self {
        self.generated_at = text.into();
        self
    }

    /// Appends a section and returns it for adding blocks. `id` becomes the HTML anchor; it is
    /// reduced to `[a-z0-9_-]` and made unique within the page.
    pub fn section(&mut self, id: &str, title: &str) -> &mut Section {
        let idx = self.sections.len();
        self.sections.push(Section {
            id: id.to_string(),
            title: title.to_string(),
            blocks: Vec::new(),
        });
        &mut self.sections[idx]
    }

    /// The whole page as one HTML document.
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        let title = escape(&self.title);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        w!(
            out,
            "<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        );
        w!(
            out,
            "<header class=\"page\"><div class=\"wrap\"><h1>{title}</h1>"
        );
        if let Some(sub) = &self.subtitle {
            w!(out, "<p class=\"subtitle\">{}</p>", escape(sub));
        }
        w!(
            out,
            "<p class=\"generated\">Generated {}</p></div></header>\n<main class=\"wrap\">\n",
            escape(&self.generated_at)
        );

        let ids = unique_ids(&self.sections);
        if self.sections.is_empty() {
            out.push_str("<section class=\"card\"><p class=\"note\">This report has no sections yet.</p></section>\n");
        } else {
            out.push_str("<nav class=\"toc card\" aria-label=\"Contents\"><h2>Contents</h2><ol>");
            for (section, id) in self.sections.iter().zip(&ids) {
                w!(
                    out,
                    "<li><a href=\"#{id}\">{}</a></li>",
                    escape(&section.title)
                );
            }
            out.push_str("</ol></nav>\n");
        }
        for (section, id) in self.sections.iter().zip(&ids) {
            section.render(id, &mut out);
        }
        out.push_str("</main>\n<footer class=\"wrap\">Made by icp · self-contained page, no network needed.</footer>\n</body>\n</html>\n");
        out
    }

    /// Writes atomically (temp file in the same folder, then rename) so a failed run never
    /// leaves a half-written report over a good one.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let Some(name) = path.file_name() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("report path {} has no file name", path.display()),
            ));
        };
        let tmp = path.with_file_name(format!(
            ".{}.{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let html = self.to_html();
        let result = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(html.as_bytes())?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// Reduces each section id to `[a-z0-9_-]` and makes it unique on the page.
fn unique_ids(sections: &[Section]) -> Vec<String> {
    let mut seen = HashSet::new();
    sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut base: String =
                s.id.trim()
                    .chars()
                    .map(|c| {
                        let c = c.to_ascii_lowercase();
                        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                            c
                        } else {
                            '-'
                        }
                    })
                    .collect();
            if base.trim_matches('-').is_empty() {
                base = format!("section-{}", i + 1);
            }
            let mut id = base.clone();
            let mut n = 2;
            while !seen.insert(id.clone()) {
                id = format!("{base}-{n}");
                n += 1;
            }
            id
        })
        .collect()
}

/// A card on the page: a titled list of blocks, rendered in the order added. Consecutive charts
/// flow together in a responsive grid.
#[derive(Debug, Clone)]
pub struct Section {
    id: String,
    title: String,
    blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
enum Block {
    Paragraph(String),
    Kpis(Vec<(String, String)>),
    Table(Table),
    Chart(Svg),
    Note(String),
}

impl Section {
    /// A paragraph of plain text (escaped).
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// Big-number tiles: `(label, value)`.
    pub fn kpis(&mut self, items: &[(&str, String)]) -> &mut Self {
        let items = items
            .iter()
            .map(|(label, value)| ((*label).to_string(), value.clone()))
            .collect();
        self.blocks.push(Block::Kpis(items));
        self
    }

    /// A table with zebra rows and right-aligned numbers.
    pub fn table(&mut self, table: Table) -> &mut Self {
        self.blocks.push(Block::Table(table));
        self
    }

    /// A chart; consecutive charts flow in a responsive grid.
    pub fn chart(&mut self, svg: Svg) -> &mut Self {
        self.blocks.push(Block::Chart(svg));
        self
    }

    /// Small muted text (caveats, definitions, data sources).
    pub fn note(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Note(text.into()));
        self
    }

    fn render(&self, id: &str, out: &mut String) {
        w!(
            out,
            "<section class=\"card\" id=\"{id}\">\n<h2>{}</h2>\n",
            escape(&self.title)
        );
        let mut in_grid = false;
        for block in &self.blocks {
            let is_chart = matches!(block, Block::Chart(_));
            if in_grid && !is_chart {
                out.push_str("</div>\n");
                in_grid = false;
            }
            match block {
                Block::Paragraph(text) => w!(out, "<p>{}</p>\n", escape(text)),
                Block::Note(text) => w!(out, "<p class=\"note\">{}</p>\n", escape(text)),
                Block::Kpis(items) => {
                    out.push_str("<div class=\"kpis\">");
                    for (label, value) in items {
                        w!(
                            out,
                            "<div class=\"kpi\"><div class=\"kpi-value\">{}</div><div class=\"kpi-label\">{}</div></div>",
                            escape(value),
                            escape(label)
                        );
                    }
                    out.push_str("</div>\n");
                }
                Block::Table(table) => table.render(out),
                Block::Chart(svg) => {
                    if !in_grid {
                        out.push_str("<div class=\"charts\">\n");
                        in_grid = true;
                    }
                    w!(out, "<figure class=\"chart\">{}</figure>\n", svg.as_str());
                }
            }
        }
        if in_grid {
            out.push_str("</div>\n");
        }
        if self.blocks.is_empty() {
            out.push_str("<p class=\"note\">Nothing to show in this section.</p>\n");
        }
        out.push_str("</section>\n");
    }
}

/// A data table. Rows shorter than the header are padded with empty cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub caption: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One table cell; numeric kinds are right-aligned and formatted.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    /// Right-aligned, formatted (`12,500`, `3.14`).
    Number(f64),
    Int(i64),
    /// A fraction 0..1 shown as `4.2%`.
    Percent(f64),
    /// A share 0..1 shown as an inline mini bar plus percent (e.g. missing %).
    Bar(f64),
    /// Highlighted text (a problem to look at).
    Warn(String),
}

impl Cell {
    fn is_numeric(&self) -> bool {
        matches!(
            self,
            Cell::Number(_) | Cell::Int(_) | Cell::Percent(_) | Cell::Bar(_)
        )
    }

    fn render(&self, out: &mut String) {
        match self {
            Cell::Text(t) => w!(out, "<td>{}</td>", escape(t)),
            Cell::Number(v) => w!(out, "<td class=\"num\">{}</td>", format::number(*v)),
            Cell::Int(v) => w!(out, "<td class=\"num\">{}</td>", format::int(*v)),
            Cell::Percent(v) => w!(out, "<td class=\"num\">{}</td>", format::percent(*v)),
            Cell::Bar(v) => {
                let width = if v.is_finite() {
                    v.clamp(0.0, 1.0) * 100.0
                } else {
                    0.0
                };
                w!(
                    out,
                    "<td class=\"num\"><span class=\"minibar\" aria-hidden=\"true\"><span style=\"width:{width:.1}%\"></span></span>{}</td>",
                    format::percent(*v)
                );
            }
            Cell::Warn(t) => w!(out, "<td><span class=\"warn\">{}</span></td>", escape(t)),
        }
    }
}

impl Table {
    fn render(&self, out: &mut String) {
        let columns = self
            .headers
            .len()
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        out.push_str("<div class=\"table-wrap\"><table>");
        if let Some(caption) = &self.caption {
            w!(out, "<caption>{}</caption>", escape(caption));
        }
        if !self.headers.is_empty() {
            out.push_str("<thead><tr>");
            for (i, header) in self.headers.iter().enumerate() {
                let numeric = !self.rows.is_empty()
                    && self
                        .rows
                        .iter()
                        .all(|r| r.get(i).is_none_or(Cell::is_numeric));
                let class = if numeric { " class=\"num\"" } else { "" };
                w!(out, "<th scope=\"col\"{class}>{}</th>", escape(header));
            }
            out.push_str("</tr></thead>");
        }
        out.push_str("<tbody>");
        if self.rows.is_empty() {
            w!(
                out,
                "<tr><td class=\"empty\" colspan=\"{}\">No rows.</td></tr>",
                columns.max(1)
            );
        }
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                cell.render(out);
            }
            for _ in row.len()..columns {
                out.push_str("<td></td>");
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></div>\n");
    }
}

/// An SVG chart. Only the chart functions in [`svg`] make one, so it is always safe markup.
#[derive(Debug, Clone)]
pub struct Svg(String);

impl Svg {
    /// The `<svg>` markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const CSS: &str = r#"
:root{--bg:#f4f5f7;--card:#fff;--ink:#1f2933;--muted:#5f6b7a;--line:#e3e6ea;--accent:#0072b2;--warn-bg:#fff1e0;--warn:#8a4100;color-scheme:light}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.wrap{max-width:1200px;margin:0 auto;padding:0 24px}
header.page{background:#1f2933;color:#fff;padding:28px 0 24px;margin-bottom:24px}
header.page h1{margin:0;font-size:28px;line-height:1.2;font-weight:650;letter-spacing:-.01em}
.subtitle{margin:6px 0 0;color:#d3d9e0;font-size:16px}
.generated{margin:10px 0 0;color:#9aa5b1;font-size:13px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin:0 0 20px;box-shadow:0 1px 3px rgba(15,23,42,.05)}
.card h2{margin:0 0 14px;font-size:20px;line-height:1.3;font-weight:650}
.toc h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin-bottom:8px}
.toc ol{margin:0;padding-left:22px;columns:3 220px;column-gap:32px}
.toc li{margin:2px 0;break-inside:avoid}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
section.card{scroll-margin-top:12px}
p{margin:0 0 12px;max-width:90ch}
.note{color:var(--muted);font-size:13px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin:0 0 16px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:12px 16px;background:#fafbfc}
.kpi-value{font-size:26px;font-weight:650;line-height:1.2;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.kpi-label{color:var(--muted);font-size:13px;margin-top:2px}
.table-wrap{overflow-x:auto;margin:0 0 16px}
table{border-collapse:collapse;width:100%;font-size:14px}
caption{text-align:left;font-weight:600;padding:0 0 8px}
th,td{padding:7px 12px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);border-bottom:2px solid #cdd3da;white-space:nowrap}
tbody tr:nth-child(even){background:#f7f8fa}
tbody tr:hover{background:#eef4fa}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.empty{color:var(--muted);text-align:center}
.minibar{display:inline-block;width:72px;height:8px;margin-right:8px;vertical-align:middle;background:#e3e6ea;border-radius:4px;overflow:hidden}
.minibar>span{display:block;height:100%;background:var(--accent)}
.warn{background:var(--warn-bg);color:var(--warn);padding:1px 6px;border-radius:4px;font-weight:600}
.charts{display:grid;align-items:start;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));gap:16px;margin:0 0 16px}
figure.chart{margin:0;padding:8px;border:1px solid var(--line);border-radius:8px;background:#fff;min-width:0}
figure.chart svg{display:block;width:100%;height:auto}
footer{color:var(--muted);font-size:12px;padding-top:4px;padding-bottom:32px}
@media (max-width:640px){body{font-size:14px}.wrap{padding:0 12px}.card{padding:16px 14px}header.page{padding:20px 0 18px}header.page h1{font-size:22px}.kpi-value{font-size:21px}.kpis{grid-template-columns:repeat(auto-fill,minmax(140px,1fr))}th,td{padding:6px 8px}}
@media print{body{background:#fff;font-size:10.5pt}.wrap{max-width:none;padding:0}header.page{background:none;color:#000;padding:0 0 8px;margin-bottom:12px;border-bottom:2px solid #000}.subtitle,.generated{color:#333}.card{box-shadow:none;border:none;border-radius:0;padding:0;margin:0 0 18px}.toc{display:none}figure.chart,.kpi,tr{break-inside:avoid}h2{break-after:avoid}.charts{grid-template-columns:1fr 1fr}a{color:inherit}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"#;

#[cfg(test)]
mod tests {
    use super::svg::*;
    use super::*;

    /// A report with every block and chart kind, including awkward text.
    fn sample() -> Report {
        let mut r = Report::new("Acme Corp — account health <b>&\"x\"");
        r.subtitle("Workspace demo · 2,400 accounts · Jan 2023 – Dec 2024")
            .generated_at("2025-01-01 09:00 UTC");
        let industries = [
            "Software",
            "Financial services",
            "Healthcare",
            "Manufacturing",
            "Retail",
            "Education",
        ];
        let health = r.section("data-health", "Data health");
        health
            .paragraph("Every input row was either used or quarantined. <b>&\"x\"")
            .kpis(&[
                ("Accounts", format::int(2400)),
                ("Opportunities", format::int(12_500)),
                ("Win rate", format::percent(0.234)),
                ("Pipeline", format!("${}", format::compact(12_400_000.0))),
            ])
            .table(Table {
                caption: Some("Columns".into()),
                headers: vec![
                    "Column".into(),
                    "Rows".into(),
                    "Mean".into(),
                    "Distinct".into(),
                    "Missing".into(),
                    "Status".into(),
                ],
                rows: vec![
                    vec![
                        Cell::Text("employees".into()),
                        Cell::Int(2400),
                        Cell::Number(51.25),
                        Cell::Percent(0.61),
                        Cell::Bar(0.02),
                        Cell::Text("ok".into()),
                    ],
                    vec![
                        Cell::Text("annual_revenue".into()),
                        Cell::Int(2400),
                        Cell::Number(f64::NAN),
                        Cell::Percent(f64::INFINITY),
                        Cell::Bar(0.37),
                        Cell::Warn("37% missing".into()),
                    ],
                    vec![Cell::Text("<b>&\"x\"".into()), Cell::Int(-3)],
                ],
            })
            .note("Missing = share of rows where the column is empty.");
        let charts = r.section("company", "The company at a glance");
        charts
            .chart(bar_chart(&BarChart {
                title: "Accounts by industry".into(),
                labels: industries.iter().map(|s| s.to_string()).collect(),
                values: vec![820.0, 510.0, 402.0, 311.0, 230.0, 127.0],
                value_label: "Accounts".into(),
                horizontal: true,
            }))
            .chart(bar_chart(&BarChart {
                title: "Win rate by industry".into(),
                labels: industries.iter().map(|s| s.to_string()).collect(),
                values: vec![0.31, 0.22, 0.27, 0.18, 0.12, 0.25],
                value_label: "Win rate".into(),
                horizontal: false,
            }))
            .chart(histogram(&Histogram {
                title: "Company size".into(),
                edges: (0..=12).map(|i| 0.5 + i as f64 * 0.3).collect(),
                counts: vec![40, 120, 260, 410, 520, 430, 300, 180, 90, 35, 12, 3],
                x_label: "Employees (log scale)".into(),
                log_x: true,
            }))
            .chart(histogram(&Histogram {
                title: "Deal size".into(),
                edges: (0..=10).map(|i| i as f64 * 5000.0).collect(),
                counts: vec![300, 800, 650, 420, 260, 140, 70, 30, 12, 5],
                x_label: "Amount (USD)".into(),
                log_x: false,
            }))
            .chart(line_chart(&LineChart {
                title: "Monthly recurring revenue".into(),
                series: vec![
                    Series {
                        name: "MRR".into(),
                        points: (0..24)
                            .map(|m| (19_358.0 + m as f64 * 30.4, 180_000.0 + m as f64 * 9_000.0))
                            .collect(),
                    },
                    Series {
                        name: "New MRR".into(),
                        points: (0..24)
                            .map(|m| {
                                (
                                    19_358.0 + m as f64 * 30.4,
                                    20_000.0 + (m % 5) as f64 * 4_000.0,
                                )
                            })
                            .collect(),
                    },
                ],
                x_label: "Month".into(),
                y_label: "USD".into(),
                x_is_date: true,
            }))
            .chart(stacked_bars(&StackedBars {
                title: "Deals closed per quarter".into(),
                labels: vec![
                    "Q1 2024".into(),
                    "Q2 2024".into(),
                    "Q3 2024".into(),
                    "Q4 2024".into(),
                ],
                series_names: vec!["Won".into(), "Lost".into(), "Open".into()],
                values: vec![
                    vec![40.0, 90.0, 12.0],
                    vec![52.0, 85.0, 20.0],
                    vec![61.0, 80.0, 31.0],
                    vec![70.0, 77.0, 55.0],
                ],
            }))
            .chart(scatter(&Scatter {
                title: "Segments map".into(),
                points: (0..600)
                    .map(|i| {
                        let g = i % 4;
                        let t = i as f64 * 0.37;
                        (
                            g as f64 * 3.0 + t.sin() * 1.2,
                            (g % 2) as f64 * 4.0 + t.cos() * 1.1,
                            g,
                        )
                    })
                    .collect(),
                group_names: vec![
                    "Enterprise SaaS".into(),
                    "Mid-market fintech".into(),
                    "SMB retail".into(),
                    "<b>&\"x\"".into(),
                ],
                x_label: "Component 1".into(),
                y_label: "Component 2".into(),
            }))
            .note("Charts are drawn from the validated inputs only.");
        r.section("empty", "A section with nothing in it");
        r
    }

    #[test]
    fn every_block_renders_offline_and_finite() {
        let html = sample().to_html();
        assert!(html.starts_with("<!DOCTYPE html>"));
        let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
        assert!(!html.to_ascii_lowercase().contains("<script"));
        assert!(
            !html.contains("NaN") && !html.contains("inf"),
            "non-finite leaked"
        );
        for needle in [
            "href=\"#data-health\"",
            "id=\"company\"",
            "class=\"kpi-value\">12,500<",
            "23.4%",
            "$12.4M",
            "<td class=\"num\">51.25</td>",
            "<td class=\"num\">—</td>",
            "width:37.0%",
            "class=\"warn\"",
            "class=\"charts\"",
            "Jan 2024",
            "Generated 2025-01-01 09:00 UTC",
            "Nothing to show",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        assert_eq!(html.matches("<svg").count(), 7);
        assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
        // Numeric columns are right-aligned, text columns are not.
        assert!(html.contains("<th scope=\"col\" class=\"num\">Rows</th>"));
        assert!(html.contains("<th scope=\"col\">Column</th>"));
    }

    #[test]
    fn text_is_escaped_everywhere() {
        let html = sample().to_html();
        assert!(!html.contains("<b>"), "raw markup leaked");
        assert!(html.contains("<h1>Acme Corp — account health &lt;b&gt;&amp;&quot;x&quot;</h1>"));
        assert!(html.contains("<td>&lt;b&gt;&amp;&quot;x&quot;</td>"));
        let svg = bar_chart(&BarChart {
            title: "<b>&\"x\"".into(),
            labels: vec!["<b>&\"x\"".into()],
            values: vec![1.0],
            value_label: "<b>&\"x\"".into(),
            horizontal: false,
        });
        let s = svg.as_str();
        assert!(!s.contains("<b>") && !s.contains("\"x\""));
        assert!(s.contains("aria-label=\"&lt;b&gt;&amp;&quot;x&quot;\""));
        assert!(s.contains(">&lt;b&gt;&amp;&quot;x&quot;</text>"));
    }

    #[test]
    fn section_ids_are_safe_and_unique() {
        let mut r = Report::new("t");
        r.section("Data Health", "A");
        r.section("data-health", "B");
        r.section("\"><x", "C");
        r.section("", "D");
        let html = r.to_html();
        assert!(html.contains("id=\"data-health\""));
        assert!(html.contains("id=\"data-health-2\""));
        assert!(html.contains("id=\"---x\""));
        assert!(html.contains("id=\"section-4\""));
    }

    #[test]
    fn empty_report_and_empty_table_render() {
        let html = Report::new("").to_html();
        assert!(html.contains("no sections yet"));
        let mut r = Report::new("t");
        r.section("s", "S").table(Table::default()).table(Table {
            caption: None,
            headers: vec!["A".into()],
            rows: vec![],
        });
        assert!(r.to_html().contains("No rows."));
    }

    #[test]
    fn write_is_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let report = sample();
        let missing = dir.path().join("no-such-folder").join("report.html");
        assert!(report.write(&missing).is_err());
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());

        let path = dir.path().join("report.html");
        std::fs::write(&path, "old").unwrap();
        report.write(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), report.to_html());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.html")]);

        // A folder in the way: error, old content kept, no temp file left.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("x"), "keep").unwrap();
        assert!(report.write(&blocked).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        assert!(report.write(Path::new("/")).is_err());
    }

    /// `ICP_REPORT_SAMPLE=/tmp/sample.html cargo test -p icp-core write_sample -- --ignored`
    /// writes the sample page for a visual check in a browser.
    #[test]
    #[ignore]
    fn write_sample() {
        let path = std::env::var("ICP_REPORT_SAMPLE").unwrap_or_else(|_| "/tmp/sample.html".into());
        sample().write(Path::new(&path)).unwrap();
    }
}
