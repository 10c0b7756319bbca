//! Helpers shared by several protocol matches.

use crate::model::Value;
use crate::parser::extensions::{ExtError, ExtWarning, OptCall};

/// The generic value of an integer range option (`XTTYPE_UINT32RC`:
/// `a`, `a:b`, `:b`, `a:`, `:`), with a warning when the range is reversed:
/// iptables 1.8.9 accepts it, and the kernel then matches no `what` (or
/// every one when the option is negated).
pub fn int_range(call: &mut OptCall<'_, '_>, what: &str) -> Result<Value, ExtError> {
    let value = call.generic()?;
    if let Value::Range(first, last) = value {
        if first > last {
            let fate = if call.invert { "every" } else { "no" };
            let message = format!(
                "range `{}` of `--{}` is reversed: iptables accepts it, and it matches {fate} {what}",
                call.arg_text(),
                call.spec.name
            );
            call.warn_help(
                message,
                format!("write the lower bound first: `{last}:{first}`"),
            );
        }
    }
    Ok(value)
}

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
