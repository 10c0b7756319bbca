//! `-m nfacct` (libxt_nfacct.c): counts the packets in an extended
//! accounting object, `--nfacct-name NAME` (mandatory, 1 to 31 bytes, no
//! newline; iptables cuts longer names silently). The kernel refuses the
//! rule unless the object already exists (`nfacct add NAME`), which fwlint
//! cannot know: it warns. It accepts the match in every table and chain.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec};

/// `NFACCT_NAME_MAX` is 32 with the final NUL.
const MAX_NAME: usize = 31;

static OPTIONS: [OptSpec; 1] = [OptSpec::new("nfacct-name", 0, ArgType::String)
    .min(1)
    .mandatory()];

pub static NFACCT: ExtensionDef = ExtensionDef {
    name: "nfacct",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    call.generic()?;
    let text = call.arg_text();
    if text.contains('\n') {
        return Err(call.error("newlines are not allowed in `--nfacct-name`"));
    }
    let kept = call.kept_text(MAX_NAME, "accounting object name");
    call.warn_host(format!(
        "the kernel refuses this rule unless the accounting object `{kept}` exists when the rules are loaded"
    ), format!("create it with `nfacct add {kept}` before the rules are loaded"));
    Ok(Value::Text(kept.into()))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, match_named, refuses, warnings};

    #[test]
    fn names() {
        let rule = accepts("-m nfacct --nfacct-name http-in");
        assert_eq!(
            match_named(&rule, "nfacct")
                .option("nfacct-name")
                .unwrap()
                .value,
            Value::Text("http-in".into())
        );
        assert!(
            warnings(Family::V4, "-m nfacct --nfacct-name http-in")
                .iter()
                .any(|w| w.name == "depends-on-host"
                    && w.help
                        .as_deref()
                        .is_some_and(|help| help.contains("nfacct add http-in")))
        );
        let long = "a".repeat(40);
        let rule = accepts(&format!("-m nfacct --nfacct-name {long}"));
        assert_eq!(
            match_named(&rule, "nfacct")
                .option("nfacct-name")
                .unwrap()
                .value,
            Value::Text("a".repeat(31).into())
        );
        refuses("-m nfacct", "needs `--nfacct-name`");
        refuses("-m nfacct --nfacct-name \"\"", "at least 1 characters");
        refuses("-m nfacct ! --nfacct-name x", "cannot be negated");
    }
}
