//! `icp-core`: the pipeline.
