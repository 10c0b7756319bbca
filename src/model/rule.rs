//! Rules and their targets.

use crate::source::Span;

use super::{Address, Addresses, Extension, Interface};

/// A value that may be negated with `!`; `span` covers the `!`, the option
/// and its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negatable<T> {
    pub value: T,
    pub negated: bool,
    pub span: Span,
}

/// The layer-4 protocol of `-p`: a number, 0 meaning "all".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Protocol(pub u8);

impl Protocol {
    pub const ALL: Protocol = Protocol(0);
    pub const ICMP: Protocol = Protocol(1);
    pub const TCP: Protocol = Protocol(6);
    pub const UDP: Protocol = Protocol(17);
    pub const ICMPV6: Protocol = Protocol(58);
    pub const SCTP: Protocol = Protocol(132);
    pub const UDPLITE: Protocol = Protocol(136);
    pub const DCCP: Protocol = Protocol(33);

    /// The name iptables-save prints for it, when it has one.
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        crate::parser::protocol_name(self.0)
    }
}

/// The verdicts of the standard target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Accept,
    Drop,
    Queue,
    Return,
}

impl Verdict {
    #[must_use]
    pub fn parse(name: &str) -> Option<Verdict> {
        match name {
            "ACCEPT" => Some(Verdict::Accept),
            "DROP" => Some(Verdict::Drop),
            "QUEUE" => Some(Verdict::Queue),
            "RETURN" => Some(Verdict::Return),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "ACCEPT",
            Verdict::Drop => "DROP",
            Verdict::Queue => "QUEUE",
            Verdict::Return => "RETURN",
        }
    }
}

/// What a rule does when it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    /// No `-j`/`-g`: the rule only counts packets.
    None,
    Verdict(Verdict),
    /// `-j CHAIN`
    Jump(Box<str>),
    /// `-g CHAIN`
    Goto(Box<str>),
    /// A target extension (`LOG`, `DNAT`, ...), known or kept verbatim.
    Extension(Box<Extension>),
}

/// A rule's target and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    /// The `-j NAME ...` or `-g NAME` tokens; empty at the end of the rule
    /// when there is no target.
    pub span: Span,
}

/// Packet and byte counters, from a `[p:b]` prefix or `-c p b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    pub packets: u64,
    pub bytes: u64,
}

/// What `-s` or `-d` matches: one address or several, perhaps negated.
pub type AddressMatch = Negatable<Addresses>;

/// The parts of a rule that few rules set: `-i`, `-o`, `-f` and the
/// counters.
///
/// Most rules of a large file (a blocklist of `-A INPUT -s ADDR -j DROP`
/// lines) set none of them, and every rule pays for what is inline, so
/// [`Rule`] holds them behind one box that exists only when at least one is
/// set: such rules pay one pointer for all four.
///
/// The interfaces are boxed again inside: `iptables-save -c` puts counters
/// on every rule, and a rule with only counters should not pay for two
/// interfaces it does not have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeldomFields {
    pub in_interface: Option<Box<Negatable<Interface>>>,
    pub out_interface: Option<Box<Negatable<Interface>>>,
    /// `-f`: only second and further fragments (IPv4).
    pub fragment: Option<Negatable<()>>,
    pub counters: Option<Counters>,
}

impl SeldomFields {
    /// The box a [`Rule`] holds: `None` when all four are `None`, so that a
    /// rule setting none of them allocates nothing.
    #[must_use]
    pub fn boxed(
        in_interface: Option<Negatable<Interface>>,
        out_interface: Option<Negatable<Interface>>,
        fragment: Option<Negatable<()>>,
        counters: Option<Counters>,
    ) -> Option<Box<SeldomFields>> {
        SeldomFields {
            in_interface: in_interface.map(Box::new),
            out_interface: out_interface.map(Box::new),
            fragment,
            counters,
        }
        .into_box()
    }

    /// `self` boxed, or `None` when it sets nothing.
    fn into_box(self) -> Option<Box<SeldomFields>> {
        (!self.is_empty()).then(|| Box::new(self))
    }

