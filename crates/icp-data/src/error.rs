//! Errors of the data layer. A file that cannot be used at all becomes one [`Error`] naming the
//! file and what was expected; a single bad row never does: it becomes a quarantine record
//! (see `validate`).

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}", file.display())]
    Config {
        file: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
    /// The file cannot be used at all: wrong format, unreadable, missing required column.
    #[error("{}: {message}; expected {expected}", file.display())]
    Unusable {
        file: PathBuf,
        message: String,
        expected: String,
    },
    #[error("{}: cannot write: {message}", file.display())]
    Write { file: PathBuf, message: String },
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl Error {
    pub fn io(file: &Path, source: std::io::Error) -> Error {
        Error::Io {
            file: file.to_path_buf(),
            source,
        }
    }

    pub fn unusable(file: &Path, message: impl Into<String>, expected: impl Into<String>) -> Error {
        Error::Unusable {
            file: file.to_path_buf(),
            message: message.into(),
            expected: expected.into(),
        }
    }

    pub fn write(file: &Path, message: impl ToString) -> Error {
        Error::Write {
            file: file.to_path_buf(),
            message: message.to_string(),
        }
    }

    /// A stable snake_case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io_error",
            Error::Config { .. } => "invalid_config",
            Error::Unusable { .. } => "unusable_file",
            Error::Write { .. } => "write_failed",
            Error::InvalidArgument(_) => "invalid_argument",
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
