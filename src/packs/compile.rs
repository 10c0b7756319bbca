//! From the TOML of a pack to a [`Pack`]: the schema's shape first (serde,
//! refusing unknown keys), then the meaning of every value, each error at
//! its place in the TOML.

use std::ops::Range;

use toml::Spanned;

use super::schema::{ConditionsSpec, ExampleSpec, MatchSpec, PackFile, RuleSpec};
use super::{
    Addresses, Check, Example, ExampleKind, Fate, Interface, Pack, PackError, PackRule, Ports,
    Reach, Selector, VerdictMatch, parse_network,
};
use crate::analysis::Service;
use crate::analysis::space::state;
use crate::diagnostics::Severity;
use crate::model::{Family, TableKind};

/// The placeholders a message may use.
pub const PLACEHOLDERS: &[&str] = &["chain", "table", "ports", "place", "family"];

/// Longest name of a pack or rule, and longest example.
const MAX_NAME: usize = 64;
const MAX_EXAMPLE: usize = 64 * 1024;

/// Protocols whose packets have ports.
const PORT_PROTOCOLS: &[u8] = &[6, 17, 33, 132, 136];

struct Cx<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Cx<'_> {
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> PackError {
        PackError::at(self.origin, self.text, span, message)
    }
}

pub fn compile(origin: &str, text: &str) -> Result<Pack, PackError> {
    let cx = Cx { origin, text };
    let file: PackFile = toml::from_str(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        cx.error(span, error.message().trim_end().to_string())
            .with_help("rules.d/README.md describes every key of a pack")
    })?;
    let (header_span, header) = (file.pack.span(), file.pack.into_inner());
    let name = header.name.get_ref().clone();
    check_name(&cx, &header.name, "pack name")?;
    if file.rules.is_empty() {
        return Err(cx
            .error(header_span, format!("pack `{name}` has no rules"))
            .with_help("add at least one `[[rules]]` table"));
    }
    let mut rules: Vec<PackRule> = Vec::new();
    for spec in file.rules {
        let rule_span = spec.span();
        let rule = compile_rule(&cx, &name, spec.into_inner(), rule_span.clone())?;
        if rules.iter().any(|other| other.name == rule.name) {
            return Err(cx.error(
                rule_span.start..rule_span.start,
                format!("two rules of pack `{name}` have the id `{}`", rule.name),
            ));
        }
        rules.push(rule);
    }
    Ok(Pack {
        name,
        description: header.description,
        origin: origin.to_string(),
        rules,
    })
}

fn check_name(cx: &Cx<'_>, name: &Spanned<String>, what: &str) -> Result<(), PackError> {
    let text = name.get_ref();
    let valid = !text.is_empty()
        && text.len() <= MAX_NAME
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-');
    if valid {
        Ok(())
    } else {
        Err(cx
            .error(name.span(), format!("`{text}` is not a valid {what}"))
            .with_help(format!(
                "use lowercase letters, digits and `-`, at most {MAX_NAME} characters"
            )))
    }
}

fn compile_rule(
    cx: &Cx<'_>,
    pack: &str,
    spec: RuleSpec,
    span: Range<usize>,
) -> Result<PackRule, PackError> {
    check_name(cx, &spec.id, "rule id")?;
    let name = spec.id.get_ref().clone();
    let severity = Severity::parse(spec.severity.get_ref()).ok_or_else(|| {
        cx.error(
            spec.severity.span(),
            format!("unknown severity `{}`", spec.severity.get_ref()),
        )
        .with_help("use `error`, `warning` or `info`")
    })?;
    check_placeholders(cx, &spec.message)?;
    let check = match &spec.conditions {
        Some(conditions) => compile_conditions(cx, conditions)?,
        None => Check::EachRule,
    };
    let selector_span = spec.selector.as_ref().map_or(span.clone(), Spanned::span);
    let selector_spec = spec.selector.map(Spanned::into_inner).unwrap_or_default();
    let selector = compile_selector(cx, &selector_spec, &check, selector_span)?;
    let mut examples = Vec::new();
    for example in spec.examples {
        examples.extend(compile_example(cx, example)?);
    }
    for (kind, key) in [
        (ExampleKind::Triggers, "triggers"),
        (ExampleKind::Silent, "silent"),
    ] {
        if !examples.iter().any(|example| example.kind == kind) {
            return Err(cx
                .error(
                    spec.id.span(),
                    format!(
                        "rule `{name}` has no example that {}",
                        match kind {
                            ExampleKind::Triggers => "triggers it",
                            ExampleKind::Silent => "leaves it silent",
                        }
                    ),
                )
                .with_help(format!(
                    "add `[[rules.examples]]` with `{key} = \"\"\"...\"\"\"`: a rule file that {}",
                    match kind {
                        ExampleKind::Triggers => "must trigger the rule",
                        ExampleKind::Silent => "must not trigger it",
                    }
                )));
        }
    }
    Ok(PackRule {
        code: format!("{pack}/{name}"),
        name,
        severity,
        message: spec.message.into_inner(),
        help: spec.help,
        selector,
        check,
        examples,
    })
}

