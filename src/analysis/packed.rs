//! The rule matches of a chain, packed into bytes for as long as the
//! analysis lives.
//!
//! A cube is 208 bytes, and a rule's match was one, held for every rule of
//! every chain: on a large file the largest thing the analysis kept. Yet a
//! rule restricts few fields, and the values it allows are small integers,
//! so a match is stored as the fields that differ from the packet space of
//! its table, each range as a start and a length in as few bytes as they
//! need: 8 bytes for a blocklist entry (`-s ADDRESS`), about 20 for a
//! service rule, plus 4 for where it starts. This module owns that
//! encoding and the questions answered without unpacking (does a rule's
//! cube meet a query, where does one field of it lie); the algebra stays
//! in [`super::space`].
//!
//! The encoding is canonical: equal cubes in the same packet space give the
//! same bytes, so a rule that copies an earlier one is found by its bytes.

use super::matcher::RuleMatch;
use super::space::{Cube, Endpoint, Intervals, misc};

/// The fields of a cube, in the order they are packed; a rule's header has
/// one bit for each, set when the rule's field differs from the packet
/// space's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Src,
    Dst,
    Proto,
    Sport,
    Dport,
    Icmp,
    Iif,
    Oif,
    State,
    Nat,
    TcpFlags,
    Misc,
}

impl Field {
    const ALL: [Field; 12] = [
        Field::Src,
        Field::Dst,
        Field::Proto,
        Field::Sport,
        Field::Dport,
        Field::Icmp,
        Field::Iif,
        Field::Oif,
        Field::State,
        Field::Nat,
        Field::TcpFlags,
        Field::Misc,
    ];

    /// The field's bit in a mask of fields.
    #[must_use]
    pub fn bit(self) -> u16 {
        1 << self as u16
    }

    /// Whether the field is a set of intervals (addresses, protocols,
    /// ports, ICMP types), not bits.
    fn is_interval(self) -> bool {
        matches!(
            self,
            Field::Src | Field::Dst | Field::Proto | Field::Sport | Field::Dport | Field::Icmp
        )
    }

    /// The ranges `cube` allows in this field, if it is an interval field.
    #[inline]
    fn ranges_of(self, cube: &Cube) -> Option<FieldRanges<'_>> {
        match self {
            Field::Src => Some(FieldRanges::Wide(cube.src.ranges())),
            Field::Dst => Some(FieldRanges::Wide(cube.dst.ranges())),
            Field::Proto => Some(FieldRanges::Narrow(cube.proto.ranges())),
            Field::Sport => Some(FieldRanges::Narrow(cube.sport.ranges())),
            Field::Dport => Some(FieldRanges::Narrow(cube.dport.ranges())),
            Field::Icmp => Some(FieldRanges::Narrow(cube.icmp.ranges())),
            Field::Iif | Field::Oif | Field::State | Field::Nat | Field::TcpFlags | Field::Misc => {
                None
            }
        }
    }

    /// The smallest and largest value `cube` allows in this field, if it
    /// is an interval field and allows any.
    #[must_use]
    pub fn bounds(self, cube: &Cube) -> Option<(u128, u128)> {
        let ranges = self.ranges_of(cube)?;
        let last = ranges.len().checked_sub(1)?;
        Some((ranges.get(0).0, ranges.get(last).1))
    }

    /// The one range `cube` allows in this field, when it is an interval
    /// field that allows exactly one.
    #[must_use]
    pub fn only_range(self, cube: &Cube) -> Option<(u128, u128)> {
        let ranges = self.ranges_of(cube)?;
        (ranges.len() == 1).then(|| ranges.get(0))
    }

    /// The ranges `cube` allows in this field, if it is an interval field,
    /// into `out`.
    pub fn ranges_into(self, cube: &Cube, out: &mut Vec<(u128, u128)>) {
        if let Some(ranges) = self.ranges_of(cube) {
            out.extend((0..ranges.len()).map(|at| ranges.get(at)));
        }
    }
}

