//! Finding the rules of a chain that may match some packets without
//! looking at every rule.
//!
//! Evaluating a chain on a set of packets needs only the rules whose cube
//! meets the set, and deciding whether one rule is reached needs only the
//! earlier rules whose cube meets it. Real chains are long lists of rules
//! that differ in one field (a blocklist of sources, a service table of
//! destination ports, kube-proxy's cluster addresses), so a chain keeps an
//! interval tree per such field, with an entry for each range a rule
//! allows (a list of ports is several small ranges, not their hull, which
//! would meet nearly every query); a query uses the field where it is
//! narrowest. Short chains are simply scanned. The index only narrows the
//! search: every rule it returns is checked against the query cube.

use std::ops::Range;

use super::packed::Field;
use super::space::Cube;

/// Chains shorter than this are scanned rule by rule.
const SCAN_BELOW: usize = 24;

/// Intervals `[lo, hi]` with an id, sorted by `lo`, searchable for
/// overlaps in `O(log n + k)`: an implicit balanced tree over the sorted
/// array where every node knows the largest `hi` below it. The bounds are
/// `u32` where the field fits (IPv4 addresses, ports): 16 bytes a rule
/// instead of 64 with `u128`, which IPv6 addresses need.
#[derive(Debug, Default)]
struct IntervalTree<K> {
    items: Vec<(K, K, u32)>,
    /// Per node (the middle of a range of `items`): the largest `hi` in
    /// that range.
    max_hi: Vec<K>,
}

impl<K: Copy + Ord + Default> IntervalTree<K> {
    fn new(mut items: Vec<(K, K, u32)>) -> IntervalTree<K> {
        items.sort_unstable();
        let mut max_hi = vec![K::default(); items.len()];
        fill_max(&items, &mut max_hi, 0, items.len());
        IntervalTree { items, max_hi }
    }

    /// Appends the ids of intervals that meet `[lo, hi]` and pass `keep`
    /// (given each interval), stopping after `limit` of them; returns false
    /// when it stopped early.
    fn overlapping(
        &self,
        lo: K,
        hi: K,
        mut keep: impl FnMut(K, K, u32) -> bool,
        limit: usize,
        out: &mut Vec<u32>,
    ) -> bool {
        // An explicit stack of ranges keeps the walk free of recursion,
        // and on the stack of the thread: this runs for nearly every rule.
        // It holds at most one pending range per level of the tree, and
        // ids are `u32`, so the tree is at most 33 levels deep.
        let mut stack = [(0, 0); 64];
        stack[0] = (0, self.items.len());
        let mut depth = 1;
        while depth > 0 {
            depth -= 1;
            let (start, end) = stack[depth];
            if start >= end {
                continue;
            }
            let middle = start + (end - start) / 2;
            if self.max_hi[middle] < lo {
                continue;
            }
            stack[depth] = (start, middle);
            depth += 1;
            let (item_lo, item_hi, id) = self.items[middle];
            // Everything right of the middle starts at or after it.
            if item_lo > hi {
                continue;
            }
            if item_hi >= lo && keep(item_lo, item_hi, id) {
                if out.len() >= limit {
                    return false;
                }
                out.push(id);
            }
            stack[depth] = (middle + 1, end);
            depth += 1;
        }
        true
    }
}

/// Fills `max_hi` for the subtree over `items[start..end]`; returns its
/// largest `hi`. The depth is the tree's height, about 40 at most.
fn fill_max<K: Copy + Ord + Default>(
    items: &[(K, K, u32)],
    max_hi: &mut [K],
    start: usize,
    end: usize,
) -> K {
    if start >= end {
        return K::default();
    }
    let middle = start + (end - start) / 2;
    let left = fill_max(items, max_hi, start, middle);
    let right = fill_max(items, max_hi, middle + 1, end);
    let max = items[middle].1.max(left).max(right);
    max_hi[middle] = max;
    max
}

/// The fields a chain can be indexed on.
const INDEXED: [Field; 3] = [Field::Src, Field::Dst, Field::Dport];

/// A rule that allows more ranges than this in a field (a long list of
/// ports, a negated address) is kept with the rules that leave the field
/// open: its entries would fill the tree for little.
const MOST_RANGES: usize = 32;

/// A query with more ranges than this in the indexed field walks the
/// tree once, over their hull.
const QUERY_RANGES: usize = 8;

