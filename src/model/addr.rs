//! Addresses with masks, and interface names with `+` wildcards.

use std::net::IpAddr;

use crate::source::Span;

/// An address and its mask, as the kernel stores them (host bits cleared).
/// Masks need not be contiguous: iptables accepts `10.0.0.0/255.0.255.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddrMask {
    pub addr: IpAddr,
    pub mask: IpAddr,
}

impl AddrMask {
    /// The prefix length, when the mask is contiguous.
    #[must_use]
    pub fn prefix_len(&self) -> Option<u8> {
        let (bits, width) = match self.mask {
            IpAddr::V4(mask) => (u128::from(u32::from(mask)) << 96, 32),
            IpAddr::V6(mask) => (u128::from(mask), 128),
        };
        let ones = bits.leading_ones();
        (bits.checked_shl(ones).unwrap_or(0) == 0)
            .then(|| u8::try_from(ones.min(width)).unwrap_or(128))
    }

    /// True for `0.0.0.0/0` and `::/0`.
    #[must_use]
    pub fn is_any(&self) -> bool {
        match self.mask {
            IpAddr::V4(mask) => mask.is_unspecified(),
            IpAddr::V6(mask) => mask.is_unspecified(),
        }
    }
}

impl std::fmt::Display for AddrMask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.prefix_len() {
            Some(len) => write!(f, "{}/{len}", self.addr),
            None => write!(f, "{}/{}", self.addr, self.mask),
        }
    }
}

/// One address of `-s`/`-d`: a network, or a host name that iptables would
/// resolve when the file is loaded (which fwlint never does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub kind: AddressKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressKind {
    Net(AddrMask),
    /// A name resolved by DNS or `/etc/hosts` at load time, with its mask.
    Hostname {
        name: String,
        prefix: Option<u8>,
    },
}

impl Address {
    #[must_use]
    pub fn is_any(&self) -> bool {
        matches!(&self.kind, AddressKind::Net(net) if net.is_any())
    }

    #[must_use]
    pub fn net(&self) -> Option<&AddrMask> {
        match &self.kind {
            AddressKind::Net(net) => Some(net),
            AddressKind::Hostname { .. } => None,
        }
    }
}

/// The addresses of one `-s` or `-d`. Nearly every rule names one, kept
/// inline: a list of one in a box of its own cost a blocklist of 100,000
/// rules 16 bytes and an allocation a rule. It reads as a slice.
#[derive(Debug, Clone)]
pub enum Addresses {
    One(Address),
    Several(Box<[Address]>),
}

impl From<Vec<Address>> for Addresses {
    fn from(mut addresses: Vec<Address>) -> Self {
        match addresses.pop() {
            Some(only) if addresses.is_empty() => Addresses::One(only),
            Some(last) => {
                addresses.push(last);
                Addresses::Several(addresses.into_boxed_slice())
            }
            None => Addresses::Several(Box::new([])),
        }
    }
}

impl std::ops::Deref for Addresses {
    type Target = [Address];

    fn deref(&self) -> &[Address] {
        match self {
            Addresses::One(address) => std::slice::from_ref(address),
            Addresses::Several(addresses) => addresses,
        }
    }
}

impl std::ops::DerefMut for Addresses {
    fn deref_mut(&mut self) -> &mut [Address] {
        match self {
            Addresses::One(address) => std::slice::from_mut(address),
            Addresses::Several(addresses) => addresses,
        }
    }
}

impl<'a> IntoIterator for &'a Addresses {
    type Item = &'a Address;
    type IntoIter = std::slice::Iter<'a, Address>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Addresses {
    type Item = &'a mut Address;
    type IntoIter = std::slice::IterMut<'a, Address>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// Equal when they list the same addresses, however they are kept.
impl PartialEq for Addresses {
    fn eq(&self, other: &Addresses) -> bool {
        **self == **other
    }
}

impl Eq for Addresses {}

/// An interface name for `-i`/`-o`; a trailing `+` matches every name that
/// begins with the rest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Interface {
    pub name: String,
}

impl Interface {
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        self.name.ends_with('+')
    }

    /// The fixed part of the name (without the `+`).
    #[must_use]
    pub fn stem(&self) -> &str {
        self.name.strip_suffix('+').unwrap_or(&self.name)
    }

    /// True for `+`, which matches every interface.
    #[must_use]
    pub fn matches_any(&self) -> bool {
        self.name == "+"
    }

    /// Does this pattern match the interface called `name`?
    #[must_use]
    pub fn matches(&self, name: &str) -> bool {
        if self.is_wildcard() {
            name.starts_with(self.stem())
        } else {
            name == self.name
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(addr: &str, mask: &str) -> AddrMask {
        AddrMask {
            addr: addr.parse().unwrap(),
            mask: mask.parse().unwrap(),
        }
    }

    #[test]
    fn prefix_length_of_contiguous_masks() {
        assert_eq!(net("10.0.0.0", "255.0.0.0").prefix_len(), Some(8));
        assert_eq!(net("0.0.0.0", "0.0.0.0").prefix_len(), Some(0));
        assert_eq!(net("1.2.3.4", "255.255.255.255").prefix_len(), Some(32));
        assert_eq!(net("10.0.0.0", "255.0.255.0").prefix_len(), None);
        assert_eq!(net("2001:db8::", "ffff:ffff::").prefix_len(), Some(32));
    }

    #[test]
    fn wildcard_interfaces() {
        let eth = Interface {
            name: "eth+".into(),
        };
        assert!(eth.matches("eth0"));
        assert!(!eth.matches("wlan0"));
        assert!(Interface { name: "+".into() }.matches_any());
    }

    #[test]
    fn one_address_is_kept_inline_and_reads_as_a_list() {
        let address = |text: &str, start: u32| Address {
            kind: AddressKind::Net(net(text, "255.255.255.255")),
            span: Span::new(start, start + 7),
        };
        // The inline form costs no more than the address itself: a rule
        // of a large file pays for `-s` in one allocation.
        assert_eq!(
            std::mem::size_of::<Addresses>(),
            std::mem::size_of::<Address>()
        );
        let one = Addresses::from(vec![address("10.0.0.1", 3)]);
        assert!(matches!(one, Addresses::One(_)));
        assert_eq!(one.len(), 1);
        assert_eq!(one, Addresses::Several(Box::new([address("10.0.0.1", 3)])));
        let two = Addresses::from(vec![address("10.0.0.1", 3), address("10.0.0.2", 12)]);
        assert!(matches!(&two, Addresses::Several(list) if list.len() == 2));
        assert_eq!(two[1], address("10.0.0.2", 12));
        assert_ne!(one, two);
    }
}
