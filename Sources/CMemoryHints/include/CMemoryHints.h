#ifndef HINDSIGHT_CMEMORYHINTS_H
#define HINDSIGHT_CMEMORYHINTS_H

/// Asks the CPU to start loading the cache line at `address` (for reading) without waiting for it:
/// loops that are about to touch scattered memory (a hash table slot, a record's state) issue it a
/// few items ahead. A hint only: any address is allowed, nothing is read, nothing can fault.
static inline void hindsight_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
