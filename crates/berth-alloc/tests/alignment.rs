//! Every block honours its layout's alignment, whichever mimalloc function served it.

use std::alloc::{GlobalAlloc, Layout};

use berth_alloc::Mimalloc;

/// Sizes around every small size class and a few large ones, each with every
/// alignment from 1 to 4096 (a layout's size need not be a multiple of its alignment).
fn layouts() -> Vec<Layout> {
    let sizes = (1..=600).chain([1000, 1024, 1040, 4096, 8200, 65536, 70000, 1 << 21, 5 << 20]);
    sizes
        .flat_map(|size| (0..=12).map(move |shift| Layout::from_size_align(size, 1 << shift)))
        .map(Result::unwrap)
        .collect()
}

fn is_aligned(ptr: *mut u8, layout: Layout) -> bool {
    !ptr.is_null() && (ptr as usize).is_multiple_of(layout.align())
}

#[test]
fn alloc_and_alloc_zeroed_honour_the_alignment() {
    for layout in layouts() {
        // Several blocks per layout, so that more than the first block of a page is seen
        // (blocks of a size class lie at multiples of its size from the page's start).
        let blocks: Vec<*mut u8> = (0..4)
            // SAFETY: every layout has a non-zero size.
            .map(|_| unsafe { Mimalloc.alloc(layout) })
            .collect();
        for &block in &blocks {
            assert!(is_aligned(block, layout), "{layout:?} gave {block:p}");
            // SAFETY: the block was allocated with this layout and is freed once.
            unsafe { Mimalloc.dealloc(block, layout) };
        }
        // SAFETY: as above.
        unsafe {
            let block = Mimalloc.alloc_zeroed(layout);
            assert!(
                is_aligned(block, layout),
                "{layout:?} (zeroed) gave {block:p}"
            );
            let bytes = std::slice::from_raw_parts(block, layout.size());
            assert!(bytes.iter().all(|&b| b == 0), "{layout:?} not zeroed");
            Mimalloc.dealloc(block, layout);
        }
    }
}

#[test]
fn realloc_keeps_the_alignment_and_the_contents() {
    for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
        let mut layout = Layout::from_size_align(align, align).unwrap();
        // SAFETY: non-zero size; every realloc passes the block's current layout and a
        // new size that is a non-zero multiple of the alignment; the block is freed once.
        unsafe {
            let mut block = Mimalloc.alloc(layout);
            assert!(is_aligned(block, layout));
            block.write_bytes(0xab, layout.size());
            for new_size in [3 * align, 24 * align, 1000 * align, 2 * align, align] {
                let kept = layout.size().min(new_size);
                block = Mimalloc.realloc(block, layout, new_size);
                layout = Layout::from_size_align(new_size, align).unwrap();
                assert!(
                    is_aligned(block, layout),
                    "{layout:?} after realloc: {block:p}"
                );
                let bytes = std::slice::from_raw_parts(block, kept);
                assert!(
                    bytes.iter().all(|&b| b == 0xab),
                    "{layout:?} lost its contents"
                );
                block.write_bytes(0xab, new_size);
            }
            Mimalloc.dealloc(block, layout);
        }
    }
}
