//! `-m dst` (libip6t_dst.c, IPv6 only): the Destination Options extension
//! header, with the same options as `hbh` (see [`super::hbh`]): `--dst-len`
//! and `--dst-opts`. No `-p` is needed; the match works in every table and
//! chain.

use super::hbh;
use crate::parser::extensions::{ExtensionDef, OptSpec};

static OPTIONS: [OptSpec; 2] = hbh::options("dst-len", "dst-opts");

pub static DST: ExtensionDef = hbh::definition("dst", &OPTIONS);

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts6, match_named, refuses, refuses6};

    #[test]
    fn length_and_options() {
        let rule = accepts6("-m dst --dst-len 42 --dst-opts 149:92,12:12,123:12 -j ACCEPT");
        let dst = match_named(&rule, "dst");
        assert_eq!(dst.option("dst-len").unwrap().value, Value::UInt(42));
        assert_eq!(
            dst.option("dst-opts").unwrap().value,
            Value::List(
                vec![
                    "149:92".to_string(),
                    "12:12".to_string(),
                    "123:12".to_string()
                ]
                .into()
            )
        );
        let rule = accepts6("-m dst ! --dst-len 0 -j ACCEPT");
        assert!(match_named(&rule, "dst").option("dst-len").unwrap().negated);
    }

    #[test]
    fn refuses_what_ip6tables_refuses() {
        refuses6("-m dst --dst-opts 0:5 -j ACCEPT", "Pad1");
        refuses6("-m dst --dst-opts 1,x -j ACCEPT", "no number");
        refuses6("-m dst --dst-len 4294967296 -j ACCEPT", "--dst-len");
        refuses6("-m dst ! --dst-opts 1 -j ACCEPT", "cannot be negated");
        refuses("-m dst --dst-len 1 -j ACCEPT", "exists only in ip6tables");
    }
}
