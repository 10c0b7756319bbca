//! `-m osf` (libxt_osf.c, IPv4 only): passive OS fingerprinting of TCP SYN
//! packets: `--genre NAME` (kept to 31 bytes), `--ttl 0-2` (how the TTL is
//! compared) and `--log 0-2`. The kernel accepts it only with `-p tcp` and
//! in chains reached from `PREROUTING`, `INPUT` and `FORWARD`.

use crate::model::{ExtensionKind, Hook, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, KernelReqs, OptCall, OptSpec,
};

/// The longest genre the kernel structure holds (`MAXGENRELEN` - 1).
const MAX_GENRE: usize = 31;

static OPTIONS: [OptSpec; 3] = [
    OptSpec::new("genre", 0, ArgType::String)
        .mandatory()
        .invert(),
    OptSpec::new("ttl", 1, ArgType::UInt32).range(0, 2),
    OptSpec::new("log", 2, ArgType::UInt32).range(0, 2),
];

pub static OSF: ExtensionDef = ExtensionDef {
    name: "osf",
    kind: ExtensionKind::Match,
    families: Families::V4,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        proto: Some(6),
        hooks: Hook::Prerouting.bit() | Hook::Input.bit() | Hook::Forward.bit(),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.spec.id != 0 {
        return call.generic();
    }
    let kept = call.kept_text(MAX_GENRE, "genre");
    Ok(Value::Text(kept.into()))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, match_named, refuses, refuses_in, refuses6, warnings,
    };

    #[test]
    fn genre_and_levels() {
        let rule = accepts("-p tcp -m osf ! --genre linux --ttl 0 --log 2");
        let osf = match_named(&rule, "osf");
        let genre = osf.option("genre").unwrap();
        assert!(genre.negated);
        assert_eq!(genre.value, Value::Text("linux".into()));
        assert_eq!(osf.option("log").unwrap().value, Value::UInt(2));
        accepts_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-p tcp -m osf --genre linux",
        );
    }

    #[test]
    fn long_genres_are_cut() {
        let long = "0123456789012345678901234567890123456789";
        let rule = accepts(&format!("-p tcp -m osf --genre {long}"));
        assert_eq!(
            match_named(&rule, "osf").option("genre").unwrap().value,
            Value::Text(long[..31].into())
        );
        let found = warnings(Family::V4, &format!("-p tcp -m osf --genre {long}"));
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("keeps only the first 31")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-p tcp -m osf --genre linux --ttl 3",
            "needs a number from 0 to 2",
        );
        refuses("-p tcp -m osf --ttl 1", "`osf` needs `--genre`");
        refuses("-p tcp -m osf --genre linux ! --log 1", "cannot be negated");
        refuses("-m osf --genre linux", "works only with `-p tcp`");
        refuses_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-p tcp -m osf --genre linux",
            "works only in chains reached from",
        );
        refuses6("-p tcp -m osf --genre linux", "exists only in iptables");
    }
}
