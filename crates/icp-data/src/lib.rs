//! `icp-data`: everything about a revenue team's data before any model sees it.
//!
//! Map of the crate:
//! - [`contract`]: the six tables, their columns, types and constraints.
//! - [`config`]: `icp.toml`, mapping a user's files and column names onto the contract.
//! - [`identity`]: registrable domains and free-mail detection.
//! - [`parse`]: cell parsers for dates, numbers, booleans and lists.
//! - [`read`]: streaming readers for CSV, Parquet and JSON Lines.
//! - [`resolve`]: duplicate accounts merged by a documented rule; events tied to accounts.
//! - [`validate`]: turns raw rows into typed Arrow batches, quarantining every row it cannot
//!   accept with its file, line, column and reason, and summarises data health.
//! - [`synth`]: the synthetic company with ground truth that demos, tests and benchmarks use.

pub mod config;
pub mod contract;
pub mod error;
pub mod export;
pub mod identity;
pub mod parse;
pub mod read;
pub mod resolve;
pub mod synth;
pub mod validate;

pub use error::{Error, Result};
