//! Which address family a rule file is for.
//!
//! The order of evidence: an explicit choice (`--family`), then the file
//! name (`rules.v6`, `ip6tables.rules`, `*6.rules`), then the content
//! (IPv6 addresses, `icmpv6` and IPv6-only matches against dotted IPv4
//! addresses), and IPv4 when nothing tells.

use crate::model::Family;

/// Where the family came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilySource {
    Explicit,
    FileName,
    Content,
    Default,
}

/// The family that the file name suggests, if any.
#[must_use]
pub fn family_from_name(path: &str) -> Option<Family> {
    let name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    if name.starts_with("ip6tables")
        || name.ends_with(".v6")
        || name.ends_with("6.rules")
        || name == "rules6"
    {
        return Some(Family::V6);
    }
    if name.starts_with("iptables") || name.ends_with(".v4") || name.ends_with("4.rules") {
        return Some(Family::V4);
    }
    None
}

/// The family the rules themselves suggest, if they say anything.
#[must_use]
pub fn family_from_content(text: &str) -> Option<Family> {
    let mut v6 = 0usize;
    let mut v4 = 0usize;
    for line in text
        .lines()
        .filter(|line| line.starts_with('-') || line.starts_with('['))
    {
        for word in line.split_whitespace() {
            match word {
                "ipv6-icmp" | "icmpv6" | "icmp6" | "--icmpv6-type" | "hl" | "--hl-eq" | "frag"
                | "rt" | "mh" | "ipv6header" => v6 += 1,
                "icmp" | "--icmp-type" | "ttl" | "-f" => v4 += 1,
                _ => {
                    let address = word.split('/').next().unwrap_or(word);
                    if address.contains("::")
                        || (address.matches(':').count() >= 2
                            && address.parse::<std::net::Ipv6Addr>().is_ok())
                    {
                        v6 += 1;
                    } else if address.parse::<std::net::Ipv4Addr>().is_ok() {
                        v4 += 1;
                    }
                }
            }
        }
    }
    match v6.cmp(&v4) {
        std::cmp::Ordering::Greater => Some(Family::V6),
        std::cmp::Ordering::Less => Some(Family::V4),
        std::cmp::Ordering::Equal => None,
    }
}

/// Decides the family of a file.
#[must_use]
pub fn detect(explicit: Option<Family>, path: &str, text: &str) -> (Family, FamilySource) {
    if let Some(family) = explicit {
        return (family, FamilySource::Explicit);
    }
    if let Some(family) = family_from_name(path) {
        return (family, FamilySource::FileName);
    }
    if let Some(family) = family_from_content(text) {
        return (family, FamilySource::Content);
    }
    (Family::V4, FamilySource::Default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decide_first() {
        assert_eq!(family_from_name("/etc/iptables/rules.v6"), Some(Family::V6));
        assert_eq!(family_from_name("rules.v4"), Some(Family::V4));
        assert_eq!(family_from_name("ip6tables.rules"), Some(Family::V6));
        assert_eq!(family_from_name("host6.rules"), Some(Family::V6));
        assert_eq!(family_from_name("iptables-save"), Some(Family::V4));
        assert_eq!(family_from_name("firewall.rules"), None);
    }

    #[test]
    fn content_decides_next() {
        assert_eq!(
            family_from_content("*filter\n-A INPUT -s 2001:db8::/32 -j ACCEPT\nCOMMIT\n"),
            Some(Family::V6)
        );
        assert_eq!(
            family_from_content("*filter\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\nCOMMIT\n"),
            Some(Family::V4)
        );
        assert_eq!(
            family_from_content("*filter\n-A INPUT -j ACCEPT\nCOMMIT\n"),
            None
        );
        assert_eq!(detect(None, "x", "").0, Family::V4);
    }
}
