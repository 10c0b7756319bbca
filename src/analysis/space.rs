//! The packet-set algebra: sets of packets as unions of cubes, where a cube
//! gives, for every header field fwlint models, the set of values it
//! allows (an interval set for addresses, ports, protocols and ICMP types,
//! a bit set for interfaces, connection states and flags).
//!
//! A rule's known matches are one cube (negations and lists included,
//! since each field is an arbitrary set); what the kernel does to a set of
//! packets is computed with intersection and difference. Sets are kept
//! below a budget of cubes: past it, an upper bound is widened and a lower
//! bound narrowed, which keeps every answer sound and is counted.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};

/// The integers an interval set is made of: `u128` for addresses (IPv6
/// needs all 128 bits), `u32` for the narrow fields (protocols, ports, ICMP
/// types), which keeps a cube, and with it every rule's match, small.
pub trait Endpoint: Copy + Ord + Hash + Default + fmt::Display + Into<u128> + 'static {
    /// `self + 1`, saturating.
    fn next(self) -> Self;

    /// `self - 1`; only called above zero.
    fn previous(self) -> Self;
}

impl Endpoint for u128 {
    fn next(self) -> Self {
        self.saturating_add(1)
    }

    fn previous(self) -> Self {
        self - 1
    }
}

impl Endpoint for u32 {
    fn next(self) -> Self {
        self.saturating_add(1)
    }

    fn previous(self) -> Self {
        self - 1
    }
}

/// The ranges of an interval set. Nearly every field of nearly every rule
/// is one range, which lives inline; more go to the heap behind one thin
/// pointer. A set of narrow values then takes 16 bytes (a small vector
/// takes 24: its length and the pointer and length of a spilled set), and
/// a cube, held for every rule, 32 bytes less.
#[derive(Debug, Default)]
enum Ranges<T> {
    #[default]
    Empty,
    One([(T, T); 1]),
    #[expect(
        clippy::box_collection,
        reason = "a thin pointer is what keeps the inline form small"
    )]
    Many(Box<Vec<(T, T)>>),
}

impl<T: Copy> Ranges<T> {
    fn from_slice(ranges: &[(T, T)]) -> Self {
        match ranges {
            [] => Ranges::Empty,
            [one] => Ranges::One([*one]),
            _ => Ranges::Many(Box::new(ranges.to_vec())),
        }
    }

    fn push(&mut self, range: (T, T)) {
        match self {
            Ranges::Empty => *self = Ranges::One([range]),
            Ranges::One([first]) => *self = Ranges::Many(Box::new(vec![*first, range])),
            Ranges::Many(ranges) => ranges.push(range),
        }
    }

    /// The ranges of `ranges`, held inline when there is at most one.
    fn from_vec(ranges: Vec<(T, T)>) -> Self {
        match ranges.as_slice() {
            [] => Ranges::Empty,
            [one] => Ranges::One([*one]),
            _ => Ranges::Many(Box::new(ranges)),
        }
    }
}

impl<T> Deref for Ranges<T> {
    type Target = [(T, T)];

    fn deref(&self) -> &[(T, T)] {
        match self {
            Ranges::Empty => &[],
            Ranges::One(one) => one,
            Ranges::Many(ranges) => ranges,
        }
    }
}

impl<T> DerefMut for Ranges<T> {
    fn deref_mut(&mut self) -> &mut [(T, T)] {
        match self {
            Ranges::Empty => &mut [],
            Ranges::One(one) => one,
            Ranges::Many(ranges) => ranges,
        }
    }
}

/// Equal by content, whichever way the ranges are held.
impl<T: PartialEq> PartialEq for Ranges<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for Ranges<T> {}

impl<T: Hash> Hash for Ranges<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

/// A set of integers as sorted, disjoint, non-adjacent inclusive intervals.
#[derive(PartialEq, Eq, Hash, Default)]
pub struct Intervals<T: Endpoint = u128> {
    ranges: Ranges<T>,
}

/// A set of narrow values: protocols, ports, ICMP types and codes.
pub type NarrowIntervals = Intervals<u32>;

impl<T: Endpoint> Clone for Intervals<T> {
    fn clone(&self) -> Self {
        let ranges = match &self.ranges {
            Ranges::Empty => Ranges::Empty,
            Ranges::One(one) => Ranges::One(*one),
            Ranges::Many(many) => Ranges::from_slice(many),
        };
        Intervals { ranges }
    }
}

