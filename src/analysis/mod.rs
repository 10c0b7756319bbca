//! Packet-flow analysis: what the rules do to sets of packets.

pub mod space;