/// A cube's ranges in one interval field, at the width the cube keeps
/// them: 128 bits for addresses, 32 for the rest.
#[derive(Clone, Copy)]
enum FieldRanges<'c> {
    Wide(&'c [(u128, u128)]),
    Narrow(&'c [(u32, u32)]),
}

impl FieldRanges<'_> {
    #[inline]
    fn len(self) -> usize {
        match self {
            FieldRanges::Wide(ranges) => ranges.len(),
            FieldRanges::Narrow(ranges) => ranges.len(),
        }
    }

    /// Range `at`, widened to 128 bits.
    #[inline]
    fn get(self, at: usize) -> (u128, u128) {
        match self {
            FieldRanges::Wide(ranges) => ranges[at],
            FieldRanges::Narrow(ranges) => (ranges[at].0.into(), ranges[at].1.into()),
        }
    }
}

/// The first byte of a rule: whether its cube is exactly what it matches.
const CERTAIN: u8 = 1;

/// The bytes before the fields: the flags, and the mask of fields present.
const HEADER: usize = 3;

/// The matches of one chain's rules, in order.
#[derive(Debug, Default)]
pub struct PackedMatches {
    bytes: Box<[u8]>,
    /// Where each rule's bytes start, and where the last one ends.
    starts: Box<[u32]>,
}

/// Packs the matches of a chain one rule at a time, so that no more than
/// one unpacked match is alive.
pub struct Packer<'u> {
    universe: &'u Cube,
    bytes: Vec<u8>,
    starts: Vec<u32>,
}

impl<'u> Packer<'u> {
    /// A packer for `rules` matches in the packet space `universe`.
    #[must_use]
    pub fn new(universe: &'u Cube, rules: usize) -> Packer<'u> {
        let mut starts = Vec::with_capacity(rules + 1);
        starts.push(0);
        Packer {
            universe,
            bytes: Vec::new(),
            starts,
        }
    }

    /// Appends the next rule's match.
    pub fn push(&mut self, rule_match: &RuleMatch) {
        let (cube, universe, out) = (&rule_match.cube, self.universe, &mut self.bytes);
        let header = out.len();
        out.extend_from_slice(&[u8::from(rule_match.certain) * CERTAIN, 0, 0]);
        let mut mask = 0u16;
        for field in Field::ALL {
            // Each field is written where it differs from the packet space.
            let written = match field {
                Field::Src => differs(cube.src != universe.src, || put_intervals(out, &cube.src)),
                Field::Dst => differs(cube.dst != universe.dst, || put_intervals(out, &cube.dst)),
                Field::Proto => differs(cube.proto != universe.proto, || {
                    put_intervals(out, &cube.proto)
                }),
                Field::Sport => differs(cube.sport != universe.sport, || {
                    put_intervals(out, &cube.sport)
                }),
                Field::Dport => differs(cube.dport != universe.dport, || {
                    put_intervals(out, &cube.dport)
                }),
                Field::Icmp => differs(cube.icmp != universe.icmp, || {
                    put_intervals(out, &cube.icmp)
                }),
                Field::Iif => differs(cube.iif != universe.iif, || put_varint(out, cube.iif)),
                Field::Oif => differs(cube.oif != universe.oif, || put_varint(out, cube.oif)),
                Field::State => differs(cube.state != universe.state, || out.push(cube.state)),
                Field::Nat => differs(cube.nat != universe.nat, || out.push(cube.nat)),
                Field::TcpFlags => differs(cube.tcp_flags != universe.tcp_flags, || {
                    put_varint(out, u128::from(cube.tcp_flags));
                }),
                Field::Misc => differs(cube.misc != universe.misc, || out.push(cube.misc)),
            };
            if written {
                mask |= field.bit();
            }
        }
        out[header + 1..header + HEADER].copy_from_slice(&mask.to_le_bytes());
        // A table's matches would pass 4 GiB only past a hundred million
        // rules, whose model would not fit in memory first.
        let end = u32::try_from(out.len()).unwrap_or(u32::MAX);
        self.starts.push(end);
    }

    /// The packed matches, each vector in an allocation of its own size.
    #[must_use]
    pub fn finish(self) -> PackedMatches {
        PackedMatches {
            bytes: crate::exact::exact(self.bytes),
            starts: crate::exact::exact(self.starts),
        }
    }
}

impl PackedMatches {
    /// How many rules.
    #[must_use]
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn rule_bytes(&self, rule: usize) -> &[u8] {
        &self.bytes[self.starts[rule] as usize..self.starts[rule + 1] as usize]
    }

