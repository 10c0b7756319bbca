//! The generic value parsers of libxtables (`xtoptions.c`), one per
//! [`ArgType`]. Extensions whose own parsers read hosts, masks or ports
//! the way libxtables does call the pieces exported here ([`lookup_host`],
//! [`parse_host_mask`], [`parse_service_port`], ...) rather than writing
//! them again.

use std::net::IpAddr;

use super::{ArgType, ExtError, ExtWarning, OptCall};
use crate::model::{AddrMask, Family, PortRange, Value};
use crate::parser::values;

fn type_max(ty: ArgType) -> u64 {
    match ty {
        ArgType::UInt8 | ArgType::UInt8Range => u64::from(u8::MAX),
        ArgType::UInt16 | ArgType::UInt16Range => u64::from(u16::MAX),
        ArgType::UInt32 | ArgType::UInt32Range => u64::from(u32::MAX),
        _ => u64::MAX,
    }
}

/// Parses the argument of `call` with the generic parser of its type.
pub fn parse_generic(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let spec = call.spec;
    let text = call.arg_text();
    let name = spec.name;
    match spec.ty {
        ArgType::None => Ok(Value::Flag),
        ArgType::UInt8 | ArgType::UInt16 | ArgType::UInt32 | ArgType::UInt64 => {
            let min = spec.min;
            let max = if spec.max == 0 { type_max(spec.ty) } else { spec.max };
            values::parse_uint(text, min, max).map(Value::UInt).ok_or_else(|| {
                call.error(format!(
                    "`--{name}` needs a number from {min} to {max}, not `{text}`"
                ))
            })
        }
        ArgType::UInt8Range | ArgType::UInt16Range | ArgType::UInt32Range | ArgType::UInt64Range => {
            parse_int_range(call)
        }
        ArgType::Double => {
            // `xtopt_parse_float`: NaN passes the range test.
            let ranged = spec.min != spec.max;
            match values::strtod(text) {
                Some(value) if !ranged || !(value < spec.min as f64 || value > spec.max as f64) => {
                    Ok(Value::Double(value))
                }
                _ if ranged => Err(call.error(format!(
                    "`--{name}` needs a number from {} to {}, not `{text}`",
                    spec.min, spec.max
                ))),
                _ => Err(call.error(format!("`--{name}` needs a number, not `{text}`"))),
            }
        }
        ArgType::String => {
            let len = text.len() as u64;
            if spec.min != 0 && len < spec.min {
                return Err(call.error(format!(
                    "`--{name}` needs at least {} characters",
                    spec.min
                )));
            }
            if spec.max != 0 && len > spec.max {
                return Err(call.error(format!(
                    "`--{name}` takes at most {} characters, this has {len}",
                    spec.max
                )));
            }
            Ok(Value::Text(text.into()))
        }
        ArgType::TosMask => parse_tos_mask(call),
        ArgType::MarkMask32 => {
            let (value, mask) = parse_value_mask(text).ok_or_else(|| {
                call.error(format!(
                    "`--{name}` needs `value[/mask]` with 32-bit numbers, not `{text}`"
                ))
            })?;
            Ok(Value::MarkMask { value, mask })
        }
        ArgType::SyslogLevel => parse_syslog_level(text)
            .map(Value::SyslogLevel)
            .ok_or_else(|| call.error(format!("log level `{text}` is unknown: use 0-7 or emerg, alert, crit, error, warning, notice, info, debug"))),
        ArgType::Host => parse_host(call, text).map(Value::Host),
        ArgType::HostMask => parse_host_mask(call).map(|mask| Value::HostMask(Box::new(mask))),
        ArgType::Protocol => values::parse_protocol(text)
            .map(Value::Protocol)
            .ok_or_else(|| call.error(format!("unknown protocol `{text}`"))),
        ArgType::Port => {
            let port = parse_service_port(call, text)?;
            Ok(Value::Port(port))
        }
        ArgType::PortRange => parse_port_range(call).map(Value::PortRange),
        ArgType::Plen | ArgType::PlenMask => parse_plen(call).map(Value::Plen),
        ArgType::EtherMac => values::parse_mac(text)
            .map(Value::Mac)
            .ok_or_else(|| call.error(format!("invalid MAC address `{text}`: write six hex bytes, as `00:11:22:33:44:55`"))),
    }
}