impl<T: Endpoint> fmt::Debug for Intervals<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.ranges.iter().map(|(lo, hi)| {
                if lo == hi {
                    format!("{lo}")
                } else {
                    format!("{lo}-{hi}")
                }
            }))
            .finish()
    }
}

impl<T: Endpoint> Intervals<T> {
    #[must_use]
    pub fn empty() -> Self {
        Intervals {
            ranges: Ranges::Empty,
        }
    }

    #[must_use]
    pub fn range(lo: T, hi: T) -> Self {
        if lo > hi {
            return Intervals::empty();
        }
        Intervals {
            ranges: Ranges::One([(lo, hi)]),
        }
    }

    #[must_use]
    pub fn point(value: T) -> Self {
        Intervals::range(value, value)
    }

    /// Builds a set from any intervals (overlapping, unsorted).
    #[must_use]
    pub fn from_ranges(mut ranges: Vec<(T, T)>) -> Self {
        ranges.retain(|(lo, hi)| lo <= hi);
        ranges.sort_unstable();
        // Merged in place: the list keeps its own allocation.
        let mut kept: usize = 0;
        for position in 0..ranges.len() {
            let (lo, hi) = ranges[position];
            match kept.checked_sub(1).map(|last| &mut ranges[last]) {
                Some(last) if lo <= last.1.next() => last.1 = last.1.max(hi),
                _ => {
                    ranges[kept] = (lo, hi);
                    kept += 1;
                }
            }
        }
        ranges.truncate(kept);
        Intervals {
            ranges: Ranges::from_vec(ranges),
        }
    }

    /// A set of ranges that are already sorted, disjoint and
    /// non-adjacent, as [`Intervals::ranges`] gives them.
    #[must_use]
    pub fn from_normalized(ranges: impl IntoIterator<Item = (T, T)>) -> Self {
        let mut normalized = Ranges::Empty;
        for range in ranges {
            normalized.push(range);
        }
        Intervals { ranges: normalized }
    }