    /// Is rule `rule`'s cube exactly what it matches?
    #[must_use]
    pub fn certain(&self, rule: usize) -> bool {
        self.rule_bytes(rule)[0] & CERTAIN != 0
    }

    /// The bytes that stand for rule `rule`'s cube: equal for equal cubes.
    #[must_use]
    pub fn cube_key(&self, rule: usize) -> &[u8] {
        &self.rule_bytes(rule)[1..]
    }

    /// Rule `rule`'s match, unpacked in the packet space `universe`.
    #[must_use]
    pub fn get(&self, rule: usize, universe: &Cube) -> RuleMatch {
        RuleMatch {
            cube: self.cube(rule, universe),
            certain: self.certain(rule),
        }
    }

    /// Rule `rule`'s cube, unpacked in the packet space `universe`.
    #[must_use]
    pub fn cube(&self, rule: usize, universe: &Cube) -> Cube {
        // Each field is read or copied from the packet space, never both:
        // a copy overwritten would be an allocation and a free where the
        // space's field holds several ranges.
        let mut fields = Fields::of(self.rule_bytes(rule));
        let mut next = fields.next_field();
        let mut cube = Cube::nothing();
        for field in Field::ALL {
            let next = &mut next;
            match field {
                Field::Src => cube.src = fields.intervals_or(next, field, &universe.src),
                Field::Dst => cube.dst = fields.intervals_or(next, field, &universe.dst),
                Field::Proto => cube.proto = fields.intervals_or(next, field, &universe.proto),
                Field::Sport => cube.sport = fields.intervals_or(next, field, &universe.sport),
                Field::Dport => cube.dport = fields.intervals_or(next, field, &universe.dport),
                Field::Icmp => cube.icmp = fields.intervals_or(next, field, &universe.icmp),
                Field::Iif => cube.iif = fields.varint_or(next, field, universe.iif),
                Field::Oif => cube.oif = fields.varint_or(next, field, universe.oif),
                Field::State => cube.state = fields.byte_or(next, field, universe.state),
                Field::Nat => cube.nat = fields.byte_or(next, field, universe.nat),
                Field::TcpFlags => {
                    let absent = u128::from(universe.tcp_flags);
                    cube.tcp_flags = narrow(fields.varint_or(next, field, absent));
                }
                Field::Misc => cube.misc = fields.byte_or(next, field, universe.misc),
            }
        }
        cube
    }

    /// The rules of these matches that meet `query`, asked rule by rule:
    /// what the packet space itself misses of `query` is found once.
    #[must_use]
    pub fn meeting<'q>(&'q self, query: &'q Cube, universe: &Cube) -> Meeting<'q> {
        let mut misses = 0;
        let mut miss = |field: Field, meets: bool| {
            if !meets {
                misses |= field.bit();
            }
        };
        miss(Field::Src, universe.src.overlaps(&query.src));
        miss(Field::Dst, universe.dst.overlaps(&query.dst));
        miss(Field::Proto, universe.proto.overlaps(&query.proto));
        miss(Field::Sport, universe.sport.overlaps(&query.sport));
        miss(Field::Dport, universe.dport.overlaps(&query.dport));
        miss(Field::Icmp, universe.icmp.overlaps(&query.icmp));
        miss(Field::Iif, universe.iif & query.iif != 0);
        miss(Field::Oif, universe.oif & query.oif != 0);
        miss(Field::State, universe.state & query.state != 0);
        miss(Field::Nat, universe.nat & query.nat != 0);
        miss(Field::TcpFlags, universe.tcp_flags & query.tcp_flags != 0);
        miss(Field::Misc, misc_meets(universe.misc & query.misc));
        Meeting {
            matches: self,
            query,
            universe_misses: misses,
        }
    }

