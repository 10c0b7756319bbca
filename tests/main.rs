//! The integration tests of fwlint, in one binary.

mod support;

mod cli;
mod corpus;
mod lints;
mod meta;
mod oracle;
mod reader;
