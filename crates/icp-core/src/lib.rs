//! `icp-core`: the pipeline.

pub mod report;