    /// Gives `each` the ranges rule `rule`'s cube allows in every interval
    /// field it restricts (where its field differs from the packet
    /// space's), in one walk over the rule; returns the bits
    /// ([`Field::bit`]) of the fields it restricts.
    pub fn restricted_fields(&self, rule: usize, mut each: impl FnMut(Field, u128, u128)) -> u16 {
        let mut fields = Fields::of(self.rule_bytes(rule));
        let mut restricted = 0;
        while let Some(present) = fields.next_field() {
            if !present.is_interval() {
                fields.skip(present);
                continue;
            }
            restricted |= present.bit();
            fields.ranges().for_each(|(lo, hi)| each(present, lo, hi));
        }
        restricted
    }

    /// Gives `each` the ranges rule `rule`'s cube allows in the interval
    /// field `field`, when the rule restricts it (its field differs from
    /// the packet space's); says whether it does.
    pub fn restricted_ranges(
        &self,
        rule: usize,
        field: Field,
        mut each: impl FnMut(u128, u128),
    ) -> bool {
        if !field.is_interval() {
            return false;
        }
        let mut fields = Fields::of(self.rule_bytes(rule));
        while let Some(present) = fields.next_field() {
            if present == field {
                fields.ranges().for_each(|(lo, hi)| each(lo, hi));
                return true;
            }
            fields.skip(present);
        }
        false
    }
}

/// Which rules of a chain meet one query cube.
pub struct Meeting<'q> {
    matches: &'q PackedMatches,
    query: &'q Cube,
    /// The fields where even the packet space misses the query: a rule
    /// that leaves one of them as it is misses it too.
    universe_misses: u16,
}

impl Meeting<'_> {
    /// Does rule `rule`'s cube meet the query? As
    /// `matches.cube(rule, universe).overlaps(query)`, without unpacking.
    #[must_use]
    pub fn meets(&self, rule: usize) -> bool {
        let mut fields = Fields::of(self.matches.rule_bytes(rule));
        if !fields.mask & self.universe_misses != 0 {
            return false;
        }
        let query = self.query;
        while let Some(field) = fields.next_field() {
            let meets = match field {
                Field::Src => fields.ranges_meet(&query.src),
                Field::Dst => fields.ranges_meet(&query.dst),
                Field::Proto => fields.ranges_meet(&query.proto),
                Field::Sport => fields.ranges_meet(&query.sport),
                Field::Dport => fields.ranges_meet(&query.dport),
                Field::Icmp => fields.ranges_meet(&query.icmp),
                Field::Iif => fields.varint() & query.iif != 0,
                Field::Oif => fields.varint() & query.oif != 0,
                Field::State => fields.byte() & query.state != 0,
                Field::Nat => fields.byte() & query.nat != 0,
                Field::TcpFlags => narrow::<u64>(fields.varint()) & query.tcp_flags != 0,
                Field::Misc => misc_meets(fields.byte() & query.misc),
            };
            if !meets {
                return false;
            }
        }
        true
    }
}

/// Do packets of these kinds exist: some fragment kind, some locality?
fn misc_meets(kinds: u8) -> bool {
    kinds & misc::FRAGMENTS != 0 && kinds & misc::LOCALITY != 0
}

/// A value read back into the type it was packed from.
fn narrow<T: TryFrom<u128> + Default>(value: u128) -> T {
    T::try_from(value).unwrap_or_default()
}

/// Runs `write` when the field `differs`; says whether it did.
fn differs(differs: bool, write: impl FnOnce()) -> bool {
    if differs {
        write();
    }
    differs
}