    #[must_use]
    pub fn ranges(&self) -> &[(T, T)] {
        &self.ranges
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    #[must_use]
    pub fn contains(&self, value: T) -> bool {
        match self.ranges.binary_search_by(|(lo, _)| lo.cmp(&value)) {
            Ok(_) => true,
            Err(0) => false,
            Err(index) => self.ranges[index - 1].1 >= value,
        }
    }

    /// The smallest value, if any.
    #[must_use]
    pub fn first(&self) -> Option<T> {
        self.ranges.first().map(|(lo, _)| *lo)
    }

    #[must_use]
    pub fn intersect(&self, other: &Intervals<T>) -> Intervals<T> {
        // Nearly always one range each.
        if let ([(a_lo, a_hi)], [(b_lo, b_hi)]) = (self.ranges(), other.ranges()) {
            return Intervals::range(*a_lo.max(b_lo), *a_hi.min(b_hi));
        }
        let (mut i, mut j) = (0, 0);
        let mut out = Ranges::Empty;
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a_lo, a_hi) = self.ranges[i];
            let (b_lo, b_hi) = other.ranges[j];
            let lo = a_lo.max(b_lo);
            let hi = a_hi.min(b_hi);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a_hi < b_hi {
                i += 1;
            } else {
                j += 1;
            }
        }
        Intervals { ranges: out }
    }

    #[must_use]
    pub fn union(&self, other: &Intervals<T>) -> Intervals<T> {
        let mut all: Vec<(T, T)> = self.ranges.to_vec();
        all.extend_from_slice(&other.ranges);
        Intervals::from_ranges(all)
    }

    #[must_use]
    pub fn subtract(&self, other: &Intervals<T>) -> Intervals<T> {
        // Nearly always one range less one range: at most two, built
        // without a scan (and without allocating unless there are two).
        if let ([(lo, hi)], [(b_lo, b_hi)]) = (self.ranges(), other.ranges()) {
            let (lo, hi, b_lo, b_hi) = (*lo, *hi, *b_lo, *b_hi);
            if b_hi < lo || b_lo > hi {
                return self.clone();
            }
            let below = (b_lo > lo).then(|| (lo, b_lo.previous()));
            let above = (b_hi < hi).then(|| (b_hi.next(), hi));
            let ranges = match (below, above) {
                (None, None) => Ranges::Empty,
                (Some(one), None) | (None, Some(one)) => Ranges::One([one]),
                (Some(below), Some(above)) => Ranges::Many(Box::new(vec![below, above])),
            };
            return Intervals { ranges };
        }
        // At most one range more than `self` has for each of `other`'s.
        let mut out = Vec::with_capacity(self.ranges.len() + other.ranges.len());
        let mut j = 0;
        for &(lo, hi) in self.ranges.iter() {
            let mut start = lo;
            while j < other.ranges.len() && other.ranges[j].1 < start {
                j += 1;
            }
            let mut k = j;
            let mut done = false;
            while k < other.ranges.len() && other.ranges[k].0 <= hi {
                let (b_lo, b_hi) = other.ranges[k];
                if b_lo > start {
                    out.push((start, b_lo.previous()));
                }
                if b_hi >= hi {
                    done = true;
                    break;
                }
                start = b_hi.next();
                k += 1;
            }
            if !done {
                out.push((start, hi));
            }
        }
        Intervals {
            ranges: Ranges::from_vec(out),
        }
    }

    /// Is every value of `self` in `other`? Without allocating.
    #[must_use]
    pub fn is_subset(&self, other: &Intervals<T>) -> bool {
        let mut j = 0;
        for &(lo, hi) in self.ranges.iter() {
            while j < other.ranges.len() && other.ranges[j].1 < lo {
                j += 1;
            }
            match other.ranges.get(j) {
                Some(&(b_lo, b_hi)) if b_lo <= lo && hi <= b_hi => {}
                _ => return false,
            }
        }
        true
    }

    /// Do the sets share a value? Without allocating.
    #[must_use]
    pub fn overlaps(&self, other: &Intervals<T>) -> bool {
        let mine: &[(T, T)] = &self.ranges;
        let theirs: &[(T, T)] = &other.ranges;
        // Nearly always one range each: the analysis asks this more than
        // anything else.
        if let ([(a_lo, a_hi)], [(b_lo, b_hi)]) = (mine, theirs) {
            return a_lo <= b_hi && b_lo <= a_hi;
        }
        let (mut i, mut j) = (0, 0);
        while i < mine.len() && j < theirs.len() {
            let (a_lo, a_hi) = mine[i];
            let (b_lo, b_hi) = theirs[j];
            if a_lo.max(b_lo) <= a_hi.min(b_hi) {
                return true;
            }
            if a_hi < b_hi {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }

    /// The smallest and largest value, if any.
    #[must_use]
    pub fn bounds(&self) -> Option<(T, T)> {
        Some((self.ranges.first()?.0, self.ranges.last()?.1))
    }

    /// The smallest set holding both.
    #[must_use]
    pub fn hull(&self, other: &Intervals<T>) -> Intervals<T> {
        match (self.bounds(), other.bounds()) {
            (Some((a_lo, a_hi)), Some((b_lo, b_hi))) => {
                Intervals::range(a_lo.min(b_lo), a_hi.max(b_hi))
            }
            (Some(_), None) => self.clone(),
            _ => other.clone(),
        }
    }

    /// How many ranges the set holds beyond one.
    fn extra_ranges(&self) -> usize {
        self.ranges.len().saturating_sub(1)
    }
}

/// How many ranges beyond one per field cost as much as one more cube in
/// [`PacketSet::cost`].
const RANGES_PER_CUBE_COST: usize = 16;

/// The fields of a cube, in order.
pub const FIELDS: usize = 12;

/// One cube: for each field, the values it allows.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cube {
    /// Source and destination addresses (IPv4 in the low 32 bits).
    pub src: Intervals,
    pub dst: Intervals,
    /// Layer-4 protocol, 0-255.
    pub proto: NarrowIntervals,
    pub sport: NarrowIntervals,
    pub dport: NarrowIntervals,
    /// ICMP type and code as `type * 256 + code`.
    pub icmp: NarrowIntervals,
    /// Input and output interface, as bits of the ruleset's interface atoms.
    pub iif: u128,
    pub oif: u128,
    /// Connection-tracking state bits (see [`state`]).
    pub state: u8,
    /// Whether the connection was destination- and source-NATed, as the
    /// four combinations (bit `dnat + 2 * snat`).
    pub nat: u8,
    /// TCP flags (FIN..URG) as the 64 possible combinations.
    pub tcp_flags: u64,
    /// Packet kinds: bit 0 first fragment or unfragmented, bit 1 later
    /// fragment; bit 2 the destination is an address of the host (`addrtype`
    /// LOCAL), bit 3 it is not (another host, broadcast, multicast).
    pub misc: u8,
}

