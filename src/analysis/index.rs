//! Finding the rules of a chain that may match some packets without
//! looking at every rule.
//!
//! Evaluating a chain on a set of packets needs only the rules whose cube
//! meets the set, and deciding whether one rule is reached needs only the
//! earlier rules whose cube meets it. Real chains are long lists of rules
//! that differ in one field (a blocklist of sources, a service table of
//! destination ports, kube-proxy's cluster addresses), so a chain keeps an
//! interval tree per such field; a query uses the field where it is
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

    /// Appends the ids of intervals that meet `[lo, hi]` and pass `keep`,
    /// stopping after `limit` of them; returns false when it stopped early.
    fn overlapping(
        &self,
        lo: K,
        hi: K,
        keep: impl Fn(u32) -> bool,
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
            if item_hi >= lo && keep(id) {
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

/// One field's index: the rules narrow in it, in a tree, and the others.
#[derive(Debug)]
struct FieldIndex {
    field: Field,
    /// The whole range of the field: a query that spans it gains nothing.
    full: (u128, u128),
    tree: Tree,
    /// Rules that allow every value of the field, in order.
    wide: Vec<u32>,
}

/// The tree of a field, over the narrowest integers that hold it.
#[derive(Debug)]
enum Tree {
    Narrow(IntervalTree<u32>),
    Wide(IntervalTree<u128>),
}

impl Tree {
    /// A tree over `items` (`count` of them), whose bounds all lie in
    /// `full`.
    fn new(
        items: impl Iterator<Item = (u128, u128, u32)>,
        count: usize,
        full: (u128, u128),
    ) -> Tree {
        if u32::try_from(full.1).is_ok() {
            let narrow = |value: u128| u32::try_from(value).unwrap_or(u32::MAX);
            let mut narrowed = Vec::with_capacity(count);
            narrowed.extend(items.map(|(lo, hi, id)| (narrow(lo), narrow(hi), id)));
            Tree::Narrow(IntervalTree::new(narrowed))
        } else {
            let mut wide = Vec::with_capacity(count);
            wide.extend(items);
            Tree::Wide(IntervalTree::new(wide))
        }
    }

    fn overlapping(
        &self,
        lo: u128,
        hi: u128,
        keep: impl Fn(u32) -> bool,
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
                tree.overlapping(lo, hi, keep, limit, out)
            }
            Tree::Wide(tree) => tree.overlapping(lo, hi, keep, limit, out),
        }
    }
}

/// The index of one chain's rules.
#[derive(Debug, Default)]
pub struct ChainIndex {
    fields: Vec<FieldIndex>,
}

impl ChainIndex {
    /// Indexes the `rules` rules of a chain within the packet space
    /// `universe`; `bounds` gives where a rule's cube lies in a field, as
    /// [`Field::bounds`].
    #[must_use]
    pub fn new(
        rules: usize,
        bounds: impl Fn(usize, Field) -> Option<(u128, u128)>,
        universe: &Cube,
    ) -> ChainIndex {
        if rules < SCAN_BELOW {
            return ChainIndex::default();
        }
        let mut fields = Vec::new();
        for field in INDEXED {
            let Some(full) = field.bounds(universe) else {
                continue;
            };
            let narrow_bounds = |rule: usize| bounds(rule, field).filter(|bounds| *bounds != full);
            let narrow = (0..rules)
                .filter(|&rule| narrow_bounds(rule).is_some())
                .count();
            // A field that few rules restrict would send most queries to
            // the list of wide rules anyway.
            if narrow * 4 < rules {
                continue;
            }
            // Built in one pass at their final size: on a chain of a
            // million rules, a list of `u128` bounds to narrow afterwards
            // would be the largest thing alive.
            let mut wide = Vec::with_capacity(rules - narrow);
            let items = (0..rules).filter_map(|position| {
                let id = u32::try_from(position).unwrap_or(u32::MAX);
                match narrow_bounds(position) {
                    Some(bounds) => Some((bounds.0, bounds.1, id)),
                    None => {
                        wide.push(id);
                        None
                    }
                }
            });
            let tree = Tree::new(items, narrow, full);
            fields.push(FieldIndex {
                field,
                full,
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
            .filter_map(|index| {
                let bounds = index.field.bounds(query)?;
                (bounds != index.full).then_some((index, bounds))
            })
            .min_by_key(|(index, _)| index.wide.len());
        let Some((index, (lo, hi))) = best.filter(|_| range.len() >= SCAN_BELOW) else {
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
        let keep = |id: u32| id >= start && id < end && meets(id as usize);
        let mut complete = index.tree.overlapping(lo, hi, keep, limit, out);
        let first_wide = index.wide.partition_point(|&id| id < start);
        for &id in index.wide[first_wide..].iter().take_while(|&&id| id < end) {
            if meets(id as usize) {
                if out.len() >= limit {
                    complete = false;
                    break;
                }
                out.push(id);
            }
        }
        out.sort_unstable();
        complete
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::space::Intervals;
    use proptest::prelude::*;

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
            let index = ChainIndex::new(cubes.len(), |rule, field| field.bounds(&cubes[rule]), &Cube::universe(32));
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

    #[test]
    fn a_long_blocklist_is_searched_by_source() {
        let cubes: Vec<Cube> = (0..1000u128)
            .map(|i| cube_with((i * 4, i * 4), (0, 65535)))
            .collect();
        let index = ChainIndex::new(
            cubes.len(),
            |rule, field| field.bounds(&cubes[rule]),
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