/// Appends `value` as LEB128: seven bits a byte, low bits first.
fn put_varint(out: &mut Vec<u8>, mut value: u128) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The ranges of a set. A tag byte holds their count (0, 1, 2, or 3 when
/// the count follows as a variable-length integer) and how many bytes each
/// start and each length take ([`WIDTHS`]); then each range follows as its
/// distance from the end of the one before and its length, little-endian.
/// Fixed widths are read without a loop: this is read for nearly every
/// rule a query meets.
fn put_intervals<T: Endpoint>(out: &mut Vec<u8>, set: &Intervals<T>) {
    let ranges = set.ranges();
    let mut previous_end = 0u128;
    let (mut start_width, mut length_width) = (0, 0);
    for &(lo, hi) in ranges {
        let (lo, hi): (u128, u128) = (lo.into(), hi.into());
        start_width = start_width.max(width_code(lo - previous_end));
        length_width = length_width.max(width_code(hi - lo));
        previous_end = hi;
    }
    let count_code = ranges.len().min(3) as u8;
    out.push(count_code | start_width << 2 | length_width << 5);
    if count_code == 3 {
        put_varint(out, ranges.len() as u128);
    }
    let mut previous_end = 0u128;
    for &(lo, hi) in ranges {
        let (lo, hi): (u128, u128) = (lo.into(), hi.into());
        put_fixed(out, lo - previous_end, start_width);
        put_fixed(out, hi - lo, length_width);
        previous_end = hi;
    }
}

/// The byte widths of a packed start or length, by code.
const WIDTHS: [usize; 6] = [0, 1, 2, 4, 8, 16];

/// The code of the narrowest width that holds `value`.
fn width_code(value: u128) -> u8 {
    match value {
        0 => 0,
        1..=0xff => 1,
        0x100..=0xffff => 2,
        0x1_0000..=0xffff_ffff => 3,
        0x1_0000_0000..=0xffff_ffff_ffff_ffff => 4,
        _ => 5,
    }
}

fn put_fixed(out: &mut Vec<u8>, value: u128, code: u8) {
    out.extend_from_slice(&value.to_le_bytes()[..WIDTHS[code as usize]]);
}

fn read_fixed(bytes: &mut &[u8], code: u8) -> u128 {
    let Some((value, rest)) = bytes.split_at_checked(WIDTHS[usize::from(code).min(5)]) else {
        *bytes = &[];
        return 0;
    };
    *bytes = rest;
    // Each width as its own integer: a copy of a variable length would be
    // a call to `memcpy` for every value.
    match *value {
        [] => 0,
        [byte] => u128::from(byte),
        [a, b] => u128::from(u16::from_le_bytes([a, b])),
        [a, b, c, d] => u128::from(u32::from_le_bytes([a, b, c, d])),
        [a, b, c, d, e, f, g, h] => u128::from(u64::from_le_bytes([a, b, c, d, e, f, g, h])),
        _ => <[u8; 16]>::try_from(value).map_or(0, u128::from_le_bytes),
    }
}

/// The fields of one packed rule, read in order: after
/// [`Fields::next_field`] names a field, exactly one read (or
/// [`Fields::skip`]) takes its bytes.
struct Fields<'b> {
    mask: u16,
    rest: &'b [u8],
}