/// Connection-tracking states as bits of [`Cube::state`].
pub mod state {
    pub const INVALID: u8 = 1 << 0;
    pub const NEW: u8 = 1 << 1;
    pub const ESTABLISHED: u8 = 1 << 2;
    pub const RELATED: u8 = 1 << 3;
    pub const UNTRACKED: u8 = 1 << 4;
    pub const ALL: u8 = 0x1f;
}

/// Bits of [`Cube::misc`].
pub mod misc {
    pub const UNFRAGMENTED: u8 = 1 << 0;
    pub const LATER_FRAGMENT: u8 = 1 << 1;
    pub const DST_LOCAL: u8 = 1 << 2;
    pub const DST_REMOTE: u8 = 1 << 3;
    pub const FRAGMENTS: u8 = UNFRAGMENTED | LATER_FRAGMENT;
    pub const LOCALITY: u8 = DST_LOCAL | DST_REMOTE;
    pub const ALL: u8 = FRAGMENTS | LOCALITY;
}

impl fmt::Debug for Cube {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cube")
            .field("src", &self.src)
            .field("dst", &self.dst)
            .field("proto", &self.proto)
            .field("sport", &self.sport)
            .field("dport", &self.dport)
            .field("icmp", &self.icmp)
            .field("iif", &format_args!("{:#x}", self.iif))
            .field("oif", &format_args!("{:#x}", self.oif))
            .field("state", &format_args!("{:#x}", self.state))
            .field("nat", &format_args!("{:#x}", self.nat))
            .field("tcp_flags", &format_args!("{:#x}", self.tcp_flags))
            .field("misc", &format_args!("{:#x}", self.misc))
            .finish()
    }
}

