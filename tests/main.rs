//! The integration tests of fwlint, in one binary.

mod support;

mod oracle;