impl<'b> Fields<'b> {
    fn of(rule: &'b [u8]) -> Fields<'b> {
        Fields {
            mask: u16::from_le_bytes([rule[1], rule[2]]),
            rest: &rule[HEADER..],
        }
    }

    /// The next field present, if any.
    fn next_field(&mut self) -> Option<Field> {
        if self.mask == 0 {
            return None;
        }
        let field = Field::ALL[self.mask.trailing_zeros() as usize];
        self.mask &= self.mask - 1;
        Some(field)
    }

    fn skip(&mut self, field: Field) {
        match field {
            Field::Src | Field::Dst | Field::Proto | Field::Sport | Field::Dport | Field::Icmp => {
                // Every range of a field takes the same bytes: the field is
                // stepped over without reading them.
                let tag = self.byte();
                let count = match tag & 3 {
                    3 => read_varint(&mut self.rest),
                    count => u128::from(count),
                };
                let width =
                    WIDTHS[usize::from(tag >> 2 & 7).min(5)] + WIDTHS[usize::from(tag >> 5).min(5)];
                let bytes = usize::try_from(count)
                    .ok()
                    .and_then(|count| count.checked_mul(width))
                    .unwrap_or(usize::MAX);
                self.rest = self.rest.get(bytes..).unwrap_or(&[]);
            }
            Field::Iif | Field::Oif | Field::TcpFlags => {
                self.varint();
            }
            Field::State | Field::Nat | Field::Misc => {
                self.byte();
            }
        }
    }

    fn varint(&mut self) -> u128 {
        read_varint(&mut self.rest)
    }

    fn byte(&mut self) -> u8 {
        let (&first, rest) = self.rest.split_first().unwrap_or((&0, &[]));
        self.rest = rest;
        first
    }

    /// Field `field`'s value when it is the `next` one present (then the
    /// one after it becomes `next`), else `absent`'s.
    fn intervals_or<T: Endpoint + TryFrom<u128>>(
        &mut self,
        next: &mut Option<Field>,
        field: Field,
        absent: &Intervals<T>,
    ) -> Intervals<T> {
        if *next != Some(field) {
            return absent.clone();
        }
        let value = self.intervals();
        *next = self.next_field();
        value
    }

    fn varint_or(&mut self, next: &mut Option<Field>, field: Field, absent: u128) -> u128 {
        if *next != Some(field) {
            return absent;
        }
        let value = self.varint();
        *next = self.next_field();
        value
    }

    fn byte_or(&mut self, next: &mut Option<Field>, field: Field, absent: u8) -> u8 {
        if *next != Some(field) {
            return absent;
        }
        let value = self.byte();
        *next = self.next_field();
        value
    }

    fn ranges(&mut self) -> RangesIter<'_, 'b> {
        RangesIter::new(&mut self.rest)
    }

    fn intervals<T: Endpoint + TryFrom<u128>>(&mut self) -> Intervals<T> {
        let tag = self.byte();
        // Nearly always one range, read straight from its tag: this
        // unpacks the cube of nearly every rule a run meets.
        if tag & 3 == 1 {
            let lo = read_fixed(&mut self.rest, tag >> 2 & 7);
            let hi = lo + read_fixed(&mut self.rest, tag >> 5);
            return Intervals::range(narrow(lo), narrow(hi));
        }
        Intervals::from_normalized(
            RangesIter::after_tag(&mut self.rest, tag).map(|(lo, hi)| (narrow(lo), narrow(hi))),
        )
    }

    /// Do the packed ranges meet `set`? Both are sorted: one merge walk.
    fn ranges_meet<T: Endpoint>(&mut self, set: &Intervals<T>) -> bool {
        let theirs = set.ranges();
        let tag = self.byte();
        // Nearly always one range, read straight from its tag.
        if tag & 3 == 1 {
            let lo = read_fixed(&mut self.rest, tag >> 2 & 7);
            let hi = lo + read_fixed(&mut self.rest, tag >> 5);
            return theirs
                .iter()
                .any(|&(their_lo, their_hi)| their_lo.into() <= hi && lo <= their_hi.into());
        }
        let mut j = 0;
        let mut meets = false;
        let mut ranges = RangesIter::after_tag(&mut self.rest, tag);
        for (lo, hi) in ranges.by_ref() {
            while j < theirs.len() && theirs[j].1.into() < lo {
                j += 1;
            }
            if j == theirs.len() {
                break;
            }
            if theirs[j].0.into() <= hi {
                meets = true;
                break;
            }
        }
        // The rest of the field, so that the next field reads right.
        ranges.for_each(drop);
        meets
    }
}

fn read_varint(bytes: &mut &[u8]) -> u128 {
    // Nearly every value fits in 63 bits: they are gathered in a `u64`.
    let mut value = 0u64;
    for shift in (0..63).step_by(7) {
        let Some((&byte, rest)) = bytes.split_first() else {
            return u128::from(value);
        };
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u128::from(value);
        }
    }
    let mut wide = u128::from(value);
    let mut shift = 63;
    while let Some((&byte, rest)) = bytes.split_first() {
        *bytes = rest;
        if shift < 128 {
            wide |= u128::from(byte & 0x7f) << shift;
        }
        shift += 7;
        if byte & 0x80 == 0 {
            break;
        }
    }
    wide
}

