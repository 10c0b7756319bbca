//! The generic value parsers of libxtables (`xtoptions.c`), one per
//! [`ArgType`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{ArgType, ExtError, OptCall};
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
            let value = parse_c_double(text).ok_or_else(|| call.error(format!("`--{name}` needs a number, not `{text}`")))?;
            if spec.min != spec.max && (value < spec.min as f64 || value > spec.max as f64) {
                return Err(call.error(format!(
                    "`--{name}` must be from {} to {}, not `{text}`",
                    spec.min, spec.max
                )));
            }
            Ok(Value::Double(value))
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
            Ok(Value::Text(text.to_string()))
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
        ArgType::Host => parse_host(call).map(Value::Host),
        ArgType::HostMask => parse_host_mask(call),
        ArgType::Protocol => values::parse_protocol(text)
            .map(Value::Protocol)
            .ok_or_else(|| call.error(format!("unknown protocol `{text}`"))),
        ArgType::Port => {
            let port = parse_service_port(call, text)?;
            Ok(Value::Port(port))
        }
        ArgType::PortRange => parse_port_range(call),
        ArgType::Plen | ArgType::PlenMask => parse_plen(call).map(Value::Plen),
        ArgType::EtherMac => values::parse_mac(text)
            .map(Value::Mac)
            .ok_or_else(|| call.error(format!("invalid MAC address `{text}`: write six hex bytes, as `00:11:22:33:44:55`"))),
    }
}

/// C's `strtod` on the whole text (no trailing characters).
fn parse_c_double(text: &str) -> Option<f64> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return None;
    }
    trimmed.parse::<f64>().ok()
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

/// `getaddrinfo` on one address of the rule's family (IPv4 as `inet_aton`
/// reads it, so `10.1` is 10.0.0.1). Host names resolve at load time;
/// fwlint does not resolve them, warns, and uses the unspecified address so
/// that nothing downstream mistakes it for a real one.
fn parse_host_text(call: &mut OptCall<'_, '_>, text: &str) -> Result<IpAddr, ExtError> {
    let family = call.rule.family;
    match values::lookup_host(text, family) {
        values::HostLookup::Addr(addr) => Ok(addr),
        values::HostLookup::Name => {
            call.warn(format!(
                "`{text}` is a host name: iptables resolves it once, when the rule is loaded"
            ));
            Ok(match family {
                Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            })
        }
        values::HostLookup::Invalid => Err(call.error(format!(
            "`{text}` is not an {} address",
            match family {
                Family::V4 => "IPv4",
                Family::V6 => "IPv6",
            }
        ))),
    }
}

fn parse_host(call: &mut OptCall<'_, '_>) -> Result<IpAddr, ExtError> {
    let text = call.arg_text();
    parse_host_text(call, text)
}

fn full_mask(family: Family, length: u8) -> IpAddr {
    match family {
        Family::V4 => {
            let length = u32::from(length.min(32));
            IpAddr::V4(Ipv4Addr::from(if length == 0 {
                0
            } else {
                u32::MAX << (32 - length)
            }))
        }
        Family::V6 => {
            let length = u32::from(length.min(128));
            IpAddr::V6(Ipv6Addr::from(if length == 0 {
                0
            } else {
                u128::MAX << (128 - length)
            }))
        }
    }
}

/// `xtopt_parse_hostmask`: a host, and after `/` a prefix length or mask
/// (`xtopt_parse_plenmask`).
fn parse_host_mask(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let family = call.rule.family;
    let width: u8 = match family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    let (host, length) = match text.split_once('/') {
        None => (text, width),
        Some((host, mask)) => {
            let length = values::parse_plen(mask, family).ok_or_else(|| {
                call.error(format!(
                    "`{mask}` is neither a prefix length from 0 to {width} nor a network mask"
                ))
            })?;
            // A non-contiguous mask (255) means the full width.
            (host, length.min(width))
        }
    };
    let addr = parse_host_text(call, host)?;
    let mask = full_mask(family, length);
    // The model keeps addresses with their host bits cleared, as the
    // kernel compares them.
    let addr = match (addr, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & u32::from(m))),
        (IpAddr::V6(a), IpAddr::V6(m)) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & u128::from(m))),
        (addr, _) => addr,
    };
    Ok(Value::HostMask(AddrMask { addr, mask }))
}

/// `xtables_getportbyname` (glibc's `getaddrinfo` service lookup), with a
/// warning when a number loses its high bits.
fn parse_service_port(call: &mut OptCall<'_, '_>, text: &str) -> Result<u16, ExtError> {
    match values::getportbyname(text) {
        Some(values::Service::Number { port, wrapped }) => {
            if wrapped {
                call.warnings.push(super::ExtWarning {
                    message: format!(
                        "port `{text}` is above 65535: iptables keeps only its low 16 bits, so this is port {port}"
                    ),
                    span: call.arg_span(),
                    help: Some("ports go from 0 to 65535".to_string()),
                });
            }
            Ok(port)
        }
        Some(values::Service::Name(port)) => Ok(port),
        None => Err(call.error(format!(
            "port `{text}` is neither a number nor a known service name"
        ))),
    }
}

fn parse_port_range(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let mut ports = [0u16, u16::MAX];
    let mut count = 0;
    for part in text.split(':') {
        if count == 2 {
            return Err(call.error(format!(
                "`--{}` takes `port` or `first:last`, not `{text}`",
                call.spec.name
            )));
        }
        if !part.is_empty() {
            ports[count] = parse_service_port(call, part)?;
        }
        count += 1;
    }
    if count == 1 {
        ports[1] = ports[0];
    }
    Ok(Value::PortRange(PortRange {
        first: ports[0],
        last: ports[1],
    }))
}

/// A prefix length, or a mask in address form (`xtopt_parse_plen`); for
/// `XTTYPE_PLENMASK` a non-contiguous mask means the full width.
fn parse_plen(call: &mut OptCall<'_, '_>) -> Result<u8, ExtError> {
    let text = call.arg_text();
    let family = call.rule.family;
    let width: u8 = match family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    let length = values::parse_plen(text, family).ok_or_else(|| {
        call.error(format!(
            "`--{}` needs a prefix length from 0 to {width} or a network mask, not `{text}`",
            call.spec.name
        ))
    })?;
    Ok(if call.spec.ty == ArgType::PlenMask {
        length.min(width)
    } else {
        length
    })
}
