//! The `icp` command line: argument parsing, progress bars and printing. Everything it does
//! is a call into `icp-core` (the pipeline) or `icp-data` (init template, generator).

mod output;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use icp_core::pipeline::{self, Workspace};
use icp_data::synth::{self, DirtRates, WorldParams};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "icp",
    version,
    about = "Machine-learning account segmentation and ICP scoring for B2B revenue teams"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print nothing but errors.
    #[arg(long, global = true)]
    quiet: bool,
    /// Print the result as JSON on stdout (no progress bars).
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the built-in synthetic company and run every stage on it.
    Demo {
        /// Folder for the demo (inputs in data/, ground truth in truth/, results in out/).
        #[arg(long, default_value = "icp-demo")]
        dir: PathBuf,
        #[command(flatten)]
        world: WorldArgs,
    },
    /// Write a commented icp.toml template for your own exports into DIR.
    Init {
        dir: PathBuf,
        /// Overwrite an existing icp.toml.
        #[arg(long)]
        force: bool,
    },
    /// Validate the inputs: quarantine bad rows, print the data-health summary.
    Check {
        /// The workspace folder (holding icp.toml).
        #[arg(long, short = 'w', default_value = ".")]
        workspace: PathBuf,
    },
    /// Run the whole pipeline on a workspace; writes out/ and the report.
    Run {
        #[arg(long, short = 'w', default_value = ".")]
        workspace: PathBuf,
    },
    /// Print why one account scores as it does (after `icp run`).
    Explain {
        /// The account id, as in out/accounts.csv.
        account_id: String,
        #[arg(long, short = 'w', default_value = ".")]
        workspace: PathBuf,
    },
    /// Generate a synthetic company with ground truth.
    Generate {
        /// Folder to write into; must not exist or be empty.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        world: WorldArgs,
    },
}

#[derive(Args)]
struct WorldArgs {
    /// Number of companies.
    #[arg(long, default_value_t = 5_000)]
    accounts: usize,
    /// Months of history.
    #[arg(long, default_value_t = 24)]
    months: u32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Share of accounts duplicated under a domain variant.
    #[arg(long, default_value_t = DirtRates::default().duplicate_accounts)]
    duplicate_rate: f64,
    /// Share of optional account cells left empty.
    #[arg(long, default_value_t = DirtRates::default().missing_values)]
    missing_rate: f64,
    /// Share of accounts with an implausible size or revenue.
    #[arg(long, default_value_t = DirtRates::default().outliers)]
    outlier_rate: f64,
    /// Share of rows followed by a corrupted copy.
    #[arg(long, default_value_t = DirtRates::default().malformed_rows)]
    malformed_rate: f64,
}

impl WorldArgs {
    fn params(&self) -> WorldParams {
        WorldParams {
            accounts: self.accounts,
            months: self.months,
            seed: self.seed,
            dirt: DirtRates {
                duplicate_accounts: self.duplicate_rate,
                missing_values: self.missing_rate,
                outliers: self.outlier_rate,
                malformed_rows: self.malformed_rate,
            },
            ..WorldParams::default()
        }
    }
}