/// The bit of a tree entry's id that says its rule has several entries:
/// those may be met more than once by one query. Ids of rules are below
/// 2^31 (a chain of two billion rules does not load).
const SEVERAL: u32 = 1 << 31;

/// One field's index: the ranges of the rules that restrict it, in a
/// tree, and the other rules.
#[derive(Debug)]
struct FieldIndex {
    field: Field,
    /// The whole range of the field: a query that spans it gains nothing.
    full: (u128, u128),
    tree: Tree,
    /// Rules that restrict the field to no few ranges, in order.
    wide: Vec<u32>,
}

/// The tree of a field, over the narrowest integers that hold it.
#[derive(Debug)]
enum Tree {
    Narrow(IntervalTree<u32>),
    Wide(IntervalTree<u128>),
}

impl Tree {
    fn overlapping(
        &self,
        lo: u128,
        hi: u128,
        mut keep: impl FnMut(u128, u128, u32) -> bool,
        limit: usize,
        out: &mut Vec<u32>,
    ) -> bool {
        match self {
            Tree::Narrow(tree) => {
                // Every interval lies in the narrow range: a query that
                // starts beyond it meets none, one that ends beyond it
                // meets what its part inside the range meets.
                let Ok(lo) = u32::try_from(lo) else {
                    return true;
                };
                let hi = u32::try_from(hi).unwrap_or(u32::MAX);
                let widened = |lo: u32, hi: u32, id| keep(u128::from(lo), u128::from(hi), id);
                tree.overlapping(lo, hi, widened, limit, out)
            }
            Tree::Wide(tree) => tree.overlapping(lo, hi, keep, limit, out),
        }
    }
}

/// The ranges one rule allows in each indexed field, as its match gives
/// them: gathered in one walk over the rule.
#[derive(Default)]
struct RuleRanges {
    /// Per field of [`INDEXED`]: the ranges, when the rule restricts it.
    ranges: [Vec<(u128, u128)>; INDEXED.len()],
    restricted: [bool; INDEXED.len()],
}

impl RuleRanges {
    fn read(
        &mut self,
        ranges: &impl Fn(usize, &mut dyn FnMut(Field, u128, u128)) -> u16,
        position: usize,
    ) {
        self.ranges.iter_mut().for_each(Vec::clear);
        let restricted = ranges(position, &mut |field, lo, hi| {
            if let Some(at) = INDEXED.iter().position(|&indexed| indexed == field) {
                self.ranges[at].push((lo, hi));
            }
        });
        for (at, field) in INDEXED.iter().enumerate() {
            self.restricted[at] = restricted & field.bit() != 0;
        }
    }

    /// How many entries the rule has in field `at` of [`INDEXED`] when it
    /// goes into the field's tree: it restricts the field, to few ranges,
    /// none of them the whole field. `None` for the wide rules.
    fn entries(&self, at: usize, full: (u128, u128)) -> Option<usize> {
        let ranges = &self.ranges[at];
        (self.restricted[at] && ranges.len() <= MOST_RANGES && !ranges.contains(&full))
            .then_some(ranges.len())
    }
}

/// The index of one chain's rules.
#[derive(Debug, Default)]
pub struct ChainIndex {
    fields: Vec<FieldIndex>,
}

/// One field's entries while a chain is indexed.
struct Building {
    field: Field,
    full: (u128, u128),
    /// The tree's entries, at the width of the field (see [`Tree`]).
    narrow_entries: Vec<(u32, u32, u32)>,
    wide_entries: Vec<(u128, u128, u32)>,
    /// Per rule: does it restrict the field to no few ranges? A flag, not
    /// a list of them: most rules are wide in the fields they leave open,
    /// and a list for each field at once was a peak on long blocklists.
    wide_rule: Vec<bool>,
}

