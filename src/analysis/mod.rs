//! Packet-flow analysis: what the rules do to sets of packets.

pub mod interfaces;
pub mod matcher;
pub mod space;