fn main() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: icp hit an internal error, which is a bug: {info}");
    }));
    let cli = Cli::parse();
    let out = output::Output::new(cli.quiet, cli.json);
    if let Err(e) = execute(&cli, &out) {
        if cli.json {
            let code = e
                .downcast_ref::<icp_data::Error>()
                .map_or("error", |e| e.code());
            println!(
                "{}",
                serde_json::json!({"error": {"code": code, "message": format!("{e:#}")}})
            );
        }
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn execute(cli: &Cli, out: &output::Output) -> Result<()> {
    match &cli.command {
        Command::Init { dir, force } => init(dir, *force, out),
        Command::Check { workspace } => {
            let ws = Workspace::open(workspace)?;
            if ws.export_only() {
                let t = pipeline::read_export(&ws)?;
                let known = t.outcome.iter().filter(|o| o.is_some()).count();
                if out.json {
                    println!(
                        "{}",
                        serde_json::json!({"export": {"path": t.path, "rows": t.ids.len(), "feature_columns": t.columns.len(), "outcome": t.outcome_name, "labelled": known}})
                    );
                }
                out.line(&format!(
                    "{}: {} rows, {} feature columns, outcome `{}` known for {}.",
                    t.path.display(),
                    t.ids.len(),
                    t.columns.len(),
                    t.outcome_name,
                    known
                ));
                return Ok(());
            }
            let outcome = pipeline::check(&ws, &out.progress())?;
            out.ingest(&outcome, false);
            Ok(())
        }
        Command::Run { workspace } => {
            let ws = Workspace::open(workspace)?;
            if ws.export_only() {
                out.export(&pipeline::run_export(&ws, &out.progress())?);
                return Ok(());
            }
            let outcome = pipeline::run(&ws, &out.progress())?;
            out.ingest(&outcome, true);
            Ok(())
        }
        Command::Explain {
            account_id,
            workspace,
        } => {
            let ws = Workspace::open(workspace)?;
            let text = icp_core::scores::explain(&ws.out_dir(), account_id)?;
            out.line(text.trim_end());
            Ok(())
        }
        Command::Generate { out: dir, world } => {
            ensure_empty(dir)?;
            let params = world.params();
            params.check()?;
            let summary = synth::generate(&params, dir, &out.progress())?;
            out.generated(dir, &summary);
            Ok(())
        }
        Command::Demo { dir, world } => demo(dir, world, out),
    }
}

/// The first line of an icp.toml written by the generator.
const DEMO_MARKER: &str = "# Synthetic company generated by";

fn demo(dir: &Path, world: &WorldArgs, out: &output::Output) -> Result<()> {
    let config = dir.join("icp.toml");
    let is_old_demo = std::fs::read_to_string(&config).is_ok_and(|t| t.starts_with(DEMO_MARKER));
    if is_old_demo {
        for sub in ["data", "truth", "out"] {
            let p = dir.join(sub);
            if p.exists() {
                std::fs::remove_dir_all(&p)
                    .with_context(|| format!("cannot clear {}", p.display()))?;
            }
        }
        std::fs::remove_file(&config)
            .with_context(|| format!("cannot replace {}", config.display()))?;
    } else {
        ensure_empty(dir)?;
    }
    let params = world.params();
    params.check()?;
    let started = std::time::Instant::now();
    let summary = synth::generate(&params, dir, &out.progress())?;
    out.generated(dir, &summary);
    let ws = Workspace::open(dir)?;
    let outcome = pipeline::run(&ws, &out.progress())?;
    out.ingest(&outcome, true);
    out.line(&format!(
        "Demo finished in {:.1} s. Open {}",
        started.elapsed().as_secs_f64(),
        outcome.out_dir.join("report.html").display()
    ));
    Ok(())
}

fn ensure_empty(dir: &Path) -> Result<()> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} already exists and is not empty; choose another folder",
                dir.display()
            );
        }
    }
    Ok(())
}

fn init(dir: &Path, force: bool, out: &output::Output) -> Result<()> {
    let path = dir.join(icp_data::config::CONFIG_FILE);
    if path.exists() && !force {
        bail!(
            "{} already exists; use --force to overwrite it",
            path.display()
        );
    }
    std::fs::create_dir_all(dir.join("data"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(&path, icp_data::config::TEMPLATE)
        .with_context(|| format!("cannot write {}", path.display()))?;
    if out.json {
        println!("{}", serde_json::json!({"config": path}));
    } else {
        out.line(&format!(
            "Wrote {}. Put your exports in {} (or point the paths at them), map your column names, then run `icp check -w {}`.",
            path.display(),
            dir.join("data").display(),
            dir.display()
        ));
    }
    Ok(())
}