impl ChainIndex {
    /// Indexes the `rules` rules of a chain within the packet space
    /// `universe`. `ranges(rule, each)` gives `each` the ranges rule `rule`
    /// allows in each interval field it restricts, and returns the bits
    /// ([`Field::bit`]) of the fields it restricts, as
    /// [`super::packed::PackedMatches::restricted_fields`].
    #[must_use]
    pub fn new(
        rules: usize,
        ranges: impl Fn(usize, &mut dyn FnMut(Field, u128, u128)) -> u16,
        universe: &Cube,
    ) -> ChainIndex {
        if rules < SCAN_BELOW {
            return ChainIndex::default();
        }
        let mut building: Vec<(usize, Building)> = INDEXED
            .iter()
            .enumerate()
            .filter_map(|(at, &field)| {
                let full = field.bounds(universe)?;
                Some((
                    at,
                    Building {
                        field,
                        full,
                        narrow_entries: Vec::new(),
                        wide_entries: Vec::new(),
                        wide_rule: vec![false; rules],
                    },
                ))
            })
            .collect();
        let is_narrow = |full: (u128, u128)| u32::try_from(full.1).is_ok();
        let mut rule_ranges = RuleRanges::default();
        // Each range of a rule is an entry of its own: the hull of a list
        // of ports would meet nearly every query. Entries are made at the
        // width of the field: on a long blocklist, a list of 128-bit bounds
        // narrowed afterwards was the peak of the whole run. 128-bit
        // entries (IPv6 addresses) are counted first and made at their
        // final number: 48 bytes each, doubling would hold the old list and
        // the new at once.
        if building.iter().any(|(_, field)| !is_narrow(field.full)) {
            let mut counts = [0usize; INDEXED.len()];
            for position in 0..rules {
                rule_ranges.read(&ranges, position);
                for (at, field) in &building {
                    counts[*at] += rule_ranges.entries(*at, field.full).unwrap_or(0);
                }
            }
            for (at, field) in &mut building {
                if !is_narrow(field.full) {
                    field.wide_entries = Vec::with_capacity(counts[*at]);
                }
            }
        }
        let narrow = |value: u128| u32::try_from(value).unwrap_or(u32::MAX);
        for position in 0..rules {
            let id = u32::try_from(position).unwrap_or(u32::MAX);
            rule_ranges.read(&ranges, position);
            for (at, field) in &mut building {
                let Some(count) = rule_ranges.entries(*at, field.full) else {
                    field.wide_rule[position] = true;
                    continue;
                };
                let tagged = if count > 1 { id | SEVERAL } else { id };
                for &(lo, hi) in &rule_ranges.ranges[*at] {
                    if is_narrow(field.full) {
                        field.narrow_entries.push((narrow(lo), narrow(hi), tagged));
                    } else {
                        field.wide_entries.push((lo, hi, tagged));
                    }
                }
            }
        }
        let mut fields = Vec::new();
        for (_, mut field) in building {
            let wide_rules = field.wide_rule.iter().filter(|&&wide| wide).count();
            // A field that few rules restrict would send most queries to
            // the list of wide rules anyway.
            if (rules - wide_rules) * 4 < rules {
                continue;
            }
            let mut wide = Vec::with_capacity(wide_rules);
            wide.extend(
                (0..rules)
                    .filter(|&position| field.wide_rule[position])
                    .map(|position| u32::try_from(position).unwrap_or(u32::MAX)),
            );
            drop(field.wide_rule);
            let tree = if is_narrow(field.full) {
                field.narrow_entries.shrink_to_fit();
                Tree::Narrow(IntervalTree::new(field.narrow_entries))
            } else {
                Tree::Wide(IntervalTree::new(field.wide_entries))
            };
            fields.push(FieldIndex {
                field: field.field,
                full: field.full,
                tree,
                wide,
            });
        }
        ChainIndex { fields }
    }