fn check_placeholders(cx: &Cx<'_>, message: &Spanned<String>) -> Result<(), PackError> {
    let text = message.get_ref();
    let mut rest = text.as_str();
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(cx
                .error(message.span(), "a `}` without its `{` in the message")
                .with_help(placeholder_help()));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(cx
                .error(message.span(), "a `{` without its `}` in the message")
                .with_help(placeholder_help()));
        };
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(cx
                .error(
                    message.span(),
                    format!("unknown placeholder `{{{name}}}` in the message"),
                )
                .with_help(placeholder_help()));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

fn placeholder_help() -> String {
    format!(
        "a message may use {}",
        PLACEHOLDERS
            .iter()
            .map(|name| format!("`{{{name}}}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn compile_conditions(cx: &Cx<'_>, spec: &Spanned<ConditionsSpec>) -> Result<Check, PackError> {
    let conditions = spec.get_ref();
    let mut checks: Vec<Check> = Vec::new();
    if let Some(reachable) = &conditions.reachable {
        let names = strings(cx, reachable, "a place name or a list of them")?;
        let mut reaches = Vec::new();
        for (name, span) in names {
            reaches.push(match name.as_str() {
                "input-from-anywhere" => Reach::InputFromAnywhere,
                "forward-from-anywhere" => Reach::ForwardFromAnywhere,
                other => {
                    return Err(cx
                        .error(span, format!("unknown place `{other}` for `reachable`"))
                        .with_help("use `input-from-anywhere` or `forward-from-anywhere`"));
                }
            });
        }
        checks.push(Check::Reachable(reaches));
    }
    if let Some(fate) = &conditions.fate {
        checks.push(Check::Fate(match fate.get_ref().as_str() {
            "accepted" => Fate::Accepted,
            "denied" => Fate::Denied,
            "denied-by-default" => Fate::DeniedByDefault,
            other => {
                return Err(cx
                    .error(fate.span(), format!("unknown fate `{other}`"))
                    .with_help("use `accepted`, `denied` or `denied-by-default`"));
            }
        }));
    }
    if let Some(default) = &conditions.default {
        if default.get_ref() != "accept" {
            return Err(cx
                .error(
                    default.span(),
                    format!("`default` can only be `accept`, not `{}`", default.get_ref()),
                )
                .with_help("`default = \"accept\"` reports chains that accept what their rules do not refuse"));
        }
        checks.push(Check::DefaultAccept);
    }
    if let Some(missing) = &conditions.missing_rule {
        if !missing.get_ref() {
            return Err(cx
                .error(missing.span(), "`missing-rule` can only be `true`")
                .with_help("leave `conditions` out to report the rules that match"));
        }
        checks.push(Check::MissingRule);
    }
    if let Some(uncovered) = &conditions.uncovered {
        if !uncovered.get_ref() {
            return Err(cx.error(uncovered.span(), "`uncovered` can only be `true`"));
        }
        checks.push(Check::Uncovered);
    }
    match checks.len() {
        0 => Err(cx.error(spec.span(), "`conditions` is empty").with_help(
            "give one condition, or leave `conditions` out to report the rules that match",
        )),
        1 => Ok(checks.remove(0)),
        _ => Err(cx
            .error(spec.span(), "`conditions` has more than one condition")
            .with_help("write one rule per condition")),
    }
}

/// A string or a list of strings, with their places.
fn strings(
    cx: &Cx<'_>,
    value: &Spanned<toml::Value>,
    expected: &str,
) -> Result<Vec<(String, Range<usize>)>, PackError> {
    let wrong = || cx.error(value.span(), format!("expected {expected}"));
    match value.get_ref() {
        toml::Value::String(text) => Ok(vec![(text.clone(), value.span())]),
        toml::Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| match item {
                toml::Value::String(text) => Ok((text.clone(), value.span())),
                _ => Err(wrong()),
            })
            .collect(),
        _ => Err(wrong()),
    }
}

fn builtin_chain(table: TableKind, name: &str) -> bool {
    table.builtin_hook(name).is_some()
}

#[allow(clippy::too_many_lines)]
fn compile_selector(
    cx: &Cx<'_>,
    spec: &MatchSpec,
    check: &Check,
    span: Range<usize>,
) -> Result<Selector, PackError> {
    let family = match &spec.family {
        None => None,
        Some(family) => Some(match family.get_ref().as_str() {
            "ipv4" => Family::V4,
            "ipv6" => Family::V6,
            other => {
                return Err(cx
                    .error(family.span(), format!("unknown family `{other}`"))
                    .with_help("use `ipv4` or `ipv6`"));
            }
        }),
    };
    let table = match &spec.table {
        None => TableKind::Filter,
        Some(table) => TableKind::parse(table.get_ref()).ok_or_else(|| {
            cx.error(table.span(), format!("unknown table `{}`", table.get_ref()))
                .with_help("use `filter`, `nat`, `mangle`, `raw` or `security`")
        })?,
    };
    let mut chains = Vec::new();
    if let Some(chain) = &spec.chain {
        for (name, chain_span) in strings(cx, chain, "a chain name or a list of them")? {
            if name.is_empty() || name.len() > 28 || name.contains(char::is_whitespace) {
                return Err(cx.error(chain_span, format!("`{name}` is not a chain name")));
            }
            chains.push(name);
        }
    }
    let mut protocols = Vec::new();
    if let Some(protocol) = &spec.protocol {
        for (name, protocol_span) in strings(cx, protocol, "a protocol or a list of them")? {
            let lower = name.to_ascii_lowercase();
            let number = crate::parser::values::parse_protocol(&lower)
                .filter(|&number| number != 0)
                .ok_or_else(|| {
                    cx.error(protocol_span, format!("unknown protocol `{name}`"))
                        .with_help("use a name such as `tcp`, `udp`, `icmp`, `ipv6-icmp`, or a number from 1 to 255")
                })?;
            let only = match number {
                1 => Some(Family::V4),
                58 => Some(Family::V6),
                _ => None,
            };
            protocols.push((number, only));
        }
    }
    let ports = match &spec.ports {
        None => Ports::Any,
        Some(ports) => compile_ports(cx, ports)?,
    };
    if ports != Ports::Any {
        let port_span = spec.ports.as_ref().map_or(span.clone(), Spanned::span);
        if protocols.is_empty() && ports != Ports::Listening {
            return Err(cx
                .error(port_span, "`ports` needs a `protocol`")
                .with_help("ports belong to a protocol: add `protocol = \"tcp\"` (or a list)"));
        }
        if let Some((number, _)) = protocols
            .iter()
            .find(|(number, _)| !PORT_PROTOCOLS.contains(number))
        {
            return Err(cx
                .error(port_span, format!("protocol {number} has no ports"))
                .with_help("only tcp, udp, sctp, dccp and udplite have ports"));
        }
        if ports == Ports::Listening && !protocols.is_empty() {
            return Err(cx
                .error(
                    port_span,
                    "`ports = \"listening\"` takes its protocols from the host",
                )
                .with_help("leave `protocol` out"));
        }
    }
    let source = match &spec.source {
        // "From anywhere" means from the public internet unless the pack
        // says otherwise.
        None if matches!(check, Check::Reachable(_)) => Addresses::Public,
        None => Addresses::Any,
        Some(source) => compile_addresses(cx, source)?,
    };
    let destination = match &spec.destination {
        None => Addresses::Any,
        Some(destination) => compile_addresses(cx, destination)?,
    };
    let in_interface = spec
        .in_interface
        .as_ref()
        .map(|name| compile_interface(cx, name))
        .transpose()?;
    let out_interface = spec
        .out_interface
        .as_ref()
        .map(|name| compile_interface(cx, name))
        .transpose()?;
    let state = match &spec.state {
        None => None,
        Some(states) => {
            let mut bits = 0u8;
            for name in states.get_ref() {
                bits |= match name.get_ref().to_ascii_lowercase().as_str() {
                    "new" => state::NEW,
                    "established" => state::ESTABLISHED,
                    "related" => state::RELATED,
                    "invalid" => state::INVALID,
                    "untracked" => state::UNTRACKED,
                    other => {
                        return Err(cx
                            .error(name.span(), format!("unknown connection state `{other}`"))
                            .with_help(
                                "use `new`, `established`, `related`, `invalid` or `untracked`",
                            ));
                    }
                };
            }
            if bits == 0 {
                return Err(cx.error(states.span(), "`state` is an empty list"));
            }
            Some(bits)
        }
    };
    let verdict = match &spec.verdict {
        None => None,
        Some(verdict) => Some(match verdict.get_ref().to_ascii_lowercase().as_str() {
            "accept" => VerdictMatch::Accept,
            "drop" => VerdictMatch::Drop,
            "reject" => VerdictMatch::Reject,
            "deny" => VerdictMatch::Deny,
            other => {
                return Err(cx
                    .error(verdict.span(), format!("unknown verdict `{other}`"))
                    .with_help("use `accept`, `drop`, `reject` or `deny` (drop or reject)"));
            }
        }),
    };
    let selector = Selector {
        family,
        table,
        chains,
        protocols,
        ports,
        source,
        destination,
        in_interface,
        out_interface,
        state,
        verdict,
    };
    check_fits(cx, &selector, spec, check, span)?;
    Ok(selector)
}

/// Checks that the selector gives what its condition needs.
fn check_fits(
    cx: &Cx<'_>,
    selector: &Selector,
    spec: &MatchSpec,
    check: &Check,
    span: Range<usize>,
) -> Result<(), PackError> {
    let at = |value: Option<Range<usize>>| value.unwrap_or_else(|| span.clone());
    let chain_span = at(spec.chain.as_ref().map(Spanned::span));
    match check {
        Check::EachRule => {}
        Check::Reachable(_) => {
            if let Some(chain) = &spec.chain {
                return Err(cx
                    .error(chain.span(), "`reachable` sets the chain itself")
                    .with_help("leave `chain` out: `input-from-anywhere` looks at INPUT, `forward-from-anywhere` at FORWARD"));
            }
            if let Some(table) = spec
                .table
                .as_ref()
                .filter(|_| selector.table != TableKind::Filter)
            {
                return Err(cx.error(table.span(), "`reachable` looks at the filter table"));
            }
            if let Some(states) = &spec.state {
                return Err(cx
                    .error(states.span(), "`reachable` looks at new connections only")
                    .with_help("leave `state` out"));
            }
            if let Some(verdict) = &spec.verdict {
                return Err(cx.error(
                    verdict.span(),
                    "`reachable` looks for accepted packets: leave `verdict` out",
                ));
            }
        }
        Check::Fate(_) | Check::DefaultAccept | Check::MissingRule | Check::Uncovered => {
            if selector.chains.is_empty() {
                return Err(cx
                    .error(span, "this condition needs a `chain`")
                    .with_help("name a built-in chain, e.g. `chain = \"INPUT\"`"));
            }
            let needs_builtin = !matches!(check, Check::MissingRule);
            if needs_builtin
                && let Some(chain) = selector
                    .chains
                    .iter()
                    .find(|chain| !builtin_chain(selector.table, chain))
            {
                return Err(cx
                    .error(
                        chain_span,
                        format!(
                            "`{chain}` is not a built-in chain of the {} table",
                            selector.table.as_str()
                        ),
                    )
                    .with_help("this condition follows packets from a built-in chain: INPUT, FORWARD, OUTPUT, PREROUTING or POSTROUTING"));
            }
            if let Some(verdict) = spec
                .verdict
                .as_ref()
                .filter(|_| !matches!(check, Check::MissingRule))
            {
                return Err(cx.error(
                    verdict.span(),
                    "`verdict` is for rule matches: leave it out of this condition",
                ));
            }
            if matches!(check, Check::Uncovered) && selector.ports == Ports::Any {
                return Err(cx.error(span, "`uncovered` needs `ports`").with_help(
                    "give `ports = [...]` with a `protocol`, or `ports = \"listening\"`",
                ));
            }
        }
    }
    if selector.ports == Ports::Listening
        && !matches!(check, Check::Uncovered | Check::Reachable(_))
    {
        return Err(cx.error(
            at(spec.ports.as_ref().map(Spanned::span)),
            "`ports = \"listening\"` works with `uncovered` and `reachable` only",
        ));
    }
    Ok(())
}

fn compile_ports(cx: &Cx<'_>, value: &Spanned<toml::Value>) -> Result<Ports, PackError> {
    let bad = |message: String| {
        cx.error(value.span(), message)
            .with_help("write ports as numbers or `\"FIRST-LAST\"` ranges from 0 to 65535, e.g. `[22, \"2379-2380\"]`, or `\"listening\"`")
    };
    let port = |number: i64| -> Result<u16, PackError> {
        u16::try_from(number).map_err(|_| bad(format!("port {number} is out of range")))
    };
    match value.get_ref() {
        toml::Value::String(text) if text == "listening" => Ok(Ports::Listening),
        toml::Value::Array(items) if !items.is_empty() => {
            let mut ranges = Vec::new();
            for item in items {
                let range = match item {
                    toml::Value::Integer(number) => {
                        let port = port(*number)?;
                        (port, port)
                    }
                    toml::Value::String(text) => {
                        let (first, last) = text.split_once('-').unwrap_or((text, text));
                        let parse = |part: &str| {
                            part.trim()
                                .parse::<i64>()
                                .map_err(|_| bad(format!("`{text}` is not a port or a range")))
                                .and_then(port)
                        };
                        let (first, last) = (parse(first)?, parse(last)?);
                        if first > last {
                            return Err(bad(format!("the range `{text}` is reversed")));
                        }
                        (first, last)
                    }
                    other => return Err(bad(format!("`{other}` is not a port"))),
                };
                ranges.push(range);
            }
            Ok(Ports::Ranges(ranges))
        }
        _ => Err(bad("expected a list of ports".to_string())),
    }
}

fn compile_addresses(cx: &Cx<'_>, value: &Spanned<toml::Value>) -> Result<Addresses, PackError> {
    let items = strings(
        cx,
        value,
        "`any`, `public`, `private`, or a list of networks",
    )?;
    if let [(word, _)] = items.as_slice() {
        match word.as_str() {
            "any" => return Ok(Addresses::Any),
            "public" => return Ok(Addresses::Public),
            "private" => return Ok(Addresses::Private),
            _ => {}
        }
    }
    let mut networks = Vec::new();
    for (text, span) in items {
        networks.push(parse_network(&text).ok_or_else(|| {
            cx.error(span, format!("`{text}` is not a network"))
                .with_help("write an address or ADDRESS/PREFIX, e.g. `127.0.0.0/8` or `::1`; or one of `any`, `public`, `private` alone")
        })?);
    }
    Ok(Addresses::Networks(networks))
}

fn compile_interface(cx: &Cx<'_>, name: &Spanned<String>) -> Result<Interface, PackError> {
    let text = name.get_ref();
    let (negated, bare) = match text.strip_prefix('!') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text.as_str()),
    };
    // IFNAMSIZ: the kernel's names have at most 15 characters.
    let valid = !bare.is_empty()
        && bare.len() <= 15
        && !bare.contains(|c: char| c.is_whitespace() || c == '/')
        && !bare[..bare.len() - 1].contains('+');
    if !valid {
        return Err(cx
            .error(name.span(), format!("`{text}` is not an interface"))
            .with_help("write a name as `-i` takes it: `lo`, `eth0`, `eth+`, or `!lo`"));
    }
    Ok(Interface {
        name: bare.to_string(),
        negated,
    })
}

