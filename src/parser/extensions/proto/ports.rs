//! Port arguments of the old-style protocol parsers.
//!
//! iptables 1.8.9 reads ports in two ways. The old-style parsers (`tcp`,
//! `sctp`, `multiport`) use `xtables_parse_port`, here: a number from 0 to
//! 65535 in C's `strtoul` base-0 syntax, or a service name of the match's
//! own protocol. The `XTTYPE_PORT`/`XTTYPE_PORTRC` options (`udp`, `dccp`)
//! use `xtables_getportbyname`, which is glibc's `getaddrinfo(NULL, name)`:
//! a decimal number read by `strtoul` and cut to an `int`, then to 16 bits
//! without a word, or a service name of any protocol; the generic parsers
//! read those (see
//! [`crate::parser::extensions::generic::parse_port_range`]).

use crate::model::PortRange;
use crate::parser::extensions::{ExtError, OptCall};
use crate::parser::values;

/// `xtables_parse_port`: a number from 0 to 65535 (C's base-0 `strtoul`
/// syntax) or a service name of `protocol`.
pub fn parse_port(call: &OptCall<'_, '_>, part: &str, protocol: &str) -> Result<u16, ExtError> {
    if call.arg_text().is_empty() {
        return Err(call
            .error(format!(
                "`--{}` needs a port, not an empty argument",
                call.spec.name
            ))
            .help("write a port number or a service name"));
    }
    if part.is_empty() {
        return Err(call
            .error(format!("a port is missing in `{}`", call.arg_text()))
            .help("write a port number or a service name"));
    }
    values::parse_port(part, Some(protocol)).ok_or_else(|| {
        call.error(format!(
            "`{part}` is neither a port number (0-65535) nor a known {protocol} service"
        ))
        .help(format!(
            "write a port number, or a name that /etc/services lists for {protocol}"
        ))
    })
}

/// The port ranges of the old-style parsers (`parse_tcp_ports`,
/// `parse_sctp_ports`): `port`, `first:last`, `:last`, `first:`; a reversed
/// range is refused. Everything after the first colon is the last port.
pub fn parse_strict_range(call: &OptCall<'_, '_>, protocol: &str) -> Result<PortRange, ExtError> {
    let text = call.arg_text();
    let Some((first, last)) = values::split_once_ascii(text, b':') else {
        return Ok(PortRange::single(parse_port(call, text, protocol)?));
    };
    let first = if first.is_empty() {
        0
    } else {
        parse_port(call, first, protocol)?
    };
    let last = if last.is_empty() {
        u16::MAX
    } else {
        parse_port(call, last, protocol)?
    };
    if first > last {
        return Err(call
            .error(format!("port range `{text}` is reversed"))
            .help(format!("write the lower port first: `{last}:{first}`")));
    }
    Ok(PortRange { first, last })
}