    /// The rules of `range` whose cube meets `query`, in order, into `out`
    /// (cleared first). `meets` tells whether a rule's cube meets `query`.
    /// At most `limit` rules are given: then it returns false, and `out`
    /// holds some of them, not necessarily the first.
    pub fn meeting(
        &self,
        meets: impl Fn(usize) -> bool,
        query: &Cube,
        range: Range<usize>,
        limit: usize,
        out: &mut Vec<u32>,
    ) -> bool {
        out.clear();
        let best = self
            .fields
            .iter()
            .filter(|index| {
                index
                    .field
                    .bounds(query)
                    .is_none_or(|bounds| bounds != index.full)
            })
            .min_by_key(|index| index.wide.len());
        let Some(index) = best.filter(|_| range.len() >= SCAN_BELOW) else {
            for position in range {
                if meets(position) {
                    if out.len() >= limit {
                        return false;
                    }
                    out.push(u32::try_from(position).unwrap_or(u32::MAX));
                }
            }
            return true;
        };
        let start = u32::try_from(range.start).unwrap_or(u32::MAX);
        let end = u32::try_from(range.end).unwrap_or(u32::MAX);
        // One range, nearly always (a rule's port, a flow's address):
        // then no list is made for it.
        let only;
        let mut several_wanted = Vec::new();
        let wanted: &[(u128, u128)] = match index.field.only_range(query) {
            Some(range) => {
                only = [range];
                &only
            }
            None => {
                index.field.ranges_into(query, &mut several_wanted);
                &several_wanted
            }
        };
        let (Some(&(lo, _)), Some(&(_, hi))) = (wanted.first(), wanted.last()) else {
            // The query allows nothing in this field: nothing meets it.
            return true;
        };
        let in_range = |id: u32| id >= start && id < end;
        let mut several = Vec::new();
        // Asks the rule of an entry met by the walk, once: `earlier_hi` is
        // where the query's range before the walked one ends (an entry
        // that reaches it was met by that walk), and a rule with several
        // entries is asked below, however many of them meet.
        let mut keep = |entry_lo: u128, id: u32, earlier_hi: Option<u128>| {
            if earlier_hi.is_some_and(|earlier_hi| entry_lo <= earlier_hi) {
                return false;
            }
            if id & SEVERAL != 0 {
                if in_range(id & !SEVERAL) {
                    several.push(id & !SEVERAL);
                }
                return false;
            }
            in_range(id) && meets(id as usize)
        };
        if wanted.len() <= QUERY_RANGES {
            // A walk per range: a list of ports asks for what is near each.
            let mut earlier_hi = None;
            for &(lo, hi) in wanted {
                let keep = |entry_lo, _, id| keep(entry_lo, id, earlier_hi);
                index.tree.overlapping(lo, hi, keep, usize::MAX, out);
                earlier_hi = Some(hi);
            }
        } else {
            // One walk over the hull of many ranges (a flow less a list of
            // addresses); an entry between them is dropped before its rule
            // is asked.
            let meets_wanted = |entry_lo: u128, entry_hi: u128| {
                let next = wanted.partition_point(|&(_, wanted_hi)| wanted_hi < entry_lo);
                next < wanted.len() && wanted[next].0 <= entry_hi
            };
            let keep = |entry_lo, entry_hi, id| {
                meets_wanted(entry_lo, entry_hi) && keep(entry_lo, id, None)
            };
            index.tree.overlapping(lo, hi, keep, usize::MAX, out);
        }
        several.sort_unstable();
        several.dedup();
        out.extend(several.into_iter().filter(|&id| meets(id as usize)));
        // Then the wide ones.
        let mut complete = out.len() <= limit;
        let first_wide = index.wide.partition_point(|&id| id < start);
        for &id in index.wide[first_wide..].iter().take_while(|&&id| id < end) {
            if !complete {
                break;
            }
            if meets(id as usize) {
                out.push(id);
                complete = out.len() <= limit;
            }
        }
        out.sort_unstable();
        out.truncate(limit);
        complete
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::space::Intervals;
    use proptest::prelude::*;

    /// The ranges of `cube` in each interval field where they differ from
    /// the whole IPv4 space's, and the bits of those fields, as packed
    /// matches give them.
    fn restricted(cube: &Cube, each: &mut dyn FnMut(Field, u128, u128)) -> u16 {
        let mut bits = 0;
        for field in INDEXED {
            let mut own = Vec::new();
            field.ranges_into(cube, &mut own);
            let mut whole = Vec::new();
            field.ranges_into(&Cube::universe(32), &mut whole);
            if own != whole {
                bits |= field.bit();
                own.into_iter().for_each(|(lo, hi)| each(field, lo, hi));
            }
        }
        bits
    }

    fn cube_with(src: (u128, u128), dport: (u32, u32)) -> Cube {
        let mut cube = Cube::universe(32);
        cube.src = Intervals::range(src.0, src.1);
        cube.dport = Intervals::range(dport.0, dport.1);
        cube
    }

    proptest! {
        #[test]
        fn finds_exactly_the_rules_a_scan_finds(
            rules in prop::collection::vec(((0u128..64, 0u128..8), (0u32..64, 0u32..8), any::<bool>()), 0..80),
            query in ((0u128..64, 0u128..8), (0u32..64, 0u32..8)),
            start in 0usize..80,
            length in 0usize..80,
        ) {
            let full = (0, u128::from(u32::MAX));
            let cubes: Vec<Cube> = rules
                .iter()
                .map(|((s, sw), (d, dw), wide)| {
                    let src = if *wide { full } else { (*s, s + sw) };
                    cube_with(src, (*d, d + dw))
                })
                .collect();
            let index = ChainIndex::new(cubes.len(), |rule, each| restricted(&cubes[rule], each), &Cube::universe(32));
            let query = cube_with((query.0.0, query.0.0 + query.0.1), (query.1.0, query.1.0 + query.1.1));
            let start = start.min(cubes.len());
            let end = (start + length).min(cubes.len());
            let mut found = Vec::new();
            prop_assert!(index.meeting(|rule| cubes[rule].overlaps(&query), &query, start..end, usize::MAX, &mut found));
            let expected: Vec<u32> = (start..end)
                .filter(|&i| cubes[i].overlaps(&query))
                .map(|i| i as u32)
                .collect();
            prop_assert_eq!(found, expected);
        }
    }

    /// A set of up to `most` ranges in `0..=span`, from random starts and
    /// widths (overlaps merge).
    fn ranges(most: usize, span: u32) -> impl Strategy<Value = Vec<(u32, u32)>> {
        prop::collection::vec((0..span, 0u32..6), 1..=most).prop_map(move |ranges| {
            ranges
                .into_iter()
                .map(|(lo, width)| (lo, (lo + width).min(span)))
                .collect()
        })
    }

    fn cube_of(src: &[(u32, u32)], dport: &[(u32, u32)]) -> Cube {
        let mut cube = Cube::universe(32);
        cube.src = Intervals::from_ranges(
            src.iter()
                .map(|&(lo, hi)| (u128::from(lo), u128::from(hi)))
                .collect(),
        );
        cube.dport = Intervals::from_ranges(dport.to_vec());
        cube
    }

    proptest! {
        #[test]
        fn rules_and_queries_of_several_ranges_are_found_once_each(
            rules in prop::collection::vec((ranges(4, 80), ranges(3, 80), any::<bool>()), 24..90),
            query in (ranges(12, 80), ranges(12, 80)),
            start in 0usize..40,
            limit in 1usize..40,
        ) {
            let cubes: Vec<Cube> = rules
                .iter()
                .map(|(src, dport, wide)| {
                    if *wide {
                        cube_of(&[(0, u32::MAX)], dport)
                    } else {
                        cube_of(src, dport)
                    }
                })
                .collect();
            let index = ChainIndex::new(cubes.len(), |rule, each| restricted(&cubes[rule], each), &Cube::universe(32));
            let query = cube_of(&query.0, &query.1);
            let range = start..cubes.len();
            let expected: Vec<u32> = range
                .clone()
                .filter(|&i| cubes[i].overlaps(&query))
                .map(|i| i as u32)
                .collect();
            let mut found = Vec::new();
            prop_assert!(index.meeting(|rule| cubes[rule].overlaps(&query), &query, range.clone(), usize::MAX, &mut found));
            prop_assert_eq!(&found, &expected);
            // With a limit: complete when it is not reached, else `limit`
            // of the rules that meet, each once.
            let complete = index.meeting(|rule| cubes[rule].overlaps(&query), &query, range, limit, &mut found);
            prop_assert_eq!(complete, expected.len() <= limit);
            prop_assert_eq!(found.len(), expected.len().min(limit));
            prop_assert!(found.windows(2).all(|pair| pair[0] < pair[1]));
            prop_assert!(found.iter().all(|rule| expected.contains(rule)));
        }
    }

    #[test]
    fn a_long_blocklist_is_searched_by_source() {
        let cubes: Vec<Cube> = (0..1000u128)
            .map(|i| cube_with((i * 4, i * 4), (0, 65535)))
            .collect();
        let index = ChainIndex::new(
            cubes.len(),
            |rule, each| restricted(&cubes[rule], each),
            &Cube::universe(32),
        );
        let mut found = Vec::new();
        let query = cube_with((400, 407), (0, 65535));
        assert!(index.meeting(
            |rule| cubes[rule].overlaps(&query),
            &query,
            0..1000,
            usize::MAX,
            &mut found
        ));
        assert_eq!(found, vec![100, 101]);
        assert!(!index.meeting(
            |rule| cubes[rule].overlaps(&query),
            &query,
            0..1000,
            1,
            &mut found
        ));
        assert_eq!(found.len(), 1);
    }
}
