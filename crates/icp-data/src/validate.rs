//! Validation and quarantine.
