//! The integration tests of fwlint, in one binary.

mod support;

mod cli;
mod oracle;
mod reader;