impl Cube {
    /// Every packet of a family whose addresses have `address_bits` bits.
    #[must_use]
    pub fn universe(address_bits: u32) -> Cube {
        let max_address = if address_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << address_bits) - 1
        };
        Cube {
            src: Intervals::range(0, max_address),
            dst: Intervals::range(0, max_address),
            proto: Intervals::range(0, 255),
            sport: Intervals::range(0, 65535),
            dport: Intervals::range(0, 65535),
            icmp: Intervals::range(0, 65535),
            iif: u128::MAX,
            oif: u128::MAX,
            state: state::ALL,
            nat: 0xf,
            tcp_flags: u64::MAX,
            misc: misc::ALL,
        }
    }

    /// No packet at all: every field empty. A start to fill in, which
    /// allocates nothing.
    #[must_use]
    pub fn nothing() -> Cube {
        Cube {
            src: Intervals::empty(),
            dst: Intervals::empty(),
            proto: Intervals::empty(),
            sport: Intervals::empty(),
            dport: Intervals::empty(),
            icmp: Intervals::empty(),
            iif: 0,
            oif: 0,
            state: 0,
            nat: 0,
            tcp_flags: 0,
            misc: 0,
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
            || self.dst.is_empty()
            || self.proto.is_empty()
            || self.sport.is_empty()
            || self.dport.is_empty()
            || self.icmp.is_empty()
            || self.iif == 0
            || self.oif == 0
            || self.state == 0
            || self.nat == 0
            || self.tcp_flags == 0
            || self.misc & misc::FRAGMENTS == 0
            || self.misc & misc::LOCALITY == 0
    }

    #[must_use]
    pub fn intersect(&self, other: &Cube) -> Option<Cube> {
        // Most pairs a flow meets are disjoint: the check allocates nothing.
        if !self.overlaps(other) {
            return None;
        }
        let cube = Cube {
            src: self.src.intersect(&other.src),
            dst: self.dst.intersect(&other.dst),
            proto: self.proto.intersect(&other.proto),
            sport: self.sport.intersect(&other.sport),
            dport: self.dport.intersect(&other.dport),
            icmp: self.icmp.intersect(&other.icmp),
            iif: self.iif & other.iif,
            oif: self.oif & other.oif,
            state: self.state & other.state,
            nat: self.nat & other.nat,
            tcp_flags: self.tcp_flags & other.tcp_flags,
            misc: self.misc & other.misc,
        };
        (!cube.is_empty()).then_some(cube)
    }

    /// How many ranges the interval fields hold beyond one each.
    #[must_use]
    pub fn extra_ranges(&self) -> usize {
        self.src.extra_ranges()
            + self.dst.extra_ranges()
            + self.proto.extra_ranges()
            + self.sport.extra_ranges()
            + self.dport.extra_ranges()
            + self.icmp.extra_ranges()
    }

    /// Do the cubes share a packet? Without allocating.
    #[must_use]
    pub fn overlaps(&self, other: &Cube) -> bool {
        let misc = self.misc & other.misc;
        self.iif & other.iif != 0
            && self.oif & other.oif != 0
            && self.state & other.state != 0
            && self.nat & other.nat != 0
            && self.tcp_flags & other.tcp_flags != 0
            && misc & misc::FRAGMENTS != 0
            && misc & misc::LOCALITY != 0
            && self.proto.overlaps(&other.proto)
            && self.dport.overlaps(&other.dport)
            && self.src.overlaps(&other.src)
            && self.dst.overlaps(&other.dst)
            && self.sport.overlaps(&other.sport)
            && self.icmp.overlaps(&other.icmp)
    }

    /// Does this cube hold every packet of `other`?
    #[must_use]
    pub fn contains(&self, other: &Cube) -> bool {
        other.src.is_subset(&self.src)
            && other.dst.is_subset(&self.dst)
            && other.proto.is_subset(&self.proto)
            && other.sport.is_subset(&self.sport)
            && other.dport.is_subset(&self.dport)
            && other.icmp.is_subset(&self.icmp)
            && other.iif & !self.iif == 0
            && other.oif & !self.oif == 0
            && other.state & !self.state == 0
            && other.nat & !self.nat == 0
            && other.tcp_flags & !self.tcp_flags == 0
            && other.misc & !self.misc == 0
    }

    /// `self \ other` as disjoint cubes (at most one per field).
    #[must_use]
    pub fn subtract(&self, other: &Cube) -> Vec<Cube> {
        let mut pieces = Vec::new();
        self.subtract_into(other, &mut pieces);
        pieces
    }

    /// `self \ other` as disjoint cubes, appended to `pieces`.
    pub fn subtract_into(&self, other: &Cube, pieces: &mut Vec<Cube>) {
        self.clone().subtract_owned_into(other, pieces);
    }

    /// [`Cube::subtract_into`] of a cube given away: a cube `other` misses
    /// is moved, not copied, and the last piece is what is left of it.
    pub fn subtract_owned_into(self, other: &Cube, pieces: &mut Vec<Cube>) {
        if !self.overlaps(other) {
            pieces.push(self);
            return;
        }
        // Walk the fields: the piece for field i keeps fields before i
        // inside `other`, takes field i outside it, and the rest as is.
        // The cubes overlap, so every field's intersection is non-empty;
        // a field already inside `other` (the usual case) adds no piece
        // and needs no new set.
        let first_piece = pieces.len();
        let mut prefix = self;
        macro_rules! interval_field {
            ($field:ident) => {{
                if !prefix.$field.is_subset(&other.$field) {
                    let outside = prefix.$field.subtract(&other.$field);
                    let mut piece = prefix.clone();
                    piece.$field = outside;
                    pieces.push(piece);
                    prefix.$field = prefix.$field.intersect(&other.$field);
                }
            }};
        }
        macro_rules! bit_field {
            ($field:ident) => {{
                let outside = prefix.$field & !other.$field;
                if outside != 0 {
                    let mut piece = prefix.clone();
                    piece.$field = outside;
                    pieces.push(piece);
                    prefix.$field &= other.$field;
                }
            }};
        }
        interval_field!(src);
        interval_field!(dst);
        interval_field!(proto);
        interval_field!(sport);
        interval_field!(dport);
        interval_field!(icmp);
        bit_field!(iif);
        bit_field!(oif);
        bit_field!(state);
        bit_field!(nat);
        bit_field!(tcp_flags);
        // The misc bits hold two independent groups; split them apart.
        for group in [misc::FRAGMENTS, misc::LOCALITY] {
            let outside = prefix.misc & group & !other.misc;
            if outside != 0 {
                let mut piece = prefix.clone();
                piece.misc = (prefix.misc & !group) | outside;
                pieces.push(piece);
                prefix.misc &= !outside;
            }
        }
        let mut index = first_piece;
        while index < pieces.len() {
            if pieces[index].is_empty() {
                pieces.remove(index);
            } else {
                index += 1;
            }
        }
    }

    /// The smallest cube holding both.
    #[must_use]
    pub fn hull(&self, other: &Cube) -> Cube {
        Cube {
            src: self.src.hull(&other.src),
            dst: self.dst.hull(&other.dst),
            proto: self.proto.hull(&other.proto),
            sport: self.sport.hull(&other.sport),
            dport: self.dport.hull(&other.dport),
            icmp: self.icmp.hull(&other.icmp),
            iif: self.iif | other.iif,
            oif: self.oif | other.oif,
            state: self.state | other.state,
            nat: self.nat | other.nat,
            tcp_flags: self.tcp_flags | other.tcp_flags,
            misc: self.misc | other.misc,
        }
    }
}

