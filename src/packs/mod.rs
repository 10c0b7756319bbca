//! Rule packs: lints written in TOML rather than Rust.
//!
//! A pack is one TOML file with a `[pack]` header and `[[rules]]`; each
//! rule names the packets or rules it is about (`match`), what must hold
//! for a finding (`conditions`, most of them read the packet-flow
//! analysis), the message and help of its findings, and examples that
//! must and must not trigger it. The packs shipped in the repository's
//! `rules.d/` are compiled into the binary; others are read from
//! `/etc/fwlint/rules.d/` and from `--rules-dir` folders. `rules.d/README.md`
//! documents the format.
//!
//! This module owns loading ([`load_file`], [`load_dir`], [`shipped`]),
//! checking packs against the schema ([`PackError`]), applying them to a
//! file ([`check`]) and running their examples ([`run_examples`]). Its
//! findings are ordinary [`Diagnostic`]s whose code is the rule's full id
//! (`pack/rule`) and whose name is the rule's own id. A pack never reads
//! another file, runs anything or opens a connection, and it has no
//! pattern language that could take more than linear time (interface
//! names with iptables' trailing `+` are its only wildcards).

mod compile;
mod error;
mod eval;
mod examples;
mod schema;

use std::net::IpAddr;
use std::path::Path;

pub use error::PackError;
pub use eval::check;
pub use examples::{ExampleKind, ExampleOutcome, run_examples};

use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{Family, TableKind};

/// The packs shipped in `rules.d/`, as `(file name, text)`.
pub const SHIPPED: &[(&str, &str)] = &[
    ("cis.toml", include_str!("../../rules.d/cis.toml")),
    (
        "management-ports.toml",
        include_str!("../../rules.d/management-ports.toml"),
    ),
];

/// Where the administrator's packs live.
pub const SYSTEM_DIR: &str = "/etc/fwlint/rules.d";

/// Packs larger than this are refused: a pack is a few rules, and a
/// runaway file should not make fwlint slow.
pub const MAX_PACK_BYTES: u64 = 1 << 20;

/// A loaded pack.
#[derive(Debug, Clone)]
pub struct Pack {
    pub name: String,
    pub description: Option<String>,
    /// Where it came from: its path, or `rules.d/NAME.toml` when shipped.
    pub origin: String,
    pub rules: Vec<PackRule>,
}

/// One rule of a pack.
#[derive(Debug, Clone)]
pub struct PackRule {
    /// `pack/rule`: the code of its findings.
    pub code: String,
    /// The rule's own id: the name of its findings.
    pub name: String,
    pub severity: Severity,
    /// The message, with `{placeholders}` filled per finding.
    pub message: String,
    pub help: String,
    pub selector: Selector,
    pub check: Check,
    pub examples: Vec<Example>,
}

/// What a rule is about.
#[derive(Debug, Clone)]
pub struct Selector {
    pub family: Option<Family>,
    pub table: TableKind,
    /// Empty: every chain (rule-level matches only).
    pub chains: Vec<String>,
    /// Protocol numbers, each with the family it belongs to (`icmp` to
    /// IPv4, `ipv6-icmp` to IPv6); empty: every protocol.
    pub protocols: Vec<(u8, Option<Family>)>,
    pub ports: Ports,
    pub source: Addresses,
    pub destination: Addresses,
    pub in_interface: Option<Interface>,
    pub out_interface: Option<Interface>,
    /// Connection-tracking state bits; `None`: every state.
    pub state: Option<u8>,
    pub verdict: Option<VerdictMatch>,
}

/// Destination ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ports {
    Any,
    /// Ranges, each checked on its own.
    Ranges(Vec<(u16, u16)>),
    /// The ports the host listens on (`--listening`); nothing when unknown.
    Listening,
}

/// Source or destination addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addresses {
    Any,
    /// Everything but the special-use ranges of [`SPECIAL_USE`].
    Public,
    /// The private, loopback and link-local ranges of [`SPECIAL_USE`].
    Private,
    Networks(Vec<Network>),
}

/// A network written in a pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    pub family: Family,
    pub first: u128,
    pub last: u128,
}

/// An interface, as `-i`/`-o` write it (`eth0`, `eth+`), maybe negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub negated: bool,
}

/// The target a rule-level match asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictMatch {
    Accept,
    Drop,
    Reject,
    /// DROP or REJECT.
    Deny,
}

/// Where a `reachable` condition looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// New connections to the host itself: filter INPUT.
    InputFromAnywhere,
    /// New connections through the host: filter FORWARD.
    ForwardFromAnywhere,
}

/// The fate a `fate` condition reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Accepted,
    /// Dropped or rejected anywhere in the chain.
    Denied,
    /// Dropped or rejected by the policy or a catch-all rule: no rule
    /// meant for them.
    DeniedByDefault,
}