    /// True when none of the four is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.in_interface.is_none()
            && self.out_interface.is_none()
            && self.fragment.is_none()
            && self.counters.is_none()
    }
}

/// One rule as loaded into a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The whole line (or command) the rule came from.
    pub span: Span,
    pub protocol: Option<Negatable<Protocol>>,
    /// `-s`; a list when it names several addresses (iptables then loads one
    /// kernel rule per address). Boxed, as `-d` is: a rule without it pays
    /// one pointer, not the list's.
    pub source: Option<Box<AddressMatch>>,
    /// `-d`, as `-s`.
    pub destination: Option<Box<AddressMatch>>,
    /// `-i`, `-o`, `-f` and the counters, in one box that exists only when
    /// one of them is set: few rules have them, and every rule of a large
    /// file pays for what is inline. Read them through
    /// [`Rule::in_interface`] and its siblings; change them through
    /// [`Rule::seldom_mut`], which keeps the box only when something is set.
    pub seldom: Option<Box<SeldomFields>>,
    /// Match extensions in the order written; implicit protocol matches
    /// (`-p tcp --dport 22`) included.
    pub matches: Box<[Extension]>,
    pub target: Target,
}

/// Reads a few bytes of every piece of each rule of `rules`: its
/// addresses, interfaces, matches with their options, and its target's
/// options.
///
/// A rule's pieces live in allocations of their own, last touched when the
/// rule was parsed, long before a pass over all rules reads them again.
/// Read rule after rule, each piece is a wait for memory, one after the
/// other; read here for a few rules together, in a loop that does nothing
/// else, the waits overlap, and the pass that follows finds the pieces at
/// hand.
pub fn fetch_together(rules: &[Rule]) {
    let mut touched = 0usize;
    for rule in rules {
        for addresses in [&rule.source, &rule.destination].into_iter().flatten() {
            touched += usize::from(addresses.negated) + addresses.value.len();
        }
        if let Some(seldom) = &rule.seldom {
            for interface in [&seldom.in_interface, &seldom.out_interface]
                .into_iter()
                .flatten()
            {
                touched += usize::from(interface.negated);
            }
        }
        for extension in rule.extensions() {
            touched += usize::from(extension.known);
            if let Some(option) = extension.options.first() {
                touched += usize::from(option.negated);
            }
        }
    }
    std::hint::black_box(touched);
}

/// How many rules [`in_fetched_blocks`] fetches together: enough for the
/// waits to overlap, few enough that their pieces stay in the cache until
/// they are read.
const FETCH_BLOCK: usize = 32;

/// `rules` in blocks of [`FETCH_BLOCK`], each fetched with
/// [`fetch_together`] just before it is yielded.
pub fn in_fetched_blocks(rules: &[Rule]) -> impl Iterator<Item = &[Rule]> {
    rules
        .chunks(FETCH_BLOCK)
        .inspect(|block| fetch_together(block))
}

