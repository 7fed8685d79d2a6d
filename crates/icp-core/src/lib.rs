//! `icp-core`: the pipeline. It runs the stages over a workspace, keeps results consistent on
//! disk and assembles the report; it knows nothing of HTTP or the command line.
//!
//! - [`pipeline`]: workspaces, `check` and `run`, staged and atomic outputs.
//! - [`identity`]: duplicate accounts and event-to-account resolution, `out/merges.csv`.
//! - [`profile`]: the company profile gathered while data streams in.
//! - [`sections`]: the report sections about the input data.
//! - [`report`]: the self-contained HTML report and its SVG charts.

pub mod identity;
pub mod pipeline;
pub mod profile;
pub mod report;
pub mod sections;
