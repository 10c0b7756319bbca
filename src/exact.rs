//! Vectors kept for as long as a file is checked (the model's lists, the
//! analysis's packed rule matches), moved to allocations of exactly their
//! size. It owns only that policy; what is kept is its callers' business.

/// Vectors of at least this many bytes are shrunk where they lie by
/// [`exact`].
const MOVE_BELOW_BYTES: usize = 1 << 20;

/// `items` in an allocation of exactly their size, for what is kept as
/// long as the file is checked. A small vector shrunk where it lies may
/// keep its whole block (an allocator reuses a block for any size down to
/// half of it): a vector of room for four that holds two or three would
/// stay as large as before, so it moves to a new one. A large one is
/// shrunk where it lies, which gives its tail back, rather than copied
/// whole while the original is still held.
pub fn exact<T>(mut items: Vec<T>) -> Box<[T]> {
    if items.capacity() == items.len() || items.len() * std::mem::size_of::<T>() >= MOVE_BELOW_BYTES
    {
        return items.into_boxed_slice();
    }
    let mut exact = Vec::with_capacity(items.len());
    exact.append(&mut items);
    exact.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    #[test]
    fn exact_keeps_the_items_in_order_and_no_spare_room() {
        let mut items = Vec::with_capacity(4);
        items.extend([3, 1, 2]);
        let boxed = super::exact(items);
        assert_eq!(&*boxed, &[3, 1, 2]);
        assert_eq!(boxed.into_vec().capacity(), 3);
        assert!(super::exact(Vec::<u8>::new()).is_empty());
        // A large vector is shrunk where it lies, to its exact size too.
        let mut large = Vec::with_capacity(2 * super::MOVE_BELOW_BYTES);
        large.resize(super::MOVE_BELOW_BYTES + 1, 7u8);
        let boxed = super::exact(large);
        assert_eq!(boxed.len(), super::MOVE_BELOW_BYTES + 1);
        assert_eq!(boxed.into_vec().capacity(), super::MOVE_BELOW_BYTES + 1);
    }
}
