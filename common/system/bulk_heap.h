// SPDX-License-Identifier: Apache-2.0
// bulk_heap.h — memory advice for a process about to hold a whole directory in memory
// (`dirbind sync`, `dirbind check-config`).
//
// A 100,000-user sync makes about a million allocations, ~200 MB live at once. With 4 KiB
// pages that is ~50,000 page faults, and most accesses to the scattered records miss the TLB
// (a nested page walk in a VM): measured, about half of the sync's CPU time. Transparent huge
// pages cut both by 512×. Everything here is advisory: on any failure, or where THP is off,
// allocation behaves as before.
#pragma once

#include <cstddef>

namespace dirbind {

// Prepares malloc for about `bytes` of allocations that stay live together: the heap grows
// once by that much, the kernel is asked for huge pages on it, and memory freed later is kept
// for reuse instead of being returned and faulted in again. Once per process; below a few MB
// it does nothing. Untouched reserve costs address space, not memory.
void prepare_bulk_heap(std::size_t bytes) noexcept;

// Asks for transparent huge pages on the whole 2 MiB pages inside [p, p + n): for the few big
// buffers (the document text, the user vector) that malloc maps on their own.
void advise_huge_pages(const void* p, std::size_t n) noexcept;

}  // namespace dirbind