impl Rule {
    /// The match extensions named `name`.
    pub fn matches_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Extension> + 'a {
        self.matches.iter().filter(move |m| m.name == name)
    }

    /// `-i`, when the rule has it.
    #[must_use]
    pub fn in_interface(&self) -> Option<&Negatable<Interface>> {
        self.seldom.as_ref()?.in_interface.as_deref()
    }

    /// `-o`, when the rule has it.
    #[must_use]
    pub fn out_interface(&self) -> Option<&Negatable<Interface>> {
        self.seldom.as_ref()?.out_interface.as_deref()
    }

    /// `-f`, when the rule has it.
    #[must_use]
    pub fn fragment(&self) -> Option<&Negatable<()>> {
        self.seldom.as_ref()?.fragment.as_ref()
    }

    /// The counters of `[p:b]` or `-c p b`, when the rule has them.
    #[must_use]
    pub fn counters(&self) -> Option<Counters> {
        self.seldom.as_ref()?.counters
    }

    /// Changes the seldom-set fields through `change`, then keeps their box
    /// only when one of them is still set: clearing the counters of a rule
    /// that has nothing else leaves `seldom` `None`.
    pub fn seldom_mut<R>(&mut self, change: impl FnOnce(&mut SeldomFields) -> R) -> R {
        match &mut self.seldom {
            Some(fields) => {
                let result = change(fields);
                if fields.is_empty() {
                    self.seldom = None;
                }
                result
            }
            // Changed on the stack, and boxed only if it then sets something.
            None => {
                let mut fields = SeldomFields::default();
                let result = change(&mut fields);
                self.seldom = fields.into_box();
                result
            }
        }
    }

    /// True when the rule has no match at all: it applies to every packet.
    #[must_use]
    pub fn is_unconditional(&self) -> bool {
        self.protocol
            .as_ref()
            .is_none_or(|p| p.value == Protocol::ALL && !p.negated)
            && self.source.as_deref().is_none_or(Self::matches_any_address)
            && self
                .destination
                .as_deref()
                .is_none_or(Self::matches_any_address)
            && self
                .in_interface()
                .is_none_or(|i| i.value.matches_any() && !i.negated)
            && self
                .out_interface()
                .is_none_or(|i| i.value.matches_any() && !i.negated)
            && self.fragment().is_none()
            && self.matches.iter().all(Extension::is_match_all)
    }

    fn matches_any_address(addresses: &AddressMatch) -> bool {
        !addresses.negated && addresses.value.iter().any(Address::is_any)
    }

    /// The match extensions in the order written, then the target's
    /// extension when the target is one.
    pub fn extensions(&self) -> impl Iterator<Item = &Extension> {
        let target = match &self.target.kind {
            TargetKind::Extension(extension) => Some(&**extension),
            _ => None,
        };
        self.matches.iter().chain(target)
    }

    /// The target's name as written: `ACCEPT`, a chain, an extension.
    #[must_use]
    pub fn target_name(&self) -> Option<&str> {
        match &self.target.kind {
            TargetKind::None => None,
            TargetKind::Verdict(verdict) => Some(verdict.as_str()),
            TargetKind::Jump(chain) | TargetKind::Goto(chain) => Some(chain),
            TargetKind::Extension(extension) => Some(&extension.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large file holds one `Rule` per line, so its size sets fwlint's
    /// peak memory on such files: what few rules set stays boxed.
    #[test]
    fn rule_stays_small() {
        assert!(
            std::mem::size_of::<Rule>() <= 96,
            "Rule grew to {} bytes: one is held per line, and its size sets the peak memory \
             of large files (keep seldom-set fields in SeldomFields, addresses boxed)",
            std::mem::size_of::<Rule>()
        );
        assert!(
            std::mem::size_of::<SeldomFields>() <= 56,
            "SeldomFields grew to {} bytes: a file saved with `iptables-save -c` has one per \
             rule (keep the interfaces boxed)",
            std::mem::size_of::<SeldomFields>()
        );
        assert_eq!(
            std::mem::size_of::<Option<Box<AddressMatch>>>(),
            8,
            "-s and -d should cost one pointer when absent"
        );
    }

    #[test]
    fn seldom_is_boxed_only_when_set() {
        assert!(SeldomFields::boxed(None, None, None, None).is_none());
        let counters = Counters {
            packets: 1,
            bytes: 2,
        };
        let mut rule = Rule {
            span: Span::default(),
            protocol: None,
            source: None,
            destination: None,
            seldom: SeldomFields::boxed(None, None, None, Some(counters)),
            matches: Box::new([]),
            target: Target {
                kind: TargetKind::None,
                span: Span::default(),
            },
        };
        assert_eq!(rule.counters(), Some(counters));
        rule.seldom_mut(|fields| fields.counters = None);
        assert!(rule.seldom.is_none());
        rule.seldom_mut(|fields| {
            fields.fragment = Some(Negatable {
                value: (),
                negated: false,
                span: Span::default(),
            });
        });
        assert!(rule.fragment().is_some() && rule.counters().is_none());
    }
}
