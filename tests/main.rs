//! The integration tests of fwlint, in one binary.

// Tests report what they measured on stderr.
#![allow(clippy::print_stderr)]

mod support;
// The fuzz targets' code, so that the tests run it without libFuzzer.
#[path = "../fuzz/src/lib.rs"]
mod fuzz_harness;

mod cli;
mod config;
mod corpus;
mod graph;
mod kernel_lab;
mod limits;
mod lints;
mod meta;
mod oracle;
mod output;
mod packs;
mod properties;
mod reader;
mod robustness;
mod suppressions;
mod trace;
