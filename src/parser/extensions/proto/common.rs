//! Helpers shared by several protocol matches.

use crate::parser::extensions::{ExtWarning, OptCall};

/// A warning that the kernel ignores an option.
pub fn ignored_by_kernel(call: &mut OptCall<'_, '_>, why: &str) {
    call.warnings.push(
        ExtWarning::new(
            format!("the kernel ignores `--{}`: {why}", call.spec.name),
            call.span,
        )
        .help("remove the option; it does not restrict what the rule matches"),
    );
}
