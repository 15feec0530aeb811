// SPDX-License-Identifier: Apache-2.0
// bulk_heap.cc — implementation of bulk_heap.h.
#include "system/bulk_heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace dirbind {
namespace {

constexpr std::uintptr_t kHugePage = 2u << 20;                         // x86-64 and arm64 (4 KiB base pages)
constexpr std::size_t kMinBytes = 32u << 20;                           // smaller runs gain nothing measurable
constexpr std::size_t kMaxBytes = (std::size_t{1} << 31) - kHugePage;  // M_TOP_PAD is an int
constexpr int kMmapThreshold = 32 << 20;                               // glibc's ceiling for M_MMAP_THRESHOLD

void advise(std::uintptr_t lo, std::uintptr_t hi) noexcept {
    lo = (lo + kHugePage - 1) & ~(kHugePage - 1);
    hi &= ~(kHugePage - 1);
    if (hi > lo) (void)::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
}

}  // namespace

void prepare_bulk_heap(std::size_t bytes) noexcept {
    static bool done = false;
    if (done || bytes < kMinBytes) return;
    done = true;
    bytes = std::min(bytes, kMaxBytes);
    // Keep freed memory (the document text, parse temporaries) for the allocations that
    // follow, and serve everything below 32 MB from the heap, which is the part advised.
    mallopt(M_TRIM_THRESHOLD, static_cast<int>(kMaxBytes));
    mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
    // glibc grows its main heap with brk: pad the next growth to `bytes`, trigger it with one
    // allocation the current top cannot hold, and advise whatever the break moved over. If
    // the heap is not brk-based (or brk fails) the break does not move and nothing is advised.
    mallopt(M_TOP_PAD, static_cast<int>(bytes));
    auto* before = static_cast<char*>(::sbrk(0));
    void* volatile trigger = std::malloc(kMmapThreshold / 2);  // volatile: not optimised away
    auto* after = static_cast<char*>(::sbrk(0));
    std::free(trigger);
    mallopt(M_TOP_PAD, static_cast<int>(kHugePage));  // later growth: in 2 MiB steps, unadvised
    if (before != reinterpret_cast<char*>(-1) && after != reinterpret_cast<char*>(-1) && after > before)
        advise(reinterpret_cast<std::uintptr_t>(before), reinterpret_cast<std::uintptr_t>(after));
}

void advise_huge_pages(const void* p, std::size_t n) noexcept {
    if (n < kHugePage) return;
    auto lo = reinterpret_cast<std::uintptr_t>(p);
    advise(lo, lo + n);
}

}  // namespace dirbind