/// `xtopt_parse_mint`: colon-separated integers; an empty part is 0 for the
/// first and the type's maximum for the second.
fn parse_int_range(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let spec = call.spec;
    let text = call.arg_text();
    let max = type_max(spec.ty);
    let parts = usize::from(spec.parts.max(1));
    let mut values = Vec::with_capacity(2);
    let mut rest = text;
    loop {
        if values.len() == parts {
            return Err(call.error(format!(
                "too many parts for `--{}` (at most {parts})",
                spec.name
            )));
        }
        let (value, after) = if rest.is_empty() || rest.starts_with(':') {
            (if values.len() == 1 { max } else { 0 }, rest)
        } else {
            let (value, after) = values::parse_uint_prefix(rest, 0, max).ok_or_else(|| {
                call.error(format!(
                    "`--{}` needs numbers from 0 to {max}, not `{text}`",
                    spec.name
                ))
            })?;
            if !after.is_empty() && !after.starts_with(':') {
                return Err(call.error(format!(
                    "unexpected characters `{after}` in `--{}`",
                    spec.name
                )));
            }
            (value, after)
        };
        values.push(value);
        match after.strip_prefix(':') {
            Some(next) => rest = next,
            None => break,
        }
    }
    let first = values[0];
    let last = values.get(1).copied().unwrap_or(first);
    Ok(Value::Range(first, last))
}

const TOS_NAMES: [(&str, u8); 5] = [
    ("Minimize-Delay", 0x10),
    ("Maximize-Throughput", 0x08),
    ("Maximize-Reliability", 0x04),
    ("Minimize-Cost", 0x02),
    ("Normal-Service", 0x00),
];

fn parse_tos_mask(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let name = call.spec.name;
    if let Some((value, rest)) = values::parse_uint_prefix(text, 0, 255) {
        let value = u8::try_from(value).unwrap_or(u8::MAX);
        if rest.is_empty() {
            return Ok(Value::TosMask { value, mask: 0xff });
        }
        if let Some(mask_text) = rest.strip_prefix('/') {
            if let Some(mask) = values::parse_uint(mask_text, 0, 255) {
                return Ok(Value::TosMask {
                    value,
                    mask: u8::try_from(mask).unwrap_or(u8::MAX),
                });
            }
        }
        return Err(call.error(format!("illegal value `{text}` for `--{name}`")));
    }
    let mask = u8::try_from(call.spec.max).unwrap_or(u8::MAX);
    TOS_NAMES
        .iter()
        .find(|(symbol, _)| symbol.eq_ignore_ascii_case(text))
        .map(|(_, value)| Value::TosMask {
            value: *value,
            mask,
        })
        .ok_or_else(|| call.error(format!("symbolic TOS name `{text}` is unknown")))
}

/// `xtables_parse_val_mask` without a name map.
#[must_use]
pub fn parse_value_mask(text: &str) -> Option<(u32, u32)> {
    let (value, rest) = values::parse_uint_prefix(text, 0, u64::from(u32::MAX))?;
    let value = u32::try_from(value).ok()?;
    if rest.is_empty() {
        return Some((value, u32::MAX));
    }
    let mask_text = rest.strip_prefix('/')?;
    let mask = values::parse_uint(mask_text, 0, u64::from(u32::MAX))?;
    Some((value, u32::try_from(mask).ok()?))
}

/// A syslog level by number (0-7) or by name.
#[must_use]
pub fn parse_syslog_level(text: &str) -> Option<u8> {
    if let Some(level) = values::parse_uint(text, 0, 7) {
        return u8::try_from(level).ok();
    }
    match text {
        "emerg" | "panic" => Some(0),
        "alert" => Some(1),
        "crit" => Some(2),
        "error" => Some(3),
        "warning" => Some(4),
        "notice" => Some(5),
        "info" => Some(6),
        "debug" => Some(7),
        _ => None,
    }
}

