//! Streaming readers for CSV, Parquet and JSON Lines.
