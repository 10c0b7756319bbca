//! Typed option values of extensions.

use std::net::IpAddr;

use super::{AddrMask, Interface};

/// An inclusive port range; a single port has `first == last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    #[must_use]
    pub fn single(port: u16) -> Self {
        PortRange {
            first: port,
            last: port,
        }
    }

    #[must_use]
    pub fn is_reversed(self) -> bool {
        self.first > self.last
    }

    #[must_use]
    pub fn contains(self, port: u16) -> bool {
        self.first <= port && port <= self.last
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}:{}", self.first, self.last)
        }
    }
}

/// An ICMP or ICMPv6 type with a code range; `any` is type 255 with every
/// code, as iptables stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IcmpType {
    pub kind: u8,
    pub code_min: u8,
    pub code_max: u8,
}

impl IcmpType {
    pub const ANY: IcmpType = IcmpType {
        kind: 255,
        code_min: 0,
        code_max: 255,
    };

    #[must_use]
    pub fn is_any(self) -> bool {
        self.kind == 255
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateUnit {
    Second,
    Minute,
    Hour,
    Day,
}

/// A rate such as `3/hour` (`limit`, `hashlimit`); `bytes` is set for
/// hashlimit's byte rates (`1kb/s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    pub amount: u64,
    pub unit: RateUnit,
    pub bytes: bool,
}

/// The address and port range of a NAT target (`--to-destination
/// 10.0.0.1-10.0.0.9:80-88`); each part may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NatRange {
    pub first: Option<IpAddr>,
    pub last: Option<IpAddr>,
    pub ports: Option<PortRange>,
    /// The base port of a shifted port mapping (`1000-2000/3000`).
    pub base: Option<u16>,
}

/// The typed value of one extension option.
#[derive(Debug, Clone)]
pub enum Value {
    /// An option without argument.
    Flag,
    UInt(u64),
    /// A colon-separated range of integers (`--length 10:20`).
    Range(u64, u64),
    Double(f64),
    Text(Box<str>),
    TosMask {
        value: u8,
        mask: u8,
    },
    MarkMask {
        value: u32,
        mask: u32,
    },
    SyslogLevel(u8),
    Host(IpAddr),
    HostMask(Box<AddrMask>),
    Protocol(u8),
    Port(u16),
    PortRange(PortRange),
    Plen(u8),
    Mac([u8; 6]),
    Ports(Box<[PortRange]>),
    TcpFlags {
        mask: u8,
        compare: u8,
    },
    /// Connection-tracking states, see [`Value::STATE_NEW`] and friends.
    States(u16),
    Icmp(IcmpType),
    Rate(Rate),
    AddrRange(Box<(IpAddr, IpAddr)>),
    /// A NAT address and port range.
    Nat(Box<NatRange>),
    Interface(Box<Interface>),
    /// One name from a fixed set (a REJECT type, an address type).
    Symbol(Box<str>),
    List(Box<[String]>),
    /// The arguments of an option fwlint does not know, verbatim.
    Raw(Box<[String]>),
}

impl Value {
    pub const STATE_INVALID: u16 = 1 << 0;
    pub const STATE_NEW: u16 = 1 << 1;
    pub const STATE_ESTABLISHED: u16 = 1 << 2;
    pub const STATE_RELATED: u16 = 1 << 3;
    pub const STATE_UNTRACKED: u16 = 1 << 4;
    pub const STATE_SNAT: u16 = 1 << 5;
    pub const STATE_DNAT: u16 = 1 << 6;

    /// The names of the states, in the order iptables-save prints them.
    pub const STATE_NAMES: [(u16, &'static str); 7] = [
        (Value::STATE_INVALID, "INVALID"),
        (Value::STATE_NEW, "NEW"),
        (Value::STATE_RELATED, "RELATED"),
        (Value::STATE_ESTABLISHED, "ESTABLISHED"),
        (Value::STATE_UNTRACKED, "UNTRACKED"),
        (Value::STATE_SNAT, "SNAT"),
        (Value::STATE_DNAT, "DNAT"),
    ];

    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) | Value::Symbol(text) => Some(text),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_uint(&self) -> Option<u64> {
        match self {
            Value::UInt(value) => Some(*value),
            _ => None,
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value as V;
        match (self, other) {
            (V::Flag, V::Flag) => true,
            (V::UInt(a), V::UInt(b)) => a == b,
            (V::Range(a, b), V::Range(c, d)) => a == c && b == d,
            (V::Double(a), V::Double(b)) => a.to_bits() == b.to_bits(),
            (V::Text(a), V::Text(b)) | (V::Symbol(a), V::Symbol(b)) => a == b,
            (V::TosMask { value: a, mask: b }, V::TosMask { value: c, mask: d }) => {
                a == c && b == d
            }
            (V::MarkMask { value: a, mask: b }, V::MarkMask { value: c, mask: d }) => {
                a == c && b == d
            }
            (V::SyslogLevel(a), V::SyslogLevel(b))
            | (V::Plen(a), V::Plen(b))
            | (V::Protocol(a), V::Protocol(b)) => a == b,
            (V::Host(a), V::Host(b)) => a == b,
            (V::HostMask(a), V::HostMask(b)) => a == b,
            (V::Port(a), V::Port(b)) => a == b,
            (V::PortRange(a), V::PortRange(b)) => a == b,
            (V::Mac(a), V::Mac(b)) => a == b,
            (V::Ports(a), V::Ports(b)) => a == b,
            (
                V::TcpFlags {
                    mask: a,
                    compare: b,
                },
                V::TcpFlags {
                    mask: c,
                    compare: d,
                },
            ) => a == c && b == d,
            (V::States(a), V::States(b)) => a == b,
            (V::Icmp(a), V::Icmp(b)) => a == b,
            (V::Rate(a), V::Rate(b)) => a == b,
            (V::AddrRange(a), V::AddrRange(b)) => a == b,
            (V::Nat(a), V::Nat(b)) => a == b,
            (V::Interface(a), V::Interface(b)) => a == b,
            (V::List(a), V::List(b)) | (V::Raw(a), V::Raw(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}