/// `getaddrinfo` on one host of the rule's family (`XTTYPE_HOST`), `text`
/// being the argument or a slice of it: a numeric address (IPv4 as
/// `inet_aton` reads it, so `10.1` is 10.0.0.1; IPv6 with an optional
/// zone) or a host name. Host names resolve when the rules are loaded:
/// fwlint does not resolve them, warns, and returns `None`. An IPv6 zone
/// that names an interface gets a warning too.
pub fn lookup_host(call: &mut OptCall<'_, '_>, text: &str) -> Result<Option<IpAddr>, ExtError> {
    let family = call.rule.family;
    match values::lookup_host(text, family) {
        values::HostLookup::Addr(addr) => Ok(Some(addr)),
        values::HostLookup::Zoned(addr, interface) => {
            call.warn_host(format!(
                "`{text}` names interface `{interface}`: the machine that loads the rules must have it"
            ), "drop the zone if the address needs none, or make sure every machine that loads the rules has this interface");
            Ok(Some(IpAddr::V6(addr)))
        }
        values::HostLookup::Name => {
            call.warn_host(format!(
                "`{text}` is a host name: iptables resolves it once, when the rule is loaded"
            ), "write the address itself: fwlint does not resolve names, and the load fails if the name does not resolve then");
            Ok(None)
        }
        values::HostLookup::Invalid => Err(call
            .part_error(
                text,
                format!("`{text}` is not an {} address", values::family_name(family)),
            )
            .help(match family {
                Family::V4 => "write an IPv4 address such as `192.0.2.1`",
                Family::V6 => "write an IPv6 address such as `2001:db8::1`",
            })),
    }
}

/// [`lookup_host`] for the model: a host name is the unspecified address,
/// so that nothing downstream mistakes it for a real one.
pub fn parse_host(call: &mut OptCall<'_, '_>, text: &str) -> Result<IpAddr, ExtError> {
    let family = call.rule.family;
    Ok(lookup_host(call, text)?.unwrap_or_else(|| values::unspecified(family)))
}

/// `xtopt_parse_plen` on `text`, the argument or a slice of it: the prefix
/// length as iptables stores it (255 for a mask whose bits are not
/// contiguous).
fn parse_plen_text(call: &OptCall<'_, '_>, text: &str) -> Result<u8, ExtError> {
    let family = call.rule.family;
    values::parse_plen(text, family).ok_or_else(|| {
        call.part_error(
            text,
            format!(
                "`{text}` in `--{}` is neither a prefix length from 0 to {} nor a network mask",
                call.spec.name,
                values::address_width(family)
            ),
        )
        .help("write a prefix length such as `24`, or a mask such as `255.255.255.0`")
    })
}

/// `xtopt_parse_plenmask` on `text`: the prefix length of the mask. A mask
/// whose bits are not contiguous (or a number that reads as one, as `33`
/// for IPv4) silently becomes the full width: fwlint warns.
fn parse_plen_mask_text(call: &mut OptCall<'_, '_>, text: &str) -> Result<u8, ExtError> {
    let length = parse_plen_text(call, text)?;
    let width = values::address_width(call.rule.family);
    if length <= width {
        return Ok(length);
    }
    call.warn(format!(
        "`{text}` is not a contiguous network mask: iptables silently uses /{width}, a single address"
    ));
    Ok(width)
}

/// `XTTYPE_PLEN` (or `XTTYPE_PLENMASK`, see [`parse_plen_mask_text`]) of
/// option `call`: a prefix length, or a mask written as an address.
pub fn parse_plen(call: &mut OptCall<'_, '_>) -> Result<u8, ExtError> {
    let text = call.arg_text();
    if call.spec.ty == ArgType::PlenMask {
        parse_plen_mask_text(call, text)
    } else {
        parse_plen_text(call, text)
    }
}

