//! `-m pkttype --pkt-type TYPE` (libxt_pkttype.c): matches the link-layer
//! packet type: `unicast` (alias `host`), `broadcast` (`bcast`),
//! `multicast` (`mcast`) or `otherhost`, in any case. The value is the
//! canonical name iptables-save prints. The kernel has no restriction.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("pkt-type", 0, ArgType::String)
    .mandatory()
    .invert()];

pub static PKTTYPE: ExtensionDef = ExtensionDef {
    name: "pkttype",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

/// Accepted spellings and the canonical name of each.
const TYPES: [(&str, &str); 7] = [
    ("unicast", "unicast"),
    ("broadcast", "broadcast"),
    ("multicast", "multicast"),
    ("otherhost", "otherhost"),
    ("bcast", "broadcast"),
    ("mcast", "multicast"),
    ("host", "unicast"),
];

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    TYPES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, canonical)| Value::Symbol((*canonical).into()))
        .ok_or_else(|| {
            call.error(format!("unknown packet type `{text}`"))
                .help("packet types are unicast, broadcast, multicast and otherhost")
        })
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses};

    fn pkt_type(rule: &str) -> Value {
        let rule = accepts(rule);
        match_named(&rule, "pkttype")
            .option("pkt-type")
            .unwrap()
            .value
            .clone()
    }

    #[test]
    fn names_and_aliases() {
        assert_eq!(
            pkt_type("-m pkttype --pkt-type unicast"),
            Value::Symbol("unicast".into())
        );
        assert_eq!(
            pkt_type("-m pkttype --pkt-type HOST"),
            Value::Symbol("unicast".into())
        );
        assert_eq!(
            pkt_type("-m pkttype --pkt-type bcast"),
            Value::Symbol("broadcast".into())
        );
        assert_eq!(
            pkt_type("-m pkttype --pkt-type Mcast"),
            Value::Symbol("multicast".into())
        );
        assert_eq!(
            pkt_type("-m pkttype --pkt-type otherhost"),
            Value::Symbol("otherhost".into())
        );
        let rule = accepts6("-m pkttype ! --pkt-type multicast -j DROP");
        assert!(
            match_named(&rule, "pkttype")
                .option("pkt-type")
                .unwrap()
                .negated
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m pkttype --pkt-type wrong", "unknown packet type `wrong`");
        refuses("-m pkttype --pkt-type outgoing", "unknown packet type");
        refuses("-m pkttype", "`pkttype` needs `--pkt-type`");
        refuses(
            "-m pkttype --pkt-type host --pkt-type host",
            "only be given once",
        );
    }
}