/// The ranges of one packed interval field.
struct RangesIter<'r, 'b> {
    bytes: &'r mut &'b [u8],
    left: u128,
    start_width: u8,
    length_width: u8,
    previous_end: u128,
}

impl<'r, 'b> RangesIter<'r, 'b> {
    fn new(bytes: &'r mut &'b [u8]) -> RangesIter<'r, 'b> {
        let (&tag, rest) = bytes.split_first().unwrap_or((&0, &[]));
        *bytes = rest;
        RangesIter::after_tag(bytes, tag)
    }

    /// The ranges whose tag byte `tag` was just read from `bytes`.
    fn after_tag(bytes: &'r mut &'b [u8], tag: u8) -> RangesIter<'r, 'b> {
        let left = match tag & 3 {
            3 => read_varint(bytes),
            count => u128::from(count),
        };
        RangesIter {
            bytes,
            left,
            start_width: tag >> 2 & 7,
            length_width: tag >> 5,
            previous_end: 0,
        }
    }
}

impl Iterator for RangesIter<'_, '_> {
    type Item = (u128, u128);

    fn next(&mut self) -> Option<(u128, u128)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let lo = self.previous_end + read_fixed(self.bytes, self.start_width);
        let hi = lo + read_fixed(self.bytes, self.length_width);
        self.previous_end = hi;
        Some((lo, hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Values of every size a field holds: small ports, IPv4 and IPv6
    /// addresses, the ends of the space.
    fn value(bits: u32) -> impl Strategy<Value = u128> {
        let max = if bits >= 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        };
        prop_oneof![
            0u128..300,
            (0u128..=max).prop_map(move |v| v & max),
            any::<u128>().prop_map(move |v| v & max),
            Just(max),
        ]
    }

    fn intervals<T: Endpoint + TryFrom<u128>>(bits: u32) -> impl Strategy<Value = Intervals<T>> {
        prop::collection::vec((value(bits), value(bits)), 0..5).prop_map(|pairs| {
            Intervals::from_ranges(
                pairs
                    .into_iter()
                    .map(|(a, b)| (narrow::<T>(a.min(b)), narrow::<T>(a.max(b))))
                    .collect(),
            )
        })
    }

    /// The space a rule's field is one of: the packet space's own field,
    /// or another set.
    fn field<T: Endpoint + TryFrom<u128>>(
        bits: u32,
        universe: Intervals<T>,
    ) -> impl Strategy<Value = Intervals<T>> {
        prop_oneof![Just(universe), intervals::<T>(bits)]
    }

    fn bits<T: Arbitrary + Copy + 'static>(universe: T) -> impl Strategy<Value = T> {
        prop_oneof![Just(universe), any::<T>()]
    }

    /// A packet space (IPv4 or IPv6, with three interface atoms) and
    /// cubes in it, most fields as the space has them.
    fn space_and_cubes() -> impl Strategy<Value = (Cube, Vec<(Cube, bool)>)> {
        prop_oneof![Just(32u32), Just(128u32)].prop_flat_map(|address_bits| {
            let mut universe = Cube::universe(address_bits);
            universe.iif = 0b111;
            universe.oif = 0b111;
            let u = universe.clone();
            let cube = (
                (
                    field(address_bits, u.src.clone()),
                    field(address_bits, u.dst.clone()),
                    field(8, u.proto.clone()),
                    field(16, u.sport.clone()),
                    field(16, u.dport.clone()),
                    field(16, u.icmp.clone()),
                ),
                (
                    bits(u.iif),
                    bits(u.oif),
                    bits(u.state),
                    bits(u.nat),
                    bits(u.tcp_flags),
                    bits(u.misc),
                ),
            )
                .prop_map(
                    |(
                        (src, dst, proto, sport, dport, icmp),
                        (iif, oif, state, nat, tcp_flags, misc),
                    )| Cube {
                        src,
                        dst,
                        proto,
                        sport,
                        dport,
                        icmp,
                        iif,
                        oif,
                        state,
                        nat,
                        tcp_flags,
                        misc,
                    },
                );
            (
                Just(universe),
                prop::collection::vec((cube, any::<bool>()), 1..12),
            )
        })
    }