/// What makes a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// No condition: every rule that matches the selector.
    EachRule,
    /// New connections from the selected sources surely get in.
    Reachable(Vec<Reach>),
    /// Some selected packets surely meet this fate in the chain.
    Fate(Fate),
    /// The chain lets through by default what its rules do not refuse.
    DefaultAccept,
    /// No rule of the chain matches the selector.
    MissingRule,
    /// New connections to these ports meet no rule of the chain.
    Uncovered,
}

/// One example of a rule.
#[derive(Debug, Clone)]
pub struct Example {
    pub kind: ExampleKind,
    pub text: String,
    pub family: Option<Family>,
    pub listening: Vec<crate::analysis::Service>,
    /// The 1-based line of the example in the pack.
    pub line: usize,
}

/// The special-use ranges: what `private` means, and what `public`
/// leaves out. IPv4: "this network", RFC 1918, shared address space
/// (CGNAT), loopback, link-local, multicast and the reserved 240/4 with
/// broadcast. IPv6: unspecified, loopback, unique-local, link-local and
/// multicast, and everything outside 2000::/3 (global unicast) is not
/// public either.
pub const SPECIAL_USE: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
];

/// Reads a network: an address, or an address and a prefix length.
#[must_use]
pub fn parse_network(text: &str) -> Option<Network> {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix.parse::<u32>().ok()?)),
        None => (text, None),
    };
    let address: IpAddr = address.parse().ok()?;
    let (family, bits, value) = match address {
        IpAddr::V4(v4) => (Family::V4, 32, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (Family::V6, 128, u128::from(v6)),
    };
    let prefix = prefix.unwrap_or(bits);
    if prefix > bits {
        return None;
    }
    let host_bits = bits - prefix;
    let host_mask = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some(Network {
        family,
        first: value & !host_mask,
        last: value | host_mask,
    })
}

/// Reads one pack from its TOML text; `origin` names it in errors.
///
/// # Errors
/// When the text is not TOML, does not fit the schema, or holds a value
/// that makes no sense.
pub fn parse(origin: &str, text: &str) -> Result<Pack, PackError> {
    compile::compile(origin, text)
}

/// Reads one pack file.
///
/// # Errors
/// When it cannot be read or is not a valid pack.
pub fn load_file(path: &Path) -> Result<Pack, PackError> {
    let origin = crate::engine::display(path);
    let metadata =
        std::fs::metadata(path).map_err(|error| PackError::file(&origin, error.to_string()))?;
    if !metadata.is_file() {
        return Err(PackError::file(&origin, "not a regular file"));
    }
    if metadata.len() > MAX_PACK_BYTES {
        return Err(PackError::file(
            &origin,
            format!(
                "{} bytes: packs are limited to {MAX_PACK_BYTES} bytes",
                metadata.len()
            ),
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|error| PackError::file(&origin, error.to_string()))?;
    parse(&origin, &text)
}

/// Reads every `*.toml` file directly in `dir`, in name order.
///
/// # Errors
/// When the folder cannot be listed, or one of its packs is not valid.
pub fn load_dir(dir: &Path) -> Result<Vec<Pack>, PackError> {
    let origin = crate::engine::display(dir);
    let entries =
        std::fs::read_dir(dir).map_err(|error| PackError::file(&origin, error.to_string()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| PackError::file(&origin, error.to_string()))?;
        let path = entry.path();
        if path
            .extension()
            .is_some_and(|extension| extension == "toml")
            && path.is_file()
        {
            paths.push(path);
        }
    }
    paths.sort();
    paths.iter().map(|path| load_file(path)).collect()
}

/// The packs shipped with fwlint.
///
/// # Errors
/// Never for a released fwlint: the test suite loads them all.
pub fn shipped() -> Result<Vec<Pack>, PackError> {
    SHIPPED
        .iter()
        .map(|(file, text)| parse(&format!("rules.d/{file}"), text))
        .collect()
}

/// Checks that no two packs share a name.
///
/// # Errors
/// Names the second pack of a name already loaded.
pub fn check_unique(packs: &[Pack]) -> Result<(), PackError> {
    for (index, pack) in packs.iter().enumerate() {
        if let Some(first) = packs[..index].iter().find(|other| other.name == pack.name) {
            return Err(PackError::file(
                &pack.origin,
                format!(
                    "a pack named `{}` is already loaded from {}",
                    pack.name, first.origin
                ),
            )
            .with_help("give each pack its own `name` in `[pack]`"));
        }
    }
    Ok(())
}

/// A finding of `rule` at `span`.
fn finding(rule: &PackRule, span: crate::source::Span, message: String) -> Diagnostic {
    Diagnostic {
        code: rule.code.clone().into(),
        name: rule.name.clone().into(),
        severity: rule.severity,
        message,
        span,
        label: None,
        labels: Vec::new(),
        help: Some(rule.help.clone().into()),
        suppressed: false,
    }
}