/// `XTTYPE_HOSTMASK` (`xtopt_parse_hostmask`): `host[/mask]`, split at the
/// first `/`; the host as [`lookup_host`] reads it, the mask as
/// `XTTYPE_PLENMASK`. The address of the result has its host bits cleared,
/// as the kernel compares it.
pub fn parse_host_mask(call: &mut OptCall<'_, '_>) -> Result<AddrMask, ExtError> {
    let text = call.arg_text();
    let family = call.rule.family;
    let (host, mask_text) = match text.split_once('/') {
        Some((host, mask)) => (host, Some(mask)),
        None => (text, None),
    };
    let addr = parse_host(call, host)?;
    let length = match mask_text {
        None => values::address_width(family),
        Some(mask_text) => parse_plen_mask_text(call, mask_text)?,
    };
    let mask = values::prefix_mask(length, family);
    Ok(AddrMask {
        addr: values::apply_mask(addr, mask),
        mask,
    })
}

/// The generic value of an integer range option (`XTTYPE_UINT*RC`: `a`,
/// `a:b`, `:b`, `a:`, `:`), with a warning when the range is reversed:
/// iptables 1.8.9 accepts it, and the kernel then matches no `what` (or
/// every one when the option is negated).
pub fn int_range(call: &mut OptCall<'_, '_>, what: &str) -> Result<Value, ExtError> {
    let value = call.generic()?;
    if let Value::Range(first, last) = value {
        if first > last {
            let fate = if call.invert { "every" } else { "no" };
            let message = format!(
                "range `{}` of `--{}` is reversed: iptables accepts it, and it matches {fate} {what}",
                call.arg_text(),
                call.spec.name
            );
            call.warn_help(
                message,
                format!("write the lower bound first: `{last}:{first}`"),
            );
        }
    }
    Ok(value)
}

/// `xtables_getportbyname` (glibc's `getaddrinfo` service lookup) on
/// `text`, the argument or a slice of it: a decimal number cut to 16 bits,
/// with a warning when that changes it, or a service name.
pub fn parse_service_port(call: &mut OptCall<'_, '_>, text: &str) -> Result<u16, ExtError> {
    match values::getportbyname(text) {
        Some(values::Service::Number { port, wrapped }) => {
            if wrapped {
                let span = call.part_span(text);
                call.warnings.push(
                    ExtWarning::new(
                        format!(
                            "port `{text}` is above 65535: iptables keeps only its low 16 bits, so this is port {port}"
                        ),
                        span,
                    )
                    .help("ports go from 0 to 65535"),
                );
            }
            Ok(port)
        }
        Some(values::Service::Name(port)) => Ok(port),
        None => Err(call
            .part_error(
                text,
                format!("port `{text}` is neither a number nor a known service name"),
            )
            .help("write a port number from 0 to 65535, or a name from /etc/services")),
    }
}

/// `XTTYPE_PORTRC` (`xtopt_parse_mport`): `port`, `first:last`, `:last`,
/// `first:` or `:`; an empty text is port 0. A reversed range is accepted
/// and matches no port: it gets a warning.
pub fn parse_port_range(call: &mut OptCall<'_, '_>) -> Result<PortRange, ExtError> {
    let text = call.arg_text();
    let mut parts = text.split(':');
    let first_text = parts.next().unwrap_or("");
    let last_text = parts.next();
    if parts.next().is_some() {
        return Err(call
            .error(format!(
                "`--{}` takes `port` or `first:last`, not `{text}`",
                call.spec.name
            ))
            .help("a port range has two parts; for a list of ports use `-m multiport`"));
    }
    let first = if first_text.is_empty() {
        0
    } else {
        parse_service_port(call, first_text)?
    };
    let range = match last_text {
        None => PortRange::single(first),
        Some("") => PortRange {
            first,
            last: u16::MAX,
        },
        Some(last_text) => PortRange {
            first,
            last: parse_service_port(call, last_text)?,
        },
    };
    if range.is_reversed() {
        let fate = if call.invert { "every port" } else { "no port" };
        call.warn_help(
            format!("port range `{text}` is reversed: iptables accepts it, and it matches {fate}"),
            format!(
                "write the lower port first: `{}:{}`",
                range.last, range.first
            ),
        );
    }
    Ok(range)
}