/// The most cubes a set may hold before it is approximated.
pub const BUDGET: usize = 2048;

/// A set of packets: a union of cubes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PacketSet {
    cubes: Vec<Cube>,
}

/// Which way an approximation must err to stay sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The set may only grow: it is an upper bound.
    Upper,
    /// The set may only shrink: it is a lower bound.
    Lower,
}

impl PacketSet {
    #[must_use]
    pub fn empty() -> Self {
        PacketSet { cubes: Vec::new() }
    }

    #[must_use]
    pub fn from_cube(cube: Cube) -> Self {
        if cube.is_empty() {
            return PacketSet::empty();
        }
        PacketSet { cubes: vec![cube] }
    }

    #[must_use]
    pub fn cubes(&self) -> &[Cube] {
        &self.cubes
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.cubes.is_empty()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.cubes.len()
    }

    /// `self ∩ cube`.
    #[must_use]
    pub fn intersect_cube(&self, cube: &Cube) -> PacketSet {
        PacketSet {
            cubes: self
                .cubes
                .iter()
                .filter_map(|c| c.intersect(cube))
                .collect(),
        }
    }

    #[must_use]
    pub fn intersect(&self, other: &PacketSet) -> PacketSet {
        let mut cubes = Vec::new();
        for a in &self.cubes {
            for b in &other.cubes {
                if let Some(cube) = a.intersect(b) {
                    cubes.push(cube);
                }
            }
        }
        PacketSet { cubes }
    }

    /// `self \ cube`, in place: the cubes `cube` misses stay where they
    /// are, and each one it meets gives way to its pieces, in order.
    pub fn remove_cube(&mut self, cube: &Cube) {
        let Some(first) = self.cubes.iter().position(|c| c.overlaps(cube)) else {
            return;
        };
        let mut cubes = Vec::with_capacity(self.cubes.len() + 4);
        let mut old = std::mem::take(&mut self.cubes).into_iter();
        cubes.extend(old.by_ref().take(first));
        for c in old {
            c.subtract_owned_into(cube, &mut cubes);
        }
        self.cubes = cubes;
    }

    #[must_use]
    pub fn subtract(&self, other: &PacketSet) -> PacketSet {
        let mut result = self.clone();
        for cube in &other.cubes {
            if result.is_empty() {
                break;
            }
            result.remove_cube(cube);
        }
        result
    }

    /// `self ∪ other`.
    pub fn extend(&mut self, other: PacketSet) {
        // Dropping cubes that another already holds keeps small sets
        // small; on large ones the quadratic check costs more than it saves.
        if self.cubes.len() + other.cubes.len() > 16 {
            self.cubes.extend(other.cubes);
            return;
        }
        // Exactly: a set that grows from nothing would otherwise reserve
        // room for four cubes, and the recording keeps one set per chain.
        self.cubes.reserve_exact(other.cubes.len());
        for cube in other.cubes {
            if !self.cubes.iter().any(|c| c.contains(&cube)) {
                self.cubes.push(cube);
            }
        }
    }

    #[must_use]
    pub fn union(mut self, other: PacketSet) -> PacketSet {
        self.extend(other);
        self
    }

    /// Does the set hold every packet of `other`?
    #[must_use]
    pub fn contains_set(&self, other: &PacketSet) -> bool {
        other.subtract(self).is_empty()
    }

    /// Keeps the set within [`BUDGET`] cubes, erring in the direction
    /// `bound` allows; returns whether it had to approximate.
    pub fn limit(&mut self, bound: Bound) -> bool {
        self.limit_to(bound, BUDGET)
    }

    /// Keeps the set within `most` cubes, erring in the direction `bound`
    /// allows: an upper bound becomes its hull, a lower bound loses cubes.
    pub fn limit_to(&mut self, bound: Bound, most: usize) -> bool {
        if self.cubes.len() <= most {
            return false;
        }
        match bound {
            Bound::Upper => {
                self.cubes = self.hull().into_iter().collect();
            }
            Bound::Lower => self.cubes.truncate(most),
        }
        true
    }

