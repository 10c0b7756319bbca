//! `-m ipvs` (libxt_ipvs.c, both families): matches IPVS (Linux Virtual
//! Server) connection properties: `--ipvs` (the packet belongs to an IPVS
//! connection), `--vproto` (protocol), `--vaddr` (virtual address/mask),
//! `--vport` (virtual port), `--vdir ORIGINAL|REPLY`, `--vmethod
//! GATE|IPIP|MASQ` (forwarding method), `--vportctl` (port of the
//! controlling connection). At least one option is needed, and `! --ipvs`
//! cannot be combined with the others (they imply `--ipvs`). `--vaddr` is
//! read as libxtables reads `XTTYPE_HOSTMASK` (see
//! [`crate::parser::extensions::generic::parse_host_mask`]). The kernel
//! needs the `xt_ipvs` module and has no further restriction.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, FinalCall, OptCall, OptSpec};

const O_IPVS: u8 = 0;
const O_VPROTO: u8 = 1;
const O_VADDR: u8 = 2;
const O_VPORT: u8 = 3;
const O_VDIR: u8 = 4;
const O_VMETHOD: u8 = 5;
const O_VPORTCTL: u8 = 6;

static OPTIONS: [OptSpec; 7] = [
    OptSpec::new("ipvs", O_IPVS, ArgType::None).invert(),
    OptSpec::new("vproto", O_VPROTO, ArgType::Protocol).invert(),
    OptSpec::new("vaddr", O_VADDR, ArgType::HostMask).invert(),
    OptSpec::new("vport", O_VPORT, ArgType::Port).invert(),
    OptSpec::new("vdir", O_VDIR, ArgType::String),
    OptSpec::new("vmethod", O_VMETHOD, ArgType::String).invert(),
    OptSpec::new("vportctl", O_VPORTCTL, ArgType::Port).invert(),
];

pub static IPVS: ExtensionDef = ExtensionDef {
    name: "ipvs",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_VDIR => call.symbol(&["ORIGINAL", "REPLY"], true),
        O_VMETHOD => call.symbol(&["GATE", "IPIP", "MASQ"], true),
        _ => call.generic(),
    }
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if call.seen == 0 {
        return Err(call
            .error("`ipvs` needs at least one option")
            .help("for example `-m ipvs --ipvs` or `-m ipvs --vaddr 192.0.2.1 --vport 80`"));
    }
    let negated_ipvs = call.option("ipvs").is_some_and(|option| option.negated);
    if negated_ipvs && call.options.iter().any(|option| option.name != "ipvs") {
        return Err(call
            .error("`! --ipvs` cannot be combined with other `ipvs` options")
            .help("the other options match only IPVS packets, which `! --ipvs` excludes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::model::{AddrMask, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses};

    #[test]
    fn properties() {
        let rule = accepts(
            "-m ipvs --vproto tcp --vaddr 1.2.3.4/16 --vport http --vdir original --vmethod gate",
        );
        let ipvs = match_named(&rule, "ipvs");
        assert_eq!(ipvs.option("vproto").unwrap().value, Value::Protocol(6));
        assert_eq!(ipvs.option("vport").unwrap().value, Value::Port(80));
        assert_eq!(
            ipvs.option("vdir").unwrap().value,
            Value::Symbol("ORIGINAL".into())
        );
        assert_eq!(
            ipvs.option("vmethod").unwrap().value,
            Value::Symbol("GATE".into())
        );
        assert_eq!(
            ipvs.option("vaddr").unwrap().value,
            Value::HostMask(Box::new(AddrMask {
                addr: "1.2.0.0".parse::<IpAddr>().unwrap(),
                mask: "255.255.0.0".parse::<IpAddr>().unwrap(),
            }))
        );
        accepts("-m ipvs ! --ipvs");
        accepts("-m ipvs ! --vproto TCP");
        accepts("-m ipvs ! --vportctl 21");
        accepts("-m ipvs ! --vmethod IPIP");
        accepts6("-m ipvs ! --vaddr 2001:db8::/64");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m ipvs", "needs at least one option");
        refuses("-m ipvs ! --ipvs --vproto tcp", "cannot be combined");
        refuses("-m ipvs ! --vdir REPLY", "cannot be negated");
        refuses(
            "-m ipvs --vdir sideways",
            "unknown value `sideways` for `--vdir`",
        );
        refuses(
            "-m ipvs --vmethod NAT",
            "unknown value `NAT` for `--vmethod`",
        );
        refuses(
            "-m ipvs --vport 0x16",
            "neither a number nor a known service",
        );
        refuses(
            "-m ipvs --vport ssh:http",
            "neither a number nor a known service",
        );
        refuses("-m ipvs --vaddr 2001:db8::1", "not an IPv4 address");
        refuses(
            "-m ipvs --vaddr 1.2.3.4/24/2",
            "neither a prefix length from 0 to 32 nor a network mask",
        );
    }
}
