//! `-j TEE --gateway ADDR` (libxt_TEE.c): sends a copy of the packet to
//! `ADDR` (through `--oif` when given) and goes on with the original. The
//! kernel accepts TEE in every table and chain, but refuses the
//! unspecified gateway (`0.0.0.0`, `::`). The interface name has room for
//! 15 bytes; iptables cuts a longer one silently.

use crate::model::{ExtensionKind, Interface, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec, Termination};

use crate::parser::extensions::generic::lookup_host;
use crate::parser::values;

const O_GATEWAY: u8 = 0;
const O_OIF: u8 = 1;

/// The size of `xt_tee_tginfo.oif`, with its final NUL.
const OIF_SIZE: usize = 16;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("gateway", O_GATEWAY, ArgType::Host).mandatory(),
    OptSpec::new("oif", O_OIF, ArgType::String),
];

pub static TEE: ExtensionDef = ExtensionDef {
    name: "TEE",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_GATEWAY => {
            let text = call.arg_text();
            let family = call.rule.family;
            // The kernel's `tee_tg_check`; checked here, where a numeric
            // address can be told from a host name.
            let Some(addr) = lookup_host(call, text)? else {
                return Ok(Value::Host(values::unspecified(family)));
            };
            if addr.is_unspecified() {
                return Err(call
                    .error(format!("the kernel refuses `{addr}` as a TEE gateway"))
                    .help("give the address of the host that receives the copies"));
            }
            Ok(Value::Host(addr))
        }
        _ => Ok(Value::Interface(Box::new(Interface {
            name: call.kept_text(OIF_SIZE - 1, "`--oif`").to_string(),
        }))),
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::model::{Family, Interface, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, accepts6, refuses, refuses6, target, warnings,
    };

    #[test]
    fn gateways_and_interfaces() {
        let rule = accepts("-j TEE --gateway 1.1.1.1 --oif eth0");
        let tee = target(&rule);
        assert_eq!(
            tee.option("gateway").unwrap().value,
            Value::Host("1.1.1.1".parse::<IpAddr>().unwrap())
        );
        assert_eq!(
            tee.option("oif").unwrap().value,
            Value::Interface(Box::new(Interface {
                name: "eth0".into()
            }))
        );
        let short = accepts("-j TEE --gateway 10.1");
        assert_eq!(
            target(&short).option("gateway").unwrap().value,
            Value::Host("10.0.0.1".parse::<IpAddr>().unwrap())
        );
        accepts6("-j TEE --gateway 2001:db8::1");
        accepts_in(Family::V4, "nat", "PREROUTING", "-j TEE --gateway 1.2.3.4");
        accepts_in(Family::V6, "mangle", "POSTROUTING", "-j TEE --gateway ::1");
        let scoped = accepts6("-j TEE --gateway fe80::1%lo");
        assert_eq!(
            target(&scoped).option("gateway").unwrap().value,
            Value::Host("fe80::1".parse::<IpAddr>().unwrap())
        );
        accepts(r#"-j TEE --gateway 1.2.3.4 --oif """#);
    }

    #[test]
    fn warnings_for_names_and_long_interfaces() {
        assert!(
            warnings(Family::V4, "-j TEE --gateway localhost")
                .iter()
                .any(|w| w.name == "depends-on-host" && w.message.contains("host name"))
        );
        let zoned = warnings(Family::V6, "-j TEE --gateway fe80::1%eth1");
        assert!(
            zoned
                .iter()
                .any(|w| w.name == "depends-on-host" && w.message.contains("interface `eth1`")),
            "{zoned:?}"
        );
        assert!(warnings(Family::V6, "-j TEE --gateway fe80::1%lo").is_empty());
        let long = warnings(
            Family::V4,
            "-j TEE --gateway 1.2.3.4 --oif 12345678901234567890",
        );
        assert!(
            long.iter().any(|w| w.name == "value-changed"
                && w.message.contains("keeps only the first 15")),
            "{long:?}"
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        refuses("-j TEE", "needs `--gateway`");
        refuses("-j TEE ! --gateway 1.1.1.1", "cannot be negated");
        refuses("-j TEE --gateway 0.0.0.0", "refuses `0.0.0.0`");
        refuses("-j TEE --gateway 0", "refuses `0.0.0.0`");
        refuses6("-j TEE --gateway ::", "refuses `::`");
        refuses6("-j TEE --gateway 1.2.3.4", "not an IPv6 address");
        refuses(r#"-j TEE --gateway """#, "not an IPv4 address");
    }
}