    /// The smallest cube holding the whole set.
    #[must_use]
    pub fn hull(&self) -> Option<Cube> {
        let (first, rest) = self.cubes.split_first()?;
        Some(
            rest.iter()
                .fold(first.clone(), |hull, cube| hull.hull(cube)),
        )
    }

    /// What an operation on the set costs, in cubes of ordinary size: a
    /// cube whose fields hold many ranges (a flow less thousands of single
    /// addresses) costs as much as many cubes, so that budgets counted in
    /// cubes bound the time too.
    #[must_use]
    pub fn cost(&self) -> usize {
        self.cubes
            .iter()
            .map(|cube| 1 + cube.extra_ranges() / RANGES_PER_CUBE_COST)
            .sum()
    }

    /// Does some cube of the set meet `cube`?
    #[must_use]
    pub fn overlaps_cube(&self, cube: &Cube) -> bool {
        self.cubes.iter().any(|c| c.overlaps(cube))
    }

    /// One packet of the set, if it has any: the smallest value of every
    /// field of its first cube.
    #[must_use]
    pub fn sample(&self) -> Option<&Cube> {
        self.cubes.first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ranges_are_one_inline_or_many_on_the_heap() {
        let mut set: Ranges<u32> = Ranges::Empty;
        assert!(set.is_empty());
        set.push((1, 2));
        assert!(matches!(set, Ranges::One(_)));
        set.push((5, 9));
        set.push((12, 12));
        assert_eq!(&*set, &[(1, 2), (5, 9), (12, 12)]);
        assert_eq!(Ranges::from_slice(&set), set);
        assert!(matches!(Ranges::from_slice(&[(3, 4)]), Ranges::One(_)));
        // The memory of every rule's match depends on it.
        assert_eq!(std::mem::size_of::<NarrowIntervals>(), 16);
        let spilled = NarrowIntervals::from_ranges(vec![(1, 2), (5, 9)]);
        assert_eq!(
            spilled.union(&NarrowIntervals::range(3, 4)),
            NarrowIntervals::range(1, 9)
        );
    }

    fn intervals() -> impl Strategy<Value = Intervals> {
        prop::collection::vec((0u128..16, 0u128..16), 0..4).prop_map(|pairs| {
            Intervals::from_ranges(
                pairs
                    .into_iter()
                    .map(|(a, b)| (a.min(b), a.max(b)))
                    .collect(),
            )
        })
    }

    fn members(set: &Intervals) -> Vec<u128> {
        (0..16).filter(|v| set.contains(*v)).collect()
    }

    proptest! {
        /// Any list of ranges, reversed (empty), overlapping or touching
        /// ones included, gives the set of their members, in normal form:
        /// sorted, disjoint and not adjacent.
        #[test]
        fn from_ranges_normalizes(pairs in prop::collection::vec((0u32..16, 0u32..16), 0..8), at_top in any::<bool>()) {
            // Near the top of the type too, where `next` saturates.
            let shift = if at_top { u32::MAX - 15 } else { 0 };
            let pairs: Vec<(u32, u32)> = pairs.into_iter().map(|(a, b)| (a + shift, b + shift)).collect();
            let set = NarrowIntervals::from_ranges(pairs.clone());
            for value in (0..16).map(|v| v + shift) {
                let expected = pairs.iter().any(|&(lo, hi)| lo <= value && value <= hi);
                prop_assert_eq!(set.contains(value), expected);
            }
            for pair in set.ranges().windows(2) {
                prop_assert!(pair[0].0 <= pair[0].1);
                prop_assert!(pair[0].1.saturating_add(1) < pair[1].0);
            }
        }

        #[test]
        fn interval_operations_agree_with_enumeration(a in intervals(), b in intervals()) {
            let ma = members(&a);
            let mb = members(&b);
            let inter: Vec<u128> = ma.iter().copied().filter(|v| mb.contains(v)).collect();
            let uni: Vec<u128> = (0..16).filter(|v| ma.contains(v) || mb.contains(v)).collect();
            let diff: Vec<u128> = ma.iter().copied().filter(|v| !mb.contains(v)).collect();
            prop_assert_eq!(members(&a.intersect(&b)), inter);
            prop_assert_eq!(members(&a.union(&b)), uni);
            prop_assert_eq!(members(&a.subtract(&b)), diff.clone());
            prop_assert_eq!(a.is_subset(&b), diff.is_empty());
        }
    }

    /// A tiny packet space for enumeration: src 0..4, dport 0..4, states.
    fn small_cube() -> impl Strategy<Value = Cube> {
        (intervals(), intervals(), 1u8..32).prop_map(|(src, dport, state)| {
            let mut cube = Cube::universe(4);
            cube.src = src.intersect(&Intervals::range(0, 3));
            cube.dport = narrow(&dport).intersect(&Intervals::range(0, 3));
            cube.sport = Intervals::point(0);
            cube.dst = Intervals::point(0);
            cube.proto = Intervals::point(6);
            cube.icmp = Intervals::point(0);
            cube.iif = 1;
            cube.oif = 1;
            cube.nat = 1;
            cube.tcp_flags = 1;
            cube.misc = misc::UNFRAGMENTED | misc::DST_LOCAL;
            cube.state = state;
            cube
        })
    }

    /// The same set over the narrow integers.
    fn narrow(set: &Intervals) -> NarrowIntervals {
        Intervals::from_ranges(
            set.ranges()
                .iter()
                .map(|&(lo, hi)| {
                    (
                        u32::try_from(lo).expect("small"),
                        u32::try_from(hi).expect("small"),
                    )
                })
                .collect(),
        )
    }

    fn small_members(set: &PacketSet) -> Vec<(u128, u32, u8)> {
        let mut found = Vec::new();
        for src in 0..4u128 {
            for dport in 0..4u32 {
                for bit in 0..5u8 {
                    let inside = set.cubes().iter().any(|c| {
                        c.src.contains(src) && c.dport.contains(dport) && c.state & (1 << bit) != 0
                    });
                    if inside {
                        found.push((src, dport, bit));
                    }
                }
            }
        }
        found
    }

    proptest! {
        #[test]
        fn set_operations_agree_with_enumeration(a in prop::collection::vec(small_cube(), 0..3), b in prop::collection::vec(small_cube(), 0..3)) {
            let mut set_a = PacketSet::empty();
            for cube in a { set_a.extend(PacketSet::from_cube(cube)); }
            let mut set_b = PacketSet::empty();
            for cube in b { set_b.extend(PacketSet::from_cube(cube)); }
            let ma = small_members(&set_a);
            let mb = small_members(&set_b);
            let inter: Vec<_> = ma.iter().copied().filter(|v| mb.contains(v)).collect();
            let diff: Vec<_> = ma.iter().copied().filter(|v| !mb.contains(v)).collect();
            let mut uni: Vec<_> = ma.iter().chain(mb.iter()).copied().collect();
            uni.sort_unstable();
            uni.dedup();
            prop_assert_eq!(small_members(&set_a.intersect(&set_b)), inter);
            prop_assert_eq!(small_members(&set_a.subtract(&set_b)), diff.clone());
            prop_assert_eq!(small_members(&set_a.clone().union(set_b.clone())), uni);
            prop_assert_eq!(set_b.contains_set(&set_a), diff.is_empty());
        }

        #[test]
        fn removing_a_cube_in_place_leaves_every_other_packet(
            cubes in prop::collection::vec(small_cube(), 0..5),
            taken in small_cube(),
        ) {
            let set = PacketSet { cubes };
            let mut in_place = set.clone();
            in_place.remove_cube(&taken);
            let taken_members = small_members(&PacketSet::from_cube(taken.clone()));
            let expected: Vec<_> = small_members(&set)
                .into_iter()
                .filter(|member| !taken_members.contains(member))
                .collect();
            prop_assert_eq!(small_members(&in_place), expected);
            // The cubes it misses keep their place: a lower bound cut to a
            // budget keeps the same first cubes.
            let missed: Vec<&Cube> = set.cubes().iter().take_while(|c| !c.overlaps(&taken)).collect();
            prop_assert!(in_place.cubes().iter().zip(&missed).all(|(kept, was)| kept == *was));
        }
    }

    #[test]
    fn subtraction_pieces_are_disjoint() {
        let mut a = Cube::universe(32);
        a.dport = Intervals::range(0, 100);
        let mut b = Cube::universe(32);
        b.proto = Intervals::point(6);
        b.dport = Intervals::point(22);
        let pieces = a.subtract(&b);
        assert_eq!(pieces.len(), 2);
        assert!(pieces[0].intersect(&pieces[1]).is_none());
        assert!(pieces.iter().all(|piece| piece.intersect(&b).is_none()));
    }
}