    fn pack(universe: &Cube, cubes: &[(Cube, bool)]) -> PackedMatches {
        let matches: Vec<RuleMatch> = cubes
            .iter()
            .map(|(cube, certain)| RuleMatch {
                cube: cube.clone(),
                certain: *certain,
            })
            .collect();
        pack_matches(&matches, universe)
    }

    fn pack_matches(matches: &[RuleMatch], universe: &Cube) -> PackedMatches {
        let mut packer = Packer::new(universe, matches.len());
        for rule_match in matches {
            packer.push(rule_match);
        }
        packer.finish()
    }

    proptest! {
        #[test]
        fn every_match_unpacks_as_it_was_packed((universe, cubes) in space_and_cubes()) {
            let packed = pack(&universe, &cubes);
            prop_assert_eq!(packed.len(), cubes.len());
            for (rule, (cube, certain)) in cubes.iter().enumerate() {
                let unpacked = packed.get(rule, &universe);
                prop_assert_eq!(&unpacked.cube, cube);
                prop_assert_eq!(unpacked.certain, *certain);
            }
        }

        #[test]
        fn questions_answered_packed_agree_with_the_unpacked_cube(
            (universe, cubes) in space_and_cubes(),
        ) {
            let packed = pack(&universe, &cubes);
            let (query, rules) = cubes.split_last().expect("at least one cube");
            let meeting = packed.meeting(&query.0, &universe);
            for (rule, (cube, _)) in rules.iter().enumerate() {
                prop_assert_eq!(meeting.meets(rule), cube.overlaps(&query.0), "rule {}", rule);
                for field in Field::ALL {
                    let (mut own, mut whole, mut given) = (Vec::new(), Vec::new(), Vec::new());
                    field.ranges_into(cube, &mut own);
                    field.ranges_into(&universe, &mut whole);
                    prop_assert_eq!(field.only_range(cube), (own.len() == 1).then(|| own[0]));
                    let restricted = packed.restricted_ranges(rule, field, |lo, hi| given.push((lo, hi)));
                    prop_assert_eq!(restricted, own != whole, "{:?}", field);
                    if restricted {
                        prop_assert_eq!(given, own);
                    }
                }
                // All fields in one walk: as each field asked on its own.
                let mut walked = Vec::new();
                let bits = packed.restricted_fields(rule, |field, lo, hi| walked.push((field, lo, hi)));
                let mut asked = Vec::new();
                let mut asked_bits = 0;
                for field in Field::ALL {
                    if packed.restricted_ranges(rule, field, |lo, hi| asked.push((field, lo, hi))) {
                        asked_bits |= field.bit();
                    }
                }
                prop_assert_eq!(bits, asked_bits);
                prop_assert_eq!(walked, asked);
                for (other, (other_cube, _)) in rules.iter().enumerate() {
                    prop_assert_eq!(
                        packed.cube_key(rule) == packed.cube_key(other),
                        cube == other_cube
                    );
                }
            }
        }
    }

    #[test]
    fn a_blocklist_entry_takes_a_few_bytes() {
        // What keeps a large file's analysis small: a `-s ADDRESS -j DROP`
        // rule is its header and one range, not a 208-byte cube.
        let universe = Cube::universe(32);
        let mut cube = universe.clone();
        cube.src = Intervals::point(0xc0a8_0101);
        let packed = pack_matches(
            &[RuleMatch {
                cube,
                certain: true,
            }],
            &universe,
        );
        assert_eq!(packed.rule_bytes(0).len(), HEADER + 1 + 4);
        assert!(packed.certain(0));
    }
}
