//! `-m ipv6header` (libip6t_ipv6header.c, IPv6 only): which extension
//! headers a packet has. No `-p` is needed; the match works in every table
//! and chain.
//!
//! `--header` (mandatory) lists headers separated by commas: names from
//! `/etc/protocols` (case-sensitive, aliases included: `ipv6-frag`,
//! `IPv6-Frag`, `ah`, `hopopt`, `ip`...), else iptables' own short names
//! (`hop`, `hop-by-hop`, `dst`, `route`, `frag`, `auth`, `esp`, `none`,
//! `prot`, `protocol`) or the numbers 0, 60, 43, 44, 51, 50, 59, 255
//! written exactly so. Any other protocol is refused. Without `--soft` the
//! packet must have exactly these headers; with it, at least these. The
//! typed value lists the headers as iptables-save prints them.

use std::sync::OnceLock;

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, Families, OptCall, OptSpec};

const O_HEADER: u8 = 0;
const O_SOFT: u8 = 1;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("header", O_HEADER, ArgType::String)
        .mandatory()
        .invert(),
    OptSpec::new("soft", O_SOFT, ArgType::None),
];

pub static IPV6HEADER: ExtensionDef = ExtensionDef {
    name: "ipv6header",
    kind: ExtensionKind::Match,
    families: Families::V6,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

/// `chain_protos` of libip6t_ipv6header.c: names tried when
/// `/etc/protocols` does not know the word.
const SHORT_NAMES: [(&str, u8); 18] = [
    ("hop-by-hop", 0),
    ("protocol", 255),
    ("hop", 0),
    ("dst", 60),
    ("route", 43),
    ("frag", 44),
    ("auth", 51),
    ("esp", 50),
    ("none", 59),
    ("prot", 255),
    ("0", 0),
    ("60", 60),
    ("43", 43),
    ("44", 44),
    ("51", 51),
    ("50", 50),
    ("59", 59),
    ("255", 255),
];

/// The headers the match knows (`chain_flags`), in the order iptables-save
/// prints them, with the names it prints.
const HEADERS: [(u8, &str); 8] = [
    (0, "hop-by-hop"),
    (60, "ipv6-opts"),
    (43, "ipv6-route"),
    (44, "ipv6-frag"),
    (51, "ah"),
    (50, "esp"),
    (59, "ipv6-nonxt"),
    (255, "protocol"),
];

/// `getprotobyname` on fwlint's copy of Debian's `/etc/protocols`.
fn getprotobyname(name: &str) -> Option<u8> {
    static TABLE: OnceLock<Vec<(String, u8)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut entries = Vec::new();
        for line in include_str!("../../data/protocols.txt").lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split_whitespace();
            let (Some(first), Some(number)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Ok(number) = number.parse::<u8>() else {
                continue;
            };
            entries.push((first.to_string(), number));
            entries.extend(fields.map(|alias| (alias.to_string(), number)));
        }
        entries
    });
    table
        .iter()
        .find(|(known, _)| known == name)
        .map(|(_, number)| *number)
}

/// `parse_header`: the list of headers as iptables-save prints it.
fn parse_headers(call: &OptCall<'_, '_>) -> Result<Vec<String>, ExtError> {
    let text = call.arg_text();
    let mut present = [false; HEADERS.len()];
    for word in text.split(',').filter(|word| !word.is_empty()) {
        let protocol = getprotobyname(word)
            .or_else(|| SHORT_NAMES.iter().find(|(name, _)| *name == word).map(|(_, number)| *number))
            .ok_or_else(|| {
                call.error(format!("unknown IPv6 header `{word}`")).help(
                    "headers are hop (hop-by-hop), dst (ipv6-opts), route (ipv6-route), frag (ipv6-frag), \
                     auth (ah), esp, none (ipv6-nonxt) and prot (protocol)",
                )
            })?;
        let index = HEADERS
            .iter()
            .position(|(number, _)| *number == protocol)
            .ok_or_else(|| {
                call.error(format!(
                    "`{word}` (protocol {protocol}) is not an IPv6 extension header"
                ))
                .help("`-m ipv6header` knows hop, dst, route, frag, auth, esp, none and prot")
            })?;
        present[index] = true;
    }
    if !present.contains(&true) {
        return Err(call
            .error("`--header` needs at least one header name")
            .help("for example `--header frag`"));
    }
    Ok(HEADERS
        .iter()
        .zip(present)
        .filter(|(_, present)| *present)
        .map(|((_, name), _)| (*name).to_string())
        .collect())
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_HEADER => parse_headers(call).map(|list| Value::List(list.into())),
        _ => call.generic(),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts6, match_named, refuses, refuses6};

    fn headers(rule: &str) -> Vec<String> {
        let rule = accepts6(rule);
        match &match_named(&rule, "ipv6header")
            .option("header")
            .unwrap()
            .value
        {
            Value::List(items) => items.to_vec(),
            other => panic!("not a list: {other:?}"),
        }
    }

    #[test]
    fn header_names() {
        let all = [
            "hop-by-hop",
            "ipv6-opts",
            "ipv6-route",
            "ipv6-frag",
            "ah",
            "esp",
            "ipv6-nonxt",
            "protocol",
        ];
        assert_eq!(
            headers("-m ipv6header --header hop,dst,route,frag,auth,esp,none,prot -j ACCEPT"),
            all
        );
        assert_eq!(
            headers("-m ipv6header --header 0,60,43,44,51,50,59,255 -j ACCEPT"),
            all
        );
        assert_eq!(
            headers(
                "-m ipv6header --header hopopt,ipv6-opts,ipv6-route,ipv6-frag,ah,ipv6-nonxt,protocol,esp -j ACCEPT"
            ),
            all
        );
        assert_eq!(
            headers("-m ipv6header --header IPSEC-AH,,IPv6-Opts -j ACCEPT"),
            ["ipv6-opts", "ah"]
        );
        assert_eq!(
            headers("-m ipv6header --header ip -j ACCEPT"),
            ["hop-by-hop"]
        );
        let rule = accepts6("-m ipv6header ! --header hop-by-hop --soft -j ACCEPT");
        let ipv6header = match_named(&rule, "ipv6header");
        assert!(ipv6header.option("header").unwrap().negated);
        assert_eq!(ipv6header.option("soft").unwrap().value, Value::Flag);
    }

    #[test]
    fn refuses_what_ip6tables_refuses() {
        refuses6(
            "-m ipv6header --header tcp -j ACCEPT",
            "not an IPv6 extension header",
        );
        refuses6(
            "-m ipv6header --header 6 -j ACCEPT",
            "unknown IPv6 header `6`",
        );
        refuses6(
            "-m ipv6header --header 0x3c -j ACCEPT",
            "unknown IPv6 header",
        );
        refuses6(
            "-m ipv6header --header Hop -j ACCEPT",
            "unknown IPv6 header `Hop`",
        );
        refuses6(
            "-m ipv6header --header all -j ACCEPT",
            "unknown IPv6 header `all`",
        );
        refuses6("-m ipv6header --header ,, -j ACCEPT", "at least one header");
        refuses6("-m ipv6header --soft -j ACCEPT", "needs `--header`");
        refuses6(
            "-m ipv6header ! --soft --header hop -j ACCEPT",
            "cannot be negated",
        );
        refuses6(
            "-m ipv6header --header hop --soft --soft -j ACCEPT",
            "can only be given once",
        );
        refuses(
            "-m ipv6header --header hop -j ACCEPT",
            "exists only in ip6tables",
        );
    }
}
