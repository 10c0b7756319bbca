//! Port arguments shared by the protocol matches.
//!
//! iptables 1.8.9 reads ports in two ways. The old-style parsers (`tcp`,
//! `sctp`, `multiport`) use `xtables_parse_port`: a number from 0 to 65535
//! in C's `strtoul` base-0 syntax, or a service name of the match's own
//! protocol. The `XTTYPE_PORT`/`XTTYPE_PORTRC` options (`udp`, `dccp`) use
//! `xtables_getportbyname`, which is glibc's `getaddrinfo(NULL, name)`: a
//! decimal number read by `strtoul` and cut to an `int`, then to 16 bits
//! without a word, or a service name of any protocol.

use crate::model::PortRange;
use crate::parser::extensions::{ExtError, ExtWarning, OptCall};
use crate::parser::values;

pub use crate::parser::values::{Service, getportbyname};

/// A warning about a port that was cut to 16 bits.
fn wrapped_warning(call: &OptCall<'_, '_>, part: &str, port: u16) -> ExtWarning {
    ExtWarning {
        message: format!(
            "port `{part}` is above 65535: iptables keeps only its low 16 bits, so this is port {port}"
        ),
        span: call.arg_span(),
        help: Some("ports go from 0 to 65535".to_string()),
    }
}

/// One port of an `XTTYPE_PORTRC` argument, with a warning when it wraps.
fn port_rc_part(call: &mut OptCall<'_, '_>, part: &str) -> Result<u16, ExtError> {
    match getportbyname(part) {
        Some(Service::Number { port, wrapped }) => {
            if wrapped {
                let warning = wrapped_warning(call, part, port);
                call.warnings.push(warning);
            }
            Ok(port)
        }
        Some(Service::Name(port)) => Ok(port),
        None => Err(call
            .error(format!(
                "port `{part}` is neither a number nor a known service name"
            ))
            .help("write a port number from 0 to 65535, or a name from /etc/services")),
    }
}

/// `XTTYPE_PORTRC` (`xtopt_parse_mport`): `port`, `first:last`, `:last`,
/// `first:` or `:`; an empty text is port 0. A reversed range is accepted
/// and matches no port: it gets a warning.
pub fn parse_port_rc(call: &mut OptCall<'_, '_>) -> Result<PortRange, ExtError> {
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
        port_rc_part(call, first_text)?
    };
    let range = match last_text {
        None => PortRange::single(first),
        Some("") => PortRange {
            first,
            last: u16::MAX,
        },
        Some(last_text) => PortRange {
            first,
            last: port_rc_part(call, last_text)?,
        },
    };
    warn_if_reversed(call, range);
    Ok(range)
}

/// Warns about a range whose first port is above its last.
pub fn warn_if_reversed(call: &mut OptCall<'_, '_>, range: PortRange) {
    if range.is_reversed() {
        let text = call.arg_text();
        let fate = if call.invert { "every port" } else { "no port" };
        call.warnings.push(ExtWarning {
            message: format!(
                "port range `{text}` is reversed: iptables accepts it, and it matches {fate}"
            ),
            span: call.arg_span(),
            help: Some(format!(
                "write the lower port first: `{}:{}`",
                range.last, range.first
            )),
        });
    }
}

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
    let Some((first, last)) = text.split_once(':') else {
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
