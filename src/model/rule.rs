//! Rules and their targets.

use crate::source::Span;

use super::{Address, Extension, Interface};

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

/// One rule as loaded into a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The whole line (or command) the rule came from.
    pub span: Span,
    pub protocol: Option<Negatable<Protocol>>,
    /// `-s`; a list when it names several addresses (iptables then loads one
    /// kernel rule per address).
    pub source: Option<Negatable<Box<[Address]>>>,
    pub destination: Option<Negatable<Box<[Address]>>>,
    /// `-i` and `-o`, and the counters below, are boxed: few rules have
    /// them, and every rule of a large file pays for what is inline.
    pub in_interface: Option<Box<Negatable<Interface>>>,
    pub out_interface: Option<Box<Negatable<Interface>>>,
    /// `-f`: only second and further fragments (IPv4).
    pub fragment: Option<Negatable<()>>,
    /// Match extensions in the order written; implicit protocol matches
    /// (`-p tcp --dport 22`) included.
    pub matches: Box<[Extension]>,
    pub target: Target,
    pub counters: Option<Box<Counters>>,
}

impl Rule {
    /// The match extensions named `name`.
    pub fn matches_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Extension> + 'a {
        self.matches.iter().filter(move |m| m.name == name)
    }

    /// True when the rule has no match at all: it applies to every packet.
    #[must_use]
    pub fn is_unconditional(&self) -> bool {
        self.protocol
            .as_ref()
            .is_none_or(|p| p.value == Protocol::ALL && !p.negated)
            && self.source.as_ref().is_none_or(Self::matches_any_address)
            && self
                .destination
                .as_ref()
                .is_none_or(Self::matches_any_address)
            && self
                .in_interface
                .as_ref()
                .is_none_or(|i| i.value.matches_any() && !i.negated)
            && self
                .out_interface
                .as_ref()
                .is_none_or(|i| i.value.matches_any() && !i.negated)
            && self.fragment.is_none()
            && self.matches.iter().all(Extension::is_match_all)
    }

    fn matches_any_address(addresses: &Negatable<Box<[Address]>>) -> bool {
        !addresses.negated && addresses.value.iter().any(Address::is_any)
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