fn compile_example(cx: &Cx<'_>, spec: Spanned<ExampleSpec>) -> Result<Vec<Example>, PackError> {
    let span = spec.span();
    let spec = spec.into_inner();
    let family = match &spec.family {
        None => None,
        Some(family) => Some(match family.get_ref().as_str() {
            "ipv4" => Family::V4,
            "ipv6" => Family::V6,
            other => {
                return Err(cx
                    .error(family.span(), format!("unknown family `{other}`"))
                    .with_help("use `ipv4` or `ipv6`"));
            }
        }),
    };
    let mut listening = Vec::new();
    for service in &spec.listening {
        listening.push(Service::parse(service.get_ref()).ok_or_else(|| {
            cx.error(
                service.span(),
                format!("`{}` is not a service", service.get_ref()),
            )
            .with_help("write `tcp/PORT` or `udp/PORT`")
        })?);
    }
    let mut examples = Vec::new();
    for (kind, text) in [
        (ExampleKind::Triggers, spec.triggers),
        (ExampleKind::Silent, spec.silent),
    ] {
        let Some(text) = text else { continue };
        if text.get_ref().len() > MAX_EXAMPLE {
            return Err(cx.error(
                text.span(),
                format!("examples are limited to {MAX_EXAMPLE} bytes"),
            ));
        }
        examples.push(Example {
            kind,
            line: line_of(cx.text, text.span().start),
            text: text.into_inner(),
            family,
            listening: listening.clone(),
        });
    }
    if examples.is_empty() {
        return Err(cx
            .error(span, "this example has neither `triggers` nor `silent`")
            .with_help(
                "`triggers` is a rule file that must trigger the rule, `silent` one that must not",
            ));
    }
    Ok(examples)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
