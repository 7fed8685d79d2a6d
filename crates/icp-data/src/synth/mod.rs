//! The synthetic company generator.
