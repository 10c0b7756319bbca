//! `-m realm --realm value[/mask]` (libipt_realm.c, IPv4 only): matches the
//! routing realm of the packet's route, as 32-bit C numbers or a name from
//! `/etc/iproute2/rt_realms` (Debian's file names only `cosmos`, 0). The
//! kernel accepts it only in chains reached from `INPUT`, `FORWARD`,
//! `OUTPUT` and `POSTROUTING` (the route is not known before).

use crate::model::{ExtensionKind, Hook, Value};
use crate::parser::extensions::packet::support::{NameMap, parse_val_mask_named};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, KernelReqs, OptCall, OptSpec,
};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("realm", 0, ArgType::String)
    .mandatory()
    .invert()];

pub static REALM: ExtensionDef = ExtensionDef {
    name: "realm",
    kind: ExtensionKind::Match,
    families: Families::V4,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        hooks: Hook::Input.bit()
            | Hook::Forward.bit()
            | Hook::Output.bit()
            | Hook::Postrouting.bit(),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

const REALMS: NameMap = NameMap {
    file: "/etc/iproute2/rt_realms",
    names: &[("cosmos", 0)],
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    parse_val_mask_named(call, &REALMS)
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, match_named, refuses, refuses_in, refuses6,
    };

    #[test]
    fn realms_by_number_and_name() {
        let rule = accepts("-m realm --realm 0x1/0x2a");
        assert_eq!(
            match_named(&rule, "realm").option("realm").unwrap().value,
            Value::MarkMask {
                value: 1,
                mask: 0x2a
            }
        );
        let rule = accepts("-m realm ! --realm cosmos");
        let option = match_named(&rule, "realm").option("realm").unwrap();
        assert!(option.negated);
        assert_eq!(
            option.value,
            Value::MarkMask {
                value: 0,
                mask: u32::MAX
            }
        );
        accepts_in(Family::V4, "filter", "OUTPUT", "-m realm --realm 0x2a");
        accepts_in(Family::V4, "mangle", "POSTROUTING", "-m realm --realm 0x2a");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m realm", "`realm` needs `--realm`");
        refuses("-m realm --realm 0x1/x", "bad mask");
        refuses_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-m realm --realm 1",
            "works only in chains reached from INPUT, FORWARD, OUTPUT, POSTROUTING",
        );
        refuses6("-m realm --realm 1", "exists only in iptables");
    }
}
