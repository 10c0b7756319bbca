//! The integration tests of fwlint, in one binary.

// Tests report what they measured on stderr.
#![allow(clippy::print_stderr)]

mod support;

mod cli;
mod config;
mod corpus;
mod graph;
mod kernel_lab;
mod lints;
mod meta;
mod oracle;
mod output;
mod packs;
mod reader;
mod trace;
mod suppressions;
